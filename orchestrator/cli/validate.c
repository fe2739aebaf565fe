/* wissel validate — load a repository of manifests and report every mistake at once. */
#include "manifests/repo.h"
#include "orchestrator/cli/cli.h"
#include "providers/registry.h"

#include <jansson.h>

static size_t count_workloads(const struct wsl_repo *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->apps.n; i++)
        n += r->apps.v[i]->spec.workloads.n;
    return r->workloads.n > n ? r->workloads.n : n;
}

static json_t *summary_json(const struct wsl_repo *r)
{
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "applications", (json_int_t)r->apps.n,
                     "workloads", (json_int_t)count_workloads(r), "targets",
                     (json_int_t)r->targets.n, "policies", (json_int_t)r->policies.n, "files",
                     (json_int_t)r->files, "ignoredDocuments", (json_int_t)r->ignored);
}

static void print_json(const struct wsl_repo *r, FILE *out)
{
    json_t *doc = json_pack("{s:b, s:o, s:o, s:I, s:I}", "valid", r->diags.errors == 0,
                            "summary", summary_json(r), "diagnostics", wsl_diags_json(&r->diags),
                            "errors", (json_int_t)r->diags.errors, "warnings",
                            (json_int_t)r->diags.warnings);
    json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', out);
    json_decref(doc);
}

static void print_text(const struct wsl_repo *r, struct wsl_cli *cli)
{
    wsl_diags_print(&r->diags, r->diags.errors ? cli->err : cli->out);
    if (r->diags.errors) {
        fprintf(cli->err, "invalid: %zu error%s, %zu warning%s in %zu file%s\n", r->diags.errors,
                r->diags.errors == 1 ? "" : "s", r->diags.warnings,
                r->diags.warnings == 1 ? "" : "s", r->files, r->files == 1 ? "" : "s");
        return;
    }
    fprintf(cli->out,
            "valid: %zu application%s, %zu workload%s, %zu target%s, %zu polic%s "
            "(%zu file%s%s)\n",
            r->apps.n, r->apps.n == 1 ? "" : "s", count_workloads(r),
            count_workloads(r) == 1 ? "" : "s", r->targets.n, r->targets.n == 1 ? "" : "s",
            r->policies.n, r->policies.n == 1 ? "y" : "ies", r->files, r->files == 1 ? "" : "s",
            r->diags.warnings ? ", with warnings" : "");
}

static int run(int argc, char **argv, struct wsl_cli *cli)
{
    int nargs;
    int rc = wsl_cli_parse(&wsl_cmd_validate, argc, argv, cli, &nargs);
    if (rc != 0)
        return rc > 0 ? WSL_EXIT_OK : WSL_EXIT_USAGE;
    struct wsl_cli_paths paths = wsl_cli_paths(argv, nargs);
    struct wsl_repo *r = wsl_repo_load(paths.v, paths.n, wsl_providers());
    if (cli->json)
        print_json(r, cli->out);
    else
        print_text(r, cli);
    rc = r->diags.errors ? WSL_EXIT_FAIL : WSL_EXIT_OK;
    wsl_repo_free(r);
    return rc;
}

const struct wsl_cmd wsl_cmd_validate = {
    "validate", run, "check manifests and report every mistake with file:line:column",
    "wissel validate [options] [PATH...]",
    "Loads every .yaml/.yml file under each PATH (default: the current folder; hidden\n"
    "files and folders are skipped): Score workloads (score.dev/v1b1) and the wissel.dev/v1\n"
    "kinds Target, Application and Policy. Checks each document against its schema and\n"
    "the references between them: placements name existing targets, workload files exist,\n"
    "the route's workload and port exist, the DNS target manages DNS, dependsOn has no\n"
    "cycles, names are unique, Score placeholders refer to something that exists.\n"
    "\n"
    "Prints a summary, or every problem as FILE:LINE:COLUMN: error: MESSAGE with a hint.\n"
    "Exit status: 0 valid, 1 invalid, 2 usage error.",
    NULL};
