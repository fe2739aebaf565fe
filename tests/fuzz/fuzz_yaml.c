/*
 * fuzz_yaml.c — libFuzzer target for the YAML loader (manifests/yaml.c).
 *
 * Any bytes go into wsl_yaml_load_buf. Whatever they are (alias bombs, deep nesting, tabs,
 * non-UTF-8, binary), the loader must return without a crash, leak, hang or UBSan report,
 * and its answer must hold together:
 *   - it fails (negative) exactly when it reported an error, and every error says where
 *     and what;
 *   - every node is well formed: a known kind, a position, a NUL-terminated text of the
 *     stated length, keys and values in pairs, a weight (nodes with aliases expanded) no
 *     smaller than what a walk of the expanded tree finds;
 *   - nesting, with aliases expanded, stays within WSL_YAML_MAX_DEPTH, so that recursive
 *     consumers (wsl_node_to_json, the decoders) cannot run out of stack.
 * Each document is then converted with wsl_node_to_json and the diagnostics are printed
 * and converted, as `wissel validate` does.
 *
 *   make build/fuzz/fuzz_yaml && build/fuzz/fuzz_yaml -dict=tests/fuzz/yaml.dict \
 *       build/fuzz/corpus-fuzz_yaml tests/fuzz/seeds
 */
#include "lib/arena.h"
#include "lib/diag.h"
#include "manifests/yaml.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stop walking the expanded tree after this many visits: an alias bomb that stays within
 * the loader's limits still expands to two million nodes, and fuzzing should stay fast. */
#define WALK_BUDGET 200000u

struct walk {
    const char *file;
    uint64_t visits;
    uint64_t bytes; /* scalar text visited */
};

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_yaml: invariant broken: %s\n", what);
        abort();
    }
}

/* Returns the nodes visited under n (n included), or stops early at the budget. */
static uint64_t walk(struct walk *w, const struct wsl_node *n, int depth)
{
    check(n != NULL, "a NULL node");
    check(n->kind == WSL_NODE_SCALAR || n->kind == WSL_NODE_MAP || n->kind == WSL_NODE_SEQ,
          "an unknown node kind");
    check(n->file == w->file, "a node whose file is not the file loaded");
    check(n->line >= 1 && n->col >= 1, "a node without a position");
    check(n->str != NULL, "a node without text");
    check(n->weight >= 1, "a node of weight 0");
    check(n->kind == WSL_NODE_SCALAR || depth <= WSL_YAML_MAX_DEPTH,
          "collections nested (aliases expanded) beyond WSL_YAML_MAX_DEPTH");
    if (++w->visits > WALK_BUDGET)
        return 1;
    if (n->kind == WSL_NODE_SCALAR) {
        check(n->str[n->len] == '\0', "a scalar whose text is not NUL-terminated at len");
        check(n->type <= WSL_Y_STR, "an unknown scalar type");
        check(n->n == 0, "a scalar with children");
        w->bytes += n->len;
        (void)wsl_node_describe(n);
        return 1;
    }
    check(n->len == 0 && n->str[0] == '\0', "a collection with text");
    check(n->n == 0 || n->vals != NULL, "a collection without its values");
    uint64_t seen = 1;
    for (size_t i = 0; i < n->n; i++) {
        if (n->kind == WSL_NODE_MAP) {
            check(n->keys != NULL, "a mapping without its keys");
            const struct wsl_node *k = n->keys[i];
            check(k != NULL && k->str != NULL, "a mapping key without text");
            /* keys are unique (duplicates are reported and dropped): a lookup by this
             * key finds this very pair (small maps only, to keep the walk linear) */
            if (n->n <= 64)
                check(wsl_node_get(n, k->str) == n->vals[i], "a key set twice in one mapping");
            seen += walk(w, k, depth + 1);
        }
        seen += walk(w, n->vals[i], depth + 1);
        if (w->visits > WALK_BUDGET)
            break;
    }
    if (w->visits <= WALK_BUDGET)
        check(seen <= n->weight, "a weight smaller than the expanded tree");
    return seen;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");

    struct wsl_arena *a = wsl_arena_new();
    struct wsl_diags d = {0};
    struct wsl_yaml_file f;
    int rc = wsl_yaml_load_buf(a, "fuzz.yaml", (const char *)data, size, &f, &d);

    check(rc <= 0, "a positive return code");
    check((rc < 0) == (d.errors > 0), "failure without an error, or an error without failure");
    for (size_t i = 0; i < d.n; i++) {
        check(d.v[i].msg && d.v[i].msg[0], "a diagnostic without a message");
        check(d.v[i].file && strcmp(d.v[i].file, "fuzz.yaml") == 0,
              "a diagnostic without the file name");
    }
    check(f.path && strcmp(f.path, "fuzz.yaml") == 0, "the file's path is lost");
    check(f.ndocs == 0 || f.docs != NULL, "documents without their roots");

    for (size_t i = 0; i < f.ndocs; i++) {
        const struct wsl_node *root = f.docs[i];
        struct walk w = {.file = f.path};
        walk(&w, root, root->kind == WSL_NODE_SCALAR ? 0 : 1);
        (void)wsl_node_get(root, "apiVersion");
        (void)wsl_node_get(root, "kind");
        /* JSON only for what the walk saw in full, and of a modest size: the loader lets
         * aliases expand a document to 32 MB of text, which is bounded but slow to copy
         * under ASan on every input */
        if (w.visits <= WALK_BUDGET && w.bytes <= (1u << 20)) {
            json_t *j = wsl_node_to_json(root);
            check(j != NULL || root->kind == WSL_NODE_SCALAR, "no JSON for a collection");
            char *s = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
            free(s);
            json_decref(j);
        }
    }

    wsl_diags_sort(&d);
    if (devnull)
        wsl_diags_print(&d, devnull);
    json_t *dj = wsl_diags_json(&d);
    json_decref(dj);
    wsl_diags_free(&d);
    wsl_arena_free(a);
    return 0;
}
