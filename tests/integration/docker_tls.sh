#!/usr/bin/env bash
# The docker driver over TCP with TLS client certificates, as a Docker Engine on a VM is
# reached: socat terminates TLS on 127.0.30.1 (server certificate of a CA of this test,
# client certificates required) in front of this machine's engine socket. wissel applies
# through it with the Target's tls files, and through DOCKER_HOST/DOCKER_CERT_PATH/
# DOCKER_TLS_VERIFY as the docker CLI reads them; a client without a certificate and a
# wrong CA are clear errors.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require docker
command -v socat >/dev/null || { fail "socat is missing (apt-get install socat; tools/deps env)"; exit 1; }
work=$(mktemp -d)
tgt="dock-tls-$$"
pki=$work/pki
cleanup() {
    [ -n "${proxy:-}" ] && kill "$proxy" 2>/dev/null
    docker ps -aq --filter "label=wissel.dev/target=$tgt" | xargs -r docker rm -f >/dev/null
    docker network ls -q --filter "label=wissel.dev/target=$tgt" | xargs -r docker network rm >/dev/null
    docker volume ls -q --filter "label=wissel.dev/target=$tgt" | xargs -r docker volume rm >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$pki" "$work/other"
cert() { # NAME SUBJECT EXT CA-DIR
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$2" \
        -keyout "$pki/$1-key.pem" -out "$pki/$1.csr" 2>/dev/null &&
        openssl x509 -req -in "$pki/$1.csr" -CA "$4/ca.pem" -CAkey "$4/ca-key.pem" \
            -CAcreateserial -days 2 -extfile <(printf '%s\n' "$3") -out "$pki/$1.pem" 2>/dev/null
}
for d in "$pki" "$work/other"; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=wissel test docker CA" -keyout "$d/ca-key.pem" -out "$d/ca.pem" 2>/dev/null
done
cert server "/CN=docker" "subjectAltName=IP:127.0.30.1" "$pki" &&
    cert client "/CN=wissel" "extendedKeyUsage=clientAuth" "$pki"
check "certificates made" test -s "$pki/client.pem"

sock=$(sed -n 's|^unix://||p' <<<"$DOCKER_HOST_TEST")
port=$((21000 + $$ % 500))
socat "OPENSSL-LISTEN:$port,bind=127.0.30.1,reuseaddr,fork,cert=$pki/server.pem,key=$pki/server-key.pem,cafile=$pki/ca.pem,verify=1" \
    "UNIX-CONNECT:${sock:-/var/run/docker.sock}" 2>"$work/socat.log" &
proxy=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.30.1/$port) 2>/dev/null && break; sleep 0.1; done

cp -r "$ROOT/tests/fixtures/docker" "$work/repo"
repo=$work/repo
sed -i "s|name: dock-a}|name: $tgt}|; s|    ports: \"20400-20449\"|    host: tcp://127.0.30.1:$port\n    tls: {ca: $pki/ca.pem, cert: $pki/client.pem, key: $pki/client-key.pem}\n    ports: \"20750-20799\"|" \
    "$repo/targets.yaml"
sed -i "s|primary: dock-a}|primary: $tgt}|" "$repo/app.yaml"
run_wissel apply -y --timeout 2m --state "$work/state" "$repo"
[ "$RC" = 0 ] || printf '# %s\n' "$OUT" "$ERR" | tail -6
check "apply over TCP with the Target's TLS client certificate works" \
    bash -c '[ "$1" = 0 ] && grep -q "and ready" <<<"$2" && [ -n "$(docker ps -q --filter label=wissel.dev/target=$3)" ]' \
    _ "$RC" "$OUT" "$tgt"

# The docker CLI's variables instead of the Target's fields.
mkdir -p "$work/certs" && cp "$pki/ca.pem" "$work/certs/ca.pem" && cp "$pki/client.pem" "$work/certs/cert.pem" &&
    cp "$pki/client-key.pem" "$work/certs/key.pem"
sed -i '/    host: tcp/d; /    tls: {ca/d' "$repo/targets.yaml"
DOCKER_HOST=tcp://127.0.30.1:$port DOCKER_CERT_PATH=$work/certs DOCKER_TLS_VERIFY=1 \
    run_wissel plan --detailed-exitcode --state "$work/state" "$repo"
check "DOCKER_HOST, DOCKER_CERT_PATH and DOCKER_TLS_VERIFY reach the same engine (no changes)" \
    bash -c '[ "$1" = 0 ]' _ "$RC"

rm "$work/certs/cert.pem" "$work/certs/key.pem"
DOCKER_HOST=tcp://127.0.30.1:$port DOCKER_CERT_PATH=$work/certs DOCKER_TLS_VERIFY=1 \
    run_wissel plan --state "$work/state" "$repo"
check "without a client certificate the engine refuses, and the error says where" \
    bash -c '[ "$1" = 1 ] && grep -q "127.0.30.1:$2" <<<"$3"' _ "$RC" "$port" "$OUT$ERR"
cp "$work/other/ca.pem" "$work/certs/ca.pem" && cp "$pki/client.pem" "$work/certs/cert.pem" &&
    cp "$pki/client-key.pem" "$work/certs/key.pem"
DOCKER_HOST=tcp://127.0.30.1:$port DOCKER_CERT_PATH=$work/certs DOCKER_TLS_VERIFY=1 \
    run_wissel plan --state "$work/state" "$repo"
check "an engine whose certificate another CA signed is refused (TLS verified)" \
    bash -c '[ "$1" = 1 ] && grep -qi "certificate\|tls\|ssl" <<<"$2"' _ "$RC" "$OUT$ERR"
echo "1..$_n"
