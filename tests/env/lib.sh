# tests/env/lib.sh — shared by tests/env/up, down, status, the components and the tests.
#
# Everything the environment makes lives in $ENV_DIR (default build/env in the work tree):
#   env              KEY=value lines for the tests (addresses, kubeconfig, key paths, ...)
#   logs/NAME.log    the output of each daemon, printed when it does not start
#   pids/NAME.pid    the daemons started, so `down` and a second `up` find them
#   failed/COMP      why a component could not start (the tests that need it say so)
# Built binaries are cached outside the work tree in $CACHE_DIR, keyed by version.
# Everything listens on loopback only.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ENV_DIR=${WISSEL_ENV_DIR:-$ROOT/build/env}
CACHE_DIR=${WISSEL_TEST_CACHE:-$HOME/.cache/wissel-test}
LOG_DIR=$ENV_DIR/logs
PID_DIR=$ENV_DIR/pids
# The components, in start order: those of this list first, then any other file in
# tests/env/components/ (so a new component needs no edit here).
COMPONENTS=""
for _c in etcd k8s docker dns git "$ROOT"/tests/env/components/*.sh; do
    _c=$(basename "$_c" .sh)
    [ -f "$ROOT/tests/env/components/$_c.sh" ] && [[ " $COMPONENTS " != *" $_c "* ]] &&
        COMPONENTS="$COMPONENTS $_c"
done
COMPONENTS=${COMPONENTS# }
# Go (for building Kubernetes) is installed outside the default PATH on this machine kind.
case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) PATH=$PATH:/usr/local/go/bin ;; esac
mkdir -p "$ENV_DIR" "$LOG_DIR" "$PID_DIR" "$ENV_DIR/failed" "$CACHE_DIR"

say() { printf 'env: %s\n' "$*" >&2; }

# env_set NAME VALUE: record a setting in $ENV_DIR/env (replacing an earlier one).
env_set() {
    local f=$ENV_DIR/env
    (
        flock 9 # components may start side by side
        touch "$f"
        grep -v "^$1=" "$f" >"$f.tmp.$$" || true
        printf '%s=%q\n' "$1" "$2" >>"$f.tmp.$$"
        mv "$f.tmp.$$" "$f"
    ) 9>"$ENV_DIR/env.lock"
}

# env_load: read the settings into the shell (tests call this).
env_load() {
    [ -f "$ENV_DIR/env" ] || return 1
    set -a
    # shellcheck disable=SC1091
    . "$ENV_DIR/env"
    set +a
}

# start_bg NAME CMD...: start a daemon in its own session, output to logs/NAME.log.
start_bg() {
    local name=$1; shift
    # Descriptors 3-9 are closed: a daemon must not keep its caller's locks or pipes open.
    setsid "$@" >>"$LOG_DIR/$name.log" 2>&1 </dev/null 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
    echo $! >"$PID_DIR/$name.pid"
}

# is_running NAME: the daemon started under NAME is alive.
is_running() {
    local f=$PID_DIR/$1.pid
    [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

# stop_bg NAME: stop the daemon (TERM, then KILL after 10 s) and forget it.
stop_bg() {
    local f=$PID_DIR/$1.pid pid i
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
        for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$f"
}

# wait_until SECONDS WHAT CMD...: poll CMD every 0.2 s; on time-out say what did not happen.
wait_until() {
    local secs=$1 what=$2 end; shift 2
    end=$(($(date +%s) + secs))
    until "$@" >/dev/null 2>&1; do
        if [ "$(date +%s)" -ge "$end" ]; then
            say "timed out after ${secs}s waiting for $what"
            return 1
        fi
        sleep 0.2
    done
}

# show_logs NAME...: the last lines of the named logs, for a failure report.
show_logs() {
    local n
    for n in "$@"; do
        [ -f "$LOG_DIR/$n.log" ] || continue
        echo "--- last lines of $LOG_DIR/$n.log"
        tail -n 25 "$LOG_DIR/$n.log"
    done >&2
}

# env_require COMP: in a test, stop with a failing TAP line unless the component is up.
env_require() {
    local comp=$1 why
    if [ -f "$ENV_DIR/failed/$comp" ]; then
        why=$(tail -n 1 "$ENV_DIR/failed/$comp")
        echo "not ok 1 - $comp is not available: $why"
        exit 1
    fi
    if ! env_load || ! "${comp}_status" >/dev/null 2>&1; then
        echo "not ok 1 - $comp is not running (run tests/env/up $comp; logs in $LOG_DIR)"
        exit 1
    fi
}

for _c in "$ROOT"/tests/env/components/*.sh; do
    # shellcheck disable=SC1090
    [ -f "$_c" ] && . "$_c"
done
unset _c
