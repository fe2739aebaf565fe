# tests/env/components/docker.sh — the Docker Engine of this machine and the test images.
#
# The engine is not ours to start: we only check that it answers. What we make are two
# images built locally FROM scratch (no registry is reachable): wissel-test/web:1 and :2,
# our own static HTTP server examples/quickstart/web/web.c (GET /healthz, POST /fail, /recover,
# HEALTHCHECK via `web --probe`). The binaries are cached in $CACHE_DIR/web/KEY/, KEY being
# a hash of web.c and of how it is built; the images carry that key in a label, so editing
# web.c rebuilds them and an unchanged tree reuses them. Images carry the label
# wissel-test=1, which their containers inherit: docker_down removes every container with
# it (the images stay, they are the cache). Test containers publish on 127.0.30.1 only.
# See docs/testing-docker.md.

DOCKER_TEST_ADDR=127.0.30.1
DOCKER_WEB_SRC=$ROOT/examples/quickstart/web/web.c
DOCKER_WEB_CFLAGS="-std=c17 -D_GNU_SOURCE -O2 -static -s -Wall -Wextra -Werror"
DOCKER_WEB_VERSIONS="1 2"

# The Dockerfile of both images; the binary is copied in as ./web.
_docker_dockerfile() {
    cat <<'EOF'
FROM scratch
COPY web /web
EXPOSE 8080
HEALTHCHECK --interval=1s --timeout=2s --start-period=10s --retries=2 CMD ["/web", "--probe"]
ENTRYPOINT ["/web"]
EOF
}

# _docker_key: what the images are built from (source, flags, compiler, Dockerfile).
_docker_key() {
    { cat "$DOCKER_WEB_SRC"; echo "$DOCKER_WEB_CFLAGS"; gcc -dumpfullversion; _docker_dockerfile; } |
        sha256sum | cut -c1-16
}

# _docker_engine: the server version, when the engine answers within 20 s.
_docker_engine() {
    timeout 20 docker version --format '{{.Server.Version}}'
}

# _docker_image_ok TAG KEY: the image exists and was built from KEY.
_docker_image_ok() {
    [ "$(timeout 20 docker image inspect --format '{{index .Config.Labels "wissel-test.key"}}' \
        "$1" 2>/dev/null)" = "$2" ]
}

docker_status() {
    local engine key v size
    engine=$(_docker_engine 2>&1) || { echo "the Docker Engine does not answer: ${engine//$'\n'/ }"; return 1; }
    key=$(_docker_key)
    for v in $DOCKER_WEB_VERSIONS; do
        _docker_image_ok "wissel-test/web:$v" "$key" ||
            { echo "engine $engine; image wissel-test/web:$v missing or out of date"; return 1; }
    done
    size=$(docker image inspect --format '{{.Size}}' wissel-test/web:1)
    echo "engine $engine; images wissel-test/web:{${DOCKER_WEB_VERSIONS// /,}} ($((size / 1024)) KB, key $key)"
}

_docker_env() {
    local host
    host=$(docker context inspect --format '{{.Endpoints.docker.Host}}' 2>/dev/null)
    env_set DOCKER_HOST_TEST "${host:-${DOCKER_HOST:-unix:///var/run/docker.sock}}"
    env_set DOCKER_TEST_ADDR "$DOCKER_TEST_ADDR"
    env_set TEST_IMAGE_1 wissel-test/web:1
    env_set TEST_IMAGE_2 wissel-test/web:2
}

# _docker_build VERSION KEY: compile web.c for VERSION (cached) and build its image.
_docker_build() {
    local v=$1 key=$2 bin=$CACHE_DIR/web/$2/web-$1 ctx rc=0
    mkdir -p "$CACHE_DIR/web/$key"
    if [ ! -x "$bin" ]; then
        say "compiling web.c for wissel-test/web:$v into $bin"
        # shellcheck disable=SC2086
        gcc $DOCKER_WEB_CFLAGS -DVERSION="\"$v\"" -o "$bin.tmp" "$DOCKER_WEB_SRC" \
            >>"$LOG_DIR/docker.log" 2>&1 || { say "gcc failed on $DOCKER_WEB_SRC"; return 1; }
        mv "$bin.tmp" "$bin"
    fi
    ctx=$(mktemp -d)
    cp "$bin" "$ctx/web"
    _docker_dockerfile >"$ctx/Dockerfile"
    say "building wissel-test/web:$v"
    # The engine (20.10) has BuildKit but the client has no buildx: the classic builder.
    DOCKER_BUILDKIT=0 timeout 300 docker build --label wissel-test=1 --label "wissel-test.key=$key" \
        -t "wissel-test/web:$v" "$ctx" >>"$LOG_DIR/docker.log" 2>&1 || rc=1
    rm -rf "$ctx"
    [ $rc = 0 ] || say "docker build of wissel-test/web:$v failed"
    return $rc
}

docker_up() {
    local engine key v
    if docker_status >/dev/null 2>&1; then
        _docker_env
        return 0
    fi
    if ! engine=$(_docker_engine 2>&1); then
        say "the Docker Engine does not answer (docker version): ${engine//$'\n'/ }"
        return 1
    fi
    key=$(_docker_key)
    for v in $DOCKER_WEB_VERSIONS; do
        _docker_image_ok "wissel-test/web:$v" "$key" && continue
        _docker_build "$v" "$key" || { show_logs docker; return 1; }
    done
    # The images these replaced, now untagged.
    timeout 60 docker image prune -f --filter label=wissel-test=1 >>"$LOG_DIR/docker.log" 2>&1
    # Ready means what the tests check first: the images exist with the right key.
    if ! docker_status >&2; then
        show_logs docker
        return 1
    fi
    _docker_env
}

docker_down() {
    local ids
    _docker_engine >/dev/null 2>&1 || return 0 # no engine, no container of ours
    ids=$(docker ps -aq --filter label=wissel-test=1)
    [ -z "$ids" ] && return 0
    say "removing test containers: $(echo "$ids" | tr '\n' ' ')"
    # shellcheck disable=SC2086
    timeout 60 docker rm -f $ids >/dev/null
}
