#!/usr/bin/env bash
# wissel drill against tests/env's Knot and Docker: an application placed warm on two
# Docker targets, its name in Knot with a TTL of 1 s. The drill stops the primary's
# containers, detects the outage with the application's probe, moves DNS to the standby,
# measures the first good answer through DNS, restores the primary and fails back. The
# test runs its own client beside it (kdig, then curl at the address DNS gave) and checks
# that the report's recovery moment matches what that client saw (within 1 s), that the
# objective decides pass/fail, and that --dry-run and --no-restore do what they say. Then
# the same cold: the standby deployed by the drill is removed again after the failback.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
. "$(dirname "$0")/dns_lib.sh"
env_require dns
env_require docker
work=$(mktemp -d)
ta="drla-$$" tb="drlb-$$" host="shop-$$.wissel.test" port=18431
probe_pid=
cleanup() { [ -n "$probe_pid" ] && kill "$probe_pid" 2>/dev/null; docker_cleanup "$ta" "$tb"; rm -rf "$work"; }
trap cleanup EXIT
repo=$work/repo st=$work/state
mkdir -p "$repo"
dig() { dig_at "$DNS_SERVER" "$DNS_PORT" "$@"; }
now_ms() { date +%s%3N; }
{ docker_targets "$ta" "$tb" 21300; knot_target "$DNS_TSIG_SECRET_FILE"; } >"$repo/targets.yaml"
probe='probe: {path: /healthz, interval: 1s, timeout: 500ms, failures: 3, successes: 1}'
app() { failover_app shop "$host" "{primary: $ta, standby: [$tb], mode: warm}" "{rto: $1, $probe}" "$port"; }
app 20s >"$repo/app.yaml"
run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "the route host points at the primary" [ "$(dig "$host")" = 127.0.30.1 ]
check "the route answers at the same port on both targets" \
    bash -c 'curl -sf -m 2 http://127.0.30.1:$1/healthz >/dev/null && curl -sf -m 2 http://127.0.30.2:$1/healthz >/dev/null' _ "$port"

run_wissel drill shop --dry-run --state "$st" "$repo"
check "--dry-run says what the drill would do" \
    bash -c '[ "$1" = 0 ] && grep -q "take shop out at $2" <<<"$3" && grep -q "point $4 (TTL 1 s) at $5" <<<"$3"' _ "$RC" "$ta" "$OUT" "$host" "$tb"
check "... and changes nothing" \
    bash -c '[ -n "$(docker ps -q --filter label=wissel.dev/target=$1 --filter status=running)" ] && [ "$2" = 127.0.30.1 ]' _ "$ta" "$(dig "$host")"

# The test's own client: every 100 ms, ask Knot, then GET at the answer.
client() {
    while :; do
        local t ip
        t=$(now_ms)
        ip=$("$KDIG" @"$DNS_SERVER" -p "$DNS_PORT" +short +time=1 "$host" A | head -1)
        if [ -n "$ip" ] && curl -sf -m 1 "http://$ip:$port/healthz" >/dev/null 2>&1; then
            echo "$t $ip ok"
        else
            echo "$t $ip fail"
        fi
        sleep 0.1
    done
}
client >"$work/client.log" &
probe_pid=$!
run_wissel drill shop -o json --report-dir "$work" --state "$st" "$repo"
kill "$probe_pid"; probe_pid=
printf '%s\n' "$OUT" >"$work/r.json"
[ "$RC" = 0 ] || printf "# %s\n" "$ERR" | tail -12
check "the drill passes against an objective of 20 s" [ "$RC" = 0 ]
jq() { /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$work/r.json" "$1"; }
check "the report has every step, in order (the client may see the new answer before the DNS step's own end is stamped)" \
    bash -c '[ "$(/usr/bin/python3 -c "import json,sys; s=json.load(open(sys.argv[1]))[\"steps\"]; k=[\"taken_out\",\"detected\",\"healthy\",\"dns\"]; print(all(x in s for x in k+[\"recovered\"]) and [s[x] for x in k]==sorted(s[x] for x in k) and s[\"recovered\"] >= s[\"healthy\"])" "$1")" = True ]' _ "$work/r.json"
check "detection took about failures x interval (2.5-4.5 s)" \
    [ "$(jq '2500 <= r["steps"]["detected"] <= 4500')" = True ]
taken=$(jq 'r["at"]["taken_out"]') recovered=$(jq 'r["at"]["recovered"]')
own_down=$(awk -v t="$taken" '$1 >= t && $3 == "fail" {print $1; exit}' "$work/client.log")
own_up=$(awk -v t="$taken" -v ip=127.0.30.2 '$1 >= t && $2 == ip && $3 == "ok" {print $1; exit}' "$work/client.log")
printf '# report: taken out %s, recovered %s (%s ms); own client: first failure %s, first good answer from the standby %s\n' \
    "$taken" "$recovered" "$(jq 'r["recovery_ms"]')" "$own_down" "$own_up"
check "the test's own client saw the outage" [ -n "$own_down" ]
check "the report's recovery moment matches the test's own client (within 1 s)" \
    bash -c '[ -n "$1" ] && d=$(($1 - $2)) && [ ${d#-} -le 1000 ]' _ "$own_up" "$recovered"
check "the client's errors are counted in the report" [ "$(jq 'r["client"]["errors"] > 0')" = True ]
check "Markdown and JSON report files were written" \
    bash -c 'ls "$1"/drill-shop-*.md >/dev/null && ls "$1"/drill-shop-*.json >/dev/null && grep -q "Result: PASSED" "$1"/drill-shop-*.md' _ "$work"
check "the restore failed back: DNS points at the primary again" [ "$(dig "$host")" = 127.0.30.1 ]
check "... which answers" curl -sf -m 2 "http://127.0.30.1:$port/healthz" -o /dev/null
check "the journal keeps the drill (drill.end, passed)" \
    bash -c 'grep "\"drill.end\"" "$1/journal.jsonl" | tail -1 | grep -q "\"passed\":true"' _ "$st"
run_wissel plan --detailed-exitcode --state "$st" "$repo"
check "after the drill, git and the targets agree (nothing to plan)" [ "$RC" = 0 ]
run_wissel report -o json --state "$st" "$repo"
check "wissel report counts the drill as a tested way out, with its recovery time" \
    bash -c '/usr/bin/python3 -c "
import json, sys
a = [x for x in json.loads(sys.argv[1])[\"applications\"] if x[\"name\"] == \"shop\"][0]
assert a[\"testedExit\"] is True and a[\"lastDrill\"][\"recoveryMs\"] > 0, a" "$1"' _ "$OUT"

app 1s >"$repo/app.yaml"
rm -f "$work"/drill-shop-*
run_wissel drill shop --no-restore --report-dir "$work" --state "$st" "$repo"
check "an objective of 1 s fails the drill (exit 1, FAILED)" \
    bash -c '[ "$1" = 1 ] && grep -q "Result: FAILED" <<<"$2"' _ "$RC" "$OUT"
check "--no-restore leaves DNS at the standby" [ "$(dig "$host")" = 127.0.30.2 ]
run_wissel plan --detailed-exitcode --state "$st" -t knot "$repo"
check "... and the failover holds: a plan does not move DNS back" [ "$RC" = 0 ]
run_wissel drill shop --state "$st" "$repo"
check "a second drill refuses to start while the failover is in force" \
    bash -c '[ "$1" = 1 ] && grep -q "failover of shop to $2 is in force" <<<"$3"' _ "$RC" "$tb" "$ERR"

# Cold: back at A (a switch), the placement made cold and B's containers removed. A drill
# deploys B from the same revision and, once it has failed back, removes them again.
run_wissel switch shop --to "$ta" --state "$st" "$repo"
failover_app shop "$host" "{primary: $ta, standby: [$tb], mode: cold}" "{rto: 20s, $probe}" "$port" >"$repo/app.yaml"
docker_cleanup "$tb"
run_wissel drill shop --report-dir "$work" --state "$st" "$repo"
[ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "a cold drill passes: B deployed, then a failback to A" \
    bash -c '[ "$1" = 0 ] && [ "$2" = 127.0.30.1 ] && grep -q "\"type\":\"apply.end\".*\"target\":\"$3\"\|\"target\":\"$3\".*\"type\":\"apply.end\"" "$4/journal.jsonl"' _ "$RC" "$(dig "$host")" "$tb" "$st"
check "... after which B runs nothing again (cold)" \
    [ "$(docker ps -aq --filter "label=wissel.dev/target=$tb" | wc -l)" = 0 ]
run_wissel plan --detailed-exitcode --state "$st" "$repo"
check "... and a plan has nothing to do" [ "$RC" = 0 ]
