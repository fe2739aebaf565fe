#!/usr/bin/env bash
# wissel agrees with the official Score JSON Schema (judged by Debian's python3-jsonschema)
# on every document of tests/corpus/score/, and loads every sample in ../shared/specs/score/.
# The work is done by score_schema.py; this wrapper makes a missing tool a loud failure.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
PY=/usr/bin/python3
if [ ! -x "$PY" ]; then
    fail "Score schema agreement: $PY is missing (apt-get install python3 python3-jsonschema python3-yaml)"
    exit 1
fi
if ! why=$("$PY" -c 'import jsonschema, yaml; jsonschema.Draft202012Validator' 2>&1); then
    fail "Score schema agreement: $PY lacks jsonschema or yaml (apt-get install python3-jsonschema python3-yaml): $(echo "$why" | tail -n 1)"
    exit 1
fi
export WISSEL
exec "$PY" "$ROOT/tests/integration/score_schema.py" "$@"
