#!/usr/bin/env bash
# The docker driver's postgres and redis resources against the real engine: containers of
# their own with generated passwords that reach the application (a variable that is the
# password, and URLs that embed it) but never a plan, the journal or a rendered body, and
# that do not change on a second apply, nor when the database container is removed by
# hand (the data volume keeps the password with the data). The database images are a stand-in built here
# from busybox (pg_isready, redis-server and redis-cli that answer as the healthchecks
# expect): the wiring is under test, not PostgreSQL.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require docker
work=$(mktemp -d)
tgt="dock-db-$$"
cleanup() {
    docker ps -aq --filter "label=wissel.dev/target=$tgt" | xargs -r docker rm -f >/dev/null
    docker network ls -q --filter "label=wissel.dev/target=$tgt" | xargs -r docker network rm >/dev/null
    docker volume ls -q --filter "label=wissel.dev/target=$tgt" | xargs -r docker volume rm >/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# The stand-in: busybox (static) as /bin/sh and friends; the commands the driver's
# healthchecks and redis command call, as scripts.
if ! docker image inspect wissel-test/fakedb:1 >/dev/null 2>&1; then
    ctx=$work/img
    mkdir -p "$ctx"
    cp /bin/busybox "$ctx/busybox"
    printf '#!/bin/sh\nexit 0\n' >"$ctx/pg_isready"
    printf '#!/bin/sh\nexec sleep 100000\n' >"$ctx/redis-server"
    printf '#!/bin/sh\necho PONG\n' >"$ctx/redis-cli"
    chmod +x "$ctx"/*
    cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY pg_isready redis-server redis-cli /usr/local/bin/
ENV PATH=/usr/local/bin:/bin
LABEL wissel-test=1
CMD ["sleep", "100000"]
DOCKERFILE
    DOCKER_BUILDKIT=0 docker build -q -t wissel-test/fakedb:1 "$ctx" >"$work/build.log" 2>&1 ||
        { sed 's/^/# /' "$work/build.log"; fail "building the stand-in database image"; exit 1; }
fi

cp -r "$ROOT/tests/fixtures/docker-db" "$work/repo"
repo=$work/repo st=$work/state
sed -i "s|name: dock-db}|name: $tgt}|" "$repo/targets.yaml"
sed -i "s|primary: dock-db}|primary: $tgt}|" "$repo/app.yaml"

run_wissel apply -y --timeout 2m --state "$st" "$repo"
[ "$RC" = 0 ] || printf '# %s\n' "$OUT" "$ERR" | tail -8
check "apply creates the databases and the application, and they get ready" \
    bash -c '[ "$1" = 0 ] && grep -q "and ready" <<<"$2"' _ "$RC" "$OUT"
env_of() { docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$1" | sed -n "s/^$2=//p"; }
export -f env_of
db="$tgt-ledger-web-db" cache="$tgt-ledger-web-cache" web="$tgt-ledger-web-0"
pw=$(env_of "$db" POSTGRES_PASSWORD)
check "postgres got a generated password of 32 characters" bash -c '[[ "$1" =~ ^[A-Za-z0-9]{32}$ ]]' _ "$pw"
check "the application gets it as DB_PASSWORD" bash -c '[ "$(env_of "$1" DB_PASSWORD)" = "$2" ]' _ "$web" "$pw"
check "... and inside DATABASE_URL, with the other outputs" \
    bash -c '[ "$(env_of "$1" DATABASE_URL)" = "postgresql://ledger:$2@$3:5432/ledger" ]' _ "$web" "$pw" "$db"
rpw=$(env_of "$cache" REDIS_PASSWORD)
check "redis got a password of its own, in CACHE_URL" \
    bash -c '[[ "$1" =~ ^[A-Za-z0-9]{32}$ ]] && [ "$1" != "$2" ] && [ "$(env_of "$3" CACHE_URL)" = "redis://:$1@$4:6379/0" ]' \
    _ "$rpw" "$pw" "$web" "$cache"
check "the database keeps its data in a volume of its own" \
    bash -c 'docker inspect --format "{{range .Mounts}}{{.Name}} {{end}}" "$1" | grep -q "$1-data"' _ "$db"
run_wissel plan --detailed-exitcode --state "$st" "$repo"
check "a second plan has no changes" bash -c '[ "$1" = 0 ]' _ "$RC"
check "no password in the plan, the journal or the rendered labels" \
    bash -c '! grep -q -e "$1" -e "$2" <<<"$3" && ! grep -rq -e "$1" -e "$2" "$4" &&
             ! docker inspect --format "{{json .Config.Labels}}" "$5" | grep -q -e "$1" -e "$2"' \
    _ "$pw" "$rpw" "$OUT$ERR" "$st" "$web"
sed -i 's|image: wissel-test/web:1|image: wissel-test/web:2|' "$repo/web.score.yaml"
run_wissel apply -y --timeout 2m --state "$st" "$repo"
check "replacing the application keeps the passwords" \
    bash -c '[ "$1" = 0 ] && [ "$(env_of "$2" DB_PASSWORD)" = "$3" ] && [ "$(env_of "$4" POSTGRES_PASSWORD)" = "$3" ]' \
    _ "$RC" "$web" "$pw" "$db"
docker rm -f "$db" >/dev/null
run_wissel apply -y --timeout 2m --state "$st" "$repo"
check "a database container removed by hand comes back with the password its data volume keeps" \
    bash -c '[ "$1" = 0 ] && [ "$(env_of "$2" POSTGRES_PASSWORD)" = "$3" ]' _ "$RC" "$db" "$pw"
check "the volume keeps it in its labels, and the plan still shows none" \
    bash -c 'docker volume inspect --format "{{json .Labels}}" "$1-data" | grep -q "$2" &&
             ! grep -q "$2" <<<"$3"' _ "$db" "$pw" "$OUT$ERR"
echo "1..$_n"
