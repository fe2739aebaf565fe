/*
 * file.c — the file backend: a state directory on one machine.
 *
 *   journal.jsonl        one record per line; appends hold an flock on the file, so
 *                        processes append one at a time and seq has no gaps
 *   locks/TARGET.lock    flock(2)-ed while a process holds the target's lock; holds the
 *                        holder's pid, host, since and fencing token
 *   leaders/NAME.lock    the same for leadership (one machine only: use etcd across machines)
 *
 * Durability: each record is written with one write(2) of the line and its '\n' and made
 * durable with fdatasync(2) before the append returns. A crash (or power loss) during an
 * append can leave a torn last line: a line without its '\n', or one that is not a record.
 * Such a record was never acknowledged, so readers ignore it (logged at debug level) and
 * the next append, holding the journal's flock and so sure that nobody is writing,
 * truncates it away before writing — the journal stays a file of whole records.
 *
 * Locks are flock(2) locks: the kernel releases them when their holder exits, however it
 * exits, so a crashed wissel never leaves a target locked. Lock files are never removed
 * (removing a file that others have open and are waiting on would let two processes hold
 * "the same" lock on different inodes).
 */
#include "orchestrator/state/backend.h"

#include "lib/units.h"

#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct file_state {
    struct wsl_state base;
    char dir[PATH_MAX];
    char journal[PATH_MAX];
    int jfd;            /* journal.jsonl, O_APPEND */
    off_t known_end;    /* the journal's size right after our last append (-1: none) ... */
    int64_t known_seq;  /* ... and the seq it ended with */
    struct wsl_buf line;
};

struct file_lock {
    struct wsl_lock base;
    int fd;
    char path[PATH_MAX];
};

static const struct wsl_state_ops file_ops;

static int io_err(struct wsl_err *err, const char *what, const char *path)
{
    int e = errno;
    wsl_err_set(err, WSL_E_IO, "%s %s: %s", what, path, strerror(e));
    if (e == EACCES || e == EPERM || e == EROFS)
        wsl_err_hint(err, "the state directory must be writable by this user");
    else if (e == ENOSPC || e == EDQUOT)
        wsl_err_hint(err, "the file system is full: free some space");
    return WSL_E_IO;
}

static int flock_retry(int fd, int op)
{
    int rc;
    while ((rc = flock(fd, op)) != 0 && errno == EINTR)
        ;
    return rc;
}

/* pread exactly n bytes (fewer only at end of file); -1 on error. */
static ssize_t pread_full(int fd, char *buf, size_t n, off_t off)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, off + (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* --- the journal's tail -------------------------------------------------------------- */

/* The journal's last lines, found by reading backwards from `size`: `end` is just after
 * the last '\n' (what lies beyond is a torn line); `start` is where the last whole line
 * begins; `seq` is its record's seq, or 0 when that line is not a record. */
struct tail {
    off_t end, start;
    int64_t seq;
};

static int read_tail(int fd, off_t size, struct tail *t, struct wsl_err *err, const char *path)
{
    *t = (struct tail){0, 0, 0};
    /* A window that grows until it holds the last '\n' and the one before it (or the
     * file's beginning). Records are at most WSL_STATE_RECORD_MAX, so a window of twice
     * that holds any of our lines; a file where it does not is no journal of ours. */
    const size_t most = (size_t)4 * WSL_STATE_RECORD_MAX;
    size_t win = 64 * 1024;
    char *buf = NULL;
    int rc = 0;
    for (;;) {
        if ((off_t)win > size)
            win = (size_t)size;
        off_t base = size - (off_t)win;
        buf = wsl_xrealloc(buf, win + 1);
        if (pread_full(fd, buf, win, base) != (ssize_t)win) {
            rc = io_err(err, "cannot read the journal", path);
            break;
        }
        ssize_t nl = (ssize_t)win - 1;
        while (nl >= 0 && buf[nl] != '\n')
            nl--;
        ssize_t prev = nl - 1;
        while (prev >= 0 && buf[prev] != '\n')
            prev--;
        if (prev < 0 && base > 0) { /* the window does not reach back far enough */
            if (win < most) {
                win *= 2;
                continue;
            }
            rc = wsl_err_set(err, WSL_E_IO, "journal %s: its last line is longer than %zu "
                             "bytes, so it is no wissel journal or it is damaged", path, most);
            wsl_err_hint(err, "move the file aside; wissel starts a new journal");
            break;
        }
        if (nl < 0) /* no whole line: the file is one torn line (or empty) */
            break;
        t->end = base + nl + 1;
        t->start = base + prev + 1;
        json_t *rec;
        if (wsl_state_line_parse(buf + prev + 1, (size_t)(nl - (prev + 1)), &rec)) {
            t->seq = json_integer_value(json_object_get(rec, "seq"));
            json_decref(rec);
        }
        break;
    }
    free(buf);
    return rc;
}

/* The seq of the last record at or before `end` (0 when there is none), skipping lines
 * that are not records. */
static int last_seq_before(int fd, off_t end, int64_t *seq, struct wsl_err *err, const char *path)
{
    struct tail t;
    *seq = 0;
    while (end > 0) {
        int rc = read_tail(fd, end, &t, err, path);
        if (rc != 0)
            return rc;
        if (t.seq > 0) {
            *seq = t.seq;
            return 0;
        }
        if (t.end == 0)
            return 0;
        wsl_logf(WSL_LOG_WARN, "state", "%s: the line at byte %lld is not a journal record; "
                 "skipped", path, (long long)t.start);
        end = t.start;
    }
    return 0;
}

/* With the journal's flock held: drop a torn last line, and find the last seq. */
static int repair_tail(struct file_state *fs, off_t size, int64_t *seq, struct wsl_err *err)
{
    struct tail t;
    int rc = read_tail(fs->jfd, size, &t, err, fs->journal);
    if (rc != 0)
        return rc;
    off_t cut = size;
    if (t.end < size)
        cut = t.end; /* a line without its '\n' */
    if (t.end > 0 && t.seq == 0)
        cut = t.start; /* a whole last line that is not a record */
    if (cut < size) {
        wsl_logf(WSL_LOG_WARN, "state",
                 "%s: dropping a torn last record (%lld bytes at byte %lld), left by a crash "
                 "during an append that was never acknowledged",
                 fs->journal, (long long)(size - cut), (long long)cut);
        if (ftruncate(fs->jfd, cut) != 0 || fdatasync(fs->jfd) != 0)
            return io_err(err, "cannot truncate the torn end of the journal", fs->journal);
    }
    if (t.seq > 0 && cut == size) {
        *seq = t.seq;
        return 0;
    }
    return last_seq_before(fs->jfd, cut, seq, err, fs->journal);
}

/* --- fences -------------------------------------------------------------------------- */

static void lock_path(const struct file_state *fs, const struct wsl_fence *what, char *out,
                      size_t n)
{
    snprintf(out, n, "%s/%s/%s.lock", fs->dir,
             what->kind == WSL_FENCE_LEADER ? "leaders" : "locks", what->name);
}

/* The holder object in a lock file, or NULL. */
static json_t *read_holder(int fd)
{
    char buf[4096];
    ssize_t n = pread_full(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return NULL;
    json_t *h = json_loadb(buf, (size_t)n, 0, NULL);
    if (!json_is_object(h)) {
        json_decref(h);
        return NULL;
    }
    return h;
}

/* Whether the fence's lock is held right now with its token. */
static int check_fence(struct file_state *fs, const struct wsl_fence *f, struct wsl_err *err)
{
    char path[PATH_MAX], what[WSL_STATE_NAME_MAX + 32];
    lock_path(fs, f, path, sizeof path);
    wsl_state_what(f, what, sizeof what);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT)
        return io_err(err, "cannot open the lock file", path);
    json_t *h = fd >= 0 ? read_holder(fd) : NULL;
    int64_t token = json_integer_value(json_object_get(h, "token"));
    json_decref(h);
    /* Held means: someone has it flock-ed, so a shared lock cannot be had. */
    bool held = false;
    if (fd >= 0) {
        if (flock_retry(fd, LOCK_SH | LOCK_NB) == 0)
            flock_retry(fd, LOCK_UN);
        else
            held = errno == EWOULDBLOCK;
        close(fd);
    }
    if (held && token == f->token)
        return 0;
    if (!held)
        wsl_err_set(err, WSL_E_CONFLICT, "fenced: the %s (token %lld) was released; nothing "
                    "was written", what, (long long)f->token);
    else
        wsl_err_set(err, WSL_E_CONFLICT, "fenced: the %s is now held with token %lld, not ours "
                    "(%lld); nothing was written", what, (long long)token, (long long)f->token);
    wsl_err_hint(err, "stop acting on %s: another wissel may have taken over", f->name);
    return WSL_E_CONFLICT;
}

/* --- the journal --------------------------------------------------------------------- */

static int file_append(struct wsl_state *st, json_t *rec, const struct wsl_fence *fence,
                       struct wsl_err *err)
{
    struct file_state *fs = (struct file_state *)st;
    if (flock_retry(fs->jfd, LOCK_EX) != 0)
        return io_err(err, "cannot lock the journal", fs->journal);
    int rc = 0;
    struct stat sb;
    if (fstat(fs->jfd, &sb) != 0) {
        rc = io_err(err, "cannot stat the journal", fs->journal);
        goto out;
    }
    int64_t seq = 0;
    if (sb.st_size == fs->known_end) {
        seq = fs->known_seq; /* nobody appended since we did */
    } else if ((rc = repair_tail(fs, sb.st_size, &seq, err)) != 0) {
        goto out;
    } else if (fstat(fs->jfd, &sb) != 0) {
        rc = io_err(err, "cannot stat the journal", fs->journal);
        goto out;
    }
    if (fence && (rc = check_fence(fs, fence, err)) != 0)
        goto out;
    if ((rc = wsl_state_encode(rec, seq + 1, &fs->line, err)) != 0)
        goto out;
    wsl_buf_putc(&fs->line, '\n');
    /* One write(2) for the whole line; a short write (disk full) is completed or undone. */
    size_t done = 0;
    while (done < fs->line.len) {
        ssize_t w = write(fs->jfd, fs->line.data + done, fs->line.len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = io_err(err, "cannot append to the journal", fs->journal);
            if (ftruncate(fs->jfd, sb.st_size) != 0)
                wsl_logf(WSL_LOG_WARN, "state", "%s: could not remove a partly written record "
                         "(%s); the next append will", fs->journal, strerror(errno));
            goto out;
        }
        done += (size_t)w;
    }
    if (fdatasync(fs->jfd) != 0) {
        /* Not durable, so not acknowledged: take it back rather than leave a record the
         * caller was told failed. */
        rc = io_err(err, "cannot sync the journal", fs->journal);
        if (ftruncate(fs->jfd, sb.st_size) != 0)
            wsl_logf(WSL_LOG_WARN, "state", "%s: could not remove the record that failed to "
                     "sync (%s)", fs->journal, strerror(errno));
        goto out;
    }
    fs->known_end = sb.st_size + (off_t)fs->line.len;
    fs->known_seq = seq + 1;
out:
    flock_retry(fs->jfd, LOCK_UN);
    if (rc != 0)
        fs->known_end = -1;
    return rc;
}

static int file_read(struct wsl_state *st, const struct wsl_state_query *q, json_t *out,
                     struct wsl_err *err)
{
    struct file_state *fs = (struct file_state *)st;
    FILE *f = fopen(fs->journal, "re");
    if (!f)
        return io_err(err, "cannot open the journal", fs->journal);
    struct wsl_state_collect c;
    wsl_state_collect_begin(&c, q, out);
    int64_t since = q ? q->since : 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long long lineno = 0, bad = 0; /* bad: the last line that was not a record */
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[n - 1] != '\n') {
            wsl_logf(WSL_LOG_DEBUG, "state", "%s: ignoring a torn last line (%zd bytes without "
                     "a newline: a crash during an append, or an append in progress)",
                     fs->journal, n);
            break;
        }
        if (bad)
            wsl_logf(WSL_LOG_WARN, "state", "%s:%lld: not a journal record; skipped",
                     fs->journal, bad);
        bad = 0;
        int64_t seq;
        if (wsl_state_line_seq(line, (size_t)n - 1, &seq) && seq <= since)
            continue;
        json_t *rec;
        if (!wsl_state_line_parse(line, (size_t)n - 1, &rec)) {
            bad = lineno;
            continue;
        }
        if (json_integer_value(json_object_get(rec, "seq")) <= since ||
            !wsl_state_query_match(q, rec)) {
            json_decref(rec);
            continue;
        }
        if (!wsl_state_collect_add(&c, rec))
            break;
    }
    if (bad)
        wsl_logf(WSL_LOG_DEBUG, "state", "%s:%lld: ignoring a torn last line (not a record)",
                 fs->journal, bad);
    int rc = ferror(f) ? io_err(err, "cannot read the journal", fs->journal) : 0;
    free(line);
    fclose(f);
    wsl_state_collect_end(&c);
    return rc;
}

/* --- locks --------------------------------------------------------------------------- */

static int file_acquire(struct wsl_state *st, const struct wsl_fence *what, json_t *holder,
                        int64_t wait_ms, struct wsl_lock **out, struct wsl_err *err)
{
    struct file_state *fs = (struct file_state *)st;
    char path[PATH_MAX];
    lock_path(fs, what, path, sizeof path);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return io_err(err, "cannot open the lock file", path);
    int64_t deadline = wait_ms < 0 ? -1 : wsl_monotonic_ms() + wait_ms, step = 0;
    while (flock_retry(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            int rc = io_err(err, "cannot lock", path);
            close(fd);
            return rc;
        }
        if (deadline >= 0 && wsl_monotonic_ms() >= deadline) {
            json_t *h = read_holder(fd);
            wsl_state_conflict(err, what, h);
            json_decref(h);
            close(fd);
            return WSL_E_CONFLICT;
        }
        wsl_sleep_ms(wsl_state_backoff(&step, 200, deadline));
    }
    /* Ours. The token grows by one per acquisition; a lock file that was damaged restarts
     * from the clock in microseconds, still above any earlier token in practice. */
    json_t *old = read_holder(fd);
    int64_t token = json_integer_value(json_object_get(old, "token"));
    json_decref(old);
    if (token <= 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        token = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    }
    token++;
    json_object_set_new(holder, "token", json_integer(token));
    char *text = json_dumps(holder, JSON_COMPACT | JSON_PRESERVE_ORDER);
    size_t len = strlen(text);
    int rc = 0;
    if (ftruncate(fd, 0) != 0 || pwrite(fd, text, len, 0) != (ssize_t)len)
        rc = io_err(err, "cannot write the lock file", path);
    free(text);
    if (rc != 0) {
        close(fd); /* releases the flock */
        return rc;
    }
    struct file_lock *l = wsl_xcalloc(1, sizeof *l);
    l->base.ops = &file_ops;
    l->base.fence = *what;
    l->base.fence.token = token;
    l->fd = fd;
    snprintf(l->path, sizeof l->path, "%s", path);
    *out = &l->base;
    return 0;
}

/* A file lock ends only with its process, or when someone removes the lock file. */
static bool file_lost(const struct wsl_lock *base)
{
    const struct file_lock *l = (const struct file_lock *)base;
    struct stat a, b;
    if (fstat(l->fd, &a) != 0 || stat(l->path, &b) != 0)
        return true;
    return a.st_ino != b.st_ino || a.st_dev != b.st_dev;
}

static void file_release(struct wsl_lock *base)
{
    struct file_lock *l = (struct file_lock *)base;
    close(l->fd); /* the flock goes with the last descriptor of this open file */
    free(l);
}

/* --- opening and closing ------------------------------------------------------------- */

static void file_close(struct wsl_state *st)
{
    struct file_state *fs = (struct file_state *)st;
    if (fs->jfd >= 0)
        close(fs->jfd);
    wsl_buf_free(&fs->line);
    free(fs);
}

int wsl_state_file_open(const char *dir, struct wsl_state **out, struct wsl_err *err)
{
    struct file_state *fs = wsl_xcalloc(1, sizeof *fs);
    fs->base.ops = &file_ops;
    fs->jfd = -1;
    fs->known_end = -1;
    snprintf(fs->dir, sizeof fs->dir, "%s", dir);
    snprintf(fs->journal, sizeof fs->journal, "%s/journal.jsonl", dir);
    snprintf(fs->base.desc, sizeof fs->base.desc, "file:%s", dir);
    char sub[PATH_MAX];
    int rc = 0;
    for (int i = 0; i < 2 && rc == 0; i++) {
        snprintf(sub, sizeof sub, "%s/%s", dir, i ? "leaders" : "locks");
        if (mkdir(sub, 0700) != 0 && errno != EEXIST)
            rc = io_err(err, "cannot create", sub);
    }
    if (rc == 0) {
        fs->jfd = open(fs->journal, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fs->jfd >= 0) {
            /* A new journal: make its directory entry durable too. */
            int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
            }
        } else if (errno == EEXIST) {
            fs->jfd = open(fs->journal, O_RDWR | O_APPEND | O_CLOEXEC);
        }
        if (fs->jfd < 0)
            rc = io_err(err, "cannot open the journal", fs->journal);
    }
    if (rc != 0) {
        file_close(&fs->base);
        return rc;
    }
    *out = &fs->base;
    return 0;
}

static const struct wsl_state_ops file_ops = {
    .append = file_append,
    .read = file_read,
    .acquire = file_acquire,
    .lost = file_lost,
    .release = file_release,
    .close = file_close,
};
