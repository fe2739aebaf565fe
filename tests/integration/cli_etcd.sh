#!/usr/bin/env bash
# wissel apply / history / status with the etcd state backend (the three-node cluster of
# tests/env), end to end through the CLI.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require etcd
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$ROOT/tests/fixtures/directory" "$work/repo"
rm -rf "$work/repo/out"
prefix="/wissel-cli-$$-$(date +%s)/"
state="etcd://${ETCD_CLUSTER//http:\/\//}?prefix=$prefix"

run_wissel apply -y --state "$state" "$work/repo"
check "apply with the etcd state succeeds" [ "$RC" = 0 ]
run_wissel history --state "$state" -o json -n 0
check "the journal in etcd holds every action, paired, with growing seq" \
    /usr/bin/python3 -c '
import json, sys
recs = json.loads(sys.argv[1])
seqs = [r["seq"] for r in recs]
assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs
starts = sum(r["type"] == "action.start" for r in recs)
ends = sum(r["type"] == "action.end" for r in recs)
assert starts == ends == 6, (starts, ends)
assert all("fence" in r for r in recs if r["type"].startswith("action.")), "unfenced action"
' "$OUT"
run_wissel status --state "$state" --no-health "$work/repo"
check "status reads the last applies from etcd" bash -c '[ "$(grep -c " ok$" <<<"$1")" = 2 ]' _ "$OUT"
run_wissel plan --state "etcd://127.0.10.99:2379" "$work/repo"
check "an unreachable etcd is a clear error, and nothing is planned" \
    bash -c '[ "$1" = 1 ] && grep -qi "etcd" <<<"$2"' _ "$RC" "$ERR"
"$ETCDCTL" --endpoints="$ETCD_CLUSTER" del --prefix "$prefix" >/dev/null 2>&1 || true
