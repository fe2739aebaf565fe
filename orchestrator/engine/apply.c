/*
 * apply.c — run a plan's actions on worker threads, then wait for health (see apply.h).
 *
 * One scheduler, on the caller's thread, owns every decision and every callback: it
 * starts an action when the action's waits are satisfied and a slot is free, writes the
 * journal, and collects finished actions from a list the workers append to. A worker only
 * calls the driver (retrying transient failures) and reports back; the only state it
 * shares with the scheduler is that list, under one mutex. Keeping the journal on one
 * thread is what makes "every start has an end" easy to see: the end of action i is
 * written in finish(), which runs once for every action that start() handed to a worker,
 * whatever happened to it.
 */
#include "orchestrator/engine/apply.h"

#include "lib/buf.h"
#include "orchestrator/engine/health.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEF_PARALLEL 4
#define DEF_RETRIES 3
#define DEF_RETRY_BASE_MS 200L
#define RETRY_MAX_MS 10000L
#define DEF_TARGET_TIMEOUT_MS 600000L
#define DEF_HEALTH_TIMEOUT_MS 300000L

enum state { WAITING, RUNNING, DONE };

struct task {
    struct run *run;
    size_t i;
    pthread_t thread;
    uint64_t rng;
    int rc, attempts;
    bool threaded;    /* a worker thread was started (and must be joined) */
    bool out_of_time; /* retrying stopped at the target's deadline */
    long t0;
    struct wsl_err err;
};

struct run {
    const struct wsl_driver *d;
    struct wsl_conn *c;
    const struct wsl_app *app;
    const struct wsl_plan *plan;
    struct wsl_apply_opts o; /* defaults filled in */
    struct wsl_apply_result *res;
    struct task *tasks;
    enum state *state;
    size_t running, changes_left; /* creates and updates not yet done well */
    long start, deadline;
    char what[300];               /* "web at cluster-a" */
    int rc;                       /* the first failure; nothing new starts once set */
    struct wsl_err *err;
    char skip_why[256];           /* for the actions that will not run */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t *finished, nfinished;  /* under mu: tasks ended, not yet collected */
};

static void set_defaults(struct wsl_apply_opts *o, const struct wsl_apply_opts *given)
{
    if (given)
        *o = *given;
    else
        memset(o, 0, sizeof *o);
    o->max_parallel = o->max_parallel > 0 ? o->max_parallel : DEF_PARALLEL;
    o->retries = o->retries < 0 ? 0 : o->retries ? o->retries : DEF_RETRIES;
    o->retry_base_ms = o->retry_base_ms > 0 ? o->retry_base_ms : DEF_RETRY_BASE_MS;
    if (o->target_timeout_ms <= 0)
        o->target_timeout_ms = DEF_TARGET_TIMEOUT_MS;
    if (o->revision && !o->revision[0])
        o->revision = NULL; /* "": not known */
}

static bool is_commit_id(const char *s)
{
    return strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

static const struct wsl_object *object_of(const struct run *r, size_t i)
{
    return wsl_plan_object(&r->plan->v[i]);
}

/* "create Deployment/web" */
static void describe(const struct run *r, size_t i, char *out, size_t n)
{
    const struct wsl_object *o = object_of(r, i);
    snprintf(out, n, "%s %s/%s", wsl_plan_type_name(r->plan->v[i].type), o->kind, o->name);
}

/* Record the first failure (later ones are only reported per action) and stop starting
 * actions. */
static void fail(struct run *r, int code, const char *skip_why, const char *hint,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void fail(struct run *r, int code, const char *skip_why, const char *hint,
                 const char *fmt, ...)
{
    if (r->rc)
        return;
    r->rc = code;
    snprintf(r->skip_why, sizeof r->skip_why, "not started: %s", skip_why);
    if (!r->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err->msg, sizeof r->err->msg, fmt, ap);
    va_end(ap);
    r->err->code = code;
    r->err->http_status = 0;
    snprintf(r->err->hint, sizeof r->err->hint, "%s", hint ? hint : "");
}

static void progress(const struct run *r, enum wsl_apply_phase ph, size_t i,
                     const struct wsl_health *h)
{
    if (!r->o.progress)
        return;
    struct wsl_apply_event ev = {ph, i, h ? NULL : &r->plan->v[i], h ? NULL : &r->res->v[i],
                                 h};
    r->o.progress(r->o.ctx, &ev);
}

/* --- the journal ---------------------------------------------------------------------- */

static json_t *event(const struct run *r, size_t i, const char *type)
{
    const struct wsl_object *o = object_of(r, i);
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s}", "type", type, "kind", o->kind, "name",
                           o->name, "action", wsl_plan_type_name(r->plan->v[i].type));
    if (r->app && r->app->metadata.name)
        json_object_set_new(ev, "app", json_string(r->app->metadata.name));
    if (r->o.target)
        json_object_set_new(ev, "target", json_string(r->o.target));
    return ev;
}

static json_t *end_event(const struct run *r, size_t i)
{
    const struct wsl_action_result *res = &r->res->v[i];
    json_t *ev = event(r, i, "action.end");
    bool ok = res->status == WSL_APPLY_OK;
    json_object_set_new(ev, "result", json_string(ok ? "ok" : "error"));
    if (!ok) {
        json_object_set_new(ev, "code", json_string(wsl_code_name(res->code)));
        json_object_set_new(ev, "message", json_string(res->message ? res->message : ""));
    }
    json_object_set_new(ev, "attempts", json_integer(res->attempts));
    json_object_set_new(ev, "duration_ms", json_integer(res->duration_ms));
    return ev;
}

/* Hand ev (consumed) to record(); a refusal stops the apply. Returns 0 or its code. */
static int journal(struct run *r, size_t i, json_t *ev)
{
    int rc = r->o.record ? r->o.record(r->o.ctx, ev) : 0;
    if (rc) {
        char act[300];
        describe(r, i, act, sizeof act);
        rc = rc < 0 ? rc : WSL_E_IO;
        fail(r, rc, "the journal could not be written",
             "nothing more was started; make the state store writable (disk space, etcd "
             "reachable) and apply again",
             "applying %s: the journal refused the %s event of %s (%s); the apply stopped",
             r->what, json_string_value(json_object_get(ev, "type")), act, wsl_code_name(rc));
    }
    json_decref(ev);
    return rc;
}

/* --- the workers ---------------------------------------------------------------------- */

/* xorshift64*: jitter needs spread, not cryptographic strength. */
static uint64_t next_random(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

/* Full jitter: uniform in [0, min(max, base * 2^(attempt-1))]. */
static long backoff(struct task *t)
{
    long ceiling = t->run->o.retry_base_ms;
    for (int k = 1; k < t->attempts && ceiling < RETRY_MAX_MS; k++)
        ceiling *= 2;
    if (ceiling > RETRY_MAX_MS)
        ceiling = RETRY_MAX_MS;
    return (long)(next_random(&t->rng) % (uint64_t)(ceiling + 1));
}

static void run_action(struct task *t)
{
    const struct run *r = t->run;
    for (;;) {
        wsl_err_clear(&t->err);
        t->attempts++;
        struct wsl_action a = r->plan->v[t->i]; /* the plan's, with the revision */
        a.revision = r->o.revision;
        t->rc = r->d->apply(r->c, r->app, &a, &t->err);
        if (t->rc == 0 || !wsl_code_transient(t->rc) || t->attempts > r->o.retries)
            return;
        long wait = backoff(t);
        if (wsl_clock_now(&r->o.clock) + wait >= r->deadline) {
            t->out_of_time = true;
            return;
        }
        wsl_clock_sleep(&r->o.clock, wait);
    }
}

static void *worker(void *arg)
{
    struct task *t = arg;
    struct run *r = t->run;
    run_action(t);
    pthread_mutex_lock(&r->mu);
    r->finished[r->nfinished++] = t->i;
    pthread_cond_signal(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* --- the scheduler -------------------------------------------------------------------- */

static bool done_well(const struct run *r, size_t j)
{
    enum wsl_apply_status s = r->res->v[j].status;
    return r->state[j] == DONE && (s == WSL_APPLY_OK || s == WSL_APPLY_NOOP);
}

static bool ready(const struct run *r, size_t i)
{
    const struct wsl_plan *p = r->plan;
    if (r->state[i] != WAITING)
        return false;
    if (p->v[i].type == WSL_ACT_DELETE && r->changes_left)
        return false;
    for (size_t e = p->wait_at[i]; e < p->wait_at[i + 1]; e++) {
        if (!done_well(r, p->wait[e]))
            return false;
    }
    return true;
}

static void start(struct run *r, size_t i)
{
    char act[300];
    describe(r, i, act, sizeof act);
    if (wsl_clock_now(&r->o.clock) >= r->deadline) {
        fail(r, WSL_E_TIMEOUT, "the target's time ran out",
             "raise the target's timeout, or apply again: the next plan resumes from the "
             "actions that finished",
             "applying %s: the time allowed (%ld ms) ran out before %s could start", r->what,
             r->o.target_timeout_ms, act);
        return;
    }
    if (journal(r, i, event(r, i, "action.start")) != 0)
        return;
    struct task *t = &r->tasks[i];
    t->run = r;
    t->i = i;
    t->rng = (r->o.seed ? r->o.seed : (uint64_t)r->start + 1) * 0x9E3779B97F4A7C15ULL + i + 1;
    t->t0 = wsl_clock_now(&r->o.clock);
    r->state[i] = RUNNING;
    r->running++;
    progress(r, WSL_APPLY_EV_STARTED, i, NULL);
    t->threaded = pthread_create(&t->thread, NULL, worker, t) == 0;
    if (!t->threaded) {
        t->rc = wsl_err_set(&t->err, WSL_E_INTERNAL, "no thread could be started for it");
        pthread_mutex_lock(&r->mu);
        r->finished[r->nfinished++] = i;
        pthread_mutex_unlock(&r->mu);
    }
}

static void action_failed(struct run *r, size_t i, const struct task *t)
{
    char act[300], skip[360], tries[64] = "";
    describe(r, i, act, sizeof act);
    if (t->attempts > 1)
        snprintf(tries, sizeof tries, " after %d attempts", t->attempts);
    snprintf(skip, sizeof skip, "%s failed", act);
    const char *hint = t->err.hint[0] ? t->err.hint : NULL;
    if (!hint && wsl_code_transient(t->rc))
        hint = "the provider did not answer in time; apply again when it does: the next "
               "plan resumes from the actions that finished";
    fail(r, t->rc, skip, hint, "applying %s: %s failed%s%s: %s", r->what, act, tries,
         t->out_of_time ? " (no more retries: the target's time ran out)" : "",
         t->err.msg[0] ? t->err.msg : wsl_code_name(t->rc));
    if (r->err && t->rc == WSL_E_HTTP)
        r->err->http_status = t->err.http_status;
}

/* An action ended: account for it, write its end, report it. */
static void finish(struct run *r, size_t i)
{
    struct task *t = &r->tasks[i];
    struct wsl_action_result *res = &r->res->v[i];
    if (t->threaded)
        pthread_join(t->thread, NULL);
    r->running--;
    r->state[i] = DONE;
    res->attempts = t->attempts;
    res->duration_ms = wsl_clock_now(&r->o.clock) - t->t0;
    if (t->rc == 0) {
        res->status = WSL_APPLY_OK;
        r->res->ok++;
        if (r->plan->v[i].type != WSL_ACT_DELETE)
            r->changes_left--;
    } else {
        res->status = WSL_APPLY_FAILED;
        res->code = t->rc;
        res->message = wsl_xstrdup(t->err.msg[0] ? t->err.msg : wsl_code_name(t->rc));
        r->res->failed++;
        action_failed(r, i, t);
    }
    journal(r, i, end_event(r, i));
    progress(r, WSL_APPLY_EV_FINISHED, i, NULL);
}

/* Wait until at least one worker reports, then finish each that did. */
static void collect(struct run *r)
{
    size_t *batch = wsl_xmalloc(r->plan->n * sizeof *batch), n;
    pthread_mutex_lock(&r->mu);
    while (r->nfinished == 0)
        pthread_cond_wait(&r->cv, &r->mu);
    n = r->nfinished;
    memcpy(batch, r->finished, n * sizeof *batch);
    r->nfinished = 0;
    pthread_mutex_unlock(&r->mu);
    for (size_t k = 0; k < n; k++)
        finish(r, batch[k]);
    free(batch);
}

static void schedule(struct run *r)
{
    for (;;) {
        for (size_t i = 0; !r->rc && i < r->plan->n; i++) {
            if (r->running < (size_t)r->o.max_parallel && ready(r, i))
                start(r, i);
        }
        if (!r->running)
            return;
        collect(r);
    }
}

/* Mark what never ran; a plan whose waits cannot be met is a bug in the plan. */
static void skip_rest(struct run *r)
{
    for (size_t i = 0; i < r->plan->n; i++) {
        if (r->state[i] != WAITING)
            continue;
        if (!r->rc) {
            char act[300];
            describe(r, i, act, sizeof act);
            fail(r, WSL_E_INTERNAL, "the plan's order cannot be kept", NULL,
                 "applying %s: %s waits for an action that cannot run; this is a bug in "
                 "wissel, please report it", r->what, act);
        }
        struct wsl_action_result *res = &r->res->v[i];
        res->status = WSL_APPLY_SKIPPED;
        res->message = wsl_xstrdup(r->skip_why);
        r->res->skipped++;
        progress(r, WSL_APPLY_EV_SKIPPED, i, NULL);
    }
}

/* --- health and the whole ------------------------------------------------------------- */

static void health_seen(void *ctx, const struct wsl_health *h)
{
    struct run *r = ctx;
    r->res->health = *h;
    r->res->health_checked = true;
    progress(r, WSL_APPLY_EV_HEALTH, 0, h);
}

static void wait_health(struct run *r)
{
    long left = r->deadline - wsl_clock_now(&r->o.clock);
    long timeout = r->o.health_timeout_ms > 0 ? r->o.health_timeout_ms : DEF_HEALTH_TIMEOUT_MS;
    struct wsl_health_wait w = {
        .timeout_ms = left < timeout ? (left > 0 ? left : 1) : timeout,
        .interval_ms = r->o.health_interval_ms,
        .what = r->what,
        .clock = r->o.clock,
        .seen = health_seen,
        .ctx = r,
    };
    struct wsl_health last;
    struct wsl_err e = {0};
    int rc = wsl_health_wait(r->d, r->c, r->app, &w, &last, &e);
    if (rc) {
        r->res->health = last;
        fail(r, rc, "", e.hint[0] ? e.hint : NULL, "%s", e.msg);
    }
}

static void init_run(struct run *r, const struct wsl_driver *d, struct wsl_conn *c,
                     const struct wsl_app *app, const struct wsl_plan *plan,
                     struct wsl_apply_result *res, struct wsl_err *err)
{
    size_t n = plan->n ? plan->n : 1;
    *r = (struct run){.d = d, .c = c, .app = app, .plan = plan, .res = res, .err = err};
    r->tasks = wsl_xcalloc(n, sizeof *r->tasks);
    r->state = wsl_xcalloc(n, sizeof *r->state);
    r->finished = wsl_xmalloc(n * sizeof *r->finished);
    res->v = wsl_xcalloc(n, sizeof *res->v);
    res->n = plan->n;
    for (size_t i = 0; i < plan->n; i++) {
        enum wsl_action_type t = plan->v[i].type;
        if (t == WSL_ACT_NOOP)
            r->state[i] = DONE; /* and its result's status is WSL_APPLY_NOOP */
        else if (t != WSL_ACT_DELETE)
            r->changes_left++;
        r->res->v[i].status = t == WSL_ACT_NOOP ? WSL_APPLY_NOOP : WSL_APPLY_SKIPPED;
    }
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
}

int wsl_apply_run(const struct wsl_driver *d, struct wsl_conn *c, const struct wsl_app *app,
                  const struct wsl_plan *plan, const struct wsl_apply_opts *opts,
                  struct wsl_apply_result *res, struct wsl_err *err)
{
    struct run r;
    memset(res, 0, sizeof *res);
    if (opts && opts->revision && opts->revision[0] && !is_commit_id(opts->revision))
        return wsl_err_set(err, WSL_E_INVALID, "the revision \"%.60s\" to apply is not a git "
                           "commit id (40 lowercase hex digits)", opts->revision);
    init_run(&r, d, c, app, plan, res, err);
    set_defaults(&r.o, opts);
    const char *name = app && app->metadata.name ? app->metadata.name : "the application";
    if (r.o.target)
        snprintf(r.what, sizeof r.what, "%s at %s", name, r.o.target);
    else
        snprintf(r.what, sizeof r.what, "%s", name);
    r.start = wsl_clock_now(&r.o.clock);
    r.deadline = r.start + r.o.target_timeout_ms;
    schedule(&r);
    skip_rest(&r);
    if (!r.rc && r.o.health_timeout_ms >= 0)
        wait_health(&r);
    res->duration_ms = wsl_clock_now(&r.o.clock) - r.start;
    pthread_cond_destroy(&r.cv);
    pthread_mutex_destroy(&r.mu);
    free(r.tasks);
    free(r.state);
    free(r.finished);
    return r.rc;
}

void wsl_apply_result_free(struct wsl_apply_result *res)
{
    for (size_t i = 0; i < res->n; i++)
        free(res->v[i].message);
    free(res->v);
    memset(res, 0, sizeof *res);
}

const char *wsl_apply_status_name(enum wsl_apply_status s)
{
    switch (s) {
    case WSL_APPLY_OK: return "ok";
    case WSL_APPLY_FAILED: return "failed";
    case WSL_APPLY_SKIPPED: return "skipped";
    default: return "no-op";
    }
}
