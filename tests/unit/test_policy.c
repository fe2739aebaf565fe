/* Unit tests of the policy check: jurisdiction, standby and drill age. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "orchestrator/policy/policy.h"
#include "providers/registry.h"

#include <string.h>

#define DAY 86400

static struct wsl_repo *repo;

static int load(void **state)
{
    const char *paths[] = {"tests/fixtures/policy"};
    repo = wsl_repo_load(paths, 1, wsl_providers());
    return repo->diags.errors ? -1 : 0;
}

static int unload(void **state)
{
    wsl_repo_free(repo);
    return 0;
}

static struct wsl_app_history hist;
static void history(void *ctx, const char *app, struct wsl_app_history *out)
{
    *out = hist;
}

static size_t check(const char *app, struct wsl_diags *d)
{
    struct wsl_policy_check c = {repo, history, NULL, 1000 * DAY};
    return wsl_policy_check_app(&c, wsl_repo_app(repo, app), d);
}

static bool has(const struct wsl_diags *d, const char *a, const char *b)
{
    for (size_t i = 0; i < d->n; i++) {
        if (strstr(d->v[i].msg, a) && strstr(d->v[i].msg, b))
            return true;
    }
    return false;
}

static void eu_rule_refuses_a_standby_outside_the_eu(void **state)
{
    struct wsl_diags d = {0};
    hist = (struct wsl_app_history){0, 0};
    /* portal is confidential: oslo (NO) is EEA but not EU */
    assert_int_equal(check("portal", &d), 1);
    assert_true(has(&d, "confidential data stays in the EU", "target \"oslo\""));
    assert_true(has(&d, "under NO law, not EU", "\"portal\""));
    assert_non_null(strstr(d.v[0].file, "policy.yaml"));
    assert_int_equal(d.v[0].line, 6);
    wsl_diags_free(&d);
}

static void eea_rule_accepts_norway(void **state)
{
    struct wsl_diags d = {0};
    assert_int_equal(check("public-site", &d), 0);
    wsl_diags_free(&d);
}

static void us_target_and_missing_standby(void **state)
{
    struct wsl_diags d = {0};
    hist = (struct wsl_app_history){0, 0};
    assert_int_equal(check("analytics", &d), 2);
    assert_true(has(&d, "everything stays in the EEA", "\"virginia\", which is under US law"));
    assert_true(has(&d, "tested way out", "has no standby target"));
    wsl_diags_free(&d);
}

static void drill_age(void **state)
{
    struct wsl_diags d = {0};
    /* applied 10 days ago, never drilled: still within its first 90 days */
    hist = (struct wsl_app_history){1000 * DAY - 10 * DAY, 0};
    assert_int_equal(check("portal", &d), 1); /* only the EU rule */
    wsl_diags_free(&d);
    /* applied 200 days ago, drilled 100 days ago: too old */
    hist = (struct wsl_app_history){800 * DAY, 900 * DAY};
    assert_int_equal(check("portal", &d), 2);
    assert_true(has(&d, "no passed failover drill in the last 90 days", "\"portal\""));
    wsl_diags_free(&d);
    /* drilled 30 days ago */
    hist = (struct wsl_app_history){800 * DAY, 970 * DAY};
    assert_int_equal(check("portal", &d), 1);
    wsl_diags_free(&d);
}

static void matching(void **state)
{
    const struct wsl_rule *crit = &repo->policies.v[0]->spec.rules.v[2];
    assert_true(wsl_policy_matches(crit, wsl_repo_app(repo, "portal")));
    assert_false(wsl_policy_matches(crit, wsl_repo_app(repo, "public-site")));
    const struct wsl_rule *all = &repo->policies.v[0]->spec.rules.v[1];
    assert_true(wsl_policy_matches(all, wsl_repo_app(repo, "public-site")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eu_rule_refuses_a_standby_outside_the_eu),
        cmocka_unit_test(eea_rule_accepts_norway),
        cmocka_unit_test(us_target_and_missing_standby),
        cmocka_unit_test(drill_age),
        cmocka_unit_test(matching),
    };
    return cmocka_run_group_tests_name("policy", tests, load, unload);
}
