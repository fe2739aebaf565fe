/*
 * drill.h — `wissel drill`: rehearse a failover on purpose and measure it.
 *
 * The primary is taken out (the driver's take_out: containers stopped, workloads scaled to
 * zero); the drill then does what the monitor and failover of `wissel serve` do — probe
 * the primary at the Application's interval until it is down, fail over to the standby
 * (deploying it first when cold), point DNS at it — while a client probe asks DNS and then
 * the address DNS gives, every 100 ms, as a user's browser would. Each step is timed from
 * the moment the primary was taken out; the recovery time is the first good answer through
 * DNS. Then the primary is restored (applied again from git) and traffic failed back,
 * unless asked not to. The report (JSON, rendered as Markdown) goes to files and, as
 * drill.end, into the journal, where `wissel report` and the policies' drillWithinDays
 * read it. See docs/failover.md.
 */
#ifndef WSL_FAILOVER_DRILL_H
#define WSL_FAILOVER_DRILL_H

#include "lib/buf.h"
#include "manifests/repo.h"
#include "orchestrator/state/state.h"

#include <jansson.h>
#include <stdbool.h>

struct wsl_drill_opts {
    struct wsl_repo *repo;        /* loaded and checked; borrowed */
    struct wsl_state *st;         /* borrowed */
    const char *revision;         /* the git revision of the manifests ("" when unknown) */
    const struct wsl_app *app;
    const struct wsl_target *to;  /* a standby of app */
    bool restore;                 /* restore the primary and fail back afterwards */
    /* Progress for the user: called at each step with a line of text. May be NULL. */
    void (*progress)(void *ctx, const char *line);
    void *ctx;
};

/* Check that a drill can run (app has a route, DNS, a standby `to`; no failover is in
 * force; the primary answers now), without changing anything. */
int wsl_drill_check(const struct wsl_drill_opts *o, struct wsl_err *err);

/* What a drill would do, step by step, as text. */
void wsl_drill_describe(const struct wsl_drill_opts *o, struct wsl_buf *out);

/* Run the drill. Returns 0 with *report set when it ran to the end (passed or not:
 * report's "passed"), or an error when it could not be run at all (wsl_drill_check's
 * reasons, a primary that could not be taken out); *report may then still be set with
 * what was measured. The report is journaled as drill.end either way once the primary
 * was taken out. */
int wsl_drill_run(const struct wsl_drill_opts *o, json_t **report, struct wsl_err *err);

/* The report as Markdown. */
void wsl_drill_markdown(const json_t *report, struct wsl_buf *out);

#endif
