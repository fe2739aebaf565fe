/*
 * test_dnsrec.c — the record model the DNS drivers share (providers/dnsrecords.c): values
 * in canonical form, bodies whose fingerprint depends only on values and TTL, and the
 * render rules (one object per type, the zone check, a CNAME never beside other records).
 * The drivers themselves run against Knot and PowerDNS in tests/integration/dns_*.sh.
 */
#include "providers/dnsrecords.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/helpers/asserts.h"

static void values_are_canonical(void **state)
{
    char out[256];
    assert_int_equal(wsl_dnsrec_normalize("192.0.2.10", out), WSL_DNSREC_A);
    assert_string_equal(out, "192.0.2.10");
    assert_int_equal(wsl_dnsrec_normalize("2001:DB8:0:0::1", out), WSL_DNSREC_AAAA);
    assert_string_equal(out, "2001:db8::1");
    assert_int_equal(wsl_dnsrec_normalize("LB-1.Cloud.Example.", out), WSL_DNSREC_CNAME);
    assert_string_equal(out, "lb-1.cloud.example");
    assert_int_equal(wsl_dnsrec_normalize("192.0.2.300", out), WSL_DNSREC_CNAME); /* not an address */
    assert_string_equal(wsl_dnsrec_type_name(WSL_DNSREC_AAAA), "AAAA");
    assert_int_equal(wsl_dnsrec_type_parse("CNAME"), WSL_DNSREC_CNAME);
    assert_int_equal(wsl_dnsrec_type_parse("TXT"), 0);
}

/* The same values in another order and spelling give the same body, hence fingerprint. */
static void bodies_do_not_depend_on_order(void **state)
{
    json_t *a = wsl_dnsrec_body(60, json_pack("[s, s]", "192.0.2.2", "192.0.2.1"));
    json_t *b = wsl_dnsrec_body(60, json_pack("[s, s]", "192.0.2.1", "192.0.2.2"));
    json_t *c = wsl_dnsrec_body(30, json_pack("[s, s]", "192.0.2.1", "192.0.2.2"));
    assert_true(json_equal(a, b));
    assert_false(json_equal(a, c));
    char *s = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(s, "{\"ttl\":60,\"values\":[\"192.0.2.1\",\"192.0.2.2\"]}");
    free(s);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

static struct wsl_target target = {.metadata = {.name = "dns"}};
static struct wsl_app app = {.metadata = {.name = "portal"}};

static int render(const char *host, const char *const *values, size_t n, struct wsl_objset *out,
                  struct wsl_err *err)
{
    struct wsl_endpoint eps[4];
    for (size_t i = 0; i < n; i++)
        snprintf(eps[i].value, sizeof eps[i].value, "%s", values[i]);
    struct wsl_dns_want w = {host, 60, eps, n};
    return wsl_dnsrec_render(&target, "gemeente.example.", &app, &w, out, err);
}

static void one_object_per_type(void **state)
{
    static const char *const mixed[] = {"192.0.2.1", "2001:db8::1", "192.0.2.2"};
    struct wsl_objset out = {0};
    struct wsl_err err = {0};
    assert_code(render("Portaal.Gemeente.Example.", mixed, 3, &out, &err), 0, &err);
    assert_int_equal(out.n, 2);
    const struct wsl_object *a = wsl_objset_find(&out, "A", "portaal.gemeente.example");
    const struct wsl_object *aaaa = wsl_objset_find(&out, "AAAA", "portaal.gemeente.example");
    assert_non_null(a);
    assert_non_null(aaaa);
    assert_int_equal(json_array_size(json_object_get(a->body, "values")), 2);
    assert_int_equal(json_integer_value(json_object_get(aaaa->body, "ttl")), 60);
    assert_int_equal(strlen(a->fingerprint), 64);
    wsl_objset_free(&out);

    static const char *const lb[] = {"lb.cloud.example"};
    assert_code(render("portaal.gemeente.example", lb, 1, &out, &err), 0, &err);
    assert_int_equal(out.n, 1);
    assert_non_null(wsl_objset_find(&out, "CNAME", "portaal.gemeente.example"));
    wsl_objset_free(&out);
}

static void refusals(void **state)
{
    static const char *const one[] = {"192.0.2.1"};
    static const char *const cname_and_a[] = {"lb.cloud.example", "192.0.2.1"};
    static const char *const two_names[] = {"lb1.cloud.example", "lb2.cloud.example"};
    struct wsl_objset out = {0};
    struct wsl_err err = {0};
    assert_code(render("portaal.elders.example", one, 1, &out, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "not in zone gemeente.example.");
    assert_contains(err.msg, "target dns");
    assert_true(err.hint[0] != '\0');
    assert_int_equal(out.n, 0);
    /* A name that merely ends like the zone is not in it. */
    assert_code(render("portaalgemeente.example", one, 1, &out, &err), WSL_E_INVALID, &err);
    assert_code(render("p.gemeente.example", cname_and_a, 2, &out, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "CNAME");
    assert_int_equal(out.n, 0);
    assert_code(render("p.gemeente.example", two_names, 2, &out, &err), WSL_E_INVALID, &err);
    wsl_objset_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_are_canonical),
        cmocka_unit_test(bodies_do_not_depend_on_order),
        cmocka_unit_test(one_object_per_type),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
