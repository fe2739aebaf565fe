/*
 * The Kubernetes driver: render (render.c), observe with label-selected list calls (one
 * per kind and namespace), apply with server-side apply under the field manager "wissel",
 * delete with propagation, and health from the Deployments' rollout status.
 *
 * The desired object's fingerprint travels as the annotation wissel.dev/fingerprint (a
 * SHA-256 in hex is longer than a label value may be). Requests on one connection are
 * serialized with a mutex: apply() is called from several threads (provider.h).
 */
#include "providers/kubernetes/config.h"
#include "providers/kubernetes/kubeconfig.h"
#include "providers/kubernetes/render.h"
#include "providers/provider.h"
#include "providers/registry.h"

#include "lib/buf.h"
#include "lib/http.h"
#include "lib/json.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct wsl_conn {
    const struct wsl_target *target;
    const struct wsl_k8s_config *cfg;
    struct wsl_http *http;
    pthread_mutex_t lock;
};

/* Where each kind the renderer makes lives in the API. */
static const struct kind_api {
    const char *kind, *prefix, *plural;
    bool namespaced;
} kinds[] = {
    {"Namespace", "/api/v1", "namespaces", false},
    {"ConfigMap", "/api/v1", "configmaps", true},
    {"Deployment", "/apis/apps/v1", "deployments", true},
    {"Service", "/api/v1", "services", true},
    {"PodDisruptionBudget", "/apis/policy/v1", "poddisruptionbudgets", true},
    {"Ingress", "/apis/networking.k8s.io/v1", "ingresses", true},
};
#define NKINDS (sizeof kinds / sizeof *kinds)

static const struct kind_api *kind_of(const char *kind)
{
    for (size_t i = 0; i < NKINDS; i++) {
        if (!strcmp(kinds[i].kind, kind))
            return &kinds[i];
    }
    return NULL;
}

static int k8s_open(const struct wsl_target *t, struct wsl_conn **out, struct wsl_err *err)
{
    const struct wsl_k8s_config *cfg = t->spec.config;
    struct wsl_kubeconfig *kc = NULL;
    struct wsl_kube_conn_info info = {0};
    struct wsl_http *http = NULL;
    int rc = wsl_kubeconfig_load(cfg ? cfg->kubeconfig : NULL, &kc, err);
    if (rc == 0)
        rc = wsl_kube_resolve(kc, cfg ? cfg->context : NULL, &info, err);
    if (rc == 0)
        rc = wsl_kube_http(&info, &http, err);
    if (rc == 0) {
        struct wsl_conn *c = wsl_xcalloc(1, sizeof *c);
        c->target = t;
        c->cfg = cfg;
        c->http = http;
        pthread_mutex_init(&c->lock, NULL);
        *out = c;
    } else {
        wsl_err_prefix(err, "target %s", t->metadata.name);
    }
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);
    return rc;
}

static void k8s_close(struct wsl_conn *c)
{
    if (!c)
        return;
    wsl_http_free(c->http);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static int k8s_render(struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
                      struct wsl_err *err)
{
    return wsl_k8s_render(c->cfg, c->target, app, out, err);
}

/* One request, serialized on the connection. */
static int call(struct wsl_conn *c, struct wsl_http_req *req, const json_t *body, json_t **resp,
                long *status, struct wsl_err *err)
{
    pthread_mutex_lock(&c->lock);
    int rc = wsl_http_json_req(c->http, req, body, resp, status, err);
    pthread_mutex_unlock(&c->lock);
    return rc;
}

static void object_url(const struct kind_api *k, const char *ns, const char *name,
                       struct wsl_buf *b)
{
    wsl_buf_puts(b, k->prefix);
    if (k->namespaced)
        wsl_buf_printf(b, "/namespaces/%s", ns);
    wsl_buf_printf(b, "/%s", k->plural);
    if (name)
        wsl_buf_printf(b, "/%s", name);
}

static int observe_kind(struct wsl_conn *c, const struct wsl_app *app, const struct kind_api *k,
                        struct wsl_objset *out, struct wsl_err *err)
{
    struct wsl_buf url = WSL_BUF_INIT;
    object_url(k, wsl_k8s_namespace(c->cfg, app), NULL, &url);
    wsl_buf_printf(&url, "?labelSelector=%s%%3D%s,%s%%3D%s", WSL_MARK_APP, app->metadata.name,
                   WSL_MARK_TARGET, c->target->metadata.name);
    struct wsl_http_req req = {.method = "GET", .url = wsl_buf_str(&url)};
    json_t *list = NULL;
    long status = 0;
    int rc = call(c, &req, NULL, &list, &status, err);
    wsl_buf_free(&url);
    if (rc == WSL_E_HTTP && status == 404) /* the namespace does not exist yet */
        return 0;
    if (rc)
        return rc;
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(list, "items"), i, item) {
        const char *name = wsl_json_path_str(item, "metadata.name", NULL);
        const char *fp = json_string_value(
            json_object_get(wsl_json_path(item, "metadata.annotations"), WSL_MARK_FINGERPRINT));
        if (!name)
            continue;
        /* list items carry neither kind nor apiVersion: the list has them */
        json_object_set_new(item, "kind", json_string(k->kind));
        json_object_set(item, "apiVersion", json_object_get(list, "apiVersion"));
        wsl_objset_add_observed(out, k->kind, name, json_incref(item), fp, true);
    }
    if (json_string_value(wsl_json_path(list, "metadata.continue")) &&
        *json_string_value(wsl_json_path(list, "metadata.continue")))
        wsl_objset_incomplete(out, "the list of %s was paged; not every item was read",
                              k->plural);
    json_decref(list);
    return 0;
}

static int k8s_observe(struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
                       struct wsl_err *err)
{
    out->complete = true;
    for (size_t i = 0; i < NKINDS; i++) {
        int rc = observe_kind(c, app, &kinds[i], out, err);
        if (rc) {
            wsl_err_prefix(err, "listing %s", kinds[i].plural);
            return rc;
        }
    }
    return 0;
}

static int apply_object(struct wsl_conn *c, const struct wsl_app *app,
                        const struct wsl_action *a, struct wsl_err *err)
{
    const struct wsl_object *o = a->desired;
    const struct kind_api *k = kind_of(o->kind);
    if (!k)
        return wsl_err_set(err, WSL_E_INTERNAL, "the renderer made an unknown kind %s", o->kind);
    json_t *body = json_deep_copy(o->body);
    json_t *meta = json_object_get(body, "metadata");
    json_t *ann = json_object_get(meta, "annotations");
    if (!ann)
        json_object_set_new(meta, "annotations", ann = json_object());
    json_object_set_new(ann, WSL_MARK_FINGERPRINT, json_string(o->fingerprint));
    struct wsl_buf url = WSL_BUF_INIT;
    object_url(k, wsl_k8s_namespace(c->cfg, app), o->name, &url);
    wsl_buf_printf(&url, "?fieldManager=wissel%s", a->force ? "&force=true" : "");
    struct wsl_http_req req = {.method = "PATCH", .url = wsl_buf_str(&url),
                               .content_type = "application/apply-patch+yaml",
                               .idempotent = WSL_HTTP_IDEMPOTENT_YES};
    int rc = call(c, &req, body, NULL, NULL, err);
    if (rc == WSL_E_HTTP && err->http_status == 409)
        wsl_err_hint(err, "another field manager owns these fields; apply with "
                          "--force-conflicts to take them over");
    json_decref(body);
    wsl_buf_free(&url);
    return rc;
}

static int delete_object(struct wsl_conn *c, const struct wsl_app *app,
                         const struct wsl_object *o, struct wsl_err *err)
{
    const struct kind_api *k = kind_of(o->kind);
    if (!k)
        return 0; /* not a kind wissel makes: leave it */
    struct wsl_buf url = WSL_BUF_INIT;
    object_url(k, wsl_k8s_namespace(c->cfg, app), o->name, &url);
    json_t *body = json_pack("{s:s, s:s, s:s}", "kind", "DeleteOptions", "apiVersion", "v1",
                             "propagationPolicy", "Background");
    struct wsl_http_req req = {.method = "DELETE", .url = wsl_buf_str(&url)};
    long status = 0;
    int rc = call(c, &req, body, NULL, &status, err);
    json_decref(body);
    wsl_buf_free(&url);
    return rc == WSL_E_HTTP && status == 404 ? 0 : rc;
}

static int k8s_apply(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_action *a,
                     struct wsl_err *err)
{
    switch (a->type) {
    case WSL_ACT_CREATE:
    case WSL_ACT_UPDATE: return apply_object(c, app, a, err);
    case WSL_ACT_DELETE: return delete_object(c, app, a->observed, err);
    default: return 0;
    }
}

/* The rollout of one Deployment: ready, or progressing/failed with the reason. */
static void deployment_health(const json_t *d, struct wsl_health *h)
{
    const char *name = wsl_json_path_str(d, "metadata.name", "?");
    json_int_t want = json_integer_value(wsl_json_path(d, "spec.replicas"));
    json_int_t gen = json_integer_value(wsl_json_path(d, "metadata.generation"));
    json_int_t seen = json_integer_value(wsl_json_path(d, "status.observedGeneration"));
    json_int_t updated = json_integer_value(wsl_json_path(d, "status.updatedReplicas"));
    json_int_t ready = json_integer_value(wsl_json_path(d, "status.readyReplicas"));
    size_t i;
    json_t *cond;
    json_array_foreach(wsl_json_path(d, "status.conditions"), i, cond) {
        const char *reason = json_string_value(json_object_get(cond, "reason"));
        if (reason && !strcmp(reason, "ProgressDeadlineExceeded")) {
            h->state = WSL_HEALTH_FAILED;
            const char *msg = json_string_value(json_object_get(cond, "message"));
            snprintf(h->reason, sizeof h->reason, "%s: %s", name, msg ? msg : reason);
            return;
        }
    }
    if (seen < gen || updated < want || ready < want) {
        h->state = WSL_HEALTH_PROGRESSING;
        snprintf(h->reason, sizeof h->reason, "%s: %lld of %lld replicas updated, %lld ready",
                 name, (long long)updated, (long long)want, (long long)ready);
    }
}

static int k8s_health(struct wsl_conn *c, const struct wsl_app *app, struct wsl_health *out,
                      struct wsl_err *err)
{
    struct wsl_objset seen = {0};
    out->state = WSL_HEALTH_READY;
    out->reason[0] = '\0';
    int rc = observe_kind(c, app, kind_of("Deployment"), &seen, err);
    for (size_t i = 0; rc == 0 && i < seen.n && out->state == WSL_HEALTH_READY; i++)
        deployment_health(seen.v[i].body, out);
    wsl_objset_free(&seen);
    return rc;
}

static const char *const native[] = {"route", NULL};
static const struct wsl_provider_facts facts = {
    NULL, WSL_CAP_CONTAINERS | WSL_CAP_REPLICAS | WSL_CAP_RWX_VOLUMES | WSL_CAP_TLS_ROUTES,
    native};

const struct wsl_driver wsl_kubernetes_driver = {
    "kubernetes", &facts, &wsl_kubernetes_schema, k8s_open, k8s_render, k8s_observe,
    k8s_apply, k8s_health, k8s_close,
};
