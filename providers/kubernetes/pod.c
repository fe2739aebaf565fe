/*
 * pod.c — a Score workload's containers as the pod of its Deployment (see render_int.h).
 *
 * Containers. A container that another waits for until it completes ("before: {x: {ready:
 * complete}}") is an init container. Values of variables have their placeholders expanded
 * with the resources' outputs; a secret output (a generated password) never becomes text:
 * a variable that is just the secret gets it through a secretKeyRef, and a variable that
 * embeds it (a URL with a password) refers to a helper variable WSL_SECRET_<SECRET>_<KEY>,
 * defined first from the Secret, as $(WSL_SECRET_...), which the kubelet expands. Every
 * other "$" of a value is written "$$", so the kubelet's own $(VAR) expansion never
 * changes what the Score says.
 *
 * Files. Inline files and files read from `source` (relative to the Score file) become a
 * ConfigMap per container, mounted file by file (subPath) so that a file never hides the
 * rest of its folder. A file that is not UTF-8 text goes into binaryData as it is. A file
 * cannot hold a secret output (it would put the password into a ConfigMap).
 *
 * Volumes. A volume's source "${resources.NAME}" is a `volume` resource: its claim is
 * mounted at the target (path: a sub-folder of it; readOnly as the Score says). A source
 * that is a plain name is a claim that already exists in the namespace.
 */
#include "providers/kubernetes/render_int.h"

#include "lib/buf.h"
#include "lib/base64.h"
#include "lib/fs.h"
#include "lib/units.h"
#include "manifests/placeholder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ConfigMaps hold at most 1 MiB in all. */
#define MAX_FILE_BYTES (1024 * 1024)

/* One workload being rendered. */
struct wl {
    const struct render *r;
    size_t wi;                    /* its index in the application */
    const struct wsl_workload *w;
    const char *base;             /* "<app>-<workload>" */
};

/* --- variables -------------------------------------------------------------------------- */

/* The secrets an expansion used ({"name", "key"}), each written as $(VAR). */
struct env_expand {
    json_t *refs;
};

/* The helper variable of a secret: WSL_SECRET_<NAME>_<KEY>, upper case, [A-Z0-9_]. */
static void secret_var(const json_t *ref, char out[160])
{
    snprintf(out, 160, "WSL_SECRET_%s_%s", json_string_value(json_object_get(ref, "name")),
             json_string_value(json_object_get(ref, "key")));
    for (char *p = out; *p; p++) {
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
        else if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            *p = '_';
    }
}

static int env_secret(void *ctx, const json_t *ref, struct wsl_buf *out, struct wsl_err *err)
{
    (void)err;
    struct env_expand *x = ctx;
    char var[160];
    secret_var(ref, var);
    wsl_buf_printf(out, "$(%s)", var);
    json_array_append(x->refs, (json_t *)ref);
    return 0;
}

static json_t *from_secret(const char *var, const json_t *ref)
{
    return json_pack("{s:s, s:{s:{s:O, s:O}}}", "name", var, "valueFrom", "secretKeyRef",
                     "name", json_object_get(ref, "name"), "key", json_object_get(ref, "key"));
}

/* Define the helper variable of ref in helpers, once. */
static void add_helper(json_t *helpers, const json_t *ref)
{
    char var[160];
    secret_var(ref, var);
    size_t i;
    json_t *h;
    json_array_foreach(helpers, i, h) {
        if (!strcmp(json_string_value(json_object_get(h, "name")), var))
            return;
    }
    json_array_append_new(helpers, from_secret(var, ref));
}

/* One variable into env (its helpers into helpers). */
static int env_var(const struct wl *l, const char *key, const char *value, json_t *helpers,
                   json_t *env, struct wsl_err *err)
{
    struct wsl_buf b = WSL_BUF_INIT;
    struct env_expand x = {json_array()};
    struct wsl_secret_hook hook = {env_secret, &x};
    int rc = wsl_score_expand_escaped(l->w, l->r->outputs->v[l->wi], &hook, value, &b, err);
    if (rc == 0) {
        const json_t *only = json_array_size(x.refs) == 1 ? json_array_get(x.refs, 0) : NULL;
        char var[160] = "", whole[170] = "";
        if (only) {
            secret_var(only, var);
            snprintf(whole, sizeof whole, "$(%s)", var);
        }
        if (only && !strcmp(wsl_buf_str(&b), whole)) {
            json_array_append_new(env, from_secret(key, only));
        } else {
            size_t i;
            json_t *ref;
            json_array_foreach(x.refs, i, ref)
                add_helper(helpers, ref);
            json_array_append_new(env, json_pack("{s:s, s:s}", "name", key, "value",
                                                 wsl_buf_str(&b)));
        }
    }
    json_decref(x.refs);
    wsl_buf_free(&b);
    return rc;
}

/* The container's env: the helper variables first, then the Score's in its order. */
static int env_of(const struct wl *l, const struct wsl_score_container *c, json_t **out,
                  struct wsl_err *err)
{
    json_t *helpers = json_array(), *env = json_array();
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < c->variables.n; i++) {
        rc = env_var(l, c->variables.v[i].key, c->variables.v[i].value, helpers, env, err);
        if (rc)
            wsl_err_prefix(err, "%s: containers.%s.variables.%s", l->w->metadata.name,
                           c->hdr.key, c->variables.v[i].key);
    }
    json_array_extend(helpers, env);
    json_decref(env);
    if (rc)
        json_decref(helpers);
    *out = rc ? NULL : helpers;
    return rc;
}

/* --- containers ----------------------------------------------------------------------- */

static json_t *strings(const struct wsl_strs *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->n; i++)
        json_array_append_new(a, json_string(s->v[i]));
    return a;
}

/* Score writes kilobytes "K"; Kubernetes quantities say "k". */
static json_t *quantity(const char *q)
{
    size_t n = strlen(q);
    if (n == 0 || q[n - 1] != 'K')
        return json_string(q);
    char *k = wsl_xstrdup(q);
    k[n - 1] = 'k';
    json_t *j = json_string(k);
    free(k);
    return j;
}

static json_t *amounts(const struct wsl_score_amounts *a)
{
    json_t *o = json_object();
    if (a->cpu)
        json_object_set_new(o, "cpu", json_string(a->cpu));
    if (a->memory)
        json_object_set_new(o, "memory", quantity(a->memory));
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
    if (p->exec.hdr.node && p->exec.command.n) /* an empty command runs nothing: no probe */
        return json_pack("{s:{s:o}}", "exec", "command", strings(&p->exec.command));
    return NULL;
}

/* Kubernetes refuses a request above its limit (Score does not mind): say so here. */
static int within_limits(const struct wsl_workload *w, const struct wsl_score_container *c,
                         struct wsl_err *err)
{
    const struct wsl_score_amounts *req = &c->resources.requests, *lim = &c->resources.limits;
    const char *what[2][3] = {{"cpu", req->cpu, lim->cpu}, {"memory", req->memory, lim->memory}};
    for (size_t i = 0; i < 2; i++) {
        int64_t r, l;
        struct wsl_err ignore = {0};
        if (!what[i][1] || !what[i][2] || wsl_quantity_parse(what[i][1], &r, &ignore) ||
            wsl_quantity_parse(what[i][2], &l, &ignore) || r <= l)
            continue;
        wsl_err_set(err, WSL_E_INVALID,
                    "%s: containers.%s: resources.requests.%s %s is more than "
                    "resources.limits.%s %s, which Kubernetes refuses", w->metadata.name,
                    c->hdr.key, what[i][0], what[i][1], what[i][0], what[i][2]);
        return WSL_E_INVALID;
    }
    return 0;
}

/* Kubernetes takes probe header names of [-A-Za-z0-9] only; Score takes any string. */
static int probe_headers(const struct wsl_workload *w, const struct wsl_score_container *c,
                         struct wsl_err *err)
{
    const struct wsl_score_probe *ps[] = {&c->liveness, &c->readiness};
    for (size_t k = 0; k < 2; k++) {
        for (size_t i = 0; i < ps[k]->http_get.headers.n; i++) {
            const char *name = ps[k]->http_get.headers.v[i].name;
            for (const char *p = name; *p; p++) {
                if (!(wsl_k8s_key_char(*p) && *p != '.' && *p != '_')) {
                    wsl_err_set(err, WSL_E_INVALID,
                                "%s: containers.%s: probe header %s: Kubernetes takes header "
                                "names of letters, digits and '-' only", w->metadata.name,
                                c->hdr.key, name);
                    return WSL_E_INVALID;
                }
            }
        }
    }
    return 0;
}

json_t *wsl_k8s_container_security(void)
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
static int container(const struct wl *l, const struct wsl_score_container *c, bool init,
                     json_t **out, struct wsl_err *err)
{
    json_t *env;
    int rc = probe_headers(l->w, c, err);
    if (rc == 0)
        rc = within_limits(l->w, c, err);
    if (rc == 0)
        rc = env_of(l, c, &env, err);
    if (rc != 0)
        return rc;
    json_t *o = json_pack("{s:s, s:s, s:o}", "name", c->hdr.key, "image", c->image,
                          "securityContext", wsl_k8s_container_security());
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
        out[n++] = wsl_k8s_key_char(*base) ? *base : '-';
    out[n] = '\0';
    if (n == 0 || !strcmp(out, ".") || !strcmp(out, "..") ||
        json_object_get(json_object_get(cm, "data"), out) ||
        json_object_get(json_object_get(cm, "binaryData"), out)) {
        char tmp[128];
        snprintf(tmp, sizeof tmp, "file-%zu-%s", i, out);
        strcpy(out, tmp);
    }
}

/* The text of file f: inline, or read from its source next to the Score file. */
static int file_text(const struct wl *l, const struct wsl_score_file *f, struct wsl_buf *out,
                     struct wsl_err *err)
{
    const char *text = f->content ? f->content : f->binary_content;
    if (text) {
        wsl_buf_puts(out, text);
        return 0;
    }
    const char *slash = l->w->path ? strrchr(l->w->path, '/') : NULL;
    struct wsl_buf path = WSL_BUF_INIT;
    if (f->source[0] != '/' && slash)
        wsl_buf_append(&path, l->w->path, (size_t)(slash - l->w->path) + 1);
    wsl_buf_puts(&path, f->source);
    int rc = wsl_read_file(wsl_buf_str(&path), MAX_FILE_BYTES, out, err);
    wsl_buf_free(&path);
    return rc;
}

/* The value of file f in a ConfigMap: expanded text for "data", or base64 for
 * "binaryData" (binaryContent, and sources that are not UTF-8 text). */
static int file_value(const struct wl *l, const struct wsl_score_file *f, const char **field,
                      json_t **out, struct wsl_err *err)
{
    struct wsl_buf raw = WSL_BUF_INIT;
    int rc = file_text(l, f, &raw, err);
    json_t *text = rc || f->binary_content ? NULL : json_stringn(raw.data ? raw.data : "",
                                                                 raw.len);
    *field = text ? "data" : "binaryData";
    if (rc == 0 && text && !f->no_expand) {
        struct wsl_buf b = WSL_BUF_INIT;
        rc = wsl_score_expand_hooked(l->w, l->r->outputs->v[l->wi], &wsl_no_secret_in_files,
                                     json_string_value(text),
                                     &b, err);
        json_decref(text);
        text = rc ? NULL : json_string(wsl_buf_str(&b));
        wsl_buf_free(&b);
    }
    if (rc == 0 && !text && f->binary_content) {
        text = json_string(f->binary_content); /* base64 already */
    } else if (rc == 0 && !text) {
        char *e = wsl_base64_encode(raw.data, raw.len);
        text = json_string(e);
        free(e);
    }
    wsl_buf_free(&raw);
    *out = text;
    return rc;
}

/* One file into the ConfigMap, its volume item and its mount. */
static int add_file(const struct wl *l, const struct wsl_score_file *f, size_t i,
                    const char *volume, json_t *cm, json_t *items, json_t *mounts,
                    struct wsl_err *err)
{
    const char *field;
    json_t *v;
    int rc = file_value(l, f, &field, &v, err);
    if (rc != 0) {
        wsl_err_prefix(err, "%s: file %s", l->w->metadata.name, wsl_score_file_target(f));
        return rc;
    }
    char key[128];
    file_key(wsl_score_file_target(f), i, cm, key);
    json_object_set_new(json_object_get(cm, field), key, v);
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

/* The ConfigMap of one container's files (added to the set), its volume in volumes and its
 * mounts in mounts. None when the container has no file. */
static int render_files(const struct wl *l, size_t ci, json_t *volumes, json_t *mounts,
                        struct wsl_err *err)
{
    const struct wsl_score_container *c = &l->w->containers.v[ci];
    if (!c->files.n)
        return 0;
    char name[256], volume[32];
    files_name(l->base, c, name);
    snprintf(volume, sizeof volume, "files-%zu", ci);
    json_t *cm = json_pack("{s:{}, s:{}}", "data", "binaryData");
    json_t *items = json_array();
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < c->files.n; i++)
        rc = add_file(l, &c->files.v[i], i, volume, cm, items, mounts, err);
    if (rc != 0) {
        json_decref(cm);
        json_decref(items);
        return rc;
    }
    if (json_object_size(json_object_get(cm, "binaryData")) == 0)
        json_object_del(cm, "binaryData");
    if (json_object_size(json_object_get(cm, "data")) == 0)
        json_object_del(cm, "data");
    json_object_set_new(cm, "metadata", wsl_k8s_metadata(l->r, name));
    json_array_append_new(volumes, json_pack("{s:s, s:{s:s, s:o}}", "name", volume,
                                             "configMap", "name", name, "items", items));
    wsl_k8s_add(l->r, "v1", "ConfigMap", name, cm);
    return 0;
}

/* --- volumes --------------------------------------------------------------------------- */

/* The pod volume of claim, added to volumes once; its name into out. */
static void claim_volume(json_t *volumes, const char *claim, char out[80])
{
    snprintf(out, 80, "claim-%s", claim);
    size_t i;
    json_t *v;
    json_array_foreach(volumes, i, v) {
        if (!strcmp(json_string_value(json_object_get(v, "name")), out))
            return;
    }
    json_array_append_new(volumes, json_pack("{s:s, s:{s:s}}", "name", out,
                                             "persistentVolumeClaim", "claimName", claim));
}

static int render_volumes(const struct wl *l, const struct wsl_score_container *c,
                          json_t *volumes, json_t *mounts, struct wsl_err *err)
{
    for (size_t i = 0; i < c->volumes.n; i++) {
        const struct wsl_score_volume *v = &c->volumes.v[i];
        const char *claim = wsl_k8s_claim_of(l->r, l->wi, v->source, err);
        if (!claim)
            return WSL_E_INVALID;
        char name[80];
        claim_volume(volumes, claim, name);
        json_t *m = json_pack("{s:s, s:s}", "name", name, "mountPath",
                              wsl_score_volume_target(v));
        if (v->read_only) /* false is the default, which the API server does not echo */
            json_object_set_new(m, "readOnly", json_true());
        if (v->path)
            json_object_set_new(m, "subPath", json_string(v->path));
        json_array_append_new(mounts, m);
    }
    return 0;
}

/* --- the pod --------------------------------------------------------------------------- */

static int one_container(const struct wl *l, size_t i, json_t *main_, json_t *init,
                         json_t *volumes, struct wsl_err *err)
{
    const struct wsl_score_container *sc = &l->w->containers.v[i];
    bool first = runs_first(l->w, sc->hdr.key);
    json_t *c;
    int rc = container(l, sc, first, &c, err);
    if (rc != 0)
        return rc;
    json_array_append_new(first ? init : main_, c);
    json_t *mounts = json_array();
    rc = render_files(l, i, volumes, mounts, err);
    if (rc == 0)
        rc = render_volumes(l, sc, volumes, mounts, err);
    if (json_array_size(mounts))
        json_object_set(c, "volumeMounts", mounts);
    json_decref(mounts);
    return rc;
}

int wsl_k8s_pod(const struct render *r, size_t wi, const char *base, json_t *pod,
                struct wsl_err *err)
{
    struct wl l = {r, wi, r->app->workloads[wi], base};
    json_t *main_ = json_array(), *init = json_array(), *volumes = json_array();
    json_object_set_new(pod, "containers", main_);
    json_object_set_new(pod, "initContainers", init);
    json_object_set_new(pod, "volumes", volumes);
    for (size_t i = 0; i < l.w->containers.n; i++) {
        int rc = one_container(&l, i, main_, init, volumes, err);
        if (rc != 0)
            return rc;
    }
    if (!json_array_size(init))
        json_object_del(pod, "initContainers");
    if (!json_array_size(volumes))
        json_object_del(pod, "volumes");
    return 0;
}

void wsl_k8s_pod_depend(const struct render *r, size_t wi, const char *base,
                        struct wsl_object *o)
{
    const struct wsl_workload *w = r->app->workloads[wi];
    for (size_t i = 0; i < w->containers.n; i++) {
        char cm[256];
        files_name(base, &w->containers.v[i], cm);
        if (wsl_objset_find(r->out, "ConfigMap", cm))
            wsl_object_depend(o, "ConfigMap", cm);
    }
    wsl_k8s_depend_on_resources(r, wi, o);
}
