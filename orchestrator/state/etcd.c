/*
 * etcd.c — the etcd backend: state shared by wissel instances on several machines.
 *
 * Keys (PREFIX is /wissel/ unless the spec says ?prefix=):
 *   PREFIX journal/00000000000000000042   a record, the value its JSON (as in journal.jsonl)
 *   PREFIX locks/TARGET                   the holder (JSON) of a target's lock, on a lease
 *   PREFIX leader/NAME                    the leader (JSON, with its id), on a lease
 *
 * Journal. An append writes key seq+1 in a transaction that succeeds only if that key does
 * not exist yet (create_revision == 0); when another instance got there first, the
 * transaction's failure branch returns the journal's last key and the append tries the
 * next seq. So seq has no gaps and no two records share one. A fenced append adds a
 * second compare — the lock's key still has the create_revision that is the holder's
 * token — so a holder whose lease has expired (its key deleted) or been taken over (the
 * key created again, with a larger revision) writes nothing.
 *
 * Locks and leadership. A lease of `ttl` seconds is granted (with an ID we choose, so that
 * a grant resent after a lost answer is recognised), then a transaction creates the key on
 * that lease if it does not exist. The key's create_revision is the fencing token: etcd's
 * revision only grows, so a later holder always has a larger one. A thread renews the
 * lease every ttl/3 and checks the key is still ours; the lock counts as lost once the
 * lease could not be renewed for its TTL (minus a margin) measured from the send time of
 * the last successful renewal — on our monotonic clock, before etcd can expire it — or
 * as soon as etcd says the lease or the key is gone. Releasing revokes the lease, which
 * deletes the key. A holder that dies stops renewing: its key vanishes within the TTL.
 *
 * Resent requests. The client (etcd_client.c) resends a request on another member when it
 * heard no answer, so a request may take effect twice: every request here is written to
 * notice that its earlier copy succeeded (the record or the holder at the key is ours).
 */
#include "orchestrator/state/backend.h"

#include "lib/units.h"

#include "lib/log.h"
#include "orchestrator/state/etcd_client.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define MAX_ENDPOINTS 16
#define PAGE 256

struct etcd_state {
    struct wsl_state base;
    struct wsl_etcd *cli;
    char prefix[256];
    int ttl;         /* seconds, for leases */
    long op_ms;      /* time an operation may take, failovers included */
    int64_t last_seq; /* the journal's last seq as we last saw it: the next append's guess */
    struct wsl_buf line;
};

struct etcd_lock {
    struct wsl_lock base;
    struct wsl_etcd *cli; /* the keeper thread's; release uses it once the thread ended */
    char key[512];
    char owner[40];       /* random: tells our holder record from anyone else's */
    int64_t lease;
    int ttl;              /* as granted */
    pthread_t thread;
    bool running;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    _Atomic int64_t valid_until; /* CLOCK_MONOTONIC ms: lost from then on */
    _Atomic bool lost;
    _Atomic int64_t token;       /* the key's create_revision once held; 0 before */
};

static const struct wsl_state_ops etcd_ops;

static void key_of(const struct etcd_state *es, const struct wsl_fence *f, char *out, size_t n)
{
    snprintf(out, n, "%s%s/%s", es->prefix, f->kind == WSL_FENCE_LEADER ? "leader" : "locks",
             f->name);
}

static void journal_key(const struct etcd_state *es, int64_t seq, char *out, size_t n)
{
    snprintf(out, n, "%sjournal/%020lld", es->prefix, (long long)seq);
}

/* The seq in a journal key, 0 when it is not one. */
static int64_t key_seq(const struct etcd_state *es, const char *key)
{
    size_t p = strlen(es->prefix) + strlen("journal/");
    if (strlen(key) != p + 20)
        return 0;
    return strtoll(key + p, NULL, 10);
}

static uint64_t random64(void)
{
    uint64_t v = 0;
    if (getrandom(&v, sizeof v, 0) != (ssize_t)sizeof v) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        v = (uint64_t)ts.tv_nsec * 6364136223846793005u ^ (uint64_t)ts.tv_sec ^ (uint64_t)clock();
    }
    return v;
}

/* --- the journal --------------------------------------------------------------------- */

/* The seq of the journal's last key (0: empty). */
static int find_last_seq(struct etcd_state *es, int64_t *seq, struct wsl_err *err)
{
    char start[300], end[300];
    snprintf(start, sizeof start, "%sjournal/", es->prefix);
    snprintf(end, sizeof end, "%sjournal0", es->prefix);
    json_t *req = wsl_etcd_range_req(start, end, 1, true);
    json_object_set_new(req, "keys_only", json_true());
    json_t *resp;
    int rc = wsl_etcd_call(es->cli, "/v3/kv/range", req, es->op_ms, &resp, err);
    json_decref(req);
    if (rc != 0)
        return rc;
    char *key = wsl_etcd_kv_field(json_array_get(wsl_etcd_kvs(resp), 0), "key", NULL);
    *seq = key ? key_seq(es, key) : 0;
    free(key);
    json_decref(resp);
    return 0;
}

/* The first kv of the i-th (range) response of a txn answer, or NULL. */
static json_t *txn_kv(const json_t *resp, size_t i)
{
    return json_array_get(wsl_etcd_kvs(wsl_etcd_txn_resp(resp, i, "response_range")), 0);
}

static int fenced(const struct wsl_fence *f, int64_t now_token, struct wsl_err *err)
{
    char what[WSL_STATE_NAME_MAX + 32];
    wsl_state_what(f, what, sizeof what);
    if (now_token == 0)
        wsl_err_set(err, WSL_E_CONFLICT, "fenced: the %s (token %lld) has expired or was "
                    "released; nothing was written", what, (long long)f->token);
    else
        wsl_err_set(err, WSL_E_CONFLICT, "fenced: the %s is now held with token %lld, not ours "
                    "(%lld); nothing was written", what, (long long)now_token,
                    (long long)f->token);
    wsl_err_hint(err, "stop acting on %s: another wissel instance has taken over", f->name);
    return WSL_E_CONFLICT;
}

static int etcd_append(struct wsl_state *st, json_t *rec, const struct wsl_fence *fence,
                       struct wsl_err *err)
{
    struct etcd_state *es = (struct etcd_state *)st;
    char key[300], fkey[512], start[300], end[300];
    snprintf(start, sizeof start, "%sjournal/", es->prefix);
    snprintf(end, sizeof end, "%sjournal0", es->prefix);
    if (fence)
        key_of(es, fence, fkey, sizeof fkey);
    int64_t deadline = wsl_monotonic_ms() + es->op_ms, seq = es->last_seq + 1;
    for (int attempt = 0;; attempt++) {
        int rc = wsl_state_encode(rec, seq, &es->line, err);
        if (rc != 0)
            return rc;
        journal_key(es, seq, key, sizeof key);
        json_t *cmp = json_pack("[o]", wsl_etcd_cmp_created(key, 0));
        json_t *ok = json_pack("[o]", wsl_etcd_op_put(key, es->line.data, es->line.len, 0));
        json_t *fail = json_pack("[o, o]", wsl_etcd_op_range(key, NULL, 0, false),
                                 wsl_etcd_op_range(start, end, 1, true));
        if (fence) {
            json_array_append_new(cmp, wsl_etcd_cmp_created(fkey, fence->token));
            json_array_append_new(fail, wsl_etcd_op_range(fkey, NULL, 0, false));
        }
        json_t *txn = json_pack("{s:o, s:o, s:o}", "compare", cmp, "success", ok, "failure", fail);
        json_t *resp;
        rc = wsl_etcd_call(es->cli, "/v3/kv/txn", txn, deadline - wsl_monotonic_ms(), &resp, err);
        json_decref(txn);
        if (rc != 0) {
            wsl_err_prefix(err, "appending to the journal");
            return rc;
        }
        if (json_is_true(json_object_get(resp, "succeeded"))) {
            json_decref(resp);
            es->last_seq = seq;
            return 0;
        }
        /* Taken. By ourselves (an earlier copy of this request that we heard no answer
         * to)? Then the record is in. */
        size_t vlen;
        char *v = wsl_etcd_kv_field(txn_kv(resp, 0), "value", &vlen);
        bool ours = v && vlen == es->line.len && memcmp(v, es->line.data, vlen) == 0;
        free(v);
        if (ours) {
            json_decref(resp);
            es->last_seq = seq;
            return 0;
        }
        if (fence) {
            int64_t now_token = wsl_etcd_int(txn_kv(resp, 2), "create_revision");
            if (now_token != fence->token) {
                json_decref(resp);
                return fenced(fence, now_token, err);
            }
        }
        char *last = wsl_etcd_kv_field(txn_kv(resp, 1), "key", NULL);
        int64_t last_seq = last ? key_seq(es, last) : 0;
        free(last);
        json_decref(resp);
        seq = (last_seq >= seq ? last_seq : seq) + 1;
        if (wsl_monotonic_ms() >= deadline)
            return wsl_err_set(err, WSL_E_TIMEOUT, "appending to the journal: %d attempts in "
                               "%ld ms lost the race for the next seq to other writers",
                               attempt + 1, es->op_ms);
    }
}

/* Parse one kv of the journal into *rec (false when it is not a record). */
static bool kv_record(const json_t *kv, json_t **rec)
{
    size_t len;
    char *v = wsl_etcd_kv_field(kv, "value", &len);
    bool ok = v && wsl_state_line_parse(v, len, rec);
    if (!ok) {
        char *k = wsl_etcd_kv_field(kv, "key", NULL);
        wsl_logf(WSL_LOG_WARN, "state", "etcd key %s is not a journal record; skipped",
                 k ? k : "?");
        free(k);
    }
    free(v);
    return ok;
}

static int etcd_read(struct wsl_state *st, const struct wsl_state_query *q, json_t *out,
                     struct wsl_err *err)
{
    struct etcd_state *es = (struct etcd_state *)st;
    char start[300], end[300];
    journal_key(es, (q ? q->since : 0) + 1, start, sizeof start);
    snprintf(end, sizeof end, "%sjournal0", es->prefix);
    bool newest = q && q->newest && q->limit > 0;
    struct wsl_state_collect c;
    wsl_state_collect_begin(&c, newest ? NULL : q, out);
    json_t *rev = json_array(); /* newest mode: found newest first */
    int rc = 0;
    for (bool more = true; more;) {
        json_t *req = wsl_etcd_range_req(start, end, PAGE, newest), *resp;
        rc = wsl_etcd_call(es->cli, "/v3/kv/range", req, es->op_ms, &resp, err);
        json_decref(req);
        if (rc != 0) {
            wsl_err_prefix(err, "reading the journal");
            break;
        }
        const json_t *kvs = wsl_etcd_kvs(resp);
        more = json_is_true(json_object_get(resp, "more")) && json_array_size(kvs) > 0;
        for (size_t i = 0; i < json_array_size(kvs); i++) {
            json_t *kv = json_array_get(kvs, i), *rec;
            if (!kv_record(kv, &rec))
                continue;
            if (!wsl_state_query_match(q, rec)) {
                json_decref(rec);
            } else if (newest) {
                json_array_append_new(rev, rec);
                more = more && json_array_size(rev) < q->limit;
                if (json_array_size(rev) >= q->limit)
                    break;
            } else if (!wsl_state_collect_add(&c, rec)) {
                more = false;
                break;
            }
        }
        /* The next page: after the last key (ascending), or before it (descending). */
        char *last = wsl_etcd_kv_field(json_array_get(kvs, json_array_size(kvs) - 1), "key", NULL);
        if (last && newest)
            snprintf(end, sizeof end, "%s", last);
        else if (last)
            journal_key(es, key_seq(es, last) + 1, start, sizeof start);
        free(last);
        json_decref(resp);
    }
    for (size_t i = json_array_size(rev); rc == 0 && i > 0; i--)
        json_array_append(out, json_array_get(rev, i - 1));
    json_decref(rev);
    wsl_state_collect_end(&c);
    return rc;
}

/* --- leases, locks and leadership ------------------------------------------------------ */

static int64_t margin_ms(int ttl)
{
    return ttl * 100 > 200 ? ttl * 100 : 200; /* a tenth of the TTL, at least 200 ms */
}

/* Whether the key still holds our token (false also when it could not be read: the
 * keep-alive decides about time). Sets lost when it is gone or someone else's. */
static void check_key(struct etcd_lock *l)
{
    int64_t token = atomic_load(&l->token);
    if (token == 0)
        return;
    json_t *req = wsl_etcd_range_req(l->key, NULL, 0, false), *resp;
    int64_t left = atomic_load(&l->valid_until) - wsl_monotonic_ms();
    struct wsl_err e = {0};
    int rc = wsl_etcd_call(l->cli, "/v3/kv/range", req, left > 200 ? left : 200, &resp, &e);
    json_decref(req);
    if (rc != 0)
        return;
    int64_t now = wsl_etcd_int(json_array_get(wsl_etcd_kvs(resp), 0), "create_revision");
    json_decref(resp);
    if (now != token) {
        wsl_logf(WSL_LOG_WARN, "state", "etcd key %s is no longer ours (token %lld, now %lld): "
                 "lock lost", l->key, (long long)token, (long long)now);
        atomic_store(&l->lost, true);
    }
}

/* The keeper: renews the lease every ttl/3 (sooner after a failure) until told to stop
 * or the lease is gone. */
static void *keeper(void *arg)
{
    struct etcd_lock *l = arg;
    int64_t interval = l->ttl * 1000 / 3, next = wsl_monotonic_ms() + interval;
    json_t *body = json_pack("{s:I}", "ID", (json_int_t)l->lease);
    pthread_mutex_lock(&l->mu);
    while (!l->stop && !atomic_load(&l->lost)) {
        int64_t now = wsl_monotonic_ms();
        if (now < next) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            int64_t ns = ts.tv_nsec + (next - now) % 1000 * 1000000;
            ts.tv_sec += (next - now) / 1000 + ns / 1000000000;
            ts.tv_nsec = ns % 1000000000;
            pthread_cond_timedwait(&l->cv, &l->mu, &ts);
            continue;
        }
        pthread_mutex_unlock(&l->mu);
        int64_t sent = wsl_monotonic_ms(), left = atomic_load(&l->valid_until) - sent;
        json_t *resp;
        struct wsl_err e = {0};
        int rc = left > 0 ? wsl_etcd_call(l->cli, "/v3/lease/keepalive", body, left, &resp, &e)
                          : WSL_E_TIMEOUT;
        /* Lost is for good: once the deadline has passed someone may have seen the lock
         * lost, so a renewal that comes back late must not revive it. */
        if (wsl_monotonic_ms() >= atomic_load(&l->valid_until)) {
            if (rc == 0)
                json_decref(resp);
            wsl_logf(WSL_LOG_WARN, "state", "etcd lease of %s could not be renewed in time: "
                     "lock lost%s%s%s", l->key, rc ? " (" : "", rc ? e.msg : "", rc ? ")" : "");
            atomic_store(&l->lost, true);
        } else if (rc == 0) {
            int64_t ttl = wsl_etcd_int(json_object_get(resp, "result"), "TTL");
            json_decref(resp);
            if (ttl <= 0) {
                wsl_logf(WSL_LOG_WARN, "state", "etcd lease of %s has expired: lock lost", l->key);
                atomic_store(&l->lost, true);
            } else {
                atomic_store(&l->valid_until, sent + ttl * 1000 - margin_ms((int)ttl));
                next = sent + interval;
                check_key(l);
            }
        } else {
            wsl_logf(WSL_LOG_WARN, "state", "renewing the etcd lease of %s failed (%lld ms of "
                     "it left): %s", l->key, (long long)(atomic_load(&l->valid_until) -
                                                          wsl_monotonic_ms()), e.msg);
            next = wsl_monotonic_ms() + 200;
        }
        pthread_mutex_lock(&l->mu);
    }
    pthread_mutex_unlock(&l->mu);
    json_decref(body);
    return NULL;
}

static bool etcd_lost(const struct wsl_lock *base)
{
    const struct etcd_lock *l = (const struct etcd_lock *)base;
    return atomic_load(&l->lost) || wsl_monotonic_ms() >= atomic_load(&l->valid_until);
}

/* Stop the keeper, revoke the lease (deleting the key, if it is still ours) and free. */
static void etcd_release(struct wsl_lock *base)
{
    struct etcd_lock *l = (struct etcd_lock *)base;
    if (l->running) {
        pthread_mutex_lock(&l->mu);
        l->stop = true;
        pthread_cond_signal(&l->cv);
        pthread_mutex_unlock(&l->mu);
        pthread_join(l->thread, NULL);
    }
    if (l->lease) {
        json_t *body = json_pack("{s:I}", "ID", (json_int_t)l->lease), *resp = NULL;
        struct wsl_err e = {0};
        int rc = wsl_etcd_call(l->cli, "/v3/lease/revoke", body, 5000, &resp, &e);
        json_decref(body);
        json_decref(resp);
        if (rc != 0 && e.http_status != 404)
            wsl_logf(WSL_LOG_WARN, "state", "releasing %s: revoking its lease failed (%s); it "
                     "ends by itself within %d s", l->key, e.msg, l->ttl);
    }
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    wsl_etcd_free(l->cli);
    free(l);
}

/* Grant the lease, with an ID of our choosing, and start the keeper. */
static int grant(struct etcd_state *es, struct etcd_lock *l, struct wsl_err *err)
{
    l->lease = (int64_t)(random64() >> 2) + 1; /* positive, and never 0 (= no lease) */
    json_t *body = json_pack("{s:I, s:I}", "TTL", (json_int_t)es->ttl, "ID", (json_int_t)l->lease);
    json_t *resp = NULL;
    struct wsl_err e = {0};
    int64_t sent = wsl_monotonic_ms();
    int rc = wsl_etcd_call(l->cli, "/v3/lease/grant", body, es->op_ms, &resp, &e);
    json_decref(body);
    int64_t ttl = es->ttl;
    if (rc == WSL_E_HTTP && strstr(e.msg, "lease already exists")) {
        rc = 0; /* our own earlier grant, resent after a lost answer */
    } else if (rc == 0) {
        ttl = wsl_etcd_int(resp, "TTL");
        json_decref(resp);
    }
    if (rc != 0) {
        l->lease = 0;
        if (err)
            *err = e;
        wsl_err_prefix(err, "granting a lease for %s", l->key);
        return rc;
    }
    if (ttl <= 0)
        return wsl_err_set(err, WSL_E_INTERNAL, "etcd granted a lease for %s with TTL %lld",
                           l->key, (long long)ttl);
    l->ttl = (int)ttl;
    atomic_store(&l->valid_until, sent + ttl * 1000 - margin_ms(l->ttl));
    if (pthread_create(&l->thread, NULL, keeper, l) != 0)
        return wsl_err_set(err, WSL_E_INTERNAL, "cannot start the lease keeper thread: %s",
                           strerror(errno));
    l->running = true;
    return 0;
}

static int etcd_acquire(struct wsl_state *st, const struct wsl_fence *what, json_t *holder,
                        int64_t wait_ms, struct wsl_lock **out, struct wsl_err *err)
{
    struct etcd_state *es = (struct etcd_state *)st;
    struct etcd_lock *l = wsl_xcalloc(1, sizeof *l);
    l->base.ops = &etcd_ops;
    l->base.fence = *what;
    key_of(es, what, l->key, sizeof l->key);
    snprintf(l->owner, sizeof l->owner, "%016llx", (unsigned long long)random64());
    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_t ca; /* the keeper's waits are deadlines on the monotonic clock */
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cv, &ca);
    pthread_condattr_destroy(&ca);
    l->cli = wsl_etcd_dup(es->cli, es->ttl * 1000 / 3);
    int rc = grant(es, l, err);
    if (rc != 0) {
        etcd_release(&l->base);
        return rc;
    }
    json_object_set_new(holder, "owner", json_string(l->owner));
    json_object_set_new(holder, "lease", json_integer(l->lease));
    char *value = json_dumps(holder, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_t *txn = json_pack("{s:[o], s:[o, o], s:[o]}",
                            "compare", wsl_etcd_cmp_created(l->key, 0),
                            "success", wsl_etcd_op_put(l->key, value, strlen(value), l->lease),
                            wsl_etcd_op_range(l->key, NULL, 0, false),
                            "failure", wsl_etcd_op_range(l->key, NULL, 0, false));
    free(value);
    int64_t deadline = wait_ms < 0 ? -1 : wsl_monotonic_ms() + wait_ms, step = 0;
    for (;;) {
        json_t *resp;
        rc = wsl_etcd_call(es->cli, "/v3/kv/txn", txn, es->op_ms, &resp, err);
        if (rc != 0) {
            wsl_err_prefix(err, "taking %s", l->key);
            break;
        }
        bool won = json_is_true(json_object_get(resp, "succeeded"));
        json_t *kv = txn_kv(resp, won ? 1 : 0);
        char *v = wsl_etcd_kv_field(kv, "value", NULL);
        json_t *found = v ? json_loads(v, 0, NULL) : NULL;
        free(v);
        const char *owner = json_string_value(json_object_get(found, "owner"));
        if (won || (owner && strcmp(owner, l->owner) == 0)) { /* ours, maybe from a resend */
            l->base.fence.token = wsl_etcd_int(kv, "create_revision");
            atomic_store(&l->token, l->base.fence.token);
            json_decref(found);
            json_decref(resp);
            break;
        }
        json_decref(resp);
        if (etcd_lost(&l->base)) {
            json_decref(found);
            rc = wsl_err_set(err, WSL_E_TIMEOUT, "taking %s: our lease could not be kept "
                             "alive while waiting", l->key);
            break;
        }
        if (deadline >= 0 && wsl_monotonic_ms() >= deadline) {
            wsl_state_conflict(err, what, found);
            json_decref(found);
            rc = WSL_E_CONFLICT;
            break;
        }
        json_decref(found);
        wsl_sleep_ms(wsl_state_backoff(&step, 250, deadline));
    }
    json_decref(txn);
    if (rc != 0 || l->base.fence.token <= 0) {
        if (rc == 0)
            rc = wsl_err_set(err, WSL_E_INTERNAL, "taking %s: etcd answered without the key's "
                             "revision", l->key);
        etcd_release(&l->base);
        return rc;
    }
    *out = &l->base;
    return 0;
}

/* --- opening ------------------------------------------------------------------------- */

static void etcd_close(struct wsl_state *st)
{
    struct etcd_state *es = (struct etcd_state *)st;
    wsl_etcd_free(es->cli);
    wsl_buf_free(&es->line);
    free(es);
}

/* Parse "etcd[+https]://h:p,h:p[/][?k=v&...]" into es and the endpoint list. */
static int parse_url(const char *url, struct etcd_state *es, char **eps, size_t *neps,
                     char *ca, char *cert, char *key, size_t pathmax, struct wsl_err *err)
{
    bool tls = strncmp(url, "etcd+https://", 13) == 0;
    const char *p = url + (tls ? 13 : 7);
    size_t hl = strcspn(p, "/?");
    const char *q = p + hl;
    if (*q == '/')
        q++;
    if (*q && *q != '?')
        return wsl_err_set(err, WSL_E_USAGE, "etcd state URL %s: unexpected path '%s'", url, q);
    if (*q == '?')
        q++;
    *neps = 0;
    for (const char *h = p; h < p + hl;) {
        size_t n = strcspn(h, ",");
        if (n > (size_t)(p + hl - h))
            n = (size_t)(p + hl - h);
        if (n == 0 || n > 255)
            return wsl_err_set(err, WSL_E_USAGE, "etcd state URL %s: empty or overlong member "
                               "address", url);
        if (*neps == MAX_ENDPOINTS)
            return wsl_err_set(err, WSL_E_USAGE, "etcd state URL %s: more than %d members",
                               url, MAX_ENDPOINTS);
        bool port = memchr(h, ':', n) && h[n - 1] != ']';
        eps[*neps] = wsl_xmalloc(n + 20);
        snprintf(eps[*neps], n + 20, "%s://%.*s%s", tls ? "https" : "http", (int)n, h,
                 port ? "" : ":2379");
        (*neps)++;
        h += n + (h[n] == ',');
    }
    if (*neps == 0)
        return wsl_err_set(err, WSL_E_USAGE, "etcd state URL %s names no member "
                           "(etcd://host:2379,host:2379,...)", url);
    while (*q) {
        size_t n = strcspn(q, "&");
        const char *eq = memchr(q, '=', n);
        if (!eq)
            return wsl_err_set(err, WSL_E_USAGE, "etcd state URL %s: option '%.*s' has no "
                               "value", url, (int)n, q);
        size_t kl = (size_t)(eq - q), vl = n - kl - 1;
        char v[1024];
        snprintf(v, sizeof v, "%.*s", (int)vl, eq + 1);
        if (kl == 6 && !memcmp(q, "prefix", 6)) {
            if (v[0] != '/' || vl > 200)
                return wsl_err_set(err, WSL_E_USAGE, "etcd state URL: prefix '%s' must start "
                                   "with '/' (and be at most 200 bytes)", v);
            snprintf(es->prefix, sizeof es->prefix, "%s%s", v, v[vl - 1] == '/' ? "" : "/");
        } else if ((kl == 3 && !memcmp(q, "ttl", 3)) || (kl == 7 && !memcmp(q, "timeout", 7))) {
            char *e;
            long s = strtol(v, &e, 10);
            if (*e || s < 2 || s > 3600)
                return wsl_err_set(err, WSL_E_USAGE, "etcd state URL: %.*s=%s is not a number "
                                   "of seconds from 2 to 3600", (int)kl, q, v);
            if (kl == 3)
                es->ttl = (int)s;
            else
                es->op_ms = s * 1000;
        } else if (kl == 2 && !memcmp(q, "ca", 2)) {
            snprintf(ca, pathmax, "%s", v);
        } else if (kl == 4 && !memcmp(q, "cert", 4)) {
            snprintf(cert, pathmax, "%s", v);
        } else if (kl == 3 && !memcmp(q, "key", 3)) {
            snprintf(key, pathmax, "%s", v);
        } else {
            return wsl_err_set(err, WSL_E_USAGE, "etcd state URL: unknown option '%.*s' (known: "
                               "prefix, ttl, timeout, ca, cert, key)", (int)kl, q);
        }
        q += n + (q[n] == '&');
    }
    if ((ca[0] || cert[0] || key[0]) && !tls)
        return wsl_err_set(err, WSL_E_USAGE, "etcd state URL: ca, cert and key need "
                           "etcd+https://");
    snprintf(es->base.desc, sizeof es->base.desc, "%.*s prefix %s", (int)(p + hl - url), url,
             es->prefix);
    return 0;
}

int wsl_state_etcd_open(const char *url, struct wsl_state **out, struct wsl_err *err)
{
    struct etcd_state *es = wsl_xcalloc(1, sizeof *es);
    es->base.ops = &etcd_ops;
    snprintf(es->prefix, sizeof es->prefix, "/wissel/");
    es->ttl = 15;
    es->op_ms = 10000;
    char *eps[MAX_ENDPOINTS] = {0}, ca[1024] = "", cert[1024] = "", key[1024] = "";
    size_t neps = 0;
    int rc = parse_url(url, es, eps, &neps, ca, cert, key, sizeof ca, err);
    if (rc == 0) {
        struct wsl_etcd_cfg cfg = {
            .endpoints = (const char *const *)eps,
            .nendpoints = neps,
            .ca_file = ca[0] ? ca : NULL,
            .cert_file = cert[0] ? cert : NULL,
            .key_file = key[0] ? key : NULL,
            /* A member that accepts but does not answer (hung, shutting down) costs at
             * most this; etcd answers a healthy request in milliseconds. */
            .attempt_timeout_ms = es->op_ms / 3 < 2000 ? es->op_ms / 3 : 2000,
        };
        es->cli = wsl_etcd_new(&cfg, err);
        if (!es->cli)
            rc = err ? err->code : WSL_E_INVALID;
    }
    for (size_t i = 0; i < neps; i++)
        free(eps[i]);
    if (rc == 0 && (rc = find_last_seq(es, &es->last_seq, err)) != 0)
        wsl_err_prefix(err, "opening the etcd state %s", es->base.desc);
    if (rc != 0) {
        etcd_close(&es->base);
        return rc;
    }
    *out = &es->base;
    return 0;
}

static const struct wsl_state_ops etcd_ops = {
    .append = etcd_append,
    .read = etcd_read,
    .acquire = etcd_acquire,
    .lost = etcd_lost,
    .release = etcd_release,
    .close = etcd_close,
};
