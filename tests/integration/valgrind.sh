#!/usr/bin/env bash
# The CLI's main paths under valgrind's leak checker: no invalid read or write, no use of
# uninitialised memory, no definite or indirect leak.
#
# Runs the RELEASE binary ./wissel (`make wissel`): ASan builds and valgrind do not mix.
# One TAP line per path; a line fails when valgrind reports an error (exit 99) or the
# command's exit status is not the one expected. About a minute (serve runs for seconds).
. "$(dirname "$0")/lib.sh"

BIN=${VALGRIND_WISSEL:-$ROOT/wissel}
FIX=$ROOT/tests/fixtures/valgrind
if [ -f "$ROOT/examples/gemeente/policies/sovereignty.yaml" ]; then
    VALID=$ROOT/examples/gemeente
else
    VALID=$FIX/valid
fi
LOG=$(mktemp -d)
trap 'rm -rf "$LOG"' EXIT
# plan / apply / status / history against the directory driver, in a scratch copy
cp -r "$ROOT/tests/fixtures/directory" "$LOG/repo"
rm -rf "$LOG/repo/out"
ST="--state $LOG/state"

PATHS=(
    "0|--help|--help"
    "0|validate --help|validate --help"
    "0|version|version"
    "0|schema|schema"
    "0|validate a valid repository (${VALID#"$ROOT"/})|validate $VALID"
    "0|validate --output json, valid|validate --output json $VALID"
    "1|validate an invalid repository (many errors)|validate $FIX/invalid"
    "1|validate --output json, invalid|validate --output json $FIX/invalid"
    "2|an unknown command|frobnicate"
    "1|validate a YAML syntax error|validate $FIX/syntax/broken.yaml"
    "0|plan|plan $ST $LOG/repo"
    "0|apply --auto-approve|apply -y $ST $LOG/repo"
    "0|plan --output json after apply|plan -o json $ST $LOG/repo"
    "0|status|status $ST $LOG/repo"
    "0|history|history $ST"
    "0|report, with an HTML page|report $ST --html $LOG/report.html $LOG/repo"
    "1|plan refused by a policy|plan $ST $ROOT/tests/fixtures/policy"
    "1|drill of an application without DNS|drill portal --dry-run $ST $LOG/repo"
    "1|switch to an unknown target|switch portal --to nowhere $ST $LOG/repo"
    "1|decommission with no switch behind it|switch portal --decommission --commit $ST $LOG/repo"
)

if [ ! -x "$BIN" ] || ! command -v valgrind >/dev/null; then
    why="$BIN is missing: run make wissel"
    command -v valgrind >/dev/null || why="valgrind is not installed (apt-get install valgrind)"
    for p in "${PATHS[@]}"; do
        IFS='|' read -r _ desc _ <<<"$p"
        fail "valgrind: $desc # $why"
    done
    exit 1
fi

status=0
i=0
for p in "${PATHS[@]}"; do
    IFS='|' read -r want desc args <<<"$p"
    i=$((i + 1))
    # shellcheck disable=SC2086 # args are words
    valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
        --show-leak-kinds=definite,indirect --error-exitcode=99 --track-origins=yes \
        --log-file="$LOG/$i.vg" "$BIN" $args >"$LOG/$i.out" 2>"$LOG/$i.err"
    rc=$?
    if [ "$rc" -eq "$want" ] && [ ! -s "$LOG/$i.vg" ]; then
        ok "valgrind: $desc"
        continue
    fi
    status=1
    if [ "$rc" -eq 99 ] || [ -s "$LOG/$i.vg" ]; then
        fail "valgrind: $desc # valgrind reported errors (exit $rc)"
        sed 's/^/#   /' "$LOG/$i.vg" | head -60
    else
        fail "valgrind: $desc # exit status $rc, expected $want"
        sed 's/^/#   /' "$LOG/$i.err" | head -20
    fi
done

# serve: the leader's loop over the directory driver (fetch-less: the paths on disk), its
# HTTP server answering the probes, /metrics, the API and a refused webhook, drift passes,
# then SIGTERM: a clean exit 0 and nothing leaked.
i=$((i + 1))
cp -r "$ROOT/tests/fixtures/directory" "$LOG/serve-repo"
rm -rf "$LOG/serve-repo/out"
surl=http://127.0.60.9:8089
valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$LOG/$i.vg" \
    "$BIN" serve --state "$LOG/serve-state" --interval 1s --drift-interval 1s \
    --listen 127.0.60.9:8089 "$LOG/serve-repo" >"$LOG/$i.out" 2>"$LOG/$i.err" &
vpid=$!
answered=no
for _ in $(seq 300); do # ready, and the first passes reported
    [ "$(curl -s "$surl/readyz")" = ready ] &&
        curl -s "$surl/metrics" | grep -q '^wissel_reconcile_total{app="portal".*ok"} [1-9]' &&
        { answered=yes; break; }
    sleep 0.2
done
curl -s "$surl/api/v1/applications" | grep -q '"portal"' || answered=no
[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST --data '{}' "$surl/hooks/github")" = 401 ] || answered=no
sleep 3 # drift passes
kill -TERM "$vpid"
wait "$vpid"
rc=$?
if [ "$answered" = yes ] && [ "$rc" -eq 0 ] && [ ! -s "$LOG/$i.vg" ]; then
    ok "valgrind: serve (probes, metrics, API, a refused webhook, drift passes, SIGTERM)"
else
    status=1
    fail "valgrind: serve # answered: $answered, exit $rc, valgrind log below"
    sed 's/^/#   /' "$LOG/$i.vg" "$LOG/$i.err" | head -60
fi
exit $status
