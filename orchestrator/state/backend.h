/*
 * backend.h — what a state backend implements, and the helpers the backends share.
 * Internal to orchestrator/state/: the rest of wissel includes state.h only.
 *
 * state.c checks arguments, stamps "ts", "by" and "fence" on records and builds the holder
 * description of locks; a backend (file.c, etcd.c) only stores and finds things. A
 * backend's state and lock structs begin with struct wsl_state / struct wsl_lock.
 */
#ifndef WSL_STATE_BACKEND_H
#define WSL_STATE_BACKEND_H

#include "lib/buf.h"
#include "orchestrator/state/state.h"

#include <stdint.h>

struct wsl_state_ops;

struct wsl_state {
    const struct wsl_state_ops *ops;
    char desc[512]; /* wsl_state_describe() */
    char host[256]; /* gethostname() */
    char by[300];   /* "host:pid", stamped on records */
};

/* A held lock or leadership. */
struct wsl_lock {
    const struct wsl_state_ops *ops;
    struct wsl_fence fence; /* kind, name and token of this acquisition */
};

struct wsl_state_ops {
    /* Give rec its "seq" (wsl_state_encode()) and store it durably; with a fence, only
     * while the fence holds (WSL_E_CONFLICT otherwise). */
    int (*append)(struct wsl_state *st, json_t *rec, const struct wsl_fence *fence,
                  struct wsl_err *err);
    /* Append the records matching q to the array out, in seq order. */
    int (*read)(struct wsl_state *st, const struct wsl_state_query *q, json_t *out,
                struct wsl_err *err);
    /* Take the lock what->kind/what->name (token ignored), recording holder (an object
     * with pid, host, since and, for leaders, id) for whoever finds it taken. */
    int (*acquire)(struct wsl_state *st, const struct wsl_fence *what, json_t *holder,
                   int64_t wait_ms, struct wsl_lock **out, struct wsl_err *err);
    bool (*lost)(const struct wsl_lock *l);
    void (*release)(struct wsl_lock *l); /* and free */
    void (*close)(struct wsl_state *st); /* and free */
};

/* Open the backends (spec already parsed by state.c). */
int wsl_state_file_open(const char *dir, struct wsl_state **out, struct wsl_err *err);
/* url: "etcd://..." or "etcd+https://..." as given to wsl_state_open(). */
int wsl_state_etcd_open(const char *url, struct wsl_state **out, struct wsl_err *err);

/* Set rec's "seq" and encode it into b (cleared first) as one compact JSON line without
 * the newline, keys seq, ts, by first so that wsl_state_line_seq() finds the seq without
 * parsing. WSL_E_LIMIT when it is larger than WSL_STATE_RECORD_MAX. */
int wsl_state_encode(json_t *rec, int64_t seq, struct wsl_buf *b, struct wsl_err *err);
/* The seq of an encoded record, read from its start ("{\"seq\":42,"); false when the
 * line does not start that way. */
bool wsl_state_line_seq(const char *line, size_t len, int64_t *seq);
/* Parse one journal line; true and a new reference in *rec when it is a record (an
 * object with a positive integer seq). */
bool wsl_state_line_parse(const char *line, size_t len, json_t **rec);
/* Whether rec matches q (NULL matches everything); seq is not checked here. */
bool wsl_state_query_match(const struct wsl_state_query *q, const json_t *rec);

/* Collects matching records for a read: the first `limit`, or with q->newest the last
 * `limit` (a ring), handed over in seq order by wsl_state_collect_end(). */
struct wsl_state_collect {
    const struct wsl_state_query *q;
    json_t **ring; /* newest mode */
    size_t n, head;
    json_t *out;
};
void wsl_state_collect_begin(struct wsl_state_collect *c, const struct wsl_state_query *q,
                             json_t *out);
/* Offer a record (reference stolen). Returns false when no more are wanted. */
bool wsl_state_collect_add(struct wsl_state_collect *c, json_t *rec);
void wsl_state_collect_end(struct wsl_state_collect *c);

/* "held by pid 4242 on host ci-3 since 2025-01-01T10:00:00.000000Z" (leaders: "led by
 * instance X (pid ..."): the conflict message for a lock found taken, from its holder
 * object (NULL when unreadable). */
void wsl_state_conflict(struct wsl_err *err, const struct wsl_fence *what, const json_t *holder);
/* "lock of target X" / "leadership of X", for messages. */
const char *wsl_state_what(const struct wsl_fence *what, char *buf, size_t n);

/* How long the next wait of a polling loop lasts: doubles from 10 ms up to max_ms and
 * never beyond the deadline (ms of wsl_monotonic_ms(); < 0: none). *step is the
 * loop's state, 0 at first. */
int64_t wsl_state_backoff(int64_t *step, int64_t max_ms, int64_t deadline);

#endif
