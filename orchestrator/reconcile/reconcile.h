/*
 * reconcile.h — one pass over a repository: load, check policy, plan every placement,
 * and apply under the target's lock with every step in the journal.
 *
 * `wissel plan` and `wissel apply` are thin over this, and `wissel serve` runs it on
 * every new revision. A placement is one (application, target) pair: the primary, and the
 * standbys unless the mode is cold (a cold standby only once a failover brings it up); and,
 * for an application with a route and a `dns` target, its route host at that DNS target,
 * pointing at the active placement's endpoint (warm, cold: the primary unless a failover
 * moved it) or at every placement the monitor does not hold down (active-active). What
 * failover changed is read from the journal (runtime.h).
 */
#ifndef WSL_RECONCILE_H
#define WSL_RECONCILE_H

#include "lib/diag.h"
#include "manifests/repo.h"
#include "orchestrator/engine/apply.h"
#include "orchestrator/engine/plan.h"
#include "orchestrator/state/state.h"

struct wsl_rc_opts {
    const char *const *paths; /* manifest folders or files */
    size_t npaths;
    const char *app;          /* only this application (NULL: all) */
    const char *target;       /* only this target (NULL: all) */
    unsigned plan_flags;      /* enum wsl_plan_flag */
    const char *state;        /* state spec for wsl_state_open() (NULL: the default) */
    int64_t lock_wait_ms;     /* how long to wait for a target's lock (0: fail at once) */
    bool lock;                /* take the targets' locks before planning (apply) */
    /* With app and target: plan the removal of app from target, which git must no longer
     * deploy it to (not its primary, nor a standby unless cold and not active): every
     * object it owns there deleted, those holding data kept (plan.kept). */
    bool remove;
    /* `wissel serve`: a repository already loaded and checked against the policies, the
     * state store of the calling thread, and the revision they are at. All borrowed (not
     * freed with the reconcile); paths are then unused and no policy is checked again. */
    struct wsl_repo *repo;
    struct wsl_state *st;
    const char *revision;
};

struct wsl_placement_item {
    const struct wsl_app *app;
    const struct wsl_target *target;
    bool dns;              /* the application's route host at its DNS target */
    bool remove;           /* the application's removal from the target (wsl_rc_opts) */
    struct wsl_endpoint *endpoints; /* dns: where the record points (owned) */
    size_t nendpoints;
    const struct wsl_driver *driver;
    struct wsl_conn *conn; /* one per target: the first item at a target opens it */
    bool owns_conn;        /* this item opened it and closes it */
    struct wsl_lock *lock; /* the target's lock (shared by the placements on one target) */
    bool owns_lock;        /* this item took it and releases it */
    struct wsl_plan plan;
    int rc;             /* 0: planned; otherwise why not (err) */
    struct wsl_err err;
};

struct wsl_reconcile {
    struct wsl_repo *repo;
    struct wsl_state *state;
    struct wsl_diags policy;        /* policy violations */
    struct wsl_placement_item *v;   /* the placements, in repository order */
    size_t n;
    char revision[41];              /* git HEAD of the first path, "" when not in git */
    bool owns_repo, owns_state;     /* false when borrowed from the options */
};

/* Load the repository, open the state and check the policies. Returns 0 with *out set;
 * otherwise *out is still set (for its diagnostics) and the result is WSL_E_INVALID (the
 * manifests have errors: repo->diags), WSL_E_POLICY (violations: policy) or the state's
 * error (err). Free with wsl_reconcile_free(). */
int wsl_reconcile_load(const struct wsl_rc_opts *o, struct wsl_reconcile **out,
                       struct wsl_err *err);
/* Plan every placement (taking its lock first when o->lock). Each item keeps its own
 * result; returns the number of placements that could not be planned. */
size_t wsl_reconcile_plan(struct wsl_reconcile *r, const struct wsl_rc_opts *o);
/* Plan one placement, for callers that plan and apply one at a time (and free each plan,
 * wsl_plan_free(&it->plan), once applied): sets it->rc and it->err and returns it->rc. */
int wsl_reconcile_plan_item(struct wsl_reconcile *r, struct wsl_placement_item *it,
                            const struct wsl_rc_opts *o);
/* Apply one planned placement under its lock: journal apply.start, the actions (fenced by
 * the lock), apply.end with the outcome and health. opts->progress (may be NULL) is called
 * with opts->ctx; opts->record and opts->target are set here. */
int wsl_reconcile_apply(struct wsl_reconcile *r, struct wsl_placement_item *it,
                        struct wsl_apply_opts *opts, struct wsl_apply_result *res,
                        struct wsl_err *err);
/* Release locks, close connections and free everything. NULL is allowed. */
void wsl_reconcile_free(struct wsl_reconcile *r);

#endif
