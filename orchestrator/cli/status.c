/* wissel status — per application and target: role, health, revision and last apply. */
#include "manifests/repo.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/state/state.h"
#include "lib/json.h"
#include "providers/registry.h"

#include <string.h>

static const char *app, *state;
static bool no_health;
static const struct wsl_opt opts[] = {
    {"app", 'a', WSL_OPT_STRING, &app, "NAME", "only this application"},
    {"state", 0, WSL_OPT_STRING, &state, "SPEC", "state directory or etcd://host:port,..."},
    {"no-health", 0, WSL_OPT_FLAG, &no_health, NULL, "do not ask the targets, journal only"},
    {0}};

static const char *health_names[] = {"ready", "progressing", "failed"};

/* The live health of app at t, into h; "unknown" with the reason when it cannot be had. */
static const char *live_health(const struct wsl_app *a, const struct wsl_target *t,
                               struct wsl_health *h)
{
    const struct wsl_driver *d;
    struct wsl_conn *c;
    struct wsl_err err = {0};
    memset(h, 0, sizeof *h);
    int rc = wsl_driver_open(t, &d, &c, &err);
    if (rc == 0) {
        rc = d->health(c, a, h, &err);
        d->close(c);
    }
    if (rc) {
        snprintf(h->reason, sizeof h->reason, "%s", err.msg);
        return "unknown";
    }
    return health_names[h->state];
}

static json_t *last_apply(struct wsl_state *st, const char *a, const char *t)
{
    struct wsl_state_query q = {.app = a, .target = t, .type = "apply.end", .limit = 1,
                                .newest = true};
    json_t *recs = NULL;
    if (wsl_state_read(st, &q, &recs, NULL) != 0)
        return NULL;
    json_t *last = json_incref(json_array_get(recs, 0));
    json_decref(recs);
    return last;
}

static json_t *row(struct wsl_state *st, const struct wsl_app *a, const struct wsl_target *t,
                   const char *role)
{
    json_t *j = json_pack("{s:s, s:s, s:s}", "app", a->metadata.name, "target",
                          t->metadata.name, "role", role);
    if (!no_health) {
        struct wsl_health h;
        const char *state_name = live_health(a, t, &h);
        json_object_set_new(j, "health", json_pack("{s:s, s:s}", "state", state_name, "reason",
                                                   h.reason));
    }
    json_t *last = last_apply(st, a->metadata.name, t->metadata.name);
    if (last)
        json_object_set_new(j, "lastApply", last);
    return j;
}

static void print_text(const json_t *rows, FILE *out)
{
    fprintf(out, "%-20s %-16s %-8s %-12s %-9s %s\n", "APPLICATION", "TARGET", "ROLE", "HEALTH",
            "REVISION", "LAST APPLY");
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r) {
        json_t *last = json_object_get(r, "lastApply");
        const char *rev = json_string_value(json_object_get(last, "revision"));
        char when[80] = "never";
        if (last)
            snprintf(when, sizeof when, "%s %s",
                     json_string_value(json_object_get(last, "ts")) ?: "?",
                     json_string_value(json_object_get(last, "result")) ?: "?");
        fprintf(out, "%-20s %-16s %-8s %-12s %-9.8s %s\n",
                json_string_value(json_object_get(r, "app")),
                json_string_value(json_object_get(r, "target")),
                json_string_value(json_object_get(r, "role")),
                json_string_value(wsl_json_path(r, "health.state")) ?: "-", rev ? rev : "-",
                when);
        const char *why = json_string_value(wsl_json_path(r, "health.reason"));
        if (why && *why)
            fprintf(out, "    %s\n", why);
    }
}

static int run(int argc, char **argv, struct wsl_cli *cli)
{
    int nargs;
    int rc = wsl_cli_parse(&wsl_cmd_status, argc, argv, cli, &nargs);
    if (rc != 0)
        return rc > 0 ? WSL_EXIT_OK : WSL_EXIT_USAGE;
    struct wsl_repo *repo;
    struct wsl_state *st;
    if (wsl_cli_open_repo("status", cli, argv, nargs, state, &repo, &st) != 0) {
        wsl_cli_close_repo(repo, st);
        return WSL_EXIT_FAIL;
    }
    json_t *rows = json_array();
    for (size_t i = 0; i < repo->apps.n; i++) {
        const struct wsl_app *a = repo->apps.v[i];
        if (app && strcmp(app, a->metadata.name))
            continue;
        json_array_append_new(rows, row(st, a, a->primary, "primary"));
        for (size_t s = 0; s < a->spec.placement.standby.n; s++)
            json_array_append_new(rows, row(st, a, a->standby[s], "standby"));
    }
    if (cli->json) {
        json_dumpf(rows, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', cli->out);
    } else {
        print_text(rows, cli->out);
    }
    json_decref(rows);
    wsl_cli_close_repo(repo, st);
    return WSL_EXIT_OK;
}

const struct wsl_cmd wsl_cmd_status = {
    "status", run, "show each placement's health, revision and last apply",
    "wissel status [options] [PATH...]",
    "For every application and target of its placement (primary and standbys): the health\n"
    "the target reports now, and the revision, time and outcome of the last apply from the\n"
    "journal. --no-health reads the journal only.",
    opts};
