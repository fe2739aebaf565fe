/*
 * bench_plan.c — the engine's plan at scale: wsl_plan_make() for 1,000 applications × 2
 * targets × 6 Kubernetes-like objects (Namespace, ConfigMap, Secret, Deployment, Service,
 * Ingress), all built in memory before the clock starts.
 *
 * The observed side is what a cluster would return: bodies with the fields a server adds
 * (uid, resourceVersion, defaults, status). Of every four targets, two are in sync, one
 * has drifted (replicas changed by hand) and a changed ConfigMap, one misses three objects;
 * every tenth has an owned object no longer desired (a delete), and every fiftieth an
 * incomplete observation (its deletes held back). The plan counts are checked against what
 * was built, so a figure is never printed for a wrong result.
 *
 * Targets are planned one at a time, as a reconcile does (render, observe, plan, apply,
 * free): each target's objects are built untimed, then wsl_plan_make() is timed. A pass
 * sums the time spent planning all targets; the best and median of RUNS (5) passes are
 * printed (wall and, as the machine may be shared, CPU time) with the peak RSS of the
 * process (getrusage), next to the targets: under 100 ms and under 64 MB.
 * Figures are printed, never asserted. BENCH_APPS sets the number of applications.
 */
#include "orchestrator/engine/plan.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define TARGETS 2
#define RUNS 5
#define TARGET_MS 100
#define TARGET_MB 64

struct target {
    struct wsl_objset desired, observed;
    size_t want[4]; /* expected actions per type */
};

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, 0, &je);
    if (!v) {
        fprintf(stderr, "bench_plan: bad JSON template: %s\n", je.text);
        exit(1);
    }
    return v;
}

/* The six desired bodies of application `app` at target `t`. */
static void render(struct wsl_objset *d, const char *app, int t)
{
    char buf[4096];
    snprintf(buf, sizeof buf,
             "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"%s\","
             "\"labels\":{\"app.kubernetes.io/part-of\":\"%s\"}}}", app, app);
    wsl_objset_add(d, "Namespace", app, parse(buf));
    snprintf(buf, sizeof buf,
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"%s-config\","
             "\"namespace\":\"%s\"},\"data\":{\"LOG_LEVEL\":\"info\",\"REGION\":\"eu-%d\","
             "\"FEATURES\":\"search,cart,checkout\"}}", app, app, t);
    wsl_object_depend(wsl_objset_add(d, "ConfigMap", "config", parse(buf)), "Namespace", app);
    snprintf(buf, sizeof buf,
             "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"%s-db\","
             "\"namespace\":\"%s\"},\"type\":\"Opaque\",\"data\":{\"url\":\"cG9zdGdyZXM6Ly9k"
             "Yi5leGFtcGxlOjU0MzIvYXBw\"}}", app, app);
    wsl_object_depend(wsl_objset_add(d, "Secret", "db", parse(buf)), "Namespace", app);
    snprintf(buf, sizeof buf,
             "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"%s\","
             "\"namespace\":\"%s\",\"labels\":{\"app.kubernetes.io/name\":\"%s\"}},\"spec\":"
             "{\"replicas\":2,\"selector\":{\"matchLabels\":{\"app\":\"%s\"}},\"template\":"
             "{\"metadata\":{\"labels\":{\"app\":\"%s\"}},\"spec\":{\"containers\":[{\"name\":"
             "\"web\",\"image\":\"registry.example.eu/%s:1.4.2\",\"ports\":[{\"containerPort\":"
             "8080}],\"env\":[{\"name\":\"PORT\",\"value\":\"8080\"},{\"name\":\"DB_URL\","
             "\"valueFrom\":{\"secretKeyRef\":{\"name\":\"%s-db\",\"key\":\"url\"}}}],"
             "\"envFrom\":[{\"configMapRef\":{\"name\":\"%s-config\"}}],\"resources\":"
             "{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"},\"limits\":{\"cpu\":1,"
             "\"memory\":\"256Mi\"}},\"readinessProbe\":{\"httpGet\":{\"path\":\"/healthz\","
             "\"port\":8080},\"periodSeconds\":5}}]}}}}",
             app, app, app, app, app, app, app, app);
    struct wsl_object *dep = wsl_objset_add(d, "Deployment", "web", parse(buf));
    wsl_object_depend(dep, "Namespace", app);
    wsl_object_depend(dep, "ConfigMap", "config");
    wsl_object_depend(dep, "Secret", "db");
    snprintf(buf, sizeof buf,
             "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"%s\","
             "\"namespace\":\"%s\"},\"spec\":{\"selector\":{\"app\":\"%s\"},\"ports\":"
             "[{\"name\":\"http\",\"port\":80,\"targetPort\":8080}]}}", app, app, app);
    wsl_object_depend(wsl_objset_add(d, "Service", "web", parse(buf)), "Deployment", "web");
    snprintf(buf, sizeof buf,
             "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"Ingress\",\"metadata\":"
             "{\"name\":\"%s\",\"namespace\":\"%s\",\"annotations\":{\"cert-manager.io/"
             "cluster-issuer\":\"letsencrypt\"}},\"spec\":{\"tls\":[{\"hosts\":[\"%s.example.eu"
             "\"],\"secretName\":\"%s-tls\"}],\"rules\":[{\"host\":\"%s.example.eu\",\"http\":"
             "{\"paths\":[{\"path\":\"/\",\"pathType\":\"Prefix\",\"backend\":{\"service\":"
             "{\"name\":\"%s\",\"port\":{\"number\":80}}}}]}}]}}", app, app, app, app, app, app);
    wsl_object_depend(wsl_objset_add(d, "Ingress", "web", parse(buf)), "Service", "web");
}

/* What a server returns for a desired body: the body plus its own fields. */
static json_t *as_served(const json_t *body, unsigned long uid)
{
    json_t *b = json_deep_copy(body);
    json_t *meta = json_object_get(b, "metadata");
    char s[64];
    snprintf(s, sizeof s, "6f1c2a9e-%08lx-4b7d-9c1e-5a3f0e2d%04lx", uid, uid % 65536);
    json_object_set_new(meta, "uid", json_string(s));
    json_object_set_new(meta, "resourceVersion", json_sprintf("%lu", 100000 + uid));
    json_object_set_new(meta, "creationTimestamp", json_string("2025-03-01T10:00:00Z"));
    json_object_set_new(meta, "generation", json_integer(1));
    json_t *spec = json_object_get(b, "spec");
    if (json_is_object(json_object_get(spec, "template"))) {
        json_object_set_new(spec, "revisionHistoryLimit", json_integer(10));
        json_object_set_new(spec, "progressDeadlineSeconds", json_integer(600));
        json_object_set_new(spec, "strategy", json_pack("{s:s}", "type", "RollingUpdate"));
        json_t *ps = json_object_get(json_object_get(spec, "template"), "spec");
        json_object_set_new(ps, "restartPolicy", json_string("Always"));
        json_object_set_new(ps, "dnsPolicy", json_string("ClusterFirst"));
        json_object_set_new(json_array_get(json_object_get(ps, "containers"), 0),
                            "imagePullPolicy", json_string("IfNotPresent"));
        json_object_set_new(b, "status", json_pack("{s:i, s:i, s:i}", "observedGeneration", 1,
                                                   "replicas", 2, "readyReplicas", 2));
    }
    return b;
}

static struct wsl_object *observe(struct wsl_objset *o, const struct wsl_object *want,
                                  unsigned long uid)
{
    struct wsl_object *h = wsl_objset_add(o, want->kind, want->name, as_served(want->body, uid));
    memcpy(h->fingerprint, want->fingerprint, sizeof h->fingerprint);
    h->owned = true;
    return h;
}

static void build(struct target *t, int app_no, int target_no, size_t k)
{
    char app[32];
    snprintf(app, sizeof app, "app-%04d", app_no);
    render(&t->desired, app, target_no);
    t->observed.complete = true;
    int kind = (int)(k % 4);
    for (size_t i = 0; i < t->desired.n; i++) {
        const struct wsl_object *w = &t->desired.v[i];
        if (kind == 3 && (!strcmp(w->kind, "Secret") || !strcmp(w->kind, "Service") ||
                          !strcmp(w->kind, "Ingress"))) {
            t->want[WSL_ACT_CREATE]++; /* not there (yet) */
            continue;
        }
        struct wsl_object *h = observe(&t->observed, w, k * 8 + i);
        if (kind == 2 && !strcmp(w->kind, "Deployment")) {
            json_object_set_new(json_object_get(h->body, "spec"), "replicas", json_integer(5));
            t->want[WSL_ACT_UPDATE]++;
        } else if (kind == 2 && !strcmp(w->kind, "ConfigMap")) {
            memset(h->fingerprint, '0', 64); /* applied from an older revision */
            json_object_set_new(json_object_get(h->body, "data"), "LOG_LEVEL",
                                json_string("debug"));
            t->want[WSL_ACT_UPDATE]++;
        } else {
            t->want[WSL_ACT_NOOP]++;
        }
    }
    if (k % 10 == 0) {
        struct wsl_object *old = wsl_objset_add(&t->observed, "ConfigMap", "old-config",
                                                parse("{\"data\":{\"x\":\"1\"}}"));
        old->owned = true;
        t->want[WSL_ACT_DELETE]++;
    }
    if (k % 50 == 10) {
        wsl_objset_incomplete(&t->observed, "listing Ingresses timed out after 30 s");
        t->want[WSL_ACT_DELETE] -= k % 10 == 0;
    }
}

static double clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct totals {
    double wall, cpu;  /* milliseconds inside wsl_plan_make() */
    size_t got[4];     /* actions per type */
    size_t desired, observed;
};

/* Plan target k: build its objects (untimed), plan them (timed), check the counts. */
static void plan_one(size_t k, int targets, struct totals *tot)
{
    struct target t = {0};
    struct wsl_plan plan;
    struct wsl_err err = {0};
    build(&t, (int)(k / (size_t)targets), (int)(k % (size_t)targets), k);
    double w0 = clock_ms(CLOCK_MONOTONIC), c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
    int rc = wsl_plan_make(&t.desired, &t.observed, 0, &plan, &err);
    tot->cpu += clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
    tot->wall += clock_ms(CLOCK_MONOTONIC) - w0;
    if (rc != 0) {
        fprintf(stderr, "bench_plan: planning target %zu failed: %s\n", k, err.msg);
        exit(1);
    }
    for (int a = 0; a < 4; a++) {
        if (plan.count[a] != t.want[a]) {
            fprintf(stderr, "bench_plan: target %zu: %zu %s actions, expected %zu\n", k,
                    plan.count[a], wsl_plan_type_name(a), t.want[a]);
            exit(1);
        }
        tot->got[a] += plan.count[a];
    }
    tot->desired += t.desired.n;
    tot->observed += t.observed.n;
    wsl_plan_free(&plan);
    wsl_objset_free(&t.desired);
    wsl_objset_free(&t.observed);
}

/* For comparison: every target's objects built first and held while all are planned
 * (what a caller that renders and observes everything before planning would pay). */
static void held_at_once(size_t n)
{
    struct target *ts = calloc(n, sizeof *ts);
    struct wsl_plan *plans = calloc(n, sizeof *plans);
    struct wsl_err err = {0};
    for (size_t k = 0; k < n; k++)
        build(&ts[k], (int)(k / TARGETS), (int)(k % TARGETS), k);
    double best = 0;
    for (int r = 0; r < RUNS; r++) {
        double t0 = clock_ms(CLOCK_MONOTONIC);
        for (size_t k = 0; k < n; k++) {
            if (wsl_plan_make(&ts[k].desired, &ts[k].observed, 0, &plans[k], &err) != 0) {
                fprintf(stderr, "bench_plan: planning target %zu failed: %s\n", k, err.msg);
                exit(1);
            }
        }
        double ms = clock_ms(CLOCK_MONOTONIC) - t0;
        best = r == 0 || ms < best ? ms : best;
        for (size_t k = 0; k < n; k++)
            wsl_plan_free(&plans[k]);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("  for comparison, all targets' objects held at once: best %.1f ms, peak RSS %.1f MB "
           "(the JSON bodies themselves)\n", best, ru.ru_maxrss / 1024.0);
    for (size_t k = 0; k < n; k++) {
        wsl_objset_free(&ts[k].desired);
        wsl_objset_free(&ts[k].observed);
    }
    free(ts);
    free(plans);
}

static const char *mark(double v, double target)
{
    return v < target ? "within target" : "OVER TARGET";
}

int main(void)
{
    const char *env = getenv("BENCH_APPS");
    int apps = env && atoi(env) > 0 ? atoi(env) : 1000;
    size_t n = (size_t)apps * TARGETS;
    double wall[RUNS], cpu[RUNS];
    struct totals tot;
    for (int r = 0; r < RUNS; r++) {
        memset(&tot, 0, sizeof tot);
        for (size_t k = 0; k < n; k++)
            plan_one(k, TARGETS, &tot);
        wall[r] = tot.wall;
        cpu[r] = tot.cpu;
    }
    double ws[RUNS], cs[RUNS];
    memcpy(ws, wall, sizeof wall);
    memcpy(cs, cpu, sizeof cpu);
    qsort(ws, RUNS, sizeof *ws, cmp_double);
    qsort(cs, RUNS, sizeof *cs, cmp_double);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double mb = ru.ru_maxrss / 1024.0;

    printf("plan: %d applications x %d targets, %zu desired and %zu observed objects, "
           "one target at a time (%d runs)\n", apps, TARGETS, tot.desired, tot.observed, RUNS);
    printf("  actions: %zu create, %zu update, %zu delete, %zu no-op\n", tot.got[WSL_ACT_CREATE],
           tot.got[WSL_ACT_UPDATE], tot.got[WSL_ACT_DELETE], tot.got[WSL_ACT_NOOP]);
    printf("  wall time, best    %8.1f ms   (target < %d ms: %s)\n", ws[0], TARGET_MS,
           mark(ws[0], TARGET_MS));
    printf("  wall time, median  %8.1f ms   (target < %d ms: %s)\n", ws[RUNS / 2], TARGET_MS,
           mark(ws[RUNS / 2], TARGET_MS));
    printf("  cpu time, best     %8.1f ms   (%.1f us per target)\n", cs[0],
           cs[0] * 1000 / (double)n);
    printf("  peak RSS           %8.1f MB   (target < %d MB: %s)\n", mb, TARGET_MB,
           mark(mb, TARGET_MB));
    printf("  runs (ms):");
    for (int r = 0; r < RUNS; r++)
        printf(" %.1f", wall[r]);
    printf("\n");
    held_at_once(n);
    return 0;
}
