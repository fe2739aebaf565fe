#!/usr/bin/env bash
# The RFC 2136 protocol layer (providers/rfc2136, driven by dns_update.c) against the Knot
# DNS server of tests/env, every result checked with kdig: an A record added on condition
# that none exists, replaced atomically, a failed prerequisite changing nothing; a wrong
# TSIG secret (BADSIG), an unknown key (BADKEY) and no key refused with clear errors and
# nothing changed; the ownership record: claimed, required, and a record without it (made
# by someone else) never changed through it; an update over 512 bytes (TCP) and a
# truncated UDP answer asked again over TCP. The TSIG secret appears in no output.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require dns
prog=$ROOT/build/asan/tests/integration/dns_update
[ -x "$prog" ] || { fail "$prog is not built (make test builds it)"; exit 1; }

work=$(mktemp -d)
umask 077
zone=$DNS_ZONE
server=$DNS_SERVER:$DNS_PORT
key=(key="$DNS_TSIG_NAME" alg="$DNS_TSIG_ALGORITHM" secret_file="$DNS_TSIG_SECRET_FILE")
tag=upd-$$
a=a-$tag.$zone b=b-$tag.$zone own=own-$tag.$zone foreign=foreign-$tag.$zone big=big-$tag.$zone
app=web-$$ target=tgt
all=$work/all-output # everything the program printed, searched for the secret at the end

# dns ARGS...: run the program against the server: its output in $OUT, status in $RC; the
# output and its log (stderr, debug level) are also kept in $all.
dns() {
    OUT=$("$prog" server="$server" zone="$zone" "$@" 2>"$work/log")
    RC=$?
    { printf '%s\n' "$OUT"; cat "$work/log"; } >>"$all"
}
signed() { dns "${key[@]}" "$@"; }
lookup() { # NAME TYPE: the data kdig sees, sorted, on one line
    "$KDIG" @"$DNS_SERVER" -p "$DNS_PORT" +time=2 +retry=1 +short "$1" "$2" | sort | tr '\n' ' ' |
        sed 's/ $//'
}
serial() { lookup "$zone" SOA | awk '{ print $3 }'; }
applied() { [ "$RC" = 0 ] && [ "$OUT" = ok ]; }
# refused CODE REGEX: exit 1, "error CODE: ..." matching REGEX, and a hint.
refused() {
    [ "$RC" = 1 ] && grep -qE -- "^error $1: .*$2" <<<"$OUT" && grep -q '^hint: .' <<<"$OUT"
}
names_all() { # the message names the server, the zone and the name
    grep -qF -- "DNS update of zone $zone at $server ($1" <<<"$OUT"
}
cleanup() {
    signed update "delset $a A" "delset $b A" "delset $own A" "release $own" \
        "delset $foreign A" "delset $big TXT" >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# --- create, replace, a failed prerequisite ---------------------------------------------
signed update "absent $a A" "add $a A 60 192.0.2.10"
check "an A record is added on condition that none exists ($OUT)" applied
check "kdig sees it: $(lookup "$a" A)" [ "$(lookup "$a" A)" = 192.0.2.10 ]
signed update "absent $a A" "add $a A 60 192.0.2.99"
check "the same create again is refused: YXRRSET, a conflict" refused conflict "YXRRSET.*nothing was changed"
check "the refusal names the server, the zone and the name" names_all "$a"
check "and the record is as it was: $(lookup "$a" A)" [ "$(lookup "$a" A)" = 192.0.2.10 ]

signed update "value $a A 192.0.2.10" "delset $a A" "add $a A 60 192.0.2.11"
check "replaced atomically: the old value required, the RRset deleted, the new one added" applied
check "kdig sees only the new value: $(lookup "$a" A)" [ "$(lookup "$a" A)" = 192.0.2.11 ]

before=$(serial)
signed update "value $a A 192.0.2.10" "delset $a A" "add $a A 60 192.0.2.12" "add $b A 60 192.0.2.13"
check "a prerequisite that no longer holds (the old value) is refused: NXRRSET" \
    refused conflict "NXRRSET.*It required: $a A 192.0.2.10 exists"
check "nothing of that update was applied ($a: $(lookup "$a" A); $b: $(lookup "$b" A))" \
    [ "$(lookup "$a" A)/$(lookup "$b" A)" = 192.0.2.11/ ]
check "the serial did not move ($before, now $(serial))" [ "$(serial)" = "$before" ]

# --- queries ----------------------------------------------------------------------------
signed query "$a" A
check "a signed query reads what kdig sees (its answer verified)" \
    bash -c '[ "$1" = 0 ] && grep -qx "$2 60 A 192.0.2.11" <<<"$3" && grep -q "^rcode NOERROR .* answers 1$" <<<"$3"' \
    _ "$RC" "$a" "$OUT"
dns query "$a" A
check "an unsigned query too" bash -c '[ "$1" = 0 ] && grep -qx "$2 60 A 192.0.2.11" <<<"$3"' _ "$RC" "$a" "$OUT"
signed tcp=1 query "$a" A
check "a query over TCP" bash -c '[ "$1" = 0 ] && grep -qx "$2 60 A 192.0.2.11" <<<"$3"' _ "$RC" "$a" "$OUT"
signed query "none-$tag.$zone" A
check "a name that does not exist: NXDOMAIN, no records, no error" \
    bash -c '[ "$1" = 0 ] && grep -q "^rcode NXDOMAIN .* answers 0$" <<<"$2"' _ "$RC" "$OUT"

# --- TSIG refused -----------------------------------------------------------------------
before=$(serial)
head -c 32 /dev/urandom | base64 >"$work/wrong.secret"
dns key="$DNS_TSIG_NAME" alg="$DNS_TSIG_ALGORITHM" secret_file="$work/wrong.secret" \
    update "add $a A 60 192.0.2.66"
check "a wrong secret is refused: BADSIG, with what to check" \
    refused auth "could not verify the request's signature with TSIG key $DNS_TSIG_NAME \(BADSIG\)"
check "the BADSIG error names the server, the zone and the name" names_all "$a"
dns key="other-key-$$" alg="$DNS_TSIG_ALGORITHM" secret_file="$DNS_TSIG_SECRET_FILE" \
    update "add $a A 60 192.0.2.67"
check "an unknown key name is refused: BADKEY" \
    refused auth "the server refused the TSIG key other-key-$$ \(BADKEY\)"
check "its hint: check the key name and algorithm" grep -q "^hint: .*check the key name and algorithm in the Target" <<<"$OUT"
dns update "add $a A 60 192.0.2.68"
check "an unsigned update is refused (NOTAUTH) with a hint to sign it" \
    bash -c 'grep -q "^error auth: .*(NOTAUTH)" <<<"$1" && grep -q "^hint: .*tsig key" <<<"$1"' _ "$OUT"
check "none of them changed anything ($a: $(lookup "$a" A), serial $before -> $(serial))" \
    [ "$(lookup "$a" A)/$(serial)" = "192.0.2.11/$before" ]

# --- ownership ----------------------------------------------------------------------------
signed update "absent $own A" "claim $own $app $target 60" "add $own A 60 192.0.2.20"
check "a name is claimed with its record in one update" applied
check "the ownership record is beside it: $(lookup "wissel-owner.$own" TXT)" \
    [ "$(lookup "wissel-owner.$own" TXT)" = "\"heritage=wissel,wissel.dev/app=$app,wissel.dev/target=$target\"" ]
signed update "owned $own $app $target" "delset $own A" "add $own A 60 192.0.2.21"
check "its owner changes it (ownership required in the same update)" applied
check "kdig: $(lookup "$own" A)" [ "$(lookup "$own" A)" = 192.0.2.21 ]
signed update "owned $own other-app $target" "delset $own A"
check "another application cannot change it" refused conflict "NXRRSET.*wissel-owner.$own TXT"
check "and it stays: $(lookup "$own" A)" [ "$(lookup "$own" A)" = 192.0.2.21 ]

signed update "add $foreign A 60 192.0.2.30" # someone else's record: no ownership record
signed update "owned $foreign $app $target" "delset $foreign A" "add $foreign A 60 192.0.2.31"
check "a record without an ownership record is never changed through it" refused conflict NXRRSET
signed update "absent $foreign A" "claim $foreign $app $target 60" "add $foreign A 60 192.0.2.32"
check "nor claimed while it has records" refused conflict YXRRSET
check "it is as its owner left it: $(lookup "$foreign" A), no ownership record: '$(lookup "wissel-owner.$foreign" TXT)'" \
    [ "$(lookup "$foreign" A)/$(lookup "wissel-owner.$foreign" TXT)" = 192.0.2.30/ ]

signed update "owned $own $app $target" "delset $own A" "release $own"
check "its owner deletes the record and releases the name" applied
check "both gone ($own: '$(lookup "$own" A)', owner: '$(lookup "wissel-owner.$own" TXT)')" \
    [ "$(lookup "$own" A)$(lookup "wissel-owner.$own" TXT)" = "" ]

# --- sizes: TCP -------------------------------------------------------------------------------
txt=$(printf 'x%.0s' $(seq 90))
adds=()
for i in 1 2 3 4 5 6 7 8; do adds+=("add $big TXT 60 record $i $txt"); done
signed update "${adds[@]}"
check "an update of more than 512 bytes (sent over TCP) is applied" applied
check "kdig sees its 8 records" [ "$("$KDIG" @"$DNS_SERVER" -p "$DNS_PORT" +tcp +short "$big" TXT | wc -l)" = 8 ]
signed query "$big" TXT
check "a truncated UDP answer is asked again over TCP: all 8 records ($(head -1 <<<"$OUT"))" \
    bash -c '[ "$1" = 0 ] && grep -q "^rcode NOERROR bytes [0-9]* answers 8$" <<<"$2" && [ "$(awk "NR==1 { print \$4 }" <<<"$2")" -gt 512 ]' \
    _ "$RC" "$OUT"

dns server="$DNS_SERVER:1" query "$a" A
check "a port where nothing answers is a network error" refused network "nothing answers"

# --- the secret ---------------------------------------------------------------------------------
if grep -qF -- "$(cat "$DNS_TSIG_SECRET_FILE")" "$all" || grep -qF -- "$(cat "$work/wrong.secret")" "$all"; then
    fail "a TSIG secret appears in the program's output"
else
    ok "no TSIG secret appears in any output ($(wc -l <"$all") lines)"
fi
echo "1..$_n"
