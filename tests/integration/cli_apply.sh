#!/usr/bin/env bash
# wissel plan / apply / status / history end to end, against the directory driver (a real
# provider: files), with the file state backend: plan output and exit codes, apply and
# convergence, drift and hand deletion repaired, pruning, partial observation holding
# back deletes, approval rules, two applies on one target, and the journal.
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$ROOT/tests/fixtures/directory" "$work/repo"
rm -rf "$work/repo/out"
repo=$work/repo st=$work/state
out=$repo/out/a/portal

run_wissel plan --state "$st" --detailed-exitcode "$repo"
check "plan of a new repository exits 2 (changes)" [ "$RC" = 2 ]
check "plan lists the creates per target" grep -q "Plan: 6 to create, 0 to update, 0 to delete" <<<"$OUT"
run_wissel plan --state "$st" -o json "$repo"
check "plan --output json is JSON with 6 changes" \
    /usr/bin/python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["changes"]==6, d' "$OUT"

run_wissel apply --state "$st" "$repo" </dev/null
check "apply without a terminal and without --auto-approve refuses" \
    bash -c '[ "$1" = 1 ] && grep -q "no terminal" <<<"$2" && [ ! -e "$3" ]' _ "$RC" "$ERR" "$out"

run_wissel apply -y --state "$st" "$repo"
check "apply --auto-approve succeeds" [ "$RC" = 0 ]
check "apply wrote the objects" \
    bash -c '[ -f "$1" ] && [ -f "$2" ]' _ "$out/workload--web.json" "$out/route--portal.json"
check "objects carry the ownership markers" \
    grep -q '"wissel.dev/fingerprint"' "$out/workload--web.json"
run_wissel plan --state "$st" --detailed-exitcode "$repo"
check "a second plan finds no changes (exit 0)" bash -c '[ "$1" = 0 ] && grep -q "No changes" <<<"$2"' _ "$RC" "$OUT"

/usr/bin/python3 - "$out/workload--web.json" <<'PY'
import json, sys
p = sys.argv[1]; d = json.load(open(p)); d["replicas"] = 7; d["added-by-server"] = 1
json.dump(d, open(p, "w"))
PY
run_wissel plan --state "$st" "$repo"
check "a hand edit is drift, with the field that changed" grep -q "update  workload/web  (drift: replicas)" <<<"$OUT"
rm "$out/workload--worker.json"
run_wissel apply -y --state "$st" "$repo"
check "apply repairs drift and recreates a deleted object" \
    bash -c '[ "$1" = 0 ] && [ -f "$2/workload--worker.json" ] && grep -q "\"replicas\": 2" "$2/workload--web.json"' _ "$RC" "$out"

sed -i 's/workloads: \[web.score.yaml, worker.score.yaml\]/workloads: [web.score.yaml]/' "$repo/app.yaml"
echo '{not json' >"$out/broken.json"
run_wissel plan --state "$st" "$repo"
folder_a=$(sed -n '/@ folder-a/,/@ folder-b/p' <<<"$OUT")
check "an unreadable object holds deletes back at that target, saying why" \
    bash -c 'grep -q "deletes held back: .*broken.json" <<<"$1" && ! grep -q "^  - delete" <<<"$1"' _ "$folder_a"
check "the other target, observed completely, prunes" grep -q "delete  workload/worker" <<<"$OUT"
rm "$out/broken.json"
run_wissel apply -y --state "$st" "$repo"
check "a workload removed from the manifests is pruned" \
    bash -c '[ "$1" = 0 ] && [ ! -e "$2/workload--worker.json" ] && [ -f "$2/workload--web.json" ]' _ "$RC" "$out"

# Two processes on one target: another process holds the target's lock (as a running
# apply does); a second apply fails at once naming the lock, or waits with --lock-timeout.
sed -i 's/replicas: {web: 2}/replicas: {web: 4}/' "$repo/app.yaml"
mkdir -p "$st/locks"
flock -x "$st/locks/folder-a.lock" sleep 3 &
holder=$!
sleep 0.5
run_wissel apply -y --state "$st" --target folder-a "$repo"
check "an apply on a locked target fails at once and says so" \
    bash -c '[ "$1" = 1 ] && grep -q "lock of target folder-a is held" <<<"$2" && ! grep -q "\"replicas\": 4" "$3/workload--web.json"' \
    _ "$RC" "$OUT$ERR" "$out"
start=$(date +%s)
run_wissel apply -y --state "$st" --target folder-a --lock-timeout 20s "$repo"
waited=$(( $(date +%s) - start ))
wait $holder
check "with --lock-timeout it waits for the holder, then applies" \
    bash -c '[ "$1" = 0 ] && [ "$2" -ge 1 ] && grep -q "\"replicas\": 4" "$3/workload--web.json"' \
    _ "$RC" "$waited" "$out"
# Two wissel applies: the first holds the target's lock while it asks for approval on its
# terminal; the second fails at once naming it; after "yes" the first applies.
sed -i 's/replicas: {web: 4}/replicas: {web: 5}/' "$repo/app.yaml"
mkfifo "$work/answer"
script -qfc "'$WISSEL' apply --state '$st' --target folder-a '$repo'" /dev/null \
    <"$work/answer" >"$work/first.out" 2>&1 &
exec 7>"$work/answer"
for i in $(seq 100); do grep -q "Only 'yes'" "$work/first.out" 2>/dev/null && break; sleep 0.1; done
first=$(pgrep -f "^$WISSEL apply --state $st --target folder-a" | head -1)
run_wissel apply -y --state "$st" --target folder-a "$repo"
check "a second wissel apply on the same target fails naming the first (pid $first)" \
    bash -c '[ "$1" = 1 ] && grep -q "held by pid $3 " <<<"$2"' _ "$RC" "$OUT" "$first"
echo yes >&7
exec 7>&-
wait
check "the first, approved on its terminal, applies" \
    bash -c 'grep -q "applied (1 changed)" "$1" && grep -q "\"replicas\": 5" "$2/workload--web.json"' \
    _ "$work/first.out" "$out"
check "the journal pairs every action.start with an action.end" \
    /usr/bin/python3 - "$st/journal.jsonl" <<'PY'
import json, sys
starts, ends = {}, {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    key = (r.get("app"), r.get("target"), r.get("kind"), r.get("name"), r.get("action"))
    if r["type"] == "action.start": starts[key] = starts.get(key, 0) + 1
    if r["type"] == "action.end": ends[key] = ends.get(key, 0) + 1
assert starts and starts == ends, (starts, ends)
PY
run_wissel history --state "$st" --type apply.end -n 3
check "history shows the newest applies" bash -c '[ "$(grep -c apply.end <<<"$1")" = 3 ]' _ "$OUT"
run_wissel status --state "$st" "$repo"
check "status shows both placements ready with the last apply" \
    bash -c '[ "$(grep -c " ready " <<<"$1")" = 2 ]' _ "$OUT"

# A switch of an application with volumes between drivers that cannot copy their data.
printf 'resources:\n  data: {type: volume}\n' >>"$repo/web.score.yaml"
n=$(wc -l <"$st/journal.jsonl")
run_wissel switch portal --to folder-b --state "$st" "$repo"
check "switch refuses to move volumes the directory driver cannot copy, changing nothing" \
    bash -c '[ "$1" = 1 ] && grep -q "the directory driver cannot copy volumes. data, so portal cannot move with its volumes: nothing was changed" <<<"$2" && [ "$(wc -l <"$3")" = "$4" ]' \
    _ "$RC" "$ERR" "$st/journal.jsonl" "$n"
