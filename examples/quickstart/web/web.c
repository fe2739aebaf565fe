/* web.c — the web server of the quickstart (examples/quickstart) and of the test images
 * of the docker component (tests/env/components/docker.sh).
 *
 * A tiny HTTP/1.0-style server built statically and shipped alone in a `FROM scratch`
 * image (wissel-test/web:1 and :2), so rollout and failover tests have a real container
 * whose health they can switch:
 *
 *   GET  /          200 "wissel-test/web:VERSION on HOSTNAME"
 *   GET  /version   200 "VERSION"
 *   GET  /healthz   200 "ok", or 503 "failing" after POST /fail
 *   POST /fail      /healthz answers 503 from now on
 *   POST /recover   /healthz answers 200 again
 *
 * It listens on $PORT (default 8080) on every address of the container. `web --probe`
 * asks 127.0.0.1:$PORT/healthz and exits 0 on 200, 1 otherwise: the image's HEALTHCHECK,
 * as there is no shell or curl in a scratch image. SIGTERM or SIGINT make it stop
 * accepting, answer nothing more and exit 0 (a rolling update stops it that way).
 *
 * One thread and poll(): at most MAX_CLIENTS connections at a time, each with a request
 * of at most REQ_MAX bytes that must arrive within CLIENT_SECONDS, answered once and
 * closed. No keep-alive, no chunked bodies: the clients are curl, docker and wissel.
 *
 * VERSION is baked in at build time: gcc -DVERSION='"1"'.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#ifndef VERSION
#define VERSION "dev"
#endif

#define MAX_CLIENTS 64
#define REQ_MAX 4096
#define CLIENT_SECONDS 5

struct client {
    int fd;                  /* -1: the slot is free */
    time_t deadline;         /* closed unanswered after this */
    size_t len;              /* bytes of the request in buf */
    char buf[REQ_MAX + 1];
};

static volatile sig_atomic_t stopping;
static bool failing;         /* what /healthz answers: false 200, true 503 */
static char hostname[256];

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static int port_from_env(void)
{
    const char *s = getenv("PORT");
    char *end;
    long p;

    if (!s || !*s)
        return 8080;
    p = strtol(s, &end, 10);
    if (*end || p < 1 || p > 65535) {
        fprintf(stderr, "web: PORT=%s is not a port number\n", s);
        exit(2);
    }
    return (int)p;
}

/* send_all: write the whole answer; the client may have gone, which is not our problem. */
static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void reply(int fd, bool head, int status, const char *reason, const char *body)
{
    char out[1024];
    int n = snprintf(out, sizeof out,
                     "HTTP/1.1 %d %s\r\n"
                     "Content-Type: text/plain\r\n"
                     "Content-Length: %zu\r\n"
                     "Connection: close\r\n"
                     "\r\n%s",
                     status, reason, strlen(body), head ? "" : body);
    if (n > 0)
        send_all(fd, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1);
}

/* answer: route one request line ("METHOD PATH ...") and write the response. */
static void answer(int fd, const char *method, const char *path)
{
    bool get = strcmp(method, "GET") == 0, head = strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;
    char body[512];
    int status = 200;

    if (strcmp(path, "/healthz") == 0 && (get || head)) {
        if (failing)
            reply(fd, head, 503, "Service Unavailable", "failing\n");
        else
            reply(fd, head, 200, "OK", "ok\n");
    } else if (strcmp(path, "/") == 0 && (get || head)) {
        snprintf(body, sizeof body, "wissel-test/web:%s on %s\n", VERSION, hostname);
        reply(fd, head, 200, "OK", body);
    } else if (strcmp(path, "/version") == 0 && (get || head)) {
        reply(fd, head, 200, "OK", VERSION "\n");
    } else if ((strcmp(path, "/fail") == 0 || strcmp(path, "/recover") == 0) && post) {
        failing = strcmp(path, "/fail") == 0;
        fprintf(stderr, "web: /healthz now answers %s\n", failing ? "503" : "200");
        reply(fd, false, 200, "OK", failing ? "failing\n" : "ok\n");
    } else if (strcmp(path, "/") == 0 || strcmp(path, "/version") == 0 ||
               strcmp(path, "/healthz") == 0 || strcmp(path, "/fail") == 0 ||
               strcmp(path, "/recover") == 0) {
        status = 405;
        reply(fd, head, status, "Method Not Allowed", "method not allowed\n");
    } else {
        status = 404;
        reply(fd, head, status, "Not Found", "not found\n");
    }
    if (status != 200)
        fprintf(stderr, "web: %s %s: %d\n", method, path, status);
}

/* request_complete: the headers have ended and the body announced by Content-Length (if
 * any) has arrived, so closing will not reset the connection under the client's feet. */
static bool request_complete(const struct client *c)
{
    const char *end = strstr(c->buf, "\r\n\r\n");
    const char *cl;
    size_t hlen, want = 0;

    if (!end)
        return false;
    hlen = (size_t)(end - c->buf) + 4;
    for (cl = c->buf; (cl = strchr(cl, '\n')) != NULL && cl < end; cl++)
        if (strncasecmp(cl + 1, "Content-Length:", 15) == 0)
            want = strtoul(cl + 16, NULL, 10);
    return c->len >= hlen + want || c->len >= REQ_MAX;
}

static void client_close(struct client *c)
{
    close(c->fd);
    c->fd = -1;
}

/* client_read: take what the client sent; answer and close once the request is whole. */
static void client_read(struct client *c)
{
    char method[16], path[256];
    ssize_t r = recv(c->fd, c->buf + c->len, REQ_MAX - c->len, 0);

    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r <= 0) {
        client_close(c);
        return;
    }
    c->len += (size_t)r;
    c->buf[c->len] = '\0';
    if (!request_complete(c))
        return;
    if (sscanf(c->buf, "%15s %255s", method, path) == 2)
        answer(c->fd, method, path);
    else
        reply(c->fd, false, 400, "Bad Request", "bad request\n");
    shutdown(c->fd, SHUT_WR);
    client_close(c);
}

static int listen_on(int port)
{
    struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port),
                              .sin6_addr = IN6ADDR_ANY_INIT };
    struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_ANY) };
    int one = 1, zero = 0;
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);

    /* Both families on one socket when the container has IPv6; plain IPv4 otherwise. */
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 64) == 0)
            return fd;
        close(fd);
    }
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("web: socket");
        exit(1);
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&a4, sizeof a4) != 0 || listen(fd, 64) != 0) {
        fprintf(stderr, "web: cannot listen on port %d: %s\n", port, strerror(errno));
        exit(1);
    }
    return fd;
}

static int serve(int port)
{
    static struct client clients[MAX_CLIENTS];
    struct pollfd pfd[MAX_CLIENTS + 1];
    struct sigaction sa = { .sa_handler = on_signal };
    int lfd = listen_on(port);
    int i;

    sigaction(SIGTERM, &sa, NULL); /* no SA_RESTART: poll() returns and we stop */
    sigaction(SIGINT, &sa, NULL);
    if (gethostname(hostname, sizeof hostname - 1) != 0)
        strcpy(hostname, "unknown");
    for (i = 0; i < MAX_CLIENTS; i++)
        clients[i].fd = -1;
    fprintf(stderr, "web: wissel-test/web:%s listening on port %d\n", VERSION, port);

    while (!stopping) {
        time_t now = time(NULL);
        int nfds = 0, free_slot = -1;

        for (i = 0; i < MAX_CLIENTS; i++) {
            if (clients[i].fd >= 0 && now > clients[i].deadline)
                client_close(&clients[i]);
            if (clients[i].fd < 0 && free_slot < 0)
                free_slot = i;
        }
        /* pfd[0] is the listener, polled only while a slot is free. */
        pfd[nfds++] = (struct pollfd){ .fd = free_slot >= 0 ? lfd : -1, .events = POLLIN };
        for (i = 0; i < MAX_CLIENTS; i++)
            pfd[nfds++] = (struct pollfd){ .fd = clients[i].fd, .events = POLLIN };

        if (poll(pfd, (nfds_t)nfds, 1000) < 0) {
            if (errno == EINTR)
                continue;
            perror("web: poll");
            return 1;
        }
        for (i = 0; i < MAX_CLIENTS; i++)
            if (clients[i].fd >= 0 && (pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
                client_read(&clients[i]);
        if (free_slot >= 0 && (pfd[0].revents & POLLIN)) {
            int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd >= 0)
                clients[free_slot] = (struct client){ .fd = fd, .deadline = now + CLIENT_SECONDS };
        }
    }
    fprintf(stderr, "web: stopping on signal\n");
    for (i = 0; i < MAX_CLIENTS; i++)
        if (clients[i].fd >= 0)
            client_close(&clients[i]);
    close(lfd);
    return 0;
}

/* probe: GET /healthz on 127.0.0.1:port; 0 when it answers 200 within 2 s. */
static int probe(int port)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    struct timeval tv = { .tv_sec = 2 };
    const char req[] = "GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n";
    char buf[64] = "";
    size_t len = 0;
    ssize_t r;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0)
        return 1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        fprintf(stderr, "web --probe: cannot connect to port %d: %s\n", port, strerror(errno));
        close(fd);
        return 1;
    }
    send_all(fd, req, sizeof req - 1);
    while (len < sizeof buf - 1 && (r = recv(fd, buf + len, sizeof buf - 1 - len, 0)) > 0)
        len += (size_t)r;
    buf[len] = '\0';
    close(fd);
    if (strncmp(buf, "HTTP/1.1 200 ", 13) == 0)
        return 0;
    fprintf(stderr, "web --probe: /healthz answered \"%.20s\"\n", buf);
    return 1;
}

int main(int argc, char **argv)
{
    int port = port_from_env();

    if (argc == 2 && strcmp(argv[1], "--probe") == 0)
        return probe(port);
    if (argc != 1) {
        fprintf(stderr, "usage: web [--probe]   (listens on $PORT, default 8080)\n");
        return 2;
    }
    return serve(port);
}
