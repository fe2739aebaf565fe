#!/usr/bin/env bash
# Every invalid manifest in tests/corpus/invalid yields the expected diagnostics.
#
# Each case is a folder: a tiny repository of YAML files and an `expect` file, one
# expectation per line:
#   FILE:LINE:COL: error: TEXT   an error at exactly FILE:LINE:COL (FILE relative to the
#                                case folder) whose message contains TEXT
#   hint: TEXT                   that same error's hint contains TEXT
#   errors: N                    exactly N errors in all (no follow-on errors)
#   seconds: N                   wissel answers within N seconds (for hostile input)
# Blank lines and lines starting with '#' are ignored. `wissel validate CASE` must exit 1
# within 20 seconds (the ASan build, so leaks and memory errors fail the case too).
set -u
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
CORPUS=${CORPUS:-tests/corpus/invalid}
MIN_CASES=35

cases=()
for d in "$CORPUS"/*/; do
    [ -f "$d/expect" ] && cases+=("${d%/}")
done
if [ "${#cases[@]}" -ge "$MIN_CASES" ]; then
    ok "the corpus has ${#cases[@]} invalid cases (at least $MIN_CASES)"
else
    fail "the corpus has ${#cases[@]} invalid cases, fewer than $MIN_CASES"
fi

# check_case DIR: sets $why to the first unmet expectation, empty when all are met.
check_case() {
    local dir=$1 out rc t0 ms
    t0=$(date +%s%N)
    out=$(timeout 20 "$WISSEL" validate "$dir" 2>&1)
    rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    OUTPUT=$out
    why=
    if [ "$rc" -eq 124 ]; then
        why="wissel validate did not finish within 20 seconds"
        return
    fi
    if [ "$rc" -ne 1 ]; then
        why="exit status $rc, expected 1"
        return
    fi
    local -a lines exp
    mapfile -t lines <<<"$out"
    mapfile -t exp <"$dir/expect"
    local i=0 n=${#exp[@]}
    while [ "$i" -lt "$n" ]; do
        local e=${exp[$i]}
        i=$((i + 1))
        [[ -z "${e// /}" || "$e" == \#* ]] && continue
        if [[ "$e" == "errors: "* ]]; then
            local want=${e#errors: } got
            got=$(printf '%s\n' "$out" | sed -n 's/^invalid: \([0-9][0-9]*\) error.*/\1/p')
            if [ "$got" != "$want" ]; then
                why="expected exactly $want error(s), got ${got:-none}"
                return
            fi
            continue
        fi
        if [[ "$e" == "seconds: "* ]]; then
            if [ "$ms" -gt $((${e#seconds: } * 1000)) ]; then
                why="took ${ms} ms, more than ${e#seconds: } s"
                return
            fi
            continue
        fi
        if [[ "$e" == "hint: "* ]]; then
            why="a hint line must follow an error line: $e"
            return
        fi
        if [[ "$e" != *": error: "* ]]; then
            why="cannot read expectation: $e"
            return
        fi
        local loc=${e%%: error: *} msg=${e#*: error: } hint=
        if [ "$i" -lt "$n" ] && [[ "${exp[$i]}" == "hint: "* ]]; then
            hint=${exp[$i]#hint: }
            i=$((i + 1))
        fi
        local found= k
        for ((k = 0; k < ${#lines[@]}; k++)); do
            local l=${lines[$k]}
            [[ "$l" == "$dir/$loc: error: "* && "${l#"$dir/$loc: error: "}" == *"$msg"* ]] || continue
            if [ -n "$hint" ]; then
                local h=${lines[$((k + 1))]:-}
                [[ "$h" == "    hint: "* && "${h#    hint: }" == *"$hint"* ]] || continue
            fi
            found=1
            break
        done
        if [ -z "$found" ]; then
            why="missing: $loc: error: $msg${hint:+ (hint: $hint)}"
            return
        fi
    done
}

for dir in "${cases[@]}"; do
    name=${dir#"$CORPUS"/}
    check_case "$dir"
    if [ -z "$why" ]; then
        ok "invalid/$name"
    else
        fail "invalid/$name: $why"
        printf '%s\n' "$OUTPUT" | head -20 | sed 's/^/#   /'
    fi
done
