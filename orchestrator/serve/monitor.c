#include "orchestrator/serve/monitor.h"

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/units.h"
#include "orchestrator/failover/failover.h"
#include "orchestrator/failover/probe.h"
#include "orchestrator/reconcile/runtime.h"
#include "providers/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* After a failed failover, wait this long (or the probe interval, if longer) to retry. */
#define RETRY_MS 30000

struct watch {
    char app[256], target[256];
    struct wsl_probe_count count;
    int64_t due;       /* monotonic ms of the next probe */
    int64_t retry_at;  /* a failover to here failed: not again before this */
};

struct wsl_monitor {
    struct wsl_status *status;
    struct watch **w;
    size_t n;
};

struct wsl_monitor *wsl_monitor_new(struct wsl_status *status)
{
    struct wsl_monitor *m = wsl_xcalloc(1, sizeof *m);
    m->status = status;
    return m;
}

void wsl_monitor_free(struct wsl_monitor *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n; i++)
        free(m->w[i]);
    free(m->w);
    free(m);
}

static struct watch *watch_of(struct wsl_monitor *m, const char *app, const char *target)
{
    for (size_t i = 0; i < m->n; i++) {
        if (!strcmp(m->w[i]->app, app) && !strcmp(m->w[i]->target, target))
            return m->w[i];
    }
    struct watch *w = wsl_xcalloc(1, sizeof *w);
    snprintf(w->app, sizeof w->app, "%s", app);
    snprintf(w->target, sizeof w->target, "%s", target);
    m->w = wsl_xrealloc(m->w, (m->n + 1) * sizeof *m->w);
    m->w[m->n++] = w;
    return w;
}

static bool monitored(const struct wsl_app *a)
{
    return a->primary && a->spec.route.host && a->dns_target;
}

/* Whether placement i of a runs: always, except a cold standby no failover brought up. */
static bool deployed(const struct wsl_app *a, const struct wsl_runtime *rt, size_t i)
{
    const struct wsl_target *t = wsl_rt_target(a, i);
    return i == 0 || strcmp(a->spec.placement.mode, "cold") != 0 || rt->active == t ||
           rt->deploying == t;
}

static void verdict(struct wsl_state *st, const struct wsl_app *a, const struct wsl_target *t,
                    bool down, bool journaled_down, const char *why)
{
    wsl_log(down ? WSL_LOG_WARN : WSL_LOG_INFO, "monitor", down ? "placement down" : "placement up",
            "app", a->metadata.name, "target", t->metadata.name, "reason", why, NULL);
    if (down == journaled_down)
        return; /* the journal says so already (a restart) */
    struct wsl_err err = {0};
    if (wsl_runtime_verdict(st, a, t, down, why, &err) != 0)
        wsl_log(WSL_LOG_ERROR, "monitor", "the journal refused a verdict", "reason", err.msg, NULL);
}

/* Probe a's placements that are due. Returns true when a verdict changed. */
static bool probe_app(struct wsl_monitor *m, struct wsl_state *st, const struct wsl_app *a,
                      const struct wsl_runtime *rt, int64_t now)
{
    const struct wsl_health_probe *p = &a->spec.failover.probe;
    bool changed = false;
    for (size_t i = 0; i < wsl_rt_count(a); i++) {
        const struct wsl_target *t = wsl_rt_target(a, i);
        struct watch *w = watch_of(m, a->metadata.name, t->metadata.name);
        if (!deployed(a, rt, i) || now < w->due)
            continue;
        w->due = now + p->interval_ms;
        char why[512] = "";
        bool ok = wsl_probe_target(t, a, why, sizeof why);
        int v = wsl_probe_count(&w->count, ok, p);
        if (v)
            verdict(st, a, t, v < 0, rt->down[i], ok ? "probes answer again" : why);
        changed |= v != 0;
        wsl_status_probe(m->status, a->metadata.name, t->metadata.name, w->count.known,
                         !w->count.down, ok ? NULL : why);
    }
    return changed;
}

static bool is_down(struct wsl_monitor *m, const struct wsl_app *a, const struct wsl_target *t)
{
    struct watch *w = watch_of(m, a->metadata.name, t->metadata.name);
    return w->count.known && w->count.down;
}

/* Where to fail over to from `from`: the first placement not known down, not `from`, and
 * not pausing after a failed attempt. */
static const struct wsl_target *pick(struct wsl_monitor *m, const struct wsl_app *a,
                                     const struct wsl_target *from, int64_t now)
{
    for (size_t i = 0; i < wsl_rt_count(a); i++) {
        const struct wsl_target *t = wsl_rt_target(a, i);
        struct watch *w = watch_of(m, a->metadata.name, t->metadata.name);
        if (t != from && !is_down(m, a, t) && now >= w->retry_at)
            return t;
    }
    return NULL;
}

static void move(struct wsl_monitor *m, struct wsl_state *st, struct wsl_repo *repo,
                 const char *rev, const struct wsl_app *a, const struct wsl_target *from,
                 const struct wsl_target *to, const char *kind)
{
    char reason[600];
    if (!strcmp(kind, "failback"))
        snprintf(reason, sizeof reason, "the primary %s is up again", to->metadata.name);
    else
        snprintf(reason, sizeof reason, "%s is down", from->metadata.name);
    struct wsl_fo f = {repo, st, rev, a, from, to, kind, reason, 0};
    struct wsl_fo_result res;
    struct wsl_err err = {0};
    int rc = wsl_failover_run(&f, &res, &err);
    wsl_status_failover(m->status, a->metadata.name, to->metadata.name, rc == 0);
    if (rc) {
        struct watch *wt = watch_of(m, a->metadata.name, to->metadata.name);
        int64_t pause = a->spec.failover.probe.interval_ms;
        wt->retry_at = wsl_monotonic_ms() + (pause > RETRY_MS ? pause : RETRY_MS);
    }
}

static void act(struct wsl_monitor *m, struct wsl_state *st, struct wsl_repo *repo,
                const char *rev, const struct wsl_app *a, const struct wsl_runtime *rt,
                bool changed, int64_t now)
{
    if (!a->spec.failover.automatic)
        return;
    if (!strcmp(a->spec.placement.mode, "active-active")) {
        struct wsl_fo f = {repo, st, rev, a, a->primary, a->primary, "failover", NULL, 0};
        struct wsl_err err = {0};
        if (changed && wsl_failover_dns(&f, &err) != 0)
            wsl_log(WSL_LOG_ERROR, "monitor", "cannot re-point DNS", "app", a->metadata.name,
                    "reason", err.msg, NULL);
        return;
    }
    if (is_down(m, a, rt->active)) {
        const struct wsl_target *to = pick(m, a, rt->active, now);
        if (to)
            move(m, st, repo, rev, a, rt->active, to, "failover");
    } else if (rt->active != a->primary && a->spec.failover.failback &&
               watch_of(m, a->metadata.name, a->primary->metadata.name)->count.known &&
               !is_down(m, a, a->primary)) {
        move(m, st, repo, rev, a, rt->active, a->primary, "failback");
    }
}

int64_t wsl_monitor_tick(struct wsl_monitor *m, struct wsl_repo *repo, const char *rev,
                         struct wsl_state *st)
{
    int64_t now = wsl_monotonic_ms(), next = now + 1000;
    for (size_t i = 0; i < repo->apps.n; i++) {
        const struct wsl_app *a = repo->apps.v[i];
        if (!monitored(a))
            continue;
        struct wsl_runtime rt;
        struct wsl_err err = {0};
        if (wsl_runtime_read(st, a, &rt, &err) != 0) {
            wsl_log(WSL_LOG_ERROR, "monitor", "cannot read the journal", "app",
                    a->metadata.name, "reason", err.msg, NULL);
            continue; /* no verdict without knowing where DNS points */
        }
        bool changed = probe_app(m, st, a, &rt, now);
        act(m, st, repo, rev, a, &rt, changed, now);
        for (size_t k = 0; k < wsl_rt_count(a); k++) {
            struct watch *w = watch_of(m, a->metadata.name, wsl_rt_target(a, k)->metadata.name);
            if (w->due && w->due < next)
                next = w->due;
        }
    }
    int64_t left = next - wsl_monotonic_ms();
    return left < 0 ? 0 : left;
}
