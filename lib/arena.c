#include "lib/arena.h"

#include "lib/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (64 * 1024)
#define ALIGN 16

struct chunk {
    struct chunk *next;
    size_t used, size;
    _Alignas(ALIGN) unsigned char mem[];
};

struct wsl_arena {
    struct chunk *head;
    size_t total;
};

struct wsl_arena *wsl_arena_new(void)
{
    return wsl_xcalloc(1, sizeof(struct wsl_arena));
}

void *wsl_arena_alloc(struct wsl_arena *a, size_t n)
{
    n = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    struct chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > CHUNK / 4 ? n : CHUNK;
        c = wsl_xmalloc(sizeof *c + size);
        c->size = size;
        c->used = 0;
        if (size == n && a->head) { /* a big block: keep filling the current chunk */
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    void *p = c->mem + c->used;
    c->used += n;
    a->total += n;
    memset(p, 0, n);
    return p;
}

char *wsl_arena_strndup(struct wsl_arena *a, const char *s, size_t n)
{
    char *p = wsl_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *wsl_arena_strdup(struct wsl_arena *a, const char *s)
{
    return wsl_arena_strndup(a, s, strlen(s));
}

char *wsl_arena_printf(struct wsl_arena *a, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = wsl_arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
    if (n > 0)
        vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

size_t wsl_arena_used(const struct wsl_arena *a)
{
    return a->total;
}

void wsl_arena_free(struct wsl_arena *a)
{
    if (!a)
        return;
    for (struct chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}
