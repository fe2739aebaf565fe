#!/usr/bin/env bash
# The test etcd (tests/env/components/etcd.sh): the single node stores and returns keys via
# etcdctl and the JSON gateway; the three-node cluster has one leader and keeps serving
# when one member (the leader, even) is killed or stopped, and the member rejoins.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
# This test stops members: hold the cluster's disruption lock, so that two runs (or another
# test that stops members) take turns. A member another test stopped comes back first.
if [ ! -f "$ENV_DIR/failed/etcd" ] && is_running etcd-single; then
    exec 9>"$ENV_DIR/etcd/disrupt.lock"
    flock -w 300 9 || { echo "not ok 1 - $ENV_DIR/etcd/disrupt.lock held for 300 s"; exit 1; }
    wait_until 60 "all etcd nodes to be healthy" etcd_status
fi
env_require etcd

export ETCDCTL_API=3
ctl() { timeout 15 "$ETCDCTL" --dial-timeout=2s --command-timeout=5s "$@"; }
b64() { printf '%s' "$1" | base64 -w0; }
url_of() { echo "http://127.0.10.1$1:2379"; }        # cluster member N
others() { local m; for m in 1 2 3; do [ "$m" = "$1" ] || echo "$m"; done; }
stopped=""
# Whatever happens, leave the cluster with all three members running.
trap 'for m in $stopped; do "$ETCD_MEMBER" start "$m" >/dev/null 2>&1; done' EXIT
run=$(date +%s)-$RANDOM

# 1. The single node, through etcdctl and through the JSON gateway.
ctl --endpoints "$ETCD_SINGLE" put "/wissel-test/$run/ctl" "from etcdctl" >/dev/null
check "single node: etcdctl put then get returns the value" \
    test "$(ctl --endpoints "$ETCD_SINGLE" get --print-value-only "/wissel-test/$run/ctl")" = "from etcdctl"
k=$(b64 "/wissel-test/$run/gw") v=$(b64 "from the gateway")
out=$(curl -sf --max-time 10 -X POST -d "{\"key\":\"$k\",\"value\":\"$v\"}" "$ETCD_GATEWAY/kv/put")
check "single node: POST /v3/kv/put answers with a header (revision)" eval '[[ $out == *\"revision\"* ]]'
out=$(curl -sf --max-time 10 -X POST -d "{\"key\":\"$k\"}" "$ETCD_GATEWAY/kv/range")
check "single node: POST /v3/kv/range returns the base64 value" eval '[[ $out == *"\"value\":\"$v\""* ]]'
check "single node: etcdctl sees the key put through the gateway" \
    test "$(ctl --endpoints "$ETCD_SINGLE" get --print-value-only "/wissel-test/$run/gw")" = "from the gateway"
out=$(curl -sf --max-time 10 -X POST -d "{\"key\":\"$(b64 "/wissel-test/$run/ctl")\"}" "$ETCD_GATEWAY/kv/range")
check "single node: the gateway sees the key put by etcdctl" \
    eval '[[ $out == *"\"value\":\"$(b64 "from etcdctl")\""* ]]'

# 2. The cluster: three healthy members, one leader.
healthy() { ctl --endpoints "$ETCD_CLUSTER" endpoint health >/dev/null 2>&1; }
check "cluster: all three endpoints are healthy" healthy
members=$(ctl --endpoints "$ETCD_CLUSTER" member list 2>/dev/null | grep -c ', started, etcd-[123],')
check "cluster: member list shows 3 started members (got $members)" test "$members" = 3
leaders=$(ctl --endpoints "$ETCD_CLUSTER" endpoint status 2>/dev/null | awk -F', ' '$5 == "true"' | wc -l)
check "cluster: exactly one member is leader (got $leaders)" test "$leaders" = 1

# wait_leader_other_than N: within 20 s, a member other than N reports itself leader.
wait_leader_other_than() {
    local i l
    for i in $(seq 100); do
        l=$("$ETCD_MEMBER" leader 2>/dev/null)
        [ -n "$l" ] && [ "$l" != "$1" ] && { echo "$l"; return 0; }
        sleep 0.2
    done
    return 1
}
# serves_without M: put through one remaining member, linearizable get through the other.
serves_without() {
    local a b key=/wissel-test/$run/without-$1 val="written while etcd-$1 was down"
    read -r a b <<<"$(others "$1" | tr '\n' ' ')"
    ctl --endpoints "$(url_of "$a")" put "$key" "$val" >/dev/null &&
        [ "$(ctl --endpoints "$(url_of "$b")" get --consistency=l --print-value-only "$key")" = "$val" ]
}

# 3. Kill the leader (a crash): a new leader within bounded time, writes still work.
old=$("$ETCD_MEMBER" leader)
check "etcd-member leader names the leader (etcd-$old)" eval '[[ $old =~ ^[123]$ ]]'
t0=$(date +%s.%N)
"$ETCD_MEMBER" kill "$old" && stopped="$stopped $old"
check "etcd-member status reports the killed leader as stopped" \
    eval '[ "$("$ETCD_MEMBER" status "$old")" = stopped ]'
new=$(wait_leader_other_than "$old")
secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
check "after killing leader etcd-$old, etcd-$new is leader within 20 s (${secs}s)" test -n "$new"
check "with etcd-$old killed, put and linearizable get through the other two work" serves_without "$old"
a=$(others "$old" | head -n1)
out=$(curl -sf --max-time 10 -X POST -d "{\"key\":\"$(b64 "/wissel-test/$run/without-$old")\"}" "$(url_of "$a")/v3/kv/range")
check "with etcd-$old killed, the JSON gateway of etcd-$a returns the new key" eval '[[ $out == *\"kvs\"* ]]'

# 4. Start it again: it rejoins with its data and catches up.
"$ETCD_MEMBER" start "$old" >/dev/null 2>&1 && stopped=""
check "etcd-member start $old: the member is healthy again" eval '"$ETCD_MEMBER" status "$old" >/dev/null'
check "cluster: all three endpoints are healthy after the restart" healthy
check "the restarted etcd-$old has the key written while it was down (local read)" \
    test "$(ctl --endpoints "$(url_of "$old")" get --consistency=s --print-value-only "/wissel-test/$run/without-$old")" = \
    "written while etcd-$old was down"

# 5. A graceful stop (SIGTERM) of the leader now: it hands over leadership, the cluster
# keeps serving; restart.
f=$("$ETCD_MEMBER" leader)
"$ETCD_MEMBER" stop "$f" && stopped="$stopped $f"
check "etcd-member stop $f (the leader): the member is stopped" eval '! "$ETCD_MEMBER" status "$f" >/dev/null'
ok_leader=$(wait_leader_other_than "$f")
check "with etcd-$f stopped, there is a leader (etcd-$ok_leader)" test -n "$ok_leader"
check "with etcd-$f stopped, put and linearizable get through the other two work" serves_without "$f"
"$ETCD_MEMBER" start "$f" >/dev/null 2>&1 && stopped=""
members=$(ctl --endpoints "$ETCD_CLUSTER" member list 2>/dev/null | grep -c ', started, etcd-[123],')
check "after restarting etcd-$f: 3 healthy members, 3 in the member list" \
    eval 'healthy && [ "$members" = 3 ]'

ctl --endpoints "$ETCD_CLUSTER" del --prefix "/wissel-test/$run/" >/dev/null 2>&1
ctl --endpoints "$ETCD_SINGLE" del --prefix "/wissel-test/$run/" >/dev/null 2>&1
exit 0
