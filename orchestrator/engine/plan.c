/*
 * plan.c — diff desired against observed and order the actions (see plan.h).
 *
 * One pass builds a key index ("kind/name" → position) of each set; the desired objects
 * are ordered by their dependencies and each is classified against its observed twin; the
 * owned leftovers become deletes, ordered in reverse, only when the observation was
 * complete. Finally each action learns which earlier actions it must wait for, so that
 * apply can run independent actions side by side without re-deriving the graph.
 */
#include "orchestrator/engine/plan.h"

#include "lib/buf.h"
#include "lib/strmap.h"
#include "orchestrator/engine/diff.h"
#include "orchestrator/engine/order.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE SIZE_MAX

/* The keys "kind/name" of a set's objects, and a map from key to index. */
struct keys {
    char *text;      /* every key, NUL-separated */
    const char **v;  /* v[i]: the key of object i */
    struct wsl_strmap map;
};

/* Everything one wsl_plan_make() call works with. */
struct build {
    const struct wsl_objset *want, *have;
    unsigned flags;
    struct keys wk, hk;
    struct wsl_plan *p;
    size_t *want_at;                     /* action of desired object i */
    size_t *del;                         /* observed objects to delete, in observed order */
    size_t ndel;
    struct wsl_edge *wedges, *dedges;    /* desired deps; delete order (delete nodes) */
    size_t nwedges, ndedges;
};

static void keys_free(struct keys *k)
{
    free(k->text);
    free(k->v);
    wsl_strmap_free(&k->map);
}

static int keys_index(const struct wsl_objset *s, const char *which, struct keys *k,
                      struct wsl_err *err)
{
    struct wsl_buf b = WSL_BUF_INIT;
    size_t *off = wsl_xmalloc((s->n ? s->n : 1) * sizeof *off);
    for (size_t i = 0; i < s->n; i++) {
        off[i] = b.len;
        wsl_buf_puts(&b, s->v[i].kind);
        wsl_buf_putc(&b, '/');
        wsl_buf_puts(&b, s->v[i].name);
        wsl_buf_append(&b, "", 1);
    }
    k->text = wsl_buf_steal(&b);
    k->v = wsl_xmalloc((s->n ? s->n : 1) * sizeof *k->v);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < s->n; i++) {
        k->v[i] = k->text + off[i];
        if (wsl_strmap_get(&k->map, k->v[i], NULL))
            rc = wsl_err_set(err, WSL_E_INTERNAL, "the %s objects hold %s twice; this is a "
                             "bug in the driver, please report it", which, k->v[i]);
        wsl_strmap_put(&k->map, k->v[i], i);
    }
    free(off);
    return rc;
}

static size_t key_find(const struct keys *k, const char *key)
{
    size_t i;
    return wsl_strmap_get(&k->map, key, &i) ? i : NONE;
}

/* "A -> B -> A" into err: each object depends on the next. */
static int cycle_error(const struct keys *k, const size_t *nodes, const size_t *cycle,
                       size_t n, bool reversed, const char *which, struct wsl_err *err)
{
    struct wsl_buf b = WSL_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        size_t c = cycle[reversed ? n - 1 - i : i];
        wsl_buf_printf(&b, "%s%s", i ? " -> " : "", k->v[nodes ? nodes[c] : c]);
    }
    wsl_err_set(err, WSL_E_INVALID, "dependency cycle among the %s objects: %s (each depends "
                "on the next)", which, wsl_buf_str(&b));
    wsl_err_hint(err, "an object is applied only after the objects it depends on; remove one "
                 "of these dependencies");
    wsl_buf_free(&b);
    return WSL_E_INVALID;
}

/* Order n nodes by edges into out; a cycle becomes an error naming it. */
static int order(size_t n, const struct wsl_edge *edges, size_t nedges, size_t *out,
                 const struct keys *k, const size_t *nodes, bool reversed, const char *which,
                 struct wsl_err *err)
{
    struct wsl_graph g;
    wsl_graph_build(&g, n, edges, nedges);
    size_t *cycle = wsl_xmalloc((n + 1) * sizeof *cycle), ncycle = 0;
    int rc = 0;
    if (wsl_order_topo(&g, out, cycle, &ncycle) < 0)
        rc = cycle_error(k, nodes, cycle, ncycle, reversed, which, err);
    free(cycle);
    wsl_graph_free(&g);
    return rc;
}

static struct wsl_action *push(struct wsl_plan *p, enum wsl_action_type t)
{
    struct wsl_action *a = &p->v[p->n++];
    memset(a, 0, sizeof *a);
    a->type = t;
    p->count[t]++;
    return a;
}

/* --- creates, updates, no-ops -------------------------------------------------------- */

static void desired_edges(struct build *b)
{
    size_t m = 0;
    for (size_t i = 0; i < b->want->n; i++)
        m += b->want->v[i].ndeps;
    b->wedges = wsl_xmalloc((m ? m : 1) * sizeof *b->wedges);
    for (size_t i = 0; i < b->want->n; i++) {
        const struct wsl_object *o = &b->want->v[i];
        for (size_t d = 0; d < o->ndeps; d++) {
            size_t j = key_find(&b->wk, o->deps[d]);
            if (j != NONE)
                b->wedges[b->nwedges++] = (struct wsl_edge){i, j};
        }
    }
}

/* Classify desired object `want` against its observed twin `have` (may be NULL). Returns
 * false for an object in the way that may not be taken over. */
static bool classify(struct build *b, const struct wsl_object *want,
                     const struct wsl_object *have)
{
    bool force = b->flags & (WSL_PLAN_TAKE_OVER | WSL_PLAN_FORCE_OWNED);
    if (!have) {
        struct wsl_action *c = push(b->p, WSL_ACT_CREATE);
        c->desired = want;
        c->force = force;
        return true;
    }
    if (!have->owned && !(b->flags & WSL_PLAN_TAKE_OVER))
        return false;
    struct wsl_paths paths = {0};
    wsl_diff_drift(want->body, have->body, &paths);
    const char *why = !have->owned ? "take over"
                      : strcmp(want->fingerprint, have->fingerprint) ? "fingerprint changed"
                      : paths.n ? "drift" : NULL;
    struct wsl_action *a = push(b->p, why ? WSL_ACT_UPDATE : WSL_ACT_NOOP);
    a->desired = want;
    a->observed = have;
    a->why = why;
    a->force = force && (have->owned || (b->flags & WSL_PLAN_TAKE_OVER));
    a->changed = paths.v;
    a->nchanged = paths.n;
    return true;
}

static int conflict_error(const char *key, size_t more, struct wsl_err *err)
{
    wsl_err_set(err, WSL_E_CONFLICT, "%s exists and is not managed by wissel; use "
                "--force-conflicts to take it over", key);
    if (more)
        wsl_err_prefix(err, "%zu objects are in the way, the first", more + 1);
    wsl_err_hint(err, "make sure no other tool or person manages it before taking it over, "
                 "or rename the object in the manifests");
    return WSL_E_CONFLICT;
}

static int plan_desired(struct build *b, struct wsl_err *err)
{
    size_t n = b->want->n, *seq = wsl_xmalloc((n ? n : 1) * sizeof *seq);
    desired_edges(b);
    int rc = order(n, b->wedges, b->nwedges, seq, &b->wk, NULL, false, "desired", err);
    const char *first = NULL;
    size_t more = 0;
    for (size_t k = 0; rc == 0 && k < n; k++) {
        size_t i = seq[k], j = key_find(&b->hk, b->wk.v[i]);
        b->want_at[i] = b->p->n;
        if (classify(b, &b->want->v[i], j == NONE ? NULL : &b->have->v[j]))
            continue;
        if (first)
            more++;
        else
            first = b->wk.v[i];
    }
    if (rc == 0 && first)
        rc = conflict_error(first, more, err);
    free(seq);
    return rc;
}

/* --- deletes -------------------------------------------------------------------------- */

/* Delete node d comes after delete node e when e's object depended on d's. */
static void delete_edges(struct build *b, const size_t *node_of)
{
    size_t m = 0;
    for (size_t e = 0; e < b->ndel; e++)
        m += b->have->v[b->del[e]].ndeps;
    b->dedges = wsl_xmalloc((m ? m : 1) * sizeof *b->dedges);
    for (size_t e = 0; e < b->ndel; e++) {
        const struct wsl_object *o = &b->have->v[b->del[e]];
        for (size_t k = 0; k < o->ndeps; k++) {
            size_t j = key_find(&b->hk, o->deps[k]);
            if (j != NONE && node_of[j] != NONE)
                b->dedges[b->ndedges++] = (struct wsl_edge){node_of[j], e};
        }
    }
}

/* Name a retained object in the plan's note of what it keeps. */
static void note_kept(struct wsl_plan *p, const struct wsl_object *o)
{
    char key[256];
    wsl_object_key(o, key, sizeof key);
    size_t len = strlen(p->kept);
    if (!len)
        len = (size_t)snprintf(p->kept, sizeof p->kept,
                               "kept (they hold data; delete them by hand): %s", key);
    else if (len + strlen(key) + 2 < sizeof p->kept)
        snprintf(p->kept + len, sizeof p->kept - len, ", %s", key);
}

static int plan_deletes(struct build *b, struct wsl_err *err)
{
    const struct wsl_objset *have = b->have;
    if (!have->complete) {
        snprintf(b->p->held_back, sizeof b->p->held_back, "deletes held back: %s",
                 have->incomplete_why[0] ? have->incomplete_why
                                         : "the observation was incomplete");
        return 0;
    }
    size_t *node_of = wsl_xmalloc((have->n ? have->n : 1) * sizeof *node_of);
    b->del = wsl_xmalloc((have->n ? have->n : 1) * sizeof *b->del);
    for (size_t j = 0; j < have->n; j++) {
        node_of[j] = NONE;
        if (have->v[j].owned && key_find(&b->wk, b->hk.v[j]) == NONE) {
            if (have->v[j].retain) {
                note_kept(b->p, &have->v[j]);
                continue;
            }
            node_of[j] = b->ndel;
            b->del[b->ndel++] = j;
        }
    }
    delete_edges(b, node_of);
    free(node_of);
    size_t *seq = wsl_xmalloc((b->ndel ? b->ndel : 1) * sizeof *seq);
    int rc = order(b->ndel, b->dedges, b->ndedges, seq, &b->hk, b->del, true, "observed",
                   err);
    size_t start = b->p->n;
    for (size_t k = 0; rc == 0 && k < b->ndel; k++)
        push(b->p, WSL_ACT_DELETE)->observed = &have->v[b->del[seq[k]]];
    /* From here on del[x] is the action of delete node x (for plan_waits). */
    for (size_t k = 0; rc == 0 && k < b->ndel; k++)
        b->del[seq[k]] = start + k;
    free(seq);
    return rc;
}

/* --- what each action waits for ------------------------------------------------------ */

static void plan_waits(struct build *b)
{
    size_t m = b->nwedges + b->ndedges;
    struct wsl_edge *edges = wsl_xmalloc((m ? m : 1) * sizeof *edges);
    for (size_t e = 0; e < b->nwedges; e++)
        edges[e] = (struct wsl_edge){b->want_at[b->wedges[e].node],
                                     b->want_at[b->wedges[e].first]};
    for (size_t e = 0; e < b->ndedges; e++)
        edges[b->nwedges + e] = (struct wsl_edge){b->del[b->dedges[e].node],
                                                  b->del[b->dedges[e].first]};
    struct wsl_graph g;
    wsl_graph_build(&g, b->p->n, edges, m);
    b->p->wait_at = g.at;
    b->p->wait = g.before;
    free(edges);
}

int wsl_plan_make(const struct wsl_objset *desired, const struct wsl_objset *observed,
                  unsigned flags, struct wsl_plan *out, struct wsl_err *err)
{
    memset(out, 0, sizeof *out);
    struct build b = {.want = desired, .have = observed, .flags = flags, .p = out};
    out->v = wsl_xmalloc((desired->n + observed->n + 1) * sizeof *out->v);
    b.want_at = wsl_xmalloc((desired->n + 1) * sizeof *b.want_at);
    int rc = keys_index(desired, "desired", &b.wk, err);
    if (rc == 0)
        rc = keys_index(observed, "observed", &b.hk, err);
    if (rc == 0)
        rc = plan_desired(&b, err);
    if (rc == 0)
        rc = plan_deletes(&b, err);
    if (rc == 0)
        plan_waits(&b);
    keys_free(&b.wk);
    keys_free(&b.hk);
    free(b.want_at);
    free(b.del);
    free(b.wedges);
    free(b.dedges);
    if (rc)
        wsl_plan_free(out);
    return rc;
}

/* Observe app and plan towards want (rendered, or rc: rendering's error). */
static int observe_and_plan(const struct wsl_driver *d, struct wsl_conn *c,
                            const struct wsl_app *app, int rc, struct wsl_objset want,
                            unsigned flags, struct wsl_plan *out, struct wsl_err *err)
{
    struct wsl_objset have = {0};
    const char *name = app && app->metadata.name ? app->metadata.name : "the application";
    if (rc) {
        wsl_err_prefix(err, "rendering %s for %s", name, d->name);
    } else if ((rc = d->observe(c, app, &have, err)) != 0) {
        wsl_err_prefix(err, "observing %s at %s", name, d->name);
        if (!err || !err->hint[0])
            wsl_err_hint(err, "nothing was planned: wissel plans only from an observation "
                         "that succeeded; run again when the provider answers");
    } else {
        rc = wsl_plan_make(&want, &have, flags, out, err);
    }
    if (rc) {
        wsl_objset_free(&want);
        wsl_objset_free(&have);
        return rc;
    }
    out->desired = want;
    out->observed = have;
    return 0;
}

int wsl_plan_target(const struct wsl_driver *d, struct wsl_conn *c, const struct wsl_app *app,
                    unsigned flags, struct wsl_plan *out, struct wsl_err *err)
{
    struct wsl_objset want = {0};
    memset(out, 0, sizeof *out);
    int rc = d->render(c, app, &want, err);
    return observe_and_plan(d, c, app, rc, want, flags, out, err);
}

int wsl_plan_remove(const struct wsl_driver *d, struct wsl_conn *c, const struct wsl_app *app,
                    unsigned flags, struct wsl_plan *out, struct wsl_err *err)
{
    memset(out, 0, sizeof *out);
    return observe_and_plan(d, c, app, 0, (struct wsl_objset){0}, flags, out, err);
}

int wsl_plan_dns(const struct wsl_driver *d, struct wsl_conn *c, const struct wsl_app *app,
                 const struct wsl_dns_want *dns, unsigned flags, struct wsl_plan *out,
                 struct wsl_err *err)
{
    struct wsl_objset want = {0};
    memset(out, 0, sizeof *out);
    int rc = d->render_dns(c, app, dns, &want, err);
    return observe_and_plan(d, c, app, rc, want, flags, out, err);
}

void wsl_plan_free(struct wsl_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        struct wsl_paths paths = {p->v[i].changed, p->v[i].nchanged, p->v[i].nchanged};
        wsl_paths_free(&paths);
    }
    free(p->v);
    free(p->wait_at);
    free(p->wait);
    wsl_objset_free(&p->desired);
    wsl_objset_free(&p->observed);
    memset(p, 0, sizeof *p);
}

const char *wsl_plan_type_name(enum wsl_action_type t)
{
    switch (t) {
    case WSL_ACT_CREATE: return "create";
    case WSL_ACT_UPDATE: return "update";
    case WSL_ACT_DELETE: return "delete";
    default: return "no-op";
    }
}

const struct wsl_object *wsl_plan_object(const struct wsl_action *a)
{
    return a->desired ? a->desired : a->observed;
}
