/*
 * dnsrecords.h — the record model every DNS driver shares (rfc2136, powerdns).
 *
 * An application's route host is published as one object per record type at the host:
 * kind "A" (IPv4 endpoints), "AAAA" (IPv6) or "CNAME" (one host-name endpoint), name the
 * host (lower case, without the final dot), body {"ttl": seconds, "values": [sorted]}.
 * Values are compared in a canonical form: an address in its canonical text, a name in
 * lower case without the final dot. Observers build their bodies with the same functions,
 * so the fingerprint of an observed set equals the desired one exactly when the values and
 * the TTL are the same.
 *
 * Ownership is kept beside each name by the TXT record of providers/dnsowner.h
 * (wsl_dns_owner_name/format/parse), which any DNS driver may use.
 */
#ifndef WSL_DNSRECORDS_H
#define WSL_DNSRECORDS_H

#include "lib/err.h"
#include "providers/provider.h"

#include <jansson.h>
#include <stdint.h>

/* The record types a route is published with; the values are the DNS type numbers. */
enum wsl_dnsrec_type {
    WSL_DNSREC_A = 1,
    WSL_DNSREC_CNAME = 5,
    WSL_DNSREC_AAAA = 28,
};

/* The three types in the order drivers observe them: A, AAAA, CNAME. */
#define WSL_DNSREC_NTYPES 3
extern const enum wsl_dnsrec_type wsl_dnsrec_types[WSL_DNSREC_NTYPES];

/* "A", "AAAA" or "CNAME" (the object kind); NULL for another value. */
const char *wsl_dnsrec_type_name(enum wsl_dnsrec_type t);
/* The type of an object kind ("A", ...), or 0 when it is none of the three. */
enum wsl_dnsrec_type wsl_dnsrec_type_parse(const char *kind);

/* A value as it is compared, into out: an IPv4 or IPv6 address in its canonical text,
 * anything else as a name in lower case without the final dot (at most 255 bytes).
 * Returns the type it belongs to: A, AAAA, or CNAME for a name. */
enum wsl_dnsrec_type wsl_dnsrec_normalize(const char *in, char out[256]);

/* The body {"ttl": ttl, "values": values sorted}. values (an array of strings) is taken
 * over (its reference is stolen). Returns a new reference. */
json_t *wsl_dnsrec_body(int64_t ttl, json_t *values);

/* The route host of app, normalized, into out (empty when it has none). Returns out. */
const char *wsl_dnsrec_host(const struct wsl_app *app, char out[256]);

/* render_dns for any DNS driver: the A, AAAA and CNAME objects at want's host. Refuses
 * (WSL_E_INVALID, with a hint) a host outside zone (target names the Target in the
 * message) and a CNAME that would stand beside other records (a host-name endpoint among
 * several endpoints). */
int wsl_dnsrec_render(const struct wsl_target *target, const char *zone,
                      const struct wsl_app *app, const struct wsl_dns_want *want,
                      struct wsl_objset *out, struct wsl_err *err);

/* For a DNS driver's render() and health() in struct wsl_driver: records are rendered
 * only through render_dns (render() is an internal error), and are ready as soon as the
 * server took the change. */
int wsl_dnsrec_render_plain(struct wsl_conn *c, const struct wsl_app *app,
                            struct wsl_objset *out, struct wsl_err *err);
int wsl_dnsrec_health(struct wsl_conn *c, const struct wsl_app *app, struct wsl_health *out,
                      struct wsl_err *err);

#endif
