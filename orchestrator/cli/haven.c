/* wissel haven check — the Haven compliancy checks of a kubernetes target's cluster. */
#include "lib/units.h"
#include "manifests/repo.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/cli/show.h"
#include "providers/kubernetes/haven.h"
#include "providers/registry.h"

#include <string.h>

#ifndef WSL_VERSION
#define WSL_VERSION "0.0.0-dev"
#endif

static const char *target, *wait_arg;
static const struct wsl_opt opts[] = {
    {"target", 't', WSL_OPT_STRING, &target, "NAME", "the Target to check (required)"},
    {"wait", 0, WSL_OPT_STRING, &wait_arg, "DURATION",
     "how long the ReadWriteMany claim may take to bind (default 30s)"},
    {0}};

static void print_text(const struct wsl_haven_report *r, FILE *out)
{
    fprintf(out, "Haven compliancy checks of target %s (context %s, %s)\n\n", r->target,
            r->context, r->server);
    fprintf(out, "%-18s %-8s %s\n", "NAME", "RESULT", "RATIONALE");
    for (size_t i = 0; i < r->n; i++)
        fprintf(out, "%-18s %-8s %s\n", r->v[i].name, wsl_haven_result_name(r->v[i].result),
                r->v[i].rationale);
    fprintf(out, "\nHaven compliant: %s (%zu checks: %zu passed, %zu failed, %zu skipped, "
                 "%zu unknown)\n",
            wsl_haven_compliant(r) ? "yes" : "no", r->n, r->count[WSL_HAVEN_PASSED],
            r->count[WSL_HAVEN_FAILED], r->count[WSL_HAVEN_SKIPPED], r->count[WSL_HAVEN_UNKNOWN]);
}

/* Check the command line beyond what the parser does: "check", --target, --wait. */
static int usage(struct wsl_cli *cli, char **argv, int nargs, struct wsl_haven_opts *o)
{
    struct wsl_err err = {0};
    if (nargs < 1 || strcmp(argv[0], "check") != 0) {
        wsl_cli_error(cli, "haven", "%s (the only subcommand is check; see --help)",
                      nargs < 1 ? "missing subcommand" : "unknown subcommand");
        return -1;
    }
    if (!target) {
        wsl_cli_error(cli, "haven check", "--target NAME is required");
        return -1;
    }
    if (wait_arg && (wsl_duration_parse(wait_arg, &o->wait_ms, &err) != 0 || o->wait_ms <= 0)) {
        wsl_cli_error(cli, "haven check", "--wait takes a positive duration (\"30s\", \"2m\"), "
                      "not \"%s\"", wait_arg);
        return -1;
    }
    return 0;
}

static int check_target(struct wsl_cli *cli, const struct wsl_target *t,
                        const struct wsl_haven_opts *o)
{
    struct wsl_haven_report r;
    struct wsl_err err = {0};
    int rc = wsl_haven_check(t, o, &r, &err);
    if (rc != 0) {
        wsl_show_error(cli, "haven check", rc, &err, NULL);
        return WSL_EXIT_FAIL;
    }
    if (cli->json) {
        json_t *j = wsl_haven_report_json(&r, WSL_VERSION);
        json_dumpf(j, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', cli->out);
        json_decref(j);
    } else {
        print_text(&r, cli->out);
    }
    rc = wsl_haven_compliant(&r) ? WSL_EXIT_OK : WSL_EXIT_FAIL;
    wsl_haven_report_free(&r);
    return rc;
}

static int run(int argc, char **argv, struct wsl_cli *cli)
{
    int nargs;
    int rc = wsl_cli_parse(&wsl_cmd_haven, argc, argv, cli, &nargs);
    if (rc != 0)
        return rc > 0 ? WSL_EXIT_OK : WSL_EXIT_USAGE;
    struct wsl_haven_opts o = {0};
    if (usage(cli, argv, nargs, &o) != 0)
        return WSL_EXIT_USAGE;
    struct wsl_cli_paths paths = wsl_cli_paths(argv + 1, nargs - 1);
    struct wsl_repo *repo = wsl_repo_load(paths.v, paths.n, wsl_providers());
    struct wsl_err err = {0};
    const struct wsl_target *t = NULL;
    if (repo->diags.errors)
        wsl_err_set(&err, WSL_E_INVALID, "the manifests have %zu error%s", repo->diags.errors,
                    repo->diags.errors == 1 ? "" : "s");
    else if (!(t = wsl_repo_target(repo, target)))
        wsl_err_set(&err, WSL_E_NOTFOUND, "no target is named \"%s\"", target);
    if (t)
        rc = check_target(cli, t, &o);
    else
        wsl_show_error(cli, "haven check", err.code, &err,
                       repo->diags.errors ? &repo->diags : NULL);
    wsl_repo_free(repo);
    return t ? rc : WSL_EXIT_FAIL;
}

const struct wsl_cmd wsl_cmd_haven = {
    "haven", run, "run the Haven compliancy checks against a kubernetes target's cluster",
    "wissel haven check --target NAME [options] [PATH...]",
    "Loads the manifests under PATH (default: the current folder), finds the Target NAME\n"
    "(provider kubernetes), connects with its kubeconfig and context, and runs the Haven\n"
    "checks that the Kubernetes API can judge: availability zones, control-plane and worker\n"
    "nodes, no public node addresses, Kubernetes version, RBAC, ReadWriteMany volumes,\n"
    "cert-manager, log collection, metrics-server and the checker's own cluster-admin right.\n"
    "Each check is PASSED, FAILED, SKIPPED (the API cannot show it; the rationale says why)\n"
    "or UNKNOWN (a call failed; the rationale is the API's message).\n"
    "\n"
    "The ReadWriteMany check creates the claim " WSL_HAVEN_RWX_CLAIM " in the Target's\n"
    "namespace (default when unset), with its storageClass.readWriteMany or the cluster's\n"
    "default class, waits for it to bind and deletes it. Nothing else is changed.\n"
    "With --output json the report has the Haven Compliancy Checker's shape. See\n"
    "docs/haven.md.\n"
    "\n"
    "Exit status: 0 compliant (nothing FAILED or UNKNOWN), 1 not compliant or an error\n"
    "(invalid manifests, unknown target, unreachable cluster), 2 usage.",
    opts};
