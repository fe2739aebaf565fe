#!/usr/bin/env bash
# The pdns component (tests/env/components/pdns.sh): PowerDNS answers for $PDNS_ZONE over
# DNS on $PDNS_DNS_SERVER@$PDNS_DNS_PORT and its HTTP API on $PDNS_API_URL answers with the
# API key and refuses without it or with a wrong one; a change through the API is answered
# over DNS at once. The key stays in its 0600 files.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require pdns

tmp=$(mktemp -d)
name=env-test-$$.$PDNS_ZONE
umask 077
printf 'X-API-Key: %s\n' "$(cat "$PDNS_API_KEY_FILE")" >"$tmp/good.header"
printf 'X-API-Key: wrong-%s\n' "$$" >"$tmp/wrong.header"
zone_url=$PDNS_API_URL/api/v1/servers/localhost/zones/$PDNS_ZONE
# status HEADER-FILE [curl options]: the HTTP status of a call on the zone.
status() {
    local h=$1; shift
    curl -sS --max-time 5 -o "$tmp/body" -w '%{http_code}' ${h:+-H @"$h"} "$@" "$zone_url"
}
lookup() { "$KDIG" @"$PDNS_DNS_SERVER" -p "$PDNS_DNS_PORT" +time=2 +retry=1 +short "$1" "$2"; }
trap 'curl -sS -o /dev/null -H @"$tmp/good.header" -X PATCH --data "{\"rrsets\":[{\"name\":\"$name\",\"type\":\"A\",\"changetype\":\"DELETE\"}]}" "$zone_url"; rm -rf "$tmp"' EXIT

check "kdig finds the zone's SOA ($(lookup "$PDNS_ZONE" SOA))" \
    bash -c '[ -n "$1" ] && [ "$(awk "{print \$1}" <<<"$1")" = "ns1.$2" ]' _ "$(lookup "$PDNS_ZONE" SOA)" "$PDNS_ZONE"
check "... and its NS and ns1 A" \
    [ "$(lookup "$PDNS_ZONE" NS)|$(lookup "ns1.$PDNS_ZONE" A)" = "ns1.$PDNS_ZONE|$PDNS_DNS_SERVER" ]
code=$(status "$tmp/good.header")
check "the API answers the zone with the key (HTTP $code)" \
    bash -c '[ "$1" = 200 ] && grep -q "\"rrsets\"" "$2"' _ "$code" "$tmp/body"
code=$(status "")
check "the API refuses without a key (HTTP $code)" [ "$code" = 401 ]
code=$(status "$tmp/wrong.header")
check "the API refuses a wrong key (HTTP $code)" [ "$code" = 401 ]
code=$(status "$tmp/good.header" -X PATCH -H 'Content-Type: application/json' \
    --data "{\"rrsets\":[{\"name\":\"$name\",\"type\":\"A\",\"ttl\":60,\"changetype\":\"REPLACE\",\"records\":[{\"content\":\"192.0.2.1\",\"disabled\":false}]}]}")
check "a PATCH through the API is taken (HTTP $code) ..." [ "$code" = 204 ]
check "... and answered over DNS at once" [ "$(lookup "$name" A)" = 192.0.2.1 ]
code=$(status "$tmp/wrong.header" -X PATCH -H 'Content-Type: application/json' \
    --data "{\"rrsets\":[{\"name\":\"$name\",\"type\":\"A\",\"changetype\":\"DELETE\"}]}")
check "a PATCH with a wrong key is refused (HTTP $code) and changes nothing" \
    [ "$code|$(lookup "$name" A)" = "401|192.0.2.1" ]
modes=$(stat -c %a "$PDNS_API_KEY_FILE" "$(dirname "$PDNS_API_KEY_FILE")/pdns.conf" | tr '\n' ' ')
check "the key file and pdns.conf are mode 600 ($modes)" [ "$modes" = "600 600 " ]
check "the key is not in the env file or the log" \
    bash -c '! grep -qF "$(cat "$1")" "$2" "$3"' _ "$PDNS_API_KEY_FILE" "$ENV_DIR/env" "$LOG_DIR/pdns.log"
