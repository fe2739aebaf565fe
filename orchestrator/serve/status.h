/*
 * status.h — what `wissel serve` knows about itself, shared between the reconciler's
 * threads (which report) and the HTTP server's (which read): the git source, every
 * placement's last reconcile and health, every target's reachability, webhooks.
 *
 * Every function is thread-safe (one mutex). Readers get a rendering — Prometheus text
 * (wsl_status_metrics) or JSON for the status API — made under the lock, so a scrape
 * never sees a placement half-updated. Nothing here holds a credential: URLs are stored
 * as the caller passes them (already without user:password@), messages are the errors'
 * own, which never carry secrets (lib/err.h).
 */
#ifndef WSL_SERVE_STATUS_H
#define WSL_SERVE_STATUS_H

#include "lib/buf.h"
#include "orchestrator/engine/apply.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct wsl_status;

struct wsl_status *wsl_status_new(void);
void wsl_status_free(struct wsl_status *s);

/* The source: what is tracked (for the API; url without credentials). */
void wsl_status_source(struct wsl_status *s, const char *url, const char *ref);
/* A fetch ended: rc 0 with the revision it found, or the error's code and message. */
void wsl_status_fetch(struct wsl_status *s, int rc, const char *revision, const char *msg,
                      int64_t duration_ms);
/* The revision's signature check: accepted (signer) or rejected (reason); revision NULL
 * when signatures are not required. */
void wsl_status_signature(struct wsl_status *s, const char *revision, bool accepted,
                          const char *signer_or_reason);
/* The manifests at revision were loaded (rc 0) or refused (invalid, policy: msg), in
 * duration_ms. */
void wsl_status_load(struct wsl_status *s, const char *revision, int rc, const char *msg,
                     int64_t duration_ms);
/* Leadership changed. Ready: leading, and the first revision loaded (or refused) since;
 * a standby is not ready, so that a Service sends webhooks to the leader. */
void wsl_status_leader(struct wsl_status *s, bool leading);
bool wsl_status_ready(struct wsl_status *s);
/* A webhook delivery was answered: kind ("github", ...) and verdict ("push", "ignored",
 * "unauthorized", "malformed", "too-large"). */
void wsl_status_webhook(struct wsl_status *s, const char *kind, const char *verdict);
/* A trigger (a webhook's push) was accepted. The fetch it causes ends it: with
 * reconciling true when the new revision was handed to the targets' workers, which
 * records the time since the trigger (the webhook-to-reconcile latency); false when the
 * fetch found nothing new to reconcile. */
void wsl_status_trigger(struct wsl_status *s);
void wsl_status_trigger_done(struct wsl_status *s, bool reconciling);

/* One placement's reconcile ended. */
struct wsl_placement_report {
    const char *app, *target, *revision;
    int rc;                 /* 0 or the error's code */
    const char *message;    /* the error when rc != 0 */
    bool applied;           /* actions were carried out (not a no-op) */
    bool drift;             /* ... at a revision already applied: a drift correction */
    int64_t duration_ms;    /* plan and apply */
    bool health_known;
    enum wsl_health_state health;
    const char *health_reason;
};
void wsl_status_placement(struct wsl_status *s, const struct wsl_placement_report *r);
/* A target's pass ended: up says whether it could be reached and planned (msg: why not);
 * next_retry_ms > 0 when failures are retried after that long. */
void wsl_status_target(struct wsl_status *s, const char *target, const char *provider, bool up,
                       const char *msg, int64_t next_retry_ms);

/* The monitor probed a placement: known says whether it has a verdict yet (enough probes
 * in a row), up what it is; reason why the last probe failed (NULL or "" after a good one). */
void wsl_status_probe(struct wsl_status *s, const char *app, const char *target, bool known,
                      bool up, const char *reason);
/* A failover (or failback) of app to target `to` ended. */
void wsl_status_failover(struct wsl_status *s, const char *app, const char *to, bool ok);

/* Renderings. */
void wsl_status_metrics(struct wsl_status *s, struct wsl_buf *out);
json_t *wsl_status_applications(struct wsl_status *s);
json_t *wsl_status_targets(struct wsl_status *s);
json_t *wsl_status_source_json(struct wsl_status *s);

#endif
