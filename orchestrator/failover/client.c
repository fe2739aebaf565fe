#include "orchestrator/failover/client.h"

#include "lib/buf.h"
#include "lib/units.h"
#include "orchestrator/failover/probe.h"
#include "providers/dnsrecords.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EPS 8

struct wsl_client {
    pthread_t thread;
    pthread_mutex_t mu;
    bool stop, armed, started; /* started: the thread runs (else nothing is measured) */
    const struct wsl_app *app;
    const struct wsl_driver *d;
    struct wsl_conn *c;
    struct wsl_endpoint eps[MAX_EPS];
    size_t n;
    int watch;                /* index watched, -1: none */
    int64_t watch_from;
    struct wsl_client_seen seen;
};

/* The address DNS answers for the route host now: the first value of its A, AAAA or
 * CNAME set, normalized into out. */
static int resolve(struct wsl_client *cl, char out[256], struct wsl_err *err)
{
    struct wsl_objset set = {0};
    int rc = cl->d->observe(cl->c, cl->app, &set, err);
    out[0] = '\0';
    for (size_t i = 0; rc == 0 && i < set.n && !out[0]; i++) {
        json_t *v = json_array_get(json_object_get(set.v[i].body, "values"), 0);
        if (wsl_dnsrec_type_parse(set.v[i].kind) && json_is_string(v))
            wsl_dnsrec_normalize(json_string_value(v), out);
    }
    wsl_objset_free(&set);
    if (rc == 0 && !out[0])
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "DNS has no address for %s",
                         cl->app->spec.route.host);
    return rc;
}

static int index_of(const struct wsl_client *cl, const char *value)
{
    for (size_t i = 0; i < cl->n; i++) {
        char v[256];
        wsl_dnsrec_normalize(cl->eps[i].value, v);
        if (!strcmp(v, value))
            return (int)i;
    }
    return -1;
}

/* One look: resolve, then GET. Returns the placement that answered well, or -1. */
static int look(struct wsl_client *cl, char *why, size_t n)
{
    struct wsl_err err = {0};
    char value[256];
    if (resolve(cl, value, &err) != 0) {
        snprintf(why, n, "DNS: %s", err.msg);
        return -1;
    }
    int i = index_of(cl, value);
    if (i < 0) {
        snprintf(why, n, "DNS answers %s, which is no placement of %s", value,
                 cl->app->metadata.name);
        return -1;
    }
    return wsl_probe_route(cl->app, &cl->eps[i], why, n) ? i : -1;
}

static void record(struct wsl_client *cl, int i, int64_t at, const char *why)
{
    pthread_mutex_lock(&cl->mu);
    if (cl->armed) {
        cl->seen.probes++;
        if (i < 0) {
            cl->seen.errors++;
            if (!cl->seen.first_error)
                cl->seen.first_error = at;
            cl->seen.last_error = at;
            snprintf(cl->seen.last_error_why, sizeof cl->seen.last_error_why, "%s", why);
        }
    }
    if (i >= 0 && i == cl->watch && at >= cl->watch_from && !cl->seen.good_at)
        cl->seen.good_at = at;
    pthread_mutex_unlock(&cl->mu);
}

static bool stopped(struct wsl_client *cl)
{
    pthread_mutex_lock(&cl->mu);
    bool s = cl->stop;
    pthread_mutex_unlock(&cl->mu);
    return s;
}

static void *run(void *arg)
{
    struct wsl_client *cl = arg;
    while (!stopped(cl)) {
        int64_t start = wsl_monotonic_ms();
        char why[512] = "";
        int i = look(cl, why, sizeof why);
        record(cl, i, start, why);
        wsl_sleep_ms(WSL_CLIENT_PERIOD_MS - (long)(wsl_monotonic_ms() - start));
    }
    return NULL;
}

struct wsl_client *wsl_client_start(const struct wsl_app *app, const struct wsl_driver *d,
                                    struct wsl_conn *c, const struct wsl_endpoint *eps,
                                    size_t n)
{
    struct wsl_client *cl = wsl_xcalloc(1, sizeof *cl);
    pthread_mutex_init(&cl->mu, NULL);
    cl->app = app;
    cl->d = d;
    cl->c = c;
    cl->n = n < MAX_EPS ? n : MAX_EPS;
    memcpy(cl->eps, eps, cl->n * sizeof *eps);
    cl->watch = -1;
    cl->started = pthread_create(&cl->thread, NULL, run, cl) == 0;
    return cl;
}

void wsl_client_arm(struct wsl_client *cl)
{
    pthread_mutex_lock(&cl->mu);
    cl->armed = true;
    pthread_mutex_unlock(&cl->mu);
}

void wsl_client_watch(struct wsl_client *cl, size_t i)
{
    pthread_mutex_lock(&cl->mu);
    cl->watch = (int)i;
    cl->watch_from = wsl_monotonic_ms();
    cl->seen.good_at = 0;
    pthread_mutex_unlock(&cl->mu);
}

void wsl_client_seen(struct wsl_client *cl, struct wsl_client_seen *out)
{
    pthread_mutex_lock(&cl->mu);
    *out = cl->seen;
    pthread_mutex_unlock(&cl->mu);
}

void wsl_client_stop(struct wsl_client *cl)
{
    if (!cl)
        return;
    pthread_mutex_lock(&cl->mu);
    cl->stop = true;
    pthread_mutex_unlock(&cl->mu);
    if (cl->started)
        pthread_join(cl->thread, NULL);
    pthread_mutex_destroy(&cl->mu);
    free(cl);
}
