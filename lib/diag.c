#include "lib/diag.h"

#include "lib/buf.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void wsl_diag_add(struct wsl_diags *d, enum wsl_sev sev, const char *file, int line, int col,
                  const char *hint, const char *fmt, ...)
{
    if (sev == WSL_SEV_ERROR)
        d->errors++;
    else
        d->warnings++;
    if (d->n >= WSL_DIAG_MAX) {
        d->dropped++;
        return;
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->v = wsl_xrealloc(d->v, d->cap * sizeof *d->v);
    }
    struct wsl_buf b = WSL_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    char tmp[1024];
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    wsl_buf_puts(&b, tmp);
    d->v[d->n++] = (struct wsl_diag){sev, file ? wsl_xstrdup(file) : NULL, line, col,
                                     wsl_buf_steal(&b), hint ? wsl_xstrdup(hint) : NULL};
}

/* Forget an entry being dropped from the list. */
static void drop(struct wsl_diags *d, struct wsl_diag *g)
{
    if (g->sev == WSL_SEV_ERROR)
        d->errors--;
    else
        d->warnings--;
    free(g->file);
    free(g->msg);
    free(g->hint);
}

void wsl_diags_filter(struct wsl_diags *d, size_t from,
                      bool (*keep)(const struct wsl_diag *g, const void *ctx), const void *ctx)
{
    size_t out = from;
    for (size_t i = from; i < d->n; i++) {
        if (keep(&d->v[i], ctx))
            d->v[out++] = d->v[i];
        else
            drop(d, &d->v[i]);
    }
    d->n = out;
}

static bool same_place(const struct wsl_diag *a, const struct wsl_diag *b)
{
    return a->line == b->line && a->col == b->col &&
           !strcmp(a->file ? a->file : "", b->file ? b->file : "");
}

/* In a sorted list, drop an entry when one kept before it at the same place says the same. */
static void drop_repeats(struct wsl_diags *d)
{
    size_t out = 0;
    for (size_t i = 0; i < d->n; i++) {
        struct wsl_diag *g = &d->v[i];
        bool repeat = false;
        for (size_t p = out; p-- > 0 && same_place(&d->v[p], g) && !repeat;)
            repeat = d->v[p].sev == g->sev && !strcmp(d->v[p].msg, g->msg);
        if (repeat)
            drop(d, g);
        else
            d->v[out++] = *g;
    }
    d->n = out;
}

void wsl_diags_sort(struct wsl_diags *d)
{
    /* Insertion sort: stable (equal positions keep the order they were found in), and
     * the list is bounded by WSL_DIAG_MAX. */
    for (size_t i = 1; i < d->n; i++) {
        struct wsl_diag x = d->v[i];
        size_t j = i;
        while (j > 0) {
            struct wsl_diag y = d->v[j - 1];
            int c = strcmp(y.file ? y.file : "", x.file ? x.file : "");
            if (c < 0 || (c == 0 && (y.line < x.line || (y.line == x.line && y.col <= x.col))))
                break;
            d->v[j] = y;
            j--;
        }
        d->v[j] = x;
    }
    drop_repeats(d);
}

void wsl_diags_print(const struct wsl_diags *d, FILE *out)
{
    for (size_t i = 0; i < d->n; i++) {
        const struct wsl_diag *g = &d->v[i];
        const char *sev = g->sev == WSL_SEV_ERROR ? "error" : "warning";
        if (g->file && g->line)
            fprintf(out, "%s:%d:%d: %s: %s\n", g->file, g->line, g->col, sev, g->msg);
        else if (g->file)
            fprintf(out, "%s: %s: %s\n", g->file, sev, g->msg);
        else
            fprintf(out, "%s: %s\n", sev, g->msg);
        if (g->hint)
            fprintf(out, "    hint: %s\n", g->hint);
    }
    if (d->dropped)
        fprintf(out, "... and %zu more (only the first %d are shown)\n", d->dropped, WSL_DIAG_MAX);
}

json_t *wsl_diags_json(const struct wsl_diags *d)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < d->n; i++) {
        const struct wsl_diag *g = &d->v[i];
        json_t *o = json_pack("{s:s, s:s?, s:i, s:i, s:s}", "severity",
                              g->sev == WSL_SEV_ERROR ? "error" : "warning", "file", g->file,
                              "line", g->line, "column", g->col, "message", g->msg);
        if (g->hint)
            json_object_set_new(o, "hint", json_string(g->hint));
        json_array_append_new(arr, o);
    }
    return arr;
}

void wsl_diags_free(struct wsl_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].file);
        free(d->v[i].msg);
        free(d->v[i].hint);
    }
    free(d->v);
    memset(d, 0, sizeof *d);
}
