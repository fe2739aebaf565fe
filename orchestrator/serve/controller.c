#include "orchestrator/serve/controller.h"

#include "lib/buf.h"
#include "lib/http.h"
#include "lib/log.h"
#include "lib/units.h"
#include "orchestrator/git/revision.h"
#include "orchestrator/reconcile/reconcile.h"
#include "orchestrator/serve/monitor.h"

#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* After a stop is asked, how long workers may finish the calls in flight. */
#define STOP_GRACE_S 10

/* A loaded, checked revision: shared by the workers, freed by the last one to let go. */
struct gen {
    int refs;                 /* under the controller's mutex */
    struct wsl_reconcile *r;  /* owns the repository */
    char rev[41];
};

struct worker {
    struct wsl_ctl *ctl;
    char *target;
    pthread_t thread;
    pthread_cond_t wake;
    struct gen *gen;          /* the newest generation (a reference) */
    bool fresh, drift, quit;  /* a new generation / a drift check is due / end */
    int64_t retry_at;         /* monotonic ms of the next retry, 0: none */
    unsigned failures;        /* passes in a row with a failure */
};

struct wsl_ctl {
    struct wsl_ctl_opts o;
    pthread_mutex_t mu;
    pthread_cond_t wake;      /* the coordinator's: a trigger, or time to stop */
    bool triggered;
    struct worker **w;
    size_t nw;
    struct gen *gen;          /* the newest good generation (a reference) */
    const struct wsl_leader *leader;
    struct wsl_state *st;     /* the coordinator's own store */
    char fetched[41];         /* the revision the checkout is at */
    char rejected[41];        /* the last revision refused (journaled once) */
    bool refused;             /* the fetch in progress: its revision was not trusted */
    pthread_t monitor;        /* the monitor's thread, while leading */
    pthread_cond_t monitor_wake;
    bool monitor_quit, monitor_on; /* on: the thread was started */
    uint64_t rand;
};

/* A condition variable whose waits are measured on the monotonic clock. */
static void cond_init(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}

/* Wait on cv (mu held) for at most ms. */
static void wait_ms(pthread_cond_t *cv, pthread_mutex_t *mu, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t ns = ts.tv_nsec + ms * 1000000;
    ts.tv_sec += ns / 1000000000;
    ts.tv_nsec = ns % 1000000000;
    pthread_cond_timedwait(cv, mu, &ts);
}

static bool stopping(const struct wsl_ctl *c)
{
    return *c->o.stopping != 0;
}

/* --- generations ------------------------------------------------------------------------ */

static void gen_unref(struct wsl_ctl *c, struct gen *g)
{
    if (!g)
        return;
    pthread_mutex_lock(&c->mu);
    bool last = --g->refs == 0;
    pthread_mutex_unlock(&c->mu);
    if (last) {
        wsl_reconcile_free(g->r);
        free(g);
    }
}

/* --- workers: one per target ------------------------------------------------------------ */

static bool leader_lost(const struct wsl_ctl *c)
{
    return c->leader && wsl_leader_lost(c->leader);
}

/* The wait before retrying after the n-th failing pass in a row: 1 s, doubling. */
static int64_t backoff_ms(const struct wsl_ctl *c, unsigned n)
{
    int64_t ms = (int64_t)1000 << (n > 0 && n < 10 ? n - 1 : 9);
    return ms < c->o.retry_max_ms ? ms : c->o.retry_max_ms;
}

/* A failure that says the target itself cannot be worked on now (unreachable, or its
 * lock held by another process): the rest of its placements would fail the same way. */
static bool target_failure(const struct wsl_placement_item *it, int rc)
{
    return rc == WSL_E_NET || rc == WSL_E_TIMEOUT || rc == WSL_E_TLS ||
           (rc == WSL_E_CONFLICT && !it->lock);
}

/* Ask a placement's health once (no wait): after an apply, or to observe it. */
static void observe_health(struct wsl_placement_item *it, struct wsl_placement_report *rep,
                           struct wsl_health *h)
{
    struct wsl_err err = {0};
    memset(h, 0, sizeof *h);
    if (it->driver->health(it->conn, it->app, h, &err) != 0)
        return; /* unknown this time: the status keeps the last answer */
    rep->health_known = true;
    rep->health = h->state;
    rep->health_reason = h->reason;
}

/* Apply one planned placement without waiting for health. */
static int apply_item(struct wsl_reconcile *r, struct wsl_placement_item *it,
                      struct wsl_err *err)
{
    struct wsl_apply_opts ao = {.health_timeout_ms = -1};
    struct wsl_apply_result res = {0};
    int rc = wsl_reconcile_apply(r, it, &ao, &res, err);
    wsl_apply_result_free(&res);
    return rc;
}

static bool has_changes(const struct wsl_plan *p)
{
    return p->count[WSL_ACT_CREATE] + p->count[WSL_ACT_UPDATE] + p->count[WSL_ACT_DELETE] > 0;
}

/* Plan, apply and observe one placement; report it. Returns its code. */
static int reconcile_item(struct worker *w, struct wsl_reconcile *r,
                          struct wsl_placement_item *it, const struct wsl_rc_opts *o,
                          const char *last_rev)
{
    int64_t t0 = wsl_monotonic_ms();
    struct wsl_err err = {0};
    struct wsl_placement_report rep = {.app = it->app->metadata.name,
                                       .target = w->target, .revision = r->revision};
    struct wsl_health h;
    int rc = wsl_reconcile_plan_item(r, it, o);
    if (rc != 0) {
        err = it->err;
    } else if (has_changes(&it->plan)) {
        rep.applied = true;
        rep.drift = last_rev[0] && !strcmp(last_rev, r->revision);
        rc = apply_item(r, it, &err);
    }
    if (it->conn)
        observe_health(it, &rep, &h);
    wsl_plan_free(&it->plan);
    rep.rc = rc;
    rep.message = err.msg;
    rep.duration_ms = wsl_monotonic_ms() - t0;
    wsl_status_placement(w->ctl->o.status, &rep);
    if (rc)
        wsl_log(WSL_LOG_ERROR, "serve", "reconcile failed", "app", rep.app, "target",
                w->target, "reason", err.msg, NULL);
    else if (rep.applied)
        wsl_log(WSL_LOG_INFO, "serve", rep.drift ? "drift corrected" : "applied", "app",
                rep.app, "target", w->target, "revision", r->revision, NULL);
    return rc;
}

/* One pass over the target's placements at generation g. Returns the number that failed
 * (a target that cannot be reached ends the pass at its first placement). */
static size_t pass(struct worker *w, struct wsl_state *st, struct gen *g, char *last_rev)
{
    struct wsl_ctl *c = w->ctl;
    struct wsl_rc_opts o = {.repo = g->r->repo, .st = st, .revision = g->rev,
                            .target = w->target, .lock = true,
                            .plan_flags = WSL_PLAN_FORCE_OWNED};
    struct wsl_reconcile *r = NULL;
    struct wsl_err err = {0};
    size_t failed = 0;
    const char *provider = "";
    int rc = wsl_reconcile_load(&o, &r, &err);
    for (size_t i = 0; rc == 0 && i < r->n; i++) {
        if (stopping(c) || leader_lost(c))
            break;
        provider = r->v[i].target->spec.provider_name;
        int irc = reconcile_item(w, r, &r->v[i], &o, last_rev);
        failed += irc != 0;
        if (target_failure(&r->v[i], irc)) {
            rc = irc;
            err = r->v[i].err;
        }
    }
    if (rc == 0 && failed == 0)
        snprintf(last_rev, 41, "%s", g->rev);
    wsl_status_target(c->o.status, w->target, provider, rc == 0, err.msg,
                      failed || rc ? backoff_ms(c, w->failures + 1) : 0);
    wsl_reconcile_free(r);
    malloc_trim(0); /* what the pass observed goes back to the system, not to an idle arena */
    return failed + (rc != 0);
}

/* Wait until this worker has something to do; false when it should end. Called and
 * returns with the controller's mutex held. */
static bool await_work(struct worker *w)
{
    struct wsl_ctl *c = w->ctl;
    while (!w->quit) {
        int64_t now = wsl_monotonic_ms();
        if (w->gen && (w->fresh || w->drift || (w->retry_at && now >= w->retry_at)))
            return true;
        int64_t ms = w->retry_at && w->retry_at - now < 1000 ? w->retry_at - now : 1000;
        wait_ms(&w->wake, &c->mu, ms);
    }
    return false;
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct wsl_ctl *c = w->ctl;
    struct wsl_state *st = NULL;
    struct wsl_err err = {0};
    char last_rev[41] = "";
    if (wsl_state_open(c->o.state, &st, &err) != 0)
        wsl_log(WSL_LOG_ERROR, "serve", "cannot open the state", "target", w->target,
                "reason", err.msg, NULL);
    pthread_mutex_lock(&c->mu);
    while (st && await_work(w)) {
        struct gen *g = w->gen;
        g->refs++;
        w->fresh = w->drift = false;
        w->retry_at = 0;
        pthread_mutex_unlock(&c->mu);
        size_t failed = pass(w, st, g, last_rev);
        gen_unref(c, g);
        pthread_mutex_lock(&c->mu);
        w->failures = failed ? w->failures + 1 : 0;
        if (failed && !w->quit)
            w->retry_at = wsl_monotonic_ms() + backoff_ms(c, w->failures);
    }
    pthread_mutex_unlock(&c->mu);
    wsl_state_close(st);
    return NULL;
}

static struct worker *worker_start(struct wsl_ctl *c, const char *target)
{
    struct worker *w = wsl_xcalloc(1, sizeof *w);
    w->ctl = c;
    w->target = wsl_xstrdup(target);
    cond_init(&w->wake);
    pthread_create(&w->thread, NULL, worker_main, w);
    return w;
}

static void worker_free(struct wsl_ctl *c, struct worker *w)
{
    gen_unref(c, w->gen);
    pthread_cond_destroy(&w->wake);
    free(w->target);
    free(w);
}

static void worker_quit(struct wsl_ctl *c, struct worker *w)
{
    pthread_mutex_lock(&c->mu);
    w->quit = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&c->mu);
}

/* Tell a worker to end after its action in flight, wait for it, free it. */
static void worker_stop(struct wsl_ctl *c, struct worker *w)
{
    worker_quit(c, w);
    pthread_join(w->thread, NULL);
    worker_free(c, w);
}

/* Stop every worker. When the process is stopping, calls still running after the grace
 * period (a target that hangs) are abandoned: their actions end as canceled in the
 * journal, and the next start observes what they did. */
static void workers_stop(struct wsl_ctl *c)
{
    for (size_t i = 0; i < c->nw; i++)
        worker_quit(c, c->w[i]);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += STOP_GRACE_S;
    for (size_t i = 0; i < c->nw; i++) {
        if (stopping(c) && pthread_timedjoin_np(c->w[i]->thread, NULL, &until) != 0) {
            wsl_log(WSL_LOG_WARN, "serve", "abandoning the calls in flight", "target",
                    c->w[i]->target, NULL);
            wsl_http_cancel_all();
            pthread_join(c->w[i]->thread, NULL);
        } else if (!stopping(c)) {
            pthread_join(c->w[i]->thread, NULL);
        }
        worker_free(c, c->w[i]);
    }
    free(c->w);
    c->w = NULL;
    c->nw = 0;
}

/* --- the monitor (serve/monitor.h): its own thread and state store, while leading ------- */

static void *monitor_main(void *arg)
{
    struct wsl_ctl *c = arg;
    struct wsl_state *st = NULL;
    struct wsl_err err = {0};
    if (wsl_state_open(c->o.state, &st, &err) != 0) {
        wsl_log(WSL_LOG_ERROR, "monitor", "cannot open the state", "reason", err.msg, NULL);
        return NULL;
    }
    struct wsl_monitor *m = wsl_monitor_new(c->o.status);
    pthread_mutex_lock(&c->mu);
    while (!c->monitor_quit) {
        struct gen *g = c->gen;
        int64_t ms = 1000;
        if (g && !leader_lost(c)) {
            g->refs++;
            pthread_mutex_unlock(&c->mu);
            ms = wsl_monitor_tick(m, g->r->repo, g->rev, st);
            gen_unref(c, g);
            pthread_mutex_lock(&c->mu);
        }
        if (!c->monitor_quit)
            wait_ms(&c->monitor_wake, &c->mu, ms > 0 ? ms : 1);
    }
    pthread_mutex_unlock(&c->mu);
    wsl_monitor_free(m);
    wsl_state_close(st);
    return NULL;
}

static void monitor_start(struct wsl_ctl *c)
{
    c->monitor_quit = false;
    c->monitor_on = pthread_create(&c->monitor, NULL, monitor_main, c) == 0;
    if (!c->monitor_on)
        wsl_log(WSL_LOG_ERROR, "serve", "the monitor could not start: no failover while "
                "this process leads", NULL);
}

static void monitor_stop(struct wsl_ctl *c)
{
    if (!c->monitor_on)
        return;
    c->monitor_on = false;
    pthread_mutex_lock(&c->mu);
    c->monitor_quit = true;
    pthread_cond_signal(&c->monitor_wake);
    pthread_mutex_unlock(&c->mu);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += STOP_GRACE_S;
    if (stopping(c) && pthread_timedjoin_np(c->monitor, NULL, &until) == 0)
        return;
    if (stopping(c)) { /* a failover in flight: its calls end as canceled in the journal */
        wsl_log(WSL_LOG_WARN, "serve", "abandoning the monitor's calls in flight", NULL);
        wsl_http_cancel_all();
    }
    pthread_join(c->monitor, NULL);
}

/* --- the coordinator -------------------------------------------------------------------- */

static bool lists_target(const struct gen *g, const char *target)
{
    for (size_t i = 0; i < g->r->n; i++) {
        if (!strcmp(g->r->v[i].target->metadata.name, target))
            return true;
    }
    return false;
}

/* Give generation g to the workers: one per target it places on (new ones started,
 * those of targets it no longer names stopped). */
static void publish(struct wsl_ctl *c, struct gen *g)
{
    for (size_t i = 0; i < c->nw;) {
        if (lists_target(g, c->w[i]->target)) {
            i++;
            continue;
        }
        worker_stop(c, c->w[i]);
        c->w[i] = c->w[--c->nw];
    }
    for (size_t i = 0; i < g->r->n; i++) {
        const char *t = g->r->v[i].target->metadata.name;
        size_t k = 0;
        while (k < c->nw && strcmp(c->w[k]->target, t))
            k++;
        if (k == c->nw) {
            c->w = wsl_xrealloc(c->w, (c->nw + 1) * sizeof *c->w);
            c->w[c->nw++] = worker_start(c, t);
        }
    }
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->nw; i++) {
        struct worker *w = c->w[i];
        struct gen *old = w->gen;
        g->refs++;
        w->gen = g;
        w->fresh = true;
        pthread_cond_signal(&w->wake);
        if (old && --old->refs == 0) {
            wsl_reconcile_free(old->r); /* no pass holds it: the pass takes a reference */
            free(old);
        }
    }
    pthread_mutex_unlock(&c->mu);
}

static void drift_check(struct wsl_ctl *c)
{
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->nw; i++) {
        c->w[i]->drift = true;
        pthread_cond_signal(&c->w[i]->wake);
    }
    pthread_mutex_unlock(&c->mu);
}

/* Journal a leadership event, fenced by the leadership: fails once it is lost. */
static int record(struct wsl_ctl *c, const char *type, const char *rev, const char *msg)
{
    json_t *rec = json_pack("{s:s, s:s}", "type", type, "instance", c->o.id);
    if (rev && rev[0])
        json_object_set_new(rec, "revision", json_string(rev));
    if (msg)
        json_object_set_new(rec, "message", json_string(msg));
    struct wsl_fence f = wsl_leader_fence(c->leader);
    int rc = wsl_state_append(c->st, rec, &f, NULL);
    json_decref(rec);
    return rc;
}

/* The manifest paths inside the checkout (or as given). */
static struct wsl_rc_opts load_opts(struct wsl_ctl *c, char **buf)
{
    struct wsl_rc_opts o = {.paths = c->o.paths, .npaths = c->o.npaths, .st = c->st};
    if (!c->o.git)
        return o;
    for (size_t i = 0; i < c->o.npaths; i++) {
        struct wsl_buf b = {0};
        wsl_buf_printf(&b, "%s/%s", c->o.git->dir, c->o.paths[i]);
        buf[i] = wsl_buf_steal(&b);
    }
    o.paths = (const char *const *)buf;
    o.revision = c->fetched;
    return o;
}

/* A revision that is not applied (manifests with errors, or a signature not trusted):
 * journaled and logged once, however often it is fetched again. */
static void reject(struct wsl_ctl *c, const char *rev, const char *msg, const char *hint)
{
    if (!strcmp(c->rejected, rev))
        return;
    snprintf(c->rejected, sizeof c->rejected, "%s", rev);
    record(c, "serve.rejected", rev, msg);
    wsl_log(WSL_LOG_ERROR, "serve", "revision not applied", "revision", rev, "reason", msg,
            "first", hint, NULL);
}

/* The first problem in the manifests, as the error's hint (the log shows one line). */
static void hint_first_diag(struct wsl_err *err, const struct wsl_diags *d)
{
    if (d->n == 0)
        return;
    const struct wsl_diag *g = &d->v[0];
    wsl_err_hint(err, "%s:%d:%d: %s", g->file ? g->file : "", g->line, g->col, g->msg);
}

/* Load and check the manifests at the fetched revision into a new generation; true when
 * it was handed to the workers. */
static bool load(struct wsl_ctl *c)
{
    char **buf = wsl_xcalloc(c->o.npaths + 1, sizeof *buf);
    struct wsl_rc_opts o = load_opts(c, buf);
    struct gen *g = wsl_xcalloc(1, sizeof *g);
    struct wsl_err err = {0};
    int64_t t0 = wsl_monotonic_ms();
    int rc = wsl_reconcile_load(&o, &g->r, &err);
    int64_t ms = wsl_monotonic_ms() - t0;
    snprintf(g->rev, sizeof g->rev, "%s", g->r->revision);
    for (size_t i = 0; i < c->o.npaths; i++)
        free(buf[i]);
    free(buf);
    if (rc != 0)
        hint_first_diag(&err, &g->r->repo->diags);
    wsl_status_load(c->o.status, g->rev, rc, err.msg, ms);
    if (rc != 0) {
        reject(c, g->rev, err.msg, err.hint);
        wsl_reconcile_free(g->r);
        free(g);
        return false;
    }
    if (!c->gen || strcmp(c->gen->rev, g->rev)) {
        record(c, "serve.revision", g->rev, NULL);
        wsl_log(WSL_LOG_INFO, "serve", "revision loaded", "revision", g->rev, NULL);
    }
    g->refs = 1;
    pthread_mutex_lock(&c->mu);
    struct gen *old = c->gen;
    c->gen = g; /* under the lock: the monitor takes references from here */
    pthread_mutex_unlock(&c->mu);
    gen_unref(c, old);
    publish(c, g);
    return true;
}

static int accept_signed(void *ctx, const char *dir, const char *rev, struct wsl_err *err)
{
    struct wsl_ctl *c = ctx;
    char signer[256] = "";
    int rc = wsl_git_verify(dir, rev, c->o.trust, signer, err);
    wsl_status_signature(c->o.status, rev, rc == 0, rc == 0 ? signer : err->msg);
    c->refused = rc != 0;
    if (rc != 0)
        reject(c, rev, err->msg, err->hint);
    return rc;
}

/* Fetch; on a new (and, when required, trusted) revision, load it. True when a new
 * generation went to the workers. */
static bool fetch(struct wsl_ctl *c)
{
    char rev[41] = "";
    bool changed = false;
    struct wsl_err err = {0};
    int64_t t0 = wsl_monotonic_ms();
    struct wsl_git_source s = *c->o.git;
    if (c->o.trust) {
        s.accept = accept_signed;
        s.accept_ctx = c;
    }
    c->refused = false;
    int rc = wsl_git_sync(&s, rev, &changed, &err);
    int64_t ms = wsl_monotonic_ms() - t0;
    wsl_status_fetch(c->o.status, c->refused ? 0 : rc, rev, err.msg, ms);
    if (c->refused)
        return false; /* fetched, but not trusted: what runs stays as it is */
    if (rc != 0) {
        wsl_log(WSL_LOG_ERROR, "serve", "git fetch failed", "reason", err.msg, NULL);
        return false;
    }
    if (!strcmp(rev, c->fetched) && c->gen)
        return false;
    snprintf(c->fetched, sizeof c->fetched, "%s", rev);
    return load(c);
}

static int64_t jittered(struct wsl_ctl *c, int64_t ms)
{
    c->rand ^= c->rand << 13;
    c->rand ^= c->rand >> 7;
    c->rand ^= c->rand << 17;
    int64_t span = ms / 10;
    return span > 0 ? ms - span + (int64_t)(c->rand % (uint64_t)(2 * span + 1)) : ms;
}

/* Sleep until deadline (monotonic ms), a trigger, the end of leadership or a stop.
 * Returns true when triggered. */
static bool wait_until(struct wsl_ctl *c, int64_t deadline)
{
    pthread_mutex_lock(&c->mu);
    while (!c->triggered && !stopping(c) && !leader_lost(c)) {
        int64_t now = wsl_monotonic_ms();
        if (now >= deadline)
            break;
        int64_t slice = deadline - now < 100 ? deadline - now : 100; /* signals: poll */
        wait_ms(&c->wake, &c->mu, slice);
    }
    bool t = c->triggered;
    c->triggered = false;
    pthread_mutex_unlock(&c->mu);
    return t;
}

/* Lead until leadership is lost or a stop is asked. */
static void lead(struct wsl_ctl *c)
{
    if (record(c, "serve.lead", NULL, NULL) != 0)
        return;
    c->fetched[0] = c->rejected[0] = '\0';
    int64_t next_fetch = 0, next_drift = wsl_monotonic_ms() + c->o.drift_ms;
    while (!stopping(c) && !leader_lost(c)) {
        int64_t now = wsl_monotonic_ms();
        if (now >= next_fetch) {
            bool reconciling = c->o.git ? fetch(c) : load(c); /* on disk: read again */
            wsl_status_trigger_done(c->o.status, reconciling);
            next_fetch = wsl_monotonic_ms() + jittered(c, c->o.interval_ms);
        }
        if (now >= next_drift) {
            drift_check(c);
            next_drift = wsl_monotonic_ms() + c->o.drift_ms;
        }
        int64_t deadline = next_fetch < next_drift ? next_fetch : next_drift;
        if (wait_until(c, deadline))
            next_fetch = 0;
    }
}

struct wsl_ctl *wsl_ctl_new(const struct wsl_ctl_opts *o)
{
    struct wsl_ctl *c = wsl_xcalloc(1, sizeof *c);
    c->o = *o;
    pthread_mutex_init(&c->mu, NULL);
    cond_init(&c->wake);
    cond_init(&c->monitor_wake);
    c->rand = ((uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid()) | 1;
    return c;
}

void wsl_ctl_trigger(struct wsl_ctl *c)
{
    pthread_mutex_lock(&c->mu);
    c->triggered = true;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->mu);
}

int wsl_ctl_run(struct wsl_ctl *c, struct wsl_err *err)
{
    int rc = wsl_state_open(c->o.state, &c->st, err);
    if (rc != 0)
        return rc;
    while (!stopping(c)) {
        struct wsl_leader *l = NULL;
        struct wsl_err cerr = {0};
        rc = wsl_state_campaign(c->st, "serve", c->o.id, 1000, &l, &cerr);
        if (rc == WSL_E_CONFLICT)
            continue; /* someone else leads: keep campaigning */
        if (rc) {
            wsl_log(WSL_LOG_ERROR, "serve", "cannot campaign", "reason", cerr.msg, NULL);
            wait_until(c, wsl_monotonic_ms() + 1000);
            continue;
        }
        wsl_log(WSL_LOG_INFO, "serve", "leading", "instance", c->o.id, NULL);
        c->leader = l;
        wsl_status_leader(c->o.status, true);
        monitor_start(c);
        lead(c);
        monitor_stop(c);
        workers_stop(c);
        gen_unref(c, c->gen);
        c->gen = NULL;
        wsl_status_leader(c->o.status, false);
        if (!stopping(c))
            wsl_log(WSL_LOG_WARN, "serve", "lost leadership", "instance", c->o.id, NULL);
        c->leader = NULL;
        wsl_leader_resign(l);
    }
    return 0;
}

void wsl_ctl_free(struct wsl_ctl *c)
{
    if (!c)
        return;
    wsl_state_close(c->st);
    pthread_cond_destroy(&c->wake);
    pthread_cond_destroy(&c->monitor_wake);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
