/*
 * switch.h — `wissel switch`: the planned move of an application to another of its
 * placements, with its volumes' data, and the way back within a rollback window.
 *
 * A failover (failover.h) of kind "switch" whose prepare step, for an application with
 * volume resources, deploys the destination, stops the application at both ends (the
 * downtime of a planned move: no writer may change the data while it is copied), and
 * streams each volume's contents from the old target's driver to the new one's through
 * wissel; then the destination is applied again (which starts it), verified healthy and
 * answering, and DNS moves. The old placement is kept (stopped when data was copied)
 * for the rollback window: `--rollback` switches back the same way, data included.
 * See docs/failover.md.
 */
#ifndef WSL_FAILOVER_SWITCH_H
#define WSL_FAILOVER_SWITCH_H

#include "manifests/repo.h"
#include "orchestrator/state/state.h"

#include <jansson.h>
#include <stdbool.h>

struct wsl_switch_opts {
    struct wsl_repo *repo;          /* borrowed */
    struct wsl_state *st;           /* borrowed */
    const char *revision;
    const struct wsl_app *app;
    const struct wsl_target *to;    /* NULL with rollback */
    bool rollback;                  /* back to where the last switch came from */
    int64_t window_ms;              /* rollback window (default 24 h) */
    void (*progress)(void *ctx, const char *line);
    void *ctx;
};

/* Move the application. Returns 0 and *result ({from, to, volumes: [{id, bytes}], steps,
 * downtime_ms}), or an error that says how far it got (nothing changed for clients unless
 * the DNS step itself failed; then the next reconcile finishes it). */
int wsl_switch_run(const struct wsl_switch_opts *o, json_t **result, struct wsl_err *err);

#endif
