/*
 * The Kubernetes driver: render (render.c, pod.c, resources.c), observe with
 * label-selected list calls, apply with server-side apply under the field manager
 * "wissel", delete with propagation, and health from the objects' status (health.c).
 *
 * Observation. One list call per kind and namespace serves every application of the
 * target there: it selects the target's marker, the answer is kept in the connection and
 * each application takes its own objects (its app marker) from it. Any write through the
 * connection drops what it keeps, so health after an apply reads the cluster again. The
 * engine shares one connection among the applications of a target (reconcile.c).
 *
 * Requests. apply() runs on several threads at once (provider.h): the connection keeps
 * a small pool of HTTP clients, each with its own lock, and a request takes a free one.
 *
 * The desired object's fingerprint travels as the annotation wissel.dev/fingerprint (a
 * SHA-256 in hex is longer than a label value may be); the git commit the apply was made
 * from (struct wsl_action's revision) as the annotation wissel.dev/revision, in the
 * object's own metadata only. Neither is in the rendered body, so the engine's diff (the
 * desired body a subset of the observed one) never sees them as drift.
 *
 * Generated credentials. A Secret annotated wissel.dev/generate (resources.c) is created
 * first with random values for the keys the annotation names, under the field manager
 * "wissel-generate"; the server-side apply that follows does not carry those keys, so
 * they are never changed, shown or journaled afterwards.
 */
#include "providers/kubernetes/config.h"
#include "providers/kubernetes/health.h"
#include "providers/kubernetes/kubeconfig.h"
#include "providers/kubernetes/render.h"
#include "providers/provider.h"
#include "providers/secret.h"
#include "providers/registry.h"

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/http.h"
#include "lib/json.h"
#include "lib/units.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define POOL 16             /* HTTP clients per connection: apply's parallelism */
#define TAKE_OUT_MANAGER "wissel-take-out" /* the field manager of take_out's scaling */

struct client {
    struct wsl_http *http;  /* made on first use */
    pthread_mutex_t lock;
};

/* A list of one kind in one namespace, all applications of the target. */
struct cached_list {
    const struct kind_api *kind;
    char *ns;
    json_t *by_app; /* {"<app>": [items], ...}; shared kinds under "*" */
    json_t *stale;  /* {"<app>": true}: written (or not ready) since: listed again on use */
};

struct wsl_conn {
    const struct wsl_target *target;
    const struct wsl_k8s_config *cfg;
    struct wsl_kube_conn_info info;
    struct client clients[POOL];
    struct cached_list *cache;
    size_t ncache;
    pthread_mutex_t cache_mu; /* guards the cache: applies write from several threads */
};

/* Where each kind the renderer makes lives in the API. */
static const struct kind_api {
    const char *kind, *prefix, *plural;
    bool namespaced;
    bool retain; /* holds data: never deleted by a plan (provider.h) */
    bool shared; /* one per target, rendered alike by each of its applications */
} kinds[] = {
    {"Namespace", "/api/v1", "namespaces", false, true, true},
    {"Secret", "/api/v1", "secrets", true, false, false},
    {"ConfigMap", "/api/v1", "configmaps", true, false, false},
    {"PersistentVolumeClaim", "/api/v1", "persistentvolumeclaims", true, true, false},
    {"StatefulSet", "/apis/apps/v1", "statefulsets", true, false, false},
    {"Deployment", "/apis/apps/v1", "deployments", true, false, false},
    {"Service", "/api/v1", "services", true, false, false},
    {"PodDisruptionBudget", "/apis/policy/v1", "poddisruptionbudgets", true, false, false},
    {"Ingress", "/apis/networking.k8s.io/v1", "ingresses", true, false, false},
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

/* --- the connection ------------------------------------------------------------------- */

static int k8s_open(const struct wsl_target *t, struct wsl_conn **out, struct wsl_err *err)
{
    const struct wsl_k8s_config *cfg = t->spec.config;
    struct wsl_kubeconfig *kc = NULL;
    struct wsl_conn *c = wsl_xcalloc(1, sizeof *c);
    const char *path = cfg ? cfg->kubeconfig : NULL, *context = cfg ? cfg->context : NULL;
    int rc = 0;
    if (wsl_kube_in_cluster_applies(path, context)) {
        rc = wsl_kube_in_cluster(&c->info, err);
    } else {
        rc = wsl_kubeconfig_load(path, &kc, err);
        if (rc == 0)
            rc = wsl_kube_resolve(kc, context, &c->info, err);
    }
    if (rc == 0) /* the first client now: a bad certificate or key fails here, not later */
        rc = wsl_kube_http(&c->info, &c->clients[0].http, err);
    wsl_kubeconfig_free(kc);
    if (rc) {
        wsl_err_prefix(err, "target %s", t->metadata.name);
        wsl_kube_conn_info_free(&c->info);
        free(c);
        return rc;
    }
    c->target = t;
    c->cfg = cfg;
    for (size_t i = 0; i < POOL; i++)
        pthread_mutex_init(&c->clients[i].lock, NULL);
    pthread_mutex_init(&c->cache_mu, NULL);
    *out = c;
    return 0;
}

static void cache_clear(struct wsl_conn *c)
{
    for (size_t i = 0; i < c->ncache; i++) {
        free(c->cache[i].ns);
        json_decref(c->cache[i].by_app);
        json_decref(c->cache[i].stale);
    }
    free(c->cache);
    c->cache = NULL;
    c->ncache = 0;
}

static void k8s_close(struct wsl_conn *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < POOL; i++) {
        wsl_http_free(c->clients[i].http);
        pthread_mutex_destroy(&c->clients[i].lock);
    }
    cache_clear(c);
    pthread_mutex_destroy(&c->cache_mu);
    wsl_kube_conn_info_free(&c->info);
    free(c);
}

/* A client of the pool, locked: a free one, else the one this thread waits for. */
static struct client *take_client(struct wsl_conn *c)
{
    for (size_t i = 0; i < POOL; i++) {
        if (pthread_mutex_trylock(&c->clients[i].lock) == 0)
            return &c->clients[i];
    }
    struct client *cl = &c->clients[(size_t)pthread_self() % POOL];
    pthread_mutex_lock(&cl->lock);
    return cl;
}

/* One request on a client of the pool. */
static int call(struct wsl_conn *c, struct wsl_http_req *req, const json_t *body, json_t **resp,
                long *status, struct wsl_err *err)
{
    struct client *cl = take_client(c);
    int rc = cl->http ? 0 : wsl_kube_http(&c->info, &cl->http, err);
    if (rc == 0)
        rc = wsl_http_json_req(cl->http, req, body, resp, status, err);
    pthread_mutex_unlock(&cl->lock);
    return rc;
}

static int k8s_render(struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
                      struct wsl_err *err)
{
    return wsl_k8s_render(c->cfg, c->target, app, out, err);
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

/* --- observe -------------------------------------------------------------------------- */

#define PAGE 500 /* items per list call: bounds what one response holds */

/* One page of the list: its items appended to items, the continue token (or "") into
 * next. */
static int list_page(struct wsl_conn *c, const struct kind_api *k, const char *url,
                     json_t *items, char **next, struct wsl_err *err)
{
    struct wsl_http_req req = {.method = "GET", .url = url};
    long status = 0;
    json_t *page = NULL;
    *next = NULL;
    int rc = call(c, &req, NULL, &page, &status, err);
    if (rc == WSL_E_HTTP && status == 404) /* the namespace does not exist yet */
        return 0;
    if (rc)
        return rc;
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(page, "items"), i, item) {
        /* list items carry neither kind nor apiVersion: the list has them */
        json_object_set_new(item, "kind", json_string(k->kind));
        json_object_set(item, "apiVersion", json_object_get(page, "apiVersion"));
        json_object_del(json_object_get(item, "metadata"), "managedFields"); /* not needed */
        json_array_append(items, item);
    }
    const char *more = json_string_value(wsl_json_path(page, "metadata.continue"));
    if (more && *more)
        *next = wsl_xstrdup(more);
    json_decref(page);
    return 0;
}

/* The objects of kind k in ns that carry the target's marker and, when app is not NULL,
 * the application's: an array of items with kind and apiVersion, in *out, read page by
 * page. A namespace that does not exist yet holds nothing. */
static int list_kind(struct wsl_conn *c, const struct kind_api *k, const char *ns,
                     const char *app, json_t **out, struct wsl_err *err)
{
    struct wsl_buf base = WSL_BUF_INIT, url = WSL_BUF_INIT;
    object_url(k, ns, NULL, &base);
    wsl_buf_printf(&base, "?limit=%d&labelSelector=%s%%3D%s", PAGE, WSL_MARK_TARGET,
                   c->target->metadata.name);
    if (app)
        wsl_buf_printf(&base, ",%s%%3D%s", WSL_MARK_APP, app);
    *out = json_array();
    char *next = NULL;
    int rc = 0;
    do {
        wsl_buf_reset(&url);
        wsl_buf_puts(&url, wsl_buf_str(&base));
        if (next) {
            wsl_buf_puts(&url, "&continue=");
            wsl_buf_put_urlencoded(&url, next);
            free(next);
        }
        rc = list_page(c, k, wsl_buf_str(&url), *out, &next, err);
    } while (rc == 0 && next);
    free(next);
    wsl_buf_free(&base);
    wsl_buf_free(&url);
    if (rc) {
        wsl_err_prefix(err, "listing %s", k->plural);
        json_decref(*out);
        *out = NULL;
    }
    return rc;
}

/* The application an item belongs to: its marker, or "*" for kinds the applications of
 * a target share (a Namespace). */
static const char *owner_of(const struct kind_api *k, const json_t *item)
{
    if (k->shared)
        return "*";
    const char *v = json_string_value(
        json_object_get(wsl_json_path(item, "metadata.labels"), WSL_MARK_APP));
    return v ? v : "";
}

/* What app's objects look like is no longer known (it was written to, or is not ready
 * yet): each cached list lists them again on its next use, and a shared kind's list
 * (Namespaces) all of it. The other applications' entries stay. */
static void cache_forget(struct wsl_conn *c, const char *app)
{
    pthread_mutex_lock(&c->cache_mu);
    for (size_t i = 0; i < c->ncache; i++)
        json_object_set_new(c->cache[i].stale, c->cache[i].kind->shared ? "*" : app,
                            json_true());
    pthread_mutex_unlock(&c->cache_mu);
}

/* List kind k in ns, all applications of the target, grouped by application. */
static int fill(struct wsl_conn *c, const struct kind_api *k, const char *ns,
                struct wsl_err *err)
{
    json_t *all;
    int rc = list_kind(c, k, ns, NULL, &all, err);
    if (rc)
        return rc;
    json_t *by_app = json_object();
    size_t i;
    json_t *item;
    json_array_foreach(all, i, item) {
        const char *owner = owner_of(k, item);
        json_t *group = json_object_get(by_app, owner);
        if (!group)
            json_object_set_new(by_app, owner, group = json_array());
        json_array_append(group, item);
    }
    json_decref(all);
    c->cache = wsl_xrealloc(c->cache, (c->ncache + 1) * sizeof *c->cache);
    c->cache[c->ncache++] = (struct cached_list){k, wsl_xstrdup(ns), by_app, json_object()};
    return 0;
}

/* List again what the cached list l holds of key (an application, or "*"). */
static int refresh(struct wsl_conn *c, struct cached_list *l, const char *key,
                   struct wsl_err *err)
{
    json_t *items;
    int rc = list_kind(c, l->kind, l->ns, l->kind->shared ? NULL : key, &items, err);
    if (rc)
        return rc;
    json_object_set_new(l->by_app, key, items);
    json_object_del(l->stale, key);
    return 0;
}

/* The items of kind k in ns that belong to app, from a list of all applications grouped
 * by application once and kept in the connection: a no-op pass over many applications
 * lists each kind once; an application written to since is listed again by itself.
 * Borrowed; NULL when there are none. */
static int cached_items(struct wsl_conn *c, const struct kind_api *k, const char *ns,
                        const char *app, json_t **out, struct wsl_err *err)
{
    const char *key = k->shared ? "*" : app;
    int rc = 0;
    pthread_mutex_lock(&c->cache_mu);
    size_t i = 0;
    while (i < c->ncache && !(c->cache[i].kind == k && !strcmp(c->cache[i].ns, ns)))
        i++;
    if (i == c->ncache)
        rc = fill(c, k, ns, err);
    else if (json_object_get(c->cache[i].stale, key))
        rc = refresh(c, &c->cache[i], key, err);
    *out = rc ? NULL : json_object_get(c->cache[i].by_app, key);
    pthread_mutex_unlock(&c->cache_mu);
    return rc;
}

static int observe_kind(struct wsl_conn *c, const struct wsl_app *app, const struct kind_api *k,
                        struct wsl_objset *out, struct wsl_err *err)
{
    json_t *items;
    int rc = cached_items(c, k, wsl_k8s_namespace(c->cfg, app), app->metadata.name, &items,
                          err);
    if (rc)
        return rc;
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        const char *name = wsl_json_path_str(item, "metadata.name", NULL);
        const char *fp = json_string_value(
            json_object_get(wsl_json_path(item, "metadata.annotations"), WSL_MARK_FINGERPRINT));
        if (name)
            wsl_objset_add_observed(out, k->kind, name, json_incref(item), fp, true)->retain =
                k->retain;
    }
    return 0;
}

static int k8s_observe(struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
                       struct wsl_err *err)
{
    out->complete = true;
    for (size_t i = 0; i < NKINDS; i++) {
        int rc = observe_kind(c, app, &kinds[i], out, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* --- apply ---------------------------------------------------------------------------- */

/* Create the Secret o with values for the keys its generate annotation names, unless it
 * exists: those values are then the ones it has. */
static int create_generated(struct wsl_conn *c, const struct wsl_app *app,
                            const struct kind_api *k, const json_t *body, const char *keys,
                            struct wsl_err *err)
{
    json_t *full = json_deep_copy(body);
    json_t *data = json_object_get(full, "data");
    if (!data)
        json_object_set_new(full, "data", data = json_object());
    int rc = 0;
    char *list = wsl_xstrdup(keys), *save = NULL;
    for (char *key = strtok_r(list, ",", &save); key && rc == 0; key = strtok_r(NULL, ",", &save)) {
        char value[WSL_SECRET_LEN + 1];
        rc = wsl_secret_generate(value, WSL_SECRET_LEN, err);
        char *enc = rc ? NULL : wsl_base64_encode(value, WSL_SECRET_LEN);
        if (enc)
            json_object_set_new(data, key, json_string(enc));
        free(enc);
        OPENSSL_cleanse(value, sizeof value);
    }
    free(list);
    struct wsl_buf url = WSL_BUF_INIT;
    object_url(k, wsl_k8s_namespace(c->cfg, app), NULL, &url);
    wsl_buf_puts(&url, "?fieldManager=wissel-generate");
    struct wsl_http_req req = {.method = "POST", .url = wsl_buf_str(&url)};
    long status = 0;
    if (rc == 0)
        rc = call(c, &req, full, NULL, &status, err);
    if (rc == WSL_E_HTTP && status == 409) /* AlreadyExists: keep what it holds */
        rc = 0;
    json_decref(full);
    wsl_buf_free(&url);
    return rc;
}

static int apply_object(struct wsl_conn *c, const struct wsl_app *app,
                        const struct wsl_action *a, struct wsl_err *err)
{
    const struct wsl_object *o = a->desired;
    const struct kind_api *k = kind_of(o->kind);
    if (!k)
        return wsl_err_set(err, WSL_E_INTERNAL, "the renderer made an unknown kind %s", o->kind);
    const char *gen = json_string_value(
        json_object_get(wsl_json_path(o->body, "metadata.annotations"), WSL_MARK_GENERATE));
    if (gen) {
        int rc = create_generated(c, app, k, o->body, gen, err);
        if (rc)
            return rc;
    }
    json_t *body = json_deep_copy(o->body);
    json_t *meta = json_object_get(body, "metadata");
    json_t *ann = json_object_get(meta, "annotations");
    if (!ann)
        json_object_set_new(meta, "annotations", ann = json_object());
    json_object_set_new(ann, WSL_MARK_FINGERPRINT, json_string(o->fingerprint));
    if (a->revision) /* the object's own metadata only: a pod template is left alone, so a
                        new revision by itself restarts no pods */
        json_object_set_new(ann, WSL_MARK_REVISION, json_string(a->revision));
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
    if (!k || k->retain)
        return 0; /* not a kind wissel makes, or one that holds data: leave it */
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
    if (a->type != WSL_ACT_NOOP)
        cache_forget(c, app->metadata.name);
    switch (a->type) {
    case WSL_ACT_CREATE:
    case WSL_ACT_UPDATE: return apply_object(c, app, a, err);
    case WSL_ACT_DELETE: return delete_object(c, app, a->observed, err);
    default: return 0;
    }
}

/* --- health --------------------------------------------------------------------------- */

/* Lower out by the items (of kind k). */
static void items_health(const struct kind_api *k, const json_t *items, struct wsl_health *out)
{
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item) {
        if (out->state == WSL_HEALTH_READY)
            wsl_k8s_object_health(k->kind, item, out);
    }
}

/* From the observation kept in the connection (a no-op apply asks nothing again; what
 * was written since is listed again); once it says "not ready" the application's entries
 * are forgotten, so the next call reads its objects afresh. Without a cache (health
 * asked before any observation), the application's objects are listed directly. */
static int k8s_health(struct wsl_conn *c, const struct wsl_app *app, struct wsl_health *out,
                      struct wsl_err *err)
{
    static const char *const watched[] = {"PersistentVolumeClaim", "StatefulSet", "Deployment"};
    const char *ns = wsl_k8s_namespace(c->cfg, app);
    pthread_mutex_lock(&c->cache_mu);
    bool cached = c->ncache > 0;
    pthread_mutex_unlock(&c->cache_mu);
    out->state = WSL_HEALTH_READY;
    out->reason[0] = '\0';
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof watched / sizeof *watched; i++) {
        const struct kind_api *k = kind_of(watched[i]);
        json_t *items = NULL;
        rc = cached ? cached_items(c, k, ns, app->metadata.name, &items, err)
                    : list_kind(c, k, ns, app->metadata.name, &items, err);
        if (rc == 0)
            items_health(k, items, out);
        if (!cached)
            json_decref(items);
    }
    if (cached && out->state != WSL_HEALTH_READY)
        cache_forget(c, app->metadata.name);
    return rc;
}

/* --- endpoint -------------------------------------------------------------------------- */

/* Where clients reach app's route: kubernetes.address, else the address the ingress
 * controller wrote into the application's Ingress status; on the scheme's port (0). */
static int k8s_endpoint(struct wsl_conn *c, const struct wsl_app *app, struct wsl_endpoint *out,
                        struct wsl_err *err)
{
    out->port = 0;
    if (c->cfg && c->cfg->address) {
        snprintf(out->value, sizeof out->value, "%s", c->cfg->address);
        return 0;
    }
    struct wsl_buf url = WSL_BUF_INIT;
    object_url(kind_of("Ingress"), wsl_k8s_namespace(c->cfg, app), app->metadata.name, &url);
    struct wsl_http_req req = {.method = "GET", .url = wsl_buf_str(&url)};
    json_t *ing = NULL;
    int rc = call(c, &req, NULL, &ing, NULL, err);
    wsl_buf_free(&url);
    if (rc)
        return rc;
    const json_t *lb = json_array_get(wsl_json_path(ing, "status.loadBalancer.ingress"), 0);
    const char *v = json_string_value(json_object_get(lb, "ip"));
    if (!v)
        v = json_string_value(json_object_get(lb, "hostname"));
    if (v)
        snprintf(out->value, sizeof out->value, "%s", v);
    else
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "target %s: the Ingress of %s has no address yet",
                         c->target->metadata.name, app->metadata.name);
    if (rc)
        wsl_err_hint(err, "wait for the ingress controller, or set kubernetes.address in the "
                          "Target to the address clients reach the cluster on");
    json_decref(ing);
    return rc;
}

/* --- take_out -------------------------------------------------------------------------- */

#define TAKE_OUT_MS 60000 /* the whole of it */

/* Scale the Deployment or StatefulSet name to 0 replicas: a merge patch of its scale
 * subresource, which leaves spec.replicas owned by no field manager, so the next
 * server-side apply takes it back without a conflict (a patch of the object itself would
 * make TAKE_OUT_MANAGER its owner, and that apply a 409). */
static int scale_to_zero(struct wsl_conn *c, const struct kind_api *k, const char *ns,
                         const char *name, struct wsl_err *err)
{
    struct wsl_buf url = WSL_BUF_INIT;
    object_url(k, ns, name, &url);
    wsl_buf_puts(&url, "/scale?fieldManager=" TAKE_OUT_MANAGER);
    json_t *body = json_pack("{s:{s:i}}", "spec", "replicas", 0);
    struct wsl_http_req req = {.method = "PATCH", .url = wsl_buf_str(&url),
                               .content_type = "application/merge-patch+json",
                               .idempotent = WSL_HTTP_IDEMPOTENT_YES};
    long status = 0;
    int rc = call(c, &req, body, NULL, &status, err);
    json_decref(body);
    wsl_buf_free(&url);
    if (rc == WSL_E_HTTP && status == 404) { /* gone: nothing left to take out */
        wsl_err_clear(err);
        rc = 0;
    }
    if (rc)
        wsl_err_prefix(err, "scaling %s %s to 0", k->kind, name);
    return rc;
}

/* Scale every Deployment and StatefulSet of app here to 0, within TAKE_OUT_MS. Nothing
 * is deleted: spec.replicas is drift, and the next apply restores it. */
static int k8s_take_out(struct wsl_conn *c, const struct wsl_app *app, struct wsl_err *err)
{
    static const char *const scaled[] = {"Deployment", "StatefulSet"};
    const char *ns = wsl_k8s_namespace(c->cfg, app);
    int64_t deadline = wsl_monotonic_ms() + TAKE_OUT_MS;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof scaled / sizeof *scaled; i++) {
        const struct kind_api *k = kind_of(scaled[i]);
        json_t *items = NULL, *item;
        size_t j;
        rc = list_kind(c, k, ns, app->metadata.name, &items, err);
        json_array_foreach(items, j, item) {
            const char *name = wsl_json_path_str(item, "metadata.name", "");
            if (rc == 0 && wsl_monotonic_ms() > deadline)
                rc = wsl_err_set(err, WSL_E_TIMEOUT, "%s %s was not scaled to 0 within %d s",
                                 k->kind, name, TAKE_OUT_MS / 1000);
            if (rc == 0)
                rc = scale_to_zero(c, k, ns, name, err);
        }
        json_decref(items);
    }
    cache_forget(c, app->metadata.name);
    if (rc)
        wsl_err_prefix(err, "taking %s out of service at %s", app->metadata.name,
                       c->target->metadata.name);
    return rc;
}

static const char *const native[] = {"route", "volume", "postgres", "redis", NULL};
static const struct wsl_provider_facts facts = {
    NULL, WSL_CAP_CONTAINERS | WSL_CAP_REPLICAS | WSL_CAP_RWX_VOLUMES | WSL_CAP_TLS_ROUTES,
    native};

const struct wsl_driver wsl_kubernetes_driver = {
    "kubernetes", &facts, &wsl_kubernetes_schema, k8s_open, k8s_render, k8s_observe,
    k8s_apply, k8s_health, k8s_close, k8s_endpoint, NULL, k8s_take_out,
};
