/*
 * controller.h — the reconciler that `wissel serve` runs: the loop that keeps every target
 * at the revision the git repository is at.
 *
 * One coordinator thread campaigns for leadership (state.h), and as the leader fetches the
 * git source every interval (with jitter, or at once when triggered by a webhook), checks
 * the new revision's signature when one is required, loads and policy-checks its
 * manifests, and hands the result — a generation — to the targets' workers.
 *
 * One worker thread per target reconciles that target's placements, one at a time (plan,
 * apply what changed, ask health): on every new generation, every drift interval (hand
 * edits are found by the plan and undone by the apply), and after a failure with
 * exponential backoff. A target that is down or slow holds up only its own worker.
 * Workers never wait for health after an apply (health is observed on the next pass), so
 * a pass takes as long as its actions.
 *
 * A revision that fails to fetch, verify, load or pass the policies is not applied: the
 * workers keep the last good generation (and keep correcting drift to it) and the reason
 * is in the status. Leadership lost: the workers stop after the action in flight, the
 * coordinator resigns and campaigns again. Stop (SIGTERM): the same, then return.
 */
#ifndef WSL_SERVE_CONTROLLER_H
#define WSL_SERVE_CONTROLLER_H

#include "orchestrator/git/source.h"
#include "orchestrator/git/verify.h"
#include "orchestrator/serve/status.h"

#include <signal.h>
#include <stdint.h>

struct wsl_ctl_opts {
    const struct wsl_git_source *git;   /* NULL: the paths as they are on disk */
    const struct wsl_git_trust *trust;  /* non-NULL: a revision must be signed by it */
    const char *const *paths;           /* manifests (relative to git->dir with git) */
    size_t npaths;
    const char *state;                  /* the state spec (wsl_state_open) */
    const char *id;                     /* this instance, for leadership */
    int64_t interval_ms;                /* between fetches (jittered by up to 10%) */
    int64_t drift_ms;                   /* between drift checks of every placement */
    int64_t retry_max_ms;               /* largest backoff after failures */
    struct wsl_status *status;          /* reported into; owned by the caller */
    volatile sig_atomic_t *stopping;    /* set (by a signal handler) to stop */
};

struct wsl_ctl;

struct wsl_ctl *wsl_ctl_new(const struct wsl_ctl_opts *o);
/* Run until *o->stopping: returns 0, or an error when the state could not be opened. */
int wsl_ctl_run(struct wsl_ctl *c, struct wsl_err *err);
/* Fetch now (a webhook's push). Thread-safe; triggers that arrive before the fetch starts
 * are one fetch. */
void wsl_ctl_trigger(struct wsl_ctl *c);
void wsl_ctl_free(struct wsl_ctl *c);

#endif
