/*
 * state_etcd.c — the etcd state backend against the real three-member cluster of
 * tests/env. Run by tests/integration/state_etcd.sh, which loads the test settings:
 *
 *   state_etcd                                 the suite (TAP); needs ETCD_CLUSTER and
 *                                              ETCD_MEMBER, and fails without them
 *   state_etcd hold SPEC TARGET                child: take the lock, print "token N", then
 *                                              obey stdin: "append" (a fenced append:
 *                                              "ok SEQ" / "conflict MSG" / "error MSG"),
 *                                              "lost" ("lost 0|1"); EOF releases
 *   state_etcd append SPEC COUNT ID            child: COUNT appends of {"type":"t", ...}
 *   state_etcd elect SPEC NAME ID LOG [unsafe] child: campaign; as leader, append a fenced
 *                                              "test.tick" every 100 ms; log to LOG:
 *                                              "lead ID TOKEN US", "tick ID TOKEN US SEQ"
 *                                              (US taken before the append), "fenced ...",
 *                                              "lost ...". unsafe: never checks
 *                                              wsl_leader_lost(), like a process paused
 *                                              between its check and its write, so only
 *                                              fencing stands between it and the journal.
 *
 * Children are separate processes (fork + exec of this program): a held lock runs a
 * lease-keeper thread, and threads do not survive fork. Each test uses its own key prefix
 * /wissel-test/PID-NAME/, deleted at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/units.h"
#include "lib/log.h"
#include "orchestrator/state/etcd_client.h"
#include "orchestrator/state/state.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TTL 3 /* lease seconds used by the tests */

static char members[1024]; /* "127.0.10.11:2379,..." */
static char *member_urls[8];
static size_t nmember_urls;
static const char *member_tool; /* $ETCD_MEMBER */
static int stopped[4];          /* members this run stopped: restarted in any case */

/* --- helpers ----------------------------------------------------------------------------- */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}



static void spec_ttl(const char *name, int ttl, char *out, size_t n)
{
    snprintf(out, n, "etcd://%s?prefix=/wissel-test/%ld-%s/&ttl=%d&timeout=10", members,
             (long)getpid(), name, ttl);
}

static void spec_for(const char *name, char *out, size_t n)
{
    spec_ttl(name, TTL, out, n);
}

static struct wsl_state *open_spec(const char *spec)
{
    struct wsl_state *st = NULL;
    struct wsl_err err = {0};
    if (wsl_state_open(spec, &st, &err) != 0)
        fail_msg("wsl_state_open(%s): %s", spec, err.msg);
    return st;
}

static json_t *read_all(struct wsl_state *st, const struct wsl_state_query *q)
{
    json_t *out;
    struct wsl_err err = {0};
    if (wsl_state_read(st, q, &out, &err) != 0)
        fail_msg("read: %s", err.msg);
    return out;
}

static int64_t seq_at(const json_t *arr, size_t i)
{
    return json_integer_value(json_object_get(json_array_get(arr, i), "seq"));
}

static int64_t fence_token(const json_t *rec)
{
    return json_integer_value(json_object_get(json_object_get(rec, "fence"), "token"));
}

/* A raw client of the cluster, for looking at keys behind the backend's back. */
static struct wsl_etcd *raw_client(void)
{
    struct wsl_etcd_cfg cfg = {.endpoints = (const char *const *)member_urls,
                               .nendpoints = nmember_urls};
    struct wsl_err err = {0};
    struct wsl_etcd *c = wsl_etcd_new(&cfg, &err);
    if (!c)
        fail_msg("etcd client: %s", err.msg);
    return c;
}

/* The kvs under key (prefix when `prefix`), a new reference. */
static json_t *raw_get(const char *key, bool prefix)
{
    struct wsl_etcd *c = raw_client();
    char end[512];
    snprintf(end, sizeof end, "%s", key);
    end[strlen(end) - 1]++;
    json_t *req = wsl_etcd_range_req(key, prefix ? end : NULL, 0, false), *resp;
    struct wsl_err err = {0};
    if (wsl_etcd_call(c, "/v3/kv/range", req, 10000, &resp, &err) != 0)
        fail_msg("range %s: %s", key, err.msg);
    json_decref(req);
    wsl_etcd_free(c);
    json_t *kvs = json_incref((json_t *)wsl_etcd_kvs(resp));
    json_decref(resp);
    return kvs ? kvs : json_array();
}

/* Delete everything this run wrote. */
static void raw_cleanup(void)
{
    struct wsl_etcd *c = raw_client();
    char key[128], end[128];
    snprintf(key, sizeof key, "/wissel-test/%ld-", (long)getpid());
    snprintf(end, sizeof end, "/wissel-test/%ld.", (long)getpid());
    json_t *req = json_pack("{s:o, s:o}", "key", wsl_etcd_str(key), "range_end", wsl_etcd_str(end));
    json_t *resp = NULL;
    wsl_etcd_call(c, "/v3/kv/deleterange", req, 10000, &resp, NULL);
    json_decref(req);
    json_decref(resp);
    wsl_etcd_free(c);
}

/* Run the member tool: "stop 2", "start 2", "leader". Returns its exit status; its
 * output (both streams, newlines as "; ") in out. */
static int member(const char *args, char *out, size_t n)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", member_tool, args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t len = 0;
    int ch;
    while ((ch = fgetc(p)) != EOF)
        if (len + 1 < n)
            out[len++] = ch == '\n' ? ';' : (char)ch;
    out[len] = '\0';
    if (len > 0 && out[len - 1] == ';')
        out[len - 1] = '\0';
    int status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void member_stop(int m, const char *how)
{
    char args[32], out[2048];
    snprintf(args, sizeof args, "%s %d", how, m);
    stopped[m] = 1;
    int rc = member(args, out, sizeof out);
    if (rc != 0)
        fail_msg("etcd-member %s: exit %d: %s", args, rc, out);
}

static void member_start(int m)
{
    char args[32], out[2048];
    snprintf(args, sizeof args, "start %d", m);
    int rc = member(args, out, sizeof out);
    if (rc != 0)
        fail_msg("etcd-member %s: exit %d: %s", args, rc, out);
    stopped[m] = 0;
}

static int member_leader(void)
{
    char out[2048];
    /* Right after a member rejoined there may briefly be no leader. */
    for (int i = 0; i < 50; i++) {
        if (member("leader", out, sizeof out) == 0 && atoi(out) >= 1 && atoi(out) <= 3)
            return atoi(out);
        wsl_sleep_ms(200);
    }
    fail_msg("etcd-member leader: %s", out);
    return 0;
}

/* --- children -------------------------------------------------------------------------- */

/* CPU time (user + system) a process has used so far, from /proc; -1 when unreadable. */
static double cpu_seconds(pid_t pid)
{
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* fields after the command name */
    unsigned long utime = 0, stime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
                     &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

struct child {
    pid_t pid;
    int in, out; /* its stdin (we write), its stdout (we read) */
    char buf[4096];
    size_t len;
};

/* Children still running: killed when a test fails half-way (teardown). */
static pid_t running[16];

static void reap_all(void)
{
    for (size_t i = 0; i < sizeof running / sizeof running[0]; i++) {
        if (running[i] > 0) {
            kill(running[i], SIGKILL);
            waitpid(running[i], NULL, 0);
            running[i] = 0;
        }
    }
}

static void spawn(struct child *c, const char *const argv[])
{
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    memset(c, 0, sizeof *c);
    c->pid = fork();
    assert_true(c->pid >= 0);
    if (c->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the test */
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[0]);
        close(in[1]);
        close(out[0]);
        close(out[1]);
        execv("/proc/self/exe", (char *const *)argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    c->in = in[1];
    c->out = out[0];
    for (size_t i = 0; i < sizeof running / sizeof running[0]; i++) {
        if (running[i] == 0) {
            running[i] = c->pid;
            break;
        }
    }
}

/* One line from the child (without '\n') within timeout_ms; false on time-out or EOF. */
static bool child_line(struct child *c, char *line, size_t n, int timeout_ms)
{
    int64_t end = wsl_monotonic_ms() + timeout_ms;
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        if (nl) {
            size_t l = (size_t)(nl - c->buf);
            snprintf(line, n, "%.*s", (int)l, c->buf);
            memmove(c->buf, nl + 1, c->len - l - 1);
            c->len -= l + 1;
            return true;
        }
        int64_t left = end - wsl_monotonic_ms();
        struct pollfd p = {c->out, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return false;
        ssize_t r = read(c->out, c->buf + c->len, sizeof c->buf - c->len - 1);
        if (r <= 0)
            return false;
        c->len += (size_t)r;
    }
}

static void child_say(struct child *c, const char *cmd)
{
    assert_int_equal(write(c->in, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
}

/* Close its stdin (a holder then releases) and wait for it; returns its exit status. */
static int child_end(struct child *c, int sig)
{
    if (sig)
        kill(c->pid, sig);
    close(c->in);
    int status = 0;
    waitpid(c->pid, &status, 0);
    close(c->out);
    for (size_t i = 0; i < sizeof running / sizeof running[0]; i++)
        if (running[i] == c->pid)
            running[i] = 0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A child holding target's lock; its token. */
static int64_t start_holder(struct child *c, const char *spec, const char *target)
{
    const char *argv[] = {"state_etcd", "hold", spec, target, NULL};
    spawn(c, argv);
    char line[512];
    if (!child_line(c, line, sizeof line, 15000))
        fail_msg("the holder child did not report its token");
    if (strncmp(line, "token ", 6) != 0)
        fail_msg("holder child: %s", line);
    return strtoll(line + 6, NULL, 10);
}

static int role_hold(const char *spec, const char *target)
{
    struct wsl_state *st;
    struct wsl_lock *l;
    struct wsl_err err = {0};
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (wsl_state_open(spec, &st, &err) != 0 || wsl_state_lock(st, target, -1, &l, &err) != 0) {
        printf("error %s\n", err.msg);
        return 1;
    }
    printf("token %lld\n", (long long)wsl_lock_token(l));
    char cmd[64];
    while (fgets(cmd, sizeof cmd, stdin)) {
        if (strncmp(cmd, "append", 6) == 0) {
            struct wsl_fence f = wsl_lock_fence(l);
            json_t *r = json_pack("{s:s, s:s, s:i}", "type", "action", "target", target, "pid",
                                  (int)getpid());
            int rc = wsl_state_append(st, r, &f, &err);
            if (rc == 0)
                printf("ok %lld\n", (long long)json_integer_value(json_object_get(r, "seq")));
            else
                printf("%s %s\n", rc == WSL_E_CONFLICT ? "conflict" : "error", err.msg);
            json_decref(r);
        } else if (strncmp(cmd, "lost", 4) == 0) {
            printf("lost %d\n", wsl_lock_lost(l));
        }
    }
    wsl_lock_release(l);
    wsl_state_close(st);
    return 0;
}

static int role_append(const char *spec, int count, int id)
{
    struct wsl_state *st;
    struct wsl_err err = {0};
    if (wsl_state_open(spec, &st, &err) != 0) {
        fprintf(stderr, "open: %s\n", err.msg);
        return 1;
    }
    for (int i = 0; i < count; i++) {
        json_t *r = json_pack("{s:s, s:i, s:i}", "type", "t", "child", id, "i", i);
        if (wsl_state_append(st, r, NULL, &err) != 0) {
            fprintf(stderr, "append: %s\n", err.msg);
            return 1;
        }
        json_decref(r);
    }
    wsl_state_close(st);
    return 0;
}

static void logline(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logline(int fd, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    if (write(fd, buf, (size_t)n) != n) /* O_APPEND: one line, one write */
        _exit(3);
}

static int role_elect(const char *spec, const char *name, const char *id, const char *log,
                      bool unsafe)
{
    int fd = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
    struct wsl_state *st;
    struct wsl_err err = {0};
    if (fd < 0 || wsl_state_open(spec, &st, &err) != 0) {
        fprintf(stderr, "elect %s: %s\n", id, err.msg);
        return 1;
    }
    for (;;) {
        struct wsl_leader *ld;
        if (wsl_state_campaign(st, name, id, -1, &ld, &err) != 0) {
            logline(fd, "error %s 0 %lld campaign: %s", id, (long long)now_us(), err.msg);
            wsl_sleep_ms(200);
            continue;
        }
        long long token = (long long)wsl_leader_token(ld);
        logline(fd, "lead %s %lld %lld", id, token, (long long)now_us());
        for (;;) {
            if (!unsafe && wsl_leader_lost(ld)) {
                logline(fd, "lost %s %lld %lld", id, token, (long long)now_us());
                break;
            }
            struct wsl_fence f = wsl_leader_fence(ld);
            json_t *r = json_pack("{s:s, s:s}", "type", "test.tick", "id", id);
            int64_t before = now_us();
            int rc = wsl_state_append(st, r, &f, &err);
            long long seq = (long long)json_integer_value(json_object_get(r, "seq"));
            json_decref(r);
            if (rc == 0) {
                logline(fd, "tick %s %lld %lld %lld", id, token, (long long)before, seq);
            } else if (rc == WSL_E_CONFLICT) {
                logline(fd, "fenced %s %lld %lld %s", id, token, (long long)now_us(), err.msg);
                break;
            } else {
                logline(fd, "error %s %lld %lld %s", id, token, (long long)now_us(), err.msg);
            }
            wsl_sleep_ms(100);
        }
        wsl_leader_resign(ld);
    }
}

/* --- tests ----------------------------------------------------------------------------- */

static void journal_appends_and_reads(void **state)
{
    char spec[2048];
    spec_for("journal", spec, sizeof spec);
    struct wsl_state *st = open_spec(spec);
    struct wsl_err err = {0};
    const char *types[] = {"apply.start", "action", "apply.end"};
    for (int i = 0; i < 3; i++) {
        json_t *r = json_pack("{s:s, s:s, s:s}", "type", types[i], "app", "shop", "target", "eu-1");
        assert_int_equal(wsl_state_append(st, r, NULL, &err), 0);
        assert_int_equal(json_integer_value(json_object_get(r, "seq")), i + 1);
        json_decref(r);
    }
    for (int i = 0; i < 300; i++) { /* more than a page of reads (256) */
        json_t *r = json_pack("{s:s, s:s, s:i}", "type", "bulk", "app", i % 2 ? "odd" : "even",
                              "i", i);
        if (wsl_state_append(st, r, NULL, &err) != 0)
            fail_msg("append %d: %s", i, err.msg);
        json_decref(r);
    }
    json_t *all = read_all(st, NULL);
    assert_int_equal(json_array_size(all), 303);
    for (size_t i = 0; i < 303; i++)
        assert_int_equal(seq_at(all, i), (int64_t)i + 1);
    json_decref(all);

    struct wsl_state_query q = {.type = "apply."};
    json_t *r = read_all(st, &q);
    assert_int_equal(json_array_size(r), 2);
    json_decref(r);
    q = (struct wsl_state_query){.limit = 5, .newest = true};
    r = read_all(st, &q);
    assert_int_equal(json_array_size(r), 5);
    assert_int_equal(seq_at(r, 0), 299);
    assert_int_equal(seq_at(r, 4), 303);
    json_decref(r);
    q = (struct wsl_state_query){.app = "even", .limit = 2, .newest = true};
    r = read_all(st, &q);
    assert_int_equal(json_array_size(r), 2);
    assert_int_equal(seq_at(r, 0), 300);
    assert_int_equal(seq_at(r, 1), 302);
    json_decref(r);
    q = (struct wsl_state_query){.since = 290, .limit = 3};
    r = read_all(st, &q);
    assert_int_equal(json_array_size(r), 3);
    assert_int_equal(seq_at(r, 0), 291);
    json_decref(r);
    q = (struct wsl_state_query){.app = "odd"};
    r = read_all(st, &q);
    assert_int_equal(json_array_size(r), 150);
    json_decref(r);
    wsl_state_close(st);

    /* A new handle continues the sequence; the keys are what docs/state.md says. */
    st = open_spec(spec);
    json_t *rec = json_pack("{s:s}", "type", "after");
    assert_int_equal(wsl_state_append(st, rec, NULL, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(rec, "seq")), 304);
    json_decref(rec);
    wsl_state_close(st);
    char key[256];
    snprintf(key, sizeof key, "/wissel-test/%ld-journal/journal/00000000000000000304",
             (long)getpid());
    json_t *kvs = raw_get(key, false);
    assert_int_equal(json_array_size(kvs), 1);
    char *v = wsl_etcd_kv_field(json_array_get(kvs, 0), "value", NULL);
    assert_int_equal(strncmp(v, "{\"seq\":304,\"ts\":\"", 17), 0);
    free(v);
    json_decref(kvs);
}

static void concurrent_appends_from_processes(void **state)
{
    enum { CHILDREN = 4, EACH = 40 };
    char spec[2048], count[16], id[CHILDREN][8];
    spec_for("concurrent", spec, sizeof spec);
    snprintf(count, sizeof count, "%d", EACH);
    struct child c[CHILDREN];
    for (int i = 0; i < CHILDREN; i++) {
        snprintf(id[i], sizeof id[i], "%d", i);
        const char *argv[] = {"state_etcd", "append", spec, count, id[i], NULL};
        spawn(&c[i], argv);
    }
    for (int i = 0; i < CHILDREN; i++)
        assert_int_equal(child_end(&c[i], 0), 0);
    struct wsl_state *st = open_spec(spec);
    json_t *all = read_all(st, NULL);
    assert_int_equal(json_array_size(all), CHILDREN * EACH);
    int next[CHILDREN] = {0};
    for (size_t i = 0; i < json_array_size(all); i++) {
        json_t *r = json_array_get(all, i);
        assert_int_equal(seq_at(all, i), (int64_t)i + 1); /* no gaps, no duplicates */
        int ch = (int)json_integer_value(json_object_get(r, "child"));
        assert_int_equal(json_integer_value(json_object_get(r, "i")), next[ch]++);
    }
    json_decref(all);
    wsl_state_close(st);
}

static void lock_excludes_another_process(void **state)
{
    char spec[2048];
    spec_for("lock", spec, sizeof spec);
    struct wsl_state *st = open_spec(spec);
    struct child h;
    int64_t token = start_holder(&h, spec, "eu-1");
    assert_true(token > 0);
    struct wsl_lock *l = (struct wsl_lock *)1;
    struct wsl_err err = {0};

    int64_t t0 = wsl_monotonic_ms();
    assert_int_equal(wsl_state_lock(st, "eu-1", 0, &l, &err), WSL_E_CONFLICT);
    assert_null(l);
    assert_true(wsl_monotonic_ms() - t0 < 2000);
    char want[64];
    snprintf(want, sizeof want, "held by pid %ld on host ", (long)h.pid);
    if (!strstr(err.msg, want))
        fail_msg("message '%s' lacks '%s'", err.msg, want);

    t0 = wsl_monotonic_ms();
    assert_int_equal(wsl_state_lock(st, "eu-1", 700, &l, &err), WSL_E_CONFLICT);
    int64_t took = wsl_monotonic_ms() - t0;
    assert_true(took >= 690 && took < 3000);

    /* The key is on a lease, holds the holder; another target is free meanwhile. */
    char key[256];
    snprintf(key, sizeof key, "/wissel-test/%ld-lock/locks/eu-1", (long)getpid());
    json_t *kvs = raw_get(key, false);
    assert_int_equal(json_array_size(kvs), 1);
    assert_int_equal(wsl_etcd_int(json_array_get(kvs, 0), "create_revision"), token);
    assert_true(wsl_etcd_int(json_array_get(kvs, 0), "lease") != 0);
    json_decref(kvs);
    assert_int_equal(wsl_state_lock(st, "eu-2", 0, &l, &err), 0);
    wsl_lock_release(l);

    /* Holding costs nothing but a renewal every ttl/3: the keeper sleeps in between. */
    wsl_sleep_ms(1500);
    double cpu = cpu_seconds(h.pid);
    printf("# a lock holder used %.2f s of CPU in about 3 s (start-up included)\n", cpu);
    assert_true(cpu >= 0 && cpu < 0.6);

    /* The holder releases: ours soon after, with a larger token; released, the key goes. */
    int64_t released = wsl_monotonic_ms();
    assert_int_equal(child_end(&h, 0), 0);
    assert_int_equal(wsl_state_lock(st, "eu-1", 5000, &l, &err), 0);
    assert_true(wsl_monotonic_ms() - released < 2000);
    assert_true(wsl_lock_token(l) > token);
    assert_false(wsl_lock_lost(l));
    wsl_lock_release(l);
    kvs = raw_get(key, false);
    assert_int_equal(json_array_size(kvs), 0);
    json_decref(kvs);
    wsl_state_close(st);
}

static void lease_frees_the_lock_of_a_killed_process(void **state)
{
    char spec[2048];
    spec_for("expiry", spec, sizeof spec);
    struct wsl_state *st = open_spec(spec);
    struct child h;
    int64_t token = start_holder(&h, spec, "eu-1");
    wsl_sleep_ms(1500); /* a renewal or so */
    int64_t killed = wsl_monotonic_ms();
    child_end(&h, SIGKILL);
    struct wsl_lock *l;
    struct wsl_err err = {0};
    assert_int_equal(wsl_state_lock(st, "eu-1", (TTL + 5) * 1000, &l, &err), 0);
    int64_t took = wsl_monotonic_ms() - killed;
    printf("# lock of a killed holder free after %lld ms (lease TTL %d s)\n", (long long)took, TTL);
    assert_true(took <= TTL * 1000 + 1500);
    assert_true(wsl_lock_token(l) > token);
    wsl_lock_release(l);
    wsl_state_close(st);
}

static void stale_holder_is_fenced(void **state)
{
    char spec[2048], line[1024];
    spec_for("fence", spec, sizeof spec);
    struct wsl_state *st = open_spec(spec);
    struct child h;
    int64_t old = start_holder(&h, spec, "eu-1");
    child_say(&h, "append\n");
    assert_true(child_line(&h, line, sizeof line, 10000));
    if (strncmp(line, "ok ", 3) != 0)
        fail_msg("the holder's own append: %s", line);

    /* Pause the holder (its lease keeper too) until its lease is gone: we take over. */
    kill(h.pid, SIGSTOP);
    struct wsl_lock *l;
    struct wsl_err err = {0};
    assert_int_equal(wsl_state_lock(st, "eu-1", (TTL + 5) * 1000, &l, &err), 0);
    assert_true(wsl_lock_token(l) > old);
    struct wsl_fence mine = wsl_lock_fence(l), stale = mine;
    stale.token = old;
    json_t *r = json_pack("{s:s, s:s}", "type", "action", "target", "eu-1");
    assert_int_equal(wsl_state_append(st, r, &mine, &err), 0);
    json_decref(r);
    r = json_pack("{s:s, s:s}", "type", "action", "target", "eu-1");
    assert_int_equal(wsl_state_append(st, r, &stale, &err), WSL_E_CONFLICT);
    assert_non_null(strstr(err.msg, "fenced"));
    json_decref(r);

    /* The paused holder wakes up and, not knowing, writes: refused. */
    kill(h.pid, SIGCONT);
    child_say(&h, "append\n");
    assert_true(child_line(&h, line, sizeof line, 15000));
    if (strncmp(line, "conflict ", 9) != 0 || !strstr(line, "fenced"))
        fail_msg("the stale holder's append was not fenced: %s", line);
    child_say(&h, "lost\n");
    assert_true(child_line(&h, line, sizeof line, 5000));
    assert_string_equal(line, "lost 1");
    child_end(&h, 0);

    /* The journal: the old holder's record, then ours; nothing from it after ours. */
    json_t *all = read_all(st, NULL);
    assert_int_equal(json_array_size(all), 2);
    assert_int_equal(fence_token(json_array_get(all, 0)), old);
    assert_int_equal(fence_token(json_array_get(all, 1)), mine.token);
    json_decref(all);
    assert_false(wsl_lock_lost(l));
    wsl_lock_release(l);
    wsl_state_close(st);
}

/* Wait until the election log has a line starting with `prefix`; its time (us) or 0. */
static int64_t wait_log(const char *log, const char *prefix, int timeout_ms)
{
    int64_t end = wsl_monotonic_ms() + timeout_ms;
    size_t n = strlen(prefix);
    do {
        FILE *f = fopen(log, "r");
        char line[1024];
        while (f && fgets(line, sizeof line, f)) {
            if (strncmp(line, prefix, n) == 0) {
                char what[16], id[64];
                long long token, us;
                fclose(f);
                if (sscanf(line, "%15s %63s %lld %lld", what, id, &token, &us) != 4)
                    return -1;
                return us;
            }
        }
        if (f)
            fclose(f);
        wsl_sleep_ms(50);
    } while (wsl_monotonic_ms() < end);
    return 0;
}

struct term {
    char id[64];
    long long token, start, end;
    int ticks;
};

static void election_hands_over_and_never_overlaps(void **state)
{
    char spec[2048], log[256];
    spec_for("election", spec, sizeof spec);
    snprintf(log, sizeof log, "/tmp/wsl-state-etcd-%ld-election.log", (long)getpid());
    unlink(log);
    struct child a, b, c;
    const char *argv_a[] = {"state_etcd", "elect", spec, "serve", "A", log, NULL};
    const char *argv_b[] = {"state_etcd", "elect", spec, "serve", "B", log, "unsafe", NULL};
    const char *argv_c[] = {"state_etcd", "elect", spec, "serve", "C", log, NULL};

    spawn(&a, argv_a);
    assert_true(wait_log(log, "lead A ", 10000) > 0);
    spawn(&b, argv_b);
    wsl_sleep_ms(1500);
    assert_int_equal(wait_log(log, "lead B ", 0), 0); /* A leads: B waits */
    assert_true(wait_log(log, "tick A ", 0) > 0);

    /* Kill the leader: B takes over within the TTL (plus polling and margin). */
    int64_t killed = now_us();
    child_end(&a, SIGKILL);
    int64_t led = wait_log(log, "lead B ", (TTL + 5) * 1000);
    assert_true(led > 0);
    printf("# leader killed: the next took over after %lld ms (lease TTL %d s)\n",
           (long long)(led - killed) / 1000, TTL);
    assert_true(led - killed <= (TTL * 1000 + 2000) * 1000LL);

    /* Pause B (unsafe: it writes without checking) until C leads, then wake it. */
    spawn(&c, argv_c);
    wsl_sleep_ms(1000);
    assert_int_equal(wait_log(log, "lead C ", 0), 0);
    kill(b.pid, SIGSTOP);
    assert_true(wait_log(log, "lead C ", (TTL + 5) * 1000) > 0);
    kill(b.pid, SIGCONT);
    assert_true(wait_log(log, "fenced B ", 5000) > 0);
    wsl_sleep_ms(500);
    child_end(&b, SIGKILL);
    child_end(&c, SIGKILL);

    /* Leadership terms from the log: one (id, token) each; never two at once. */
    struct term terms[32];
    size_t nt = 0;
    FILE *f = fopen(log, "r");
    assert_non_null(f);
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        char what[16], id[64];
        long long token, us;
        if (sscanf(line, "%15s %63s %lld %lld", what, id, &token, &us) != 4)
            continue;
        if (strcmp(what, "error") == 0)
            printf("# %s", line);
        size_t i = 0;
        while (i < nt && !(terms[i].token == token && strcmp(terms[i].id, id) == 0))
            i++;
        if (strcmp(what, "lead") == 0 && i == nt && nt < 32) {
            snprintf(terms[nt].id, sizeof terms[nt].id, "%s", id);
            terms[nt].token = token;
            terms[nt].start = terms[nt].end = us;
            terms[nt++].ticks = 0;
        } else if (strcmp(what, "tick") == 0 && i < nt) {
            terms[i].end = us; /* taken before the append: the term lasted at least till then */
            terms[i].ticks++;
        }
    }
    fclose(f);
    assert_true(nt >= 3);
    for (size_t i = 0; i < nt; i++) {
        printf("# term %s token %lld: %lld..%lld us, %d ticks\n", terms[i].id, terms[i].token,
               terms[i].start, terms[i].end, terms[i].ticks);
        if (i > 0 && !(terms[i - 1].end < terms[i].start && terms[i - 1].token < terms[i].token))
            fail_msg("terms overlap: %s (token %lld) wrote at %lld, %s (token %lld) led from %lld",
                     terms[i - 1].id, terms[i - 1].token, terms[i - 1].end, terms[i].id,
                     terms[i].token, terms[i].start);
    }

    /* The journal: the ticks' fence tokens never go back (no stale leader wrote late). */
    struct wsl_state *st = open_spec(spec);
    struct wsl_state_query q = {.type = "test.tick"};
    json_t *ticks = read_all(st, &q);
    assert_true(json_array_size(ticks) > 10);
    int64_t prev = 0;
    for (size_t i = 0; i < json_array_size(ticks); i++) {
        int64_t t = fence_token(json_array_get(ticks, i));
        if (t < prev)
            fail_msg("journal seq %lld carries token %lld after token %lld",
                     (long long)seq_at(ticks, i), (long long)t, (long long)prev);
        prev = t;
    }
    json_decref(ticks);
    wsl_state_close(st);
    unlink(log);
}

/* Appends, reads and locks for `ms` while a member is down: all succeed, none stalls. */
static void keep_working(struct wsl_state *st, struct wsl_lock *held, int ms, const char *phase)
{
    int64_t end = wsl_monotonic_ms() + ms, worst = 0;
    int ops = 0;
    struct wsl_fence f = wsl_lock_fence(held);
    while (wsl_monotonic_ms() < end) {
        struct wsl_err err = {0};
        int64_t t0 = wsl_monotonic_ms();
        json_t *r = json_pack("{s:s, s:s}", "type", "action", "target", "eu-1");
        int rc = wsl_state_append(st, r, &f, &err);
        json_decref(r);
        if (rc != 0)
            fail_msg("%s: fenced append failed: %s", phase, err.msg);
        struct wsl_state_query q = {.limit = 3, .newest = true};
        json_t *got = read_all(st, &q);
        assert_int_equal(json_array_size(got), 3);
        json_decref(got);
        struct wsl_lock *l;
        if (wsl_state_lock(st, "eu-2", 0, &l, &err) != 0)
            fail_msg("%s: lock: %s", phase, err.msg);
        wsl_lock_release(l);
        int64_t took = wsl_monotonic_ms() - t0;
        worst = took > worst ? took : worst;
        ops++;
        wsl_sleep_ms(50);
    }
    printf("# %s: %d rounds of append+read+lock, slowest %lld ms\n", phase, ops, (long long)worst);
    assert_true(ops > 3);
    assert_true(worst < 5000);
}

static void a_stopped_member_does_not_stall(void **state)
{
    /* A lease must outlive an etcd leader election (1 to 2 s here) plus a renewal
     * interval: with 3 s a crash of the raft leader may (safely) cost the lock. */
    char spec[2048];
    spec_ttl("members", 10, spec, sizeof spec);
    struct wsl_err err = {0};
    for (int i = 0; i < 3; i++) { /* a few records so that reads have something */
        struct wsl_state *st = open_spec(spec);
        json_t *r = json_pack("{s:s}", "type", "seed");
        assert_int_equal(wsl_state_append(st, r, NULL, &err), 0);
        json_decref(r);
        wsl_state_close(st);
    }

    /* Phase 1: stop member 1, the one a new client talks to first. */
    struct wsl_state *st = open_spec(spec);
    struct wsl_lock *l;
    struct wsl_leader *ld;
    assert_int_equal(wsl_state_lock(st, "eu-1", 0, &l, &err), 0);
    assert_int_equal(wsl_state_campaign(st, "serve", "members-test", 0, &ld, &err), 0);
    member_stop(1, "stop");
    keep_working(st, l, 4000, "member 1 stopped");
    assert_false(wsl_lock_lost(l));
    assert_false(wsl_leader_lost(ld));
    member_start(1);

    /* Phase 2: kill the raft leader (a crash: an election follows). */
    int leader = member_leader();
    member_stop(leader, "kill");
    char phase[64];
    snprintf(phase, sizeof phase, "leader member %d killed", leader);
    keep_working(st, l, 4000, phase);
    assert_false(wsl_lock_lost(l));
    assert_false(wsl_leader_lost(ld));
    member_start(leader);
    wsl_leader_resign(ld);
    wsl_lock_release(l);
    wsl_state_close(st);

    /* Without a quorum (two of three down): a clear error in bounded time, no hang. */
    member_stop(2, "stop");
    member_stop(3, "stop");
    char quick[2048];
    snprintf(quick, sizeof quick, "etcd://%s?prefix=/wissel-test/%ld-members/&timeout=3", members,
             (long)getpid());
    int64_t t0 = wsl_monotonic_ms();
    int rc = wsl_state_open(quick, &st, &err);
    int64_t took = wsl_monotonic_ms() - t0;
    printf("# no quorum: open failed after %lld ms: %s\n", (long long)took, err.msg);
    assert_true(rc == WSL_E_NET || rc == WSL_E_TIMEOUT || rc == WSL_E_HTTP);
    assert_non_null(strstr(err.msg, "no member of the cluster served"));
    assert_true(took < 10000);
    member_start(2);
    member_start(3);
}

static int reap_children(void **state)
{
    reap_all();
    return 0;
}

static int restart_stopped(void **state)
{
    reap_all();
    for (int m = 1; m <= 3; m++)
        if (stopped[m])
            member_start(m);
    return 0;
}

static int group_teardown(void **state)
{
    restart_stopped(state);
    raw_cleanup();
    return 0;
}

int main(int argc, char **argv)
{
    /* WSL_TEST_LOG=debug|info|warn shows the backend's log lines (stderr). */
    enum wsl_log_level level = WSL_LOG_ERROR;
    if (getenv("WSL_TEST_LOG"))
        wsl_log_level_parse(getenv("WSL_TEST_LOG"), &level);
    wsl_log_setup(level, WSL_LOG_TEXT, NULL);
    if (argc >= 4 && strcmp(argv[1], "hold") == 0)
        return role_hold(argv[2], argv[3]);
    if (argc >= 5 && strcmp(argv[1], "append") == 0)
        return role_append(argv[2], atoi(argv[3]), atoi(argv[4]));
    if (argc >= 6 && strcmp(argv[1], "elect") == 0)
        return role_elect(argv[2], argv[3], argv[4], argv[5],
                          argc > 6 && strcmp(argv[6], "unsafe") == 0);
    if (argc > 1) {
        fprintf(stderr, "usage: see the comment at the top of tests/integration/state_etcd.c\n");
        return 2;
    }

    const char *cluster = getenv("ETCD_CLUSTER");
    member_tool = getenv("ETCD_MEMBER");
    if (!cluster || !cluster[0] || !member_tool || !member_tool[0]) {
        printf("not ok 1 - ETCD_CLUSTER and ETCD_MEMBER are not set: run this program from "
               "tests/integration/state_etcd.sh (it loads the tests/env settings)\n");
        return 1;
    }
    /* "http://a:2379,http://b:2379" → "a:2379,b:2379" for the spec, URLs for raw access. */
    char *copy = strdup(cluster), *save = NULL;
    for (char *u = strtok_r(copy, ",", &save); u && nmember_urls < 8;
         u = strtok_r(NULL, ",", &save)) {
        member_urls[nmember_urls++] = strdup(u);
        const char *hostport = strstr(u, "://") ? strstr(u, "://") + 3 : u;
        snprintf(members + strlen(members), sizeof members - strlen(members), "%s%s",
                 members[0] ? "," : "", hostport);
    }
    free(copy);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(journal_appends_and_reads, reap_children),
        cmocka_unit_test_teardown(concurrent_appends_from_processes, reap_children),
        cmocka_unit_test_teardown(lock_excludes_another_process, reap_children),
        cmocka_unit_test_teardown(lease_frees_the_lock_of_a_killed_process, reap_children),
        cmocka_unit_test_teardown(stale_holder_is_fenced, reap_children),
        cmocka_unit_test_teardown(election_hands_over_and_never_overlaps, reap_children),
        cmocka_unit_test_teardown(a_stopped_member_does_not_stall, restart_stopped),
    };
    int rc = cmocka_run_group_tests_name("state-etcd", tests, NULL, group_teardown);
    for (size_t i = 0; i < nmember_urls; i++)
        free(member_urls[i]);
    return rc;
}
