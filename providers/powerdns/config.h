/* config.h — the powerdns block of a Target: a PowerDNS Authoritative server changed
 * through its HTTP API (/api/v1). */
#ifndef WSL_POWERDNS_CONFIG_H
#define WSL_POWERDNS_CONFIG_H

#include "providers/secret.h"

struct wsl_powerdns_config {
    struct wsl_hdr hdr;
    const char *url;       /* the API's base URL: http(s)://host:port */
    const char *server_id; /* "localhost" when absent */
    const char *zone;
    struct wsl_secret_ref api_key_from;
    const char *ca;        /* PEM file of the CA that signed the API's certificate */
};

#endif
