#include "manifests/wissel.h"

#include "lib/buf.h"
#include "lib/country.h"
#include "manifests/checks.h"

#include <stddef.h>
#include <string.h>

#define F(name, ft, type, member, ...) {name, ft, offsetof(type, member), __VA_ARGS__}
#define END {0}

static const char *const classifications[] = {"public", "internal", "confidential", "secret",
                                              NULL};
static const char *const modes[] = {"warm", "cold", "active-active", NULL};

static bool is_classification(const char *s)
{
    for (size_t i = 0; classifications[i]; i++) {
        if (strcmp(s, classifications[i]) == 0)
            return true;
    }
    return false;
}
static const struct wsl_check check_classification = {
    "a classification", is_classification, "^(public|internal|confidential|secret)$",
    "use public, internal, confidential or secret", 0, 0};

static bool is_api_version(const char *s) { return strcmp(s, WSL_API_VERSION) == 0; }
static const struct wsl_check check_api_version = {
    "a supported version", is_api_version, "^wissel\\.dev/v1$",
    "this version of wissel reads apiVersion: wissel.dev/v1", 0, 0};

static bool is_jurisdiction(const char *s) { return wsl_country_known(s); }
static const struct wsl_check check_jurisdiction = {
    "an ISO 3166-1 country code", is_jurisdiction, "^[A-Z]{2}$",
    "two upper-case letters, for example NL, DE or FR", 2, 2};

static bool is_area(const char *s)
{
    return !strcmp(s, "EU") || !strcmp(s, "EEA") || wsl_country_known(s);
}
static const struct wsl_check check_area = {
    "a legal area (EU, EEA or an ISO country code)", is_area, "^(EU|EEA|[A-Z]{2})$",
    "write EU, EEA, or country codes such as NL", 2, 3};

/* --- metadata ----------------------------------------------------------------------- */

static const struct wsl_field meta_fields[] = {
    F("name", WSL_FT_STR, struct wsl_meta, name, WSL_F_REQUIRED, .check = &wsl_check_name,
      .doc = "Unique among objects of this kind."),
    F("labels", WSL_FT_STRMAP, struct wsl_meta, labels, 0, .key_check = &wsl_check_annotation),
    F("annotations", WSL_FT_STRMAP, struct wsl_meta, annotations, 0,
      .key_check = &wsl_check_annotation),
    END};
static const struct wsl_type meta_type = {"metadata", sizeof(struct wsl_meta), meta_fields,
                                          false, NULL, NULL};

#define DOC_FIELDS(T, kinds)                                                                 \
    F("apiVersion", WSL_FT_STR, T, api_version, WSL_F_REQUIRED, .check = &check_api_version), \
    F("kind", WSL_FT_STR, T, kind, WSL_F_REQUIRED, .choices = kinds),                        \
    F("metadata", WSL_FT_OBJ, T, metadata, WSL_F_REQUIRED, .type = &meta_type)

/* --- Target ------------------------------------------------------------------------- */

const struct wsl_provider_schema *wsl_provider_find(const struct wsl_provider_list *l,
                                                    const char *name)
{
    for (size_t i = 0; l && i < l->n; i++) {
        if (strcmp(l->v[i]->name, name) == 0)
            return l->v[i];
    }
    return NULL;
}

static void unknown_provider(struct wsl_dec *dec, const struct wsl_node *at, const char *name)
{
    const struct wsl_provider_list *l = dec->ctx;
    const char *names[32];
    struct wsl_buf b = WSL_BUF_INIT;
    size_t n = 0;
    for (size_t i = 0; l && i < l->n && n < 32; i++) {
        names[n++] = l->v[i]->name;
        wsl_buf_printf(&b, "%s%s", i ? ", " : "", l->v[i]->name);
    }
    const char *near = wsl_nearest(name, names, n);
    char hint[512];
    if (near)
        snprintf(hint, sizeof hint, "did you mean \"%s\"?", near);
    else
        snprintf(hint, sizeof hint, "known providers: %s", wsl_buf_str(&b));
    wsl_dec_error(dec, at, hint, "unknown provider \"%.60s\"", name);
    wsl_buf_free(&b);
}

/* The keys of spec besides the fixed fields: the provider's block, and nothing else. */
static void target_blocks(struct wsl_dec *dec, struct wsl_target_spec *s)
{
    const struct wsl_node *n = s->hdr.node;
    for (size_t i = 0; i < n->n; i++) {
        const char *k = n->keys[i]->str;
        if (!strcmp(k, "provider") || !strcmp(k, "jurisdiction") || !strcmp(k, "region"))
            continue;
        if (s->provider && strcmp(k, s->provider->name) == 0) {
            s->config = wsl_arena_alloc(dec->a, s->provider->config->size);
            size_t len = wsl_dec_push(dec, k);
            wsl_decode(dec, n->vals[i], s->provider->config, s->config);
            wsl_dec_pop(dec, len);
        } else if (wsl_provider_find(dec->ctx, k)) {
            if (s->provider) /* else the provider's name is wrong, reported already */
                wsl_dec_error(dec, n->keys[i],
                              "a target has the block of its own provider only: rename the "
                              "block, or change \"provider\"",
                              "block \"%s\" does not belong to provider \"%s\"", k,
                              s->provider_name);
        } else {
            const char *names[] = {"provider", "jurisdiction", "region",
                                   s->provider ? s->provider->name : "provider"};
            const char *near = wsl_nearest(k, names, 4);
            char hint[160];
            if (near)
                snprintf(hint, sizeof hint, "did you mean \"%s\"?", near);
            else
                snprintf(hint, sizeof hint, "known fields here: provider, jurisdiction, region, %s",
                         s->provider ? s->provider->name : "and the provider's block");
            wsl_dec_error(dec, n->keys[i], hint, "unknown field \"%.80s\" in target spec", k);
        }
    }
}

static void target_spec_post(struct wsl_dec *dec, void *obj)
{
    struct wsl_target_spec *s = obj;
    s->provider = wsl_provider_find(dec->ctx, s->provider_name);
    if (!s->provider)
        unknown_provider(dec, wsl_field_node(&s->hdr, "provider"), s->provider_name);
    target_blocks(dec, s);
    if (!s->provider)
        return;
    if (s->provider->config_required && !s->config)
        wsl_dec_error(dec, s->hdr.node, NULL, "provider \"%s\" needs its settings under \"%s:\"",
                      s->provider->name, s->provider->name);
    if (!s->jurisdiction && s->provider->jurisdiction)
        s->jurisdiction = s->provider->jurisdiction;
    if (!s->jurisdiction && (s->provider->roles & WSL_ROLE_HOSTING))
        wsl_dec_error(dec, s->hdr.node,
                      "add jurisdiction: NL (the country whose law governs where it runs)",
                      "a %s target is self-hosted, so it needs \"jurisdiction\"",
                      s->provider->name);
}

static const struct wsl_field target_spec_fields[] = {
    F("provider", WSL_FT_STR, struct wsl_target_spec, provider_name, WSL_F_REQUIRED,
      .doc = "The driver: kubernetes, docker, rfc2136, ..."),
    F("jurisdiction", WSL_FT_STR, struct wsl_target_spec, jurisdiction, 0,
      .check = &check_jurisdiction,
      .doc = "ISO country whose law governs the target; from the provider when absent."),
    F("region", WSL_FT_STR, struct wsl_target_spec, region, 0, .check = &wsl_check_nonempty),
    END};
static const struct wsl_type target_spec_type = {"targetSpec", sizeof(struct wsl_target_spec),
                                                 target_spec_fields, true, target_spec_post,
                                                 "Where and how to reach a hosting target."};

static const char *const target_kind[] = {"Target", NULL};
static const struct wsl_field target_fields[] = {
    DOC_FIELDS(struct wsl_target, target_kind),
    F("spec", WSL_FT_OBJ, struct wsl_target, spec, WSL_F_REQUIRED, .type = &target_spec_type),
    END};
const struct wsl_type wsl_target_type = {"Target", sizeof(struct wsl_target), target_fields,
                                         false, NULL, "A place applications run, or a DNS zone."};

/* --- Application -------------------------------------------------------------------- */

static void placement_post(struct wsl_dec *dec, void *obj)
{
    struct wsl_placement *p = obj;
    for (size_t i = 0; i < p->standby.n; i++) {
        const struct wsl_node *at = wsl_field_node(&p->hdr, "standby");
        if (at && at->kind == WSL_NODE_SEQ && i < at->n)
            at = at->vals[i];
        if (strcmp(p->standby.v[i], p->primary) == 0)
            wsl_dec_error(dec, at, "a standby must be another target",
                          "\"%s\" is both primary and standby", p->primary);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(p->standby.v[i], p->standby.v[j]) == 0)
                wsl_dec_error(dec, at, NULL, "standby \"%s\" is listed twice", p->standby.v[i]);
        }
    }
    if (!p->mode)
        p->mode = "warm";
    if (p->standby.n == 0 && wsl_field_node(&p->hdr, "mode"))
        wsl_dec_error(dec, wsl_field_node(&p->hdr, "mode"), "add standby: [other-target]",
                      "mode \"%s\" needs at least one standby target", p->mode);
}

static const struct wsl_field placement_fields[] = {
    F("primary", WSL_FT_STR, struct wsl_placement, primary, WSL_F_REQUIRED,
      .check = &wsl_check_name, .doc = "The Target that serves the application."),
    F("standby", WSL_FT_STRLIST, struct wsl_placement, standby, WSL_F_SCALAR_OK,
      .check = &wsl_check_name, .doc = "Targets to fail over or switch to."),
    F("mode", WSL_FT_STR, struct wsl_placement, mode, 0, .choices = modes,
      .doc = "warm: deployed on standby too; cold: deployed on failover; active-active."),
    END};
static const struct wsl_type placement_type = {"placement", sizeof(struct wsl_placement),
                                               placement_fields, false, placement_post, NULL};

static void route_post(struct wsl_dec *dec, void *obj)
{
    struct wsl_route *r = obj;
    if (!r->path)
        r->path = "/";
}

static const struct wsl_field route_fields[] = {
    F("host", WSL_FT_STR, struct wsl_route, host, WSL_F_REQUIRED, .check = &wsl_check_hostname),
    F("workload", WSL_FT_STR, struct wsl_route, workload, WSL_F_REQUIRED,
      .check = &wsl_check_label, .doc = "The Score workload (metadata.name) that serves it."),
    F("port", WSL_FT_STR, struct wsl_route, port, WSL_F_REQUIRED, .check = &wsl_check_label,
      .doc = "The name of a service port of that workload."),
    F("path", WSL_FT_STR, struct wsl_route, path, 0, .check = &wsl_check_http_path),
    F("tls", WSL_FT_BOOL, struct wsl_route, tls, 0),
    END};
static const struct wsl_type route_type = {"route", sizeof(struct wsl_route), route_fields,
                                           false, route_post, NULL};

static void dns_post(struct wsl_dec *dec, void *obj)
{
    struct wsl_app_dns *d = obj;
    if (!wsl_field_node(&d->hdr, "ttl"))
        d->ttl = 60;
}

static const struct wsl_field dns_fields[] = {
    F("target", WSL_FT_STR, struct wsl_app_dns, target, WSL_F_REQUIRED, .check = &wsl_check_name,
      .doc = "A Target whose provider manages DNS."),
    F("ttl", WSL_FT_INT, struct wsl_app_dns, ttl, 0, .min = 1, .max = 86400,
      .doc = "Seconds; 60 when absent. Keep it short where failover matters."),
    END};
static const struct wsl_type dns_type = {"dns", sizeof(struct wsl_app_dns), dns_fields, false,
                                         dns_post, NULL};

static void probe_post(struct wsl_dec *dec, void *obj)
{
    struct wsl_health_probe *p = obj;
    if (!p->path)
        p->path = "/healthz";
    if (!p->interval_ms)
        p->interval_ms = 10000;
    if (!p->timeout_ms)
        p->timeout_ms = 2000;
    if (!p->failures)
        p->failures = 3;
    if (!p->successes)
        p->successes = 2;
    if (p->timeout_ms > p->interval_ms)
        wsl_dec_error(dec, wsl_field_node(&p->hdr, "timeout"), NULL,
                      "the probe timeout must not be longer than its interval");
}

static const struct wsl_field probe_fields[] = {
    F("path", WSL_FT_STR, struct wsl_health_probe, path, 0, .check = &wsl_check_http_path,
      .doc = "/healthz when absent."),
    F("interval", WSL_FT_DURATION, struct wsl_health_probe, interval_ms, 0, .doc = "10s when absent."),
    F("timeout", WSL_FT_DURATION, struct wsl_health_probe, timeout_ms, 0, .doc = "2s when absent."),
    F("failures", WSL_FT_INT, struct wsl_health_probe, failures, 0, .min = 1, .max = 100,
      .doc = "Consecutive failures before a placement is down; 3 when absent."),
    F("successes", WSL_FT_INT, struct wsl_health_probe, successes, 0, .min = 1, .max = 100,
      .doc = "Consecutive successes before it is up again; 2 when absent."),
    END};
static const struct wsl_type health_probe_type = {"healthProbe",
                                                  sizeof(struct wsl_health_probe), probe_fields,
                                                  false, probe_post, NULL};

static const struct wsl_field failover_fields[] = {
    F("automatic", WSL_FT_BOOL, struct wsl_failover, automatic, 0,
      .doc = "Fail over without a person deciding."),
    F("failback", WSL_FT_BOOL, struct wsl_failover, failback, 0,
      .doc = "Return to the primary by itself once it is healthy again."),
    F("rto", WSL_FT_DURATION, struct wsl_failover, rto_ms, 0,
      .doc = "Recovery time objective that drills are judged against."),
    F("probe", WSL_FT_OBJ, struct wsl_failover, probe, 0, .type = &health_probe_type),
    END};
static const struct wsl_type failover_type = {"failover", sizeof(struct wsl_failover),
                                              failover_fields, false, NULL, NULL};

static void app_spec_post(struct wsl_dec *dec, void *obj)
{
    struct wsl_app_spec *s = obj;
    if (!s->classification)
        s->classification = "internal";
    if (!s->failover.probe.hdr.node) /* the defaults of an absent probe */
        probe_post(dec, &s->failover.probe);
    const struct wsl_node *fo = wsl_field_node(&s->failover.hdr, "automatic");
    if (s->failover.automatic && s->placement.standby.n == 0)
        wsl_dec_error(dec, fo, "add placement.standby, or set automatic: false",
                      "automatic failover needs a standby target");
    if (s->failover.automatic && !s->dns.hdr.node)
        wsl_dec_error(dec, fo, "add dns: {target: <dns target>}",
                      "automatic failover moves DNS, so the application needs \"dns\"");
    if (s->dns.hdr.node && !s->route.hdr.node)
        wsl_dec_error(dec, s->dns.hdr.node, "add route: {host: ..., workload: ..., port: ...}",
                      "\"dns\" manages the route's host name, but there is no \"route\"");
}

static const struct wsl_field app_spec_fields[] = {
    F("workloads", WSL_FT_STRLIST, struct wsl_app_spec, workloads,
      WSL_F_REQUIRED | WSL_F_NONEMPTY, .check = &wsl_check_nonempty,
      .doc = "Score files, relative to this file."),
    F("classification", WSL_FT_STR, struct wsl_app_spec, classification, 0,
      .choices = classifications, .doc = "Data classification; internal when absent."),
    F("critical", WSL_FT_BOOL, struct wsl_app_spec, critical, 0,
      .doc = "A business-critical process."),
    F("replicas", WSL_FT_INTMAP, struct wsl_app_spec, replicas, 0, .key_check = &wsl_check_label,
      .min = 0, .max = 1000, .doc = "Replicas per workload name; 1 when absent."),
    F("placement", WSL_FT_OBJ, struct wsl_app_spec, placement, WSL_F_REQUIRED,
      .type = &placement_type),
    F("route", WSL_FT_OBJ, struct wsl_app_spec, route, 0, .type = &route_type),
    F("dns", WSL_FT_OBJ, struct wsl_app_spec, dns, 0, .type = &dns_type),
    F("failover", WSL_FT_OBJ, struct wsl_app_spec, failover, 0, .type = &failover_type),
    F("dependsOn", WSL_FT_STRLIST, struct wsl_app_spec, depends_on, 0, .check = &wsl_check_name,
      .doc = "Applications that must be healthy first."),
    END};
static const struct wsl_type app_spec_type = {"applicationSpec", sizeof(struct wsl_app_spec),
                                              app_spec_fields, false, app_spec_post, NULL};

static const char *const app_kind[] = {"Application", NULL};
static const struct wsl_field app_fields[] = {
    DOC_FIELDS(struct wsl_app, app_kind),
    F("spec", WSL_FT_OBJ, struct wsl_app, spec, WSL_F_REQUIRED, .type = &app_spec_type), END};
const struct wsl_type wsl_app_type = {"Application", sizeof(struct wsl_app), app_fields, false,
                                      NULL, "Which workloads run where, and how they fail over."};

/* --- Policy ------------------------------------------------------------------------- */

static const struct wsl_field match_fields[] = {
    F("classification", WSL_FT_STRLIST, struct wsl_rule_match, classification, WSL_F_SCALAR_OK,
      .check = &check_classification, .doc = "Applications of these classifications."),
    F("critical", WSL_FT_BOOL, struct wsl_rule_match, critical, 0),
    F("applications", WSL_FT_STRLIST, struct wsl_rule_match, applications, WSL_F_SCALAR_OK,
      .check = &wsl_check_name),
    END};

static const struct wsl_type match_type = {"ruleMatch", sizeof(struct wsl_rule_match),
                                           match_fields, false, NULL,
                                           "Which applications the rule applies to; all when empty."};

static void require_post(struct wsl_dec *dec, void *obj)
{
    struct wsl_rule_require *r = obj;
    if (!r->jurisdiction.n && !r->standby && !r->drill_within_days)
        wsl_dec_error(dec, r->hdr.node, "add jurisdiction, standby or drillWithinDays",
                      "the rule requires nothing");
}

static const struct wsl_field require_fields[] = {
    F("jurisdiction", WSL_FT_STRLIST, struct wsl_rule_require, jurisdiction, WSL_F_SCALAR_OK,
      .check = &check_area, .doc = "EU, EEA, or country codes: the placement's law must be one."),
    F("standby", WSL_FT_BOOL, struct wsl_rule_require, standby, 0,
      .doc = "The application must have a standby target."),
    F("drillWithinDays", WSL_FT_INT, struct wsl_rule_require, drill_within_days, 0, .min = 1,
      .max = 3650, .doc = "A passed failover drill no older than this many days."),
    END};
static const struct wsl_type require_type = {"ruleRequire", sizeof(struct wsl_rule_require),
                                             require_fields, false, require_post, NULL};

static const struct wsl_field rule_fields[] = {
    F("name", WSL_FT_STR, struct wsl_rule, name, WSL_F_REQUIRED, .check = &wsl_check_nonempty,
      .doc = "Shown when the rule refuses a plan."),
    F("match", WSL_FT_OBJ, struct wsl_rule, match, 0, .type = &match_type),
    F("require", WSL_FT_OBJ, struct wsl_rule, require, WSL_F_REQUIRED, .type = &require_type),
    END};
static const struct wsl_type rule_type = {"rule", sizeof(struct wsl_rule), rule_fields, false,
                                          NULL, NULL};

static void policy_spec_post(struct wsl_dec *dec, void *obj)
{
    struct wsl_policy_spec *s = obj;
    for (size_t i = 0; i < s->rules.n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (strcmp(s->rules.v[i].name, s->rules.v[j].name) == 0)
                wsl_dec_error(dec, wsl_field_node(&s->rules.v[i].hdr, "name"),
                              "give each rule its own name", "rule \"%s\" is defined twice",
                              s->rules.v[i].name);
        }
    }
}

static const struct wsl_field policy_spec_fields[] = {
    F("rules", WSL_FT_OBJLIST, struct wsl_policy_spec, rules, WSL_F_REQUIRED | WSL_F_NONEMPTY,
      .type = &rule_type),
    END};
static const struct wsl_type policy_spec_type = {"policySpec", sizeof(struct wsl_policy_spec),
                                                 policy_spec_fields, false, policy_spec_post,
                                                 NULL};

static const char *const policy_kind[] = {"Policy", NULL};
static const struct wsl_field policy_fields[] = {
    DOC_FIELDS(struct wsl_policy, policy_kind),
    F("spec", WSL_FT_OBJ, struct wsl_policy, spec, WSL_F_REQUIRED, .type = &policy_spec_type),
    END};
const struct wsl_type wsl_policy_type = {"Policy", sizeof(struct wsl_policy), policy_fields,
                                         false, NULL, "Rules every placement must satisfy."};

/* --- JSON Schema -------------------------------------------------------------------- */

/* What target_spec_post checks, per provider: only its own block, the block when the
 * provider needs one, and "jurisdiction" when it is self-hosted and hosts applications. */
static json_t *provider_rule(const struct wsl_provider_schema *p,
                             const struct wsl_provider_list *providers)
{
    json_t *others = json_object(), *required = json_array();
    for (size_t i = 0; i < providers->n; i++) {
        if (providers->v[i] != p && providers->v[i]->config)
            json_object_set_new(others, providers->v[i]->name, json_false());
    }
    if (p->config && p->config_required)
        json_array_append_new(required, json_string(p->name));
    if (!p->jurisdiction && (p->roles & WSL_ROLE_HOSTING))
        json_array_append_new(required, json_string("jurisdiction"));
    json_t *then = json_pack("{s:o}", "properties", others);
    if (json_array_size(required))
        json_object_set_new(then, "required", required);
    else
        json_decref(required);
    return json_pack("{s:{s:{s:{s:s}}, s:[s]}, s:o}", "if", "properties", "provider", "const",
                     p->name, "required", "provider", "then", then);
}

static void add_provider_blocks(json_t *defs, const struct wsl_provider_list *providers)
{
    json_t *spec = json_object_get(defs, "targetSpec");
    json_t *props = json_object_get(spec, "properties");
    json_t *names = json_array(), *rules = json_array();
    for (size_t i = 0; providers && i < providers->n; i++) {
        const struct wsl_provider_schema *p = providers->v[i];
        json_array_append_new(names, json_string(p->name));
        json_array_append_new(rules, provider_rule(p, providers));
        if (p->config) {
            json_t *block = wsl_type_schema(p->config, defs);
            if (p->doc)
                json_object_set_new(block, "description", json_string(p->doc));
            json_object_set_new(props, p->name, block);
        }
    }
    json_object_set_new(json_object_get(props, "provider"), "enum", names);
    json_object_set_new(spec, "additionalProperties", json_false());
    json_object_set_new(spec, "allOf", rules);
}

json_t *wsl_wissel_schema(const struct wsl_provider_list *providers)
{
    json_t *defs = json_object();
    const struct wsl_type *kinds[] = {&wsl_target_type, &wsl_app_type, &wsl_policy_type};
    json_t *one_of = json_array();
    for (size_t i = 0; i < 3; i++) {
        json_object_set_new(defs, kinds[i]->name, wsl_type_schema(kinds[i], defs));
        char ref[64];
        snprintf(ref, sizeof ref, "#/$defs/%s", kinds[i]->name);
        json_array_append_new(one_of, json_pack("{s:s}", "$ref", ref));
    }
    add_provider_blocks(defs, providers);
    return json_pack("{s:s, s:s, s:s, s:o, s:o}", "$schema",
                     "https://json-schema.org/draft/2020-12/schema", "$id",
                     "https://wissel.dev/schemas/v1", "title", "wissel.dev/v1 manifests",
                     "oneOf", one_of, "$defs", defs);
}
