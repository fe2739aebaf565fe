/*
 * render.c — Score workloads and an Application as Kubernetes objects (see render.h).
 *
 * One Deployment per workload keeps the containers of a workload together in one pod, as
 * Score intends; inline files become a ConfigMap mounted file by file (subPath), so that a
 * file never hides the rest of its folder. The defaults are the ones a Haven cluster's
 * admission checks expect: non-root, no privilege escalation, no capabilities, the
 * runtime's seccomp profile, and replicas spread over zones where the cluster has them.
 *
 * Objects of one application share a namespace with other applications' (Haven teams get
 * one namespace), so their names carry the application's name.
 */
#include "providers/kubernetes/render_int.h"

#include "lib/buf.h"
#include "manifests/placeholder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_WORKLOAD "wissel.dev/workload"
#define ZONE_KEY "topology.kubernetes.io/zone"


/* --- names and labels ----------------------------------------------------------------- */

/* ASCII only: label values and ConfigMap keys do not follow the locale. */
static bool is_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

bool wsl_k8s_key_char(char ch)
{
    return is_alnum(ch) || ch == '.' || ch == '_' || ch == '-';
}

/* s as a valid label value: at most 63 of [A-Za-z0-9._-], starting and ending with an
 * alphanumeric; other characters become '-'. */
static void label_value(const char *s, char out[64])
{
    size_t n = 0;
    for (; *s && n < 63; s++) {
        if (n > 0 || is_alnum(*s))
            out[n++] = wsl_k8s_key_char(*s) ? *s : '-';
    }
    while (n > 0 && !is_alnum(out[n - 1]))
        n--;
    out[n] = '\0';
}

static void set_label(json_t *labels, const char *key, const char *value)
{
    char v[64];
    label_value(value, v);
    json_object_set_new(labels, key, json_string(v));
}

/* The labels of every object: the ownership markers and the recommended app labels. */
json_t *wsl_k8s_labels(const struct render *r)
{
    json_t *l = json_object();
    set_label(l, WSL_MARK_APP, r->app->metadata.name);
    set_label(l, WSL_MARK_TARGET, r->target->metadata.name);
    set_label(l, "app.kubernetes.io/name", r->app->metadata.name);
    json_object_set_new(l, "app.kubernetes.io/managed-by", json_string("wissel"));
    return l;
}

/* The labels that select a workload's pods (immutable once a Deployment exists). */
static json_t *selector_of(const struct render *r, const struct wsl_workload *w)
{
    json_t *l = json_object();
    set_label(l, WSL_MARK_APP, r->app->metadata.name);
    set_label(l, LABEL_WORKLOAD, w->metadata.name);
    return l;
}

json_t *wsl_k8s_metadata(const struct render *r, const char *name)
{
    json_t *m = json_pack("{s:s, s:o}", "name", name, "labels", wsl_k8s_labels(r));
    if (r->ns)
        json_object_set_new(m, "namespace", json_string(r->ns));
    return m;
}

/* "<app>-<workload>": an RFC 1035 label, as Service names must be. */
static int workload_name(const struct render *r, const struct wsl_workload *w, char out[64],
                         struct wsl_err *err)
{
    int n = snprintf(out, 64, "%s-%s", r->app->metadata.name, w->metadata.name);
    if (n < 0 || n > 63)
        return wsl_err_set(err, WSL_E_INVALID,
                           "%s-%s is longer than the 63 characters Kubernetes allows in a name",
                           r->app->metadata.name, w->metadata.name);
    if (out[0] >= '0' && out[0] <= '9')
        return wsl_err_set(err, WSL_E_INVALID,
                           "%s: Kubernetes Service names must start with a letter",
                           r->app->metadata.name);
    return 0;
}

/* Add body as kind/name (apiVersion and kind filled in); namespaced objects depend on the
 * Namespace when wissel owns it. */
struct wsl_object *wsl_k8s_add(const struct render *r, const char *api, const char *kind,
                               const char *name, json_t *body)
{
    json_object_set_new(body, "apiVersion", json_string(api));
    json_object_set_new(body, "kind", json_string(kind));
    struct wsl_object *o = wsl_objset_add(r->out, kind, name, body);
    if (r->own_ns && strcmp(kind, "Namespace") != 0)
        wsl_object_depend(o, "Namespace", r->ns);
    return o;
}

static json_t *pod_security(void)
{
    return json_pack("{s:b, s:{s:s}}", "runAsNonRoot", 1, "seccompProfile", "type",
                     "RuntimeDefault");
}

static json_t *zone_spread(const struct render *r, const struct wsl_workload *w)
{
    return json_pack("[{s:i, s:s, s:s, s:{s:o}}]", "maxSkew", 1, "topologyKey", ZONE_KEY,
                     "whenUnsatisfiable", "ScheduleAnyway", "labelSelector", "matchLabels",
                     selector_of(r, w));
}

static int64_t replicas_of(const struct wsl_app *app, const char *workload)
{
    for (size_t i = 0; i < app->spec.replicas.n; i++) {
        if (!strcmp(app->spec.replicas.v[i].key, workload))
            return app->spec.replicas.v[i].num;
    }
    return 1;
}

/* --- objects -------------------------------------------------------------------------- */

/* The workload's Deployment; its ConfigMaps are added first and depended on. */
static int render_deployment(const struct render *r, size_t wi, const char *base,
                             int64_t replicas, struct wsl_err *err)
{
    const struct wsl_workload *w = r->app->workloads[wi];
    json_t *pod = json_pack("{s:o, s:o}", "securityContext", pod_security(),
                            "topologySpreadConstraints", zone_spread(r, w));
    int rc = wsl_k8s_pod(r, wi, base, pod, err);
    if (rc != 0) {
        json_decref(pod);
        return rc;
    }
    json_t *labels = wsl_k8s_labels(r);
    json_t *sel = selector_of(r, w);
    json_object_update(labels, sel);
    json_t *body = json_pack("{s:o, s:{s:I, s:{s:O}, s:{s:{s:o}, s:o}}}", "metadata",
                             wsl_k8s_metadata(r, base), "spec", "replicas", (json_int_t)replicas,
                             "selector", "matchLabels", sel, "template", "metadata",
                             "labels", labels, "spec", pod);
    json_decref(sel);
    wsl_k8s_pod_depend(r, wi, base, wsl_k8s_add(r, "apps/v1", "Deployment", base, body));
    return 0;
}

static void render_service(const struct render *r, const struct wsl_workload *w,
                           const char *base)
{
    json_t *ports = json_array();
    for (size_t i = 0; i < w->service.ports.n; i++) {
        const struct wsl_score_port *p = &w->service.ports.v[i];
        json_array_append_new(ports, json_pack("{s:s, s:I, s:I, s:s}", "name", p->hdr.key,
                                               "port", (json_int_t)p->port, "targetPort",
                                               (json_int_t)(p->target_port ? p->target_port
                                                                           : p->port),
                                               "protocol", p->protocol ? p->protocol : "TCP"));
    }
    json_t *body = json_pack("{s:o, s:{s:o, s:o}}", "metadata", wsl_k8s_metadata(r, base), "spec",
                             "selector", selector_of(r, w), "ports", ports);
    struct wsl_object *o = wsl_k8s_add(r, "v1", "Service", base, body);
    wsl_object_depend(o, "Deployment", base);
}

static void render_pdb(const struct render *r, const struct wsl_workload *w, const char *base)
{
    json_t *body = json_pack("{s:o, s:{s:i, s:{s:o}}}", "metadata", wsl_k8s_metadata(r, base), "spec",
                             "minAvailable", 1, "selector", "matchLabels", selector_of(r, w));
    struct wsl_object *o = wsl_k8s_add(r, "policy/v1", "PodDisruptionBudget", base, body);
    wsl_object_depend(o, "Deployment", base);
}

static int render_workload(const struct render *r, size_t wi, struct wsl_err *err)
{
    const struct wsl_workload *w = r->app->workloads[wi];
    char base[64];
    int rc = workload_name(r, w, base, err);
    if (rc == 0)
        rc = render_deployment(r, wi, base, replicas_of(r->app, w->metadata.name), err);
    if (rc != 0)
        return rc;
    if (w->service.ports.n)
        render_service(r, w, base);
    if (replicas_of(r->app, w->metadata.name) > 1)
        render_pdb(r, w, base);
    return 0;
}

static const struct wsl_workload *workload_find(const struct wsl_app *app, const char *name)
{
    for (size_t i = 0; i < app->spec.workloads.n; i++) {
        if (app->workloads[i] && !strcmp(app->workloads[i]->metadata.name, name))
            return app->workloads[i];
    }
    return NULL;
}

static int render_ingress(const struct render *r, struct wsl_err *err)
{
    const struct wsl_route *rt = &r->app->spec.route;
    const struct wsl_workload *w = workload_find(r->app, rt->workload);
    if (!w || !wsl_score_port_find(w, rt->port))
        return wsl_err_set(err, WSL_E_INVALID,
                           "the route of %s goes to port %s of workload %s, which has no such "
                           "service port", r->app->metadata.name, rt->port, rt->workload);
    char base[64];
    int rc = workload_name(r, w, base, err);
    if (rc != 0)
        return rc;
    json_t *path = json_pack("{s:s, s:s, s:{s:{s:s, s:{s:s}}}}", "path",
                             rt->path ? rt->path : "/", "pathType", "Prefix", "backend",
                             "service", "name", base, "port", "name", rt->port);
    json_t *spec = json_pack("{s:[{s:s, s:{s:[o]}}]}", "rules", "host", rt->host, "http",
                             "paths", path);
    if (r->cfg && r->cfg->ingress_class)
        json_object_set_new(spec, "ingressClassName", json_string(r->cfg->ingress_class));
    if (rt->tls) {
        char secret[300];
        snprintf(secret, sizeof secret, "%s-tls", r->app->metadata.name);
        json_object_set_new(spec, "tls", json_pack("[{s:[s], s:s}]", "hosts", rt->host,
                                                   "secretName", secret));
    }
    json_t *body = json_pack("{s:o, s:o}", "metadata", wsl_k8s_metadata(r, r->app->metadata.name),
                             "spec", spec);
    struct wsl_object *o = wsl_k8s_add(r, "networking.k8s.io/v1", "Ingress", r->app->metadata.name,
                               body);
    wsl_object_depend(o, "Service", base);
    return 0;
}

const char *wsl_k8s_namespace(const struct wsl_k8s_config *cfg, const struct wsl_app *app)
{
    return cfg && cfg->namespace_ ? cfg->namespace_ : app->metadata.name;
}

/* The Namespace, the resources, the workloads and the route, in that order. */
static int render_all(struct render *r, struct wsl_err *err)
{
    if (r->cfg && r->cfg->create_namespace) {
        /* the applications of a target may share it: it carries the target's marker only */
        json_t *labels = json_object();
        set_label(labels, WSL_MARK_TARGET, r->target->metadata.name);
        json_object_set_new(labels, "app.kubernetes.io/managed-by", json_string("wissel"));
        json_t *m = json_pack("{s:s, s:o}", "name", r->ns, "labels", labels);
        wsl_k8s_add(r, "v1", "Namespace", r->ns, json_pack("{s:o}", "metadata", m));
        r->own_ns = true;
    }
    int rc = wsl_k8s_render_resources(r, err);
    for (size_t i = 0; rc == 0 && i < r->app->spec.workloads.n; i++)
        rc = render_workload(r, i, err);
    if (rc == 0 && r->app->spec.route.hdr.node)
        rc = render_ingress(r, err);
    return rc;
}

int wsl_k8s_render(const struct wsl_k8s_config *cfg, const struct wsl_target *t,
                   const struct wsl_app *app, struct wsl_objset *out, struct wsl_err *err)
{
    struct wsl_outputs outputs;
    int rc = wsl_outputs_init(&outputs, app, err);
    if (rc)
        return rc;
    struct render r = {cfg, t, app, wsl_k8s_namespace(cfg, app), false, out, &outputs};
    rc = render_all(&r, err);
    wsl_outputs_free(&outputs);
    return rc;
}
