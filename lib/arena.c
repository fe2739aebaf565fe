#include "lib/arena.h"

#include "lib/buf.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CHUNK (64 * 1024)      /* the first chunk */
#define MAX_CHUNK (512 * 1024) /* chunks grow with the arena up to this */
#define MAP_MIN (256 * 1024)    /* chunks this large are mapped, not taken from the heap */
#define ALIGN 16

struct chunk {
    struct chunk *next;
    size_t lo, hi, size; /* objects take mem[0, lo) upwards, strings mem[hi, size) down */
    size_t mapped;       /* bytes mapped with mmap; 0: from calloc */
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

/* The size of a new chunk: a quarter of what the arena holds, between CHUNK and MAX_CHUNK,
 * so a large arena needs few chunks and a small one stays small. */
static size_t chunk_size(const struct wsl_arena *a)
{
    size_t size = a->total / 4;
    return size < CHUNK ? CHUNK : size > MAX_CHUNK ? MAX_CHUNK : size;
}

/* Zeroed memory for a chunk of size bytes. A large chunk is mapped with its pages
 * populated in one call: a large arena (a repository of manifests is tens of megabytes)
 * then neither takes one page fault per 4 KB nor interleaves with, and fragments around,
 * the short-lived heap allocations of the code that fills it. */
static struct chunk *chunk_alloc(size_t size)
{
    struct chunk *c;
    if (size >= MAP_MIN) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        size_t len = (sizeof *c + size + page - 1) / page * page;
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
        if (p != MAP_FAILED) {
            c = p;
            c->mapped = len;
            c->size = len - sizeof *c;
            return c;
        }
    }
    c = wsl_xcalloc(1, sizeof *c + size);
    c->size = size;
    return c;
}

/* A chunk with room for n bytes; a big request gets a chunk of its own. Chunk memory
 * starts zeroed and each byte is handed out once, so allocations need no memset. */
static struct chunk *new_chunk(struct wsl_arena *a, size_t n)
{
    bool own = n > CHUNK / 4;
    struct chunk *c = chunk_alloc(own ? n : chunk_size(a));
    c->lo = 0;
    c->hi = c->size;
    if (own && a->head) { /* a big block: keep filling the current chunk */
        c->next = a->head->next;
        a->head->next = c;
    } else {
        c->next = a->head;
        a->head = c;
    }
    return c;
}

void *wsl_arena_alloc(struct wsl_arena *a, size_t n)
{
    size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1); /* lo stays aligned */
    struct chunk *c = a->head;
    if (!c || c->hi - c->lo < need)
        c = new_chunk(a, need);
    void *p = c->mem + c->lo;
    c->lo += need;
    a->total += need;
    return p;
}

/* Strings need no alignment: they come from the top of the chunk, downwards, and leave no
 * padding between the aligned objects taken from the bottom. A tree of manifests is
 * mostly nodes and short strings, taken in turn; rounding each string up to ALIGN bytes
 * cost a tenth of its memory. */
char *wsl_arena_strndup(struct wsl_arena *a, const char *s, size_t n)
{
    struct chunk *c = a->head;
    if (!c || c->hi - c->lo < n + 1)
        c = new_chunk(a, n + 1);
    c->hi -= n + 1;
    char *p = (char *)c->mem + c->hi;
    memcpy(p, s, n);
    p[n] = '\0';
    a->total += n + 1;
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
        if (c->mapped)
            munmap(c, c->mapped);
        else
            free(c);
    }
    free(a);
}
