/*
 * failover.h — move an application's traffic from one placement to another: make the
 * destination healthy (a cold one is deployed first, from the same revision), then point
 * DNS at it; every step in the journal (docs/failover.md).
 *
 * Used by the monitor of `wissel serve` (automatic failover, failback), by `wissel drill`
 * and by `wissel switch`. An application without DNS (no route) moves all the same, minus
 * the DNS step. The records (runtime.h) are what every later reconcile reads to
 * know where DNS belongs, so a failover holds until git's placement agrees.
 */
#ifndef WSL_FAILOVER_H
#define WSL_FAILOVER_H

#include "manifests/repo.h"
#include "orchestrator/state/state.h"

#include <jansson.h>

#include <stdint.h>

struct wsl_fo {
    struct wsl_repo *repo;      /* loaded and checked; borrowed */
    struct wsl_state *st;       /* borrowed */
    const char *revision;       /* the git revision deployed from ("" or NULL: unknown) */
    const struct wsl_app *app;
    const struct wsl_target *from, *to; /* placements of app: the active one and where to */
    const char *kind;           /* "failover", "failback", "drill", "switch" */
    const char *reason;         /* why, for the journal and the log */
    long health_timeout_ms;     /* how long `to` may take to become healthy; default 300 000 */
    /* Called once failover.start is journaled, before `to` is made healthy (may be NULL):
     * `wissel switch` deploys `to` and copies the volumes' data here. Non-zero stops the
     * failover before anything changed for clients. */
    int (*prepare)(const struct wsl_fo *f, void *ctx, struct wsl_err *err);
    void *ctx;
    json_t *note;               /* members added to the failover.start and .end records
                                   (`wissel switch`: its rollback window); may be NULL */
};

/* When each step finished, in wsl_monotonic_ms() (0: not reached). */
struct wsl_fo_result {
    int64_t started, healthy, dns;
};

/* Run a failover: journal failover.start; deploy `to` (cold) or check it (warm) and wait
 * until the driver says ready and the route answers there; journal failover.dns (from now
 * on every reconcile points DNS at `to`); apply DNS; journal failover.end. Returns 0, or
 * the first error: before DNS was touched nothing has changed for clients (the end record
 * says `to` never became healthy); an error applying DNS leaves `to` as where DNS belongs,
 * so the next reconcile finishes the move. A failback (kind "failback") from a cold
 * standby then removes the application's objects there (wsl_failover_remove; a removal
 * that fails is logged, the failback stands). */
int wsl_failover_run(const struct wsl_fo *f, struct wsl_fo_result *res, struct wsl_err *err);

/* Reconcile f->app's DNS alone, as the journal now says it should point (active-active:
 * after the monitor's verdict on a placement changed). Only f's repo, st, revision and
 * app are used. */
int wsl_failover_dns(const struct wsl_fo *f, struct wsl_err *err);

/* Format a line for a command's progress callback (NULL: nothing). */
void wsl_fo_say(void (*progress)(void *ctx, const char *line), void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reconcile f->app at target t alone (plan, apply; with health_ms > 0 wait that long for
 * the driver's ready and the route's answer). */
int wsl_failover_deploy(const struct wsl_fo *f, const struct wsl_target *t, long health_ms,
                        struct wsl_err *err);

/* Remove f->app from target t, which git no longer deploys it to (reconcile.h's remove):
 * its objects there deleted under t's lock, those holding data kept. Refused when the
 * observation was incomplete (nothing is deleted then). *removed: {deleted, kept}. */
int wsl_failover_remove(const struct wsl_fo *f, const struct wsl_target *t, json_t **removed,
                        struct wsl_err *err);

#endif
