#include "orchestrator/failover/probe.h"

#include "lib/buf.h"
#include "lib/http.h"
#include "providers/registry.h"

#include <stdio.h>
#include <string.h>

int wsl_probe_count(struct wsl_probe_count *s, bool ok, const struct wsl_health_probe *p)
{
    if (ok) {
        s->fails = 0;
        s->oks++;
    } else {
        s->oks = 0;
        s->fails++;
    }
    if (!ok && s->fails >= p->failures && (!s->known || !s->down)) {
        s->known = s->down = true;
        return -1;
    }
    if (ok && s->oks >= p->successes && (!s->known || s->down)) {
        s->known = true;
        s->down = false;
        return 1;
    }
    return 0;
}

static void route_url(const struct wsl_app *a, const struct wsl_endpoint *e, struct wsl_buf *u)
{
    bool v6 = strchr(e->value, ':') != NULL;
    wsl_buf_printf(u, "%s://%s%s%s", a->spec.route.tls ? "https" : "http", v6 ? "[" : "",
                   e->value, v6 ? "]" : "");
    if (e->port)
        wsl_buf_printf(u, ":%d", e->port);
    wsl_buf_printf(u, "%s", a->spec.failover.probe.path); /* the loader's default: /healthz */
}

bool wsl_probe_route(const struct wsl_app *a, const struct wsl_endpoint *e, char *why,
                     size_t n)
{
    struct wsl_buf url = WSL_BUF_INIT, host = WSL_BUF_INIT;
    route_url(a, e, &url);
    wsl_buf_printf(&host, "Host: %s", a->spec.route.host ? a->spec.route.host : e->value);
    long ms = (long)a->spec.failover.probe.timeout_ms; /* the loader's default: 2 s */
    struct wsl_http_opts o = {.timeout_ms = ms, .connect_timeout_ms = ms, .total_timeout_ms = ms,
                              .max_retries = -1};
    const char *headers[] = {wsl_buf_str(&host), NULL};
    struct wsl_err err = {0};
    struct wsl_http *h = wsl_http_new(&o, &err);
    struct wsl_http_req req = {.method = "GET", .url = wsl_buf_str(&url), .headers = headers};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    int rc = h ? wsl_http_do(h, &req, &resp, &err) : WSL_E_INVALID;
    bool ok = rc == 0; /* an answer below 400 */
    if (!ok && rc == WSL_E_HTTP)
        snprintf(why, n, "GET %s answered %ld", wsl_buf_str(&url), resp.status);
    else if (!ok)
        snprintf(why, n, "GET %s: %s", wsl_buf_str(&url), err.msg);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    wsl_buf_free(&url);
    wsl_buf_free(&host);
    return ok;
}

bool wsl_probe_placement(const struct wsl_driver *d, struct wsl_conn *c,
                         const struct wsl_app *a, char *why, size_t n)
{
    struct wsl_err err = {0};
    struct wsl_endpoint e = {0};
    if (!d->endpoint || d->endpoint(c, a, &e, &err) != 0) {
        snprintf(why, n, "no address to probe: %s", d->endpoint ? err.msg : "the driver has none");
        return false;
    }
    return wsl_probe_route(a, &e, why, n);
}

bool wsl_probe_target(const struct wsl_target *t, const struct wsl_app *a, char *why,
                      size_t n)
{
    const struct wsl_driver *d;
    struct wsl_conn *c;
    struct wsl_err err = {0};
    if (wsl_driver_open(t, &d, &c, &err) != 0) {
        snprintf(why, n, "cannot reach %s: %s", t->metadata.name, err.msg);
        return false;
    }
    bool ok = wsl_probe_placement(d, c, a, why, n);
    d->close(c);
    return ok;
}
