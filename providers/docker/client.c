/*
 * client.c — the connection to a Docker Engine (see docker.h).
 *
 * Where: the Target's docker.host, else DOCKER_HOST, else unix:///var/run/docker.sock.
 * tcp:// hosts are always spoken to over TLS with the server's certificate verified: the
 * CA, certificate and key come from the Target's docker.tls, else from DOCKER_CERT_PATH
 * (ca.pem, cert.pem, key.pem; ~/.docker when only DOCKER_TLS_VERIFY is set), else the
 * system's CAs and no client certificate. Plain HTTP over TCP is never used.
 *
 * Requests. apply() runs on several threads (provider.h): the connection keeps a small
 * pool of HTTP clients, each with its own lock; a request takes a free one.
 */
#include "providers/docker/docker.h"

#include "lib/buf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_SOCKET "unix:///var/run/docker.sock"
#define DEFAULT_PORTS "20000-20999"

static bool is_ip(const char *s)
{
    unsigned char b[16];
    return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* A file of DOCKER_CERT_PATH into out when it exists. */
static void cert_file(const char *dir, const char *name, char *out, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (access(path, R_OK) == 0)
        snprintf(out, n, "%s", path);
}

static void tls_material(struct wsl_conn *c)
{
    const struct wsl_docker_tls *t = c->cfg ? &c->cfg->tls : NULL;
    if (t && (t->ca || t->cert || t->key)) {
        snprintf(c->ca, sizeof c->ca, "%s", t->ca ? t->ca : "");
        snprintf(c->cert, sizeof c->cert, "%s", t->cert ? t->cert : "");
        snprintf(c->key, sizeof c->key, "%s", t->key ? t->key : "");
        return;
    }
    const char *dir = getenv("DOCKER_CERT_PATH");
    char home[900];
    if ((!dir || !*dir) && getenv("DOCKER_TLS_VERIFY") && getenv("HOME")) {
        snprintf(home, sizeof home, "%s/.docker", getenv("HOME"));
        dir = home;
    }
    if (!dir || !*dir)
        return;
    cert_file(dir, "ca.pem", c->ca, sizeof c->ca);
    cert_file(dir, "cert.pem", c->cert, sizeof c->cert);
    cert_file(dir, "key.pem", c->key, sizeof c->key);
}

/* host "tcp://h:p" into base_url and the default address. */
static int tcp_host(struct wsl_conn *c, const char *host, struct wsl_err *err)
{
    const char *hp = host + 6;
    if (!*hp || strchr(hp, '/'))
        return wsl_err_set(err, WSL_E_INVALID, "docker host %s: write tcp://HOST:PORT", host);
    snprintf(c->base_url, sizeof c->base_url, "https://%s", hp);
    snprintf(c->address, sizeof c->address, "%s", hp);
    char *colon = strrchr(c->address, ':');
    if (colon && !strchr(colon, ']'))
        *colon = '\0';
    if (c->address[0] == '[') { /* [v6]: the address without brackets */
        memmove(c->address, c->address + 1, strlen(c->address));
        c->address[strcspn(c->address, "]")] = '\0';
    }
    tls_material(c);
    return 0;
}

static int endpoint(struct wsl_conn *c, struct wsl_err *err)
{
    const char *host = c->cfg && c->cfg->host ? c->cfg->host : getenv("DOCKER_HOST");
    if (!host || !*host)
        host = DEFAULT_SOCKET;
    snprintf(c->where, sizeof c->where, "%s", host);
    int rc = 0;
    if (!strncmp(host, "unix://", 7)) {
        snprintf(c->socket, sizeof c->socket, "%s", host + 7);
        snprintf(c->address, sizeof c->address, "127.0.0.1");
    } else if (!strncmp(host, "tcp://", 6)) {
        rc = tcp_host(c, host, err);
    } else {
        rc = wsl_err_set(err, WSL_E_INVALID, "docker host %s is neither unix:// nor tcp://",
                         host);
    }
    if (c->cfg && c->cfg->address)
        snprintf(c->address, sizeof c->address, "%s", c->cfg->address);
    if (is_ip(c->address))
        snprintf(c->host_ip, sizeof c->host_ip, "%s", c->address);
    return rc;
}

static void fill_opts(struct wsl_conn *c)
{
    struct wsl_http_opts *o = &c->opts;
    o->base_url = c->base_url[0] ? c->base_url : NULL;
    o->unix_socket = c->socket[0] ? c->socket : NULL;
    o->ca_file = c->ca[0] ? c->ca : NULL;
    o->cert_file = c->cert[0] ? c->cert : NULL;
    o->key_file = c->key[0] ? c->key : NULL;
    o->max_retries = 2;
    o->connect_timeout_ms = 5000;
    o->total_timeout_ms = 30000;
}

int dk_conn_open(const struct wsl_target *t, struct wsl_conn **out, struct wsl_err *err)
{
    struct wsl_conn *c = wsl_xcalloc(1, sizeof *c);
    c->target = t;
    c->cfg = t->spec.config;
    const char *ports = c->cfg && c->cfg->ports ? c->cfg->ports : DEFAULT_PORTS;
    sscanf(ports, "%d-%d", &c->port_lo, &c->port_hi);
    c->pull = !(c->cfg && c->cfg->pull && !strcmp(c->cfg->pull, "never"));
    int rc = endpoint(c, err);
    if (rc == 0) {
        fill_opts(c);
        c->pool[0].http = wsl_http_new(&c->opts, err); /* bad TLS files fail here */
        rc = c->pool[0].http ? 0 : err && err->code ? err->code : WSL_E_INVALID;
    }
    if (rc) {
        wsl_err_prefix(err, "target %s", t->metadata.name);
        free(c);
        return rc;
    }
    for (size_t i = 0; i < DK_POOL; i++)
        pthread_mutex_init(&c->pool[i].lock, NULL);
    pthread_mutex_init(&c->port_lock, NULL);
    c->route_ports = json_object();
    *out = c;
    return 0;
}

void dk_conn_close(struct wsl_conn *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < DK_POOL; i++) {
        wsl_http_free(c->pool[i].http);
        pthread_mutex_destroy(&c->pool[i].lock);
    }
    pthread_mutex_destroy(&c->port_lock);
    json_decref(c->route_ports);
    free(c);
}

/* A client of the pool, locked: a free one, else the one this thread waits for. */
static struct dk_client *take(struct wsl_conn *c)
{
    for (size_t i = 0; i < DK_POOL; i++) {
        if (pthread_mutex_trylock(&c->pool[i].lock) == 0)
            return &c->pool[i];
    }
    struct dk_client *cl = &c->pool[(size_t)pthread_self() % DK_POOL];
    pthread_mutex_lock(&cl->lock);
    return cl;
}

/* Name the engine in errors a user fixes at the engine's side. */
static int engine_error(const struct wsl_conn *c, int rc, struct wsl_err *err)
{
    if (rc == WSL_E_NET || rc == WSL_E_TIMEOUT || rc == WSL_E_TLS) {
        wsl_err_prefix(err, "the Docker Engine at %s", c->where);
        wsl_err_hint(err, "is the engine running and reachable? wissel uses the Target's "
                          "docker.host, else DOCKER_HOST, else the local socket");
    }
    return rc;
}

int dk_call(struct wsl_conn *c, const char *method, const char *path, const json_t *body,
            json_t **out, long *status, struct wsl_err *err)
{
    struct wsl_buf url = WSL_BUF_INIT;
    wsl_buf_printf(&url, "%s%s", DK_API, path);
    struct wsl_http_req req = {.method = method, .url = wsl_buf_str(&url)};
    struct dk_client *cl = take(c);
    int rc = 0;
    if (!cl->http)
        cl->http = wsl_http_new(&c->opts, err);
    rc = cl->http ? wsl_http_json_req(cl->http, &req, body, out, status, err) : WSL_E_INVALID;
    pthread_mutex_unlock(&cl->lock);
    wsl_buf_free(&url);
    return engine_error(c, rc, err);
}

int dk_raw(struct wsl_conn *c, const char *method, const char *path, const void *body,
           size_t len, const char *content_type, long timeout_ms, size_t max_bytes,
           struct wsl_http_resp *resp, struct wsl_err *err)
{
    struct wsl_http_opts o = c->opts;
    if (timeout_ms > 0) {
        o.timeout_ms = timeout_ms;
        o.total_timeout_ms = timeout_ms;
    }
    if (max_bytes)
        o.max_response_bytes = max_bytes;
    struct wsl_http *h = wsl_http_new(&o, err);
    if (!h)
        return WSL_E_INVALID;
    struct wsl_buf url = WSL_BUF_INIT;
    wsl_buf_printf(&url, "%s%s", DK_API, path);
    struct wsl_http_req req = {.method = method, .url = wsl_buf_str(&url), .body = body,
                               .body_len = len, .content_type = content_type};
    int rc = wsl_http_do(h, &req, resp, err);
    wsl_buf_free(&url);
    wsl_http_free(h);
    return engine_error(c, rc, err);
}

const char *dk_list_name(const json_t *entry)
{
    const char *n = json_string_value(json_array_get(json_object_get(entry, "Names"), 0));
    return n ? n + (*n == '/') : NULL;
}

void dk_label_filter(struct wsl_buf *out, const char *target, const char *app)
{
    struct wsl_buf t = WSL_BUF_INIT, a = WSL_BUF_INIT;
    wsl_buf_printf(&t, "%s=%s", WSL_MARK_TARGET, target);
    json_t *labels = json_pack("[s]", wsl_buf_str(&t));
    if (app) {
        wsl_buf_printf(&a, "%s=%s", WSL_MARK_APP, app);
        json_array_append_new(labels, json_string(wsl_buf_str(&a)));
    }
    json_t *f = json_pack("{s:o}", "label", labels);
    char *s = json_dumps(f, JSON_COMPACT);
    wsl_buf_put_urlencoded(out, s);
    free(s);
    json_decref(f);
    wsl_buf_free(&t);
    wsl_buf_free(&a);
}
