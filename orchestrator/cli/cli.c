#include "orchestrator/cli/cli.h"

#include "lib/log.h"
#include "manifests/repo.h"
#include "manifests/schema.h"
#include "orchestrator/git/revision.h"
#include "orchestrator/state/state.h"
#include "providers/registry.h"

#include <stdarg.h>
#include <string.h>

static const struct wsl_cmd *const commands[] = {
    &wsl_cmd_validate, &wsl_cmd_plan,   &wsl_cmd_apply,   &wsl_cmd_status,
    &wsl_cmd_history,  &wsl_cmd_serve,  &wsl_cmd_schema,  &wsl_cmd_version,
    &wsl_cmd_haven,    &wsl_cmd_report, &wsl_cmd_drill, &wsl_cmd_switch,
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

static const char *output_arg, *log_level_arg;
static bool help_flag;
static const struct wsl_opt global_opts[] = {
    {"output", 'o', WSL_OPT_STRING, &output_arg, "FORMAT", "text (default) or json"},
    {"log-level", 0, WSL_OPT_STRING, &log_level_arg, "LEVEL", "debug, info, warn (default), error"},
    {"help", 'h', WSL_OPT_FLAG, &help_flag, NULL, "show this help"},
    {0}};

struct wsl_cli_paths wsl_cli_paths(char **argv, int nargs)
{
    static const char *const dot[] = {"."};
    if (nargs > 0)
        return (struct wsl_cli_paths){(const char *const *)argv, (size_t)nargs};
    return (struct wsl_cli_paths){dot, 1};
}

int wsl_cli_open_repo(const char *cmd, struct wsl_cli *cli, char **argv, int nargs,
                      const char *state, struct wsl_repo **repo, struct wsl_state **st)
{
    struct wsl_cli_paths paths = wsl_cli_paths(argv, nargs);
    struct wsl_err err = {0};
    *st = NULL;
    *repo = wsl_repo_load(paths.v, paths.n, wsl_providers());
    if ((*repo)->diags.errors) {
        wsl_diags_print(&(*repo)->diags, cli->err);
        wsl_cli_error(cli, cmd, "the manifests have errors (see `wissel validate`)");
        return WSL_EXIT_FAIL;
    }
    if (wsl_state_open(state, st, &err)) {
        wsl_cli_error(cli, cmd, "%s", err.msg);
        return WSL_EXIT_FAIL;
    }
    return 0;
}

int wsl_cli_open_app(const char *cmd, struct wsl_cli *cli, char **argv, int nargs,
                     const char *state, const char *to, struct wsl_cli_app *out)
{
    memset(out, 0, sizeof *out);
    if (wsl_cli_open_repo(cmd, cli, argv + 1, nargs - 1, state, &out->repo, &out->st) != 0)
        return WSL_EXIT_FAIL;
    wsl_git_head(nargs > 1 ? argv[1] : ".", out->rev);
    out->app = wsl_repo_app(out->repo, argv[0]);
    out->to = to ? wsl_repo_target(out->repo, to) : NULL;
    if (!out->app)
        wsl_cli_error(cli, cmd, "no application is named \"%s\"", argv[0]);
    else if (to && !out->to)
        wsl_cli_error(cli, cmd, "no target is named \"%s\"", to);
    return out->app && (!to || out->to) ? 0 : WSL_EXIT_FAIL;
}

void wsl_cli_progress(void *ctx, const char *line)
{
    struct wsl_cli *cli = ctx;
    fprintf(cli->err, "%s\n", line);
    fflush(cli->err);
}

void wsl_cli_close_repo(struct wsl_repo *repo, struct wsl_state *st)
{
    wsl_state_close(st);
    wsl_repo_free(repo);
}

void wsl_cli_error(const struct wsl_cli *cli, const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(cli->err, "wissel%s%s: error: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(cli->err, fmt, ap);
    fputc('\n', cli->err);
    va_end(ap);
}

static void print_opts(const struct wsl_opt *o, FILE *out)
{
    for (; o && o->name; o++) {
        char left[64], shrt[8] = "    ";
        if (o->short_name)
            snprintf(shrt, sizeof shrt, "-%c, ", o->short_name);
        snprintf(left, sizeof left, "%s--%s%s%s", shrt, o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
        fprintf(out, "  %-28s %s\n", left, o->help);
    }
}

void wsl_cli_help(const struct wsl_cmd *cmd, FILE *out)
{
    fprintf(out, "Usage: %s\n\n%s\n", cmd->usage, cmd->help);
    if (cmd->opts && cmd->opts->name) {
        fprintf(out, "\nOptions:\n");
        print_opts(cmd->opts, out);
    }
    fprintf(out, "\nGlobal options:\n");
    print_opts(global_opts, out);
}

static const struct wsl_opt *find_opt(const struct wsl_opt *opts, const char *name, char s)
{
    for (const struct wsl_opt *o = opts; o && o->name; o++) {
        if ((name && !strcmp(o->name, name)) || (s && o->short_name == s))
            return o;
    }
    return NULL;
}

/* Handle argv[*i], an option; returns 0 or -1 on a usage error. */
static int take_opt(const struct wsl_cmd *cmd, int argc, char **argv, int *i, struct wsl_cli *cli)
{
    char *a = argv[*i], *val = NULL;
    char name[64] = "";
    char s = 0;
    if (a[1] == '-') {
        snprintf(name, sizeof name, "%s", a + 2);
        char *eq = strchr(name, '=');
        if (eq) {
            *eq = '\0';
            val = strchr(a, '=') + 1;
        }
    } else {
        s = a[1];
        if (a[2])
            val = a + 2;
    }
    const struct wsl_opt *o = find_opt(cmd ? cmd->opts : NULL, s ? NULL : name, s);
    if (!o)
        o = find_opt(global_opts, s ? NULL : name, s);
    if (!o) {
        wsl_cli_error(cli, cmd ? cmd->name : NULL, "unknown option %s (see --help)", a);
        return -1;
    }
    if (o->kind == WSL_OPT_FLAG) {
        *(bool *)o->dest = true;
        return 0;
    }
    if (!val && *i + 1 >= argc) {
        wsl_cli_error(cli, cmd ? cmd->name : NULL, "option --%s needs a value (%s)", o->name,
                      o->arg);
        return -1;
    }
    *(const char **)o->dest = val ? val : argv[++*i];
    return 0;
}

static int apply_globals(const struct wsl_cmd *cmd, struct wsl_cli *cli)
{
    const char *name = cmd ? cmd->name : NULL;
    if (output_arg && strcmp(output_arg, "text") && strcmp(output_arg, "json")) {
        wsl_cli_error(cli, name, "--output takes text or json, not \"%s\"", output_arg);
        return -1;
    }
    cli->json = output_arg && !strcmp(output_arg, "json");
    enum wsl_log_level level = WSL_LOG_WARN;
    if (log_level_arg && wsl_log_level_parse(log_level_arg, &level) != 0) {
        wsl_cli_error(cli, name, "--log-level takes debug, info, warn or error, not \"%s\"",
                      log_level_arg);
        return -1;
    }
    wsl_log_setup(level, WSL_LOG_AUTO, cli->err);
    return 0;
}

int wsl_cli_parse(const struct wsl_cmd *cmd, int argc, char **argv, struct wsl_cli *cli,
                  int *nargs)
{
    int n = 0;
    bool only_args = false;
    for (int i = 0; i < argc; i++) {
        if (!only_args && !strcmp(argv[i], "--")) {
            only_args = true;
        } else if (!only_args && argv[i][0] == '-' && argv[i][1]) {
            if (take_opt(cmd, argc, argv, &i, cli) != 0)
                return -1;
        } else {
            argv[n++] = argv[i];
        }
    }
    *nargs = n;
    if (help_flag) {
        wsl_cli_help(cmd, cli->out);
        return 1;
    }
    return apply_globals(cmd, cli);
}

static void main_help(FILE *out)
{
    fprintf(out, "wissel — reconcile applications onto sovereign and multi-cloud targets from "
                 "git\n\nUsage: wissel [--version] [--help] <command> [options] [args]\n\n"
                 "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-12s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\nGlobal options:\n");
    print_opts(global_opts, out);
    fprintf(out, "\nRun 'wissel <command> --help' for a command's options.\n");
}

int wsl_cli_main(int argc, char **argv)
{
    struct wsl_cli cli = {false, stdout, stderr};
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        if (argc >= 3 && !strcmp(argv[1], "help")) {
            for (size_t i = 0; i < NCOMMANDS; i++) {
                if (!strcmp(commands[i]->name, argv[2])) {
                    wsl_cli_help(commands[i], stdout);
                    return WSL_EXIT_OK;
                }
            }
        }
        main_help(argc < 2 ? stderr : stdout);
        return argc < 2 ? WSL_EXIT_USAGE : WSL_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
        return wsl_cmd_version.run(0, argv + 2, &cli);
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (!strcmp(commands[i]->name, argv[1]))
            return commands[i]->run(argc - 2, argv + 2, &cli);
    }
    const char *names[NCOMMANDS];
    for (size_t i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i]->name;
    wsl_cli_error(&cli, NULL, "unknown command \"%s\"", argv[1]);
    const char *near = wsl_nearest(argv[1], names, NCOMMANDS);
    if (near)
        fprintf(stderr, "    hint: did you mean \"%s\"?\n", near);
    fprintf(stderr, "Run 'wissel --help' for the list of commands.\n");
    return WSL_EXIT_USAGE;
}
