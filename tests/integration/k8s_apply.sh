#!/usr/bin/env bash
# The Kubernetes driver against cluster-a of tests/env, through the CLI: apply creates the
# objects and the application becomes healthy (Pods Ready through kwok); a second plan is
# empty; a changed image rolls out; an object edited by hand is drift and restored; a
# removed workload is pruned; the limited user's 403 is a clear error.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require k8s
work=$(mktemp -d)
ns="wissel-e2e-$$"
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_TEST" --context cluster-a "$@"; }
export -f k
export KUBECTL KUBECONFIG_TEST
trap 'k delete namespace "$ns" --wait=false >/dev/null 2>&1; rm -rf "$work"' EXIT
# namespaces an earlier, interrupted run left behind would be pruned by this run: remove them
k delete namespace -l wissel.dev/app=shop,wissel.dev/target=cluster-a --wait=false >/dev/null 2>&1
cp -r "$ROOT/tests/fixtures/k8s" "$work/repo"
repo=$work/repo st=$work/state
sed -i "s|    context: cluster-a|    kubeconfig: $KUBECONFIG_TEST\n    context: cluster-a|; s|namespace: wissel-render|namespace: $ns|" \
    "$repo/targets.yaml"

run_wissel apply -y --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -5
check "apply onto cluster-a succeeds and waits until healthy" \
    bash -c '[ "$1" = 0 ] && grep -q "applied (7 changed) and ready" <<<"$2"' _ "$RC" "$OUT"
check "the Deployment has 2 ready replicas (Pods Ready through kwok)" \
    bash -c '[ "$(k get deploy shop-web -n "$1" -o jsonpath={.status.readyReplicas})" = 2 ]' _ "$ns"
check "objects carry the ownership labels and fingerprint" \
    bash -c 'k get deploy shop-web -n "$1" -o json | grep -q "\"wissel.dev/fingerprint\"" &&
             k get svc shop-web -n "$1" -o jsonpath={.metadata.labels} | grep -q "wissel.dev/app"' _ "$ns"
check "the objects were applied by field manager wissel" \
    bash -c 'k get deploy shop-web -n "$1" --show-managed-fields -o json | grep -q "\"manager\": \"wissel\""' _ "$ns"
run_wissel plan --state "$st" --detailed-exitcode "$repo"
check "a second plan has no changes" bash -c '[ "$1" = 0 ] && grep -q "7 unchanged" <<<"$2"' _ "$RC" "$OUT"

sed -i 's|image: wissel-test/web:1|image: wissel-test/web:2|' "$repo/web.score.yaml"
run_wissel apply -y --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -5
check "a changed image rolls out" \
    bash -c '[ "$1" = 0 ] && [ "$(k get deploy shop-web -n "$2" -o jsonpath={.spec.template.spec.containers[0].image})" = wissel-test/web:2 ]' \
    _ "$RC" "$ns"

k scale deploy shop-web -n "$ns" --replicas=5 >/dev/null
run_wissel plan --state "$st" "$repo"
check "a hand edit shows as drift in plan" grep -q "update  Deployment/shop-web  (drift: spec.replicas)" <<<"$OUT"
run_wissel apply -y --state "$st" --force-conflicts "$repo"
check "apply restores it" \
    bash -c '[ "$1" = 0 ] && [ "$(k get deploy shop-web -n "$2" -o jsonpath={.spec.replicas})" = 2 ]' _ "$RC" "$ns"

sed -i 's|workloads: \[web.score.yaml, worker.score.yaml\]|workloads: [web.score.yaml]|' "$repo/app.yaml"
run_wissel apply -y --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -5
check "a removed workload is pruned" \
    bash -c '[ "$1" = 0 ] && ! k get deploy shop-worker -n "$2" >/dev/null 2>&1' _ "$RC" "$ns"

sed -i "s|    context: cluster-a|    context: cluster-a-limited|" "$repo/targets.yaml"
run_wissel plan --state "$st" "$repo"
check "the limited user's 403 is a clear error naming verb, resource and namespace" \
    bash -c '[ "$1" = 1 ] && grep -q "403" <<<"$2" && grep -q "cannot list resource" <<<"$2"' _ "$RC" "$OUT$ERR"
