/* wissel switch — the planned move of an application, with its data
 * (orchestrator/failover/switch.h). */
#include "lib/units.h"
#include "manifests/repo.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/failover/switch.h"

#include <string.h>

static const char *state, *to, *window;
static bool rollback, decommission, commit;
static const struct wsl_opt opts[] = {
    {"to", 0, WSL_OPT_STRING, &to, "TARGET", "the placement to move to (one of its standbys)"},
    {"rollback", 0, WSL_OPT_FLAG, &rollback, NULL,
     "move back to where the last switch came from, within its window"},
    {"decommission", 0, WSL_OPT_FLAG, &decommission, NULL,
     "once the window has closed, remove what the last switch left behind"},
    {"commit", 0, WSL_OPT_FLAG, &commit, NULL,
     "write the new placement into the Application's file and commit it (git)"},
    {"window", 0, WSL_OPT_STRING, &window, "DURATION", "the switch's rollback window "
     "(default 24h)"},
    {"state", 0, WSL_OPT_STRING, &state, "SPEC", "state directory or etcd://host:port,..."},
    {0}};

static void fail(struct wsl_cli *cli, const struct wsl_err *err)
{
    wsl_cli_error(cli, "switch", "%s", err->msg);
    if (*err->hint)
        fprintf(cli->err, "  hint: %s\n", err->hint);
}

static void report(struct wsl_cli *cli, const json_t *r)
{
    if (cli->json) {
        json_dumpf(r, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', cli->out);
        return;
    }
    const char *kept = json_string_value(json_object_get(r, "kept"));
    json_t *d = json_object_get(r, "downtime_ms");
    if (json_object_get(r, "deleted"))
        fprintf(cli->out, "decommissioned at %s: %lld objects deleted%s%s\n",
                json_string_value(json_object_get(r, "target")),
                (long long)json_integer_value(json_object_get(r, "deleted")),
                kept && *kept ? "; " : "", kept ? kept : "");
    else if (d)
        fprintf(cli->out, "switched from %s to %s (stopped for the copy: %.3f s)\n",
                json_string_value(json_object_get(r, "from")),
                json_string_value(json_object_get(r, "to")),
                (double)json_integer_value(d) / 1000);
    else
        fprintf(cli->out, "switched from %s to %s\n",
                json_string_value(json_object_get(r, "from")),
                json_string_value(json_object_get(r, "to")));
    const char *rev = json_string_value(json_object_get(r, "commit"));
    if (rev)
        fprintf(cli->out, "%s\n", *rev ? rev : "git already says so: nothing to commit");
}

/* Make git say that app runs at primary (and not at drop); r["commit"] says how. */
static int commit_placement(struct wsl_cli *cli, const struct wsl_repo *repo,
                            const struct wsl_app *app, const char *primary, const char *drop,
                            json_t *r)
{
    char msg[1024], rev[41];
    if (drop)
        snprintf(msg, sizeof msg, "Decommission %s at %s\n\nThe rollback window of its switch "
                 "to %s has closed: wissel switch --decommission removes it from %s.\n",
                 app->metadata.name, drop, primary, drop);
    else
        snprintf(msg, sizeof msg, "Switch %s to %s\n\nwissel switch moved %s to %s: it is "
                 "the primary now, and where it ran before is a standby.\n",
                 app->metadata.name, primary, app->metadata.name, primary);
    struct wsl_err err = {0};
    int rc = wsl_switch_commit(repo, app, primary, drop, msg, rev, &err);
    if (rc) {
        fail(cli, &err);
        return WSL_EXIT_FAIL;
    }
    char line[256] = "";
    if (rev[0]) /* with the message's subject */
        snprintf(line, sizeof line, "committed %.12s: %.*s", rev, (int)strcspn(msg, "\n"), msg);
    json_object_set_new(r, "commit", json_string(line));
    return WSL_EXIT_OK;
}

static int do_switch(struct wsl_cli *cli, struct wsl_switch_opts *o)
{
    struct wsl_err err = {0};
    int rc = window ? wsl_duration_parse(window, &o->window_ms, &err) : 0;
    json_t *r = NULL;
    if (rc == 0)
        rc = wsl_switch_run(o, &r, &err);
    if (rc)
        fail(cli, &err);
    int exit = rc ? WSL_EXIT_FAIL : WSL_EXIT_OK;
    if (rc == 0 && commit)
        exit = commit_placement(cli, o->repo, o->app,
                                json_string_value(json_object_get(r, "to")), NULL, r);
    if (rc == 0)
        report(cli, r);
    json_decref(r);
    return exit;
}

/* Commit first (git must stop deploying there), then load git again and remove. */
static int do_decommission(struct wsl_cli *cli, char **argv, int nargs, struct wsl_cli_app *c)
{
    struct wsl_switch_opts o = {c->repo, c->st, c->rev, c->app, NULL, false, 0,
                                wsl_cli_progress, cli};
    const struct wsl_target *left = NULL, *here = NULL;
    struct wsl_err err = {0};
    json_t *r = json_object(), *done = NULL;
    int rc = wsl_switch_leftover(&o, &left, &here, &err) ? WSL_EXIT_FAIL : WSL_EXIT_OK;
    if (rc)
        fail(cli, &err);
    if (rc == 0 && commit)
        rc = commit_placement(cli, c->repo, c->app, here->metadata.name, left->metadata.name,
                              r);
    if (rc == 0 && commit) {
        wsl_cli_close_repo(c->repo, c->st);
        rc = wsl_cli_open_app("switch", cli, argv, nargs, state, NULL, c);
        o = (struct wsl_switch_opts){c->repo, c->st, c->rev, c->app, NULL, false, 0,
                                     wsl_cli_progress, cli};
    }
    if (rc == 0 && wsl_switch_decommission(&o, &done, &err) != 0) {
        fail(cli, &err);
        rc = WSL_EXIT_FAIL;
    }
    if (rc == 0) {
        json_object_update(done, r);
        report(cli, done);
    }
    json_decref(done);
    json_decref(r);
    return rc;
}

static int run(int argc, char **argv, struct wsl_cli *cli)
{
    int nargs;
    int rc = wsl_cli_parse(&wsl_cmd_switch, argc, argv, cli, &nargs);
    if (rc != 0)
        return rc > 0 ? WSL_EXIT_OK : WSL_EXIT_USAGE;
    if (nargs < 1 || (!!to + rollback + decommission) != 1) {
        wsl_cli_error(cli, "switch", "`wissel switch APP --to TARGET [PATH...]`, "
                      "`wissel switch APP --rollback [PATH...]` or "
                      "`wissel switch APP --decommission [PATH...]`");
        return WSL_EXIT_USAGE;
    }
    struct wsl_cli_app c;
    rc = wsl_cli_open_app("switch", cli, argv, nargs, state, to, &c);
    struct wsl_switch_opts o = {c.repo, c.st, c.rev, c.app, c.to, rollback, 0,
                                wsl_cli_progress, cli};
    if (rc == 0)
        rc = decommission ? do_decommission(cli, argv, nargs, &c) : do_switch(cli, &o);
    wsl_cli_close_repo(c.repo, c.st);
    return rc;
}

const struct wsl_cmd wsl_cmd_switch = {
    "switch", run, "move an application to another placement, with its data",
    "wissel switch APP --to TARGET [--commit] [--window DURATION] [options] [PATH...]\n"
    "       wissel switch APP --rollback [--commit] [options] [PATH...]\n"
    "       wissel switch APP --decommission [--commit] [options] [PATH...]",
    "The planned move (an exit from a provider): deploys APP at TARGET (one of its\n"
    "placements: add it to spec.placement.standby first); when APP has volume resources,\n"
    "stops it at both ends and copies each volume's contents from the old target to the new\n"
    "one through wissel (Docker); starts it at TARGET, waits until it is healthy and its\n"
    "route answers, and moves DNS. Every step is in the journal; the move holds like a\n"
    "failover until git's placement agrees: --commit makes TARGET the primary in the\n"
    "Application's file (the old primary takes its place among the standbys) and commits\n"
    "that change alone in the git working tree the file is in (push it yourself).\n"
    "\n"
    "The old placement is kept for the rollback window (--window, default 24h): --rollback\n"
    "moves back, data included. After the window, --decommission deletes APP's objects\n"
    "at the old target (volumes, which hold data, are kept and named). git must not deploy\n"
    "APP there any more: --commit removes the old target from spec.placement first.\n"
    "See docs/failover.md.",
    opts};
