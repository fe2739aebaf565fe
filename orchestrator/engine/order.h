/*
 * order.h — a deterministic topological order of a small dependency graph.
 *
 * The plan orders objects so that each comes after the objects it depends on. Among the
 * objects free to go at any moment, the one with the lowest index goes first, so the
 * order is a pure function of the input (the same manifests give the same plan, always)
 * and follows the order the driver rendered wherever dependencies leave a choice.
 */
#ifndef WSL_ENGINE_ORDER_H
#define WSL_ENGINE_ORDER_H

#include <stddef.h>

/* "node comes after first". */
struct wsl_edge {
    size_t node, first;
};

/* A graph of n nodes in compressed form: the nodes that node i comes after are
 * before[at[i]] .. before[at[i + 1] - 1], in the order the edges were given. */
struct wsl_graph {
    size_t n;
    size_t *at;     /* n + 1 entries */
    size_t *before;
};

/* Build g from n nodes and nedges edges (every index below n). Free with wsl_graph_free. */
void wsl_graph_build(struct wsl_graph *g, size_t n, const struct wsl_edge *edges,
                     size_t nedges);
void wsl_graph_free(struct wsl_graph *g);

/* Fill out[0 .. g->n) with the nodes in dependency order (ties: lowest index first) and
 * return 0. When the graph has a cycle, return -1 and fill cycle[0 .. *ncycle) with one
 * cycle, each node depending on the next and the last equal to the first (cycle must have
 * room for g->n + 1 nodes). */
int wsl_order_topo(const struct wsl_graph *g, size_t *out, size_t *cycle, size_t *ncycle);

#endif
