#!/usr/bin/env bash
# The test git server (tests/env/components/git.sh): a commit pushed with tests/env/git-push
# comes back from clones over HTTP, HTTPS and SSH; wrong or missing credentials are refused;
# SSH runs git commands only.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require git

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Only the settings below: no ~/.gitconfig (credential helpers, url rewrites) interferes.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
unset GIT_ASKPASS SSH_ASKPASS GIT_SSH GIT_SSH_COMMAND
ssh_opts=(-i "$GIT_SSH_KEY" -o UserKnownHostsFile="$GIT_SSH_KNOWN_HOSTS" -o StrictHostKeyChecking=yes
    -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=5)
ssh_cmd="ssh ${ssh_opts[*]}"
# ssh://user@host:port/path -> pieces for plain ssh calls
ssh_user=${GIT_SSH_URL#ssh://}; ssh_user=${ssh_user%%@*}
port=${GIT_SSH_URL#ssh://*@*:}; port=${port%%/*}
ssh_path=/${GIT_SSH_URL#ssh://*@*:*/}
is_sha() { [[ $1 =~ ^[0-9a-f]{40}$ ]]; }
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
pw=$(cat "$GIT_HTTP_PASSWORD_FILE")
hosturl=${GIT_HTTP_URL#http://}

# 1. A commit pushed over HTTP comes back from a clone over HTTP (with the password).
marker="pushed at $(date +%s.%N) $RANDOM"
c1=$("$GIT_PUSH" -m "env_git: over http" -- "tests/marker.txt=$marker" 2>"$tmp/push1.err")
check "git-push over HTTP prints the new commit id" is_sha "$c1"
GIT_ASKPASS=$GIT_HTTP_ASKPASS timeout 60 git clone -q "$GIT_HTTP_URL" "$tmp/http" 2>"$tmp/clone-http.err"
check "a clone over HTTP with the password has the pushed commit on main" \
    test "$(git -C "$tmp/http" rev-parse HEAD 2>/dev/null)" = "$c1"
check "the clone over HTTP has the pushed file content" \
    test "$(cat "$tmp/http/tests/marker.txt" 2>/dev/null)" = "$marker"
check "the clone over HTTP keeps the seeded manifests (apps/ from examples/gemeente)" \
    test -d "$tmp/http/apps"

# 2. The same commit over SSH, with the key and the known_hosts file (strict checking).
GIT_SSH_COMMAND=$ssh_cmd timeout 60 git clone -q "$GIT_SSH_URL" "$tmp/ssh" 2>"$tmp/clone-ssh.err"
check "a clone over SSH (key, known_hosts, StrictHostKeyChecking=yes) has the pushed commit" \
    test "$(git -C "$tmp/ssh" rev-parse HEAD 2>/dev/null)" = "$c1"

# 3. A commit pushed over SSH, with a tag, is seen by a fetch over HTTP.
c2=$("$GIT_PUSH" --ssh --tag env-git-test -m "env_git: over ssh" -- "tests/marker.txt=$marker ssh" 2>"$tmp/push2.err")
check "git-push over SSH prints a new commit id" eval 'is_sha "$c2" && [ "$c2" != "$c1" ]'
GIT_ASKPASS=$GIT_HTTP_ASKPASS timeout 60 git -C "$tmp/http" pull -q --ff-only 2>>"$tmp/clone-http.err"
check "a fetch over HTTP sees the commit pushed over SSH" \
    test "$(git -C "$tmp/http" rev-parse HEAD 2>/dev/null)" = "$c2"
tagged=$(GIT_ASKPASS=$GIT_HTTP_ASKPASS timeout 30 git ls-remote "$GIT_HTTP_URL" 'refs/tags/env-git-test^{}' 2>/dev/null | cut -f1)
check "the annotated tag pushed by git-push --tag points at the new commit" test "$tagged" = "$c2"

# 4. HTTPS with the test CA; refused against the system CAs only.
GIT_ASKPASS=$GIT_HTTP_ASKPASS GIT_SSL_CAINFO=$GIT_HTTPS_CA timeout 60 \
    git clone -q "$GIT_HTTPS_URL" "$tmp/https" 2>"$tmp/clone-https.err"
check "a clone over HTTPS trusting the test CA has the commit" \
    test "$(git -C "$tmp/https" rev-parse HEAD 2>/dev/null)" = "$c2"
GIT_ASKPASS=$GIT_HTTP_ASKPASS GIT_SSL_CAINFO=/etc/ssl/certs/ca-certificates.crt timeout 60 \
    git clone -q "$GIT_HTTPS_URL" "$tmp/https-bad" 2>"$tmp/https-bad.err"
check "a clone over HTTPS without the test CA fails certificate verification" \
    grep -qi 'certificate' "$tmp/https-bad.err"

# 5. Basic auth guards fetch and push.
code=$(http_code "$GIT_HTTP_URL/info/refs?service=git-upload-pack")
check "fetch without a password: HTTP 401 (got $code)" test "$code" = 401
code=$(http_code -u wissel:wrong-password "$GIT_HTTP_URL/info/refs?service=git-upload-pack")
check "fetch with a wrong password: HTTP 401 (got $code)" test "$code" = 401
code=$(http_code -u "wissel:$pw" "$GIT_HTTP_URL/info/refs?service=git-upload-pack")
check "fetch with the password: HTTP 200 (got $code)" test "$code" = 200
code=$(http_code "$GIT_HTTP_URL/info/refs?service=git-receive-pack")
check "push without a password: HTTP 401 (got $code)" test "$code" = 401
code=$(http_code -u "wissel:$pw" "$GIT_HTTP_URL/info/refs?service=git-receive-pack")
check "push discovery with the password: HTTP 200 (got $code)" test "$code" = 200
timeout 30 git clone -q "$GIT_HTTP_URL" "$tmp/nopw" 2>"$tmp/nopw.err"
check "git clone over HTTP without a password fails" test ! -d "$tmp/nopw/.git"
timeout 30 git clone -q "http://wissel:wrong-password@$hosturl" "$tmp/badpw" 2>"$tmp/badpw.err"
check "git clone over HTTP with a wrong password fails with 401/authentication" \
    eval '[ ! -d "$tmp/badpw/.git" ] && grep -qiE "401|Authentication failed" "$tmp/badpw.err"'

# 6. SSH: git commands only, keys only.
out=$(timeout 20 ssh "${ssh_opts[@]}" -p "$port" "$ssh_user@127.0.50.1" id 2>&1 </dev/null); rc=$?
check "SSH refuses a shell command (ssh ... id): status $rc, no uid= in the output" \
    eval '[ $rc -ne 0 ] && [[ $out != *uid=* ]]'
out=$(timeout 20 ssh "${ssh_opts[@]}" -p "$port" "$ssh_user@127.0.50.1" 2>&1 </dev/null); rc=$?
check "SSH refuses an interactive login (status $rc)" test "$rc" -ne 0
out=$(timeout 20 ssh "${ssh_opts[@]}" -p "$port" "$ssh_user@127.0.50.1" "git-upload-pack '/etc'" 2>&1 </dev/null); rc=$?
check "SSH git-upload-pack of a path that is no repository fails (status $rc)" test "$rc" -ne 0
out=$(timeout 20 ssh "${ssh_opts[@]}" -W 127.0.50.1:8080 -p "$port" "$ssh_user@127.0.50.1" 2>&1 </dev/null); rc=$?
check "SSH refuses port forwarding (ssh -W; status $rc)" test "$rc" -ne 0
out=$(timeout 20 ssh -F /dev/null -o IdentityFile=none -o IdentitiesOnly=yes -o PubkeyAuthentication=no \
    -o UserKnownHostsFile="$GIT_SSH_KNOWN_HOSTS" -o StrictHostKeyChecking=yes -o BatchMode=yes \
    -o ConnectTimeout=5 -p "$port" "$ssh_user@127.0.50.1" \
    "git-upload-pack '$ssh_path'" 2>&1 </dev/null); rc=$?
check "SSH without a key is refused (status $rc, permission denied)" \
    eval '[ $rc -ne 0 ] && [[ $out == *"Permission denied"* ]]'
ssh-keygen -q -t ed25519 -N '' -f "$tmp/other_key"
out=$(timeout 20 ssh -F /dev/null -i "$tmp/other_key" -o IdentitiesOnly=yes \
    -o UserKnownHostsFile="$GIT_SSH_KNOWN_HOSTS" -o StrictHostKeyChecking=yes -o BatchMode=yes \
    -o ConnectTimeout=5 -p "$port" "$ssh_user@127.0.50.1" \
    "git-upload-pack '$ssh_path'" 2>&1 </dev/null); rc=$?
check "SSH with a key that is not authorized is refused (status $rc)" \
    eval '[ $rc -ne 0 ] && [[ $out == *"Permission denied"* ]]'
: >"$tmp/empty_known_hosts"
GIT_SSH_COMMAND="ssh -i $GIT_SSH_KEY -o IdentitiesOnly=yes -o UserKnownHostsFile=$tmp/empty_known_hosts -o StrictHostKeyChecking=yes -o BatchMode=yes" \
    timeout 30 git ls-remote "$GIT_SSH_URL" >/dev/null 2>"$tmp/hostkey.err"
check "SSH with StrictHostKeyChecking and an unknown host key fails" \
    grep -q 'Host key verification failed' "$tmp/hostkey.err"

# 7. git-push DIR makes the tree exactly that directory (here: back to the example).
c3=$("$GIT_PUSH" -m "env_git: reset to examples/gemeente" "$ROOT/examples/gemeente" 2>"$tmp/push3.err")
GIT_ASKPASS=$GIT_HTTP_ASKPASS timeout 60 git clone -q "$GIT_HTTP_URL" "$tmp/http2" 2>/dev/null
check "git-push DIR: the clone's tree equals the directory" \
    eval '[ "$(git -C "$tmp/http2" rev-parse HEAD 2>/dev/null)" = "$c3" ] && diff -r -x .git "$tmp/http2" "$ROOT/examples/gemeente" >/dev/null'

# What the operations that should succeed said on stderr (nothing, when all went well).
for f in push1 push2 push3 clone-http clone-ssh clone-https; do
    [ -s "$tmp/$f.err" ] && { echo "# $f:"; sed 's/^/#   /' "$tmp/$f.err" | head -n 20; }
done
exit 0
