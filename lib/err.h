/*
 * err.h — the one way wissel reports failure.
 *
 * Functions return 0 on success or a negative enum wsl_code, and fill a struct wsl_err
 * with a message written for the person who has to act on it: what failed, where (file,
 * API and HTTP status), and — in the hint — what to do about it. Passing NULL for the
 * struct is allowed everywhere; the code alone is then returned.
 */
#ifndef WSL_ERR_H
#define WSL_ERR_H

#include <stdbool.h>
#include <stddef.h>

enum wsl_code {
    WSL_OK = 0,
    WSL_E_INVALID = -1,  /* bad input: a manifest, a flag, a config file */
    WSL_E_NOTFOUND = -2, /* a file, object or name that does not exist */
    WSL_E_IO = -3,       /* reading or writing local files failed */
    WSL_E_LIMIT = -4,    /* input exceeds a safety limit (size, depth, aliases) */
    WSL_E_HTTP = -5,     /* a remote API answered with an error status */
    WSL_E_NET = -6,      /* a remote API could not be reached (DNS, connect, reset) */
    WSL_E_TIMEOUT = -7,  /* an operation took longer than allowed */
    WSL_E_TLS = -8,      /* TLS handshake or certificate verification failed */
    WSL_E_CONFLICT = -9, /* someone else holds the lock or owns the object */
    WSL_E_POLICY = -10,  /* a Policy rule refuses the plan */
    WSL_E_USAGE = -11,   /* the command line is wrong */
    WSL_E_INTERNAL = -12, /* a bug in wissel: please report it */
    WSL_E_UNHEALTHY = -13, /* applied, but the provider reports it failed (the reason says why) */
    WSL_E_CANCELED = -14, /* abandoned because the process is stopping */
    WSL_E_AUTH = -15      /* credentials refused, or a signature that does not verify */
};

struct wsl_err {
    int code;        /* enum wsl_code, WSL_OK when nothing failed */
    int http_status; /* for WSL_E_HTTP: the status the API answered */
    char msg[1024];  /* what failed, for the user */
    char hint[512];  /* what to do about it; empty when there is nothing to add */
};

/* Set code and message (printf-style). Returns code, so `return wsl_err_set(...)` works. */
int wsl_err_set(struct wsl_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set the hint of an error already set. */
void wsl_err_hint(struct wsl_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Put context in front of the message: "loading targets: <old message>". */
void wsl_err_prefix(struct wsl_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wsl_err_clear(struct wsl_err *e);
/* A short stable name for a code ("invalid", "timeout", ...), for JSON output. */
const char *wsl_code_name(int code);
/* True for failures that a retry may cure: network errors and timeouts. */
bool wsl_code_transient(int code);

#endif
