#include "orchestrator/serve/routes.h"

#include "lib/log.h"
#include "orchestrator/server/webhook.h"
#include "orchestrator/state/state.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wsl_routes_init(struct wsl_routes *r)
{
    pthread_mutex_init(&r->mu, NULL);
    r->st = NULL;
}

void wsl_routes_free(struct wsl_routes *r)
{
    wsl_state_close(r->st);
    r->st = NULL;
    pthread_mutex_destroy(&r->mu);
}

static bool is_commit(const char *s)
{
    size_t n = 0;
    while (isxdigit((unsigned char)s[n]))
        n++;
    return n == 40 && !s[n];
}

bool wsl_routes_ref_matches(const char *tracked, const char *ref)
{
    if (!tracked)
        return true;
    if (is_commit(tracked))
        return false; /* a pinned commit: no push moves it */
    if (!strncmp(tracked, "semver:", 7))
        return !strncmp(ref, "refs/tags/", 10);
    if (!strncmp(tracked, "refs/", 5))
        return !strcmp(tracked, ref);
    const char *name = !strncmp(ref, "refs/heads/", 11) ? ref + 11
                       : !strncmp(ref, "refs/tags/", 10) ? ref + 10
                                                          : NULL;
    return name && !strcmp(name, tracked);
}

/* --- answers ---------------------------------------------------------------------------- */

static void text(struct wsl_srv_response *res, int status, const char *msg)
{
    res->status = status;
    wsl_buf_puts(&res->body, msg);
    wsl_buf_putc(&res->body, '\n');
}

static void json(struct wsl_srv_response *res, int status, json_t *v)
{
    res->status = status;
    res->content_type = "application/json";
    char *s = json_dumps(v, JSON_COMPACT);
    wsl_buf_puts(&res->body, s ? s : "null");
    wsl_buf_putc(&res->body, '\n');
    free(s);
    json_decref(v);
}

static void error(struct wsl_srv_response *res, int status, const char *msg)
{
    json(res, status, json_pack("{s:s}", "error", msg));
}

/* --- the journal ------------------------------------------------------------------------ */

/* The value of query parameter name (undecoded: names and numbers need none) into out. */
static bool query_param(const struct wsl_srv_request *req, const char *name, char *out,
                        size_t n)
{
    size_t len = strlen(name);
    for (const char *p = req->query; p && *p;) {
        const char *end = strchr(p, '&');
        size_t plen = end ? (size_t)(end - p) : strlen(p);
        if (plen > len && !strncmp(p, name, len) && p[len] == '=') {
            snprintf(out, n, "%.*s", (int)(plen - len - 1), p + len + 1);
            return true;
        }
        p = end ? end + 1 : NULL;
    }
    return false;
}

static void history(struct wsl_routes *r, const struct wsl_srv_request *req,
                    struct wsl_srv_response *res)
{
    char app[256] = "", target[256] = "", limit[16] = "";
    query_param(req, "app", app, sizeof app);
    query_param(req, "target", target, sizeof target);
    query_param(req, "limit", limit, sizeof limit);
    char *end;
    long n = limit[0] ? strtol(limit, &end, 10) : 100;
    if (limit[0] && (*end || n < 1 || n > 10000))
        return error(res, 400, "limit must be a number from 1 to 10000");
    struct wsl_state_query q = {.app = app[0] ? app : NULL, .target = target[0] ? target : NULL,
                                .limit = (size_t)n, .newest = true};
    struct wsl_err err = {0};
    json_t *recs = NULL;
    pthread_mutex_lock(&r->mu);
    int rc = r->st ? 0 : wsl_state_open(r->state, &r->st, &err);
    if (rc == 0)
        rc = wsl_state_read(r->st, &q, &recs, &err);
    pthread_mutex_unlock(&r->mu);
    if (rc != 0)
        return error(res, 503, err.msg);
    json(res, 200, json_pack("{s:o}", "records", recs));
}

/* --- webhooks --------------------------------------------------------------------------- */

static void hook(struct wsl_routes *r, const char *kind_name, const struct wsl_srv_request *req,
                 struct wsl_srv_response *res)
{
    enum wsl_hook_kind kind;
    if (!wsl_hook_kind_parse(kind_name, &kind))
        return error(res, 404, "no such webhook: use /hooks/github, /hooks/gitlab, "
                               "/hooks/gitea, /hooks/forgejo or /hooks/generic");
    if (strcmp(req->method, "POST"))
        return error(res, 405, "webhooks are POST requests");
    struct wsl_hook_result h;
    wsl_hook_check(kind, req->header, req->hctx, req->body, req->len, r->secret, r->secret_len,
                   &h);
    bool fetch = h.verdict == WSL_HOOK_PUSH && wsl_routes_ref_matches(r->ref, h.ref);
    const char *verdict = fetch ? "push" : h.verdict == WSL_HOOK_PUSH ? "other-ref"
                                                                      : wsl_hook_verdict_name(h.verdict);
    wsl_status_webhook(r->status, wsl_hook_kind_name(kind), verdict);
    wsl_log(h.verdict == WSL_HOOK_UNAUTHORIZED ? WSL_LOG_WARN : WSL_LOG_INFO, "serve",
            "webhook", "kind", wsl_hook_kind_name(kind), "verdict", verdict, "ref", h.ref,
            "why", h.why, NULL);
    if (fetch) {
        wsl_status_trigger(r->status);
        wsl_ctl_trigger(r->ctl);
        return json(res, 202, json_pack("{s:s, s:s}", "result", "fetching", "ref", h.ref));
    }
    switch (h.verdict) {
    case WSL_HOOK_UNAUTHORIZED:
        return error(res, 401, h.why);
    case WSL_HOOK_MALFORMED:
        return error(res, 400, h.why);
    default:
        return json(res, 200, json_pack("{s:s, s:s}", "result", "ignored", "why",
                                        h.verdict == WSL_HOOK_PUSH
                                            ? "the push is to a ref wissel does not track"
                                            : h.why));
    }
}

/* --- routing ---------------------------------------------------------------------------- */

static void get(struct wsl_routes *r, const struct wsl_srv_request *req,
                struct wsl_srv_response *res)
{
    const char *p = req->path;
    if (!strcmp(p, "/healthz"))
        return text(res, 200, "ok");
    if (!strcmp(p, "/readyz"))
        return wsl_status_ready(r->status) ? text(res, 200, "ready")
                                           : text(res, 503, "not ready: a standby, or no revision loaded yet");
    if (!strcmp(p, "/metrics")) {
        res->status = 200;
        res->content_type = "text/plain; version=0.0.4; charset=utf-8";
        return wsl_status_metrics(r->status, &res->body);
    }
    if (!strcmp(p, "/api/v1/applications"))
        return json(res, 200, wsl_status_applications(r->status));
    if (!strcmp(p, "/api/v1/targets"))
        return json(res, 200, wsl_status_targets(r->status));
    if (!strcmp(p, "/api/v1/source"))
        return json(res, 200, wsl_status_source_json(r->status));
    if (!strcmp(p, "/api/v1/history"))
        return history(r, req, res);
    error(res, 404, "not found: see /api/v1/applications, /api/v1/targets, /api/v1/source, "
                    "/api/v1/history, /metrics, /healthz, /readyz");
}

void wsl_routes_handle(void *ctx, const struct wsl_srv_request *req,
                       struct wsl_srv_response *res)
{
    struct wsl_routes *r = ctx;
    if (!strncmp(req->path, "/hooks/", 7))
        return hook(r, req->path + 7, req, res);
    if (strcmp(req->method, "GET") && strcmp(req->method, "HEAD"))
        return error(res, 405, "only GET and HEAD here");
    get(r, req, res);
}
