/*
 * buf.h — a growable byte string, always NUL-terminated.
 *
 * Allocation failure aborts the process with a message (as git and redis do): every caller
 * would otherwise need an error path for a condition it cannot recover from.
 */
#ifndef WSL_BUF_H
#define WSL_BUF_H

#include <stddef.h>

struct wsl_buf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
};

#define WSL_BUF_INIT {NULL, 0, 0}

void wsl_buf_append(struct wsl_buf *b, const void *data, size_t len);
void wsl_buf_puts(struct wsl_buf *b, const char *s);
void wsl_buf_putc(struct wsl_buf *b, char c);
void wsl_buf_printf(struct wsl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s with every byte outside RFC 3986's unreserved set [A-Za-z0-9-._~]
 * percent-encoded: a URL path segment or query value. */
void wsl_buf_put_urlencoded(struct wsl_buf *b, const char *s);
/* Append s as a JSON string literal, quotes included. */
void wsl_buf_put_json_string(struct wsl_buf *b, const char *s);
/* The contents, "" when empty (never NULL). */
const char *wsl_buf_str(const struct wsl_buf *b);
void wsl_buf_reset(struct wsl_buf *b);
/* Hand the allocation to the caller (who frees it); the buffer is left empty. */
char *wsl_buf_steal(struct wsl_buf *b);
void wsl_buf_free(struct wsl_buf *b);

/* Checked allocation: abort with a message when memory runs out. */
void *wsl_xmalloc(size_t n);
void *wsl_xcalloc(size_t n, size_t size);
void *wsl_xrealloc(void *p, size_t n);
char *wsl_xstrdup(const char *s);
char *wsl_xstrndup(const char *s, size_t n);

#endif
