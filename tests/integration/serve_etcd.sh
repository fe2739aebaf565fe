#!/usr/bin/env bash
# Two `wissel serve` instances on the etcd cluster of tests/env: one leader at a time; the
# leader killed with SIGKILL hands over within the lease TTL; the journal shows the terms
# never overlap and their fencing tokens only grow; SIGTERM stops cleanly.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require etcd
work=$(mktemp -d)
pids=()
cleanup() { kill -9 "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cp -r "$ROOT/tests/fixtures/directory" "$work/repo"
rm -rf "$work/repo/out"
ttl=3
prefix="/wissel-serve-$$-$(date +%s)/"
state="etcd://${ETCD_CLUSTER//http:\/\//}?prefix=$prefix&ttl=$ttl"
journal() { "$WISSEL" history --state "$state" --type serve. -n 0 -o json 2>/dev/null; }
# the instances (host:pid) that have recorded passes so far, in order of first appearance
leaders() { journal | /usr/bin/python3 -c '
import json, sys
seen = []
for r in json.load(sys.stdin):
    if r["instance"] not in seen: seen.append(r["instance"])
print(" ".join(seen))'; }

for n in a b; do
    "$WISSEL" serve --state "$state" --interval 300ms --listen none --log-level info "$work/repo" \
        >"$work/$n.log" 2>&1 &
    pids+=($!)
done
wait_for() { local i; for i in $(seq 100); do eval "$1" && return 0; sleep 0.2; done; return 1; }
check "one instance becomes leader and reconciles" wait_for '[ -n "$(leaders)" ]'
sleep 2
first=$(leaders)
check "only one instance leads while both run" [ "$(wc -w <<<"$first")" = 1 ]
check "the leader applied the manifests" [ -f "$work/repo/out/a/portal/workload--web.json" ]

leader_pid=${first##*:}
kill -9 "$leader_pid"; wait "$leader_pid" 2>/dev/null
killed=$(date +%s%N)
check "after SIGKILL of the leader, the other takes over" wait_for '[ "$(wc -w <<<"$(leaders)")" = 2 ]'
took=$(( ($(date +%s%N) - killed) / 1000000 ))
check "the handover took ${took} ms, within the lease TTL (${ttl} s) and a margin" \
    [ "$took" -le $(( ttl * 1000 + 3000 )) ]
check "terms never overlap and fencing tokens only grow" bash -c "$(declare -f journal); state='$state'; WISSEL='$WISSEL'"'
journal | /usr/bin/python3 -c "
import json, sys
recs = json.load(sys.stdin)
order = [r[\"instance\"] for r in recs]
switches = sum(1 for a, b in zip(order, order[1:]) if a != b)
assert switches == 1, order
tokens = [r[\"fence\"][\"token\"] for r in recs]
assert tokens == sorted(tokens), tokens
"'
survivor=""
for p in "${pids[@]}"; do [ "$p" != "$leader_pid" ] && survivor=$p; done
kill -TERM "$survivor"
stopped=no
for i in $(seq 50); do kill -0 "$survivor" 2>/dev/null || { stopped=yes; break; }; sleep 0.2; done
wait "$survivor"; rc=$?
check "SIGTERM stops the leader cleanly (exit 0)" bash -c '[ "$1" = yes ] && [ "$2" = 0 ]' _ "$stopped" "$rc"
"$ETCDCTL" --endpoints="$ETCD_CLUSTER" del --prefix "$prefix" >/dev/null 2>&1 || true
