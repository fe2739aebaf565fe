/* Unit tests of lib/: errors, buffers, JSON, units, countries, logging, diagnostics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/country.h"
#include "lib/diag.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void err_set_hint_prefix(void **state)
{
    struct wsl_err e = {0};
    assert_int_equal(wsl_err_set(&e, WSL_E_NOTFOUND, "no file %s", "x.yaml"), WSL_E_NOTFOUND);
    wsl_err_hint(&e, "create it");
    wsl_err_prefix(&e, "loading %s", "repo");
    assert_string_equal(e.msg, "loading repo: no file x.yaml");
    assert_string_equal(e.hint, "create it");
    assert_string_equal(wsl_code_name(e.code), "not-found");
    assert_true(wsl_code_transient(WSL_E_TIMEOUT));
    assert_false(wsl_code_transient(WSL_E_INVALID));
    assert_int_equal(wsl_err_set(NULL, WSL_E_IO, "ignored"), WSL_E_IO);
    assert_string_equal(wsl_code_name(WSL_E_AUTH), "auth");
    assert_false(wsl_code_transient(WSL_E_AUTH));
}

static void buf_grows_and_escapes(void **state)
{
    struct wsl_buf b = WSL_BUF_INIT;
    assert_string_equal(wsl_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        wsl_buf_printf(&b, "%d,", i);
    assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
    assert_int_equal(b.len, strlen(b.data));
    wsl_buf_reset(&b);
    wsl_buf_put_json_string(&b, "a\"b\\c\n\x01");
    assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\u0001\"");
    wsl_buf_reset(&b);
    wsl_buf_put_urlencoded(&b, "web-1.a_b~c d/é?&=%");
    assert_string_equal(b.data, "web-1.a_b~c%20d%2F%C3%A9%3F%26%3D%25");
    char *s = wsl_buf_steal(&b);
    assert_null(b.data);
    free(s);
}

static void arena_allocates_aligned_zeroed(void **state)
{
    struct wsl_arena *a = wsl_arena_new();
    for (int i = 0; i < 10000; i++) {
        unsigned char *p = wsl_arena_alloc(a, (size_t)(i % 97) + 1);
        assert_int_equal((uintptr_t)p % 16, 0);
        assert_int_equal(p[0], 0);
    }
    char *big = wsl_arena_alloc(a, 1 << 20);
    big[(1 << 20) - 1] = 'x';
    assert_string_equal(wsl_arena_printf(a, "%s-%d", "a", 7), "a-7");
    assert_true(wsl_arena_used(a) > (1 << 20));
    wsl_arena_free(a);
}

static void json_canonical_sorts_and_fingerprints(void **state)
{
    json_t *a = json_pack("{s:i, s:{s:s, s:b}, s:[i,i]}", "z", 1, "a", "y", "v", "b", 1, "m", 2, 1);
    json_t *b = json_pack("{s:[i,i], s:{s:b, s:s}, s:i}", "m", 2, 1, "a", "b", 1, "y", "v", "z", 1);
    char *ca = wsl_json_canonical(a);
    assert_string_equal(ca, "{\"a\":{\"b\":true,\"y\":\"v\"},\"m\":[2,1],\"z\":1}");
    char fa[65], fb[65];
    wsl_json_fingerprint(a, fa);
    wsl_json_fingerprint(b, fb);
    assert_string_equal(fa, fb);
    char want[65];
    wsl_sha256_hex(ca, strlen(ca), want);
    assert_string_equal(fa, want);
    json_object_set_new(b, "z", json_integer(2));
    wsl_json_fingerprint(b, fb);
    assert_string_not_equal(fa, fb);
    free(ca);
    json_decref(a);
    json_decref(b);
}

static void json_parse_reports_position(void **state)
{
    json_t *v = NULL;
    struct wsl_err e = {0};
    assert_int_equal(wsl_json_parse("{\"a\": 1,\n \"b\": }", 17, "resp", &v, &e), WSL_E_INVALID);
    assert_non_null(strstr(e.msg, "resp:2:"));
    assert_int_equal(wsl_json_parse("{\"a\":{\"b\":\"c\"}}", 15, "ok", &v, &e), 0);
    assert_string_equal(wsl_json_path_str(v, "a.b", NULL), "c");
    assert_null(wsl_json_path(v, "a.x"));
    assert_string_equal(wsl_json_path_str(v, "a.b.c", "dflt"), "dflt");
    json_decref(v);
    /* duplicate keys in provider JSON are refused, not silently merged */
    assert_int_equal(wsl_json_parse("{\"a\":1,\"a\":2}", 13, "dup", &v, &e), WSL_E_INVALID);
}

static void hmac_matches_rfc4231(void **state)
{
    /* RFC 4231 test case 2 */
    unsigned char mac[32];
    const char *data = "what do ya want for nothing?";
    wsl_hmac_sha256("Jefe", 4, data, strlen(data), mac);
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    unsigned char mac512[64];
    char hex512[129];
    wsl_hmac_sha512("Jefe", 4, data, strlen(data), mac512);
    for (int i = 0; i < 64; i++)
        snprintf(hex512 + 2 * i, 3, "%02x", mac512[i]);
    assert_string_equal(hex512, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
                                "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
    assert_int_equal(wsl_ct_memcmp("abc", "abc", 3), 0);
    assert_int_not_equal(wsl_ct_memcmp("abc", "abd", 3), 0);
}

static void durations(void **state)
{
    static const struct {
        const char *in;
        int64_t ms;
    } good[] = {{"5s", 5000},  {"2m30s", 150000}, {"1h", 3600000}, {"250ms", 250},
                {"1.5s", 1500}, {"0", 0},          {"1h2m3s", 3723000}, {"10us", 1}};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        int64_t ms = -1;
        assert_int_equal(wsl_duration_parse(good[i].in, &ms, NULL), 0);
        assert_int_equal(ms, good[i].ms);
    }
    static const char *bad[] = {"", "5", "s", "5x", "1.s", "-1s", "5 s", "1h-2m"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct wsl_err e = {0};
        int64_t ms;
        assert_int_equal(wsl_duration_parse(bad[i], &ms, &e), WSL_E_INVALID);
        assert_non_null(strstr(e.hint, "30s"));
    }
    char out[32];
    wsl_duration_format(150000, out, sizeof out);
    assert_string_equal(out, "2m30s");
    wsl_duration_format(250, out, sizeof out);
    assert_string_equal(out, "250ms");
    wsl_duration_format(3601500, out, sizeof out);
    assert_string_equal(out, "1h1.500s");
    wsl_duration_format(0, out, sizeof out);
    assert_string_equal(out, "0s");
}

static void quantities(void **state)
{
    static const struct {
        const char *in;
        int64_t milli;
    } good[] = {{"250m", 250},        {"1", 1000},           {"0.5", 500},
                {"1Ki", 1024000},     {"512Mi", 536870912000}, {"1.5G", 1500000000000},
                {"1e3", 1000000},     {"2k", 2000000},       {"-1", -1000}};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        int64_t m = 0;
        assert_int_equal(wsl_quantity_parse(good[i].in, &m, NULL), 0);
        assert_int_equal(m, good[i].milli);
    }
    static const char *bad[] = {"", "Mi", "1MB", "1 Gi", "abc", "1.2.3", "100Ei"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t m;
        assert_int_equal(wsl_quantity_parse(bad[i], &m, NULL), WSL_E_INVALID);
    }
}

static void rfc3339_times(void **state)
{
    char now[32];
    wsl_time_now_rfc3339(now);
    assert_int_equal(strlen(now), 27);
    assert_int_equal(now[26], 'Z');
    assert_true(wsl_time_parse_rfc3339(now) > 1700000000);
    assert_int_equal(wsl_time_parse_rfc3339("1970-01-02T00:00:00Z"), 86400);
    assert_int_equal(wsl_time_parse_rfc3339("2026-11-23T08:30:00.123456Z"), 1795422600);
    assert_int_equal(wsl_time_parse_rfc3339("2026-11-23T08:30:00+01:00"), 0);
    assert_int_equal(wsl_time_parse_rfc3339("yesterday"), 0);
    assert_int_equal(wsl_time_parse_rfc3339(NULL), 0);
}

static void countries(void **state)
{
    assert_true(wsl_country_known("NL"));
    assert_true(wsl_country_known("US"));
    assert_false(wsl_country_known("XX"));
    assert_false(wsl_country_known("nl"));
    assert_true(wsl_country_eu("NL") && wsl_country_eu("DE") && wsl_country_eu("GR"));
    assert_false(wsl_country_eu("NO") || wsl_country_eu("CH") || wsl_country_eu("US") ||
                 wsl_country_eu("GB"));
    assert_true(wsl_country_eea("NO") && wsl_country_eea("FR"));
    assert_false(wsl_country_eea("CH"));
    assert_true(wsl_country_in("FR", "EU"));
    assert_true(wsl_country_in("NO", "EEA"));
    assert_false(wsl_country_in("US", "EEA"));
    assert_true(wsl_country_in("DE", "DE"));
}

static char *capture_log(enum wsl_log_format fmt, void (*emit)(void))
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    wsl_log_setup(WSL_LOG_DEBUG, fmt, f);
    emit();
    fclose(f);
    wsl_log_setup(WSL_LOG_WARN, WSL_LOG_AUTO, NULL);
    return text;
}

static void emit_secrets(void)
{
    wsl_log_secret("s3cr3t-value");
    wsl_log(WSL_LOG_INFO, "http", "sending with s3cr3t-value inside", "Authorization",
            "Bearer abc.def", "url", "https://x/", "api_token", "tok123", "header",
            "Basic dXNlcjpwYXNz", "note", "also s3cr3t-value here", NULL);
    wsl_logf(WSL_LOG_DEBUG, "x", "formatted %s", "s3cr3t-value");
    wsl_logf(WSL_LOG_DEBUG, NULL, "plain");
}

static void log_redacts_secrets(void **state)
{
    for (int fmt = WSL_LOG_TEXT; fmt <= WSL_LOG_JSON; fmt++) {
        char *text = capture_log((enum wsl_log_format)fmt, emit_secrets);
        assert_null(strstr(text, "s3cr3t"));
        assert_null(strstr(text, "abc.def"));
        assert_null(strstr(text, "tok123"));
        assert_null(strstr(text, "dXNlcjpwYXNz"));
        assert_non_null(strstr(text, "[redacted]"));
        assert_non_null(strstr(text, "https://x/"));
        if (fmt == WSL_LOG_JSON) {
            /* every line is a JSON object */
            for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
                json_t *v = json_loads(line, 0, NULL);
                assert_non_null(v);
                assert_non_null(json_object_get(v, "level"));
                json_decref(v);
            }
        }
        free(text);
    }
    wsl_log_secrets_clear();
}

static void log_levels_filter(void **state)
{
    enum wsl_log_level l;
    assert_int_equal(wsl_log_level_parse("info", &l), 0);
    assert_int_equal(l, WSL_LOG_INFO);
    assert_int_equal(wsl_log_level_parse("loud", &l), -1);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    wsl_log_setup(WSL_LOG_WARN, WSL_LOG_TEXT, f);
    wsl_logf(WSL_LOG_INFO, NULL, "hidden");
    wsl_logf(WSL_LOG_ERROR, NULL, "shown");
    fclose(f);
    assert_null(strstr(text, "hidden"));
    assert_non_null(strstr(text, "shown"));
    free(text);
    wsl_log_setup(WSL_LOG_WARN, WSL_LOG_AUTO, NULL);
}

static void diags_sort_print_json(void **state)
{
    struct wsl_diags d = {0};
    wsl_diag_add(&d, WSL_SEV_ERROR, "b.yaml", 3, 1, NULL, "third %d", 3);
    wsl_diag_add(&d, WSL_SEV_WARNING, "a.yaml", 9, 2, "do this", "second");
    wsl_diag_add(&d, WSL_SEV_ERROR, "a.yaml", 2, 5, NULL, "first");
    wsl_diags_sort(&d);
    assert_int_equal(d.errors, 2);
    assert_int_equal(d.warnings, 1);
    assert_string_equal(d.v[0].msg, "first");
    assert_string_equal(d.v[2].msg, "third 3");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    wsl_diags_print(&d, f);
    fclose(f);
    assert_non_null(strstr(text, "a.yaml:2:5: error: first\n"));
    assert_non_null(strstr(text, "a.yaml:9:2: warning: second\n    hint: do this\n"));
    free(text);
    json_t *j = wsl_diags_json(&d);
    assert_int_equal(json_array_size(j), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(j, 1), "hint")), "do this");
    json_decref(j);
    wsl_diags_free(&d);
}

static void diags_are_bounded(void **state)
{
    struct wsl_diags d = {0};
    for (int i = 0; i < WSL_DIAG_MAX + 50; i++)
        wsl_diag_add(&d, WSL_SEV_ERROR, "x", i, 1, NULL, "e");
    assert_int_equal(d.n, WSL_DIAG_MAX);
    assert_int_equal(d.dropped, 50);
    assert_int_equal(d.errors, WSL_DIAG_MAX + 50);
    wsl_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(err_set_hint_prefix),
        cmocka_unit_test(buf_grows_and_escapes),
        cmocka_unit_test(arena_allocates_aligned_zeroed),
        cmocka_unit_test(json_canonical_sorts_and_fingerprints),
        cmocka_unit_test(json_parse_reports_position),
        cmocka_unit_test(hmac_matches_rfc4231),
        cmocka_unit_test(durations),
        cmocka_unit_test(quantities),
        cmocka_unit_test(rfc3339_times),
        cmocka_unit_test(countries),
        cmocka_unit_test(log_redacts_secrets),
        cmocka_unit_test(log_levels_filter),
        cmocka_unit_test(diags_sort_print_json),
        cmocka_unit_test(diags_are_bounded),
    };
    return cmocka_run_group_tests_name("lib", tests, NULL, NULL);
}
