#include "orchestrator/failover/switch.h"

#include "lib/buf.h"
#include "lib/units.h"
#include "manifests/edit.h"
#include "orchestrator/failover/failover.h"
#include "orchestrator/git/commit.h"
#include "orchestrator/policy/policy.h"
#include "orchestrator/reconcile/runtime.h"
#include "providers/registry.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DEFAULT_WINDOW_MS (24LL * 3600 * 1000)

struct sw {
    const struct wsl_switch_opts *o;
    json_t *volumes;      /* [{id, bytes}] */
    int64_t stopped;      /* monotonic: the application was stopped for the copy */
};

/* The names of a's volume resources, each once. */
static json_t *volume_ids(const struct wsl_app *a)
{
    json_t *ids = json_object();
    for (size_t w = 0; w < a->spec.workloads.n && a->workloads; w++) {
        const struct wsl_workload *wl = a->workloads[w];
        for (size_t r = 0; wl && r < wl->resources.n; r++) {
            if (wl->resources.v[r].type && !strcmp(wl->resources.v[r].type, "volume"))
                json_object_set_new(ids, wl->resources.v[r].hdr.key, json_true());
        }
    }
    return ids;
}

struct side {
    const struct wsl_driver *d;
    struct wsl_conn *c;
};

static void side_close(struct side *s)
{
    if (s->c)
        s->d->close(s->c);
}

/* Before anything moves: an application with volumes moves only between drivers that
 * can copy their data. */
static int can_copy(const struct wsl_app *a, const struct wsl_target *from,
                    const struct wsl_target *to, struct wsl_err *err)
{
    json_t *ids = volume_ids(a);
    size_t n = json_object_size(ids);
    json_decref(ids);
    const struct wsl_driver *df = n ? wsl_driver_of(from, err) : NULL;
    const struct wsl_driver *dt = df ? wsl_driver_of(to, err) : NULL;
    if (n && (!df || !dt))
        return WSL_E_NOTFOUND;
    const struct wsl_driver *no = !n ? NULL : !df->volume_export ? df
                                          : !dt->volume_import ? dt : NULL;
    if (!no)
        return 0;
    return wsl_err_set(err, WSL_E_INVALID, "the %s driver cannot copy volumes' data, so %s "
                       "cannot move with its volumes: nothing was changed", no->name,
                       a->metadata.name);
}

/* Stop a at both ends, then copy each volume from -> to. */
static int copy_volumes(struct sw *s, const struct wsl_fo *f, json_t *ids, struct wsl_err *err)
{
    struct side from = {0}, to = {0};
    int rc = wsl_driver_open(f->from, &from.d, &from.c, err);
    if (rc == 0)
        rc = wsl_driver_open(f->to, &to.d, &to.c, err);
    if (rc == 0 && to.d->take_out)
        rc = to.d->take_out(to.c, f->app, err);
    if (rc == 0 && from.d->take_out) {
        wsl_fo_say(s->o->progress, s->o->ctx, "stopping %s at %s and %s for the copy",
                   f->app->metadata.name,
            f->from->metadata.name, f->to->metadata.name);
        rc = from.d->take_out(from.c, f->app, err);
        s->stopped = wsl_monotonic_ms();
    }
    const char *id;
    json_t *v;
    json_object_foreach(rc == 0 ? ids : NULL, id, v) {
        struct wsl_buf tar = WSL_BUF_INIT;
        rc = from.d->volume_export(from.c, f->app, id, &tar, err);
        if (rc == 0)
            rc = to.d->volume_import(to.c, f->app, id, &tar, err);
        if (rc == 0) {
            wsl_fo_say(s->o->progress, s->o->ctx, "copied volume %s: %zu bytes", id, tar.len);
            json_array_append_new(s->volumes, json_pack("{s:s, s:I}", "id", id, "bytes",
                                                        (json_int_t)tar.len));
        }
        wsl_buf_free(&tar);
        if (rc) {
            wsl_err_prefix(err, "copying volume %s", id);
            break;
        }
    }
    side_close(&from);
    side_close(&to);
    return rc;
}

/* failover's prepare: deploy the destination, then move the data. */
static int prepare(const struct wsl_fo *f, void *ctx, struct wsl_err *err)
{
    struct sw *s = ctx;
    json_t *ids = volume_ids(f->app);
    int rc = 0;
    if (json_object_size(ids)) {
        wsl_fo_say(s->o->progress, s->o->ctx, "deploying %s at %s",
                   f->app->metadata.name, f->to->metadata.name);
        rc = wsl_failover_deploy(f, f->to, 0, err);
        if (rc == 0)
            rc = copy_volumes(s, f, ids, err);
    }
    json_decref(ids);
    return rc;
}

/* The newest failover.end of o->app, when it ended a switch (or its rollback) that
 * worked and its destination is active still: *rec (new reference), *from its origin. */
static int last_switch(const struct wsl_switch_opts *o, const struct wsl_runtime *rt,
                       json_t **rec, const struct wsl_target **from, struct wsl_err *err)
{
    struct wsl_state_query q = {.app = o->app->metadata.name, .type = "failover.end",
                                .limit = 1, .newest = true};
    json_t *recs = NULL;
    int rc = wsl_state_read(o->st, &q, &recs, err);
    json_t *r = rc == 0 ? json_array_get(recs, 0) : NULL;
    const char *kind = json_string_value(json_object_get(r, "kind"));
    const char *to = json_string_value(json_object_get(r, "to"));
    *from = r ? wsl_repo_target(o->repo, json_string_value(json_object_get(r, "from"))) : NULL;
    if (rc == 0 && (!kind || (strcmp(kind, "switch") && strcmp(kind, "rollback")) ||
                    !json_is_true(json_object_get(r, "ok")) || !to || !*from ||
                    strcmp(to, rt->active->metadata.name) || *from == rt->active))
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "the last move of %s was no switch that %s "
                         "now", o->app->metadata.name, o->rollback ? "can be rolled back"
                                                                   : "left a placement behind");
    *rec = rc == 0 ? json_incref(r) : NULL;
    json_decref(recs);
    return rc;
}

/* When the rollback window of the switch that rec ended closes (seconds since the epoch). */
static int64_t window_end(const json_t *rec)
{
    json_t *w = json_object_get(rec, "window_ms");
    int64_t window = json_is_integer(w) ? json_integer_value(w) : DEFAULT_WINDOW_MS;
    return wsl_time_parse_rfc3339(json_string_value(json_object_get(rec, "ts"))) +
           window / 1000;
}

/* Where a rollback goes: the last switch's origin, while its window is open, and while
 * it is still one of the application's placements. */
static int rollback_target(const struct wsl_switch_opts *o, const struct wsl_runtime *rt,
                           const struct wsl_target **out, struct wsl_err *err)
{
    json_t *rec = NULL;
    int rc = last_switch(o, rt, &rec, out, err);
    if (rc == 0 && !strcmp(json_string_value(json_object_get(rec, "kind")), "rollback"))
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "the last move of %s was a rollback, no "
                         "switch that can be rolled back", o->app->metadata.name);
    else if (rc == 0 && wsl_rt_index(o->app, (*out)->metadata.name) < 0)
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "%s is no longer a placement of %s: there is "
                         "no way back", (*out)->metadata.name, o->app->metadata.name);
    else if (rc == 0 && (int64_t)time(NULL) > window_end(rec))
        rc = wsl_err_set(err, WSL_E_CONFLICT, "the rollback window of %s's switch has "
                         "closed", o->app->metadata.name);
    json_decref(rec);
    return rc;
}

static int destination(const struct wsl_switch_opts *o, const struct wsl_runtime *rt,
                       const struct wsl_target **to, struct wsl_err *err)
{
    if (o->rollback)
        return rollback_target(o, rt, to, err);
    if (!o->to || wsl_rt_index(o->app, o->to->metadata.name) < 0)
        return wsl_err_set(err, WSL_E_INVALID, "%s is not placed at %s: add it to "
                           "spec.placement.standby first", o->app->metadata.name,
                           o->to ? o->to->metadata.name : "that target");
    if (o->to == rt->active)
        return wsl_err_set(err, WSL_E_INVALID, "%s already runs at %s", o->app->metadata.name,
                           o->to->metadata.name);
    *to = o->to;
    return 0;
}

int wsl_switch_run(const struct wsl_switch_opts *o, json_t **result, struct wsl_err *err)
{
    struct wsl_runtime rt;
    const struct wsl_target *to = NULL;
    *result = NULL;
    int rc = wsl_runtime_read(o->st, o->app, &rt, err);
    if (rc == 0)
        rc = destination(o, &rt, &to, err);
    if (rc == 0)
        rc = can_copy(o->app, rt.active, to, err);
    if (rc)
        return rc;
    struct sw s = {o, json_array(), 0};
    int64_t window = o->window_ms > 0 ? o->window_ms : DEFAULT_WINDOW_MS;
    json_t *note = json_pack("{s:I}", "window_ms", (json_int_t)window);
    struct wsl_fo f = {o->repo, o->st, o->revision, o->app, rt.active, to,
                       o->rollback ? "rollback" : "switch", o->rollback ? "rollback" : "planned",
                       0, prepare, &s, note};
    struct wsl_fo_result res;
    wsl_fo_say(o->progress, o->ctx, "switching %s from %s to %s",
               o->app->metadata.name, rt.active->metadata.name,
        to->metadata.name);
    rc = wsl_failover_run(&f, &res, err);
    json_decref(note);
    json_t *r = json_pack("{s:s, s:s, s:o, s:b}", "from", rt.active->metadata.name, "to",
                          to->metadata.name, "volumes", s.volumes, "ok", rc == 0);
    if (s.stopped && res.dns)
        json_object_set_new(r, "downtime_ms", json_integer(res.dns - s.stopped));
    if (res.dns)
        json_object_set_new(r, "duration_ms", json_integer(res.dns - res.started));
    *result = r;
    return rc;
}

int wsl_switch_leftover(const struct wsl_switch_opts *o, const struct wsl_target **left,
                        const struct wsl_target **here, struct wsl_err *err)
{
    struct wsl_runtime rt;
    json_t *rec = NULL;
    int rc = wsl_runtime_read(o->st, o->app, &rt, err);
    if (rc == 0)
        rc = last_switch(o, &rt, &rec, left, err);
    *here = rc == 0 ? rt.active : NULL;
    time_t end = rc == 0 ? (time_t)window_end(rec) : 0;
    if (rc == 0 && time(NULL) <= end) {
        char when[32];
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&end));
        wsl_err_set(err, WSL_E_CONFLICT, "the rollback window of %s's switch from %s is "
                    "open until %s", o->app->metadata.name, (*left)->metadata.name, when);
        wsl_err_hint(err, "decommission %s after that (until then `wissel switch %s "
                     "--rollback` can move back)", (*left)->metadata.name,
                     o->app->metadata.name);
        rc = WSL_E_CONFLICT;
    }
    json_decref(rec);
    return rc;
}

int wsl_switch_decommission(const struct wsl_switch_opts *o, json_t **result,
                            struct wsl_err *err)
{
    const struct wsl_target *left = NULL, *here = NULL;
    *result = NULL;
    int rc = wsl_switch_leftover(o, &left, &here, err);
    if (rc)
        return rc;
    struct wsl_fo f = {.repo = o->repo, .st = o->st, .revision = o->revision, .app = o->app};
    wsl_fo_say(o->progress, o->ctx, "removing %s from %s", o->app->metadata.name,
               left->metadata.name);
    rc = wsl_failover_remove(&f, left, result, err);
    if (rc)
        return rc;
    json_object_set_new(*result, "target", json_string(left->metadata.name));
    json_t *rec = json_deep_copy(*result);
    json_object_set_new(rec, "type", json_string("switch.decommission"));
    json_object_set_new(rec, "app", json_string(o->app->metadata.name));
    if (o->revision && *o->revision)
        json_object_set_new(rec, "revision", json_string(o->revision));
    rc = wsl_state_append(o->st, rec, NULL, err);
    json_decref(rec);
    return rc ? wsl_err_set(err, rc, "removed, but the journal refused the record of the "
                            "decommission of %s", o->app->metadata.name) : 0;
}

/* Removing the last standby must not break a rule that requires one. */
static int keeps_policy(const struct wsl_repo *repo, const struct wsl_app *app,
                        const char *drop, struct wsl_err *err)
{
    const struct wsl_rule *r = drop && app->spec.placement.standby.n == 1
                                   ? wsl_policy_standby_rule(repo, app) : NULL;
    if (!r)
        return 0;
    wsl_err_set(err, WSL_E_POLICY, "policy rule \"%s\" requires a standby for %s: without "
                "%s it would have none", r->name, app->metadata.name, drop);
    wsl_err_hint(err, "add another standby to %s first", app->path);
    return WSL_E_POLICY;
}

int wsl_switch_commit(const struct wsl_repo *repo, const struct wsl_app *app,
                      const char *primary, const char *drop, const char *message, char rev[41],
                      struct wsl_err *err)
{
    struct wsl_buf text = WSL_BUF_INIT;
    bool changed = false;
    rev[0] = '\0';
    int rc = keeps_policy(repo, app, drop, err);
    if (rc == 0)
        rc = wsl_edit_placement(app, primary, drop, &text, &changed, err);
    if (rc == 0 && changed)
        rc = wsl_git_commit_file(app->path, text.data, text.len, message, rev, err);
    wsl_buf_free(&text);
    if (rc)
        wsl_err_prefix(err, "writing the placement of %s into git", app->metadata.name);
    return rc;
}
