#!/usr/bin/env bash
# The two Kubernetes clusters of tests/env (components/k8s.sh) do what wissel's tests rely on:
# real rollouts on kwok nodes spread over zones, RBAC for the limited user, TLS everywhere.
set -u
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require k8s

ns=env-k8s-test-$$
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_TEST" --request-timeout 15s "$@"; }
cleanup() {
    local c
    for c in cluster-a cluster-b; do
        kc --context "$c" delete namespace "$ns" --wait=false >/dev/null 2>&1
    done
}
trap cleanup EXIT

# Both API servers report the pinned release.
for c in cluster-a cluster-b; do
    v=$(kc --context "$c" version -o json 2>/dev/null | sed -n '/"serverVersion"/,/}/s/.*"gitVersion": "\(.*\)".*/\1/p')
    check "$c serves Kubernetes $K8S_VERSION (got '${v:-nothing}')" [ "$v" = "$K8S_VERSION" ]
done

# At least three Ready nodes in at least two zones.
for c in cluster-a cluster-b; do
    nodes=$(kc --context "$c" get nodes -o jsonpath='{range .items[*]}{.metadata.name} {.metadata.labels.topology\.kubernetes\.io/zone} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}')
    ready=$(printf '%s\n' "$nodes" | awk '$3 == "True"' | wc -l)
    zones=$(printf '%s\n' "$nodes" | awk '$3 == "True" && $2 != "" {print $2}' | sort -u | wc -l)
    check "$c has at least 3 Ready nodes (has $ready)" [ "$ready" -ge 3 ]
    check "$c spreads its Ready nodes over at least 2 zones (has $zones)" [ "$zones" -ge 2 ]
done

# A Deployment of 2 replicas becomes ready on each cluster within 60 s.
deployment() {
    cat <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $ns
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: $ns
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: wissel-test/web:1
        ports:
        - containerPort: 8080
EOF
}
start=$(date +%s)
for c in cluster-a cluster-b; do
    deployment | kc --context "$c" apply -f - >/dev/null 2>&1
done
for c in cluster-a cluster-b; do
    ready=0
    while [ "$(($(date +%s) - start))" -lt 60 ]; do
        ready=$(kc --context "$c" get deployment web -n "$ns" -o jsonpath='{.status.readyReplicas}' 2>/dev/null)
        [ "${ready:-0}" = 2 ] && break
        sleep 1
    done
    check "$c: Deployment web has 2 ready replicas after $(($(date +%s) - start)) s (has ${ready:-0})" \
        [ "${ready:-0}" = 2 ]
    running=$(kc --context "$c" get pods -n "$ns" -l app=web \
        -o jsonpath='{range .items[*]}{.status.phase} {.spec.nodeName}{"\n"}{end}' | grep -c "^Running $c-node-")
    check "$c: both Pods run on kwok nodes (running: $running)" [ "$running" -eq 2 ]
done

# The clusters are independent: the other cluster's CA and admin certificate do not work.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$K8S_B_CA" \
    --cert "$K8S_A_ADMIN_CERT" --key "$K8S_A_ADMIN_KEY" "$K8S_B_SERVER/api")
check "cluster-b rejects cluster-a's admin certificate (HTTP $code)" [ "$code" = 401 ]
curl -s -o /dev/null --max-time 10 --cacert "$K8S_A_CA" "$K8S_B_SERVER/healthz"
rc=$?
check "cluster-b's serving certificate does not verify against cluster-a's CA (curl exit $rc)" [ "$rc" = 60 ]

# TLS is verified: without the CA the connection fails; without credentials the answer is 401.
for C in A B; do
    server_var=K8S_${C}_SERVER ca_var=K8S_${C}_CA
    curl -s -o /dev/null --max-time 10 "${!server_var}/version"
    rc=$?
    check "cluster-${C,} cannot be reached without its CA (curl exit $rc)" [ "$rc" = 60 ]
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "${!ca_var}" "${!server_var}/api/v1/namespaces")
    check "cluster-${C,} refuses anonymous requests (HTTP $code)" [ "$code" = 401 ]
done

# The limited user (bearer token) may work in team-a and nowhere else.
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$K8S_A_CA" \
    -H "Authorization: Bearer $K8S_A_LIMITED_TOKEN" "$K8S_A_SERVER/api/v1/namespaces/default/pods")
check "limited user gets 403 listing pods in default (HTTP $code)" [ "$code" = 403 ]
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$K8S_A_CA" \
    -H "Authorization: Bearer $K8S_A_LIMITED_TOKEN" "$K8S_A_SERVER/api/v1/namespaces/team-a/pods")
check "limited user may list pods in team-a (HTTP $code)" [ "$code" = 200 ]
out=$(kc --context cluster-a-limited get deployments -n "$ns" 2>&1)
check "kubectl as cluster-a-limited is Forbidden in $ns" grep -q Forbidden <<<"$out"
out=$(kc --context cluster-a-limited get deployments 2>&1)
check "kubectl as cluster-a-limited works in its namespace team-a" \
    grep -q -e 'No resources found in team-a' -e '^NAME' <<<"$out"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --cacert "$K8S_A_CA" \
    -H "Authorization: Bearer not-$K8S_A_LIMITED_TOKEN" "$K8S_A_SERVER/api/v1/namespaces/team-a/pods")
check "a wrong token gets 401 (HTTP $code)" [ "$code" = 401 ]

# Clean up now (the trap only repeats it) and check the namespaces are on their way out.
cleanup
for c in cluster-a cluster-b; do
    phase=$(kc --context "$c" get namespace "$ns" -o jsonpath='{.status.phase}' 2>/dev/null)
    check "$c: test namespace deleted (phase '${phase:-gone}')" [ "${phase:-gone}" != Active ]
done
