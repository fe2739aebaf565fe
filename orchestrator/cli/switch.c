/* wissel switch — the planned move of an application, with its data
 * (orchestrator/failover/switch.h). */
#include "lib/units.h"
#include "manifests/repo.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/failover/switch.h"

static const char *state, *to, *window;
static bool rollback;
static const struct wsl_opt opts[] = {
    {"to", 0, WSL_OPT_STRING, &to, "TARGET", "the placement to move to (one of its standbys)"},
    {"rollback", 0, WSL_OPT_FLAG, &rollback, NULL,
     "move back to where the last switch came from, within its window"},
    {"window", 0, WSL_OPT_STRING, &window, "DURATION", "rollback window (default 24h)"},
    {"state", 0, WSL_OPT_STRING, &state, "SPEC", "state directory or etcd://host:port,..."},
    {0}};

static int report(struct wsl_cli *cli, const json_t *r)
{
    if (cli->json) {
        json_dumpf(r, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', cli->out);
        return 0;
    }
    fprintf(cli->out, "switched from %s to %s", json_string_value(json_object_get(r, "from")),
            json_string_value(json_object_get(r, "to")));
    json_t *d = json_object_get(r, "downtime_ms");
    if (d)
        fprintf(cli->out, " (stopped for the copy: %.3f s)", (double)json_integer_value(d) / 1000);
    fprintf(cli->out, "\n");
    return 0;
}

static int do_switch(struct wsl_cli *cli, struct wsl_switch_opts *o)
{
    struct wsl_err err = {0};
    int rc = window ? wsl_duration_parse(window, &o->window_ms, &err) : 0;
    json_t *r = NULL;
    if (rc == 0)
        rc = wsl_switch_run(o, &r, &err);
    if (r && rc == 0)
        report(cli, r);
    if (rc) {
        wsl_cli_error(cli, "switch", "%s", err.msg);
        if (*err.hint)
            fprintf(cli->err, "  hint: %s\n", err.hint);
    }
    json_decref(r);
    return rc ? WSL_EXIT_FAIL : WSL_EXIT_OK;
}

static int run(int argc, char **argv, struct wsl_cli *cli)
{
    int nargs;
    int rc = wsl_cli_parse(&wsl_cmd_switch, argc, argv, cli, &nargs);
    if (rc != 0)
        return rc > 0 ? WSL_EXIT_OK : WSL_EXIT_USAGE;
    if (nargs < 1 || (!to) == (!rollback)) {
        wsl_cli_error(cli, "switch", "`wissel switch APP --to TARGET [PATH...]` or "
                      "`wissel switch APP --rollback [PATH...]`");
        return WSL_EXIT_USAGE;
    }
    struct wsl_cli_app c;
    rc = wsl_cli_open_app("switch", cli, argv, nargs, state, to, &c);
    struct wsl_switch_opts o = {c.repo, c.st, c.rev, c.app, c.to, rollback, 0,
                                wsl_cli_progress, cli};
    if (rc == 0)
        rc = do_switch(cli, &o);
    wsl_cli_close_repo(c.repo, c.st);
    return rc;
}

const struct wsl_cmd wsl_cmd_switch = {
    "switch", run, "move an application to another placement, with its data",
    "wissel switch APP --to TARGET [options] [PATH...]\n"
    "       wissel switch APP --rollback [options] [PATH...]",
    "The planned move (an exit from a provider): deploys APP at TARGET (one of its\n"
    "placements: add it to spec.placement.standby first); when APP has volume resources,\n"
    "stops it at both ends and copies each volume's contents from the old target to the new\n"
    "one through wissel (Docker); starts it at TARGET, waits until it is healthy and its\n"
    "route answers, and moves DNS. Every step is in the journal; the move holds like a\n"
    "failover until git's placement agrees (make TARGET the primary in git). The old\n"
    "placement is kept: --rollback within --window moves back, data included. See\n"
    "docs/failover.md.",
    opts};
