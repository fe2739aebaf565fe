/*
 * runtime.h — what failover changed at run time, read back from the journal.
 *
 * git says where an application runs; a failover is an override on top, recorded in the
 * journal and in force until git's placement agrees (docs/failover.md):
 *
 *   failover.start {app, from, to, active, reason}  a move to `to` began; DNS still at
 *                                                   `active`; a cold `to` is deployed
 *   failover.end   {app, from, to, active, ok, ...} the move ended; DNS belongs at `active`
 *   monitor.down / monitor.up {app, target, reason} the monitor's verdict on a placement
 *
 * Every reconcile (plan, apply, serve) reads this, so they all point DNS at the same
 * target and keep a cold standby that a failover brought up.
 */
#ifndef WSL_RECONCILE_RUNTIME_H
#define WSL_RECONCILE_RUNTIME_H

#include "manifests/wissel.h"
#include "orchestrator/state/state.h"

#include <stdbool.h>

/* Placements of an application, by index: 0 is the primary, i > 0 is standby i - 1. */
#define WSL_RT_MAX 64

struct wsl_runtime {
    const struct wsl_target *active;    /* where DNS belongs (warm, cold): the primary
                                           unless a failover moved it */
    const struct wsl_target *deploying; /* a failover's `to` while it runs, else NULL */
    bool down[WSL_RT_MAX];              /* the monitor holds placement i down */
};

/* The number of placements of a (primary + standbys) and the target of placement i. */
size_t wsl_rt_count(const struct wsl_app *a);
const struct wsl_target *wsl_rt_target(const struct wsl_app *a, size_t i);
/* The index of target name t among a's placements, or -1. */
int wsl_rt_index(const struct wsl_app *a, const char *t);

/* Read a's runtime state from the journal (st may be NULL: git's placement as it is).
 * A journal that cannot be read is an error (the caller must not guess where DNS goes). */
int wsl_runtime_read(struct wsl_state *st, const struct wsl_app *a, struct wsl_runtime *out,
                     struct wsl_err *err);

/* Journal the monitor's verdict on placement t of a: monitor.down or monitor.up, with why. */
int wsl_runtime_verdict(struct wsl_state *st, const struct wsl_app *a,
                        const struct wsl_target *t, bool down, const char *why,
                        struct wsl_err *err);

#endif
