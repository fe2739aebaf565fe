#include "orchestrator/failover/drill.h"

#include "lib/units.h"
#include "orchestrator/failover/client.h"
#include "orchestrator/failover/failover.h"
#include "orchestrator/failover/probe.h"
#include "orchestrator/reconcile/runtime.h"
#include "providers/registry.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* How long past its probe's own bound a step may take before the drill gives up. */
#define SLACK_MS 30000
/* How long the client may take to see an answer once DNS moved: resolvers' TTL plus this. */
#define RECOVER_SLACK_MS 30000
#define RESTORE_HEALTH_MS 300000 /* as long as a failover waits for its destination */

struct drill {
    const struct wsl_drill_opts *o;
    const struct wsl_app *app;
    const struct wsl_health_probe *probe;
    int64_t t0;            /* monotonic: the take-out began */
    int64_t wall0;         /* the same moment, ms since the epoch */
    struct wsl_endpoint eps[2]; /* 0: primary, 1: to */
    const struct wsl_driver *dns_d;
    struct wsl_conn *dns_c;     /* the client's */
    struct wsl_client *client;
    json_t *steps, *at;         /* ms since t0, and ms since the epoch */
};

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void step(struct drill *d, const char *name, int64_t mono)
{
    json_object_set_new(d->steps, name, json_integer(mono - d->t0));
    json_object_set_new(d->at, name, json_integer(d->wall0 + (mono - d->t0)));
    wsl_fo_say(d->o->progress, d->o->ctx, "  %-10s %7.3f s", name,
               (double)(mono - d->t0) / 1000.0);
}

/* Open t's driver and ask something of it through fn. */
static int with_conn(const struct wsl_target *t, const struct wsl_app *a,
                     int (*fn)(const struct wsl_driver *, struct wsl_conn *,
                               const struct wsl_app *, void *, struct wsl_err *),
                     void *arg, struct wsl_err *err)
{
    const struct wsl_driver *drv;
    struct wsl_conn *c;
    int rc = wsl_driver_open(t, &drv, &c, err);
    if (rc == 0) {
        rc = fn(drv, c, a, arg, err);
        drv->close(c);
    }
    if (rc)
        wsl_err_prefix(err, "%s at %s", a->metadata.name, t->metadata.name);
    return rc;
}

static int get_endpoint(const struct wsl_driver *drv, struct wsl_conn *c,
                        const struct wsl_app *a, void *arg, struct wsl_err *err)
{
    if (!drv->endpoint)
        return wsl_err_set(err, WSL_E_INVALID, "the %s driver cannot say where the route is "
                           "reached", drv->name);
    return drv->endpoint(c, a, arg, err);
}

static int take_out(const struct wsl_driver *drv, struct wsl_conn *c, const struct wsl_app *a,
                    void *arg, struct wsl_err *err)
{
    if (!drv->take_out)
        return wsl_err_set(err, WSL_E_INVALID, "the %s driver cannot take an application out "
                           "for a drill", drv->name);
    return drv->take_out(c, a, err);
}

/* --- checks and description ------------------------------------------------------------- */

static int check_shape(const struct wsl_drill_opts *o, struct wsl_err *err)
{
    const struct wsl_app *a = o->app;
    if (!a->spec.route.host || !a->dns_target)
        return wsl_err_set(err, WSL_E_INVALID, "%s has no route with DNS (spec.route and "
                           "spec.dns): a drill measures recovery through DNS", a->metadata.name);
    if (!strcmp(a->spec.placement.mode, "active-active"))
        return wsl_err_set(err, WSL_E_INVALID, "%s is active-active: DNS carries every "
                           "placement, there is no standby to fail over to", a->metadata.name);
    int i = o->to ? wsl_rt_index(a, o->to->metadata.name) : -1;
    if (i <= 0)
        return wsl_err_set(err, WSL_E_INVALID, "%s has no standby %s (spec.placement.standby)",
                           a->metadata.name, o->to ? o->to->metadata.name : "at all");
    return 0;
}

int wsl_drill_check(const struct wsl_drill_opts *o, struct wsl_err *err)
{
    int rc = check_shape(o, err);
    struct wsl_runtime rt;
    if (rc == 0)
        rc = wsl_runtime_read(o->st, o->app, &rt, err);
    if (rc == 0 && rt.active != o->app->primary)
        rc = wsl_err_set(err, WSL_E_CONFLICT, "a failover of %s to %s is in force: the drill "
                         "starts from the primary %s", o->app->metadata.name,
                         rt.active->metadata.name, o->app->primary->metadata.name);
    char why[512];
    if (rc == 0 && !wsl_probe_target(o->app->primary, o->app, why, sizeof why))
        rc = wsl_err_set(err, WSL_E_UNHEALTHY, "%s at %s: %s", o->app->metadata.name,
                         o->app->primary->metadata.name, why);
    if (rc == WSL_E_UNHEALTHY)
        wsl_err_hint(err, "a drill starts from a healthy primary: `wissel apply` it first");
    return rc;
}

void wsl_drill_describe(const struct wsl_drill_opts *o, struct wsl_buf *out)
{
    const struct wsl_app *a = o->app;
    const struct wsl_health_probe *p = &a->spec.failover.probe;
    bool cold = !strcmp(a->spec.placement.mode, "cold");
    wsl_buf_printf(out, "drill of %s (%s), from %s to %s:\n", a->metadata.name,
                   a->spec.placement.mode, a->primary->metadata.name, o->to->metadata.name);
    wsl_buf_printf(out, "  1. take %s out at %s (the driver stops it; its objects stay)\n",
                   a->metadata.name, a->primary->metadata.name);
    wsl_buf_printf(out, "  2. probe %s every %lld ms; down after %lld failures in a row\n",
                   p->path, (long long)p->interval_ms, (long long)p->failures);
    if (cold)
        wsl_buf_printf(out, "  3. deploy %s at %s from revision %s and wait until healthy\n",
                       a->metadata.name, o->to->metadata.name,
                       o->revision && *o->revision ? o->revision : "(working tree)");
    else
        wsl_buf_printf(out, "  3. check that %s at %s is healthy\n", a->metadata.name,
                       o->to->metadata.name);
    wsl_buf_printf(out, "  4. point %s (TTL %lld s) at %s through %s\n", a->spec.route.host,
                   (long long)a->spec.dns.ttl, o->to->metadata.name,
                   a->dns_target->metadata.name);
    wsl_buf_printf(out, "  5. measure until a client following DNS gets a good answer%s\n",
                   a->spec.failover.rto_ms ? "; pass when within the objective" : "");
    if (o->restore)
        wsl_buf_printf(out, "  6. restore %s at %s, then fail back to it\n", a->metadata.name,
                       a->primary->metadata.name);
    else
        wsl_buf_printf(out, "  6. leave %s serving (--no-restore)\n", o->to->metadata.name);
}

/* --- the run ------------------------------------------------------------------------------ */

static int journal(struct drill *d, json_t *rec, struct wsl_err *err)
{
    json_object_set_new(rec, "app", json_string(d->app->metadata.name));
    json_object_set_new(rec, "to", json_string(d->o->to->metadata.name));
    if (d->o->revision && *d->o->revision)
        json_object_set_new(rec, "revision", json_string(d->o->revision));
    int rc = wsl_state_append(d->o->st, rec, NULL, err);
    json_decref(rec);
    if (rc)
        wsl_err_prefix(err, "the journal refused the drill's record");
    return rc;
}

/* Probe the primary at the application's interval until it is down. */
static int detect(struct drill *d, struct wsl_err *err)
{
    const struct wsl_health_probe *p = d->probe;
    int64_t deadline = d->t0 + p->failures * (p->interval_ms + p->timeout_ms) + SLACK_MS;
    struct wsl_probe_count count = {.known = true};
    char why[512] = "";
    /* the monitor probed just before the outage: its next probe is an interval later */
    for (int64_t next = d->t0 + p->interval_ms; wsl_monotonic_ms() < deadline;
         next += p->interval_ms) {
        wsl_sleep_ms(next - wsl_monotonic_ms());
        bool ok = wsl_probe_route(d->app, &d->eps[0], why, sizeof why);
        if (wsl_probe_count(&count, ok, p) < 0) {
            step(d, "detected", wsl_monotonic_ms());
            wsl_fo_say(d->o->progress, d->o->ctx, "  (%s)", why);
            return wsl_runtime_verdict(d->o->st, d->app, d->app->primary, true, why, err);
        }
    }
    return wsl_err_set(err, WSL_E_TIMEOUT, "%s at %s still answers after being taken out: "
                       "the monitor would not fail over", d->app->metadata.name,
                       d->app->primary->metadata.name);
}

/* Wait until the client saw a good answer from placement i (watched since `since`). */
static int64_t wait_good(struct drill *d, int64_t limit_ms)
{
    int64_t deadline = wsl_monotonic_ms() + limit_ms;
    struct wsl_client_seen s;
    do {
        wsl_client_seen(d->client, &s);
        if (s.good_at)
            return s.good_at;
        wsl_sleep_ms(WSL_CLIENT_PERIOD_MS / 2);
    } while (wsl_monotonic_ms() < deadline);
    return 0;
}

static struct wsl_fo failover_of(struct drill *d, const struct wsl_target *from,
                                 const struct wsl_target *to, const char *kind)
{
    return (struct wsl_fo){d->o->repo, d->o->st, d->o->revision, d->app, from, to, kind,
                           "drill", 0};
}

static int64_t recover_limit(const struct drill *d)
{
    return d->app->spec.dns.ttl * 1000 + RECOVER_SLACK_MS;
}

/* Fail over and measure until the client is served by the standby. */
static int fail_over(struct drill *d, struct wsl_err *err)
{
    struct wsl_fo f = failover_of(d, d->app->primary, d->o->to, "drill");
    struct wsl_fo_result res;
    wsl_client_watch(d->client, 1);
    int rc = wsl_failover_run(&f, &res, err);
    if (res.healthy)
        step(d, "healthy", res.healthy);
    if (res.dns)
        step(d, "dns", res.dns);
    if (rc)
        return rc;
    int64_t good = wait_good(d, recover_limit(d));
    if (!good)
        return wsl_err_set(err, WSL_E_TIMEOUT, "no good answer through DNS within %lld s of "
                           "the DNS change", (long long)recover_limit(d) / 1000);
    step(d, "recovered", good);
    return 0;
}

/* Restore the primary (apply it again from git) and fail back to it from where DNS is
 * now: when the drill stopped before DNS moved, there is nothing to fail back from. */
static int restore(struct drill *d, json_t *report, struct wsl_err *err)
{
    wsl_fo_say(d->o->progress, d->o->ctx, "restoring %s at %s",
               d->app->metadata.name, d->app->primary->metadata.name);
    struct wsl_runtime rt;
    wsl_client_watch(d->client, 0);
    int64_t t = wsl_monotonic_ms();
    int rc = wsl_runtime_read(d->o->st, d->app, &rt, err);
    struct wsl_fo f = failover_of(d, rc == 0 ? rt.active : d->o->to, d->app->primary,
                                  "failback");
    struct wsl_fo_result res;
    if (rc == 0 && rt.active == d->app->primary)
        rc = wsl_failover_deploy(&f, d->app->primary, RESTORE_HEALTH_MS, err);
    else if (rc == 0)
        rc = wsl_failover_run(&f, &res, err);
    if (rc == 0)
        rc = wsl_runtime_verdict(d->o->st, d->app, d->app->primary, false,
                                 "restored after a drill", err);
    int64_t good = rc == 0 ? wait_good(d, recover_limit(d)) : 0;
    if (rc == 0 && !good)
        rc = wsl_err_set(err, WSL_E_TIMEOUT, "the primary was restored but no good answer "
                         "came through DNS from it");
    json_t *r = json_pack("{s:b}", "ok", rc == 0);
    if (good)
        json_object_set_new(r, "duration_ms", json_integer(good - t));
    if (rc)
        json_object_set_new(r, "error", json_string(err->msg));
    json_object_set_new(report, "restore", r);
    return rc;
}

static json_t *report_new(struct drill *d)
{
    const struct wsl_app *a = d->app;
    char started[32];
    time_t now = (time_t)(d->wall0 / 1000);
    struct tm tm;
    strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:{s:s, s:I, s:I, s:I}}",
                          "app", a->metadata.name, "mode", a->spec.placement.mode, "from",
                          a->primary->metadata.name, "to", d->o->to->metadata.name,
                          "started", started, "revision", d->o->revision ? d->o->revision : "",
                          "host", a->spec.route.host, "ttl", (json_int_t)a->spec.dns.ttl,
                          "probe", "path", d->probe->path,
                          "interval_ms", (json_int_t)d->probe->interval_ms, "failures",
                          (json_int_t)d->probe->failures, "timeout_ms",
                          (json_int_t)d->probe->timeout_ms);
    if (a->spec.failover.rto_ms)
        json_object_set_new(r, "objective_ms", json_integer(a->spec.failover.rto_ms));
    json_object_set(r, "steps", d->steps);
    json_object_set(r, "at", d->at);
    return r;
}

static void report_end(struct drill *d, json_t *r, int rc, const struct wsl_err *err)
{
    json_t *rec = json_object_get(d->steps, "recovered");
    int64_t rto = d->app->spec.failover.rto_ms;
    bool passed = rc == 0 && rec && (!rto || json_integer_value(rec) <= rto);
    if (rec)
        json_object_set_new(r, "recovery_ms", json_integer(json_integer_value(rec)));
    json_object_set_new(r, "passed", json_boolean(passed));
    if (rc)
        json_object_set_new(r, "error", json_string(err->msg));
    struct wsl_client_seen s;
    wsl_client_seen(d->client, &s);
    json_t *c = json_pack("{s:I, s:I}", "probes", (json_int_t)s.probes, "errors",
                          (json_int_t)s.errors);
    if (s.first_error) {
        json_object_set_new(c, "first_error_ms", json_integer(s.first_error - d->t0));
        json_object_set_new(c, "last_error_ms", json_integer(s.last_error - d->t0));
        json_object_set_new(c, "last_error", json_string(s.last_error_why));
    }
    json_object_set_new(r, "client", c);
}

static int setup(struct drill *d, struct wsl_err *err)
{
    const struct wsl_app *a = d->app;
    int rc = with_conn(a->primary, a, get_endpoint, &d->eps[0], err);
    if (rc == 0)
        rc = with_conn(d->o->to, a, get_endpoint, &d->eps[1], err);
    if (rc == 0)
        rc = wsl_driver_open(a->dns_target, &d->dns_d, &d->dns_c, err);
    if (rc == 0)
        d->client = wsl_client_start(a, d->dns_d, d->dns_c, d->eps, 2);
    return rc;
}

/* Take the primary out, detect, fail over, measure. */
static int run(struct drill *d, struct wsl_err *err)
{
    wsl_fo_say(d->o->progress, d->o->ctx, "taking %s out at %s",
               d->app->metadata.name, d->app->primary->metadata.name);
    int rc = with_conn(d->app->primary, d->app, take_out, NULL, err);
    if (rc)
        return rc;
    step(d, "taken_out", wsl_monotonic_ms());
    rc = detect(d, err);
    if (rc == 0)
        rc = fail_over(d, err);
    return rc;
}

/* drill.end: the evidence `wissel report` and the policies read. When the journal refuses
 * it, the report says so (journal_error) and the drill does not count as passed there. */
static void end_record(struct drill *d, json_t *r)
{
    json_t *rec = json_pack("{s:s}", "type", "drill.end");
    const char *keys[] = {"passed", "recovery_ms", "objective_ms", "steps", "client",
                          "restore", "error", "from", "mode"};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        json_t *v = json_object_get(r, keys[i]);
        if (v)
            json_object_set(rec, keys[i], v);
    }
    struct wsl_err err = {0};
    if (journal(d, rec, &err) != 0) {
        wsl_fo_say(d->o->progress, d->o->ctx, "%s", err.msg);
        json_object_set_new(r, "journal_error", json_string(err.msg));
    }
}

static void drill_free(struct drill *d)
{
    wsl_client_stop(d->client);
    if (d->dns_c)
        d->dns_d->close(d->dns_c);
    json_decref(d->steps);
    json_decref(d->at);
}

int wsl_drill_run(const struct wsl_drill_opts *o, json_t **report, struct wsl_err *err)
{
    struct drill d = {o, o->app, &o->app->spec.failover.probe};
    *report = NULL;
    int rc = wsl_drill_check(o, err);
    if (rc == 0)
        rc = setup(&d, err);
    if (rc) {
        drill_free(&d);
        return rc;
    }
    d.steps = json_object();
    d.at = json_object();
    wsl_client_arm(d.client);
    d.t0 = wsl_monotonic_ms();
    d.wall0 = wall_ms();
    json_t *r = report_new(&d);
    rc = journal(&d, json_pack("{s:s, s:s}", "type", "drill.start", "from",
                               o->app->primary->metadata.name), err);
    if (rc == 0) /* nothing is taken out unless the journal keeps the drill */
        rc = run(&d, err);
    bool taken = json_object_get(d.steps, "taken_out") != NULL;
    report_end(&d, r, rc, err);
    if (taken && o->restore) {
        struct wsl_err rerr = {0};
        restore(&d, r, &rerr);
    }
    if (taken) {
        end_record(&d, r);
        *report = r;
        rc = 0;
    } else {
        json_decref(r);
    }
    drill_free(&d);
    return rc;
}

/* --- Markdown --------------------------------------------------------------------------- */

static const char *str(const json_t *r, const char *key)
{
    const char *v = json_string_value(json_object_get(r, key));
    return v ? v : "";
}

static void md_step(struct wsl_buf *b, const json_t *steps, const char *key, const char *what)
{
    json_t *v = json_object_get(steps, key);
    if (v)
        wsl_buf_printf(b, "| %s | %.3f s |\n", what, (double)json_integer_value(v) / 1000.0);
    else
        wsl_buf_printf(b, "| %s | not reached |\n", what);
}

static void md_client(struct wsl_buf *b, const json_t *c)
{
    wsl_buf_printf(b, "\nA client asking DNS and then the address it gave, every %d ms: "
                   "%lld requests, %lld failed", WSL_CLIENT_PERIOD_MS,
                   (long long)json_integer_value(json_object_get(c, "probes")),
                   (long long)json_integer_value(json_object_get(c, "errors")));
    if (json_object_get(c, "first_error_ms"))
        wsl_buf_printf(b, " (from %.3f s to %.3f s; the last: %s)",
                       (double)json_integer_value(json_object_get(c, "first_error_ms")) / 1000,
                       (double)json_integer_value(json_object_get(c, "last_error_ms")) / 1000,
                       str(c, "last_error"));
    wsl_buf_printf(b, ".\n");
}

void wsl_drill_markdown(const json_t *r, struct wsl_buf *b)
{
    const json_t *probe = json_object_get(r, "probe"), *steps = json_object_get(r, "steps");
    bool passed = json_is_true(json_object_get(r, "passed"));
    wsl_buf_printf(b, "# Failover drill: %s\n\n", str(r, "app"));
    wsl_buf_printf(b, "- Started: %s, from revision %s\n", str(r, "started"),
                   *str(r, "revision") ? str(r, "revision") : "(not in git)");
    wsl_buf_printf(b, "- From %s to %s (%s)\n", str(r, "from"), str(r, "to"), str(r, "mode"));
    wsl_buf_printf(b, "- DNS: %s, TTL %lld s\n", str(r, "host"),
                   (long long)json_integer_value(json_object_get(r, "ttl")));
    wsl_buf_printf(b, "- Probe: %s every %lld ms (time-out %lld ms), down after %lld failures\n",
                   str(probe, "path"),
                   (long long)json_integer_value(json_object_get(probe, "interval_ms")),
                   (long long)json_integer_value(json_object_get(probe, "timeout_ms")),
                   (long long)json_integer_value(json_object_get(probe, "failures")));
    json_t *obj = json_object_get(r, "objective_ms"), *rec = json_object_get(r, "recovery_ms");
    if (obj)
        wsl_buf_printf(b, "- Objective (failover.rto): %.3f s\n",
                       (double)json_integer_value(obj) / 1000.0);
    wsl_buf_printf(b, "- **Result: %s**", passed ? "PASSED" : "FAILED");
    if (rec)
        wsl_buf_printf(b, ", recovery time %.3f s", (double)json_integer_value(rec) / 1000.0);
    wsl_buf_printf(b, "\n\n| Step | Time since the primary was taken out |\n|---|---|\n");
    md_step(b, steps, "taken_out", "primary taken out");
    md_step(b, steps, "detected", "outage detected by the monitor");
    md_step(b, steps, "healthy", "standby healthy");
    md_step(b, steps, "dns", "DNS switched");
    md_step(b, steps, "recovered", "first good answer through DNS (recovery time)");
    md_client(b, json_object_get(r, "client"));
    if (*str(r, "error"))
        wsl_buf_printf(b, "\nError: %s\n", str(r, "error"));
    if (*str(r, "journal_error"))
        wsl_buf_printf(b, "\nNot kept in the journal: %s\n", str(r, "journal_error"));
    const json_t *rs = json_object_get(r, "restore");
    if (json_is_true(json_object_get(rs, "ok")))
        wsl_buf_printf(b, "\nRestored: the primary serves again through DNS after %.3f s.\n",
                       (double)json_integer_value(json_object_get(rs, "duration_ms")) / 1000);
    else if (rs)
        wsl_buf_printf(b, "\nRestore failed: %s\n", str(rs, "error"));
    else
        wsl_buf_printf(b, "\nNot restored (--no-restore): %s keeps serving.\n", str(r, "to"));
}
