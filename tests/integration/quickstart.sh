#!/usr/bin/env bash
# The README's main job, `make demo` (examples/quickstart/demo), on the Docker Engine of
# this machine: it builds the example's images, deploys the application, which answers
# over HTTP; a second run changes nothing; `demo down` removes everything it made.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require docker
cd "$ROOT"
trap 'examples/quickstart/demo down >/dev/null 2>&1' EXIT
export WISSEL
out=$(examples/quickstart/demo 2>&1); rc=$?
[ $rc = 0 ] || printf '# %s\n' "$out" | tail -15
addr=$(grep -o 'Open http://[0-9.:]*/' <<<"$out" | sed 's|Open ||')
check "the demo deploys the quickstart and says where to open it" \
    bash -c '[ "$1" = 0 ] && [ -n "$2" ]' _ "$rc" "$addr"
check "it answers there over HTTP" bash -c 'curl -fsS --max-time 5 "$1" | grep -q "web:1 on"' _ "$addr"
check "two replicas run, labelled as wissel's" \
    bash -c '[ "$(docker ps -q --filter label=wissel.dev/app=hallo --filter label=wissel.dev/target=laptop | wc -l)" = 2 ]'
out=$(examples/quickstart/demo 2>&1); rc=$?
check "running it again changes nothing" bash -c '[ "$1" = 0 ] && grep -q "No changes" <<<"$2"' _ "$rc" "$out"
examples/quickstart/demo down >/dev/null 2>&1
check "demo down removes the containers and the network" \
    bash -c '[ -z "$(docker ps -aq --filter label=wissel.dev/app=hallo)" ] &&
             [ -z "$(docker network ls -q --filter label=wissel.dev/app=hallo)" ]'
echo "1..$_n"
