#!/usr/bin/env bash
# `wissel serve` benchmark (part of `make bench`). Figures are printed, never asserted;
# every measured step is checked (all placements reconciled, the pushed revision loaded),
# and when one fails this prints no figures and exits 1. Without tests/env's k8s and git it
# says "skipped" and exits 0.
#
#   A. webhook -> reconcile: a repository of 2 applications (one per cluster) and one of
#      N (default 1,000) applications dealt out over cluster-a and cluster-b of tests/env
#      (tests/bench/gen_k8s_repo.py many-apps --contexts cluster-a,cluster-b), pushed to
#      the env's git server; serve fetches hourly, so only the webhook starts a fetch. For
#      each of RUNS pushes (one application's image changed), a signed GitHub push hook is
#      sent and serve's own wissel_trigger_latency_seconds read: from the delivery's
#      arrival to the new revision handed to the targets' workers (the fetch, the load
#      and policy check of the whole repository), which start their passes at once; and
#      the split, from wissel_git_fetch_duration_seconds and _manifest_load_duration_seconds.
#      Before the next push every placement must have reached the revision (so each push
#      meets idle workers); how long that took from the webhook is printed too.
#   B. memory: serve's resident memory once all N placements are reconciled (its
#      process_resident_memory_bytes, VmRSS, and the peak VmHWM from /proc), next to the
#      target of issue 7 (under 50 MB); and how long the first convergence took.
#
# Replicas are 0 (the kwok nodes of tests/env hold 3 x 110 Pods). The namespace
# wissel-bench-s on both clusters is made beforehand and deleted at the end.
#
# Environment: WISSEL (default ./wissel, the release build), BENCH_SERVE_APPS (N, default
# 1000), BENCH_SERVE_RUNS (default 5).
set -u
cd "$(dirname "$0")/../.."
WISSEL=${WISSEL:-$PWD/wissel}
N=${BENCH_SERVE_APPS:-1000}
RUNS=${BENCH_SERVE_RUNS:-5}
OUT=$PWD/build/bench/serve
NS=wissel-bench-s
ADDR=127.0.60.5:8082
URL=http://$ADDR
TARGET_MS=100
TARGET_MB=50

die() { echo "bench: serve: $*" >&2; exit 1; }
[ -x "$WISSEL" ] || die "$WISSEL is missing: run make wissel (make bench does)"
# shellcheck disable=SC1091
. tests/env/lib.sh
for c in k8s git; do
    if [ -f "$ENV_DIR/failed/$c" ] || ! env_load || ! "${c}_status" >/dev/null 2>&1; then
        echo "wissel serve: skipped: tests/env $c is not running (tests/env/up k8s git)"
        exit 0
    fi
done
ka() { "$KUBECTL" --kubeconfig "$KUBECONFIG_TEST" --context cluster-a "$@"; }
kb() { "$KUBECTL" --kubeconfig "$KUBECONFIG_TEST" --context cluster-b "$@"; }
rm -rf "$OUT"
mkdir -p "$OUT"
pid=
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    ka delete namespace "$NS" --wait=false >/dev/null 2>&1
    kb delete namespace "$NS" --wait=false >/dev/null 2>&1
}
trap cleanup EXIT
for k in ka kb; do
    $k delete namespace "$NS" --ignore-not-found --wait=true >/dev/null 2>&1
    $k create namespace "$NS" >/dev/null || die "cannot create namespace $NS"
done
secret=bench-secret-$$
printf '%s\n' "$secret" >"$OUT/secret"

metric() { curl -s "$URL/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# Placements reconciled without error at least once.
reconciled() { curl -s "$URL/metrics" | grep -c '^wissel_reconcile_total{.*result="ok"} [1-9]'; }
wait_for() { # condition, seconds
    local i
    for ((i = 0; i < $2 * 5; i++)); do eval "$1" && return 0; sleep 0.2; done
    return 1
}
hook() { # branch
    local body="{\"ref\":\"refs/heads/$1\"}" sig
    sig=$(printf '%s' "$body" | openssl dgst -sha256 -hmac "$secret" | awk '{print $NF}')
    curl -s -o /dev/null -w '%{http_code}' -X POST -H 'X-GitHub-Event: push' \
        -H "X-Hub-Signature-256: sha256=$sig" --data "$body" "$URL/hooks/github"
}

# One repository: generate, push, serve it, wait for convergence; then RUNS pushes each
# announced by a webhook. Prints "apps converge_ms rss_kb hwm_kb metric_rss latencies...".
measure() { # apps
    local apps=$1 repo=$OUT/repo-$1 branch=bench-serve-$1-$$ t0 t1 rev i lat=()
    /usr/bin/python3 tests/bench/gen_k8s_repo.py many-apps --apps "$apps" \
        --kubeconfig "$KUBECONFIG_TEST" --namespace "$NS" --contexts cluster-a,cluster-b \
        --target bench "$repo" || die "gen_k8s_repo.py failed"
    "$GIT_PUSH" --branch "$branch" -m "bench: $apps apps" "$repo" >/dev/null || die "push failed"
    t0=$(date +%s%N)
    "$WISSEL" serve --state "$OUT/state-$apps" --listen "$ADDR" --interval 1h \
        --drift-interval 1h --webhook-secret-file "$OUT/secret" --git "$GIT_HTTP_URL" \
        --ref "$branch" --git-user "$GIT_HTTP_USER" --git-password-file "$GIT_HTTP_PASSWORD_FILE" \
        --checkout "$OUT/co-$apps" --log-level warn >"$OUT/serve-$apps.log" 2>&1 &
    pid=$!
    wait_for '[ "$(reconciled)" -ge "$apps" ]' 600 ||
        die "$apps apps: only $(reconciled) placements reconciled after 10 min (log: $OUT/serve-$apps.log)"
    t1=$(date +%s%N)
    local conv=$(((t1 - t0) / 1000000))
    local rss hwm mrss
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
    hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
    mrss=$(metric process_resident_memory_bytes)
    local full=()
    for ((i = 0; i < RUNS; i++)); do
        sed -i "s/:1\.[0-9]*\.0$/:1.$((i + 100)).0/" "$repo/apps/app-0000/web.score.yaml"
        rev=$("$GIT_PUSH" --branch "$branch" -m "bench: run $i" "$repo") || die "push failed"
        t0=$(date +%s%N)
        [ "$(hook "$branch")" = 202 ] || die "the webhook was not accepted"
        wait_for 'curl -s "$URL/api/v1/source" | grep -q "\"loaded_revision\":\"$rev\""' 60 ||
            die "$apps apps: revision $rev not loaded after the webhook"
        # Quiet again before the next push: every placement reconciled at this revision.
        wait_for '[ "$(curl -s "$URL/metrics" | grep -c "^wissel_applied_revision_info{.*revision=\"$rev\"} 1")" -ge "$apps" ]' 600 ||
            die "$apps apps: not every placement reached revision $rev"
        full+=($((($(date +%s%N) - t0) / 1000000)))
        lat+=("$(metric wissel_trigger_latency_seconds):$(metric wissel_git_fetch_duration_seconds):$(metric wissel_manifest_load_duration_seconds)")
    done
    kill -TERM "$pid"; wait "$pid"; pid=
    echo "$apps $conv $rss $hwm ${mrss%.*} $(median "${full[@]}") ${lat[*]}"
}

ms() { awk -v s="$1" 'BEGIN {printf "%.1f", s * 1000}'; }
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
mark() { awk -v v="$1" -v t="$2" 'BEGIN {print (v <= t) ? "within target" : "OVER TARGET"}'; }
report() { # apps converge_ms rss_kb hwm_kb metric_rss full_ms latency:fetch:load...
    local apps=$1 conv=$2 rss=$3 hwm=$4 mrss=$5 full=$6; shift 6
    local med best lat=() fetch=() load=() r
    for r in "$@"; do
        IFS=: read -r a b c <<<"$r"
        lat+=("$a") fetch+=("$b") load+=("$c")
    done
    med=$(median "${lat[@]}")
    best=$(printf '%s\n' "${lat[@]}" | sort -g | head -1)
    echo "  $apps applications over cluster-a and cluster-b:"
    printf '    webhook -> reconcile, median %7s ms, best %s ms   (target < %d ms: %s)\n' \
        "$(ms "$med")" "$(ms "$best")" $TARGET_MS "$(mark "$(ms "$med")" $TARGET_MS)"
    printf '      of which git fetch and checkout, median %s ms; load and check, median %s ms\n' \
        "$(ms "$(median "${fetch[@]}")")" "$(ms "$(median "${load[@]}")")"
    echo "    runs (ms): $(for l in "${lat[@]}"; do printf '%s ' "$(ms "$l")"; done)"
    echo "    webhook -> all $apps placements reconciled at the new revision, median $full ms"
    printf '    first convergence %.1f s; resident memory then %.1f MB (VmRSS; metric %.1f MB), peak %.1f MB   (target < %d MB: %s)\n' \
        "$(awk -v c="$conv" 'BEGIN {print c / 1000}')" "$(awk -v k="$rss" 'BEGIN {print k / 1024}')" \
        "$(awk -v b="$mrss" 'BEGIN {print b / 1048576}')" "$(awk -v k="$hwm" 'BEGIN {print k / 1024}')" \
        $TARGET_MB "$(mark "$((rss / 1024))" $TARGET_MB)"
}

echo "wissel serve: webhook to reconcile and memory ($RUNS pushes each, $(nproc) CPUs)"
measure 2 >"$OUT/small"
# shellcheck disable=SC2046
report $(cat "$OUT/small")
measure "$N" >"$OUT/large"
# shellcheck disable=SC2046
report $(cat "$OUT/large")
