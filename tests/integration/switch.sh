#!/usr/bin/env bash
# wissel switch against tests/env's Docker and Knot: an application with a volume, placed
# on Docker target A with B as its standby (cold), its name in Knot, its manifests in a
# git repository. `wissel switch --to B` moves the volume's data (a file written at A is
# read at B), starts it at B and moves DNS; `--rollback` returns to A with the data
# written at B in the meantime. `--commit` writes the placement into git as one commit;
# `--decommission` refuses while the rollback window is open or git still deploys there,
# then removes the old placement from git and its containers from its target.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
. "$(dirname "$0")/dns_lib.sh"
env_require dns
env_require docker
work=$(mktemp -d)
ta="swa-$$" tb="swb-$$" host="files-$$.wissel.test" port=18433
cleanup() {
    docker_cleanup "$ta" "$tb"
    docker volume ls -q --filter "label=wissel.dev/app=files" | grep -E "^($ta|$tb)-" | xargs -r docker volume rm >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
repo=$work/repo st=$work/state
mkdir -p "$repo"
dig() { dig_at "$DNS_SERVER" "$DNS_PORT" "$@"; }
{ docker_targets "$ta" "$tb" 21700; knot_target "$DNS_TSIG_SECRET_FILE"; } >"$repo/targets.yaml"
cat >"$repo/web.score.yaml" <<EOF
apiVersion: score.dev/v1b1
metadata: {name: web}
service: {ports: {http: {port: $port, targetPort: 8080}}}
containers:
  main:
    image: wissel-test/web:1
    volumes:
      /data:
        source: \${resources.data}
    readinessProbe:
      httpGet: {path: /healthz, port: 8080}
resources:
  data: {type: volume}
EOF
cat >"$repo/app.yaml" <<EOF
apiVersion: wissel.dev/v1
kind: Application
metadata: {name: files}
spec:
  workloads: [web.score.yaml]
  classification: internal
  placement: {primary: $ta, standby: [$tb], mode: cold}
  route: {host: $host, workload: web, port: http}
  dns: {target: knot, ttl: 1}
  failover: {probe: {path: /healthz, interval: 1s, timeout: 500ms, failures: 3}}
EOF
git -C "$repo" init -q -b main && git -C "$repo" add -A &&
    git -C "$repo" -c user.name=t -c user.email=t@t.invalid commit -qm manifests
run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "cold: only the primary runs, DNS points at it" \
    bash -c '[ "$1" = 127.0.30.1 ] && [ -z "$(docker ps -q --filter label=wissel.dev/target=$2)" ]' _ "$(dig "$host")" "$tb"
put() { # target, text: write /data/marker in the target's container
    echo "$2" >"$work/marker"
    docker cp "$work/marker" "$1-files-web-0:/data/marker"
}
get() { docker cp "$1-files-web-0:/data/marker" - 2>/dev/null | tar -xO; }
put "$ta" "written-at-a-$$"

run_wissel switch files --to "$tb" -o json --state "$st" "$repo"
[ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "switch --to B succeeds and says what it copied" \
    bash -c '[ "$1" = 0 ] && grep -q "\"id\": \"data\"" <<<"$2"' _ "$RC" "$OUT"
check "the file written at A is readable at B" [ "$(get "$tb")" = "written-at-a-$$" ]
check "B answers and DNS points at it" \
    bash -c '[ "$1" = 127.0.30.2 ] && curl -sf -m 2 "http://127.0.30.2:$2/healthz" >/dev/null' _ "$(dig "$host")" "$port"
check "the journal has the switch" \
    bash -c 'grep "\"failover.end\"" "$1/journal.jsonl" | tail -1 | grep -q "\"kind\":\"switch\""' _ "$st"
run_wissel plan --detailed-exitcode --state "$st" -t knot "$repo"
check "a plan keeps DNS at B" [ "$RC" = 0 ]

put "$tb" "written-at-b-$$"
run_wissel switch files --rollback --state "$st" "$repo"
[ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "--rollback returns to A" bash -c '[ "$1" = 0 ] && [ "$2" = 127.0.30.1 ]' _ "$RC" "$(dig "$host")"
check "... with the data written at B" [ "$(get "$ta")" = "written-at-b-$$" ]
run_wissel switch files --rollback --state "$st" "$repo"
check "a second rollback is refused with a reason" \
    bash -c '[ "$1" = 1 ] && grep -q "no switch that can be rolled back" <<<"$2"' _ "$RC" "$ERR"
run_wissel switch files --to nowhere --state "$st" "$repo"
check "an unknown target is a clear error" bash -c '[ "$1" = 1 ] && grep -q "no target is named \"nowhere\"" <<<"$2"' _ "$RC" "$ERR"

# --commit, --decommission.
containers() { docker ps -aq --filter "label=wissel.dev/target=$1" --filter label=wissel.dev/app=files | wc -l; }
head0=$(git -C "$repo" rev-parse HEAD)
run_wissel switch files --to "$tb" --commit --window 3s --state "$st" "$repo"
[ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "switch --commit moves and commits" \
    bash -c '[ "$1" = 0 ] && grep -q "^committed [0-9a-f]\{12\}: Switch files to $2$" <<<"$3"' _ "$RC" "$tb" "$OUT"
check "... one commit, on the branch, naming the move" \
    bash -c '[ "$(git -C "$1" rev-parse HEAD~1)" = "$2" ] && [ "$(git -C "$1" log -1 --format=%s)" = "Switch files to $3" ]' _ "$repo" "$head0" "$tb"
check "... whose file says B is the primary and A the standby, the rest as it was" \
    bash -c '[ "$(git -C "$1" diff HEAD~1 -- app.yaml | grep "^[-+] " | tr -d "\n")" = "-  placement: {primary: $2, standby: [$3], mode: cold}+  placement: {primary: $3, standby: [$2], mode: cold}" ]' _ "$repo" "$ta" "$tb"
check "... and the working tree is clean" [ -z "$(git -C "$repo" status --porcelain)" ]
run_wissel plan --detailed-exitcode --state "$st" "$repo"
check "a plan of the committed repository has nothing to do" [ "$RC" = 0 ]

run_wissel switch files --decommission --commit --state "$st" "$repo"
check "decommission is refused while the rollback window is open, saying until when" \
    bash -c '[ "$1" = 1 ] && grep -q "rollback window of files.s switch from $2 is open until 20" <<<"$3"' _ "$RC" "$ta" "$ERR"
sleep 4 # the window (3 s) is judged in whole seconds
sed -i 's/mode: cold/mode: warm/' "$repo/app.yaml"
git -C "$repo" -c user.name=t -c user.email=t@t.invalid commit -qam "warm"
run_wissel switch files --decommission --state "$st" "$repo"
check "decommission is refused while git still deploys A (a warm standby)" \
    bash -c '[ "$1" = 1 ] && grep -q "git still deploys files to $2" <<<"$3" && grep -q "hint: remove $2 from spec.placement" <<<"$3"' _ "$RC" "$ta" "$ERR"
check "... and nothing was removed at A" [ "$(containers "$ta")" -gt 0 ]
git -C "$repo" reset -q --hard HEAD~1
echo "# a change of my own" >>"$repo/app.yaml"
run_wissel switch files --decommission --commit --state "$st" "$repo"
check "decommission --commit refuses a file with changes not committed, removing nothing" \
    bash -c '[ "$1" = 1 ] && grep -q "has changes that are not committed" <<<"$2" && [ "$3" -gt 0 ]' _ "$RC" "$ERR" "$(containers "$ta")"
git -C "$repo" checkout -q -- app.yaml
printf 'apiVersion: wissel.dev/v1\nkind: Policy\nmetadata: {name: exits}\nspec:\n  rules:\n    - name: a way out\n      require: {standby: true}\n' >"$repo/policy.yaml"
git -C "$repo" add policy.yaml && git -C "$repo" -c user.name=t -c user.email=t@t.invalid commit -qm policy
run_wissel switch files --decommission --commit --state "$st" "$repo"
check "decommission --commit refuses to break a Policy rule that requires a standby, removing nothing" \
    bash -c '[ "$1" = 1 ] && grep -q "policy rule \"a way out\" requires a standby for files" <<<"$2" && [ "$3" -gt 0 ] && [ -z "$(git -C "$4" status --porcelain)" ]' _ "$RC" "$ERR" "$(containers "$ta")" "$repo"
git -C "$repo" rm -q policy.yaml && git -C "$repo" -c user.name=t -c user.email=t@t.invalid commit -qm "no policy"
head1=$(git -C "$repo" rev-parse HEAD)
run_wissel switch files --decommission --commit -o json --state "$st" "$repo"
[ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "decommission --commit removes A from git in one commit" \
    bash -c '[ "$1" = 0 ] && [ "$(git -C "$2" rev-parse HEAD~1)" = "$3" ] && git -C "$2" show HEAD:app.yaml | grep -qx "  placement: {primary: $4}"' _ "$RC" "$repo" "$head1" "$tb"
check "... deletes its containers at A, keeps its volume (named) and B running" \
    bash -c '[ "$1" = 0 ] && docker volume inspect "$2-files-web-data" >/dev/null && grep -q "volume/$2-files-web-data" <<<"$3" && curl -sf -m 2 "http://127.0.30.2:$4/healthz" >/dev/null' _ "$(containers "$ta")" "$ta" "$OUT" "$port"
check "... and journals it" \
    bash -c 'grep "\"switch.decommission\"" "$1/journal.jsonl" | grep -q "\"target\":\"$2\""' _ "$st" "$ta"
run_wissel plan --detailed-exitcode --state "$st" "$repo"
check "a plan afterwards has nothing to do, DNS still at B" \
    bash -c '[ "$1" = 0 ] && [ "$2" = 127.0.30.2 ]' _ "$RC" "$(dig "$host")"
run_wissel switch files --rollback --state "$st" "$repo"
check "there is no way back to a decommissioned placement" \
    bash -c '[ "$1" = 1 ] && grep -q "no longer a placement of files" <<<"$2"' _ "$RC" "$ERR"
