# tests/env/components/k8s.sh — two real Kubernetes control planes, cluster-a and cluster-b.
# shellcheck shell=bash
#
# Each cluster: its own etcd (Debian's etcd-server), kube-apiserver (TLS with a CA of its own,
# client-certificate and static-token authentication, RBAC), kube-controller-manager,
# kube-scheduler, and kwok, which turns Node objects annotated kwok.x-k8s.io/node=fake into
# fake nodes whose Pods become Running and Ready.
#
#   cluster-a  API https://127.0.20.1:6443   etcd http://127.0.20.2:2379  zones zone-a, zone-b, zone-c
#   cluster-b  API https://127.0.21.1:6443   etcd http://127.0.21.2:2379  zones zone-a, zone-b, zone-c
#
# The binaries are built from the Go modules pinned in tests/env/k8s/go.mod (kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl) and from sigs.k8s.io/kwok@$K8S_KWOK_VERSION,
# once, into $CACHE_DIR/k8s-<version>/bin and $CACHE_DIR/kwok-<version>/bin.
# State (certificates, etcd data, kubeconfigs) lives in $ENV_DIR/k8s; see docs/testing-k8s.md.

K8S_KWOK_VERSION=v0.6.1
K8S_CLUSTERS="cluster-a cluster-b"
K8S_DIR=$ENV_DIR/k8s
K8S_MODULE=$ROOT/tests/env/k8s

# The Kubernetes release pinned in the build module.
k8s_version() {
    sed -n 's/^require k8s\.io\/kubernetes \(v[0-9.]*\)$/\1/p' "$K8S_MODULE/go.mod"
}

k8s_bin() { echo "$CACHE_DIR/k8s-$(k8s_version)/bin"; }
k8s_kwok_bin() { echo "$CACHE_DIR/kwok-$K8S_KWOK_VERSION/bin"; }

# k8s_build: build what is missing from the cache (minutes the first time; nothing after).
k8s_build() {
    local version bin tmp minor b ldflags pkg missing=() pkgs=()
    version=$(k8s_version)
    [ -n "$version" ] || { say "no k8s.io/kubernetes version in $K8S_MODULE/go.mod"; return 1; }
    bin=$(k8s_bin)
    for b in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
        [ -x "$bin/$b" ] || { missing+=("$b"); pkgs+=("k8s.io/kubernetes/cmd/$b"); }
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "building Kubernetes $version: ${missing[*]} (the first build takes 10-20 minutes)"
        minor=${version#v1.}; minor=${minor%%.*}
        ldflags="-s -w"
        for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
            ldflags="$ldflags -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
            ldflags="$ldflags -X $pkg.gitTreeState=clean"
        done
        tmp=$CACHE_DIR/k8s-$version/tmp.$$
        mkdir -p "$tmp"
        if ! (cd "$K8S_MODULE" && CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" go build -trimpath \
            -ldflags "$ldflags" -o "$tmp/" "${pkgs[@]}"); then
            rm -rf "$tmp"
            say "building Kubernetes $version failed"
            return 1
        fi
        mkdir -p "$bin"
        for b in "${missing[@]}"; do mv "$tmp/$b" "$bin/$b"; done
        rm -rf "$tmp"
    fi
    bin=$(k8s_kwok_bin)
    if [ ! -x "$bin/kwok" ]; then
        say "building kwok $K8S_KWOK_VERSION"
        tmp=$CACHE_DIR/kwok-$K8S_KWOK_VERSION/tmp.$$
        mkdir -p "$tmp"
        if ! (cd "$tmp" && CGO_ENABLED=0 GOBIN=$tmp go install -trimpath -ldflags "-s -w" \
            "sigs.k8s.io/kwok/cmd/kwok@$K8S_KWOK_VERSION"); then
            rm -rf "$tmp"
            say "building kwok $K8S_KWOK_VERSION failed"
            return 1
        fi
        mkdir -p "$bin"
        mv "$tmp/kwok" "$bin/kwok"
        rm -rf "$tmp"
    fi
}

# k8s_net CLUSTER: the third octet of the cluster's addresses (20 for a, 21 for b).
k8s_net() {
    case $1 in cluster-a) echo 20 ;; cluster-b) echo 21 ;; *) return 1 ;; esac
}
k8s_api() { echo "https://127.0.$(k8s_net "$1").1:6443"; }
# k8s_name CLUSTER DAEMON: the name of a daemon for start_bg/stop_bg, e.g. k8s-a-apiserver.
k8s_name() { echo "k8s-${1#cluster-}-$2"; }
K8S_DAEMONS="etcd apiserver controller-manager scheduler kwok"

# k8s_cert DIR NAME SUBJECT CA [EXTENSIONS]: an ECDSA P-256 key and a certificate signed by DIR/CA
# (or self-signed CA certificate when CA is "self"), valid for ten years.
k8s_cert() {
    local dir=$1 name=$2 subj=$3 ca=$4 ext=${5:-}
    [ -s "$dir/$name.crt" ] && [ -s "$dir/$name.key" ] && return 0
    openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null |
        openssl pkcs8 -topk8 -nocrypt -out "$dir/$name.key" || return 1
    if [ "$ca" = self ]; then
        openssl req -x509 -new -key "$dir/$name.key" -subj "$subj" -days 3650 -sha256 \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/$name.crt" 2>/dev/null
    else
        openssl req -new -key "$dir/$name.key" -subj "$subj" 2>/dev/null |
            openssl x509 -req -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" -CAcreateserial \
                -days 3650 -sha256 -out "$dir/$name.crt" \
                -extfile <(printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n%s\n' "$ext") 2>/dev/null
    fi
}

# k8s_kubeconfig FILE CLUSTER CERT: a kubeconfig for the client certificate $K8S_DIR/CLUSTER/pki/CERT.crt.
k8s_kubeconfig() {
    local file=$1 c=$2 cert=$3 pki=$K8S_DIR/$2/pki
    [ -s "$file" ] && return 0
    cat >"$file" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: $c
  cluster:
    server: $(k8s_api "$c")
    certificate-authority: $pki/ca.crt
users:
- name: $cert
  user:
    client-certificate: $pki/$cert.crt
    client-key: $pki/$cert.key
contexts:
- name: $c
  context: {cluster: $c, user: $cert}
current-context: $c
KUBECONFIG
}

# k8s_prepare CLUSTER: certificates, token file and component kubeconfigs (kept across ups).
k8s_prepare() {
    local c=$1 n dir pki
    n=$(k8s_net "$c") dir=$K8S_DIR/$1 pki=$K8S_DIR/$1/pki
    mkdir -p "$pki" "$dir/etcd" && chmod 700 "$pki" "$dir/etcd" || return 1
    if ! { k8s_cert "$pki" ca "/CN=wissel-test-$c-ca" self &&
        k8s_cert "$pki" apiserver "/CN=kube-apiserver" ca "extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.$n.1,IP:10.$n.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local" &&
        k8s_cert "$pki" admin "/O=system:masters/CN=wissel-admin" ca "extendedKeyUsage=clientAuth" &&
        k8s_cert "$pki" controller-manager "/CN=system:kube-controller-manager" ca "extendedKeyUsage=clientAuth" &&
        k8s_cert "$pki" scheduler "/CN=system:kube-scheduler" ca "extendedKeyUsage=clientAuth" &&
        k8s_cert "$pki" kwok "/O=system:masters/CN=kwok-controller" ca "extendedKeyUsage=clientAuth" &&
        k8s_cert "$pki" front-proxy-ca "/CN=wissel-test-$c-front-proxy-ca" self &&
        k8s_cert "$pki" front-proxy-client "/CN=front-proxy-client" front-proxy-ca "extendedKeyUsage=clientAuth"; }; then
        say "$c: making certificates with openssl failed"
        return 1
    fi
    if [ ! -s "$pki/sa.key" ]; then
        if ! { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pki/sa.key" 2>/dev/null &&
            openssl pkey -in "$pki/sa.key" -pubout -out "$pki/sa.pub"; }; then
            say "$c: making the service-account key failed"
            return 1
        fi
    fi
    if [ ! -s "$pki/tokens.csv" ]; then
        # token,user,uid,"groups": the limited user of namespace team-a.
        printf '%s,wissel-limited,wissel-limited,"wissel:limited"\n' "$(openssl rand -hex 24)" \
            >"$pki/tokens.csv"
    fi
    k8s_kubeconfig "$dir/controller-manager.kubeconfig" "$c" controller-manager &&
        k8s_kubeconfig "$dir/scheduler.kubeconfig" "$c" scheduler &&
        k8s_kubeconfig "$dir/kwok.kubeconfig" "$c" kwok &&
        k8s_kubeconfig "$dir/admin.kubeconfig" "$c" admin
}

# k8s_launch CLUSTER DAEMON ADDRESS PORT CMD...: start one daemon unless it runs already;
# refuse when something else listens on its address (a leftover from an earlier run). kwok
# serves nothing: its PORT is "-".
k8s_launch() {
    local name addr=$3 port=$4
    name=$(k8s_name "$1" "$2"); shift 4
    is_running "$name" && return 0
    if [ "$port" != - ] && (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null; then
        say "k8s: $addr:$port is already in use by a process not started by tests/env (ss -ltnp)"
        return 1
    fi
    echo "=== $(date -u +%FT%TZ) tests/env starts $name" >>"$LOG_DIR/$name.log"
    start_bg "$name" "$@"
}

# k8s_wait SECONDS CLUSTER DAEMON WHAT CMD...: like wait_until, but gives up at once when the
# daemon has exited.
k8s_wait() {
    local secs=$1 name what=$4 end
    name=$(k8s_name "$2" "$3"); shift 4
    end=$(($(date +%s) + secs))
    until "$@" >/dev/null 2>&1; do
        is_running "$name" || { say "k8s: $name exited while waiting for $what"; return 1; }
        [ "$(date +%s)" -lt "$end" ] || { say "k8s: timed out after ${secs}s waiting for $what"; return 1; }
        sleep 0.2
    done
}

# k8s_start_etcd, k8s_start_apiserver, k8s_start_others CLUSTER: start the daemons of one
# cluster that do not run yet (k8s_up waits for each step on both clusters).
k8s_start_etcd() {
    local c=$1 n
    n=$(k8s_net "$c")
    k8s_launch "$c" etcd "127.0.$n.2" 2379 etcd --name "$c" --data-dir "$K8S_DIR/$c/etcd" \
        --listen-client-urls "http://127.0.$n.2:2379" --advertise-client-urls "http://127.0.$n.2:2379" \
        --listen-peer-urls "http://127.0.$n.2:2380" --initial-advertise-peer-urls "http://127.0.$n.2:2380" \
        --initial-cluster "$c=http://127.0.$n.2:2380" --initial-cluster-state new
}

k8s_start_apiserver() {
    local c=$1 n pki
    n=$(k8s_net "$c") pki=$K8S_DIR/$1/pki
    k8s_launch "$c" apiserver "127.0.$n.1" 6443 "$(k8s_bin)/kube-apiserver" \
        --etcd-servers "http://127.0.$n.2:2379" \
        --bind-address "127.0.$n.1" --advertise-address "127.0.$n.1" --secure-port 6443 \
        --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
        --client-ca-file "$pki/ca.crt" --token-auth-file "$pki/tokens.csv" \
        --requestheader-client-ca-file "$pki/front-proxy-ca.crt" \
        --requestheader-allowed-names front-proxy-client \
        --requestheader-username-headers X-Remote-User --requestheader-group-headers X-Remote-Group \
        --requestheader-extra-headers-prefix X-Remote-Extra- \
        --proxy-client-cert-file "$pki/front-proxy-client.crt" --proxy-client-key-file "$pki/front-proxy-client.key" \
        --authorization-mode Node,RBAC --anonymous-auth=false \
        --service-account-issuer "https://127.0.$n.1:6443" \
        --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
        --service-cluster-ip-range "10.$n.0.0/16" --endpoint-reconciler-type none \
        --allow-privileged=true --profiling=false --v=1
}

k8s_start_others() {
    local c=$1 n dir pki
    n=$(k8s_net "$c") dir=$K8S_DIR/$1 pki=$K8S_DIR/$1/pki
    k8s_launch "$c" controller-manager "127.0.$n.1" 10257 "$(k8s_bin)/kube-controller-manager" \
        --kubeconfig "$dir/controller-manager.kubeconfig" \
        --authentication-kubeconfig "$dir/controller-manager.kubeconfig" \
        --authorization-kubeconfig "$dir/controller-manager.kubeconfig" \
        --bind-address "127.0.$n.1" --secure-port 10257 --leader-elect=false \
        --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
        --use-service-account-credentials=true --cluster-name "$c" --profiling=false --v=1 \
        --enable-hostpath-provisioner \
        --controllers '*,-service-lb-controller,-cloud-node-lifecycle-controller' &&
    k8s_launch "$c" scheduler "127.0.$n.1" 10259 "$(k8s_bin)/kube-scheduler" \
        --kubeconfig "$dir/scheduler.kubeconfig" \
        --authentication-kubeconfig "$dir/scheduler.kubeconfig" \
        --authorization-kubeconfig "$dir/scheduler.kubeconfig" \
        --bind-address "127.0.$n.1" --secure-port 10259 --leader-elect=false \
        --profiling=false --v=1 &&
    k8s_launch "$c" kwok - - "$(k8s_kwok_bin)/kwok" --kubeconfig "$dir/kwok.kubeconfig" \
        --manage-all-nodes=false --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake \
        --node-lease-duration-seconds 40 \
        --cidr "10.1$n.0.0/16"
}

# k8s_readyz CLUSTER [PORT]: the API server (or with PORT, the controller-manager or the
# scheduler) answers its readiness check.
k8s_readyz() {
    local c=$1 port=${2:-6443} pki=$K8S_DIR/$1/pki
    if [ "$port" = 6443 ]; then
        curl -fsS --max-time 5 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
            "$(k8s_api "$c")/readyz"
    else
        curl -fsSk --max-time 5 "https://127.0.$(k8s_net "$c").1:$port/healthz"
    fi
}

# k8s_kubectl CLUSTER ARGS...: kubectl as the cluster's admin.
k8s_kubectl() {
    local c=$1; shift
    "$(k8s_bin)/kubectl" --kubeconfig "$K8S_DIR/$c/admin.kubeconfig" --request-timeout 10s "$@"
}

# k8s_objects CLUSTER: the objects every cluster starts with — three kwok nodes in three zones,
# the storage classes, namespace team-a and the Role of the limited user there.
k8s_objects() {
    local c=$1 n i zone
    n=$(k8s_net "$c")
    for i in 1 2 3; do
        zone=zone-$(echo _abc | cut -c$((i + 1)))
        cat <<NODE
apiVersion: v1
kind: Node
metadata:
  name: $c-node-$i
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    type: kwok
    kubernetes.io/hostname: $c-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    topology.kubernetes.io/region: test-region
    topology.kubernetes.io/zone: $zone
status:
  addresses:
  - {type: InternalIP, address: 10.1$n.255.$i}
  - {type: Hostname, address: $c-node-$i}
  allocatable: {cpu: "16", memory: 64Gi, pods: "110"}
  capacity: {cpu: "16", memory: 64Gi, pods: "110"}
---
NODE
    done
    # "standard" (the default): claims get a volume of the controller-manager's host-path
    # provisioner at once, ReadWriteOnce only. "shared": ReadWriteMany; nothing provisions
    # it, so a test that needs such a claim bound creates a PersistentVolume for it.
    cat <<STORAGE
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: shared
provisioner: kubernetes.io/no-provisioner
reclaimPolicy: Retain
volumeBindingMode: Immediate
---
STORAGE
    cat <<RBAC
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: wissel-limited
  namespace: team-a
rules:
- apiGroups: ["", apps, batch, autoscaling, policy, networking.k8s.io]
  resources: ["*"]
  verbs: ["*"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: wissel-limited
  namespace: team-a
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: wissel-limited
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: wissel-limited
RBAC
}

# k8s_nodes_ready CLUSTER: the three kwok nodes report Ready.
k8s_nodes_ready() {
    [ "$(k8s_kubectl "$1" get nodes -l type=kwok \
        -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
        grep -c '^True$')" -ge 3 ]
}

# k8s_write_kubeconfig: $K8S_DIR/kubeconfig, the one the tests use (certificates embedded).
k8s_write_kubeconfig() {
    local f=$K8S_DIR/kubeconfig c pki token
    {
        echo "apiVersion: v1"
        echo "kind: Config"
        echo "current-context: cluster-a"
        echo "clusters:"
        for c in $K8S_CLUSTERS; do
            printf -- '- name: %s\n  cluster:\n    server: %s\n    certificate-authority-data: %s\n' \
                "$c" "$(k8s_api "$c")" "$(base64 -w0 "$K8S_DIR/$c/pki/ca.crt")"
        done
        echo "users:"
        for c in $K8S_CLUSTERS; do
            pki=$K8S_DIR/$c/pki
            token=$(cut -d, -f1 "$pki/tokens.csv")
            printf -- '- name: %s-admin\n  user:\n    client-certificate-data: %s\n    client-key-data: %s\n' \
                "$c" "$(base64 -w0 "$pki/admin.crt")" "$(base64 -w0 "$pki/admin.key")"
            printf -- '- name: %s-limited\n  user:\n    token: %s\n' "$c" "$token"
        done
        echo "contexts:"
        for c in $K8S_CLUSTERS; do
            printf -- '- name: %s\n  context: {cluster: %s, user: %s-admin}\n' "$c" "$c" "$c"
            printf -- '- name: %s-limited\n  context: {cluster: %s, user: %s-limited, namespace: team-a}\n' \
                "$c" "$c" "$c"
        done
    } >"$f.tmp" && chmod 600 "$f.tmp" && mv "$f.tmp" "$f"
}

k8s_env() {
    local c C pki
    env_set KUBECONFIG_TEST "$K8S_DIR/kubeconfig"
    env_set K8S_VERSION "$(k8s_version)"
    env_set K8S_KWOK_VERSION "$K8S_KWOK_VERSION"
    env_set KUBECTL "$(k8s_bin)/kubectl"
    for c in $K8S_CLUSTERS; do
        C=$(echo "${c#cluster-}" | tr '[:lower:]' '[:upper:]') pki=$K8S_DIR/$c/pki
        env_set "K8S_${C}_SERVER" "$(k8s_api "$c")"
        env_set "K8S_${C}_CA" "$pki/ca.crt"
        env_set "K8S_${C}_ADMIN_CERT" "$pki/admin.crt"
        env_set "K8S_${C}_ADMIN_KEY" "$pki/admin.key"
        env_set "K8S_${C}_LIMITED_TOKEN" "$(cut -d, -f1 "$pki/tokens.csv")"
    done
}

# k8s_fail CLUSTER DAEMON WHAT: report, show the daemon's log, stop everything k8s_up started.
k8s_fail() {
    say "k8s: $3"
    show_logs "$(k8s_name "$1" "$2")"
    k8s_down
    return 1
}

# Against a cluster of one's own: WISSEL_TEST_KUBECONFIG names a kubeconfig with the
# contexts cluster-a and cluster-b (admin) and cluster-a-limited (a token user whose Role
# allows namespace team-a only); nothing is started, and kubectl comes from PATH.
k8s_external_up() {
    local kubectl
    kubectl=$(command -v kubectl || echo "$CACHE_DIR/k8s-$(k8s_version)/bin/kubectl")
    [ -x "$kubectl" ] || { echo "k8s: no kubectl on PATH for WISSEL_TEST_KUBECONFIG"; return 1; }
    "$kubectl" --kubeconfig "$WISSEL_TEST_KUBECONFIG" --context cluster-a version >/dev/null ||
        { echo "k8s: context cluster-a of $WISSEL_TEST_KUBECONFIG does not answer"; return 1; }
    env_set KUBECONFIG_TEST "$WISSEL_TEST_KUBECONFIG"
    env_set KUBECTL "$kubectl"
}

k8s_up() {
    local c n
    [ -n "${WISSEL_TEST_KUBECONFIG:-}" ] && { k8s_external_up; return; }
    if k8s_status >/dev/null 2>&1; then
        k8s_env
        return 0
    fi
    for n in etcd openssl curl go; do
        command -v "$n" >/dev/null || { say "k8s: $n is not installed"; return 1; }
    done
    k8s_build || return 1
    for c in $K8S_CLUSTERS; do
        k8s_prepare "$c" || return 1
    done
    # Both clusters start side by side: etcd, then the API servers, then the rest.
    for c in $K8S_CLUSTERS; do
        k8s_start_etcd "$c" || { k8s_fail "$c" etcd "etcd of $c could not start"; return 1; }
    done
    for c in $K8S_CLUSTERS; do
        n=$(k8s_net "$c")
        k8s_wait 20 "$c" etcd "$c etcd on 127.0.$n.2:2379" curl -fsS "http://127.0.$n.2:2379/health" ||
            { k8s_fail "$c" etcd "etcd of $c did not start"; return 1; }
    done
    for c in $K8S_CLUSTERS; do
        k8s_start_apiserver "$c" || { k8s_fail "$c" apiserver "kube-apiserver of $c could not start"; return 1; }
    done
    for c in $K8S_CLUSTERS; do
        k8s_wait 60 "$c" apiserver "$c kube-apiserver on $(k8s_api "$c")" k8s_readyz "$c" ||
            { k8s_fail "$c" apiserver "kube-apiserver of $c did not become ready"; return 1; }
    done
    for c in $K8S_CLUSTERS; do
        k8s_start_others "$c" || { k8s_fail "$c" apiserver "the daemons of $c could not start"; return 1; }
        k8s_objects "$c" | k8s_kubectl "$c" apply -f - >/dev/null ||
            { k8s_fail "$c" apiserver "creating the nodes and RBAC objects of $c failed"; return 1; }
    done
    for c in $K8S_CLUSTERS; do
        k8s_wait 30 "$c" controller-manager "$c kube-controller-manager" k8s_readyz "$c" 10257 ||
            { k8s_fail "$c" controller-manager "kube-controller-manager of $c did not start"; return 1; }
        k8s_wait 30 "$c" scheduler "$c kube-scheduler" k8s_readyz "$c" 10259 ||
            { k8s_fail "$c" scheduler "kube-scheduler of $c did not start"; return 1; }
        k8s_wait 30 "$c" kwok "the kwok nodes of $c to become Ready" k8s_nodes_ready "$c" ||
            { k8s_fail "$c" kwok "the kwok nodes of $c did not become Ready"; return 1; }
        k8s_wait 30 "$c" controller-manager "service account default/default in $c" \
            k8s_kubectl "$c" get serviceaccount default -n default ||
            { k8s_fail "$c" controller-manager "$c has no default service account"; return 1; }
    done
    k8s_write_kubeconfig || { say "k8s: writing $K8S_DIR/kubeconfig failed"; k8s_down; return 1; }
    k8s_env
}

k8s_down() {
    local c d order="kwok scheduler controller-manager apiserver etcd"
    [ -n "${WISSEL_TEST_KUBECONFIG:-}" ] && return 0 # not ours to stop
    for c in $K8S_CLUSTERS; do
        for d in $order; do stop_bg "$(k8s_name "$c" "$d")"; done
    done
    return 0
}

k8s_status() {
    local c d detail
    if [ -n "${WISSEL_TEST_KUBECONFIG:-}" ]; then
        echo "external: $WISSEL_TEST_KUBECONFIG"
        return 0
    fi
    detail="Kubernetes $(k8s_version), kwok $K8S_KWOK_VERSION:"
    for c in $K8S_CLUSTERS; do
        for d in $K8S_DAEMONS; do
            is_running "$(k8s_name "$c" "$d")" || { echo "$c: $d is not running"; return 1; }
        done
        k8s_readyz "$c" >/dev/null 2>&1 || { echo "$c: kube-apiserver is not ready"; return 1; }
        detail="$detail $c $(k8s_api "$c")"
    done
    [ -s "$K8S_DIR/kubeconfig" ] || { echo "no $K8S_DIR/kubeconfig"; return 1; }
    echo "$detail, kubeconfig $K8S_DIR/kubeconfig"
}
