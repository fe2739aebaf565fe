# Sourced after lib.sh by the tests with Docker targets and DNS (dns_apply.sh,
# dns_powerdns.sh, drill.sh, serve_failover.sh, switch.sh, k8s_failover.sh) and by
# tests/bench/failover.sh: two Docker Targets at 127.0.30.1 and 127.0.30.2, the Knot
# Target, applications with a route and a DNS target, and the Docker cleanup.

# docker_targets A B FIRST_PORT: Targets A and B, 50 host ports each from FIRST_PORT.
docker_targets() {
    cat <<END
apiVersion: wissel.dev/v1
kind: Target
metadata: {name: $1}
spec:
  provider: docker
  jurisdiction: NL
  docker: {ports: $3-$(($3 + 49)), address: 127.0.30.1}
---
apiVersion: wissel.dev/v1
kind: Target
metadata: {name: $2}
spec:
  provider: docker
  jurisdiction: NL
  docker: {ports: $(($3 + 50))-$(($3 + 99)), address: 127.0.30.2}
---
END
}

# dns_app NAME HOST PLACEMENT DNS_TARGET: an Application serving web on HOST, published
# by DNS_TARGET with a TTL of 30 s.
dns_app() {
    printf 'apiVersion: wissel.dev/v1\nkind: Application\nmetadata: {name: %s}\nspec:\n  workloads: [web.score.yaml]\n  classification: internal\n  placement: %s\n  route: {host: %s, workload: web, port: http}\n  dns: {target: %s, ttl: 30}\n' "$1" "$3" "$2" "$4"
}

# web_score FILE: the Score workload the applications run.
web_score() {
    printf 'apiVersion: score.dev/v1b1\nmetadata: {name: web}\nservice: {ports: {http: {port: 80, targetPort: 8080}}}\ncontainers:\n  main: {image: wissel-test/web:1}\n' >"$1"
}

# docker_cleanup TARGET...: remove what wissel made on the Docker targets.
docker_cleanup() {
    local t ids
    for t in "$@"; do
        ids=$(docker ps -aq --filter "label=wissel.dev/target=$t")
        [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
        docker network ls -q --filter "label=wissel.dev/target=$t" | xargs -r docker network rm >/dev/null 2>&1
    done
}

# dig_at SERVER PORT NAME [TYPE]: the answers, sorted, on one line.
dig_at() { "$KDIG" @"$1" -p "$2" +short "$3" "${4:-A}" | sort | tr '\n' ' ' | sed 's/ $//'; }

# knot_target SECRET_FILE: the rfc2136 Target "knot" for tests/env's Knot.
knot_target() {
    cat <<END
apiVersion: wissel.dev/v1
kind: Target
metadata: {name: knot}
spec:
  provider: rfc2136
  jurisdiction: NL
  rfc2136:
    server: $DNS_SERVER:$DNS_PORT
    zone: $DNS_ZONE
    tsig: {name: $DNS_TSIG_NAME, algorithm: $DNS_TSIG_ALGORITHM, secretFrom: {file: $1}}
END
}

# failover_app NAME HOST PLACEMENT FAILOVER PORT: an Application serving web on HOST
# (its Score in NAME.score.yaml, the route on PORT at every target), in Knot with a TTL of
# 1 s, failing over as FAILOVER (a flow mapping) says; probes every 1 s, down after 3.
failover_app() {
    printf 'apiVersion: score.dev/v1b1\nmetadata: {name: web}\nservice: {ports: {http: {port: %s, targetPort: 8080}}}\ncontainers:\n  main: {image: wissel-test/web:1}\n' "$5" >"$repo/$1.score.yaml"
    cat <<END
apiVersion: wissel.dev/v1
kind: Application
metadata: {name: $1}
spec:
  workloads: [$1.score.yaml]
  classification: internal
  placement: $3
  route: {host: $2, workload: web, port: http}
  dns: {target: knot, ttl: 1}
  failover: $4
END
}
