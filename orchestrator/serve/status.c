#include "orchestrator/serve/status.h"

#include "lib/strmap.h"
#include "lib/units.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Reconcile duration histogram buckets (seconds). */
static const double buckets[] = {0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

struct placement {
    char *key;           /* "app\ttarget": the map's key (names have no tab) */
    char *app, *target;
    uint64_t ok, errors, drift;
    uint64_t bucket[NBUCKETS];
    double seconds;      /* sum of durations */
    char revision[41];   /* last applied successfully */
    char last[32];       /* RFC 3339 of the last reconcile */
    int rc;
    char *message;
    bool health_known;
    enum wsl_health_state health;
    char *health_reason;
    bool probed, up;     /* the monitor's verdict (counted probes) */
    char *probe_reason;  /* why the last probe failed, NULL after a good one */
    char probe_last[32];
    uint64_t failovers_ok, failovers_failed; /* failovers to this placement */
    char failover_last[32];
};

struct target {
    char *name, *provider, *message;
    bool up, seen;
    int64_t next_retry_ms;
    char last[32];
};

struct counter {
    char *labels; /* `kind="github",verdict="push"` */
    uint64_t n;
};

struct wsl_status {
    pthread_mutex_t mu;
    struct placement **p;
    size_t np;
    struct wsl_strmap pmap;
    struct target *t;
    size_t nt;
    struct counter *hooks;
    size_t nhooks;
    char *url, *ref, *fetch_error, *sig_detail, *load_error;
    char revision[41], loaded[41], sig_revision[41];
    bool sig_checked, sig_ok, leading, ready;
    uint64_t fetch_ok, fetch_errors, sig_rejections, loads_failed;
    double fetch_last_ts, fetch_seconds, load_seconds;
    double trigger_at;        /* monotonic seconds of a pending trigger, 0: none */
    double trigger_latency_s; /* the last measured, -1: none yet */
};

struct wsl_status *wsl_status_new(void)
{
    struct wsl_status *s = wsl_xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->trigger_latency_s = -1;
    return s;
}

void wsl_status_free(struct wsl_status *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->np; i++) {
        free(s->p[i]->key);
        free(s->p[i]->app);
        free(s->p[i]->target);
        free(s->p[i]->message);
        free(s->p[i]->health_reason);
        free(s->p[i]->probe_reason);
        free(s->p[i]);
    }
    free(s->p);
    wsl_strmap_free(&s->pmap);
    for (size_t i = 0; i < s->nt; i++) {
        free(s->t[i].name);
        free(s->t[i].provider);
        free(s->t[i].message);
    }
    free(s->t);
    for (size_t i = 0; i < s->nhooks; i++)
        free(s->hooks[i].labels);
    free(s->hooks);
    free(s->url);
    free(s->ref);
    free(s->fetch_error);
    free(s->sig_detail);
    free(s->load_error);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* Replace *slot with a copy of v (NULL clears). */
static void set_str(char **slot, const char *v)
{
    free(*slot);
    *slot = v ? wsl_xstrdup(v) : NULL;
}

static void copy_rev(char dst[41], const char *src)
{
    snprintf(dst, 41, "%s", src ? src : "");
}

void wsl_status_source(struct wsl_status *s, const char *url, const char *ref)
{
    pthread_mutex_lock(&s->mu);
    set_str(&s->url, url);
    set_str(&s->ref, ref);
    pthread_mutex_unlock(&s->mu);
}

void wsl_status_fetch(struct wsl_status *s, int rc, const char *revision, const char *msg,
                      int64_t duration_ms)
{
    pthread_mutex_lock(&s->mu);
    s->fetch_last_ts = (double)time(NULL);
    s->fetch_seconds = (double)duration_ms / 1000.0;
    if (rc == 0) {
        s->fetch_ok++;
        copy_rev(s->revision, revision);
        set_str(&s->fetch_error, NULL);
    } else {
        s->fetch_errors++;
        set_str(&s->fetch_error, msg);
    }
    pthread_mutex_unlock(&s->mu);
}

void wsl_status_signature(struct wsl_status *s, const char *revision, bool accepted,
                          const char *signer_or_reason)
{
    pthread_mutex_lock(&s->mu);
    bool news = s->sig_ok || strcmp(s->sig_revision, revision ? revision : "");
    if (revision && !accepted && news)
        s->sig_rejections++; /* each refused revision once, however often it is fetched */
    s->sig_checked = revision != NULL;
    copy_rev(s->sig_revision, revision);
    s->sig_ok = accepted;
    set_str(&s->sig_detail, signer_or_reason);
    pthread_mutex_unlock(&s->mu);
}

void wsl_status_load(struct wsl_status *s, const char *revision, int rc, const char *msg,
                     int64_t duration_ms)
{
    pthread_mutex_lock(&s->mu);
    s->load_seconds = (double)duration_ms / 1000.0;
    s->ready = true;
    if (rc == 0) {
        copy_rev(s->loaded, revision);
        set_str(&s->load_error, NULL);
    } else {
        s->loads_failed++;
        set_str(&s->load_error, msg);
    }
    pthread_mutex_unlock(&s->mu);
}

void wsl_status_leader(struct wsl_status *s, bool leading)
{
    pthread_mutex_lock(&s->mu);
    s->leading = leading;
    s->ready = false; /* a new leadership is ready once it has loaded a revision */
    pthread_mutex_unlock(&s->mu);
}

/* Ready to take webhooks: leading, with a revision loaded (or refused) since. */
static bool ready_locked(const struct wsl_status *s)
{
    return s->leading && s->ready;
}

bool wsl_status_ready(struct wsl_status *s)
{
    pthread_mutex_lock(&s->mu);
    bool r = ready_locked(s);
    pthread_mutex_unlock(&s->mu);
    return r;
}

void wsl_status_webhook(struct wsl_status *s, const char *kind, const char *verdict)
{
    char labels[128];
    snprintf(labels, sizeof labels, "kind=\"%s\",verdict=\"%s\"", kind, verdict);
    pthread_mutex_lock(&s->mu);
    size_t i = 0;
    while (i < s->nhooks && strcmp(s->hooks[i].labels, labels))
        i++;
    if (i == s->nhooks) {
        s->hooks = wsl_xrealloc(s->hooks, (s->nhooks + 1) * sizeof *s->hooks);
        s->hooks[s->nhooks++] = (struct counter){wsl_xstrdup(labels), 0};
    }
    s->hooks[i].n++;
    pthread_mutex_unlock(&s->mu);
}

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void wsl_status_trigger(struct wsl_status *s)
{
    pthread_mutex_lock(&s->mu);
    if (s->trigger_at <= 0)
        s->trigger_at = monotonic_s();
    pthread_mutex_unlock(&s->mu);
}

void wsl_status_trigger_done(struct wsl_status *s, bool reconciling)
{
    pthread_mutex_lock(&s->mu);
    if (s->trigger_at > 0 && reconciling)
        s->trigger_latency_s = monotonic_s() - s->trigger_at;
    s->trigger_at = 0;
    pthread_mutex_unlock(&s->mu);
}

static struct placement *placement(struct wsl_status *s, const char *app, const char *target)
{
    struct wsl_buf key = {0};
    wsl_buf_printf(&key, "%s\t%s", app, target);
    size_t i;
    if (wsl_strmap_get(&s->pmap, wsl_buf_str(&key), &i)) {
        wsl_buf_free(&key);
        return s->p[i];
    }
    struct placement *p = wsl_xcalloc(1, sizeof *p);
    p->key = wsl_buf_steal(&key);
    p->app = wsl_xstrdup(app);
    p->target = wsl_xstrdup(target);
    s->p = wsl_xrealloc(s->p, (s->np + 1) * sizeof *s->p);
    s->p[s->np] = p;
    wsl_strmap_put(&s->pmap, p->key, s->np++);
    return p;
}

void wsl_status_placement(struct wsl_status *s, const struct wsl_placement_report *r)
{
    pthread_mutex_lock(&s->mu);
    struct placement *p = placement(s, r->app, r->target);
    double secs = (double)r->duration_ms / 1000.0;
    p->seconds += secs;
    for (size_t b = 0; b < NBUCKETS; b++)
        p->bucket[b] += secs <= buckets[b];
    wsl_time_now_rfc3339(p->last);
    p->rc = r->rc;
    set_str(&p->message, r->rc ? r->message : NULL);
    if (r->rc == 0) {
        p->ok++;
        p->drift += r->applied && r->drift;
        copy_rev(p->revision, r->revision);
    } else {
        p->errors++;
    }
    if (r->health_known) {
        p->health_known = true;
        p->health = r->health;
        set_str(&p->health_reason, r->health_reason);
    }
    pthread_mutex_unlock(&s->mu);
}

void wsl_status_target(struct wsl_status *s, const char *target, const char *provider, bool up,
                       const char *msg, int64_t next_retry_ms)
{
    pthread_mutex_lock(&s->mu);
    size_t i = 0;
    while (i < s->nt && strcmp(s->t[i].name, target))
        i++;
    if (i == s->nt) {
        s->t = wsl_xrealloc(s->t, (s->nt + 1) * sizeof *s->t);
        memset(&s->t[s->nt++], 0, sizeof *s->t);
        s->t[i].name = wsl_xstrdup(target);
    }
    struct target *t = &s->t[i];
    set_str(&t->provider, provider);
    set_str(&t->message, up ? NULL : msg);
    t->up = up;
    t->seen = true;
    t->next_retry_ms = next_retry_ms;
    wsl_time_now_rfc3339(t->last);
    pthread_mutex_unlock(&s->mu);
}

void wsl_status_probe(struct wsl_status *s, const char *app, const char *target, bool known,
                      bool up, const char *reason)
{
    pthread_mutex_lock(&s->mu);
    struct placement *p = placement(s, app, target);
    p->probed = known;
    p->up = up;
    set_str(&p->probe_reason, reason && *reason ? reason : NULL);
    wsl_time_now_rfc3339(p->probe_last);
    pthread_mutex_unlock(&s->mu);
}

void wsl_status_failover(struct wsl_status *s, const char *app, const char *to, bool ok)
{
    pthread_mutex_lock(&s->mu);
    struct placement *p = placement(s, app, to);
    if (ok)
        p->failovers_ok++;
    else
        p->failovers_failed++;
    wsl_time_now_rfc3339(p->failover_last);
    pthread_mutex_unlock(&s->mu);
}

/* --- Prometheus text format ----------------------------------------------------------- */

/* A label value, escaped as the exposition format asks (\\, \" and \n). */
static void label(struct wsl_buf *b, const char *v)
{
    for (const char *c = v ? v : ""; *c; c++) {
        if (*c == '\\' || *c == '"')
            wsl_buf_putc(b, '\\');
        if (*c == '\n') {
            wsl_buf_puts(b, "\\n");
            continue;
        }
        wsl_buf_putc(b, *c);
    }
}

static void head(struct wsl_buf *b, const char *name, const char *type, const char *help)
{
    wsl_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void app_labels(struct wsl_buf *b, const struct placement *p)
{
    wsl_buf_puts(b, "app=\"");
    label(b, p->app);
    wsl_buf_puts(b, "\",target=\"");
    label(b, p->target);
    wsl_buf_putc(b, '"');
}

static void metrics_reconciles(struct wsl_status *s, struct wsl_buf *b)
{
    head(b, "wissel_reconcile_total", "counter", "Reconciles of a placement, by result.");
    for (size_t i = 0; i < s->np; i++) {
        for (int ok = 1; ok >= 0; ok--) {
            wsl_buf_puts(b, "wissel_reconcile_total{");
            app_labels(b, s->p[i]);
            wsl_buf_printf(b, ",result=\"%s\"} %llu\n", ok ? "ok" : "error",
                           (unsigned long long)(ok ? s->p[i]->ok : s->p[i]->errors));
        }
    }
    head(b, "wissel_reconcile_duration_seconds", "histogram",
         "Time to plan and apply a placement.");
    for (size_t i = 0; i < s->np; i++) {
        const struct placement *p = s->p[i];
        for (size_t k = 0; k <= NBUCKETS; k++) {
            wsl_buf_puts(b, "wissel_reconcile_duration_seconds_bucket{");
            app_labels(b, p);
            if (k < NBUCKETS)
                wsl_buf_printf(b, ",le=\"%g\"} %llu\n", buckets[k],
                               (unsigned long long)p->bucket[k]);
            else
                wsl_buf_printf(b, ",le=\"+Inf\"} %llu\n",
                               (unsigned long long)(p->ok + p->errors));
        }
        wsl_buf_puts(b, "wissel_reconcile_duration_seconds_sum{");
        app_labels(b, p);
        wsl_buf_printf(b, "} %.3f\nwissel_reconcile_duration_seconds_count{", p->seconds);
        app_labels(b, p);
        wsl_buf_printf(b, "} %llu\n", (unsigned long long)(p->ok + p->errors));
    }
}

static void metrics_placements(struct wsl_status *s, struct wsl_buf *b)
{
    head(b, "wissel_drift_corrections_total", "counter",
         "Applies that restored a placement to a revision already applied (drift).");
    for (size_t i = 0; i < s->np; i++) {
        wsl_buf_puts(b, "wissel_drift_corrections_total{");
        app_labels(b, s->p[i]);
        wsl_buf_printf(b, "} %llu\n", (unsigned long long)s->p[i]->drift);
    }
    head(b, "wissel_applied_revision_info", "gauge",
         "The git revision last applied to a placement.");
    for (size_t i = 0; i < s->np; i++) {
        if (!s->p[i]->revision[0])
            continue;
        wsl_buf_puts(b, "wissel_applied_revision_info{");
        app_labels(b, s->p[i]);
        wsl_buf_printf(b, ",revision=\"%s\"} 1\n", s->p[i]->revision);
    }
    static const char *const states[] = {"ready", "progressing", "failed"};
    static const enum wsl_health_state values[] = {WSL_HEALTH_READY, WSL_HEALTH_PROGRESSING,
                                                   WSL_HEALTH_FAILED};
    head(b, "wissel_health_status", "gauge",
         "1 for the placement's health state as last observed, 0 for the others.");
    for (size_t i = 0; i < s->np; i++) {
        if (!s->p[i]->health_known)
            continue;
        for (size_t k = 0; k < 3; k++) {
            wsl_buf_puts(b, "wissel_health_status{");
            app_labels(b, s->p[i]);
            wsl_buf_printf(b, ",state=\"%s\"} %d\n", states[k], s->p[i]->health == values[k]);
        }
    }
}

static void metrics_monitor(struct wsl_status *s, struct wsl_buf *b)
{
    head(b, "wissel_placement_up", "gauge",
         "1 when the monitor's probes through the public address say the placement is up.");
    for (size_t i = 0; i < s->np; i++) {
        if (!s->p[i]->probed)
            continue;
        wsl_buf_puts(b, "wissel_placement_up{");
        app_labels(b, s->p[i]);
        wsl_buf_printf(b, "} %d\n", s->p[i]->up);
    }
    head(b, "wissel_failovers_total", "counter",
         "Failovers (and failbacks) to a placement, by result.");
    for (size_t i = 0; i < s->np; i++) {
        const struct placement *p = s->p[i];
        for (int ok = 1; ok >= 0 && (p->failovers_ok || p->failovers_failed); ok--) {
            wsl_buf_puts(b, "wissel_failovers_total{");
            app_labels(b, p);
            wsl_buf_printf(b, ",result=\"%s\"} %llu\n", ok ? "ok" : "error",
                           (unsigned long long)(ok ? p->failovers_ok : p->failovers_failed));
        }
    }
}

static void metrics_targets(struct wsl_status *s, struct wsl_buf *b)
{
    head(b, "wissel_target_up", "gauge", "1 when the target was reached and planned.");
    for (size_t i = 0; i < s->nt; i++) {
        wsl_buf_puts(b, "wissel_target_up{target=\"");
        label(b, s->t[i].name);
        wsl_buf_printf(b, "\"} %d\n", s->t[i].up);
    }
}

static void metrics_source(struct wsl_status *s, struct wsl_buf *b)
{
    head(b, "wissel_git_fetch_total", "counter", "Fetches of the git source, by result.");
    wsl_buf_printf(b, "wissel_git_fetch_total{result=\"ok\"} %llu\n",
                   (unsigned long long)s->fetch_ok);
    wsl_buf_printf(b, "wissel_git_fetch_total{result=\"error\"} %llu\n",
                   (unsigned long long)s->fetch_errors);
    head(b, "wissel_git_fetch_errors_total", "counter", "Failed fetches of the git source.");
    wsl_buf_printf(b, "wissel_git_fetch_errors_total %llu\n",
                   (unsigned long long)s->fetch_errors);
    head(b, "wissel_git_last_fetch_timestamp_seconds", "gauge", "When the last fetch ended.");
    wsl_buf_printf(b, "wissel_git_last_fetch_timestamp_seconds %.0f\n", s->fetch_last_ts);
    head(b, "wissel_git_fetch_duration_seconds", "gauge",
         "How long the last fetch took (with the checkout of a new revision).");
    wsl_buf_printf(b, "wissel_git_fetch_duration_seconds %.6f\n", s->fetch_seconds);
    head(b, "wissel_manifest_load_duration_seconds", "gauge",
         "How long loading and checking the last revision's manifests took.");
    wsl_buf_printf(b, "wissel_manifest_load_duration_seconds %.6f\n", s->load_seconds);
    head(b, "wissel_git_revision_info", "gauge", "The revision the tracked ref is at.");
    if (s->revision[0])
        wsl_buf_printf(b, "wissel_git_revision_info{revision=\"%s\"} 1\n", s->revision);
    head(b, "wissel_git_signature_verified", "gauge",
         "1 when the fetched revision's signature is trusted, 0 when it was rejected "
         "(reason label); absent when signatures are not required.");
    if (s->sig_checked) {
        wsl_buf_printf(b, "wissel_git_signature_verified{revision=\"%s\",reason=\"",
                       s->sig_revision);
        label(b, s->sig_ok ? "" : s->sig_detail);
        wsl_buf_printf(b, "\"} %d\n", s->sig_ok);
    }
    head(b, "wissel_git_signature_rejections_total", "counter",
         "Revisions not applied because their signature was missing or not trusted.");
    wsl_buf_printf(b, "wissel_git_signature_rejections_total %llu\n",
                   (unsigned long long)s->sig_rejections);
    head(b, "wissel_manifest_load_failures_total", "counter",
         "Revisions whose manifests were invalid or broke a policy: not applied.");
    wsl_buf_printf(b, "wissel_manifest_load_failures_total %llu\n",
                   (unsigned long long)s->loads_failed);
}

/* Resident memory from /proc/self/statm (0 when unavailable). */
static double resident_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long size = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%lu %lu", &size, &rss) != 2)
            rss = 0;
        fclose(f);
    }
    return (double)rss * (double)sysconf(_SC_PAGESIZE);
}

static void metrics_process(struct wsl_status *s, struct wsl_buf *b)
{
    head(b, "wissel_leader", "gauge", "1 while this instance leads and reconciles.");
    wsl_buf_printf(b, "wissel_leader %d\n", s->leading);
    head(b, "wissel_webhook_requests_total", "counter", "Webhook deliveries, by verdict.");
    for (size_t i = 0; i < s->nhooks; i++)
        wsl_buf_printf(b, "wissel_webhook_requests_total{%s} %llu\n", s->hooks[i].labels,
                       (unsigned long long)s->hooks[i].n);
    head(b, "wissel_trigger_latency_seconds", "gauge",
         "From the last accepted webhook push to the reconcile it started.");
    if (s->trigger_latency_s >= 0)
        wsl_buf_printf(b, "wissel_trigger_latency_seconds %.6f\n", s->trigger_latency_s);
    head(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
    wsl_buf_printf(b, "process_resident_memory_bytes %.0f\n", resident_bytes());
}

void wsl_status_metrics(struct wsl_status *s, struct wsl_buf *out)
{
    pthread_mutex_lock(&s->mu);
    metrics_source(s, out);
    metrics_reconciles(s, out);
    metrics_placements(s, out);
    metrics_monitor(s, out);
    metrics_targets(s, out);
    metrics_process(s, out);
    pthread_mutex_unlock(&s->mu);
}

/* --- JSON for the status API ---------------------------------------------------------- */

static const char *health_name(enum wsl_health_state h)
{
    return h == WSL_HEALTH_READY ? "ready" : h == WSL_HEALTH_FAILED ? "failed" : "progressing";
}

static json_t *placement_json(const struct placement *p)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "target", p->target,
                          "result", p->rc ? "error" : "ok", "revision", p->revision,
                          "last_reconcile", p->last, "reconciles_ok", (json_int_t)p->ok,
                          "reconciles_failed", (json_int_t)p->errors, "drift_corrections",
                          (json_int_t)p->drift);
    if (p->message)
        json_object_set_new(o, "message", json_string(p->message));
    json_object_set_new(o, "health",
                        p->health_known
                            ? json_pack("{s:s, s:s}", "state", health_name(p->health),
                                        "reason", p->health_reason ? p->health_reason : "")
                            : json_pack("{s:s}", "state", "unknown"));
    if (p->probe_last[0])
        json_object_set_new(o, "monitor", json_pack("{s:s, s:s, s:s*}", "state",
                                                    !p->probed ? "unknown" : p->up ? "up" : "down",
                                                    "last_probe", p->probe_last, "reason",
                                                    p->probe_reason));
    if (p->failover_last[0])
        json_object_set_new(o, "failovers", json_pack("{s:I, s:I, s:s}", "ok",
                                                      (json_int_t)p->failovers_ok, "failed",
                                                      (json_int_t)p->failovers_failed, "last",
                                                      p->failover_last));
    return o;
}

json_t *wsl_status_applications(struct wsl_status *s)
{
    json_t *apps = json_array();
    json_t *index = json_object(); /* app name -> its entry */
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->np; i++) {
        json_t *a = json_object_get(index, s->p[i]->app);
        if (!a) {
            a = json_pack("{s:s, s:[]}", "name", s->p[i]->app, "placements");
            json_array_append_new(apps, a);
            json_object_set(index, s->p[i]->app, a);
        }
        json_array_append_new(json_object_get(a, "placements"), placement_json(s->p[i]));
    }
    pthread_mutex_unlock(&s->mu);
    json_decref(index);
    return json_pack("{s:o}", "applications", apps);
}

json_t *wsl_status_targets(struct wsl_status *s)
{
    json_t *v = json_array();
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nt; i++) {
        const struct target *t = &s->t[i];
        json_t *o = json_pack("{s:s, s:s, s:b, s:s}", "name", t->name, "provider",
                              t->provider ? t->provider : "", "up", t->up, "last_pass",
                              t->last);
        if (t->message)
            json_object_set_new(o, "message", json_string(t->message));
        if (t->next_retry_ms > 0)
            json_object_set_new(o, "retry_in_ms", json_integer(t->next_retry_ms));
        json_array_append_new(v, o);
    }
    pthread_mutex_unlock(&s->mu);
    return json_pack("{s:o}", "targets", v);
}

json_t *wsl_status_source_json(struct wsl_status *s)
{
    pthread_mutex_lock(&s->mu);
    json_t *o = json_pack("{s:s?, s:s?, s:s, s:s, s:b, s:b, s:I, s:I}", "url", s->url, "ref",
                          s->ref, "revision", s->revision, "loaded_revision", s->loaded,
                          "leader", s->leading, "ready", ready_locked(s), "fetches_ok",
                          (json_int_t)s->fetch_ok, "fetch_errors", (json_int_t)s->fetch_errors);
    if (s->fetch_error)
        json_object_set_new(o, "fetch_error", json_string(s->fetch_error));
    if (s->load_error)
        json_object_set_new(o, "load_error", json_string(s->load_error));
    if (s->sig_checked)
        json_object_set_new(o, "signature",
                            json_pack("{s:s, s:b, s:s}", "revision", s->sig_revision,
                                      "trusted", s->sig_ok, s->sig_ok ? "signer" : "reason",
                                      s->sig_detail ? s->sig_detail : ""));
    pthread_mutex_unlock(&s->mu);
    return o;
}
