#include "manifests/placeholder.h"

#include <stdlib.h>
#include <string.h>

/* Split ref (the text between "${" and "}") into parts, unescaping "\.". */
static int split_ref(const char *ref, size_t len, char *buf, const char **parts, size_t *n,
                     struct wsl_err *err)
{
    size_t k = 0;
    *n = 0;
    parts[(*n)++] = buf;
    for (size_t i = 0; i < len; i++) {
        if (ref[i] == '\\' && i + 1 < len && ref[i + 1] == '.') {
            buf[k++] = ref[++i];
        } else if (ref[i] == '.') {
            buf[k++] = '\0';
            if (*n == WSL_REF_MAX_PARTS)
                return wsl_err_set(err, WSL_E_INVALID, "placeholder ${%.*s} has too many parts",
                                   (int)len, ref);
            parts[(*n)++] = buf + k;
        } else {
            buf[k++] = ref[i];
        }
    }
    buf[k] = '\0';
    for (size_t i = 0; i < *n; i++) {
        if (!*parts[i])
            return wsl_err_set(err, WSL_E_INVALID, "placeholder ${%.*s} has an empty part",
                               (int)len, ref);
    }
    return 0;
}

int wsl_placeholder_expand(const char *s, wsl_ref_fn fn, void *ctx, struct wsl_buf *out,
                           struct wsl_err *err)
{
    const char *p = s;
    while (*p) {
        if (p[0] == '$' && p[1] == '$') {
            wsl_buf_putc(out, '$');
            p += 2;
            continue;
        }
        if (p[0] != '$' || p[1] != '{') {
            wsl_buf_putc(out, *p++);
            continue;
        }
        const char *end = strchr(p + 2, '}');
        if (!end) {
            wsl_err_set(err, WSL_E_INVALID, "unterminated placeholder \"%.40s\"", p);
            wsl_err_hint(err, "close it with '}', or write $$ for a literal '$'");
            return WSL_E_INVALID;
        }
        size_t len = (size_t)(end - p - 2);
        if (len == 0 || len > 1024)
            return wsl_err_set(err, WSL_E_INVALID, "placeholder \"%.40s\" is empty or too long", p);
        char buf[1025];
        const char *parts[WSL_REF_MAX_PARTS];
        size_t n;
        int rc = split_ref(p + 2, len, buf, parts, &n, err);
        if (rc == 0)
            rc = fn(ctx, parts, n, out, err);
        if (rc != 0)
            return rc;
        p = end + 1;
    }
    return 0;
}

struct score_ctx {
    const struct wsl_workload *w;
    const json_t *outputs;
    const struct wsl_secret_hook *hook;
};

static void put_json_scalar(struct wsl_buf *out, const json_t *v)
{
    if (json_is_string(v)) {
        wsl_buf_puts(out, json_string_value(v));
    } else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
        wsl_buf_puts(out, s ? s : "");
        free(s);
    }
}

/* A scalar as written; a mapping or list as compact JSON, when it is small (a placeholder
 * used many times must not multiply a large subtree into a huge value). */
#define MAX_EXPANDED_NODES 1000

static int put_node(struct wsl_buf *out, const struct wsl_node *n, struct wsl_err *err)
{
    if (n->kind == WSL_NODE_SCALAR) {
        wsl_buf_puts(out, n->str);
        return 0;
    }
    if (n->weight > MAX_EXPANDED_NODES) {
        wsl_err_set(err, WSL_E_LIMIT, "placeholder refers to a %s of %llu values",
                    n->kind == WSL_NODE_MAP ? "mapping" : "list", (unsigned long long)n->weight);
        wsl_err_hint(err, "refer to a single value, for example ${metadata.name}");
        return WSL_E_LIMIT;
    }
    json_t *j = wsl_node_to_json(n);
    put_json_scalar(out, j);
    json_decref(j);
    return 0;
}

static int unknown(struct wsl_err *err, const char *const *parts, size_t n, const char *why)
{
    struct wsl_buf b = WSL_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        wsl_buf_printf(&b, "%s%s", i ? "." : "", parts[i]);
    wsl_err_set(err, WSL_E_INVALID, "unknown reference ${%s}: %s", wsl_buf_str(&b), why);
    wsl_buf_free(&b);
    return WSL_E_INVALID;
}

/* A "did you mean" hint naming the closest of names, when one is close. */
static void hint_nearest(struct wsl_err *err, const char *s, const char *const *names, size_t n,
                         const char *what)
{
    const char *near = wsl_nearest(s, names, n);
    if (near)
        wsl_err_hint(err, "did you mean %s\"%s\"?", what, near);
}

static int resolve_metadata(const struct score_ctx *c, const char *const *parts, size_t n,
                            struct wsl_buf *out, struct wsl_err *err)
{
    const struct wsl_node *cur = c->w->metadata.hdr.node;
    for (size_t i = 1; i < n; i++) {
        cur = wsl_node_get(cur, parts[i]);
        if (!cur)
            return unknown(err, parts, n, "the workload's metadata has no such key");
    }
    if (n == 1)
        return unknown(err, parts, n, "name a key, for example ${metadata.name}");
    return put_node(out, cur, err);
}

static int resolve_resource(const struct score_ctx *c, const char *const *parts, size_t n,
                            struct wsl_buf *out, struct wsl_err *err)
{
    if (n < 2)
        return unknown(err, parts, n, "name a resource, for example ${resources.db.host}");
    if (!wsl_score_resource_find(c->w, parts[1])) {
        int rc = unknown(err, parts, n, "the workload declares no resource of that name");
        const char *names[64];
        size_t k = 0;
        for (size_t i = 0; i < c->w->resources.n && k < 64; i++)
            names[k++] = c->w->resources.v[i].hdr.key;
        hint_nearest(err, parts[1], names, k, "the resource ");
        return rc;
    }
    if (!c->outputs)
        return 0;
    const json_t *cur = json_object_get(c->outputs, parts[1]);
    for (size_t i = 2; cur && i < n; i++)
        cur = json_object_get(cur, parts[i]);
    if (!cur)
        return unknown(err, parts, n, "the resource has no such output");
    const json_t *secret = json_object_get(cur, "$secret");
    if (secret && c->hook)
        return c->hook->fn(c->hook->ctx, secret, out, err);
    if (secret)
        return unknown(err, parts, n, "it is a secret, which cannot be used here");
    put_json_scalar(out, cur);
    return 0;
}

static int resolve_score(void *ctx, const char *const *parts, size_t n, struct wsl_buf *out,
                         struct wsl_err *err)
{
    const struct score_ctx *c = ctx;
    if (strcmp(parts[0], "metadata") == 0)
        return resolve_metadata(c, parts, n, out, err);
    if (strcmp(parts[0], "resources") == 0)
        return resolve_resource(c, parts, n, out, err);
    int rc = unknown(err, parts, n, "a placeholder starts with metadata or resources");
    wsl_err_hint(err, "write $${...} for a literal \"${...}\"");
    static const char *const roots[] = {"metadata", "resources"};
    hint_nearest(err, parts[0], roots, 2, "");
    return rc;
}

int wsl_score_expand_hooked(const struct wsl_workload *w, const json_t *outputs,
                            const struct wsl_secret_hook *hook, const char *s,
                            struct wsl_buf *out, struct wsl_err *err)
{
    struct score_ctx c = {w, outputs, hook};
    return wsl_placeholder_expand(s, resolve_score, &c, out, err);
}

/* The escaping expansion: out[0..done) is final, what follows is the expansion's own. */
struct escaping {
    const struct wsl_secret_hook *user;
    struct wsl_buf *out;
    size_t done;
};

static void double_dollars(struct escaping *e)
{
    size_t n = e->out->len - e->done;
    if (n == 0)
        return;
    char *tail = wsl_xstrndup(e->out->data + e->done, n);
    e->out->len = e->done;
    for (size_t i = 0; i < n; i++) {
        if (tail[i] == '$')
            wsl_buf_putc(e->out, '$');
        wsl_buf_putc(e->out, tail[i]);
    }
    free(tail);
    e->done = e->out->len;
}

static int escaped_secret(void *ctx, const json_t *ref, struct wsl_buf *out,
                          struct wsl_err *err)
{
    struct escaping *e = ctx;
    double_dollars(e);
    int rc = e->user->fn(e->user->ctx, ref, out, err);
    e->done = out->len;
    return rc;
}

int wsl_score_expand_escaped(const struct wsl_workload *w, const json_t *outputs,
                             const struct wsl_secret_hook *hook, const char *s,
                             struct wsl_buf *out, struct wsl_err *err)
{
    struct escaping e = {hook, out, out->len};
    struct wsl_secret_hook mine = {escaped_secret, &e};
    int rc = wsl_score_expand_hooked(w, outputs, hook ? &mine : NULL, s, out, err);
    if (rc == 0)
        double_dollars(&e);
    return rc;
}

int wsl_score_expand(const struct wsl_workload *w, const json_t *outputs, const char *s,
                     struct wsl_buf *out, struct wsl_err *err)
{
    return wsl_score_expand_hooked(w, outputs, NULL, s, out, err);
}
