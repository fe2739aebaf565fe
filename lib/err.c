#include "lib/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int wsl_err_set(struct wsl_err *e, int code, const char *fmt, ...)
{
    if (!e)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->code = code;
    e->http_status = 0;
    e->hint[0] = '\0';
    return code;
}

void wsl_err_hint(struct wsl_err *e, const char *fmt, ...)
{
    if (!e)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->hint, sizeof e->hint, fmt, ap);
    va_end(ap);
}

void wsl_err_prefix(struct wsl_err *e, const char *fmt, ...)
{
    if (!e)
        return;
    char prefix[512], old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    snprintf(e->msg, sizeof e->msg, "%s: %s", prefix, old);
}

void wsl_err_clear(struct wsl_err *e)
{
    if (e)
        memset(e, 0, sizeof *e);
}

const char *wsl_code_name(int code)
{
    switch (code) {
    case WSL_OK: return "ok";
    case WSL_E_INVALID: return "invalid";
    case WSL_E_NOTFOUND: return "not-found";
    case WSL_E_IO: return "io";
    case WSL_E_LIMIT: return "limit";
    case WSL_E_HTTP: return "http";
    case WSL_E_NET: return "network";
    case WSL_E_TIMEOUT: return "timeout";
    case WSL_E_TLS: return "tls";
    case WSL_E_CONFLICT: return "conflict";
    case WSL_E_POLICY: return "policy";
    case WSL_E_USAGE: return "usage";
    case WSL_E_UNHEALTHY: return "unhealthy";
    case WSL_E_CANCELED: return "canceled";
    case WSL_E_AUTH: return "auth";
    default: return "internal";
    }
}

bool wsl_code_transient(int code)
{
    return code == WSL_E_NET || code == WSL_E_TIMEOUT;
}
