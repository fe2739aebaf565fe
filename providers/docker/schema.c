#include "manifests/checks.h"
#include "providers/docker/config.h"
#include "providers/registry.h"

#include <stdio.h>
#include <stddef.h>
#include <string.h>

#define F WSL_FIELD

static bool is_host(const char *s)
{
    return !strncmp(s, "unix://", 7) || !strncmp(s, "tcp://", 6);
}
static const struct wsl_check check_host = {
    "a Docker endpoint", is_host, "^(unix|tcp)://", "unix:///var/run/docker.sock or tcp://host:2376",
    0, 0};

static bool is_port_range(const char *s)
{
    unsigned lo, hi;
    char end;
    return sscanf(s, "%u-%u%c", &lo, &hi, &end) == 2 && lo >= 1 && lo <= hi && hi <= 65535;
}
static const struct wsl_check check_ports = {
    "a port range", is_port_range, "^[0-9]+-[0-9]+$", "write LOW-HIGH, for example 20000-20999",
    0, 0};

static const char *const pulls[] = {"missing", "never", NULL};

static const struct wsl_field tls_fields[] = {
    F("ca", WSL_FT_STR, struct wsl_docker_tls, ca, 0, .check = &wsl_check_nonempty),
    F("cert", WSL_FT_STR, struct wsl_docker_tls, cert, 0, .check = &wsl_check_nonempty),
    F("key", WSL_FT_STR, struct wsl_docker_tls, key, 0, .check = &wsl_check_nonempty),
    {0}};
static const struct wsl_type tls_type = {"dockerTLS", sizeof(struct wsl_docker_tls), tls_fields,
                                         false, NULL, "Client certificate files for tcp:// hosts."};

static const struct wsl_field fields[] = {
    F("host", WSL_FT_STR, struct wsl_docker_config, host, 0, .check = &check_host,
      .doc = "The engine; DOCKER_HOST, else the local socket, when absent."),
    F("tls", WSL_FT_OBJ, struct wsl_docker_config, tls, 0, .type = &tls_type),
    F("ports", WSL_FT_STR, struct wsl_docker_config, ports, 0, .check = &check_ports,
      .doc = "Host ports wissel may publish on, so targets on one engine never collide."),
    F("address", WSL_FT_STR, struct wsl_docker_config, address, 0, .check = &wsl_check_nonempty,
      .doc = "The address clients reach published ports on."),
    F("pull", WSL_FT_STR, struct wsl_docker_config, pull, 0, .choices = pulls,
      .doc = "missing: pull images that are not present (default); never."),
    {0}};
static const struct wsl_type config_type = {"dockerConfig", sizeof(struct wsl_docker_config),
                                            fields, false, NULL, NULL};

const struct wsl_provider_schema wsl_docker_schema = {
    "docker", WSL_ROLE_HOSTING, NULL, &config_type, false,
    "A Docker Engine, local or remote (a VM at Hetzner, UpCloud, Exoscale, an OpenStack cloud)."};
