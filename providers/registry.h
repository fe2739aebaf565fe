/*
 * registry.h — the drivers wissel knows. Each driver lives in providers/<name>/ and
 * declares its manifest schema there (the Target block, its role, its legal home); this
 * registry is the one list of them that the CLI hands to the manifest loader.
 */
#ifndef WSL_REGISTRY_H
#define WSL_REGISTRY_H

#include "manifests/wissel.h"
#include "providers/provider.h"

extern const struct wsl_provider_schema wsl_kubernetes_schema;
extern const struct wsl_provider_schema wsl_docker_schema;
extern const struct wsl_provider_schema wsl_rfc2136_schema;
extern const struct wsl_provider_schema wsl_powerdns_schema;
extern const struct wsl_provider_schema wsl_directory_schema;

extern const struct wsl_driver wsl_directory_driver;
extern const struct wsl_driver wsl_kubernetes_driver;
extern const struct wsl_driver wsl_docker_driver;
extern const struct wsl_driver wsl_rfc2136_driver;
extern const struct wsl_driver wsl_powerdns_driver;

/* Every known provider. */
const struct wsl_provider_list *wsl_providers(void);

#endif
