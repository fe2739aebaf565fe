/*
 * k8s_render — renders tests/fixtures/k8s and examples/gemeente into Kubernetes objects
 * and writes each one to its own JSON file, for tests/integration/k8s_render.sh to hand to
 * a real API server (server-side dry run).
 *
 *   k8s_render OUTDIR NAMESPACE-PREFIX [SAMPLES]
 *
 * The namespaces are replaced by NAMESPACE-PREFIX-a (the fixture) and -b (gemeente), so
 * that runs side by side do not meet; OUTDIR/namespaces lists them, one per line.
 * SAMPLES is a folder of repositories, one per Score sample, each with an Application
 * named as its folder at the Target cluster-a: what renders goes to NAMESPACE-PREFIX-c;
 * what the driver refuses is listed in OUTDIR/refused ("folder: message"), one per line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/helpers/asserts.h"

#include "manifests/repo.h"
#include "providers/kubernetes/render.h"
#include "providers/registry.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

static const char *outdir, *prefix;
static int written;

static void write_object(const struct wsl_object *o)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%03d-%s-%s.json", outdir, written++, o->kind, o->name);
    if (json_dump_file(o->body, path, JSON_INDENT(2) | JSON_SORT_KEYS) != 0)
        fail_msg("cannot write %s", path);
}

static void note_namespace(const char *ns)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/namespaces", outdir);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fprintf(f, "%s\n", ns);
    fclose(f);
}

/* Render app at target with the target's namespace replaced by ns, and write the objects. */
static void render_app(const char *repo, const char *app, const char *target, const char *ns)
{
    const char *paths[] = {repo};
    struct wsl_repo *r = wsl_repo_load(paths, 1, wsl_providers());
    assert_int_equal(r->diags.errors, 0);
    const struct wsl_target *t = wsl_repo_target(r, target);
    assert_non_null(t);
    struct wsl_k8s_config cfg = *(const struct wsl_k8s_config *)t->spec.config;
    cfg.namespace_ = ns;
    struct wsl_objset s = {0};
    struct wsl_err err = {0};
    assert_code(wsl_k8s_render(&cfg, t, wsl_repo_app(r, app), &s, &err), 0, &err);
    assert_true(s.n > 0);
    for (size_t i = 0; i < s.n; i++)
        write_object(&s.v[i]);
    wsl_objset_free(&s);
    wsl_repo_free(r);
}

static void fixture(void **state)
{
    char ns[128];
    snprintf(ns, sizeof ns, "%s-a", prefix);
    note_namespace(ns);
    render_app("tests/fixtures/k8s", "shop", "cluster-a", ns);
}

static void gemeente(void **state)
{
    char ns[128];
    snprintf(ns, sizeof ns, "%s-b", prefix);
    note_namespace(ns);
    render_app("examples/gemeente", "burgerportaal", "haven-ams", ns);
    render_app("examples/gemeente", "zaken-api", "haven-ams", ns);
}

static const char *samples;

/* One sample: rendered into ns, or its refusal noted. */
static void render_sample(const char *dir, const char *name, const char *ns)
{
    char repo[4096];
    snprintf(repo, sizeof repo, "%s/%s", dir, name);
    const char *paths[] = {repo};
    struct wsl_repo *r = wsl_repo_load(paths, 1, wsl_providers());
    if (r->diags.errors)
        wsl_diags_print(&r->diags, stderr);
    assert_int_equal(r->diags.errors, 0);
    const struct wsl_target *t = wsl_repo_target(r, "cluster-a");
    assert_non_null(t);
    struct wsl_k8s_config cfg = *(const struct wsl_k8s_config *)t->spec.config;
    cfg.namespace_ = ns;
    struct wsl_objset s = {0};
    struct wsl_err err = {0};
    if (wsl_k8s_render(&cfg, t, wsl_repo_app(r, name), &s, &err) == 0) {
        for (size_t i = 0; i < s.n; i++)
            write_object(&s.v[i]);
    } else {
        char path[4096];
        snprintf(path, sizeof path, "%s/refused", outdir);
        FILE *f = fopen(path, "a");
        assert_non_null(f);
        fprintf(f, "%s: %s\n", name, err.msg);
        fclose(f);
    }
    wsl_objset_free(&s);
    wsl_repo_free(r);
}

static void score_samples(void **state)
{
    if (!samples)
        skip();
    char ns[128];
    snprintf(ns, sizeof ns, "%s-c", prefix);
    note_namespace(ns);
    DIR *d = opendir(samples);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.')
            render_sample(samples, e->d_name, ns);
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: %s OUTDIR NAMESPACE-PREFIX [SAMPLES]\n", argv[0]);
        return 2;
    }
    outdir = argv[1];
    prefix = argv[2];
    samples = argc == 4 ? argv[3] : NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixture),
        cmocka_unit_test(gemeente),
        cmocka_unit_test(score_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
