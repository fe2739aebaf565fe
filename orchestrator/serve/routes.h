/*
 * routes.h — what `wissel serve` answers over HTTP (orchestrator/server/server.h):
 *
 *   GET  /healthz                 200 while the process runs
 *   GET  /readyz                  200 once the leader has loaded the first revision; 503
 *                                 before, and on a standby (webhooks go to the leader)
 *   GET  /metrics                 Prometheus text format (orchestrator/serve/status.h)
 *   GET  /api/v1/applications     every placement's last reconcile and health (JSON)
 *   GET  /api/v1/targets          every target's reachability (JSON)
 *   GET  /api/v1/source           the git source: revision, fetch errors, signature (JSON)
 *   GET  /api/v1/history          the journal, newest last (?app=, ?target=, ?limit=)
 *   POST /hooks/{github,gitlab,gitea,forgejo,generic}
 *                                 a forge's push: 202 and a fetch at once when it is
 *                                 authentic and moves the tracked ref; 200 when authentic
 *                                 but for another ref or event; 401 when not authentic;
 *                                 400 when authentic but unreadable. Only 202 fetches.
 *
 * The handler is called from the server's threads at once: everything it touches is
 * thread-safe (the status, the controller's trigger; the journal through its own store
 * under a mutex).
 */
#ifndef WSL_SERVE_ROUTES_H
#define WSL_SERVE_ROUTES_H

#include "orchestrator/serve/controller.h"
#include "orchestrator/server/server.h"

#include <pthread.h>

struct wsl_routes {
    struct wsl_status *status;
    struct wsl_ctl *ctl;
    const unsigned char *secret; /* the webhooks' shared secret (NULL: every delivery is
                                    refused with 401) */
    size_t secret_len;
    const char *ref;             /* the tracked ref as given (--ref), NULL: any push */
    const char *state;           /* the state spec, for /api/v1/history */
    pthread_mutex_t mu;          /* guards st */
    struct wsl_state *st;        /* opened on the first history request */
};

void wsl_routes_init(struct wsl_routes *r);
void wsl_routes_free(struct wsl_routes *r);
/* The server's handler; ctx is a struct wsl_routes. */
void wsl_routes_handle(void *ctx, const struct wsl_srv_request *req,
                       struct wsl_srv_response *res);
/* Whether a push to ref (refs/heads/main, refs/tags/v1.2.0) can move what `tracked`
 * (--ref: a branch, a tag, refs/..., semver:RANGE or a commit) selects. */
bool wsl_routes_ref_matches(const char *tracked, const char *ref);

#endif
