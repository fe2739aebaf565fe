#include "lib/strmap.h"

#include "lib/buf.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static uint64_t seed;

static void init_seed(void)
{
    if (getrandom(&seed, sizeof seed, GRND_NONBLOCK) != (ssize_t)sizeof seed)
        seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&seed;
}

/* FNV-1a from the process's random start. */
static size_t hash_str(const char *s)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_seed);
    uint64_t h = 14695981039346656037u ^ seed;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

static struct wsl_strmap_slot *slot(const struct wsl_strmap *m, const char *key)
{
    size_t i = hash_str(key) & (m->cap - 1);
    while (m->v[i].key && strcmp(m->v[i].key, key) != 0)
        i = (i + 1) & (m->cap - 1);
    return &m->v[i];
}

void wsl_strmap_put(struct wsl_strmap *m, const char *key, size_t val)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct wsl_strmap g = {wsl_xcalloc(cap, sizeof *g.v), cap, m->n};
        for (size_t i = 0; i < m->cap; i++) {
            if (m->v[i].key)
                *slot(&g, m->v[i].key) = m->v[i];
        }
        free(m->v);
        *m = g;
    }
    struct wsl_strmap_slot *s = slot(m, key);
    if (!s->key) {
        s->key = key;
        m->n++;
    }
    s->val = val;
}

bool wsl_strmap_get(const struct wsl_strmap *m, const char *key, size_t *val)
{
    if (m->n == 0)
        return false;
    const struct wsl_strmap_slot *s = slot(m, key);
    if (s->key && val)
        *val = s->val;
    return s->key != NULL;
}

void wsl_strmap_free(struct wsl_strmap *m)
{
    free(m->v);
    memset(m, 0, sizeof *m);
}
