/*
 * Unit tests of orchestrator/state/ with the file backend (the etcd backend is tested
 * against a real cluster by tests/integration/state_etcd.sh), and of lib/base64.
 *
 * Several tests fork: the children open their own store (a store is not shared across
 * fork), report over a pipe and end with _exit().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/base64.h"
#include "lib/log.h"
#include "orchestrator/state/state.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[PATH_MAX];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/wsl-state-test-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static struct wsl_state *open_dir(void)
{
    struct wsl_state *st = NULL;
    struct wsl_err err = {0};
    int rc = wsl_state_open(dir, &st, &err);
    if (rc != 0)
        fail_msg("wsl_state_open(%s): %s", dir, err.msg);
    return st;
}

static json_t *rec(const char *type, const char *app, const char *target)
{
    json_t *r = json_pack("{s:s}", "type", type);
    if (app)
        json_object_set_new(r, "app", json_string(app));
    if (target)
        json_object_set_new(r, "target", json_string(target));
    return r;
}

/* Append and return the seq it got. */
static int64_t append(struct wsl_state *st, json_t *r)
{
    struct wsl_err err = {0};
    int rc = wsl_state_append(st, r, NULL, &err);
    if (rc != 0)
        fail_msg("append: %s", err.msg);
    int64_t seq = json_integer_value(json_object_get(r, "seq"));
    json_decref(r);
    return seq;
}

static json_t *read_q(struct wsl_state *st, const struct wsl_state_query *q)
{
    json_t *out = NULL;
    struct wsl_err err = {0};
    if (wsl_state_read(st, q, &out, &err) != 0)
        fail_msg("read: %s", err.msg);
    return out;
}

static int64_t seq_at(const json_t *arr, size_t i)
{
    return json_integer_value(json_object_get(json_array_get(arr, i), "seq"));
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *buf = calloc(1, 1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void journal_path(char *out, size_t n)
{
    snprintf(out, n, "%s/journal.jsonl", dir);
}

/* --- base64 ----------------------------------------------------------------------------- */

static void base64_round_trips_rfc4648(void **state)
{
    static const char *const vec[][2] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        char *e = wsl_base64_encode(vec[i][0], strlen(vec[i][0]));
        assert_string_equal(e, vec[i][1]);
        free(e);
        unsigned char *d;
        size_t n;
        assert_int_equal(wsl_base64_decode(vec[i][1], strlen(vec[i][1]), &d, &n, NULL), 0);
        assert_int_equal(n, strlen(vec[i][0]));
        assert_memory_equal(d, vec[i][0], n);
        assert_int_equal(d[n], 0);
        free(d);
    }
    /* Every byte value, every length up to 64. */
    unsigned char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)(255 - i);
    for (size_t len = 0; len <= 256; len += len < 64 ? 1 : 64) {
        char *e = wsl_base64_encode(all, len);
        unsigned char *d;
        size_t n;
        assert_int_equal(wsl_base64_decode(e, strlen(e), &d, &n, NULL), 0);
        assert_int_equal(n, len);
        assert_memory_equal(d, all, len);
        free(d);
        free(e);
    }
    /* Without padding too. */
    unsigned char *d;
    size_t n;
    assert_int_equal(wsl_base64_decode("Zm9vYg", 6, &d, &n, NULL), 0);
    assert_int_equal(n, 4);
    free(d);
}

static void base64_rejects_malformed(void **state)
{
    static const char *const bad[] = {"Z", "Zg=", "Zg===", "Z===", "Zm9v\n", "Zm-v", "Zm_v",
                                       "Zh==", "Zm9=", "=Zm9", "Zm=v"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        unsigned char *d = (unsigned char *)"x";
        size_t n = 7;
        struct wsl_err err = {0};
        int rc = wsl_base64_decode(bad[i], strlen(bad[i]), &d, &n, &err);
        if (rc != WSL_E_INVALID)
            fail_msg("'%s' decoded (rc %d)", bad[i], rc);
        assert_null(d);
        assert_int_equal(n, 0);
        assert_non_null(strstr(err.msg, "base64"));
    }
}

/* --- opening ---------------------------------------------------------------------------- */

static void open_default_dir_and_specs(void **state)
{
    char xdg[PATH_MAX], want[PATH_MAX + 16];
    snprintf(xdg, sizeof xdg, "%s/xdg", dir);
    setenv("XDG_STATE_HOME", xdg, 1);
    struct wsl_state *st;
    struct wsl_err err = {0};
    assert_int_equal(wsl_state_open(NULL, &st, &err), 0);
    snprintf(want, sizeof want, "file:%s/wissel", xdg);
    assert_string_equal(wsl_state_describe(st), want);
    wsl_state_close(st);
    struct stat sb;
    snprintf(want, sizeof want, "%s/wissel/journal.jsonl", xdg);
    assert_int_equal(stat(want, &sb), 0);
    unsetenv("XDG_STATE_HOME");

    char home[PATH_MAX];
    snprintf(home, sizeof home, "%s/home", dir);
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", home, 1);
    assert_int_equal(wsl_state_open("", &st, &err), 0);
    snprintf(want, sizeof want, "file:%s/.local/state/wissel", home);
    assert_string_equal(wsl_state_describe(st), want);
    wsl_state_close(st);
    if (old_home)
        setenv("HOME", old_home, 1);
    free(old_home);

    snprintf(want, sizeof want, "dir:%s/explicit", dir);
    assert_int_equal(wsl_state_open(want, &st, &err), 0);
    wsl_state_close(st);

    /* Specs refused before any network traffic. */
    static const char *const bad[] = {
        "zookeeper://h:1", "dir:", "etcd://", "etcd://h:2379?ttl=1", "etcd://h:2379?bogus=1",
        "etcd://h:2379/x", "etcd://h:2379?prefix=nope", "etcd://h?ca=/x.pem",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st = (struct wsl_state *)1;
        int rc = wsl_state_open(bad[i], &st, &err);
        if (rc != WSL_E_USAGE)
            fail_msg("%s: rc %d (%s)", bad[i], rc, err.msg);
        assert_null(st);
    }
    /* A cluster that does not answer: a clear network error, in bounded time. */
    time_t t0 = time(NULL);
    int rc = wsl_state_open("etcd://127.0.0.1:1,127.0.0.1:2?timeout=2", &st, &err);
    assert_int_equal(rc, WSL_E_NET);
    assert_non_null(strstr(err.msg, "no member of the cluster"));
    assert_true(time(NULL) - t0 <= 4);
}

/* --- the journal ------------------------------------------------------------------------ */

static void append_stamps_and_read_filters(void **state)
{
    struct wsl_state *st = open_dir();
    assert_int_equal(append(st, rec("apply.start", "shop", "eu-1")), 1);
    assert_int_equal(append(st, rec("action", "shop", "eu-1")), 2);
    assert_int_equal(append(st, rec("action", "blog", "eu-1")), 3);
    assert_int_equal(append(st, rec("apply.end", "shop", "eu-2")), 4);
    assert_int_equal(append(st, rec("health", "shop", NULL)), 5);

    json_t *all = read_q(st, NULL);
    assert_int_equal(json_array_size(all), 5);
    json_t *r0 = json_array_get(all, 0);
    const char *ts = json_string_value(json_object_get(r0, "ts"));
    assert_non_null(ts);
    assert_int_equal(strlen(ts), strlen("2025-01-01T10:00:00.000000Z"));
    assert_int_equal(ts[10], 'T');
    assert_int_equal(ts[26], 'Z');
    char by[64];
    snprintf(by, sizeof by, ":%ld", (long)getpid());
    assert_non_null(strstr(json_string_value(json_object_get(r0, "by")), by));
    json_decref(all);

    /* The line starts with seq, ts and by, then the caller's fields. */
    char path[PATH_MAX];
    journal_path(path, sizeof path);
    char *text = slurp(path);
    assert_int_equal(strncmp(text, "{\"seq\":1,\"ts\":\"", 15), 0);
    assert_non_null(strstr(text, "\"type\":\"apply.start\""));
    free(text);

    struct wsl_state_query q = {.app = "shop"};
    json_t *r = read_q(st, &q);
    assert_int_equal(json_array_size(r), 4);
    json_decref(r);
    q = (struct wsl_state_query){.app = "shop", .target = "eu-1"};
    r = read_q(st, &q);
    assert_int_equal(json_array_size(r), 2);
    json_decref(r);
    q = (struct wsl_state_query){.type = "apply."};
    r = read_q(st, &q);
    assert_int_equal(json_array_size(r), 2);
    assert_int_equal(seq_at(r, 0), 1);
    assert_int_equal(seq_at(r, 1), 4);
    json_decref(r);
    q = (struct wsl_state_query){.type = "apply"}; /* exact: no such type */
    r = read_q(st, &q);
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    q = (struct wsl_state_query){.since = 3};
    r = read_q(st, &q);
    assert_int_equal(json_array_size(r), 2);
    assert_int_equal(seq_at(r, 0), 4);
    json_decref(r);
    q = (struct wsl_state_query){.limit = 2};
    r = read_q(st, &q);
    assert_int_equal(json_array_size(r), 2);
    assert_int_equal(seq_at(r, 1), 2);
    json_decref(r);
    q = (struct wsl_state_query){.limit = 2, .newest = true, .app = "shop"};
    r = read_q(st, &q);
    assert_int_equal(json_array_size(r), 2);
    assert_int_equal(seq_at(r, 0), 4);
    assert_int_equal(seq_at(r, 1), 5);
    json_decref(r);
    wsl_state_close(st);

    /* A new handle continues the sequence. */
    st = open_dir();
    assert_int_equal(append(st, rec("action", "shop", "eu-1")), 6);
    wsl_state_close(st);
}

static void append_refuses_bad_records(void **state)
{
    struct wsl_state *st = open_dir();
    struct wsl_err err = {0};
    json_t *r = json_array();
    assert_int_equal(wsl_state_append(st, r, NULL, &err), WSL_E_INVALID);
    json_decref(r);
    r = json_pack("{s:s}", "app", "shop");
    assert_int_equal(wsl_state_append(st, r, NULL, &err), WSL_E_INVALID);
    assert_non_null(strstr(err.msg, "type"));
    json_decref(r);
    char *big = malloc(WSL_STATE_RECORD_MAX + 10);
    memset(big, 'x', WSL_STATE_RECORD_MAX + 9);
    big[WSL_STATE_RECORD_MAX + 9] = '\0';
    r = json_pack("{s:s, s:s}", "type", "big", "blob", big);
    free(big);
    assert_int_equal(wsl_state_append(st, r, NULL, &err), WSL_E_LIMIT);
    assert_null(json_object_get(r, "seq"));
    json_decref(r);
    /* Fields the journal owns are replaced, not trusted. */
    r = json_pack("{s:s, s:i, s:s}", "type", "x", "seq", 999, "by", "someone");
    assert_int_equal(wsl_state_append(st, r, NULL, &err), 0);
    assert_int_equal(json_integer_value(json_object_get(r, "seq")), 1);
    assert_string_not_equal(json_string_value(json_object_get(r, "by")), "someone");
    json_decref(r);
    wsl_state_close(st);
}

/* Write raw bytes at the end of the journal (simulating a crash mid-append). */
static void scribble(const char *bytes, size_t n)
{
    char path[PATH_MAX];
    journal_path(path, sizeof path);
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, n), (ssize_t)n);
    close(fd);
}

static void torn_last_line_is_ignored_then_dropped(void **state)
{
    wsl_log_setup(WSL_LOG_ERROR, WSL_LOG_TEXT, NULL);
    struct wsl_state *st = open_dir();
    append(st, rec("a", NULL, NULL));
    append(st, rec("b", NULL, NULL));
    wsl_state_close(st);

    static const struct {
        const char *bytes;
        size_t n;
    } tails[] = {
        {"{\"seq\":3,\"ts\":\"2025-", 21},   /* cut mid-line, no newline */
        {"{\"seq\":3,\"ts\":\"x\",\"ty\n", 22}, /* a whole line that is no JSON */
        {"\0\0\0\0\0\0\0\0", 8},             /* zeros: delayed allocation after power loss */
        {"[1,2]\n", 6},                      /* JSON, but not a record */
    };
    char path[PATH_MAX];
    journal_path(path, sizeof path);
    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        scribble(tails[i].bytes, tails[i].n);
        st = open_dir();
        json_t *all = read_q(st, NULL);
        assert_int_equal(json_array_size(all), 2 + i);
        json_decref(all);
        /* The next append drops the torn line and continues the sequence. */
        assert_int_equal(append(st, rec("c", NULL, NULL)), 3 + (int64_t)i);
        wsl_state_close(st);
        char *text = slurp(path);
        size_t lines = 0;
        for (char *p = text; *p; p++)
            lines += *p == '\n';
        assert_int_equal(lines, 3 + i);
        assert_int_equal(strlen(text) > 0 && text[strlen(text) - 1] == '\n', 1);
        assert_null(strstr(text, "\"ty\n"));
        assert_null(strstr(text, "[1,2]"));
        free(text);
    }
    /* A reader meets a torn tail while nobody appends: ignored, the rest read. */
    scribble("{\"seq\":7,", 9);
    st = open_dir();
    json_t *all = read_q(st, NULL);
    assert_int_equal(json_array_size(all), 6);
    json_decref(all);
    wsl_state_close(st);
    wsl_log_setup(WSL_LOG_WARN, WSL_LOG_TEXT, NULL);
}

/* A journal whose end is not ours (a line of 5 MiB): appends refuse, nothing is cut. */
static void foreign_tail_is_never_truncated(void **state)
{
    wsl_log_setup(WSL_LOG_ERROR, WSL_LOG_TEXT, NULL);
    struct wsl_state *st = open_dir();
    append(st, rec("a", NULL, NULL));
    wsl_state_close(st);
    size_t big = 5u << 20;
    char *junk = malloc(big);
    memset(junk, 'x', big);
    char path[PATH_MAX];
    journal_path(path, sizeof path);
    for (int newline = 0; newline < 2; newline++) {
        scribble(junk, big - 1);
        scribble(newline ? "\n" : "x", 1);
        struct stat before, after;
        assert_int_equal(stat(path, &before), 0);
        st = open_dir();
        json_t *r = rec("b", NULL, NULL);
        struct wsl_err err = {0};
        assert_int_equal(wsl_state_append(st, r, NULL, &err), WSL_E_IO);
        assert_non_null(strstr(err.msg, "no wissel journal"));
        assert_non_null(strstr(err.hint, "move the file aside"));
        json_decref(r);
        json_t *all = read_q(st, NULL); /* the records before it are still read */
        assert_int_equal(json_array_size(all), 1);
        json_decref(all);
        wsl_state_close(st);
        assert_int_equal(stat(path, &after), 0);
        assert_int_equal(after.st_size, before.st_size);
        assert_int_equal(truncate(path, before.st_size - (off_t)big), 0);
    }
    free(junk);
    wsl_log_setup(WSL_LOG_WARN, WSL_LOG_TEXT, NULL);
}

static void concurrent_appends_get_distinct_gapless_seqs(void **state)
{
    enum { CHILDREN = 4, EACH = 150 };
    pid_t pids[CHILDREN];
    for (int c = 0; c < CHILDREN; c++) {
        pids[c] = fork();
        assert_true(pids[c] >= 0);
        if (pids[c] == 0) {
            struct wsl_state *st;
            if (wsl_state_open(dir, &st, NULL) != 0)
                _exit(2);
            for (int i = 0; i < EACH; i++) {
                json_t *r = json_pack("{s:s, s:i, s:i}", "type", "t", "child", c, "i", i);
                if (wsl_state_append(st, r, NULL, NULL) != 0)
                    _exit(3);
                json_decref(r);
            }
            wsl_state_close(st);
            _exit(0);
        }
    }
    for (int c = 0; c < CHILDREN; c++) {
        int status;
        assert_int_equal(waitpid(pids[c], &status, 0), pids[c]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    struct wsl_state *st = open_dir();
    json_t *all = read_q(st, NULL);
    assert_int_equal(json_array_size(all), CHILDREN * EACH);
    int next[CHILDREN] = {0};
    for (size_t i = 0; i < json_array_size(all); i++) {
        json_t *r = json_array_get(all, i);
        assert_int_equal(seq_at(all, i), (int64_t)i + 1);
        int c = (int)json_integer_value(json_object_get(r, "child"));
        assert_int_equal(json_integer_value(json_object_get(r, "i")), next[c]++);
    }
    json_decref(all);
    wsl_state_close(st);
}

/* --- locks ------------------------------------------------------------------------------ */

/* A child that takes `target` (lock, or leadership when leader_id), writes its token to
 * the pipe, and holds until it reads a byte from the other pipe (or forever). */
struct holder {
    pid_t pid;
    int to_child, from_child;
    int64_t token;
};

static struct holder hold_in_child(const char *target, const char *leader_id)
{
    int down[2], up[2];
    assert_int_equal(pipe(down), 0);
    assert_int_equal(pipe(up), 0);
    struct holder h = {0};
    h.pid = fork();
    assert_true(h.pid >= 0);
    if (h.pid == 0) {
        close(down[1]);
        close(up[0]);
        struct wsl_state *st;
        struct wsl_lock *l = NULL;
        struct wsl_leader *ld = NULL;
        if (wsl_state_open(dir, &st, NULL) != 0)
            _exit(2);
        int rc = leader_id ? wsl_state_campaign(st, target, leader_id, 0, &ld, NULL)
                           : wsl_state_lock(st, target, 0, &l, NULL);
        if (rc != 0)
            _exit(3);
        int64_t token = l ? wsl_lock_token(l) : wsl_leader_token(ld);
        if (write(up[1], &token, sizeof token) != sizeof token)
            _exit(4);
        char c;
        if (read(down[0], &c, 1) != 1)
            _exit(5);
        wsl_lock_release(l);
        wsl_leader_resign(ld);
        wsl_state_close(st);
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    h.to_child = down[1];
    h.from_child = up[0];
    assert_int_equal(read(h.from_child, &h.token, sizeof h.token), sizeof h.token);
    return h;
}

static void holder_end(struct holder *h, bool kill9)
{
    if (kill9)
        kill(h->pid, SIGKILL);
    else
        assert_int_equal(write(h->to_child, "x", 1), 1);
    int status;
    assert_int_equal(waitpid(h->pid, &status, 0), h->pid);
    if (!kill9)
        assert_int_equal(WEXITSTATUS(status), 0);
    close(h->to_child);
    close(h->from_child);
}

static int64_t ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void lock_fails_at_once_or_waits(void **state)
{
    struct wsl_state *st = open_dir();
    struct holder h = hold_in_child("eu-1", NULL);
    struct wsl_lock *l = (struct wsl_lock *)1;
    struct wsl_err err = {0};

    /* wait 0: at once, naming the holder. */
    int64_t t0 = ms_now();
    assert_int_equal(wsl_state_lock(st, "eu-1", 0, &l, &err), WSL_E_CONFLICT);
    assert_null(l);
    assert_true(ms_now() - t0 < 100);
    char want[64];
    snprintf(want, sizeof want, "held by pid %ld on host ", (long)h.pid);
    if (!strstr(err.msg, want))
        fail_msg("message '%s' lacks '%s'", err.msg, want);
    assert_non_null(strstr(err.msg, "lock of target eu-1"));
    assert_non_null(strstr(err.msg, " since 20"));
    assert_non_null(strstr(err.hint, "wait"));

    /* Another target is free. */
    assert_int_equal(wsl_state_lock(st, "eu-2", 0, &l, &err), 0);
    assert_false(wsl_lock_lost(l));
    wsl_lock_release(l);

    /* wait 300 ms: gives up after about that long. */
    t0 = ms_now();
    assert_int_equal(wsl_state_lock(st, "eu-1", 300, &l, &err), WSL_E_CONFLICT);
    int64_t took = ms_now() - t0;
    assert_true(took >= 290 && took < 1000);

    /* Waiting while the holder finishes: gets it, with a larger token. */
    pid_t releaser = fork();
    if (releaser == 0) {
        usleep(300 * 1000);
        _exit(write(h.to_child, "x", 1) == 1 ? 0 : 1);
    }
    t0 = ms_now();
    assert_int_equal(wsl_state_lock(st, "eu-1", 5000, &l, &err), 0);
    took = ms_now() - t0;
    assert_true(took >= 250 && took < 2000);
    assert_true(wsl_lock_token(l) > h.token);
    int status;
    waitpid(releaser, &status, 0);
    waitpid(h.pid, &status, 0);
    close(h.to_child);
    close(h.from_child);

    /* Two handles of one process exclude each other too. */
    struct wsl_state *st2 = open_dir();
    struct wsl_lock *l2;
    assert_int_equal(wsl_state_lock(st2, "eu-1", 0, &l2, &err), WSL_E_CONFLICT);
    wsl_lock_release(l);
    assert_int_equal(wsl_state_lock(st2, "eu-1", 0, &l2, &err), 0);
    wsl_lock_release(l2);
    wsl_state_close(st2);
    wsl_state_close(st);
}

static void lock_of_a_killed_process_is_free(void **state)
{
    struct wsl_state *st = open_dir();
    struct holder h = hold_in_child("eu-1", NULL);
    holder_end(&h, true);
    struct wsl_lock *l;
    struct wsl_err err = {0};
    assert_int_equal(wsl_state_lock(st, "eu-1", 0, &l, &err), 0);
    assert_true(wsl_lock_token(l) > h.token);
    wsl_lock_release(l);
    wsl_state_close(st);
}

static void lock_names_are_checked(void **state)
{
    struct wsl_state *st = open_dir();
    static const char *const bad[] = {"", "../etc", "a/b", ".hidden", "sp ace", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct wsl_lock *l;
        struct wsl_err err = {0};
        assert_int_equal(wsl_state_lock(st, bad[i], 0, &l, &err), WSL_E_INVALID);
        assert_non_null(strstr(err.msg, "not usable"));
    }
    wsl_state_close(st);
}

static void fenced_appends_need_the_current_holder(void **state)
{
    struct wsl_state *st = open_dir();
    struct wsl_err err = {0};
    struct wsl_lock *l;
    assert_int_equal(wsl_state_lock(st, "eu-1", 0, &l, &err), 0);
    struct wsl_fence f = wsl_lock_fence(l);
    assert_int_equal(f.kind, WSL_FENCE_LOCK);
    assert_string_equal(f.name, "eu-1");
    assert_int_equal(f.token, wsl_lock_token(l));
    json_t *r = rec("action", "shop", "eu-1");
    assert_int_equal(wsl_state_append(st, r, &f, &err), 0);
    json_t *fence = json_object_get(r, "fence");
    assert_string_equal(json_string_value(json_object_get(fence, "lock")), "eu-1");
    assert_int_equal(json_integer_value(json_object_get(fence, "token")), f.token);
    json_decref(r);
    wsl_lock_release(l);

    /* Released: the old fence no longer holds. */
    r = rec("action", "shop", "eu-1");
    assert_int_equal(wsl_state_append(st, r, &f, &err), WSL_E_CONFLICT);
    assert_non_null(strstr(err.msg, "fenced"));
    json_decref(r);

    /* Someone else holds it now: still not. */
    struct holder h = hold_in_child("eu-1", NULL);
    assert_true(h.token > f.token);
    r = rec("action", "shop", "eu-1");
    assert_int_equal(wsl_state_append(st, r, &f, &err), WSL_E_CONFLICT);
    json_decref(r);
    struct wsl_fence theirs = f;
    theirs.token = h.token;
    r = rec("action", "shop", "eu-1");
    assert_int_equal(wsl_state_append(st, r, &theirs, &err), 0);
    json_decref(r);
    holder_end(&h, false);

    json_t *all = read_q(st, NULL);
    assert_int_equal(json_array_size(all), 2); /* nothing of the refused appends */
    json_decref(all);
    wsl_state_close(st);
}

static void one_leader_at_a_time(void **state)
{
    struct wsl_state *st = open_dir();
    struct wsl_err err = {0};
    struct holder h = hold_in_child("serve", "instance-a");
    struct wsl_leader *ld;
    assert_int_equal(wsl_state_campaign(st, "serve", "instance-b", 0, &ld, &err), WSL_E_CONFLICT);
    assert_non_null(strstr(err.msg, "leadership of serve is held by instance instance-a"));
    assert_int_equal(wsl_state_campaign(st, "serve", "", 0, &ld, &err), WSL_E_INVALID);
    holder_end(&h, true);
    assert_int_equal(wsl_state_campaign(st, "serve", "instance-b", 0, &ld, &err), 0);
    assert_true(wsl_leader_token(ld) > h.token);
    assert_false(wsl_leader_lost(ld));
    struct wsl_fence f = wsl_leader_fence(ld);
    assert_int_equal(f.kind, WSL_FENCE_LEADER);
    json_t *r = rec("reconcile", NULL, NULL);
    assert_int_equal(wsl_state_append(st, r, &f, &err), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "fence"), "leader")),
                        "serve");
    json_decref(r);
    /* Someone removes the lock file: leadership is lost. */
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/leaders/serve.lock", dir);
    assert_int_equal(unlink(path), 0);
    assert_true(wsl_leader_lost(ld));
    wsl_leader_resign(ld);
    wsl_state_close(st);
}

int main(void)
{
    wsl_log_setup(WSL_LOG_WARN, WSL_LOG_TEXT, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base64_round_trips_rfc4648),
        cmocka_unit_test(base64_rejects_malformed),
        cmocka_unit_test_setup_teardown(open_default_dir_and_specs, setup, teardown),
        cmocka_unit_test_setup_teardown(append_stamps_and_read_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(append_refuses_bad_records, setup, teardown),
        cmocka_unit_test_setup_teardown(torn_last_line_is_ignored_then_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(foreign_tail_is_never_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_appends_get_distinct_gapless_seqs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(lock_fails_at_once_or_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(lock_of_a_killed_process_is_free, setup, teardown),
        cmocka_unit_test_setup_teardown(lock_names_are_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(fenced_appends_need_the_current_holder, setup, teardown),
        cmocka_unit_test_setup_teardown(one_leader_at_a_time, setup, teardown),
    };
    return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
