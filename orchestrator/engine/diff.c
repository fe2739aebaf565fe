/*
 * diff.c — the subset comparison behind drift detection (see diff.h).
 *
 * The walk keeps the way down as a stack of keys and indexes and writes a path as text
 * only when it finds a difference, so comparing bodies that agree (the common case,
 * thousands per reconcile) formats nothing and, for bodies up to 16 levels deep,
 * allocates nothing.
 */
#include "orchestrator/engine/diff.h"

#include "lib/buf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One step of the way down: an object key, or (key NULL) an array index. */
struct seg {
    const char *key;
    size_t index;
};

struct walker {
    struct seg *v;
    size_t depth, cap;
    struct seg *heap; /* v once the stack outgrew the caller's array */
    struct wsl_paths *out;
};

static void walk(struct walker *w, const json_t *want, const json_t *have);

/* A key that reads unambiguously after a dot: letters, digits, '_' and '-'. */
static bool plain_key(const char *k)
{
    if (!*k)
        return false;
    for (; *k; k++) {
        char c = *k;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* Append the path of the current position to the output. */
static void add_path(struct walker *w)
{
    struct wsl_buf b = WSL_BUF_INIT;
    for (size_t i = 0; i < w->depth; i++) {
        const struct seg *s = &w->v[i];
        if (!s->key) {
            wsl_buf_printf(&b, "[%zu]", s->index);
        } else if (plain_key(s->key)) {
            if (b.len)
                wsl_buf_putc(&b, '.');
            wsl_buf_puts(&b, s->key);
        } else {
            wsl_buf_putc(&b, '[');
            wsl_buf_put_json_string(&b, s->key);
            wsl_buf_putc(&b, ']');
        }
    }
    struct wsl_paths *out = w->out;
    if (out->n == out->cap) {
        out->cap = out->cap ? out->cap * 2 : 4;
        out->v = wsl_xrealloc(out->v, out->cap * sizeof *out->v);
    }
    out->v[out->n++] = b.len ? wsl_buf_steal(&b) : wsl_xstrdup("(body)");
}

static void push(struct walker *w, const char *key, size_t index)
{
    if (w->depth == w->cap) {
        w->cap *= 2;
        struct seg *v = wsl_xmalloc(w->cap * sizeof *v);
        memcpy(v, w->v, w->depth * sizeof *v);
        free(w->heap);
        w->v = w->heap = v;
    }
    w->v[w->depth++] = (struct seg){key, index};
}

static bool scalar_equal(const json_t *want, const json_t *have)
{
    if (json_is_number(want) && json_is_number(have)) {
        if (json_is_integer(want) && json_is_integer(have))
            return json_integer_value(want) == json_integer_value(have);
        return json_number_value(want) == json_number_value(have);
    }
    if (json_typeof(want) != json_typeof(have))
        return false;
    if (json_is_string(want)) {
        size_t n = json_string_length(want);
        return n == json_string_length(have) &&
               memcmp(json_string_value(want), json_string_value(have), n) == 0;
    }
    return true; /* true, false, null: the type is the value */
}

static void walk_object(struct walker *w, const json_t *want, const json_t *have)
{
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)want, key, v) {
        const json_t *h = json_object_get(have, key);
        if (!h && json_is_null(v))
            continue;
        push(w, key, 0);
        if (h)
            walk(w, v, h);
        else
            add_path(w);
        w->depth--;
    }
}

static void walk_array(struct walker *w, const json_t *want, const json_t *have)
{
    size_t n = json_array_size(want);
    if (n != json_array_size(have)) {
        add_path(w);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        push(w, NULL, i);
        walk(w, json_array_get(want, i), json_array_get(have, i));
        w->depth--;
    }
}

static void walk(struct walker *w, const json_t *want, const json_t *have)
{
    if (json_is_object(want) && json_is_object(have))
        walk_object(w, want, have);
    else if (json_is_array(want) && json_is_array(have))
        walk_array(w, want, have);
    else if (json_is_object(want) || json_is_array(want) || !scalar_equal(want, have))
        add_path(w);
}

size_t wsl_diff_drift(const json_t *desired, const json_t *observed, struct wsl_paths *out)
{
    struct seg stack[16];
    struct walker w = {stack, 0, sizeof stack / sizeof *stack, NULL, out};
    size_t before = out->n;
    if (!observed)
        add_path(&w);
    else
        walk(&w, desired, observed);
    free(w.heap);
    return out->n - before;
}

void wsl_paths_free(struct wsl_paths *p)
{
    for (size_t i = 0; i < p->n; i++)
        free(p->v[i]);
    free(p->v);
    memset(p, 0, sizeof *p);
}
