#include "manifests/yaml.h"

#include "lib/buf.h"
#include "lib/strmap.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#define MAX_ANCHORS 10000
/* Text one document may expand to through aliases: twice what a file may hold. Without
 * aliases a document never comes near it; with them, a long string referred to from a
 * small alias bomb would otherwise expand to gigabytes in wsl_node_to_json. */
#define MAX_EXPANDED_BYTES (2 * (uint64_t)WSL_YAML_MAX_BYTES)

struct vec {
    struct wsl_node **v;
    size_t n, cap;
};

struct frame {
    struct wsl_node *node;
    struct vec keys, vals;
    const char *anchor;
    int height;      /* collections nested in the highest child so far, aliases expanded */
    uint64_t bytes0; /* the document's expanded text when this collection opened */
};

struct anchor {
    const char *name;
    struct wsl_node *node;
    int height;     /* collections nested in it, itself included, aliases expanded */
    uint64_t bytes; /* the text of its scalars, aliases expanded */
};

struct loader {
    struct wsl_arena *a;
    struct wsl_diags *d;
    const char *file;
    struct frame stack[WSL_YAML_MAX_DEPTH + 1];
    int depth;
    struct anchor *anchors;
    size_t nanchors;
    struct wsl_strmap anchor_index; /* name -> index in anchors (the latest definition) */
    uint64_t nodes, bytes;      /* the current document so far, aliases expanded */
    size_t file_nodes;          /* nodes made for the whole file, all documents */
    struct wsl_node *root;
    bool failed; /* some error was reported: the file is invalid */
    bool stop;   /* a limit was hit or the syntax is broken: parse no further */
};

static void push(struct vec *v, struct wsl_node *n)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 8;
        v->v = wsl_xrealloc(v->v, v->cap * sizeof *v->v);
    }
    v->v[v->n++] = n;
}

static void fail_at(struct loader *l, int line, int col, const char *hint, const char *msg)
{
    wsl_diag_add(l->d, WSL_SEV_ERROR, l->file, line, col, hint, "%s", msg);
    l->failed = true;
}

static struct wsl_node *new_node(struct loader *l, enum wsl_node_kind kind, yaml_mark_t m)
{
    /* The limit per document does not bound a file of a million small documents; this
     * bounds the memory of any one file (a node and its text take about 120 bytes). */
    if (++l->file_nodes > WSL_YAML_MAX_NODES && !l->stop) {
        char msg[160];
        snprintf(msg, sizeof msg, "this file holds more than %u YAML values", WSL_YAML_MAX_NODES);
        fail_at(l, (int)m.line + 1, (int)m.column + 1,
                "split it into smaller files; no manifest needs this many", msg);
        l->stop = true;
    }
    struct wsl_node *n = wsl_arena_alloc(l->a, sizeof *n);
    n->kind = kind;
    n->file = l->file;
    n->line = (int)m.line + 1;
    n->col = (int)m.column + 1;
    n->str = "";
    n->weight = 1;
    return n;
}

/* --- scalar typing (YAML 1.2 core schema) ------------------------------------------ */

static bool is_one_of(const char *s, const char *const *words)
{
    for (; *words; words++) {
        if (strcmp(s, *words) == 0)
            return true;
    }
    return false;
}

static bool parse_int(const char *s, int64_t *out)
{
    const char *p = s;
    int base = 10;
    if (*p == '+' || *p == '-')
        p++;
    if (p[0] == '0' && p[1] == 'o' && p == s) {
        base = 8;
        p += 2;
    } else if (p[0] == '0' && p[1] == 'x' && p == s) {
        base = 16;
        p += 2;
    }
    if (!*p)
        return false;
    for (const char *q = p; *q; q++) {
        bool ok = base == 16 ? strchr("0123456789abcdefABCDEF", *q) != NULL
                             : (*q >= '0' && *q <= (base == 8 ? '7' : '9'));
        if (!ok)
            return false;
    }
    errno = 0;
    long long v = strtoll(base == 10 ? s : p, NULL, base);
    if (errno == ERANGE)
        return false;
    *out = v;
    return true;
}

static bool parse_float(const char *s, double *out)
{
    static const char *const inf[] = {".inf", ".Inf", ".INF", NULL};
    static const char *const nan_[] = {".nan", ".NaN", ".NAN", NULL};
    const char *p = s + (*s == '+' || *s == '-');
    if (is_one_of(p, inf)) {
        *out = *s == '-' ? -INFINITY : INFINITY;
        return true;
    }
    if (is_one_of(s, nan_)) {
        *out = NAN;
        return true;
    }
    /* [-+]? ( \.[0-9]+ | [0-9]+ ( \.[0-9]* )? ) ( [eE] [-+]? [0-9]+ )? */
    bool digits = false;
    while (*p >= '0' && *p <= '9')
        p++, digits = true;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, digits = true;
    }
    if (!digits)
        return false;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return false;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p)
        return false;
    *out = strtod(s, NULL);
    return true;
}

static void type_plain(struct wsl_node *n)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    /* Most plain scalars are words (names, images, keys): only these characters can start
     * a null, a boolean or a number (".inf", ".5"), so the rest are strings at once. */
    if (n->str[0] && !strchr("~nNtTfF0123456789+-.", n->str[0]))
        n->type = WSL_Y_STR;
    else if (is_one_of(n->str, nulls))
        n->type = WSL_Y_NULL;
    else if (is_one_of(n->str, trues) || is_one_of(n->str, falses))
        n->type = WSL_Y_BOOL, n->b = n->str[0] == 't' || n->str[0] == 'T';
    else if (parse_int(n->str, &n->i))
        n->type = WSL_Y_INT, n->f = (double)n->i;
    else if (parse_float(n->str, &n->f))
        n->type = WSL_Y_FLOAT;
    else
        n->type = WSL_Y_STR;
}

static void type_scalar(struct loader *l, struct wsl_node *n, const yaml_event_t *e)
{
    const char *tag = (const char *)e->data.scalar.tag;
    bool plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    n->type = WSL_Y_STR;
    if (!tag || strcmp(tag, "!") == 0) {
        if (plain && !tag)
            type_plain(n);
        return;
    }
    if (strcmp(tag, YAML_STR_TAG) == 0)
        return;
    type_plain(n);
    static const struct {
        const char *tag;
        enum wsl_scalar type;
    } tags[] = {{YAML_NULL_TAG, WSL_Y_NULL}, {YAML_BOOL_TAG, WSL_Y_BOOL},
                {YAML_INT_TAG, WSL_Y_INT}, {YAML_FLOAT_TAG, WSL_Y_FLOAT}};
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++) {
        if (strcmp(tag, tags[i].tag) != 0)
            continue;
        if (n->type == WSL_Y_INT && tags[i].type == WSL_Y_FLOAT)
            n->type = WSL_Y_FLOAT;
        if (n->type != tags[i].type) {
            char msg[256];
            snprintf(msg, sizeof msg, "\"%.60s\" is not a valid !!%s", n->str,
                     tag + strlen("tag:yaml.org,2002:"));
            fail_at(l, n->line, n->col, "remove the tag, or write a value of that type", msg);
        }
        return;
    }
    char msg[256];
    snprintf(msg, sizeof msg, "unsupported YAML tag \"%.60s\"", tag);
    fail_at(l, n->line, n->col, "remove the tag: wissel manifests use plain YAML values", msg);
}

/* --- tree building ------------------------------------------------------------------ */

static uint64_t add_weight(uint64_t a, uint64_t b)
{
    return a + b < a ? UINT64_MAX : a + b;
}

/* Count nodes and text (an alias counts its anchor's whole tree) into the size of the
 * current document with aliases expanded, and refuse it past the limits. Checked at every
 * event, not when a collection closes: a flat list of a million aliases would otherwise be
 * resolved in full before it is refused. */
static void count(struct loader *l, uint64_t nodes, uint64_t bytes, yaml_mark_t m)
{
    l->nodes = add_weight(l->nodes, nodes);
    l->bytes = add_weight(l->bytes, bytes);
    char msg[200];
    if (l->stop)
        return;
    if (l->nodes > WSL_YAML_MAX_NODES)
        snprintf(msg, sizeof msg,
                 "this document expands to more than %u nodes (YAML aliases used as a bomb?)",
                 WSL_YAML_MAX_NODES);
    else if (l->bytes > MAX_EXPANDED_BYTES)
        snprintf(msg, sizeof msg,
                 "this document expands to more than %llu MB of text (YAML aliases used as a "
                 "bomb?)",
                 (unsigned long long)(MAX_EXPANDED_BYTES >> 20));
    else
        return;
    fail_at(l, (int)m.line + 1, (int)m.column + 1, "reduce the use of aliases (*name) in this file",
            msg);
    l->stop = true;
}

/* Add n to the open collection; height: the collections nested in n (0 for a scalar). */
static void attach(struct loader *l, struct wsl_node *n, int height)
{
    if (l->depth == 0) {
        l->root = n;
        return;
    }
    struct frame *f = &l->stack[l->depth - 1];
    if (height > f->height)
        f->height = height;
    uint64_t w = (uint64_t)f->node->weight + n->weight;
    f->node->weight = w > UINT32_MAX ? UINT32_MAX : (uint32_t)w;
    if (f->node->kind == WSL_NODE_SEQ) {
        push(&f->vals, n);
    } else if (f->keys.n == f->vals.n) {
        if (n->kind != WSL_NODE_SCALAR)
            fail_at(l, n->line, n->col, "write keys as plain text",
                    "a mapping key must be a plain value, not a mapping or a list");
        push(&f->keys, n);
    } else {
        push(&f->vals, n);
    }
}

static void remember_anchor(struct loader *l, const char *name, struct wsl_node *n, int height,
                            uint64_t bytes)
{
    if (!name)
        return;
    if (l->nanchors >= MAX_ANCHORS) {
        fail_at(l, n->line, n->col, NULL, "too many YAML anchors in one document");
        l->stop = true;
        return;
    }
    if (l->nanchors % 64 == 0)
        l->anchors = wsl_xrealloc(l->anchors, (l->nanchors + 64) * sizeof *l->anchors);
    l->anchors[l->nanchors] = (struct anchor){name, n, height, bytes};
    wsl_strmap_put(&l->anchor_index, name, l->nanchors++);
}

static void forget_anchors(struct loader *l)
{
    free(l->anchors);
    l->anchors = NULL;
    l->nanchors = 0;
    wsl_strmap_free(&l->anchor_index);
}

static struct wsl_node **to_arena(struct loader *l, struct vec *v)
{
    struct wsl_node **out = wsl_arena_alloc(l->a, (v->n ? v->n : 1) * sizeof *out);
    if (v->n)
        memcpy(out, v->v, v->n * sizeof *out);
    free(v->v);
    memset(v, 0, sizeof *v);
    return out;
}

struct keyref {
    const struct wsl_node *key;
    size_t i; /* its place in the mapping */
};

static int cmp_keys(const void *a, const void *b)
{
    const struct keyref *x = a, *y = b;
    int c = strcmp(x->key->str, y->key->str);
    if (c)
        return c;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* Report every key set twice in the mapping being closed, and keep only the first pair of
 * each key: the error is reported, and whoever reads the tree on (wsl_node_get, the
 * decoders, which go on to report further mistakes) sees each key once. Decoders fill a
 * field each time its key comes by, so a repeated list field would be decoded twice into
 * the same slot. */
static void check_duplicates(struct loader *l, struct frame *f)
{
    size_t n = f->keys.n;
    if (n < 2)
        return;
    struct keyref *k = wsl_xmalloc(n * sizeof *k);
    for (size_t i = 0; i < n; i++)
        k[i] = (struct keyref){f->keys.v[i], i};
    qsort(k, n, sizeof *k, cmp_keys);
    bool any = false;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(k[i].key->str, k[i - 1].key->str) != 0)
            continue;
        char msg[256], hint[128];
        snprintf(msg, sizeof msg, "duplicate key \"%.80s\"", k[i].key->str);
        snprintf(hint, sizeof hint, "the same key is already set at line %d; keep one of them",
                 k[i - 1].key->line);
        fail_at(l, k[i].key->line, k[i].key->col, hint, msg);
        f->keys.v[k[i].i] = NULL; /* dropped below */
        any = true;
    }
    free(k);
    size_t m = 0;
    for (size_t i = 0; any && i < n; i++) {
        if (f->keys.v[i]) {
            f->keys.v[m] = f->keys.v[i];
            f->vals.v[m++] = f->vals.v[i];
        }
    }
    if (any)
        f->keys.n = f->vals.n = m;
}

/* Apply merge keys (<<: *base or <<: [*a, *b]): pairs of the merged maps that the map does
 * not set itself are added; earlier maps in a list win over later ones. */
static void merge_keys(struct loader *l, struct frame *f)
{
    struct vec keys = {0}, vals = {0}, merges = {0};
    for (size_t i = 0; i < f->keys.n && i < f->vals.n; i++) {
        struct wsl_node *k = f->keys.v[i], *v = f->vals.v[i];
        if (strcmp(k->str, "<<") == 0 && k->type == WSL_Y_STR && k->len == 2) {
            if (v->kind == WSL_NODE_MAP)
                push(&merges, v);
            for (size_t j = 0; v->kind == WSL_NODE_SEQ && j < v->n; j++)
                push(&merges, v->vals[j]);
            continue;
        }
        push(&keys, k);
        push(&vals, v);
    }
    struct wsl_strmap have = {0}; /* the keys set so far */
    for (size_t i = 0; i < keys.n; i++)
        wsl_strmap_put(&have, keys.v[i]->str, i);
    for (size_t m = 0; m < merges.n; m++) {
        struct wsl_node *src = merges.v[m];
        if (src->kind != WSL_NODE_MAP) {
            fail_at(l, src->line, src->col, NULL, "a merge key (<<) must refer to mappings");
            continue;
        }
        for (size_t j = 0; j < src->n; j++) {
            size_t at;
            if (!wsl_strmap_get(&have, src->keys[j]->str, &at)) {
                wsl_strmap_put(&have, src->keys[j]->str, keys.n);
                push(&keys, src->keys[j]);
                push(&vals, src->vals[j]);
            }
        }
    }
    wsl_strmap_free(&have);
    free(merges.v);
    free(f->keys.v);
    free(f->vals.v);
    f->keys = keys;
    f->vals = vals;
}

static bool any_merge_key(const struct frame *f)
{
    for (size_t i = 0; i < f->keys.n; i++) {
        if (strcmp(f->keys.v[i]->str, "<<") == 0 && f->keys.v[i]->type == WSL_Y_STR)
            return true;
    }
    return false;
}

static void close_collection(struct loader *l)
{
    struct frame *f = &l->stack[--l->depth];
    struct wsl_node *n = f->node;
    int height = f->height + 1;
    uint64_t bytes = l->bytes - f->bytes0;
    if (n->kind == WSL_NODE_MAP) {
        if (f->keys.n != f->vals.n) /* cannot happen with a well-formed event stream */
            push(&f->vals, new_node(l, WSL_NODE_SCALAR, (yaml_mark_t){0}));
        check_duplicates(l, f);
        if (any_merge_key(f))
            merge_keys(l, f);
        n->n = f->keys.n;
        n->keys = to_arena(l, &f->keys);
    } else {
        n->n = f->vals.n;
    }
    n->vals = to_arena(l, &f->vals);
    /* n->weight <= WSL_YAML_MAX_NODES: count() stopped the document before */
    remember_anchor(l, f->anchor, n, height, bytes);
    attach(l, n, height);
}

static void open_collection(struct loader *l, enum wsl_node_kind kind, const yaml_event_t *e,
                            const char *anchor)
{
    struct wsl_node *n = new_node(l, kind, e->start_mark);
    if (l->depth >= WSL_YAML_MAX_DEPTH) {
        char msg[128];
        snprintf(msg, sizeof msg, "nesting deeper than %d levels", WSL_YAML_MAX_DEPTH);
        fail_at(l, n->line, n->col, "flatten the structure; no manifest needs this depth", msg);
        l->stop = true;
        return;
    }
    l->stack[l->depth++] = (struct frame){.node = n, .anchor = anchor, .bytes0 = l->bytes};
    count(l, 1, 0, e->start_mark);
}

static void on_alias(struct loader *l, const yaml_event_t *e)
{
    const char *name = (const char *)e->data.alias.anchor;
    size_t i;
    if (wsl_strmap_get(&l->anchor_index, name, &i)) {
        const struct anchor *an = &l->anchors[i];
        /* Aliases nest: an alias inside a deep structure repeats its anchor's structure
         * there, and anchors can refer to anchors. Bound the depth as it will be read. */
        if (l->depth + an->height > WSL_YAML_MAX_DEPTH) {
            char msg[200];
            snprintf(msg, sizeof msg, "nesting deeper than %d levels once alias *%.80s is expanded",
                     WSL_YAML_MAX_DEPTH, name);
            fail_at(l, (int)e->start_mark.line + 1, (int)e->start_mark.column + 1,
                    "an alias repeats its anchor's whole structure where it is used; flatten one "
                    "of them",
                    msg);
            l->stop = true;
            return;
        }
        count(l, an->node->weight, an->bytes, e->start_mark);
        if (!l->stop)
            attach(l, an->node, an->height);
        return;
    }
    char msg[200];
    snprintf(msg, sizeof msg, "alias *%.80s refers to no anchor defined before it", name);
    fail_at(l, (int)e->start_mark.line + 1, (int)e->start_mark.column + 1,
            "define &name before using *name (an alias cannot refer to its own parent)", msg);
    count(l, 1, 0, e->start_mark);
    attach(l, new_node(l, WSL_NODE_SCALAR, e->start_mark), 0);
}

static void on_scalar(struct loader *l, const yaml_event_t *e)
{
    struct wsl_node *n = new_node(l, WSL_NODE_SCALAR, e->start_mark);
    n->len = e->data.scalar.length;
    n->str = wsl_arena_strndup(l->a, (const char *)e->data.scalar.value, n->len);
    type_scalar(l, n, e);
    count(l, 1, n->len, e->start_mark);
    if (e->data.scalar.anchor)
        remember_anchor(l, wsl_arena_strdup(l->a, (const char *)e->data.scalar.anchor), n, 0,
                        n->len);
    attach(l, n, 0);
}

static const char *anchor_of(struct loader *l, const yaml_char_t *anchor)
{
    return anchor ? wsl_arena_strdup(l->a, (const char *)anchor) : NULL;
}

/* Line and column (1-based, in characters) of a byte offset: a reader error (bad UTF-8, a
 * control character) carries only the offset. */
static yaml_mark_t mark_of_offset(const char *data, size_t len, size_t offset)
{
    yaml_mark_t m = {0};
    for (size_t i = 0; i < offset && i < len; i++) {
        if (data[i] == '\n')
            m.line++, m.column = 0;
        else if (((unsigned char)data[i] & 0xC0) != 0x80)
            m.column++;
    }
    m.index = offset;
    return m;
}

static void reader_error(struct loader *l, const yaml_parser_t *p, const char *data, size_t len)
{
    size_t off = p->problem_offset < len ? p->problem_offset : len;
    char msg[512];
    const char *hint;
    if (p->problem && strstr(p->problem, "control characters")) {
        snprintf(msg, sizeof msg,
                 "invalid YAML: the file is not text: control character 0x%02X at offset %zu",
                 (unsigned)p->problem_value, off);
        hint = p->problem_value == 0 ? "this looks like a binary file, not YAML text"
                                     : "remove the control character";
    } else {
        /* libyaml points a bad trailing octet out at its own offset: show the lead byte */
        if (p->problem && strstr(p->problem, "trailing")) {
            for (size_t k = 0; k < 3 && off > 0; k++) {
                if ((unsigned char)data[--off] >= 0xC0)
                    break;
            }
        }
        snprintf(msg, sizeof msg,
                 "invalid YAML: the file is not UTF-8 text: byte 0x%02X at offset %zu (%s)",
                 off < len ? (unsigned char)data[off] : 0u, off,
                 p->problem ? p->problem : "undecodable input");
        hint = "save the file as UTF-8; it may be Latin-1 or Windows-1252 "
               "(convert with: iconv -f windows-1252 -t utf-8)";
    }
    yaml_mark_t m = mark_of_offset(data, len, off);
    fail_at(l, (int)m.line + 1, (int)m.column + 1, hint, msg);
}

static void syntax_error(struct loader *l, const yaml_parser_t *p, const char *data, size_t len)
{
    if (p->error == YAML_READER_ERROR) {
        reader_error(l, p, data, len);
        return;
    }
    const yaml_mark_t *m = &p->problem_mark;
    const yaml_mark_t *c = &p->context_mark;
    char msg[512];
    const char *hint = NULL;
    if (p->context && (c->line != m->line || c->column != m->column))
        snprintf(msg, sizeof msg, "invalid YAML: %s %s (which starts at line %d, column %d)",
                 p->problem ? p->problem : "", p->context, (int)c->line + 1, (int)c->column + 1);
    else if (p->context)
        snprintf(msg, sizeof msg, "invalid YAML: %s %s", p->problem ? p->problem : "", p->context);
    else
        snprintf(msg, sizeof msg, "invalid YAML: %s", p->problem ? p->problem : "syntax error");
    if (m->index < len && data[m->index] == '\t')
        hint = "YAML does not allow tabs for indentation; indent with spaces";
    fail_at(l, (int)m->line + 1, (int)m->column + 1, hint, msg);
}

static void finish_doc(struct loader *l, struct vec *docs)
{
    bool empty = !l->root || (l->root->kind == WSL_NODE_SCALAR && l->root->type == WSL_Y_NULL);
    if (!empty)
        push(docs, l->root);
    l->root = NULL;
    forget_anchors(l);
    l->nodes = l->bytes = 0;
}

static void unwind(struct loader *l)
{
    while (l->depth > 0) {
        struct frame *f = &l->stack[--l->depth];
        free(f->keys.v);
        free(f->vals.v);
    }
    forget_anchors(l);
}

static bool on_event(struct loader *l, const yaml_event_t *e, struct vec *docs)
{
    switch (e->type) {
    case YAML_SCALAR_EVENT: on_scalar(l, e); break;
    case YAML_ALIAS_EVENT: on_alias(l, e); break;
    case YAML_SEQUENCE_START_EVENT:
        open_collection(l, WSL_NODE_SEQ, e, anchor_of(l, e->data.sequence_start.anchor));
        break;
    case YAML_MAPPING_START_EVENT:
        open_collection(l, WSL_NODE_MAP, e, anchor_of(l, e->data.mapping_start.anchor));
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: close_collection(l); break;
    case YAML_DOCUMENT_END_EVENT: finish_doc(l, docs); break;
    case YAML_STREAM_END_EVENT: return false;
    default: break;
    }
    return !l->stop;
}

int wsl_yaml_load_buf(struct wsl_arena *a, const char *name, const char *data, size_t len,
                      struct wsl_yaml_file *out, struct wsl_diags *d)
{
    struct loader l = {.a = a, .d = d, .file = wsl_arena_strdup(a, name)};
    struct vec docs = {0};
    yaml_parser_t p;
    memset(out, 0, sizeof *out);
    out->path = l.file;
    if (len > WSL_YAML_MAX_BYTES) {
        wsl_diag_add(d, WSL_SEV_ERROR, name, 0, 0, "split it into smaller files",
                     "file is %zu bytes, more than the limit of %u", len, WSL_YAML_MAX_BYTES);
        return -4;
    }
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            syntax_error(&l, &p, data, len);
            break;
        }
        bool more = on_event(&l, &e, &docs);
        yaml_event_delete(&e);
        if (!more)
            break;
    }
    yaml_parser_delete(&p);
    unwind(&l);
    out->ndocs = docs.n;
    out->docs = to_arena(&l, &docs);
    return l.failed ? -1 : 0;
}

int wsl_yaml_load_file(struct wsl_arena *a, const char *path, struct wsl_yaml_file *out,
                       struct wsl_diags *d)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        wsl_diag_add(d, WSL_SEV_ERROR, path, 0, 0, NULL, "cannot read: %s", strerror(errno));
        if (f)
            fclose(f);
        return -3;
    }
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > WSL_YAML_MAX_BYTES) {
        wsl_diag_add(d, WSL_SEV_ERROR, path, 0, 0, "split it into smaller files",
                     S_ISREG(st.st_mode) ? "file is larger than the limit of %u bytes"
                                         : "not a regular file (limit %u bytes)",
                     WSL_YAML_MAX_BYTES);
        fclose(f);
        return -4;
    }
    char *data = wsl_xmalloc((size_t)st.st_size + 1);
    size_t n = fread(data, 1, (size_t)st.st_size, f);
    fclose(f);
    int rc = wsl_yaml_load_buf(a, path, data, n, out, d);
    free(data);
    return rc;
}

const struct wsl_node *wsl_node_get(const struct wsl_node *map, const char *key)
{
    if (!map || map->kind != WSL_NODE_MAP)
        return NULL;
    for (size_t i = 0; i < map->n; i++) {
        if (strcmp(map->keys[i]->str, key) == 0)
            return map->vals[i];
    }
    return NULL;
}

const char *wsl_node_describe(const struct wsl_node *n)
{
    if (n->kind == WSL_NODE_MAP)
        return "a mapping";
    if (n->kind == WSL_NODE_SEQ)
        return "a list";
    switch (n->type) {
    case WSL_Y_NULL: return "an empty value";
    case WSL_Y_BOOL: return "a boolean";
    case WSL_Y_INT: return "an integer";
    case WSL_Y_FLOAT: return "a number";
    default: return "a string";
    }
}

json_t *wsl_node_to_json(const struct wsl_node *n)
{
    if (n->kind == WSL_NODE_MAP) {
        json_t *o = json_object();
        for (size_t i = 0; i < n->n; i++)
            json_object_set_new(o, n->keys[i]->str, wsl_node_to_json(n->vals[i]));
        return o;
    }
    if (n->kind == WSL_NODE_SEQ) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n->n; i++)
            json_array_append_new(arr, wsl_node_to_json(n->vals[i]));
        return arr;
    }
    switch (n->type) {
    case WSL_Y_NULL: return json_null();
    case WSL_Y_BOOL: return json_boolean(n->b);
    case WSL_Y_INT: return json_integer(n->i);
    case WSL_Y_FLOAT: return isfinite(n->f) ? json_real(n->f) : json_string(n->str);
    default: return json_stringn(n->str, n->len);
    }
}
