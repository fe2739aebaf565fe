/*
 * scripted.c — the in-memory provider and its driver (see scripted.h).
 *
 * One mutex guards everything. An apply call holds it throughout except while it waits at
 * the "hold" gate, which is where calls overlap: the gate opens (a generation counter
 * moves on) when `width` calls stand at it, and every call that saw the old generation
 * goes through, so a gate that opened stays open for its whole wave.
 */
#include "tests/unit/helpers/scripted.h"

#include "lib/buf.h"
#include "lib/json.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_HEALTH 32
#define MAX_SLEEPS 256

/* Per-object counters and faults, by key "kind/name". */
struct tally {
    char *key;
    int creates, calls;
    int fail_code, fail_times;
    char revision[41]; /* what the last apply call carried ("" none) */
};

struct scripted {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct wsl_objset want, world;
    struct tally *tally;
    size_t ntally;
    int observe_code;
    char *partial_why;
    int crash_in;            /* successful applies left before the crash; < 0: none */
    bool crash_lands, crashed;
    int hold_width;
    long hold_max_ms;
    unsigned long gate;      /* generation of the hold gate */
    long cost_ms;
    int inflight, max_inflight, calls;
    struct wsl_health health[MAX_HEALTH];
    int nhealth, health_next, health_calls, health_code, health_fails;
    long now;
    long sleeps[MAX_SLEEPS];
    int nsleeps;
    long slept;
    unsigned long uid;
    struct wsl_buf trace;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "scripted: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
    if (!v)
        die("bad JSON in a test: %s: %s", text, je.text);
    return v;
}

static struct scripted *of(struct wsl_conn *c)
{
    return (struct scripted *)c;
}

struct scripted *scripted_new(void)
{
    struct scripted *s = wsl_xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->want.complete = s->world.complete = true;
    s->crash_in = -1;
    s->now = 1000000;
    return s;
}

void scripted_free(struct scripted *s)
{
    if (!s)
        return;
    wsl_objset_free(&s->want);
    wsl_objset_free(&s->world);
    for (size_t i = 0; i < s->ntally; i++)
        free(s->tally[i].key);
    free(s->tally);
    free(s->partial_why);
    wsl_buf_free(&s->trace);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

struct wsl_conn *scripted_conn(struct scripted *s)
{
    return (struct wsl_conn *)s;
}

/* --- object sets -------------------------------------------------------------------- */

static void depend_key(struct wsl_object *o, const char *key)
{
    const char *slash = strchr(key, '/');
    if (!slash)
        die("dependency \"%s\" is not kind/name", key);
    char *kind = wsl_xstrndup(key, (size_t)(slash - key));
    wsl_object_depend(o, kind, slash + 1);
    free(kind);
}

static void depend_list(struct wsl_object *o, va_list ap)
{
    const char *key;
    while ((key = va_arg(ap, const char *)) != NULL)
        depend_key(o, key);
}

static struct wsl_object *copy_into(struct wsl_objset *dst, const struct wsl_object *o)
{
    struct wsl_object *c = wsl_objset_add(dst, o->kind, o->name, json_deep_copy(o->body));
    for (size_t k = 0; k < o->ndeps; k++)
        depend_key(c, o->deps[k]);
    memcpy(c->fingerprint, o->fingerprint, sizeof c->fingerprint);
    c->owned = o->owned;
    return c;
}


static struct tally *tally(struct scripted *s, const char *kind, const char *name)
{
    char key[512];
    snprintf(key, sizeof key, "%s/%s", kind, name);
    for (size_t i = 0; i < s->ntally; i++) {
        if (!strcmp(s->tally[i].key, key))
            return &s->tally[i];
    }
    s->tally = wsl_xrealloc(s->tally, (s->ntally + 1) * sizeof *s->tally);
    struct tally *t = &s->tally[s->ntally++];
    memset(t, 0, sizeof *t);
    t->key = wsl_xstrdup(key);
    return t;
}

/* --- the script ---------------------------------------------------------------------- */

void scripted_want(struct scripted *s, const char *kind, const char *name,
                   const char *body_json, ...)
{
    pthread_mutex_lock(&s->mu);
    struct wsl_object *o = wsl_objset_add(&s->want, kind, name, parse(body_json));
    va_list ap;
    va_start(ap, body_json);
    depend_list(o, ap);
    va_end(ap);
    pthread_mutex_unlock(&s->mu);
}

void scripted_unwant(struct scripted *s, const char *kind, const char *name)
{
    pthread_mutex_lock(&s->mu);
    struct wsl_object *o = wsl_objset_find(&s->want, kind, name);
    if (!o)
        die("%s/%s is not wanted", kind, name);
    wsl_objset_remove(&s->want, o);
    pthread_mutex_unlock(&s->mu);
}

void scripted_put(struct scripted *s, const char *kind, const char *name, bool owned,
                  const char *body_json, ...)
{
    pthread_mutex_lock(&s->mu);
    struct wsl_object *old = wsl_objset_find(&s->world, kind, name);
    if (old)
        wsl_objset_remove(&s->world, old);
    struct wsl_object *o = wsl_objset_add(&s->world, kind, name, parse(body_json));
    o->owned = owned;
    if (!owned)
        o->fingerprint[0] = '\0';
    va_list ap;
    va_start(ap, body_json);
    depend_list(o, ap);
    va_end(ap);
    pthread_mutex_unlock(&s->mu);
}

void scripted_edit(struct scripted *s, const char *kind, const char *name, const char *path,
                   const char *value_json)
{
    pthread_mutex_lock(&s->mu);
    struct wsl_object *o = wsl_objset_find(&s->world, kind, name);
    if (!o)
        die("%s/%s does not exist", kind, name);
    json_t *cur = o->body;
    const char *p = path, *dot;
    while ((dot = strchr(p, '.')) != NULL) {
        char *step = wsl_xstrndup(p, (size_t)(dot - p));
        json_t *next = json_object_get(cur, step);
        if (!next) {
            next = json_object();
            json_object_set_new(cur, step, next);
        }
        free(step);
        cur = next;
        p = dot + 1;
    }
    json_object_set_new(cur, p, parse(value_json));
    pthread_mutex_unlock(&s->mu);
}

bool scripted_exists(struct scripted *s, const char *kind, const char *name)
{
    return scripted_body(s, kind, name) != NULL;
}

json_t *scripted_body(struct scripted *s, const char *kind, const char *name)
{
    pthread_mutex_lock(&s->mu);
    struct wsl_object *o = wsl_objset_find(&s->world, kind, name);
    pthread_mutex_unlock(&s->mu);
    return o ? o->body : NULL;
}

size_t scripted_count(struct scripted *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->world.n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void scripted_fail_apply(struct scripted *s, const char *kind, const char *name, int code,
                         int times)
{
    pthread_mutex_lock(&s->mu);
    struct tally *t = tally(s, kind, name);
    t->fail_code = code;
    t->fail_times = times;
    pthread_mutex_unlock(&s->mu);
}

void scripted_fail_observe(struct scripted *s, int code)
{
    s->observe_code = code;
}

void scripted_observe_partial(struct scripted *s, const char *why)
{
    free(s->partial_why);
    s->partial_why = why ? wsl_xstrdup(why) : NULL;
}

void scripted_crash_after(struct scripted *s, int k, bool lands)
{
    pthread_mutex_lock(&s->mu);
    s->crash_in = k;
    s->crash_lands = lands;
    s->crashed = false;
    pthread_mutex_unlock(&s->mu);
}

void scripted_hold(struct scripted *s, int width, long max_ms)
{
    s->hold_width = width;
    s->hold_max_ms = max_ms;
}

void scripted_apply_cost(struct scripted *s, long ms)
{
    s->cost_ms = ms;
}

void scripted_health(struct scripted *s, enum wsl_health_state state, const char *reason)
{
    if (s->nhealth == MAX_HEALTH)
        die("more than %d health answers", MAX_HEALTH);
    struct wsl_health *h = &s->health[s->nhealth++];
    h->state = state;
    snprintf(h->reason, sizeof h->reason, "%s", reason ? reason : "");
}

void scripted_fail_health(struct scripted *s, int code, int times)
{
    s->health_code = code;
    s->health_fails = times;
}

/* --- the driver ---------------------------------------------------------------------- */

static int sc_render(struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
                     struct wsl_err *err)
{
    struct scripted *s = of(c);
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->want.n; i++)
        copy_into(out, &s->want.v[i]);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

static int sc_observe(struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
                      struct wsl_err *err)
{
    struct scripted *s = of(c);
    if (s->observe_code)
        return wsl_err_set(err, s->observe_code, "listing the objects failed (injected)");
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->world.n; i++)
        copy_into(out, &s->world.v[i]);
    out->complete = true;
    if (s->partial_why)
        wsl_objset_incomplete(out, "%s", s->partial_why);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

/* What the server adds: a uid in metadata, a status. */
static json_t *as_stored(struct scripted *s, const json_t *body, const json_t *old)
{
    json_t *b = json_deep_copy(body);
    json_t *meta = json_object_get(b, "metadata");
    if (json_is_object(meta)) {
        json_t *uid = old ? json_object_get(json_object_get(old, "metadata"), "uid") : NULL;
        json_object_set_new(meta, "uid", uid ? json_incref(uid) : json_sprintf("uid-%lu", ++s->uid));
    }
    json_object_set_new(b, "status", json_pack("{s:i}", "observedGeneration", 1));
    return b;
}

/* Carry out a (the lock held). */
static int perform(struct scripted *s, const struct wsl_action *a, struct tally *t,
                   struct wsl_err *err)
{
    const struct wsl_object *want = a->desired, *o = want ? want : a->observed;
    struct wsl_object *have = wsl_objset_find(&s->world, o->kind, o->name);
    if (a->type == WSL_ACT_CREATE) {
        t->creates++;
        if (have)
            return wsl_err_set(err, WSL_E_CONFLICT, "%s/%s already exists", o->kind, o->name);
    }
    if (a->type == WSL_ACT_DELETE) {
        if (have)
            wsl_objset_remove(&s->world, have);
        return 0;
    }
    if (a->type == WSL_ACT_UPDATE && !have)
        return wsl_err_set(err, WSL_E_NOTFOUND, "%s/%s does not exist", o->kind, o->name);
    json_t *body = as_stored(s, want->body, have ? have->body : NULL);
    json_t *meta = json_object_get(body, "metadata");
    if (a->revision && json_is_object(meta)) { /* as the Kubernetes driver records it */
        if (!json_is_object(json_object_get(meta, "annotations")))
            json_object_set_new(meta, "annotations", json_object());
        json_object_set_new(json_object_get(meta, "annotations"), WSL_MARK_REVISION,
                            json_string(a->revision));
    }
    if (have)
        wsl_objset_remove(&s->world, have);
    struct wsl_object *n = copy_into(&s->world, want);
    json_decref(n->body);
    n->body = body;
    n->owned = true;
    return 0;
}

/* Wait at the hold gate (the lock held; released while waiting). */
static void hold(struct scripted *s)
{
    if (s->hold_width <= 0)
        return;
    unsigned long gen = s->gate;
    if (s->inflight >= s->hold_width) {
        s->gate++;
        pthread_cond_broadcast(&s->cv);
        return;
    }
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += s->hold_max_ms / 1000;
    until.tv_nsec += (s->hold_max_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (s->gate == gen) {
        if (pthread_cond_timedwait(&s->cv, &s->mu, &until) == ETIMEDOUT)
            break;
    }
}

/* The crash, when it is due: returns true when this call must fail as crashed. */
static bool crash_now(struct scripted *s, const struct wsl_action *a, struct tally *t)
{
    if (s->crashed)
        return true;
    if (s->crash_in != 0)
        return false;
    s->crashed = true;
    if (s->crash_lands) {
        struct wsl_err ignored;
        perform(s, a, t, &ignored);
    }
    return true;
}

static int sc_apply(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_action *a,
                    struct wsl_err *err)
{
    struct scripted *s = of(c);
    const struct wsl_object *o = a->desired ? a->desired : a->observed;
    const char *type = a->type == WSL_ACT_CREATE   ? "create"
                       : a->type == WSL_ACT_UPDATE ? "update"
                       : a->type == WSL_ACT_DELETE ? "delete" : "no-op";
    pthread_mutex_lock(&s->mu);
    struct tally *t = tally(s, o->kind, o->name);
    t->calls++;
    s->calls++;
    snprintf(t->revision, sizeof t->revision, "%s", a->revision ? a->revision : "");
    if (++s->inflight > s->max_inflight)
        s->max_inflight = s->inflight;
    wsl_buf_printf(&s->trace, "+%s %s/%s\n", type, o->kind, o->name);
    int rc;
    if (t->fail_times != 0) { /* at once, without waiting at the gate */
        if (t->fail_times > 0)
            t->fail_times--;
        rc = wsl_err_set(err, t->fail_code, "%s of %s/%s failed (injected)", type, o->kind,
                         o->name);
    } else {
        hold(s);
        t = tally(s, o->kind, o->name); /* the table may have moved while we waited */
        rc = crash_now(s, a, t) ? wsl_err_set(err, WSL_E_INTERNAL, "simulated crash")
                                : perform(s, a, t, err);
    }
    if (rc == 0 && s->crash_in > 0)
        s->crash_in--;
    s->now += s->cost_ms;
    s->inflight--;
    wsl_buf_printf(&s->trace, "-%s %s/%s %s\n", type, o->kind, o->name, rc ? "err" : "ok");
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static int sc_health(struct wsl_conn *c, const struct wsl_app *app, struct wsl_health *out,
                     struct wsl_err *err)
{
    struct scripted *s = of(c);
    pthread_mutex_lock(&s->mu);
    s->health_calls++;
    int rc = 0;
    if (s->health_fails > 0) {
        s->health_fails--;
        rc = wsl_err_set(err, s->health_code, "the health check failed (injected)");
    } else if (s->nhealth == 0) {
        out->state = WSL_HEALTH_READY;
        out->reason[0] = '\0';
    } else {
        *out = s->health[s->health_next];
        if (s->health_next + 1 < s->nhealth)
            s->health_next++;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

const struct wsl_driver scripted_driver = {
    .name = "scripted",
    .render = sc_render,
    .observe = sc_observe,
    .apply = sc_apply,
    .health = sc_health,
};

/* --- what happened ------------------------------------------------------------------- */

int scripted_creates(struct scripted *s, const char *kind, const char *name)
{
    pthread_mutex_lock(&s->mu);
    int n = tally(s, kind, name)->creates;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void scripted_revision(struct scripted *s, const char *kind, const char *name, char out[41])
{
    pthread_mutex_lock(&s->mu);
    snprintf(out, 41, "%s", tally(s, kind, name)->revision);
    pthread_mutex_unlock(&s->mu);
}

int scripted_calls(struct scripted *s, const char *kind, const char *name)
{
    pthread_mutex_lock(&s->mu);
    int n = tally(s, kind, name)->calls;
    pthread_mutex_unlock(&s->mu);
    return n;
}

int scripted_calls_total(struct scripted *s)
{
    return s->calls;
}

int scripted_max_inflight(struct scripted *s)
{
    return s->max_inflight;
}

int scripted_health_calls(struct scripted *s)
{
    return s->health_calls;
}

const char *scripted_trace(struct scripted *s)
{
    return wsl_buf_str(&s->trace);
}

long scripted_trace_pos(struct scripted *s, const char *line)
{
    const char *hay = wsl_buf_str(&s->trace);
    size_t n = strlen(line);
    for (const char *p = hay; (p = strstr(p, line)) != NULL; p++) {
        if ((p == hay || p[-1] == '\n') && p[n] == '\n')
            return p - hay;
    }
    return -1;
}

/* --- the fake clock ------------------------------------------------------------------ */

static long clock_now(void *ctx)
{
    return scripted_now(ctx);
}

static void clock_sleep(void *ctx, long ms)
{
    struct scripted *s = ctx;
    pthread_mutex_lock(&s->mu);
    if (s->nsleeps < MAX_SLEEPS)
        s->sleeps[s->nsleeps] = ms;
    s->nsleeps++;
    s->slept += ms;
    s->now += ms;
    pthread_mutex_unlock(&s->mu);
}

struct wsl_clock scripted_clock(struct scripted *s)
{
    return (struct wsl_clock){clock_now, clock_sleep, s};
}

long scripted_now(struct scripted *s)
{
    pthread_mutex_lock(&s->mu);
    long t = s->now;
    pthread_mutex_unlock(&s->mu);
    return t;
}

int scripted_sleeps(struct scripted *s)
{
    return s->nsleeps;
}

long scripted_slept(struct scripted *s)
{
    return s->slept;
}

long scripted_sleep_at(struct scripted *s, int i)
{
    return i >= 0 && i < s->nsleeps && i < MAX_SLEEPS ? s->sleeps[i] : -1;
}
