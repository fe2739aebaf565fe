#include "orchestrator/failover/failover.h"

#include "lib/log.h"
#include "lib/units.h"
#include "orchestrator/failover/probe.h"
#include "orchestrator/reconcile/reconcile.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define LOCK_WAIT_MS 30000
#define ROUTE_POLL_MS 250

static long health_timeout(const struct wsl_fo *f)
{
    return f->health_timeout_ms > 0 ? f->health_timeout_ms : 300000;
}

/* Journal a record of f's failover; a refusal names the record and the store's reason. */
static int journal(const struct wsl_fo *f, const char *type, json_t *rec, struct wsl_err *err)
{
    json_object_set_new(rec, "type", json_string(type));
    json_object_set_new(rec, "app", json_string(f->app->metadata.name));
    json_object_set_new(rec, "from", json_string(f->from->metadata.name));
    json_object_set_new(rec, "to", json_string(f->to->metadata.name));
    json_object_set_new(rec, "kind", json_string(f->kind ? f->kind : "failover"));
    if (f->revision && *f->revision)
        json_object_set_new(rec, "revision", json_string(f->revision));
    if (f->note)
        json_object_update_missing(rec, f->note);
    int rc = wsl_state_append(f->st, rec, NULL, err);
    json_decref(rec);
    if (rc)
        wsl_err_prefix(err, "the journal refused %s of %s", type, f->app->metadata.name);
    return rc;
}

/* Poll the route at its target until it answers, up to deadline (monotonic ms). */
static int wait_route(struct wsl_placement_item *it, int64_t deadline, struct wsl_err *err)
{
    char why[512] = "";
    for (;;) {
        if (wsl_probe_placement(it->driver, it->conn, it->app, why, sizeof why))
            return 0;
        if (wsl_monotonic_ms() + ROUTE_POLL_MS > deadline)
            break;
        wsl_sleep_ms(ROUTE_POLL_MS);
    }
    return wsl_err_set(err, WSL_E_TIMEOUT, "%s at %s does not answer: %s",
                       it->app->metadata.name, it->target->metadata.name, why);
}

/* A removal with its deletes held back (an incomplete observation) removes nothing. */
static int refuse_held_back(const struct wsl_placement_item *it, struct wsl_err *err)
{
    if (!it->remove || !it->plan.held_back[0])
        return 0;
    return wsl_err_set(err, WSL_E_CONFLICT, "%s at %s: nothing was removed: %s",
                       it->app->metadata.name, it->target->metadata.name, it->plan.held_back);
}

/* Reconcile app at target t alone: plan, apply, wait for health (health_ms > 0) and, for a
 * hosting target, for its route to answer. With remove, the application's removal from t
 * instead, and *removed ({deleted, kept}) says what it did. */
static int reconcile_at(const struct wsl_fo *f, const struct wsl_target *t, long health_ms,
                        json_t **removed, struct wsl_err *err)
{
    struct wsl_rc_opts o = {.repo = f->repo, .st = f->st, .revision = f->revision,
                            .app = f->app->metadata.name, .target = t->metadata.name,
                            .lock = true, .lock_wait_ms = LOCK_WAIT_MS,
                            .plan_flags = WSL_PLAN_FORCE_OWNED, .remove = removed != NULL};
    struct wsl_reconcile *r = NULL;
    int64_t deadline = wsl_monotonic_ms() + (health_ms > 0 ? health_ms : 0);
    int rc = wsl_reconcile_load(&o, &r, err);
    if (rc == 0 && r->n != 1)
        rc = wsl_err_set(err, WSL_E_INVALID, "%s is not placed at %s", f->app->metadata.name,
                         t->metadata.name);
    struct wsl_placement_item *it = rc == 0 ? &r->v[0] : NULL;
    if (rc == 0 && wsl_reconcile_plan_item(r, it, &o) != 0) {
        *err = it->err;
        rc = it->rc;
    }
    if (rc == 0)
        rc = refuse_held_back(it, err);
    if (rc == 0) {
        struct wsl_apply_opts ao = {.health_timeout_ms = health_ms > 0 ? health_ms : -1,
                                    .health_interval_ms = 500};
        struct wsl_apply_result res = {0};
        rc = wsl_reconcile_apply(r, it, &ao, &res, err);
        wsl_apply_result_free(&res);
    }
    if (rc == 0 && removed)
        *removed = json_pack("{s:I, s:s}", "deleted",
                             (json_int_t)it->plan.count[WSL_ACT_DELETE], "kept", it->plan.kept);
    if (rc == 0 && !it->dns && health_ms > 0)
        rc = wait_route(it, deadline, err);
    wsl_reconcile_free(r);
    return rc;
}

static json_t *timings(const struct wsl_fo_result *res)
{
    json_t *o = json_object();
    if (res->healthy)
        json_object_set_new(o, "healthy_ms", json_integer(res->healthy - res->started));
    if (res->dns)
        json_object_set_new(o, "dns_ms", json_integer(res->dns - res->started));
    return o;
}

/* Journal failover.end; err keeps the failover's own error when there is one. */
static int finish(const struct wsl_fo *f, const struct wsl_fo_result *res, int rc,
                  struct wsl_err *err)
{
    json_t *rec = json_pack("{s:b, s:s, s:o}", "ok", rc == 0, "active",
                            (res->healthy ? f->to : f->from)->metadata.name, "steps",
                            timings(res));
    if (rc)
        json_object_set_new(rec, "error", json_string(err->msg));
    wsl_log(rc ? WSL_LOG_ERROR : WSL_LOG_INFO, "failover", rc ? "failed" : "done", "app",
            f->app->metadata.name, "to", f->to->metadata.name, "reason", rc ? err->msg : f->reason,
            NULL);
    struct wsl_err jerr = {0};
    int jrc = journal(f, "failover.end", rec, &jerr);
    if (jrc && rc == 0)
        *err = jerr;
    return jrc;
}

/* After a failback from a cold standby, that standby goes back to cold: its objects are
 * removed (those holding data kept). A removal that fails is logged: the failback stands,
 * and `wissel switch --decommission` or the next failback can finish it. */
static void retire_cold(const struct wsl_fo *f)
{
    if (strcmp(f->kind ? f->kind : "", "failback") || f->from == f->app->primary ||
        strcmp(f->app->spec.placement.mode, "cold"))
        return;
    json_t *removed = NULL;
    struct wsl_err err = {0};
    if (wsl_failover_remove(f, f->from, &removed, &err) != 0)
        wsl_log(WSL_LOG_WARN, "failover", "the cold standby keeps its objects", "app",
                f->app->metadata.name, "target", f->from->metadata.name, "reason", err.msg,
                NULL);
    json_decref(removed);
}

int wsl_failover_run(const struct wsl_fo *f, struct wsl_fo_result *res, struct wsl_err *err)
{
    memset(res, 0, sizeof *res);
    res->started = wsl_monotonic_ms();
    wsl_log(WSL_LOG_WARN, "failover", "starting", "app", f->app->metadata.name, "from",
            f->from->metadata.name, "to", f->to->metadata.name, "reason", f->reason, NULL);
    int rc = journal(f, "failover.start", json_pack("{s:s, s:s}", "active",
                                                     f->from->metadata.name, "reason",
                                                     f->reason ? f->reason : ""), err);
    if (rc)
        return rc;
    if (f->prepare)
        rc = f->prepare(f, f->ctx, err);
    if (rc == 0)
        rc = reconcile_at(f, f->to, health_timeout(f), NULL, err);
    if (rc == 0) {
        res->healthy = wsl_monotonic_ms();
        rc = journal(f, "failover.dns", json_pack("{s:s}", "active", f->to->metadata.name),
                     err);
    }
    if (rc == 0 && f->app->dns_target && f->app->spec.route.host)
        rc = reconcile_at(f, f->app->dns_target, 0, NULL, err);
    if (rc == 0)
        res->dns = wsl_monotonic_ms();
    if (rc)
        wsl_err_prefix(err, "failover of %s to %s", f->app->metadata.name, f->to->metadata.name);
    int jrc = finish(f, res, rc, err);
    if (rc == 0 && jrc == 0)
        retire_cold(f);
    return rc ? rc : jrc;
}

int wsl_failover_dns(const struct wsl_fo *f, struct wsl_err *err)
{
    return reconcile_at(f, f->app->dns_target, 0, NULL, err);
}

int wsl_failover_deploy(const struct wsl_fo *f, const struct wsl_target *t, long health_ms,
                        struct wsl_err *err)
{
    return reconcile_at(f, t, health_ms, NULL, err);
}

int wsl_failover_remove(const struct wsl_fo *f, const struct wsl_target *t, json_t **removed,
                        struct wsl_err *err)
{
    *removed = NULL;
    return reconcile_at(f, t, 0, removed, err);
}

void wsl_fo_say(void (*progress)(void *ctx, const char *line), void *ctx, const char *fmt, ...)
{
    if (!progress)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    progress(ctx, line);
}
