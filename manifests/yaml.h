/*
 * yaml.h — YAML (libyaml) into a tree of nodes that remembers where each node was written.
 *
 * Every node keeps file, line and column (1-based), so every later check can point at the
 * exact place. Plain scalars are typed by the YAML 1.2 core schema (null, bool, int, float,
 * string); quoted scalars are strings; the tags !!str !!int !!float !!bool !!null are
 * honoured. Anchors and aliases are supported by sharing nodes, merge keys (<<) too.
 *
 * Input is bounded: files over WSL_YAML_MAX_BYTES, nesting deeper than WSL_YAML_MAX_DEPTH,
 * files of more than WSL_YAML_MAX_NODES values, or documents whose aliases expand past
 * WSL_YAML_MAX_NODES nodes or twice WSL_YAML_MAX_BYTES of text (alias bombs) are refused
 * with a clear error; duplicate keys in one mapping are errors. All memory comes from the
 * caller's arena.
 */
#ifndef WSL_YAML_H
#define WSL_YAML_H

#include "lib/arena.h"
#include "lib/diag.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#define WSL_YAML_MAX_BYTES (16u << 20)
#define WSL_YAML_MAX_DEPTH 64
#define WSL_YAML_MAX_NODES 2000000u

enum wsl_node_kind { WSL_NODE_SCALAR, WSL_NODE_MAP, WSL_NODE_SEQ };
enum wsl_scalar { WSL_Y_NULL, WSL_Y_BOOL, WSL_Y_INT, WSL_Y_FLOAT, WSL_Y_STR };

struct wsl_node {
    enum wsl_node_kind kind : 8;
    enum wsl_scalar type : 8; /* scalars only */
    bool b;
    int line, col;
    uint32_t weight; /* nodes in the tree with aliases expanded (at most WSL_YAML_MAX_NODES) */
    const char *file;
    const char *str; /* scalar text (unescaped), NUL-terminated; "" for collections */
    size_t len;
    int64_t i;
    double f;
    size_t n;               /* mapping pairs, or sequence items */
    struct wsl_node **keys; /* mapping keys (scalars) */
    struct wsl_node **vals; /* mapping values, or sequence items */
};

struct wsl_yaml_file {
    const char *path;
    struct wsl_node **docs; /* one root per document; an empty document has none */
    size_t ndocs;
};

/* Parse data named `name` into out. Problems are added to d with positions; returns 0, or
 * a negative wsl_code when the file could not be parsed (documents before the error are
 * kept in out). */
int wsl_yaml_load_buf(struct wsl_arena *a, const char *name, const char *data, size_t len,
                      struct wsl_yaml_file *out, struct wsl_diags *d);
/* Read and parse a file (bounded by WSL_YAML_MAX_BYTES). */
int wsl_yaml_load_file(struct wsl_arena *a, const char *path, struct wsl_yaml_file *out,
                       struct wsl_diags *d);

/* The value under key in a mapping, or NULL. */
const struct wsl_node *wsl_node_get(const struct wsl_node *map, const char *key);
/* "a string", "a mapping", "a list", "an integer", "null (an empty value)", ... */
const char *wsl_node_describe(const struct wsl_node *n);
/* The node as JSON (new reference). */
json_t *wsl_node_to_json(const struct wsl_node *n);

#endif
