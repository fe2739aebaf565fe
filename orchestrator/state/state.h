/*
 * state.h — wissel's state: the journal, the per-target locks and leader election.
 *
 * One interface, two backends (see docs/state.md):
 *
 *   file  a state directory on one machine: journal.jsonl (JSON lines, fsync per record)
 *         and one flock(2)-ed file per lock. The default.
 *   etcd  a cluster reached over etcd's v3 JSON API: journal records as keys, locks and
 *         leadership as keys bound to leases, so they end when their holder dies.
 *
 * Journal. Append-only records, each a JSON object with at least a string "type"
 * ("apply.start", "action", "health", ...) and usually "app" and "target". Appending stamps
 * "seq" (a number that grows with every record of this journal), "ts" (RFC 3339 UTC, with
 * microseconds) and "by" ("host:pid"), and — for a fenced append — "fence".
 *
 * Locks. At most one holder per target, across processes and (etcd) machines. A lock that
 * cannot be had at once names its holder (pid, host, since). Each acquisition gets a
 * fencing token larger than every earlier one for the same lock; an append that carries
 * it (struct wsl_fence) succeeds only while that acquisition still holds the lock, so a
 * holder that lost its lock without noticing (paused, partitioned) cannot write.
 *
 * Election. A leader is a lock on a name ("serve") held by an instance id; the same rules
 * and the same fencing apply. With etcd, leadership (and every lock) is bound to a lease
 * of `ttl` seconds that a background thread renews: when its holder dies or loses contact
 * with the cluster, it ends within the TTL and another instance can take over.
 *
 * Threads. A struct wsl_state is used by one thread at a time (open one per thread). Locks
 * and leaders may be checked (wsl_lock_lost) from any thread.
 */
#ifndef WSL_STATE_H
#define WSL_STATE_H

#include "lib/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Longest lock, leader or target name (bytes). Names use letters, digits, '.', '_', '-'
 * and do not start with '.'. */
#define WSL_STATE_NAME_MAX 200
/* Largest record, as encoded (bytes): etcd refuses requests over 1.5 MiB. */
#define WSL_STATE_RECORD_MAX (1024 * 1024)

struct wsl_state;  /* an open state store */
struct wsl_lock;   /* a held per-target lock */
struct wsl_leader; /* held leadership */

/* What an append must still hold to succeed: the lock or the leadership `name` with the
 * given token. Plain data: copy it freely. */
struct wsl_fence {
    enum { WSL_FENCE_LOCK, WSL_FENCE_LEADER } kind;
    char name[WSL_STATE_NAME_MAX + 1];
    int64_t token;
};

/* Which records to read. Zero fields match everything. */
struct wsl_state_query {
    const char *app;    /* only records whose "app" equals this */
    const char *target; /* only records whose "target" equals this */
    const char *type;   /* "type" equals this, or starts with it when it ends in '.' */
    int64_t since;      /* only records with seq > since */
    size_t limit;       /* at most this many (0: all) ... */
    bool newest;        /* ... the newest ones instead of the oldest; the array stays in
                           seq order either way */
};

/* Open a state store. spec:
 *   NULL or ""                    the directory $XDG_STATE_HOME/wissel, else
 *                                 ~/.local/state/wissel (created, mode 0700)
 *   /a/dir, ./dir or dir:/a/dir   that directory (created when missing)
 *   etcd://h1:2379,h2:2379,...    an etcd cluster over HTTP; etcd+https://... over TLS.
 *     Options after '?', joined by '&': prefix=/wissel/ (key prefix), ttl=15 (lease
 *     seconds for locks and leadership), ca=FILE, cert=FILE, key=FILE (TLS),
 *     timeout=10 (seconds an operation may take, failing over between members).
 * Opening an etcd store contacts the cluster (any member) and fails when none answers.
 * Returns 0 and a store for wsl_state_close(), or WSL_E_USAGE (bad spec), WSL_E_IO,
 * WSL_E_NET/TIMEOUT (no member answered). */
int wsl_state_open(const char *spec, struct wsl_state **out, struct wsl_err *err);

/* Close the store. Locks and leaders taken from it must be released first. NULL is
 * allowed. */
void wsl_state_close(struct wsl_state *st);

/* "file:/path/to/dir" or "etcd://h1:2379,... prefix /wissel/", for messages. */
const char *wsl_state_describe(const struct wsl_state *st);

/* Append a record: a JSON object with a non-empty string "type"; its "seq", "ts", "by"
 * and "fence" are set by the journal (values the caller put there are replaced). On
 * success the record is durable (fsync'd, or committed by the etcd cluster) and the
 * caller's object carries the stamped fields. With a fence, the append succeeds only
 * while the fence's lock or leadership is still held with that token, checked atomically
 * with the write; otherwise WSL_E_CONFLICT, and nothing is written. Errors: WSL_E_INVALID
 * (not an object, no type), WSL_E_LIMIT (over WSL_STATE_RECORD_MAX), WSL_E_IO,
 * WSL_E_NET/WSL_E_TIMEOUT (etcd: no member answered in time — the record may or may not
 * have been written; the cluster could not say). */
int wsl_state_append(struct wsl_state *st, json_t *record, const struct wsl_fence *fence,
                     struct wsl_err *err);

/* Read records matching q (NULL: all) into *out, a new JSON array in seq order that the
 * caller json_decref()s. A torn last line (a crash during an append) is ignored. */
int wsl_state_read(struct wsl_state *st, const struct wsl_state_query *q, json_t **out,
                   struct wsl_err *err);

/* Take the lock of `target`. wait_ms: 0 tries once, > 0 waits up to that long, < 0 waits
 * as long as it takes. Returns 0 and a lock for wsl_lock_release(), or WSL_E_CONFLICT
 * naming the holder ("held by pid 4242 on host ci-3 since 2025-...Z") when it could not be
 * had in time; WSL_E_INVALID for a bad name; WSL_E_IO, WSL_E_NET, WSL_E_TIMEOUT. */
int wsl_state_lock(struct wsl_state *st, const char *target, int64_t wait_ms,
                   struct wsl_lock **out, struct wsl_err *err);

/* The fencing token of this acquisition (> 0): larger than that of every earlier holder. */
int64_t wsl_lock_token(const struct wsl_lock *l);

/* The fence to pass to wsl_state_append() while holding the lock. */
struct wsl_fence wsl_lock_fence(const struct wsl_lock *l);

/* True once the lock can no longer be trusted: its lease expired or could not be renewed
 * in time (etcd), or its key was removed. A file lock is lost only with its process. Stop
 * acting on the target when this turns true; fenced appends fail from then on anyway. */
bool wsl_lock_lost(const struct wsl_lock *l);

/* Release the lock (best effort: failures are logged, and an etcd lease ends by itself
 * within its TTL) and free it. NULL is allowed. */
void wsl_lock_release(struct wsl_lock *l);

/* Become the leader of `name` as instance `id` (any text, e.g. "host-a:serve"); wait_ms
 * as for wsl_state_lock(): 0 returns at once with WSL_E_CONFLICT naming the current
 * leader, < 0 blocks until leadership is won. Returns 0 and leadership for
 * wsl_leader_resign(). Check wsl_leader_lost() before each unit of work and fence the
 * journal writes of that work with wsl_leader_fence(). */
int wsl_state_campaign(struct wsl_state *st, const char *name, const char *id, int64_t wait_ms,
                       struct wsl_leader **out, struct wsl_err *err);

/* The fencing token of this term (> 0; larger than every earlier term's). */
int64_t wsl_leader_token(const struct wsl_leader *l);

/* The fence to pass to wsl_state_append() while leading. */
struct wsl_fence wsl_leader_fence(const struct wsl_leader *l);

/* True once leadership is lost (lease expired or not renewed in time, key removed). A
 * lost leader stays lost: resign and campaign again. Thread-safe. */
bool wsl_leader_lost(const struct wsl_leader *l);

/* Give up leadership so another instance takes over at once, and free it. NULL is
 * allowed. */
void wsl_leader_resign(struct wsl_leader *l);

#endif
