/*
 * http.h — the one HTTP client, over libcurl, that every driver uses.
 *
 * A struct wsl_http is a client for one API endpoint: it holds the TLS material, the
 * credentials, the timeouts and the retry policy, and one curl handle whose connection
 * cache keeps connections alive between requests (HTTP/2 over TLS when the server offers
 * it, HTTP/1.1 otherwise). A handle is not thread-safe: use one handle per thread.
 *
 * Status codes. wsl_http_do() returns 0 when a 1xx/2xx/3xx answer arrived and WSL_E_HTTP
 * when the final answer was >= 400; in both cases the response is filled, and for
 * WSL_E_HTTP the error says method, URL, status and the API's own message, and
 * err->http_status holds the status. Redirects are not followed: a 3xx is returned as is.
 *
 * Retries. Idempotent requests (GET, HEAD, PUT, DELETE, OPTIONS; or any request marked
 * idempotent) are retried on network errors, timeouts and on 429/502/503/504, with
 * exponential backoff and full jitter; a 429 or 503 with Retry-After waits what the server
 * asks instead. Other requests are retried only when the request was certainly never sent
 * (connection refused, name not resolved). See docs/http.md.
 *
 * Secrets. The bearer token and the basic-auth password are registered with
 * wsl_log_secret(). Requests are logged as method and URL only, never with headers;
 * URLs in logs and error messages lose their user:password@ part and the values of query
 * parameters whose names look secret (token, signature, key, ...).
 */
#ifndef WSL_HTTP_H
#define WSL_HTTP_H

#include "lib/buf.h"
#include "lib/err.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* How a client reaches and authenticates to its endpoint. Zero means "default"; every
 * string is copied by wsl_http_new(), so the caller may free it afterwards (the struct
 * only borrows, hence no _free). */
struct wsl_http_opts {
    const char *base_url;     /* prefixed to request URLs that are paths ("/api/v1/pods");
                                 NULL with unix_socket: "http://localhost" */
    const char *ca_file;      /* trust only this CA bundle (PEM file) instead of the system's */
    const char *ca_pem;       /* the same from memory, e.g. decoded certificate-authority-data */
    const char *cert_file;    /* client certificate (PEM file) ... */
    const char *key_file;     /* ... and its private key (PEM file) */
    const char *cert_pem;     /* client certificate from memory (PEM) ... */
    const char *key_pem;      /* ... and its key from memory (PEM) */
    bool insecure_skip_tls_verify; /* only when a config file says so; logged as a warning */
    const char *unix_socket;  /* talk HTTP over this unix socket (/var/run/docker.sock) */
    long connect_timeout_ms;  /* per connection attempt; default 10 000 */
    long timeout_ms;          /* per request attempt, connect to last byte; default 30 000 */
    long total_timeout_ms;    /* whole call: attempts plus waits between them; default
                                 120 000, or timeout_ms when that is larger */
    int max_retries;          /* retries after the first attempt; default 4, negative: none */
    long retry_base_ms;       /* first backoff ceiling; default 200 */
    long retry_max_ms;        /* largest backoff ceiling; default 10 000 */
    const char *user_agent;   /* default "wissel/<version>" */
    const char *bearer_token; /* sent as "Authorization: Bearer <token>" */
    const char *username;     /* HTTP basic authentication, with password */
    const char *password;
    size_t max_response_bytes; /* larger bodies fail with WSL_E_LIMIT; default 64 MiB */
    bool survives_cancel;     /* wsl_http_cancel_all() leaves this client alone (the
                                 state store: the journal must record how things ended) */
};

/* Whether a request may be sent twice. AUTO decides by method: GET, HEAD, PUT, DELETE and
 * OPTIONS are idempotent, POST, PATCH and everything else are not. */
enum wsl_http_idempotent {
    WSL_HTTP_IDEMPOTENT_AUTO = 0,
    WSL_HTTP_IDEMPOTENT_YES,
    WSL_HTTP_IDEMPOTENT_NO
};

/* One request. It only borrows: the caller owns every pointer, nothing is kept after the
 * call returns, and there is nothing to free. */
struct wsl_http_req {
    const char *method;            /* "GET", "POST", ...; NULL means GET */
    const char *url;               /* absolute http(s) URL, or a path joined to base_url */
    const char *const *headers;    /* extra "Name: value" lines, NULL-terminated; may be NULL */
    const void *body;              /* request body, body_len bytes; NULL for none */
    size_t body_len;
    const char *content_type;      /* Content-Type of the body; NULL: none sent */
    enum wsl_http_idempotent idempotent;
};

/* One response: start from WSL_HTTP_RESP_INIT, let wsl_http_do() fill it (as often as
 * you like: each call frees the previous contents), release it with wsl_http_resp_free(). */
struct wsl_http_resp {
    long status;          /* HTTP status of the last answer; 0 when none arrived */
    struct wsl_buf body;  /* body of the last answer, NUL-terminated */
    char **headers;       /* header lines "Name: value" of the last answer ... */
    size_t nheaders;      /* ... and how many */
    int attempts;         /* times the request was sent: 1 + retries (a resend libcurl makes
                             on a kept-alive connection found closed counts too) */
    int http_version;     /* 1 (HTTP/1.x) or 2 (HTTP/2); 0 when no answer arrived */
};

#define WSL_HTTP_RESP_INIT {0, WSL_BUF_INIT, NULL, 0, 0, 0}

/* A client's handle; opaque. */
struct wsl_http;

/* Create a client. Checks the options (both halves of a client certificate, readable
 * files) and returns NULL with err set (WSL_E_INVALID) when they are wrong. The caller
 * frees the handle with wsl_http_free(). */
struct wsl_http *wsl_http_new(const struct wsl_http_opts *opts, struct wsl_err *err);

/* Close the connections and free the handle. NULL is allowed. */
void wsl_http_free(struct wsl_http *h);

/* Send a request, retrying as described above, and fill *resp (initialised, see above;
 * its old contents are freed first). Returns 0 for a 1xx-3xx answer; WSL_E_HTTP for >= 400 (resp still filled);
 * WSL_E_NET when the endpoint could not be reached or the connection broke;
 * WSL_E_TIMEOUT when an attempt exceeded timeout_ms; WSL_E_TLS when the TLS handshake or
 * certificate check failed; WSL_E_LIMIT when the body exceeded max_response_bytes;
 * WSL_E_INVALID for a bad request (no URL); WSL_E_CANCELED after wsl_http_cancel_all(). */
int wsl_http_do(struct wsl_http *h, const struct wsl_http_req *req, struct wsl_http_resp *resp,
                struct wsl_err *err);

/* Stop every call in progress and refuse new ones (WSL_E_CANCELED), in every client but
 * those opened with survives_cancel: a long-running process that is told to stop uses it
 * to abandon calls that hang. Once set it stays set. Thread-safe. */
void wsl_http_cancel_all(void);

/* The value of the first response header called `name` (case-insensitive), without
 * surrounding blanks, or NULL. Valid until resp is freed or reused. */
const char *wsl_http_resp_header(const struct wsl_http_resp *resp, const char *name);

/* Free what the response holds and reset it to WSL_HTTP_RESP_INIT (the struct itself
 * belongs to the caller). */
void wsl_http_resp_free(struct wsl_http_resp *resp);

/* A JSON call: send `body` (NULL for none) as application/json, accept application/json,
 * and parse the answer. On 0, *out (when out is non-NULL) is a new reference the caller
 * must json_decref, or NULL when the answer had no body (204). *status (when non-NULL)
 * gets the HTTP status, also on failure (0 when no answer arrived). Errors as for
 * wsl_http_do(), plus WSL_E_INVALID naming the request when the answer is not valid JSON;
 * *out is NULL after every failure. */
int wsl_http_json(struct wsl_http *h, const char *method, const char *url, const json_t *body,
                  json_t **out, long *status, struct wsl_err *err);

/* wsl_http_json() with a full request: its method, URL, extra headers and idempotent
 * setting are used; when `body` is non-NULL it is encoded as JSON and replaces req->body.
 * req->content_type overrides application/json (Kubernetes server-side apply sends
 * application/apply-patch+yaml, whose YAML may be JSON). */
int wsl_http_json_req(struct wsl_http *h, const struct wsl_http_req *req, const json_t *body,
                      json_t **out, long *status, struct wsl_err *err);

/* Write `url` into out (size n) as it may appear in logs and messages: no userinfo, no
 * fragment, and secret-looking query parameter values replaced by "[redacted]". */
void wsl_http_redact_url(const char *url, char *out, size_t n);

#endif
