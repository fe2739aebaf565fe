/*
 * policy.h — checking placements against the Policy rules before anything is planned.
 *
 * A rule matches applications (by classification, criticality, name; all of them when its
 * match is empty) and requires things of their placements: that every target of the
 * placement (primary and standbys) is under one of the named jurisdictions, that a standby
 * exists, and that a failover drill passed recently. A plan that would break a rule is
 * refused with the rule's name, the application and the target.
 */
#ifndef WSL_POLICY_H
#define WSL_POLICY_H

#include "lib/diag.h"
#include "manifests/repo.h"

#include <stdint.h>

/* What the journal knows of an application, for drillWithinDays. Times are Unix seconds;
 * 0 means never. */
struct wsl_app_history {
    int64_t first_applied; /* the first successful apply */
    int64_t last_drill_passed;
};

/* Look up an application's history; NULL means no history is available (every
 * application is then treated as never applied and never drilled). */
typedef void (*wsl_history_fn)(void *ctx, const char *app, struct wsl_app_history *out);

struct wsl_policy_check {
    const struct wsl_repo *repo;
    wsl_history_fn history;
    void *ctx;
    int64_t now; /* Unix seconds */
};

/* Check app against every rule of every Policy in the repository. Each violation is added
 * to d as an error positioned at the rule, naming the rule, the application and the
 * target. Returns the number of violations. */
size_t wsl_policy_check_app(const struct wsl_policy_check *c, const struct wsl_app *app,
                            struct wsl_diags *d);
/* The first rule in the repository that applies to app and requires a standby, or NULL. */
const struct wsl_rule *wsl_policy_standby_rule(const struct wsl_repo *repo,
                                               const struct wsl_app *app);
/* Whether rule r applies to app. */
bool wsl_policy_matches(const struct wsl_rule *r, const struct wsl_app *app);

#endif
