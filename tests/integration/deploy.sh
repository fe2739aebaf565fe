#!/usr/bin/env bash
# The ways to run `wissel serve` in examples/deploy: the systemd unit passes
# `systemd-analyze verify`; the Kubernetes manifest is accepted by a real API server
# (its Deployment under the restricted Pod Security level, server-side dry run), and its
# ServiceAccount's ClusterRole is enough for wissel to apply and health-check an
# application, authenticating in-cluster (the ServiceAccount token, no kubeconfig).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
work=$(mktemp -d)
ns="wissel-deploy-$$"
cleanup() {
    [ -n "${KUBECTL:-}" ] && {
        ka delete namespace "$ns" --wait=false >/dev/null 2>&1
        ka delete -f "$ROOT/examples/deploy/kubernetes/wissel-serve.yaml" --wait=false >/dev/null 2>&1
    }
    rm -rf "$work"
}
trap cleanup EXIT
ka() { "$KUBECTL" --kubeconfig "$KUBECONFIG_TEST" --context cluster-a "$@"; }

# --- systemd ------------------------------------------------------------------------------
unit=$work/wissel-serve.service
sed "s|/usr/local/bin/wissel|$WISSEL|" "$ROOT/examples/deploy/systemd/wissel-serve.service" >"$unit"
out=$(systemd-analyze verify "$unit" 2>&1); rc=$?
[ "$rc" = 0 ] || printf '# %s\n' "$out"
check "the systemd unit passes systemd-analyze verify" [ "$rc" = 0 ]

# --- Kubernetes ----------------------------------------------------------------------------
env_require k8s
manifest=$ROOT/examples/deploy/kubernetes/wissel-serve.yaml
# The namespace and RBAC for real (the Deployment's dry run needs its namespace), then the
# whole manifest as a server-side dry run: schema, admission, Pod Security "restricted".
/usr/bin/python3 - "$manifest" >"$work/rbac.yaml" <<'EOF'
import sys, yaml
keep = {"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding"}
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] in keep]
print(yaml.safe_dump_all(docs))
EOF
# What an earlier run left may still be terminating: wait for it to go first.
ka delete -f "$manifest" --ignore-not-found --wait=true --timeout=120s >/dev/null 2>&1
ka apply -f "$work/rbac.yaml" >/dev/null
out=$(ka apply -f "$manifest" --dry-run=server 2>&1); rc=$?
[ "$rc" = 0 ] || printf '# %s\n' "$out"
check "the Kubernetes manifest is accepted by the API server (server-side dry run)" [ "$rc" = 0 ]
check "... its Deployment admitted where the restricted Pod Security level is enforced" \
    bash -c 'grep -q "deployment.apps/wissel-serve .*(server dry run)" <<<"$1" && ! grep -qi warning <<<"$1"' _ "$out"
sa=$work/serviceaccount
mkdir -p "$sa"
ka create token wissel -n wissel-system --duration 10m >"$sa/token"
printf 'wissel-system' >"$sa/namespace"
server=$(ka config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
ka config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' |
    base64 -d >"$sa/ca.crt"
hostport=${server#https://}

mkdir -p "$work/src" "$work/home"
cat >"$work/src/targets.yaml" <<EOF
# In-cluster: no kubeconfig, no context.
apiVersion: wissel.dev/v1
kind: Target
metadata: {name: here}
spec:
  provider: kubernetes
  jurisdiction: NL
  kubernetes: {namespace: $ns, createNamespace: true}
EOF
printf 'apiVersion: score.dev/v1b1\nmetadata: {name: web}\nservice: {ports: {http: {port: 80, targetPort: 8080}}}\ncontainers:\n  main: {image: wissel-test/web:1}\n' >"$work/src/web.score.yaml"
printf 'apiVersion: wissel.dev/v1\nkind: Application\nmetadata: {name: web}\nspec:\n  workloads: [web.score.yaml]\n  classification: internal\n  placement: {primary: here}\n' >"$work/src/app.yaml"
in_pod() {
    env -u KUBECONFIG HOME="$work/home" KUBERNETES_SERVICE_HOST="${hostport%:*}" \
        KUBERNETES_SERVICE_PORT="${hostport##*:}" WISSEL_SERVICEACCOUNT_DIR="$sa" "$@"
}
in_pod "$WISSEL" apply -y --timeout 2m --state "$work/state" "$work/src" >"$work/out" 2>&1; rc=$?
[ "$rc" = 0 ] || sed 's/^/# /' "$work/out" | tail -8
check "in-cluster, the ServiceAccount's ClusterRole suffices to apply and health-check" [ "$rc" = 0 ]
check "... the objects exist, applied by wissel" \
    bash -c '[ "$("$1" --kubeconfig "$2" --context cluster-a get deploy web-web -n "$3" -o jsonpath="{.metadata.labels.app\.kubernetes\.io/managed-by}")" = wissel ]' \
    _ "$KUBECTL" "$KUBECONFIG_TEST" "$ns"
check "... and the token appears in no output" bash -c '! grep -qF "$(cat "$1")" "$2"' _ "$sa/token" "$work/out"
ka delete clusterrolebinding wissel >/dev/null
in_pod "$WISSEL" plan --state "$work/state" "$work/src" >"$work/out" 2>&1; rc=$?
check "without the binding, the same token is refused with a clear error" \
    bash -c '[ "$1" != 0 ] && grep -qi "forbidden" "$2"' _ "$rc" "$work/out"
