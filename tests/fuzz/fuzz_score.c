/*
 * fuzz_score.c — libFuzzer target for the manifest decoders (manifests/schema.c with the
 * tables of score.c and wissel.c) and Score placeholders (manifests/placeholder.c).
 *
 * The input is loaded as YAML; its first documents are decoded as a Score workload and as
 * a Target, an Application and a Policy (with no provider list: the fuzz build links lib/
 * and manifests/ only, so a Target's provider is always unknown). For every workload that
 * decodes cleanly, every string that `wissel validate` checks for placeholders (variables,
 * file contents, volume sources, commands and arguments) is expanded in validation mode,
 * wsl_score_expand(w, NULL, ...), and once more against resource outputs made up from the
 * workload's own resources. Decoding must never crash, leak or hang, and must fail exactly
 * when it reported an error.
 *
 *   make build/fuzz/fuzz_score && build/fuzz/fuzz_score -dict=tests/fuzz/yaml.dict \
 *       build/fuzz/corpus-fuzz_score tests/fuzz/seeds
 */
#include "lib/arena.h"
#include "lib/buf.h"
#include "lib/diag.h"
#include "lib/err.h"
#include "manifests/placeholder.h"
#include "manifests/schema.h"
#include "manifests/score.h"
#include "manifests/wissel.h"
#include "manifests/yaml.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DOCS 4

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_score: invariant broken: %s\n", what);
        abort();
    }
}

static void expand(const struct wsl_workload *w, const json_t *outputs, const char *s)
{
    if (!s)
        return;
    struct wsl_buf out = WSL_BUF_INIT;
    struct wsl_err err = {0};
    int rc = wsl_score_expand(w, outputs, s, &out, &err);
    check(rc == 0 || err.msg[0], "a placeholder error without a message");
    (void)wsl_buf_str(&out);
    wsl_buf_free(&out);
}

static void expand_strs(const struct wsl_workload *w, const json_t *outputs,
                        const struct wsl_strs *l)
{
    for (size_t i = 0; i < l->n; i++)
        expand(w, outputs, l->v[i]);
}

static void expand_all(const struct wsl_workload *w, const json_t *outputs)
{
    for (size_t i = 0; i < w->containers.n; i++) {
        const struct wsl_score_container *c = &w->containers.v[i];
        for (size_t j = 0; j < c->variables.n; j++)
            expand(w, outputs, c->variables.v[j].value);
        for (size_t j = 0; j < c->files.n; j++) {
            const struct wsl_score_file *f = &c->files.v[j];
            (void)wsl_score_file_target(f);
            if (!f->no_expand)
                expand(w, outputs, f->content);
        }
        for (size_t j = 0; j < c->volumes.n; j++) {
            (void)wsl_score_volume_target(&c->volumes.v[j]);
            expand(w, outputs, c->volumes.v[j].source);
        }
        expand_strs(w, outputs, &c->command);
        expand_strs(w, outputs, &c->args);
    }
}

/* Outputs for every declared resource: {"<name>": {"host": "h", "port": 5432, "deep":
 * {"x": [1]}}}, so that a real expansion (as a driver does) is exercised too. */
static json_t *made_up_outputs(const struct wsl_workload *w)
{
    json_t *o = json_object();
    for (size_t i = 0; i < w->resources.n; i++) {
        const char *name = w->resources.v[i].hdr.key;
        if (name)
            json_object_set_new(o, name,
                                json_pack("{s:s, s:i, s:{s:[i]}}", "host", "h", "port", 5432,
                                          "deep", "x", 1));
    }
    return o;
}

static void decode_workload(struct wsl_arena *a, const struct wsl_node *root)
{
    struct wsl_diags d = {0};
    struct wsl_dec dec = {a, &d, NULL};
    struct wsl_workload *w = wsl_arena_alloc(a, sizeof *w);
    bool ok = wsl_decode(&dec, root, &wsl_score_type, w);
    check(ok == (d.errors == 0), "decode result disagrees with its errors");
    if (ok) {
        for (size_t i = 0; i < w->service.ports.n; i++)
            check(wsl_score_port_find(w, w->service.ports.v[i].hdr.key) != NULL,
                  "a port that wsl_score_port_find does not find");
        for (size_t i = 0; i < w->resources.n; i++)
            check(wsl_score_resource_find(w, w->resources.v[i].hdr.key) != NULL,
                  "a resource that wsl_score_resource_find does not find");
        expand_all(w, NULL);
        json_t *outputs = made_up_outputs(w);
        expand_all(w, outputs);
        json_decref(outputs);
    }
    wsl_diags_free(&d);
}

static void decode_as(struct wsl_arena *a, const struct wsl_node *root, const struct wsl_type *t)
{
    struct wsl_diags d = {0};
    struct wsl_dec dec = {a, &d, NULL}; /* NULL: no provider is known */
    void *obj = wsl_arena_alloc(a, t->size);
    bool ok = wsl_decode(&dec, root, t, obj);
    check(ok == (d.errors == 0), "decode result disagrees with its errors");
    for (size_t i = 0; i < d.n; i++)
        check(d.v[i].msg && d.v[i].msg[0], "a diagnostic without a message");
    wsl_diags_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wsl_arena *a = wsl_arena_new();
    struct wsl_diags d = {0};
    struct wsl_yaml_file f;
    wsl_yaml_load_buf(a, "fuzz.yaml", (const char *)data, size, &f, &d);
    for (size_t i = 0; i < f.ndocs && i < MAX_DOCS; i++) {
        decode_workload(a, f.docs[i]);
        decode_as(a, f.docs[i], &wsl_target_type);
        decode_as(a, f.docs[i], &wsl_app_type);
        decode_as(a, f.docs[i], &wsl_policy_type);
    }
    wsl_diags_free(&d);
    wsl_arena_free(a);
    return 0;
}
