/*
 * arena.h — a bump allocator for data that lives and dies together.
 *
 * The manifest model is built once and freed once: every node, string and array of one
 * load comes from one arena, so freeing the model is one call and a failed load leaks
 * nothing. Allocation failure aborts, as for wsl_xmalloc.
 */
#ifndef WSL_ARENA_H
#define WSL_ARENA_H

#include <stddef.h>

struct wsl_arena;

struct wsl_arena *wsl_arena_new(void);
/* Zeroed memory aligned for any type. */
void *wsl_arena_alloc(struct wsl_arena *a, size_t n);
char *wsl_arena_strndup(struct wsl_arena *a, const char *s, size_t n);
char *wsl_arena_strdup(struct wsl_arena *a, const char *s);
char *wsl_arena_printf(struct wsl_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Bytes handed out so far (for limits and benchmarks). */
size_t wsl_arena_used(const struct wsl_arena *a);
void wsl_arena_free(struct wsl_arena *a);

#endif
