#!/usr/bin/env bash
# The etcd state backend (orchestrator/state/etcd.c) against the real three-member etcd
# cluster of tests/env: journal, per-target locks on leases, fencing, leader election
# with two and three processes, and members stopped mid-run. The tests are a C program,
# tests/integration/state_etcd.c (built as build/asan/tests/integration/state_etcd by
# `make test`); this script loads the environment's settings (ETCD_CLUSTER, ETCD_MEMBER)
# and runs it. It stops and restarts cluster members, and restarts them again at the end.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require etcd

prog=$ROOT/build/asan/tests/integration/state_etcd
if [ ! -x "$prog" ]; then
    fail "$prog is not built (make test builds tests/integration/*.c; see the Makefile)"
    exit 1
fi
export CMOCKA_MESSAGE_OUTPUT=TAP
"$prog"
rc=$?
# Whatever happened, leave the cluster whole for the next suite.
for n in 1 2 3; do
    "$ETCD_MEMBER" status "$n" >/dev/null 2>&1 || "$ETCD_MEMBER" start "$n" >/dev/null 2>&1 ||
        echo "# could not restart etcd member $n" >&2
done
exit $rc
