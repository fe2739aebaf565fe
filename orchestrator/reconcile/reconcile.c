#include "orchestrator/reconcile/reconcile.h"

#include "lib/buf.h"
#include "lib/units.h"
#include "orchestrator/git/revision.h"
#include "orchestrator/policy/policy.h"
#include "orchestrator/reconcile/runtime.h"
#include "providers/registry.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Policy history from the journal: the first good apply and the last passed drill. */
static void history(void *ctx, const char *app, struct wsl_app_history *out)
{
    struct wsl_state *st = ctx;
    struct wsl_state_query q = {.app = app, .type = "apply.end"};
    json_t *recs = NULL;
    memset(out, 0, sizeof *out);
    if (wsl_state_read(st, &q, &recs, NULL) == 0) {
        size_t i;
        json_t *rec;
        json_array_foreach(recs, i, rec) {
            const char *res = json_string_value(json_object_get(rec, "result"));
            if (res && !strcmp(res, "ok")) {
                out->first_applied = wsl_time_parse_rfc3339(json_string_value(json_object_get(rec, "ts")));
                break;
            }
        }
    }
    json_decref(recs);
    q = (struct wsl_state_query){.app = app, .type = "drill.end", .limit = 50, .newest = true};
    if (wsl_state_read(st, &q, &recs, NULL) == 0) {
        for (size_t i = json_array_size(recs); i-- > 0;) {
            json_t *rec = json_array_get(recs, i);
            if (json_is_true(json_object_get(rec, "passed"))) {
                out->last_drill_passed =
                    wsl_time_parse_rfc3339(json_string_value(json_object_get(rec, "ts")));
                break;
            }
        }
    }
    json_decref(recs);
}

static void add_item(struct wsl_reconcile *r, const struct wsl_app *a, const struct wsl_target *t,
                     const struct wsl_rc_opts *o, bool dns)
{
    if (!t || (o->target && strcmp(o->target, t->metadata.name)))
        return;
    r->v = wsl_xrealloc(r->v, (r->n + 1) * sizeof *r->v);
    struct wsl_placement_item *it = &r->v[r->n++];
    memset(it, 0, sizeof *it);
    it->app = a;
    it->target = t;
    it->dns = dns;
}

/* Whether standby s of a is deployed: always, except in cold mode, where only a standby
 * that a failover brought up (or is bringing up) is. A journal that cannot be read keeps
 * a cold standby out of this pass (nothing is deleted for it; the next pass sees it). */
static bool standby_deployed(struct wsl_reconcile *r, const struct wsl_app *a, size_t s)
{
    if (strcmp(a->spec.placement.mode, "cold") != 0)
        return true;
    struct wsl_runtime rt;
    if (wsl_runtime_read(r->state, a, &rt, NULL) != 0)
        return false;
    return rt.active == a->standby[s] || rt.deploying == a->standby[s];
}

static void collect(struct wsl_reconcile *r, const struct wsl_rc_opts *o)
{
    if (o->remove) {
        const struct wsl_app *a = wsl_repo_app(r->repo, o->app);
        add_item(r, a, wsl_repo_target(r->repo, o->target), o, false);
        r->v[0].remove = true;
        return;
    }
    for (size_t i = 0; i < r->repo->apps.n; i++) {
        const struct wsl_app *a = r->repo->apps.v[i];
        if (o->app && strcmp(o->app, a->metadata.name))
            continue;
        add_item(r, a, a->primary, o, false);
        for (size_t s = 0; s < a->spec.placement.standby.n; s++) {
            if (standby_deployed(r, a, s))
                add_item(r, a, a->standby[s], o, false);
        }
        if (a->dns_target && a->spec.route.host)
            add_item(r, a, a->dns_target, o, true); /* after the placements it points at */
    }
}

static int check_selection(const struct wsl_reconcile *r, const struct wsl_rc_opts *o,
                           struct wsl_err *err)
{
    const struct wsl_app *a = o->app ? wsl_repo_app(r->repo, o->app) : NULL;
    const struct wsl_target *t = o->target ? wsl_repo_target(r->repo, o->target) : NULL;
    if (o->app && !a)
        return wsl_err_set(err, WSL_E_NOTFOUND, "no application is named \"%s\"", o->app);
    if (o->target && !t)
        return wsl_err_set(err, WSL_E_NOTFOUND, "no target is named \"%s\"", o->target);
    if (o->remove && (!a || !t))
        return wsl_err_set(err, WSL_E_INTERNAL, "a removal names an application and a target");
    return 0;
}

/* A removal only from a hosting target git (with what failover changed) does not deploy
 * the application to: not its primary, nor a standby unless cold and not active. */
static int check_removal(struct wsl_reconcile *r, const struct wsl_rc_opts *o,
                         struct wsl_err *err)
{
    const struct wsl_app *a = wsl_repo_app(r->repo, o->app);
    const struct wsl_target *t = wsl_repo_target(r->repo, o->target);
    struct wsl_runtime rt = {0};
    int rc = wsl_runtime_read(r->state, a, &rt, err);
    bool cold = !strcmp(a->spec.placement.mode, "cold");
    bool deployed = a->primary == t || rt.active == t || rt.deploying == t;
    for (size_t s = 0; s < a->spec.placement.standby.n; s++)
        deployed |= a->standby[s] == t && !cold;
    if (rc == 0 && (t->spec.provider->roles & WSL_ROLE_HOSTING) == 0)
        rc = wsl_err_set(err, WSL_E_INVALID, "%s is no hosting target", t->metadata.name);
    if (rc == 0 && deployed) {
        wsl_err_set(err, WSL_E_CONFLICT, "git still deploys %s to %s", a->metadata.name,
                    t->metadata.name);
        wsl_err_hint(err, "remove %s from spec.placement in %s first", t->metadata.name,
                     a->path);
        rc = WSL_E_CONFLICT;
    }
    return rc;
}

/* Check every selected application against the policies (into r->policy). */
static int check_policies(struct wsl_reconcile *r, const struct wsl_rc_opts *o,
                          struct wsl_err *err)
{
    struct wsl_policy_check pc = {r->repo, history, r->state, (int64_t)time(NULL)};
    for (size_t i = 0; i < r->repo->apps.n; i++) {
        const struct wsl_app *a = r->repo->apps.v[i];
        if (!o->app || !strcmp(o->app, a->metadata.name))
            wsl_policy_check_app(&pc, a, &r->policy);
    }
    wsl_diags_sort(&r->policy);
    if (r->policy.errors)
        return wsl_err_set(err, WSL_E_POLICY, "%zu policy rule violation%s: nothing was planned",
                           r->policy.errors, r->policy.errors == 1 ? "" : "s");
    return 0;
}

int wsl_reconcile_load(const struct wsl_rc_opts *o, struct wsl_reconcile **out,
                       struct wsl_err *err)
{
    struct wsl_reconcile *r = wsl_xcalloc(1, sizeof *r);
    *out = r;
    if (o->repo) {
        r->repo = o->repo;
        r->state = o->st;
        snprintf(r->revision, sizeof r->revision, "%s", o->revision ? o->revision : "");
        int rc = check_selection(r, o, err);
        if (rc == 0 && o->remove)
            rc = check_removal(r, o, err);
        if (rc == 0)
            collect(r, o);
        return rc;
    }
    r->repo = wsl_repo_load(o->paths, o->npaths, wsl_providers());
    r->owns_repo = true;
    if (r->repo->diags.errors)
        return wsl_err_set(err, WSL_E_INVALID, "the manifests have %zu error%s",
                           r->repo->diags.errors, r->repo->diags.errors == 1 ? "" : "s");
    int rc = check_selection(r, o, err);
    if (rc == 0 && o->st) {
        r->state = o->st;
    } else if (rc == 0) {
        rc = wsl_state_open(o->state, &r->state, err);
        r->owns_state = rc == 0;
    }
    if (rc != 0)
        return rc;
    if (o->revision)
        snprintf(r->revision, sizeof r->revision, "%s", o->revision);
    else
        wsl_git_head(o->npaths ? o->paths[0] : ".", r->revision);
    rc = o->remove ? check_removal(r, o, err) : check_policies(r, o, err);
    if (rc == 0)
        collect(r, o);
    return rc;
}

/* Where app's route is reached at hosting target t: asked through the connection an
 * earlier item holds, or one opened for the question. */
static int endpoint_at(struct wsl_reconcile *r, const struct wsl_app *a,
                       const struct wsl_target *t, struct wsl_endpoint *out,
                       struct wsl_err *err)
{
    const struct wsl_driver *d = wsl_driver_find(t->spec.provider_name);
    if (!d || !d->endpoint)
        return wsl_err_set(err, WSL_E_INVALID, "target %s (%s) cannot say where %s is "
                           "reached, so DNS cannot point at it", t->metadata.name,
                           t->spec.provider_name, a->metadata.name);
    struct wsl_conn *c = NULL;
    for (size_t i = 0; i < r->n && !c; i++) {
        if (r->v[i].target == t)
            c = r->v[i].conn;
    }
    bool own = !c;
    int rc = own ? d->open(t, &c, err) : 0;
    if (rc == 0)
        rc = d->endpoint(c, a, out, err);
    if (own && c)
        d->close(c);
    if (rc)
        wsl_err_prefix(err, "the address of %s at %s", a->metadata.name, t->metadata.name);
    return rc;
}

/* The placements a DNS item points at: the active one (warm, cold: the primary unless a
 * failover moved it), or every placement the monitor does not hold down (active-active;
 * all of them when every one is down: DNS is never emptied). */
static size_t dns_targets(const struct wsl_app *a, const struct wsl_runtime *rt,
                          const struct wsl_target **out)
{
    if (strcmp(a->spec.placement.mode, "active-active") != 0) {
        out[0] = rt->active;
        return 1;
    }
    size_t n = 0, all = wsl_rt_count(a);
    for (size_t i = 0; i < all; i++) {
        if (!rt->down[i])
            out[n++] = wsl_rt_target(a, i);
    }
    for (size_t i = 0; n == 0 && i < all; i++)
        out[i] = wsl_rt_target(a, i);
    return n ? n : all;
}

static int dns_endpoints(struct wsl_reconcile *r, struct wsl_placement_item *it,
                         struct wsl_err *err)
{
    const struct wsl_app *a = it->app;
    struct wsl_runtime rt;
    const struct wsl_target *t[WSL_RT_MAX];
    int rc = wsl_runtime_read(r->state, a, &rt, err);
    size_t n = rc == 0 ? dns_targets(a, &rt, t) : 0;
    free(it->endpoints);
    it->endpoints = wsl_xcalloc(n ? n : 1, sizeof *it->endpoints);
    it->nendpoints = n;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = endpoint_at(r, a, t[i], &it->endpoints[i], err);
    return rc;
}

static int plan_dns(struct wsl_reconcile *r, struct wsl_placement_item *it,
                    const struct wsl_rc_opts *o)
{
    if (!it->driver->render_dns)
        return wsl_err_set(&it->err, WSL_E_INVALID, "provider \"%s\" does not manage DNS",
                           it->target->spec.provider_name);
    int rc = dns_endpoints(r, it, &it->err);
    if (rc)
        return rc; /* nowhere to point at: DNS stays as it is */
    struct wsl_dns_want want = {it->app->spec.route.host, it->app->spec.dns.ttl,
                                it->endpoints, it->nendpoints};
    return wsl_plan_dns(it->driver, it->conn, it->app, &want, o->plan_flags, &it->plan,
                        &it->err);
}

static int plan_item(struct wsl_reconcile *r, struct wsl_placement_item *it,
                     const struct wsl_rc_opts *o)
{
    wsl_err_clear(&it->err);
    it->driver = wsl_driver_of(it->target, &it->err);
    if (!it->driver)
        return WSL_E_NOTFOUND;
    for (struct wsl_placement_item *p = r->v; o->lock && p < it && !it->lock; p++) {
        if (p->target == it->target)
            it->lock = p->lock; /* one process takes a target's lock once */
    }
    if (o->lock && !it->lock) {
        int rc = wsl_state_lock(r->state, it->target->metadata.name, o->lock_wait_ms,
                                &it->lock, &it->err);
        if (rc)
            return rc;
        it->owns_lock = true;
    }
    for (struct wsl_placement_item *p = r->v; p < it && !it->conn; p++) {
        if (p->target == it->target)
            it->conn = p->conn; /* connections (and what they cache) are shared */
    }
    int rc = 0;
    if (!it->conn) {
        rc = it->driver->open(it->target, &it->conn, &it->err);
        it->owns_conn = rc == 0;
    }
    if (rc == 0 && it->dns)
        rc = plan_dns(r, it, o);
    else if (rc == 0 && it->remove)
        rc = wsl_plan_remove(it->driver, it->conn, it->app, o->plan_flags, &it->plan, &it->err);
    else if (rc == 0)
        rc = wsl_plan_target(it->driver, it->conn, it->app, o->plan_flags, &it->plan, &it->err);
    return rc;
}

int wsl_reconcile_plan_item(struct wsl_reconcile *r, struct wsl_placement_item *it,
                            const struct wsl_rc_opts *o)
{
    it->rc = plan_item(r, it, o);
    if (it->rc)
        wsl_err_prefix(&it->err, "%s at %s", it->app->metadata.name, it->target->metadata.name);
    return it->rc;
}

size_t wsl_reconcile_plan(struct wsl_reconcile *r, const struct wsl_rc_opts *o)
{
    size_t failed = 0;
    for (size_t i = 0; i < r->n; i++)
        failed += wsl_reconcile_plan_item(r, &r->v[i], o) != 0;
    return failed;
}

/* The apply's one ctx serves both callbacks: the journal's, and the caller's progress. */
struct journal_ctx {
    struct wsl_reconcile *r;
    struct wsl_placement_item *it;
    void (*progress)(void *ctx, const struct wsl_apply_event *ev);
    void *progress_ctx;
};

static void forward_progress(void *ctx, const struct wsl_apply_event *ev)
{
    struct journal_ctx *j = ctx;
    j->progress(j->progress_ctx, ev);
}

static int record(void *ctx, const json_t *event)
{
    struct journal_ctx *j = ctx;
    json_t *rec = json_deep_copy(event);
    if (j->r->revision[0])
        json_object_set_new(rec, "revision", json_string(j->r->revision));
    struct wsl_fence fence;
    if (j->it->lock)
        fence = wsl_lock_fence(j->it->lock);
    int rc = wsl_state_append(j->r->state, rec, j->it->lock ? &fence : NULL, NULL);
    json_decref(rec);
    return rc;
}

static json_t *plan_summary(const struct wsl_plan *p)
{
    return json_pack("{s:I, s:I, s:I, s:I}", "create", (json_int_t)p->count[WSL_ACT_CREATE],
                     "update", (json_int_t)p->count[WSL_ACT_UPDATE], "delete",
                     (json_int_t)p->count[WSL_ACT_DELETE], "unchanged",
                     (json_int_t)p->count[WSL_ACT_NOOP]);
}

static int journal(struct wsl_reconcile *r, struct wsl_placement_item *it, json_t *rec)
{
    json_object_set_new(rec, "app", json_string(it->app->metadata.name));
    json_object_set_new(rec, "target", json_string(it->target->metadata.name));
    struct journal_ctx j = {r, it, NULL, NULL};
    int rc = record(&j, rec);
    json_decref(rec);
    return rc;
}

static const char *health_name(enum wsl_health_state s)
{
    return s == WSL_HEALTH_READY ? "ready" : s == WSL_HEALTH_FAILED ? "failed" : "progressing";
}

int wsl_reconcile_apply(struct wsl_reconcile *r, struct wsl_placement_item *it,
                        struct wsl_apply_opts *opts, struct wsl_apply_result *res,
                        struct wsl_err *err)
{
    int rc = journal(r, it, json_pack("{s:s, s:o}", "type", "apply.start", "plan",
                                      plan_summary(&it->plan)));
    if (rc != 0)
        return wsl_err_set(err, rc, "%s at %s: the journal refused the start of the apply",
                           it->app->metadata.name, it->target->metadata.name);
    struct journal_ctx j = {r, it, opts->progress, opts->ctx};
    opts->target = it->target->metadata.name;
    opts->record = record;
    opts->progress = j.progress ? forward_progress : NULL;
    opts->ctx = &j;
    opts->revision = r->revision[0] ? r->revision : NULL;
    rc = wsl_apply_run(it->driver, it->conn, it->app, &it->plan, opts, res, err);
    json_t *end = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "type", "apply.end", "result",
                            rc == 0 ? "ok" : "error", "ok", (json_int_t)res->ok, "failed",
                            (json_int_t)res->failed, "skipped", (json_int_t)res->skipped,
                            "duration_ms", (json_int_t)res->duration_ms);
    if (res->health_checked)
        json_object_set_new(end, "health", json_pack("{s:s, s:s}", "state",
                                                     health_name(res->health.state), "reason",
                                                     res->health.reason));
    if (rc != 0)
        json_object_set_new(end, "message", json_string(err->msg));
    int jrc = journal(r, it, end);
    if (rc == 0 && jrc != 0)
        return wsl_err_set(err, jrc, "%s at %s: applied, but the journal refused the end",
                           it->app->metadata.name, it->target->metadata.name);
    return rc;
}

void wsl_reconcile_free(struct wsl_reconcile *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        struct wsl_placement_item *it = &r->v[i];
        wsl_plan_free(&it->plan);
        if (it->owns_conn)
            it->driver->close(it->conn);
        if (it->owns_lock)
            wsl_lock_release(it->lock);
        free(it->endpoints);
    }
    free(r->v);
    wsl_diags_free(&r->policy);
    if (r->owns_state)
        wsl_state_close(r->state);
    if (r->owns_repo)
        wsl_repo_free(r->repo);
    free(r);
}
