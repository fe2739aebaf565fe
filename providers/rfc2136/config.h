/* config.h — the rfc2136 block of a Target: an authoritative DNS server taking signed
 * dynamic updates (BIND, Knot, PowerDNS). */
#ifndef WSL_RFC2136_CONFIG_H
#define WSL_RFC2136_CONFIG_H

#include "providers/secret.h"

struct wsl_tsig {
    struct wsl_hdr hdr;
    const char *name, *algorithm;
    struct wsl_secret_ref secret_from;
};

struct wsl_rfc2136_config {
    struct wsl_hdr hdr;
    const char *server; /* host:port */
    const char *zone;
    struct wsl_tsig tsig;
};

#endif
