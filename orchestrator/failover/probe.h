/*
 * probe.h — how the monitor judges a placement: an HTTP GET of the application's probe
 * path through the public address clients use (the driver's endpoint), counted into
 * consecutive failures and successes (docs/failover.md).
 */
#ifndef WSL_FAILOVER_PROBE_H
#define WSL_FAILOVER_PROBE_H

#include "manifests/wissel.h"
#include "providers/provider.h"

#include <stdbool.h>
#include <stddef.h>

/* One placement as the monitor sees it. Start zeroed: unknown, which counts as up. */
struct wsl_probe_count {
    int64_t fails, oks; /* in a row */
    bool known, down;
};

/* Count one outcome under probe p (failures, successes). Returns -1 when the placement
 * turned down (p->failures failures in a row), +1 when it turned up (p->successes
 * successes in a row after being down, or the first verdict), 0 otherwise. */
int wsl_probe_count(struct wsl_probe_count *s, bool ok, const struct wsl_health_probe *p);

/* GET app's probe path at endpoint e (http://value:port/path, https when the route has
 * tls; the route's host as Host), within the probe's timeout. true for an answer below
 * 400; otherwise why says what happened ("GET http://...: connection refused"). */
bool wsl_probe_route(const struct wsl_app *a, const struct wsl_endpoint *e, char *why,
                     size_t n);

/* Probe app once through driver d's connection c: ask the driver for the endpoint, then
 * wsl_probe_route. */
bool wsl_probe_placement(const struct wsl_driver *d, struct wsl_conn *c,
                         const struct wsl_app *a, char *why, size_t n);
/* The same at target t, with a connection of its own (its failure is a failed probe). */
bool wsl_probe_target(const struct wsl_target *t, const struct wsl_app *a, char *why,
                      size_t n);

#endif
