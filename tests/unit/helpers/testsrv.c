/*
 * testsrv.c — the scriptable libmicrohttpd test server (see testsrv.h).
 *
 * One thread per connection, so a delayed answer never holds up another connection; a
 * delay waits on a condition variable that testsrv_stop() signals, so stopping is quick.
 *
 * Client certificates: libmicrohttpd only *requests* one when given a trust store. To make
 * it required, as real API servers do, the connection-start callback switches the GnuTLS
 * session to GNUTLS_CERT_REQUIRE with verification, so a client without a trusted
 * certificate fails the handshake. GnuTLS is loaded with libmicrohttpd but not linked by
 * the Makefile, so its three functions are looked up with dlsym.
 */
#include "tests/unit/helpers/testsrv.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQUESTS 256

struct scripted {
    char *path;
    int status;
    char *headers[4];
    char *body;
    int delay_ms;
    enum testsrv_action action;
    struct scripted *next;
};

struct testsrv {
    struct MHD_Daemon *d;
    int port;
    bool tls, want_client_cert;
    char url[64];
    char *unix_path;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stopping;
    struct scripted *queue;
    struct testsrv_request reqs[MAX_REQUESTS];
    size_t nreqs;
    unsigned long next_conn;
};

/* Per request, while its body arrives. */
struct pending {
    char *body;
    size_t len;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("testsrv: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n, size);
    if (!p)
        die("out of memory");
    return p;
}

static char *xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p)
        die("out of memory");
    return p;
}

/* --- GnuTLS, looked up at run time --------------------------------------------------- */

typedef void (*set_request_fn)(gnutls_session_t, gnutls_certificate_request_t);
typedef void (*set_verify_fn)(gnutls_session_t, const char *, unsigned);
typedef int (*verify_peers_fn)(gnutls_session_t, unsigned *);

static struct {
    set_request_fn set_request;
    set_verify_fn set_verify;
    verify_peers_fn verify_peers;
} tls_fn;

static void tls_fn_load(void)
{
    *(void **)&tls_fn.set_request = dlsym(RTLD_DEFAULT, "gnutls_certificate_server_set_request");
    *(void **)&tls_fn.set_verify = dlsym(RTLD_DEFAULT, "gnutls_session_set_verify_cert");
    *(void **)&tls_fn.verify_peers = dlsym(RTLD_DEFAULT, "gnutls_certificate_verify_peers2");
    if (!tls_fn.set_request || !tls_fn.set_verify || !tls_fn.verify_peers)
        die("GnuTLS functions not found (is libmicrohttpd built with GnuTLS?)");
}

static void *tls_session(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    return ci ? ci->tls_session : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct testsrv *s = cls;
    if (toe != MHD_CONNECTION_NOTIFY_STARTED)
        return;
    pthread_mutex_lock(&s->mu);
    *socket_context = (void *)(uintptr_t)++s->next_conn;
    pthread_mutex_unlock(&s->mu);
    if (s->want_client_cert) {
        gnutls_session_t session = tls_session(c);
        if (!session)
            die("no TLS session at connection start");
        tls_fn.set_request(session, GNUTLS_CERT_REQUIRE);
        tls_fn.set_verify(session, NULL, 0);
    }
}

/* --- recording ---------------------------------------------------------------------------- */

static enum MHD_Result add_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    struct testsrv_request *r = cls;
    if (r->nheaders < TESTSRV_MAX_HEADERS) {
        r->hname[r->nheaders] = xstrdup(key);
        r->hval[r->nheaders++] = xstrdup(value);
    }
    return MHD_YES;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    struct testsrv_request *r = cls;
    size_t n = strlen(r->query);
    snprintf(r->query + n, sizeof r->query - n, "%s%s=%s", n ? "&" : "", key,
             value ? value : "");
    return MHD_YES;
}

/* Record a complete request (under the lock; the log is a fixed array, so pointers that
 * testsrv_request() handed out stay valid). */
static void record(struct testsrv *s, struct MHD_Connection *c, const char *url,
                   const char *method, struct pending *p)
{
    pthread_mutex_lock(&s->mu);
    if (s->nreqs == MAX_REQUESTS) {
        pthread_mutex_unlock(&s->mu);
        die("more than %d requests", MAX_REQUESTS);
    }
    struct testsrv_request *r = &s->reqs[s->nreqs];
    memset(r, 0, sizeof *r);
    snprintf(r->method, sizeof r->method, "%s", method);
    snprintf(r->path, sizeof r->path, "%s", url);
    MHD_get_connection_values(c, MHD_HEADER_KIND, add_header, r);
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, r);
    r->body = xcalloc(1, p->len + 1);
    if (p->len)
        memcpy(r->body, p->body, p->len);
    r->body_len = p->len;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        r->remote_port = ntohs(((const struct sockaddr_in *)(const void *)ci->client_addr)->sin_port);
    ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    r->conn_id = ci ? (unsigned long)(uintptr_t)ci->socket_context : 0;
    if (s->want_client_cert) {
        unsigned status = 1;
        gnutls_session_t session = tls_session(c);
        r->client_cert_verified =
            session && tls_fn.verify_peers(session, &status) == 0 && status == 0;
    }
    s->nreqs++;
    pthread_mutex_unlock(&s->mu);
}

static struct scripted *pop_answer(struct testsrv *s, const char *path)
{
    pthread_mutex_lock(&s->mu);
    struct scripted **pp = &s->queue, *a = NULL;
    for (; *pp; pp = &(*pp)->next) {
        if (strcmp((*pp)->path, path) == 0) {
            a = *pp;
            *pp = a->next;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return a;
}

static void free_scripted(struct scripted *a)
{
    if (!a)
        return;
    free(a->path);
    for (int i = 0; i < 4; i++)
        free(a->headers[i]);
    free(a->body);
    free(a);
}

/* Wait ms, or less when the server is stopping. */
static void delay(struct testsrv *s, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    while (!s->stopping && pthread_cond_timedwait(&s->cv, &s->mu, &until) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&s->mu);
}

/* --- answering ---------------------------------------------------------------------------- */

struct truncated {
    char *body;
    size_t len;
};

static ssize_t truncated_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct truncated *t = cls;
    if (pos >= t->len)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    size_t n = t->len - (size_t)pos < max ? t->len - (size_t)pos : max;
    memcpy(buf, t->body + pos, n);
    return (ssize_t)n;
}

static void truncated_free(void *cls)
{
    struct truncated *t = cls;
    free(t->body);
    free(t);
}

static enum MHD_Result answer(struct MHD_Connection *c, struct scripted *a,
                              const char *echo, size_t echo_len)
{
    const char *body = a ? (a->body ? a->body : "") : (echo_len ? echo : "{\"ok\":true}");
    size_t len = a ? strlen(body) : (echo_len ? echo_len : strlen(body));
    struct MHD_Response *r;
    if (a && a->action == TESTSRV_TRUNCATE) {
        struct truncated *t = xcalloc(1, sizeof *t);
        t->body = xstrdup(body);
        t->len = len;
        r = MHD_create_response_from_callback(len * 2 + 16, 1024, truncated_read, t,
                                              truncated_free);
    } else {
        r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    }
    if (!r)
        die("cannot create a response");
    bool has_type = false;
    for (int i = 0; a && i < 4 && a->headers[i]; i++) {
        char name[128];
        const char *colon = strchr(a->headers[i], ':');
        if (!colon || (size_t)(colon - a->headers[i]) >= sizeof name)
            die("bad scripted header %s", a->headers[i]);
        memcpy(name, a->headers[i], (size_t)(colon - a->headers[i]));
        name[colon - a->headers[i]] = '\0';
        const char *value = colon + 1 + strspn(colon + 1, " ");
        MHD_add_response_header(r, name, value);
        has_type |= strcasecmp(name, "Content-Type") == 0;
    }
    if (!has_type)
        MHD_add_response_header(r, "Content-Type", "application/json");
    unsigned status = a && a->status ? (unsigned)a->status : 200;
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **req_cls)
{
    struct testsrv *s = cls;
    struct pending *p = *req_cls;
    if (!p) {
        *req_cls = xcalloc(1, sizeof *p);
        return MHD_YES;
    }
    if (*upload_size) {
        char *nb = realloc(p->body, p->len + *upload_size);
        if (!nb)
            die("out of memory");
        memcpy(nb + p->len, upload, *upload_size);
        p->body = nb;
        p->len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    record(s, c, url, method, p);
    struct scripted *a = pop_answer(s, url);
    if (a && a->delay_ms)
        delay(s, a->delay_ms);
    enum MHD_Result rc;
    if (a && a->action == TESTSRV_CLOSE)
        rc = MHD_NO;
    else if (s->want_client_cert && !s->reqs[s->nreqs - 1].client_cert_verified)
        rc = MHD_NO; /* unreachable when the handshake enforced it; belt and braces */
    else
        rc = answer(c, a, p->body, p->len);
    free_scripted(a);
    return rc;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct pending *p = *req_cls;
    if (p) {
        free(p->body);
        free(p);
        *req_cls = NULL;
    }
}

/* --- life cycle ----------------------------------------------------------------------------- */

static int listen_tcp(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 64) ||
        getsockname(fd, (struct sockaddr *)&sa, &len))
        die("cannot listen on 127.0.0.1: %s", strerror(errno));
    *port = ntohs(sa.sin_port);
    return fd;
}

static int listen_unix(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path)
        die("unix socket path too long: %s", path);
    strcpy(sa.sun_path, path);
    unlink(path);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 64))
        die("cannot listen on %s: %s", path, strerror(errno));
    return fd;
}

int testsrv_unused_port(void)
{
    int port;
    close(listen_tcp(&port));
    return port;
}

struct testsrv *testsrv_start(const struct testsrv_opts *opts)
{
    static const struct testsrv_opts none;
    const struct testsrv_opts *o = opts ? opts : &none;
    struct testsrv *s = xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    s->tls = o->cert_pem != NULL;
    s->want_client_cert = o->client_ca_pem != NULL;
    if (s->tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        die("libmicrohttpd lacks TLS support");
    if (s->want_client_cert)
        tls_fn_load();
    int fd;
    if (o->unix_path) {
        s->unix_path = xstrdup(o->unix_path);
        fd = listen_unix(o->unix_path);
        snprintf(s->url, sizeof s->url, "%s://localhost", s->tls ? "https" : "http");
    } else {
        fd = listen_tcp(&s->port);
        snprintf(s->url, sizeof s->url, "%s://127.0.0.1:%d", s->tls ? "https" : "http",
                 s->port);
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    if (s->tls)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->key_pem},
        {o->client_ca_pem ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0,
         (void *)o->client_ca_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, s, MHD_OPTION_ARRAY, s->tls ? tls_opts : &tls_opts[3], MHD_OPTION_END);
    if (!s->d)
        die("MHD_start_daemon failed");
    return s;
}

void testsrv_stop(struct testsrv *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    MHD_stop_daemon(s->d);
    if (s->unix_path) {
        unlink(s->unix_path);
        free(s->unix_path);
    }
    while (s->queue) {
        struct scripted *a = s->queue;
        s->queue = a->next;
        free_scripted(a);
    }
    for (size_t i = 0; i < s->nreqs; i++) {
        struct testsrv_request *r = &s->reqs[i];
        for (size_t k = 0; k < r->nheaders; k++) {
            free(r->hname[k]);
            free(r->hval[k]);
        }
        free(r->body);
    }
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

const char *testsrv_url(const struct testsrv *s)
{
    return s->url;
}

int testsrv_port(const struct testsrv *s)
{
    return s->port;
}

void testsrv_push(struct testsrv *s, const char *path, const struct testsrv_answer *a)
{
    struct scripted *n = xcalloc(1, sizeof *n);
    n->path = xstrdup(path);
    n->status = a->status;
    for (int i = 0; i < 4; i++)
        n->headers[i] = a->headers[i] ? xstrdup(a->headers[i]) : NULL;
    n->body = a->body ? xstrdup(a->body) : NULL;
    n->delay_ms = a->delay_ms;
    n->action = a->action;
    pthread_mutex_lock(&s->mu);
    struct scripted **pp = &s->queue;
    while (*pp)
        pp = &(*pp)->next;
    *pp = n;
    pthread_mutex_unlock(&s->mu);
}

size_t testsrv_count(struct testsrv *s, const char *path)
{
    size_t n = 0;
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->nreqs; i++)
        n += !path || strcmp(s->reqs[i].path, path) == 0;
    pthread_mutex_unlock(&s->mu);
    return n;
}

const struct testsrv_request *testsrv_request(struct testsrv *s, size_t i)
{
    pthread_mutex_lock(&s->mu);
    const struct testsrv_request *r = i < s->nreqs ? &s->reqs[i] : NULL;
    pthread_mutex_unlock(&s->mu);
    return r;
}

const char *testsrv_header(const struct testsrv_request *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        if (strcasecmp(r->hname[i], name) == 0)
            return r->hval[i];
    }
    return NULL;
}
