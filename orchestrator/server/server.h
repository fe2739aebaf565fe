/*
 * server.h — the small HTTP(S) server of `wissel serve` (webhooks, the API), over
 * libmicrohttpd.
 *
 * Threads. One thread per connection (at most max_connections): the handler is called
 * from those threads, concurrently, so whatever it touches in ctx must be thread-safe. It
 * may block (a slow handler delays only its own connection).
 *
 * What the server decides before the handler is called:
 *   - methods other than GET, HEAD and POST: 405 with "Allow: GET, HEAD, POST";
 *   - a body larger than max_body: 413 — at once when Content-Length says so (before
 *     "100 Continue"), else (chunked) after counting; a chunked body that goes on past
 *     twice max_body has its connection closed;
 *   - with api_token, a path under /api/ (or /api itself) without "Authorization: Bearer
 *     <api_token>": 401 with WWW-Authenticate (the token is compared in constant time);
 *   - a connection idle for timeout_s seconds (a slow client) is closed;
 *   - more than max_connections connections at once: further ones are refused.
 * A HEAD request reaches the handler as "HEAD"; the body it writes is not sent.
 *
 * Every answer has a Content-Type (the handler's, else text/plain) and
 * "X-Content-Type-Options: nosniff"; answers under /api/ also "Cache-Control: no-store".
 * Nothing of a request's headers or body is logged; each request is logged at debug level
 * as method, path and status.
 */
#ifndef WSL_SERVER_H
#define WSL_SERVER_H

#include "lib/buf.h"
#include "lib/err.h"

#include <stddef.h>
#include <stdint.h>

/* One request as the handler sees it; everything is valid only during the call. */
struct wsl_srv_request {
    const char *method; /* "GET", "HEAD" or "POST" */
    const char *path;   /* percent-decoded, without the query string */
    const char *query;  /* the query string as sent (not decoded, no '?'); "" when none */
    /* Case-insensitive header lookup: the first value of that header, or NULL. */
    const char *(*header)(void *hctx, const char *name);
    void *hctx;
    const unsigned char *body; /* len bytes (also NUL-terminated); "" when none */
    size_t len;
};

#define WSL_SRV_MAX_HEADERS 4

/* The handler's answer. It starts as status 0, no content type, an empty body and no
 * extra headers. status 0 after the handler returns is answered as 500. */
struct wsl_srv_response {
    int status;
    const char *content_type; /* NULL: "text/plain; charset=utf-8" */
    struct wsl_buf body;      /* freed by the server */
    /* Extra headers {name, value}; unused slots NULL. The strings must outlive the handler
     * call (string literals, or memory owned by ctx): the server copies them afterwards. */
    const char *headers[WSL_SRV_MAX_HEADERS][2];
};

typedef void (*wsl_srv_handler)(void *ctx, const struct wsl_srv_request *req,
                                struct wsl_srv_response *res);

struct wsl_srv_opts {
    const char *listen;        /* "127.0.0.1:8080" (the default when NULL), "[::1]:8080",
                                  "0.0.0.0:9000", "localhost:8080"; port 0 picks a free one */
    const char *tls_cert_file; /* both set: HTTPS only (TLS 1.2 and 1.3), PEM files */
    const char *tls_key_file;
    const char *api_token;     /* non-NULL and non-empty: /api/ needs this bearer token */
    size_t max_body;           /* request body limit; default 1 MiB */
    int timeout_s;             /* idle connection timeout; default 10 */
    unsigned max_connections;  /* default 64 */
    wsl_srv_handler handler;   /* required */
    void *ctx;
};

struct wsl_server;

/* Listen and serve in the background. Errors name the address and say what to do:
 * WSL_E_INVALID for a bad listen address or options, unreadable or unusable TLS files;
 * WSL_E_IO when the address cannot be bound ("cannot listen on 127.0.0.1:8080: Address
 * already in use"). */
int wsl_server_start(const struct wsl_srv_opts *o, struct wsl_server **out, struct wsl_err *err);

/* The bound TCP port (useful with port 0). */
uint16_t wsl_server_port(const struct wsl_server *s);

/* Stop accepting, close idle connections, wait for handlers in flight to return, free
 * everything. NULL is allowed. */
void wsl_server_stop(struct wsl_server *s);

#endif
