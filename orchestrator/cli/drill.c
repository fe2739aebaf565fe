/* wissel drill — rehearse a failover and measure it (orchestrator/failover/drill.h). */
#include "lib/fs.h"
#include "manifests/repo.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/failover/drill.h"

#include <string.h>
#include <time.h>

static const char *state, *to, *report_dir;
static bool no_restore, dry_run;
static const struct wsl_opt opts[] = {
    {"to", 0, WSL_OPT_STRING, &to, "TARGET", "the standby to fail over to (default: the first)"},
    {"no-restore", 0, WSL_OPT_FLAG, &no_restore, NULL,
     "leave the standby serving; do not restore the primary"},
    {"dry-run", 0, WSL_OPT_FLAG, &dry_run, NULL, "say what the drill would do; change nothing"},
    {"report-dir", 0, WSL_OPT_STRING, &report_dir, "DIR",
     "where the report files go (default: the current directory)"},
    {"state", 0, WSL_OPT_STRING, &state, "SPEC", "state directory or etcd://host:port,..."},
    {0}};

/* DIR/drill-APP-20261123T101500Z.{md,json}. */
static int write_report(const json_t *r, struct wsl_cli *cli, struct wsl_err *err)
{
    char stamp[32], base[1024];
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime_r(&now, &tm));
    snprintf(base, sizeof base, "%s/drill-%s-%s", report_dir ? report_dir : ".",
             json_string_value(json_object_get(r, "app")), stamp);
    struct wsl_buf md = WSL_BUF_INIT, path = WSL_BUF_INIT;
    wsl_drill_markdown(r, &md);
    char *js = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    wsl_buf_printf(&path, "%s.md", base);
    int rc = js ? wsl_write_file(wsl_buf_str(&path), md.data, md.len, 0644, err)
                : wsl_err_set(err, WSL_E_INTERNAL, "the drill's report is not JSON");
    wsl_buf_reset(&path);
    wsl_buf_printf(&path, "%s.json", base);
    if (rc == 0)
        rc = wsl_write_file(wsl_buf_str(&path), js, strlen(js), 0644, err);
    if (rc == 0)
        fprintf(cli->err, "report: %s.md, %s.json\n", base, base);
    if (cli->json && js)
        fprintf(cli->out, "%s\n", js);
    else
        fwrite(md.data, 1, md.len, cli->out);
    free(js);
    wsl_buf_free(&md);
    wsl_buf_free(&path);
    return rc;
}

static bool succeeded(const json_t *r)
{
    const json_t *rs = json_object_get(r, "restore");
    return json_is_true(json_object_get(r, "passed")) && !json_object_get(r, "journal_error") &&
           (!rs || json_is_true(json_object_get(rs, "ok")));
}

static int drill(struct wsl_cli *cli, struct wsl_drill_opts *o)
{
    struct wsl_err err = {0};
    int rc = dry_run ? wsl_drill_check(o, &err) : 0; /* wsl_drill_run checks first too */
    if (rc == 0 && dry_run) {
        struct wsl_buf b = WSL_BUF_INIT;
        wsl_drill_describe(o, &b);
        fwrite(b.data, 1, b.len, cli->out);
        wsl_buf_free(&b);
        return WSL_EXIT_OK;
    }
    json_t *r = NULL;
    if (rc == 0)
        rc = wsl_drill_run(o, &r, &err);
    if (rc == 0)
        rc = write_report(r, cli, &err);
    if (rc)
        wsl_cli_error(cli, "drill", "%s", err.msg);
    if (rc && *err.hint)
        fprintf(cli->err, "  hint: %s\n", err.hint);
    bool ok = rc == 0 && succeeded(r);
    json_decref(r);
    return ok ? WSL_EXIT_OK : WSL_EXIT_FAIL;
}

static int run(int argc, char **argv, struct wsl_cli *cli)
{
    int nargs;
    int rc = wsl_cli_parse(&wsl_cmd_drill, argc, argv, cli, &nargs);
    if (rc != 0)
        return rc > 0 ? WSL_EXIT_OK : WSL_EXIT_USAGE;
    if (nargs < 1) {
        wsl_cli_error(cli, "drill", "which application? `wissel drill APP [PATH...]`");
        return WSL_EXIT_USAGE;
    }
    struct wsl_cli_app c;
    rc = wsl_cli_open_app("drill", cli, argv, nargs, state, to, &c);
    if (rc == 0 && !c.to && c.app->spec.placement.standby.n)
        c.to = c.app->standby[0];
    struct wsl_drill_opts o = {c.repo, c.st, c.rev, c.app, c.to, !no_restore,
                               wsl_cli_progress, cli};
    if (rc == 0)
        rc = drill(cli, &o);
    wsl_cli_close_repo(c.repo, c.st);
    return rc;
}

const struct wsl_cmd wsl_cmd_drill = {
    "drill", run, "rehearse a failover on purpose and measure the recovery time",
    "wissel drill APP [options] [PATH...]",
    "Takes APP out at its primary (containers stopped, workloads scaled to zero), probes it\n"
    "as the monitor does until it is down, fails over to the standby (deployed first when\n"
    "the placement is cold), points DNS at it, and measures each step from the moment the\n"
    "primary was taken out: detected, standby healthy, DNS switched, and the first good\n"
    "answer a client following DNS gets (the recovery time), with the errors that client\n"
    "saw. Passed when it recovered within the Application's failover.rto. Then restores the\n"
    "primary from git and fails back (unless --no-restore). The report is printed (Markdown,\n"
    "or JSON with -o json), written to DIR/drill-APP-TIME.{md,json}, and kept in the journal\n"
    "(drill.end), where `wissel report` and drillWithinDays policies read it. Exit 0 only\n"
    "when the drill passed and the restore (if any) worked. See docs/failover.md.",
    opts};
