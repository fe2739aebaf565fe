#!/usr/bin/env bash
# examples/gemeente on the real clusters of tests/env: the repository as shipped, plus two
# Targets for cluster-a and cluster-b, applies to cluster-a and becomes healthy (web,
# worker, zaken-api, both PostgreSQL and the Redis StatefulSets, the shared ReadWriteMany
# media claim); then the same repository with one line changed — the placement — applies
# to cluster-b the same way.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require k8s
work=$(mktemp -d)
ns="wissel-gem-$$"
ka() { "$KUBECTL" --kubeconfig "$KUBECONFIG_TEST" --context cluster-a "$@"; }
kb() { "$KUBECTL" --kubeconfig "$KUBECONFIG_TEST" --context cluster-b "$@"; }
export -f ka kb
export KUBECTL KUBECONFIG_TEST
cleanup() {
    for k in ka kb; do
        $k delete namespace "$ns" --wait=false >/dev/null 2>&1
        $k delete pv "$ns-media" --wait=false >/dev/null 2>&1
    done
    rm -rf "$work"
}
trap cleanup EXIT
cp -r "$ROOT/examples/gemeente" "$work/repo"
repo=$work/repo st=$work/state

# The two clusters as Targets (target names of this run only: see k8s_apply.sh).
for c in a b; do
    cat >"$work/repo/targets/cluster-$c.yaml" <<EOF
apiVersion: wissel.dev/v1
kind: Target
metadata: {name: cluster-$c-$$}
spec:
  provider: kubernetes
  jurisdiction: NL
  kubernetes:
    kubeconfig: $KUBECONFIG_TEST
    context: cluster-$c
    namespace: $ns
    createNamespace: true
    ingressClass: nginx
    storageClass: {readWriteMany: shared}
EOF
done
# "shared" has no provisioner (docs/testing/k8s.md): a volume waits for the media claim.
media_pv() {
    cat <<EOF | "$1" apply -f - >/dev/null
apiVersion: v1
kind: PersistentVolume
metadata: {name: $ns-media}
spec:
  capacity: {storage: 20Gi}
  accessModes: [ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: shared
  nfs: {server: 10.0.0.1, path: /media}
  claimRef: {namespace: $ns, name: burgerportaal-media}
EOF
}
media_pv ka
media_pv kb

place() { sed -i "s|^    primary: .*|    primary: $1|" "$repo/apps/burgerportaal/app.yaml" "$repo/apps/zaken-api/app.yaml"; }
objects() { # KUBECTL-FUNCTION: the kinds and names wissel made, sorted
    "$1" get secret,configmap,pvc,statefulset,deployment,service,pdb,ingress -n "$ns" \
        -l wissel.dev/app -o name | sed 's|^.*/||' | LC_ALL=C sort | tr '\n' ' '
}
# (the claims of the databases come from their StatefulSets, which give them their
# selector labels)
want="burgerportaal burgerportaal-cache burgerportaal-cache burgerportaal-cache burgerportaal-db burgerportaal-db burgerportaal-db burgerportaal-media burgerportaal-web burgerportaal-web burgerportaal-web burgerportaal-web-django-files burgerportaal-worker data-burgerportaal-cache-0 data-burgerportaal-db-0 data-zaken-api-api-db-0 zaken-api zaken-api-api zaken-api-api zaken-api-api zaken-api-api-db zaken-api-api-db zaken-api-api-db "

place "cluster-a-$$"
run_wissel validate "$repo"
check "the example with the two test targets is valid" bash -c '[ "$1" = 0 ]' _ "$RC"
run_wissel apply -y --timeout 3m --state "$st" -t "cluster-a-$$" "$repo"
[ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -12
check "examples/gemeente applies to cluster-a and both applications become healthy" \
    bash -c '[ "$1" = 0 ] && [ "$(grep -c "and ready" <<<"$2")" = 2 ]' _ "$RC" "$OUT"
have=$(objects ka)
check "cluster-a holds the objects wissel renders for it" bash -c '[ "$1" = "$2" ]' _ "$have" "$want"
[ "$have" = "$want" ] || echo "# have: $have"
check "the resident portal runs: 2 web replicas ready, the worker, the databases" \
    bash -c '[ "$(ka get deploy burgerportaal-web -n "$1" -o jsonpath={.status.readyReplicas})" = 2 ] &&
             [ "$(ka get deploy burgerportaal-worker -n "$1" -o jsonpath={.status.readyReplicas})" = 1 ] &&
             [ "$(ka get sts -n "$1" -o jsonpath={.items[*].status.readyReplicas})" = "1 1 1" ]' _ "$ns"
check "the shared media volume is bound ReadWriteMany" \
    bash -c '[ "$(ka get pvc burgerportaal-media -n "$1" -o jsonpath={.status.phase}/{.spec.accessModes[0]})" = Bound/ReadWriteMany ]' _ "$ns"
check "the file from source (prices.csv) is in the ConfigMap as written" \
    bash -c 'ka get cm burgerportaal-web-django-files -n "$1" -o jsonpath={.data.prices\\.csv} | diff -q - "$2" >/dev/null' \
    _ "$ns" "$ROOT/examples/gemeente/apps/burgerportaal/prices.csv"
check "cluster-b has nothing yet" bash -c '[ -z "$1" ]' _ "$(objects kb)"

cp -r "$repo" "$work/before"
place "cluster-b-$$"
check "moving is one line per application: the placement" \
    bash -c '[ "$(diff -r "$1" "$2" | grep -c "^[<>]")" = 4 ] && ! diff -r "$1" "$2" | grep "^[<>]" | grep -vq "primary:"' \
    _ "$work/before" "$repo"
run_wissel apply -y --timeout 3m --state "$st" -t "cluster-b-$$" "$repo"
[ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -12
check "the same repository applies to cluster-b and becomes healthy" \
    bash -c '[ "$1" = 0 ] && [ "$(grep -c "and ready" <<<"$2")" = 2 ]' _ "$RC" "$OUT"
have=$(objects kb)
check "cluster-b holds the same objects" bash -c '[ "$1" = "$2" ]' _ "$have" "$want"
[ "$have" = "$want" ] || echo "# have: $have"
run_wissel plan --detailed-exitcode --state "$st" -t "cluster-b-$$" "$repo"
check "a second plan is empty: the applications share the Namespace without a tug of war" \
    bash -c '[ "$1" = 0 ]' _ "$RC"
check "the databases on cluster-b have passwords of their own" \
    bash -c '[ "$(ka get secret burgerportaal-db -n "$1" -o jsonpath={.data.password})" != \
               "$(kb get secret burgerportaal-db -n "$1" -o jsonpath={.data.password})" ]' _ "$ns"
echo "1..$_n"
