/*
 * transport.c — the server's address, and one request/answer exchange over UDP or TCP
 * (see client.h for the rules).
 *
 * UDP: one connected socket per address (so the kernel drops datagrams from elsewhere),
 * kept for all attempts, so that a slow answer to an earlier attempt still counts. Attempt
 * i goes to address i modulo their number; each waits timeout_ms. A datagram that does not
 * match the request is ignored, and its reason shows in the time-out message.
 *
 * TCP (RFC 1035 §4.2.2): a two-byte length before each message; one connection, the
 * whole exchange within timeout_ms; the addresses are tried in turn until one connects.
 */
#include "providers/rfc2136/client.h"

#include "lib/units.h"
#include "providers/rfc2136/internal.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_ADDRS 4

/* --- the address ------------------------------------------------------------------- */

static int bad_server(struct wsl_err *err, const char *server, const char *why)
{
    wsl_err_set(err, WSL_E_INVALID, "DNS server \"%.200s\": %s", server, why);
    wsl_err_hint(err, "write host:port, such as ns1.example.org:53, 192.0.2.53:53 or "
                      "[2001:db8::53]:53");
    return WSL_E_INVALID;
}

static bool valid_port(const char *p)
{
    if (!*p || strlen(p) > 5 || strspn(p, "0123456789") != strlen(p))
        return false;
    long v = strtol(p, NULL, 10);
    return v >= 1 && v <= 65535;
}

int wsl_dns_client_init(struct wsl_dns_client *c, const char *server,
                        const struct wsl_tsig_key *key, struct wsl_err *err)
{
    memset(c, 0, sizeof *c);
    c->key = key;
    c->timeout_ms = WSL_DNS_TIMEOUT_MS;
    c->attempts = WSL_DNS_ATTEMPTS;
    if (!server || !*server || strlen(server) >= sizeof c->server)
        return bad_server(err, server ? server : "", "empty or too long");
    snprintf(c->server, sizeof c->server, "%s", server);
    const char *host = server, *port = "53";
    size_t hlen = strlen(server);
    const char *colon = strchr(server, ':');
    if (server[0] == '[') {
        const char *close = strchr(server, ']');
        if (!close || (close[1] && close[1] != ':'))
            return bad_server(err, server, "an IPv6 address in brackets must be followed by "
                                           "nothing or :port");
        host = server + 1;
        hlen = (size_t)(close - host);
        port = close[1] ? close + 2 : port;
    } else if (colon && !strchr(colon + 1, ':')) {
        hlen = (size_t)(colon - server);
        port = colon + 1;
    } /* else a host name or a bare IPv6 address: port 53 */
    if (hlen == 0 || hlen >= sizeof c->host)
        return bad_server(err, server, "no host, or a host name that is too long");
    if (!valid_port(port))
        return bad_server(err, server, "the port must be a number from 1 to 65535");
    memcpy(c->host, host, hlen);
    c->host[hlen] = '\0';
    snprintf(c->port, sizeof c->port, "%s", port);
    return 0;
}

static int resolve(const struct wsl_dns_client *c, int socktype, struct addrinfo **out,
                   struct wsl_err *err)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = socktype,
                             .ai_flags = AI_NUMERICSERV};
    int rc = getaddrinfo(c->host, c->port, &hints, out);
    if (rc == 0)
        return 0;
    wsl_err_set(err, WSL_E_NET, "cannot resolve %s: %s", c->host, gai_strerror(rc));
    wsl_err_hint(err, "check the host name in the Target's server, or write an address");
    return WSL_E_NET;
}

static const char *errstr(int e, char *buf, size_t n)
{
    return strerror_r(e, buf, n);
}

/* --- matching an answer ------------------------------------------------------------ */

/* 0 with out filled when data is the answer x waits for; otherwise why says what it is.
 * Over UDP a truncated answer counts as soon as its header matches, whatever follows. */
static int answer_matches(const struct dns_expect *x, const unsigned char *data, size_t len,
                          bool udp, struct wsl_dns_msg *out, char *why, size_t n)
{
    if (len < 12) {
        snprintf(why, n, "an answer of %zu bytes", len);
        return -1;
    }
    unsigned id = dns_get16(data), flags = dns_get16(data + 2);
    if (id != x->id || !(flags & 0x8000)) {
        snprintf(why, n, "a message with ID %u that is not our answer", id);
        return -1;
    }
    struct wsl_err perr = {0};
    if (wsl_dns_parse(data, len, out, &perr)) {
        if (udp && (flags & 0x0200)) { /* truncated: the rest is asked for over TCP */
            out->tc = true;
            return 0;
        }
        snprintf(why, n, "a %s", perr.msg);
        return -1;
    }
    const struct wsl_dns_question *q = out->nqd == 1 ? &out->qd[0] : NULL;
    if (out->opcode != x->opcode)
        snprintf(why, n, "an answer with opcode %u to a request with opcode %u", out->opcode,
                 x->opcode);
    else if (out->nqd == 0 && out->rcode == WSL_DNS_NOERROR && !out->tc)
        snprintf(why, n, "an answer without the question");
    else if (out->nqd > 1 || (q && (!wsl_dns_name_equal(q->name, x->qname) ||
                                    q->type != x->qtype || q->qclass != WSL_DNS_IN)))
        snprintf(why, n, "an answer to another question (%.300s)", q ? q->name : "several");
    else
        return 0;
    wsl_dns_msg_free(out);
    return -1;
}

/* --- UDP --------------------------------------------------------------------------- */

/* Wait up to ms for the answer on fd: 0 found, 1 time out, -1 socket error (*e). */
static int udp_wait(int fd, int ms, const struct dns_expect *x, unsigned char *buf,
                    struct wsl_dns_msg *out, char *why, size_t n, int *e)
{
    int64_t deadline = wsl_monotonic_ms() + ms;
    for (;;) {
        int64_t left = deadline - wsl_monotonic_ms();
        if (left <= 0)
            return 1;
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno != EINTR) {
            *e = errno;
            return -1;
        }
        if (r <= 0)
            continue;
        ssize_t k = recv(fd, buf, 65535, 0);
        if (k < 0 && errno != EINTR && errno != EAGAIN) {
            *e = errno;
            return -1;
        }
        if (k >= 0 && answer_matches(x, buf, (size_t)k, true, out, why, n) == 0)
            return 0;
    }
}

static int udp_socket(const struct addrinfo *a, int *e)
{
    int fd = socket(a->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) == 0)
        return fd;
    *e = errno;
    if (fd >= 0)
        close(fd);
    return -1;
}

struct udp_try {
    int timeouts, sockerr;
    char why[512]; /* the last datagram ignored */
};

static int udp_failed(const struct wsl_dns_client *c, const struct udp_try *t,
                      struct wsl_err *err)
{
    char e[128];
    if (t->timeouts == 0 && t->sockerr) {
        wsl_err_set(err, WSL_E_NET, "%s over UDP",
                    t->sockerr == ECONNREFUSED ? "nothing answers on that port"
                                               : errstr(t->sockerr, e, sizeof e));
        wsl_err_hint(err, "check the server's address and port in the Target, and that the "
                          "server is running");
        return WSL_E_NET;
    }
    wsl_err_set(err, WSL_E_TIMEOUT, "no answer within %d ms (%d attempts over UDP)%s%s",
                c->timeout_ms, c->attempts, t->why[0] ? "; ignored " : "", t->why);
    wsl_err_hint(err, "check the server's address and port in the Target, and that a "
                      "firewall lets DNS through");
    return WSL_E_TIMEOUT;
}

static int udp_exchange(const struct wsl_dns_client *c, const struct wsl_buf *req,
                        const struct dns_expect *x, struct wsl_dns_msg *out,
                        struct wsl_err *err)
{
    struct addrinfo *ai;
    int rc = resolve(c, SOCK_DGRAM, &ai, err);
    if (rc)
        return rc;
    const struct addrinfo *addr[MAX_ADDRS];
    int fds[MAX_ADDRS];
    size_t n = 0;
    for (const struct addrinfo *a = ai; a && n < MAX_ADDRS; a = a->ai_next, n++) {
        addr[n] = a;
        fds[n] = -1;
    }
    unsigned char *buf = wsl_xmalloc(65535);
    struct udp_try t = {0};
    int got = 1;
    for (int i = 0; i < (c->attempts > 0 ? c->attempts : 1) && got != 0; i++) {
        size_t k = (size_t)i % n;
        if (fds[k] < 0 && (fds[k] = udp_socket(addr[k], &t.sockerr)) < 0)
            continue;
        if (send(fds[k], req->data, req->len, 0) < 0) {
            t.sockerr = errno;
            continue;
        }
        got = udp_wait(fds[k], c->timeout_ms, x, buf, out, t.why, sizeof t.why, &t.sockerr);
        t.timeouts += got == 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (fds[i] >= 0)
            close(fds[i]);
    }
    free(buf);
    freeaddrinfo(ai);
    return got == 0 ? 0 : udp_failed(c, &t, err);
}

/* --- TCP --------------------------------------------------------------------------- */

/* 1 when fd is ready for events, 0 at the deadline, -1 on error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - wsl_monotonic_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {fd, events, 0};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        return r < 0 ? -1 : r > 0;
    }
}

/* Send or receive exactly n bytes: 0 done, 1 time out, -1 error (*e; 0 for end of file). */
static int io_all(int fd, bool writing, unsigned char *p, size_t n, int64_t deadline, int *e)
{
    while (n > 0) {
        int w = wait_fd(fd, writing ? POLLOUT : POLLIN, deadline);
        if (w <= 0) {
            *e = errno;
            return w == 0 ? 1 : -1;
        }
        ssize_t k = writing ? send(fd, p, n, MSG_NOSIGNAL) : recv(fd, p, n, 0);
        if (k < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (k <= 0) {
            *e = k < 0 ? errno : 0;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int tcp_connect(const struct addrinfo *a, int64_t deadline, int *e)
{
    int fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        *e = errno;
        return -1;
    }
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
        return fd;
    int so = errno;
    if (so == EINPROGRESS) {
        int w = wait_fd(fd, POLLOUT, deadline);
        socklen_t sl = sizeof so;
        if (w <= 0)
            so = w == 0 ? ETIMEDOUT : errno;
        else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl) != 0)
            so = errno;
    }
    if (so == 0)
        return fd;
    *e = so;
    close(fd);
    return -1;
}

static int tcp_connect_any(const struct wsl_dns_client *c, int64_t deadline, struct wsl_err *err)
{
    struct addrinfo *ai;
    int rc = resolve(c, SOCK_STREAM, &ai, err);
    if (rc)
        return rc;
    int fd = -1, e = 0;
    for (const struct addrinfo *a = ai; a && fd < 0; a = a->ai_next)
        fd = tcp_connect(a, deadline, &e);
    freeaddrinfo(ai);
    if (fd >= 0)
        return fd;
    char s[128];
    if (e == ETIMEDOUT)
        wsl_err_set(err, WSL_E_TIMEOUT, "no TCP connection within %d ms", c->timeout_ms);
    else
        wsl_err_set(err, WSL_E_NET, "cannot connect over TCP: %s", errstr(e, s, sizeof s));
    wsl_err_hint(err, "check the server's address and port in the Target, and that the "
                      "server accepts TCP (RFC 7766)");
    return e == ETIMEDOUT ? WSL_E_TIMEOUT : WSL_E_NET;
}

/* Send req and read one answer into *body (*len bytes): 0, 1 time out, -1 error (*e). */
static int tcp_roundtrip(int fd, const struct wsl_buf *req, int64_t deadline,
                         unsigned char **body, size_t *len, int *e)
{
    unsigned char *out = wsl_xmalloc(req->len + 2), hdr[2];
    dns_set16(out, (unsigned)req->len);
    memcpy(out + 2, req->data, req->len);
    int r = io_all(fd, true, out, req->len + 2, deadline, e);
    free(out);
    if (r == 0)
        r = io_all(fd, false, hdr, 2, deadline, e);
    if (r)
        return r;
    *len = dns_get16(hdr);
    *body = wsl_xmalloc(*len ? *len : 1);
    return io_all(fd, false, *body, *len, deadline, e);
}

static int tcp_exchange(const struct wsl_dns_client *c, const struct wsl_buf *req,
                        const struct dns_expect *x, struct wsl_dns_msg *out,
                        struct wsl_err *err)
{
    int64_t deadline = wsl_monotonic_ms() + c->timeout_ms;
    int fd = tcp_connect_any(c, deadline, err);
    if (fd < 0)
        return fd;
    unsigned char *body = NULL;
    size_t len = 0;
    int e = 0, r = tcp_roundtrip(fd, req, deadline, &body, &len, &e);
    close(fd);
    char why[512], s[128];
    int rc = 0;
    if (r == 1)
        rc = wsl_err_set(err, WSL_E_TIMEOUT, "no answer within %d ms over TCP", c->timeout_ms);
    else if (r < 0 && e)
        rc = wsl_err_set(err, WSL_E_NET, "TCP: %s", errstr(e, s, sizeof s));
    else if (r < 0)
        rc = wsl_err_set(err, WSL_E_NET, "the server closed the TCP connection before "
                         "answering");
    else if (answer_matches(x, body, len, false, out, why, sizeof why))
        rc = wsl_err_set(err, WSL_E_INVALID, "the answer over TCP is %s", why);
    free(body);
    return rc;
}

/* --- both -------------------------------------------------------------------------- */

int dns_exchange(const struct wsl_dns_client *c, const struct wsl_buf *req,
                 const struct dns_expect *x, struct wsl_dns_msg *out, struct wsl_err *err)
{
    memset(out, 0, sizeof *out);
    if (!c->tcp && req->len <= WSL_DNS_UDP_MAX) {
        int rc = udp_exchange(c, req, x, out, err);
        if (rc || !out->tc)
            return rc;
        wsl_dns_msg_free(out); /* truncated: ask again over TCP */
    }
    return tcp_exchange(c, req, x, out, err);
}
