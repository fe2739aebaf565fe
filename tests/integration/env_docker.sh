#!/usr/bin/env bash
# The docker component (tests/env/components/docker.sh): the test images are FROM scratch
# and small, answer on /healthz, switch to 503 on POST /fail and back on POST /recover,
# report their version, turn healthy/unhealthy through their HEALTHCHECK, and stop cleanly
# on SIGTERM. Containers publish on $DOCKER_TEST_ADDR only and are removed at the end.
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/env/lib.sh"
env_require docker

containers=()
tmp=$(mktemp -d)
cleanup() {
    [ ${#containers[@]} -gt 0 ] && docker rm -f "${containers[@]}" >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT

# http METHOD URL: the status in $CODE, the body in $BODY.
http() {
    CODE=$(curl -s -o "$tmp/body" -w '%{http_code}' --max-time 5 -X "$1" "$2")
    BODY=$(cat "$tmp/body" 2>/dev/null)
}

# run_web IMAGE: start a test container published on a free port of $DOCKER_TEST_ADDR;
# its id in $CID, its address in $ADDR (empty when it did not start).
run_web() {
    CID=$(docker run -d --label wissel-test=1 -p "$DOCKER_TEST_ADDR::8080" "$1") || { ADDR=; return 1; }
    containers+=("$CID")
    ADDR=$(docker port "$CID" 8080/tcp | head -n 1)
}

# health_is CID STATUS: the container's health (docker inspect) is STATUS.
health_is() {
    [ "$(docker inspect --format '{{.State.Health.Status}}' "$1")" = "$2" ]
}

# The images.
layers=$(docker image inspect --format '{{len .RootFS.Layers}}' "$TEST_IMAGE_1")
check "$TEST_IMAGE_1 has one layer (FROM scratch + the binary), has $layers" [ "$layers" = 1 ]
if docker run --rm --label wissel-test=1 --entrypoint /bin/sh "$TEST_IMAGE_1" -c true >/dev/null 2>&1; then
    fail "$TEST_IMAGE_1 has no shell, but /bin/sh ran"
else
    ok "$TEST_IMAGE_1 has no shell (docker run --entrypoint /bin/sh fails)"
fi
size=$(docker image inspect --format '{{.Size}}' "$TEST_IMAGE_1")
check "$TEST_IMAGE_1 is small: $((size / 1024)) KB (< 1536 KB)" [ "$size" -lt $((1536 * 1024)) ]
hc=$(docker image inspect --format '{{json .Config.Healthcheck.Test}}' "$TEST_IMAGE_1")
check "$TEST_IMAGE_1 has HEALTHCHECK /web --probe ($hc)" [ "$hc" = '["CMD","/web","--probe"]' ]

# Version 1: answers, switches, turns healthy and unhealthy.
run_web "$TEST_IMAGE_1"
check "a container of $TEST_IMAGE_1 publishes on $DOCKER_TEST_ADDR only ($ADDR)" \
    [ "${ADDR%:*}" = "$DOCKER_TEST_ADDR" ]
wait_until 15 "the web server of $CID" curl -sf --max-time 2 "http://$ADDR/healthz"
http GET "http://$ADDR/healthz"
check "GET /healthz answers 200 ok (got $CODE $BODY)" [ "$CODE $BODY" = "200 ok" ]
http GET "http://$ADDR/"
check "GET / names wissel-test/web:1 and the container's hostname (got $BODY)" \
    [ "$BODY" = "wissel-test/web:1 on ${CID:0:12}" ]
http GET "http://$ADDR/version"
check "GET /version answers 1 (got $CODE $BODY)" [ "$CODE $BODY" = "200 1" ]
check "the HEALTHCHECK makes the container healthy within 20 s" \
    wait_until 20 "healthy" health_is "$CID" healthy

http POST "http://$ADDR/fail"
check "POST /fail answers 200 (got $CODE)" [ "$CODE" = 200 ]
http GET "http://$ADDR/healthz"
check "after /fail, GET /healthz answers 503 (got $CODE $BODY)" [ "$CODE" = 503 ]
http GET "http://$ADDR/"
check "after /fail, GET / still answers 200 (got $CODE)" [ "$CODE" = 200 ]
check "after /fail, the HEALTHCHECK makes the container unhealthy within 20 s" \
    wait_until 20 "unhealthy" health_is "$CID" unhealthy

http POST "http://$ADDR/recover"
http GET "http://$ADDR/healthz"
check "after /recover, GET /healthz answers 200 again (got $CODE $BODY)" [ "$CODE" = 200 ]
check "after /recover, the container is healthy again within 20 s" \
    wait_until 20 "healthy" health_is "$CID" healthy

http GET "http://$ADDR/nothing-here"
check "an unknown path answers 404 (got $CODE)" [ "$CODE" = 404 ]

# SIGTERM (docker stop) ends the server at once with status 0, well before docker's KILL.
start=$(date +%s)
docker stop -t 20 "$CID" >/dev/null
took=$(($(date +%s) - start))
code=$(docker inspect --format '{{.State.ExitCode}}' "$CID")
check "docker stop (SIGTERM) ends it cleanly: exit status $code after ${took}s" \
    [ "$code $((took < 10))" = "0 1" ]

# Version 2.
run_web "$TEST_IMAGE_2"
wait_until 15 "the web server of $CID" curl -sf --max-time 2 "http://$ADDR/healthz"
http GET "http://$ADDR/"
check "GET / on $TEST_IMAGE_2 names wissel-test/web:2 (got $BODY)" \
    [ "$BODY" = "wissel-test/web:2 on ${CID:0:12}" ]
http GET "http://$ADDR/version"
check "GET /version on $TEST_IMAGE_2 answers 2 (got $BODY)" [ "$BODY" = 2 ]
