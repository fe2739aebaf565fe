#!/usr/bin/env bash
# `wissel serve` as a GitOps controller against tests/env's git server and both clusters:
# a push over HTTP reaches the clusters; a webhook with a valid signature starts the
# reconcile, one with a bad signature is refused with 401 and nothing runs; a hand edit is
# reverted within the drift interval; a target that hangs and one that refuses connections
# delay no other; SIGTERM leaves no half-done action and the next start converges; a push
# over SSH reaches the cluster; on a branch that requires signatures an unsigned commit is
# not applied and /metrics says why. KEEP_WORK=1 keeps the work folder (logs) for inspection.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require k8s git
work=$(mktemp -d)
ns="wissel-serve-$$" branch="serve-$$" signed="serve-signed-$$"
addr=127.0.60.1:8081 url=http://127.0.60.1:8081
ka() { "$KUBECTL" --kubeconfig "$KUBECONFIG_TEST" --context cluster-a "$@"; }
kb() { "$KUBECTL" --kubeconfig "$KUBECONFIG_TEST" --context cluster-b "$@"; }
pids=()
cleanup() {
    kill -9 "${pids[@]}" 2>/dev/null; wait 2>/dev/null
    ka delete namespace "$ns" --wait=false >/dev/null 2>&1
    kb delete namespace "$ns" --wait=false >/dev/null 2>&1
    [ -n "${KEEP_WORK:-}" ] && echo "# kept $work" || rm -rf "$work"
}
trap cleanup EXIT
wait_for() { local i; for i in $(seq "${2:-150}"); do eval "$1" && return 0; sleep 0.2; done; return 1; }

# A target that accepts connections and never answers (hangs every call until time-outs),
# and one where nothing listens (refuses at once).
socat TCP-LISTEN:6443,bind=127.0.60.2,fork,reuseaddr SYSTEM:'sleep 600' 2>/dev/null &
pids+=($!)
for t in hang:127.0.60.2 refused:127.0.60.3; do
    cat >"$work/${t%%:*}.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://${t#*:}:6443", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: not-a-secret}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
EOF
done

# The repository: web-a on cluster-a, web-b on cluster-b, web-h on the hanging target and
# web-r on the refusing one.
src=$work/src
mkdir -p "$src"
target() { # name kubeconfig context
    cat <<EOF
---
apiVersion: wissel.dev/v1
kind: Target
metadata: {name: $1}
spec:
  provider: kubernetes
  jurisdiction: NL
  kubernetes: {kubeconfig: $2, context: $3, namespace: $ns, createNamespace: true}
EOF
}
{
    target cluster-a "$KUBECONFIG_TEST" cluster-a
    target cluster-b "$KUBECONFIG_TEST" cluster-b
    target hang "$work/hang.kubeconfig" c
    target refused "$work/refused.kubeconfig" c
} >"$src/targets.yaml"
score() { # image
    printf 'apiVersion: score.dev/v1b1\nmetadata: {name: web}\nservice: {ports: {http: {port: 80, targetPort: 8080}}}\ncontainers:\n  main: {image: %s}\n' "$1"
}
score wissel-test/web:1 >"$src/web.score.yaml"
for a in a:cluster-a b:cluster-b h:hang r:refused; do
    printf 'apiVersion: wissel.dev/v1\nkind: Application\nmetadata: {name: web-%s}\nspec:\n  workloads: [web.score.yaml]\n  classification: internal\n  placement: {primary: %s}\n' \
        "${a%%:*}" "${a#*:}" >"$src/app-${a%%:*}.yaml"
done
rev1=$("$GIT_PUSH" --branch "$branch" -m "serve test: web:1" "$src")

secret=webhook-secret-$$
printf '%s\n' "$secret" >"$work/secret"
st=$work/state
serve() { # log, extra args...
    local log=$1; shift
    "$WISSEL" serve --state "$st" --listen "$addr" --interval 1h --drift-interval 4s \
        --retry-max 4s --webhook-secret-file "$work/secret" --log-level info "$@" >"$log" 2>&1 &
    pids+=($!)
    serve_pid=$!
}
serve "$work/serve1.log" --git "$GIT_HTTP_URL" --ref "$branch" --git-user "$GIT_HTTP_USER" \
    --git-password-file "$GIT_HTTP_PASSWORD_FILE" --checkout "$work/co1"
# The image of web-a's Deployment on cluster-a (ka) or web-b's on cluster-b (kb).
image() {
    local d=web-a-web
    [ "$1" = kb ] && d=web-b-web
    "$1" get deploy "$d" -n "$ns" -o jsonpath='{.spec.template.spec.containers[0].image}' 2>/dev/null
}
metrics() { curl -s "$url/metrics"; }

check "a push over HTTP reaches cluster-a and cluster-b" \
    wait_for '[ "$(image ka)" = wissel-test/web:1 ] && [ "$(image kb)" = wissel-test/web:1 ]'
check "the objects carry the applied revision" \
    bash -c '[ "$("$3" --kubeconfig "$4" --context cluster-a get deploy web-a-web -n "$1" \
              -o jsonpath="{.metadata.annotations.wissel\.dev/revision}")" = "$2" ]' \
    _ "$ns" "$rev1" "$KUBECTL" "$KUBECONFIG_TEST"
check "/readyz answers 200 once the revision is loaded" \
    bash -c '[ "$(curl -s -o /dev/null -w %{http_code} "$1/readyz")" = 200 ]' _ "$url"
check "/metrics shows the refusing target down, the live ones up" \
    wait_for 'metrics | grep -q "^wissel_target_up{target=\"refused\"} 0" &&
              metrics | grep -q "^wissel_target_up{target=\"cluster-a\"} 1" &&
              metrics | grep -q "^wissel_target_up{target=\"cluster-b\"} 1"'
check "/metrics counts reconciles per application and target" \
    bash -c 'curl -s "$1/metrics" | grep -Eq "^wissel_reconcile_total\{app=\"web-a\",target=\"cluster-a\",result=\"ok\"\} [1-9]"' _ "$url"
check "/api/v1/targets says why the refusing target is down" \
    bash -c 'curl -s "$1/api/v1/targets" | /usr/bin/python3 -c "
import json, sys
t = {x[\"name\"]: x for x in json.load(sys.stdin)[\"targets\"]}
assert t[\"refused\"][\"up\"] is False and \"127.0.60.3\" in t[\"refused\"][\"message\"], t[\"refused\"]
assert t[\"cluster-a\"][\"up\"] is True"' _ "$url"

# Webhooks: revision 2 is pushed; the hook with a bad signature is refused and nothing
# happens; the valid one starts the reconcile (the interval is an hour: only the hook
# can). The hanging target is stuck in its calls all along and holds up no other.
score wissel-test/web:2 >"$src/web.score.yaml"
rev2=$("$GIT_PUSH" --branch "$branch" -m "serve test: web:2" "$src")
body="{\"ref\":\"refs/heads/$branch\",\"after\":\"$rev2\"}"
sign() { printf '%s' "$body" | openssl dgst -sha256 -hmac "$1" | awk '{print $NF}'; }
hook() { # signature of $body -> status code
    curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        -H 'X-GitHub-Event: push' -H "X-Hub-Signature-256: sha256=$1" --data "$body" "$url/hooks/github"
}
# A signed push hook for BRANCH (a fetch at once).
push_hook() { body="{\"ref\":\"refs/heads/$1\"}"; hook "$(sign "$secret")" >/dev/null; }
check "a webhook with a bad signature is refused with 401" \
    [ "$(hook "$(sign wrong)")" = 401 ]
sleep 3
check "... and nothing ran: no fetch, cluster-a still at web:1" \
    bash -c '[ "$(curl -s "$1/api/v1/source" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)[\"revision\"])")" = "$2" ] &&
             [ "$3" = wissel-test/web:1 ]' _ "$url" "$rev1" "$(image ka)"
check "a webhook with a valid signature is accepted (202)" [ "$(hook "$(sign "$secret")")" = 202 ]
check "... and the new revision reaches both live clusters" \
    wait_for '[ "$(image ka)" = wissel-test/web:2 ] && [ "$(image kb)" = wissel-test/web:2 ]'
check "the webhook-to-reconcile latency is in /metrics" \
    bash -c 'curl -s "$1/metrics" | grep -q "^wissel_trigger_latency_seconds "' _ "$url"
check "malformed, unknown and oversized deliveries never trigger" bash -c '
    a=$(curl -s -o /dev/null -w %{http_code} -X POST -H "X-GitHub-Event: push" -H "X-Hub-Signature-256: sha256=00" --data "{not json" "$1/hooks/github")
    b=$(curl -s -o /dev/null -w %{http_code} -X POST --data "{}" "$1/hooks/bitbucket")
    c=$(head -c 2000000 /dev/zero | curl -s -o /dev/null -w %{http_code} -X POST -H "X-GitHub-Event: push" --data-binary @- "$1/hooks/github")
    [ "$a" = 401 ] && [ "$b" = 404 ] && [ "$c" = 413 ]' _ "$url"

# A hand edit is drift: undone within the drift interval (4 s) and a pass.
ka label svc web-a-web -n "$ns" app.kubernetes.io/name=edited-by-hand --overwrite >/dev/null
check "a hand edit in the cluster is reverted within the drift interval" \
    wait_for '[ "$(ka get svc web-a-web -n "$ns" -o jsonpath="{.metadata.labels.app\.kubernetes\.io/name}")" = web-a ]' 60
check "... and counted as a drift correction" \
    wait_for 'metrics | grep -Eq "^wissel_drift_corrections_total\{app=\"web-a\",target=\"cluster-a\"\} [1-9]"'

# SIGTERM while a revision is being applied: the action in flight ends, the journal has an
# end for every start, the process exits 0; the next start converges.
score wissel-test/web:3 >"$src/web.score.yaml"
rev3=$("$GIT_PUSH" --branch "$branch" -m "serve test: web:3" "$src")
push_hook "$branch"
wait_for 'grep -q "revision loaded.*$rev3" "$work/serve1.log"' 50
kill -TERM "$serve_pid"
stopped=no
for i in $(seq 300); do kill -0 "$serve_pid" 2>/dev/null || { stopped=yes; break; }; sleep 0.2; done
wait "$serve_pid"; rc=$?
check "SIGTERM stops serve cleanly (exit 0), the hanging target's call abandoned" \
    bash -c '[ "$1" = yes ] && [ "$2" = 0 ]' _ "$stopped" "$rc"
check "the journal has an end for every start (no half-applied action)" \
    bash -c '"$1" history --state "$2" -n 0 -o json | /usr/bin/python3 -c "
import json, sys
recs = json.load(sys.stdin)
open_ = {}
for r in recs:
    t = r[\"type\"]
    if t.endswith(\".start\") and t.split(\".\")[0] in (\"apply\", \"action\"):
        k = (t.split(\".\")[0], r.get(\"app\"), r.get(\"target\"), r.get(\"kind\"), r.get(\"name\"))
        open_[k] = open_.get(k, 0) + 1
    elif t.endswith(\".end\") and t.split(\".\")[0] in (\"apply\", \"action\"):
        k = (t.split(\".\")[0], r.get(\"app\"), r.get(\"target\"), r.get(\"kind\"), r.get(\"name\"))
        open_[k] = open_.get(k, 0) - 1
bad = {k: v for k, v in open_.items() if v}
assert not bad, bad"' _ "$WISSEL" "$st"

# The next start, over SSH, converges to the newest revision; a push over SSH reaches it.
serve "$work/serve2.log" --git "$GIT_SSH_URL" --ref "$branch" --ssh-key "$GIT_SSH_KEY" \
    --known-hosts "$GIT_SSH_KNOWN_HOSTS" --checkout "$work/co2"
check "the next start converges to the newest revision" \
    wait_for '[ "$(image ka)" = wissel-test/web:3 ] && [ "$(image kb)" = wissel-test/web:3 ]'
score wissel-test/web:4 >"$src/web.score.yaml"
rev4=$("$GIT_PUSH" --ssh --branch "$branch" -m "serve test: web:4" "$src")
push_hook "$branch"
check "a push over SSH reaches the clusters" \
    wait_for '[ "$(image ka)" = wissel-test/web:4 ] && [ "$(image kb)" = wissel-test/web:4 ]'
kill -TERM "$serve_pid"; wait "$serve_pid"

# Signatures required: a signed commit is applied, an unsigned one is not, and /metrics
# and /api/v1/source say why.
ssh-keygen -q -t ed25519 -N "" -C signer -f "$work/signkey"
printf 'test@wissel.invalid namespaces="git" %s\n' "$(cat "$work/signkey.pub")" >"$work/allowed_signers"
score wissel-test/web:5 >"$src/web.score.yaml"
"$GIT_PUSH" --branch "$signed" --sign-ssh "$work/signkey" -m "signed: web:5" "$src" >/dev/null
serve "$work/serve3.log" --git "$GIT_HTTP_URL" --ref "$signed" --git-user "$GIT_HTTP_USER" \
    --git-password-file "$GIT_HTTP_PASSWORD_FILE" --checkout "$work/co3" \
    --allowed-signers "$work/allowed_signers"
check "a commit signed by an allowed signer is applied" \
    wait_for '[ "$(image ka)" = wissel-test/web:5 ]'
score wissel-test/web:6 >"$src/web.score.yaml"
unsigned=$("$GIT_PUSH" --branch "$signed" -m "unsigned: web:6" "$src")
push_hook "$signed"
check "an unsigned commit is not applied, and /metrics says why" \
    wait_for 'metrics | grep -q "^wissel_git_signature_verified{revision=\"$unsigned\",reason=\".*not signed.*\"} 0"'
check "... the cluster keeps the signed revision" [ "$(image ka)" = wissel-test/web:5 ]
check "/api/v1/source names the rejected revision and the reason" \
    bash -c 'curl -s "$1/api/v1/source" | grep -q "\"trusted\":false"' _ "$url"
kill -TERM "$serve_pid"; wait "$serve_pid"
check "serve logged no secret" bash -c '! grep -rqF "$1" "$2"/serve*.log' _ "$secret" "$work"
