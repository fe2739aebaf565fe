#!/usr/bin/env bash
# The powerdns driver through the CLI, against tests/env's PowerDNS (HTTP API) and Docker:
# an application's route host points at its placement's address with the owner record
# beside it; a change of placement moves the record (one PATCH); active-active publishes
# every placement; a hand edit is drift and undone; a name wissel does not own is never
# changed; an API key PowerDNS refuses gives a clear error and changes nothing; the key is
# in no output.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
. "$(dirname "$0")/dns_lib.sh"
env_require pdns
env_require docker
work=$(mktemp -d)
ta="pdnsa-$$" tb="pdnsb-$$" tp="pdns-$$"
host="portal-$$.${PDNS_ZONE%.}" other="other-$$.${PDNS_ZONE%.}"
umask 077
printf 'X-API-Key: %s\n' "$(cat "$PDNS_API_KEY_FILE")" >"$work/key.header"
# api METHOD [JSON]: one call on the zone, the key from a header file (never in argv).
api() {
    curl -fsS --max-time 10 -H @"$work/key.header" -X "$1" ${2:+-H 'Content-Type: application/json' --data "$2"} \
        "$PDNS_API_URL/api/v1/servers/localhost/zones/$PDNS_ZONE"
}
# rrset NAME TYPE CHANGETYPE [TTL CONTENT]: a PATCH of one rrset, as a person would send it.
rrset() {
    if [ "$3" = DELETE ]; then
        api PATCH "{\"rrsets\":[{\"name\":\"$1.\",\"type\":\"$2\",\"changetype\":\"DELETE\"}]}"
    else
        api PATCH "{\"rrsets\":[{\"name\":\"$1.\",\"type\":\"$2\",\"changetype\":\"REPLACE\",\"ttl\":$4,\"records\":[{\"content\":\"$5\",\"disabled\":false}]}]}"
    fi
}
cleanup() {
    docker_cleanup "$ta" "$tb"
    for n in "$host" "$other"; do
        for ty in A AAAA CNAME; do rrset "$n" "$ty" DELETE >/dev/null 2>&1; done
        rrset "wissel-owner.$n" TXT DELETE >/dev/null 2>&1
    done
    rm -rf "$work"
}
trap cleanup EXIT
repo=$work/repo st=$work/state
mkdir -p "$repo"
dig() { dig_at "$PDNS_DNS_SERVER" "$PDNS_DNS_PORT" "$@"; }
targets() { # key file
    docker_targets "$ta" "$tb" 21200
    cat <<EOF
apiVersion: wissel.dev/v1
kind: Target
metadata: {name: $tp}
spec:
  provider: powerdns
  jurisdiction: NL
  powerdns:
    url: $PDNS_API_URL
    zone: $PDNS_ZONE
    apiKeyFrom: {file: $1}
EOF
}
app() { dns_app "$1" "$2" "$3" "$tp"; }
targets "$PDNS_API_KEY_FILE" >"$repo/targets.yaml"
web_score "$repo/web.score.yaml"
app portal "$host" "{primary: $ta}" >"$repo/app.yaml"
all=""

run_wissel plan --state "$st" "$repo"; all="$all$OUT$ERR"
check "plan shows the route host's A record at the powerdns target" \
    bash -c '[ "$1" = 0 ] && grep -q "portal @ $4 (powerdns)" <<<"$2" && grep -q "+ create  A/$3" <<<"$2"' _ "$RC" "$OUT" "$host" "$tp"
run_wissel apply -y --timeout 2m --state "$st" "$repo"; all="$all$OUT$ERR"
[ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "apply points the route host at the primary's address" [ "$(dig "$host")" = 127.0.30.1 ]
check "... with the TTL of the manifest" \
    bash -c '"$1" @"$2" -p "$3" +noall +answer "$4" A | awk "{print \$2}" | grep -qx 30' _ "$KDIG" "$PDNS_DNS_SERVER" "$PDNS_DNS_PORT" "$host"
check "... and the owner record beside it" \
    [ "$(dig "wissel-owner.$host" TXT)" = "\"heritage=wissel,wissel.dev/app=portal,wissel.dev/target=$tp\"" ]
run_wissel plan --detailed-exitcode --state "$st" "$repo"; all="$all$OUT$ERR"
check "a second plan has nothing to do" [ "$RC" = 0 ]

app portal "$host" "{primary: $ta, standby: [$tb], mode: active-active}" >"$repo/app.yaml"
run_wissel apply -y --timeout 2m --state "$st" "$repo"; all="$all$OUT$ERR"
[ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "active-active publishes every placement's address" [ "$(dig "$host")" = "127.0.30.1 127.0.30.2" ]
app portal "$host" "{primary: $tb}" >"$repo/app.yaml"
run_wissel apply -y --timeout 2m --state "$st" -t "$tp" "$repo"; all="$all$OUT$ERR"
[ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "a new primary in the manifests moves the record" [ "$(dig "$host")" = 127.0.30.2 ]
check "... and the owner record stays" \
    [ "$(dig "wissel-owner.$host" TXT)" = "\"heritage=wissel,wissel.dev/app=portal,wissel.dev/target=$tp\"" ]

rrset "$host" A REPLACE 30 192.0.2.99 >/dev/null
run_wissel plan --state "$st" -t "$tp" "$repo"; all="$all$OUT$ERR"
check "a hand edit (through the API) shows as an update" bash -c 'grep -q "~ update  A/$1" <<<"$2"' _ "$host" "$OUT"
run_wissel apply -y --state "$st" -t "$tp" "$repo"; all="$all$OUT$ERR"
check "... and apply undoes it" [ "$(dig "$host")" = 127.0.30.2 ]

rrset "$other" A REPLACE 60 192.0.2.7 >/dev/null
app other "$other" "{primary: $tb}" >"$repo/other.yaml"
run_wissel apply -y --state "$st" -a other -t "$tp" "$repo"; all="$all$OUT$ERR"
check "a name wissel does not own is refused, naming it" \
    bash -c '[ "$1" != 0 ] && grep -q "A/$2 exists and is not managed by wissel" <<<"$3"' _ "$RC" "$other" "$OUT$ERR"
check "... and left as it was, with no owner record" \
    [ "$(dig "$other")|$(dig "wissel-owner.$other" TXT)" = "192.0.2.7|" ]
rrset "wissel-owner.$other" TXT REPLACE 60 '\"heritage=wissel,wissel.dev/app=someone,wissel.dev/target=elsewhere\"' >/dev/null
run_wissel apply -y --force-conflicts --state "$st" -a other -t "$tp" "$repo"; all="$all$OUT$ERR"
grep -m1 "changed since observed" <<<"$OUT$ERR" | sed "s/^ */# /"
check "a name another owner record claims is refused even with --force-conflicts" \
    bash -c '[ "$1" != 0 ] && grep -q "changed since observed / not wissel.s" <<<"$2" && grep -q "nothing changed" <<<"$2"' _ "$RC" "$OUT$ERR"
check "... and left as it was" \
    [ "$(dig "$other")|$(dig "wissel-owner.$other" TXT)" = "192.0.2.7|\"heritage=wissel,wissel.dev/app=someone,wissel.dev/target=elsewhere\"" ]
rrset "wissel-owner.$other" TXT DELETE >/dev/null
run_wissel apply -y --force-conflicts --state "$st" -a other -t "$tp" "$repo"; all="$all$OUT$ERR"
check "a name without owner record is taken over with --force-conflicts, owner record and all" \
    [ "$RC|$(dig "$other")|$(dig "wissel-owner.$other" TXT)" = "0|127.0.30.2|\"heritage=wissel,wissel.dev/app=other,wissel.dev/target=$tp\"" ]
rm "$repo/other.yaml"

printf 'wrong-key-%s-that-pdns-refuses\n' "$$" >"$work/wrong.key"
targets "$work/wrong.key" >"$repo/targets.yaml"
app portal "$host" "{primary: $ta}" >"$repo/app.yaml"
run_wissel apply -y --state "$st" -t "$tp" "$repo"; all="$all$OUT$ERR"
check "an API key PowerDNS refuses: a clear error naming the API, zone and host" \
    bash -c '[ "$1" != 0 ] && grep -q "401" <<<"$2" && grep -q "apiKeyFrom" <<<"$2" && grep -qF "$3" <<<"$2" && grep -qF "$4" <<<"$2" && grep -qF "$5" <<<"$2"' \
    _ "$RC" "$OUT$ERR" "$PDNS_API_URL" "$PDNS_ZONE" "$host"
grep -m1 "HTTP 401" <<<"$OUT$ERR" | sed 's/^ */# /'
check "... and nothing changed" [ "$(dig "$host")" = 127.0.30.2 ]
check "no API key in any output" \
    bash -c '! grep -qF "$(cat "$1")" <<<"$3" && ! grep -qF "$(cat "$2")" <<<"$3"' _ "$PDNS_API_KEY_FILE" "$work/wrong.key" "$all"
