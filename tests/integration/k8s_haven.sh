#!/usr/bin/env bash
# wissel haven check against cluster-a of tests/env, through the CLI: the verdict of every
# check on the environment as it is (three kwok nodes in three zones, no control-plane
# nodes, no cert-manager, metrics-server or log collector; the default StorageClass
# "standard" provisions any claim), in text and in JSON; then the cluster is changed and the
# verdict follows: a node with an ExternalIP, all nodes in one zone, a StorageClass of this
# run with and without a volume for the check's claim, a class that does not exist; the
# limited user; an unreachable server; a target of another provider.
# The shared nodes are put back as they were, whatever happens.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require k8s
work=$(mktemp -d)
ns="wissel-haven-$$" sc="wissel-haven-rwx-$$" pv="wissel-haven-pv-$$" extra="wissel-haven-node-$$"
claim=wissel-haven-check-rwx
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_TEST" --context cluster-a "$@"; }

# The zone of every kwok node, to put back.
zones=$(k get nodes -l type=kwok -o jsonpath='{range .items[*]}{.metadata.name}={.metadata.labels.topology\.kubernetes\.io/zone}{"\n"}{end}')
restore_zones() {
    local nz
    for nz in $zones; do
        k label node "${nz%%=*}" "topology.kubernetes.io/zone=${nz#*=}" --overwrite >/dev/null
    done
}
cleanup() {
    restore_zones
    k delete node "$extra" --ignore-not-found >/dev/null 2>&1
    k delete pvc "$claim" -n "$ns" --ignore-not-found --wait=false >/dev/null 2>&1
    k delete pv "$pv" --ignore-not-found --wait=false >/dev/null 2>&1
    k delete storageclass "$sc" --ignore-not-found >/dev/null 2>&1
    k delete namespace "$ns" --wait=false >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
k create namespace "$ns" >/dev/null

mkdir -p "$work/repo"
target() { # name, context, extra lines of spec.kubernetes
    printf 'apiVersion: wissel.dev/v1\nkind: Target\nmetadata: {name: %s}\nspec:\n  provider: kubernetes\n  jurisdiction: NL\n  kubernetes:\n    kubeconfig: %s\n    context: %s\n%s---\n' \
        "$1" "$KUBECONFIG_TEST" "$2" "$3"
}
{
    target haven-a cluster-a "    namespace: $ns"$'\n'
    target haven-rwx cluster-a "    namespace: $ns"$'\n'"    storageClass: {readWriteMany: $sc}"$'\n'
    target haven-noclass cluster-a "    namespace: $ns"$'\n'"    storageClass: {readWriteMany: $sc-missing}"$'\n'
    target haven-limited cluster-a-limited "    storageClass: {readWriteMany: shared}"$'\n'
    target haven-dead cluster-a "" | sed "s|kubeconfig: .*|kubeconfig: $work/dead.yaml|"
    printf 'apiVersion: wissel.dev/v1\nkind: Target\nmetadata: {name: folder}\nspec:\n  provider: directory\n  jurisdiction: NL\n  directory: {path: out}\n'
} >"$work/repo/targets.yaml"
cat >"$work/dead.yaml" <<'EOF'
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: not-a-secret}}]
contexts: [{name: cluster-a, context: {cluster: c, user: u}}]
current-context: cluster-a
EOF
repo=$work/repo

# result NAME: the Result column of check NAME in the text output $OUT.
result() { awk -v n="$1" '$1 == n {print $2}' <<<"$OUT"; }
rationale() { awk -v n="$1" '$1 == n {$1 = ""; $2 = ""; print}' <<<"$OUT"; }
expect() { # description, check name, expected result [, grep pattern for the rationale]
    local got
    got=$(result "$2")
    if [ "$got" = "$3" ] && { [ -z "${4:-}" ] || rationale "$2" | grep -qE -- "$4"; }; then
        ok "$1"
    else
        fail "$1 (got ${got:-nothing}: $(rationale "$2"))"
    fi
}

# The version rule: at most 3 minors behind 1.34, the newest this wissel knows.
minor=$(k get --raw /version | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["minor"].rstrip("+")))')
if [ "$minor" -ge 31 ]; then want_version=PASSED; else want_version=FAILED; fi

# --- the environment as it is -------------------------------------------------------------
run_wissel haven check --target haven-a --wait 3s "$repo"
[ "$RC" = 1 ] || printf '# %s\n' "$OUT" "$ERR" | tail -20
check "haven check exits 1 on the test cluster (not compliant)" [ "$RC" = 1 ]
expect "clusteradmin PASSED for the admin context" clusteradmin PASSED "every verb on every resource"
expect "multiaz PASSED: three zones" multiaz PASSED "3 zones .*zone-a, zone-b, zone-c"
expect "controlplanes SKIPPED with the managed-control-plane rationale" controlplanes SKIPPED \
    "no control-plane nodes are visible: a managed control plane, or one outside the cluster; its redundancy cannot be judged through the API"
expect "workernodes PASSED: three Ready kwok nodes" workernodes PASSED "3 Ready worker nodes"
expect "privatenetworking PASSED: no ExternalIP" privatenetworking PASSED "none of the 3 nodes"
expect "kubernetesversion $want_version for v1.$minor (newest known 1.34, 3 minors allowed)" \
    kubernetesversion "$want_version" "v1\.$minor\..* behind 1\.34; 1\.31 or newer is required"
expect "rbac PASSED" rbac PASSED "rbac.authorization.k8s.io/v1"
expect "rwxvolumes PASSED: the default class (standard, host-path) binds the claim" rwxvolumes \
    PASSED "class standard \(the cluster's default\) was Bound"
expect "autocerts FAILED: no cert-manager" autocerts FAILED "cert-manager is not installed"
expect "logs FAILED, naming what was searched" logs FAILED "fluent-bit, .*promtail"
expect "metrics FAILED: no metrics-server" metrics FAILED "v1beta1.metrics.k8s.io does not exist"
check "the summary says not compliant with the counts" \
    grep -qE "^Haven compliant: no \(11 checks: [0-9]+ passed, [0-9]+ failed, 1 skipped, 0 unknown\)" <<<"$OUT"

run_wissel haven check --target haven-a --wait 3s -o json "$repo"
check "--output json exits 1 too" [ "$RC" = 1 ]
check "the JSON has the Haven Compliancy Checker's shape and the same verdicts" \
    python3 - "$OUT" "$want_version" <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
assert d["HavenCompliant"] is False
for k in ("Version", "StartTS", "StopTS", "Config", "CompliancyChecks"):
    assert k in d, k
assert d["StartTS"].endswith("Z") and "T" in d["StartTS"] and d["StartTS"] <= d["StopTS"]
s, res = d["CompliancyChecks"]["Summary"], d["CompliancyChecks"]["Results"]
assert s["Total"] == len(res) == 11, s
assert s["Passed"] + s["Failed"] + s["Skipped"] + s["Unknown"] == s["Total"], s
by = {r["Name"]: r for r in res}
for r in res:
    assert set(r) == {"Name", "Label", "Category", "Rationale", "Result"}, r
    assert r["Category"] in ("Fundamental", "Infrastructure", "Cluster", "Deployment"), r
want = {"clusteradmin": "PASSED", "multiaz": "PASSED", "controlplanes": "SKIPPED",
        "workernodes": "PASSED", "privatenetworking": "PASSED", "kubernetesversion": sys.argv[2],
        "rbac": "PASSED", "rwxvolumes": "PASSED", "autocerts": "FAILED", "logs": "FAILED",
        "metrics": "FAILED"}
got = {n: by[n]["Result"] for n in want}
assert got == want, got
assert s["Passed"] == sum(v == "PASSED" for v in want.values())
assert d["Config"]["Target"] == "haven-a" and d["Config"]["Context"] == "cluster-a"
EOF

# --- a node with a public address -----------------------------------------------------------
k create -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata: {name: $extra, labels: {wissel.dev/test: haven}}
spec:
  unschedulable: true
  taints: [{key: wissel.dev/haven-test, effect: NoSchedule}]
EOF
k patch node "$extra" --subresource=status --type=merge \
    -p '{"status":{"addresses":[{"type":"InternalIP","address":"10.99.0.7"},{"type":"ExternalIP","address":"203.0.113.7"}]}}' >/dev/null
run_wissel haven check --target haven-a --wait 3s "$repo"
expect "a node with an ExternalIP: privatenetworking FAILED naming it and its address" \
    privatenetworking FAILED "$extra \(203\.0\.113\.7\)"
expect "the extra node (not Ready) does not count as a worker" workernodes PASSED \
    "3 Ready worker nodes.*not Ready: $extra"
k delete node "$extra" >/dev/null
run_wissel haven check --target haven-a --wait 3s "$repo"
expect "the node deleted: privatenetworking PASSED again" privatenetworking PASSED "none of the 3 nodes"

# --- all nodes in one zone ------------------------------------------------------------------
for nz in $zones; do k label node "${nz%%=*}" topology.kubernetes.io/zone=zone-a --overwrite >/dev/null; done
run_wissel haven check --target haven-a --wait 3s "$repo"
expect "all nodes in zone-a: multiaz FAILED" multiaz FAILED "1 zone over 3 nodes.*zone-a; at least 2"
restore_zones
run_wissel haven check --target haven-a --wait 3s "$repo"
expect "zones restored: multiaz PASSED again" multiaz PASSED "3 zones"

# --- ReadWriteMany ----------------------------------------------------------------------------
k create -f - >/dev/null <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: $sc}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
EOF
run_wissel haven check --target haven-rwx --wait 3s "$repo"
expect "a class without volumes: rwxvolumes FAILED naming class, wait and phase" rwxvolumes FAILED \
    "class $sc was not Bound after 3s \(phase Pending\)"
check "the claim was deleted after the failed check" \
    bash -c '! "$1" --kubeconfig "$2" --context cluster-a get pvc "$3" -n "$4" >/dev/null 2>&1' \
    _ "$KUBECTL" "$KUBECONFIG_TEST" "$claim" "$ns"
k create -f - >/dev/null <<EOF
apiVersion: v1
kind: PersistentVolume
metadata: {name: $pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: $sc
  nfs: {server: 192.0.2.1, path: /export}
  claimRef: {namespace: $ns, name: $claim}
EOF
run_wissel haven check --target haven-rwx --wait 30s "$repo"
expect "a volume waiting for the claim: rwxvolumes PASSED" rwxvolumes PASSED "class $sc was Bound"
check "the claim was deleted after the passed check" \
    bash -c '! "$1" --kubeconfig "$2" --context cluster-a get pvc "$3" -n "$4" >/dev/null 2>&1' \
    _ "$KUBECTL" "$KUBECONFIG_TEST" "$claim" "$ns"

run_wissel haven check --target haven-noclass --wait 2s "$repo"
expect "a class that does not exist: rwxvolumes FAILED naming it and the API's event" rwxvolumes \
    FAILED "class $sc-missing was not Bound after 2s \(phase Pending\); last event: .*not found"

# --- limited rights, no server, another provider ---------------------------------------------
run_wissel haven check --target haven-limited --wait 3s "$repo"
check "the limited user: exit 1, no crash" [ "$RC" = 1 ]
expect "the limited user: clusteradmin FAILED" clusteradmin FAILED "not a cluster admin"
expect "the limited user: node checks UNKNOWN with the API's 403" multiaz UNKNOWN \
    "HTTP 403.*nodes"
expect "the limited user: creating the claim in namespace default is UNKNOWN with the 403" \
    rwxvolumes UNKNOWN "HTTP 403.*persistentvolumeclaims"
check "the limited user: the summary counts the unknown checks" \
    grep -qE "^Haven compliant: no \(11 checks: .*[1-9][0-9]* unknown\)" <<<"$OUT"
run_wissel haven check --target haven-limited --wait 3s -o json "$repo"
check "the limited user in JSON: what it may not read is UNKNOWN, never PASSED" \
    python3 - "$OUT" "$want_version" <<'EOF'
import json, sys
d = json.loads(sys.argv[1])
got = {r["Name"]: r["Result"] for r in d["CompliancyChecks"]["Results"]}
want = {"clusteradmin": "FAILED", "multiaz": "UNKNOWN", "controlplanes": "UNKNOWN",
        "workernodes": "UNKNOWN", "privatenetworking": "UNKNOWN", "kubernetesversion": sys.argv[2],
        "rbac": "PASSED", "rwxvolumes": "UNKNOWN", "autocerts": "FAILED", "logs": "UNKNOWN",
        "metrics": "UNKNOWN"}
assert got == want, got
assert d["HavenCompliant"] is False and d["CompliancyChecks"]["Summary"]["Unknown"] == 7
EOF

run_wissel haven check --target haven-dead "$repo"
check "an unreachable API server: exit 1 and an error naming the target and the server" \
    bash -c '[ "$1" = 1 ] && grep -q "target haven-dead: GET https://127.0.0.1:1/version" <<<"$2"' \
    _ "$RC" "$ERR"
run_wissel haven check --target folder "$repo"
check "a target of another provider: exit 1 naming it" \
    bash -c '[ "$1" = 1 ] && grep -q "target folder has provider directory" <<<"$2"' _ "$RC" "$ERR"
run_wissel haven check "$repo"
check "no --target: usage error, exit 2" [ "$RC" = 2 ]
