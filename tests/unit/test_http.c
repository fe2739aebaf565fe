/*
 * test_http.c — lib/http against real local servers (tests/unit/helpers/testsrv.h):
 * libmicrohttpd over TCP, TLS (with and without client certificates) and a unix socket,
 * scripted to fail in the ways provider APIs fail, plus a minimal HTTP/2 responder.
 */
#include "lib/http.h"
#include "lib/units.h"
#include "lib/log.h"
#include "tests/unit/helpers/testsrv.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tests/unit/helpers/asserts.h"

static struct testsrv_pki pki;

#define assert_lacks(hay, needle)                                                             \
    do {                                                                                      \
        const char *h_ = (hay);                                                               \
        if (h_ && strstr(h_, (needle)))                                                       \
            fail_msg("\"%s\" contains \"%s\"", h_, (needle));                                 \
    } while (0)

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Retry quickly in tests; the policy is the same, only the scale is smaller. */
static struct wsl_http_opts fast(const char *base_url)
{
    return (struct wsl_http_opts){.base_url = base_url, .retry_base_ms = 5, .retry_max_ms = 20};
}

static struct wsl_http *client(const struct wsl_http_opts *o)
{
    struct wsl_err err = {0};
    struct wsl_http *h = wsl_http_new(o, &err);
    if (!h)
        fail_msg("wsl_http_new: %s", err.msg);
    return h;
}

static int do_get(struct wsl_http *h, const char *url, struct wsl_http_resp *resp,
                  struct wsl_err *err)
{
    struct wsl_http_req req = {.method = "GET", .url = url};
    return wsl_http_do(h, &req, resp, err);
}

/* Log capture: every line the logger writes while a test runs. */
struct capture {
    FILE *f;
    char *text;
    size_t len;
};

static void capture_start(struct capture *c)
{
    c->text = NULL;
    c->f = open_memstream(&c->text, &c->len);
    assert_non_null(c->f);
    wsl_log_setup(WSL_LOG_DEBUG, WSL_LOG_TEXT, c->f);
}

static const char *capture_stop(struct capture *c)
{
    wsl_log_setup(WSL_LOG_OFF, WSL_LOG_TEXT, NULL);
    fclose(c->f);
    return c->text;
}

/* --- plain HTTP ---------------------------------------------------------------------------- */

static void test_get_json_200(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/v1/items", &(struct testsrv_answer){.body = "{\"items\":[1,2,3],\"name\":\"x\"}"});
    struct wsl_http_opts o = fast(testsrv_url(s));
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    json_t *out = NULL;
    long status = 0;
    assert_code(wsl_http_json(h, "GET", "/v1/items", NULL, &out, &status, &err), 0, &err);
    assert_int_equal(status, 200);
    assert_string_equal(json_string_value(json_object_get(out, "name")), "x");
    assert_int_equal(json_array_size(json_object_get(out, "items")), 3);
    const struct testsrv_request *r = testsrv_request(s, 0);
    assert_non_null(r);
    assert_string_equal(r->method, "GET");
    assert_string_equal(r->path, "/v1/items");
    assert_string_equal(testsrv_header(r, "Accept"), "application/json");
    assert_contains(testsrv_header(r, "User-Agent"), "wissel/");
    assert_int_equal(r->body_len, 0);
    json_decref(out);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_post_json_roundtrip(void **state)
{
    struct testsrv *s = testsrv_start(NULL); /* echoes the body back */
    struct wsl_http_opts o = fast(testsrv_url(s));
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    json_t *body = json_pack("{s:s, s:i, s:{s:s}}", "name", "web", "replicas", 3, "labels",
                             "wissel.dev/app", "shop");
    json_t *out = NULL;
    long status = 0;
    assert_code(wsl_http_json(h, "POST", "/v1/apps", body, &out, &status, &err), 0, &err);
    assert_int_equal(status, 200);
    assert_true(json_equal(body, out));
    const struct testsrv_request *r = testsrv_request(s, 0);
    assert_string_equal(r->method, "POST");
    assert_string_equal(testsrv_header(r, "Content-Type"), "application/json");
    assert_null(testsrv_header(r, "Expect"));
    json_t *sent = json_loads(r->body, 0, NULL);
    assert_true(json_equal(body, sent));
    json_decref(sent);
    json_decref(body);
    json_decref(out);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_post_500_not_retried(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/v1/apps", &(struct testsrv_answer){.status = 500, .body = "{\"message\":\"boom\"}"});
    testsrv_push(s, "/v1/apps", &(struct testsrv_answer){.status = 201, .body = "{}"});
    struct wsl_http_opts o = fast(testsrv_url(s));
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    json_t *body = json_pack("{s:s}", "name", "web"), *out = NULL;
    long status = 0;
    assert_code(wsl_http_json(h, "POST", "/v1/apps", body, &out, &status, &err), WSL_E_HTTP,
                &err);
    assert_null(out);
    assert_int_equal(status, 500);
    assert_int_equal(err.http_status, 500);
    assert_contains(err.msg, "POST");
    assert_contains(err.msg, "/v1/apps");
    assert_contains(err.msg, "500");
    assert_contains(err.msg, "boom");
    assert_int_equal(testsrv_count(s, "/v1/apps"), 1);
    json_decref(body);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_get_503_then_200_retried(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/v1/x", &(struct testsrv_answer){.status = 503});
    testsrv_push(s, "/v1/x", &(struct testsrv_answer){.body = "{\"ok\":1}"});
    struct wsl_http_opts o = fast(testsrv_url(s));
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    struct capture cap;
    capture_start(&cap);
    int rc = do_get(h, "/v1/x", &resp, &err);
    const char *log = capture_stop(&cap);
    assert_code(rc, 0, &err);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.attempts, 2);
    assert_string_equal(resp.body.data, "{\"ok\":1}");
    assert_int_equal(testsrv_count(s, "/v1/x"), 2);
    assert_contains(log, "retrying");
    assert_contains(log, "attempt=2/5");
    free(cap.text);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_429_retry_after_seconds(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/q", &(struct testsrv_answer){.status = 429, .headers = {"Retry-After: 1"}});
    testsrv_push(s, "/q", &(struct testsrv_answer){.body = "{}"});
    struct wsl_http_opts o = fast(testsrv_url(s));
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    long t0 = now_ms();
    assert_code(do_get(h, "/q", &resp, &err), 0, &err);
    long waited = now_ms() - t0;
    assert_true(waited >= 900);
    assert_true(waited < 5000);
    assert_int_equal(resp.attempts, 2);
    assert_int_equal(testsrv_count(s, "/q"), 2);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_503_retry_after_http_date(void **state)
{
    char hdr[80], date[64];
    time_t when = time(NULL) + 2;
    struct tm tm;
    gmtime_r(&when, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    snprintf(hdr, sizeof hdr, "Retry-After: %s", date);
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/d", &(struct testsrv_answer){.status = 503, .headers = {hdr}});
    testsrv_push(s, "/d", &(struct testsrv_answer){.body = "{}"});
    struct wsl_http_opts o = fast(testsrv_url(s));
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    long t0 = now_ms();
    assert_code(do_get(h, "/d", &resp, &err), 0, &err);
    long waited = now_ms() - t0;
    assert_true(waited >= 900);
    assert_true(waited < 5000);
    assert_int_equal(resp.attempts, 2);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_retry_after_too_long_fails_fast(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/slow", &(struct testsrv_answer){.status = 503, .headers = {"Retry-After: 120"}});
    testsrv_push(s, "/budget", &(struct testsrv_answer){.status = 429, .headers = {"Retry-After: 5"}});
    struct wsl_http_opts o = fast(testsrv_url(s));
    o.total_timeout_ms = 1500;
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    long t0 = now_ms();
    assert_code(do_get(h, "/slow", &resp, &err), WSL_E_HTTP, &err);
    assert_contains(err.msg, "503");
    assert_contains(err.msg, "retry after 120 s");
    assert_code(do_get(h, "/budget", &resp, &err), WSL_E_HTTP, &err);
    assert_contains(err.msg, "429");
    assert_contains(err.msg, "time budget");
    assert_int_equal(err.http_status, 429);
    assert_true(now_ms() - t0 < 1000);
    assert_int_equal(testsrv_count(s, NULL), 2);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_retries_exhausted(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    for (int i = 0; i < 3; i++)
        testsrv_push(s, "/down", &(struct testsrv_answer){.status = 503, .body = "{\"error\":{\"message\":\"maintenance\"}}"});
    testsrv_push(s, "/down", &(struct testsrv_answer){.body = "{}"}); /* never reached */
    struct wsl_http_opts o = fast(testsrv_url(s));
    o.max_retries = 2;
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    assert_code(do_get(h, "/down", &resp, &err), WSL_E_HTTP, &err);
    assert_int_equal(err.http_status, 503);
    assert_int_equal(resp.status, 503);
    assert_int_equal(resp.attempts, 3);
    assert_contains(err.msg, "GET");
    assert_contains(err.msg, "HTTP 503 Service Unavailable");
    assert_contains(err.msg, "maintenance");
    assert_contains(err.msg, "after 3 attempts");
    assert_true(err.hint[0] != '\0');
    assert_int_equal(testsrv_count(s, "/down"), 3);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_connection_refused(void **state)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", testsrv_unused_port());
    struct wsl_http_opts o = fast(url);
    o.max_retries = 2;
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    assert_code(do_get(h, "/x", &resp, &err), WSL_E_NET, &err);
    assert_int_equal(resp.attempts, 3);
    assert_int_equal(resp.status, 0);
    assert_contains(err.msg, url);
    assert_contains(err.hint, "reachable");
    assert_true(wsl_code_transient(err.code));
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
}

/* A POST that never reached a server may be retried; one the server may have seen, not. */
static void test_post_retry_only_when_never_sent(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    struct wsl_http_opts o = fast(testsrv_url(s));
    o.max_retries = 2;
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    struct wsl_http_req post = {.method = "POST", .url = "/ok", .body = "{}", .body_len = 2,
                                .content_type = "application/json"};
    assert_code(wsl_http_do(h, &post, &resp, &err), 0, &err);

    char refused[64];
    snprintf(refused, sizeof refused, "http://127.0.0.1:%d/x", testsrv_unused_port());
    post.url = refused;
    assert_code(wsl_http_do(h, &post, &resp, &err), WSL_E_NET, &err);
    assert_int_equal(resp.attempts, 3);

    /* The server reads the POST and hangs up, on the kept-alive connection (where libcurl
     * by itself would send it again) ... */
    testsrv_push(s, "/drop", &(struct testsrv_answer){.action = TESTSRV_CLOSE});
    post.url = "/drop";
    assert_code(wsl_http_do(h, &post, &resp, &err), WSL_E_NET, &err);
    assert_int_equal(resp.attempts, 1);
    assert_int_equal(testsrv_count(s, "/drop"), 1);
    assert_contains(err.msg, "not sent again");
    assert_contains(err.hint, "closed the connection");
    wsl_http_free(h);

    /* ... and on a new connection. */
    h = client(&o);
    testsrv_push(s, "/drop2", &(struct testsrv_answer){.action = TESTSRV_CLOSE});
    post.url = "/drop2";
    assert_code(wsl_http_do(h, &post, &resp, &err), WSL_E_NET, &err);
    assert_int_equal(resp.attempts, 1);
    assert_int_equal(testsrv_count(s, "/drop2"), 1);
    assert_contains(err.hint, "closed the connection");

    /* A GET is sent again and succeeds (the queue is empty after the close). */
    testsrv_push(s, "/drop-get", &(struct testsrv_answer){.action = TESTSRV_CLOSE});
    assert_code(do_get(h, "/drop-get", &resp, &err), 0, &err);
    assert_int_equal(resp.attempts, 2);
    assert_int_equal(testsrv_count(s, "/drop-get"), 2);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_timeout(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/slow", &(struct testsrv_answer){.delay_ms = 3000, .body = "{}"});
    struct wsl_http_opts o = fast(testsrv_url(s));
    o.timeout_ms = 300;
    o.max_retries = -1;
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    long t0 = now_ms();
    assert_code(do_get(h, "/slow", &resp, &err), WSL_E_TIMEOUT, &err);
    long took = now_ms() - t0;
    assert_true(took >= 250 && took < 1500);
    assert_int_equal(resp.attempts, 1);
    assert_contains(err.msg, "timed out after 300 ms");
    assert_true(wsl_code_transient(err.code));
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

/* A call hanging on a slow server is abandoned by wsl_http_cancel_all(), new calls fail at
 * once, and a client made with survives_cancel still works. Cancellation is for the
 * whole process and permanent: this test runs last. */
struct hung_call {
    struct wsl_http *h;
    int rc;
    struct wsl_err err;
};

static void *hung_call_main(void *arg)
{
    struct hung_call *c = arg;
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    c->rc = do_get(c->h, "/hang", &resp, &c->err);
    wsl_http_resp_free(&resp);
    return NULL;
}

static void test_cancel_all(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/hang", &(struct testsrv_answer){.delay_ms = 60000, .body = "{}"});
    testsrv_push(s, "/ok", &(struct testsrv_answer){.body = "{}"});
    struct wsl_http_opts o = fast(testsrv_url(s));
    o.timeout_ms = 120000;
    struct hung_call c = {.h = client(&o)};
    o.survives_cancel = true;
    struct wsl_http *keeper = client(&o);
    pthread_t t;
    pthread_create(&t, NULL, hung_call_main, &c);
    while (testsrv_count(s, "/hang") == 0)
        wsl_sleep_ms(10);
    wsl_http_cancel_all();
    pthread_join(t, NULL);
    assert_code(c.rc, WSL_E_CANCELED, &c.err);
    assert_contains(c.err.msg, "GET ");
    assert_contains(c.err.msg, "abandoned: wissel is stopping");

    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    assert_code(do_get(c.h, "/ok", &resp, &err), WSL_E_CANCELED, &err);
    assert_code(do_get(keeper, "/ok", &resp, &err), 0, &err);
    assert_int_equal(resp.status, 200);
    wsl_http_resp_free(&resp);
    wsl_http_free(c.h);
    wsl_http_free(keeper);
    testsrv_stop(s);
}

static void test_bad_json_names_request(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/v1/html", &(struct testsrv_answer){.body = "<html>proxy says hi</html>", .headers = {"Content-Type: text/html"}});
    testsrv_push(s, "/v1/cut", &(struct testsrv_answer){.body = "{\"items\": [1, 2"});
    struct wsl_http_opts o = fast(testsrv_url(s));
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    json_t *out = NULL;
    long status = 0;
    assert_code(wsl_http_json(h, "GET", "/v1/html", NULL, &out, &status, &err), WSL_E_INVALID,
                &err);
    assert_null(out);
    assert_int_equal(status, 200);
    assert_contains(err.msg, "response of GET");
    assert_contains(err.msg, "/v1/html");
    assert_contains(err.hint, "not valid JSON");
    assert_code(wsl_http_json(h, "GET", "/v1/cut", NULL, &out, &status, &err), WSL_E_INVALID,
                &err);
    assert_null(out);
    assert_contains(err.msg, "/v1/cut");
    assert_int_equal(testsrv_count(s, NULL), 2); /* a parse error is not retried */
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_truncated_transfer(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/t", &(struct testsrv_answer){.body = "{\"a\":1}", .action = TESTSRV_TRUNCATE});
    testsrv_push(s, "/t", &(struct testsrv_answer){.body = "{\"a\":1}", .action = TESTSRV_TRUNCATE});
    testsrv_push(s, "/u", &(struct testsrv_answer){.body = "{\"a\":1}", .action = TESTSRV_TRUNCATE});
    testsrv_push(s, "/u", &(struct testsrv_answer){.body = "{\"a\":2}"});
    struct wsl_http_opts o = fast(testsrv_url(s));
    o.max_retries = 1;
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    json_t *out = NULL;
    assert_code(wsl_http_json(h, "GET", "/t", NULL, &out, NULL, &err), WSL_E_NET, &err);
    assert_null(out);
    assert_contains(err.msg, "after 2 attempts");
    assert_code(wsl_http_json(h, "GET", "/u", NULL, &out, NULL, &err), 0, &err);
    assert_int_equal(json_integer_value(json_object_get(out, "a")), 2);
    json_decref(out);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_connection_reuse(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/b", &(struct testsrv_answer){.status = 404, .body = "{}"});
    struct wsl_http_opts o = fast(testsrv_url(s));
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    assert_code(do_get(h, "/a", &resp, &err), 0, &err);
    assert_code(do_get(h, "/b", &resp, &err), WSL_E_HTTP, &err);
    struct wsl_http_req post = {.method = "POST", .url = "/c", .body = "x", .body_len = 1};
    assert_code(wsl_http_do(h, &post, &resp, &err), 0, &err);
    const struct testsrv_request *a = testsrv_request(s, 0), *b = testsrv_request(s, 1),
                                 *c = testsrv_request(s, 2);
    assert_non_null(c);
    assert_true(a->remote_port > 0);
    assert_int_equal(a->remote_port, b->remote_port);
    assert_int_equal(a->remote_port, c->remote_port);
    assert_int_equal(a->conn_id, b->conn_id);
    assert_int_equal(a->conn_id, c->conn_id);
    assert_null(testsrv_header(c, "Content-Type")); /* no form-urlencoded default */
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_unix_socket(void **state)
{
    char path[128];
    snprintf(path, sizeof path, "%s/docker.sock", pki.dir);
    struct testsrv *s = testsrv_start(&(struct testsrv_opts){.unix_path = path});
    testsrv_push(s, "/v1.43/version", &(struct testsrv_answer){.body = "{\"ApiVersion\":\"1.43\"}"});
    struct wsl_http *h = client(&(struct wsl_http_opts){.unix_socket = path});
    struct wsl_err err = {0};
    json_t *out = NULL;
    assert_code(wsl_http_json(h, "GET", "/v1.43/version", NULL, &out, NULL, &err), 0, &err);
    assert_string_equal(json_string_value(json_object_get(out, "ApiVersion")), "1.43");
    assert_code(wsl_http_json(h, "GET", "/v1.43/containers/json", NULL, NULL, NULL, &err), 0,
                &err);
    const struct testsrv_request *r = testsrv_request(s, 0), *r2 = testsrv_request(s, 1);
    assert_non_null(r2);
    assert_string_equal(r->path, "/v1.43/version");
    assert_string_equal(testsrv_header(r, "Host"), "localhost");
    assert_int_equal(r->conn_id, r2->conn_id);
    json_decref(out);
    wsl_http_free(h);
    testsrv_stop(s);
}

/* --- secrets ------------------------------------------------------------------------------ */

static void test_bearer_token_never_logged(void **state)
{
    static const char token[] = "s3cr3t-t0ken-value";
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/flaky", &(struct testsrv_answer){.status = 503});
    testsrv_push(s, "/denied", &(struct testsrv_answer){.status = 401, .body = "{\"message\":\"token s3cr3t-t0ken-value is not valid\"}"});
    struct wsl_http_opts o = fast(testsrv_url(s));
    o.bearer_token = token;
    struct wsl_http *h = client(&o);
    /* Forget the registration: what follows must not depend on the logger's masking. */
    wsl_log_secrets_clear();
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    struct capture cap;
    capture_start(&cap);
    int rc1 = do_get(h, "/flaky", &resp, &err);
    int rc2 = do_get(h, "/denied", &resp, &err);
    const char *log = capture_stop(&cap);
    assert_code(rc1, 0, &err);
    assert_code(rc2, WSL_E_HTTP, &err);
    assert_string_equal(testsrv_header(testsrv_request(s, 0), "Authorization"),
                        "Bearer s3cr3t-t0ken-value");
    assert_contains(log, "/flaky");
    assert_contains(log, "/denied");
    assert_lacks(log, token);
    assert_lacks(log, "Bearer");
    assert_lacks(err.msg, token);
    assert_lacks(err.hint, token);
    assert_contains(err.msg, "token [redacted] is not valid");
    assert_contains(err.hint, "credentials");
    free(cap.text);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_header_credentials_never_logged(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/x", &(struct testsrv_answer){.status = 502});
    testsrv_push(s, "/x", &(struct testsrv_answer){.status = 403, .body = "{\"message\":\"refused Basic dXNlcjpwYXNzd29yZA== and xt-very-secret\"}"});
    struct wsl_http_opts o = fast(testsrv_url(s));
    struct wsl_http *h = client(&o);
    const char *headers[] = {"Authorization: Basic dXNlcjpwYXNzd29yZA==",
                             "X-Auth-Token: xt-very-secret", "Cookie: session=c00kie-value",
                             NULL};
    struct wsl_http_req req = {.url = "/x", .headers = headers};
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    struct capture cap;
    capture_start(&cap);
    int rc = wsl_http_do(h, &req, &resp, &err);
    const char *log = capture_stop(&cap);
    assert_code(rc, WSL_E_HTTP, &err);
    assert_int_equal(resp.attempts, 2);
    const struct testsrv_request *r = testsrv_request(s, 1);
    assert_string_equal(testsrv_header(r, "Authorization"), "Basic dXNlcjpwYXNzd29yZA==");
    assert_string_equal(testsrv_header(r, "X-Auth-Token"), "xt-very-secret");
    assert_contains(log, "retrying");
    assert_lacks(log, "dXNlcjpwYXNzd29yZA==");
    assert_lacks(log, "xt-very-secret");
    assert_lacks(log, "c00kie-value");
    assert_lacks(err.msg, "dXNlcjpwYXNzd29yZA==");
    assert_lacks(err.msg, "xt-very-secret");
    assert_contains(err.msg, "403 Forbidden");
    free(cap.text);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_basic_auth(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    struct wsl_http_opts o = fast(testsrv_url(s));
    o.username = "alice";
    o.password = "pa55word-xyz";
    struct wsl_http *h = client(&o);
    wsl_log_secrets_clear();
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    struct capture cap;
    capture_start(&cap);
    int rc = do_get(h, "/me", &resp, &err);
    const char *log = capture_stop(&cap);
    assert_code(rc, 0, &err);
    unsigned char b64[64];
    EVP_EncodeBlock(b64, (const unsigned char *)"alice:pa55word-xyz", 18);
    char want[96];
    snprintf(want, sizeof want, "Basic %s", b64);
    assert_string_equal(testsrv_header(testsrv_request(s, 0), "Authorization"), want);
    assert_contains(log, "/me");
    assert_lacks(log, "pa55word-xyz");
    assert_lacks(log, (const char *)b64);
    free(cap.text);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_url_redaction(void **state)
{
    char out[256];
    wsl_http_redact_url("https://bob:hunter22@api.example/v1/x?limit=5&token=abc&X-Amz-Signature=ff&sig=1#frag",
                        out, sizeof out);
    assert_string_equal(out, "https://api.example/v1/x?limit=5&token=[redacted]"
                             "&X-Amz-Signature=[redacted]&sig=[redacted]");
    wsl_http_redact_url("/v1/x?labelSelector=a%3Db", out, sizeof out);
    assert_string_equal(out, "/v1/x?labelSelector=a%3Db");

    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/x", &(struct testsrv_answer){.status = 404, .body = "{\"message\":\"no such thing\"}"});
    char url[128];
    snprintf(url, sizeof url, "http://user:pw-secret@127.0.0.1:%d/x?access_token=abc123&limit=5",
             testsrv_port(s));
    struct wsl_http_opts o = fast(NULL);
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct capture cap;
    capture_start(&cap);
    int rc = wsl_http_json(h, "GET", url, NULL, NULL, NULL, &err);
    const char *log = capture_stop(&cap);
    assert_code(rc, WSL_E_HTTP, &err);
    assert_contains(testsrv_request(s, 0)->query, "access_token=abc123");
    assert_contains(err.msg, "limit=5");
    assert_contains(err.msg, "no such thing");
    assert_contains(err.hint, "check the URL");
    assert_lacks(err.msg, "pw-secret");
    assert_lacks(err.msg, "abc123");
    assert_lacks(err.msg, "user:");
    assert_contains(log, "limit=5");
    assert_lacks(log, "pw-secret");
    assert_lacks(log, "abc123");
    free(cap.text);
    wsl_http_free(h);
    testsrv_stop(s);
}

/* --- responses and requests ---------------------------------------------------------------- */

static void test_api_error_messages(void **state)
{
    static const struct {
        int status;
        const char *body, *want;
    } cases[] = {
        {404, "{\"kind\":\"Status\",\"message\":\"pods \\\"web\\\" not found\",\"reason\":\"NotFound\"}", "pods \"web\" not found"},
        {400, "{\"error\":{\"code\":\"InvalidParameter\",\"message\":\"quota exceeded\"}}", "quota exceeded"},
        {401, "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token expired\"}", "refresh token expired"},
        {409, "{\"conflictingRequest\":{\"message\":\"server is locked\",\"code\":409}}", "server is locked"},
        {422, "upstream said no\nsecond line", "upstream said no"},
    };
    struct testsrv *s = testsrv_start(NULL);
    struct wsl_http_opts o = fast(testsrv_url(s));
    struct wsl_http *h = client(&o);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        testsrv_push(s, "/e", &(struct testsrv_answer){.status = cases[i].status, .body = cases[i].body});
        struct wsl_err err = {0};
        assert_code(wsl_http_json(h, "GET", "/e", NULL, NULL, NULL, &err), WSL_E_HTTP, &err);
        assert_int_equal(err.http_status, cases[i].status);
        assert_contains(err.msg, cases[i].want);
        assert_lacks(err.msg, "second line");
    }
    testsrv_push(s, "/html", &(struct testsrv_answer){.status = 400, .body = "<html><body>Bad</body></html>"});
    struct wsl_err err = {0};
    assert_code(wsl_http_json(h, "GET", "/html", NULL, NULL, NULL, &err), WSL_E_HTTP, &err);
    assert_lacks(err.msg, "<html>");
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_response_headers(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/h", &(struct testsrv_answer){.body = "{}", .headers = {"X-Request-Id: abc-123", "ETag: \"v1\""}});
    struct wsl_http_opts o = fast(testsrv_url(s));
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    assert_code(do_get(h, "/h", &resp, &err), 0, &err);
    assert_string_equal(wsl_http_resp_header(&resp, "x-request-id"), "abc-123");
    assert_string_equal(wsl_http_resp_header(&resp, "ETag"), "\"v1\"");
    assert_string_equal(wsl_http_resp_header(&resp, "Content-Type"), "application/json");
    assert_null(wsl_http_resp_header(&resp, "X-Missing"));
    assert_int_equal(resp.http_version, 1);
    wsl_http_resp_free(&resp);
    assert_null(resp.headers);
    assert_null(resp.body.data);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_base_url_joining(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    char base[96];
    snprintf(base, sizeof base, "%s/api/", testsrv_url(s));
    struct wsl_http_opts o = fast(base);
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    assert_code(wsl_http_json(h, "GET", "v1/a", NULL, NULL, NULL, &err), 0, &err);
    assert_code(wsl_http_json(h, "GET", "/v1/b", NULL, NULL, NULL, &err), 0, &err);
    assert_string_equal(testsrv_request(s, 0)->path, "/api/v1/a");
    assert_string_equal(testsrv_request(s, 1)->path, "/api/v1/b");
    wsl_http_free(h);

    struct wsl_http_opts none = fast(NULL);
    h = client(&none);
    assert_code(wsl_http_json(h, "GET", "/v1/a", NULL, NULL, NULL, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "no base URL");
    struct wsl_http_req bad = {.method = "GET\r\nX-Evil: 1", .url = base};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    assert_code(wsl_http_do(h, &bad, &resp, &err), WSL_E_INVALID, &err);
    assert_int_equal(testsrv_count(s, NULL), 2);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_response_size_limit(void **state)
{
    char big[2001];
    memset(big, 'a', 2000);
    big[0] = '"';
    big[1999] = '"';
    big[2000] = '\0';
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/big", &(struct testsrv_answer){.body = big});
    struct wsl_http_opts o = fast(testsrv_url(s));
    o.max_response_bytes = 1000;
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    json_t *out = NULL;
    assert_code(wsl_http_json(h, "GET", "/big", NULL, &out, NULL, &err), WSL_E_LIMIT, &err);
    assert_null(out);
    assert_contains(err.msg, "larger than 1000 bytes");
    assert_int_equal(testsrv_count(s, "/big"), 1);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_methods_and_idempotence(void **state)
{
    struct testsrv *s = testsrv_start(NULL);
    testsrv_push(s, "/gone", &(struct testsrv_answer){.status = 204});
    testsrv_push(s, "/put", &(struct testsrv_answer){.status = 503});
    testsrv_push(s, "/patch", &(struct testsrv_answer){.status = 503});
    testsrv_push(s, "/keyed", &(struct testsrv_answer){.status = 503});
    struct wsl_http_opts o = fast(testsrv_url(s));
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    json_t *out = NULL;
    long status = 0;

    assert_code(wsl_http_json(h, "DELETE", "/gone", NULL, &out, &status, &err), 0, &err);
    assert_int_equal(status, 204);
    assert_null(out);

    struct wsl_http_req head = {.method = "HEAD", .url = "/head"};
    assert_code(wsl_http_do(h, &head, &resp, &err), 0, &err);
    assert_int_equal(resp.body.len, 0);

    json_t *obj = json_pack("{s:s}", "kind", "Deployment");
    assert_code(wsl_http_json(h, "PUT", "/put", obj, &out, &status, &err), 0, &err);
    assert_int_equal(testsrv_count(s, "/put"), 2); /* PUT is idempotent: retried */
    json_decref(out);

    const char *qs[] = {"X-Request: 1", NULL};
    struct wsl_http_req apply = {.method = "PATCH", .url = "/patch", .headers = qs,
                                 .content_type = "application/apply-patch+yaml"};
    assert_code(wsl_http_json_req(h, &apply, obj, &out, &status, &err), WSL_E_HTTP, &err);
    assert_int_equal(testsrv_count(s, "/patch"), 1); /* PATCH is not */
    assert_int_equal(status, 503);

    struct wsl_http_req keyed = {.method = "POST", .url = "/keyed",
                                 .idempotent = WSL_HTTP_IDEMPOTENT_YES};
    assert_code(wsl_http_json_req(h, &keyed, obj, &out, &status, &err), 0, &err);
    assert_int_equal(testsrv_count(s, "/keyed"), 2); /* marked idempotent: retried */
    json_decref(out);

    const char *methods[] = {"DELETE", "HEAD", "PUT", "PUT", "PATCH", "POST", "POST"};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        assert_string_equal(testsrv_request(s, i)->method, methods[i]);
    const struct testsrv_request *p = testsrv_request(s, 4);
    assert_string_equal(testsrv_header(p, "Content-Type"), "application/apply-patch+yaml");
    assert_string_equal(testsrv_header(p, "X-Request"), "1");
    assert_string_equal(testsrv_header(p, "Accept"), "application/json");
    assert_string_equal(p->body, "{\"kind\":\"Deployment\"}");
    json_decref(obj);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_bad_options(void **state)
{
    struct wsl_err err = {0};
    assert_null(wsl_http_new(&(struct wsl_http_opts){.cert_pem = pki.client_cert_pem}, &err));
    assert_code(err.code, WSL_E_INVALID, &err);
    assert_contains(err.msg, "key");
    assert_null(wsl_http_new(&(struct wsl_http_opts){.ca_file = "/nonexistent/ca.pem"}, &err));
    assert_code(err.code, WSL_E_INVALID, &err);
    assert_contains(err.msg, "/nonexistent/ca.pem");
    assert_null(wsl_http_new(&(struct wsl_http_opts){.base_url = "ftp://x"}, &err));
    assert_null(wsl_http_new(&(struct wsl_http_opts){.bearer_token = "abc\r\nX-Evil: 1"}, &err));
    assert_code(err.code, WSL_E_INVALID, &err);
    wsl_http_free(NULL);
}

/* --- TLS ------------------------------------------------------------------------------------ */

static struct testsrv *tls_server(bool wrong_name, bool want_client_cert)
{
    struct testsrv_opts so = {
        .cert_pem = wrong_name ? pki.wrong_cert_pem : pki.server_cert_pem,
        .key_pem = wrong_name ? pki.wrong_key_pem : pki.server_key_pem,
        .client_ca_pem = want_client_cert ? pki.ca_pem : NULL,
    };
    return testsrv_start(&so);
}

static void test_tls_custom_ca(void **state)
{
    struct testsrv *s = tls_server(false, false);
    struct wsl_http_opts o = fast(testsrv_url(s));
    o.ca_file = pki.ca_file;
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    assert_code(do_get(h, "/a", &resp, &err), 0, &err);
    assert_int_equal(resp.status, 200);
    /* libmicrohttpd offers no h2 in ALPN: the client falls back to HTTP/1.1. */
    assert_int_equal(resp.http_version, 1);
    assert_code(do_get(h, "/b", &resp, &err), 0, &err);
    assert_int_equal(testsrv_request(s, 0)->conn_id, testsrv_request(s, 1)->conn_id);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);

    o.ca_file = NULL;
    o.ca_pem = pki.ca_pem;
    h = client(&o);
    assert_code(do_get(h, "/c", &resp, &err), 0, &err);
    assert_int_equal(testsrv_count(s, NULL), 3);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_tls_untrusted(void **state)
{
    struct testsrv *s = tls_server(false, false);
    struct wsl_http_opts o = fast(testsrv_url(s));
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    assert_code(do_get(h, "/a", &resp, &err), WSL_E_TLS, &err);
    assert_int_equal(resp.attempts, 1); /* not transient: no retry */
    assert_contains(err.msg, "TLS");
    assert_contains(err.hint, "CA file");
    assert_int_equal(testsrv_count(s, NULL), 0);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_tls_wrong_hostname(void **state)
{
    struct testsrv *s = tls_server(true, false);
    struct wsl_http_opts o = fast(testsrv_url(s));
    o.ca_pem = pki.ca_pem;
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    assert_code(do_get(h, "/a", &resp, &err), WSL_E_TLS, &err);
    assert_contains(err.hint, "certificate names the host");
    assert_int_equal(testsrv_count(s, NULL), 0);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_tls_insecure_skip_verify(void **state)
{
    struct testsrv *s = tls_server(true, false);
    struct wsl_http_opts o = fast(testsrv_url(s));
    o.insecure_skip_tls_verify = true;
    struct capture cap;
    capture_start(&cap);
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    int rc = do_get(h, "/a", &resp, &err);
    const char *log = capture_stop(&cap);
    assert_code(rc, 0, &err);
    assert_int_equal(resp.status, 200);
    assert_contains(log, "verification is off");
    free(cap.text);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

static void test_tls_client_certificate(void **state)
{
    struct testsrv *s = tls_server(false, true);
    struct wsl_http_opts o = fast(testsrv_url(s));
    o.ca_file = pki.ca_file;
    o.cert_file = pki.client_cert_file;
    o.key_file = pki.client_key_file;
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    assert_code(do_get(h, "/from-file", &resp, &err), 0, &err);
    assert_int_equal(resp.status, 200);
    wsl_http_free(h);

    o.cert_file = o.key_file = NULL;
    o.cert_pem = pki.client_cert_pem;
    o.key_pem = pki.client_key_pem;
    h = client(&o);
    assert_code(do_get(h, "/from-memory", &resp, &err), 0, &err);
    wsl_http_free(h);
    assert_int_equal(testsrv_count(s, NULL), 2);
    assert_true(testsrv_request(s, 0)->client_cert_verified);
    assert_true(testsrv_request(s, 1)->client_cert_verified);

    /* Without a certificate the handshake fails and the server never sees a request.
     * (libmicrohttpd hangs up without a TLS alert, so the client sees a closed connection.) */
    o.cert_pem = o.key_pem = NULL;
    o.max_retries = -1;
    h = client(&o);
    int rc = do_get(h, "/without", &resp, &err);
    assert_true(rc == WSL_E_NET || rc == WSL_E_TLS);
    assert_int_equal(testsrv_count(s, NULL), 2);
    wsl_http_resp_free(&resp);
    wsl_http_free(h);
    testsrv_stop(s);
}

/* An OpenSSL server refuses a missing client certificate with a TLS alert, as nginx and
 * Go servers (kube-apiserver) do: that must read as a TLS error about the certificate. */
static void test_tls_client_certificate_refused(void **state)
{
    struct testsrv_h2 *s = testsrv_h2_start(pki.server_cert_file, pki.server_key_file,
                                            pki.ca_file, "{}");
    char url[64];
    snprintf(url, sizeof url, "https://127.0.0.1:%d", testsrv_h2_port(s));
    struct wsl_http_opts o = fast(url);
    o.ca_file = pki.ca_file;
    o.max_retries = -1;
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    int rc = do_get(h, "/without", &resp, &err);
    wsl_http_free(h);
    bool preface = true;
    testsrv_h2_stop(s, NULL, 0, &preface);
    assert_code(rc, WSL_E_TLS, &err);
    assert_contains(err.hint, "client certificate");
    assert_int_equal(resp.attempts, 1);
    assert_false(preface);
    wsl_http_resp_free(&resp);
}

static void test_http2(void **state)
{
    struct testsrv_h2 *s = testsrv_h2_start(pki.server_cert_file, pki.server_key_file, NULL,
                                            "{\"h2\":true}");
    char url[64];
    snprintf(url, sizeof url, "https://127.0.0.1:%d", testsrv_h2_port(s));
    struct wsl_http_opts o = fast(url);
    o.ca_file = pki.ca_file;
    struct wsl_http *h = client(&o);
    struct wsl_err err = {0};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    int rc = do_get(h, "/h2", &resp, &err);
    wsl_http_free(h); /* closes the connection, which ends the server's thread */
    char alpn[128];
    bool preface = false;
    testsrv_h2_stop(s, alpn, sizeof alpn, &preface);
    assert_code(rc, 0, &err);
    assert_contains(alpn, "h2");
    assert_contains(alpn, "http/1.1");
    assert_true(preface);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.http_version, 2);
    assert_string_equal(resp.body.data, "{\"h2\":true}");
    assert_string_equal(wsl_http_resp_header(&resp, "content-type"), "application/json");
    wsl_http_resp_free(&resp);
}

/* --- runner ---------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    static const char *proxies[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                                    "all_proxy", "ALL_PROXY"};
    for (size_t i = 0; i < sizeof proxies / sizeof *proxies; i++)
        unsetenv(proxies[i]);
    wsl_log_setup(WSL_LOG_OFF, WSL_LOG_TEXT, NULL);
    testsrv_pki_make(&pki);
    return 0;
}

static int group_teardown(void **state)
{
    testsrv_pki_free(&pki);
    wsl_log_secrets_clear();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_json_200),
        cmocka_unit_test(test_post_json_roundtrip),
        cmocka_unit_test(test_post_500_not_retried),
        cmocka_unit_test(test_get_503_then_200_retried),
        cmocka_unit_test(test_429_retry_after_seconds),
        cmocka_unit_test(test_503_retry_after_http_date),
        cmocka_unit_test(test_retry_after_too_long_fails_fast),
        cmocka_unit_test(test_retries_exhausted),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_post_retry_only_when_never_sent),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_bad_json_names_request),
        cmocka_unit_test(test_truncated_transfer),
        cmocka_unit_test(test_connection_reuse),
        cmocka_unit_test(test_unix_socket),
        cmocka_unit_test(test_bearer_token_never_logged),
        cmocka_unit_test(test_header_credentials_never_logged),
        cmocka_unit_test(test_basic_auth),
        cmocka_unit_test(test_url_redaction),
        cmocka_unit_test(test_api_error_messages),
        cmocka_unit_test(test_response_headers),
        cmocka_unit_test(test_base_url_joining),
        cmocka_unit_test(test_response_size_limit),
        cmocka_unit_test(test_methods_and_idempotence),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_tls_custom_ca),
        cmocka_unit_test(test_tls_untrusted),
        cmocka_unit_test(test_tls_wrong_hostname),
        cmocka_unit_test(test_tls_insecure_skip_verify),
        cmocka_unit_test(test_tls_client_certificate),
        cmocka_unit_test(test_tls_client_certificate_refused),
        cmocka_unit_test(test_http2),
        cmocka_unit_test(test_cancel_all), /* last: cancellation is permanent */
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
