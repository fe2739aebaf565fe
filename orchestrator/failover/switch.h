/*
 * switch.h — `wissel switch`: the planned move of an application to another of its
 * placements, with its volumes' data, and the way back within a rollback window.
 *
 * A failover (failover.h) of kind "switch" whose prepare step, for an application with
 * volume resources, deploys the destination, stops the application at both ends (the
 * downtime of a planned move: no writer may change the data while it is copied), and
 * streams each volume's contents from the old target's driver to the new one's through
 * wissel; then the destination is applied again (which starts it), verified healthy and
 * answering, and DNS moves. When either driver cannot copy volumes, a switch of an
 * application with volumes is refused before anything changes. The old placement is
 * kept (stopped when data was copied) for the rollback window (recorded with the
 * switch): `--rollback` switches back the same way, data included. Once the window has
 * closed, the old placement is decommissioned on request: removed from git
 * (wsl_switch_commit, or by hand) and then its objects deleted at its target. See
 * docs/failover.md.
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
    int64_t window_ms;              /* a switch's rollback window (default 24 h) */
    void (*progress)(void *ctx, const char *line);
    void *ctx;
};

/* Move the application. Returns 0 and *result ({from, to, volumes: [{id, bytes}], steps,
 * downtime_ms}), or an error that says how far it got (nothing changed for clients unless
 * the DNS step itself failed; then the next reconcile finishes it). */
int wsl_switch_run(const struct wsl_switch_opts *o, json_t **result, struct wsl_err *err);

/* The placement the last switch of o->app left behind (its origin: *left), once the
 * switch's rollback window has closed, and where the application runs now (*here).
 * WSL_E_NOTFOUND when the last move was no switch that worked (or the application has
 * moved since), WSL_E_CONFLICT while the window is open (the message says until when). */
int wsl_switch_leftover(const struct wsl_switch_opts *o, const struct wsl_target **left,
                        const struct wsl_target **here, struct wsl_err *err);

/* Decommission that placement: delete the application's objects at its target (those
 * holding data kept), under the target's lock, journaled (apply.*, switch.decommission).
 * git must no longer deploy the application there (reconcile.h's remove): otherwise
 * WSL_E_CONFLICT with nothing deleted. *result: {target, deleted, kept}. */
int wsl_switch_decommission(const struct wsl_switch_opts *o, json_t **result,
                            struct wsl_err *err);

/* Make git say that app (of repo) runs at primary (a placement of it: it trades places
 * with the old primary in the file) and no longer at drop (NULL: keep every placement):
 * edit the Application's file in place (manifests/edit.h) and commit it alone
 * (orchestrator/git/commit.h) with message. rev receives the commit, "" when git already
 * said so. Refused with nothing written when an edit cannot be made, when the file has
 * changes not committed, or when dropping the last standby breaks a Policy rule that
 * requires one (WSL_E_POLICY). */
int wsl_switch_commit(const struct wsl_repo *repo, const struct wsl_app *app,
                      const char *primary, const char *drop, const char *message, char rev[41],
                      struct wsl_err *err);

#endif
