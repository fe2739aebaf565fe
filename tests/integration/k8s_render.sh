#!/usr/bin/env bash
# Every object wissel renders for Kubernetes is accepted by the real API server: the
# fixture tests/fixtures/k8s, examples/gemeente (at haven-ams) and every valid Score
# document of tests/corpus/score and ../shared/specs/score (each as the one workload of an
# application of its own) are rendered by
# tests/integration/k8s_render.c (built as build/asan/tests/integration/k8s_render by
# `make test`), and each object goes to cluster-a as a server-side apply dry run, so the
# API server's own validation and admission judge it and nothing is stored.
set -u
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require k8s
export KUBECONFIG_TEST KUBECTL

prog=$ROOT/build/asan/tests/integration/k8s_render
if [ ! -x "$prog" ]; then
    fail "$prog is not built (make test builds tests/integration/*.c; see the Makefile)"
    exit 1
fi
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_TEST" --context cluster-a --request-timeout 15s "$@"; }

out=$(mktemp -d)
prefix=wissel-render-$$
cleanup() {
    local ns
    [ -f "$out/namespaces" ] && while read -r ns; do
        kc delete namespace "$ns" --wait=false >/dev/null 2>&1
    done <"$out/namespaces"
    rm -rf "$out"
}
trap cleanup EXIT

# One repository per Score sample: the sample as its only workload, at cluster-a.
samples=$out/samples n=0
for f in "$ROOT"/tests/corpus/score/valid-*.yaml "$ROOT"/../shared/specs/score/*.yaml; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    mkdir -p "$samples/s$n"
    cp "$f" "$samples/s$n/w.score.yaml"
    cp "$ROOT/tests/fixtures/k8s/targets.yaml" "$samples/s$n/"
    printf '%s\n' "apiVersion: wissel.dev/v1" "kind: Application" "metadata: {name: s$n}" \
        "spec: {workloads: [w.score.yaml], classification: internal, placement: {primary: cluster-a}}" \
        >"$samples/s$n/app.yaml"
    echo "s$n $(basename "$f")" >>"$out/sample-names"
done
check "Score samples found ($n)" [ "$n" -ge 50 ]

(cd "$ROOT" && "$prog" "$out" "$prefix" "$samples") >"$out/render.log" 2>&1
rc=$?
check "the fixture, examples/gemeente and the samples render (status $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || sed 's/^/# /' "$out/render.log"

# What the driver refuses, it refuses for a reason a user can act on: a resource type it
# does not provision, a file it cannot read, a name Kubernetes cannot take.
refused=0
while IFS= read -r line; do
    refused=$((refused + 1))
    file=$(awk -v s="${line%%:*}" '$1 == s {print $2}' "$out/sample-names")
    if grep -qE "does not provision|cannot read|characters Kubernetes allows|must start with a letter|is not a resource|header names of letters|which Kubernetes refuses" <<<"$line"; then
        ok "sample $file refused with a reason: ${line#*: }"
    else
        fail "sample $file refused with a reason: ${line#*: }"
    fi
done < <([ -f "$out/refused" ] && cat "$out/refused")
check "most samples render ($((n - refused)) of $n)" [ $((n - refused)) -ge $((n * 3 / 4)) ]

# Namespaced objects need their namespace to exist, even in a dry run. Pod Security
# admission then warns about any pod template that the "restricted" profile (the one
# Haven clusters enforce) would refuse.
make_ns() {
    kc create namespace "$1" >/dev/null 2>&1 &&
        kc label namespace "$1" pod-security.kubernetes.io/warn=restricted >/dev/null 2>&1
}
while read -r ns; do
    check "namespace $ns created" make_ns "$ns"
done <"$out/namespaces"

n=0
for f in "$out"/[0-9]*.json; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    what=$(basename "$f" .json)
    what=${what#*-}
    msg=$(kc apply --server-side --field-manager wissel --dry-run=server -f "$f" 2>&1)
    rc=$?
    if [ $rc = 0 ] && ! grep -q PodSecurity <<<"$msg"; then
        ok "API server accepts ${what/-//} (restricted Pod Security: no warning)"
    else
        fail "API server accepts ${what/-//} (restricted Pod Security: no warning)"
        printf '%s\n' "$msg" | sed 's/^/# /'
    fi
done
check "objects were rendered ($n)" [ "$n" -ge 10 ]

# The dry run has teeth: an object the API server must refuse is refused.
bad=$(ls "$out"/[0-9]*-Deployment-*.json | head -n 1)
sed 's/"replicas": [0-9]*/"replicas": "two"/' "$bad" >"$out/bad.json"
msg=$(kc apply --server-side --field-manager wissel --dry-run=server -f "$out/bad.json" 2>&1)
rc=$?
check "API server refuses a Deployment whose replicas is a string (status $rc)" [ "$rc" != 0 ]
