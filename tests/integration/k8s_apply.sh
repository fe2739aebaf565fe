#!/usr/bin/env bash
# The Kubernetes driver against cluster-a of tests/env, through the CLI: apply creates the
# objects and the application becomes healthy (Pods Ready through kwok, databases ready,
# claims bound); the generated password never shows and never changes; a second plan is
# empty; a changed image rolls out; an object edited by hand is drift and restored; a
# removed workload is pruned; the limited user's 403 is a clear error. The manifests are a
# git repository: what an apply creates or changes carries its commit as the annotation
# wissel.dev/revision (not on the pod template), and a new commit alone plans nothing.
# take_out (a drill) scales the workloads to 0; plan shows the drift and apply restores it.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require k8s
work=$(mktemp -d)
ns="wissel-e2e-$$"
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_TEST" --context cluster-a "$@"; }
export -f k
export KUBECTL KUBECONFIG_TEST
trap 'k delete namespace "$ns" --wait=false >/dev/null 2>&1; rm -rf "$work"' EXIT
cp -r "$ROOT/tests/fixtures/k8s" "$work/repo"
repo=$work/repo st=$work/state
# A target name of this run only: namespaces that earlier runs left terminating carry
# another target's markers, so this run neither sees nor prunes them.
tgt="cluster-a-$$"
sed -i "s|    context: cluster-a|    kubeconfig: $KUBECONFIG_TEST\n    context: cluster-a|; s|namespace: wissel-render|namespace: $ns|; s|name: cluster-a}|name: $tgt}|" \
    "$repo/targets.yaml"
sed -i "s|primary: cluster-a|primary: $tgt|" "$repo/app.yaml"
g() { GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -C "$repo" -c user.name=t -c user.email=t@wissel.invalid -c commit.gpgsign=false "$@"; }
g init -q && g add -A && g commit -qm "k8s_apply: first" || fail "the manifests folder could not be made a git repository"
rev1=$(g rev-parse HEAD)

run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -5
check "apply onto cluster-a succeeds and waits until healthy" \
    bash -c '[ "$1" = 0 ] && grep -q "applied (14 changed) and ready" <<<"$2"' _ "$RC" "$OUT"
check "the Deployment has 2 ready replicas (Pods Ready through kwok)" \
    bash -c '[ "$(k get deploy shop-web -n "$1" -o jsonpath={.status.readyReplicas})" = 2 ]' _ "$ns"
check "objects carry the ownership labels and fingerprint" \
    bash -c 'k get deploy shop-web -n "$1" -o json | grep -q "\"wissel.dev/fingerprint\"" &&
             k get svc shop-web -n "$1" -o jsonpath={.metadata.labels} | grep -q "wissel.dev/app"' _ "$ns"
check "the objects were applied by field manager wissel" \
    bash -c 'k get deploy shop-web -n "$1" --show-managed-fields -o json | grep -q "\"manager\": \"wissel\""' _ "$ns"
check "the databases run: both StatefulSets ready" \
    bash -c '[ "$(k get sts shop-web-db shop-cache -n "$1" -o jsonpath={.items[*].status.readyReplicas})" = "1 1" ]' _ "$ns"
check "the volume claims are bound (the spool, and the database's from its template)" \
    bash -c '[ "$(k get pvc shop-worker-spool data-shop-web-db-0 -n "$1" -o jsonpath={.items[*].status.phase})" = "Bound Bound" ]' _ "$ns"
pw() { k get secret "$1" -n "$ns" -o jsonpath={.data.password} | base64 -d; }
first_pw=$(pw shop-web-db)
check "the database's password was generated: 32 characters" \
    bash -c '[[ "$1" =~ ^[A-Za-z0-9]{32}$ ]]' _ "$first_pw"
check "the Deployment takes it from the Secret, never as text" \
    bash -c '! k get deploy shop-web -n "$1" -o json | grep -q "$2" &&
             k get deploy shop-web -n "$1" -o jsonpath={.spec.template.spec.containers[0].env[?\(@.name==\"DB_PASSWORD\"\)].valueFrom.secretKeyRef.name} | grep -qx shop-web-db' _ "$ns" "$first_pw"
check "the objects carry the commit they were applied from (annotation wissel.dev/revision)" \
    bash -c '[[ $2 =~ ^[0-9a-f]{40}$ ]] &&
             [ "$(k get deploy shop-web -n "$1" -o jsonpath={.metadata.annotations.wissel\\.dev/revision})" = "$2" ] &&
             [ "$(k get svc shop-web -n "$1" -o jsonpath={.metadata.annotations.wissel\\.dev/revision})" = "$2" ]' _ "$ns" "$rev1"
check "the pod template does not carry it (a new revision alone restarts no pods)" \
    bash -c '! k get deploy shop-web -n "$1" -o jsonpath={.spec.template.metadata} | grep -q "wissel.dev/revision"' _ "$ns"
g commit -q --allow-empty -m "k8s_apply: nothing changed"
run_wissel plan --state "$st" --detailed-exitcode "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -20
check "a second plan, after a new empty commit, has no changes" bash -c '[ "$1" = 0 ] && grep -q "14 unchanged" <<<"$2"' _ "$RC" "$OUT"
check "neither the plan nor the journal holds the password" \
    bash -c '! grep -q "$1" <<<"$2" && ! grep -rq "$1" "$3"' _ "$first_pw" "$OUT$ERR" "$st"

sed -i 's|image: wissel-test/web:1|image: wissel-test/web:2|' "$repo/web.score.yaml"
g commit -qam "k8s_apply: web:2"
run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -5
check "a changed image rolls out" \
    bash -c '[ "$1" = 0 ] && [ "$(k get deploy shop-web -n "$2" -o jsonpath={.spec.template.spec.containers[0].image})" = wissel-test/web:2 ]' \
    _ "$RC" "$ns"
check "the changed Deployment carries the new commit; the unchanged Service keeps the first" \
    bash -c '[ "$(k get deploy shop-web -n "$1" -o jsonpath={.metadata.annotations.wissel\\.dev/revision})" = "$2" ] &&
             [ "$(k get svc shop-web -n "$1" -o jsonpath={.metadata.annotations.wissel\\.dev/revision})" = "$3" ]' _ "$ns" "$(g rev-parse HEAD)" "$rev1"

# A hand edit of a field wissel set (no pod churn: the test is about drift, not rollouts).
k label svc shop-web -n "$ns" app.kubernetes.io/name=edited-by-hand --overwrite >/dev/null
run_wissel plan --state "$st" "$repo"
check "a hand edit shows as drift in plan" grep -q 'update  Service/shop-web  (drift: metadata.labels\["app.kubernetes.io/name"\])' <<<"$OUT"
run_wissel apply -y --timeout 2m --state "$st" "$repo"
check "apply without --force-conflicts names the conflicting field manager" \
    bash -c '[ "$1" = 1 ] && grep -q "409" <<<"$2" && grep -q "force-conflicts" <<<"$2"' _ "$RC" "$OUT$ERR"
run_wissel apply -y --timeout 2m --state "$st" --force-conflicts "$repo"
check "apply --force-conflicts restores it" \
    bash -c '[ "$1" = 0 ] && [ "$(k get svc shop-web -n "$2" -o jsonpath={.metadata.labels.app\\.kubernetes\\.io/name})" = shop ]' _ "$RC" "$ns"

# take_out (a failover drill), through tests/integration/take_out.c until the CLI calls it.
run_take_out "$repo" "$tgt" shop
check "take_out scales every Deployment and StatefulSet to 0 and deletes nothing" \
    bash -c '[ "$1" = 0 ] && [ "$(k get deploy,sts -n "$2" -o jsonpath={.items[*].spec.replicas})" = "0 0 0 0" ]' _ "$RC" "$ns"
run_wissel plan --state "$st" "$repo"
check "plan shows their spec.replicas as drift" \
    bash -c 'grep -q "update  Deployment/shop-web  (drift: spec.replicas)" <<<"$1" && grep -q "update  StatefulSet/shop-web-db  (drift: spec.replicas)" <<<"$1"' _ "$OUT"
run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -5
check "apply (without --force-conflicts) restores them and waits until ready" \
    bash -c '[ "$1" = 0 ] && [ "$(k get deploy,sts -n "$2" -o jsonpath={.items[*].spec.replicas})" = "2 1 1 1" ] &&
             [ "$(k get deploy shop-web -n "$2" -o jsonpath={.status.readyReplicas})" = 2 ]' _ "$RC" "$ns"

check "the password survived every apply" bash -c '[ "$1" = "$2" ]' _ "$(pw shop-web-db)" "$first_pw"

sed -i 's|workloads: \[web.score.yaml, worker.score.yaml\]|workloads: [web.score.yaml]|' "$repo/app.yaml"
run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -5
check "a removed workload is pruned" \
    bash -c '[ "$1" = 0 ] && ! k get deploy shop-worker -n "$2" >/dev/null 2>&1' _ "$RC" "$ns"
check "its volume claim is kept, and the plan says so" \
    bash -c 'grep -q "kept (they hold data; delete them by hand): PersistentVolumeClaim/shop-worker-spool" <<<"$1" &&
             k get pvc shop-worker-spool -n "$2" >/dev/null' _ "$OUT" "$ns"

sed -i "s|    context: cluster-a|    context: cluster-a-limited|" "$repo/targets.yaml"
run_wissel plan --state "$st" "$repo"
check "the limited user's 403 is a clear error naming verb, resource and namespace" \
    bash -c '[ "$1" = 1 ] && grep -q "403" <<<"$2" && grep -q "cannot list resource" <<<"$2"' _ "$RC" "$OUT$ERR"
