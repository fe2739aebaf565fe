#include "manifests/checks.h"
#include "providers/powerdns/config.h"
#include "providers/registry.h"

#include <stddef.h>
#include <string.h>

#define F WSL_FIELD

static bool is_api_url(const char *s)
{
    const char *rest = !strncmp(s, "http://", 7) ? s + 7 : !strncmp(s, "https://", 8) ? s + 8
                                                                                    : NULL;
    if (!rest || !*rest || *rest == '/')
        return false;
    for (const char *p = rest; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == '?' || *p == '#' || *p == '@')
            return false; /* no query, fragment or credentials in the URL */
    }
    return true;
}
static const struct wsl_check check_url = {"an http:// or https:// URL", is_api_url, NULL,
                                           "for example https://ns1.gemeente.example:8081", 8,
                                           1000};

static bool is_server_id(const char *s)
{
    for (const char *p = s; *p; p++) {
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", *p))
            return false;
    }
    return *s != '\0';
}
static const struct wsl_check check_server_id = {"a PowerDNS server id", is_server_id, NULL,
                                                 "letters, digits, - _ and .; PowerDNS "
                                                 "Authoritative calls itself localhost", 1, 64};

static const struct wsl_field fields[] = {
    F("url", WSL_FT_STR, struct wsl_powerdns_config, url, WSL_F_REQUIRED, .check = &check_url,
      .doc = "Base URL of the API (the webserver): http(s)://host:port, without /api/v1."),
    F("serverId", WSL_FT_STR, struct wsl_powerdns_config, server_id, 0,
      .check = &check_server_id, .doc = "The server in the API's URLs; localhost when absent."),
    F("zone", WSL_FT_STR, struct wsl_powerdns_config, zone, WSL_F_REQUIRED,
      .check = &wsl_check_zone, .doc = "The zone that holds the route hosts, as PowerDNS has it."),
    F("apiKeyFrom", WSL_FT_OBJ, struct wsl_powerdns_config, api_key_from, WSL_F_REQUIRED,
      .type = &wsl_secret_ref_type, .doc = "Where the API key (X-API-Key) is found."),
    F("ca", WSL_FT_STR, struct wsl_powerdns_config, ca, 0, .check = &wsl_check_nonempty,
      .doc = "PEM file of the CA that signed the API's certificate, instead of the system's; "
             "relative to this file."),
    {0}};
static const struct wsl_type config_type = {"powerdnsConfig",
                                            sizeof(struct wsl_powerdns_config), fields, false,
                                            NULL, NULL};

const struct wsl_provider_schema wsl_powerdns_schema = {
    "powerdns", WSL_ROLE_DNS, NULL, &config_type, true,
    "A PowerDNS Authoritative server changed through its HTTP API with an API key."};
