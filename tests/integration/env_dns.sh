#!/usr/bin/env bash
# The dns component (tests/env/components/dns.sh): Knot DNS answers for $DNS_ZONE on
# $DNS_SERVER@$DNS_PORT; an RFC 2136 update signed with the TSIG key is applied (visible
# through kdig, SOA serial up), one signed with a wrong secret, an unknown key or no key is
# refused and changes nothing. The secret stays in its 0600 file.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require dns

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
umask 077
name=env-test-$$.$DNS_ZONE

# Key files for knsupdate -k (ALGORITHM:NAME:SECRET), so no secret is on a command line.
printf '%s:%s:%s\n' "$DNS_TSIG_ALGORITHM" "$DNS_TSIG_NAME" "$(cat "$DNS_TSIG_SECRET_FILE")" >"$tmp/good.key"
printf '%s:%s:%s\n' "$DNS_TSIG_ALGORITHM" "$DNS_TSIG_NAME" "$(head -c 32 /dev/urandom | base64)" >"$tmp/wrong-secret.key"
printf '%s:%s:%s\n' "$DNS_TSIG_ALGORITHM" other-key "$(head -c 32 /dev/urandom | base64)" >"$tmp/unknown.key"

# update ACTION RECORD [knsupdate options]: send one update; the output in $OUT, status in $RC.
update() {
    local action=$1 record=$2
    shift 2
    OUT=$(printf 'server %s %s\nzone %s\nupdate %s %s\nsend\n' \
        "$DNS_SERVER" "$DNS_PORT" "$DNS_ZONE" "$action" "$record" |
        knsupdate -t 5 -r 0 "$@" 2>&1)
    RC=$?
}
lookup() { # NAME TYPE: the answer's data, one per line
    "$KDIG" @"$DNS_SERVER" -p "$DNS_PORT" +time=2 +retry=1 +short "$1" "$2"
}
serial() { lookup "$DNS_ZONE" SOA | awk '{ print $3 }'; }
# refused: the update failed and the server said so (Knot answers NOTAUTH with the TSIG
# error BADSIG/BADKEY for a bad signature, NOTAUTH or REFUSED when the ACL denies it).
refused() { [ "$RC" != 0 ] && grep -qE 'REFUSED|NOTAUTH|BADSIG|BADKEY' <<<"$OUT"; }

check "the zone has its test records (www A: $(lookup "www.$DNS_ZONE" A))" \
    [ "$(lookup "www.$DNS_ZONE" A)" = 127.0.30.1 ]
mode=$(stat -c %a "$DNS_TSIG_SECRET_FILE")
check "the TSIG secret file is mode 600 (is $mode)" [ "$mode" = 600 ]
if grep -rqF "$(cat "$DNS_TSIG_SECRET_FILE")" "$ENV_DIR/env" "$LOG_DIR"; then
    fail "the TSIG secret appears in the env file or a log"
else
    ok "the TSIG secret appears in neither the env file nor the logs"
fi

before=$(serial)
update add "$name 60 A 192.0.2.44" -k "$tmp/good.key"
check "an update signed with the key succeeds (knsupdate exit $RC)" [ "$RC" = 0 ]
check "kdig shows the new record: $(lookup "$name" A)" [ "$(lookup "$name" A)" = 192.0.2.44 ]
after=$(serial)
check "the SOA serial increased ($before -> $after)" [ "${after:-0}" -gt "${before:-0}" ]

update add "$name 60 A 192.0.2.45" -k "$tmp/wrong-secret.key"
check "an update signed with a wrong secret is refused ($(grep -oE 'status: [A-Z]+' <<<"$OUT"))" refused
update add "$name 60 A 192.0.2.46" -k "$tmp/unknown.key"
check "an update signed with an unknown key is refused ($(grep -oE 'status: [A-Z]+' <<<"$OUT"))" refused
update add "$name 60 A 192.0.2.47"
check "an unsigned update is refused ($(grep -oE 'status: [A-Z]+' <<<"$OUT"))" refused
check "none of the refused updates is visible ($name A: $(lookup "$name" A | tr '\n' ' '))" \
    [ "$(lookup "$name" A)" = 192.0.2.44 ]
check "the refused updates left the serial at $after (now $(serial))" [ "$(serial)" = "$after" ]

update delete "$name A" -k "$tmp/good.key"
check "a signed update deletes the record again (knsupdate: $RC)" [ "$RC" = 0 ]
check "the record is gone ($name A: $(lookup "$name" A))" [ -z "$(lookup "$name" A)" ]
