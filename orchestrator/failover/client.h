/*
 * client.h — the drill's client: every 100 ms it asks DNS for the application's route
 * host (the authoritative answer, through the DNS target's driver), then GETs the probe
 * path at the address DNS gave, as a user's browser would once its resolver's cache
 * expired. It counts what it saw, and remembers when a good answer first came from a
 * given placement after a given moment.
 */
#ifndef WSL_FAILOVER_CLIENT_H
#define WSL_FAILOVER_CLIENT_H

#include "manifests/wissel.h"
#include "providers/provider.h"

#include <stdbool.h>
#include <stdint.h>

#define WSL_CLIENT_PERIOD_MS 100

struct wsl_client;

/* What the client has seen; times in wsl_monotonic_ms() (0: never). */
struct wsl_client_seen {
    int64_t probes, errors;        /* since wsl_client_arm() */
    int64_t first_error, last_error;
    int64_t good_at;               /* first good answer from the watched placement */
    char last_error_why[512];
};

/* Start the client for app: DNS through d/c (a connection of its own), placements' where
 * and port from eps (copied; n at most 8). */
struct wsl_client *wsl_client_start(const struct wsl_app *app, const struct wsl_driver *d,
                                    struct wsl_conn *c, const struct wsl_endpoint *eps,
                                    size_t n);
/* Count errors from now on. */
void wsl_client_arm(struct wsl_client *cl);
/* Watch for the first good answer from eps[i] at or after now; resets good_at. */
void wsl_client_watch(struct wsl_client *cl, size_t i);
void wsl_client_seen(struct wsl_client *cl, struct wsl_client_seen *out);
/* Stop and free (the DNS connection stays the caller's). NULL is allowed. */
void wsl_client_stop(struct wsl_client *cl);

#endif
