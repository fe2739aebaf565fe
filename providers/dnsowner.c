/* dnsowner.c — the ownership record beside a managed name (see dnsowner.h). */
#include "providers/dnsowner.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define KEY_HERITAGE "heritage"
#define KEY_APP "wissel.dev/app"
#define KEY_TARGET "wissel.dev/target"

/* Labels of 1 to 63 bytes, separated by dots, a final dot allowed. */
static bool good_name(const char *name)
{
    size_t label = 0;
    for (const char *p = name; *p; p++) {
        if (*p != '.') {
            label++;
            continue;
        }
        if (label == 0 || label > 63)
            return false;
        label = 0;
    }
    return label <= 63 && (label > 0 || (*name && name[strlen(name) - 1] == '.'));
}

int wsl_dns_owner_name(const char *name, char out[256], struct wsl_err *err)
{
    out[0] = '\0';
    size_t len = strlen(name);
    if (!good_name(name))
        return wsl_err_set(err, WSL_E_INVALID, "%.300s is not a valid DNS name", name);
    bool absolute = name[len - 1] == '.';
    if (strlen(WSL_DNS_OWNER_LABEL) + 1 + len - absolute > 253)
        return wsl_err_set(err, WSL_E_INVALID, "%.300s is too long to have an ownership record "
                           "(%s.%.300s would exceed 255 bytes)", name, WSL_DNS_OWNER_LABEL, name);
    snprintf(out, 256, "%s.%s%s", WSL_DNS_OWNER_LABEL, name, absolute ? "" : ".");
    return 0;
}

/* A value of the owner text: 1 to 63 printable bytes, none of them special here. */
static bool good_value(const char *s, size_t n)
{
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c > '~' || strchr(",=\"\\", c))
            return false;
    }
    return true;
}

int wsl_dns_owner_format(const char *app, const char *target, char out[256],
                         struct wsl_err *err)
{
    out[0] = '\0';
    const char *bad = !good_value(app, strlen(app)) ? app : target;
    if (bad == app || !good_value(target, strlen(target)))
        return wsl_err_set(err, WSL_E_INVALID, "\"%.100s\" cannot be written in an ownership "
                           "record (1 to 63 printable characters without , = \" \\ or spaces)",
                           bad);
    snprintf(out, 256, KEY_HERITAGE "=wissel," KEY_APP "=%s," KEY_TARGET "=%s", app, target);
    return 0;
}

/* One "key=value" item of len bytes into the owner (or the heritage flag). */
static int parse_item(const char *p, size_t len, struct wsl_dns_owner *out, bool *wissel,
                      unsigned *seen)
{
    const char *eq = memchr(p, '=', len);
    if (!eq)
        return -1;
    size_t k = (size_t)(eq - p), vlen = len - k - 1;
    const char *v = eq + 1;
    static const char *const keys[] = {KEY_HERITAGE, KEY_APP, KEY_TARGET};
    for (unsigned i = 0; i < 3; i++) {
        if (strlen(keys[i]) != k || memcmp(p, keys[i], k) != 0)
            continue;
        if (*seen & 1u << i || !good_value(v, vlen))
            return -1; /* twice, or a value we would never write */
        *seen |= 1u << i;
        if (i == 0)
            *wissel = vlen == 6 && memcmp(v, "wissel", 6) == 0;
        else
            snprintf(i == 1 ? out->app : out->target, 64, "%.*s", (int)vlen, v);
    }
    return 0; /* unknown keys are someone else's business */
}

int wsl_dns_owner_parse(const char *text, size_t len, struct wsl_dns_owner *out,
                        struct wsl_err *err)
{
    memset(out, 0, sizeof *out);
    text = text ? text : "";
    bool wissel = false, bad = false;
    unsigned seen = 0;
    for (size_t at = 0; at <= len;) { /* every item, so heritage is found wherever it is */
        const char *comma = memchr(text + at, ',', len - at);
        size_t n = comma ? (size_t)(comma - (text + at)) : len - at;
        bad |= parse_item(text + at, n, out, &wissel, &seen) != 0;
        at += n + 1;
    }
    if (!wissel)
        return wsl_err_set(err, WSL_E_NOTFOUND, "not a wissel ownership record");
    if (bad || seen != 7u)
        return wsl_err_set(err, WSL_E_INVALID, "malformed wissel ownership record \"%.*s\"",
                           (int)(len > 300 ? 300 : len), text);
    return 0;
}
