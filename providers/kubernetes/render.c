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
#include "providers/kubernetes/render.h"

#include "lib/buf.h"
#include "manifests/placeholder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LABEL_WORKLOAD "wissel.dev/workload"
#define ZONE_KEY "topology.kubernetes.io/zone"

struct render {
    const struct wsl_k8s_config *cfg;
    const struct wsl_target *target;
    const struct wsl_app *app;
    const char *ns;
    bool own_ns; /* the Namespace is rendered: everything else depends on it */
    struct wsl_objset *out;
};

/* --- names and labels ----------------------------------------------------------------- */

/* ASCII only: label values and ConfigMap keys do not follow the locale. */
static bool is_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

/* A character of label values and ConfigMap keys. */
static bool is_key_char(char ch)
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
            out[n++] = is_key_char(*s) ? *s : '-';
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
static json_t *labels_of(const struct render *r)
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

static json_t *metadata(const struct render *r, const char *name)
{
    json_t *m = json_pack("{s:s, s:o}", "name", name, "labels", labels_of(r));
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
static struct wsl_object *add(const struct render *r, const char *api, const char *kind,
                              const char *name, json_t *body)
{
    json_object_set_new(body, "apiVersion", json_string(api));
    json_object_set_new(body, "kind", json_string(kind));
    struct wsl_object *o = wsl_objset_add(r->out, kind, name, body);
    if (r->own_ns && strcmp(kind, "Namespace") != 0)
        wsl_object_depend(o, "Namespace", r->ns);
    return o;
}

/* --- containers ----------------------------------------------------------------------- */

/* A Score value with its placeholders expanded, as a JSON string in *out. */
static int expanded(const struct wsl_workload *w, const char *s, json_t **out,
                    struct wsl_err *err)
{
    /* TODO(issue 5): expand ${resources.*} with the provisioned resources' outputs; until
     * then such values are passed on as written (expanding them without outputs would
     * turn them into ""). */
    if (strstr(s, "${resources.")) {
        *out = json_string(s);
        return 0;
    }
    struct wsl_buf b = WSL_BUF_INIT;
    int rc = wsl_score_expand(w, NULL, s, &b, err);
    *out = rc == 0 ? json_string(wsl_buf_str(&b)) : NULL;
    wsl_buf_free(&b);
    return rc;
}

static json_t *strings(const struct wsl_strs *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->n; i++)
        json_array_append_new(a, json_string(s->v[i]));
    return a;
}

static int env_of(const struct wsl_workload *w, const struct wsl_score_container *c,
                  json_t *env, struct wsl_err *err)
{
    for (size_t i = 0; i < c->variables.n; i++) {
        json_t *v;
        int rc = expanded(w, c->variables.v[i].value, &v, err);
        if (rc != 0) {
            wsl_err_prefix(err, "%s: containers.%s.variables.%s", w->metadata.name,
                           c->hdr.key, c->variables.v[i].key);
            return rc;
        }
        json_array_append_new(env, json_pack("{s:s, s:o}", "name", c->variables.v[i].key,
                                             "value", v));
    }
    return 0;
}

static json_t *amounts(const struct wsl_score_amounts *a)
{
    json_t *o = json_object();
    if (a->cpu)
        json_object_set_new(o, "cpu", json_string(a->cpu));
    if (a->memory)
        json_object_set_new(o, "memory", json_string(a->memory));
    return o;
}

static json_t *http_probe(const struct wsl_score_http_probe *h)
{
    json_t *g = json_pack("{s:I}", "port", (json_int_t)h->port);
    if (h->path)
        json_object_set_new(g, "path", json_string(h->path));
    if (h->host)
        json_object_set_new(g, "host", json_string(h->host));
    if (h->scheme)
        json_object_set_new(g, "scheme", json_string(h->scheme));
    if (h->headers.n) {
        json_t *hs = json_array();
        for (size_t i = 0; i < h->headers.n; i++)
            json_array_append_new(hs, json_pack("{s:s, s:s}", "name", h->headers.v[i].name,
                                                "value", h->headers.v[i].value));
        json_object_set_new(g, "httpHeaders", hs);
    }
    return g;
}

/* A Score probe as a Kubernetes one; NULL when there is none. */
static json_t *probe(const struct wsl_score_probe *p)
{
    if (!p->hdr.node)
        return NULL;
    if (p->http_get.hdr.node)
        return json_pack("{s:o}", "httpGet", http_probe(&p->http_get));
    if (p->exec.hdr.node)
        return json_pack("{s:{s:o}}", "exec", "command", strings(&p->exec.command));
    return NULL;
}

static json_t *container_security(void)
{
    return json_pack("{s:b, s:b, s:{s:[s]}, s:{s:s}}", "runAsNonRoot", 1,
                     "allowPrivilegeEscalation", 0, "capabilities", "drop", "ALL",
                     "seccompProfile", "type", "RuntimeDefault");
}

/* A container that another one waits for until it completes runs as an init container. */
static bool runs_first(const struct wsl_workload *w, const char *name)
{
    for (size_t i = 0; i < w->containers.n; i++) {
        const struct wsl_score_container *c = &w->containers.v[i];
        for (size_t k = 0; k < c->before.n; k++) {
            const char *ready = c->before.v[k].ready;
            if (!strcmp(c->before.v[k].hdr.key, name) && ready && !strcmp(ready, "complete"))
                return true;
        }
    }
    return false;
}

/* The Kubernetes container of a Score container, in *out. */
static int container(const struct wsl_workload *w, const struct wsl_score_container *c,
                     bool init, json_t **out, struct wsl_err *err)
{
    json_t *env = json_array();
    int rc = env_of(w, c, env, err);
    if (rc != 0) {
        json_decref(env);
        return rc;
    }
    json_t *o = json_pack("{s:s, s:s, s:o}", "name", c->hdr.key, "image", c->image,
                          "securityContext", container_security());
    if (c->command.n)
        json_object_set_new(o, "command", strings(&c->command));
    if (c->args.n)
        json_object_set_new(o, "args", strings(&c->args));
    if (json_array_size(env))
        json_object_set(o, "env", env);
    json_decref(env);
    if (c->resources.hdr.node)
        json_object_set_new(o, "resources", json_pack("{s:o, s:o}", "limits",
                                                      amounts(&c->resources.limits), "requests",
                                                      amounts(&c->resources.requests)));
    json_t *live = init ? NULL : probe(&c->liveness); /* init containers take no probes */
    json_t *ready = init ? NULL : probe(&c->readiness);
    if (live)
        json_object_set_new(o, "livenessProbe", live);
    if (ready)
        json_object_set_new(o, "readinessProbe", ready);
    *out = o;
    return 0;
}

/* --- files ---------------------------------------------------------------------------- */

/* The ConfigMap key of a file: its base name as a valid key, unique within the ConfigMap
 * (data and binaryData together). */
static void file_key(const char *target, size_t i, const json_t *cm, char out[128])
{
    const char *base = strrchr(target, '/');
    base = base ? base + 1 : target;
    size_t n = 0;
    for (; *base && n < 100; base++)
        out[n++] = is_key_char(*base) ? *base : '-';
    out[n] = '\0';
    if (n == 0 || !strcmp(out, ".") || !strcmp(out, "..") ||
        json_object_get(json_object_get(cm, "data"), out) ||
        json_object_get(json_object_get(cm, "binaryData"), out)) {
        char tmp[128];
        snprintf(tmp, sizeof tmp, "file-%zu-%s", i, out);
        strcpy(out, tmp);
    }
}

/* One inline file into the ConfigMap's data, its volume item and its mount. Files from
 * `source` are not rendered yet. */
static int add_file(const struct wsl_workload *w, const struct wsl_score_file *f, size_t i,
                    const char *volume, json_t *cm, json_t *items, json_t *mounts,
                    struct wsl_err *err)
{
    const char *text = f->content ? f->content : f->binary_content;
    if (!text)
        return 0; /* TODO(issue 5): files with `source`, read relative to the Score file */
    json_t *data = json_object_get(cm, f->content ? "data" : "binaryData");
    char key[128];
    file_key(wsl_score_file_target(f), i, cm, key);
    json_t *v = json_string(text);
    if (f->content && !f->no_expand) {
        json_decref(v);
        int rc = expanded(w, text, &v, err);
        if (rc != 0) {
            wsl_err_prefix(err, "%s: file %s", w->metadata.name, wsl_score_file_target(f));
            return rc;
        }
    }
    json_object_set_new(data, key, v);
    json_t *item = json_pack("{s:s, s:s}", "key", key, "path", key);
    if (f->mode)
        json_object_set_new(item, "mode", json_integer(strtol(f->mode, NULL, 8)));
    json_array_append_new(items, item);
    json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:b}", "name", volume,
                                            "mountPath", wsl_score_file_target(f), "subPath",
                                            key, "readOnly", 1));
    return 0;
}

static void files_name(const char *base, const struct wsl_score_container *c, char out[256])
{
    snprintf(out, 256, "%s-%s-files", base, c->hdr.key);
}

/* The ConfigMap of one container's inline files (added to the set), its volume in volumes
 * and its mounts in mounts. None when the container has no inline file. */

static int render_files(const struct render *r, const struct wsl_workload *w, size_t ci,
                        const char *base, json_t *volumes, json_t *mounts,
                        struct wsl_err *err)
{
    const struct wsl_score_container *c = &w->containers.v[ci];
    char name[256], volume[32];
    files_name(base, c, name);
    snprintf(volume, sizeof volume, "files-%zu", ci);
    json_t *cm = json_pack("{s:{}, s:{}}", "data", "binaryData");
    json_t *items = json_array();
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < c->files.n; i++)
        rc = add_file(w, &c->files.v[i], i, volume, cm, items, mounts, err);
    if (rc != 0 || json_array_size(items) == 0) {
        json_decref(cm);
        json_decref(items);
        return rc;
    }
    if (json_object_size(json_object_get(cm, "binaryData")) == 0)
        json_object_del(cm, "binaryData");
    if (json_object_size(json_object_get(cm, "data")) == 0)
        json_object_del(cm, "data");
    json_object_set_new(cm, "metadata", metadata(r, name));
    json_array_append_new(volumes, json_pack("{s:s, s:{s:s, s:o}}", "name", volume,
                                             "configMap", "name", name, "items", items));
    add(r, "v1", "ConfigMap", name, cm);
    return 0;
}

/* The pod's containers, init containers and volumes; ConfigMaps are added to the set. */
static int pod_containers(const struct render *r, const struct wsl_workload *w,
                          const char *base, json_t *pod, struct wsl_err *err)
{
    json_t *main_ = json_array(), *init = json_array(), *volumes = json_array();
    json_object_set_new(pod, "containers", main_);
    json_object_set_new(pod, "initContainers", init);
    json_object_set_new(pod, "volumes", volumes);
    for (size_t i = 0; i < w->containers.n; i++) {
        bool first = runs_first(w, w->containers.v[i].hdr.key);
        json_t *c;
        int rc = container(w, &w->containers.v[i], first, &c, err);
        if (rc != 0)
            return rc;
        json_array_append_new(first ? init : main_, c);
        json_t *mounts = json_array();
        rc = render_files(r, w, i, base, volumes, mounts, err);
        if (json_array_size(mounts))
            json_object_set(c, "volumeMounts", mounts);
        json_decref(mounts);
        if (rc != 0)
            return rc;
    }
    if (!json_array_size(init))
        json_object_del(pod, "initContainers");
    if (!json_array_size(volumes))
        json_object_del(pod, "volumes");
    return 0;
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
static int render_deployment(const struct render *r, const struct wsl_workload *w,
                             const char *base, int64_t replicas, struct wsl_err *err)
{
    json_t *pod = json_pack("{s:o, s:o}", "securityContext", pod_security(),
                            "topologySpreadConstraints", zone_spread(r, w));
    int rc = pod_containers(r, w, base, pod, err);
    if (rc != 0) {
        json_decref(pod);
        return rc;
    }
    json_t *labels = labels_of(r);
    json_t *sel = selector_of(r, w);
    json_object_update(labels, sel);
    json_t *body = json_pack("{s:o, s:{s:I, s:{s:O}, s:{s:{s:o}, s:o}}}", "metadata",
                             metadata(r, base), "spec", "replicas", (json_int_t)replicas,
                             "selector", "matchLabels", sel, "template", "metadata",
                             "labels", labels, "spec", pod);
    json_decref(sel);
    struct wsl_object *o = add(r, "apps/v1", "Deployment", base, body);
    for (size_t i = 0; i < w->containers.n; i++) {
        char cm[256];
        files_name(base, &w->containers.v[i], cm);
        if (wsl_objset_find(r->out, "ConfigMap", cm))
            wsl_object_depend(o, "ConfigMap", cm);
    }
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
    json_t *body = json_pack("{s:o, s:{s:o, s:o}}", "metadata", metadata(r, base), "spec",
                             "selector", selector_of(r, w), "ports", ports);
    struct wsl_object *o = add(r, "v1", "Service", base, body);
    wsl_object_depend(o, "Deployment", base);
}

static void render_pdb(const struct render *r, const struct wsl_workload *w, const char *base)
{
    json_t *body = json_pack("{s:o, s:{s:i, s:{s:o}}}", "metadata", metadata(r, base), "spec",
                             "minAvailable", 1, "selector", "matchLabels", selector_of(r, w));
    struct wsl_object *o = add(r, "policy/v1", "PodDisruptionBudget", base, body);
    wsl_object_depend(o, "Deployment", base);
}

static int render_workload(const struct render *r, const struct wsl_workload *w,
                           struct wsl_err *err)
{
    char base[64];
    int rc = workload_name(r, w, base, err);
    if (rc == 0)
        rc = render_deployment(r, w, base, replicas_of(r->app, w->metadata.name), err);
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
    json_t *body = json_pack("{s:o, s:o}", "metadata", metadata(r, r->app->metadata.name),
                             "spec", spec);
    struct wsl_object *o = add(r, "networking.k8s.io/v1", "Ingress", r->app->metadata.name,
                               body);
    wsl_object_depend(o, "Service", base);
    return 0;
}

const char *wsl_k8s_namespace(const struct wsl_k8s_config *cfg, const struct wsl_app *app)
{
    return cfg && cfg->namespace_ ? cfg->namespace_ : app->metadata.name;
}

int wsl_k8s_render(const struct wsl_k8s_config *cfg, const struct wsl_target *t,
                   const struct wsl_app *app, struct wsl_objset *out, struct wsl_err *err)
{
    struct render r = {cfg, t, app, NULL, false, out};
    r.ns = wsl_k8s_namespace(cfg, app);
    if (cfg && cfg->create_namespace) {
        json_t *m = json_pack("{s:s, s:o}", "name", r.ns, "labels", labels_of(&r));
        add(&r, "v1", "Namespace", r.ns, json_pack("{s:o}", "metadata", m));
        r.own_ns = true;
    }
    for (size_t i = 0; i < app->spec.workloads.n; i++) {
        if (!app->workloads || !app->workloads[i])
            return wsl_err_set(err, WSL_E_INVALID, "workload %s of %s did not load",
                               app->spec.workloads.v[i], app->metadata.name);
        int rc = render_workload(&r, app->workloads[i], err);
        if (rc != 0)
            return rc;
    }
    return app->spec.route.hdr.node ? render_ingress(&r, err) : 0;
}
