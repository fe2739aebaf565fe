/*
 * test_edit.c — rewriting an Application's placement in its file (manifests/edit.c), as
 * `wissel switch --commit` does: only the names that change, where they are written, in
 * flow and block style, with comments and quotes around them kept; the last standby
 * removed takes `standby` and `mode` with it; what cannot be rewritten so (an alias) or
 * would leave the Application invalid (automatic failover without a standby) is refused
 * with the place.
 */
#include "lib/buf.h"
#include "manifests/edit.h"
#include "manifests/repo.h"
#include "providers/registry.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[64];

static void put(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/wissel-edit-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char targets[1024] = "";
    for (const char *t = "abc"; *t; t++)
        snprintf(targets + strlen(targets), sizeof targets - strlen(targets),
                 "apiVersion: wissel.dev/v1\nkind: Target\nmetadata: {name: %c}\n"
                 "spec: {provider: docker, jurisdiction: NL}\n---\n", *t);
    snprintf(targets + strlen(targets), sizeof targets - strlen(targets),
             "apiVersion: wissel.dev/v1\nkind: Target\nmetadata: {name: ns}\n"
             "spec: {provider: rfc2136, rfc2136: {server: 'ns:53', zone: g.example}}\n");
    put("targets.yaml", targets);
    put("web.score.yaml", "apiVersion: score.dev/v1b1\nmetadata: {name: web}\n"
                          "containers: {main: {image: nginx}}\n"
                          "service: {ports: {http: {port: 80}}}\n");
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

#define HEAD "apiVersion: wissel.dev/v1\nkind: Application\nmetadata: {name: app}\nspec:\n" \
             "  workloads: [web.score.yaml]\n"

/* Write the Application's file, then edit it: returns the result code, the new text in
 * out. */
static int edit_file(const char *text, const char *primary, const char *drop,
                     struct wsl_buf *out, bool *changed, struct wsl_err *err)
{
    put("app.yaml", text);
    const char *paths[] = {dir};
    struct wsl_repo *r = wsl_repo_load(paths, 1, wsl_providers());
    if (r->diags.errors)
        wsl_diags_print(&r->diags, stderr);
    assert_int_equal(r->diags.errors, 0);
    int rc = wsl_edit_placement(wsl_repo_app(r, "app"), primary, drop, out, changed, err);
    wsl_repo_free(r);
    return rc;
}

/* The same with HEAD and this placement text. */
static int edit(const char *placement, const char *primary, const char *drop,
                struct wsl_buf *out, bool *changed, struct wsl_err *err)
{
    char text[1024];
    snprintf(text, sizeof text, HEAD "%s", placement);
    return edit_file(text, primary, drop, out, changed, err);
}

static void expect(const char *placement, const char *primary, const char *drop,
                   const char *want)
{
    struct wsl_buf out = WSL_BUF_INIT;
    struct wsl_err err = {0};
    bool changed = false;
    int rc = edit(placement, primary, drop, &out, &changed, &err);
    if (rc) {
        wsl_buf_free(&out);
        fail_msg("%s", err.msg);
    }
    assert_true(changed);
    char full[1024];
    snprintf(full, sizeof full, HEAD "%s", want);
    assert_string_equal(wsl_buf_str(&out), full);
    wsl_buf_free(&out);
}

static void flow_swap(void **state)
{
    expect("  placement: {primary: a, standby: [b, c], mode: cold}\n", "c", NULL,
           "  placement: {primary: c, standby: [b, a], mode: cold}\n");
}

static void block_swap_keeps_comments(void **state)
{
    expect("  placement:\n    primary: \"a\"   # where it runs\n    standby:\n"
           "      - b  # first\n      - 'c'\n",
           "b", NULL,
           "  placement:\n    primary: b   # where it runs\n    standby:\n"
           "      - a  # first\n      - 'c'\n");
}

static void drops(void **state)
{
    expect("  placement:\n    primary: a\n    standby:\n      - b\n      - c # x\n    mode: warm\n",
           "a", "c", "  placement:\n    primary: a\n    standby:\n      - b\n    mode: warm\n");
    expect("  placement:\n    primary: a\n    standby:\n      - b # x\n    mode: cold\n"
           "  classification: internal\n", "a", "b",
           "  placement:\n    primary: a\n  classification: internal\n");
    expect("  placement: {primary: a, standby: [b, c]}\n", "a", "b",
           "  placement: {primary: a, standby: [c]}\n");
    expect("  placement: {primary: a, standby: [b, c]}\n", "a", "c",
           "  placement: {primary: a, standby: [b]}\n");
    expect("  placement: {primary: a, standby: b}\n", "a", "b", "  placement: {primary: a}\n");
    expect("  placement: {standby: [b], primary: a, mode: cold}\n", "a", "b",
           "  placement: {primary: a}\n");
}

/* A switch not yet committed, then decommissioned: b primary, a gone. */
static void swap_and_drop(void **state)
{
    expect("  placement: {primary: a, standby: [b], mode: cold}\n", "b", "a",
           "  placement: {primary: b}\n");
    expect("  placement: {primary: a, standby: b}\n", "b", NULL,
           "  placement: {primary: b, standby: a}\n");
}

static void nothing_to_change(void **state)
{
    struct wsl_buf out = WSL_BUF_INIT;
    struct wsl_err err = {0};
    bool changed = true;
    assert_int_equal(edit("  placement: {primary: a, standby: [b]}\n", "a", NULL, &out,
                          &changed, &err), 0);
    assert_false(changed);
    wsl_buf_free(&out);
}

static void refusals(void **state)
{
    struct wsl_buf out = WSL_BUF_INIT;
    struct wsl_err err = {0};
    bool changed = true;
    /* the primary written through an alias of a label: the label would change too */
    assert_int_equal(edit_file("apiVersion: wissel.dev/v1\nkind: Application\n"
                               "metadata: {name: app, labels: {site: &p a}}\nspec:\n"
                               "  workloads: [web.score.yaml]\n"
                               "  placement: {primary: *p, standby: [b]}\n",
                               "b", NULL, &out, &changed, &err), WSL_E_INVALID);
    assert_false(changed);
    assert_non_null(strstr(err.msg, "app.yaml:3:38:")); /* where the name is written */
    assert_non_null(strstr(err.msg, "cannot rewrite the placement of app"));
    assert_non_null(strstr(err.hint, "by hand"));
    wsl_buf_reset(&out);
    /* without its last standby, automatic failover would have none */
    assert_int_equal(edit("  placement: {primary: a, standby: [b]}\n  dns: {target: ns}\n"
                          "  route: {host: x.g.example, workload: web, port: http}\n"
                          "  failover: {automatic: true}\n", "a", "b", &out, &changed, &err),
                     WSL_E_INVALID);
    assert_false(changed);
    assert_non_null(strstr(err.msg, "with that placement app would be invalid: automatic "
                                    "failover needs a standby target"));
    assert_non_null(strstr(err.hint, "set automatic: false"));
    wsl_buf_reset(&out);
    assert_int_equal(edit("  placement: {primary: a, standby: [b]}\n", "c", NULL, &out,
                          &changed, &err), WSL_E_INVALID);
    assert_non_null(strstr(err.msg, "c is not a standby of app"));
    wsl_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flow_swap),
        cmocka_unit_test(block_swap_keeps_comments),
        cmocka_unit_test(drops),
        cmocka_unit_test(swap_and_drop),
        cmocka_unit_test(nothing_to_change),
        cmocka_unit_test(refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
