/*
 * The directory driver: each application's objects become JSON files in
 * <path>/<application>/<kind>--<name>.json. A real provider with the smallest possible API
 * (a filesystem), so that plan, apply, locks and the journal can be used and tested end to
 * end without a cluster, and rendered output can be reviewed or handed on.
 *
 * Objects: one "workload" per Score workload (its Score document as JSON plus replicas),
 * and one "route" when the Application has a route (depending on its workload).
 */
#include "providers/directory/config.h"
#include "providers/provider.h"
#include "providers/registry.h"

#include "lib/buf.h"
#include "lib/fs.h"
#include "lib/json.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct wsl_conn {
    const struct wsl_target *target;
    char *root; /* the configured folder */
};

static int dir_open(const struct wsl_target *t, struct wsl_conn **out, struct wsl_err *err)
{
    const struct wsl_directory_config *cfg = t->spec.config;
    if (!cfg || !cfg->path)
        return wsl_err_set(err, WSL_E_INVALID, "target %s has no directory.path",
                           t->metadata.name);
    struct wsl_conn *c = wsl_xcalloc(1, sizeof *c);
    c->target = t;
    const char *slash = strrchr(t->path, '/');
    struct wsl_buf b = WSL_BUF_INIT;
    if (cfg->path[0] == '/' || !slash) /* relative paths: to the Target's own file */
        wsl_buf_puts(&b, cfg->path);
    else
        wsl_buf_printf(&b, "%.*s/%s", (int)(slash - t->path), t->path, cfg->path);
    c->root = wsl_buf_steal(&b);
    *out = c;
    return 0;
}

static void dir_close(struct wsl_conn *c)
{
    if (!c)
        return;
    free(c->root);
    free(c);
}

static json_t *markers(const struct wsl_conn *c, const struct wsl_app *app)
{
    return json_pack("{s:s, s:s}", WSL_MARK_APP, app->metadata.name, WSL_MARK_TARGET,
                     c->target->metadata.name);
}

static int64_t replicas_of(const struct wsl_app *app, const char *workload)
{
    for (size_t i = 0; i < app->spec.replicas.n; i++) {
        if (!strcmp(app->spec.replicas.v[i].key, workload))
            return app->spec.replicas.v[i].num;
    }
    return 1;
}

static int dir_render(struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
                      struct wsl_err *err)
{
    for (size_t i = 0; i < app->spec.workloads.n; i++) {
        const struct wsl_workload *w = app->workloads[i];
        if (!w)
            return wsl_err_set(err, WSL_E_INVALID, "workload %zu of %s did not load", i,
                               app->metadata.name);
        json_t *body = json_pack("{s:s, s:{s:s, s:o}, s:I, s:o}", "kind", "workload",
                                 "metadata", "name", w->metadata.name, "labels", markers(c, app),
                                 "replicas", (json_int_t)replicas_of(app, w->metadata.name),
                                 "score", wsl_node_to_json(w->hdr.node));
        wsl_objset_add(out, "workload", w->metadata.name, body);
    }
    const struct wsl_route *r = &app->spec.route;
    if (r->hdr.node) {
        json_t *body = json_pack("{s:s, s:{s:s, s:o}, s:s, s:s, s:s, s:s, s:b}", "kind", "route",
                                 "metadata", "name", app->metadata.name, "labels",
                                 markers(c, app), "host", r->host, "workload", r->workload,
                                 "port", r->port, "path", r->path, "tls", r->tls);
        struct wsl_object *o = wsl_objset_add(out, "route", app->metadata.name, body);
        wsl_object_depend(o, "workload", r->workload);
    }
    return 0;
}

static char *app_dir(const struct wsl_conn *c, const struct wsl_app *app)
{
    struct wsl_buf b = WSL_BUF_INIT;
    wsl_buf_printf(&b, "%s/%s", c->root, app->metadata.name);
    return wsl_buf_steal(&b);
}

/* Read one file into the set; false (and the set marked incomplete) when it cannot be. */
static bool observe_file(const struct wsl_conn *c, const struct wsl_app *app, const char *dir,
                         const char *name, struct wsl_objset *out)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    json_error_t je;
    json_t *body = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    const char *kind = json_string_value(json_object_get(body, "kind"));
    const char *oname = wsl_json_path_str(body, "metadata.name", NULL);
    if (!body || !kind || !oname) {
        wsl_objset_incomplete(out, "%s cannot be read as an object: %s", path,
                              body ? "no kind or metadata.name" : je.text);
        json_decref(body);
        return false;
    }
    json_t *labels = wsl_json_path(body, "metadata.labels");
    const char *fp = json_string_value(json_object_get(labels, WSL_MARK_FINGERPRINT));
    const char *a = json_string_value(json_object_get(labels, WSL_MARK_APP));
    const char *t = json_string_value(json_object_get(labels, WSL_MARK_TARGET));
    bool owned = a && t && !strcmp(a, app->metadata.name) &&
                 !strcmp(t, c->target->metadata.name);
    struct wsl_object *o = wsl_objset_add_observed(out, kind, oname, body, fp, owned);
    const char *w = json_string_value(json_object_get(body, "workload"));
    if (!strcmp(kind, "route") && w)
        wsl_object_depend(o, "workload", w);
    return true;
}

static int dir_observe(struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
                       struct wsl_err *err)
{
    char *dir = app_dir(c, app);
    DIR *d = opendir(dir);
    out->complete = true;
    if (!d) {
        int e = errno;
        free(dir);
        if (e == ENOENT)
            return 0; /* nothing deployed yet: a complete, empty observation */
        return wsl_err_set(err, WSL_E_IO, "cannot list %s/%s: %s", c->root, app->metadata.name,
                           strerror(e));
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] != '.' && n > 5 && !strcmp(e->d_name + n - 5, ".json"))
            observe_file(c, app, dir, e->d_name, out);
    }
    closedir(d);
    free(dir);
    return 0;
}

static void object_path(const struct wsl_conn *c, const struct wsl_app *app,
                        const struct wsl_object *o, char *out, size_t n)
{
    snprintf(out, n, "%s/%s/%s--%s.json", c->root, app->metadata.name, o->kind, o->name);
}

/* Write the desired body with its fingerprint marker, atomically (temp file + rename). */
static int write_object(const struct wsl_conn *c, const struct wsl_app *app,
                        const struct wsl_object *o, struct wsl_err *err)
{
    char path[4096], tmp[4200];
    char *dir = app_dir(c, app);
    int made = wsl_mkdir_p(dir, 0755);
    free(dir);
    if (made != 0)
        return wsl_err_set(err, WSL_E_IO, "cannot create %s/%s: %s", c->root,
                           app->metadata.name, strerror(errno));
    object_path(c, app, o, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    json_t *body = json_deep_copy(o->body);
    json_t *labels = wsl_json_path(body, "metadata.labels");
    if (labels)
        json_object_set_new(labels, WSL_MARK_FINGERPRINT, json_string(o->fingerprint));
    int rc = json_dump_file(body, tmp, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(body);
    if (rc != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return wsl_err_set(err, WSL_E_IO, "cannot write %s: %s", path, strerror(e));
    }
    return 0;
}

static int dir_apply(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_action *a,
                     struct wsl_err *err)
{
    char path[4096];
    switch (a->type) {
    case WSL_ACT_CREATE:
    case WSL_ACT_UPDATE: return write_object(c, app, a->desired, err);
    case WSL_ACT_DELETE:
        object_path(c, app, a->observed, path, sizeof path);
        if (unlink(path) != 0 && errno != ENOENT)
            return wsl_err_set(err, WSL_E_IO, "cannot delete %s: %s", path, strerror(errno));
        return 0;
    default: return 0;
    }
}

static int dir_health(struct wsl_conn *c, const struct wsl_app *app, struct wsl_health *out,
                      struct wsl_err *err)
{
    struct wsl_objset want = {0};
    int rc = dir_render(c, app, &want, err);
    out->state = WSL_HEALTH_READY;
    for (size_t i = 0; rc == 0 && i < want.n; i++) {
        char path[4096];
        struct stat st;
        object_path(c, app, &want.v[i], path, sizeof path);
        if (stat(path, &st) != 0) {
            out->state = WSL_HEALTH_PROGRESSING;
            snprintf(out->reason, sizeof out->reason, "%s/%s is not written yet", want.v[i].kind,
                     want.v[i].name);
            break;
        }
    }
    wsl_objset_free(&want);
    return rc;
}

static const struct wsl_provider_facts facts = {NULL, 0, NULL};

const struct wsl_driver wsl_directory_driver = {
    "directory", &facts, &wsl_directory_schema, dir_open, dir_render, dir_observe,
    dir_apply, dir_health, dir_close,
};
