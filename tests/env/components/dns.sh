# tests/env/components/dns.sh — Knot DNS, authoritative for wissel.test. on 127.0.40.1.
#
# knotd runs as the current user (no system service) with everything in $ENV_DIR/dns/:
#   knot.conf            the configuration (includes tsig.conf)
#   tsig.conf, tsig.secret   the TSIG key wissel-test (hmac-sha256), mode 0600: the secret
#                        is in these two files only, never in the env file or a log
#   zones/wissel.test.zone   the zone; knotd writes every update back to it at once
#   db/                  journal and timers          run/   control socket (knotc)
# Dynamic updates (RFC 2136) are allowed only when signed with that key. A cold start makes
# everything afresh (new key, the zone at serial 1); a running knotd that answers is reused.
# See docs/testing-dns.md.

DNS_ADDR=127.0.40.1
DNS_PORT_TEST=5353
DNS_ZONE_NAME=wissel.test.
DNS_KEY_NAME=wissel-test
DNS_DIR=$ENV_DIR/dns

_dns_knotc() {
    timeout 10 knotc -c "$DNS_DIR/knot.conf" "$@"
}

# _dns_serial: the zone's SOA serial as knotd answers it (empty when it does not).
_dns_serial() {
    kdig @"$DNS_ADDR" -p "$DNS_PORT_TEST" +time=1 +retry=0 +short "$DNS_ZONE_NAME" SOA 2>/dev/null |
        awk 'NF == 7 { print $3 }'
}

dns_status() {
    local serial
    [ -f "$DNS_DIR/knot.conf" ] || { echo "not configured ($DNS_DIR/knot.conf missing)"; return 1; }
    _dns_knotc status >/dev/null 2>&1 || { echo "knotc status: no knotd on $DNS_DIR/run/knot.sock"; return 1; }
    serial=$(_dns_serial)
    [ -n "$serial" ] || { echo "no SOA answer for $DNS_ZONE_NAME from $DNS_ADDR@$DNS_PORT_TEST"; return 1; }
    echo "knotd on $DNS_ADDR@$DNS_PORT_TEST, zone $DNS_ZONE_NAME serial $serial, TSIG key $DNS_KEY_NAME"
}

_dns_env() {
    env_set DNS_SERVER "$DNS_ADDR"
    env_set DNS_PORT "$DNS_PORT_TEST"
    env_set DNS_ZONE "$DNS_ZONE_NAME"
    env_set DNS_TSIG_NAME "$DNS_KEY_NAME"
    env_set DNS_TSIG_ALGORITHM hmac-sha256
    env_set DNS_TSIG_SECRET_FILE "$DNS_DIR/tsig.secret"
    env_set KDIG /usr/bin/kdig
}

# _dns_write: a fresh configuration, key and zone in $DNS_DIR.
_dns_write() {
    rm -rf "$DNS_DIR"
    mkdir -p "$DNS_DIR/zones" "$DNS_DIR/db" "$DNS_DIR/run"
    # The secret goes straight from /dev/urandom into the two 0600 files, not through argv.
    (
        umask 077
        head -c 32 /dev/urandom | base64 >"$DNS_DIR/tsig.secret"
        printf 'key:\n  - id: %s\n    algorithm: hmac-sha256\n    secret: %s\n' \
            "$DNS_KEY_NAME" "$(cat "$DNS_DIR/tsig.secret")" >"$DNS_DIR/tsig.conf"
    )
    cat >"$DNS_DIR/knot.conf" <<EOF
# Written by tests/env/components/dns.sh; rewritten at every cold start.
include: tsig.conf

server:
    rundir: "$DNS_DIR/run"
    listen: $DNS_ADDR@$DNS_PORT_TEST
    identity: wissel-test

log:
  - target: stdout
    any: info

database:
    storage: "$DNS_DIR/db"

control:
    listen: "$DNS_DIR/run/knot.sock"

acl:
  - id: update-with-key
    key: $DNS_KEY_NAME
    action: update

zone:
  - domain: $DNS_ZONE_NAME
    storage: "$DNS_DIR/zones"
    file: wissel.test.zone
    zonefile-sync: 0
    acl: update-with-key
EOF
    cat >"$DNS_DIR/zones/wissel.test.zone" <<EOF
\$ORIGIN $DNS_ZONE_NAME
\$TTL 60
@       SOA   ns1 hostmaster 1 60 60 3600 60
@       NS    ns1
ns1     A     $DNS_ADDR
www     A     127.0.30.1
www     TXT   "wissel test zone"
EOF
}

# _dns_settled: knotd answers, or it has exited (no use waiting longer).
_dns_settled() {
    dns_status || ! is_running dns
}

dns_up() {
    local out
    if dns_status >/dev/null 2>&1; then
        _dns_env
        return 0
    fi
    stop_bg dns # a knotd of ours that no longer answers
    _dns_write
    if ! out=$(knotc -c "$DNS_DIR/knot.conf" conf-check 2>&1); then
        say "the generated knot.conf is not valid: $out"
        return 1
    fi
    start_bg dns knotd -c "$DNS_DIR/knot.conf"
    wait_until 20 "knotd to answer for $DNS_ZONE_NAME on $DNS_ADDR@$DNS_PORT_TEST" _dns_settled
    if ! dns_status >/dev/null 2>&1; then
        is_running dns || say "knotd exited at start (the reason is in its log below)"
        stop_bg dns
        show_logs dns
        return 1
    fi
    _dns_env
}

dns_down() {
    # Ask knotd to stop over its control socket; stop_bg makes sure it is gone.
    is_running dns && _dns_knotc stop >/dev/null 2>&1
    stop_bg dns
}
