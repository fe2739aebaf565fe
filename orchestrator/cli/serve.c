/*
 * wissel serve — the long-running reconciler: become the leader, then reconcile the
 * manifests onto every target on an interval, until told to stop.
 *
 * Several instances may run against one etcd state: one leads and reconciles, the others
 * wait, and when the leader dies its lease ends and another takes over within the TTL.
 * Every apply is fenced twice: by the target's lock (the journal refuses a stale holder's
 * writes) and by a leadership check before each placement. SIGTERM and SIGINT finish or
 * abandon cleanly the action in flight, resign, and exit 0.
 */
#include "lib/log.h"
#include "lib/units.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/reconcile/reconcile.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *state, *interval, *id;
static const struct wsl_opt opts[] = {
    {"state", 0, WSL_OPT_STRING, &state, "SPEC", "state directory or etcd://host:port,..."},
    {"interval", 'i', WSL_OPT_STRING, &interval, "DURATION", "between reconciles (default 1m)"},
    {"id", 0, WSL_OPT_STRING, &id, "NAME", "this instance's name (default host:pid)"},
    {0}};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* Sleep up to ms, waking early when asked to stop or when leadership is lost. */
static void nap(int64_t ms, const struct wsl_leader *l)
{
    for (int64_t slept = 0; slept < ms && !stopping && !wsl_leader_lost(l); slept += 100) {
        struct timespec ts = {0, 100 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static int record_pass(struct wsl_state *st, const struct wsl_leader *l, const char *me,
                       const char *what, size_t changed, size_t failed)
{
    json_t *rec = json_pack("{s:s, s:s, s:I, s:I}", "type", what, "instance", me, "changed",
                            (json_int_t)changed, "failed", (json_int_t)failed);
    struct wsl_fence f = wsl_leader_fence(l);
    int rc = wsl_state_append(st, rec, &f, NULL);
    json_decref(rec);
    return rc;
}

/* One reconcile of every placement, as the leader l. Returns -1 when leadership was lost. */
static int reconcile_once(const struct wsl_rc_opts *o, struct wsl_state *st,
                          const struct wsl_leader *l, const char *me)
{
    struct wsl_reconcile *r;
    struct wsl_err err = {0};
    size_t changed = 0, failed = 0;
    if (record_pass(st, l, me, "serve.start", 0, 0) != 0)
        return -1; /* our term is over: another instance leads now */
    if (wsl_reconcile_load(o, &r, &err) != 0) {
        wsl_log(WSL_LOG_ERROR, "serve", "cannot reconcile", "reason", err.msg, NULL);
        failed++;
    } else {
        failed += wsl_reconcile_plan(r, o);
        for (size_t i = 0; i < r->n && !stopping; i++) {
            struct wsl_placement_item *it = &r->v[i];
            const struct wsl_plan *p = &it->plan;
            if (it->rc || p->count[WSL_ACT_CREATE] + p->count[WSL_ACT_UPDATE] +
                              p->count[WSL_ACT_DELETE] == 0)
                continue;
            if (wsl_leader_lost(l))
                break;
            struct wsl_apply_opts ao = {0};
            struct wsl_apply_result res = {0};
            if (wsl_reconcile_apply(r, it, &ao, &res, &err) != 0) {
                wsl_log(WSL_LOG_ERROR, "serve", "apply failed", "reason", err.msg, NULL);
                failed++;
            } else {
                changed++;
            }
            wsl_apply_result_free(&res);
        }
    }
    wsl_reconcile_free(r);
    return record_pass(st, l, me, "serve.end", changed, failed) == 0 ? 0 : -1;
}

static void lead(const struct wsl_rc_opts *o, struct wsl_state *st, int64_t every,
                 const char *me)
{
    while (!stopping) {
        struct wsl_leader *l = NULL;
        struct wsl_err err = {0};
        int rc = wsl_state_campaign(st, "serve", me, 1000, &l, &err);
        if (rc == WSL_E_CONFLICT)
            continue; /* someone else leads: keep campaigning */
        if (rc) {
            wsl_log(WSL_LOG_ERROR, "serve", "cannot campaign", "reason", err.msg, NULL);
            nap(1000, NULL);
            continue;
        }
        wsl_log(WSL_LOG_INFO, "serve", "leading", "instance", me, NULL);
        while (!stopping && !wsl_leader_lost(l) && reconcile_once(o, st, l, me) == 0)
            nap(every, l);
        if (!stopping)
            wsl_log(WSL_LOG_WARN, "serve", "lost leadership", "instance", me, NULL);
        wsl_leader_resign(l);
    }
}

static int run(int argc, char **argv, struct wsl_cli *cli)
{
    int nargs;
    int rc = wsl_cli_parse(&wsl_cmd_serve, argc, argv, cli, &nargs);
    if (rc != 0)
        return rc > 0 ? WSL_EXIT_OK : WSL_EXIT_USAGE;
    int64_t every = 60000;
    struct wsl_err err = {0};
    if (interval && wsl_duration_parse(interval, &every, &err)) {
        wsl_cli_error(cli, "serve", "--interval: %s", err.msg);
        return WSL_EXIT_USAGE;
    }
    char me[256];
    char host[128] = "localhost";
    gethostname(host, sizeof host - 1);
    snprintf(me, sizeof me, "%s", id ? id : host);
    if (!id)
        snprintf(me + strlen(me), sizeof me - strlen(me), ":%ld", (long)getpid());
    struct wsl_state *st;
    if (wsl_state_open(state, &st, &err)) {
        wsl_cli_error(cli, "serve", "%s", err.msg);
        return WSL_EXIT_FAIL;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    struct wsl_cli_paths paths = wsl_cli_paths(argv, nargs);
    struct wsl_rc_opts o = {.paths = paths.v, .npaths = paths.n, .state = state, .lock = true};
    lead(&o, st, every, me);
    wsl_state_close(st);
    wsl_log(WSL_LOG_INFO, "serve", "stopped", "instance", me, NULL);
    return WSL_EXIT_OK;
}

const struct wsl_cmd wsl_cmd_serve = {
    "serve", run, "reconcile continuously, one leader among several instances",
    "wissel serve [options] [PATH...]",
    "Campaigns for leadership in the state (with etcd, across machines; with a state\n"
    "directory, on one machine), then as the leader reconciles the manifests under PATH\n"
    "onto every target every --interval: plan, apply what changed, correct drift. Other\n"
    "instances wait and take over within the lease TTL when the leader dies. Every pass\n"
    "and every action is in the journal, fenced by the leadership and the target's lock.\n"
    "SIGTERM or SIGINT stops after the action in flight and resigns.\n"
    "Git fetching, webhooks and metrics come with later versions.",
    opts};
