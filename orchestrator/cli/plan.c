/* wissel plan — what apply would change, per target, without changing anything. */
#include "orchestrator/cli/cli.h"
#include "orchestrator/cli/show.h"
#include "orchestrator/engine/plan.h"

static const char *app, *target, *state;
static bool force_conflicts, detailed;
static const struct wsl_opt opts[] = {
    {"app", 'a', WSL_OPT_STRING, &app, "NAME", "only this application"},
    {"target", 't', WSL_OPT_STRING, &target, "NAME", "only this target"},
    {"state", 0, WSL_OPT_STRING, &state, "SPEC", "state directory or etcd://host:port,..."},
    {"force-conflicts", 0, WSL_OPT_FLAG, &force_conflicts, NULL,
     "plan to take over objects wissel does not own"},
    {"detailed-exitcode", 0, WSL_OPT_FLAG, &detailed, NULL,
     "exit 0 without changes, 2 with changes, 1 on errors"},
    {0}};

static int run(int argc, char **argv, struct wsl_cli *cli)
{
    int nargs;
    int rc = wsl_cli_parse(&wsl_cmd_plan, argc, argv, cli, &nargs);
    if (rc != 0)
        return rc > 0 ? WSL_EXIT_OK : WSL_EXIT_USAGE;
    struct wsl_cli_paths paths = wsl_cli_paths(argv, nargs);
    struct wsl_rc_opts o = {.paths = paths.v, .npaths = paths.n, .app = app, .target = target,
                            .plan_flags = force_conflicts ? WSL_PLAN_TAKE_OVER : 0u,
                            .state = state};
    struct wsl_reconcile *r;
    struct wsl_err err = {0};
    rc = wsl_reconcile_load(&o, &r, &err);
    if (rc != 0) {
        wsl_show_load_failure(r, rc, &err, cli, "plan");
        wsl_reconcile_free(r);
        return WSL_EXIT_FAIL;
    }
    size_t failed = wsl_reconcile_plan(r, &o), changes;
    if (cli->json) {
        json_t *j = wsl_show_plan_json(r);
        changes = (size_t)json_integer_value(json_object_get(j, "changes"));
        json_dumpf(j, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', cli->out);
        json_decref(j);
    } else {
        changes = wsl_show_plan(r, cli->out);
    }
    wsl_reconcile_free(r);
    if (failed)
        return WSL_EXIT_FAIL;
    return detailed && changes ? 2 : WSL_EXIT_OK;
}

const struct wsl_cmd wsl_cmd_plan = {
    "plan", run, "show what apply would change at each target",
    "wissel plan [options] [PATH...]",
    "Loads the manifests under PATH (default: the current folder), checks them and the\n"
    "policies, then for every placement (application at target) renders the desired\n"
    "objects, observes what exists and prints the difference: + create, ~ update (with the\n"
    "fields that changed), - delete, = unchanged. Nothing is changed. When an observation\n"
    "was incomplete, no delete is planned and the plan says why.\n"
    "\n"
    "Exit status: 0 success, 1 errors (invalid manifests, a policy refusal, a target that\n"
    "could not be observed), 2 usage; with --detailed-exitcode: 0 no changes, 2 changes,\n"
    "1 errors.",
    opts};
