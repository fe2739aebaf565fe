#include "lib/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "wissel: fatal: out of memory (allocating %zu bytes)\n", n);
    abort();
}

void *wsl_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *wsl_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *wsl_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *wsl_xstrndup(const char *s, size_t n)
{
    char *p = wsl_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *wsl_xstrdup(const char *s)
{
    return wsl_xstrndup(s, strlen(s));
}

static void grow(struct wsl_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = wsl_xrealloc(b->data, cap);
    b->cap = cap;
}

void wsl_buf_append(struct wsl_buf *b, const void *data, size_t len)
{
    grow(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void wsl_buf_puts(struct wsl_buf *b, const char *s)
{
    wsl_buf_append(b, s, strlen(s));
}

void wsl_buf_putc(struct wsl_buf *b, char c)
{
    wsl_buf_append(b, &c, 1);
}

void wsl_buf_printf(struct wsl_buf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        grow(b, (size_t)n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

void wsl_buf_put_urlencoded(struct wsl_buf *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            wsl_buf_putc(b, (char)*p);
        else
            wsl_buf_printf(b, "%%%02X", *p);
    }
}

void wsl_buf_put_json_string(struct wsl_buf *b, const char *s)
{
    wsl_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': wsl_buf_puts(b, "\\\""); break;
        case '\\': wsl_buf_puts(b, "\\\\"); break;
        case '\n': wsl_buf_puts(b, "\\n"); break;
        case '\r': wsl_buf_puts(b, "\\r"); break;
        case '\t': wsl_buf_puts(b, "\\t"); break;
        default:
            if (*p < 0x20)
                wsl_buf_printf(b, "\\u%04x", *p);
            else
                wsl_buf_putc(b, (char)*p);
        }
    }
    wsl_buf_putc(b, '"');
}

const char *wsl_buf_str(const struct wsl_buf *b)
{
    return b->data ? b->data : "";
}

void wsl_buf_reset(struct wsl_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *wsl_buf_steal(struct wsl_buf *b)
{
    char *p = b->data ? b->data : wsl_xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void wsl_buf_free(struct wsl_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
