/*
 * test_server.c — orchestrator/server/server.c on loopback, driven by lib/http (libcurl)
 * and by raw sockets where a client has to misbehave (stall, chunk, send odd methods).
 */
#include "lib/http.h"
#include "lib/log.h"
#include "orchestrator/server/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/helpers/asserts.h"

#define TOKEN "api-token-0123456789abcdef"

/* What the handler saw, and how it answers. */
struct seen {
    pthread_mutex_t mu;
    int calls;
    char method[16], path[256], query[256], header[128];
    char *body;
    size_t len;
    int sleep_ms;          /* the handler sleeps this long first */
    atomic_int entered, finished;
    int status;            /* answer with this (0: 200) */
    bool no_status;        /* leave the status unset */
};

static void handler(void *ctx, const struct wsl_srv_request *req, struct wsl_srv_response *res)
{
    struct seen *s = ctx;
    atomic_fetch_add(&s->entered, 1);
    if (s->sleep_ms) {
        struct timespec ts = {s->sleep_ms / 1000, (long)(s->sleep_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&s->mu);
    s->calls++;
    snprintf(s->method, sizeof s->method, "%s", req->method);
    snprintf(s->path, sizeof s->path, "%s", req->path);
    snprintf(s->query, sizeof s->query, "%s", req->query);
    const char *h = req->header(req->hctx, "x-test");
    snprintf(s->header, sizeof s->header, "%s", h ? h : "(none)");
    free(s->body);
    s->body = malloc(req->len + 1);
    memcpy(s->body, req->body, req->len + 1); /* the body is NUL-terminated too */
    s->len = req->len;
    pthread_mutex_unlock(&s->mu);
    if (!s->no_status) {
        res->status = s->status ? s->status : 200;
        res->content_type = "application/json";
        wsl_buf_printf(&res->body, "{\"path\":\"%s\",\"len\":%zu}", req->path, req->len);
        res->headers[0][0] = "X-Served-By";
        res->headers[0][1] = "wissel-test";
    }
    atomic_fetch_add(&s->finished, 1);
}

static struct seen *seen_new(void)
{
    struct seen *s = calloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    return s;
}

static void seen_free(struct seen *s)
{
    free(s->body);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

static struct wsl_server *start(struct wsl_srv_opts o, struct seen *s)
{
    o.handler = handler;
    o.ctx = s;
    if (!o.listen)
        o.listen = "127.0.0.1:0";
    struct wsl_server *srv = NULL;
    struct wsl_err err = {0};
    int rc = wsl_server_start(&o, &srv, &err);
    if (rc)
        fail_msg("wsl_server_start: %s (%s)", err.msg, err.hint);
    assert_true(wsl_server_port(srv) > 0);
    return srv;
}

static struct wsl_http *client(const struct wsl_server *srv, const char *scheme,
                               const char *ca_file)
{
    char base[64];
    snprintf(base, sizeof base, "%s://127.0.0.1:%u", scheme, wsl_server_port(srv));
    struct wsl_http_opts o = {.base_url = base, .ca_file = ca_file, .max_retries = -1,
                              .timeout_ms = 5000};
    struct wsl_err err = {0};
    struct wsl_http *h = wsl_http_new(&o, &err);
    if (!h)
        fail_msg("wsl_http_new: %s", err.msg);
    return h;
}

/* One request; returns the HTTP status (0 when none arrived). */
static long call(struct wsl_http *h, const char *method, const char *url, const char *body,
                 size_t len, const char *const *headers, struct wsl_http_resp *resp)
{
    struct wsl_http_req req = {.method = method, .url = url, .headers = headers, .body = body,
                               .body_len = len, .content_type = body ? "application/json" : NULL};
    struct wsl_err err = {0};
    wsl_http_do(h, &req, resp, &err);
    return resp->status;
}

/* --- raw sockets --------------------------------------------------------------------------- */

static int raw_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void raw_send(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t k = send(fd, s, n, MSG_NOSIGNAL);
        if (k <= 0)
            return; /* the server may close early */
        s += k;
        n -= (size_t)k;
    }
}

/* Read until the server closes or wait_ms pass; returns what arrived (malloc'd). */
static char *raw_read(int fd, int wait_ms, bool *closed)
{
    size_t cap = 65536, len = 0;
    char *buf = calloc(1, cap);
    *closed = false;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    while (len + 1 < cap && poll(&p, 1, wait_ms) > 0) {
        ssize_t k = recv(fd, buf + len, cap - len - 1, 0);
        if (k <= 0) {
            *closed = true;
            break;
        }
        len += (size_t)k;
    }
    buf[len] = '\0';
    return buf;
}

/* Send a whole request, return the answer (malloc'd). */
static char *raw_exchange(uint16_t port, const char *req, size_t n)
{
    int fd = raw_connect(port);
    raw_send(fd, req, n);
    bool closed;
    char *out = raw_read(fd, 3000, &closed);
    close(fd);
    return out;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- tests ----------------------------------------------------------------------------------- */

static void test_get_post_head(void **state)
{
    struct seen *s = seen_new();
    struct wsl_server *srv = start((struct wsl_srv_opts){0}, s);
    struct wsl_http *h = client(srv, "http", NULL);
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    const char *hdrs[] = {"X-Test: hello", NULL};

    assert_int_equal(call(h, "GET", "/api/v1/history?limit=5&app=a%20b", NULL, 0, hdrs, &resp),
                     200);
    assert_string_equal(s->path, "/api/v1/history");
    assert_string_equal(s->query, "limit=5&app=a%20b");
    assert_int_equal(call(h, "GET", "/healthz", NULL, 0, hdrs, &resp), 200);
    assert_string_equal(s->method, "GET");
    assert_string_equal(s->path, "/healthz");
    assert_string_equal(s->query, "");
    assert_string_equal(s->header, "hello");
    assert_int_equal(s->len, 0);
    assert_string_equal(wsl_buf_str(&resp.body), "{\"path\":\"/healthz\",\"len\":0}");
    assert_string_equal(wsl_http_resp_header(&resp, "Content-Type"), "application/json");
    assert_string_equal(wsl_http_resp_header(&resp, "X-Content-Type-Options"), "nosniff");
    assert_string_equal(wsl_http_resp_header(&resp, "X-Served-By"), "wissel-test");
    assert_null(wsl_http_resp_header(&resp, "Cache-Control"));

    const char body[] = "{\"ref\":\"refs/heads/main\"}\0binary\xff";
    assert_int_equal(call(h, "POST", "/hooks/github", body, sizeof body, NULL, &resp), 200);
    assert_string_equal(s->method, "POST");
    assert_string_equal(s->path, "/hooks/github");
    assert_string_equal(s->header, "(none)");
    assert_int_equal(s->len, sizeof body);
    assert_memory_equal(s->body, body, sizeof body);

    assert_int_equal(call(h, "HEAD", "/healthz", NULL, 0, NULL, &resp), 200);
    assert_string_equal(s->method, "HEAD");
    assert_int_equal(resp.body.len, 0);
    assert_int_equal(s->calls, 4);

    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    wsl_server_stop(srv);
    seen_free(s);
}

static void test_other_methods_refused(void **state)
{
    struct seen *s = seen_new();
    struct wsl_server *srv = start((struct wsl_srv_opts){0}, s);
    struct wsl_http *h = client(srv, "http", NULL);
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    const char *methods[] = {"PUT", "DELETE", "PATCH", "OPTIONS"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        assert_int_equal(call(h, methods[i], "/hooks/github", "{}", 2, NULL, &resp), 405);
        assert_string_equal(wsl_http_resp_header(&resp, "Allow"), "GET, HEAD, POST");
        assert_contains(wsl_buf_str(&resp.body), "method_not_allowed");
    }
    char *out = raw_exchange(wsl_server_port(srv), "BREW /pot HTTP/1.1\r\nHost: a\r\n\r\n", 31);
    assert_contains(out, " 405 ");
    free(out);
    assert_int_equal(s->calls, 0);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    wsl_server_stop(srv);
    seen_free(s);
}

static void test_body_limit(void **state)
{
    struct seen *s = seen_new();
    struct wsl_server *srv = start((struct wsl_srv_opts){.max_body = 1000}, s);
    struct wsl_http *h = client(srv, "http", NULL);
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    char *big = malloc(5000);
    memset(big, 'a', 5000);

    assert_int_equal(call(h, "POST", "/hooks/github", big, 1001, NULL, &resp), 413);
    assert_contains(wsl_buf_str(&resp.body), "too large");
    assert_int_equal(call(h, "POST", "/hooks/github", big, 5000, NULL, &resp), 413);
    assert_int_equal(s->calls, 0);
    assert_int_equal(call(h, "POST", "/hooks/github", big, 1000, NULL, &resp), 200);
    assert_int_equal(s->calls, 1);
    assert_int_equal(s->len, 1000);

    /* Refused from the headers: no "100 Continue" invites the body first. */
    const char expect[] = "POST /hooks/github HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n"
                          "Expect: 100-continue\r\n\r\n";
    char *early = raw_exchange(wsl_server_port(srv), expect, sizeof expect - 1);
    if (strncmp(early, "HTTP/1.1 413", 12) != 0)
        fail_msg("want an immediate 413, got: %.40s", early);
    free(early);

    /* Chunked: no Content-Length, so the server counts. */
    struct wsl_buf req = WSL_BUF_INIT;
    wsl_buf_puts(&req, "POST /hooks/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                       "Connection: close\r\n\r\n");
    for (int i = 0; i < 3; i++) {
        wsl_buf_puts(&req, "190\r\n"); /* 400 bytes */
        wsl_buf_append(&req, big, 400);
        wsl_buf_puts(&req, "\r\n");
    }
    wsl_buf_puts(&req, "0\r\n\r\n");
    char *out = raw_exchange(wsl_server_port(srv), req.data, req.len);
    assert_contains(out, "HTTP/1.1 413");
    free(out);
    assert_int_equal(s->calls, 1);

    /* A chunked body that goes on and on: the connection is closed. */
    int fd = raw_connect(wsl_server_port(srv));
    raw_send(fd, req.data, req.len - 5); /* without the last chunk */
    for (int i = 0; i < 20; i++) {
        raw_send(fd, "190\r\n", 5);
        raw_send(fd, big, 400);
        raw_send(fd, "\r\n", 2);
    }
    bool closed;
    free(raw_read(fd, 3000, &closed));
    assert_true(closed);
    close(fd);
    assert_int_equal(s->calls, 1);

    wsl_buf_free(&req);
    free(big);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    wsl_server_stop(srv);
    seen_free(s);
}

/* Log capture, to show that neither the token nor a body reaches the log. Static: the
 * stream writes into it, also after a failed assertion left the test. */
static struct capture {
    FILE *f;
    char *text;
    size_t len;
} c;

static void test_api_token(void **state)
{
    c.f = open_memstream(&c.text, &c.len);
    wsl_log_setup(WSL_LOG_DEBUG, WSL_LOG_TEXT, c.f);

    struct seen *s = seen_new();
    struct wsl_server *srv = start((struct wsl_srv_opts){.api_token = TOKEN}, s);
    struct wsl_http *h = client(srv, "http", NULL);
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    const char *none[] = {NULL};
    const char *wrong[] = {"Authorization: Bearer api-token-0123456789abcdeX", NULL};
    const char *prefix[] = {"Authorization: Bearer api-token", NULL};
    const char *basic[] = {"Authorization: Basic " TOKEN, NULL};
    const char *right[] = {"Authorization: Bearer " TOKEN, NULL};
    const char *lower[] = {"authorization: bearer " TOKEN, NULL};

    assert_int_equal(call(h, "GET", "/api/status", NULL, 0, none, &resp), 401);
    assert_string_equal(wsl_http_resp_header(&resp, "WWW-Authenticate"), "Bearer realm=\"wissel\"");
    assert_string_equal(wsl_http_resp_header(&resp, "Cache-Control"), "no-store");
    assert_int_equal(call(h, "GET", "/api/status", NULL, 0, wrong, &resp), 401);
    assert_contains(wsl_http_resp_header(&resp, "WWW-Authenticate"), "invalid_token");
    assert_int_equal(call(h, "GET", "/api", NULL, 0, prefix, &resp), 401);
    assert_int_equal(call(h, "POST", "/api/sync", "{\"secret-body\":1}", 17, basic, &resp), 401);
    assert_int_equal(s->calls, 0);

    assert_int_equal(call(h, "GET", "/api/status", NULL, 0, right, &resp), 200);
    assert_string_equal(wsl_http_resp_header(&resp, "Cache-Control"), "no-store");
    assert_int_equal(call(h, "POST", "/api/sync", "{\"secret-body\":1}", 17, lower, &resp), 200);
    assert_int_equal(s->calls, 2);
    /* Outside /api/ no token is needed. */
    assert_int_equal(call(h, "GET", "/apiary", NULL, 0, none, &resp), 200);
    assert_int_equal(call(h, "POST", "/hooks/github", "{}", 2, none, &resp), 200);
    assert_null(wsl_http_resp_header(&resp, "Cache-Control"));
    assert_int_equal(s->calls, 4);

    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    wsl_server_stop(srv);
    seen_free(s);
    wsl_log_setup(WSL_LOG_OFF, WSL_LOG_TEXT, NULL);
    fclose(c.f);
    assert_contains(c.text, "/api/status"); /* requests are logged ... */
    assert_null(strstr(c.text, "0123456789abcde"));  /* ... never the token ... */
    assert_null(strstr(c.text, "secret-body"));      /* ... nor the body */
    free(c.text);
    wsl_log_secrets_clear();
}

/* A client that sends half a request and stalls is dropped after timeout_s; the server
 * answers others meanwhile. */
static void test_slow_client_dropped(void **state)
{
    struct seen *s = seen_new();
    struct wsl_server *srv = start((struct wsl_srv_opts){.timeout_s = 1}, s);
    int fd = raw_connect(wsl_server_port(srv));
    raw_send(fd, "POST /hooks/github HTTP/1.1\r\nHost: a\r\nContent-Le", 48);
    int fd2 = raw_connect(wsl_server_port(srv));
    raw_send(fd2, "POST /hooks/github HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n{\"a", 62);
    long t0 = now_ms();

    struct wsl_http *h = client(srv, "http", NULL);
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    assert_int_equal(call(h, "GET", "/healthz", NULL, 0, NULL, &resp), 200);
    assert_true(now_ms() - t0 < 900);

    bool closed;
    char *got = raw_read(fd, 5000, &closed);
    long waited = now_ms() - t0;
    assert_true(closed);
    assert_true(waited >= 900 && waited < 4000);
    free(got);
    got = raw_read(fd2, 5000, &closed);
    assert_true(closed);
    free(got);
    close(fd);
    close(fd2);
    assert_int_equal(s->calls, 1);

    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    wsl_server_stop(srv);
    seen_free(s);
}

static void test_port_taken(void **state)
{
    struct seen *s = seen_new();
    struct wsl_server *srv = start((struct wsl_srv_opts){0}, s);
    char addr[64], want[128];
    snprintf(addr, sizeof addr, "127.0.0.1:%u", wsl_server_port(srv));
    struct wsl_srv_opts o = {.listen = addr, .handler = handler, .ctx = s};
    struct wsl_server *again = (struct wsl_server *)&o;
    struct wsl_err err = {0};
    assert_code(wsl_server_start(&o, &again, &err), WSL_E_IO, &err);
    assert_null(again);
    snprintf(want, sizeof want, "cannot listen on %s: Address already in use", addr);
    assert_string_equal(err.msg, want);
    assert_contains(err.hint, "another program");
    /* NULL err is allowed too. */
    assert_int_equal(wsl_server_start(&o, &again, NULL), WSL_E_IO);
    wsl_server_stop(srv);
    seen_free(s);
}

static void test_bad_listen_addresses(void **state)
{
    const char *bad[] = {"nonsense",     "127.0.0.1",     "127.0.0.1:",   ":8080",
                         "::1:8080",     "[::1]8080",     "[::1:8080",    "1.2.3.4:99999",
                         "127.0.0.1:8x", "127.0.0.1:-1",  "no.such.host.invalid:80", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct wsl_srv_opts o = {.listen = bad[i], .handler = handler};
        struct wsl_server *srv = NULL;
        struct wsl_err err = {0};
        int rc = wsl_server_start(&o, &srv, &err);
        if (rc != WSL_E_INVALID)
            fail_msg("listen \"%s\": got %d: %s", bad[i], rc, err.msg);
        assert_null(srv);
        assert_contains(err.msg, "cannot listen on");
        assert_true(err.hint[0]);
    }
    struct wsl_srv_opts o = {.listen = "127.0.0.1:0"};
    struct wsl_server *srv = NULL;
    struct wsl_err err = {0};
    assert_code(wsl_server_start(&o, &srv, &err), WSL_E_INTERNAL, &err);
}

static void test_ipv6_loopback(void **state)
{
    struct seen *s = seen_new();
    struct wsl_srv_opts o = {.listen = "[::1]:0", .handler = handler, .ctx = s};
    struct wsl_server *srv = NULL;
    struct wsl_err err = {0};
    if (wsl_server_start(&o, &srv, &err)) {
        seen_free(s);
        skip(); /* no IPv6 on this machine */
    }
    char base[64];
    snprintf(base, sizeof base, "http://[::1]:%u", wsl_server_port(srv));
    struct wsl_http_opts ho = {.base_url = base, .max_retries = -1};
    struct wsl_http *h = wsl_http_new(&ho, &err);
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    assert_int_equal(call(h, "GET", "/v6", NULL, 0, NULL, &resp), 200);
    assert_string_equal(s->path, "/v6");
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    wsl_server_stop(srv);
    seen_free(s);
}

static void test_handler_without_status(void **state)
{
    struct seen *s = seen_new();
    s->no_status = true;
    struct wsl_server *srv = start((struct wsl_srv_opts){0}, s);
    struct wsl_http *h = client(srv, "http", NULL);
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    assert_int_equal(call(h, "GET", "/x", NULL, 0, NULL, &resp), 500);
    assert_contains(wsl_http_resp_header(&resp, "Content-Type"), "text/plain");
    s->no_status = false;
    s->status = 204;
    assert_int_equal(call(h, "POST", "/x", "{}", 2, NULL, &resp), 204);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    wsl_server_stop(srv);
    seen_free(s);
}

/* --- TLS --------------------------------------------------------------------------------- */

struct tls_files {
    char dir[64], cert[128], key[128], other_key[128];
};

static void make_cert(struct tls_files *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/wsl-srv-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->cert, sizeof t->cert, "%s/tls.crt", t->dir);
    snprintf(t->key, sizeof t->key, "%s/tls.key", t->dir);
    snprintf(t->other_key, sizeof t->other_key, "%s/other.key", t->dir);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-subj /CN=localhost -addext subjectAltName=IP:127.0.0.1 -days 1 -keyout tls.key "
             "-out tls.crt >/dev/null 2>&1 && openssl genpkey -algorithm ec -pkeyopt "
             "ec_paramgen_curve:P-256 -out other.key >/dev/null 2>&1",
             t->dir);
    assert_int_equal(system(cmd), 0);
}

static void remove_cert(const struct tls_files *t)
{
    unlink(t->cert);
    unlink(t->key);
    unlink(t->other_key);
    rmdir(t->dir);
}

static void test_tls(void **state)
{
    struct tls_files t;
    make_cert(&t);
    struct seen *s = seen_new();
    struct wsl_server *srv =
        start((struct wsl_srv_opts){.tls_cert_file = t.cert, .tls_key_file = t.key}, s);
    struct wsl_http *h = client(srv, "https", t.cert);
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    assert_int_equal(call(h, "POST", "/hooks/gitea", "{\"ref\":1}", 9, NULL, &resp), 200);
    assert_string_equal(s->path, "/hooks/gitea");
    assert_string_equal(s->body, "{\"ref\":1}");
    wsl_http_free(h);
    /* Plain HTTP to the HTTPS port gets no answer. */
    h = client(srv, "http", NULL);
    assert_int_equal(call(h, "GET", "/x", NULL, 0, NULL, &resp), 0);
    assert_int_equal(s->calls, 1);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    wsl_server_stop(srv);
    seen_free(s);
    remove_cert(&t);
}

static void expect_tls_error(const char *cert, const char *key, const char *want)
{
    struct wsl_srv_opts o = {.listen = "127.0.0.1:0", .tls_cert_file = cert,
                             .tls_key_file = key, .handler = handler};
    struct wsl_server *srv = NULL;
    struct wsl_err err = {0};
    assert_code(wsl_server_start(&o, &srv, &err), WSL_E_INVALID, &err);
    assert_null(srv);
    assert_contains(err.msg, want);
    assert_true(err.hint[0]);
}

static void test_tls_bad_files(void **state)
{
    struct tls_files t;
    make_cert(&t);
    expect_tls_error(t.cert, NULL, "both a certificate and its key");
    expect_tls_error(NULL, t.key, "both a certificate and its key");
    expect_tls_error(t.cert, t.other_key, "does not belong to certificate");
    expect_tls_error(t.key, t.key, "is not a PEM certificate");
    expect_tls_error(t.cert, t.cert, "is not an unencrypted PEM private key");
    struct wsl_srv_opts o = {.tls_cert_file = "/nonexistent/tls.crt", .tls_key_file = t.key,
                             .handler = handler};
    struct wsl_server *srv = NULL;
    struct wsl_err err = {0};
    assert_code(wsl_server_start(&o, &srv, &err), WSL_E_NOTFOUND, &err);
    assert_contains(err.msg, "/nonexistent/tls.crt");
    remove_cert(&t);
}

/* --- stopping ------------------------------------------------------------------------------ */

struct fetch {
    uint16_t port;
    long status;
};

static void *fetch_thread(void *arg)
{
    struct fetch *f = arg;
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", f->port);
    struct wsl_http_opts o = {.base_url = base, .max_retries = -1, .timeout_ms = 5000};
    struct wsl_http *h = wsl_http_new(&o, NULL);
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    f->status = call(h, "POST", "/slow", "{}", 2, NULL, &resp);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    return NULL;
}

static void test_stop_with_request_in_flight(void **state)
{
    struct seen *s = seen_new();
    s->sleep_ms = 500;
    struct wsl_server *srv = start((struct wsl_srv_opts){0}, s);
    struct fetch f = {.port = wsl_server_port(srv)};
    pthread_t th;
    pthread_create(&th, NULL, fetch_thread, &f);
    long t0 = now_ms();
    while (atomic_load(&s->entered) == 0 && now_ms() - t0 < 5000) {
        struct timespec ts = {0, 5000000L};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(atomic_load(&s->entered), 1);
    wsl_server_stop(srv); /* waits for the handler */
    assert_int_equal(atomic_load(&s->finished), 1);
    pthread_join(th, NULL);
    assert_true(f.status == 200 || f.status == 0); /* answered, or cut off: both clean */
    wsl_server_stop(NULL);
    seen_free(s);
}

/* Several clients at once, while the handler is slow: they are served concurrently. */
static void test_concurrent_handlers(void **state)
{
    struct seen *s = seen_new();
    s->sleep_ms = 400;
    struct wsl_server *srv = start((struct wsl_srv_opts){0}, s);
    struct fetch f[4];
    pthread_t th[4];
    long t0 = now_ms();
    for (int i = 0; i < 4; i++) {
        f[i] = (struct fetch){.port = wsl_server_port(srv)};
        pthread_create(&th[i], NULL, fetch_thread, &f[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(f[i].status, 200);
    }
    assert_true(now_ms() - t0 < 1500);
    assert_int_equal(s->calls, 4);
    wsl_server_stop(srv);
    seen_free(s);
}

int main(void)
{
    wsl_log_setup(WSL_LOG_OFF, WSL_LOG_TEXT, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_post_head),
        cmocka_unit_test(test_other_methods_refused),
        cmocka_unit_test(test_body_limit),
        cmocka_unit_test(test_api_token),
        cmocka_unit_test(test_slow_client_dropped),
        cmocka_unit_test(test_port_taken),
        cmocka_unit_test(test_bad_listen_addresses),
        cmocka_unit_test(test_ipv6_loopback),
        cmocka_unit_test(test_handler_without_status),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_tls_bad_files),
        cmocka_unit_test(test_stop_with_request_in_flight),
        cmocka_unit_test(test_concurrent_handlers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
