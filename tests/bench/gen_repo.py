#!/usr/bin/env python3
"""Write a realistic, deterministic wissel repository for the benchmark.

    tests/bench/gen_repo.py [--apps N] OUT_DIR

OUT_DIR gets targets/ (Kubernetes clusters, Docker hosts, an RFC 2136 DNS server), a
policies/ file, and apps/<team>/<app>/ with app.yaml and three Score workloads each (web,
worker, scheduler): containers with images, commands, variables with placeholders, files,
volumes, probes, service ports and resource requests and limits. The same N always gives
the same bytes (a fixed random seed), and the repository is valid: `wissel validate OUT_DIR`
must exit 0.
"""
import argparse
import os
import random
import shutil

TEAMS = ["burgerzaken", "belastingen", "sociaal-domein", "ruimte", "publiekszaken",
         "informatievoorziening", "vergunningen", "onderwijs"]
KUBE = ["haven-ams", "haven-rtm", "haven-ehv"]
DOCKER = ["docker-vm-1", "docker-vm-2", "docker-vm-3", "docker-vm-4"]
DNS = "dns-gemeente"
CLASSES = ["public", "internal", "confidential", "secret"]


def targets():
    out = {}
    for i, name in enumerate(KUBE):
        out[name] = f"""# Haven-compliant Kubernetes cluster {i + 1}, run by the platform team.
apiVersion: wissel.dev/v1
kind: Target
metadata:
  name: {name}
  labels:
    site: {name.split('-')[1]}
    kind: on-prem
    wissel.dev/owner: team-platform
spec:
  provider: kubernetes
  jurisdiction: NL
  region: {name.split('-')[1]}-dc{i + 1}
  kubernetes:
    context: {name}
    namespace: apps
    createNamespace: false
    ingressClass: nginx
    storageClass:
      readWriteOnce: longhorn
      readWriteMany: longhorn-rwx
"""
    for i, name in enumerate(DOCKER):
        out[name] = f"""# A virtual machine with Docker Engine, a warm standby.
apiVersion: wissel.dev/v1
kind: Target
metadata:
  name: {name}
  labels:
    site: rotterdam
    kind: vm
spec:
  provider: docker
  jurisdiction: NL
  region: nl-rtm{i + 1}
  docker:
    host: tcp://docker-0{i + 1}.gemeente.example:2376
    tls:
      ca: /etc/wissel/docker-0{i + 1}/ca.pem
      cert: /etc/wissel/docker-0{i + 1}/cert.pem
      key: /etc/wissel/docker-0{i + 1}/key.pem
    ports: 20000-20999
    address: docker-0{i + 1}.gemeente.example
    pull: missing
"""
    out[DNS] = f"""# The authoritative DNS server, updated with RFC 2136 and TSIG.
apiVersion: wissel.dev/v1
kind: Target
metadata:
  name: {DNS}
  labels:
    kind: dns
spec:
  provider: rfc2136
  jurisdiction: NL
  rfc2136:
    server: ns1.gemeente.example:53
    zone: gemeente.example.
    tsig:
      name: wissel
      algorithm: hmac-sha256
      secretFrom:
        env: WISSEL_TSIG_SECRET
"""
    return out


def policy(apps):
    listed = "\n".join(f"          - {a}" for a in apps[:20])
    return f"""# The municipality's sovereignty policy.
apiVersion: wissel.dev/v1
kind: Policy
metadata:
  name: sovereignty
  annotations:
    wissel.dev/source: "Informatiebeveiligingsbeleid, par. 4.2"
spec:
  rules:
    - name: personal data stays under Dutch law
      match:
        classification: [confidential, secret]
      require:
        jurisdiction: NL
    - name: everything else stays in the EU
      match:
        classification: [public, internal]
      require:
        jurisdiction: EU
    - name: critical processes have a tested way out
      match:
        critical: true
      require:
        standby: true
        drillWithinDays: 90
    - name: the pilot applications keep a standby
      match:
        applications:
{listed}
      require:
        standby: true
"""


def app_yaml(r, name, team, deps):
    primary = r.choice(KUBE)
    standby = r.sample([t for t in KUBE + DOCKER if t != primary], r.choice([1, 1, 2]))
    critical = r.random() < 0.2
    dep = "".join(f"\n    - {d}" for d in deps)
    return f"""# {name}: owned by team {team}.
apiVersion: wissel.dev/v1
kind: Application
metadata:
  name: {name}
  labels:
    team: {team}
    tier: "{r.choice(['1', '2', '3'])}"
  annotations:
    wissel.dev/contact: {team}@gemeente.example
spec:
  workloads:
    - web.score.yaml
    - worker.score.yaml
    - scheduler.score.yaml
  classification: {r.choice(CLASSES)}
  critical: {'true' if critical else 'false'}
  replicas:
    web: {r.randint(2, 6)}
    worker: {r.randint(1, 4)}
    scheduler: 1
  placement:
    primary: {primary}
    standby: [{', '.join(standby)}]
    mode: {r.choice(['warm', 'warm', 'cold'])}
  route:
    host: {name}.gemeente.example
    workload: web
    port: http
    path: /
    tls: true
  dns:
    target: {DNS}
    ttl: {r.choice([60, 300, 3600])}
  failover:
    automatic: {'true' if critical else 'false'}
    failback: false
    rto: {r.choice(['2m', '5m', '15m'])}
    probe:
      path: /healthz
      interval: 10s
      timeout: 2s
      failures: 3
      successes: 2
  dependsOn:{dep if deps else ' []'}
"""


def probe(r, port, path):
    return f"""      httpGet:
        path: {path}
        port: {port}
        httpHeaders:
          - name: X-Probe
            value: wissel"""


def web_score(r, app, team):
    return f"""apiVersion: score.dev/v1b1
metadata:
  name: web
  annotations:
    wissel.dev/team: {team}
  app: {app}
service:
  ports:
    http:
      port: 80
      targetPort: 8080
    metrics:
      port: 9090
containers:
  web:
    image: registry.gemeente.example/{team}/{app}-web:{r.randint(1, 9)}.{r.randint(0, 20)}.{r.randint(0, 50)}
    command: ["/app/server"]
    args: ["--listen=:8080", "--name=${{metadata.name}}"]
    variables:
      APP_NAME: ${{metadata.app}}
      TEAM: ${{metadata.annotations.wissel\\.dev/team}}
      DATABASE_URL: "postgres://${{resources.db.username}}:${{resources.db.password}}@${{resources.db.host}}:${{resources.db.port}}/${{resources.db.name}}"
      REDIS_URL: "redis://${{resources.cache.host}}:${{resources.cache.port}}"
      BUCKET: ${{resources.files.bucket}}
      S3_ENDPOINT: ${{resources.files.endpoint}}
      LOG_LEVEL: info
      WORKERS: "{r.randint(2, 16)}"
      PRICE: "$$5 per month"
    files:
      /etc/{app}/config.yaml:
        mode: "0644"
        content: |
          service: ${{metadata.name}}
          database: ${{resources.db.host}}
          cache: ${{resources.cache.host}}
          timeout: {r.randint(5, 60)}s
      /etc/{app}/logo.png:
        binaryContent: iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==
    volumes:
      /var/lib/{app}:
        source: ${{resources.data}}
        readOnly: false
    resources:
      requests:
        cpu: {r.choice(['100m', '250m', '500m'])}
        memory: {r.choice(['128Mi', '256Mi', '512Mi'])}
      limits:
        cpu: "{r.choice(['1', '2'])}"
        memory: {r.choice(['512Mi', '1Gi', '2Gi'])}
    livenessProbe:
{probe(r, 8080, '/livez')}
    readinessProbe:
{probe(r, 8080, '/readyz')}
  proxy:
    image: registry.gemeente.example/platform/oauth2-proxy:7.6.0
    args: ["--upstream=http://localhost:8080", "--http-address=:4180"]
    variables:
      OAUTH2_PROXY_CLIENT_ID: {app}
      OAUTH2_PROXY_COOKIE_SECRET: ${{resources.cookie.secret}}
    resources:
      requests: {{cpu: 50m, memory: 64Mi}}
      limits: {{cpu: 200m, memory: 128Mi}}
    readinessProbe:
      exec:
        command: [/bin/oauth2-proxy, --ping]
    before:
      web: {{ready: healthy}}
resources:
  db:
    type: postgres
    class: ha
    params:
      version: 16
      extensions: [pgcrypto, postgis]
  cache:
    type: redis
  files:
    type: s3
    class: eu-only
  data:
    type: volume
    params:
      size: {r.choice(['1Gi', '5Gi', '20Gi'])}
  cookie:
    type: secret
    id: {team}.cookie
"""


def worker_score(r, app, team):
    return f"""apiVersion: score.dev/v1b1
metadata:
  name: worker
  annotations:
    wissel.dev/team: {team}
service:
  ports:
    metrics:
      port: 9090
      protocol: TCP
containers:
  worker:
    image: registry.gemeente.example/{team}/{app}-worker:{r.randint(1, 9)}.{r.randint(0, 20)}.0
    command: ["/app/worker", "--queue", "${{resources.queue.name}}"]
    variables:
      AMQP_URL: "amqp://${{resources.queue.user}}:${{resources.queue.password}}@${{resources.queue.host}}/"
      DATABASE_URL: "postgres://${{resources.db.host}}:${{resources.db.port}}/${{resources.db.name}}"
      CONCURRENCY: "{r.randint(1, 32)}"
      OWNER: ${{metadata.annotations.wissel\\.dev/team}}
    resources:
      requests:
        cpu: "{r.choice(['250m', '500m', '1'])}"
        memory: {r.choice(['256Mi', '512Mi', '1Gi'])}
      limits:
        memory: {r.choice(['1Gi', '2Gi'])}
    livenessProbe:
      exec:
        command: ["/app/worker", "health"]
resources:
  queue:
    type: amqp
  db:
    type: postgres
    id: {app}.db
"""


def scheduler_score(r, app, team):
    return f"""apiVersion: score.dev/v1b1
metadata:
  name: scheduler
containers:
  cron:
    image: registry.gemeente.example/{team}/{app}-cron:{r.randint(1, 9)}.0.{r.randint(0, 99)}
    command: ["/app/cron"]
    args: ["--schedule", "{r.randint(0, 59)} {r.randint(0, 23)} * * *", "--target", "${{resources.api.url}}"]
    variables:
      API_URL: ${{resources.api.url}}
      TZ: Europe/Amsterdam
    files:
      /etc/cron/jobs.txt:
        content: "nightly-export ${{metadata.name}}"
        noExpand: false
    resources:
      requests: {{cpu: 10m, memory: 32Mi}}
      limits: {{cpu: 100m, memory: 64Mi}}
    readinessProbe:
      httpGet:
        scheme: HTTP
        path: /ready
        port: 8081
resources:
  api:
    type: service
    params:
      workload: web
      port: http
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--apps", type=int, default=1000)
    ap.add_argument("out")
    args = ap.parse_args()
    r = random.Random(20240501)
    tmp = args.out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    for name, text in targets().items():
        write(os.path.join(tmp, "targets", name + ".yaml"), text)
    names = [f"app-{i:04d}" for i in range(args.apps)]
    write(os.path.join(tmp, "policies", "sovereignty.yaml"), policy(names))
    for i, name in enumerate(names):
        team = TEAMS[i % len(TEAMS)]
        # depend on up to two earlier applications: no cycles
        deps = sorted(set(r.sample(names[max(0, i - 50):i], min(i, r.choice([0, 1, 1, 2])))))
        d = os.path.join(tmp, "apps", team, name)
        write(os.path.join(d, "app.yaml"), app_yaml(r, name, team, deps))
        write(os.path.join(d, "web.score.yaml"), web_score(r, name, team))
        write(os.path.join(d, "worker.score.yaml"), worker_score(r, name, team))
        write(os.path.join(d, "scheduler.score.yaml"), scheduler_score(r, name, team))
    shutil.rmtree(args.out, ignore_errors=True)
    os.rename(tmp, args.out)


if __name__ == "__main__":
    main()
