/*
 * test_failover.c — the monitor's counting (orchestrator/failover/probe.c) and the runtime
 * override read back from the journal (orchestrator/reconcile/runtime.c): which placement
 * DNS belongs at after failover records, a cold standby being deployed, monitor verdicts,
 * and records naming targets git no longer places the application on. The failover itself
 * runs against real systems in tests/integration/{drill,serve_failover,k8s_failover}.sh.
 */
#include "orchestrator/failover/probe.h"
#include "orchestrator/reconcile/runtime.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static void counting_needs_runs_in_a_row(void **state)
{
    struct wsl_health_probe p = {.failures = 3, .successes = 2};
    struct wsl_probe_count c = {0};
    assert_int_equal(wsl_probe_count(&c, false, &p), 0);
    assert_int_equal(wsl_probe_count(&c, false, &p), 0);
    assert_int_equal(wsl_probe_count(&c, true, &p), 0); /* the run is broken */
    assert_false(c.known);
    assert_int_equal(wsl_probe_count(&c, false, &p), 0);
    assert_int_equal(wsl_probe_count(&c, false, &p), 0);
    assert_int_equal(wsl_probe_count(&c, false, &p), -1); /* three in a row: down */
    assert_true(c.known && c.down);
    assert_int_equal(wsl_probe_count(&c, false, &p), 0);  /* still down: no new verdict */
    assert_int_equal(wsl_probe_count(&c, true, &p), 0);
    assert_int_equal(wsl_probe_count(&c, true, &p), 1);   /* two good ones: up */
    assert_true(c.known && !c.down);
    assert_int_equal(wsl_probe_count(&c, true, &p), 0);
}

static void first_verdict_up(void **state)
{
    struct wsl_health_probe p = {.failures = 1, .successes = 1};
    struct wsl_probe_count c = {0};
    assert_int_equal(wsl_probe_count(&c, true, &p), 1);
    assert_int_equal(wsl_probe_count(&c, false, &p), -1); /* failures: 1 */
}

/* An application on t0 (primary) with standbys t1, t2. */
struct fixture {
    struct wsl_target t[3];
    const struct wsl_target *standby[2];
    struct wsl_app a;
    struct wsl_state *st;
    char dir[64];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    static const char *const names[] = {"ams", "fra", "par"};
    for (int i = 0; i < 3; i++)
        f->t[i].metadata.name = names[i];
    f->standby[0] = &f->t[1];
    f->standby[1] = &f->t[2];
    f->a.metadata.name = "portal";
    f->a.primary = &f->t[0];
    f->a.standby = f->standby;
    f->a.spec.placement.standby.n = 2;
    f->a.spec.placement.mode = "cold";
    snprintf(f->dir, sizeof f->dir, "/tmp/wsl-failover-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    struct wsl_err err = {0};
    assert_int_equal(wsl_state_open(f->dir, &f->st, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    wsl_state_close(f->st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void append(struct fixture *f, json_t *rec)
{
    struct wsl_err err = {0};
    assert_int_equal(wsl_state_append(f->st, rec, NULL, &err), 0);
    json_decref(rec);
}

static void runtime_follows_the_journal(void **state)
{
    struct fixture *f = *state;
    struct wsl_runtime rt;
    struct wsl_err err = {0};
    assert_int_equal(wsl_runtime_read(f->st, &f->a, &rt, &err), 0);
    assert_ptr_equal(rt.active, &f->t[0]); /* nothing journaled: git's primary */
    assert_null(rt.deploying);

    append(f, json_pack("{s:s, s:s, s:s, s:s}", "type", "failover.start", "app", "portal",
                        "active", "ams", "to", "par"));
    assert_int_equal(wsl_runtime_read(f->st, &f->a, &rt, &err), 0);
    assert_ptr_equal(rt.active, &f->t[0]);   /* DNS has not moved yet */
    assert_ptr_equal(rt.deploying, &f->t[2]); /* but the cold standby is being deployed */

    append(f, json_pack("{s:s, s:s, s:s}", "type", "failover.dns", "app", "portal", "active", "par"));
    append(f, json_pack("{s:s, s:s, s:s}", "type", "failover.start", "app", "other", "active", "fra"));
    assert_int_equal(wsl_runtime_read(f->st, &f->a, &rt, &err), 0);
    assert_ptr_equal(rt.active, &f->t[2]); /* another application's record changes nothing */
    assert_null(rt.deploying);

    append(f, json_pack("{s:s, s:s, s:s}", "type", "failover.end", "app", "portal", "active", "gone"));
    assert_int_equal(wsl_runtime_read(f->st, &f->a, &rt, &err), 0);
    assert_ptr_equal(rt.active, &f->t[0]); /* a target git no longer names: back to git */
}

static void monitor_verdicts(void **state)
{
    struct fixture *f = *state;
    struct wsl_runtime rt;
    struct wsl_err err = {0};
    append(f, json_pack("{s:s, s:s, s:s}", "type", "monitor.down", "app", "portal", "target", "fra"));
    append(f, json_pack("{s:s, s:s, s:s}", "type", "monitor.down", "app", "portal", "target", "ams"));
    append(f, json_pack("{s:s, s:s, s:s}", "type", "monitor.up", "app", "portal", "target", "ams"));
    assert_int_equal(wsl_runtime_read(f->st, &f->a, &rt, &err), 0);
    assert_false(rt.down[0]);
    assert_true(rt.down[1]);
    assert_false(rt.down[2]);
    assert_int_equal(wsl_rt_index(&f->a, "par"), 2);
    assert_int_equal(wsl_rt_index(&f->a, "nowhere"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counting_needs_runs_in_a_row),
        cmocka_unit_test(first_verdict_up),
        cmocka_unit_test_setup_teardown(runtime_follows_the_journal, setup, teardown),
        cmocka_unit_test_setup_teardown(monitor_verdicts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
