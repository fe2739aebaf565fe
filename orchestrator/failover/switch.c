#include "orchestrator/failover/switch.h"

#include "lib/buf.h"
#include "lib/units.h"
#include "orchestrator/failover/failover.h"
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

static int can_copy(const struct side *from, const struct side *to, struct wsl_err *err)
{
    const struct side *no = !from->d->volume_export ? from : !to->d->volume_import ? to : NULL;
    if (!no)
        return 0;
    return wsl_err_set(err, WSL_E_INVALID, "the %s driver cannot copy volumes' data: the "
                       "application's volumes cannot move with it", no->d->name);
}

/* Stop a at both ends, then copy each volume from -> to. */
static int copy_volumes(struct sw *s, const struct wsl_fo *f, json_t *ids, struct wsl_err *err)
{
    struct side from = {0}, to = {0};
    int rc = wsl_driver_open(f->from, &from.d, &from.c, err);
    if (rc == 0)
        rc = wsl_driver_open(f->to, &to.d, &to.c, err);
    if (rc == 0)
        rc = can_copy(&from, &to, err);
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

/* Where a rollback goes: the last switch's origin, while its window is open. */
static int rollback_target(const struct wsl_switch_opts *o, const struct wsl_runtime *rt,
                           const struct wsl_target **out, struct wsl_err *err)
{
    struct wsl_state_query q = {.app = o->app->metadata.name, .type = "failover.end",
                                .limit = 1, .newest = true};
    json_t *recs = NULL;
    int rc = wsl_state_read(o->st, &q, &recs, err);
    json_t *r = rc == 0 ? json_array_get(recs, 0) : NULL;
    const char *kind = json_string_value(json_object_get(r, "kind"));
    int i = r ? wsl_rt_index(o->app, json_string_value(json_object_get(r, "from"))) : -1;
    int64_t at = r ? wsl_time_parse_rfc3339(json_string_value(json_object_get(r, "ts"))) : 0;
    int64_t window = o->window_ms > 0 ? o->window_ms : DEFAULT_WINDOW_MS;
    if (rc == 0 && (!kind || strcmp(kind, "switch") || !json_is_true(json_object_get(r, "ok")) ||
                    i < 0 || wsl_rt_target(o->app, (size_t)i) == rt->active))
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "the last move of %s was no switch that can "
                         "be rolled back", o->app->metadata.name);
    else if (rc == 0 && (int64_t)time(NULL) * 1000 > at * 1000 + window)
        rc = wsl_err_set(err, WSL_E_CONFLICT, "the rollback window of %s's switch (%lld s) "
                         "has closed", o->app->metadata.name, (long long)window / 1000);
    if (rc == 0)
        *out = wsl_rt_target(o->app, (size_t)i);
    json_decref(recs);
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
    if (rc)
        return rc;
    struct sw s = {o, json_array(), 0};
    struct wsl_fo f = {o->repo, o->st, o->revision, o->app, rt.active, to,
                       o->rollback ? "rollback" : "switch", o->rollback ? "rollback" : "planned",
                       0, prepare, &s};
    struct wsl_fo_result res;
    wsl_fo_say(o->progress, o->ctx, "switching %s from %s to %s",
               o->app->metadata.name, rt.active->metadata.name,
        to->metadata.name);
    rc = wsl_failover_run(&f, &res, err);
    json_t *r = json_pack("{s:s, s:s, s:o, s:b}", "from", rt.active->metadata.name, "to",
                          to->metadata.name, "volumes", s.volumes, "ok", rc == 0);
    if (s.stopped && res.dns)
        json_object_set_new(r, "downtime_ms", json_integer(res.dns - s.stopped));
    if (res.dns)
        json_object_set_new(r, "duration_ms", json_integer(res.dns - res.started));
    *result = r;
    return rc;
}
