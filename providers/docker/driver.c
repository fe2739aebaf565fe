/*
 * The Docker driver: render (render.c), observe with one label-selected list call per kind
 * (containers, networks, volumes), apply (container.c for containers; networks and volumes
 * here), health (health.c). See docs/docker.md.
 *
 * Observed bodies have the shape of the rendered ones: a container's {"Image", "Labels",
 * "State"} from the list call and its "Spec" from the label it was created with (a
 * container cannot change after it is created: what it was created from is what it is);
 * a network's and a volume's {"Name", "Driver", "Labels"}. So a container stopped by
 * hand, or one whose image tag now names another image, is drift, and is replaced.
 * Volumes are observed as retain: a plan never deletes them.
 *
 * take_out (a failover drill) stops the application's running containers and leaves them
 * in place: their State "exited" is drift, and the next apply replaces them.
 *
 * What it creates carries the label wissel.dev/revision, the git commit of the apply
 * (struct wsl_action's revision), when the engine knows it. It is not in the rendered
 * labels, so it is neither in the fingerprint nor drift (the engine's diff asks only that
 * the desired labels be there).
 */
#include "providers/docker/docker.h"
#include "providers/secret.h"
#include "providers/registry.h"

#include "lib/buf.h"
#include "lib/json.h"
#include "lib/units.h"

#include <stdio.h>
#include <stdlib.h>
#include <openssl/crypto.h>
#include <string.h>

static int dk_open(const struct wsl_target *t, struct wsl_conn **out, struct wsl_err *err)
{
    return dk_conn_open(t, out, err);
}

static void dk_close(struct wsl_conn *c)
{
    dk_conn_close(c);
}

static int dk_render_app(struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
                         struct wsl_err *err)
{
    return dk_render(c, app, out, err);
}

/* --- observe -------------------------------------------------------------------------- */

static int list(struct wsl_conn *c, const struct wsl_app *app, const char *what, json_t **out,
                struct wsl_err *err)
{
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_printf(&path, "/%s%sfilters=", what, strchr(what, '?') ? "&" : "?");
    dk_label_filter(&path, c->target->metadata.name, app->metadata.name);
    int rc = dk_call(c, "GET", wsl_buf_str(&path), NULL, out, NULL, err);
    wsl_buf_free(&path);
    if (rc)
        wsl_err_prefix(err, "listing %s", what);
    return rc;
}

static const char *fingerprint(const json_t *labels)
{
    return json_string_value(json_object_get(labels, WSL_MARK_FINGERPRINT));
}

static void observe_container(struct wsl_objset *out, const json_t *ct)
{
    const char *name = dk_list_name(ct);
    const json_t *labels = json_object_get(ct, "Labels");
    if (!name) {
        wsl_objset_incomplete(out, "a container without a name in the engine's list");
        return;
    }
    const char *s = json_string_value(json_object_get(labels, DK_LABEL_SPEC));
    json_t *spec = s ? json_loads(s, 0, NULL) : NULL;
    json_t *body = json_pack("{s:O?, s:O?, s:O?, s:O?, s:o?}", "Id", json_object_get(ct, "Id"),
                             "Image", json_object_get(ct, "Image"), "Labels", labels, "State",
                             json_object_get(ct, "State"), "Spec", spec);
    struct wsl_object *o = wsl_objset_add_observed(out, "container", name, body,
                                                   fingerprint(labels), true);
    const char *net = json_string_value(json_object_get(spec, "Network"));
    if (net)
        wsl_object_depend(o, "network", net);
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(spec, "Mounts"), i, m)
        wsl_object_depend(o, "volume", json_string_value(json_object_get(m, "Source")));
}

static void observe_named(struct wsl_objset *out, const char *kind, const json_t *item)
{
    const char *name = json_string_value(json_object_get(item, "Name"));
    if (!name) {
        wsl_objset_incomplete(out, "a %s without a name in the engine's list", kind);
        return;
    }
    const json_t *labels = json_object_get(item, "Labels");
    json_t *body = json_pack("{s:O?, s:s, s:O?, s:O?}", "Id", json_object_get(item, "Id"), "Name",
                             name, "Driver", json_object_get(item, "Driver"), "Labels", labels);
    struct wsl_object *o = wsl_objset_add_observed(out, kind, name, body, fingerprint(labels),
                                                   true);
    o->retain = !strcmp(kind, "volume");
}

static int dk_observe(struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
                      struct wsl_err *err)
{
    json_t *cts = NULL, *nets = NULL, *vols = NULL;
    int rc = list(c, app, "networks", &nets, err);
    if (rc == 0)
        rc = list(c, app, "volumes", &vols, err);
    if (rc == 0)
        rc = list(c, app, "containers/json?all=1", &cts, err);
    if (rc == 0) {
        out->complete = true;
        size_t i;
        json_t *v;
        json_array_foreach(nets, i, v)
            observe_named(out, "network", v);
        json_array_foreach(json_object_get(vols, "Volumes"), i, v)
            observe_named(out, "volume", v);
        json_array_foreach(cts, i, v)
            observe_container(out, v);
        if (json_array_size(json_object_get(vols, "Warnings")))
            wsl_objset_incomplete(out, "the engine warned while listing volumes");
    }
    json_decref(cts);
    json_decref(nets);
    json_decref(vols);
    return rc;
}

/* --- apply ---------------------------------------------------------------------------- */

/* The values a volume's generate label names, as labels DK_LABEL_SECRET<key> (made once:
 * creating a volume that exists returns it as it is). */
static int generate_labels(json_t *labels, struct wsl_err *err)
{
    const char *keys = json_string_value(json_object_get(labels, DK_LABEL_GENERATE));
    char *list = wsl_xstrdup(keys ? keys : ""), *save = NULL;
    int rc = 0;
    for (char *k = strtok_r(list, ",", &save); k && rc == 0; k = strtok_r(NULL, ",", &save)) {
        char value[WSL_SECRET_LEN + 1], label[128];
        rc = wsl_secret_generate(value, WSL_SECRET_LEN, err);
        snprintf(label, sizeof label, "%s%s", DK_LABEL_SECRET, k);
        if (rc == 0)
            json_object_set_new(labels, label, json_string(value));
        OPENSSL_cleanse(value, sizeof value);
    }
    free(list);
    return rc;
}

/* Create a network or volume (they cannot change: an update leaves it as it is). */
static int create_named(struct wsl_conn *c, const struct wsl_object *o, const char *rev,
                        struct wsl_err *err)
{
    bool net = !strcmp(o->kind, "network");
    json_t *body = json_deep_copy(o->body);
    json_object_set_new(json_object_get(body, "Labels"), WSL_MARK_FINGERPRINT,
                        json_string(o->fingerprint));
    if (rev)
        json_object_set_new(json_object_get(body, "Labels"), WSL_MARK_REVISION,
                            json_string(rev));
    if (!net && generate_labels(json_object_get(body, "Labels"), err) != 0) {
        json_decref(body);
        return WSL_E_INTERNAL;
    }
    if (net)
        json_object_set_new(body, "CheckDuplicate", json_true());
    long status = 0;
    int rc = dk_call(c, "POST", net ? "/networks/create" : "/volumes/create", body, NULL,
                     &status, err);
    json_decref(body);
    if (rc == WSL_E_HTTP && status == 409 && net) {
        rc = WSL_E_CONFLICT;
        wsl_err_hint(err, "a network named %s exists that wissel does not manage here; "
                          "remove or rename it", o->name);
    }
    if (rc)
        wsl_err_prefix(err, "%s %s", o->kind, o->name);
    return rc;
}

static int delete_network(struct wsl_conn *c, const struct wsl_object *o, struct wsl_err *err)
{
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_printf(&path, "/networks/%s", o->name);
    long status = 0;
    int rc = dk_call(c, "DELETE", wsl_buf_str(&path), NULL, NULL, &status, err);
    wsl_buf_free(&path);
    if (rc == WSL_E_HTTP && status == 404) {
        wsl_err_clear(err);
        rc = 0;
    }
    return rc;
}

static int dk_apply(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_action *a,
                    struct wsl_err *err)
{
    const struct wsl_object *o = a->type == WSL_ACT_DELETE ? a->observed : a->desired;
    bool container = !strcmp(o->kind, "container");
    dk_reserve_route(c, app); /* before any of its containers is (re)created */
    switch (a->type) {
    case WSL_ACT_CREATE:
        return container ? dk_container_apply(c, a, err) : create_named(c, o, a->revision, err);
    case WSL_ACT_UPDATE:
        return container ? dk_container_apply(c, a, err) : 0;
    case WSL_ACT_DELETE:
        if (container)
            return dk_container_delete(c, json_string_value(json_object_get(o->body, "Id")), err);
        return strcmp(o->kind, "network") ? 0 : delete_network(c, o, err); /* volumes stay */
    default:
        return 0;
    }
}

static int dk_health_app(struct wsl_conn *c, const struct wsl_app *app, struct wsl_health *out,
                         struct wsl_err *err)
{
    return dk_health(c, app, out, err);
}

/* Where clients reach the engine's published ports: docker.address, else the engine's
 * host (127.0.0.1 for a local socket); the route's fixed port (its Score service port). */
static int dk_endpoint(struct wsl_conn *c, const struct wsl_app *app, struct wsl_endpoint *out,
                       struct wsl_err *err)
{
    (void)err;
    const struct wsl_score_port *p = dk_route_port(app);
    snprintf(out->value, sizeof out->value, "%s", c->address);
    out->port = p ? (int)p->port : 0;
    return 0;
}

/* --- take_out --------------------------------------------------------------------------- */

#define TAKE_OUT_MS 60000   /* the whole of it */
#define TAKE_OUT_STOP_SECS 2

/* Stop every running container of app here, within TAKE_OUT_MS. */
static int dk_take_out(struct wsl_conn *c, const struct wsl_app *app, struct wsl_err *err)
{
    json_t *cts = NULL;
    int rc = list(c, app, "containers/json", &cts, err); /* the running ones */
    int64_t deadline = wsl_monotonic_ms() + TAKE_OUT_MS;
    size_t i;
    json_t *ct;
    json_array_foreach(cts, i, ct) {
        const char *name = dk_list_name(ct) ? dk_list_name(ct) : "?";
        if (rc == 0 && wsl_monotonic_ms() > deadline)
            rc = wsl_err_set(err, WSL_E_TIMEOUT, "container %s still runs after %d s",
                             name, TAKE_OUT_MS / 1000);
        if (rc == 0 && (rc = dk_container_stop(c, json_string_value(json_object_get(ct, "Id")),
                                               TAKE_OUT_STOP_SECS, err)) != 0)
            wsl_err_prefix(err, "stopping container %s", name);
    }
    json_decref(cts);
    if (rc)
        wsl_err_prefix(err, "taking %s out of service at %s", app->metadata.name,
                       c->target->metadata.name);
    return rc;
}

static const char *const native[] = {"volume", "postgres", "redis", NULL};
static const struct wsl_provider_facts facts = {NULL, WSL_CAP_CONTAINERS | WSL_CAP_REPLICAS,
                                                native};

const struct wsl_driver wsl_docker_driver = {
    "docker", &facts, &wsl_docker_schema, dk_open, dk_render_app, dk_observe,
    dk_apply, dk_health_app, dk_close, dk_endpoint, NULL, dk_take_out,
    dk_volume_export, dk_volume_import,
};
