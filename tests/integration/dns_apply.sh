#!/usr/bin/env bash
# The rfc2136 driver through the CLI, against tests/env's Knot (TSIG) and Docker: an
# application's route host points at its placement's address; a change of placement in
# the manifests moves the record (atomically: one signed update); active-active publishes
# every placement; a hand edit is drift and undone; a name wissel does not own is never
# changed; a TSIG secret the server refuses gives a clear error and changes nothing.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
. "$(dirname "$0")/dns_lib.sh"
env_require dns
env_require docker
work=$(mktemp -d)
ta="dnsa-$$" tb="dnsb-$$" host="portal-$$.wissel.test" other="other-$$.wissel.test"
cleanup() { docker_cleanup "$ta" "$tb"; rm -rf "$work"; }
trap cleanup EXIT
repo=$work/repo st=$work/state
mkdir -p "$repo"
umask 077
printf '%s:%s:%s\n' "$DNS_TSIG_ALGORITHM" "$DNS_TSIG_NAME" "$(cat "$DNS_TSIG_SECRET_FILE")" >"$work/knsupdate.key"
nsupdate() { # lines of knsupdate commands
    { printf 'server %s %s\nzone %s\n' "$DNS_SERVER" "$DNS_PORT" "$DNS_ZONE"; cat; printf 'send\n'; } |
        knsupdate -k "$work/knsupdate.key"
}
dig() { dig_at "$DNS_SERVER" "$DNS_PORT" "$@"; }
targets() { # secret file
    docker_targets "$ta" "$tb" 21100
    knot_target "$1"
}
app() { dns_app "$1" "$2" "$3" knot; }
targets "$DNS_TSIG_SECRET_FILE" >"$repo/targets.yaml"
web_score "$repo/web.score.yaml"
app portal "$host" "{primary: $ta}" >"$repo/app.yaml"

run_wissel plan --state "$st" "$repo"
check "plan shows the route host's A record at the DNS target" \
    bash -c '[ "$1" = 0 ] && grep -q "portal @ knot (rfc2136)" <<<"$2" && grep -q "+ create  A/$3" <<<"$2"' _ "$RC" "$OUT" "$host"
run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "apply points the route host at the primary's address" [ "$(dig "$host")" = 127.0.30.1 ]
check "... with the TTL of the manifest" \
    bash -c '"$1" @"$2" -p "$3" +noall +answer "$4" A | awk "{print \$2}" | grep -qx 30' _ "$KDIG" "$DNS_SERVER" "$DNS_PORT" "$host"
check "... and the owner record beside it" \
    [ "$(dig "wissel-owner.$host" TXT)" = "\"heritage=wissel,wissel.dev/app=portal,wissel.dev/target=knot\"" ]
run_wissel plan --detailed-exitcode --state "$st" "$repo"
check "a second plan has nothing to do" [ "$RC" = 0 ]

app portal "$host" "{primary: $ta, standby: [$tb], mode: active-active}" >"$repo/app.yaml"
run_wissel apply -y --timeout 2m --state "$st" "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "active-active publishes every placement's address" [ "$(dig "$host")" = "127.0.30.1 127.0.30.2" ]
app portal "$host" "{primary: $tb}" >"$repo/app.yaml"
serial0=$(dig "$DNS_ZONE" SOA | awk '{print $3}')
run_wissel apply -y --timeout 2m --state "$st" -t knot "$repo"; [ "$RC" = 0 ] || printf "# %s\n" "$OUT" "$ERR" | tail -8
check "a new primary in the manifests moves the record" [ "$(dig "$host")" = 127.0.30.2 ]
check "... in one update (the zone's serial moved by one)" \
    [ "$(dig "$DNS_ZONE" SOA | awk '{print $3}')" = $((serial0 + 1)) ]

printf 'update delete %s A\nupdate add %s 30 A 192.0.2.99\n' "$host" "$host" | nsupdate
run_wissel plan --state "$st" -t knot "$repo"
check "a hand edit shows as an update" bash -c 'grep -q "~ update  A/$1" <<<"$2"' _ "$host" "$OUT"
run_wissel apply -y --state "$st" -t knot "$repo"
check "... and apply undoes it" [ "$(dig "$host")" = 127.0.30.2 ]

printf 'update add %s 60 A 192.0.2.7\n' "$other" | nsupdate
app other "$other" "{primary: $tb}" >"$repo/other.yaml"
run_wissel apply -y --state "$st" -a other -t knot "$repo"
check "a name wissel does not own is refused, naming it" \
    bash -c '[ "$1" != 0 ] && grep -q "A/$2 exists and is not managed by wissel" <<<"$3"' _ "$RC" "$other" "$OUT$ERR"
check "... and left as it was" [ "$(dig "$other")" = 192.0.2.7 ]
rm "$repo/other.yaml"

printf 'c2VjcmV0LXRoYXQtaXMtd3Jvbmc=\n' >"$work/wrong.secret"
targets "$work/wrong.secret" >"$repo/targets.yaml"
app portal "$host" "{primary: $ta}" >"$repo/app.yaml"
run_wissel apply -y --state "$st" -t knot "$repo"
check "a TSIG secret the server refuses: a clear error" \
    bash -c '[ "$1" != 0 ] && grep -Eqi "BADSIG|TSIG" <<<"$2"' _ "$RC" "$OUT$ERR"
check "... and nothing changed" [ "$(dig "$host")" = 127.0.30.2 ]
check "no secret in any output" \
    bash -c '! grep -qF "$(cat "$1")" <<<"$2" && ! grep -qF c2VjcmV0LXRoYXQtaXMtd3Jvbmc <<<"$2"' _ "$DNS_TSIG_SECRET_FILE" "$OUT$ERR"
