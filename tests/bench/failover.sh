#!/usr/bin/env bash
# Failover benchmark (make bench): the recovery time of a warm failover on two Docker
# targets of this machine's engine, the name in tests/env's Knot with a TTL of 1 s, probed
# every 1 s and down after 3 failures (the issue's target: under 5 s). Measured by
# `wissel drill` (docs/failover.md): RUNS drills (default 3), each step's time since the
# primary was taken out, and the best/median recovery. Figures are printed, never
# asserted; a drill that fails gives no figures and fails the benchmark. Skipped with a
# line saying so when tests/env's docker or dns is not running.
set -u
cd "$(dirname "$0")/../.."
. tests/env/lib.sh
WISSEL=${WISSEL:-$PWD/wissel}
RUNS=${BENCH_FAILOVER_RUNS:-3}
if ! env_require docker >/dev/null 2>&1 || ! env_require dns >/dev/null 2>&1; then
    echo "failover: skipped: tests/env docker and dns are not both running (tests/env/up docker dns)"
    exit 0
fi
work=$(mktemp -d)
ta="bfoa-$$" tb="bfob-$$" host="bench-$$.wissel.test" port=18439 repo=$work/repo
. tests/integration/dns_lib.sh
cleanup() { docker_cleanup "$ta" "$tb"; rm -rf "$work"; }
trap cleanup EXIT
die() { echo "failover: $*" >&2; exit 1; }
mkdir -p "$repo"
{ docker_targets "$ta" "$tb" 21600; knot_target "$DNS_TSIG_SECRET_FILE"; } >"$repo/targets.yaml"
failover_app bench "$host" "{primary: $ta, standby: [$tb]}" \
    "{rto: 5s, probe: {path: /healthz, interval: 1s, timeout: 500ms, failures: 3, successes: 1}}" \
    "$port" >"$repo/app.yaml"
"$WISSEL" apply -y --timeout 2m --state "$work/state" "$repo" >"$work/apply.out" 2>&1 ||
    { tail -5 "$work/apply.out" >&2; die "apply failed: no figures"; }
echo "failover: warm, 2 Docker targets, Knot TTL 1 s, probe every 1 s, down after 3 failures ($RUNS drills)"
printf '  %-4s %10s %10s %10s %10s   %s\n' run detected healthy dns recovered "client errors"
recs=()
for ((i = 1; i <= RUNS; i++)); do
    "$WISSEL" drill bench -o json --report-dir "$work" --state "$work/state" "$repo" \
        >"$work/r$i.json" 2>"$work/r$i.err" || { tail -5 "$work/r$i.err" >&2; die "drill $i failed: no figures"; }
    line=$(/usr/bin/python3 - "$work/r$i.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["steps"]
f = lambda k: "%8.3f s" % (s[k] / 1000) if k in s else "       -  "
print("%s %s %s %s   %d of %d" % (f("detected"), f("healthy"), f("dns"), f("recovered"),
      r["client"]["errors"], r["client"]["probes"]), r["recovery_ms"])
PY
)
    recs+=("${line##* }")
    printf '  %-4s %s\n' "$i" "${line% *}"
done
mapfile -t sorted < <(printf '%s\n' "${recs[@]}" | sort -n)
best=${sorted[0]} median=${sorted[$((RUNS / 2))]}
mark() { [ "$1" -lt 5000 ] && echo "within target" || echo "OVER TARGET"; }
printf '  recovery time, best   %d.%03d s   (target < 5 s: %s)\n' $((best / 1000)) $((best % 1000)) "$(mark "$best")"
printf '  recovery time, median %d.%03d s   (target < 5 s: %s)\n' $((median / 1000)) $((median % 1000)) "$(mark "$median")"
