/* config.h — the docker block of a Target. */
#ifndef WSL_DOCKER_CONFIG_H
#define WSL_DOCKER_CONFIG_H

#include "manifests/schema.h"

struct wsl_docker_tls {
    struct wsl_hdr hdr;
    const char *ca, *cert, *key; /* files */
};

struct wsl_docker_config {
    struct wsl_hdr hdr;
    const char *host;         /* unix:///var/run/docker.sock, tcp://host:2376; DOCKER_HOST when absent */
    struct wsl_docker_tls tls;
    const char *ports;        /* published port range "20000-20999" */
    const char *address;      /* the address clients reach published ports on */
    const char *pull;         /* missing | never */
};

#endif
