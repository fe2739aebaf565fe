/*
 * score.h — Score workloads (score.dev/v1b1), the whole language.
 *
 * Files and volumes are accepted in both forms: the map keyed by target path, and the
 * deprecated list whose entries carry `target` (hdr.key is then NULL and `target` is set;
 * wsl_score_file_target() hides the difference).
 */
#ifndef WSL_SCORE_H
#define WSL_SCORE_H

#include "manifests/schema.h"

struct wsl_score_port {
    struct wsl_hdr hdr; /* hdr.key: the port's name */
    int64_t port;
    const char *protocol; /* "TCP" or "UDP"; NULL means TCP */
    int64_t target_port;  /* 0 means the same as port */
};

struct wsl_score_file {
    struct wsl_hdr hdr; /* hdr.key: the target path (map form) */
    const char *target; /* list form only */
    const char *mode, *source, *content, *binary_content;
    bool no_expand;
};

struct wsl_score_volume {
    struct wsl_hdr hdr; /* hdr.key: the target path (map form) */
    const char *source, *path, *target;
    bool read_only;
};

struct wsl_score_header {
    struct wsl_hdr hdr;
    const char *name, *value;
};

struct wsl_score_http_probe {
    struct wsl_hdr hdr;
    const char *host, *scheme, *path;
    int64_t port;
    struct {
        struct wsl_score_header *v;
        size_t n;
    } headers;
};

struct wsl_score_exec_probe {
    struct wsl_hdr hdr;
    struct wsl_strs command;
};

struct wsl_score_probe {
    struct wsl_hdr hdr; /* hdr.node NULL: no probe */
    struct wsl_score_http_probe http_get;
    struct wsl_score_exec_probe exec;
};

struct wsl_score_amounts {
    struct wsl_hdr hdr;
    const char *cpu, *memory;
};

struct wsl_score_compute {
    struct wsl_hdr hdr;
    struct wsl_score_amounts limits, requests;
};

struct wsl_score_before {
    struct wsl_hdr hdr; /* hdr.key: the container that starts first */
    const char *ready;  /* started | healthy | complete */
};

struct wsl_score_container {
    struct wsl_hdr hdr; /* hdr.key: the container's name */
    const char *image;
    struct wsl_strs command, args;
    struct wsl_kvs variables;
    struct {
        struct wsl_score_file *v;
        size_t n;
    } files;
    struct {
        struct wsl_score_volume *v;
        size_t n;
    } volumes;
    struct {
        struct wsl_score_before *v;
        size_t n;
    } before;
    struct wsl_score_compute resources;
    struct wsl_score_probe liveness, readiness;
};

struct wsl_score_meta {
    struct wsl_hdr hdr; /* open: other keys are kept in hdr.node (for ${metadata.x}) */
    const char *name;
    struct wsl_kvs annotations;
};

struct wsl_score_resource {
    struct wsl_hdr hdr; /* hdr.key: the resource's name */
    const char *type, *class_, *id;
    struct wsl_score_meta metadata;
    const struct wsl_node *params; /* free-form mapping, or NULL */
};

struct wsl_score_service {
    struct wsl_hdr hdr;
    struct {
        struct wsl_score_port *v;
        size_t n;
    } ports;
};

struct wsl_workload {
    struct wsl_hdr hdr;
    const char *api_version;
    struct wsl_score_meta metadata;
    struct wsl_score_service service;
    struct {
        struct wsl_score_container *v;
        size_t n;
    } containers;
    struct {
        struct wsl_score_resource *v;
        size_t n;
    } resources;
    const char *path; /* the file it came from */
};

extern const struct wsl_type wsl_score_type;

/* The target path of a file or volume mount, whichever form it was written in. */
const char *wsl_score_file_target(const struct wsl_score_file *f);
const char *wsl_score_volume_target(const struct wsl_score_volume *v);
/* Lookups by name; NULL when absent. */
const struct wsl_score_port *wsl_score_port_find(const struct wsl_workload *w, const char *name);
const struct wsl_score_resource *wsl_score_resource_find(const struct wsl_workload *w,
                                                         const char *name);
/* The scalar parameter key of a resource (params.key), or def when absent or empty. */
const char *wsl_score_resource_param(const struct wsl_score_resource *res, const char *key,
                                     const char *def);

#endif
