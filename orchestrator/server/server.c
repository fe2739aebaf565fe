/*
 * server.c — the HTTP(S) server over libmicrohttpd (see server.h).
 *
 * The listening socket is made here rather than by libmicrohttpd, so that a failure names
 * the address and the system's reason, and port 0 can be read back. libmicrohttpd calls
 * the access handler several times per request: first with the headers only (where 405,
 * 413 by Content-Length and 401 are answered, before any "100 Continue"), then once per
 * piece of body, then a last time with no data, where the handler runs.
 */
#include "orchestrator/server/server.h"

#include "lib/fs.h"
#include "lib/hash.h"
#include "lib/log.h"

#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_MAX_BODY (1024 * 1024)
#define DEFAULT_TIMEOUT_S 10
#define DEFAULT_MAX_CONNECTIONS 64
#define MAX_PEM (1024 * 1024)
#define TLS_PRIORITIES "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

struct wsl_server {
    struct MHD_Daemon *d;
    uint16_t port;
    char addr[300];      /* the listen address as given, for messages */
    char *api_token;     /* NULL: /api/ is open */
    size_t max_body;
    wsl_srv_handler handler;
    void *ctx;
    struct wsl_buf cert, key; /* PEM, kept while the daemon runs */
};

/* One request between the calls of the access handler; made when its first line has
 * arrived (the URI callback: the only place libmicrohttpd shows the raw query). */
struct pending {
    char *query;    /* as sent, after the '?' */
    struct wsl_buf body;
    size_t seen;    /* body bytes received, kept or not */
    bool started;   /* the access handler has seen the headers */
    bool answered;  /* answered from the headers: the body is dropped */
};

/* --- listening --------------------------------------------------------------------------- */

/* "host:port" or "[v6]:port" into host and port. */
static int split_listen(const char *listen, char *host, size_t hn, char *port, size_t pn,
                        struct wsl_err *err)
{
    const char *colon = strrchr(listen, ':');
    const char *h = listen, *hend = colon;
    if (listen[0] == '[') {
        h = listen + 1;
        hend = strchr(listen, ']');
        if (!hend || hend + 1 != colon)
            hend = NULL;
    } else if (colon && memchr(listen, ':', (size_t)(colon - listen)))
        hend = NULL; /* an IPv6 address without brackets */
    size_t plen = colon ? strlen(colon + 1) : 0;
    if (!colon || !hend || hend == h || plen == 0 || plen >= pn ||
        strspn(colon + 1, "0123456789") != plen || atoi(colon + 1) > 65535 ||
        (size_t)(hend - h) >= hn) {
        wsl_err_set(err, WSL_E_INVALID, "cannot listen on \"%s\": not an address and port",
                    listen);
        wsl_err_hint(err, "write HOST:PORT, for example 127.0.0.1:8080, 0.0.0.0:8080 or "
                          "[::1]:8080");
        return WSL_E_INVALID;
    }
    memcpy(host, h, (size_t)(hend - h));
    host[hend - h] = '\0';
    memcpy(port, colon + 1, plen + 1);
    return 0;
}

static void listen_hint(struct wsl_err *err, int e)
{
    if (e == EADDRINUSE)
        wsl_err_hint(err, "another program listens there (ss -ltnp shows which): stop it or "
                          "choose another address");
    else if (e == EACCES)
        wsl_err_hint(err, "ports below 1024 need privileges: choose a port above 1023");
    else if (e == EADDRNOTAVAIL)
        wsl_err_hint(err, "this machine has no such address: use one of its own, or "
                          "0.0.0.0 for all");
}

/* A bound, listening socket in *fd, with its port in *port. */
static int open_listener(const char *addr, int *fdp, uint16_t *port, struct wsl_err *err)
{
    char host[256], service[8];
    if (split_listen(addr, host, sizeof host, service, sizeof service, err))
        return WSL_E_INVALID;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    int rc = getaddrinfo(host, service, &hints, &ai);
    if (rc) {
        wsl_err_set(err, WSL_E_INVALID, "cannot listen on %s: %s", addr, gai_strerror(rc));
        wsl_err_hint(err, "use an IP address of this machine, for example 127.0.0.1:8080");
        return WSL_E_INVALID;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
        bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 128)) {
        int e = errno;
        wsl_err_set(err, WSL_E_IO, "cannot listen on %s: %s", addr, strerror(e));
        listen_hint(err, e);
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return WSL_E_IO;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &len);
    *port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                           : ((struct sockaddr_in *)&ss)->sin_port);
    *fdp = fd;
    return 0;
}

/* --- TLS material ------------------------------------------------------------------------- */

static int no_passphrase(char *buf, int size, int rw, void *u)
{
    return 0;
}

/* Both files readable, PEM, and the key belongs to the certificate. */
static int check_pair(const struct wsl_buf *cert, const struct wsl_buf *key, const char *cf,
                      const char *kf, struct wsl_err *err)
{
    BIO *cb = BIO_new_mem_buf(cert->data, (int)cert->len);
    BIO *kb = BIO_new_mem_buf(key->data, (int)key->len);
    X509 *x = cb ? PEM_read_bio_X509(cb, NULL, no_passphrase, NULL) : NULL;
    EVP_PKEY *k = kb ? PEM_read_bio_PrivateKey(kb, NULL, no_passphrase, NULL) : NULL;
    int rc = 0;
    if (!x) {
        rc = wsl_err_set(err, WSL_E_INVALID, "TLS certificate %s is not a PEM certificate", cf);
        wsl_err_hint(err, "check it with: openssl x509 -in %s -noout -text", cf);
    } else if (!k) {
        rc = wsl_err_set(err, WSL_E_INVALID,
                         "TLS key %s is not an unencrypted PEM private key", kf);
        wsl_err_hint(err, "check it with: openssl pkey -in %s -noout", kf);
    } else if (X509_check_private_key(x, k) != 1) {
        rc = wsl_err_set(err, WSL_E_INVALID, "TLS key %s does not belong to certificate %s",
                         kf, cf);
        wsl_err_hint(err, "give the key the certificate was issued for");
    }
    X509_free(x);
    EVP_PKEY_free(k);
    BIO_free(cb);
    BIO_free(kb);
    return rc;
}

static int load_tls(struct wsl_server *s, const struct wsl_srv_opts *o, struct wsl_err *err)
{
    if (!o->tls_cert_file != !o->tls_key_file) {
        wsl_err_set(err, WSL_E_INVALID, "HTTPS needs both a certificate and its key");
        wsl_err_hint(err, "give both files, or neither for plain HTTP");
        return WSL_E_INVALID;
    }
    if (!o->tls_cert_file)
        return 0;
    int rc = wsl_read_file(o->tls_cert_file, MAX_PEM, &s->cert, err);
    if (!rc)
        rc = wsl_read_file(o->tls_key_file, MAX_PEM, &s->key, err);
    if (rc) {
        wsl_err_prefix(err, "HTTPS");
        return rc;
    }
    return check_pair(&s->cert, &s->key, o->tls_cert_file, o->tls_key_file, err);
}

/* --- answering ------------------------------------------------------------------------------ */

static bool under_api(const char *path)
{
    return strncmp(path, "/api", 4) == 0 && (path[4] == '\0' || path[4] == '/');
}

static const char *conn_header(void *hctx, const char *name)
{
    return MHD_lookup_connection_value(hctx, MHD_HEADER_KIND, name);
}

static void add_headers(struct MHD_Response *r, const char *path,
                        const struct wsl_srv_response *res)
{
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            res->content_type ? res->content_type : "text/plain; charset=utf-8");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (under_api(path))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    for (int i = 0; i < WSL_SRV_MAX_HEADERS; i++)
        if (res->headers[i][0] && res->headers[i][1] &&
            MHD_add_response_header(r, res->headers[i][0], res->headers[i][1]) != MHD_YES)
            wsl_log(WSL_LOG_WARN, "server", "response header refused", "name",
                    res->headers[i][0], NULL);
}

/* Queue res (its body is taken) and log the request. */
static enum MHD_Result send_response(struct MHD_Connection *c, const char *method,
                                     const char *path, struct wsl_srv_response *res)
{
    if (res->status < 100 || res->status > 599) {
        res->status = 500;
        res->content_type = "text/plain; charset=utf-8";
        wsl_buf_reset(&res->body);
        wsl_buf_puts(&res->body, "internal error: the handler gave no answer\n");
    }
    size_t len = res->body.len;
    char *data = wsl_buf_steal(&res->body);
    struct MHD_Response *r =
        data ? MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE)
             : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!r) {
        free(data);
        return MHD_NO;
    }
    add_headers(r, path, res);
    enum MHD_Result rc = MHD_queue_response(c, (unsigned)res->status, r);
    MHD_destroy_response(r);
    char status[8];
    snprintf(status, sizeof status, "%d", res->status);
    wsl_log(WSL_LOG_DEBUG, "server", "request", "method", method, "path", path, "status",
            status, NULL);
    return rc;
}

/* An answer of the server's own: {"error": "...", "message": "..."}. */
static enum MHD_Result refuse(struct MHD_Connection *c, const char *method, const char *path,
                              int status, const char *code, const char *msg,
                              const char *hname, const char *hvalue)
{
    struct wsl_srv_response res = {.status = status, .content_type = "application/json"};
    wsl_buf_printf(&res.body, "{\"error\":\"%s\",\"message\":", code);
    wsl_buf_put_json_string(&res.body, msg);
    wsl_buf_puts(&res.body, "}\n");
    res.headers[0][0] = hname;
    res.headers[0][1] = hvalue;
    return send_response(c, method, path, &res);
}

/* 0: the bearer token is right; else 401 was queued. */
static int check_token(const struct wsl_server *s, struct MHD_Connection *c, const char *method,
                       const char *path, enum MHD_Result *rc)
{
    const char *auth = conn_header(c, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0) {
        *rc = refuse(c, method, path, 401, "unauthorized", "this API needs a bearer token",
                     "WWW-Authenticate", "Bearer realm=\"wissel\"");
        return -1;
    }
    const char *tok = auth + 7;
    tok += strspn(tok, " ");
    unsigned char want[32], got[32];
    wsl_sha256(s->api_token, strlen(s->api_token), want);
    wsl_sha256(tok, strlen(tok), got);
    if (wsl_ct_memcmp(want, got, sizeof want) != 0) {
        *rc = refuse(c, method, path, 401, "unauthorized", "the bearer token is wrong",
                     "WWW-Authenticate", "Bearer realm=\"wissel\", error=\"invalid_token\"");
        return -1;
    }
    return 0;
}

/* The first call, with the headers only: refuse what needs no body to refuse. Returns
 * true when an answer was queued (into *rc). */
static bool answer_early(const struct wsl_server *s, struct MHD_Connection *c,
                         const char *method, const char *path, enum MHD_Result *rc)
{
    if (strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "POST")) {
        *rc = refuse(c, method, path, 405, "method_not_allowed",
                     "only GET, HEAD and POST are served", "Allow", "GET, HEAD, POST");
        return true;
    }
    const char *cl = conn_header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > s->max_body) {
        *rc = refuse(c, method, path, 413, "too_large", "the request body is too large",
                     NULL, NULL);
        return true;
    }
    return s->api_token && under_api(path) && check_token(s, c, method, path, rc) != 0;
}

/* A piece of body: kept while within max_body, then only counted; a chunked body going
 * on past twice the limit closes the connection. */
static enum MHD_Result take_body(const struct wsl_server *s, struct pending *p,
                                 const char *data, size_t *n)
{
    p->seen += *n;
    if (!p->answered && p->seen <= s->max_body)
        wsl_buf_append(&p->body, data, *n);
    else
        wsl_buf_free(&p->body);
    *n = 0;
    return p->seen / 2 > s->max_body ? MHD_NO : MHD_YES;
}

static enum MHD_Result dispatch(const struct wsl_server *s, struct MHD_Connection *c,
                                const char *method, const char *path, struct pending *p)
{
    struct wsl_srv_request req = {
        .method = method,
        .path = path,
        .query = p->query,
        .header = conn_header,
        .hctx = c,
        .body = (const unsigned char *)wsl_buf_str(&p->body),
        .len = p->body.len,
    };
    struct wsl_srv_response res = {0};
    s->handler(s->ctx, &req, &res);
    enum MHD_Result rc = send_response(c, method, path, &res);
    wsl_buf_free(&res.body);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
    const struct wsl_server *s = cls;
    struct pending *p = *req_cls;
    if (!p)
        return MHD_NO; /* the URI callback always makes one */
    if (!p->started) {
        p->started = true;
        enum MHD_Result rc = MHD_YES;
        p->answered = answer_early(s, c, method, url, &rc);
        return rc;
    }
    if (*upload_size)
        return take_body(s, p, upload, upload_size);
    if (p->answered)
        return MHD_YES;
    p->answered = true;
    if (p->seen > s->max_body)
        return refuse(c, method, url, 413, "too_large", "the request body is too large", NULL,
                      NULL);
    return dispatch(s, c, method, url, p);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct pending *p = wsl_xcalloc(1, sizeof *p);
    const char *q = uri ? strchr(uri, '?') : NULL;
    p->query = wsl_xstrdup(q ? q + 1 : "");
    return p;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct pending *p = *req_cls;
    if (p) {
        free(p->query);
        wsl_buf_free(&p->body);
        free(p);
        *req_cls = NULL;
    }
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* libmicrohttpd's own messages (connection errors, timeouts): debug level only. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\r\n")] = '\0';
    wsl_log(WSL_LOG_DEBUG, "server", line, NULL);
}
#pragma GCC diagnostic pop

/* --- life cycle ------------------------------------------------------------------------------ */

static void free_server(struct wsl_server *s)
{
    if (s->key.data)
        OPENSSL_cleanse(s->key.data, s->key.len);
    wsl_buf_free(&s->key);
    wsl_buf_free(&s->cert);
    if (s->api_token) {
        OPENSSL_cleanse(s->api_token, strlen(s->api_token));
        free(s->api_token);
    }
    free(s);
}

static struct MHD_Daemon *start_daemon(struct wsl_server *s, const struct wsl_srv_opts *o, int fd)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_AUTO | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert.data},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->key.data},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES},
        {MHD_OPTION_END, 0, NULL},
    };
    if (s->cert.data)
        flags |= MHD_USE_TLS;
    unsigned timeout = (unsigned)(o->timeout_s > 0 ? o->timeout_s : DEFAULT_TIMEOUT_S);
    unsigned limit = o->max_connections ? o->max_connections : DEFAULT_MAX_CONNECTIONS;
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
                            MHD_OPTION_CONNECTION_TIMEOUT, timeout,
                            MHD_OPTION_CONNECTION_LIMIT, limit,
                            MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s, MHD_OPTION_ARRAY,
                            s->cert.data ? tls : &tls[3], MHD_OPTION_END);
}

int wsl_server_start(const struct wsl_srv_opts *o, struct wsl_server **out, struct wsl_err *err)
{
    *out = NULL;
    if (!o->handler)
        return wsl_err_set(err, WSL_E_INTERNAL, "server started without a handler");
    struct wsl_server *s = wsl_xcalloc(1, sizeof *s);
    snprintf(s->addr, sizeof s->addr, "%s", o->listen ? o->listen : DEFAULT_LISTEN);
    s->max_body = o->max_body ? o->max_body : DEFAULT_MAX_BODY;
    s->handler = o->handler;
    s->ctx = o->ctx;
    if (o->api_token && o->api_token[0]) {
        s->api_token = wsl_xstrdup(o->api_token);
        wsl_log_secret(o->api_token);
    }
    int fd = -1;
    int rc = load_tls(s, o, err);
    if (!rc)
        rc = open_listener(s->addr, &fd, &s->port, err);
    if (rc) {
        free_server(s);
        return rc;
    }
    s->d = start_daemon(s, o, fd);
    if (!s->d) {
        /* libmicrohttpd closes a listen socket it was given, also when it fails. */
        free_server(s);
        wsl_err_set(err, WSL_E_IO, "cannot start the %s server on %s",
                    o->tls_cert_file ? "HTTPS" : "HTTP", o->listen ? o->listen : DEFAULT_LISTEN);
        wsl_err_hint(err, "run with --log-level debug for libmicrohttpd's reason");
        return WSL_E_IO;
    }
    *out = s;
    return 0;
}

uint16_t wsl_server_port(const struct wsl_server *s)
{
    return s ? s->port : 0;
}

void wsl_server_stop(struct wsl_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    free_server(s);
}
