#include "manifests/score.h"

#include "manifests/checks.h"
#include "manifests/placeholder.h"

#include <stddef.h>
#include <string.h>

#define F WSL_FIELD
#define END {0}

static bool is_score_version(const char *s) { return strcmp(s, "score.dev/v1b1") == 0; }
static const struct wsl_check check_version = {
    "a supported Score version", is_score_version, "^score\\.dev/v1b1$",
    "this version of wissel reads apiVersion: score.dev/v1b1", 0, 0};

static const char *const protocols[] = {"TCP", "UDP", NULL};
static const char *const schemes[] = {"HTTP", "HTTPS", NULL};
static const char *const readiness[] = {"started", "healthy", "complete", NULL};

/* --- ports -------------------------------------------------------------------------- */

static const struct wsl_field port_fields[] = {
    F("port", WSL_FT_INT, struct wsl_score_port, port, WSL_F_REQUIRED, .min = 1, .max = 65535,
      .doc = "The public service port."),
    F("protocol", WSL_FT_STR, struct wsl_score_port, protocol, 0, .choices = protocols,
      .doc = "The transport protocol; TCP when absent."),
    F("targetPort", WSL_FT_INT, struct wsl_score_port, target_port, 0, .min = 1, .max = 65535,
      .doc = "The port inside the container; the same as port when absent."),
    END};
static const struct wsl_type port_type = {"servicePort", sizeof(struct wsl_score_port),
                                          port_fields, false, NULL, NULL};

/* --- files and volumes -------------------------------------------------------------- */

static bool is_base64(const char *s)
{
    size_t n = 0, pad = 0;
    for (const char *p = s; *p; p++, n++) {
        if (*p == '=') {
            pad++;
        } else if (pad || !(strchr("+/", *p) || (*p >= 'A' && *p <= 'Z') ||
                            (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))) {
            return false;
        }
    }
    return n % 4 == 0 && pad <= 2;
}

static void mount_target_rule(struct wsl_dec *dec, const struct wsl_hdr *h, const char *target,
                              const char *what)
{
    if (h->key && target)
        wsl_dec_error(dec, wsl_field_node(h, "target"),
                      "the map key already gives the path; remove \"target\"",
                      "\"target\" is only used in the deprecated list form of %s", what);
    else if (!h->key && !target)
        wsl_dec_warn(dec, h->node, "add target: /path/in/container, or use the map form",
                     "this entry of %s has no target and will not be mounted", what);
}

static void file_post(struct wsl_dec *dec, void *obj)
{
    struct wsl_score_file *f = obj;
    int sources = !!f->content + !!f->binary_content + !!f->source;
    if (sources == 0)
        wsl_dec_error(dec, f->hdr.node, "add content: ..., binaryContent: ... or source: FILE",
                      "a file needs one of \"content\", \"binaryContent\" or \"source\"");
    else if (sources > 1)
        wsl_dec_error(dec, f->hdr.node, "keep one of them",
                      "a file takes exactly one of \"content\", \"binaryContent\" and "
                      "\"source\", not %d", sources);
    if (f->binary_content && !is_base64(f->binary_content))
        wsl_dec_error(dec, wsl_field_node(&f->hdr, "binaryContent"),
                      "encode the bytes with standard base64 (for example: base64 -w0 FILE)",
                      "\"binaryContent\" is not valid base64");
    mount_target_rule(dec, &f->hdr, f->target, "files");
}

static const struct wsl_field file_fields[] = {
    F("target", WSL_FT_STR, struct wsl_score_file, target, 0, .check = &wsl_check_nonempty,
      .doc = "(Deprecated) The path in the container, in the list form only."),
    F("mode", WSL_FT_STR, struct wsl_score_file, mode, 0, .check = &wsl_check_file_mode,
      .doc = "The file mode in octal, for example \"0600\"."),
    F("source", WSL_FT_STR, struct wsl_score_file, source, 0, .check = &wsl_check_nonempty,
      .doc = "A file to copy, relative to the workload file."),
    F("content", WSL_FT_STR, struct wsl_score_file, content, 0,
      .doc = "The content inline (UTF-8); placeholders are expanded."),
    F("binaryContent", WSL_FT_STR, struct wsl_score_file, binary_content, 0,
      .doc = "The content inline as standard base64; not expanded."),
    F("noExpand", WSL_FT_BOOL, struct wsl_score_file, no_expand, 0,
      .doc = "Do not expand placeholders in the content."),
    END};
static const struct wsl_type file_type = {"containerFile", sizeof(struct wsl_score_file),
                                          file_fields, false, file_post, NULL};

static void volume_post(struct wsl_dec *dec, void *obj)
{
    struct wsl_score_volume *v = obj;
    mount_target_rule(dec, &v->hdr, v->target, "volumes");
}

static const struct wsl_field volume_fields[] = {
    F("source", WSL_FT_STR, struct wsl_score_volume, source, WSL_F_REQUIRED,
      .doc = "The volume: a resource, usually ${resources.<name>}."),
    F("path", WSL_FT_STR, struct wsl_score_volume, path, 0, .doc = "A sub-path in the volume."),
    F("target", WSL_FT_STR, struct wsl_score_volume, target, 0,
      .doc = "(Deprecated) The mount path, in the list form only."),
    F("readOnly", WSL_FT_BOOL, struct wsl_score_volume, read_only, 0,
      .doc = "Mount read-only."),
    END};
static const struct wsl_type volume_type = {"containerVolume", sizeof(struct wsl_score_volume),
                                            volume_fields, false, volume_post, NULL};

/* --- probes ------------------------------------------------------------------------- */

static const struct wsl_field header_fields[] = {
    F("name", WSL_FT_STR, struct wsl_score_header, name, WSL_F_REQUIRED,
      .check = &wsl_check_header_name),
    F("value", WSL_FT_STR, struct wsl_score_header, value, WSL_F_REQUIRED,
      .check = &wsl_check_nonempty),
    END};
static const struct wsl_type header_type = {"httpHeader", sizeof(struct wsl_score_header),
                                            header_fields, false, NULL, NULL};

static const struct wsl_field http_fields[] = {
    F("host", WSL_FT_STR, struct wsl_score_http_probe, host, 0, .check = &wsl_check_nonempty),
    F("scheme", WSL_FT_STR, struct wsl_score_http_probe, scheme, 0, .choices = schemes),
    F("path", WSL_FT_STR, struct wsl_score_http_probe, path, WSL_F_REQUIRED),
    F("port", WSL_FT_INT, struct wsl_score_http_probe, port, WSL_F_REQUIRED, .min = 1,
      .max = 65535),
    F("httpHeaders", WSL_FT_OBJLIST, struct wsl_score_http_probe, headers, 0,
      .type = &header_type),
    END};
static const struct wsl_type http_type = {"httpProbe", sizeof(struct wsl_score_http_probe),
                                          http_fields, false, NULL, NULL};

static const struct wsl_field exec_fields[] = {
    F("command", WSL_FT_STRLIST, struct wsl_score_exec_probe, command, WSL_F_REQUIRED), END};
static const struct wsl_type exec_type = {"execProbe", sizeof(struct wsl_score_exec_probe),
                                          exec_fields, false, NULL, NULL};

static void probe_post(struct wsl_dec *dec, void *obj)
{
    struct wsl_score_probe *p = obj;
    if (!p->http_get.hdr.node && !p->exec.hdr.node)
        wsl_dec_error(dec, p->hdr.node, "add httpGet: {path: /healthz, port: 8080} or exec",
                      "a probe needs \"httpGet\" or \"exec\"");
}

static const struct wsl_field probe_fields[] = {
    F("httpGet", WSL_FT_OBJ, struct wsl_score_probe, http_get, 0, .type = &http_type),
    F("exec", WSL_FT_OBJ, struct wsl_score_probe, exec, 0, .type = &exec_type), END};
static const struct wsl_type probe_type = {"containerProbe", sizeof(struct wsl_score_probe),
                                           probe_fields, false, probe_post, NULL};

/* --- containers --------------------------------------------------------------------- */

static const struct wsl_field amount_fields[] = {
    F("cpu", WSL_FT_STR, struct wsl_score_amounts, cpu, 0, .check = &wsl_check_cpu),
    F("memory", WSL_FT_STR, struct wsl_score_amounts, memory, 0, .check = &wsl_check_memory),
    END};
static const struct wsl_type amount_type = {"resourcesLimits", sizeof(struct wsl_score_amounts),
                                            amount_fields, false, NULL, NULL};

static const struct wsl_field compute_fields[] = {
    F("limits", WSL_FT_OBJ, struct wsl_score_compute, limits, 0, .type = &amount_type),
    F("requests", WSL_FT_OBJ, struct wsl_score_compute, requests, 0, .type = &amount_type),
    END};
static const struct wsl_type compute_type = {"containerResources",
                                             sizeof(struct wsl_score_compute), compute_fields,
                                             false, NULL, NULL};

static const struct wsl_field before_fields[] = {
    F("ready", WSL_FT_STR, struct wsl_score_before, ready, WSL_F_REQUIRED, .choices = readiness),
    END};
static const struct wsl_type before_type = {"containerBefore", sizeof(struct wsl_score_before),
                                            before_fields, false, NULL, NULL};

static const struct wsl_field container_fields[] = {
    F("image", WSL_FT_STR, struct wsl_score_container, image, WSL_F_REQUIRED,
      .check = &wsl_check_nonempty, .doc = "The image, or \".\" for one the platform builds."),
    F("command", WSL_FT_STRLIST, struct wsl_score_container, command, 0),
    F("args", WSL_FT_STRLIST, struct wsl_score_container, args, 0),
    F("variables", WSL_FT_STRMAP, struct wsl_score_container, variables, 0,
      .key_check = &wsl_check_env_name),
    F("files", WSL_FT_OBJMAP, struct wsl_score_container, files, WSL_F_LISTFORM,
      .type = &file_type),
    F("volumes", WSL_FT_OBJMAP, struct wsl_score_container, volumes, WSL_F_LISTFORM,
      .type = &volume_type),
    F("before", WSL_FT_OBJMAP, struct wsl_score_container, before, 0, .type = &before_type,
      .key_check = &wsl_check_label),
    F("resources", WSL_FT_OBJ, struct wsl_score_container, resources, 0, .type = &compute_type),
    F("livenessProbe", WSL_FT_OBJ, struct wsl_score_container, liveness, 0,
      .type = &probe_type),
    F("readinessProbe", WSL_FT_OBJ, struct wsl_score_container, readiness, 0,
      .type = &probe_type),
    END};
static const struct wsl_type container_type = {"container", sizeof(struct wsl_score_container),
                                               container_fields, false, NULL, NULL};

/* --- metadata, resources, workload -------------------------------------------------- */

static const struct wsl_field meta_fields[] = {
    F("name", WSL_FT_STR, struct wsl_score_meta, name, WSL_F_REQUIRED, .check = &wsl_check_label),
    F("annotations", WSL_FT_STRMAP, struct wsl_score_meta, annotations, 0,
      .key_check = &wsl_check_annotation),
    END};
static const struct wsl_type meta_type = {"workloadMetadata", sizeof(struct wsl_score_meta),
                                          meta_fields, true, NULL, NULL};

static const struct wsl_field res_meta_fields[] = {
    F("annotations", WSL_FT_STRMAP, struct wsl_score_meta, annotations, 0,
      .key_check = &wsl_check_annotation),
    END};
static const struct wsl_type res_meta_type = {"resourceMetadata", sizeof(struct wsl_score_meta),
                                              res_meta_fields, true, NULL, NULL};

static void params_post(struct wsl_dec *dec, void *obj)
{
    struct wsl_score_resource *r = obj;
    if (r->params && r->params->kind != WSL_NODE_MAP)
        wsl_dec_error(dec, r->params, NULL, "\"params\" must be a mapping, not %s",
                      wsl_node_describe(r->params));
}

static const struct wsl_field resource_fields[] = {
    F("type", WSL_FT_STR, struct wsl_score_resource, type, WSL_F_REQUIRED,
      .check = &wsl_check_type_name, .doc = "postgres, redis, volume, s3, dns, route, ..."),
    F("class", WSL_FT_STR, struct wsl_score_resource, class_, 0, .check = &wsl_check_type_name),
    F("id", WSL_FT_STR, struct wsl_score_resource, id, 0, .check = &wsl_check_resource_id),
    F("metadata", WSL_FT_OBJ, struct wsl_score_resource, metadata, 0, .type = &res_meta_type),
    F("params", WSL_FT_ANY, struct wsl_score_resource, params, 0),
    END};
static const struct wsl_type resource_type = {"resource", sizeof(struct wsl_score_resource),
                                              resource_fields, false, params_post, NULL};

static const struct wsl_field service_fields[] = {
    F("ports", WSL_FT_OBJMAP, struct wsl_score_service, ports, 0, .type = &port_type,
      .key_check = &wsl_check_label),
    END};
static const struct wsl_type service_type = {"service", sizeof(struct wsl_score_service), service_fields,
                                             false, NULL, NULL};

static void check_placeholders(struct wsl_dec *dec, const struct wsl_workload *w,
                               const struct wsl_node *at, const char *s)
{
    struct wsl_buf out = WSL_BUF_INIT;
    struct wsl_err err = {0};
    if (wsl_score_expand(w, NULL, s, &out, &err) != 0)
        wsl_dec_error(dec, at, err.hint[0] ? err.hint : NULL, "%s", err.msg);
    wsl_buf_free(&out);
}

static void check_container(struct wsl_dec *dec, const struct wsl_workload *w,
                            const struct wsl_score_container *c)
{
    for (size_t i = 0; i < c->variables.n; i++)
        check_placeholders(dec, w, c->variables.v[i].node, c->variables.v[i].value);
    for (size_t i = 0; i < c->files.n; i++) {
        const struct wsl_score_file *f = &c->files.v[i];
        if (f->content && !f->no_expand)
            check_placeholders(dec, w, wsl_field_node(&f->hdr, "content"), f->content);
    }
    for (size_t i = 0; i < c->volumes.n; i++)
        check_placeholders(dec, w, wsl_field_node(&c->volumes.v[i].hdr, "source"),
                           c->volumes.v[i].source);
    for (size_t i = 0; i < c->before.n; i++) {
        const char *name = c->before.v[i].hdr.key;
        bool found = false;
        for (size_t j = 0; j < w->containers.n; j++)
            found = found || strcmp(w->containers.v[j].hdr.key, name) == 0;
        if (!found)
            wsl_dec_error(dec, wsl_key_node(wsl_field_node(&c->hdr, "before"), name), NULL,
                          "\"before\" names container \"%s\", which this workload does not have",
                          name);
    }
}

static void workload_post(struct wsl_dec *dec, void *obj)
{
    const struct wsl_workload *w = obj;
    for (size_t i = 0; i < w->containers.n; i++)
        check_container(dec, w, &w->containers.v[i]);
}

static const struct wsl_field workload_fields[] = {
    F("apiVersion", WSL_FT_STR, struct wsl_workload, api_version, WSL_F_REQUIRED,
      .check = &check_version),
    F("metadata", WSL_FT_OBJ, struct wsl_workload, metadata, WSL_F_REQUIRED, .type = &meta_type),
    F("service", WSL_FT_OBJ, struct wsl_workload, service, 0, .type = &service_type),
    F("containers", WSL_FT_OBJMAP, struct wsl_workload, containers,
      WSL_F_REQUIRED | WSL_F_NONEMPTY, .type = &container_type, .key_check = &wsl_check_label),
    F("resources", WSL_FT_OBJMAP, struct wsl_workload, resources, 0, .type = &resource_type,
      .key_check = &wsl_check_label),
    END};
const struct wsl_type wsl_score_type = {"Score workload", sizeof(struct wsl_workload),
                                        workload_fields, false, workload_post,
                                        "A Score workload (score.dev/v1b1)."};

const char *wsl_score_file_target(const struct wsl_score_file *f)
{
    return f->hdr.key ? f->hdr.key : f->target;
}

const char *wsl_score_volume_target(const struct wsl_score_volume *v)
{
    return v->hdr.key ? v->hdr.key : v->target;
}

const struct wsl_score_port *wsl_score_port_find(const struct wsl_workload *w, const char *name)
{
    for (size_t i = 0; i < w->service.ports.n; i++) {
        if (strcmp(w->service.ports.v[i].hdr.key, name) == 0)
            return &w->service.ports.v[i];
    }
    return NULL;
}

const struct wsl_score_resource *wsl_score_resource_find(const struct wsl_workload *w,
                                                         const char *name)
{
    for (size_t i = 0; i < w->resources.n; i++) {
        if (strcmp(w->resources.v[i].hdr.key, name) == 0)
            return &w->resources.v[i];
    }
    return NULL;
}

const char *wsl_score_resource_param(const struct wsl_score_resource *res, const char *key,
                                     const char *def)
{
    const struct wsl_node *n = res->params ? wsl_node_get(res->params, key) : NULL;
    return n && n->kind == WSL_NODE_SCALAR && n->str[0] ? n->str : def;
}
