/*
 * order.c — Kahn's algorithm with a min-heap of ready nodes (see order.h).
 *
 * A node becomes ready when every node before it has been placed; the heap hands out the
 * lowest ready index, which is what makes the order stable. What Kahn leaves unplaced is
 * exactly the set of nodes on or behind a cycle; following "depends on" edges through that
 * set must come back to a node already seen, and that loop is the cycle we report.
 */
#include "orchestrator/engine/order.h"

#include "lib/buf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void wsl_graph_build(struct wsl_graph *g, size_t n, const struct wsl_edge *edges,
                     size_t nedges)
{
    g->n = n;
    g->at = wsl_xcalloc(n + 1, sizeof *g->at);
    g->before = wsl_xmalloc((nedges ? nedges : 1) * sizeof *g->before);
    for (size_t e = 0; e < nedges; e++)
        g->at[edges[e].node + 1]++;
    for (size_t i = 0; i < n; i++)
        g->at[i + 1] += g->at[i];
    size_t *fill = wsl_xmalloc((n + 1) * sizeof *fill);
    memcpy(fill, g->at, (n + 1) * sizeof *fill);
    for (size_t e = 0; e < nedges; e++)
        g->before[fill[edges[e].node]++] = edges[e].first;
    free(fill);
}

void wsl_graph_free(struct wsl_graph *g)
{
    free(g->at);
    free(g->before);
    memset(g, 0, sizeof *g);
}

/* --- a binary min-heap of node indexes ------------------------------------------------ */

struct heap {
    size_t *v;
    size_t n;
};

static void heap_push(struct heap *h, size_t x)
{
    size_t i = h->n++;
    while (i > 0 && h->v[(i - 1) / 2] > x) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = x;
}

static size_t heap_pop(struct heap *h)
{
    size_t top = h->v[0], x = h->v[--h->n], i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->v[c + 1] < h->v[c])
            c++;
        if (x <= h->v[c])
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n)
        h->v[i] = x;
    return top;
}

/* --- the order ------------------------------------------------------------------------ */

/* The reverse graph: for each node, the nodes that come after it. */
static void reverse(const struct wsl_graph *g, struct wsl_graph *r)
{
    size_t m = g->at[g->n];
    struct wsl_edge *edges = wsl_xmalloc((m ? m : 1) * sizeof *edges);
    for (size_t i = 0; i < g->n; i++) {
        for (size_t e = g->at[i]; e < g->at[i + 1]; e++)
            edges[e] = (struct wsl_edge){g->before[e], i};
    }
    wsl_graph_build(r, g->n, edges, m);
    free(edges);
}

/* Walk "depends on" edges among unplaced nodes from `start` until a node repeats. */
static void find_cycle(const struct wsl_graph *g, const size_t *waiting, size_t start,
                       size_t *cycle, size_t *ncycle)
{
    size_t *seen_at = wsl_xmalloc(g->n * sizeof *seen_at);
    for (size_t i = 0; i < g->n; i++)
        seen_at[i] = (size_t)-1;
    size_t n = 0, v = start;
    while (seen_at[v] == (size_t)-1) {
        seen_at[v] = n;
        cycle[n++] = v;
        for (size_t e = g->at[v]; e < g->at[v + 1]; e++) {
            if (waiting[g->before[e]]) {
                v = g->before[e];
                break;
            }
        }
    }
    size_t from = seen_at[v];
    memmove(cycle, cycle + from, (n - from) * sizeof *cycle);
    n -= from;
    cycle[n++] = v;
    *ncycle = n;
    free(seen_at);
}

int wsl_order_topo(const struct wsl_graph *g, size_t *out, size_t *cycle, size_t *ncycle)
{
    size_t n = g->n, placed = 0;
    size_t *waiting = wsl_xmalloc((n ? n : 1) * sizeof *waiting); /* unplaced befores */
    struct wsl_graph r;
    struct heap ready = {wsl_xmalloc((n ? n : 1) * sizeof(size_t)), 0};
    reverse(g, &r);
    for (size_t i = 0; i < n; i++) {
        waiting[i] = g->at[i + 1] - g->at[i];
        if (!waiting[i])
            heap_push(&ready, i);
    }
    while (ready.n) {
        size_t v = heap_pop(&ready);
        out[placed++] = v;
        for (size_t e = r.at[v]; e < r.at[v + 1]; e++) {
            if (--waiting[r.before[e]] == 0)
                heap_push(&ready, r.before[e]);
        }
    }
    int rc = 0;
    if (placed < n) {
        size_t start = 0;
        while (!waiting[start])
            start++;
        find_cycle(g, waiting, start, cycle, ncycle);
        rc = -1;
    }
    free(ready.v);
    wsl_graph_free(&r);
    free(waiting);
    return rc;
}
