/*
 * cli.h — the command line: one table of commands, one option parser, one help style.
 *
 * Each command lives in orchestrator/cli/<name>.c with one entry point
 * `int wsl_cmd_<name>(int argc, char **argv, struct wsl_cli *cli)` that returns the exit
 * code: 0 success, 1 failure (invalid input, failed operation), 2 usage error.
 */
#ifndef WSL_CLI_H
#define WSL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum { WSL_EXIT_OK = 0, WSL_EXIT_FAIL = 1, WSL_EXIT_USAGE = 2 };

struct wsl_cli {
    bool json; /* --output json */
    FILE *out, *err;
};

enum wsl_opt_kind { WSL_OPT_FLAG, WSL_OPT_STRING };

struct wsl_opt {
    const char *name; /* long name without "--" */
    char short_name;  /* 0 when none */
    enum wsl_opt_kind kind;
    void *dest;       /* bool * for flags, const char ** for strings */
    const char *arg;  /* the argument's name in help, e.g. "DIR" */
    const char *help;
};

struct wsl_cmd {
    const char *name;
    int (*run)(int argc, char **argv, struct wsl_cli *cli);
    const char *summary; /* one line for `wissel --help` */
    const char *usage;   /* "wissel validate [PATH...]" */
    const char *help;    /* paragraphs after the usage line */
    const struct wsl_opt *opts; /* the command's own options, ended by {0}; may be NULL */
};

/* Parse options of a command (global options --output and --help included). Positional
 * arguments are moved to the front of argv; *nargs receives their count. Returns -1 after
 * printing a usage error, 1 when --help was printed, 0 otherwise. */
int wsl_cli_parse(const struct wsl_cmd *cmd, int argc, char **argv, struct wsl_cli *cli,
                  int *nargs);
void wsl_cli_help(const struct wsl_cmd *cmd, FILE *out);
/* The PATH arguments of a command (argv[0..nargs)), or "." when none were given. */
struct wsl_cli_paths {
    const char *const *v;
    size_t n;
};
struct wsl_cli_paths wsl_cli_paths(char **argv, int nargs);

/* For commands that read the manifests and the journal (status, report): load the
 * repository at the PATH arguments and open the state (spec NULL: the default). Returns 0;
 * or prints why not (the manifests' errors, the state's error) as `cmd` and returns
 * WSL_EXIT_FAIL. Either way, close with wsl_cli_close_repo(). */
struct wsl_repo;
struct wsl_state;
int wsl_cli_open_repo(const char *cmd, struct wsl_cli *cli, char **argv, int nargs,
                      const char *state, struct wsl_repo **repo, struct wsl_state **st);
void wsl_cli_close_repo(struct wsl_repo *repo, struct wsl_state *st);

/* For commands on one application (drill, switch): argv[0] is APP, the rest PATHs. Loads
 * them (wsl_cli_open_repo), finds APP and, when `to` is not NULL, the target named so; rev
 * is the manifests' git HEAD ("" outside git); progress prints a line to cli->err, for the
 * commands' step-by-step output. Returns 0; or prints why not (as cmd) and returns
 * WSL_EXIT_FAIL. Either way, close with wsl_cli_close_repo(out->repo, out->st). */
struct wsl_app;
struct wsl_target;
struct wsl_cli_app {
    struct wsl_repo *repo;
    struct wsl_state *st;
    const struct wsl_app *app;
    const struct wsl_target *to;
    char rev[41];
};
int wsl_cli_open_app(const char *cmd, struct wsl_cli *cli, char **argv, int nargs,
                     const char *state, const char *to, struct wsl_cli_app *out);
void wsl_cli_progress(void *cli, const char *line);

/* Print "wissel <cmd>: error: ..." to cli->err. */
void wsl_cli_error(const struct wsl_cli *cli, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The entry point called by main(). */
int wsl_cli_main(int argc, char **argv);

extern const struct wsl_cmd wsl_cmd_validate, wsl_cmd_schema, wsl_cmd_version, wsl_cmd_plan,
    wsl_cmd_apply, wsl_cmd_status, wsl_cmd_history, wsl_cmd_serve, wsl_cmd_haven, wsl_cmd_report,
    wsl_cmd_drill, wsl_cmd_switch;

#endif
