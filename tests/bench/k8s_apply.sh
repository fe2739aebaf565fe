#!/usr/bin/env bash
# Kubernetes apply benchmark (part of `make bench`; tests/bench/run calls it last).
# Figures are printed, never asserted; every measured run is checked (exit status, the
# object count in the cluster, the "no changes" report), and when one fails this prints
# no figures and exits 1. Without tests/env's k8s it says "skipped" and exits 0.
#
# Against cluster-a of tests/env (a real kube-apiserver v1.30 with kwok nodes):
#
#   A. apply: ONE Application of N Score workloads (a container and a service port each)
#      -> N Deployments + N Services + the Namespace, 2N+1 objects in one plan,
#      `wissel apply -y --no-wait -p P` for each P of BENCH_K8S_PARALLEL, each into a fresh
#      namespace wissel-bench-w-pP under a Target of its own, cluster-a-pP (wissel finds its
#      objects by application and target name, the Namespace cluster-wide: with one target
#      name the second run would prune the first run's Namespace), wall time of the whole
#      command; then the same objects
#      (of each object the fields wissel's managedFields entry owns: what wissel sent,
#      nothing the server set) with `kubectl apply --server-side` into a fresh namespace
#      wissel-bench-k: both times and the ratio wissel/kubectl.
#   B. no-op: N Applications of one such workload each in one shared namespace
#      wissel-bench-n (made beforehand, as a Haven team namespace is), applied once (time
#      shown, not a figure); then `wissel apply -y` again, which must report no changes,
#      and `wissel plan`: best and median of BENCH_K8S_RUNS runs each, and peak RSS.
#
# Replicas are 0 (the kwok nodes hold 3 x 110 Pods) and wissel does not wait for rollouts
# (--no-wait; kubectl does not wait either). Between runs the script waits until the
# controllers have made each namespace's ReplicaSets and EndpointSlices, and then until the
# machine is less than half busy (at most 1 min), so one run's aftermath does not load the
# next. API requests per run are counted from the API server's apiserver_request_total
# metric (APPLY = a server-side-apply PATCH; LIST in a namespace: the controllers watch
# cluster-wide). The metric has no client label: when others use cluster-a at the same
# time (tests run by hand), their requests are in the count too.
#
# Namespaces of an earlier run are deleted, and awaited, before starting; this run's are
# deleted at the end without waiting (--wait=false).
#
# Environment: WISSEL (default ./wissel), BENCH_K8S_OBJECTS (N, default 1000),
# BENCH_K8S_PARALLEL (default "4 16 32"), BENCH_K8S_RUNS (default 3), BENCH_K8S_KEEP=1 keeps
# the namespaces for inspection.
set -u
cd "$(dirname "$0")/../.."
WISSEL=${WISSEL:-$PWD/wissel}
N=${BENCH_K8S_OBJECTS:-1000}
PARALLEL=${BENCH_K8S_PARALLEL:-4 16 32}
RUNS=${BENCH_K8S_RUNS:-3}
OUT=$PWD/build/bench/k8s
GEN=tests/bench/gen_k8s_repo.py
NS_PREFIX=wissel-bench-
NS_K=${NS_PREFIX}k
NS_N=${NS_PREFIX}n

die() { echo "bench: k8s apply: $*" >&2; exit 1; }
[ -x "$WISSEL" ] || die "$WISSEL is missing: run make wissel (make bench does)"

# shellcheck disable=SC1091
. tests/env/lib.sh
if [ -f "$ENV_DIR/failed/k8s" ] || ! env_load || ! k8s_status >/dev/null 2>&1; then
    echo "kubernetes apply: skipped: tests/env k8s is not running (tests/env/up k8s)"
    exit 0
fi
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_TEST" --context cluster-a "$@"; }

rm -rf "$OUT"
mkdir -p "$OUT"
namespaces=""
cleanup() {
    [ "${BENCH_K8S_KEEP:-0}" = 1 ] && return
    # shellcheck disable=SC2086
    [ -n "$namespaces" ] && k delete namespace $namespaces --wait=false --ignore-not-found >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note() { echo "  ... $*" >&2; }
now() { date +%s%N; }
ms() { echo $((($2 - $1) / 1000000)); }
sec() { printf '%d.%02d' $(($1 / 1000)) $(($1 % 1000 / 10)); }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# count RESOURCE NS: how many there are, from one list call of limit 1 (remainingItemCount).
count() {
    local api=/api/v1
    case $1 in replicasets | deployments) api=/apis/apps/v1 ;; endpointslices) api=/apis/discovery.k8s.io/v1 ;; esac
    k get --raw "$api/namespaces/$2/$1?limit=1" 2>/dev/null | /usr/bin/python3 -c '
import json, sys
l = json.load(sys.stdin)
print(len(l["items"]) + l["metadata"].get("remainingItemCount", 0))' 2>/dev/null || echo 0
}

# The API server's request counters, one "VERB resource scope count" per line.
metrics() {
    k get --raw /metrics 2>/dev/null |
        sed -n 's/^apiserver_request_total{\(.*\)} \([0-9]*\)$/\1 \2/p' |
        awk '{ v=r=s=""; n=split($1, kv, ",");
               for (i = 1; i <= n; i++) { split(kv[i], p, "=");
                   gsub(/"/, "", p[2]);
                   if (p[1] == "verb") v = p[2]; else if (p[1] == "resource") r = p[2];
                   else if (p[1] == "scope") s = p[2] }
               t[v " " r " " s] += $2 } END { for (x in t) print x, t[x] }'
}
# requests BEFORE AFTER: the namespace-scoped LISTs and the APPLYs between two snapshots.
requests() {
    awk 'NR == FNR { b[$1 " " $2 " " $3] = $4; next }
         { d = $4 - b[$1 " " $2 " " $3] }
         $1 == "APPLY" { apply += d }
         $1 == "LIST" && $3 == "namespace" { list += d }
         END { printf "cluster-a saw %d APPLY, %d LIST", apply, list }' "$1" "$2"
}

# settle NS WANT: wait (up to 5 min) until the controllers made WANT ReplicaSets and
# EndpointSlices in NS.
settle() {
    local end=$(($(date +%s) + 300))
    while [ "$(date +%s)" -lt "$end" ]; do
        [ "$(count replicasets "$1")" -ge "$2" ] && [ "$(count endpointslices "$1")" -ge "$2" ] &&
            return 0
        sleep 2
    done
    note "the controllers had not caught up in $1 after 5 min; measuring anyway"
}

# quiet: wait (up to 1 min) until the machine is less than half busy over 2 s, so that the
# next run does not start amid the last one's aftermath; the load average lags behind.
busy() { # percent of CPU time busy over 2 s
    local a b
    a=($(head -n 1 /proc/stat)); sleep 2; b=($(head -n 1 /proc/stat))
    local idle=$((b[4] + b[5] - a[4] - a[5])) total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    echo $((total > 0 ? 100 - idle * 100 / total : 0))
}
quiet() {
    local end=$(($(date +%s) + 60)) b
    while [ "$(date +%s)" -lt "$end" ]; do
        b=$(busy)
        [ "$b" -lt 50 ] && return 0
    done
    note "the machine is still ${b}% busy after 1 min (other work on it); measuring anyway"
}

# --- leftovers of an earlier run ---------------------------------------------------------
old=$(k get namespaces -o name | sed -n "s|^namespace/\\($NS_PREFIX.*\\)|\\1|p" | tr '\n' ' ')
if [ -n "$old" ]; then
    note "deleting the namespaces of an earlier run: $old"
    # shellcheck disable=SC2086
    k delete namespace $old --wait=true --timeout=300s >/dev/null 2>&1 ||
        die "namespaces of an earlier run ($old) are still there after 5 min: no figures"
fi

# --- A: one plan of 2N objects, wissel -p P and kubectl ----------------------------------
figures_a=()
first_ns=""
for p in $PARALLEL; do
    ns=${NS_PREFIX}w-p$p
    namespaces="$namespaces $ns"
    /usr/bin/python3 $GEN one-app --workloads "$N" --kubeconfig "$KUBECONFIG_TEST" \
        --namespace "$ns" --target "cluster-a-p$p" "$OUT/repo-$ns" || die "$GEN failed"
    quiet
    note "wissel apply -p $p of $N Deployments + $N Services into $ns (load $(load))"
    metrics >"$OUT/m0"
    la=$(load)
    t0=$(now)
    "$WISSEL" apply -y --no-wait -p "$p" --state "$OUT/state-$ns" "$OUT/repo-$ns" \
        >"$OUT/apply-$ns.out" 2>&1
    rc=$?
    t1=$(now)
    metrics >"$OUT/m1"
    deploys=$(count deployments "$ns") svcs=$(count services "$ns")
    if [ $rc -ne 0 ] || [ "$deploys" != "$N" ] || [ "$svcs" != "$N" ] ||
        ! grep -q "applied ($((2 * N + 1)) changed)" "$OUT/apply-$ns.out"; then
        tail -n 20 "$OUT/apply-$ns.out" | sed 's/^/    /' >&2
        die "wissel apply -p $p exited $rc; $deploys Deployments, $svcs Services in $ns (want $N each): no figures"
    fi
    wissel_ms[$p]=$(ms "$t0" "$t1")
    figures_a+=("$(printf '  wissel apply -y --no-wait -p %-3s %8s s   (%s; load %s)' "$p" \
        "$(sec "${wissel_ms[$p]}")" "$(requests "$OUT/m0" "$OUT/m1")" "$la")")
    [ -n "$first_ns" ] || first_ns=$ns
    settle "$ns" "$N"
done

namespaces="$namespaces $NS_K"
{ k get namespace "$first_ns" --show-managed-fields -o json &&
    k get deployments,services -n "$first_ns" -l wissel.dev/app=bench --show-managed-fields -o json; } \
    >"$OUT/live.json" || die "kubectl get of $first_ns failed"
/usr/bin/python3 $GEN kubectl-file --namespace "$NS_K" <"$OUT/live.json" >"$OUT/kubectl.json" ||
    die "$GEN kubectl-file failed"
objects=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$OUT/kubectl.json")
[ "$objects" = $((2 * N + 1)) ] || die "$OUT/kubectl.json has $objects objects, want $((2 * N + 1))"
k api-resources >/dev/null 2>&1 # kubectl's discovery cache is warm, as on a workstation
quiet
note "kubectl apply --server-side of the same $objects objects into $NS_K (load $(load))"
metrics >"$OUT/m0"
la=$(load)
t0=$(now)
k apply --server-side --field-manager=bench -f "$OUT/kubectl.json" >"$OUT/kubectl.out" 2>&1
rc=$?
t1=$(now)
metrics >"$OUT/m1"
deploys=$(count deployments "$NS_K") svcs=$(count services "$NS_K")
if [ $rc -ne 0 ] || [ "$deploys" != "$N" ] || [ "$svcs" != "$N" ]; then
    tail -n 20 "$OUT/kubectl.out" | sed 's/^/    /' >&2
    die "kubectl apply exited $rc; $deploys Deployments, $svcs Services in $NS_K (want $N each): no figures"
fi
kubectl_ms=$(ms "$t0" "$t1")
figures_a+=("$(printf '  kubectl apply --server-side      %8s s   (%s; load %s)' \
    "$(sec "$kubectl_ms")" "$(requests "$OUT/m0" "$OUT/m1")" "$la")")
settle "$NS_K" "$N"
ratios=""
for p in $PARALLEL; do
    r=$((wissel_ms[$p] * 100 / (kubectl_ms > 0 ? kubectl_ms : 1)))
    ratios="$ratios -p $p $((r / 100)).$(printf %02d $((r % 100)))"
    [ -n "${best_r:-}" ] && [ "$best_r" -le "$r" ] || best_r=$r
done
mark_r=$([ "$best_r" -le 50 ] && echo "within target and aim" ||
    { [ "$best_r" -le 100 ] && echo "within target" || echo "OVER TARGET"; })

# --- B: no-op re-apply of N applications -------------------------------------------------
namespaces="$namespaces $NS_N"
/usr/bin/python3 $GEN many-apps --apps "$N" --kubeconfig "$KUBECONFIG_TEST" --namespace "$NS_N" \
    --target cluster-a-noop "$OUT/repo-noop" || die "$GEN failed"
k create namespace "$NS_N" >/dev/null || die "cannot create namespace $NS_N"
note "first apply of $N applications into $NS_N (not a figure; load $(load))"
t0=$(now)
"$WISSEL" apply -y --no-wait -p 16 --state "$OUT/state-noop" "$OUT/repo-noop" >"$OUT/noop-first.out" 2>&1
rc=$?
t1=$(now)
first_ms=$(ms "$t0" "$t1")
deploys=$(count deployments "$NS_N") svcs=$(count services "$NS_N")
if [ $rc -ne 0 ] || [ "$deploys" != "$N" ] || [ "$svcs" != "$N" ]; then
    tail -n 20 "$OUT/noop-first.out" | sed 's/^/    /' >&2
    die "the first apply of $N applications exited $rc; $deploys Deployments, $svcs Services in $NS_N: no figures"
fi
settle "$NS_N" "$N"

# timed CMD...: RUNS runs, each must exit 0 and report no changes; sets best, median, la.
timed() {
    local i t0 t1 rc times=()
    la=$(load)
    for ((i = 0; i < RUNS; i++)); do
        t0=$(now)
        "$@" >"$OUT/noop.out" 2>&1
        rc=$?
        t1=$(now)
        if [ $rc -ne 0 ] || ! grep -q "^No changes" "$OUT/noop.out"; then
            tail -n 20 "$OUT/noop.out" | sed 's/^/    /' >&2
            die "$* (run $((i + 1))) exited $rc or reported changes: no figures"
        fi
        times+=("$(ms "$t0" "$t1")")
    done
    mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
    best=${sorted[0]} median=${sorted[$((RUNS / 2))]}
}
quiet
note "no-op wissel apply of $N applications, $RUNS runs (load $(load))"
metrics >"$OUT/m0"
timed "$WISSEL" apply -y --state "$OUT/state-noop" "$OUT/repo-noop"
metrics >"$OUT/m1"
apply_best=$best apply_median=$median apply_la=$la
apply_req=$(requests "$OUT/m0" "$OUT/m1")
/usr/bin/time -f '%M' -o "$OUT/rss" "$WISSEL" apply -y --state "$OUT/state-noop" "$OUT/repo-noop" \
    >"$OUT/noop.out" 2>&1 && grep -q "^No changes" "$OUT/noop.out" ||
    die "the no-op apply measured for memory failed: no figures"
apply_rss=$(tail -n 1 "$OUT/rss")
note "wissel plan of $N applications, $RUNS runs"
timed "$WISSEL" plan --detailed-exitcode --state "$OUT/state-noop" "$OUT/repo-noop"
plan_best=$best plan_median=$median plan_la=$la
/usr/bin/time -f '%M' -o "$OUT/rss" "$WISSEL" plan --state "$OUT/state-noop" "$OUT/repo-noop" \
    >"$OUT/noop.out" 2>&1 || die "the plan measured for memory failed: no figures"
plan_rss=$(tail -n 1 "$OUT/rss")

# --- figures -----------------------------------------------------------------------------
mb() { echo "$(($1 / 1024)).$(($1 % 1024 * 10 / 1024))"; }
within() { [ "$1" -le "$2" ] && echo "within target" || echo "OVER TARGET"; }
echo "kubernetes apply: cluster-a of tests/env ($(k version -o json 2>/dev/null |
    sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -n 1), kwok nodes), $(nproc) CPUs"
echo "A. $N Deployments + $N Services + the Namespace ($((2 * N + 1)) objects), one application,"
echo "   replicas 0, no rollout wait (wissel --no-wait; kubectl does not wait), fresh namespace each"
printf '%s\n' "${figures_a[@]}"
echo "  ratio wissel/kubectl:$ratios   (target <= 1.0, aim 0.5: $mark_r)"
echo "B. no-op: $N applications, one workload each ($N Deployments + $N Services), one namespace"
echo "  first apply (not a figure)      $(sec "$first_ms") s"
printf '  wissel apply, no changes  best %6s s, median %6s s   (target < 2 s: %s; %s; load %s)\n' \
    "$(sec "$apply_best")" "$(sec "$apply_median")" "$(within "$apply_best" 2000)" "$apply_req" "$apply_la"
printf '      peak RSS              %8s MB   (target < 40 MB: %s)\n' "$(mb "$apply_rss")" \
    "$(within "$apply_rss" $((40 * 1024)))"
printf '  wissel plan               best %6s s, median %6s s   (load %s)\n' \
    "$(sec "$plan_best")" "$(sec "$plan_median")" "$plan_la"
printf '      peak RSS              %8s MB\n' "$(mb "$plan_rss")"
