/* owner.c — the ownership record in RFC 2136 updates (see owner.h). */
#include "providers/rfc2136/owner.h"

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
