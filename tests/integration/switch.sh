#!/usr/bin/env bash
# wissel switch against tests/env's Docker and Knot: an application with a volume, placed
# on Docker target A with B as its standby, its name in Knot. `wissel switch --to B`
# moves the volume's data (a file written at A is read at B), starts it at B and moves
# DNS; `--rollback` returns to A with the data written at B in the meantime.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
. "$(dirname "$0")/dns_lib.sh"
env_require dns
env_require docker
work=$(mktemp -d)
ta="swa-$$" tb="swb-$$" host="files-$$.wissel.test" port=18433
cleanup() {
    docker_cleanup "$ta" "$tb"
    docker volume ls -q --filter "label=wissel.dev/app=files" | grep -E "^($ta|$tb)-" | xargs -r docker volume rm >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
repo=$work/repo st=$work/state
mkdir -p "$repo"
dig() { dig_at "$DNS_SERVER" "$DNS_PORT" "$@"; }
{ docker_targets "$ta" "$tb" 21700; knot_target "$DNS_TSIG_SECRET_FILE"; } >"$repo/targets.yaml"
cat >"$repo/web.score.yaml" <<EOF
apiVersion: score.dev/v1b1
metadata: {name: web}
service: {ports: {http: {port: $port, targetPort: 8080}}}
containers:
  main:
    image: wissel-test/web:1
    volumes:
      /data:
        source: \${resources.data}
    readinessProbe:
      httpGet: {path: /healthz, port: 8080}
resources:
  data: {type: volume}
EOF
cat >"$repo/app.yaml" <<EOF
apiVersion: wissel.dev/v1
kind: Application
metadata: {name: files}
spec:
  workloads: [web.score.yaml]
  classification: internal
  placement: {primary: $ta, standby: [$tb], mode: cold}
  route: {host: $host, workload: web, port: http}
  dns: {target: knot, ttl: 1}
  failover: {probe: {path: /healthz, interval: 1s, timeout: 500ms, failures: 3}}
EOF
run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "cold: only the primary runs, DNS points at it" \
    bash -c '[ "$1" = 127.0.30.1 ] && [ -z "$(docker ps -q --filter label=wissel.dev/target=$2)" ]' _ "$(dig "$host")" "$tb"
put() { # target, text: write /data/marker in the target's container
    echo "$2" >"$work/marker"
    docker cp "$work/marker" "$1-files-web-0:/data/marker"
}
get() { docker cp "$1-files-web-0:/data/marker" - 2>/dev/null | tar -xO; }
put "$ta" "written-at-a-$$"

run_wissel switch files --to "$tb" -o json --state "$st" "$repo"
[ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "switch --to B succeeds and says what it copied" \
    bash -c '[ "$1" = 0 ] && grep -q "\"id\": \"data\"" <<<"$2"' _ "$RC" "$OUT"
check "the file written at A is readable at B" [ "$(get "$tb")" = "written-at-a-$$" ]
check "B answers and DNS points at it" \
    bash -c '[ "$1" = 127.0.30.2 ] && curl -sf -m 2 "http://127.0.30.2:$2/healthz" >/dev/null' _ "$(dig "$host")" "$port"
check "the journal has the switch" \
    bash -c 'grep "\"failover.end\"" "$1/journal.jsonl" | tail -1 | grep -q "\"kind\":\"switch\""' _ "$st"
run_wissel plan --detailed-exitcode --state "$st" -t knot "$repo"
check "a plan keeps DNS at B" [ "$RC" = 0 ]

put "$tb" "written-at-b-$$"
run_wissel switch files --rollback --state "$st" "$repo"
[ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "--rollback returns to A" bash -c '[ "$1" = 0 ] && [ "$2" = 127.0.30.1 ]' _ "$RC" "$(dig "$host")"
check "... with the data written at B" [ "$(get "$ta")" = "written-at-b-$$" ]
run_wissel switch files --rollback --state "$st" "$repo"
check "a second rollback is refused with a reason" \
    bash -c '[ "$1" = 1 ] && grep -q "no switch that can be rolled back" <<<"$2"' _ "$RC" "$ERR"
run_wissel switch files --to nowhere --state "$st" "$repo"
check "an unknown target is a clear error" bash -c '[ "$1" = 1 ] && grep -q "no target is named \"nowhere\"" <<<"$2"' _ "$RC" "$ERR"
