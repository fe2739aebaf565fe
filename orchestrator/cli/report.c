/* wissel report — where every application runs, under which law, and whether its way out
 * was tested (orchestrator/report/report.h). */
#include "lib/fs.h"
#include "manifests/repo.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/report/report.h"

#include <time.h>

static const char *state, *html;
static const struct wsl_opt opts[] = {
    {"state", 0, WSL_OPT_STRING, &state, "SPEC", "state directory or etcd://host:port,..."},
    {"html", 0, WSL_OPT_STRING, &html, "FILE", "also write a self-contained HTML page"},
    {0}};

static int write_html(const json_t *r, struct wsl_err *err)
{
    struct wsl_buf b = WSL_BUF_INIT;
    wsl_report_html(r, &b);
    int rc = wsl_write_file(html, b.data, b.len, 0644, err);
    wsl_buf_free(&b);
    return rc;
}

static int run(int argc, char **argv, struct wsl_cli *cli)
{
    int nargs;
    int rc = wsl_cli_parse(&wsl_cmd_report, argc, argv, cli, &nargs);
    if (rc != 0)
        return rc > 0 ? WSL_EXIT_OK : WSL_EXIT_USAGE;
    struct wsl_repo *repo;
    struct wsl_state *st;
    if (wsl_cli_open_repo("report", cli, argv, nargs, state, &repo, &st) != 0) {
        wsl_cli_close_repo(repo, st);
        return WSL_EXIT_FAIL;
    }
    json_t *r = wsl_report_build(repo, st, (int64_t)time(NULL));
    if (cli->json) {
        json_dumpf(r, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', cli->out);
    } else {
        wsl_report_text(r, cli->out);
    }
    struct wsl_err err = {0};
    rc = html ? write_html(r, &err) : 0;
    if (rc)
        wsl_cli_error(cli, "report", "%s", err.msg);
    json_decref(r);
    wsl_cli_close_repo(repo, st);
    return rc ? WSL_EXIT_FAIL : WSL_EXIT_OK;
}

const struct wsl_cmd wsl_cmd_report = {
    "report", run, "where applications run, under which law, and their tested way out",
    "wissel report [options] [PATH...]",
    "Per application: its placements with each provider's legal home (a provider's own, or\n"
    "for self-hosted technology the Target's jurisdiction), classification, whether it has a\n"
    "standby, and its last drill from the journal. Per portfolio: the share of applications\n"
    "(and of critical ones) only on EU-jurisdiction providers, those with a passed drill in\n"
    "the last 90 days, and those depending on one target only. Text or --output json; --html\n"
    "FILE also writes a self-contained page with a chart. See docs/report.md.",
    opts};
