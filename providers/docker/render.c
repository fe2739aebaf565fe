/*
 * render.c — an Application's Score workloads as Docker objects. Pure: no network, no clock.
 *
 * Names carry the target's name, so that two Targets on one engine never collide:
 *   network    "<target>-<app>"                       one per application
 *   container  "<target>-<app>-<workload>-<n>"        per replica n (0, 1, ...); with more
 *              than one Score container "...-<n>-<container>"
 *   volume     "<target>-<app>-<id>" for a resource with an id, else
 *              "<target>-<app>-<workload>-<resource>"
 *   databases  a container "<target>-<app>-<resource>" (postgres, redis) and its volume
 *              "<same>-data"
 *
 * A container's body is {"Image", "Labels", "State": "running", "Spec"}: Image, Labels
 * and State are what the engine's list call shows, so observe() can check them for drift;
 * Spec is the rest of what the driver creates the container from (container.c) and is
 * recorded in a label of the container when it is created.
 *
 * Route. The first container of replica 0 of the route's workload carries "Route":
 * {"port": "8080/tcp", "hostPort": "80"}: the route's container port is also published at
 * the Score service port's number, so the route answers on the same port at every Target
 * (a client that follows DNS to another Target keeps its port). Its "Rollout" is
 * "stop-first": two containers cannot hold that host port at once.
 *
 * Secrets. A generated password is never text in a body: the database container's Spec
 * says which keys the driver generates when it creates it ("Generate": {"password":
 * "POSTGRES_PASSWORD"}), and a variable that uses the password is written into
 * "SecretEnv" as a template where ${secret:CONTAINER:KEY} stands for it and every other
 * "$" is doubled; the driver fills it in when it creates the container. Files cannot hold
 * a secret.
 */
#include "providers/docker/docker.h"
#include "providers/resources.h"

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/fs.h"
#include "lib/units.h"
#include "manifests/placeholder.h"
#include "manifests/yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE_BYTES (256 * 1024)

struct rd {
    const struct wsl_conn *c;
    const struct wsl_app *app;
    struct wsl_objset *out;
    struct wsl_outputs *outputs; /* of the resources (providers/resources.h) */
    char prefix[256];      /* "<target>-<app>" */
};

/* s as part of a Docker name: [a-zA-Z0-9_.-], anything else '-'. */
static void put_name(struct wsl_buf *b, const char *s)
{
    for (; *s; s++) {
        char ch = *s;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
        wsl_buf_putc(b, ok ? ch : '-');
    }
}

/* "<prefix>-<a>[-<b>]" into out. */
static void name_of(const struct rd *r, const char *a, const char *b, char out[256])
{
    struct wsl_buf n = WSL_BUF_INIT;
    wsl_buf_printf(&n, "%s-", r->prefix);
    put_name(&n, a);
    if (b) {
        wsl_buf_putc(&n, '-');
        put_name(&n, b);
    }
    snprintf(out, 256, "%s", wsl_buf_str(&n));
    wsl_buf_free(&n);
}

static json_t *labels(const struct rd *r)
{
    return json_pack("{s:s, s:s}", WSL_MARK_APP, r->app->metadata.name, WSL_MARK_TARGET,
                     r->c->target->metadata.name);
}

static struct wsl_object *add_container(const struct rd *r, const char *name, const char *image,
                                        json_t *extra_labels, json_t *spec)
{
    json_t *l = labels(r);
    json_object_update(l, extra_labels);
    json_decref(extra_labels);
    json_object_set_new(spec, "Network", json_string(r->prefix));
    json_t *body = json_pack("{s:s, s:o, s:s, s:o}", "Image", image, "Labels", l, "State",
                             "running", "Spec", spec);
    struct wsl_object *o = wsl_objset_add(r->out, "container", name, body);
    wsl_object_depend(o, "network", r->prefix);
    return o;
}

/* A named volume; generate names the keys (comma-separated) whose values the driver makes
 * when it creates the volume and keeps in its labels (a database's password stays with
 * its data), or is NULL. */
static void add_volume(const struct rd *r, const char *name, const char *generate)
{
    json_t *l = labels(r);
    if (generate)
        json_object_set_new(l, DK_LABEL_GENERATE, json_string(generate));
    json_t *body = json_pack("{s:s, s:s, s:o}", "Name", name, "Driver", "local", "Labels", l);
    wsl_objset_add(r->out, "volume", name, body);
}

/* --- resources ------------------------------------------------------------------------ */

static const struct db_type {
    const char *type, *image, *version;
    int port;
} dbs[] = {{"postgres", "postgres", "16", 5432}, {"redis", "redis", "7", 6379}};

static json_t *db_spec(const struct db_type *t, const char *user, const char *volume)
{
    json_t *spec = json_pack("{s:s, s:[]}", "Rollout", "stop-first", "Ports");
    if (!strcmp(t->type, "postgres")) {
        json_object_set_new(spec, "Env", json_pack("[s+, s+, s]", "POSTGRES_USER=", user,
                                                   "POSTGRES_DB=", user,
                                                   "PGDATA=/var/lib/postgresql/data/pgdata"));
        json_object_set_new(spec, "Generate", json_pack("{s:s}", "password", "POSTGRES_PASSWORD"));
        json_object_set_new(spec, "Mounts", json_pack("[{s:s, s:s, s:s}]", "Type", "volume",
                                                      "Source", volume, "Target",
                                                      "/var/lib/postgresql/data"));
        json_object_set_new(spec, "Healthcheck",
                            json_pack("{s:[s, s, s, s], s:I, s:I, s:i}", "Test", "CMD",
                                      "pg_isready", "-U", user, "Interval",
                                      (json_int_t)2000000000, "Timeout",
                                      (json_int_t)2000000000, "Retries", 5));
    } else {
        json_object_set_new(spec, "Env", json_array());
        json_object_set_new(spec, "Generate", json_pack("{s:s}", "password", "REDIS_PASSWORD"));
        json_object_set_new(spec, "Cmd", json_pack("[s, s, s]", "sh", "-c",
                                                   "exec redis-server --requirepass "
                                                   "\"$REDIS_PASSWORD\" --appendonly yes "
                                                   "--dir /data"));
        json_object_set_new(spec, "Mounts", json_pack("[{s:s, s:s, s:s}]", "Type", "volume",
                                                      "Source", volume, "Target", "/data"));
        json_object_set_new(spec, "Healthcheck",
                            json_pack("{s:[s, s], s:I, s:I, s:i}", "Test", "CMD-SHELL",
                                      "redis-cli -a \"$REDIS_PASSWORD\" ping | grep -q PONG",
                                      "Interval", (json_int_t)2000000000, "Timeout",
                                      (json_int_t)2000000000, "Retries", 5));
    }
    return spec;
}

static void render_db(const struct rd *r, const struct db_type *t,
                      const struct wsl_score_resource *res, const char *name, json_t *outputs)
{
    char user[64], volume[300], image[256];
    wsl_sql_name(r->app->metadata.name, user);
    snprintf(volume, sizeof volume, "%s-data", name);
    const char *img = wsl_score_resource_param(res, "image", t->image);
    if (strchr(img, ':'))
        snprintf(image, sizeof image, "%s", img);
    else
        snprintf(image, sizeof image, "%s:%s", img, wsl_score_resource_param(res, "version", t->version));
    add_volume(r, volume, "password");
    json_t *spec = db_spec(t, !strcmp(t->type, "postgres") ? user : "default", volume);
    json_object_set_new(spec, "Aliases", json_pack("[s]", res->id ? res->id : res->hdr.key));
    struct wsl_object *o = add_container(
        r, name, image, json_pack("{s:s}", "wissel.dev/resource", res->hdr.key), spec);
    wsl_object_depend(o, "volume", volume);
    wsl_outputs_database(outputs, t->type, name, t->port,
                         !strcmp(t->type, "postgres") ? user : "default", name);
}

static const struct db_type *db_of(const char *type)
{
    for (size_t i = 0; i < sizeof dbs / sizeof *dbs; i++) {
        if (!strcmp(type, dbs[i].type))
            return &dbs[i];
    }
    return NULL;
}

static int name_fn(void *ctx, size_t wi, const struct wsl_score_resource *res, char *out,
                   struct wsl_err *err)
{
    (void)err;
    const struct rd *r = ctx;
    name_of(r, res->id ? res->id : r->app->workloads[wi]->metadata.name,
            res->id ? NULL : res->hdr.key, out);
    return 0;
}

static int make_fn(void *ctx, size_t wi, const struct wsl_score_resource *res,
                   const char *name, json_t *outputs, struct wsl_err *err)
{
    (void)wi;
    (void)err;
    const struct rd *r = ctx;
    const struct db_type *db = db_of(res->type);
    if (db) {
        render_db(r, db, res, name, outputs);
    } else {
        add_volume(r, name, NULL);
        json_object_set_new(outputs, "source", json_string(name));
    }
    return 0;
}

/* --- variables ------------------------------------------------------------------------ */

/* Secrets become ${secret:CONTAINER:KEY} in a template the driver fills in. */
static int env_secret(void *ctx, const json_t *ref, struct wsl_buf *out, struct wsl_err *err)
{
    (void)err;
    int *nsecrets = ctx;
    wsl_buf_printf(out, "${secret:%s:%s}", json_string_value(json_object_get(ref, "name")),
                   json_string_value(json_object_get(ref, "key")));
    (*nsecrets)++;
    return 0;
}

/* One variable into env ("K=V") or, when it uses a secret, secret_env {K: template}. */
static int env_var(const struct wsl_workload *w, const json_t *outputs, const char *key,
                   const char *value, json_t *env, json_t *secret_env, struct wsl_err *err)
{
    struct wsl_buf b = WSL_BUF_INIT;
    int nsecrets = 0;
    struct wsl_secret_hook hook = {env_secret, &nsecrets};
    int rc = wsl_score_expand_escaped(w, outputs, &hook, value, &b, err);
    if (rc == 0 && nsecrets) {
        json_object_set_new(secret_env, key, json_string(wsl_buf_str(&b)));
    } else if (rc == 0) { /* no template: the value as it is */
        wsl_buf_reset(&b);
        rc = wsl_score_expand(w, outputs, value, &b, err);
        if (rc == 0)
            json_array_append_new(env, json_sprintf("%s=%s", key, wsl_buf_str(&b)));
    }
    wsl_buf_free(&b);
    return rc;
}

static int render_env(const struct wsl_workload *w, const json_t *outputs,
                      const struct wsl_score_container *sc, json_t *spec, struct wsl_err *err)
{
    json_t *env = json_array(), *secret_env = json_object();
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sc->variables.n; i++) {
        rc = env_var(w, outputs, sc->variables.v[i].key, sc->variables.v[i].value, env,
                     secret_env, err);
        if (rc)
            wsl_err_prefix(err, "%s: containers.%s.variables.%s", w->metadata.name,
                           sc->hdr.key, sc->variables.v[i].key);
    }
    json_object_set_new(spec, "Env", env);
    if (json_object_size(secret_env))
        json_object_set(spec, "SecretEnv", secret_env);
    json_decref(secret_env);
    return rc;
}

/* --- files ---------------------------------------------------------------------------- */

static int file_raw(const struct wsl_workload *w, const struct wsl_score_file *f,
                    struct wsl_buf *out, struct wsl_err *err)
{
    if (f->content || f->binary_content) {
        wsl_buf_puts(out, f->content ? f->content : f->binary_content);
        return 0;
    }
    const char *slash = w->path ? strrchr(w->path, '/') : NULL;
    struct wsl_buf path = WSL_BUF_INIT;
    if (f->source[0] != '/' && slash)
        wsl_buf_append(&path, w->path, (size_t)(slash - w->path) + 1);
    wsl_buf_puts(&path, f->source);
    int rc = wsl_read_file(wsl_buf_str(&path), MAX_FILE_BYTES, out, err);
    wsl_buf_free(&path);
    return rc;
}

/* {"path", "mode", "text" | "base64"} of one file. */
static int one_file(const struct wsl_workload *w, const json_t *outputs,
                    const struct wsl_score_file *f, json_t *files, struct wsl_err *err)
{
    struct wsl_buf raw = WSL_BUF_INIT, b = WSL_BUF_INIT;
    int rc = file_raw(w, f, &raw, err);
    json_t *o = json_pack("{s:s, s:s}", "path", wsl_score_file_target(f), "mode",
                          f->mode ? f->mode : "0644");
    json_t *text = rc || f->binary_content ? NULL : json_stringn(raw.data ? raw.data : "", raw.len);
    if (text && !f->no_expand) {
        rc = wsl_score_expand_hooked(w, outputs, &wsl_no_secret_in_files,
                                     json_string_value(text), &b, err);
        json_decref(text);
        text = rc ? NULL : json_string(wsl_buf_str(&b));
    }
    if (text) {
        json_object_set_new(o, "text", text);
    } else if (rc == 0 && f->binary_content) {
        json_object_set_new(o, "base64", json_string(f->binary_content));
    } else if (rc == 0) {
        char *e = wsl_base64_encode(raw.data, raw.len);
        json_object_set_new(o, "base64", json_string(e));
        free(e);
    }
    if (rc == 0)
        json_array_append(files, o);
    else
        wsl_err_prefix(err, "%s: file %s", w->metadata.name, wsl_score_file_target(f));
    json_decref(o);
    wsl_buf_free(&raw);
    wsl_buf_free(&b);
    return rc;
}

/* --- volumes -------------------------------------------------------------------------- */

/* The Docker volume of a Score volume source: "${resources.NAME}" or a volume's name. */
static const char *volume_of(const struct wsl_workload *w, const json_t *outputs,
                             const struct wsl_score_volume *v, struct wsl_err *err)
{
    const char *s = v->source;
    if (v->path) {
        wsl_err_set(err, WSL_E_INVALID, "%s: volume %s: Docker cannot mount a sub-path (path: "
                    "%s) of a volume", w->metadata.name, wsl_score_volume_target(v), v->path);
        return NULL;
    }
    if (strncmp(s, "${", 2))
        return s; /* a volume that exists at the engine, not wissel's */
    const char *src = json_string_value(json_object_get(wsl_outputs_of_source(outputs, s),
                                                        "source"));
    if (!src)
        wsl_err_set(err, WSL_E_INVALID, "%s: volume source %s is not a resource of type volume",
                    w->metadata.name, s);
    return src;
}

static int render_mounts(const struct wsl_workload *w, const json_t *outputs,
                         const struct wsl_score_container *sc, json_t *spec, struct wsl_err *err)
{
    json_t *mounts = json_array();
    json_object_set_new(spec, "Mounts", mounts);
    for (size_t i = 0; i < sc->volumes.n; i++) {
        const char *src = volume_of(w, outputs, &sc->volumes.v[i], err);
        if (!src)
            return WSL_E_INVALID;
        json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:b}", "Type", "volume",
                                                "Source", src, "Target",
                                                wsl_score_volume_target(&sc->volumes.v[i]),
                                                "ReadOnly", sc->volumes.v[i].read_only));
    }
    return 0;
}

/* --- containers ----------------------------------------------------------------------- */

static json_t *strings(const struct wsl_strs *s)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->n; i++)
        json_array_append_new(a, json_string(s->v[i]));
    return a;
}

/* "8080/tcp" of a container port and its Score protocol (NULL: TCP). */
static void port_key(int64_t port, const char *proto, char out[64])
{
    snprintf(out, 64, "%lld/%s", (long long)port, proto && !strcmp(proto, "UDP") ? "udp" : "tcp");
}

static void add_port(json_t *ports, int64_t port, const char *proto)
{
    char p[64];
    port_key(port, proto, p);
    size_t i;
    json_t *v;
    json_array_foreach(ports, i, v) {
        if (!strcmp(json_string_value(v), p))
            return;
    }
    json_array_append_new(ports, json_string(p));
}

static int limits(const struct wsl_workload *w, const struct wsl_score_container *sc,
                  json_t *spec, struct wsl_err *err)
{
    int64_t v;
    const struct wsl_score_amounts *l = &sc->resources.limits;
    if (l->cpu && wsl_quantity_parse(l->cpu, &v, err) == 0)
        json_object_set_new(spec, "NanoCpus", json_integer(v * 1000000));
    else if (l->cpu)
        return wsl_err_set(err, WSL_E_INVALID, "%s: containers.%s: cpu limit %s", w->metadata.name,
                           sc->hdr.key, l->cpu);
    if (l->memory && wsl_quantity_parse(l->memory, &v, err) == 0)
        json_object_set_new(spec, "Memory", json_integer(v / 1000));
    else if (l->memory)
        return wsl_err_set(err, WSL_E_INVALID, "%s: containers.%s: memory limit %s",
                           w->metadata.name, sc->hdr.key, l->memory);
    return 0;
}

/* Readiness: an httpGet probe is the driver's (against the published port), an exec probe
 * (readiness, else liveness) becomes the container's HEALTHCHECK. */
static void probes(const struct wsl_score_container *sc, json_t *spec, json_t *ports)
{
    const struct wsl_score_http_probe *h = &sc->readiness.http_get;
    if (sc->readiness.hdr.node && h->hdr.node) {
        char port[64];
        snprintf(port, sizeof port, "%lld/tcp", (long long)h->port);
        add_port(ports, h->port, "TCP");
        json_t *r = json_pack("{s:s, s:s, s:s}", "port", port, "path", h->path ? h->path : "/",
                              "scheme", h->scheme && !strcmp(h->scheme, "HTTPS") ? "https" : "http");
        json_t *hs = json_array();
        for (size_t i = 0; i < h->headers.n; i++)
            json_array_append_new(hs, json_sprintf("%s: %s", h->headers.v[i].name,
                                                   h->headers.v[i].value));
        json_object_set_new(r, "headers", hs);
        json_object_set_new(spec, "Readiness", r);
    }
    const struct wsl_score_probe *p = sc->readiness.exec.command.n ? &sc->readiness
                                      : sc->liveness.exec.command.n ? &sc->liveness : NULL;
    if (p) {
        json_t *test = strings(&p->exec.command);
        json_array_insert_new(test, 0, json_string("CMD"));
        json_object_set_new(spec, "Healthcheck",
                            json_pack("{s:o, s:I, s:I, s:i}", "Test", test, "Interval",
                                      (json_int_t)2000000000, "Timeout", (json_int_t)2000000000,
                                      "Retries", 3));
    }
}

/* The Spec of Score container ci of workload wi (published ports on the first only). */
static int container_spec(const struct rd *r, size_t wi, size_t ci, json_t **out,
                          struct wsl_err *err)
{
    const struct wsl_workload *w = r->app->workloads[wi];
    const struct wsl_score_container *sc = &w->containers.v[ci];
    json_t *spec = json_pack("{s:s, s:[s]}", "Rollout", "start-first", "Aliases",
                             w->metadata.name), *ports = json_array(), *files = json_array();
    json_object_set_new(spec, "Ports", ports);
    json_object_set_new(spec, "Files", files);
    if (sc->command.n)
        json_object_set_new(spec, "Entrypoint", strings(&sc->command));
    if (sc->args.n)
        json_object_set_new(spec, "Cmd", strings(&sc->args));
    for (size_t i = 0; ci == 0 && i < w->service.ports.n; i++) {
        const struct wsl_score_port *p = &w->service.ports.v[i];
        add_port(ports, p->target_port ? p->target_port : p->port, p->protocol);
    }
    probes(sc, spec, ports);
    if (json_array_size(ports))
        json_object_set_new(spec, "HostIp", json_string(r->c->host_ip));
    int rc = render_env(w, r->outputs->v[wi], sc, spec, err);
    for (size_t i = 0; rc == 0 && i < sc->files.n; i++)
        rc = one_file(w, r->outputs->v[wi], &sc->files.v[i], files, err);
    if (rc == 0)
        rc = render_mounts(w, r->outputs->v[wi], sc, spec, err);
    if (rc == 0)
        rc = limits(w, sc, spec, err);
    if (rc)
        json_decref(spec);
    *out = rc ? NULL : spec;
    return rc;
}

static int64_t replicas_of(const struct wsl_app *app, const char *workload)
{
    for (size_t i = 0; i < app->spec.replicas.n; i++) {
        if (!strcmp(app->spec.replicas.v[i].key, workload))
            return app->spec.replicas.v[i].num;
    }
    return 1;
}

/* Make o wait for the volumes and databases workload wi uses. */
static void depend_on_resources(const struct rd *r, size_t wi, struct wsl_object *o)
{
    const char *key;
    json_t *v;
    json_object_foreach(r->outputs->v[wi], key, v) {
        const char *name = json_string_value(json_object_get(v, "$name"));
        bool volume = json_object_get(v, "source") != NULL;
        wsl_object_depend(o, volume ? "volume" : "container", name);
    }
}

/* --- the route ------------------------------------------------------------------------ */

const struct wsl_score_port *dk_route_port(const struct wsl_app *app)
{
    const struct wsl_route *rt = &app->spec.route;
    for (size_t i = 0; rt->hdr.node && app->workloads && i < app->spec.workloads.n; i++) {
        const struct wsl_workload *w = app->workloads[i];
        if (w && !strcmp(w->metadata.name, rt->workload))
            return wsl_score_port_find(w, rt->port);
    }
    return NULL;
}

/* The route's entry point on the Spec of the first container of replica 0: its container
 * port also published at the service port's number, the same at every Target. That host
 * port cannot be held by two containers at once, so the container is replaced stop-first. */
static void route_spec(const struct wsl_score_port *p, json_t *spec)
{
    char port[64], host[16];
    port_key(p->target_port ? p->target_port : p->port, p->protocol, port);
    snprintf(host, sizeof host, "%lld", (long long)p->port);
    json_object_set_new(spec, "Route", json_pack("{s:s, s:s}", "port", port, "hostPort", host));
    json_object_set_new(spec, "Rollout", json_string("stop-first"));
}

static int render_workload(const struct rd *r, size_t wi, struct wsl_err *err)
{
    const struct wsl_workload *w = r->app->workloads[wi];
    int64_t n = replicas_of(r->app, w->metadata.name);
    const struct wsl_route *rt = &r->app->spec.route;
    bool routed = rt->hdr.node && !strcmp(rt->workload, w->metadata.name);
    const struct wsl_score_port *rp = routed ? dk_route_port(r->app) : NULL;
    if (routed && !rp)
        return wsl_err_set(err, WSL_E_INVALID, "the route of %s goes to port %s of workload "
                           "%s, which has no such service port", r->app->metadata.name,
                           rt->port, w->metadata.name);
    for (int64_t k = 0; k < n; k++) {
        for (size_t ci = 0; ci < w->containers.n; ci++) {
            const struct wsl_score_container *sc = &w->containers.v[ci];
            json_t *spec;
            int rc = container_spec(r, wi, ci, &spec, err);
            if (rc)
                return rc;
            if (rp && k == 0 && ci == 0)
                route_spec(rp, spec);
            char idx[32], name[256];
            snprintf(idx, sizeof idx, "%lld", (long long)k);
            name_of(r, w->metadata.name, idx, name);
            if (w->containers.n > 1)
                snprintf(name + strlen(name), sizeof name - strlen(name), "-%s", sc->hdr.key);
            struct wsl_object *o = add_container(
                r, name, sc->image, json_pack("{s:s}", DK_LABEL_WORKLOAD, w->metadata.name),
                spec);
            depend_on_resources(r, wi, o);
        }
    }
    return 0;
}

static int render_all(struct rd *r, struct wsl_err *err)
{
    json_t *net = json_pack("{s:s, s:s, s:o}", "Name", r->prefix, "Driver", "bridge", "Labels",
                            labels(r));
    wsl_objset_add(r->out, "network", r->prefix, net);
    static const char *const provided[] = {"volume", "postgres", "redis", NULL};
    struct wsl_provisioner p = {"docker", provided, name_fn, make_fn, r};
    int rc = wsl_outputs_provision(r->outputs, r->app, &p, err);
    for (size_t i = 0; rc == 0 && i < r->app->spec.workloads.n; i++)
        rc = render_workload(r, i, err);
    return rc;
}

int dk_render(const struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
              struct wsl_err *err)
{
    struct wsl_outputs outputs;
    int rc = wsl_outputs_init(&outputs, app, err);
    if (rc)
        return rc;
    struct rd r = {c, app, out, &outputs, ""};
    struct wsl_buf p = WSL_BUF_INIT;
    put_name(&p, c->target->metadata.name);
    wsl_buf_putc(&p, '-');
    put_name(&p, app->metadata.name);
    snprintf(r.prefix, sizeof r.prefix, "%s", wsl_buf_str(&p));
    wsl_buf_free(&p);
    rc = render_all(&r, err);
    wsl_outputs_free(&outputs);
    return rc;
}
