#!/usr/bin/env bash
# Connecting to the real clusters of tests/env through kubeconfig files
# (providers/kubernetes/kubeconfig.c): client certificates, a bearer token refused with 403,
# each cluster's own CA, an exec credential plugin. The tests are a C program,
# tests/integration/k8s_connect.c (built as build/asan/tests/integration/k8s_connect by
# `make test`); this script loads the environment's settings and runs it.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require k8s

prog=$ROOT/build/asan/tests/integration/k8s_connect
if [ ! -x "$prog" ]; then
    fail "$prog is not built (make test builds tests/integration/*.c; see the Makefile)"
    exit 1
fi
export CMOCKA_MESSAGE_OUTPUT=TAP
"$prog"
