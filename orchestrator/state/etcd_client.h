/*
 * etcd_client.h — the little of etcd's v3 API that the state backend needs, over its JSON
 * gateway (POST /v3/kv/range, /v3/kv/txn, /v3/lease/grant, ...) and lib/http.h.
 * Internal to orchestrator/state/.
 *
 * Failover. A client knows every member of the cluster and sticks to the one that last
 * answered. When a member does not answer (refused, reset, timed out) or answers that it
 * cannot serve now (5xx: no leader, leader changed, request timed out), the call moves on
 * to the next member, and after a round without an answer waits a little (doubling, up
 * to a second) — until the call's time is up. A stopped member therefore costs one
 * refused connection, a hung one at most one attempt timeout.
 *
 * Every call is resent after such a failure, so callers only send requests that are safe
 * to repeat: reads, compare-and-swap transactions that recognise their own earlier
 * success, lease grants with an ID chosen by the caller, keep-alives and revokes.
 *
 * Numbers: etcd's gateway writes 64-bit integers as JSON strings; wsl_etcd_int() reads
 * both forms. A field at its default (0, false, empty) is left out of answers.
 */
#ifndef WSL_STATE_ETCD_CLIENT_H
#define WSL_STATE_ETCD_CLIENT_H

#include "lib/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wsl_etcd_cfg {
    const char *const *endpoints; /* "http://127.0.0.1:2379", ... */
    size_t nendpoints;
    const char *ca_file, *cert_file, *key_file; /* TLS, optional */
    long attempt_timeout_ms; /* one request to one member; default 5000 */
};

struct wsl_etcd;

/* A client (no network traffic yet). Returns NULL with err set for bad TLS options. */
struct wsl_etcd *wsl_etcd_new(const struct wsl_etcd_cfg *cfg, struct wsl_err *err);
/* A client for another thread, to the same members, starting with the member c uses now,
 * with its own attempt timeout (0: c's). */
struct wsl_etcd *wsl_etcd_dup(const struct wsl_etcd *c, long attempt_timeout_ms);
void wsl_etcd_free(struct wsl_etcd *c);

/* POST body to path ("/v3/kv/txn") on a member, failing over as above for up to
 * timeout_ms. Returns 0 and the answer in *out (a new reference), or the error of the
 * last attempt: WSL_E_HTTP for an answer etcd gave (4xx; err->msg has etcd's reason),
 * WSL_E_NET/WSL_E_TIMEOUT when no member answered in time. */
int wsl_etcd_call(struct wsl_etcd *c, const char *path, const json_t *body, long timeout_ms,
                  json_t **out, struct wsl_err *err);

/* The member a call went to last ("http://127.0.0.1:2379"). */
const char *wsl_etcd_current(const struct wsl_etcd *c);

/* --- building requests and reading answers ----------------------------------------- */

/* s base64-encoded, as a JSON string (etcd keys and values are bytes). */
json_t *wsl_etcd_bytes(const char *s, size_t len);
json_t *wsl_etcd_str(const char *s);
/* A compare of key's create_revision with rev (0: the key does not exist). */
json_t *wsl_etcd_cmp_created(const char *key, int64_t rev);
json_t *wsl_etcd_op_put(const char *key, const char *value, size_t len, int64_t lease);
/* A range of [key, end) (end NULL: key alone), at most limit keys (0: all), sorted by key
 * ascending or descending. */
json_t *wsl_etcd_op_range(const char *key, const char *end, int64_t limit, bool descend);
/* The range request itself (for /v3/kv/range), same arguments. */
json_t *wsl_etcd_range_req(const char *key, const char *end, int64_t limit, bool descend);

/* A 64-bit field of obj, written as number or string; 0 when absent. */
int64_t wsl_etcd_int(const json_t *obj, const char *key);
/* The i-th response of a txn answer, of kind "response_range" or "response_put" (NULL
 * when absent). */
json_t *wsl_etcd_txn_resp(const json_t *txn, size_t i, const char *kind);
/* The kvs of a range response ("kvs": [...]); NULL when none, which jansson's array
 * functions treat as empty. */
const json_t *wsl_etcd_kvs(const json_t *range);
/* Decode a kv's key or value field into a new NUL-terminated string ("" when absent:
 * empty bytes are left out of answers; NULL when kv is no object or the field is not
 * base64); *len (when non-NULL) gets its length. */
char *wsl_etcd_kv_field(const json_t *kv, const char *field, size_t *len);

#endif
