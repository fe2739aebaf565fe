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
    if (n->line < 1 || n->col < 1)
        return NONE;
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
    while (i < e->len && !strchr("\n,]}", s[i]) && !(s[i] == '#' && i > at && blank(s[i - 1])) &&
           !(s[i] == ':' && (i + 1 == e->len || blank(s[i + 1]) || strchr(",]}", s[i + 1]))))
        i++; /* a plain scalar ends at a flow indicator, " #" or ": " */
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

/* The end of node n's text: a scalar's; a flow list's closing bracket; a block list's
 * last item's. NONE when it cannot be told. */
static size_t node_end(struct editor *e, const struct wsl_node *n)
{
    size_t at = n ? offset_of(e, n) : NONE, a, b;
    if (at == NONE)
        return NONE;
    if (n->kind == WSL_NODE_SCALAR)
        return extent(e, n, &a, &b) ? NONE : b;
    if (n->kind != WSL_NODE_SEQ)
        return NONE;
    if (e->s[at] == '[') {
        const char *close = memchr(e->s + at, ']', e->len - at);
        return close ? (size_t)(close - e->s) + 1 : NONE;
    }
    return n->n ? node_end(e, n->vals[n->n - 1]) : NONE;
}

/* Remove the text s[a, b) of an entry (a list item, a key and its value): in a flow
 * collection with the comma before it, or the one after when it is the first; in block
 * style with its whole lines, which it must have to itself. */
static int remove_span(struct editor *e, const struct wsl_node *at, size_t a, size_t b)
{
    const char *s = e->s;
    size_t i = a;
    while (i > 0 && blank(s[i - 1]))
        i--;
    if (i > 0 && s[i - 1] == ',')
        return add(e, i - 1, b, "");
    if (i > 0 && (s[i - 1] == '[' || s[i - 1] == '{')) {
        size_t j = b;
        while (j < e->len && blank(s[j]))
            j++;
        if (j < e->len && s[j] == ',')
            for (b = j + 1; b < e->len && blank(s[b]);)
                b++;
        return add(e, a, b, "");
    }
    size_t ls = a, k;
    while (ls > 0 && s[ls - 1] != '\n')
        ls--;
    for (k = ls; k < a && (s[k] == ' ' || s[k] == '\t');)
        k++;
    if (k < a && s[k] == '-')
        for (k++; k < a && (s[k] == ' ' || s[k] == '\t');)
            k++;
    size_t le = b;
    while (le < e->len && (s[le] == ' ' || s[le] == '\t'))
        le++;
    if (le < e->len && s[le] == '#')
        while (le < e->len && s[le] != '\n')
            le++;
    if (k != a || (le < e->len && s[le] != '\n'))
        return cannot(e, at, "it does not stand on lines of its own");
    return add(e, ls, le < e->len ? le + 1 : le, "");
}

/* Remove the entry `key` of the placement (nothing when it is absent). */
static int remove_entry(struct editor *e, const char *key)
{
    const struct wsl_node *map = e->app->spec.placement.hdr.node;
    const struct wsl_node *k = wsl_key_node(map, key);
    if (!k)
        return 0;
    size_t a, b, end = node_end(e, wsl_node_get(map, key));
    int rc = extent(e, k, &a, &b);
    if (rc == 0 && end == NONE)
        return cannot(e, k, "its value is written in a way this does not edit");
    return rc ? rc : remove_span(e, k, a, end);
}

/* Item i of the standby list: a list's item, or the one name written without a list. */
static const struct wsl_node *item(const struct wsl_node *seq, size_t i)
{
    if (seq && seq->kind == WSL_NODE_SCALAR && i == 0)
        return seq;
    return seq && seq->kind == WSL_NODE_SEQ && i < seq->n ? seq->vals[i] : NULL;
}

/* Remove standby i; the last one takes the entries standby and mode with it. */
static int remove_item(struct editor *e, const struct wsl_node *seq, size_t i)
{
    if (e->app->spec.placement.standby.n == 1) {
        int rc = remove_entry(e, "standby");
        return rc ? rc : remove_entry(e, "mode");
    }
    size_t a, b;
    int rc = extent(e, item(seq, i), &a, &b);
    return rc ? rc : remove_span(e, item(seq, i), a, b);
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

/* The new text's Application must still decode cleanly: without its last standby it may
 * break a rule of its own (automatic failover needs a standby). */
static int check_valid(struct editor *e, const struct wsl_buf *out)
{
    struct wsl_arena *a = wsl_arena_new();
    struct wsl_yaml_file f = {0};
    struct wsl_diags d = {0};
    int rc = wsl_yaml_load_buf(a, e->app->path, out->data, out->len, &f, &d);
    for (size_t i = 0; rc == 0 && i < f.ndocs; i++) {
        const struct wsl_node *root = f.docs[i];
        const struct wsl_node *kind = wsl_node_get(root, "kind");
        const struct wsl_node *name = wsl_node_get(wsl_node_get(root, "metadata"), "name");
        if (!kind || strcmp(kind->str, "Application") || !name ||
            strcmp(name->str, e->app->metadata.name))
            continue;
        struct wsl_dec dec = {a, &d, NULL};
        if (!wsl_decode(&dec, root, &wsl_app_type, wsl_arena_alloc(a, wsl_app_type.size)))
            rc = WSL_E_INVALID;
    }
    const struct wsl_diag *bad = NULL;
    for (size_t i = 0; rc && !bad && i < d.n; i++)
        bad = d.v[i].sev == WSL_SEV_ERROR ? &d.v[i] : NULL;
    if (bad) {
        wsl_err_set(e->err, WSL_E_INVALID, "%s:%d:%d: with that placement %s would be "
                    "invalid: %s", e->app->path, bad->line, bad->col, e->app->metadata.name,
                    bad->msg);
        wsl_err_hint(e->err, "change it in %s by hand%s%s, commit it, and run again without "
                     "--commit", e->app->path, bad->hint ? ": " : "", bad->hint ? bad->hint : "");
    } else if (rc) {
        cannot(e, NULL, "the rewritten file does not parse");
    }
    wsl_diags_free(&d);
    wsl_arena_free(a);
    return rc ? WSL_E_INVALID : 0;
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
            if (!json_array_size(standby)) {
                json_object_del(p, "standby");
                json_object_del(p, "mode");
            }
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
    if (rc == 0 && e->n)
        rc = check_valid(e, out);
    *changed = rc == 0 && e->n > 0;
    json_decref(after);
    free(e);
    wsl_buf_free(&src);
    return rc;
}
