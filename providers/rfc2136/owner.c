/* owner.c — the ownership record beside a managed name (see owner.h). */
#include "providers/rfc2136/owner.h"

#include <stdio.h>
#include <string.h>

#define KEY_HERITAGE "heritage"
#define KEY_APP "wissel.dev/app"
#define KEY_TARGET "wissel.dev/target"

int wsl_dns_owner_name(const char *name, char out[256], struct wsl_err *err)
{
    unsigned char w[255];
    size_t n;
    out[0] = '\0';
    int rc = wsl_dns_name_encode(name, w, &n, err);
    if (rc)
        return rc;
    size_t len = strlen(name);
    bool root = strcmp(name, ".") == 0;
    snprintf(out, 256, "%s.%s%s", WSL_DNS_OWNER_LABEL, root ? "" : name,
             root || name[len - 1] == '.' ? "" : ".");
    if (wsl_dns_name_encode(out, w, &n, NULL) == 0)
        return 0;
    out[0] = '\0';
    return wsl_err_set(err, WSL_E_INVALID, "%.300s is too long to have an ownership record "
                       "(%s.%.300s would exceed 255 bytes)", name, WSL_DNS_OWNER_LABEL, name);
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

int wsl_dns_owner_require(struct wsl_dns_update *u, const char *name, const char *app,
                          const char *target, struct wsl_err *err)
{
    char owner[256], text[256];
    int rc = wsl_dns_owner_name(name, owner, err);
    if (rc == 0)
        rc = wsl_dns_owner_format(app, target, text, err);
    return rc ? rc : wsl_dns_prereq_value(u, owner, WSL_DNS_TXT, text, err);
}

int wsl_dns_owner_claim(struct wsl_dns_update *u, const char *name, const char *app,
                        const char *target, uint32_t ttl, struct wsl_err *err)
{
    char owner[256], text[256];
    int rc = wsl_dns_owner_name(name, owner, err);
    if (rc == 0)
        rc = wsl_dns_owner_format(app, target, text, err);
    if (rc == 0)
        rc = wsl_dns_prereq_absent(u, owner, WSL_DNS_TXT, err);
    return rc ? rc : wsl_dns_update_add(u, owner, WSL_DNS_TXT, ttl, text, err);
}

int wsl_dns_owner_release(struct wsl_dns_update *u, const char *name, struct wsl_err *err)
{
    char owner[256];
    int rc = wsl_dns_owner_name(name, owner, err);
    return rc ? rc : wsl_dns_update_delete_rrset(u, owner, WSL_DNS_TXT, err);
}
