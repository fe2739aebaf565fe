/* resources.c — what every driver does alike with Score resources (see resources.h). */
#include "providers/resources.h"

#include "lib/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wsl_outputs_init(struct wsl_outputs *o, const struct wsl_app *app, struct wsl_err *err)
{
    size_t n = app->spec.workloads.n;
    o->v = NULL;
    o->n = 0;
    for (size_t i = 0; i < n; i++) {
        if (!app->workloads || !app->workloads[i])
            return wsl_err_set(err, WSL_E_INVALID, "workload %s of %s did not load",
                               app->spec.workloads.v[i], app->metadata.name);
    }
    o->v = wsl_xcalloc(n ? n : 1, sizeof *o->v);
    o->n = n;
    for (size_t i = 0; i < n; i++)
        o->v[i] = json_object();
    return 0;
}

void wsl_outputs_free(struct wsl_outputs *o)
{
    for (size_t i = 0; i < o->n; i++)
        json_decref(o->v[i]);
    free(o->v);
    o->v = NULL;
    o->n = 0;
}

static bool provides(const struct wsl_provisioner *p, const char *type)
{
    for (const char *const *t = p->types; type && *t; t++) {
        if (!strcmp(*t, type))
            return true;
    }
    return false;
}

/* The outputs of workloads before upto that were provisioned under name, or NULL. */
static json_t *provisioned(const struct wsl_outputs *o, size_t upto, const char *name)
{
    for (size_t i = 0; i < upto; i++) {
        const char *key;
        json_t *v;
        json_object_foreach(o->v[i], key, v) {
            if (!strcmp(json_string_value(json_object_get(v, "$name")), name))
                return v;
        }
    }
    return NULL;
}

static int unsupported(const struct wsl_provisioner *p, const struct wsl_workload *w,
                       const struct wsl_score_resource *res, struct wsl_err *err)
{
    const char *type = res->type ? res->type : "(none)";
    wsl_err_set(err, WSL_E_INVALID, "%s: resource %s has type %s, which the %s driver does "
                "not provision", w->metadata.name, res->hdr.key, type, p->driver);
    struct wsl_buf b = WSL_BUF_INIT;
    for (const char *const *t = p->types; *t; t++)
        wsl_buf_printf(&b, "%s%s", t == p->types ? "" : ", ", *t);
    wsl_err_hint(err, "it provisions %s; place the application on a target whose provider "
                      "offers %s", wsl_buf_str(&b), type);
    wsl_buf_free(&b);
    return WSL_E_INVALID;
}

static int provision_one(struct wsl_outputs *o, const struct wsl_app *app, size_t wi,
                         const struct wsl_score_resource *res,
                         const struct wsl_provisioner *p, struct wsl_err *err)
{
    const struct wsl_workload *w = app->workloads[wi];
    if (!provides(p, res->type))
        return unsupported(p, w, res, err);
    char name[256];
    int rc = p->name(p->ctx, wi, res, name, err);
    if (rc)
        return rc;
    json_t *have = provisioned(o, wi, name);
    if (have) {
        const char *type = json_string_value(json_object_get(have, "$type"));
        if (strcmp(type, res->type))
            return wsl_err_set(err, WSL_E_INVALID,
                               "%s: resource %s has id %s, which another workload uses for a "
                               "resource of type %s", w->metadata.name, res->hdr.key,
                               res->id ? res->id : "(none)", type);
        json_object_set(o->v[wi], res->hdr.key, have);
        return 0;
    }
    json_t *outputs = json_pack("{s:s, s:s}", "$name", name, "$type", res->type);
    json_object_set_new(o->v[wi], res->hdr.key, outputs);
    return p->make(p->ctx, wi, res, name, outputs, err);
}

int wsl_outputs_provision(struct wsl_outputs *o, const struct wsl_app *app,
                          const struct wsl_provisioner *p, struct wsl_err *err)
{
    for (size_t i = 0; i < o->n; i++) {
        const struct wsl_workload *w = app->workloads[i];
        for (size_t k = 0; k < w->resources.n; k++) {
            int rc = provision_one(o, app, i, &w->resources.v[k], p, err);
            if (rc)
                return rc;
        }
    }
    return 0;
}

void wsl_outputs_database(json_t *outputs, const char *type, const char *host, int port,
                          const char *user, const char *secret)
{
    json_object_set_new(outputs, "host", json_string(host));
    json_object_set_new(outputs, "port", json_integer(port));
    json_object_set_new(outputs, "username", json_string(user));
    json_object_set_new(outputs, "password",
                        json_pack("{s:{s:s, s:s}}", "$secret", "name", secret, "key", "password"));
    if (!strcmp(type, "postgres")) {
        json_object_set_new(outputs, "name", json_string(user));
        json_object_set_new(outputs, "database", json_string(user));
    }
}

const json_t *wsl_outputs_of_source(const json_t *outputs, const char *source)
{
    size_t n = strlen(source);
    if (n < 14 || strncmp(source, "${resources.", 12) || source[n - 1] != '}' ||
        memchr(source + 12, '.', n - 13) || n - 13 >= 256)
        return NULL;
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)(n - 13), source + 12);
    return json_object_get(outputs, key);
}

void wsl_sql_name(const char *s, char out[64])
{
    snprintf(out, 64, "%s", s);
    for (char *p = out; *p; p++)
        *p = *p == '-' || *p == '.' ? '_' : *p;
}

static int refuse_in_file(void *ctx, const json_t *ref, struct wsl_buf *out,
                          struct wsl_err *err)
{
    (void)ctx;
    (void)out;
    wsl_err_set(err, WSL_E_INVALID, "a file cannot hold the secret %s of %s",
                json_string_value(json_object_get(ref, "key")),
                json_string_value(json_object_get(ref, "name")));
    wsl_err_hint(err, "pass the secret in a variable and let the program read it from there");
    return WSL_E_INVALID;
}

const struct wsl_secret_hook wsl_no_secret_in_files = {refuse_in_file, NULL};
