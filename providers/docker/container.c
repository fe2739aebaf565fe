/*
 * container.c — creating, replacing and removing containers (see docker.h, docs/docker.md).
 *
 * Create: make sure the image is there (pull when missing and the Target allows it), fill
 * in the secrets, choose free host ports from the Target's range, create the container,
 * copy its files in (an archive, before it starts), start it. Choosing ports and starting
 * happen under one lock of the connection, so parallel applies never pick the same port;
 * a port the engine cannot bind (another program holds it) is skipped.
 *
 * Replace (containers are immutable: every update replaces). Workloads start first: the
 * new container "<name>-next" starts on other free ports beside the old one, and only
 * when it is ready (running, its healthcheck healthy, its HTTP readiness probe answering)
 * is the old one stopped and removed and the new one renamed. So a replica is served at
 * every moment, and a new version that does not come up leaves the old one running.
 * Databases, and the container that publishes a route's fixed host port (render.c), stop
 * first: two servers must never share a data volume, two containers cannot hold one host
 * port. The old one stops, the new one starts as "<name>-next" and, once ready, takes the
 * name; when it does not become ready, it is removed and the old one started again. The range's ports of a replica change with
 * each replacement; the label wissel.dev/ports records them. A route's fixed port is
 * never chosen from the range, and one that is taken is an error naming what holds it.
 *
 * Secrets. Generated values (Spec.Generate: key -> variable) are made here when the
 * container is created for the first time, and taken from the container it replaces
 * otherwise; variables that use one (Spec.SecretEnv) get it from the container that
 * generated it (its label wissel.dev/generate says which variable holds which key).
 */
#include "providers/docker/docker.h"

#include "lib/buf.h"
#include "lib/json.h"
#include "lib/log.h"
#include "lib/units.h"
#include "providers/secret.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define READY_TIMEOUT_MS 90000
#define PULL_TIMEOUT_MS 600000
#define PORT_TRIES 50
#define STOP_SECS 5

static const json_t *spec_of(const struct wsl_object *o)
{
    return json_object_get(o->body, "Spec");
}

/* --- images --------------------------------------------------------------------------- */

static int ensure_image(struct wsl_conn *c, const char *image, struct wsl_err *err)
{
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_printf(&path, "/images/%s/json", image);
    long status = 0;
    int rc = dk_call(c, "GET", wsl_buf_str(&path), NULL, NULL, &status, err);
    wsl_buf_free(&path);
    if (rc == 0 || !(rc == WSL_E_HTTP && status == 404))
        return rc;
    if (!c->pull) {
        wsl_err_set(err, WSL_E_NOTFOUND, "image %s is not on the engine at %s, and the "
                    "Target's docker.pull is never", image, c->where);
        wsl_err_hint(err, "load the image onto the engine, or set docker.pull: missing");
        return WSL_E_NOTFOUND;
    }
    wsl_err_clear(err);
    wsl_buf_puts(&path, "/images/create?fromImage=");
    wsl_buf_put_urlencoded(&path, image);
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    rc = dk_raw(c, "POST", wsl_buf_str(&path), NULL, 0, NULL, PULL_TIMEOUT_MS, 0, &resp,
                err);
    const char *e = rc == 0 ? strstr(wsl_buf_str(&resp.body), "\"error\"") : NULL;
    if (e) { /* the stream's last message says why */
        json_t *j = NULL;
        const char *line = strrchr(wsl_buf_str(&resp.body), '{');
        wsl_json_parse(line, strlen(line), "pull", &j, NULL);
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "%s",
                         json_string_value(json_object_get(j, "error"))
                             ? json_string_value(json_object_get(j, "error")) : e);
        json_decref(j);
    }
    if (rc) {
        wsl_err_prefix(err, "image %s is not on the engine and pulling it failed", image);
        wsl_err_hint(err, "check the image's name and tag, and that the engine can reach its "
                          "registry; nothing running was replaced");
    }
    wsl_http_resp_free(&resp);
    wsl_buf_free(&path);
    return rc;
}

/* The value of variable var in container ref's environment (inspect), into out. */
static int env_of(struct wsl_conn *c, const char *ref, const char *var, struct wsl_buf *out,
                  struct wsl_err *err)
{
    json_t *info = NULL;
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_printf(&path, "/containers/%s/json", ref);
    int rc = dk_call(c, "GET", wsl_buf_str(&path), NULL, &info, NULL, err);
    wsl_buf_free(&path);
    size_t i, n = strlen(var);
    json_t *e;
    json_array_foreach(wsl_json_path(info, "Config.Env"), i, e) {
        const char *s = json_string_value(e);
        if (s && !strncmp(s, var, n) && s[n] == '=') {
            wsl_buf_puts(out, s + n + 1);
            json_decref(info);
            return 0;
        }
    }
    json_decref(info);
    if (rc == 0)
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "container %s has no variable %s", ref, var);
    return rc;
}

/* The secret key of the container that generated it (its label says which variable). */
static int secret_value(struct wsl_conn *c, const char *name, const char *key,
                        struct wsl_buf *out, struct wsl_err *err)
{
    char var[256];
    snprintf(var, sizeof var, "%s", key);
    for (char *p = var; *p; p++)
        *p = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
    /* the databases' variables: POSTGRES_PASSWORD or REDIS_PASSWORD */
    json_t *info = NULL;
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_printf(&path, "/containers/%s/json", name);
    int rc = dk_call(c, "GET", wsl_buf_str(&path), NULL, &info, NULL, err);
    wsl_buf_free(&path);
    const char *gen = json_string_value(
        json_object_get(wsl_json_path(info, "Config.Labels"), DK_LABEL_GENERATE));
    size_t kn = strlen(key);
    for (const char *p = gen; p && *p;) { /* "key=VAR,key=VAR" */
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > kn && !strncmp(p, key, kn) && p[kn] == '=')
            snprintf(var, sizeof var, "%.*s", (int)(len - kn - 1), p + kn + 1);
        p = end ? end + 1 : NULL;
    }
    json_decref(info);
    if (rc)
        wsl_err_prefix(err, "reading secret %s of %s", key, name);
    return rc ? rc : env_of(c, name, var, out, err);
}

/* A SecretEnv template with its secrets filled in ("$$" is "$"). */
static int fill_template(struct wsl_conn *c, const char *t, struct wsl_buf *out,
                         struct wsl_err *err)
{
    while (*t) {
        if (t[0] == '$' && t[1] == '$') {
            wsl_buf_putc(out, '$');
            t += 2;
        } else if (!strncmp(t, "${secret:", 9) && strchr(t, '}')) {
            const char *ref = t + 9, *colon = strchr(ref, ':'), *end = strchr(ref, '}');
            if (!colon || colon > end)
                return wsl_err_set(err, WSL_E_INTERNAL, "bad secret reference in a template");
            char name[256], key[128];
            snprintf(name, sizeof name, "%.*s", (int)(colon - ref), ref);
            snprintf(key, sizeof key, "%.*s", (int)(end - colon - 1), colon + 1);
            int rc = secret_value(c, name, key, out, err);
            if (rc)
                return rc;
            t = end + 1;
        } else {
            wsl_buf_putc(out, *t++);
        }
    }
    return 0;
}

/* The value of key kept in the labels of a volume the container spec mounts (a database's
 * data volume: its password stays with its data) into out, *found saying whether there
 * was one. */
static int volume_secret(struct wsl_conn *c, const json_t *spec, const char *key,
                         struct wsl_buf *out, bool *found, struct wsl_err *err)
{
    *found = false;
    char label[128];
    snprintf(label, sizeof label, "%s%s", DK_LABEL_SECRET, key);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(spec, "Mounts"), i, m) {
        const char *vol = json_string_value(json_object_get(m, "Source"));
        if (!vol || strcmp(json_string_value(json_object_get(m, "Type")), "volume"))
            continue;
        struct wsl_buf path = WSL_BUF_INIT;
        wsl_buf_printf(&path, "/volumes/%s", vol);
        json_t *info = NULL;
        int rc = dk_call(c, "GET", wsl_buf_str(&path), NULL, &info, NULL, err);
        wsl_buf_free(&path);
        const char *v = json_string_value(json_object_get(json_object_get(info, "Labels"), label));
        if (rc == 0 && v) {
            wsl_buf_puts(out, v);
            *found = true;
        }
        json_decref(info);
        if (rc || v)
            return rc;
    }
    return 0;
}

/* The container's environment: Env, SecretEnv filled in, generated values (those of the
 * container old_id it replaces, else those its data volume keeps, else new ones); the
 * generate label into *gen_label. */
static int environment(struct wsl_conn *c, const json_t *spec, const char *old_id, json_t **out,
                       char **gen_label, struct wsl_err *err)
{
    json_t *env = json_deep_copy(json_object_get(spec, "Env"));
    struct wsl_buf b = WSL_BUF_INIT, label = WSL_BUF_INIT;
    const char *key;
    json_t *v;
    int rc = 0;
    json_object_foreach(json_object_get(spec, "SecretEnv"), key, v) {
        wsl_buf_reset(&b);
        wsl_buf_printf(&b, "%s=", key);
        if (rc == 0 && (rc = fill_template(c, json_string_value(v), &b, err)) == 0)
            json_array_append_new(env, json_string(wsl_buf_str(&b)));
    }
    json_object_foreach(json_object_get(spec, "Generate"), key, v) {
        char value[WSL_SECRET_LEN + 1] = "";
        wsl_buf_reset(&b);
        wsl_buf_printf(&b, "%s=", json_string_value(v));
        bool kept = false;
        if (rc == 0 && old_id)
            rc = env_of(c, old_id, json_string_value(v), &b, err);
        else if (rc == 0)
            rc = volume_secret(c, spec, key, &b, &kept, err);
        if (rc == 0 && !old_id && !kept && (rc = wsl_secret_generate(value, WSL_SECRET_LEN, err)) == 0)
            wsl_buf_puts(&b, value);
        OPENSSL_cleanse(value, sizeof value);
        json_array_append_new(env, json_string(wsl_buf_str(&b)));
        wsl_buf_printf(&label, "%s%s=%s", label.len ? "," : "", key, json_string_value(v));
    }
    if (b.data)
        OPENSSL_cleanse(b.data, b.len);
    wsl_buf_free(&b);
    *gen_label = wsl_buf_steal(&label);
    *out = env;
    return rc;
}

/* --- ports ---------------------------------------------------------------------------- */

/* Host ports the running containers of list publish, and the routes' fixed ports, as a
 * JSON object of "n": the list entry of the container that publishes n where the
 * Target's address would collide (that address, or all addresses), else true. */
static json_t *used_ports(const struct wsl_conn *c, const json_t *list)
{
    json_t *used = json_deep_copy(c->route_ports);
    size_t i, k;
    json_t *ct, *p;
    json_array_foreach(list, i, ct) {
        json_array_foreach(json_object_get(ct, "Ports"), k, p) {
            json_int_t pub = json_integer_value(json_object_get(p, "PublicPort"));
            const char *ip = json_string_value(json_object_get(p, "IP"));
            bool here = !c->host_ip[0] || !ip || !strcmp(ip, c->host_ip) ||
                        !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::");
            char s[16];
            snprintf(s, sizeof s, "%lld", (long long)pub);
            if (pub && (here || !json_is_object(json_object_get(used, s))))
                json_object_set(used, s, here ? ct : json_true());
        }
    }
    return used;
}

void dk_reserve_route(struct wsl_conn *c, const struct wsl_app *app)
{
    const struct wsl_score_port *p = dk_route_port(app);
    char s[16];
    if (!p)
        return;
    snprintf(s, sizeof s, "%lld", (long long)p->port);
    pthread_mutex_lock(&c->port_lock);
    json_object_set_new(c->route_ports, s, json_true());
    pthread_mutex_unlock(&c->port_lock);
}

/* The fixed host port of o's route (Spec.Route), 0 when it has none. */
static int route_port(const struct wsl_object *o)
{
    return atoi(wsl_json_path_str(o->body, "Spec.Route.hostPort", "0"));
}

/* Whether list entry ct is a container of o's application at this Target. */
static bool same_app(const struct wsl_conn *c, const struct wsl_object *o, const json_t *ct)
{
    const json_t *l = json_object_get(ct, "Labels");
    const char *app = json_string_value(json_object_get(l, WSL_MARK_APP));
    const char *t = json_string_value(json_object_get(l, WSL_MARK_TARGET));
    const char *want = json_string_value(json_object_get(json_object_get(o->body, "Labels"),
                                                         WSL_MARK_APP));
    return app && t && want && !strcmp(app, want) && !strcmp(t, c->target->metadata.name);
}

/* The error of a route whose fixed port is held by the container of list entry holder, or
 * by another program (holder NULL). */
static int route_taken(const struct wsl_conn *c, int port, const json_t *holder,
                       struct wsl_err *err)
{
    const char *at = c->host_ip[0] ? c->host_ip : "all addresses", *name = dk_list_name(holder);
    wsl_err_set(err, WSL_E_CONFLICT, "the route's fixed port %d on %s is taken by %s%s", port,
                at, holder ? "container " : "another program", holder && name ? name : "");
    if (holder)
        wsl_err_hint(err, "a route answers at its Score service port's number at every Target: "
                          "give one of the two routes' service ports another number, or place "
                          "the applications at Targets with different addresses");
    else
        wsl_err_hint(err, "stop the program that listens on %s:%d, or give the route's service "
                          "port another number in the workload's Score", at, port);
    return WSL_E_CONFLICT;
}

/* o's route's fixed port free of containers (used as used_ports() makes it): a container
 * of o's own application that holds it (the route moved to another container; this apply
 * replaces or removes it) is stopped, another one is an error naming it. */
static int free_route_port(struct wsl_conn *c, const struct wsl_object *o, const json_t *used,
                           struct wsl_err *err)
{
    char key[16];
    snprintf(key, sizeof key, "%d", route_port(o));
    const json_t *holder = json_object_get(used, key);
    if (!route_port(o) || !json_is_object(holder))
        return 0;
    if (!same_app(c, o, holder))
        return route_taken(c, route_port(o), holder, err);
    int rc = dk_container_stop(c, json_string_value(json_object_get(holder, "Id")), STOP_SECS,
                               err);
    if (rc)
        wsl_err_prefix(err, "stopping %s, which published the route's port", dk_list_name(holder));
    return rc;
}

/* Whether the engine's bind error names host port ("listen tcp4 127.0.30.1:80: bind: ...",
 * "Bind for 127.0.30.1:80 failed"). */
static bool names_port(const char *msg, int port)
{
    char s[16];
    int n = snprintf(s, sizeof s, ":%d", port);
    for (const char *p = strstr(msg, s); p; p = strstr(p + 1, s)) {
        if (p[n] < '0' || p[n] > '9')
            return true;
    }
    return false;
}

/* The lowest port of the range that is neither in used nor in skip; 0 when none. */
static int free_port(const struct wsl_conn *c, json_t *used)
{
    for (int p = c->port_lo; p <= c->port_hi; p++) {
        char s[16];
        snprintf(s, sizeof s, "%d", p);
        if (!json_object_get(used, s)) {
            json_object_set_new(used, s, json_true());
            return p;
        }
    }
    return 0;
}

int dk_published_port(const json_t *labels, const char *port)
{
    const char *s = json_string_value(json_object_get(labels, DK_LABEL_PORTS));
    size_t n = strlen(port);
    for (const char *p = s; p && *p;) {
        if (!strncmp(p, port, n) && p[n] == '=')
            return atoi(p + n + 1);
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
    return 0;
}

/* --- create --------------------------------------------------------------------------- */

/* The create body of o with env, its port bindings chosen from used (label into ports). */
static json_t *create_body(const struct wsl_conn *c, const struct wsl_object *o, json_t *env,
                           json_t *used, const char *gen, const char *rev,
                           struct wsl_buf *ports)
{
    const json_t *spec = spec_of(o);
    const char *net = json_string_value(json_object_get(spec, "Network"));
    json_t *labels = json_deep_copy(json_object_get(o->body, "Labels"));
    json_t *exposed = json_object(), *bindings = json_object();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(spec, "Ports"), i, p) {
        char hp[16];
        int port = free_port(c, used);
        snprintf(hp, sizeof hp, "%d", port);
        json_object_set_new(exposed, json_string_value(p), json_object());
        json_object_set_new(bindings, json_string_value(p),
                            json_pack("[{s:s, s:s}]", "HostIp", c->host_ip, "HostPort", hp));
        wsl_buf_printf(ports, "%s%s=%s", ports->len ? "," : "", json_string_value(p), hp);
    }
    const json_t *route = json_object_get(spec, "Route"); /* beside the range's binding */
    json_t *rb = json_object_get(bindings, json_string_value(json_object_get(route, "port")));
    if (rb)
        json_array_append_new(rb, json_pack("{s:s, s:O}", "HostIp", c->host_ip, "HostPort",
                                            json_object_get(route, "hostPort")));
    char *canon = wsl_json_canonical(spec);
    json_object_set_new(labels, WSL_MARK_FINGERPRINT, json_string(o->fingerprint));
    json_object_set_new(labels, DK_LABEL_SPEC, json_string(canon));
    json_object_set_new(labels, DK_LABEL_PORTS, json_string(wsl_buf_str(ports)));
    if (*gen)
        json_object_set_new(labels, DK_LABEL_GENERATE, json_string(gen));
    if (rev) /* not in the rendered body: no fingerprint, no drift */
        json_object_set_new(labels, WSL_MARK_REVISION, json_string(rev));
    free(canon);
    json_t *host = json_pack("{s:o, s:{s:s}, s:O, s:s}", "PortBindings", bindings,
                             "RestartPolicy", "Name", "unless-stopped", "Mounts",
                             json_object_get(spec, "Mounts"), "NetworkMode", net);
    const char *copy[] = {"NanoCpus", "Memory"};
    for (size_t k = 0; k < 2; k++)
        if (json_object_get(spec, copy[k]))
            json_object_set(host, copy[k], json_object_get(spec, copy[k]));
    json_t *b = json_pack("{s:O, s:o, s:o, s:o, s:o, s:{s:{s:{s:O}}}}", "Image",
                          json_object_get(o->body, "Image"), "Labels", labels, "Env", env,
                          "ExposedPorts", exposed, "HostConfig", host, "NetworkingConfig",
                          "EndpointsConfig", net, "Aliases", json_object_get(spec, "Aliases"));
    const char *opt[] = {"Cmd", "Entrypoint", "Healthcheck"};
    for (size_t k = 0; k < 3; k++)
        if (json_object_get(spec, opt[k]))
            json_object_set(b, opt[k], json_object_get(spec, opt[k]));
    return b;
}

int dk_container_stop(struct wsl_conn *c, const char *id, int secs, struct wsl_err *err)
{
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_printf(&path, "/containers/%s/stop?t=%d", id, secs);
    long status = 0;
    int rc = dk_call(c, "POST", wsl_buf_str(&path), NULL, NULL, &status, err);
    wsl_buf_free(&path);
    if (rc == WSL_E_HTTP && (status == 404 || status == 304)) {
        wsl_err_clear(err);
        rc = 0;
    }
    return rc;
}

/* Remove a container (stop with a short grace, then delete); gone already is done. */
int dk_container_delete(struct wsl_conn *c, const char *id, struct wsl_err *err)
{
    struct wsl_buf path = WSL_BUF_INIT;
    long status = 0;
    int rc = dk_container_stop(c, id, STOP_SECS, err);
    wsl_buf_printf(&path, "/containers/%s?v=1&force=1", id);
    if (rc == 0)
        rc = dk_call(c, "DELETE", wsl_buf_str(&path), NULL, NULL, &status, err);
    if (rc == WSL_E_HTTP && status == 404)
        rc = 0;
    if (rc == 0)
        wsl_err_clear(err);
    wsl_buf_free(&path);
    return rc;
}

static int upload_files(struct wsl_conn *c, const char *id, const json_t *files,
                        struct wsl_err *err)
{
    if (!json_array_size(files))
        return 0;
    struct wsl_buf tar = WSL_BUF_INIT, path = WSL_BUF_INIT;
    int rc = dk_tar(files, &tar, err);
    wsl_buf_printf(&path, "/containers/%s/archive?path=/", id);
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    if (rc == 0)
        rc = dk_raw(c, "PUT", wsl_buf_str(&path), tar.data, tar.len, "application/x-tar", 0, 0,
                    &resp, err);
    if (rc)
        wsl_err_prefix(err, "copying the files into %s", id);
    wsl_http_resp_free(&resp);
    wsl_buf_free(&tar);
    wsl_buf_free(&path);
    return rc;
}

static bool port_taken(const struct wsl_err *err)
{
    return strstr(err->msg, "address already in use") || strstr(err->msg, "already allocated");
}

/* One try: create name from body, copy the files in, start it; its id into id. */
static int create_start(struct wsl_conn *c, const char *name, const json_t *body,
                        const json_t *files, char id[128], struct wsl_err *err)
{
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_puts(&path, "/containers/create?name=");
    wsl_buf_put_urlencoded(&path, name);
    json_t *made = NULL;
    long status = 0;
    int rc = dk_call(c, "POST", wsl_buf_str(&path), body, &made, &status, err);
    if (rc == WSL_E_HTTP && status == 409)
        wsl_err_hint(err, "a container named %s exists that wissel does not manage here; "
                          "remove or rename it", name);
    snprintf(id, 128, "%s", json_string_value(json_object_get(made, "Id")) ?
             json_string_value(json_object_get(made, "Id")) : "");
    json_decref(made);
    if (rc == 0)
        rc = upload_files(c, id, files, err);
    wsl_buf_reset(&path);
    wsl_buf_printf(&path, "/containers/%s/start", id);
    if (rc == 0)
        rc = dk_call(c, "POST", wsl_buf_str(&path), NULL, NULL, &status, err);
    if (rc && *id) {
        struct wsl_err ignore = {0};
        dk_container_delete(c, id, &ignore);
    }
    wsl_buf_free(&path);
    return rc;
}

/* Create and start name with free ports (retrying ports the engine cannot bind) and its
 * route's fixed port (an error when taken). */
static int launch(struct wsl_conn *c, const struct wsl_object *o, const char *name, json_t *env,
                  const char *gen, const char *rev, char id[128], struct wsl_err *err)
{
    pthread_mutex_lock(&c->port_lock);
    json_t *list = NULL;
    int rc = dk_call(c, "GET", "/containers/json", NULL, &list, NULL, err), fixed = route_port(o);
    json_t *used = used_ports(c, list);
    if (rc == 0)
        rc = free_route_port(c, o, used, err);
    json_decref(list);
    struct wsl_buf ports = WSL_BUF_INIT;
    for (int tries = 0; rc == 0 && tries < PORT_TRIES; tries++) {
        wsl_buf_reset(&ports);
        json_t *body = create_body(c, o, json_incref(env), used, gen, rev, &ports);
        if (strstr(wsl_buf_str(&ports), "=0")) {
            rc = wsl_err_set(err, WSL_E_CONFLICT, "%s: no free port left in %d-%d on %s "
                             "(all taken by containers or other programs)", name, c->port_lo,
                             c->port_hi, c->host_ip[0] ? c->host_ip : "all addresses");
            wsl_err_hint(err, "widen the Target's docker.ports, or free a port of it");
        } else {
            rc = create_start(c, name, body, json_object_get(spec_of(o), "Files"), id, err);
        }
        json_decref(body);
        if (rc == 0 || !port_taken(err))
            break;
        if (fixed && names_port(err->msg, fixed)) {
            rc = route_taken(c, fixed, NULL, err);
            break;
        }
        rc = 0; /* another program holds that port: skip it (it stays in used) */
        wsl_err_clear(err);
    }
    pthread_mutex_unlock(&c->port_lock);
    json_decref(used);
    wsl_buf_free(&ports);
    if (rc)
        wsl_err_prefix(err, "container %s", name);
    return rc;
}

/* --- waiting and replacing -------------------------------------------------------------- */

static int wait_ready(struct wsl_conn *c, const char *id, const char *name, struct wsl_err *err)
{
    long deadline = wsl_monotonic_ms() + READY_TIMEOUT_MS;
    char why[512] = "not started";
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_printf(&path, "/containers/%s/json", id);
    int rc = 0;
    for (;;) {
        json_t *info = NULL;
        rc = dk_call(c, "GET", wsl_buf_str(&path), NULL, &info, NULL, err);
        json_t *norm = json_pack("{s:O?, s:O?, s:O?}", "State", wsl_json_path(info, "State.Status"),
                                 "Health", wsl_json_path(info, "State.Health.Status"), "Labels",
                                 wsl_json_path(info, "Config.Labels"));
        enum wsl_health_state s = rc ? WSL_HEALTH_PROGRESSING
                                     : dk_container_ready(c, name, norm, why, sizeof why);
        json_decref(norm);
        json_decref(info);
        if (rc == 0 && s == WSL_HEALTH_READY)
            break;
        if ((rc == 0 && s == WSL_HEALTH_FAILED) || wsl_monotonic_ms() > deadline) {
            rc = wsl_err_set(err, WSL_E_UNHEALTHY, "the new container of %s did not become "
                             "ready: %s; the old one keeps running", name, why);
            break;
        }
        wsl_sleep_ms(300);
    }
    wsl_buf_free(&path);
    return rc;
}

static int rename_to(struct wsl_conn *c, const char *id, const char *name, struct wsl_err *err)
{
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_printf(&path, "/containers/%s/rename?name=", id);
    wsl_buf_put_urlencoded(&path, name);
    int rc = dk_call(c, "POST", wsl_buf_str(&path), NULL, NULL, NULL, err);
    wsl_buf_free(&path);
    return rc;
}

/* A container of this name left by an earlier, interrupted apply: ours, so remove it. */
static int clear_name(struct wsl_conn *c, const char *name, struct wsl_err *err)
{
    json_t *info = NULL;
    long status = 0;
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_printf(&path, "/containers/%s/json", name);
    int rc = dk_call(c, "GET", wsl_buf_str(&path), NULL, &info, &status, err);
    wsl_buf_free(&path);
    if (rc == WSL_E_HTTP && status == 404) {
        wsl_err_clear(err);
        return 0;
    }
    const json_t *l = wsl_json_path(info, "Config.Labels");
    const char *t = json_string_value(json_object_get(l, WSL_MARK_TARGET));
    const char *id = json_string_value(json_object_get(info, "Id"));
    if (rc == 0 && t && !strcmp(t, c->target->metadata.name) && id)
        rc = dk_container_delete(c, id, err);
    json_decref(info);
    return rc; /* not ours: create answers 409 and says so */
}

/* Start the old container again after its stop-first replacement failed. */
static void restart_old(struct wsl_conn *c, const char *old_id, const char *name)
{
    struct wsl_buf path = WSL_BUF_INIT;
    struct wsl_err err = {0};
    wsl_buf_printf(&path, "/containers/%s/start", old_id);
    if (dk_call(c, "POST", wsl_buf_str(&path), NULL, NULL, NULL, &err) != 0)
        wsl_logf(WSL_LOG_WARN, "docker", "%s stays stopped: starting it again failed: %s", name,
                 err.msg);
    wsl_buf_free(&path);
}

/* The new container starts as next, beside the old one (rolling) or once the old one has
 * stopped (stop-first: it needs the old one's fixed port), and must become ready; else it
 * is removed and the old one runs on (started again after a stop-first). */
static int replace(struct wsl_conn *c, const struct wsl_object *want, const char *old_id,
                   json_t *env, const char *gen, const char *rev, struct wsl_err *err)
{
    char id[128] = "", next[300];
    bool stop_first = !strcmp(wsl_json_path_str(want->body, "Spec.Rollout", ""), "stop-first");
    snprintf(next, sizeof next, "%s%s", want->name, DK_NEXT_SUFFIX);
    int rc = clear_name(c, next, err);
    if (rc == 0 && stop_first)
        rc = dk_container_stop(c, old_id, STOP_SECS, err);
    bool stopped = rc == 0 && stop_first;
    if (rc == 0 && (rc = launch(c, want, next, env, gen, rev, id, err)) == 0 &&
        (rc = wait_ready(c, id, want->name, err)) != 0) {
        struct wsl_err ignore = {0};
        dk_container_delete(c, id, &ignore);
    }
    if (rc && stopped)
        restart_old(c, old_id, want->name);
    if (rc == 0)
        rc = dk_container_delete(c, old_id, err);
    return rc ? rc : rename_to(c, id, want->name, err);
}

int dk_container_apply(struct wsl_conn *c, const struct wsl_action *a, struct wsl_err *err)
{
    const struct wsl_object *want = a->desired;
    const char *old_id = a->type == WSL_ACT_UPDATE && a->observed
                             ? json_string_value(json_object_get(a->observed->body, "Id"))
                             : NULL;
    int rc = ensure_image(c, json_string_value(json_object_get(want->body, "Image")), err);
    json_t *env = NULL;
    char *gen = NULL, id[128] = "";
    if (rc == 0)
        rc = environment(c, spec_of(want), old_id, &env, &gen, err);
    if (rc == 0 && old_id)
        rc = replace(c, want, old_id, env, gen, a->revision, err);
    else if (rc == 0 && (rc = clear_name(c, want->name, err)) == 0)
        rc = launch(c, want, want->name, env, gen, a->revision, id, err);
    if (env) { /* it may hold secrets */
        size_t i;
        json_t *e;
        json_array_foreach(env, i, e)
            OPENSSL_cleanse((char *)json_string_value(e), json_string_length(e));
    }
    json_decref(env);
    free(gen);
    return rc;
}
