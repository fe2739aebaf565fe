#include "orchestrator/reconcile/runtime.h"

#include <string.h>

size_t wsl_rt_count(const struct wsl_app *a)
{
    size_t n = 1 + a->spec.placement.standby.n;
    return n < WSL_RT_MAX ? n : WSL_RT_MAX;
}

const struct wsl_target *wsl_rt_target(const struct wsl_app *a, size_t i)
{
    return i == 0 ? a->primary : a->standby[i - 1];
}

int wsl_rt_index(const struct wsl_app *a, const char *t)
{
    for (size_t i = 0; t && i < wsl_rt_count(a); i++) {
        const struct wsl_target *p = wsl_rt_target(a, i);
        if (p && !strcmp(p->metadata.name, t))
            return (int)i;
    }
    return -1;
}

static const struct wsl_target *placement_named(const struct wsl_app *a, const json_t *v)
{
    int i = wsl_rt_index(a, json_string_value(v));
    return i < 0 ? NULL : wsl_rt_target(a, (size_t)i);
}

/* The newest failover record decides the active target and what is being deployed. */
static int read_failover(struct wsl_state *st, const struct wsl_app *a, struct wsl_runtime *out,
                         struct wsl_err *err)
{
    struct wsl_state_query q = {.app = a->metadata.name, .type = "failover.", .limit = 1,
                                .newest = true};
    json_t *recs = NULL;
    int rc = wsl_state_read(st, &q, &recs, err);
    json_t *rec = rc == 0 ? json_array_get(recs, 0) : NULL;
    if (rec) {
        const struct wsl_target *t = placement_named(a, json_object_get(rec, "active"));
        if (t)
            out->active = t; /* a target git no longer places the app on: back to git */
        const char *type = json_string_value(json_object_get(rec, "type"));
        if (type && !strcmp(type, "failover.start"))
            out->deploying = placement_named(a, json_object_get(rec, "to"));
    }
    json_decref(recs);
    return rc;
}

/* The newest monitor verdict of each placement. */
static int read_monitor(struct wsl_state *st, const struct wsl_app *a, struct wsl_runtime *out,
                        struct wsl_err *err)
{
    struct wsl_state_query q = {.app = a->metadata.name, .type = "monitor."};
    json_t *recs = NULL;
    int rc = wsl_state_read(st, &q, &recs, err);
    size_t k;
    json_t *rec;
    json_array_foreach(rc == 0 ? recs : NULL, k, rec) {
        int i = wsl_rt_index(a, json_string_value(json_object_get(rec, "target")));
        const char *type = json_string_value(json_object_get(rec, "type"));
        if (i >= 0 && type)
            out->down[i] = !strcmp(type, "monitor.down");
    }
    json_decref(recs);
    return rc;
}

int wsl_runtime_read(struct wsl_state *st, const struct wsl_app *a, struct wsl_runtime *out,
                     struct wsl_err *err)
{
    memset(out, 0, sizeof *out);
    out->active = a->primary;
    if (!st || !a->primary || !a->spec.placement.standby.n)
        return 0;
    int rc = read_failover(st, a, out, err);
    if (rc == 0)
        rc = read_monitor(st, a, out, err);
    if (rc)
        wsl_err_prefix(err, "the failover state of %s", a->metadata.name);
    return rc;
}

int wsl_runtime_verdict(struct wsl_state *st, const struct wsl_app *a,
                        const struct wsl_target *t, bool down, const char *why,
                        struct wsl_err *err)
{
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s}", "type", down ? "monitor.down" : "monitor.up",
                            "app", a->metadata.name, "target", t->metadata.name, "reason", why);
    int rc = wsl_state_append(st, rec, NULL, err);
    json_decref(rec);
    if (rc)
        wsl_err_prefix(err, "journaling the verdict on %s at %s", a->metadata.name,
                       t->metadata.name);
    return rc;
}
