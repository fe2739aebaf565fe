#!/usr/bin/env bash
# A route's fixed entry point with the Docker driver, against the real engine: an
# application with a route, applied to two Docker Targets (127.0.30.1 and 127.0.30.2),
# answers at the Score service port's number at both (replica 0 of the route's workload
# publishes it beside its port from the range); the driver's endpoint says that port; a
# replacement keeps it; take_out (a failover drill, through tests/integration/take_out.c)
# stops the application's containers, plan shows the drift and apply brings it back; a
# fixed port held by another application's route or by another program is a clear error
# that leaves no container behind; the route moving to another container of the
# application takes the port over; the range never hands out a route's fixed port.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
. "$(dirname "$0")/dns_lib.sh"
env_require docker
need_prog take_out
work=$(mktemp -d)
ta="dkra-$$" tb="dkrb-$$" tc="dkrc-$$"
rport=$((18000 + $$ % 900)) # the route's service port: the fixed host port
cleanup() {
    [ -n "${holder_pid:-}" ] && kill "$holder_pid" 2>/dev/null
    docker_cleanup "$ta" "$tb" "$tc"
    rm -rf "$work"
}
trap cleanup EXIT

# route_app NAME PLACEMENT: an application with a route to web's port http.
route_app() {
    printf 'apiVersion: wissel.dev/v1\nkind: Application\nmetadata: {name: %s}\nspec:\n  workloads: [web.score.yaml]\n  classification: internal\n  replicas: {web: 2}\n  placement: %s\n  route: {host: %s.example.nl, workload: web, port: http}\n' "$1" "$2" "$1"
}
# route_score FILE: web with the route's port (the container listens on 8080).
route_score() {
    cat >"$1" <<YAML
apiVersion: score.dev/v1b1
metadata: {name: web}
service: {ports: {http: {port: $rport, targetPort: 8080}}}
containers:
  main:
    image: wissel-test/web:1
    variables: {GREETING: hallo}
    readinessProbe: {httpGet: {path: /healthz, port: 8080}}
YAML
}
repo=$work/repo st=$work/state
mkdir -p "$repo"
docker_targets "$ta" "$tb" 21300 >"$repo/targets.yaml"
route_app portal "{primary: $ta, standby: [$tb], mode: active-active}" >"$repo/app.yaml"
route_score "$repo/web.score.yaml"
answers() { curl -fsS -m 2 "http://$1/" 2>/dev/null | grep -q "wissel-test/web:1"; }
bound() { docker port "$1" 8080/tcp 2>/dev/null | sort -t: -k2n | tr '\n' ' '; } # its bindings
export -f answers bound

run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "apply at two Targets on one engine; every container gets ready" \
    bash -c '[ "$1" = 0 ] && [ "$(grep -c "ready" <<<"$2")" -ge 2 ]' _ "$RC" "$OUT"
check "the route answers at 127.0.30.1:$rport (the Score service port)" answers "127.0.30.1:$rport"
check "... and on the same port at the other Target, 127.0.30.2:$rport" answers "127.0.30.2:$rport"
b0=$(bound "$ta-portal-web-0") b1=$(bound "$ta-portal-web-1")
check "replica 0 publishes the fixed port beside one from the range; replica 1 only its range port ($b0| $b1)" \
    bash -c '[[ $1 =~ ^127\.0\.30\.1:$3\ 127\.0\.30\.1:213[0-4][0-9]\ $ ]] && [[ $2 =~ ^127\.0\.30\.1:213[0-4][0-9]\ $ ]]' _ "$b0" "$b1" "$rport"
check "its rendered Spec has the Route and a stop-first rollout" \
    bash -c 'docker inspect -f "{{index .Config.Labels \"wissel.dev/spec\"}}" "$1-portal-web-0" |
             grep -F "\"Route\":{\"hostPort\":\"$2\",\"port\":\"8080/tcp\"}" | grep -qF "\"Rollout\":\"stop-first\""' _ "$ta" "$rport"
check "the driver's endpoint is the Target's address and the route's port" \
    bash -c '[ "$("$1" "$2" "$3" portal endpoint)" = "127.0.30.1 $4" ]' _ "$prog" "$repo" "$ta" "$rport"
run_wissel plan --state "$st" --detailed-exitcode "$repo"
check "a second plan has no changes" bash -c '[ "$1" = 0 ]' _ "$RC"

# --- a replacement keeps the port ------------------------------------------------------
old=$(docker inspect -f '{{.Id}}' "$ta-portal-web-0")
sed -i 's|GREETING: hallo|GREETING: dag|' "$repo/web.score.yaml"
run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "a changed variable replaces replica 0 (stop-first), which gets ready" \
    bash -c '[ "$1" = 0 ] && grep -q "update  container/$2-portal-web-0" <<<"$3" &&
             [ "$(docker inspect -f "{{.Id}}" "$2-portal-web-0")" != "$4" ] &&
             docker inspect -f "{{range .Config.Env}}{{println .}}{{end}}" "$2-portal-web-0" | grep -qx GREETING=dag' _ "$RC" "$ta" "$OUT" "$old"
check "the new container answers on the same fixed port at both Targets" \
    bash -c 'answers "127.0.30.1:$1" && answers "127.0.30.2:$1" && ! docker inspect "$2-portal-web-0-next" >/dev/null 2>&1' _ "$rport" "$ta"

# --- a stop-first replacement that never gets ready leaves the old container serving ---
sed -i 's|    variables: {GREETING: dag}|&\n    args: [--bogus]|' "$repo/web.score.yaml"
run_wissel apply -y --timeout 2m -t "$ta" --state "$st" "$repo"
check "a new version that exits is removed and the old one started again: the route answers, no -next is left" \
    bash -c '[ "$1" != 0 ] && grep -q "did not become ready" <<<"$2" && answers "127.0.30.1:$3" &&
             ! docker inspect "$4-portal-web-0-next" >/dev/null 2>&1 &&
             docker inspect -f "{{range .Config.Env}}{{println .}}{{end}}" "$4-portal-web-0" | grep -qx GREETING=dag' _ "$RC" "$OUT$ERR" "$rport" "$ta"
sed -i '/    args: \[--bogus\]/d' "$repo/web.score.yaml"

# --- take_out (a drill) and the apply that undoes it -------------------------------------
run_take_out "$repo" "$ta" portal
check "take_out stops every container of the application at that Target and removes none" \
    bash -c '[ "$1" = 0 ] && [ "$(docker ps -aq --filter label=wissel.dev/target=$2 | wc -l)" = 2 ] &&
             [ -z "$(docker ps -q --filter label=wissel.dev/target=$2)" ]' _ "$RC" "$ta"
check "... the route no longer answers there, and still does at the other Target" \
    bash -c '! answers "127.0.30.1:$1" && answers "127.0.30.2:$1" &&
             [ "$(docker ps -q --filter label=wissel.dev/target=$2 | wc -l)" = 2 ]' _ "$rport" "$tb"
run_wissel plan --state "$st" "$repo"
check "plan shows the stopped containers as drift" \
    bash -c 'grep -q "update  container/$1-portal-web-0" <<<"$2" && grep -q "update  container/$1-portal-web-1" <<<"$2" && grep -q "drift" <<<"$2"' _ "$ta" "$OUT"
run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "apply brings the application back: both containers run and the route answers" \
    bash -c '[ "$1" = 0 ] && [ "$(docker ps -q --filter label=wissel.dev/target=$2 | wc -l)" = 2 ] && answers "127.0.30.1:$3"' _ "$RC" "$ta" "$rport"
run_wissel plan --state "$st" --detailed-exitcode "$repo"
check "... and a plan after it has no changes" bash -c '[ "$1" = 0 ]' _ "$RC"

# --- the fixed port taken by another application's route ---------------------------------
mkdir -p "$work/repo-d"
cp "$repo/targets.yaml" "$repo/web.score.yaml" "$work/repo-d/"
route_app other "{primary: $ta}" | sed 's/replicas: {web: 2}/replicas: {web: 1}/' >"$work/repo-d/app.yaml"
run_wissel apply -y --timeout 1m --state "$work/state-d" "$work/repo-d"
check "a route port another application's route holds: a clear error naming port, address and both containers" \
    bash -c '[ "$1" != 0 ] && grep -q "container $3-other-web-0: the route.s fixed port $4 on 127.0.30.1 is taken by container $3-portal-web-0" <<<"$2"' _ "$RC" "$OUT$ERR" "$ta" "$rport"
check "... leaving no container of it, and the first application answering" \
    bash -c '[ -z "$(docker ps -aq --filter label=wissel.dev/app=other)" ] && answers "127.0.30.1:$1"' _ "$rport"

# --- the route moves to another container of the application -----------------------------
printf '  side:\n    image: wissel-test/web:1\n    variables: {PORT: "9000"}\n' >>"$repo/web.score.yaml"
run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "a second container renames replica 0's: the new first container takes the route's port over, the old one is removed" \
    bash -c '[ "$1" = 0 ] && grep -q "create  container/$2-portal-web-0-main" <<<"$3" && grep -q "delete  container/$2-portal-web-0$" <<<"$3" &&
             ! docker inspect "$2-portal-web-0" >/dev/null 2>&1 && [[ $(bound "$2-portal-web-0-main") == "127.0.30.1:$4 "* ]] && answers "127.0.30.1:$4"' _ "$RC" "$ta" "$OUT" "$rport"

# --- the fixed port held by another program; the range around it -------------------------
mkdir -p "$work/repo-c"
route_score "$work/repo-c/web.score.yaml"
printf 'apiVersion: wissel.dev/v1\nkind: Target\nmetadata: {name: %s}\nspec:\n  provider: docker\n  jurisdiction: NL\n  docker: {ports: %s-%s, address: 127.0.30.3}\n' \
    "$tc" "$rport" "$((rport + 1))" >"$work/repo-c/targets.yaml"
route_app portal "{primary: $tc}" | sed 's/replicas: {web: 2}/replicas: {web: 1}/' >"$work/repo-c/app.yaml"
# SO_REUSEADDR, as docker-proxy does: a port in TIME-WAIT from an earlier test binds.
python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.30.3", int(sys.argv[1]))); s.listen(); print("listening", flush=True); time.sleep(120)' "$rport" >"$work/holder" &
holder_pid=$!
for _ in $(seq 25); do grep -q listening "$work/holder" && break; sleep 0.2; done
grep -q listening "$work/holder" || fail "a program could not listen on 127.0.30.3:$rport for the test"
run_wissel apply -y --timeout 1m --state "$work/state-c" "$work/repo-c"
check "a route port another program holds: a clear error naming port, address and container, and what to do" \
    bash -c '[ "$1" != 0 ] && grep -q "container $3-portal-web-0: the route.s fixed port $4 on 127.0.30.3 is taken by another program" <<<"$2" &&
             grep -q "stop the program that listens on 127.0.30.3:$4" <<<"$2"' _ "$RC" "$OUT$ERR" "$tc" "$rport"
check "... leaving no container behind" bash -c '[ -z "$(docker ps -aq --filter label=wissel.dev/target=$1)" ]' _ "$tc"
kill "$holder_pid"; wait "$holder_pid" 2>/dev/null; holder_pid=
run_wissel apply -y --timeout 1m --state "$work/state-c" "$work/repo-c"
check "once it is free, apply publishes the route there; the range ($rport-$((rport + 1))) never hands out the fixed port" \
    bash -c '[ "$1" = 0 ] && [ "$(bound "$2-portal-web-0")" = "127.0.30.3:$3 127.0.30.3:$(($3 + 1)) " ] && answers "127.0.30.3:$3"' _ "$RC" "$tc" "$rport"
