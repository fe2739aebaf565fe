/*
 * health.c — poll a driver's health until ready, failed or out of time (see health.h).
 *
 * A failed health call that may cure itself (the API was briefly unreachable) is an
 * answer of "not ready yet", with the failure as the reason, so that a flaky network
 * delays the verdict instead of deciding it.
 */
#include "orchestrator/engine/health.h"

#include <stdio.h>
#include <string.h>

#define DEF_TIMEOUT_MS 300000L
#define DEF_INTERVAL_MS 2000L

/* "90 s" or "250 ms". */
static void span(char *out, size_t n, long ms)
{
    if (ms >= 1000 && ms % 1000 == 0)
        snprintf(out, n, "%ld s", ms / 1000);
    else
        snprintf(out, n, "%ld ms", ms);
}

/* One poll into *out; returns 0, or a hard error of the driver. */
static int poll_once(const struct wsl_driver *d, struct wsl_conn *c, const struct wsl_app *app,
                     struct wsl_health *out, struct wsl_err *err)
{
    struct wsl_err e = {0};
    memset(out, 0, sizeof *out);
    int rc = d->health(c, app, out, &e);
    if (rc == 0)
        return 0;
    if (!wsl_code_transient(rc)) {
        if (err)
            *err = e;
        return rc;
    }
    out->state = WSL_HEALTH_PROGRESSING;
    snprintf(out->reason, sizeof out->reason, "the health check failed: %s",
             e.msg[0] ? e.msg : wsl_code_name(rc));
    return 0;
}

int wsl_health_wait(const struct wsl_driver *d, struct wsl_conn *c, const struct wsl_app *app,
                    const struct wsl_health_wait *w, struct wsl_health *out,
                    struct wsl_err *err)
{
    const char *what = w->what ? w->what : "the application";
    long timeout = w->timeout_ms > 0 ? w->timeout_ms : DEF_TIMEOUT_MS;
    long interval = w->interval_ms > 0 ? w->interval_ms : DEF_INTERVAL_MS;
    long start = wsl_clock_now(&w->clock);
    for (;;) {
        int rc = poll_once(d, c, app, out, err);
        if (rc) {
            wsl_err_prefix(err, "checking the health of %s", what);
            return rc;
        }
        if (w->seen)
            w->seen(w->ctx, out);
        if (out->state == WSL_HEALTH_READY)
            return 0;
        if (out->state == WSL_HEALTH_FAILED) {
            wsl_err_set(err, WSL_E_UNHEALTHY, "%s is unhealthy: %s", what,
                        out->reason[0] ? out->reason : "the provider reports a failure");
            wsl_err_hint(err, "the changes were applied; fix the cause in the manifests and "
                         "apply again, or roll back to the previous revision");
            return WSL_E_UNHEALTHY;
        }
        long left = timeout - (wsl_clock_now(&w->clock) - start);
        if (left <= 0) {
            char t[32];
            span(t, sizeof t, timeout);
            wsl_err_set(err, WSL_E_TIMEOUT, "%s was not ready within %s: %s", what, t,
                        out->reason[0] ? out->reason : "still progressing");
            wsl_err_hint(err, "the changes were applied and it may still become ready; "
                         "applying again checks once more");
            return WSL_E_TIMEOUT;
        }
        wsl_clock_sleep(&w->clock, left < interval ? left : interval);
    }
}
