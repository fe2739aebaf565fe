/* wissel schema — the JSON Schema of the wissel.dev/v1 kinds, for editors. */
#include "manifests/wissel.h"
#include "orchestrator/cli/cli.h"
#include "providers/registry.h"

static int run(int argc, char **argv, struct wsl_cli *cli)
{
    int nargs;
    int rc = wsl_cli_parse(&wsl_cmd_schema, argc, argv, cli, &nargs);
    if (rc != 0)
        return rc > 0 ? WSL_EXIT_OK : WSL_EXIT_USAGE;
    if (nargs) {
        wsl_cli_error(cli, "schema", "takes no arguments (see --help)");
        return WSL_EXIT_USAGE;
    }
    json_t *s = wsl_wissel_schema(wsl_providers());
    json_dumpf(s, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', cli->out);
    json_decref(s);
    return WSL_EXIT_OK;
}

const struct wsl_cmd wsl_cmd_schema = {
    "schema", run, "print the JSON Schema of the wissel.dev/v1 manifests",
    "wissel schema [> wissel.schema.json]",
    "Prints a JSON Schema (draft 2020-12) of the Target, Application and Policy kinds,\n"
    "including each provider's settings block. Point your editor's YAML language server at\n"
    "it, for example with a first line '# yaml-language-server: $schema=wissel.schema.json'.\n"
    "Score workloads have their own schema, published by the Score project.",
    NULL};
