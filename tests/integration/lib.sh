# Sourced by integration tests: TAP helpers and the binary under test.
# Each test script prints "ok N - what" or "not ok N - what"; tests/run counts them.
WISSEL=${WISSEL:-$(cd "$(dirname "$0")/../.." && pwd)/build/asan/wissel}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# Leaks inside Debian's libraries (tests/lsan.supp), when tests/run did not set it already.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
_n=0
ok()   { _n=$((_n + 1)); echo "ok $_n - $*"; }
fail() { _n=$((_n + 1)); echo "not ok $_n - $*"; }
# check "description" command...: ok when the command succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
# run_wissel ARGS...: runs wissel, leaves stdout in $OUT, stderr in $ERR, status in $RC.
run_wissel() {
    local o e
    o=$(mktemp) e=$(mktemp)
    "$WISSEL" "$@" >"$o" 2>"$e"
    RC=$?
    OUT=$(cat "$o") ERR=$(cat "$e")
    rm -f "$o" "$e"
}
# run_take_out REPO TARGET APP: a hosting driver's take_out (a drill takes APP out of
# service at TARGET) through tests/integration/take_out.c; status in $RC, an error printed
# as TAP comments.
run_take_out() {
    local e
    e=$(mktemp)
    "$ROOT/build/asan/tests/integration/take_out" "$@" 2>"$e"
    RC=$?
    [ "$RC" = 0 ] || sed 's/^/# /' "$e"
    rm -f "$e"
}
# need_prog NAME: $prog is the C test program tests/integration/NAME.c as `make test` builds
# it; stops the test with a failing TAP line when it is not built.
need_prog() {
    prog=$ROOT/build/asan/tests/integration/$1
    [ -x "$prog" ] && return 0
    fail "$prog is not built (make test builds tests/integration/*.c; see the Makefile)"
    exit 1
}
