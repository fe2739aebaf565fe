# tests/env/components/pdns.sh — PowerDNS Authoritative with its HTTP API, authoritative
# for wissel-pdns.test. on 127.0.42.1 (DNS on port 5300, the API on port 8081).
#
# pdns_server runs as the current user (no system service, no guardian, no syslog) with
# everything in $ENV_DIR/pdns/:
#   pdns.conf        the configuration, mode 0600 (it holds the API key)
#   api.key          the generated API key, mode 0600: the key is in these two files only,
#                    never in the env file, on a command line or in a log
#   pdns.sqlite3     the gsqlite3 backend's database, made from the schema Debian ships
#   run/             the control socket (pdns_control)
# The zone is created with pdnsutil before the server starts (SOA and NS, ns1 A). A cold
# start makes everything afresh (new key, new database); a running server whose API answers
# with the key and whose zone answers over DNS is reused. See docs/testing/pdns.md.

PDNS_ADDR=127.0.42.1
PDNS_DNS_PORT_TEST=5300
PDNS_API_PORT=8081
PDNS_ZONE_NAME=wissel-pdns.test.
PDNS_DIR=$ENV_DIR/pdns

_pdnsutil() {
    timeout 20 pdnsutil --config-dir="$PDNS_DIR" "$@"
}

# _pdns_schema: the sqlite3 schema of the installed pdns-backend-sqlite3.
_pdns_schema() {
    local f
    for f in /usr/share/pdns-backend-sqlite3/schema/schema.sqlite3.sql \
        /usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql; do
        [ -f "$f" ] && { echo "$f"; return 0; }
    done
    dpkg -L pdns-backend-sqlite3 2>/dev/null | grep -m1 '/schema\.sqlite3\.sql$'
}

# _pdns_api_ok: the API answers the zone with the key.
_pdns_api_ok() {
    [ -f "$PDNS_DIR/api.key" ] || return 1
    # The key goes to curl through a header file on stdin, not through argv.
    printf 'X-API-Key: %s\n' "$(cat "$PDNS_DIR/api.key")" |
        curl -fsS --max-time 2 -H @- -o /dev/null \
            "http://$PDNS_ADDR:$PDNS_API_PORT/api/v1/servers/localhost/zones/$PDNS_ZONE_NAME"
}

# _pdns_serial: the zone's SOA serial as pdns_server answers it (empty when it does not).
_pdns_serial() {
    kdig @"$PDNS_ADDR" -p "$PDNS_DNS_PORT_TEST" +time=1 +retry=0 +short "$PDNS_ZONE_NAME" SOA \
        2>/dev/null | awk 'NF == 7 { print $3 }'
}

pdns_status() {
    local serial
    [ -f "$PDNS_DIR/pdns.conf" ] || { echo "not configured ($PDNS_DIR/pdns.conf missing)"; return 1; }
    is_running pdns || { echo "pdns_server is not running"; return 1; }
    _pdns_api_ok || { echo "no API answer with the key from http://$PDNS_ADDR:$PDNS_API_PORT"; return 1; }
    serial=$(_pdns_serial)
    [ -n "$serial" ] || { echo "no SOA answer for $PDNS_ZONE_NAME from $PDNS_ADDR@$PDNS_DNS_PORT_TEST"; return 1; }
    echo "pdns_server on $PDNS_ADDR@$PDNS_DNS_PORT_TEST, API http://$PDNS_ADDR:$PDNS_API_PORT, zone $PDNS_ZONE_NAME serial $serial"
}

_pdns_env() {
    env_set PDNS_DNS_SERVER "$PDNS_ADDR"
    env_set PDNS_DNS_PORT "$PDNS_DNS_PORT_TEST"
    env_set PDNS_API_URL "http://$PDNS_ADDR:$PDNS_API_PORT"
    env_set PDNS_API_KEY_FILE "$PDNS_DIR/api.key"
    env_set PDNS_ZONE "$PDNS_ZONE_NAME"
    env_set KDIG /usr/bin/kdig
}

# _pdns_write: a fresh configuration, key, database and zone in $PDNS_DIR.
_pdns_write() {
    local schema
    schema=$(_pdns_schema)
    [ -n "$schema" ] || { say "no schema.sqlite3.sql from pdns-backend-sqlite3 (tools/deps env)"; return 1; }
    rm -rf "$PDNS_DIR"
    mkdir -p "$PDNS_DIR/run"
    (
        umask 077
        head -c 24 /dev/urandom | base64 | tr -d '/+=\n' >"$PDNS_DIR/api.key"
        cat >"$PDNS_DIR/pdns.conf" <<EOF
# Written by tests/env/components/pdns.sh; rewritten at every cold start.
launch=gsqlite3
gsqlite3-database=$PDNS_DIR/pdns.sqlite3
local-address=$PDNS_ADDR
local-port=$PDNS_DNS_PORT_TEST
socket-dir=$PDNS_DIR/run
guardian=no
daemon=no
disable-syslog=yes
loglevel=4
security-poll-suffix=
disable-axfr=yes
default-soa-content=ns1.@ hostmaster.@ 1 60 60 3600 60
# Answers follow each API change at once (the API purges them anyway).
cache-ttl=0
negquery-cache-ttl=0
query-cache-ttl=0
zone-cache-refresh-interval=0
api=yes
api-key=$(cat "$PDNS_DIR/api.key")
webserver=yes
webserver-address=$PDNS_ADDR
webserver-port=$PDNS_API_PORT
webserver-allow-from=127.0.0.0/8
EOF
        sqlite3_schema_load "$schema"
    ) || return 1
    _pdnsutil create-zone "$PDNS_ZONE_NAME" "ns1.$PDNS_ZONE_NAME" >/dev/null &&
        _pdnsutil add-record "$PDNS_ZONE_NAME" ns1 A 60 "$PDNS_ADDR" >/dev/null &&
        _pdnsutil set-meta "$PDNS_ZONE_NAME" SOA-EDIT-API DEFAULT >/dev/null
}

# sqlite3_schema_load FILE: the gsqlite3 database from the schema: with the sqlite3 shell
# when it is installed, else with python3's sqlite3 module.
sqlite3_schema_load() {
    if command -v sqlite3 >/dev/null; then
        sqlite3 "$PDNS_DIR/pdns.sqlite3" <"$1"
        return
    fi
    python3 - "$PDNS_DIR/pdns.sqlite3" "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript(open(sys.argv[2]).read())
db.commit()
EOF
}

# _pdns_settled: pdns_server answers, or it has exited (no use waiting longer).
_pdns_settled() {
    pdns_status || ! is_running pdns
}

pdns_up() {
    if pdns_status >/dev/null 2>&1; then
        _pdns_env
        return 0
    fi
    stop_bg pdns # a pdns_server of ours that no longer answers
    if ! _pdns_write; then
        say "could not prepare PowerDNS in $PDNS_DIR"
        return 1
    fi
    start_bg pdns pdns_server --config-dir="$PDNS_DIR"
    wait_until 20 "pdns_server to answer on $PDNS_ADDR@$PDNS_DNS_PORT_TEST and :$PDNS_API_PORT" _pdns_settled
    if ! pdns_status >/dev/null 2>&1; then
        is_running pdns || say "pdns_server exited at start (the reason is in its log below)"
        stop_bg pdns
        show_logs pdns
        return 1
    fi
    _pdns_env
}

pdns_down() {
    is_running pdns && timeout 10 pdns_control --config-dir="$PDNS_DIR" quit >/dev/null 2>&1
    stop_bg pdns
}
