#!/usr/bin/env bash
# Cold failover across tests/env's two Kubernetes clusters, by wissel serve, with the name
# in Knot. The application runs on cluster-a only (cold); its standby on cluster-b is
# deployed by the failover, from the same revision, before DNS moves. kwok runs no
# containers, so each cluster's ingress is played by a small HTTP server on the address
# its Target names (kubernetes.address) that answers 200 while the application's
# Deployment has ready replicas in that cluster and 503 otherwise — what a real ingress
# controller in front of the cluster would do. The primary is scaled to zero by hand.
# Then `wissel switch --to k8s-a` moves it back; once its window has closed,
# `--decommission --commit` refuses to leave automatic failover without a standby, and
# after git says so by hand `--decommission` deletes the application's objects at
# cluster-b.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
. "$(dirname "$0")/dns_lib.sh"
env_require dns
env_require k8s
work=$(mktemp -d)
ns="wissel-fo-$$" host="loket-$$.wissel.test" addr=127.0.0.1:$((20000 + ($$ + 7) % 20000))
url=http://$addr serve_pid= ingress_pids=()
k() { "$KUBECTL" --kubeconfig "$KUBECONFIG_TEST" --context "$1" "${@:2}"; }
cleanup() {
    [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
    for p in "${ingress_pids[@]}"; do kill "$p" 2>/dev/null; done
    for c in cluster-a cluster-b; do k "$c" delete namespace "$ns" --wait=false >/dev/null 2>&1; done
    rm -rf "$work"
}
trap cleanup EXIT
repo=$work/repo st=$work/state
mkdir -p "$repo"
dig() { dig_at "$DNS_SERVER" "$DNS_PORT" "$@"; }
wait_for() { local i; for i in $(seq "${2:-150}"); do eval "$1" && return 0; sleep 0.2; done; return 1; }
ingress() { # context address
    /usr/bin/python3 - "$KUBECTL" "$KUBECONFIG_TEST" "$1" "$ns" loket-web "$2" <<'PY' >>"$work/ingress.log" 2>&1 &
import http.server, subprocess, sys, threading, time
kubectl, kubeconfig, ctx, ns, name, addr = sys.argv[1:]
ready = [0]
def poll():
    while True:
        r = subprocess.run([kubectl, "--kubeconfig", kubeconfig, "--context", ctx, "get", "deploy",
                            name, "-n", ns, "-o", "jsonpath={.status.readyReplicas}"],
                           capture_output=True, text=True)
        ready[0] = int(r.stdout or 0) if r.returncode == 0 else 0
        time.sleep(0.2)
threading.Thread(target=poll, daemon=True).start()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if ready[0] > 0 else 503)
        self.end_headers()
        self.wfile.write(b"ok\n" if ready[0] > 0 else b"no ready replicas\n")
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer((addr, 80), H).serve_forever()
PY
    ingress_pids+=($!)
}
ingress cluster-a 127.0.22.1
ingress cluster-b 127.0.22.2
for c in a b; do
    cat <<EOF
apiVersion: wissel.dev/v1
kind: Target
metadata: {name: k8s-$c}
spec:
  provider: kubernetes
  jurisdiction: NL
  kubernetes: {kubeconfig: $KUBECONFIG_TEST, context: cluster-$c, namespace: $ns, createNamespace: true, address: 127.0.22.$([ $c = a ] && echo 1 || echo 2)}
---
EOF
done >"$repo/targets.yaml"
knot_target "$DNS_TSIG_SECRET_FILE" >>"$repo/targets.yaml"
failover_app loket "$host" "{primary: k8s-a, standby: [k8s-b], mode: cold}" \
    "{automatic: true, probe: {path: /healthz, interval: 1s, timeout: 900ms, failures: 3, successes: 1}}" 80 >"$repo/app.yaml"
"$WISSEL" serve --state "$st" --listen "$addr" --interval 1h --drift-interval 1h --log-level info \
    "$repo" >"$work/serve.log" 2>&1 &
serve_pid=$!
check "serve deploys the primary only (cold) and points DNS at cluster-a's address" \
    wait_for '[ "$(dig "$host")" = 127.0.22.1 ] && curl -sf -m 1 http://127.0.22.1/healthz >/dev/null'
check "... nothing runs on cluster-b" bash -c '! "$1" --kubeconfig "$2" --context cluster-b get deploy loket-web -n "$3" >/dev/null 2>&1' _ "$KUBECTL" "$KUBECONFIG_TEST" "$ns"
check "the monitor reports the primary up" \
    wait_for 'curl -s "$url/metrics" | grep -qF "wissel_placement_up{app=\"loket\",target=\"k8s-a\"} 1"'

t0=$(date +%s%3N)
k cluster-a scale deploy loket-web -n "$ns" --replicas=0 >/dev/null
wait_for '[ "$(dig "$host")" = 127.0.22.2 ]' 300
t1=$(date +%s%3N)
printf '# DNS at the standby %d ms after the primary was scaled to zero\n' $((t1 - t0))
check "the standby was deployed on cluster-b from the same revision, and DNS moved to it" \
    bash -c '[ "$1" = 127.0.22.2 ] && [ "$("$2" --kubeconfig "$3" --context cluster-b get deploy loket-web -n "$4" -o jsonpath={.status.readyReplicas})" -ge 1 ]' \
    _ "$(dig "$host")" "$KUBECTL" "$KUBECONFIG_TEST" "$ns"
check "... within failures x interval + 2 s plus the standby's deploy (under 30 s here)" [ $((t1 - t0)) -le 30000 ]
check "an HTTP client following DNS is answered again" curl -sf -m 2 "http://$(dig "$host")/healthz" -o /dev/null
check "the journal has the cold failover's steps" \
    bash -c 'j=$1/journal.jsonl; grep "\"failover.start\"" "$j" | grep -q "\"to\":\"k8s-b\"" &&
             grep "\"apply.end\"" "$j" | grep -q "\"target\":\"k8s-b\"" && grep "\"failover.end\"" "$j" | grep -q "\"ok\":true"' _ "$st"
stop_serve() { kill -TERM "$serve_pid"; wait "$serve_pid"; local rc=$?; serve_pid=; return $rc; }
check "SIGTERM stops serve cleanly" stop_serve

git -C "$repo" init -q -b main && git -C "$repo" add -A &&
    git -C "$repo" -c user.name=t -c user.email=t@t.invalid commit -qm manifests
run_wissel switch loket --to k8s-a --window 1s --commit --state "$st" "$repo"
[ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "switch --to k8s-a moves back; git already says so, so nothing is committed" \
    bash -c '[ "$1" = 0 ] && [ "$2" = 127.0.22.1 ] && grep -q "nothing to commit" <<<"$3" && [ "$(git -C "$4" rev-list --count HEAD)" = 1 ]' _ "$RC" "$(dig "$host")" "$OUT" "$repo"
sleep 2 # the window (1 s) is judged in whole seconds
run_wissel switch loket --decommission --commit --state "$st" "$repo"
check "decommission --commit refuses to leave automatic failover without a standby, removing nothing" \
    bash -c '[ "$1" = 1 ] && grep -q "would be invalid: automatic failover needs a standby" <<<"$2" &&
             "$3" --kubeconfig "$4" --context cluster-b get deploy loket-web -n "$5" >/dev/null' \
    _ "$RC" "$ERR" "$KUBECTL" "$KUBECONFIG_TEST" "$ns"
sed -i 's/placement: .*/placement: {primary: k8s-a}/; s/automatic: true/automatic: false/' "$repo/app.yaml"
git -C "$repo" -c user.name=t -c user.email=t@t.invalid commit -qam "loket leaves cluster-b"
run_wissel switch loket --decommission --state "$st" "$repo"
[ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "once git says so by hand, decommission deletes its objects at cluster-b, cluster-a serving" \
    bash -c '[ "$1" = 0 ] && grep -q "decommissioned at k8s-b: [1-9][0-9]* objects deleted" <<<"$6" &&
             ! "$2" --kubeconfig "$3" --context cluster-b get deploy loket-web -n "$4" >/dev/null 2>&1 &&
             "$2" --kubeconfig "$3" --context cluster-a get deploy loket-web -n "$4" >/dev/null && [ "$5" = 127.0.22.1 ]' \
    _ "$RC" "$KUBECTL" "$KUBECONFIG_TEST" "$ns" "$(dig "$host")" "$OUT"
run_wissel plan --detailed-exitcode --state "$st" "$repo"
check "a plan afterwards has nothing to do" [ "$RC" = 0 ]
