/*
 * etcd_client.c — see etcd_client.h. One lib/http.h handle per member, made on first use.
 */
#include "orchestrator/state/etcd_client.h"

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/http.h"
#include "lib/log.h"
#include "orchestrator/state/backend.h"

#include "lib/units.h"

#include <stdlib.h>
#include <string.h>

struct wsl_etcd {
    char **endpoints;
    struct wsl_http **http; /* per endpoint, NULL until used */
    size_t n, cur;
    char *ca_file, *cert_file, *key_file;
    long attempt_timeout_ms;
};

static char *dup_or_null(const char *s)
{
    return s ? wsl_xstrdup(s) : NULL;
}

static struct wsl_etcd *alloc(size_t n, const char *const *endpoints, const char *ca,
                              const char *cert, const char *key, long attempt_ms)
{
    struct wsl_etcd *c = wsl_xcalloc(1, sizeof *c);
    c->n = n;
    c->endpoints = wsl_xcalloc(n, sizeof *c->endpoints);
    c->http = wsl_xcalloc(n, sizeof *c->http);
    for (size_t i = 0; i < n; i++)
        c->endpoints[i] = wsl_xstrdup(endpoints[i]);
    c->ca_file = dup_or_null(ca);
    c->cert_file = dup_or_null(cert);
    c->key_file = dup_or_null(key);
    c->attempt_timeout_ms = attempt_ms > 0 ? attempt_ms : 5000;
    return c;
}

/* The handle for member i, made now when needed. */
static struct wsl_http *handle(struct wsl_etcd *c, size_t i, struct wsl_err *err)
{
    if (c->http[i])
        return c->http[i];
    long connect_ms = c->attempt_timeout_ms < 1000 ? c->attempt_timeout_ms : 1000;
    struct wsl_http_opts o = {
        .base_url = c->endpoints[i],
        .ca_file = c->ca_file,
        .cert_file = c->cert_file,
        .key_file = c->key_file,
        .connect_timeout_ms = connect_ms,
        .timeout_ms = c->attempt_timeout_ms,
        .total_timeout_ms = c->attempt_timeout_ms,
        .max_retries = -1, /* we fail over to the next member instead */
        .survives_cancel = true, /* the journal records how a stop ended things */
        .max_response_bytes = 64u << 20,
    };
    c->http[i] = wsl_http_new(&o, err);
    return c->http[i];
}

struct wsl_etcd *wsl_etcd_new(const struct wsl_etcd_cfg *cfg, struct wsl_err *err)
{
    struct wsl_etcd *c = alloc(cfg->nendpoints, cfg->endpoints, cfg->ca_file, cfg->cert_file,
                               cfg->key_file, cfg->attempt_timeout_ms);
    /* Check the TLS options now, where the user can still be told about them. */
    if (!handle(c, 0, err)) {
        wsl_etcd_free(c);
        return NULL;
    }
    return c;
}

struct wsl_etcd *wsl_etcd_dup(const struct wsl_etcd *c, long attempt_timeout_ms)
{
    struct wsl_etcd *d = alloc(c->n, (const char *const *)c->endpoints, c->ca_file, c->cert_file,
                               c->key_file, attempt_timeout_ms ? attempt_timeout_ms
                                                               : c->attempt_timeout_ms);
    d->cur = c->cur;
    return d;
}

void wsl_etcd_free(struct wsl_etcd *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        wsl_http_free(c->http[i]);
        free(c->endpoints[i]);
    }
    free(c->http);
    free(c->endpoints);
    free(c->ca_file);
    free(c->cert_file);
    free(c->key_file);
    free(c);
}

const char *wsl_etcd_current(const struct wsl_etcd *c)
{
    return c->endpoints[c->cur];
}

int wsl_etcd_call(struct wsl_etcd *c, const char *path, const json_t *body, long timeout_ms,
                  json_t **out, struct wsl_err *err)
{
    *out = NULL;
    int64_t start = wsl_monotonic_ms(), deadline = start + timeout_ms, step = 0;
    struct wsl_err last = {0};
    size_t failed = 0;
    for (;;) {
        struct wsl_http *h = handle(c, c->cur, &last);
        if (!h) { /* bad TLS files: the same for every member */
            *err = last;
            return last.code;
        }
        long status = 0;
        int rc = wsl_http_json(h, "POST", path, body, out, &status, &last);
        if (rc == 0)
            return 0;
        bool unavailable = rc == WSL_E_NET || rc == WSL_E_TIMEOUT ||
                           (rc == WSL_E_HTTP && status >= 500);
        if (!unavailable) {
            if (err)
                *err = last;
            return rc;
        }
        wsl_logf(WSL_LOG_DEBUG, "state", "etcd member %s did not serve %s: %s; trying the next",
                 c->endpoints[c->cur], path, last.msg);
        c->cur = (c->cur + 1) % c->n;
        failed++;
        if (wsl_monotonic_ms() >= deadline)
            break;
        if (failed % c->n == 0)
            wsl_sleep_ms(wsl_state_backoff(&step, 1000, deadline));
        if (wsl_monotonic_ms() >= deadline)
            break;
    }
    wsl_err_set(err, last.code, "etcd: no member of the cluster served %s within %lld ms "
                "(%zu attempts over %zu members; last: %s)", path,
                (long long)(wsl_monotonic_ms() - start), failed, c->n, last.msg);
    wsl_err_hint(err, "check the cluster: etcdctl --endpoints=%s endpoint health", c->endpoints[0]);
    if (err)
        err->http_status = last.http_status;
    return last.code;
}

/* --- requests and answers ------------------------------------------------------------ */

json_t *wsl_etcd_bytes(const char *s, size_t len)
{
    char *b = wsl_base64_encode(s, len);
    json_t *j = json_string(b);
    free(b);
    return j;
}

json_t *wsl_etcd_str(const char *s)
{
    return wsl_etcd_bytes(s, strlen(s));
}

json_t *wsl_etcd_cmp_created(const char *key, int64_t rev)
{
    return json_pack("{s:o, s:s, s:s, s:I}", "key", wsl_etcd_str(key), "target", "CREATE",
                     "result", "EQUAL", "create_revision", (json_int_t)rev);
}

json_t *wsl_etcd_op_put(const char *key, const char *value, size_t len, int64_t lease)
{
    json_t *put = json_pack("{s:o, s:o}", "key", wsl_etcd_str(key), "value",
                            wsl_etcd_bytes(value, len));
    if (lease)
        json_object_set_new(put, "lease", json_integer(lease));
    return json_pack("{s:o}", "request_put", put);
}

json_t *wsl_etcd_range_req(const char *key, const char *end, int64_t limit, bool descend)
{
    json_t *r = json_pack("{s:o}", "key", wsl_etcd_str(key));
    if (end)
        json_object_set_new(r, "range_end", wsl_etcd_str(end));
    if (limit > 0)
        json_object_set_new(r, "limit", json_integer(limit));
    if (descend) {
        json_object_set_new(r, "sort_order", json_string("DESCEND"));
        json_object_set_new(r, "sort_target", json_string("KEY"));
    }
    return r;
}

json_t *wsl_etcd_op_range(const char *key, const char *end, int64_t limit, bool descend)
{
    return json_pack("{s:o}", "request_range", wsl_etcd_range_req(key, end, limit, descend));
}

int64_t wsl_etcd_int(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v))
        return json_integer_value(v);
    if (json_is_string(v))
        return strtoll(json_string_value(v), NULL, 10);
    return 0;
}

json_t *wsl_etcd_txn_resp(const json_t *txn, size_t i, const char *kind)
{
    return json_object_get(json_array_get(json_object_get(txn, "responses"), i), kind);
}

const json_t *wsl_etcd_kvs(const json_t *range)
{
    return json_object_get(range, "kvs");
}

char *wsl_etcd_kv_field(const json_t *kv, const char *field, size_t *len)
{
    const char *b = json_string_value(json_object_get(kv, field));
    unsigned char *out = NULL;
    size_t n = 0;
    if (len)
        *len = 0;
    if (!json_is_object(kv))
        return NULL;
    if (!b) /* empty bytes are left out of answers */
        return wsl_xstrdup("");
    if (wsl_base64_decode(b, strlen(b), &out, &n, NULL) != 0)
        return NULL;
    if (len)
        *len = n;
    return (char *)out;
}
