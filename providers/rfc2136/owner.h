/*
 * owner.h — the ownership record (providers/dnsowner.h) in RFC 2136 updates.
 *
 * Changes go through the server's prerequisites, so the check and the change are one
 * atomic step: wsl_dns_owner_require() makes an update apply only while the name is still
 * ours, wsl_dns_owner_claim() only while nobody has claimed it.
 */
#ifndef WSL_RFC2136_OWNER_H
#define WSL_RFC2136_OWNER_H

#include "lib/err.h"
#include "providers/dnsowner.h"
#include "providers/rfc2136/wire.h"

#include <stddef.h>
#include <stdint.h>

/* Prerequisite: name belongs to app at target (its owner record exists with exactly this
 * text and no other). */
int wsl_dns_owner_require(struct wsl_dns_update *u, const char *name, const char *app,
                          const char *target, struct wsl_err *err);
/* Prerequisite that name has no owner record, and the update that adds ours (with ttl). */
int wsl_dns_owner_claim(struct wsl_dns_update *u, const char *name, const char *app,
                        const char *target, uint32_t ttl, struct wsl_err *err);
/* The update that deletes name's owner record (together with wsl_dns_owner_require). */
int wsl_dns_owner_release(struct wsl_dns_update *u, const char *name, struct wsl_err *err);

#endif
