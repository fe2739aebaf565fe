#!/usr/bin/env bash
# wissel's git source (orchestrator/git/source.c, driven by git_source.c) against the test
# git server of tests/env: clone and fetch over HTTP with basic authentication, HTTPS with
# a CA of its own, SSH with a key and known_hosts; a push is seen, an unchanged fetch
# checks nothing out; a branch, a tag and a pinned commit are tracked; a wrong password, an
# untrusted CA and an unknown host key are refused with clear errors, no password shown.
# Semver tag ranges: the highest tag in the range, pre-releases only when named, a new
# tag in range moves it, no tag in range is not-found naming the tags seen.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require git
prog=$ROOT/build/asan/tests/integration/git_source
[ -x "$prog" ] || { fail "$prog is not built (make test builds it)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
http=(user="$GIT_HTTP_USER" password_file="$GIT_HTTP_PASSWORD_FILE")
sync() { OUT=$("$prog" "$@" 2>&1); RC=$?; }
remote_main() { GIT_ASKPASS=$GIT_HTTP_ASKPASS git ls-remote "$GIT_HTTP_URL" refs/heads/main | cut -f1; }

sync "$GIT_HTTP_URL" main "$work/http" "${http[@]}"
check "clone over HTTP with basic authentication: main's commit, checked out" \
    bash -c '[ "$1" = 0 ] && [ "$2" = "$3 changed" ] && [ -f "$4/README.md" ]' _ "$RC" "$OUT" "$(remote_main)" "$work/http"
sync "$GIT_HTTP_URL" main "$work/http" "${http[@]}"
check "a fetch of an unchanged repository changes nothing" \
    bash -c '[ "$1" = 0 ] && [ "$2" = "$3 unchanged" ]' _ "$RC" "$OUT" "$(remote_main)"
new=$("$GIT_PUSH" -m "source test $$" "source-test.txt=$$")
sync "$GIT_HTTP_URL" main "$work/http" "${http[@]}"
check "a push is fetched and checked out" \
    bash -c '[ "$1" = 0 ] && [ "$2" = "$3 changed" ] && [ "$(cat "$4/source-test.txt")" = "$5" ]' \
    _ "$RC" "$OUT" "$new" "$work/http" "$$"

tagged=$("$GIT_PUSH" --tag "v9.$$.0" -m "tagged $$")
"$GIT_PUSH" -m "after the tag $$" >/dev/null
sync "$GIT_HTTP_URL" "v9.$$.0" "$work/tag" "${http[@]}"
check "a tag is tracked (its commit, not the branch's newer one)" \
    bash -c '[ "$1" = 0 ] && [ "$2" = "$3 changed" ]' _ "$RC" "$OUT" "$tagged"
sync "$GIT_HTTP_URL" "$new" "$work/pin" "${http[@]}"
check "a pinned commit is checked out" bash -c '[ "$1" = 0 ] && [ "$2" = "$3 changed" ]' _ "$RC" "$OUT" "$new"
sync "$GIT_HTTP_URL" no-such-branch "$work/none" "${http[@]}"
check "an unknown ref is a clear error" bash -c '[ "$1" = 1 ] && grep -q "NOTFOUND\|not\|no " <<<"$2"' _ "$RC" "$OUT"

# Semver tag ranges. The tags are this test's own: the 1.x ones a run adds later are
# deleted from the server first, so the test can run again on a server that kept them.
gitq() { GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0 GIT_ASKPASS=$GIT_HTTP_ASKPASS git "$@"; }
gitq push -q "$GIT_HTTP_URL" :refs/tags/v1.4.0 2>/dev/null
t100=$("$GIT_PUSH" --tag v1.0.0 -m "semver 1.0.0 $$")
t120=$("$GIT_PUSH" --tag v1.2.0 -m "semver 1.2.0 $$")
"$GIT_PUSH" --tag v1.3.0-rc.1 -m "semver 1.3.0-rc.1 $$" >/dev/null
"$GIT_PUSH" --tag v2.0.0 -m "semver 2.0.0 $$" >/dev/null
"$GIT_PUSH" -m "after the semver tags $$" >/dev/null
sync "$GIT_HTTP_URL" "semver:^1.0" "$work/semver" "${http[@]}"
check "semver:^1.0 picks v1.2.0 (not the pre-release v1.3.0-rc.1, not v2.0.0, not main)" \
    bash -c '[ "$1" = 0 ] && [ "$2" = "$3 changed" ]' _ "$RC" "$OUT" "$t120"
check "only the chosen tag is fetched (no other tags, no branches)" \
    bash -c '[ "$(git -C "$1" for-each-ref --format="%(refname)" | tr "\n" " ")" = "refs/wissel/tracked " ]' _ "$work/semver"
sync "$GIT_HTTP_URL" "semver:^1.0" "$work/semver" "${http[@]}"
check "semver:^1.0 again, no new tag: unchanged" \
    bash -c '[ "$1" = 0 ] && [ "$2" = "$3 unchanged" ]' _ "$RC" "$OUT" "$t120"
t140=$("$GIT_PUSH" --tag v1.4.0 -m "semver 1.4.0 $$")
sync "$GIT_HTTP_URL" "semver:^1.0" "$work/semver" "${http[@]}"
check "after v1.4.0 is pushed, semver:^1.0 moves to it (changed)" \
    bash -c '[ "$1" = 0 ] && [ "$2" = "$3 changed" ]' _ "$RC" "$OUT" "$t140"
sync "$GIT_HTTP_URL" "semver:~1.0.0" "$work/semver-tilde" "${http[@]}"
check "semver:~1.0.0 picks v1.0.0" bash -c '[ "$1" = 0 ] && [ "$2" = "$3 changed" ]' _ "$RC" "$OUT" "$t100"
sync "$GIT_HTTP_URL" "semver:>=1.3.0-rc.0 <1.4.0" "$work/semver-rc" "${http[@]}"
check "a range that names a pre-release of 1.3.0 picks v1.3.0-rc.1" \
    bash -c '[ "$1" = 0 ] && [ "$2" = "$(git -C "$3" rev-parse "refs/wissel/tracked^{commit}") changed" ] && [ "$(git -C "$3" cat-file -p refs/wissel/tracked | sed -n "s/^tag //p")" = v1.3.0-rc.1 ]' _ "$RC" "$OUT" "$work/semver-rc"
sync "$GIT_SSH_URL" "semver:1.x" "$work/semver-ssh" key="$GIT_SSH_KEY" known_hosts="$GIT_SSH_KNOWN_HOSTS"
check "semver over SSH: semver:1.x picks v1.4.0" \
    bash -c '[ "$1" = 0 ] && [ "$2" = "$3 changed" ]' _ "$RC" "$OUT" "$t140"
sync "$GIT_HTTP_URL" "semver:^7.0" "$work/semver-none" "${http[@]}"
check "a range no tag satisfies is NOTFOUND naming the range and the highest tags" \
    bash -c '[ "$1" = 1 ] && grep -q "^error not-found: .*semver range \"^7.0\".*version tags: v[0-9]" <<<"$2" && grep -q "^hint:" <<<"$2"' _ "$RC" "$OUT"
sync "$GIT_HTTP_URL" "semver:>=1.2 <=" "$work/semver-bad" "${http[@]}"
check "a malformed range is refused before any network use" \
    bash -c '[ "$1" = 1 ] && grep -q "^error invalid: invalid semver range" <<<"$2"' _ "$RC" "$OUT"
printf 'wrong-password-%s\n' "$$" >"$work/wrong"
sync "$GIT_HTTP_URL" "semver:^1.0" "$work/semver-wrong-pw" user="$GIT_HTTP_USER" password_file="$work/wrong"
check "listing tags with a wrong password is refused, with a hint, never shown" \
    bash -c '[ "$1" = 1 ] && grep -q "gitops.git" <<<"$2" && grep -q "^hint:" <<<"$2" && ! grep -q "wrong-password" <<<"$2"' _ "$RC" "$OUT"
printf 'wrong-password-%s\n' "$$" >"$work/wrong"
sync "$GIT_HTTP_URL" main "$work/wrong-pw" user="$GIT_HTTP_USER" password_file="$work/wrong"
check "a wrong password is refused, with a hint, and never shown" \
    bash -c '[ "$1" = 1 ] && grep -q "gitops.git" <<<"$2" && grep -q "^hint:" <<<"$2" && ! grep -q "wrong-password" <<<"$2"' _ "$RC" "$OUT"

sync "$GIT_HTTPS_URL" main "$work/https" "${http[@]}" ca="$GIT_HTTPS_CA"
check "HTTPS with the server's CA" bash -c '[ "$1" = 0 ] && grep -q " changed$" <<<"$2"' _ "$RC" "$OUT"
sync "$GIT_HTTPS_URL" main "$work/https-noca" "${http[@]}"
check "HTTPS without that CA is refused (TLS verified)" bash -c '[ "$1" = 1 ] && grep -q "TLS" <<<"$2"' _ "$RC" "$OUT"

sync "$GIT_SSH_URL" main "$work/ssh" key="$GIT_SSH_KEY" known_hosts="$GIT_SSH_KNOWN_HOSTS"
check "SSH with a key, the host key checked against known_hosts" \
    bash -c '[ "$1" = 0 ] && grep -q " changed$" <<<"$2"' _ "$RC" "$OUT"
: >"$work/empty_known_hosts"
sync "$GIT_SSH_URL" main "$work/ssh-unknown" key="$GIT_SSH_KEY" known_hosts="$work/empty_known_hosts"
check "an SSH host key that is not in known_hosts is refused" \
    bash -c '[ "$1" = 1 ] && grep -q "host key" <<<"$2"' _ "$RC" "$OUT"

git init -q "$work/local" && git -C "$work/local" -c user.name=t -c user.email=t@t.invalid commit -q --allow-empty -m local
sync "$work/local" "$(git -C "$work/local" branch --show-current)" "$work/from-local"
check "a local path is a source too" \
    bash -c '[ "$1" = 0 ] && [ "$2" = "$3 changed" ]' _ "$RC" "$OUT" "$(git -C "$work/local" rev-parse HEAD)"
echo "1..$_n"
