# shellcheck shell=bash disable=SC2046,SC2086  # word splitting of name and URL lists is meant
# tests/env/components/etcd.sh — etcd for wissel's own state and leader election
# (sourced by lib.sh). Debian's etcd (3.4), plain HTTP, data in $ENV_DIR/etcd/:
#   single node   etcd-single  client http://127.0.10.1:2379   peer :2380
#   cluster       etcd-1..3    client http://127.0.10.1{1,2,3}:2379   peer :2380
# Both answer etcd's v3 JSON gateway (POST /v3/kv/range, /v3/kv/put, ...; keys and values
# base64) as well as gRPC. tests/env/etcd-member stops, kills and restarts one cluster
# member (its data kept, so it rejoins). Data survives `down`; delete $ENV_DIR/etcd for
# fresh ones.

ETCD_BIN=/usr/bin/etcd
ETCDCTL_BIN=/usr/bin/etcdctl
ETCD_CLUSTER_TOKEN=wissel-test-cluster

# _etcd_addr single|1|2|3: the loopback address of a node.
_etcd_addr() { case $1 in single) echo 127.0.10.1 ;; *) echo "127.0.10.1$1" ;; esac; }
_etcd_url() { echo "http://$(_etcd_addr "$1"):2379"; }
_etcd_cluster_urls() { echo "$(_etcd_url 1),$(_etcd_url 2),$(_etcd_url 3)"; }

# _etcd_start single|1|2|3: start one node from its data directory (bootstrapping it
# when the directory is empty). ETCD_* variables of the caller (such as ETCD_SINGLE from
# the test settings) are removed: etcd would read them as flags. File descriptors 3-9 are
# closed for it, so that a caller's lock (flock on fd 9, say) does not live on in etcd.
_etcd_start() {
    local n=$1 name a cluster
    a=$(_etcd_addr "$n")
    if [ "$n" = single ]; then
        name=etcd-single cluster="etcd-single=http://$a:2380"
    else
        name=etcd-$n
        cluster="etcd-1=http://$(_etcd_addr 1):2380,etcd-2=http://$(_etcd_addr 2):2380,etcd-3=http://$(_etcd_addr 3):2380"
    fi
    mkdir -p "$ENV_DIR/etcd/$name"
    chmod 700 "$ENV_DIR/etcd/$name"
    start_bg "$name" env $(env | sed -n 's/^\(ETCD_[A-Za-z0-9_]*\)=.*/-u \1/p') \
        "$ETCD_BIN" --name "$name" --data-dir "$ENV_DIR/etcd/$name" \
        --listen-client-urls "http://$a:2379" --advertise-client-urls "http://$a:2379" \
        --listen-peer-urls "http://$a:2380" --initial-advertise-peer-urls "http://$a:2380" \
        --initial-cluster "$cluster" --initial-cluster-state new \
        --initial-cluster-token "$ETCD_CLUSTER_TOKEN-$([ "$n" = single ] && echo single || echo 3)" \
        --heartbeat-interval 100 --election-timeout 1000 --pre-vote=true \
        --logger zap --log-outputs stderr \
        3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
}

# _etcd_healthy URL...: every endpoint says it is healthy (it has a leader and a quorum
# read succeeds) and answers a linearizable range request on its JSON gateway.
_etcd_healthy() {
    local u
    for u in "$@"; do
        curl -sf --max-time 5 "$u/health" | grep -q '"health":"true"' || return 1
        curl -sf --max-time 5 -X POST -d '{"key":"aGVhbHRo"}' "$u/v3/kv/range" | grep -q '"header"' || return 1
    done
}

# _etcd_leader: the number (1-3) of the cluster member that reports itself leader (its
# member id equals its leader id in /v3/maintenance/status). curl, not etcdctl: a stopped
# member then costs a refused connection, not a dial time-out.
_etcd_leader() {
    local n st
    for n in 1 2 3; do
        st=$(curl -sf --max-time 2 -X POST -d '{}' "$(_etcd_url "$n")/v3/maintenance/status") || continue
        [ "$(echo "$st" | sed -n 's/.*"member_id":"\([0-9]*\)".*/\1/p')" = \
            "$(echo "$st" | sed -n 's/.*"leader":"\([0-9]*\)".*/\1/p')" ] && { echo "$n"; return 0; }
    done
    return 1
}

etcd_status() {
    local n
    for n in etcd-single etcd-1 etcd-2 etcd-3; do
        is_running "$n" || { echo "$n is not running"; return 1; }
    done
    _etcd_healthy "$(_etcd_url single)" || { echo "the single node $(_etcd_url single) is not healthy"; return 1; }
    _etcd_healthy $(_etcd_cluster_urls | tr , ' ') || { echo "the cluster is not healthy"; return 1; }
    echo "single $(_etcd_url single); cluster of 3 on 127.0.10.11-13, leader etcd-$(_etcd_leader)"
}

_etcd_env() {
    env_set ETCD_SINGLE "$(_etcd_url single)"
    env_set ETCD_CLUSTER "$(_etcd_cluster_urls)"
    env_set ETCD_GATEWAY "$(_etcd_url single)/v3"
    env_set ETCD_MEMBER "$ROOT/tests/env/etcd-member"
    env_set ETCDCTL "$ETCDCTL_BIN"
}

# _etcd_port_taken single|1|2|3: something else listens on the node's ports (says what).
_etcd_port_taken() {
    local a who; a=$(_etcd_addr "$1")
    who=$(ss -ltnpH "( src $a:2379 or src $a:2380 )" 2>/dev/null)
    [ -n "$who" ] && say "etcd: $a:2379/2380 is already taken: $who"
}

# _etcd_wait SECONDS NAME URL...: until the endpoints are healthy, or until NAME exits.
_etcd_wait() {
    local end=$(($(date +%s) + $1)) names=$2 n; shift 2
    while [ "$(date +%s)" -lt "$end" ]; do
        _etcd_healthy "$@" && return 0
        for n in $names; do is_running "$n" || return 1; done
        sleep 0.2
    done
    return 1
}

# _etcd_why_not NAME...: one line on what went wrong with the nodes started.
_etcd_why_not() {
    local n u why=""
    for n in "$@"; do
        u=$(_etcd_url "${n#etcd-}")
        if ! is_running "$n"; then
            why="$why $n exited (log: $LOG_DIR/$n.log);"
        elif ! _etcd_healthy "$u"; then
            why="$why $n ($u) not healthy;"
        fi
    done
    echo "did not become healthy in time:${why:- (no node started)}"
}

etcd_up() {
    local started="" n all_data=1 any_running=0 taken="" why
    if etcd_status >/dev/null 2>&1; then _etcd_env; return 0; fi
    [ -x "$ETCD_BIN" ] || { say "etcd: $ETCD_BIN is missing (Debian package etcd-server)"; return 1; }

    # Another program on one of the addresses: say so and start nothing.
    for n in single 1 2 3; do
        is_running "etcd-$n" || ! _etcd_port_taken "$n" || taken="$taken $(_etcd_addr "$n")"
    done
    [ -z "$taken" ] || { say "etcd: not started: another program listens on$taken (see above)"; return 1; }

    if ! is_running etcd-single; then
        _etcd_start single
        started="$started etcd-single"
    fi
    # The cluster restarts from its data when all three members have some; a partial
    # data set (a member wiped by hand) cannot rejoin, so then all three start afresh.
    for n in 1 2 3; do
        is_running "etcd-$n" && any_running=1
        [ -d "$ENV_DIR/etcd/etcd-$n/member" ] || all_data=0
    done
    if [ $any_running = 0 ] && [ $all_data = 0 ]; then
        rm -rf "$ENV_DIR/etcd/etcd-1" "$ENV_DIR/etcd/etcd-2" "$ENV_DIR/etcd/etcd-3"
    fi
    for n in 1 2 3; do
        is_running "etcd-$n" && continue
        _etcd_start "$n"
        started="$started etcd-$n"
    done

    if _etcd_wait 30 etcd-single "$(_etcd_url single)" &&
        _etcd_wait 60 "etcd-1 etcd-2 etcd-3" $(_etcd_cluster_urls | tr , ' '); then
        _etcd_env
        return 0
    fi
    why=$(_etcd_why_not $started)
    say "etcd: $why"
    show_logs $started
    for n in $started; do stop_bg "$n"; done
    say "etcd: $why"    # again as the last line: tests/env/status shows that one
    return 1
}

etcd_down() {
    local n
    for n in etcd-1 etcd-2 etcd-3 etcd-single; do stop_bg "$n"; done
}
