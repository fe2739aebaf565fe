/* Unit tests of the manifest model: table decoding, placeholders, repository loading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "manifests/checks.h"
#include "manifests/placeholder.h"
#include "manifests/repo.h"
#include "providers/registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- helpers ------------------------------------------------------------------------ */

struct ws {
    struct wsl_arena *a;
    struct wsl_diags d;
    struct wsl_workload w;
    bool ok;
};

static struct ws *decode_score(const char *text)
{
    struct ws *s = calloc(1, sizeof *s);
    s->a = wsl_arena_new();
    struct wsl_yaml_file f;
    assert_int_equal(wsl_yaml_load_buf(s->a, "w.yaml", text, strlen(text), &f, &s->d), 0);
    struct wsl_dec dec = {s->a, &s->d, NULL};
    s->ok = wsl_decode(&dec, f.docs[0], &wsl_score_type, &s->w);
    return s;
}

static void ws_free(struct ws *s)
{
    wsl_diags_free(&s->d);
    wsl_arena_free(s->a);
    free(s);
}

static const char *score_head = "apiVersion: score.dev/v1b1\nmetadata:\n  name: web\n"
                                "  team: burgerzaken\n  annotations:\n    wissel.dev/xy: y\n";

static char *with_head(const char *body)
{
    struct wsl_buf b = WSL_BUF_INIT;
    wsl_buf_printf(&b, "%s%s", score_head, body);
    return wsl_buf_steal(&b);
}

/* --- decoding ----------------------------------------------------------------------- */

static void score_decodes_both_forms(void **state)
{
    char *t = with_head("containers:\n  main:\n    image: nginx\n    files:\n      /a:\n"
                        "        content: x\n    volumes:\n    - target: /data\n"
                        "      source: ${resources.data}\n"
                        "resources:\n  data:\n    type: volume\n");
    struct ws *s = decode_score(t);
    assert_true(s->ok);
    const struct wsl_score_container *c = &s->w.containers.v[0];
    assert_string_equal(c->hdr.key, "main");
    assert_string_equal(wsl_score_file_target(&c->files.v[0]), "/a");
    assert_string_equal(wsl_score_volume_target(&c->volumes.v[0]), "/data");
    assert_null(c->volumes.v[0].hdr.key);
    assert_non_null(wsl_score_resource_find(&s->w, "data"));
    assert_null(wsl_score_resource_find(&s->w, "db"));
    ws_free(s);
    free(t);
}

static void unknown_field_suggests_nearest(void **state)
{
    char *t = with_head("containers:\n  main:\n    image: nginx\n    readinesProbe: {}\n");
    struct ws *s = decode_score(t);
    assert_false(s->ok);
    assert_int_equal(s->d.n, 1);
    assert_non_null(strstr(s->d.v[0].msg, "unknown field \"readinesProbe\""));
    assert_string_equal(s->d.v[0].hint, "did you mean \"readinessProbe\"?");
    assert_int_equal(s->d.v[0].line, 10);
    assert_int_equal(s->d.v[0].col, 5);
    ws_free(s);
    free(t);
}

static void all_errors_are_reported(void **state)
{
    char *t = with_head("containers:\n  Main:\n    image: 5\n  ok:\n    image: x\n"
                        "    resources: {limits: {cpu: 1, memory: 1GB}}\n"
                        "service: {ports: {http: {port: 0, protocol: SCTP}}}\n");
    struct ws *s = decode_score(t);
    assert_false(s->ok);
    /* Main (name), image type, cpu type, memory pattern, port range, protocol enum */
    assert_int_equal(s->d.errors, 6);
    ws_free(s);
    free(t);
}

static void checks_agree_with_examples(void **state)
{
    assert_true(wsl_check_label.fn("web-1"));
    assert_false(wsl_check_label.fn("-web"));
    assert_false(wsl_check_label.fn("Web"));
    assert_true(wsl_check_memory.fn("1.5Gi") && wsl_check_memory.fn("0.5") &&
                wsl_check_memory.fn("128M"));
    assert_false(wsl_check_memory.fn("01M") || wsl_check_memory.fn("1MB") ||
                 wsl_check_memory.fn("1.Gi"));
    assert_true(wsl_check_cpu.fn("250m") && wsl_check_cpu.fn("0.24") && wsl_check_cpu.fn("2"));
    assert_false(wsl_check_cpu.fn("1.5m") || wsl_check_cpu.fn(".5"));
    assert_true(wsl_check_annotation.fn("prefix.com/Another-Key_Annotation.2"));
    assert_false(wsl_check_annotation.fn("a/b") || wsl_check_annotation.fn("x.com/") ||
                 wsl_check_annotation.fn("/ab"));
    assert_true(wsl_check_resource_id.fn("shared-type-three") &&
                wsl_check_resource_id.fn("a--b.c"));
    assert_false(wsl_check_resource_id.fn("a..b") || wsl_check_resource_id.fn("-a"));
    assert_true(wsl_check_hostname.fn("portaal.gemeente.nl") && wsl_check_hostname.fn("*.x.nl"));
    assert_false(wsl_check_hostname.fn("a_b.nl") || wsl_check_hostname.fn("x..nl"));
    assert_true(wsl_check_file_mode.fn("0600") && wsl_check_file_mode.fn("755"));
    assert_false(wsl_check_file_mode.fn("0800") || wsl_check_file_mode.fn("06000"));
}

/* --- placeholders ------------------------------------------------------------------- */

static void placeholders_expand(void **state)
{
    char *t = with_head("containers:\n  main:\n    image: x\n"
                        "resources:\n  db:\n    type: postgres\n");
    struct ws *s = decode_score(t);
    assert_true(s->ok);
    json_t *out = json_pack("{s:{s:s, s:i}}", "db", "host", "db.internal", "port", 5432);
    struct wsl_buf b = WSL_BUF_INIT;
    struct wsl_err e = {0};
    assert_int_equal(wsl_score_expand(&s->w, out,
                                      "postgres://${resources.db.host}:${resources.db.port}/"
                                      "${metadata.name} $$HOME $${x} $ ${metadata.team} "
                                      "${metadata.annotations.wissel\\.dev/xy}",
                                      &b, &e),
                     0);
    assert_string_equal(b.data,
                        "postgres://db.internal:5432/web $HOME ${x} $ burgerzaken y");
    static const char *bad[] = {"${resources.cache.host}", "${metadata.nope}", "${HOME}",
                                "${resources.db.user}", "${unterminated", "${}", "${a..b}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        wsl_buf_reset(&b);
        assert_int_equal(wsl_score_expand(&s->w, out, bad[i], &b, &e), WSL_E_INVALID);
    }
    wsl_buf_reset(&b);
    /* validation mode: outputs unknown, any output of a declared resource is fine */
    assert_int_equal(wsl_score_expand(&s->w, NULL, "${resources.db.whatever}", &b, &e), 0);
    wsl_buf_free(&b);
    json_decref(out);
    ws_free(s);
    free(t);
}

/* --- repositories ------------------------------------------------------------------- */

static char dir[64];

static void put(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
        *p = '\0';
        mkdir(path, 0755);
        *p = '/';
    }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int make_repo(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/wissel-test-XXXXXX");
    assert_non_null(mkdtemp(dir));
    put("targets/haven.yaml",
        "apiVersion: wissel.dev/v1\nkind: Target\nmetadata: {name: haven}\n"
        "spec: {provider: kubernetes, jurisdiction: NL, kubernetes: {context: haven}}\n"
        "---\napiVersion: wissel.dev/v1\nkind: Target\nmetadata: {name: dns}\n"
        "spec:\n  provider: rfc2136\n  rfc2136: {server: 'ns:53', zone: g.example}\n"
        "---\napiVersion: wissel.dev/v1\nkind: Target\nmetadata: {name: vm}\n"
        "spec: {provider: docker, jurisdiction: DE}\n");
    put("apps/portal/app.yaml",
        "apiVersion: wissel.dev/v1\nkind: Application\nmetadata: {name: portal}\n"
        "spec:\n  workloads: [web.score.yaml]\n  classification: confidential\n"
        "  placement: {primary: haven, standby: vm}\n"
        "  route: {host: portaal.g.example, workload: web, port: http}\n"
        "  dns: {target: dns}\n  failover: {automatic: true, probe: {interval: 5s}}\n");
    put("apps/portal/web.score.yaml",
        "apiVersion: score.dev/v1b1\nmetadata: {name: web}\n"
        "containers: {main: {image: nginx}}\nservice: {ports: {http: {port: 80}}}\n");
    put("README.yaml", "just: some other yaml\n");
    put(".hidden/x.yaml", "this: [is not read\n");
    return 0;
}

static int remove_repo(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static void repo_loads_and_resolves(void **state)
{
    const char *paths[] = {dir};
    struct wsl_repo *r = wsl_repo_load(paths, 1, wsl_providers());
    if (r->diags.n)
        wsl_diags_print(&r->diags, stderr);
    assert_int_equal(r->diags.errors, 0);
    assert_int_equal(r->targets.n, 3);
    assert_int_equal(r->apps.n, 1);
    assert_int_equal(r->workloads.n, 1);
    assert_int_equal(r->ignored, 1);
    assert_int_equal(r->files, 4);
    const struct wsl_app *a = wsl_repo_app(r, "portal");
    assert_non_null(a);
    assert_ptr_equal(a->primary, wsl_repo_target(r, "haven"));
    assert_ptr_equal(a->standby[0], wsl_repo_target(r, "vm"));
    assert_ptr_equal(a->dns_target, wsl_repo_target(r, "dns"));
    assert_ptr_equal(a->workloads[0], r->workloads.v[0]);
    /* defaults */
    assert_string_equal(a->spec.placement.mode, "warm");
    assert_int_equal(a->spec.dns.ttl, 60);
    assert_int_equal(a->spec.failover.probe.interval_ms, 5000);
    assert_int_equal(a->spec.failover.probe.failures, 3);
    assert_string_equal(a->spec.route.path, "/");
    assert_string_equal(wsl_repo_target(r, "dns")->spec.provider->name, "rfc2136");
    wsl_repo_free(r);
}

static void repo_reports_references(void **state)
{
    put("apps/portal/app.yaml",
        "apiVersion: wissel.dev/v1\nkind: Application\nmetadata: {name: portal}\n"
        "spec:\n  workloads: [web.score.yaml, gone.score.yaml]\n"
        "  placement: {primary: havn, standby: dns}\n"
        "  route: {host: portaal.g.example, workload: web, port: https}\n"
        "  dns: {target: haven}\n");
    const char *paths[] = {dir};
    struct wsl_repo *r = wsl_repo_load(paths, 1, wsl_providers());
    assert_int_equal(r->diags.errors, 4);
    const char *want[] = {"gone.score.yaml", "no target is named \"havn\"",
                          "cannot run applications", "is not a DNS provider"};
    for (size_t i = 0; i < 4; i++) {
        bool found = false;
        for (size_t k = 0; k < r->diags.n; k++)
            found = found || strstr(r->diags.v[k].msg, want[i]);
        if (!found)
            fail_msg("no diagnostic mentions %s", want[i]);
    }
    assert_non_null(strstr(r->diags.v[1].hint, "haven")); /* did you mean */
    wsl_repo_free(r);
}

static void named_foreign_file_is_not_silently_passed(void **state)
{
    char path[128];
    snprintf(path, sizeof path, "%s/README.yaml", dir);
    const char *paths[] = {path};
    struct wsl_repo *r = wsl_repo_load(paths, 1, wsl_providers());
    assert_int_equal(r->diags.errors, 0);
    assert_int_equal(r->diags.warnings, 1);
    assert_non_null(strstr(r->diags.v[0].msg, "nothing in it was checked"));
    wsl_repo_free(r);
}

static void schema_has_every_kind(void **state)
{
    json_t *s = wsl_wissel_schema(wsl_providers());
    json_t *defs = json_object_get(s, "$defs");
    assert_non_null(json_object_get(defs, "Target"));
    assert_non_null(json_object_get(defs, "Application"));
    assert_non_null(json_object_get(defs, "Policy"));
    json_t *spec = json_object_get(defs, "targetSpec");
    assert_non_null(wsl_json_path(spec, "properties.kubernetes"));
    assert_non_null(wsl_json_path(spec, "properties.rfc2136"));
    assert_int_equal(json_array_size(wsl_json_path(spec, "properties.provider.enum")), 5);
    json_decref(s);
}

/* A failover block without a probe gets the probe's defaults, as an absent block does. */
static void probe_defaults_without_probe(void **state)
{
    put("apps/portal/app.yaml",
        "apiVersion: wissel.dev/v1\nkind: Application\nmetadata: {name: portal}\n"
        "spec:\n  workloads: [web.score.yaml]\n  placement: {primary: haven, standby: vm}\n"
        "  route: {host: portaal.g.example, workload: web, port: http}\n"
        "  dns: {target: dns}\n  failover: {automatic: true}\n");
    const char *paths[] = {dir};
    struct wsl_repo *r = wsl_repo_load(paths, 1, wsl_providers());
    assert_int_equal(r->diags.errors, 0);
    const struct wsl_health_probe *p = &wsl_repo_app(r, "portal")->spec.failover.probe;
    assert_string_equal(p->path, "/healthz");
    assert_int_equal(p->interval_ms, 10000);
    assert_int_equal(p->timeout_ms, 2000);
    assert_int_equal(p->failures, 3);
    assert_int_equal(p->successes, 2);
    wsl_repo_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(score_decodes_both_forms),
        cmocka_unit_test(unknown_field_suggests_nearest),
        cmocka_unit_test(all_errors_are_reported),
        cmocka_unit_test(checks_agree_with_examples),
        cmocka_unit_test(placeholders_expand),
        cmocka_unit_test(repo_loads_and_resolves),
        cmocka_unit_test(repo_reports_references),
        cmocka_unit_test(probe_defaults_without_probe),
        cmocka_unit_test(named_foreign_file_is_not_silently_passed),
        cmocka_unit_test(schema_has_every_kind),
    };
    return cmocka_run_group_tests_name("manifests", tests, make_repo, remove_repo);
}
