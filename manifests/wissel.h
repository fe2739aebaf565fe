/*
 * wissel.h — the platform kinds of apiVersion wissel.dev/v1: Target, Application, Policy.
 * Their reference is docs/manifests.md; `wissel schema` prints their JSON Schema.
 */
#ifndef WSL_WISSEL_H
#define WSL_WISSEL_H

#include "manifests/schema.h"
#include "manifests/score.h"

#define WSL_API_VERSION "wissel.dev/v1"

/* What the manifest layer needs to know of a provider: the name used in Target.spec, the
 * shape of its config block, its role and its legal home. Each driver declares one in its
 * own folder under providers/; the caller hands the list to the loader, so this layer
 * holds no provider knowledge of its own. */
enum { WSL_ROLE_HOSTING = 1, WSL_ROLE_DNS = 2 };
struct wsl_provider_schema {
    const char *name;
    unsigned roles;
    const char *jurisdiction; /* ISO country of the provider's legal home; NULL: self-hosted */
    const struct wsl_type *config; /* the block spec.<name> */
    bool config_required;
    const char *doc;
};

struct wsl_meta {
    struct wsl_hdr hdr;
    const char *name;
    struct wsl_kvs labels, annotations;
};

struct wsl_target_spec {
    struct wsl_hdr hdr;
    const char *provider_name;
    const char *jurisdiction; /* as written, or the provider's own */
    const char *region;
    const struct wsl_provider_schema *provider; /* resolved */
    void *config; /* decoded with provider->config; NULL when the block is absent */
};

struct wsl_target {
    struct wsl_hdr hdr;
    const char *api_version, *kind;
    struct wsl_meta metadata;
    struct wsl_target_spec spec;
    const char *path;
};

struct wsl_placement {
    struct wsl_hdr hdr;
    const char *primary;
    struct wsl_strs standby;
    const char *mode; /* warm | cold | active-active; "warm" by default */
};

struct wsl_route {
    struct wsl_hdr hdr;
    const char *host, *workload, *port, *path;
    bool tls;
};

struct wsl_app_dns {
    struct wsl_hdr hdr;
    const char *target;
    int64_t ttl; /* seconds */
};

struct wsl_health_probe {
    struct wsl_hdr hdr;
    const char *path;
    int64_t interval_ms, timeout_ms, failures, successes;
};

struct wsl_failover {
    struct wsl_hdr hdr;
    bool automatic, failback;
    int64_t rto_ms; /* recovery time objective; 0: none */
    struct wsl_health_probe probe;
};

struct wsl_app_spec {
    struct wsl_hdr hdr;
    struct wsl_strs workloads; /* Score files, relative to the Application's file */
    const char *classification; /* public | internal | confidential | secret */
    bool critical;
    struct wsl_kvs replicas; /* workload name → count */
    struct wsl_placement placement;
    struct wsl_route route;
    struct wsl_app_dns dns;
    struct wsl_failover failover;
    struct wsl_strs depends_on;
};

struct wsl_app {
    struct wsl_hdr hdr;
    const char *api_version, *kind;
    struct wsl_meta metadata;
    struct wsl_app_spec spec;
    const char *path;
    /* Resolved by the repository's cross-checks (NULL or empty when they failed): */
    struct wsl_workload **workloads; /* spec.workloads.n entries */
    const struct wsl_target *primary, *dns_target;
    const struct wsl_target **standby; /* spec.placement.standby.n entries */
};

struct wsl_rule_match {
    struct wsl_hdr hdr;
    struct wsl_strs classification, applications;
    bool critical; /* only when written: see wsl_field_node(&hdr, "critical") */
};

struct wsl_rule_require {
    struct wsl_hdr hdr;
    struct wsl_strs jurisdiction; /* "EU", "EEA" or country codes; any one satisfies */
    bool standby;
    int64_t drill_within_days;
};

struct wsl_rule {
    struct wsl_hdr hdr;
    const char *name;
    struct wsl_rule_match match;
    struct wsl_rule_require require;
};

struct wsl_policy_spec {
    struct wsl_hdr hdr;
    struct {
        struct wsl_rule *v;
        size_t n;
    } rules;
};

struct wsl_policy {
    struct wsl_hdr hdr;
    const char *api_version, *kind;
    struct wsl_meta metadata;
    struct wsl_policy_spec spec;
    const char *path;
};

/* The document types. Target decoding needs the provider list as the decoder's ctx
 * (struct wsl_provider_list). */
struct wsl_provider_list {
    const struct wsl_provider_schema *const *v;
    size_t n;
};
extern const struct wsl_type wsl_target_type, wsl_app_type, wsl_policy_type;

const struct wsl_provider_schema *wsl_provider_find(const struct wsl_provider_list *l,
                                                    const char *name);
/* The JSON Schema of the wissel.dev/v1 kinds, with each provider's block (new reference). */
json_t *wsl_wissel_schema(const struct wsl_provider_list *providers);

#endif
