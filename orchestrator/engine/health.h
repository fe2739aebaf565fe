/*
 * health.h — wait until an application is ready at a target.
 *
 * Used at the end of an apply, and wherever wissel must see an application come up before
 * it goes on (a standby before DNS moves to it).
 */
#ifndef WSL_ENGINE_HEALTH_H
#define WSL_ENGINE_HEALTH_H

#include "lib/err.h"
#include "orchestrator/engine/clock.h"
#include "providers/provider.h"

struct wsl_health_wait {
    long timeout_ms;      /* give up after this long; default 300 000 */
    long interval_ms;     /* between polls; default 2 000 */
    const char *what;     /* "web at cluster-a", for messages; NULL: "the application" */
    struct wsl_clock clock;
    /* Called with every answer (for live output); may be NULL. */
    void (*seen)(void *ctx, const struct wsl_health *h);
    void *ctx;
};

/* Poll d->health until the application is READY (returns 0) or FAILED (WSL_E_INVALID
 * with the driver's reason), or the time is up (WSL_E_TIMEOUT with the last reason).
 * Transient failures of the health call (network, time-outs) count as "not ready yet";
 * other failures end the wait with the driver's error. *out holds the last answer. */
int wsl_health_wait(const struct wsl_driver *d, struct wsl_conn *c, const struct wsl_app *app,
                    const struct wsl_health_wait *w, struct wsl_health *out,
                    struct wsl_err *err);

#endif
