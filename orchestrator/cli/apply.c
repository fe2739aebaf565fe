/* wissel apply — carry out the plan, target by target, under each target's lock. */
#include "orchestrator/cli/cli.h"
#include "orchestrator/cli/show.h"
#include "lib/units.h"

#include <stdlib.h>

#include <string.h>
#include <unistd.h>

static const char *app, *target, *state, *lock_timeout, *timeout, *parallelism;
static bool force_conflicts, auto_approve, no_wait;
static const struct wsl_opt opts[] = {
    {"app", 'a', WSL_OPT_STRING, &app, "NAME", "only this application"},
    {"target", 't', WSL_OPT_STRING, &target, "NAME", "only this target"},
    {"state", 0, WSL_OPT_STRING, &state, "SPEC", "state directory or etcd://host:port,..."},
    {"auto-approve", 'y', WSL_OPT_FLAG, &auto_approve, NULL, "apply without asking"},
    {"force-conflicts", 0, WSL_OPT_FLAG, &force_conflicts, NULL,
     "take over objects wissel does not own"},
    {"lock-timeout", 0, WSL_OPT_STRING, &lock_timeout, "DURATION",
     "wait this long for a target another wissel is applying to (default: fail at once)"},
    {"timeout", 0, WSL_OPT_STRING, &timeout, "DURATION", "per target (default 10m)"},
    {"parallelism", 'p', WSL_OPT_STRING, &parallelism, "N", "actions at once per target (default 4)"},
    {"no-wait", 0, WSL_OPT_FLAG, &no_wait, NULL, "do not wait for health after applying"},
    {0}};

static bool confirm(struct wsl_cli *cli)
{
    if (auto_approve)
        return true;
    if (!isatty(STDIN_FILENO)) {
        wsl_cli_error(cli, "apply", "not applying: no terminal to ask for approval");
        fprintf(cli->err, "    hint: review with `wissel plan`, then run apply with --auto-approve\n");
        return false;
    }
    fprintf(cli->out, "\nApply these changes? Only 'yes' will be accepted: ");
    fflush(cli->out);
    char line[16] = "";
    return fgets(line, sizeof line, stdin) && !strcmp(line, "yes\n");
}

/* Progress of one placement: a live line on a terminal, plain lines otherwise. */
struct progress {
    const struct wsl_placement_item *it;
    size_t done, total;
    bool tty;
};

static void live_line(const struct progress *p, const struct wsl_apply_event *ev)
{
    const struct wsl_object *o = ev->action ? wsl_plan_object(ev->action) : NULL;
    printf("\r\033[K%s @ %s: %zu/%zu actions done%s%s%s", p->it->app->metadata.name,
           p->it->target->metadata.name, p->done, p->total, o ? ", last: " : "",
           o ? o->kind : "", o ? "/" : "");
    if (o)
        fputs(o->name, stdout);
    fflush(stdout);
}

static void progress(void *ctx, const struct wsl_apply_event *ev)
{
    struct progress *p = ctx;
    const struct wsl_placement_item *it = p->it;
    if (ev->phase == WSL_APPLY_EV_HEALTH) {
        if (ev->health->state != WSL_HEALTH_READY)
            printf("%s%s @ %s: waiting for health: %s\n", p->tty ? "\r\033[K" : "  ",
                   it->app->metadata.name, it->target->metadata.name, ev->health->reason);
        return;
    }
    if (ev->phase == WSL_APPLY_EV_STARTED || ev->action->type == WSL_ACT_NOOP)
        return;
    p->done++;
    const struct wsl_action_result *res = ev->result;
    if (p->tty && res->status == WSL_APPLY_OK) {
        live_line(p, ev);
        return;
    }
    const struct wsl_object *o = wsl_plan_object(ev->action);
    printf("%s%s @ %s: %s %s/%s: %s%s%s (%ld ms)\n", p->tty ? "\r\033[K" : "  ",
           it->app->metadata.name, it->target->metadata.name,
           wsl_plan_type_name(ev->action->type), o->kind, o->name,
           wsl_apply_status_name(res->status), res->message ? ": " : "",
           res->message ? res->message : "", res->duration_ms);
    fflush(stdout);
}

static int parse_opts(struct wsl_cli *cli, int64_t *lock_ms, struct wsl_apply_opts *ao)
{
    struct wsl_err err = {0};
    int64_t ms;
    if (lock_timeout && wsl_duration_parse(lock_timeout, lock_ms, &err))
        goto bad;
    if (timeout) {
        if (wsl_duration_parse(timeout, &ms, &err))
            goto bad;
        ao->target_timeout_ms = (long)ms;
    }
    if (parallelism) {
        char *end;
        long n = strtol(parallelism, &end, 10);
        if (*end || n < 1 || n > 64) {
            wsl_cli_error(cli, "apply", "--parallelism takes a number from 1 to 64");
            return -1;
        }
        ao->max_parallel = (int)n;
    }
    if (no_wait)
        ao->health_timeout_ms = -1;
    return 0;
bad:
    wsl_cli_error(cli, "apply", "%s", err.msg);
    return -1;
}

static int apply_all(struct wsl_reconcile *r, const struct wsl_apply_opts *base)
{
    int failures = 0;
    for (size_t i = 0; i < r->n; i++) {
        struct wsl_placement_item *it = &r->v[i];
        struct wsl_apply_opts ao = *base;
        struct progress p = {it, 0, 0, isatty(STDOUT_FILENO)};
        for (size_t k = 0; k < it->plan.n; k++)
            p.total += it->plan.v[k].type != WSL_ACT_NOOP;
        ao.progress = progress;
        ao.ctx = &p;
        struct wsl_apply_result res = {0};
        struct wsl_err err = {0};
        int rc = wsl_reconcile_apply(r, it, &ao, &res, &err);
        if (p.tty)
            fputs("\r\033[K", stdout);
        if (rc) {
            fprintf(stderr, "error: %s\n", err.msg);
            if (err.hint[0])
                fprintf(stderr, "    hint: %s\n", err.hint);
            failures++;
        } else {
            printf("%s @ %s: applied (%zu changed) and %s in %.1f s\n", it->app->metadata.name,
                   it->target->metadata.name, res.ok,
                   res.health_checked ? "ready" : "not checked", res.duration_ms / 1000.0);
        }
        wsl_apply_result_free(&res);
    }
    return failures;
}

static int run(int argc, char **argv, struct wsl_cli *cli)
{
    int nargs;
    int rc = wsl_cli_parse(&wsl_cmd_apply, argc, argv, cli, &nargs);
    if (rc != 0)
        return rc > 0 ? WSL_EXIT_OK : WSL_EXIT_USAGE;
    int64_t lock_ms = 0;
    struct wsl_apply_opts ao = {0};
    if (parse_opts(cli, &lock_ms, &ao))
        return WSL_EXIT_USAGE;
    struct wsl_cli_paths paths = wsl_cli_paths(argv, nargs);
    struct wsl_rc_opts o = {.paths = paths.v, .npaths = paths.n, .app = app, .target = target,
                            .plan_flags = force_conflicts ? WSL_PLAN_TAKE_OVER : 0u,
                            .state = state, .lock_wait_ms = lock_ms, .lock = true};
    struct wsl_reconcile *r;
    struct wsl_err err = {0};
    rc = wsl_reconcile_load(&o, &r, &err);
    if (rc != 0) {
        wsl_show_load_failure(r, rc, &err, cli, "apply");
        wsl_reconcile_free(r);
        return WSL_EXIT_FAIL;
    }
    size_t failed = wsl_reconcile_plan(r, &o);
    size_t changes = wsl_show_plan(r, cli->out);
    int exit = WSL_EXIT_FAIL;
    if (failed)
        wsl_cli_error(cli, "apply", "not applying: %zu placement%s could not be planned",
                      failed, failed == 1 ? "" : "s");
    else if (!changes)
        exit = WSL_EXIT_OK;
    else if (confirm(cli))
        exit = apply_all(r, &ao) ? WSL_EXIT_FAIL : WSL_EXIT_OK;
    wsl_reconcile_free(r);
    return exit;
}

const struct wsl_cmd wsl_cmd_apply = {
    "apply", run, "make the targets match the manifests",
    "wissel apply [options] [PATH...]",
    "Takes the lock of every target involved (a second wissel applying to the same target\n"
    "fails at once naming the holder, or waits with --lock-timeout), plans as `wissel plan`\n"
    "does, shows the plan and asks for approval on a terminal (without a terminal it\n"
    "refuses unless --auto-approve). Then applies target by target: independent objects in\n"
    "parallel, dependencies first, transient errors retried, the first hard error stops\n"
    "that placement; every action is recorded in the journal (see `wissel history`); then\n"
    "waits until the application is healthy.\n"
    "\n"
    "Exit status: 0 applied (or nothing to do), 1 errors, 2 usage.",
    opts};
