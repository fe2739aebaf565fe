/*
 * state.c — the state interface: picks a backend from the spec, checks arguments,
 * stamps records and describes lock holders; the backends (file.c, etcd.c) store.
 */
#include "orchestrator/state/backend.h"

#include "lib/log.h"
#include "lib/units.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct wsl_leader {
    struct wsl_lock *lock;
};

/* --- opening ----------------------------------------------------------------------- */

/* mkdir -p with mode 0700 for the parts it creates. */
static int mkdirs(const char *path, struct wsl_err *err)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return wsl_err_set(err, WSL_E_INVALID, "state directory path too long: %s", path);
    for (char *p = tmp + 1;; p++) {
        bool end = *p == '\0';
        if (*p == '/' || end) {
            *p = '\0';
            if (mkdir(tmp, 0700) != 0 && errno != EEXIST) {
                wsl_err_set(err, WSL_E_IO, "cannot create the state directory %s: %s", tmp,
                            strerror(errno));
                wsl_err_hint(err, "choose another with --state-dir, or fix the permissions");
                return WSL_E_IO;
            }
            if (end)
                break;
            *p = '/';
        }
    }
    return 0;
}

/* The default state directory: $XDG_STATE_HOME/wissel, else ~/.local/state/wissel. */
static int default_dir(char *out, size_t n, struct wsl_err *err)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    if (xdg && xdg[0] == '/') {
        snprintf(out, n, "%s/wissel", xdg);
        return 0;
    }
    const char *home = getenv("HOME");
    if (!home || home[0] != '/') {
        wsl_err_set(err, WSL_E_USAGE, "no state directory: neither XDG_STATE_HOME nor HOME is set");
        wsl_err_hint(err, "pass --state-dir DIR");
        return WSL_E_USAGE;
    }
    snprintf(out, n, "%s/.local/state/wissel", home);
    return 0;
}

int wsl_state_open(const char *spec, struct wsl_state **out, struct wsl_err *err)
{
    *out = NULL;
    int rc;
    if (spec && (strncmp(spec, "etcd://", 7) == 0 || strncmp(spec, "etcd+https://", 13) == 0)) {
        rc = wsl_state_etcd_open(spec, out, err);
    } else if (spec && strstr(spec, "://")) {
        wsl_err_set(err, WSL_E_USAGE, "unknown state backend '%.*s'",
                    (int)(strstr(spec, "://") - spec), spec);
        wsl_err_hint(err, "use a directory, dir:/path, etcd://host:port,... or etcd+https://...");
        return WSL_E_USAGE;
    } else {
        char dir[PATH_MAX];
        if (!spec || !spec[0]) {
            if ((rc = default_dir(dir, sizeof dir, err)) != 0)
                return rc;
        } else {
            const char *d = strncmp(spec, "dir:", 4) == 0 ? spec + 4 : spec;
            if (!d[0])
                return wsl_err_set(err, WSL_E_USAGE, "state spec 'dir:' names no directory");
            snprintf(dir, sizeof dir, "%s", d);
        }
        if ((rc = mkdirs(dir, err)) != 0)
            return rc;
        rc = wsl_state_file_open(dir, out, err);
    }
    if (rc != 0)
        return rc;
    struct wsl_state *st = *out;
    if (gethostname(st->host, sizeof st->host - 1) != 0 || !st->host[0])
        snprintf(st->host, sizeof st->host, "unknown");
    snprintf(st->by, sizeof st->by, "%s:%ld", st->host, (long)getpid());
    return 0;
}

void wsl_state_close(struct wsl_state *st)
{
    if (st)
        st->ops->close(st);
}

const char *wsl_state_describe(const struct wsl_state *st)
{
    return st->desc;
}

/* --- journal ----------------------------------------------------------------------- */

int wsl_state_append(struct wsl_state *st, json_t *record, const struct wsl_fence *fence,
                     struct wsl_err *err)
{
    if (!json_is_object(record))
        return wsl_err_set(err, WSL_E_INVALID, "journal record is not a JSON object");
    const char *type = json_string_value(json_object_get(record, "type"));
    if (!type || !type[0])
        return wsl_err_set(err, WSL_E_INVALID, "journal record has no \"type\"");
    char ts[32];
    wsl_time_now_rfc3339(ts);
    json_object_set_new(record, "ts", json_string(ts));
    json_object_set_new(record, "by", json_string(st->by));
    if (fence)
        json_object_set_new(record, "fence",
                            json_pack("{s:s, s:I}",
                                      fence->kind == WSL_FENCE_LEADER ? "leader" : "lock",
                                      fence->name, "token", (json_int_t)fence->token));
    else
        json_object_del(record, "fence");
    int rc = st->ops->append(st, record, fence, err);
    if (rc != 0)
        json_object_del(record, "seq");
    return rc;
}

int wsl_state_read(struct wsl_state *st, const struct wsl_state_query *q, json_t **out,
                   struct wsl_err *err)
{
    *out = json_array();
    int rc = st->ops->read(st, q, *out, err);
    if (rc != 0) {
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

int wsl_state_encode(json_t *rec, int64_t seq, struct wsl_buf *b, struct wsl_err *err)
{
    json_object_set_new(rec, "seq", json_integer(seq));
    /* An ordered copy: seq, ts and by first (readers find the seq without parsing). */
    json_t *o = json_object();
    json_object_set(o, "seq", json_object_get(rec, "seq"));
    json_object_set(o, "ts", json_object_get(rec, "ts"));
    json_object_set(o, "by", json_object_get(rec, "by"));
    json_object_update_missing(o, rec);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    wsl_buf_reset(b);
    if (!s)
        return wsl_err_set(err, WSL_E_INVALID, "journal record cannot be encoded as JSON");
    size_t len = strlen(s);
    if (len > WSL_STATE_RECORD_MAX) {
        free(s);
        return wsl_err_set(err, WSL_E_LIMIT,
                           "journal record of type %s is %zu bytes, more than the %d allowed",
                           json_string_value(json_object_get(rec, "type")), len,
                           WSL_STATE_RECORD_MAX);
    }
    wsl_buf_append(b, s, len);
    free(s);
    return 0;
}

bool wsl_state_line_seq(const char *line, size_t len, int64_t *seq)
{
    static const char head[] = "{\"seq\":";
    size_t h = sizeof head - 1;
    if (len <= h || memcmp(line, head, h) != 0)
        return false;
    int64_t v = 0;
    size_t i = h;
    for (; i < len && line[i] >= '0' && line[i] <= '9' && i < h + 18; i++)
        v = v * 10 + (line[i] - '0');
    if (i == h || i >= len || (line[i] != ',' && line[i] != '}') || v <= 0)
        return false;
    *seq = v;
    return true;
}

bool wsl_state_line_parse(const char *line, size_t len, json_t **rec)
{
    *rec = json_loadb(line, len, 0, NULL);
    json_t *seq = json_object_get(*rec, "seq");
    if (!json_is_object(*rec) || !json_is_integer(seq) || json_integer_value(seq) <= 0) {
        json_decref(*rec);
        *rec = NULL;
        return false;
    }
    return true;
}

static bool field_is(const json_t *rec, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(rec, key));
    return v && strcmp(v, want) == 0;
}

bool wsl_state_query_match(const struct wsl_state_query *q, const json_t *rec)
{
    if (!q)
        return true;
    if (q->app && !field_is(rec, "app", q->app))
        return false;
    if (q->target && !field_is(rec, "target", q->target))
        return false;
    if (q->type && q->type[0]) {
        const char *t = json_string_value(json_object_get(rec, "type"));
        size_t n = strlen(q->type);
        if (!t)
            return false;
        if (q->type[n - 1] == '.' ? strncmp(t, q->type, n) != 0 : strcmp(t, q->type) != 0)
            return false;
    }
    return true;
}

void wsl_state_collect_begin(struct wsl_state_collect *c, const struct wsl_state_query *q,
                             json_t *out)
{
    memset(c, 0, sizeof *c);
    c->q = q;
    c->out = out;
    if (q && q->newest && q->limit > 0)
        c->ring = wsl_xcalloc(q->limit, sizeof *c->ring);
}

bool wsl_state_collect_add(struct wsl_state_collect *c, json_t *rec)
{
    size_t limit = c->q ? c->q->limit : 0;
    if (c->ring) {
        json_decref(c->ring[c->head]);
        c->ring[c->head] = rec;
        c->head = (c->head + 1) % limit;
        if (c->n < limit)
            c->n++;
        return true;
    }
    json_array_append_new(c->out, rec);
    return limit == 0 || json_array_size(c->out) < limit;
}

void wsl_state_collect_end(struct wsl_state_collect *c)
{
    if (!c->ring)
        return;
    size_t limit = c->q->limit;
    size_t first = c->n < limit ? 0 : c->head;
    for (size_t i = 0; i < c->n; i++)
        json_array_append_new(c->out, c->ring[(first + i) % limit]);
    free(c->ring);
    c->ring = NULL;
}

/* --- locks and leaders --------------------------------------------------------------- */

/* Names become file names and etcd key segments: keep them plain. */
static int check_name(const char *name, const char *what, struct wsl_err *err)
{
    size_t n = name ? strlen(name) : 0;
    bool ok = n > 0 && n <= WSL_STATE_NAME_MAX && name[0] != '.';
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '_' || c == '-';
    }
    if (!ok)
        return wsl_err_set(err, WSL_E_INVALID,
                           "%s name '%s' is not usable for a lock: use 1 to %d letters, digits, "
                           "'.', '_' or '-', not starting with '.'",
                           what, name ? name : "", WSL_STATE_NAME_MAX);
    return 0;
}

static json_t *holder_new(const struct wsl_state *st, const char *id)
{
    char since[32];
    wsl_time_now_rfc3339(since);
    json_t *h = json_pack("{s:I, s:s, s:s}", "pid", (json_int_t)getpid(), "host", st->host,
                          "since", since);
    if (id)
        json_object_set_new(h, "id", json_string(id));
    return h;
}

static int take(struct wsl_state *st, int kind, const char *name, const char *id, int64_t wait_ms,
                struct wsl_lock **out, struct wsl_err *err)
{
    *out = NULL;
    int rc = check_name(name, kind == WSL_FENCE_LEADER ? "leadership" : "target", err);
    if (rc != 0)
        return rc;
    struct wsl_fence what = {.kind = kind};
    snprintf(what.name, sizeof what.name, "%s", name);
    json_t *holder = holder_new(st, id);
    rc = st->ops->acquire(st, &what, holder, wait_ms, out, err);
    json_decref(holder);
    return rc;
}

int wsl_state_lock(struct wsl_state *st, const char *target, int64_t wait_ms,
                   struct wsl_lock **out, struct wsl_err *err)
{
    return take(st, WSL_FENCE_LOCK, target, NULL, wait_ms, out, err);
}

int64_t wsl_lock_token(const struct wsl_lock *l)
{
    return l->fence.token;
}

struct wsl_fence wsl_lock_fence(const struct wsl_lock *l)
{
    return l->fence;
}

bool wsl_lock_lost(const struct wsl_lock *l)
{
    return l->ops->lost(l);
}

void wsl_lock_release(struct wsl_lock *l)
{
    if (l)
        l->ops->release(l);
}

int wsl_state_campaign(struct wsl_state *st, const char *name, const char *id, int64_t wait_ms,
                       struct wsl_leader **out, struct wsl_err *err)
{
    *out = NULL;
    if (!id || !id[0])
        return wsl_err_set(err, WSL_E_INVALID, "campaign for %s: the instance id is empty",
                           name ? name : "(null)");
    struct wsl_lock *l;
    int rc = take(st, WSL_FENCE_LEADER, name, id, wait_ms, &l, err);
    if (rc != 0)
        return rc;
    *out = wsl_xmalloc(sizeof **out);
    (*out)->lock = l;
    return 0;
}

int64_t wsl_leader_token(const struct wsl_leader *l)
{
    return l->lock->fence.token;
}

struct wsl_fence wsl_leader_fence(const struct wsl_leader *l)
{
    return l->lock->fence;
}

bool wsl_leader_lost(const struct wsl_leader *l)
{
    return l->lock->ops->lost(l->lock);
}

void wsl_leader_resign(struct wsl_leader *l)
{
    if (!l)
        return;
    l->lock->ops->release(l->lock);
    free(l);
}

const char *wsl_state_what(const struct wsl_fence *what, char *buf, size_t n)
{
    if (what->kind == WSL_FENCE_LEADER)
        snprintf(buf, n, "leadership of %s", what->name);
    else
        snprintf(buf, n, "lock of target %s", what->name);
    return buf;
}

void wsl_state_conflict(struct wsl_err *err, const struct wsl_fence *what, const json_t *holder)
{
    char w[WSL_STATE_NAME_MAX + 32];
    wsl_state_what(what, w, sizeof w);
    json_int_t pid = json_integer_value(json_object_get(holder, "pid"));
    const char *host = json_string_value(json_object_get(holder, "host"));
    const char *since = json_string_value(json_object_get(holder, "since"));
    const char *id = json_string_value(json_object_get(holder, "id"));
    if (!pid || !host || !since)
        wsl_err_set(err, WSL_E_CONFLICT, "the %s is held by another process (its holder "
                    "record is being written or unreadable)", w);
    else if (what->kind == WSL_FENCE_LEADER)
        wsl_err_set(err, WSL_E_CONFLICT, "the %s is held by instance %s (pid %lld on host %s) "
                    "since %s", w, id ? id : "?", (long long)pid, host, since);
    else
        wsl_err_set(err, WSL_E_CONFLICT, "the %s is held by pid %lld on host %s since %s", w,
                    (long long)pid, host, since);
    if (what->kind == WSL_FENCE_LOCK)
        wsl_err_hint(err, "another wissel is applying to %s: wait for it to finish (or let "
                     "this one wait for the lock), then try again", what->name);
}

int64_t wsl_state_backoff(int64_t *step, int64_t max_ms, int64_t deadline)
{
    *step = *step ? *step * 2 : 10;
    if (*step > max_ms)
        *step = max_ms;
    int64_t wait = *step;
    if (deadline >= 0) {
        int64_t left = deadline - wsl_monotonic_ms();
        if (wait > left)
            wait = left > 0 ? left : 0;
    }
    return wait;
}
