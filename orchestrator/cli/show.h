/* show.h — printing plans and problems, shared by `wissel plan` and `wissel apply`. */
#ifndef WSL_CLI_SHOW_H
#define WSL_CLI_SHOW_H

#include "orchestrator/cli/cli.h"
#include "orchestrator/reconcile/reconcile.h"

#include <jansson.h>

/* Print the plan of every placement, per target, with the changed fields; and a closing
 * "Plan: ..." line. Returns the number of changes (creates, updates, deletes). */
size_t wsl_show_plan(const struct wsl_reconcile *r, FILE *out);
/* The same as JSON (new reference). */
json_t *wsl_show_plan_json(const struct wsl_reconcile *r);
/* An error of command cmd: text (the diagnostics when given, the message and its hint) on
 * stderr, or with --output json {"error", "message", "diagnostics"} on stdout. */
void wsl_show_error(struct wsl_cli *cli, const char *cmd, int rc, const struct wsl_err *err,
                    const struct wsl_diags *diags);
/* Print why loading stopped: manifest errors, policy violations, or err. */
void wsl_show_load_failure(const struct wsl_reconcile *r, int rc, const struct wsl_err *err,
                           struct wsl_cli *cli, const char *cmd);
/* Print the error of a placement that could not be planned. */
void wsl_show_item_error(const struct wsl_placement_item *it, FILE *out);

#endif
