/*
 * apply.h — carry out a plan at one target, then wait for the application to be healthy.
 *
 * Actions run on worker threads, at most max_parallel at once. An action starts only when
 * every action it waits for (struct wsl_plan's wait lists: the objects it depends on) has
 * finished well; deletes start only after every create and update has. A transient
 * failure (WSL_E_NET, WSL_E_TIMEOUT) is retried with exponential backoff and full jitter;
 * any other failure, or a transient one that outlived its retries, is hard: no new action
 * starts, the running ones are waited for, the rest are marked skipped, and the error names
 * the object, the action and the driver's message. Drivers' apply() is idempotent, so
 * running the whole thing again after any failure (or a crash) converges.
 *
 * Journal. Before an action starts, record() receives {"type":"action.start", "app",
 * "target", "kind", "name", "action"}; when it ends, always — success, failure, time-out —
 * {"type":"action.end", ... "result":"ok"|"error", "code", "message", "attempts",
 * "duration_ms"}. An action whose start could not be recorded does not run, and any
 * failure of record() stops the apply before the next action; so the one way to a start
 * without an end is a journal that refused the end (or a process that died meanwhile:
 * the next plan observes what the action did).
 *
 * Time. target_timeout_ms bounds the whole apply: no action starts, and no retry is made,
 * after it; the health wait ends at it too. An action already in a driver's hands is not
 * interrupted (drivers bound their own calls): it is waited for and recorded as it ended.
 *
 * Callbacks (progress, record) are called from the thread that called wsl_apply_run(),
 * one at a time, never from the workers.
 */
#ifndef WSL_ENGINE_APPLY_H
#define WSL_ENGINE_APPLY_H

#include "lib/err.h"
#include "orchestrator/engine/clock.h"
#include "orchestrator/engine/plan.h"
#include "providers/provider.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* How an action ended. */
enum wsl_apply_status {
    WSL_APPLY_NOOP,    /* nothing to do (a no-op action) */
    WSL_APPLY_OK,      /* done */
    WSL_APPLY_FAILED,  /* the driver failed: code and message say how */
    WSL_APPLY_SKIPPED, /* never started: the message says why */
};

struct wsl_action_result {
    enum wsl_apply_status status;
    int code;          /* FAILED: enum wsl_code of the last attempt */
    int attempts;      /* driver calls made (0: not started) */
    long duration_ms;  /* from start to end, retries and waits included */
    char *message;     /* FAILED and SKIPPED: for the user; NULL otherwise */
};

struct wsl_apply_result {
    struct wsl_action_result *v; /* one per plan action, same index */
    size_t n;
    size_t ok, failed, skipped;  /* actions per outcome (no-ops are none of these) */
    bool health_checked;         /* health was asked at least once */
    struct wsl_health health;    /* the last answer (or why there was none) */
    long duration_ms;            /* the whole apply, health wait included */
};

/* What wsl_apply_run() tells the progress callback. */
enum wsl_apply_phase {
    WSL_APPLY_EV_STARTED,  /* an action was handed to the driver */
    WSL_APPLY_EV_FINISHED, /* an action ended: result says how */
    WSL_APPLY_EV_SKIPPED,  /* an action will not run: result->message says why */
    WSL_APPLY_EV_HEALTH,   /* a health answer arrived: health */
};

struct wsl_apply_event {
    enum wsl_apply_phase phase;
    size_t index;                           /* the action's index in the plan */
    const struct wsl_action *action;        /* NULL for WSL_APPLY_HEALTH */
    const struct wsl_action_result *result; /* FINISHED, SKIPPED */
    const struct wsl_health *health;        /* HEALTH */
};

/* Options. Zero means "default" for each field, as for struct wsl_http_opts. */
struct wsl_apply_opts {
    int max_parallel;        /* actions at once; default 4 */
    int retries;             /* retries of a transient failure; default 3, negative: none */
    long retry_base_ms;      /* first backoff ceiling, doubling per retry up to 10 s;
                                default 200 */
    long target_timeout_ms;  /* the whole apply at this target; default 600 000 */
    long health_timeout_ms;  /* the health wait after the actions; default 300 000,
                                negative: do not wait (health is not asked) */
    long health_interval_ms; /* between health polls; default 2 000 */
    const char *target;      /* the target's name, for messages and journal events */
    /* Progress for live output; may be NULL. */
    void (*progress)(void *ctx, const struct wsl_apply_event *ev);
    /* Journal: store the event durably and return 0, or fail (negative enum wsl_code).
     * The event is borrowed for the call. May be NULL (nothing is recorded). */
    int (*record)(void *ctx, const json_t *event);
    void *ctx;               /* for progress and record */
    struct wsl_clock clock;  /* zero: the system's; tests pass a fake (used from the
                                worker threads too: it must be thread-safe) */
    uint64_t seed;           /* of the backoff jitter; 0: from the clock */
    /* The git commit (40 lowercase hex digits) the plan was made from, or NULL (or "")
     * when not known. Copied into every action handed to the driver (struct wsl_action's
     * revision), which records it on the objects it creates or updates; it is in no
     * rendered body and no fingerprint, so a new commit that changes nothing plans
     * nothing. Anything else is refused (WSL_E_INVALID) before any action runs. */
    const char *revision;
};

/* Apply plan (made from this driver's objects for app) over connection c, which the
 * worker threads share (see apply() in providers/provider.h). opts may be NULL for the
 * defaults. Fills *res (one result per action; free it with wsl_apply_result_free(), also
 * after a failure) and returns 0 when every action succeeded and the application became
 * ready (or the health wait was switched off). Otherwise returns the first hard failure:
 * the driver's code naming the object and action; WSL_E_TIMEOUT when the target's time
 * ran out or health did not become ready in time; WSL_E_UNHEALTHY when health reports
 * failure (the reason is in the message and in res->health); record()'s code when the
 * journal failed. */
int wsl_apply_run(const struct wsl_driver *d, struct wsl_conn *c, const struct wsl_app *app,
                  const struct wsl_plan *plan, const struct wsl_apply_opts *opts,
                  struct wsl_apply_result *res, struct wsl_err *err);

/* Free the results' messages and array; the struct is left empty. */
void wsl_apply_result_free(struct wsl_apply_result *res);

/* "ok", "failed", "skipped" or "no-op". */
const char *wsl_apply_status_name(enum wsl_apply_status s);

#endif
