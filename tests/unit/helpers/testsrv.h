/*
 * testsrv.h — real HTTP(S) servers on loopback for tests, which can be told to fail.
 *
 * testsrv: libmicrohttpd on 127.0.0.1 (ephemeral port) or on a unix socket, plain HTTP or
 * TLS, optionally requiring a client certificate. Each path has a queue of scripted answers
 * (status, headers, body, a delay, or an abrupt close / a truncated body); a path whose
 * queue is empty gets 200 and its request body echoed back (or {"ok":true} when there was
 * none). Every request is recorded — method, path, query, headers, body, the client's port
 * and a per-connection id — so tests can assert on what really arrived and how often.
 *
 * testsrv_h2: a minimal HTTP/2-over-TLS responder (OpenSSL) for one connection: it records
 * the ALPN protocols the client offered, selects h2, checks the client's connection preface
 * and answers stream 1 with 200 and a JSON body in hand-written frames. It can require a
 * client certificate the way OpenSSL-based servers do (a refusal is a TLS alert).
 *
 * testsrv_pki: a throw-away CA, server certificates and a client certificate made with the
 * openssl command in a mkdtemp directory.
 *
 * Everything here is for tests: failures abort with a message rather than return.
 */
#ifndef WSL_TESTSRV_H
#define WSL_TESTSRV_H

#include <stdbool.h>
#include <stddef.h>

enum testsrv_action {
    TESTSRV_ANSWER = 0, /* send the answer */
    TESTSRV_CLOSE,      /* close the connection without any answer */
    TESTSRV_TRUNCATE    /* announce a longer body than is sent, then close */
};

struct testsrv_answer {
    int status;              /* 0 means 200 */
    const char *headers[4];  /* extra "Name: value" lines; unused slots NULL */
    const char *body;        /* NULL means empty; Content-Type defaults to application/json */
    int delay_ms;            /* wait this long before answering */
    enum testsrv_action action;
};

struct testsrv_opts {
    const char *cert_pem;      /* serve HTTPS with this certificate ... */
    const char *key_pem;       /* ... and key */
    const char *client_ca_pem; /* require a client certificate issued by this CA */
    const char *unix_path;     /* listen on a unix socket at this path instead of TCP */
};

#define TESTSRV_MAX_HEADERS 32

struct testsrv_request {
    char method[16];
    char path[512];
    char query[512]; /* "k=v&k2=v2" as decoded by the server, "" when none */
    char *hname[TESTSRV_MAX_HEADERS];
    char *hval[TESTSRV_MAX_HEADERS];
    size_t nheaders;
    char *body; /* NUL-terminated */
    size_t body_len;
    int remote_port;           /* TCP only, else 0 */
    unsigned long conn_id;     /* the same for requests on one connection */
    bool client_cert_verified; /* TLS with client_ca_pem: the client's certificate checked out */
};

struct testsrv;

/* Start a server (NULL opts: plain HTTP on TCP). Aborts on failure. */
struct testsrv *testsrv_start(const struct testsrv_opts *opts);
/* Stop it (waking any delayed answer at once) and free everything. NULL is allowed. */
void testsrv_stop(struct testsrv *s);
/* "http://127.0.0.1:PORT", "https://127.0.0.1:PORT" or, on a unix socket, "http://localhost". */
const char *testsrv_url(const struct testsrv *s);
int testsrv_port(const struct testsrv *s);
/* Queue an answer for requests to `path` (the path without the query). Strings are copied. */
void testsrv_push(struct testsrv *s, const char *path, const struct testsrv_answer *a);
/* How many requests arrived for `path`, or in all when path is NULL. */
size_t testsrv_count(struct testsrv *s, const char *path);
/* The i-th request received (from 0), or NULL. Valid until testsrv_stop(). */
const struct testsrv_request *testsrv_request(struct testsrv *s, size_t i);
/* The value of a recorded request header (case-insensitive), or NULL. */
const char *testsrv_header(const struct testsrv_request *r, const char *name);
/* A TCP port on 127.0.0.1 on which nothing listens (bound, then closed). */
int testsrv_unused_port(void);

struct testsrv_h2;

/* Start an HTTP/2 responder on 127.0.0.1 that answers `body` to one request. With
 * client_ca_file, a client certificate issued by that CA is required: without one the
 * handshake fails with the TLS alert real servers send. */
struct testsrv_h2 *testsrv_h2_start(const char *cert_file, const char *key_file,
                                    const char *client_ca_file, const char *body);
int testsrv_h2_port(const struct testsrv_h2 *s);
/* Stop and join; the client should have closed its connection first. Fills the results:
 * the ALPN protocols the client offered ("h2,http/1.1") and whether its first bytes were
 * the HTTP/2 connection preface. Frees the server. */
void testsrv_h2_stop(struct testsrv_h2 *s, char *alpn, size_t alpn_len, bool *saw_preface);

/* A CA, a server certificate for 127.0.0.1 and localhost, a server certificate for
 * wrong.example only, and a client certificate, as files in dir and as PEM text. */
struct testsrv_pki {
    char dir[64];
    char ca_file[128], server_cert_file[128], server_key_file[128];
    char client_cert_file[128], client_key_file[128];
    char *ca_pem, *server_cert_pem, *server_key_pem;
    char *wrong_cert_pem, *wrong_key_pem;
    char *client_cert_pem, *client_key_pem;
};

/* Make the PKI with the openssl command. Aborts on failure. */
void testsrv_pki_make(struct testsrv_pki *pki);
/* Remove the files and free the PEM texts. */
void testsrv_pki_free(struct testsrv_pki *pki);

#endif
