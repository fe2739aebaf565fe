/*
 * health.c — readiness of an application's containers (see docker.h).
 *
 * A container is ready when it runs, its healthcheck (the image's or the one wissel set
 * from an exec probe) says healthy when it has one, and its HTTP readiness probe, when
 * the Score declares one, answers 2xx/3xx on the port it is published on at the Target's
 * address: the driver asks it itself, since images (FROM scratch ones above all) need not
 * have curl or a shell.
 */
#include "providers/docker/docker.h"

#include "lib/buf.h"
#include "lib/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_TIMEOUT_MS 2000

/* GET the readiness probe r of a container whose labels say where it is published. */
static bool http_ready(const struct wsl_conn *c, const json_t *r, const json_t *labels, char *why,
                       size_t n)
{
    const char *port = json_string_value(json_object_get(r, "port"));
    int hp = dk_published_port(labels, port ? port : "");
    if (!hp) {
        snprintf(why, n, "its readiness port %s is not published", port ? port : "?");
        return false;
    }
    const char *host = c->address;
    struct wsl_buf url = WSL_BUF_INIT;
    bool v6 = strchr(host, ':') != NULL;
    wsl_buf_printf(&url, "%s://%s%s%s:%d%s", json_string_value(json_object_get(r, "scheme")),
                   v6 ? "[" : "", host, v6 ? "]" : "", hp,
                   json_string_value(json_object_get(r, "path")));
    const char *headers[17] = {NULL};
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(r, "headers"), i, h) {
        if (i < 16)
            headers[i] = json_string_value(h);
    }
    struct wsl_http_opts o = {.timeout_ms = PROBE_TIMEOUT_MS, .connect_timeout_ms = PROBE_TIMEOUT_MS,
                              .max_retries = -1};
    struct wsl_err err = {0};
    struct wsl_http *http = wsl_http_new(&o, &err);
    struct wsl_http_req req = {.method = "GET", .url = wsl_buf_str(&url), .headers = headers};
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    int rc = http ? wsl_http_do(http, &req, &resp, &err) : WSL_E_INVALID;
    if (rc == WSL_E_HTTP)
        snprintf(why, n, "readiness GET %s answered %ld", wsl_buf_str(&url), resp.status);
    else if (rc)
        snprintf(why, n, "readiness GET %s: %s", wsl_buf_str(&url), err.msg);
    wsl_http_resp_free(&resp);
    wsl_http_free(http);
    wsl_buf_free(&url);
    return rc == 0;
}

enum wsl_health_state dk_container_ready(const struct wsl_conn *c, const char *name,
                                         const json_t *info, char *why, size_t n)
{
    const char *state = json_string_value(json_object_get(info, "State"));
    const char *health = json_string_value(json_object_get(info, "Health"));
    const json_t *labels = json_object_get(info, "Labels");
    char probe[400] = "";
    if (!state || strcmp(state, "running")) {
        snprintf(why, n, "%s is %s", name, state ? state : "in an unknown state");
        return state && (!strcmp(state, "exited") || !strcmp(state, "dead"))
                   ? WSL_HEALTH_FAILED : WSL_HEALTH_PROGRESSING;
    }
    if (health && strcmp(health, "healthy") && strcmp(health, "none")) {
        snprintf(why, n, "%s: its healthcheck says %s", name, health);
        return WSL_HEALTH_PROGRESSING;
    }
    const char *s = json_string_value(json_object_get(labels, DK_LABEL_SPEC));
    json_t *spec = s ? json_loads(s, 0, NULL) : NULL;
    const json_t *r = json_object_get(spec, "Readiness");
    bool ok = !r || http_ready(c, r, labels, probe, sizeof probe);
    json_decref(spec);
    if (!ok)
        snprintf(why, n, "%s: %s", name, probe);
    return ok ? WSL_HEALTH_READY : WSL_HEALTH_PROGRESSING;
}

/* The health status in a list entry's Status text: "Up 3 seconds (healthy)". */
static const char *health_of_status(const char *status)
{
    if (!status)
        return NULL;
    if (strstr(status, "(healthy)"))
        return "healthy";
    if (strstr(status, "(unhealthy)"))
        return "unhealthy";
    if (strstr(status, "(health: starting)"))
        return "starting";
    return NULL;
}

static const json_t *find_named(const json_t *list, const char *name)
{
    size_t i;
    json_t *ct;
    json_array_foreach(list, i, ct) {
        const char *n = dk_list_name(ct);
        if (n && !strcmp(n, name))
            return ct;
    }
    return NULL;
}

/* Lower out by one desired container o, found (or not) in list. */
static void one(const struct wsl_conn *c, const struct wsl_object *o, const json_t *list,
                struct wsl_health *out)
{
    const json_t *ct = find_named(list, o->name);
    if (!ct) {
        out->state = WSL_HEALTH_PROGRESSING;
        snprintf(out->reason, sizeof out->reason, "container %s does not exist yet", o->name);
        return;
    }
    json_t *info = json_pack("{s:O?, s:s?, s:O?}", "State", json_object_get(ct, "State"),
                             "Health", health_of_status(json_string_value(json_object_get(ct, "Status"))),
                             "Labels", json_object_get(ct, "Labels"));
    char why[400] = "";
    enum wsl_health_state s = dk_container_ready(c, o->name, info, why, sizeof why);
    json_decref(info);
    if (s != WSL_HEALTH_READY) {
        out->state = s;
        snprintf(out->reason, sizeof out->reason, "container %s", why);
    }
}

int dk_health(struct wsl_conn *c, const struct wsl_app *app, struct wsl_health *out,
              struct wsl_err *err)
{
    struct wsl_objset want = {0};
    out->state = WSL_HEALTH_READY;
    out->reason[0] = '\0';
    int rc = dk_render(c, app, &want, err);
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_puts(&path, "/containers/json?all=1&filters=");
    dk_label_filter(&path, c->target->metadata.name, app->metadata.name);
    json_t *list = NULL;
    if (rc == 0)
        rc = dk_call(c, "GET", wsl_buf_str(&path), NULL, &list, NULL, err);
    for (size_t i = 0; rc == 0 && i < want.n && out->state == WSL_HEALTH_READY; i++) {
        if (!strcmp(want.v[i].kind, "container"))
            one(c, &want.v[i], list, out);
    }
    json_decref(list);
    wsl_buf_free(&path);
    wsl_objset_free(&want);
    return rc;
}
