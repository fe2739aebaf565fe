/*
 * test_apply.c — the engine's apply against the scripted in-process driver: parallelism
 * and its bound, dependency order under parallelism, retries of transient failures, the
 * stop on a hard failure, the journal's start/end pairs (also on failures, time-outs and a
 * failing journal), the health wait, a crash between actions followed by a re-run that
 * converges without duplicate creates, and the revision handed to the driver with each
 * action (and kept out of the plan: a new commit that changes nothing plans nothing).
 */
#include "lib/json.h"
#include "orchestrator/engine/apply.h"
#include "orchestrator/engine/plan.h"
#include "tests/unit/helpers/scripted.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/helpers/asserts.h"

/* What the callbacks saw. */
struct seen {
    json_t *events;         /* copies of the recorded journal events */
    int record_calls;
    int fail_record_at;     /* record() call number that fails (0: none) */
    int started, finished, skipped, health;
};

static int record(void *ctx, const json_t *ev)
{
    struct seen *w = ctx;
    if (++w->record_calls == w->fail_record_at)
        return WSL_E_IO;
    json_array_append_new(w->events, json_deep_copy(ev));
    return 0;
}

static void progress(void *ctx, const struct wsl_apply_event *ev)
{
    struct seen *w = ctx;
    switch (ev->phase) {
    case WSL_APPLY_EV_STARTED: w->started++; break;
    case WSL_APPLY_EV_FINISHED: w->finished++; break;
    case WSL_APPLY_EV_SKIPPED: w->skipped++; break;
    case WSL_APPLY_EV_HEALTH: w->health++; break;
    }
}

struct fixture {
    struct scripted *s;
    struct wsl_app app;
    struct wsl_apply_opts opts;
    struct seen seen;
    struct wsl_plan plan;
    struct wsl_apply_result res;
    struct wsl_err err;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    f->s = scripted_new();
    f->app.metadata.name = "web";
    f->seen.events = json_array();
    f->opts.clock = scripted_clock(f->s);
    f->opts.record = record;
    f->opts.progress = progress;
    f->opts.ctx = &f->seen;
    f->opts.target = "cluster-a";
    f->opts.seed = 42;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    wsl_plan_free(&f->plan);
    wsl_apply_result_free(&f->res);
    json_decref(f->seen.events);
    scripted_free(f->s);
    free(f);
    return 0;
}

/* Plan from the scripted driver (observe included) and apply; the previous plan and
 * result are freed first. Returns wsl_apply_run()'s code. */
static int plan_and_apply(struct fixture *f)
{
    wsl_plan_free(&f->plan);
    wsl_apply_result_free(&f->res);
    wsl_err_clear(&f->err);
    int rc = wsl_plan_target(&scripted_driver, scripted_conn(f->s), &f->app, 0, &f->plan,
                             &f->err);
    if (rc)
        fail_msg("planning failed: %s", f->err.msg);
    return wsl_apply_run(&scripted_driver, scripted_conn(f->s), &f->app, &f->plan, &f->opts,
                         &f->res, &f->err);
}

/* Every action.start is followed by exactly one action.end of the same object before the
 * object starts again, and every end closes a start. */
static void assert_pairs(const json_t *events)
{
    json_t *open = json_object();
    const json_t *ev;
    size_t i;
    json_array_foreach(events, i, ev) {
        char key[256];
        snprintf(key, sizeof key, "%s/%s", json_string_value(json_object_get(ev, "kind")),
                 json_string_value(json_object_get(ev, "name")));
        bool start = !strcmp(json_string_value(json_object_get(ev, "type")), "action.start");
        bool is_open = json_object_get(open, key) != NULL;
        if (start && is_open)
            fail_msg("%s started twice without an end between", key);
        if (!start && !is_open)
            fail_msg("%s ended without a start", key);
        if (start)
            json_object_set_new(open, key, json_true());
        else
            json_object_del(open, key);
    }
    if (json_object_size(open))
        fail_msg("%zu actions have a start without an end", json_object_size(open));
    json_decref(open);
}

static void want_independent(struct scripted *s, int n)
{
    for (int i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        scripted_want(s, "Container", name, "{\"image\":\"x:1\"}", NULL);
    }
}

/* ns <- cm, secret <- deploy <- svc <- ing; plus independent x0..x3 */
static void want_app(struct scripted *s)
{
    scripted_want(s, "Ingress", "web", "{\"host\":\"web.example\"}", "Service/web", NULL);
    scripted_want(s, "Service", "web", "{\"port\":80}", "Deployment/web", NULL);
    scripted_want(s, "Deployment", "web", "{\"metadata\":{\"name\":\"web\"},\"replicas\":2}",
                  "Namespace/shop", "ConfigMap/web", "Secret/web", NULL);
    scripted_want(s, "ConfigMap", "web", "{\"data\":{}}", "Namespace/shop", NULL);
    scripted_want(s, "Secret", "web", "{\"data\":{}}", "Namespace/shop", NULL);
    scripted_want(s, "Namespace", "shop", "{}", NULL);
    for (int i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof name, "x%d", i);
        scripted_want(s, "Volume", name, "{}", NULL);
    }
}

/* "-create A ok" comes before "+create B" in the trace. */
static void assert_before(struct scripted *s, const char *done, const char *started)
{
    long a = scripted_trace_pos(s, done), b = scripted_trace_pos(s, started);
    if (a < 0 || b < 0 || a > b)
        fail_msg("\"%s\" (at %ld) is not before \"%s\" (at %ld) in:\n%s", done, a, started, b,
                 scripted_trace(s));
}

/* --- parallelism --------------------------------------------------------------------- */

static void independent_actions_overlap(void **state)
{
    struct fixture *f = *state;
    want_independent(f->s, 8);
    scripted_hold(f->s, 4, 1500);
    assert_code(plan_and_apply(f), 0, &f->err);
    assert_int_equal(scripted_max_inflight(f->s), 4);
    assert_int_equal(f->res.ok, 8);
    assert_int_equal(scripted_count(f->s), 8);
}

static void parallelism_is_bounded(void **state)
{
    struct fixture *f = *state;
    want_independent(f->s, 7);
    f->opts.max_parallel = 3;
    scripted_hold(f->s, 7, 60); /* would let 7 at once through, were they started */
    assert_code(plan_and_apply(f), 0, &f->err);
    assert_int_equal(scripted_max_inflight(f->s), 3);
    assert_int_equal(f->res.ok, 7);
}

static void dependencies_hold_under_parallelism(void **state)
{
    struct fixture *f = *state;
    want_app(f->s);
    scripted_put(f->s, "Volume", "old", true, "{}", NULL);
    f->opts.max_parallel = 8;
    scripted_hold(f->s, 3, 20);
    for (int round = 0; round < 3; round++) {
        assert_code(plan_and_apply(f), 0, &f->err);
        assert_before(f->s, "-create Namespace/shop ok", "+create ConfigMap/web");
        assert_before(f->s, "-create Namespace/shop ok", "+create Secret/web");
        assert_before(f->s, "-create ConfigMap/web ok", "+create Deployment/web");
        assert_before(f->s, "-create Secret/web ok", "+create Deployment/web");
        assert_before(f->s, "-create Deployment/web ok", "+create Service/web");
        assert_before(f->s, "-create Service/web ok", "+create Ingress/web");
        /* Deletes only after every create. */
        assert_before(f->s, "-create Ingress/web ok", "+delete Volume/old");
        assert_before(f->s, "-create Volume/x3 ok", "+delete Volume/old");
        assert_true(scripted_max_inflight(f->s) >= 2);
        assert_true(scripted_max_inflight(f->s) <= 8);
        /* Start again from nothing, with a fresh provider. */
        scripted_free(f->s);
        f->s = scripted_new();
        f->opts.clock = scripted_clock(f->s);
        want_app(f->s);
        scripted_put(f->s, "Volume", "old", true, "{}", NULL);
        scripted_hold(f->s, 3, 20);
    }
}

/* --- failures ------------------------------------------------------------------------ */

static void transient_failures_are_retried(void **state)
{
    struct fixture *f = *state;
    scripted_want(f->s, "Deployment", "web", "{}", NULL);
    scripted_fail_apply(f->s, "Deployment", "web", WSL_E_NET, 2);
    assert_code(plan_and_apply(f), 0, &f->err);
    assert_int_equal(f->res.v[0].status, WSL_APPLY_OK);
    assert_int_equal(f->res.v[0].attempts, 3);
    assert_int_equal(scripted_calls(f->s, "Deployment", "web"), 3);
    assert_int_equal(scripted_creates(f->s, "Deployment", "web"), 1);
    /* Two waits on the (fake) clock, within the doubling ceilings of 200 and 400 ms. */
    assert_int_equal(scripted_sleeps(f->s), 2);
    assert_true(scripted_sleep_at(f->s, 0) <= 200);
    assert_true(scripted_sleep_at(f->s, 1) <= 400);
    assert_pairs(f->seen.events);
    /* One start and one end for the three attempts. */
    assert_int_equal(json_array_size(f->seen.events), 2);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(f->seen.events, 1),
                                                        "attempts")), 3);
}

static void retries_run_out(void **state)
{
    struct fixture *f = *state;
    scripted_want(f->s, "Deployment", "web", "{}", NULL);
    scripted_want(f->s, "Service", "web", "{}", "Deployment/web", NULL);
    scripted_fail_apply(f->s, "Deployment", "web", WSL_E_TIMEOUT, -1);
    assert_code(plan_and_apply(f), WSL_E_TIMEOUT, &f->err);
    assert_int_equal(f->res.v[0].attempts, 4); /* 1 + the default 3 retries */
    assert_string_equal(f->err.msg, "applying web at cluster-a: create Deployment/web failed "
                        "after 4 attempts: create of Deployment/web failed (injected)");
    assert_true(f->err.hint[0] != '\0');
    assert_int_equal(f->res.v[1].status, WSL_APPLY_SKIPPED);
    assert_string_equal(f->res.v[1].message, "not started: create Deployment/web failed");
    assert_int_equal(scripted_calls(f->s, "Service", "web"), 0);

    /* No retries at all. */
    f->opts.retries = -1;
    assert_code(plan_and_apply(f), WSL_E_TIMEOUT, &f->err);
    assert_int_equal(f->res.v[0].attempts, 1);
    /* A hard failure is never retried. */
    f->opts.retries = 0;
    scripted_fail_apply(f->s, "Deployment", "web", WSL_E_HTTP, 1);
    assert_code(plan_and_apply(f), WSL_E_HTTP, &f->err);
    assert_int_equal(f->res.v[0].attempts, 1);
    assert_pairs(f->seen.events);
}

static void hard_failure_stops_the_rest(void **state)
{
    struct fixture *f = *state;
    scripted_want(f->s, "Volume", "a", "{}", NULL);
    scripted_want(f->s, "Volume", "b", "{}", NULL);
    scripted_want(f->s, "Volume", "c", "{}", NULL);
    scripted_want(f->s, "Volume", "d", "{}", NULL);
    scripted_want(f->s, "Volume", "e", "{}", NULL);
    scripted_want(f->s, "Container", "web", "{}", "Volume/a", NULL);
    scripted_put(f->s, "Volume", "old", true, "{}", NULL);
    scripted_fail_apply(f->s, "Volume", "a", WSL_E_HTTP, -1);
    f->opts.max_parallel = 3;
    scripted_hold(f->s, 3, 300); /* b and c are held under way while a fails */
    assert_code(plan_and_apply(f), WSL_E_HTTP, &f->err);
    assert_string_equal(f->err.msg, "applying web at cluster-a: create Volume/a failed: create "
                        "of Volume/a failed (injected)");
    /* The running ones finished; nothing started after the failure. */
    assert_int_equal(f->res.ok, 2);
    assert_int_equal(f->res.failed, 1);
    assert_int_equal(f->res.skipped, 4);
    assert_true(scripted_exists(f->s, "Volume", "b"));
    assert_true(scripted_exists(f->s, "Volume", "c"));
    const char *never[] = {"Volume/d", "Volume/e", "Container/web", "Volume/old"};
    for (size_t i = 0; i < 4; i++) {
        char line[64];
        snprintf(line, sizeof line, "+create %s", never[i]);
        if (!strcmp(never[i], "Volume/old"))
            snprintf(line, sizeof line, "+delete %s", never[i]);
        assert_int_equal(scripted_trace_pos(f->s, line), -1);
    }
    assert_true(scripted_exists(f->s, "Volume", "old"));
    assert_int_equal(f->seen.started, 3);
    assert_int_equal(f->seen.finished, 3);
    assert_int_equal(f->seen.skipped, 4);
    assert_int_equal(f->seen.health, 0); /* no health wait after a failure */
    assert_pairs(f->seen.events);
    /* The end of the failed action says so. */
    json_t *ev;
    size_t i;
    json_array_foreach(f->seen.events, i, ev) {
        if (!strcmp(json_string_value(json_object_get(ev, "type")), "action.end") &&
            !strcmp(json_string_value(json_object_get(ev, "name")), "a")) {
            assert_string_equal(json_string_value(json_object_get(ev, "result")), "error");
            assert_string_equal(json_string_value(json_object_get(ev, "code")), "http");
            assert_string_equal(json_string_value(json_object_get(ev, "app")), "web");
            assert_string_equal(json_string_value(json_object_get(ev, "target")), "cluster-a");
        }
    }
}

/* --- the journal --------------------------------------------------------------------- */

static void journal_pairs_on_success(void **state)
{
    struct fixture *f = *state;
    want_app(f->s);
    assert_code(plan_and_apply(f), 0, &f->err);
    assert_int_equal(json_array_size(f->seen.events), 20);
    assert_pairs(f->seen.events);
    json_t *first = json_array_get(f->seen.events, 0);
    assert_string_equal(json_string_value(json_object_get(first, "type")), "action.start");
    assert_string_equal(json_string_value(json_object_get(first, "action")), "create");
    json_t *end = NULL, *ev;
    size_t i;
    json_array_foreach(f->seen.events, i, ev) {
        if (!strcmp(json_string_value(json_object_get(ev, "type")), "action.end"))
            end = ev;
    }
    assert_string_equal(json_string_value(json_object_get(end, "result")), "ok");
    assert_true(json_is_integer(json_object_get(end, "duration_ms")));
    /* Nothing to do: no driver call, no event; health is still checked. */
    json_array_clear(f->seen.events);
    int calls = scripted_calls_total(f->s), health = scripted_health_calls(f->s);
    assert_code(plan_and_apply(f), 0, &f->err);
    assert_int_equal(f->plan.count[WSL_ACT_NOOP], 10);
    assert_int_equal(scripted_calls_total(f->s), calls);
    assert_int_equal(json_array_size(f->seen.events), 0);
    assert_int_equal(scripted_health_calls(f->s), health + 1);
}

static void journal_pairs_on_timeout(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < 5; i++) {
        char name[8];
        snprintf(name, sizeof name, "v%d", i);
        scripted_want(f->s, "Volume", name, "{}", NULL);
    }
    f->opts.max_parallel = 1;
    f->opts.target_timeout_ms = 2500;
    scripted_apply_cost(f->s, 1000); /* each call takes a (fake) second */
    assert_code(plan_and_apply(f), WSL_E_TIMEOUT, &f->err);
    assert_string_equal(f->err.msg, "applying web at cluster-a: the time allowed (2500 ms) ran "
                        "out before create Volume/v3 could start");
    assert_int_equal(f->res.ok, 3);
    assert_int_equal(f->res.skipped, 2);
    assert_string_equal(f->res.v[4].message, "not started: the target's time ran out");
    assert_int_equal(json_array_size(f->seen.events), 6);
    assert_pairs(f->seen.events);
}

static void retrying_stops_at_the_deadline(void **state)
{
    struct fixture *f = *state;
    scripted_want(f->s, "Volume", "v", "{}", NULL);
    scripted_fail_apply(f->s, "Volume", "v", WSL_E_NET, -1);
    f->opts.retries = 100;
    f->opts.retry_base_ms = 1000;
    f->opts.target_timeout_ms = 5000;
    scripted_apply_cost(f->s, 1000);
    assert_code(plan_and_apply(f), WSL_E_NET, &f->err);
    assert_contains(f->err.msg, "(no more retries: the target's time ran out)");
    assert_true(f->res.v[0].attempts < 6);
    assert_true(scripted_now(f->s) - 1000000 < 5000 + 1000); /* no retry began after it */
    assert_pairs(f->seen.events);
}

static void failing_journal_stops_the_apply(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < 4; i++) {
        char name[8];
        snprintf(name, sizeof name, "v%d", i);
        scripted_want(f->s, "Volume", name, "{}", NULL);
    }
    f->opts.max_parallel = 1;
    /* The second action's start cannot be recorded: it must not run. */
    f->seen.fail_record_at = 3;
    assert_code(plan_and_apply(f), WSL_E_IO, &f->err);
    assert_string_equal(f->err.msg, "applying web at cluster-a: the journal refused the "
                        "action.start event of create Volume/v1 (io); the apply stopped");
    assert_int_equal(scripted_calls_total(f->s), 1);
    assert_int_equal(f->res.ok, 1);
    assert_int_equal(f->res.skipped, 3);
    assert_pairs(f->seen.events);

    /* The first action's end cannot be recorded: nothing new starts. */
    json_array_clear(f->seen.events);
    f->seen.record_calls = 0;
    f->seen.fail_record_at = 2;
    assert_code(plan_and_apply(f), WSL_E_IO, &f->err);
    assert_contains(f->err.msg, "the journal refused the action.end event of create Volume/v1");
    assert_int_equal(scripted_calls_total(f->s), 2);
    assert_int_equal(f->res.skipped, 2);
}

/* --- health -------------------------------------------------------------------------- */

static void health_becomes_ready(void **state)
{
    struct fixture *f = *state;
    scripted_want(f->s, "Deployment", "web", "{}", NULL);
    scripted_health(f->s, WSL_HEALTH_PROGRESSING, "web: 0 of 2 replicas ready");
    scripted_health(f->s, WSL_HEALTH_PROGRESSING, "web: 1 of 2 replicas ready");
    scripted_health(f->s, WSL_HEALTH_READY, "");
    scripted_fail_health(f->s, WSL_E_NET, 1); /* a blip first: not a verdict */
    f->opts.health_interval_ms = 2000;
    assert_code(plan_and_apply(f), 0, &f->err);
    assert_int_equal(scripted_health_calls(f->s), 4);
    assert_true(f->res.health_checked);
    assert_int_equal(f->res.health.state, WSL_HEALTH_READY);
    assert_int_equal(f->seen.health, 4);
    assert_int_equal(scripted_slept(f->s), 3 * 2000);
}

static void health_fails_with_the_reason(void **state)
{
    struct fixture *f = *state;
    scripted_want(f->s, "Deployment", "web", "{}", NULL);
    scripted_health(f->s, WSL_HEALTH_PROGRESSING, "web: 0 of 2 replicas ready");
    scripted_health(f->s, WSL_HEALTH_FAILED, "web: ImagePullBackOff (image web:9 not found)");
    assert_code(plan_and_apply(f), WSL_E_UNHEALTHY, &f->err);
    assert_string_equal(f->err.msg, "web at cluster-a is unhealthy: web: ImagePullBackOff "
                        "(image web:9 not found)");
    assert_int_equal(f->res.health.state, WSL_HEALTH_FAILED);
    assert_int_equal(f->res.ok, 1); /* the actions themselves went well */
}

static void health_times_out_with_the_reason(void **state)
{
    struct fixture *f = *state;
    scripted_want(f->s, "Deployment", "web", "{}", NULL);
    scripted_health(f->s, WSL_HEALTH_PROGRESSING, "web: 1 of 2 replicas ready");
    f->opts.health_timeout_ms = 10000;
    f->opts.health_interval_ms = 3000;
    assert_code(plan_and_apply(f), WSL_E_TIMEOUT, &f->err);
    assert_string_equal(f->err.msg, "web at cluster-a was not ready within 10 s: web: 1 of 2 "
                        "replicas ready");
    assert_int_equal(scripted_slept(f->s), 10000);
    assert_int_equal(scripted_health_calls(f->s), 5); /* at 0, 3, 6, 9 and 10 s */
    assert_int_equal(f->res.health.state, WSL_HEALTH_PROGRESSING);

    /* A hard failure of the health call ends the wait with it. */
    scripted_fail_health(f->s, WSL_E_HTTP, 1);
    assert_code(plan_and_apply(f), WSL_E_HTTP, &f->err);
    assert_contains(f->err.msg, "checking the health of web at cluster-a: ");

    /* Switched off: not asked at all. */
    f->opts.health_timeout_ms = -1;
    int calls = scripted_health_calls(f->s);
    assert_code(plan_and_apply(f), 0, &f->err);
    assert_int_equal(scripted_health_calls(f->s), calls);
    assert_false(f->res.health_checked);
}

/* --- a crash between actions --------------------------------------------------------- */

static void rerun_after_crash(struct fixture *f, bool lands)
{
    want_app(f->s);
    scripted_put(f->s, "Volume", "old", true, "{}", NULL);
    scripted_crash_after(f->s, 2, lands);
    assert_code(plan_and_apply(f), WSL_E_INTERNAL, &f->err);
    assert_contains(f->err.msg, "simulated crash");
    assert_pairs(f->seen.events);
    size_t created = scripted_count(f->s) - 1;
    assert_true(created >= 2 && created < 10);

    /* The process comes back: observe again, plan again, apply again. */
    scripted_crash_after(f->s, -1, false);
    assert_code(plan_and_apply(f), 0, &f->err);
    assert_int_equal(f->plan.count[WSL_ACT_CREATE], 10 - created);
    assert_int_equal(f->plan.count[WSL_ACT_DELETE], 1);
    /* Converged: everything exists once, was created once, nothing desired was deleted. */
    const char *objs[][2] = {{"Namespace", "shop"}, {"ConfigMap", "web"}, {"Secret", "web"},
                             {"Deployment", "web"}, {"Service", "web"}, {"Ingress", "web"},
                             {"Volume", "x0"}, {"Volume", "x1"}, {"Volume", "x2"},
                             {"Volume", "x3"}};
    for (size_t i = 0; i < 10; i++) {
        assert_true(scripted_exists(f->s, objs[i][0], objs[i][1]));
        if (scripted_creates(f->s, objs[i][0], objs[i][1]) != 1)
            fail_msg("%s/%s was created %d times", objs[i][0], objs[i][1],
                     scripted_creates(f->s, objs[i][0], objs[i][1]));
    }
    assert_false(scripted_exists(f->s, "Volume", "old"));
    assert_int_equal(scripted_count(f->s), 10);
    const char *t = scripted_trace(f->s);
    for (const char *p = strstr(t, "+delete"); p; p = strstr(p + 1, "+delete"))
        assert_int_equal(strncmp(p, "+delete Volume/old\n", 19), 0);
    /* And a third run has nothing to do. */
    assert_code(plan_and_apply(f), 0, &f->err);
    assert_int_equal(f->plan.count[WSL_ACT_NOOP], 10);
    assert_int_equal(f->plan.n, 10);
    assert_pairs(f->seen.events);
}

static void crash_between_actions_converges(void **state)
{
    rerun_after_crash(*state, false);
}

static void crash_after_a_change_landed_converges(void **state)
{
    rerun_after_crash(*state, true);
}

/* --- the revision ---------------------------------------------------------------------- */

#define REV1 "1111111111111111111111111111111111111111"
#define REV2 "2222222222222222222222222222222222222222"

static void assert_revision(struct fixture *f, const char *kind, const char *name,
                            const char *want)
{
    char got[41];
    scripted_revision(f->s, kind, name, got);
    if (strcmp(got, want))
        fail_msg("%s/%s: the driver's action carried revision \"%s\", want \"%s\"", kind,
                 name, got, want);
}

static void the_revision_reaches_the_driver(void **state)
{
    struct fixture *f = *state;
    want_app(f->s);
    f->opts.revision = REV1;
    assert_code(plan_and_apply(f), 0, &f->err);
    const char *objs[][2] = {{"Namespace", "shop"}, {"ConfigMap", "web"}, {"Secret", "web"},
                             {"Deployment", "web"}, {"Service", "web"}, {"Ingress", "web"},
                             {"Volume", "x0"}, {"Volume", "x3"}};
    for (size_t i = 0; i < sizeof objs / sizeof *objs; i++)
        assert_revision(f, objs[i][0], objs[i][1], REV1);
    json_t *ann = json_object_get(json_object_get(scripted_body(f->s, "Deployment", "web"),
                                                  "metadata"), "annotations");
    assert_string_equal(json_string_value(json_object_get(ann, WSL_MARK_REVISION)), REV1);
    /* Not in the plan's bodies: a new commit that changes nothing plans nothing, though
     * the objects carry the old revision. */
    int calls = scripted_calls_total(f->s);
    f->opts.revision = REV2;
    assert_code(plan_and_apply(f), 0, &f->err);
    assert_int_equal(f->plan.count[WSL_ACT_NOOP], 10);
    assert_int_equal(scripted_calls_total(f->s), calls);
    /* What does change is applied with the new revision; the rest keep theirs. */
    scripted_edit(f->s, "Deployment", "web", "replicas", "5");
    assert_code(plan_and_apply(f), 0, &f->err);
    assert_int_equal(f->plan.count[WSL_ACT_UPDATE], 1);
    assert_revision(f, "Deployment", "web", REV2);
    assert_revision(f, "Service", "web", REV1);
    /* None known ("" as NULL): the action carries none. */
    f->opts.revision = "";
    scripted_edit(f->s, "Deployment", "web", "replicas", "6");
    assert_code(plan_and_apply(f), 0, &f->err);
    assert_revision(f, "Deployment", "web", "");
    /* Not a commit id: refused before any action. */
    calls = scripted_calls_total(f->s);
    f->opts.revision = "main";
    scripted_edit(f->s, "Deployment", "web", "replicas", "7");
    assert_code(plan_and_apply(f), WSL_E_INVALID, &f->err);
    assert_non_null(strstr(f->err.msg, "main"));
    assert_int_equal(scripted_calls_total(f->s), calls);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(independent_actions_overlap),
        T(parallelism_is_bounded),
        T(dependencies_hold_under_parallelism),
        T(transient_failures_are_retried),
        T(retries_run_out),
        T(hard_failure_stops_the_rest),
        T(journal_pairs_on_success),
        T(journal_pairs_on_timeout),
        T(retrying_stops_at_the_deadline),
        T(failing_journal_stops_the_apply),
        T(health_becomes_ready),
        T(health_fails_with_the_reason),
        T(health_times_out_with_the_reason),
        T(crash_between_actions_converges),
        T(crash_after_a_change_landed_converges),
        T(the_revision_reaches_the_driver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
