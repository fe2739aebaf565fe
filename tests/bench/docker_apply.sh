#!/usr/bin/env bash
# Docker apply benchmark (make bench): on this machine's Docker Engine (tests/env docker),
# the time from `wissel apply` to healthy for an application of 10 containers (one
# workload, 10 replicas, each answering its HTTP readiness probe), then a no-op re-apply
# (best and median of 3) with its peak RSS. Figures are printed, never asserted; a run
# that fails gives no figures and fails the benchmark. Skipped with a line saying so when
# the docker component is not running.
set -u
cd "$(dirname "$0")/../.."
. tests/env/lib.sh
WISSEL=${WISSEL:-$PWD/wissel}
N=${BENCH_DOCKER_CONTAINERS:-10}
if ! env_require docker >/dev/null 2>&1; then
    echo "docker apply: skipped: tests/env docker is not running (tests/env/up docker)"
    exit 0
fi
work=$(mktemp -d)
tgt="bench-$$"
cleanup() {
    docker ps -aq --filter "label=wissel.dev/target=$tgt" | xargs -r docker rm -f >/dev/null
    docker network ls -q --filter "label=wissel.dev/target=$tgt" | xargs -r docker network rm >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
die() { echo "docker apply: $*" >&2; exit 1; }
mkdir -p "$work/repo"
cat >"$work/repo/all.yaml" <<YAML
apiVersion: wissel.dev/v1
kind: Target
metadata: {name: $tgt}
spec:
  provider: docker
  jurisdiction: NL
  docker: {ports: "20600-20699", address: 127.0.30.1, pull: never}
---
apiVersion: wissel.dev/v1
kind: Application
metadata: {name: bench}
spec:
  workloads: [web.score.yaml]
  classification: internal
  replicas: {web: $N}
  placement: {primary: $tgt}
YAML
cat >"$work/repo/web.score.yaml" <<'YAML'
apiVersion: score.dev/v1b1
metadata: {name: web}
containers:
  web:
    image: wissel-test/web:1
    variables: {PORT: "8080"}
    readinessProbe:
      httpGet: {path: /healthz, port: 8080}
service:
  ports:
    http: {port: 80, targetPort: 8080}
YAML
ms() { echo $((($2 - $1) / 1000000)); }
t0=$(date +%s%N)
"$WISSEL" apply -y --state "$work/state" "$work/repo" >"$work/apply.out" 2>&1 || { tail -5 "$work/apply.out"; die "apply failed: no figures"; }
t1=$(date +%s%N)
grep -q "applied ($((N + 1)) changed) and ready" "$work/apply.out" || { tail -5 "$work/apply.out"; die "apply did not report $((N + 1)) changes and ready"; }
[ "$(docker ps -q --filter "label=wissel.dev/target=$tgt" | wc -l)" = "$N" ] || die "not $N containers running"
first=$(ms "$t0" "$t1")
noop=()
for _ in 1 2 3; do
    t0=$(date +%s%N)
    "$WISSEL" apply -y --state "$work/state" "$work/repo" >"$work/noop.out" 2>&1 || die "no-op apply failed"
    t1=$(date +%s%N)
    grep -q "No changes" "$work/noop.out" || die "the re-apply was not a no-op"
    noop+=("$(ms "$t0" "$t1")")
done
mapfile -t sorted < <(printf '%s\n' "${noop[@]}" | sort -n)
rss=$(/usr/bin/time -f %M "$WISSEL" apply -y --state "$work/state" "$work/repo" 2>&1 >/dev/null | tail -n 1)
echo "docker apply: one application of $N containers on the local engine ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
printf '  apply to healthy          %6d ms\n' "$first"
printf '  no-op re-apply, best      %6d ms   median %d ms\n' "${sorted[0]}" "${sorted[1]}"
printf '  no-op re-apply, peak RSS  %6d KB\n' "$rss"
