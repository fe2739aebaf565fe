#!/usr/bin/env bash
# The Docker driver against the Docker Engine of this machine (tests/env docker), through
# the CLI: apply creates the network, the volume and the containers with the ownership
# labels; the app answers over HTTP; a second plan is empty; image :1 -> :2 replaces the
# containers while a probe loop never sees every replica down; the volume's data survives;
# a container removed by hand is recreated; a removed workload is pruned; a second Target
# on the same engine gets its own copy; a missing image, a taken port and an engine that
# does not answer are clear errors that leave the running version untouched.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require docker
work=$(mktemp -d)
ta="dka-$$" tb="dkb-$$" tc="dkc-$$"
cleanup() {
    [ -n "${probe_pid:-}" ] && kill "$probe_pid" 2>/dev/null
    [ -n "${holder_pid:-}" ] && kill "$holder_pid" 2>/dev/null
    for t in "$ta" "$tb" "$tc"; do
        ids=$(docker ps -aq --filter "label=wissel.dev/target=$t")
        [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
        docker network ls -q --filter "label=wissel.dev/target=$t" | xargs -r docker network rm >/dev/null 2>&1
        docker volume ls -q --filter "label=wissel.dev/target=$t" | xargs -r docker volume rm >/dev/null 2>&1
    done
    rm -rf "$work"
}
trap cleanup EXIT
cp -r "$ROOT/tests/fixtures/docker" "$work/repo"
repo=$work/repo st=$work/state
sed -i "s|name: dock-a}|name: $ta}|" "$repo/targets.yaml"
sed -i "s|primary: dock-a|primary: $ta|" "$repo/app.yaml"
# The manifests are a git repository: what apply creates carries its commit.
g() { GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -C "$repo" -c user.name=t -c user.email=t@wissel.invalid -c commit.gpgsign=false "$@"; }
g init -q && g add -A && g commit -qm "docker_apply: first" || fail "the manifests folder could not be made a git repository"
# ids of target $1's containers of workload $2, and the host:port of each
ids_of() { docker ps -q --filter "label=wissel.dev/target=$1" --filter "label=wissel.dev/workload=$2" | sort; }
addrs_of() {
    docker ps --filter "label=wissel.dev/target=$1" --filter "label=wissel.dev/workload=$2" \
        --format '{{.Ports}}' | grep -o '127\.0\.30\.1:[0-9]*' | sort -u
}
export -f ids_of addrs_of

run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "apply creates the network, the volume and 3 containers, and they get ready" \
    bash -c '[ "$1" = 0 ] && grep -q "ready" <<<"$2" && [ "$(docker ps -q --filter label=wissel.dev/target=$3 | wc -l)" = 3 ]' _ "$RC" "$OUT" "$ta"
check "containers, network and volume carry the ownership labels and a fingerprint" \
    bash -c 'docker inspect "$1-shop-web-0" --format "{{index .Config.Labels \"wissel.dev/app\"}} {{index .Config.Labels \"wissel.dev/target\"}}" | grep -qx "shop $1" &&
             docker inspect "$1-shop-web-0" --format "{{index .Config.Labels \"wissel.dev/fingerprint\"}}" | grep -Eq "^[0-9a-f]{64}$" &&
             [ "$(docker network ls -q --filter label=wissel.dev/target=$1 --filter label=wissel.dev/app=shop | wc -l)" = 1 ] &&
             [ "$(docker volume ls -q --filter label=wissel.dev/target=$1 --filter label=wissel.dev/app=shop)" = "$1-shop-data" ]' _ "$ta"
check "the app answers over HTTP on its published ports (127.0.30.1, from the Target's range)" \
    bash -c 'a=$(addrs_of "$1" web); [ "$(wc -w <<<"$a")" = 2 ] && for x in $a; do [[ $x == 127.0.30.1:204[0-4][0-9] ]] && curl -fsS "http://$x/" | grep -q "wissel-test/web:1" || exit 1; done' _ "$ta"
check "the file was copied in and the variables set (\$\$ is a literal \$)" \
    bash -c 'docker cp "$1-shop-web-0:/etc/web/web.conf" - | tar -xO | grep -qx "name = web" &&
             docker inspect "$1-shop-web-0" --format "{{json .Config.Env}}" | grep -q "\"PRICE=costs \$5\""' _ "$ta"
check "containers, network and volume carry the commit they were applied from (label wissel.dev/revision)" \
    bash -c '[[ $2 =~ ^[0-9a-f]{40}$ ]] && docker inspect "$1-shop-web-0" --format "{{index .Config.Labels \"wissel.dev/revision\"}}" | grep -qx "$2" &&
             [ "$(docker network ls -q --filter label=wissel.dev/target=$1 --filter label=wissel.dev/revision=$2 | wc -l)" = 1 ] &&
             [ "$(docker volume ls -q --filter label=wissel.dev/target=$1 --filter label=wissel.dev/revision=$2)" = "$1-shop-data" ]' _ "$ta" "$(g rev-parse HEAD)"
g commit -q --allow-empty -m "docker_apply: nothing changed"
run_wissel plan --state "$st" --detailed-exitcode "$repo"
check "a second plan, after a new empty commit, has no changes" bash -c '[ "$1" = 0 ] && grep -q "5 unchanged" <<<"$2"' _ "$RC" "$OUT"

# data in the volume, through a container that mounts it (the image has no shell)
echo "kept-$$" >"$work/marker"
docker cp "$work/marker" "$ta-shop-web-0:/data/marker"

# --- rollout :1 -> :2 with a probe loop ------------------------------------------------
: >"$work/probes"
( while :; do
      up=0
      for x in $(addrs_of "$ta" web); do
          curl -fsS -m 1 "http://$x/healthz" >/dev/null 2>&1 && up=$((up + 1))
      done
      echo "$up" >>"$work/probes"
      sleep 0.05
  done ) &
probe_pid=$!
sed -i 's|image: wissel-test/web:1|image: wissel-test/web:2|' "$repo/web.score.yaml"
run_wissel apply -y --timeout 3m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
sleep 0.5
kill "$probe_pid"; wait "$probe_pid" 2>/dev/null; probe_pid=
check "image :1 -> :2 replaces both web containers" \
    bash -c '[ "$1" = 0 ] && grep -q "update  container/$2-shop-web-0" <<<"$3" && for x in $(addrs_of "$2" web); do [ "$(curl -fsS "http://$x/version")" = 2 ] || exit 1; done &&
             [ "$(ids_of "$2" web | wc -l)" = 2 ]' _ "$RC" "$ta" "$OUT"
check "the probe loop never saw every replica down ($(wc -l <"$work/probes") probes: $(sort "$work/probes" | uniq -c | tr -s ' \n' ' '))" \
    bash -c '[ "$(wc -l <"$1")" -ge 5 ] && ! grep -qx 0 "$1"' _ "$work/probes"
check "the volume kept its data across the replacement" \
    bash -c 'docker cp "$1-shop-web-0:/data/marker" - | tar -xO | grep -qx "kept-$2"' _ "$ta" "$$"

# --- drift: a container removed by hand ------------------------------------------------
docker rm -f "$ta-shop-web-1" >/dev/null
run_wissel plan --state "$st" "$repo"
check "a container removed by hand shows as create in plan" grep -q "create  container/$ta-shop-web-1" <<<"$OUT"
run_wissel apply -y --timeout 2m --state "$st" "$repo"
check "the next apply recreates it" \
    bash -c '[ "$1" = 0 ] && [ "$(docker inspect -f "{{.State.Running}}" "$2-shop-web-1")" = true ]' _ "$RC" "$ta"

# --- prune -------------------------------------------------------------------------------
sed -i 's|workloads: \[web.score.yaml, worker.score.yaml\]|workloads: [web.score.yaml]|' "$repo/app.yaml"
run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "a removed workload is pruned" \
    bash -c '[ "$1" = 0 ] && grep -q "delete  container/$2-shop-worker-0" <<<"$3" && ! docker inspect "$2-shop-worker-0" >/dev/null 2>&1' _ "$RC" "$ta" "$OUT"

# --- a second Target on the same engine ------------------------------------------------
web_ids=$(ids_of "$ta" web)
cat >>"$repo/targets.yaml" <<YAML
---
apiVersion: wissel.dev/v1
kind: Target
metadata: {name: $tb}
spec:
  provider: docker
  jurisdiction: NL
  docker: {ports: "20450-20499", address: 127.0.30.1}
YAML
sed -i "s|placement: {primary: $ta}|placement: {primary: $ta, standby: [$tb], mode: warm}|" "$repo/app.yaml"
run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "a second Target on the same engine gets its own network, volume and containers" \
    bash -c '[ "$1" = 0 ] && docker network inspect "$2-shop" >/dev/null && docker volume inspect "$2-shop-data" >/dev/null &&
             a=$(addrs_of "$2" web) && [ "$(wc -w <<<"$a")" = 2 ] && for x in $a; do [[ $x == 127.0.30.1:20[45][0-9][0-9] ]] && curl -fsS "http://$x/version" | grep -qx 2 || exit 1; done' _ "$RC" "$tb"
check "the first Target's containers were left alone" bash -c '[ "$(ids_of "$1" web)" = "$2" ]' _ "$ta" "$web_ids"

# --- bad input -----------------------------------------------------------------------------
sed -i 's|image: wissel-test/web:2|image: wissel-test/web:does-not-exist|' "$repo/web.score.yaml"
run_wissel apply -y --timeout 2m --state "$st" "$repo"
check "a missing image is a clear error naming the image" \
    bash -c '[ "$1" != 0 ] && grep -q "image wissel-test/web:does-not-exist is not on the engine" <<<"$2"' _ "$RC" "$OUT$ERR"
check "... and the running version is untouched" \
    bash -c '[ "$(ids_of "$1" web)" = "$2" ] && for x in $(addrs_of "$1" web); do curl -fsS "http://$x/version" | grep -qx 2 || exit 1; done' _ "$ta" "$web_ids"

cp -r "$ROOT/tests/fixtures/docker" "$work/repo-c"
port=20449
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.30.1", int(sys.argv[1]))); s.listen(); time.sleep(120)' "$port" &
holder_pid=$!
sleep 0.5
sed -i "s|name: dock-a}|name: $tc}|; s|ports: \"20400-20449\"|ports: \"$port-$port\"|" "$work/repo-c/targets.yaml"
sed -i "s|primary: dock-a|primary: $tc|; s|web: 2|web: 1|; s|workloads: \[web.score.yaml, worker.score.yaml\]|workloads: [web.score.yaml]|" "$work/repo-c/app.yaml"
run_wissel apply -y --timeout 1m --state "$work/state-c" "$work/repo-c"
check "a port already taken is a clear error naming the range" \
    bash -c '[ "$1" != 0 ] && grep -q "no free port left in $3-$3 on 127.0.30.1" <<<"$2" && ! docker inspect "$4-shop-web-0" >/dev/null 2>&1' _ "$RC" "$OUT$ERR" "$port" "$tc"
kill "$holder_pid"; holder_pid=

sed -i "s|  docker:|  docker:\n    host: unix://$work/no-engine.sock|" "$work/repo-c/targets.yaml"
run_wissel plan --state "$work/state-c" "$work/repo-c"
check "an engine that does not answer is a clear error naming the socket" \
    bash -c '[ "$1" != 0 ] && grep -q "Docker Engine at unix://$3/no-engine.sock" <<<"$2"' _ "$RC" "$OUT$ERR" "$work"
