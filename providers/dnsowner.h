/*
 * dnsowner.h — who owns a DNS name: the ownership record every DNS driver (rfc2136,
 * powerdns) keeps beside each name it manages, as external-dns does, since DNS records
 * carry no labels.
 *
 * The record is a TXT record at "wissel-owner.<name>" (not at <name> itself) holding
 *
 *     heritage=wissel,wissel.dev/app=APP,wissel.dev/target=TARGET
 *
 * A separate name, because a name with a CNAME can hold no other record (RFC 1034 §3.6.2,
 * RFC 2181 §10.1), so a TXT at the same name would forbid managing CNAMEs; and because a
 * TXT at the name itself would be mixed with the application's own TXT records (SPF, site
 * verification), shown in every TXT answer for it, and deleted with them. external-dns
 * moved to prefixed names for the same reasons.
 *
 * How a driver makes its changes conditional on the record is its own: RFC 2136
 * prerequisites (providers/rfc2136/owner.h), or a read just before the write (powerdns).
 */
#ifndef WSL_DNSOWNER_H
#define WSL_DNSOWNER_H

#include "lib/err.h"

#include <stddef.h>

#define WSL_DNS_OWNER_LABEL "wissel-owner"

struct wsl_dns_owner {
    char app[64], target[64];
};

/* The owner record's name for name: "wissel-owner.<name>" (absolute). WSL_E_INVALID when
 * name is not a valid name (labels of 1 to 63 bytes) or the result would be longer than
 * 253 characters (255 bytes on the wire). */
int wsl_dns_owner_name(const char *name, char out[256], struct wsl_err *err);

/* The owner text of app at target. Both must be 1 to 63 printable characters without
 * ',', '=', '"', '\' or spaces (wissel's names are). */
int wsl_dns_owner_format(const char *app, const char *target, char out[256],
                         struct wsl_err *err);

/* Read an owner text (a TXT record's joined data, len bytes): 0 with *out filled;
 * WSL_E_NOTFOUND when it is not wissel's (no heritage=wissel); WSL_E_INVALID when it says
 * wissel but lacks the app or target or is malformed. Unknown keys are ignored. */
int wsl_dns_owner_parse(const char *text, size_t len, struct wsl_dns_owner *out,
                        struct wsl_err *err);

#endif
