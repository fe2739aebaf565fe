#include "manifests/checks.h"
#include "providers/registry.h"
#include "providers/rfc2136/config.h"

#include <stddef.h>
#include <string.h>

#define F WSL_FIELD

static const char *const algorithms[] = {"hmac-sha256", "hmac-sha512", NULL};

static const struct wsl_field tsig_fields[] = {
    F("name", WSL_FT_STR, struct wsl_tsig, name, WSL_F_REQUIRED, .check = &wsl_check_nonempty,
      .doc = "The key's name as the server knows it."),
    F("algorithm", WSL_FT_STR, struct wsl_tsig, algorithm, 0, .choices = algorithms,
      .doc = "hmac-sha256 when absent."),
    F("secretFrom", WSL_FT_OBJ, struct wsl_tsig, secret_from, WSL_F_REQUIRED,
      .type = &wsl_secret_ref_type, .doc = "Where the base64 key is found."),
    {0}};
static const struct wsl_type tsig_type = {"tsig", sizeof(struct wsl_tsig), tsig_fields, false,
                                          NULL, NULL};

static const struct wsl_field fields[] = {
    F("server", WSL_FT_STR, struct wsl_rfc2136_config, server, WSL_F_REQUIRED,
      .check = &wsl_check_nonempty, .doc = "host:port of the primary server."),
    F("zone", WSL_FT_STR, struct wsl_rfc2136_config, zone, WSL_F_REQUIRED, .check = &wsl_check_zone),
    F("tsig", WSL_FT_OBJ, struct wsl_rfc2136_config, tsig, 0, .type = &tsig_type,
      .doc = "Sign updates (RFC 8945); strongly advised."),
    {0}};
static const struct wsl_type config_type = {"rfc2136Config", sizeof(struct wsl_rfc2136_config),
                                            fields, false, NULL, NULL};

const struct wsl_provider_schema wsl_rfc2136_schema = {
    "rfc2136", WSL_ROLE_DNS, NULL, &config_type, true,
    "An authoritative DNS server updated with RFC 2136 dynamic updates signed with TSIG."};
