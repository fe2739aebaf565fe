#!/usr/bin/env bash
# Dependencies point down only: orchestrator → providers → manifests → lib.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
layer_ok() { # dir, allowed include prefixes (regex)
    local bad
    bad=$(grep -rnE '#include "' "$1" --include='*.[ch]' | grep -vE "#include \"($2)/" || true)
    if [ -z "$bad" ]; then ok "$1 includes only $2"; else fail "$1 includes outside $2: $bad"; fi
}
layer_ok lib 'lib'
layer_ok manifests 'lib|manifests'
layer_ok providers 'lib|manifests|providers'
layer_ok orchestrator 'lib|manifests|providers|orchestrator'
