/* wissel history — the journal: applies, actions, health, failovers and drills. */
#include "lib/json.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/state/state.h"

#include <stdlib.h>
#include <string.h>

static const char *app, *target, *type, *state, *limit;
static const struct wsl_opt opts[] = {
    {"app", 'a', WSL_OPT_STRING, &app, "NAME", "only this application"},
    {"target", 't', WSL_OPT_STRING, &target, "NAME", "only this target"},
    {"type", 0, WSL_OPT_STRING, &type, "TYPE", "only records of this type (apply. for all apply.*)"},
    {"limit", 'n', WSL_OPT_STRING, &limit, "N", "the newest N records (default 50; 0: all)"},
    {"state", 0, WSL_OPT_STRING, &state, "SPEC", "state directory or etcd://host:port,..."},
    {0}};

/* One line: time, seq, type, app@target, and the fields that say what happened. */
static void print_record(const json_t *r, FILE *out)
{
    static const char *const skip[] = {"ts", "seq", "type", "app", "target", "by", "fence", NULL};
    fprintf(out, "%s %6lld %-13s %s@%s", json_string_value(json_object_get(r, "ts")) ?: "?",
            (long long)json_integer_value(json_object_get(r, "seq")),
            json_string_value(json_object_get(r, "type")) ?: "?",
            json_string_value(json_object_get(r, "app")) ?: "-",
            json_string_value(json_object_get(r, "target")) ?: "-");
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)r, k, v) {
        size_t i = 0;
        while (skip[i] && strcmp(skip[i], k))
            i++;
        if (skip[i])
            continue;
        char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        fprintf(out, " %s=%s", k, s ? s : json_string_value(v));
        free(s);
    }
    fputc('\n', out);
}

static int run(int argc, char **argv, struct wsl_cli *cli)
{
    int nargs;
    int rc = wsl_cli_parse(&wsl_cmd_history, argc, argv, cli, &nargs);
    if (rc != 0)
        return rc > 0 ? WSL_EXIT_OK : WSL_EXIT_USAGE;
    char *end = NULL;
    long n = limit ? strtol(limit, &end, 10) : 50;
    if (nargs || (limit && (*end || n < 0))) {
        wsl_cli_error(cli, "history", nargs ? "takes no arguments (see --help)"
                                            : "--limit takes a number (0: all)");
        return WSL_EXIT_USAGE;
    }
    struct wsl_state *st;
    struct wsl_err err = {0};
    json_t *recs = NULL;
    struct wsl_state_query q = {.app = app, .target = target, .type = type, .limit = (size_t)n,
                                .newest = true};
    if (wsl_state_open(state, &st, &err) || wsl_state_read(st, &q, &recs, &err)) {
        wsl_cli_error(cli, "history", "%s", err.msg);
        wsl_state_close(st);
        return WSL_EXIT_FAIL;
    }
    if (cli->json) {
        json_dumpf(recs, cli->out, JSON_INDENT(2));
        fputc('\n', cli->out);
    } else {
        size_t i;
        json_t *r;
        json_array_foreach(recs, i, r)
            print_record(r, cli->out);
        if (!json_array_size(recs))
            fprintf(cli->out, "the journal (%s) has no such records\n", wsl_state_describe(st));
    }
    json_decref(recs);
    wsl_state_close(st);
    return WSL_EXIT_OK;
}

const struct wsl_cmd wsl_cmd_history = {
    "history", run, "show the journal of applies, actions, failovers and drills",
    "wissel history [options]",
    "Prints the newest records of the journal (the state directory, or etcd with --state),\n"
    "oldest first: applies with their plan and outcome, every action with its result and\n"
    "duration, health, failovers and drills.",
    opts};
