/*
 * http.c — the HTTP client over libcurl.
 *
 * One curl easy handle per client. curl_easy_reset() before each attempt clears the
 * previous request's options but keeps the handle's connection cache, TLS session cache and
 * DNS cache, so consecutive requests to one endpoint reuse one connection; the options that
 * belong to the client (TLS material, timeouts, auth) are simply set again each time.
 *
 * The retry loop lives in wsl_http_do(): an attempt ends in an answer or a curl error, and
 * decide() says whether to try again and how long to wait first. Waiting honours both the
 * server's Retry-After and our own time budget, so a call never takes much longer than
 * total_timeout_ms.
 */
#include "lib/http.h"
#include "lib/units.h"

#include "lib/json.h"
#include "lib/log.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#ifndef WSL_VERSION
#define WSL_VERSION "0.0.0-dev"
#endif

#define DEF_CONNECT_TIMEOUT_MS 10000L
#define DEF_TIMEOUT_MS 30000L
#define DEF_TOTAL_TIMEOUT_MS 120000L
#define DEF_MAX_RETRIES 4
#define DEF_RETRY_BASE_MS 200L
#define DEF_RETRY_MAX_MS 10000L
#define DEF_MAX_RESPONSE (64u << 20)
/* We wait at most this long for a Retry-After; a server asking for more gets an error. */
#define RETRY_AFTER_MAX_MS 60000L
/* An attempt with less time than this left in the budget is not worth starting. */
#define MIN_ATTEMPT_MS 100L
/* How much of an API's error message goes into our error message. */
#define API_MSG_MAX 300

struct wsl_http {
    CURL *curl;
    bool survives_cancel;
    char *base_url, *ca_file, *ca_pem, *cert_file, *key_file, *cert_pem, *key_pem;
    char *unix_socket, *user_agent, *auth_header, *bearer, *username, *password;
    bool insecure;
    long connect_timeout_ms, timeout_ms, total_timeout_ms, retry_base_ms, retry_max_ms;
    int max_retries;
    size_t max_response;
    uint64_t rng;
    char errbuf[CURL_ERROR_SIZE];
};

/* State the curl callbacks fill during one attempt. */
struct xfer {
    struct wsl_http_resp *resp;
    size_t max;
    bool too_big;
    bool idempotent;
    int sends;           /* times curl was about to send the request in this attempt */
    bool resend_refused; /* we stopped curl from sending a non-idempotent request again */
    char reason[64];     /* reason phrase of the last status line, "" for HTTP/2 */
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static char *dup_or_null(const char *s)
{
    return s ? wsl_xstrdup(s) : NULL;
}

static long or_default(long v, long def)
{
    return v > 0 ? v : def;
}



/* xorshift64*: jitter needs spread, not cryptographic strength. */
static uint64_t next_random(struct wsl_http *h)
{
    h->rng ^= h->rng >> 12;
    h->rng ^= h->rng << 25;
    h->rng ^= h->rng >> 27;
    return h->rng * 2685821657736338717ULL;
}

static bool has_crlf(const char *s)
{
    return s && strpbrk(s, "\r\n");
}

static int check_file(const char *what, const char *path, struct wsl_err *err)
{
    if (!path || access(path, R_OK) == 0)
        return 0;
    wsl_err_set(err, WSL_E_INVALID, "HTTP client: %s %s cannot be read: %s", what, path,
                strerror(errno));
    wsl_err_hint(err, "check the path in the endpoint's configuration");
    return WSL_E_INVALID;
}

static bool is_http_url(const char *u)
{
    return strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0;
}

static int check_opts(const struct wsl_http_opts *o, struct wsl_err *err)
{
    if (o->base_url && !is_http_url(o->base_url))
        return wsl_err_set(err, WSL_E_INVALID,
                           "HTTP client: base URL must start with http:// or https://");
    if ((o->cert_file || o->cert_pem) != (o->key_file || o->key_pem))
        return wsl_err_set(err, WSL_E_INVALID,
                           "HTTP client: a client certificate needs both the certificate "
                           "and its key");
    if (has_crlf(o->bearer_token) || has_crlf(o->user_agent) || has_crlf(o->username))
        return wsl_err_set(err, WSL_E_INVALID,
                           "HTTP client: the token, user name or user agent contains a "
                           "line break");
    int rc;
    if ((rc = check_file("CA file", o->ca_file, err)) ||
        (rc = check_file("client certificate", o->cert_file, err)) ||
        (rc = check_file("client key", o->key_file, err)))
        return rc;
    return 0;
}

struct wsl_http *wsl_http_new(const struct wsl_http_opts *opts, struct wsl_err *err)
{
    static const struct wsl_http_opts none;
    const struct wsl_http_opts *o = opts ? opts : &none;
    if (check_opts(o, err))
        return NULL;
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK) {
        wsl_err_set(err, WSL_E_INTERNAL, "HTTP client: libcurl failed to initialise: %s",
                    curl_easy_strerror(global_rc));
        return NULL;
    }
    struct wsl_http *h = wsl_xcalloc(1, sizeof *h);
    h->curl = curl_easy_init();
    if (!h->curl) {
        free(h);
        wsl_err_set(err, WSL_E_INTERNAL, "HTTP client: libcurl could not create a handle");
        return NULL;
    }
    h->base_url = dup_or_null(o->base_url ? o->base_url
                                          : (o->unix_socket ? "http://localhost" : NULL));
    h->ca_file = dup_or_null(o->ca_file);
    h->ca_pem = dup_or_null(o->ca_pem);
    h->cert_file = dup_or_null(o->cert_file);
    h->key_file = dup_or_null(o->key_file);
    h->cert_pem = dup_or_null(o->cert_pem);
    h->key_pem = dup_or_null(o->key_pem);
    h->unix_socket = dup_or_null(o->unix_socket);
    h->user_agent = wsl_xstrdup(o->user_agent ? o->user_agent : "wissel/" WSL_VERSION);
    h->bearer = dup_or_null(o->bearer_token);
    h->username = dup_or_null(o->username);
    h->password = dup_or_null(o->password);
    h->insecure = o->insecure_skip_tls_verify;
    h->connect_timeout_ms = or_default(o->connect_timeout_ms, DEF_CONNECT_TIMEOUT_MS);
    h->timeout_ms = or_default(o->timeout_ms, DEF_TIMEOUT_MS);
    h->total_timeout_ms = or_default(o->total_timeout_ms, DEF_TOTAL_TIMEOUT_MS > h->timeout_ms
                                                              ? DEF_TOTAL_TIMEOUT_MS
                                                              : h->timeout_ms);
    h->max_retries = o->max_retries < 0 ? 0 : o->max_retries == 0 ? DEF_MAX_RETRIES
                                                                   : o->max_retries;
    h->retry_base_ms = or_default(o->retry_base_ms, DEF_RETRY_BASE_MS);
    h->retry_max_ms = or_default(o->retry_max_ms, DEF_RETRY_MAX_MS);
    h->max_response = o->max_response_bytes ? o->max_response_bytes : DEF_MAX_RESPONSE;
    h->survives_cancel = o->survives_cancel;
    if (h->bearer) {
        struct wsl_buf b = WSL_BUF_INIT;
        wsl_buf_printf(&b, "Authorization: Bearer %s", h->bearer);
        h->auth_header = wsl_buf_steal(&b);
        wsl_log_secret(h->bearer);
    }
    if (h->password)
        wsl_log_secret(h->password);
    if (getrandom(&h->rng, sizeof h->rng, GRND_NONBLOCK) != sizeof h->rng)
        h->rng = (uint64_t)wsl_monotonic_ms() ^ (uint64_t)(uintptr_t)h;
    h->rng |= 1; /* xorshift must not start at zero */
    if (h->insecure) {
        char u[512];
        wsl_http_redact_url(h->base_url ? h->base_url : "(per request)", u, sizeof u);
        wsl_log(WSL_LOG_WARN, "http",
                "TLS certificate verification is off for this endpoint "
                "(insecure_skip_tls_verify); anyone on the path can read and change the traffic",
                "url", u, (const char *)NULL);
    }
    return h;
}

static void free_secret(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void wsl_http_free(struct wsl_http *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    free(h->base_url);
    free(h->ca_file);
    free(h->ca_pem);
    free(h->cert_file);
    free(h->key_file);
    free(h->cert_pem);
    free_secret(h->key_pem);
    free(h->unix_socket);
    free(h->user_agent);
    free_secret(h->auth_header);
    free_secret(h->bearer);
    free(h->username);
    free_secret(h->password);
    free(h);
}

/* --- responses ------------------------------------------------------------------- */

static void free_headers(struct wsl_http_resp *r)
{
    for (size_t i = 0; i < r->nheaders; i++)
        free(r->headers[i]);
    free(r->headers);
    r->headers = NULL;
    r->nheaders = 0;
}

void wsl_http_resp_free(struct wsl_http_resp *resp)
{
    if (!resp)
        return;
    free_headers(resp);
    wsl_buf_free(&resp->body);
    *resp = (struct wsl_http_resp)WSL_HTTP_RESP_INIT;
}

const char *wsl_http_resp_header(const struct wsl_http_resp *resp, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < resp->nheaders; i++) {
        const char *line = resp->headers[i];
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
    }
    return NULL;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;
    size_t len = size * n;
    if (x->resp->body.len + len > x->max) {
        x->too_big = true;
        return 0; /* makes curl fail with CURLE_WRITE_ERROR */
    }
    wsl_buf_append(&x->resp->body, data, len);
    return len;
}

/* Called once per header line. A status line starts a new set of headers: interim answers
 * (100 Continue) and proxy answers are forgotten, only the final answer's remain. */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    struct xfer *x = arg;
    size_t len = size * n;
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        free_headers(x->resp);
        x->reason[0] = '\0';
        const char *sp = memchr(data, ' ', len);                       /* before status */
        const char *sp2 = sp ? memchr(sp + 1, ' ', len - (size_t)(sp + 1 - data)) : NULL;
        if (sp2) {
            size_t rl = len - (size_t)(sp2 + 1 - data);
            if (rl >= sizeof x->reason)
                rl = sizeof x->reason - 1;
            memcpy(x->reason, sp2 + 1, rl);
            x->reason[rl] = '\0';
        }
    } else if (len && memchr(data, ':', len) && data[0] != ' ' && data[0] != '\t') {
        struct wsl_http_resp *r = x->resp;
        r->headers = wsl_xrealloc(r->headers, (r->nheaders + 1) * sizeof *r->headers);
        r->headers[r->nheaders++] = wsl_xstrndup(data, len);
    }
    return size * n;
}

/* Called by curl each time it is about to send the request. libcurl resends a request by
 * itself when a kept-alive connection closes before any answer arrived — the server may
 * have processed it, so for a non-idempotent request the second send is refused. */
static int on_prereq(void *arg, char *remote_ip, char *local_ip, int remote_port, int local_port)
{
    struct xfer *x = arg;
    if (++x->sends > 1 && !x->idempotent) {
        x->resend_refused = true;
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

/* --- URLs and secrets -------------------------------------------------------------- */

static bool query_name_is_secret(const char *name, size_t n)
{
    char k[64];
    if (n >= sizeof k)
        n = sizeof k - 1;
    memcpy(k, name, n);
    k[n] = '\0';
    return wsl_log_key_is_secret(k) || strcasestr(k, "signature") || strcasecmp(k, "sig") == 0 ||
           strcasecmp(k, "key") == 0 || strcasestr(k, "auth");
}

void wsl_http_redact_url(const char *url, char *out, size_t n)
{
    struct wsl_buf b = WSL_BUF_INIT;
    const char *p = url;
    const char *sep = strstr(url, "://");
    if (sep) {
        const char *auth = sep + 3;
        size_t alen = strcspn(auth, "/?#");
        const char *at = memrchr(auth, '@', alen);
        wsl_buf_append(&b, url, (size_t)(auth - url));
        p = at ? at + 1 : auth;
    }
    size_t plen = strcspn(p, "?#");
    wsl_buf_append(&b, p, plen);
    p += plen;
    if (*p == '?') {
        wsl_buf_putc(&b, '?');
        p++;
        const char *end = p + strcspn(p, "#");
        while (p < end) {
            const char *amp = memchr(p, '&', (size_t)(end - p));
            const char *pe = amp ? amp : end;
            const char *eq = memchr(p, '=', (size_t)(pe - p));
            if (eq && query_name_is_secret(p, (size_t)(eq - p))) {
                wsl_buf_append(&b, p, (size_t)(eq + 1 - p));
                wsl_buf_puts(&b, "[redacted]");
            } else {
                wsl_buf_append(&b, p, (size_t)(pe - p));
            }
            if (amp)
                wsl_buf_putc(&b, '&');
            p = amp ? amp + 1 : end;
        }
    }
    snprintf(out, n, "%s", wsl_buf_str(&b));
    wsl_buf_free(&b);
}

/* Values to mask in error messages: an API may echo the credential it refused. */
struct secrets {
    const char *v[16];
    size_t len[16];
    size_t n;
};

static void secrets_add(struct secrets *s, const char *v, size_t len)
{
    while (len && (*v == ' ' || *v == '\t')) {
        v++;
        len--;
    }
    if (len >= 4 && s->n < sizeof s->v / sizeof *s->v) {
        s->v[s->n] = v;
        s->len[s->n++] = len;
    }
}

static void secrets_collect(const struct wsl_http *h, const struct wsl_http_req *req,
                            struct secrets *s)
{
    s->n = 0;
    if (h->bearer)
        secrets_add(s, h->bearer, strlen(h->bearer));
    if (h->password)
        secrets_add(s, h->password, strlen(h->password));
    for (const char *const *hp = req->headers; hp && *hp; hp++) {
        const char *colon = strchr(*hp, ':');
        char name[64];
        if (!colon || (size_t)(colon - *hp) >= sizeof name)
            continue;
        memcpy(name, *hp, (size_t)(colon - *hp));
        name[colon - *hp] = '\0';
        if (!wsl_log_key_is_secret(name))
            continue;
        const char *v = colon + 1;
        secrets_add(s, v, strlen(v));
        const char *sp = strchr(v + strspn(v, " \t"), ' '); /* "Bearer xyz": also "xyz" */
        if (sp)
            secrets_add(s, sp + 1, strlen(sp + 1));
    }
}

/* Copy src into dst (size n), masking secrets and turning control characters into blanks. */
static void sanitize(const struct secrets *s, const char *src, char *dst, size_t n)
{
    struct wsl_buf b = WSL_BUF_INIT;
    while (*src) {
        size_t hit = 0;
        for (size_t i = 0; i < s->n && !hit; i++) {
            if (strncmp(src, s->v[i], s->len[i]) == 0)
                hit = s->len[i];
        }
        if (hit) {
            wsl_buf_puts(&b, "[redacted]");
            src += hit;
        } else {
            unsigned char c = (unsigned char)*src++;
            wsl_buf_putc(&b, c < 0x20 || c == 0x7f ? ' ' : (char)c);
        }
    }
    snprintf(dst, n, "%s", wsl_buf_str(&b));
    wsl_buf_free(&b);
}

/* --- error messages ----------------------------------------------------------------- */

static const char *reason_phrase(long status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

static const char *status_hint(long status)
{
    switch (status) {
    case 401: return "the API did not accept the credentials: check the token or password, it may have expired";
    case 403: return "the credentials are valid but lack permission for this call";
    case 404: return "check the URL and the object's name";
    case 409: return "the object changed or is owned by someone else; observe again and retry";
    case 429: return "the API is rate-limiting wissel; try again later or make fewer calls";
    default:
        if (status >= 500)
            return "the provider's API failed; try again later or check the provider's status page";
        return "";
    }
}

/* The API's own explanation from an error body: common JSON shapes first (Kubernetes,
 * Docker, Scaleway: message; Azure, Google, Hetzner: error.message; OAuth: error and
 * error_description; RFC 7807: detail, title; OpenStack: {"itemNotFound":{"message":..}}),
 * else the first line of a short plain-text body. */
static void api_message(const struct wsl_buf *body, char *out, size_t n)
{
    out[0] = '\0';
    if (body->len == 0)
        return;
    static const char *paths[] = {"message", "Message", "error.message", "error_description",
                                  "error", "detail", "title", "errors"};
    json_t *j = json_loadb(body->data, body->len, JSON_DECODE_ANY, NULL);
    const char *m = NULL;
    if (json_is_object(j)) {
        for (size_t i = 0; i < sizeof paths / sizeof *paths && !m; i++) {
            json_t *v = wsl_json_path(j, paths[i]);
            if (json_is_array(v))
                v = json_object_get(json_array_get(v, 0), "message");
            m = json_string_value(v);
        }
        if (!m && json_object_size(j) == 1) {
            json_t *only = json_object_iter_value(json_object_iter(j));
            m = json_string_value(json_object_get(only, "message"));
        }
    } else if (json_is_string(j)) {
        m = json_string_value(j);
    } else if (!j && body->data[0] != '<' && !memchr(body->data, '\0', body->len)) {
        m = body->data;
    }
    if (m) {
        size_t len = strcspn(m, "\r\n");
        if (len > API_MSG_MAX)
            snprintf(out, n, "%.*s...", API_MSG_MAX, m);
        else
            snprintf(out, n, "%.*s", (int)len, m);
    }
    json_decref(j);
}

struct call {
    struct wsl_http *h;
    const struct wsl_http_req *req;
    const char *method;
    char url[2048]; /* redacted, for logs and messages */
    struct secrets secrets;
    bool idempotent;
    long started, deadline;
    long attempt_timeout_ms; /* of the last attempt: timeout_ms, or less near the deadline */
};

static void attempts_note(int attempts, const char *why, char *out,
                          size_t n)
{
    if (attempts > 1 && why)
        snprintf(out, n, " (after %d attempts; %s)", attempts, why);
    else if (attempts > 1)
        snprintf(out, n, " (after %d attempts)", attempts);
    else if (why)
        snprintf(out, n, " (%s)", why);
    else
        out[0] = '\0';
}

static int fail_status(const struct call *c, const struct wsl_http_resp *resp,
                       const char *reason, const char *why, struct wsl_err *err)
{
    char api[API_MSG_MAX + 8], clean[API_MSG_MAX + 8], note[256];
    api_message(&resp->body, api, sizeof api);
    sanitize(&c->secrets, api, clean, sizeof clean);
    attempts_note(resp->attempts, why, note, sizeof note);
    if (!reason || !*reason)
        reason = reason_phrase(resp->status);
    wsl_err_set(err, WSL_E_HTTP, "%s %s: HTTP %ld%s%s%s%s%s", c->method, c->url, resp->status,
                *reason ? " " : "", reason, *clean ? ": " : "", clean, note);
    if (err) {
        err->http_status = (int)resp->status;
        if (*status_hint(resp->status))
            wsl_err_hint(err, "%s", status_hint(resp->status));
    }
    return WSL_E_HTTP;
}

static bool ssl_alert(const char *detail)
{
    return strstr(detail, "alert") != NULL;
}

static int map_curl(CURLcode rc, const char *detail, bool too_big)
{
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return WSL_E_TIMEOUT;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CLIENTCERT:
        return WSL_E_TLS;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        /* With TLS 1.3 a server refuses a client certificate after the client thinks the
         * handshake is over: the refusal arrives as an alert on the first read. */
        return ssl_alert(detail) ? WSL_E_TLS : WSL_E_NET;
    case CURLE_WRITE_ERROR:
        return too_big ? WSL_E_LIMIT : WSL_E_INTERNAL;
    case CURLE_FILESIZE_EXCEEDED:
        return WSL_E_LIMIT;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return WSL_E_INVALID;
    case CURLE_OUT_OF_MEMORY:
        return WSL_E_INTERNAL;
    default:
        return WSL_E_NET;
    }
}

/* Failures a new attempt may cure. */
static bool curl_transient(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

static int fail_curl(const struct call *c, CURLcode rc, int attempts, const char *why,
                     bool too_big, struct wsl_err *err)
{
    const struct wsl_http *h = c->h;
    char detail[CURL_ERROR_SIZE + 64], note[256];
    sanitize(&c->secrets, h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc), detail,
             sizeof detail);
    attempts_note(attempts, why, note, sizeof note);
    int code = map_curl(rc, detail, too_big);
    switch (code) {
    case WSL_E_TIMEOUT:
        wsl_err_set(err, code, "%s %s: timed out after %ld ms: %s%s", c->method, c->url,
                    c->attempt_timeout_ms, detail, note);
        wsl_err_hint(err, "the server did not answer in time; check that it is reachable and "
                          "healthy, or raise the timeout");
        break;
    case WSL_E_TLS:
        wsl_err_set(err, code, "%s %s: TLS failed: %s%s", c->method, c->url, detail, note);
        if (rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CLIENTCERT || ssl_alert(detail))
            wsl_err_hint(err, "check the client certificate and key: readable PEM, a matching "
                              "pair, issued by a CA the server trusts");
        else
            wsl_err_hint(err, "check the CA file (ca_file or certificate-authority-data), or "
                              "that the server's certificate names the host in the URL");
        break;
    case WSL_E_LIMIT:
        wsl_err_set(err, code, "%s %s: the answer is larger than %zu bytes", c->method, c->url,
                    h->max_response);
        wsl_err_hint(err, "page through the list, or raise max_response_bytes");
        break;
    case WSL_E_INVALID:
        wsl_err_set(err, code, "%s %s: bad URL: %s", c->method, c->url, detail);
        break;
    case WSL_E_NET:
        wsl_err_set(err, code, "%s %s: network error: %s%s", c->method, c->url, detail, note);
        if (rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE || rc == CURLE_RECV_ERROR)
            wsl_err_hint(err, "the server closed the connection before answering in full; "
                              "it may be overloaded or restarting: try again");
        else
            wsl_err_hint(err, "check that the endpoint is up and reachable: address, port, "
                              "DNS, firewall, proxy");
        break;
    default:
        wsl_err_set(err, code, "%s %s: %s (curl error %d)%s", c->method, c->url, detail,
                    (int)rc, note);
        break;
    }
    return code;
}

static int fail_not_resent(const struct call *c, int attempts, struct wsl_err *err)
{
    char note[256];
    attempts_note(attempts, NULL, note, sizeof note);
    wsl_err_set(err, WSL_E_NET, "%s %s: network error: the connection closed after the request "
                "was sent and before an answer arrived; not sent again, as %s is not "
                "idempotent%s", c->method, c->url, c->method, note);
    wsl_err_hint(err, "the server closed the connection; it may or may not have acted on the "
                      "request: check before repeating it");
    return WSL_E_NET;
}

/* --- cancellation ---------------------------------------------------------------------- */

static atomic_bool canceled;

void wsl_http_cancel_all(void)
{
    atomic_store(&canceled, true);
}

static bool cancel_now(const struct wsl_http *h)
{
    return !h->survives_cancel && atomic_load(&canceled);
}

/* curl's progress callback: a non-zero return ends the transfer. */
static int on_progress(void *p, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    return cancel_now(p);
}

static int fail_canceled(const struct call *c, struct wsl_err *err)
{
    wsl_err_set(err, WSL_E_CANCELED, "%s %s: abandoned: wissel is stopping", c->method, c->url);
    wsl_err_hint(err, "the request may or may not have reached the server; the next run "
                      "observes what happened");
    return WSL_E_CANCELED;
}

/* Sleep ms, waking early when calls are canceled. */
static void nap(const struct wsl_http *h, long ms)
{
    for (long slept = 0; slept < ms && !cancel_now(h); slept += 50)
        wsl_sleep_ms(ms - slept < 50 ? ms - slept : 50);
}

/* --- one attempt ------------------------------------------------------------------------ */

static void set_tls(struct wsl_http *h)
{
    CURL *cu = h->curl;
    if (h->ca_file) {
        curl_easy_setopt(cu, CURLOPT_CAINFO, h->ca_file);
        curl_easy_setopt(cu, CURLOPT_CAPATH, (char *)NULL);
    }
    if (h->ca_pem) {
        struct curl_blob b = {h->ca_pem, strlen(h->ca_pem), CURL_BLOB_NOCOPY};
        curl_easy_setopt(cu, CURLOPT_CAINFO_BLOB, &b);
        curl_easy_setopt(cu, CURLOPT_CAPATH, (char *)NULL);
    }
    if (h->cert_file)
        curl_easy_setopt(cu, CURLOPT_SSLCERT, h->cert_file);
    if (h->key_file)
        curl_easy_setopt(cu, CURLOPT_SSLKEY, h->key_file);
    if (h->cert_pem) {
        struct curl_blob b = {h->cert_pem, strlen(h->cert_pem), CURL_BLOB_NOCOPY};
        curl_easy_setopt(cu, CURLOPT_SSLCERT_BLOB, &b);
        curl_easy_setopt(cu, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (h->key_pem) {
        struct curl_blob b = {h->key_pem, strlen(h->key_pem), CURL_BLOB_NOCOPY};
        curl_easy_setopt(cu, CURLOPT_SSLKEY_BLOB, &b);
        curl_easy_setopt(cu, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (h->insecure) {
        curl_easy_setopt(cu, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(cu, CURLOPT_SSL_VERIFYHOST, 0L);
    }
}

static void set_method(CURL *cu, const char *method, const struct wsl_http_req *req)
{
    bool post_like = strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 ||
                     strcmp(method, "PATCH") == 0;
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(cu, CURLOPT_NOBODY, 1L);
    } else if (req->body || post_like) {
        curl_easy_setopt(cu, CURLOPT_POSTFIELDS, req->body ? (const char *)req->body : "");
        curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE_LARGE,
                         (curl_off_t)(req->body ? req->body_len : 0));
        if (strcmp(method, "POST") != 0)
            curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(cu, CURLOPT_CUSTOMREQUEST, method);
    }
}

static CURLcode attempt(struct wsl_http *h, const struct call *c, const char *url,
                        struct curl_slist *hdrs, long timeout_ms, struct xfer *x)
{
    CURL *cu = h->curl;
    curl_easy_reset(cu);
    h->errbuf[0] = '\0';
    curl_easy_setopt(cu, CURLOPT_URL, url);
    curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(cu, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(cu, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT_MS,
                     h->connect_timeout_ms < timeout_ms ? h->connect_timeout_ms : timeout_ms);
    curl_easy_setopt(cu, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(cu, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(cu, CURLOPT_USERAGENT, h->user_agent);
    curl_easy_setopt(cu, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(cu, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)h->max_response);
    curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(cu, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(cu, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(cu, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(cu, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(cu, CURLOPT_PREREQDATA, x);
    curl_easy_setopt(cu, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(cu, CURLOPT_XFERINFODATA, h);
    curl_easy_setopt(cu, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hdrs);
    if (h->unix_socket)
        curl_easy_setopt(cu, CURLOPT_UNIX_SOCKET_PATH, h->unix_socket);
    if (h->username) {
        curl_easy_setopt(cu, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(cu, CURLOPT_USERNAME, h->username);
        curl_easy_setopt(cu, CURLOPT_PASSWORD, h->password ? h->password : "");
    }
    set_tls(h);
    set_method(cu, c->method, c->req);
    return curl_easy_perform(cu);
}

/* --- the retry loop ------------------------------------------------------------------- */

static bool method_idempotent(const char *m)
{
    static const char *idem[] = {"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"};
    for (size_t i = 0; i < sizeof idem / sizeof *idem; i++) {
        if (strcmp(m, idem[i]) == 0)
            return true;
    }
    return false;
}

static bool method_valid(const char *m)
{
    size_t n = strlen(m);
    return n > 0 && n <= 16 && strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == n;
}

static bool status_retryable(long s)
{
    return s == 429 || s == 502 || s == 503 || s == 504;
}

/* Retry-After as milliseconds from now: delta-seconds or an HTTP-date; -1 when absent or
 * unreadable. */
static long retry_after_ms(const struct wsl_http_resp *resp)
{
    const char *v = wsl_http_resp_header(resp, "Retry-After");
    if (!v || !*v)
        return -1;
    char *end;
    errno = 0;
    long long s = strtoll(v, &end, 10);
    if (end != v && (*end == '\0' || *end == ' ') && errno == 0 && s >= 0)
        return s > 24LL * 3600 ? 24L * 3600 * 1000 : (long)s * 1000;
    time_t when = curl_getdate(v, NULL);
    if (when == (time_t)-1)
        return -1;
    time_t now = time(NULL);
    return when <= now ? 0 : (long)(when - now) * 1000;
}

static bool header_present(const char *const *headers, const char *name)
{
    size_t n = strlen(name);
    for (const char *const *p = headers; p && *p; p++) {
        if (strncasecmp(*p, name, n) == 0 && (*p)[n] == ':')
            return true;
    }
    return false;
}

static struct curl_slist *xappend(struct curl_slist *l, const char *s)
{
    struct curl_slist *r = curl_slist_append(l, s);
    if (!r) {
        fputs("wissel: out of memory\n", stderr);
        abort();
    }
    return r;
}

static struct curl_slist *build_headers(const struct wsl_http *h, const struct wsl_http_req *req)
{
    struct curl_slist *l = NULL;
    if (h->auth_header && !header_present(req->headers, "Authorization"))
        l = xappend(l, h->auth_header);
    for (const char *const *p = req->headers; p && *p; p++)
        l = xappend(l, *p);
    if (!header_present(req->headers, "Content-Type")) {
        if (req->content_type) {
            struct wsl_buf b = WSL_BUF_INIT;
            wsl_buf_printf(&b, "Content-Type: %s", req->content_type);
            l = xappend(l, wsl_buf_str(&b));
            wsl_buf_free(&b);
        } else if (req->body) {
            l = xappend(l, "Content-Type:"); /* drop curl's form-urlencoded default */
        }
    }
    l = xappend(l, "Expect:"); /* no 100-continue round trip before bodies */
    return l;
}

static char *full_url(const struct wsl_http *h, const char *u)
{
    if (is_http_url(u))
        return wsl_xstrdup(u);
    if (!h->base_url)
        return NULL;
    struct wsl_buf b = WSL_BUF_INIT;
    size_t bl = strlen(h->base_url);
    while (bl && h->base_url[bl - 1] == '/')
        bl--;
    wsl_buf_append(&b, h->base_url, bl);
    if (*u != '/')
        wsl_buf_putc(&b, '/');
    wsl_buf_puts(&b, u);
    return wsl_buf_steal(&b);
}

static int http_version(CURL *cu)
{
    long v = 0;
    curl_easy_getinfo(cu, CURLINFO_HTTP_VERSION, &v);
    switch (v) {
    case CURL_HTTP_VERSION_1_0:
    case CURL_HTTP_VERSION_1_1: return 1;
    case CURL_HTTP_VERSION_2_0: return 2;
    case CURL_HTTP_VERSION_3: return 3;
    default: return 0;
    }
}

/* How long to wait before the next attempt, or -1 to stop; *why explains a stop that the
 * caller's error message should mention. */
static long plan_wait(struct call *c, const struct wsl_http_resp *resp, int attempt_no,
                      const char **why, char *whybuf, size_t whyn)
{
    struct wsl_http *h = c->h;
    *why = NULL;
    if (attempt_no > h->max_retries)
        return -1;
    long remaining = c->deadline - wsl_monotonic_ms();
    long ra = (resp->status == 429 || resp->status == 503) ? retry_after_ms(resp) : -1;
    if (ra > RETRY_AFTER_MAX_MS) {
        snprintf(whybuf, whyn, "the server asked to retry after %ld s, longer than the %ld s "
                 "wissel waits at most", (ra + 999) / 1000, RETRY_AFTER_MAX_MS / 1000);
        *why = whybuf;
        return -1;
    }
    if (ra >= 0 && remaining - ra < MIN_ATTEMPT_MS) {
        snprintf(whybuf, whyn, "the server asked to retry after %ld s, beyond the %ld ms left "
                 "of the time budget", (ra + 999) / 1000, remaining > 0 ? remaining : 0);
        *why = whybuf;
        return -1;
    }
    if (ra >= 0)
        return ra;
    /* Full jitter: uniform in [0, min(max, base * 2^(n-1))]. */
    long ceiling = h->retry_base_ms;
    for (int i = 1; i < attempt_no && ceiling < h->retry_max_ms; i++)
        ceiling *= 2;
    if (ceiling > h->retry_max_ms)
        ceiling = h->retry_max_ms;
    long wait = (long)(next_random(h) % (uint64_t)(ceiling + 1));
    if (remaining - wait < MIN_ATTEMPT_MS) {
        snprintf(whybuf, whyn, "time budget of %ld ms used up", h->total_timeout_ms);
        *why = whybuf;
        return -1;
    }
    return wait;
}

static void log_retry(const struct call *c, int attempt_no, const char *reason, long wait)
{
    if (!wsl_log_enabled(WSL_LOG_WARN))
        return;
    char att[32], w[32];
    snprintf(att, sizeof att, "%d/%d", attempt_no + 1, c->h->max_retries + 1);
    snprintf(w, sizeof w, "%ld", wait);
    wsl_log(WSL_LOG_WARN, "http", "retrying", "method", c->method, "url", c->url, "attempt",
            att, "reason", reason, "wait_ms", w, (const char *)NULL);
}

static void log_done(const struct call *c, const struct wsl_http_resp *resp, long t0)
{
    if (!wsl_log_enabled(WSL_LOG_DEBUG))
        return;
    char st[16], ms[32], bytes[32], att[16];
    snprintf(st, sizeof st, "%ld", resp->status);
    snprintf(ms, sizeof ms, "%ld", wsl_monotonic_ms() - t0);
    snprintf(bytes, sizeof bytes, "%zu", resp->body.len);
    snprintf(att, sizeof att, "%d", resp->attempts);
    wsl_log(WSL_LOG_DEBUG, "http", "response", "method", c->method, "url", c->url, "status", st,
            "ms", ms, "bytes", bytes, "attempt", att, (const char *)NULL);
}

int wsl_http_do(struct wsl_http *h, const struct wsl_http_req *req, struct wsl_http_resp *resp,
                struct wsl_err *err)
{
    wsl_http_resp_free(resp);
    struct call c = {.h = h, .req = req, .method = req->method ? req->method : "GET"};
    if (!method_valid(c.method))
        return wsl_err_set(err, WSL_E_INVALID, "HTTP request: bad method \"%.20s\"", c.method);
    if (!req->url)
        return wsl_err_set(err, WSL_E_INVALID, "HTTP request %s: no URL", c.method);
    char *url = full_url(h, req->url);
    wsl_http_redact_url(req->url, c.url, sizeof c.url);
    if (!url) {
        wsl_err_set(err, WSL_E_INVALID, "HTTP request %s %s: a path, but the client has no "
                    "base URL", c.method, c.url);
        return WSL_E_INVALID;
    }
    wsl_http_redact_url(url, c.url, sizeof c.url);
    secrets_collect(h, req, &c.secrets);
    c.idempotent = req->idempotent == WSL_HTTP_IDEMPOTENT_YES ||
                   (req->idempotent == WSL_HTTP_IDEMPOTENT_AUTO && method_idempotent(c.method));
    c.started = wsl_monotonic_ms();
    c.deadline = c.started + h->total_timeout_ms;
    struct curl_slist *hdrs = build_headers(h, req);
    struct xfer x = {.resp = resp, .max = h->max_response, .idempotent = c.idempotent};
    char whybuf[200];
    const char *why = NULL;
    int rc = 0, extra_sends = 0;

    for (int n = 1;; n++) {
        if (cancel_now(h)) {
            rc = fail_canceled(&c, err);
            break;
        }
        long t0 = wsl_monotonic_ms();
        long budget = c.deadline - t0;
        long timeout = h->timeout_ms < budget ? h->timeout_ms : (budget > 1 ? budget : 1);
        wsl_buf_reset(&resp->body);
        free_headers(resp);
        resp->status = 0;
        x.too_big = false;
        x.sends = 0;
        resp->attempts = n + extra_sends;
        if (wsl_log_enabled(WSL_LOG_DEBUG)) {
            char att[16];
            snprintf(att, sizeof att, "%d", n);
            wsl_log(WSL_LOG_DEBUG, "http", "request", "method", c.method, "url", c.url,
                    "attempt", att, (const char *)NULL);
        }
        c.attempt_timeout_ms = timeout;
        CURLcode cr = attempt(h, &c, url, hdrs, timeout, &x);
        if (x.sends > 1) {
            extra_sends += x.sends - 1 - x.resend_refused;
            resp->attempts = n + extra_sends;
        }
        long wait;
        char reason[CURL_ERROR_SIZE + 32];
        if (cr == CURLE_OK) {
            curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &resp->status);
            resp->http_version = http_version(h->curl);
            log_done(&c, resp, t0);
            if (!status_retryable(resp->status) || !c.idempotent) {
                rc = resp->status >= 400 ? fail_status(&c, resp, x.reason, NULL, err) : 0;
                break;
            }
            wait = plan_wait(&c, resp, n, &why, whybuf, sizeof whybuf);
            if (wait < 0) {
                rc = fail_status(&c, resp, x.reason, why, err);
                break;
            }
            snprintf(reason, sizeof reason, "HTTP %ld", resp->status);
        } else if (cr == CURLE_ABORTED_BY_CALLBACK && cancel_now(h)) {
            wsl_buf_reset(&resp->body);
            free_headers(resp);
            rc = fail_canceled(&c, err);
            break;
        } else if (cr == CURLE_ABORTED_BY_CALLBACK && x.resend_refused) {
            wsl_buf_reset(&resp->body);
            free_headers(resp);
            rc = fail_not_resent(&c, resp->attempts, err);
            break;
        } else {
            long sent = 0;
            curl_easy_getinfo(h->curl, CURLINFO_REQUEST_SIZE, &sent);
            bool never_sent = cr == CURLE_COULDNT_CONNECT || cr == CURLE_COULDNT_RESOLVE_HOST ||
                              sent == 0;
            resp->status = 0;
            wait = -1;
            if (curl_transient(cr) && !x.too_big && (c.idempotent || never_sent))
                wait = plan_wait(&c, resp, n, &why, whybuf, sizeof whybuf);
            if (wait < 0) {
                wsl_buf_reset(&resp->body);
                free_headers(resp);
                rc = fail_curl(&c, cr, resp->attempts, why, x.too_big, err);
                break;
            }
            snprintf(reason, sizeof reason, "%s", h->errbuf[0] ? h->errbuf
                                                               : curl_easy_strerror(cr));
        }
        log_retry(&c, n, reason, wait);
        nap(h, wait);
    }
    curl_slist_free_all(hdrs);
    free(url);
    return rc;
}

/* --- JSON ------------------------------------------------------------------------------- */

int wsl_http_json_req(struct wsl_http *h, const struct wsl_http_req *req, const json_t *body,
                      json_t **out, long *status, struct wsl_err *err)
{
    if (out)
        *out = NULL;
    if (status)
        *status = 0;
    size_t nh = 0;
    for (const char *const *p = req->headers; p && *p; p++)
        nh++;
    const char **headers = wsl_xcalloc(nh + 2, sizeof *headers);
    size_t k = 0;
    if (!header_present(req->headers, "Accept"))
        headers[k++] = "Accept: application/json";
    for (size_t i = 0; i < nh; i++)
        headers[k++] = req->headers[i];
    struct wsl_http_req r = *req;
    r.headers = headers;
    char *text = NULL;
    if (body) {
        text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text) {
            free(headers);
            return wsl_err_set(err, WSL_E_INVALID, "HTTP request %s: the body cannot be "
                               "encoded as JSON", req->method ? req->method : "GET");
        }
        r.body = text;
        r.body_len = strlen(text);
    }
    if (!r.content_type && r.body)
        r.content_type = "application/json";

    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    int rc = wsl_http_do(h, &r, &resp, err);
    if (status)
        *status = resp.status;
    if (rc == 0 && out && resp.body.len > 0) {
        char url[2048], what[2200];
        char *full = full_url(h, req->url);
        wsl_http_redact_url(full ? full : req->url, url, sizeof url);
        free(full);
        snprintf(what, sizeof what, "response of %s %s", r.method ? r.method : "GET", url);
        rc = wsl_json_parse(resp.body.data, resp.body.len, what, out, err);
        if (rc)
            wsl_err_hint(err, "the server answered HTTP %ld with a body that is not valid "
                         "JSON: a proxy may have answered instead of the API, or the answer "
                         "was cut short", resp.status);
    }
    wsl_http_resp_free(&resp);
    free(text);
    free(headers);
    return rc;
}

int wsl_http_json(struct wsl_http *h, const char *method, const char *url, const json_t *body,
                  json_t **out, long *status, struct wsl_err *err)
{
    struct wsl_http_req req = {.method = method, .url = url};
    return wsl_http_json_req(h, &req, body, out, status, err);
}
