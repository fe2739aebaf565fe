/*
 * strmap.h — a hash table from strings to indexes (open addressing, linear probing).
 *
 * The one lookup structure for names: YAML anchors, mapping keys during merges, the files
 * a repository has read. Keys are borrowed (they must outlive the table); values are
 * indexes into the caller's own arrays. The hash starts from a random seed chosen once
 * per process, so input cannot be crafted to make every key collide.
 */
#ifndef WSL_STRMAP_H
#define WSL_STRMAP_H

#include <stdbool.h>
#include <stddef.h>

struct wsl_strmap_slot {
    const char *key;
    size_t val;
};

struct wsl_strmap {
    struct wsl_strmap_slot *v;
    size_t cap, n; /* cap: 0 or a power of two, at most half full */
};

#define WSL_STRMAP_INIT {NULL, 0, 0}

/* Map key to val, replacing an earlier value. */
void wsl_strmap_put(struct wsl_strmap *m, const char *key, size_t val);
/* Look key up; on a hit store its value in *val (when val is not NULL) and return true. */
bool wsl_strmap_get(const struct wsl_strmap *m, const char *key, size_t *val);
void wsl_strmap_free(struct wsl_strmap *m);

#endif
