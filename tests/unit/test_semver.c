/*
 * test_semver.c — semantic versions and ranges (orchestrator/git/semver.h): parsing,
 * semver.org precedence, ^ ~ x and partial versions expanded as npm does, comparator
 * sets and ||, the pre-release rule, the highest matching tag, and clear errors.
 */
#include "orchestrator/git/semver.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static struct wsl_semver v(const char *s)
{
    struct wsl_semver out;
    if (wsl_semver_parse(s, &out) != 0)
        fail_msg("\"%s\" should be a version", s);
    return out;
}

static bool sat(const char *range, const char *version)
{
    struct wsl_semver_range r;
    struct wsl_err err = {0};
    if (wsl_semver_range_parse(range, &r, &err) != 0)
        fail_msg("\"%s\" should be a range: %s", range, err.msg);
    struct wsl_semver ver = v(version);
    return wsl_semver_satisfies(&r, &ver);
}

#define YES(range, version) \
    do { if (!sat(range, version)) fail_msg("%s should satisfy %s", version, range); } while (0)
#define NO(range, version) \
    do { if (sat(range, version)) fail_msg("%s should not satisfy %s", version, range); } while (0)

static void versions_parse_strictly(void **state)
{
    (void)state;
    struct wsl_semver x = v("v1.22.333-rc.1+build.7");
    assert_int_equal(x.major, 1);
    assert_int_equal(x.minor, 22);
    assert_int_equal(x.patch, 333);
    assert_string_equal(x.pre, "rc.1");
    x = v("0.0.0");
    assert_string_equal(x.pre, "");
    v("1.0.0-x-y.0.a-b");
    const char *bad[] = {"", "v", "1", "1.2", "1.2.x", "01.2.3", "1.02.3", "1.2.03", "1.2.3-",
                         "1.2.3-rc..1", "1.2.3-01", "1.2.3+", "1.2.3 ", " 1.2.3", "V1.2.3",
                         "1.2.3.4", "release-1", "1.2.3-rc_1", "1234567890123456.0.0"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct wsl_semver out;
        if (wsl_semver_parse(bad[i], &out) == 0)
            fail_msg("\"%s\" should not be a version", bad[i]);
    }
}

static void precedence_is_semver_orgs(void **state)
{
    (void)state;
    /* semver.org §11's example, in order, and some more. */
    const char *order[] = {"0.9.9", "1.0.0-0", "1.0.0-2", "1.0.0-10", "1.0.0-alpha",
                           "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2",
                           "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0",
                           "1.10.0", "2.0.0", "10.0.0"};
    size_t n = sizeof order / sizeof *order;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            struct wsl_semver a = v(order[i]), b = v(order[j]);
            int c = wsl_semver_cmp(&a, &b), want = (i > j) - (i < j);
            if (c != want)
                fail_msg("cmp(%s, %s) = %d, want %d", order[i], order[j], c, want);
        }
    }
    struct wsl_semver a = v("v1.2.3+a"), b = v("1.2.3+b");
    assert_int_equal(wsl_semver_cmp(&a, &b), 0); /* build metadata and "v" do not count */
}

static void caret_allows_no_new_major(void **state)
{
    (void)state;
    YES("^1.0", "1.0.0");
    YES("^1.0", "1.9.9");
    NO("^1.0", "2.0.0");
    NO("^1.0", "0.9.0");
    YES("^1.4.2", "1.4.2");
    NO("^1.4.2", "1.4.1");
    YES("^1", "1.99.0");
    YES("^0.4.2", "0.4.9");
    NO("^0.4.2", "0.5.0");
    YES("^0.0.3", "0.0.3");
    NO("^0.0.3", "0.0.4");
    YES("^0.0", "0.0.9");
    NO("^0.0", "0.1.0");
    YES("^0.x", "0.9.0");
    NO("^0.x", "1.0.0");
    YES("^v1.2", "1.3.0");
    YES("^*", "7.0.0");
}

static void tilde_allows_patches(void **state)
{
    (void)state;
    YES("~1.4.2", "1.4.2");
    YES("~1.4.2", "1.4.99");
    NO("~1.4.2", "1.5.0");
    NO("~1.4.2", "1.4.1");
    YES("~1.4", "1.4.0");
    NO("~1.4", "1.5.0");
    YES("~1", "1.9.0");
    NO("~1", "2.0.0");
    YES("~0.2", "0.2.5");
    NO("~0.2", "0.3.0");
}

static void x_ranges_and_partials(void **state)
{
    (void)state;
    YES("1.x", "1.0.0");
    YES("1.x", "1.99.99");
    NO("1.x", "2.0.0");
    NO("1.x", "0.9.0");
    YES("1", "1.2.3");
    YES("1.2.x", "1.2.7");
    NO("1.2.X", "1.3.0");
    YES("1.2", "1.2.0");
    YES("1.*.*", "1.5.0");
    YES("*", "0.0.0");
    YES("x", "99.0.0");
    YES("1.2.3", "1.2.3");
    YES("=1.2.3", "1.2.3");
    YES("v1.2.3", "1.2.3+build");
    NO("1.2.3", "1.2.4");
}

static void comparators_and_sets(void **state)
{
    (void)state;
    YES(">=1.2.0 <2.0.0", "1.2.0");
    YES(">=1.2.0 <2.0.0", "1.99.0");
    NO(">=1.2.0 <2.0.0", "2.0.0");
    NO(">=1.2.0 <2.0.0", "1.1.9");
    YES(">= 1.2.0  < 2.0.0", "1.5.0"); /* spaces after an operator */
    YES(">1.2.3", "1.2.4");
    NO(">1.2.3", "1.2.3");
    YES("<=1.2.3", "1.2.3");
    NO("<=1.2.3", "1.2.4");
    YES(">1.2", "1.3.0");
    NO(">1.2", "1.2.9");
    YES(">1", "2.0.0");
    NO(">1", "1.9.0");
    YES("<1.2", "1.1.9");
    NO("<1.2", "1.2.0");
    YES("<=1.2", "1.2.9");
    NO("<=1.2", "1.3.0");
    YES(">=1", "1.0.0");
    NO(">*", "1.0.0");
    NO("<*", "1.0.0");
    YES("<=*", "1.0.0");
    YES("^1.0 || ^3.0", "3.1.0");
    YES("^1.0||^3.0", "1.1.0");
    NO("^1.0 || ^3.0", "2.1.0");
    YES("1.x >=1.4.0", "1.4.0");
    NO("1.x >=1.4.0", "1.3.0");
}

static void prereleases_only_when_named(void **state)
{
    (void)state;
    NO("^1.0", "1.3.0-rc.1");
    NO("*", "1.3.0-rc.1");
    NO(">=1.0.0", "1.3.0-rc.1");
    NO("<2.0.0", "2.0.0-rc.1");
    NO("^1.0", "2.0.0-rc.1");
    YES(">=1.3.0-rc.0", "1.3.0-rc.1");
    YES(">=1.3.0-rc.0", "1.3.0");
    YES(">=1.3.0-rc.0", "1.4.0");
    NO(">=1.3.0-rc.0", "1.4.0-rc.1"); /* another MAJOR.MINOR.PATCH */
    YES("^1.3.0-rc.1", "1.3.0-rc.2");
    NO("^1.3.0-rc.2", "1.3.0-rc.1");
    YES("1.3.0-rc.1", "1.3.0-rc.1");
    YES("~1.3.0-beta", "1.3.0-rc.1");
    /* in the other set of an ||: does not count */
    NO("^1.0 || 1.3.0-rc.1 >9.0.0", "1.3.0-rc.2");
    YES("^1.0 || >=1.3.0-rc.1 <1.3.1", "1.3.0-rc.2");
}

static void highest_matching_tag(void **state)
{
    (void)state;
    const char *tags[] = {"v1.0.0", "v2.0.0", "release-7", "v1.3.0-rc.1", "v1.2.0", "latest",
                          "1.2.0", "v01.9.0"};
    size_t n = sizeof tags / sizeof *tags;
    struct wsl_semver_range r;
    struct wsl_err err = {0};
    assert_int_equal(wsl_semver_range_parse("^1.0", &r, &err), 0);
    assert_string_equal(tags[wsl_semver_highest(&r, tags, n)], "1.2.0"); /* "1" < "v" */
    assert_int_equal(wsl_semver_range_parse("*", &r, &err), 0);
    assert_string_equal(tags[wsl_semver_highest(&r, tags, n)], "v2.0.0");
    assert_int_equal(wsl_semver_range_parse(">=1.3.0-rc.0 <2", &r, &err), 0);
    assert_string_equal(tags[wsl_semver_highest(&r, tags, n)], "v1.3.0-rc.1");
    assert_int_equal(wsl_semver_range_parse("^3", &r, &err), 0);
    assert_int_equal(wsl_semver_highest(&r, tags, n), -1);
    assert_int_equal(wsl_semver_highest(&r, tags, 0), -1);
}

static void bad_ranges_are_clear_errors(void **state)
{
    (void)state;
    const char *bad[][2] = {
        {"", "empty"},
        {"   ", "empty"},
        {"^1.0 ||", "after"},
        {"|| ^1.0", "before"},
        {"=>1.0", "operator"},
        {"^^1", "operator"},
        {">=", "no version"},
        {"1.x.3", "not a version"},
        {"1.2-rc.1", "not a version"},
        {"latest", "not a version"},
        {"1.2.3 - 2.0.0", "not a version"},
        {"01.2", "not a version"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct wsl_semver_range r;
        struct wsl_err err = {0};
        if (wsl_semver_range_parse(bad[i][0], &r, &err) != WSL_E_INVALID)
            fail_msg("\"%s\" should be refused", bad[i][0]);
        if (!strstr(err.msg, bad[i][1]) || !strstr(err.msg, "semver range") || !err.hint[0])
            fail_msg("\"%s\": message \"%s\" should say \"%s\", with a hint", bad[i][0],
                     err.msg, bad[i][1]);
    }
    struct wsl_semver_range r;
    char many[256] = "";
    for (int i = 0; i < WSL_SEMVER_SET_MAX + 1; i++)
        strcat(many, ">=1.0.0 ");
    assert_int_equal(wsl_semver_range_parse(many, &r, NULL), WSL_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(versions_parse_strictly),
        cmocka_unit_test(precedence_is_semver_orgs),
        cmocka_unit_test(caret_allows_no_new_major),
        cmocka_unit_test(tilde_allows_patches),
        cmocka_unit_test(x_ranges_and_partials),
        cmocka_unit_test(comparators_and_sets),
        cmocka_unit_test(prereleases_only_when_named),
        cmocka_unit_test(highest_matching_tag),
        cmocka_unit_test(bad_ranges_are_clear_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
