/*
 * monitor.h — the monitor of `wissel serve`: probe every placement of every application
 * that has a route and DNS, at the Application's failover.probe interval, through the
 * public address its driver names; a placement is down after `failures` failed probes in
 * a row and up again after `successes` good ones (journal: monitor.down / monitor.up).
 *
 * Where the Application allows it (failover.automatic): when the placement DNS points at
 * goes down, fail over to the first placement (in the order primary, standbys) that is not
 * down — a cold standby is deployed first (orchestrator/failover/failover.h); when the
 * primary is up again and failover.failback is set, fail back to it; for active-active,
 * re-point DNS at the placements that are up whenever a verdict changes (never at none).
 * A failover that failed is tried again after a pause, not at every probe.
 *
 * Runs on one thread of the leader; a failover in progress (a cold deploy) holds up the
 * probes of other applications until it ends.
 */
#ifndef WSL_SERVE_MONITOR_H
#define WSL_SERVE_MONITOR_H

#include "manifests/repo.h"
#include "orchestrator/serve/status.h"
#include "orchestrator/state/state.h"

struct wsl_monitor;

struct wsl_monitor *wsl_monitor_new(struct wsl_status *status);
/* Probe whatever is due among repo's applications (at revision rev), act on verdicts.
 * Returns how long until the next probe is due, in ms (at most 1000). */
int64_t wsl_monitor_tick(struct wsl_monitor *m, struct wsl_repo *repo, const char *rev,
                         struct wsl_state *st);
void wsl_monitor_free(struct wsl_monitor *m);

#endif
