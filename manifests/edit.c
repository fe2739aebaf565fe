#include "manifests/edit.h"

#include "lib/fs.h"
#include "manifests/yaml.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX
#define MAX_EDITS 64

/* Replace src[start, end) with text ("" removes it; start == end inserts). */
struct edit {
    size_t start, end;
    const char *text;
};

struct editor {
    const struct wsl_app *app;
    const char *s; /* the file's text */
    size_t len;
    struct edit v[MAX_EDITS];
    size_t n;
    struct wsl_err *err;
};

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The byte offset of a node's 1-based line and column, or NONE. */
static size_t offset_of(const struct editor *e, const struct wsl_node *n)
{
    size_t at = 0;
    for (int line = 1; line < n->line; line++) {
        const char *nl = memchr(e->s + at, '\n', e->len - at);
        if (!nl)
            return NONE;
        at = (size_t)(nl - e->s) + 1;
    }
    at += (size_t)(n->col - 1);
    return at < e->len ? at : NONE;
}

/* The end of the scalar token that starts at `at` (quoted, or plain up to what ends a
 * plain scalar in a flow collection, a comment or the line), or NONE. */
static size_t token_end(const struct editor *e, size_t at)
{
    const char *s = e->s;
    char q = s[at];
    if (q == '"' || q == '\'') {
        for (size_t i = at + 1; i < e->len; i++) {
            if (q == '"' && s[i] == '\\')
                i++;
            else if (s[i] == q && q == '\'' && i + 1 < e->len && s[i + 1] == '\'')
                i++;
            else if (s[i] == q)
                return i + 1;
        }
        return NONE;
    }
    size_t i = at;
    while (i < e->len && !strchr("\n,]}", s[i]) && !(s[i] == '#' && blank(s[i - 1])) &&
           !(s[i] == ':' && (i + 1 == e->len || blank(s[i + 1]) || strchr(",]}", s[i + 1]))))
        i++;
    while (i > at && blank(s[i - 1]))
        i--;
    return i;
}

static int cannot(struct editor *e, const struct wsl_node *n, const char *why)
{
    const struct wsl_app *a = e->app;
    wsl_err_set(e->err, WSL_E_INVALID, "%s:%d:%d: cannot rewrite the placement of %s in "
                "place: %s", a->path, n ? n->line : 0, n ? n->col : 0, a->metadata.name, why);
    wsl_err_hint(e->err, "change spec.placement in %s by hand and commit it", a->path);
    return WSL_E_INVALID;
}

/* The source extent of scalar n, which must read as n's value. */
static int extent(struct editor *e, const struct wsl_node *n, size_t *start, size_t *end)
{
    size_t a = n && n->kind == WSL_NODE_SCALAR ? offset_of(e, n) : NONE;
    size_t b = a == NONE ? NONE : token_end(e, a);
    bool quoted = b != NONE && (e->s[a] == '"' || e->s[a] == '\'');
    size_t q = quoted ? 1 : 0;
    if (b == NONE || b - a < 2 * q || b - a - 2 * q != strlen(n->str) ||
        memcmp(e->s + a + q, n->str, b - a - 2 * q) != 0)
        return cannot(e, n, "the name is not written there as a plain or quoted value "
                      "(an alias?)");
    *start = a;
    *end = b;
    return 0;
}

static int add(struct editor *e, size_t start, size_t end, const char *text)
{
    if (e->n == MAX_EDITS)
        return cannot(e, NULL, "too many standbys");
    e->v[e->n++] = (struct edit){start, end, text};
    return 0;
}

static int replace(struct editor *e, const struct wsl_node *n, const char *text)
{
    size_t a, b;
    int rc = extent(e, n, &a, &b);
    return rc ? rc : add(e, a, b, text);
}

/* Remove item i of the flow list seq: with the comma after it, or else the one before. */
static int remove_flow(struct editor *e, const struct wsl_node *item)
{
    size_t a, b;
    int rc = extent(e, item, &a, &b);
    size_t j = b;
    while (rc == 0 && j < e->len && blank(e->s[j]))
        j++;
    if (rc == 0 && j < e->len && e->s[j] == ',') {
        for (b = j + 1; b < e->len && blank(e->s[b]);)
            b++;
    } else if (rc == 0) {
        size_t i = a;
        while (i > 0 && blank(e->s[i - 1]))
            i--;
        if (i > 0 && e->s[i - 1] == ',')
            a = i - 1;
    }
    return rc ? rc : add(e, a, b, "");
}

/* Remove the line "- NAME" of a block list; the last one leaves "standby: []". */
static int remove_block(struct editor *e, const struct wsl_node *seq, const struct wsl_node *item)
{
    size_t a, b;
    int rc = extent(e, item, &a, &b);
    size_t ls = a;
    while (rc == 0 && ls > 0 && e->s[ls - 1] != '\n')
        ls--;
    size_t dash = ls;
    while (dash < a && (e->s[dash] == ' ' || e->s[dash] == '\t'))
        dash++;
    if (rc == 0 && (dash == a || e->s[dash] != '-'))
        return cannot(e, item, "the list item is not on a line of its own");
    while (b < e->len && e->s[b] != '\n')
        b++;
    if (rc == 0)
        rc = add(e, ls, b < e->len ? b + 1 : b, "");
    if (rc || seq->n > 1)
        return rc;
    const struct wsl_node *key = wsl_key_node(e->app->spec.placement.hdr.node, "standby");
    size_t ka, kb;
    rc = extent(e, key, &ka, &kb);
    while (rc == 0 && kb < e->len && (e->s[kb] == ' ' || e->s[kb] == '\t'))
        kb++;
    if (rc == 0 && (kb == e->len || e->s[kb] != ':'))
        return cannot(e, key, "no ':' after the key standby");
    return rc ? rc : add(e, kb + 1, kb + 1, " []");
}

/* Item i of the standby list: a list's item, or the one name written without a list. */
static const struct wsl_node *item(const struct wsl_node *seq, size_t i)
{
    if (seq && seq->kind == WSL_NODE_SCALAR && i == 0)
        return seq;
    return seq && seq->kind == WSL_NODE_SEQ && i < seq->n ? seq->vals[i] : NULL;
}

static int remove_item(struct editor *e, const struct wsl_node *seq, size_t i)
{
    if (seq && seq->kind == WSL_NODE_SCALAR)
        return replace(e, seq, "[]");
    size_t at = seq && seq->kind == WSL_NODE_SEQ && i < seq->n ? offset_of(e, seq) : NONE;
    if (at != NONE && e->s[at] == '[')
        return remove_flow(e, seq->vals[i]);
    if (at != NONE && e->s[at] == '-')
        return remove_block(e, seq, seq->vals[i]);
    return cannot(e, seq, "the standby list is written in a way this does not edit");
}

static int by_start(const void *x, const void *y)
{
    const struct edit *a = x, *b = y;
    return a->start < b->start ? -1 : a->start > b->start;
}

static int apply_edits(struct editor *e, struct wsl_buf *out)
{
    qsort(e->v, e->n, sizeof *e->v, by_start);
    size_t at = 0;
    for (size_t i = 0; i < e->n; i++) {
        if (e->v[i].start < at)
            return cannot(e, NULL, "two changes overlap");
        wsl_buf_append(out, e->s + at, e->v[i].start - at);
        wsl_buf_puts(out, e->v[i].text);
        at = e->v[i].end;
    }
    wsl_buf_append(out, e->s + at, e->len - at);
    return 0;
}

/* Every document of a text as JSON, or NULL when it does not parse cleanly. */
static json_t *docs_json(const char *name, const char *text, size_t len)
{
    struct wsl_arena *a = wsl_arena_new();
    struct wsl_yaml_file f = {0};
    struct wsl_diags d = {0};
    json_t *docs = NULL;
    if (wsl_yaml_load_buf(a, name, text, len, &f, &d) == 0 && d.errors == 0) {
        docs = json_array();
        for (size_t i = 0; i < f.ndocs; i++)
            json_array_append_new(docs, wsl_node_to_json(f.docs[i]));
    }
    wsl_diags_free(&d);
    wsl_arena_free(a);
    return docs;
}

static bool is(const json_t *v, const char *s)
{
    return json_is_string(v) && !strcmp(json_string_value(v), s);
}

/* The new text must say what the old one said, except for app's placement. */
static int verify(struct editor *e, const struct wsl_buf *out, const char *primary,
                  json_t *standby)
{
    json_t *want = docs_json(e->app->path, e->s, e->len);
    json_t *got = docs_json(e->app->path, out->data, out->len);
    size_t i;
    json_t *doc;
    json_array_foreach(want, i, doc) {
        json_t *meta = json_object_get(doc, "metadata");
        json_t *p = json_object_get(json_object_get(doc, "spec"), "placement");
        if (json_is_object(p) && is(json_object_get(doc, "kind"), "Application") &&
            is(json_object_get(meta, "name"), e->app->metadata.name)) {
            json_object_set_new(p, "primary", json_string(primary));
            bool one = json_is_string(json_object_get(p, "standby")) &&
                       json_array_size(standby) == 1; /* written without a list */
            json_object_set(p, "standby", one ? json_array_get(standby, 0) : standby);
        }
    }
    bool same = want && got && json_equal(want, got);
    json_decref(want);
    json_decref(got);
    return same ? 0 : cannot(e, e->app->spec.placement.hdr.node,
                             "the rewritten file would say more than that (a YAML alias?)");
}

/* The standbys after the change: the old primary where `primary` was, without drop. */
static int plan_edits(struct editor *e, const char *primary, const char *drop, json_t *after)
{
    const struct wsl_placement *pl = &e->app->spec.placement;
    const struct wsl_node *seq = wsl_field_node(&pl->hdr, "standby");
    bool swap = strcmp(primary, pl->primary) != 0;
    bool found = !swap, dropped = !drop;
    int rc = swap ? replace(e, wsl_field_node(&pl->hdr, "primary"), primary) : 0;
    for (size_t i = 0; rc == 0 && i < pl->standby.n; i++) {
        const char *name = pl->standby.v[i];
        const char *now = swap && !strcmp(name, primary) ? pl->primary : name;
        found |= now != name;
        if (drop && !strcmp(now, drop)) {
            dropped = true;
            rc = remove_item(e, seq, i);
            continue;
        }
        json_array_append_new(after, json_string(now));
        if (rc == 0 && now != name)
            rc = replace(e, item(seq, i), now);
    }
    if (rc == 0 && (!found || !dropped))
        rc = wsl_err_set(e->err, WSL_E_INVALID, "%s is not a standby of %s",
                         !found ? primary : drop, e->app->metadata.name);
    return rc;
}

int wsl_edit_placement(const struct wsl_app *app, const char *primary, const char *drop,
                       struct wsl_buf *out, bool *changed, struct wsl_err *err)
{
    struct wsl_buf src = WSL_BUF_INIT;
    *changed = false;
    int rc = wsl_read_file(app->path, WSL_YAML_MAX_BYTES, &src, err);
    if (rc)
        return rc;
    struct editor *e = wsl_xcalloc(1, sizeof *e);
    *e = (struct editor){.app = app, .s = wsl_buf_str(&src), .len = src.len, .err = err};
    json_t *after = json_array();
    rc = plan_edits(e, primary, drop, after);
    if (rc == 0)
        rc = apply_edits(e, out);
    if (rc == 0 && e->n)
        rc = verify(e, out, primary, after);
    *changed = rc == 0 && e->n > 0;
    json_decref(after);
    free(e);
    wsl_buf_free(&src);
    return rc;
}
