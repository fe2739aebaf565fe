#!/usr/bin/env bash
# Automatic failover in wissel serve, against tests/env's Knot and Docker: an application
# placed warm on two Docker targets, its name in Knot (TTL 1 s), probed every 1 s, down
# after 3 failures. The primary's containers are stopped by hand: kdig shows the standby
# within failures x interval + 2 s, and an HTTP client following DNS is answered again;
# the journal, /metrics and the status API tell of it; serve does not fail back by itself
# (failback: false), but does once the Application asks for it.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
. "$(dirname "$0")/dns_lib.sh"
env_require dns
env_require docker
work=$(mktemp -d)
ta="sfoa-$$" tb="sfob-$$" host="desk-$$.wissel.test" port=18432
addr=127.0.0.1:$((20000 + $$ % 20000)) serve_pid=
url=http://$addr
cleanup() {
    [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
    docker_cleanup "$ta" "$tb"; rm -rf "$work"
}
trap cleanup EXIT
repo=$work/repo st=$work/state
mkdir -p "$repo"
dig() { dig_at "$DNS_SERVER" "$DNS_PORT" "$@"; }
wait_for() { local i; for i in $(seq "${2:-150}"); do eval "$1" && return 0; sleep 0.2; done; return 1; }
{ docker_targets "$ta" "$tb" 21400; knot_target "$DNS_TSIG_SECRET_FILE"; } >"$repo/targets.yaml"
probe='probe: {path: /healthz, interval: 1s, timeout: 500ms, failures: 3, successes: 1}'
app() { failover_app desk "$host" "{primary: $ta, standby: [$tb]}" "{automatic: true, failback: $1, $probe}" "$port"; }
app false >"$repo/app.yaml"
serve() {
    "$WISSEL" serve --state "$st" --listen "$addr" --interval 1h --drift-interval 1h \
        --log-level info "$repo" >>"$work/serve.log" 2>&1 &
    serve_pid=$!
}
stop_serve() { kill -TERM "$serve_pid"; wait "$serve_pid"; local rc=$?; serve_pid=; return $rc; }
up_metric() { curl -s "$url/metrics" | grep -F "wissel_placement_up{app=\"desk\",target=\"$1\"}" | awk '{print $2}'; }
serve
check "serve deploys both placements and points DNS at the primary" \
    wait_for '[ "$(dig "$host")" = 127.0.30.1 ] && curl -sf -m 1 http://127.0.30.2:$port/healthz >/dev/null'
check "the monitor reports both placements up" wait_for '[ "$(up_metric "$ta")" = 1 ] && [ "$(up_metric "$tb")" = 1 ]'

t0=$(date +%s%3N)
docker stop -t 1 $(docker ps -q --filter "label=wissel.dev/target=$ta") >/dev/null
t_stopped=$(date +%s%3N)
wait_for '[ "$(dig "$host")" = 127.0.30.2 ]' 100
t1=$(date +%s%3N)
printf "# docker stop took %d ms; DNS at the standby %d ms after it began\n" $((t_stopped - t0)) $((t1 - t0))
check "DNS points at the standby within failures x interval + 2 s of the outage" \
    [ "$(dig "$host")" = 127.0.30.2 -a $((t1 - t0)) -le 5000 ]
check "an HTTP client following DNS is answered again" \
    curl -sf -m 2 "http://$(dig "$host"):$port/healthz" -o /dev/null
check "the journal has the verdict and the failover" \
    bash -c 'j=$1/journal.jsonl; grep "\"monitor.down\"" "$j" | grep -q "\"target\":\"$2\"" &&
             grep "\"failover.end\"" "$j" | grep -q "\"ok\":true" && grep -q "\"failover.dns\"" "$j"' _ "$st" "$ta"
check "/metrics: the primary down, one failover to the standby" \
    wait_for '[ "$(up_metric "$ta")" = 0 ] && curl -s "$url/metrics" | grep -qF "wissel_failovers_total{app=\"desk\",target=\"$tb\",result=\"ok\"} 1"'
check "the status API tells the same" \
    bash -c 'curl -s "$1/api/v1/applications" | /usr/bin/python3 -c "
import json, sys
a = {x[\"name\"]: x for x in json.load(sys.stdin)[\"applications\"]}[\"desk\"]
p = {x[\"target\"]: x for x in a[\"placements\"]}
assert p[sys.argv[1]][\"monitor\"][\"state\"] == \"down\", p
assert p[sys.argv[2]][\"failovers\"][\"ok\"] == 1, p" "$2" "$3"' _ "$url" "$ta" "$tb"

docker start $(docker ps -aq --filter "label=wissel.dev/target=$ta") >/dev/null
check "the primary answers again (started by hand)" wait_for '[ "$(up_metric "$ta")" = 1 ]'
sleep 3
check "... and serve does not fail back by itself (failback: false)" [ "$(dig "$host")" = 127.0.30.2 ]
run_wissel plan --detailed-exitcode --state "$st" -t knot "$repo"
check "a plan keeps DNS where the failover put it" [ "$RC" = 0 ]

check "SIGTERM stops serve cleanly" stop_serve
app true >"$repo/app.yaml"
serve
check "with failback: true, serve returns DNS to the primary" wait_for '[ "$(dig "$host")" = 127.0.30.1 ]'
check "... journaled as a failback" bash -c 'grep "\"failover.end\"" "$1/journal.jsonl" | tail -1 | grep -q "\"kind\":\"failback\""' _ "$st"
check "no secret in serve's log" bash -c '! grep -qF "$(cat "$1")" "$2"' _ "$DNS_TSIG_SECRET_FILE" "$work/serve.log"
check "SIGTERM stops serve cleanly (again)" stop_serve
