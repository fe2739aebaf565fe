/*
 * testsrv_tls.c — throw-away PKI (openssl command) and the minimal HTTP/2 responder
 * (OpenSSL API) of testsrv.h.
 *
 * Why a hand-written HTTP/2 answer: libmicrohttpd speaks HTTP/1.1 only, and no HTTP/2
 * server library is among the project's dependencies. Answering one request needs little:
 * after ALPN selected "h2" and the client's 24-byte preface arrived, the server sends its
 * SETTINGS, acknowledges the client's, and answers stream 1 with a HEADERS frame (HPACK:
 * ":status: 200" from the static table, content-type as a literal) and one DATA frame
 * that ends the stream. The client is real libcurl with nghttp2, so a pass means the
 * client negotiated and spoke HTTP/2 on the wire.
 *
 * With a client CA it also stands in for servers such as nginx or Go's that refuse a
 * missing client certificate with a TLS alert (libmicrohttpd just closes the connection).
 */
#include "tests/unit/helpers/testsrv.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void tls_die(const char *what)
{
    fprintf(stderr, "testsrv: %s\n", what);
    ERR_print_errors_fp(stderr);
    abort();
}

/* --- PKI ------------------------------------------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "testsrv: cannot read %s: %s\n", path, strerror(errno));
        abort();
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = calloc(1, (size_t)n + 1);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n)
        abort();
    fclose(f);
    return p;
}

static void run(const char *dir, const char *cmd)
{
    char full[2048];
    snprintf(full, sizeof full, "cd %s && %s >/dev/null 2>&1", dir, cmd);
    if (system(full) != 0) {
        fprintf(stderr, "testsrv: command failed: %s\n", full);
        abort();
    }
}

#define NEWKEY "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
#define SIGN "openssl x509 -req -days 2 -CA ca.crt -CAkey ca.key -CAcreateserial"

static void make_leaf(const char *dir, const char *name, const char *cn, const char *ext)
{
    char cmd[1024];
    FILE *f;
    snprintf(cmd, sizeof cmd, "%s/%s.ext", dir, name);
    if (!(f = fopen(cmd, "w")))
        abort();
    fprintf(f, "basicConstraints=CA:FALSE\n%s\n", ext);
    fclose(f);
    snprintf(cmd, sizeof cmd, NEWKEY " -keyout %s.key -out %s.csr -subj /CN=%s", name, name, cn);
    run(dir, cmd);
    snprintf(cmd, sizeof cmd, SIGN " -in %s.csr -out %s.crt -extfile %s.ext", name, name, name);
    run(dir, cmd);
}

void testsrv_pki_make(struct testsrv_pki *pki)
{
    memset(pki, 0, sizeof *pki);
    snprintf(pki->dir, sizeof pki->dir, "/tmp/wsl-testsrv-XXXXXX");
    if (!mkdtemp(pki->dir))
        abort();
    run(pki->dir, "openssl req -x509 -days 2 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
                  "-nodes -keyout ca.key -out ca.crt -subj '/CN=wissel test CA' "
                  "-addext basicConstraints=critical,CA:TRUE "
                  "-addext keyUsage=critical,keyCertSign,cRLSign");
    make_leaf(pki->dir, "server", "127.0.0.1",
              "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth");
    make_leaf(pki->dir, "wrong", "wrong.example",
              "subjectAltName=DNS:wrong.example\nextendedKeyUsage=serverAuth");
    make_leaf(pki->dir, "client", "wissel-client", "extendedKeyUsage=clientAuth");
    snprintf(pki->ca_file, sizeof pki->ca_file, "%s/ca.crt", pki->dir);
    snprintf(pki->server_cert_file, sizeof pki->server_cert_file, "%s/server.crt", pki->dir);
    snprintf(pki->server_key_file, sizeof pki->server_key_file, "%s/server.key", pki->dir);
    snprintf(pki->client_cert_file, sizeof pki->client_cert_file, "%s/client.crt", pki->dir);
    snprintf(pki->client_key_file, sizeof pki->client_key_file, "%s/client.key", pki->dir);
    char path[192];
    pki->ca_pem = slurp(pki->ca_file);
    pki->server_cert_pem = slurp(pki->server_cert_file);
    pki->server_key_pem = slurp(pki->server_key_file);
    pki->client_cert_pem = slurp(pki->client_cert_file);
    pki->client_key_pem = slurp(pki->client_key_file);
    snprintf(path, sizeof path, "%s/wrong.crt", pki->dir);
    pki->wrong_cert_pem = slurp(path);
    snprintf(path, sizeof path, "%s/wrong.key", pki->dir);
    pki->wrong_key_pem = slurp(path);
}

void testsrv_pki_free(struct testsrv_pki *pki)
{
    DIR *d = opendir(pki->dir);
    struct dirent *e;
    char path[512];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", pki->dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(pki->dir);
    free(pki->ca_pem);
    free(pki->server_cert_pem);
    free(pki->server_key_pem);
    free(pki->wrong_cert_pem);
    free(pki->wrong_key_pem);
    free(pki->client_cert_pem);
    free(pki->client_key_pem);
    memset(pki, 0, sizeof *pki);
}

/* --- HTTP/2 responder ------------------------------------------------------------------------ */

struct testsrv_h2 {
    int lfd, port;
    SSL_CTX *ctx;
    pthread_t thread;
    atomic_bool stop;
    char *body;
    char alpn[128];
    bool saw_preface;
};

static const char PREFACE[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static int on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                   const unsigned char *in, unsigned inlen, void *arg)
{
    struct testsrv_h2 *s = arg;
    int rc = SSL_TLSEXT_ERR_NOACK;
    for (unsigned i = 0; i < inlen; i += 1u + in[i]) {
        unsigned n = in[i];
        if (i + 1 + n > inlen)
            break;
        size_t used = strlen(s->alpn);
        snprintf(s->alpn + used, sizeof s->alpn - used, "%s%.*s", used ? "," : "", (int)n,
                 (const char *)in + i + 1);
        if (n == 2 && memcmp(in + i + 1, "h2", 2) == 0) {
            *out = in + i + 1;
            *outlen = 2;
            rc = SSL_TLSEXT_ERR_OK;
        }
    }
    return rc;
}

static void frame_header(unsigned char *p, size_t len, unsigned type, unsigned flags,
                         unsigned stream)
{
    p[0] = (unsigned char)(len >> 16);
    p[1] = (unsigned char)(len >> 8);
    p[2] = (unsigned char)len;
    p[3] = (unsigned char)type;
    p[4] = (unsigned char)flags;
    p[5] = (unsigned char)(stream >> 24);
    p[6] = (unsigned char)(stream >> 16);
    p[7] = (unsigned char)(stream >> 8);
    p[8] = (unsigned char)stream;
}

static bool send_all(SSL *ssl, const void *p, size_t n)
{
    return SSL_write(ssl, p, (int)n) == (int)n;
}

/* SETTINGS, SETTINGS ack, HEADERS (200, application/json), DATA (body, END_STREAM). */
static void send_answer(struct testsrv_h2 *s, SSL *ssl)
{
    enum { DATA = 0, HEADERS = 1, SETTINGS = 4 };
    enum { ACK = 1, END_STREAM = 1, END_HEADERS = 4 };
    unsigned char f[9];
    frame_header(f, 0, SETTINGS, 0, 0);
    send_all(ssl, f, 9);
    frame_header(f, 0, SETTINGS, ACK, 0);
    send_all(ssl, f, 9);
    static const unsigned char block[] = {
        0x88,             /* indexed field 8: ":status: 200" */
        0x0f, 0x10,       /* literal, name index 31 (content-type), 4-bit prefix 15 + 16 */
        0x10,             /* value: 16 octets, no Huffman */
        'a', 'p', 'p', 'l', 'i', 'c', 'a', 't', 'i', 'o', 'n', '/', 'j', 's', 'o', 'n'};
    frame_header(f, sizeof block, HEADERS, END_HEADERS, 1);
    send_all(ssl, f, 9);
    send_all(ssl, block, sizeof block);
    size_t n = strlen(s->body);
    frame_header(f, n, DATA, END_STREAM, 1);
    send_all(ssl, f, 9);
    send_all(ssl, s->body, n);
}

/* Wait until fd is readable or the server stops; false when stopping. */
static bool wait_readable(struct testsrv_h2 *s, int fd)
{
    while (!atomic_load(&s->stop)) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 50) > 0)
            return true;
    }
    return false;
}

static void *h2_main(void *arg)
{
    struct testsrv_h2 *s = arg;
    if (!wait_readable(s, s->lfd))
        return NULL;
    int fd = accept(s->lfd, NULL, NULL);
    if (fd < 0)
        return NULL;
    SSL *ssl = SSL_new(s->ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
        char got[sizeof PREFACE - 1];
        size_t have = 0;
        while (have < sizeof got && wait_readable(s, fd)) {
            int n = SSL_read(ssl, got + have, (int)(sizeof got - have));
            if (n <= 0)
                break;
            have += (size_t)n;
        }
        s->saw_preface = have == sizeof got && memcmp(got, PREFACE, sizeof got) == 0;
        if (s->saw_preface)
            send_answer(s, ssl);
        char drain[4096]; /* until the client hangs up */
        while (SSL_pending(ssl) || wait_readable(s, fd)) {
            if (SSL_read(ssl, drain, sizeof drain) <= 0)
                break;
        }
    } else {
        /* Handshake refused: the alert is on its way. Read what the client still sends
         * before closing, so the kernel does not answer it with a reset that overtakes the
         * alert (a lingering close, as nginx does). */
        char drain[4096];
        shutdown(fd, SHUT_WR);
        while (wait_readable(s, fd) && read(fd, drain, sizeof drain) > 0)
            ;
    }
    SSL_free(ssl);
    close(fd);
    return NULL;
}

struct testsrv_h2 *testsrv_h2_start(const char *cert_file, const char *key_file,
                                    const char *client_ca_file, const char *body)
{
    struct testsrv_h2 *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->body = strdup(body);
    s->ctx = SSL_CTX_new(TLS_server_method());
    if (!s->ctx || SSL_CTX_use_certificate_chain_file(s->ctx, cert_file) != 1 ||
        SSL_CTX_use_PrivateKey_file(s->ctx, key_file, SSL_FILETYPE_PEM) != 1)
        tls_die("cannot load the HTTP/2 server's certificate");
    SSL_CTX_set_alpn_select_cb(s->ctx, on_alpn, s);
    if (client_ca_file) {
        if (SSL_CTX_load_verify_locations(s->ctx, client_ca_file, NULL) != 1)
            tls_die("cannot load the client CA");
        SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    }
    s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof sa) || listen(s->lfd, 4) ||
        getsockname(s->lfd, (struct sockaddr *)&sa, &len))
        tls_die("cannot listen for the HTTP/2 server");
    s->port = ntohs(sa.sin_port);
    if (pthread_create(&s->thread, NULL, h2_main, s))
        tls_die("cannot start the HTTP/2 server thread");
    return s;
}

int testsrv_h2_port(const struct testsrv_h2 *s)
{
    return s->port;
}

void testsrv_h2_stop(struct testsrv_h2 *s, char *alpn, size_t alpn_len, bool *saw_preface)
{
    atomic_store(&s->stop, true);
    pthread_join(s->thread, NULL);
    if (alpn)
        snprintf(alpn, alpn_len, "%s", s->alpn);
    if (saw_preface)
        *saw_preface = s->saw_preface;
    close(s->lfd);
    SSL_CTX_free(s->ctx);
    free(s->body);
    free(s);
}
