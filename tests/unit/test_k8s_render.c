/* Unit tests of the Kubernetes render (providers/kubernetes/render.c): the objects, their
 * key fields, markers and dependencies, for tests/fixtures/k8s and examples/gemeente. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/helpers/asserts.h"

#include "lib/json.h"
#include "manifests/repo.h"
#include "providers/kubernetes/render.h"
#include "providers/registry.h"

#include <string.h>

static struct wsl_repo *load(const char *path)
{
    const char *paths[] = {path};
    struct wsl_repo *r = wsl_repo_load(paths, 1, wsl_providers());
    if (r->diags.errors)
        wsl_diags_print(&r->diags, stderr);
    assert_int_equal(r->diags.errors, 0);
    return r;
}

/* Render app at target into out (which the caller frees). */
static void render(const struct wsl_repo *r, const char *app, const char *target,
                   struct wsl_objset *out)
{
    const struct wsl_target *t = wsl_repo_target(r, target);
    struct wsl_err err = {0};
    assert_non_null(t);
    assert_code(wsl_k8s_render(t->spec.config, t, wsl_repo_app(r, app), out, &err), 0, &err);
}

static json_t *body(const struct wsl_objset *s, const char *kind, const char *name)
{
    const struct wsl_object *o = wsl_objset_find(s, kind, name);
    if (!o)
        fail_msg("no %s/%s rendered", kind, name);
    return o->body;
}

static const char *str(const json_t *root, const char *path)
{
    return wsl_json_path_str(root, path, "(absent)");
}

/* A label (or any key with dots in it) of a mapping, or "(absent)". */
static const char *label(const json_t *map, const char *k)
{
    const char *v = json_string_value(json_object_get(map, k));
    return v ? v : "(absent)";
}

static bool depends(const struct wsl_objset *s, const char *kind, const char *name,
                    const char *key)
{
    const struct wsl_object *o = wsl_objset_find(s, kind, name);
    for (size_t i = 0; o && i < o->ndeps; i++) {
        if (!strcmp(o->deps[i], key))
            return true;
    }
    return false;
}

/* The env entry of name in a container, or NULL. */
static const json_t *env_entry(const json_t *c, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(c, "env"), i, e) {
        if (!strcmp(str(e, "name"), name))
            return e;
    }
    return NULL;
}

/* The env value of name in a container, or NULL. */
static const char *env(const json_t *c, const char *name)
{
    const json_t *e = env_entry(c, name);
    return e ? str(e, "value") : NULL;
}

/* The index of name in a container's env, or -1. */
static int env_index(const json_t *c, const char *name)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(c, "env"), i, e) {
        if (!strcmp(str(e, "name"), name))
            return (int)i;
    }
    return -1;
}

static void fixture_renders_these_objects(void **state)
{
    struct wsl_repo *r = load("tests/fixtures/k8s");
    struct wsl_objset s = {0};
    render(r, "shop", "cluster-a", &s);
    const char *want[] = {"Namespace/wissel-render", "Secret/shop-web-db",
                          "StatefulSet/shop-web-db", "Service/shop-web-db",
                          "Secret/shop-cache", "StatefulSet/shop-cache", "Service/shop-cache",
                          "PersistentVolumeClaim/shop-worker-spool",
                          "ConfigMap/shop-web-main-files", "Deployment/shop-web",
                          "Service/shop-web", "PodDisruptionBudget/shop-web",
                          "Deployment/shop-worker", "Ingress/shop"};
    assert_int_equal(s.n, sizeof want / sizeof *want);
    for (size_t i = 0; i < s.n; i++) {
        char key[256];
        wsl_object_key(&s.v[i], key, sizeof key);
        assert_string_equal(key, want[i]);
        assert_string_equal(str(s.v[i].body, "kind"), s.v[i].kind);
        assert_string_equal(str(s.v[i].body, "metadata.name"), s.v[i].name);
        json_t *labels = wsl_json_path(s.v[i].body, "metadata.labels");
        assert_string_equal(label(labels, WSL_MARK_TARGET), "cluster-a");
        assert_string_equal(label(labels, "app.kubernetes.io/managed-by"), "wissel");
        if (i == 0) { /* the Namespace: shared by the target's applications */
            assert_string_equal(label(labels, WSL_MARK_APP), "(absent)");
            continue;
        }
        assert_string_equal(label(labels, WSL_MARK_APP), "shop");
        assert_string_equal(label(labels, "app.kubernetes.io/name"), "shop");
        assert_string_equal(str(s.v[i].body, "metadata.namespace"), "wissel-render");
    }
    wsl_objset_free(&s);
    wsl_repo_free(r);
}

static void deployment_has_the_workload(void **state)
{
    struct wsl_repo *r = load("tests/fixtures/k8s");
    struct wsl_objset s = {0};
    render(r, "shop", "cluster-a", &s);
    json_t *d = body(&s, "Deployment", "shop-web");
    assert_string_equal(str(d, "apiVersion"), "apps/v1");
    assert_int_equal(json_integer_value(wsl_json_path(d, "spec.replicas")), 2);
    json_t *pod = wsl_json_path(d, "spec.template.spec");
    json_t *c = json_array_get(json_object_get(pod, "containers"), 0);
    assert_string_equal(str(c, "name"), "main");
    assert_string_equal(str(c, "image"), "wissel-test/web:1");
    assert_string_equal(json_string_value(json_array_get(json_object_get(c, "command"), 0)),
                        "/bin/web");
    assert_int_equal(json_array_size(json_object_get(c, "args")), 2);
    assert_string_equal(env(c, "GREETING"), "hallo from web");
    assert_string_equal(env(c, "DB_HOST"), "shop-web-db"); /* the resource's output */
    assert_string_equal(str(c, "resources.limits.cpu"), "500m");
    assert_string_equal(str(c, "resources.requests.memory"), "64Mi");
    assert_string_equal(str(c, "livenessProbe.httpGet.path"), "/healthz");
    assert_int_equal(json_integer_value(wsl_json_path(c, "livenessProbe.httpGet.port")), 8080);
    assert_string_equal(str(c, "readinessProbe.httpGet.scheme"), "HTTP");
    json_t *h = json_array_get(wsl_json_path(c, "readinessProbe.httpGet.httpHeaders"), 0);
    assert_string_equal(str(h, "name"), "Host");
    assert_string_equal(str(h, "value"), "shop.example.nl");
    /* Haven-friendly defaults */
    assert_true(json_is_true(wsl_json_path(c, "securityContext.runAsNonRoot")));
    assert_true(json_is_false(wsl_json_path(c, "securityContext.allowPrivilegeEscalation")));
    assert_string_equal(json_string_value(json_array_get(
                            wsl_json_path(c, "securityContext.capabilities.drop"), 0)),
                        "ALL");
    assert_string_equal(str(c, "securityContext.seccompProfile.type"), "RuntimeDefault");
    assert_true(json_is_true(wsl_json_path(pod, "securityContext.runAsNonRoot")));
    json_t *spread = json_array_get(json_object_get(pod, "topologySpreadConstraints"), 0);
    assert_string_equal(str(spread, "topologyKey"), "topology.kubernetes.io/zone");
    assert_int_equal(json_integer_value(json_object_get(spread, "maxSkew")), 1);
    assert_string_equal(str(spread, "whenUnsatisfiable"), "ScheduleAnyway");
    /* the selector picks the pods, which carry the markers */
    json_t *sel = wsl_json_path(d, "spec.selector.matchLabels");
    assert_string_equal(label(sel, "wissel.dev/workload"), "web");
    json_t *pl = wsl_json_path(d, "spec.template.metadata.labels");
    const char *k;
    json_t *v;
    json_object_foreach(sel, k, v) assert_string_equal(label(pl, k), json_string_value(v));
    assert_string_equal(label(pl, WSL_MARK_TARGET), "cluster-a");
    /* the file: a ConfigMap mounted by subPath, its placeholders expanded */
    json_t *m = json_array_get(json_object_get(c, "volumeMounts"), 0);
    assert_string_equal(str(m, "mountPath"), "/etc/web/web.conf");
    assert_string_equal(str(m, "subPath"), "web.conf");
    json_t *vol = json_array_get(json_object_get(pod, "volumes"), 0);
    assert_string_equal(str(vol, "name"), str(m, "name"));
    assert_string_equal(str(vol, "configMap.name"), "shop-web-main-files");
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(wsl_json_path(vol, "configMap.items"), 0), "mode")),
                     0644);
    json_t *cm = body(&s, "ConfigMap", "shop-web-main-files");
    assert_string_equal(json_string_value(json_object_get(json_object_get(cm, "data"),
                                                          "web.conf")),
                        "name = web\nport = 8080\n");
    wsl_objset_free(&s);
    wsl_repo_free(r);
}

static void service_pdb_and_ingress(void **state)
{
    struct wsl_repo *r = load("tests/fixtures/k8s");
    struct wsl_objset s = {0};
    render(r, "shop", "cluster-a", &s);
    json_t *svc = body(&s, "Service", "shop-web");
    json_t *ports = wsl_json_path(svc, "spec.ports");
    assert_int_equal(json_array_size(ports), 2);
    json_t *http = json_array_get(ports, 0), *metrics = json_array_get(ports, 1);
    assert_string_equal(str(http, "name"), "http");
    assert_int_equal(json_integer_value(json_object_get(http, "port")), 80);
    assert_int_equal(json_integer_value(json_object_get(http, "targetPort")), 8080);
    assert_string_equal(str(http, "protocol"), "TCP");
    assert_int_equal(json_integer_value(json_object_get(metrics, "targetPort")), 9090);
    assert_string_equal(json_string_value(json_object_get(wsl_json_path(svc, "spec.selector"),
                                                          "wissel.dev/workload")),
                        "web");
    json_t *pdb = body(&s, "PodDisruptionBudget", "shop-web");
    assert_int_equal(json_integer_value(wsl_json_path(pdb, "spec.minAvailable")), 1);
    assert_null(wsl_objset_find(&s, "PodDisruptionBudget", "shop-worker")); /* 1 replica */
    assert_null(wsl_objset_find(&s, "Service", "shop-worker"));             /* no ports */
    json_t *ing = body(&s, "Ingress", "shop");
    assert_string_equal(str(ing, "spec.ingressClassName"), "nginx");
    json_t *rule = json_array_get(wsl_json_path(ing, "spec.rules"), 0);
    assert_string_equal(str(rule, "host"), "shop.example.nl");
    json_t *path = json_array_get(wsl_json_path(rule, "http.paths"), 0);
    assert_string_equal(str(path, "path"), "/");
    assert_string_equal(str(path, "pathType"), "Prefix");
    assert_string_equal(str(path, "backend.service.name"), "shop-web");
    assert_string_equal(str(path, "backend.service.port.name"), "http");
    json_t *tls = json_array_get(wsl_json_path(ing, "spec.tls"), 0);
    assert_string_equal(str(tls, "secretName"), "shop-tls");
    assert_string_equal(json_string_value(json_array_get(json_object_get(tls, "hosts"), 0)),
                        "shop.example.nl");
    wsl_objset_free(&s);
    wsl_repo_free(r);
}

static void dependencies_order_the_objects(void **state)
{
    struct wsl_repo *r = load("tests/fixtures/k8s");
    struct wsl_objset s = {0};
    render(r, "shop", "cluster-a", &s);
    assert_int_equal(s.v[0].ndeps, 0); /* the Namespace */
    for (size_t i = 1; i < s.n; i++)
        assert_true(depends(&s, s.v[i].kind, s.v[i].name, "Namespace/wissel-render"));
    assert_true(depends(&s, "Deployment", "shop-web", "ConfigMap/shop-web-main-files"));
    assert_true(depends(&s, "Service", "shop-web", "Deployment/shop-web"));
    assert_true(depends(&s, "PodDisruptionBudget", "shop-web", "Deployment/shop-web"));
    assert_true(depends(&s, "Ingress", "shop", "Service/shop-web"));
    /* workloads wait for the credentials and claims of their resources */
    assert_true(depends(&s, "Deployment", "shop-web", "Secret/shop-web-db"));
    assert_true(depends(&s, "Deployment", "shop-web", "Secret/shop-cache"));
    assert_true(depends(&s, "Deployment", "shop-worker", "Secret/shop-cache"));
    assert_true(depends(&s, "Deployment", "shop-worker",
                        "PersistentVolumeClaim/shop-worker-spool"));
    assert_true(depends(&s, "StatefulSet", "shop-web-db", "Secret/shop-web-db"));
    assert_true(depends(&s, "Service", "shop-web-db", "StatefulSet/shop-web-db"));
    assert_int_equal(wsl_objset_find(&s, "Deployment", "shop-worker")->ndeps, 3);
    wsl_objset_free(&s);
    wsl_repo_free(r);
}

static void rendering_is_deterministic(void **state)
{
    struct wsl_repo *r = load("tests/fixtures/k8s");
    struct wsl_objset a = {0}, b = {0};
    render(r, "shop", "cluster-a", &a);
    render(r, "shop", "cluster-a", &b);
    assert_int_equal(a.n, b.n);
    for (size_t i = 0; i < a.n; i++) {
        assert_string_equal(a.v[i].fingerprint, b.v[i].fingerprint);
        assert_int_equal(strlen(a.v[i].fingerprint), 64);
    }
    wsl_objset_free(&a);
    wsl_objset_free(&b);
    wsl_repo_free(r);
}

static void gemeente_renders_at_haven(void **state)
{
    struct wsl_repo *r = load("examples/gemeente");
    struct wsl_objset s = {0};
    render(r, "burgerportaal", "haven-ams", &s);
    assert_null(wsl_objset_find(&s, "Namespace", "burgerzaken")); /* createNamespace: false */
    json_t *web = body(&s, "Deployment", "burgerportaal-web");
    assert_string_equal(str(web, "metadata.namespace"), "burgerzaken");
    json_t *pod = wsl_json_path(web, "spec.template.spec");
    /* migrate completes before django starts: an init container, without probes */
    json_t *init = json_array_get(json_object_get(pod, "initContainers"), 0);
    assert_string_equal(str(init, "name"), "migrate");
    assert_null(json_object_get(init, "livenessProbe"));
    json_t *django = json_array_get(json_object_get(pod, "containers"), 0);
    assert_string_equal(str(django, "name"), "django");
    assert_int_equal(json_array_size(json_object_get(pod, "containers")), 1);
    assert_string_equal(env(django, "ALLOWED_HOSTS"), "portaal.gemeente.example");
    /* the inline file, and the file from `source` (noExpand) */
    json_t *cm = body(&s, "ConfigMap", "burgerportaal-web-django-files");
    assert_contains(json_string_value(json_object_get(json_object_get(cm, "data"),
                                                      "gunicorn.conf.py")),
                    "# rendered by wissel for web\n");
    assert_contains(json_string_value(json_object_get(json_object_get(cm, "data"),
                                                      "prices.csv")),
                    "\n");
    /* web and worker share db, cache and media (same ids): one of each */
    json_t *media = body(&s, "PersistentVolumeClaim", "burgerportaal-media");
    assert_string_equal(json_string_value(json_array_get(wsl_json_path(media,
                                                                       "spec.accessModes"), 0)),
                        "ReadWriteMany");
    assert_string_equal(str(media, "spec.storageClassName"), "longhorn-rwx");
    assert_string_equal(str(media, "spec.resources.requests.storage"), "20Gi");
    assert_non_null(wsl_objset_find(&s, "StatefulSet", "burgerportaal-db"));
    assert_non_null(wsl_objset_find(&s, "StatefulSet", "burgerportaal-cache"));
    assert_string_equal(env(django, "DB_HOST"), "burgerportaal-db");
    assert_string_equal(env(django, "DB_PORT"), "5432");
    assert_true(depends(&s, "Deployment", "burgerportaal-web",
                        "ConfigMap/burgerportaal-web-django-files"));
    json_t *worker = body(&s, "Deployment", "burgerportaal-worker");
    json_t *celery = json_array_get(wsl_json_path(worker, "spec.template.spec.containers"), 0);
    assert_string_equal(json_string_value(json_array_get(
                            wsl_json_path(celery, "livenessProbe.exec.command"), 0)),
                        "celery");
    assert_non_null(wsl_objset_find(&s, "PodDisruptionBudget", "burgerportaal-web"));
    assert_null(wsl_objset_find(&s, "PodDisruptionBudget", "burgerportaal-worker"));
    json_t *ing = body(&s, "Ingress", "burgerportaal");
    assert_string_equal(str(ing, "spec.ingressClassName"), "nginx");
    assert_string_equal(str(json_array_get(wsl_json_path(ing, "spec.tls"), 0), "secretName"),
                        "burgerportaal-tls");
    wsl_objset_free(&s);
    render(r, "zaken-api", "haven-ams", &s);
    const char *want[] = {"Secret/zaken-api-api-db", "StatefulSet/zaken-api-api-db",
                          "Service/zaken-api-api-db", "Deployment/zaken-api-api",
                          "Service/zaken-api-api", "PodDisruptionBudget/zaken-api-api",
                          "Ingress/zaken-api"};
    assert_int_equal(s.n, 7);
    for (size_t i = 0; i < s.n; i++) {
        char key[256];
        wsl_object_key(&s.v[i], key, sizeof key);
        assert_string_equal(key, want[i]);
    }
    json_t *api = json_array_get(
        wsl_json_path(body(&s, "Deployment", "zaken-api-api"), "spec.template.spec.containers"),
        0);
    assert_string_equal(env(api, "OTEL_SERVICE_NAME"), "api");
    wsl_objset_free(&s);
    wsl_repo_free(r);
}

/* Secrets never become text: a variable that is the secret gets a secretKeyRef, one that
 * embeds it refers to a helper variable defined first; every other "$" is doubled. */
static void secrets_are_references(void **state)
{
    struct wsl_repo *r = load("tests/fixtures/k8s");
    struct wsl_objset s = {0};
    render(r, "shop", "cluster-a", &s);
    json_t *c = json_array_get(wsl_json_path(body(&s, "Deployment", "shop-web"),
                                             "spec.template.spec.containers"), 0);
    const json_t *pw = env_entry(c, "DB_PASSWORD");
    assert_non_null(pw);
    assert_null(json_object_get(pw, "value"));
    assert_string_equal(str(pw, "valueFrom.secretKeyRef.name"), "shop-web-db");
    assert_string_equal(str(pw, "valueFrom.secretKeyRef.key"), "password");
    assert_string_equal(env(c, "CACHE_URL"),
                        "redis://:$(WSL_SECRET_SHOP_CACHE_PASSWORD)@shop-cache:6379/0");
    const json_t *helper = env_entry(c, "WSL_SECRET_SHOP_CACHE_PASSWORD");
    assert_non_null(helper);
    assert_string_equal(str(helper, "valueFrom.secretKeyRef.name"), "shop-cache");
    assert_true(env_index(c, "WSL_SECRET_SHOP_CACHE_PASSWORD") < env_index(c, "CACHE_URL"));
    assert_string_equal(env(c, "PRICE"), "costs $$5 (or $$(NOT_A_VARIABLE))");
    /* the Secret carries no password: the driver generates it once */
    json_t *sec = body(&s, "Secret", "shop-web-db");
    assert_null(json_object_get(json_object_get(sec, "data"), "password"));
    assert_string_equal(label(wsl_json_path(sec, "metadata.annotations"), "wissel.dev/generate"),
                        "password");
    assert_string_equal(str(sec, "data.username"), "c2hvcA=="); /* "shop" */
    assert_string_equal(str(sec, "data.database"), "c2hvcA==");
    wsl_objset_free(&s);
    wsl_repo_free(r);
}

static void databases_run_hardened_with_their_claims(void **state)
{
    struct wsl_repo *r = load("tests/fixtures/k8s");
    struct wsl_objset s = {0};
    render(r, "shop", "cluster-a", &s);
    json_t *db = body(&s, "StatefulSet", "shop-web-db");
    assert_string_equal(str(db, "spec.serviceName"), "shop-web-db");
    json_t *pod = wsl_json_path(db, "spec.template.spec");
    assert_true(json_is_true(wsl_json_path(pod, "securityContext.runAsNonRoot")));
    assert_int_equal(json_integer_value(wsl_json_path(pod, "securityContext.fsGroup")), 999);
    json_t *c = json_array_get(json_object_get(pod, "containers"), 0);
    assert_string_equal(str(c, "image"), "postgres:16");
    assert_string_equal(str(env_entry(c, "POSTGRES_PASSWORD"), "valueFrom.secretKeyRef.key"),
                        "password");
    json_t *tpl = json_array_get(wsl_json_path(db, "spec.volumeClaimTemplates"), 0);
    assert_string_equal(str(tpl, "metadata.name"), "data");
    /* the claims it makes are not wissel's objects: no ownership markers */
    assert_null(json_object_get(wsl_json_path(tpl, "metadata.labels"), WSL_MARK_APP));
    json_t *svc = body(&s, "Service", "shop-web-db");
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(wsl_json_path(svc, "spec.ports"), 0), "port")),
                     5432);
    json_t *redis = json_array_get(wsl_json_path(body(&s, "StatefulSet", "shop-cache"),
                                                 "spec.template.spec.containers"), 0);
    assert_string_equal(str(redis, "image"), "redis:7");
    assert_string_equal(json_string_value(json_array_get(json_object_get(redis, "args"), 1)),
                        "$(REDIS_PASSWORD)");
    /* a volume: its claim, mounted by the worker */
    json_t *pvc = body(&s, "PersistentVolumeClaim", "shop-worker-spool");
    assert_string_equal(json_string_value(json_array_get(wsl_json_path(pvc, "spec.accessModes"),
                                                         0)),
                        "ReadWriteOnce");
    assert_null(wsl_json_path(pvc, "spec.storageClassName")); /* the cluster's default */
    json_t *wpod = wsl_json_path(body(&s, "Deployment", "shop-worker"), "spec.template.spec");
    json_t *vol = json_array_get(json_object_get(wpod, "volumes"), 0);
    assert_string_equal(str(vol, "persistentVolumeClaim.claimName"), "shop-worker-spool");
    json_t *m = json_array_get(
        json_object_get(json_array_get(json_object_get(wpod, "containers"), 0), "volumeMounts"),
        0);
    assert_string_equal(str(m, "mountPath"), "/var/spool/shop");
    assert_string_equal(str(m, "name"), str(vol, "name"));
    /* a file from `source`, next to the Score file, expanded */
    json_t *cm = body(&s, "ConfigMap", "shop-web-main-files");
    assert_string_equal(str(cm, "data.motd-txt"), "(absent)"); /* key keeps the dot */
    assert_string_equal(json_string_value(json_object_get(json_object_get(cm, "data"),
                                                          "motd.txt")),
                        "Welkom bij web\n");
    wsl_objset_free(&s);
    wsl_repo_free(r);
}

static void unloaded_workload_is_an_error(void **state)
{
    struct wsl_repo *r = load("tests/fixtures/k8s");
    struct wsl_app app = *wsl_repo_app(r, "shop");
    app.workloads = NULL;
    const struct wsl_target *t = wsl_repo_target(r, "cluster-a");
    struct wsl_objset s = {0};
    struct wsl_err err = {0};
    assert_code(wsl_k8s_render(t->spec.config, t, &app, &s, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "web.score.yaml");
    wsl_objset_free(&s);
    wsl_repo_free(r);
}

/* Render a modified copy of the fixture's app; the error must mention `want`. */
static void refused(void (*change)(struct wsl_app *), const char *want)
{
    struct wsl_repo *r = load("tests/fixtures/k8s");
    struct wsl_app app = *wsl_repo_app(r, "shop");
    change(&app);
    const struct wsl_target *t = wsl_repo_target(r, "cluster-a");
    struct wsl_objset s = {0};
    struct wsl_err err = {0};
    assert_code(wsl_k8s_render(t->spec.config, t, &app, &s, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, want);
    wsl_objset_free(&s);
    wsl_repo_free(r);
}

static void route_port_missing(struct wsl_app *a) { a->spec.route.port = "https"; }
static void name_too_long(struct wsl_app *a)
{
    a->metadata.name = "a-name-of-sixty-characters-which-kubernetes-will-not-take-xx";
}
static void name_starts_with_digit(struct wsl_app *a) { a->metadata.name = "1shop"; }

static void unknown_resource_type(struct wsl_app *a)
{
    ((struct wsl_workload *)a->workloads[0])->resources.v[0].type = "amqp";
}
static void file_holds_a_secret(struct wsl_app *a)
{
    ((struct wsl_workload *)a->workloads[0])->containers.v[0].files.v[0].content =
        "password = ${resources.db.password}\n";
}
static void volume_source_not_a_volume(struct wsl_app *a)
{
    ((struct wsl_workload *)a->workloads[1])->containers.v[0].volumes.v[0].source =
        "${resources.cache}";
}

static void shared_id_other_type(struct wsl_app *a)
{
    /* the worker's "cache" (id cache, redis in web) said to be a volume */
    ((struct wsl_workload *)a->workloads[1])->resources.v[0].type = "volume";
}

static void invalid_names_and_routes_are_errors(void **state)
{
    refused(unknown_resource_type, "type amqp, which the kubernetes driver does not provision");
    refused(file_holds_a_secret, "file /etc/web/web.conf: a file cannot hold the secret password of shop-web-db");
    refused(volume_source_not_a_volume, "is not a resource of type volume");
    refused(shared_id_other_type, "worker: resource cache has id cache, which another workload "
                                  "uses for a resource of type redis");
    refused(route_port_missing, "port https of workload web");
    refused(name_too_long, "characters Kubernetes allows");
    refused(name_starts_with_digit, "must start with a letter");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixture_renders_these_objects),
        cmocka_unit_test(deployment_has_the_workload),
        cmocka_unit_test(service_pdb_and_ingress),
        cmocka_unit_test(dependencies_order_the_objects),
        cmocka_unit_test(rendering_is_deterministic),
        cmocka_unit_test(gemeente_renders_at_haven),
        cmocka_unit_test(secrets_are_references),
        cmocka_unit_test(databases_run_hardened_with_their_claims),
        cmocka_unit_test(unloaded_workload_is_an_error),
        cmocka_unit_test(invalid_names_and_routes_are_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
