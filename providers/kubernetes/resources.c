/*
 * resources.c — Score resources provisioned inside the cluster (see render_int.h).
 *
 *   volume    a PersistentVolumeClaim: params.accessMode (ReadWriteOnce unless the Score
 *             asks for shared storage), params.size (1Gi), the Target's storage class for
 *             that access mode. Marked retain when observed: it holds data.
 *   postgres  a StatefulSet running the official image (params.version, 16), a Service,
 *             a claim per replica from the StatefulSet's template (params.size, 1Gi), and
 *             a Secret with the credentials.
 *   redis     the same with the official Redis image (params.version, 7), password
 *             required.
 *
 * Credentials. The Secret is rendered without its password: the annotation
 * wissel.dev/generate names the keys the driver fills with random values when it creates
 * the Secret, and never touches again (driver.c). So nothing secret is in a plan, a diff
 * or the journal, and a re-render does not rotate the password. The outputs give the
 * password as {"$secret": {"name", "key"}}: variables receive it through a secretKeyRef
 * (render.c), never as text.
 *
 * Names. A resource with an `id` is one per application, whatever workloads declare it:
 * "<app>-<id>". Without an id it is the workload's own: "<app>-<workload>-<resource>".
 */
#include "providers/kubernetes/render_int.h"
#include "providers/resources.h"
#include "providers/secret.h"

#include "lib/base64.h"
#include "lib/buf.h"
#include "manifests/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A StatefulSet's pods are "<name>-<ordinal>" and carry the label controller-revision-hash
 * "<name>-<hash>" (up to 11 more characters), which must fit the 63 of a label value. */
#define STATEFUL_NAME_MAX 52

enum res_kind { RES_VOLUME, RES_POSTGRES, RES_REDIS };

static const struct res_type {
    const char *type;
    enum res_kind kind;
    const char *image, *version;
    int port;
    size_t name_max;
} types[] = {
    {"volume", RES_VOLUME, NULL, NULL, 0, 63},
    {"postgres", RES_POSTGRES, "postgres", "16", 5432, STATEFUL_NAME_MAX},
    {"redis", RES_REDIS, "redis", "7", 6379, STATEFUL_NAME_MAX},
};

static const struct res_type *type_of(const char *type)
{
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        if (type && !strcmp(types[i].type, type))
            return &types[i];
    }
    return NULL;
}

/* s as an RFC 1123 label fragment: lower case, [a-z0-9-]. */
static void put_dns(struct wsl_buf *b, const char *s)
{
    for (; *s; s++) {
        char ch = *s;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        wsl_buf_putc(b, (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ? ch : '-');
    }
}

/* The object name of resource res of workload w into out (see the top of the file). */
static int resource_name(const struct render *r, const struct wsl_workload *w,
                         const struct wsl_score_resource *res, const struct res_type *t,
                         char *out, struct wsl_err *err)
{
    struct wsl_buf b = WSL_BUF_INIT;
    put_dns(&b, r->app->metadata.name);
    wsl_buf_putc(&b, '-');
    if (!res->id) {
        put_dns(&b, w->metadata.name);
        wsl_buf_putc(&b, '-');
    }
    put_dns(&b, res->id ? res->id : res->hdr.key);
    int rc = 0;
    if (b.data[0] >= '0' && b.data[0] <= '9')
        rc = wsl_err_set(err, WSL_E_INVALID,
                         "%s: resource %s would be named %s, but Kubernetes Service names "
                         "must start with a letter", w->metadata.name, res->hdr.key,
                         wsl_buf_str(&b));
    else if (b.len > t->name_max)
        rc = wsl_err_set(err, WSL_E_INVALID,
                         "%s: resource %s would be named %s, longer than the %zu characters "
                         "Kubernetes allows here", w->metadata.name, res->hdr.key,
                         wsl_buf_str(&b), t->name_max);
    else
        snprintf(out, 64, "%s", wsl_buf_str(&b));
    if (rc)
        wsl_err_hint(err, "rename the application, or give the resource an id");
    wsl_buf_free(&b);
    return rc;
}

static json_t *b64(const char *s)
{
    char *e = wsl_base64_encode(s, strlen(s));
    json_t *j = json_string(e);
    free(e);
    return j;
}

/* --- volume ---------------------------------------------------------------------------- */

static int render_volume(const struct render *r, const struct wsl_score_resource *res,
                         const char *name, json_t *outputs, struct wsl_err *err)
{
    const char *mode = wsl_score_resource_param(res, "accessMode", "ReadWriteOnce");
    if (strcmp(mode, "ReadWriteOnce") && strcmp(mode, "ReadWriteMany") &&
        strcmp(mode, "ReadOnlyMany") && strcmp(mode, "ReadWriteOncePod"))
        return wsl_err_set(err, WSL_E_INVALID,
                           "resource %s: accessMode %s is none of ReadWriteOnce, "
                           "ReadWriteMany, ReadOnlyMany, ReadWriteOncePod", res->hdr.key, mode);
    json_t *spec = json_pack("{s:[s], s:{s:{s:s}}}", "accessModes", mode, "resources",
                             "requests", "storage", wsl_score_resource_param(res, "size", "1Gi"));
    const struct wsl_k8s_storage *sc = r->cfg ? &r->cfg->storage_class : NULL;
    const char *cls = !sc ? NULL : strcmp(mode, "ReadWriteOnce") ? sc->read_write_many
                                                                 : sc->read_write_once;
    if (cls)
        json_object_set_new(spec, "storageClassName", json_string(cls));
    wsl_k8s_add(r, "v1", "PersistentVolumeClaim", name,
                json_pack("{s:o, s:o}", "metadata", wsl_k8s_metadata(r, name), "spec", spec));
    json_object_set_new(outputs, "claimName", json_string(name));
    return 0;
}

/* --- databases --------------------------------------------------------------------------- */

static json_t *secret_ref(const char *name, const char *key)
{
    return json_pack("{s:{s:{s:s, s:s}}}", "valueFrom", "secretKeyRef", "name", name, "key",
                     key);
}

static json_t *env_from_secret(const char *var, const char *name, const char *key)
{
    json_t *e = secret_ref(name, key);
    json_object_set_new(e, "name", json_string(var));
    return e;
}

/* The Secret of a database: fixed keys as data, the password generated by the driver. */
static void render_secret(const struct render *r, const char *name, const char *user,
                          const char *db)
{
    json_t *meta = wsl_k8s_metadata(r, name);
    json_object_set_new(meta, "annotations",
                        json_pack("{s:s}", WSL_MARK_GENERATE, "password"));
    json_t *data = json_pack("{s:o}", "username", b64(user));
    if (db)
        json_object_set_new(data, "database", b64(db));
    wsl_k8s_add(r, "v1", "Secret", name,
                json_pack("{s:o, s:s, s:o}", "metadata", meta, "type", "Opaque", "data", data));
}

/* The labels that select a resource's pods (immutable once the StatefulSet exists). */
static json_t *selector(const struct render *r, const char *name)
{
    json_t *labels = wsl_k8s_labels(r);
    json_t *l = json_pack("{s:O, s:s}", WSL_MARK_APP, json_object_get(labels, WSL_MARK_APP),
                          "wissel.dev/resource", name);
    json_decref(labels);
    return l;
}

static json_t *db_container(const struct res_type *t, const struct wsl_score_resource *res,
                            const char *name)
{
    char image[128];
    snprintf(image, sizeof image, "%s:%s", wsl_score_resource_param(res, "image", t->image),
             wsl_score_resource_param(res, "version", t->version));
    if (strchr(wsl_score_resource_param(res, "image", t->image), ':'))
        snprintf(image, sizeof image, "%s", wsl_score_resource_param(res, "image", t->image));
    json_t *c = json_pack("{s:s, s:s, s:[{s:s, s:i}], s:o, s:{s:{s:i}}}", "name", t->type,
                          "image", image, "ports", "name", t->type, "containerPort", t->port,
                          "securityContext", wsl_k8s_container_security(), "readinessProbe",
                          "tcpSocket", "port", t->port);
    json_t *env = json_array();
    json_t *mounts = json_array();
    if (t->kind == RES_POSTGRES) {
        json_array_append_new(env, env_from_secret("POSTGRES_USER", name, "username"));
        json_array_append_new(env, env_from_secret("POSTGRES_DB", name, "database"));
        json_array_append_new(env, env_from_secret("POSTGRES_PASSWORD", name, "password"));
        json_array_append_new(env, json_pack("{s:s, s:s}", "name", "PGDATA", "value",
                                             "/var/lib/postgresql/data/pgdata"));
        json_array_append_new(mounts, json_pack("{s:s, s:s}", "name", "data", "mountPath",
                                                "/var/lib/postgresql/data"));
        json_array_append_new(mounts, json_pack("{s:s, s:s}", "name", "run", "mountPath",
                                                "/var/run/postgresql"));
    } else {
        json_array_append_new(env, env_from_secret("REDIS_PASSWORD", name, "password"));
        json_object_set_new(c, "args", json_pack("[s, s, s, s, s, s]", "--requirepass",
                                                 "$(REDIS_PASSWORD)", "--appendonly", "yes",
                                                 "--dir", "/data"));
        json_array_append_new(mounts, json_pack("{s:s, s:s}", "name", "data", "mountPath",
                                                "/data"));
    }
    json_array_append_new(mounts, json_pack("{s:s, s:s}", "name", "tmp", "mountPath", "/tmp"));
    json_object_set_new(c, "env", env);
    json_object_set_new(c, "volumeMounts", mounts);
    return c;
}

static json_t *claim_template(const struct render *r, const struct wsl_score_resource *res)
{
    /* no ownership markers: the claims it makes outlive the StatefulSet on purpose */
    json_t *spec = json_pack("{s:[s], s:{s:{s:s}}}", "accessModes", "ReadWriteOnce",
                             "resources", "requests", "storage", wsl_score_resource_param(res, "size", "1Gi"));
    if (r->cfg && r->cfg->storage_class.read_write_once)
        json_object_set_new(spec, "storageClassName",
                            json_string(r->cfg->storage_class.read_write_once));
    return json_pack("[{s:{s:s, s:{s:s}}, s:o}]", "metadata", "name", "data", "labels",
                     "app.kubernetes.io/name", r->app->metadata.name, "spec", spec);
}

static void render_statefulset(const struct render *r, const struct res_type *t,
                               const struct wsl_score_resource *res, const char *name)
{
    json_t *volumes = json_pack("[{s:s, s:{}}]", "name", "tmp", "emptyDir");
    if (t->kind == RES_POSTGRES)
        json_array_append_new(volumes, json_pack("{s:s, s:{}}", "name", "run", "emptyDir"));
    json_t *pod = json_pack("{s:{s:b, s:i, s:i, s:i, s:{s:s}}, s:[o], s:o}",
                            "securityContext", "runAsNonRoot", 1, "runAsUser", 999,
                            "runAsGroup", 999, "fsGroup", 999, "seccompProfile", "type",
                            "RuntimeDefault", "containers", db_container(t, res, name),
                            "volumes", volumes);
    json_t *labels = wsl_k8s_labels(r);
    json_t *sel = selector(r, name);
    json_object_update(labels, sel);
    json_t *spec = json_pack("{s:s, s:i, s:{s:o}, s:{s:{s:o}, s:o}, s:o}", "serviceName", name,
                             "replicas", 1, "selector", "matchLabels", sel, "template",
                             "metadata", "labels", labels, "spec", pod,
                             "volumeClaimTemplates", claim_template(r, res));
    struct wsl_object *o = wsl_k8s_add(
        r, "apps/v1", "StatefulSet", name,
        json_pack("{s:o, s:o}", "metadata", wsl_k8s_metadata(r, name), "spec", spec));
    wsl_object_depend(o, "Secret", name);
}

static void render_db_service(const struct render *r, const struct res_type *t,
                              const char *name)
{
    json_t *spec = json_pack("{s:o, s:[{s:s, s:i, s:i, s:s}]}", "selector", selector(r, name),
                             "ports", "name", t->type, "port", t->port, "targetPort", t->port,
                             "protocol", "TCP");
    struct wsl_object *o = wsl_k8s_add(
        r, "v1", "Service", name,
        json_pack("{s:o, s:o}", "metadata", wsl_k8s_metadata(r, name), "spec", spec));
    wsl_object_depend(o, "StatefulSet", name);
}

static int render_database(const struct render *r, const struct res_type *t,
                           const struct wsl_score_resource *res, const char *name,
                           json_t *outputs)
{
    char sql[64];
    wsl_sql_name(r->app->metadata.name, sql);
    const char *user = t->kind == RES_POSTGRES ? sql : "default";
    render_secret(r, name, user, t->kind == RES_POSTGRES ? sql : NULL);
    render_statefulset(r, t, res, name);
    render_db_service(r, t, name);
    wsl_outputs_database(outputs, t->type, name, t->port, user, name);
    return 0;
}

/* --- all of them --------------------------------------------------------------------------- */

static int name_fn(void *ctx, size_t wi, const struct wsl_score_resource *res, char *out,
                   struct wsl_err *err)
{
    const struct render *r = ctx;
    return resource_name(r, r->app->workloads[wi], res, type_of(res->type), out, err);
}

static int make_fn(void *ctx, size_t wi, const struct wsl_score_resource *res,
                   const char *name, json_t *outputs, struct wsl_err *err)
{
    (void)wi;
    const struct render *r = ctx;
    const struct res_type *t = type_of(res->type);
    return t->kind == RES_VOLUME ? render_volume(r, res, name, outputs, err)
                                 : render_database(r, t, res, name, outputs);
}

int wsl_k8s_render_resources(struct render *r, struct wsl_err *err)
{
    static const char *const provided[] = {"volume", "postgres", "redis", NULL};
    struct wsl_provisioner p = {"kubernetes", provided, name_fn, make_fn, r};
    return wsl_outputs_provision(r->outputs, r->app, &p, err);
}

/* A name Kubernetes takes for an object: at most 253 of [a-z0-9.-], alphanumeric at both
 * ends. */
static bool object_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253 || s[0] == '-' || s[0] == '.' || s[n - 1] == '-' || s[n - 1] == '.')
        return false;
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
            return false;
    }
    return true;
}

const char *wsl_k8s_claim_of(const struct render *r, size_t wi, const char *source,
                             struct wsl_err *err)
{
    const char *w = r->app->workloads[wi]->metadata.name;
    if (strncmp(source, "${", 2) != 0) {
        if (object_name(source))
            return source; /* a claim that exists in the namespace, not wissel's */
        wsl_err_set(err, WSL_E_INVALID, "%s: volume source \"%s\" is not a resource nor the "
                    "name of a claim", w, source);
        wsl_err_hint(err, "write source: ${resources.NAME} for a resource of type volume");
        return NULL;
    }
    const json_t *o = wsl_outputs_of_source(r->outputs->v[wi], source);
    const char *claim = json_string_value(json_object_get(o, "claimName"));
    if (!claim) {
        wsl_err_set(err, WSL_E_INVALID, "%s: volume source %s is not a resource of type volume",
                    w, source);
        wsl_err_hint(err, "write source: ${resources.NAME} for a resource of type volume");
    }
    return claim;
}

void wsl_k8s_depend_on_resources(const struct render *r, size_t wi, struct wsl_object *o)
{
    const char *key;
    json_t *v;
    json_object_foreach(r->outputs->v[wi], key, v) {
        const char *name = json_string_value(json_object_get(v, "$name"));
        bool volume = json_object_get(v, "claimName") != NULL;
        wsl_object_depend(o, volume ? "PersistentVolumeClaim" : "Secret", name);
    }
}
