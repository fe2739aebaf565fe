/*
 * volume.c — a volume's data out of one engine and into another, for `wissel switch`
 * (provider.h: volume_export, volume_import; docs/docker.md, "Copying volumes").
 *
 * The volume of Score resource ID (its name, or its `id`) is render.c's
 * "<target>-<app>-<id>" or "<target>-<app>-<workload>-<resource>"; it must exist and carry
 * the application's and target's labels (apply made it).
 *
 * The Engine API reads and writes files only through a container's archive endpoint, so
 * both ways go through a helper container "<volume>-wissel-copy" that is created and
 * never started (images FROM scratch have no shell; nothing needs to run): the image of
 * the application's container that mounts the volume (else of any of its containers: an
 * image the engine has), the volume at /wissel-volume (read-only for an export), no
 * network. It carries the application's and target's labels and wissel.dev/volume-copy,
 * and is removed before the call returns, whatever happened. One left by a crash is
 * removed by the next copy (its name taken) and by the next apply (observe() sees an
 * owned container nobody wants).
 *
 * The archive is GET /containers/{id}/archive?path=/wissel-volume/. : a tar whose entry
 * names are relative to the volume's root — "./" (the root itself), "./file", "./dir/",
 * "./dir/file" — as `tar -C ROOT -c .` writes them. Import reads names without "./" alike.
 *
 * Import replaces what the volume holds, and the Engine API cannot delete a file (an
 * upload merges; a stopped container cannot exec). So it first lists the volume and
 * refuses, changing nothing, when the volume holds an entry the archive does not have: it
 * would survive the copy. An empty volume (fresh from apply) passes, and so does one that
 * an interrupted copy filled in part, or one holding what the application wrote on its
 * first start (if the source has the same names): after the upload the volume holds what
 * the archive does. The contents go into /wissel-volume; the root's own mode, owner and
 * time (the engine ignores a "./" entry) follow as a one-entry archive "wissel-volume/"
 * into /.
 */
#include "providers/docker/docker.h"

#include "lib/buf.h"
#include "lib/log.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MOUNT "wissel-volume"                 /* the helper's mount point, below / */
#define HELPER_SUFFIX "-wissel-copy"
#define LABEL_COPY "wissel.dev/volume-copy"   /* on a helper: the volume it copies */
#define ARCHIVE_MS (10 * 60 * 1000)           /* one archive transfer, retries included */

struct vcopy {
    struct wsl_conn *c;
    const struct wsl_app *app;
    const char *id;         /* the Score resource */
    const char *target;     /* its name */
    char volume[256];
    char helper[300];
    char cid[128];          /* the helper's id; "" while there is none */
};

/* --- the volume ------------------------------------------------------------------------ */

/* Add to names the Docker volume of resource r of workload w when r is v's resource. The
 * names are render.c's; manifests allow only characters that Docker names allow. */
static void match(const struct vcopy *v, const struct wsl_workload *w,
                  const struct wsl_score_resource *r, json_t *names)
{
    if (!r->type || strcmp(r->type, "volume") ||
        (strcmp(r->hdr.key, v->id) && (!r->id || strcmp(r->id, v->id))))
        return;
    char n[256];
    if (r->id)
        snprintf(n, sizeof n, "%s-%s-%s", v->target, v->app->metadata.name, r->id);
    else
        snprintf(n, sizeof n, "%s-%s-%s-%s", v->target, v->app->metadata.name,
                 w->metadata.name, r->hdr.key);
    json_object_set_new(names, n, json_true());
}

static int volume_name(struct vcopy *v, struct wsl_err *err)
{
    const struct wsl_app *a = v->app;
    json_t *names = json_object();
    for (size_t i = 0; a->workloads && i < a->spec.workloads.n; i++) {
        for (size_t k = 0; a->workloads[i] && k < a->workloads[i]->resources.n; k++)
            match(v, a->workloads[i], &a->workloads[i]->resources.v[k], names);
    }
    void *it = json_object_iter(names);
    snprintf(v->volume, sizeof v->volume, "%s", it ? json_object_iter_key(it) : "");
    size_t n = json_object_size(names);
    int rc = 0;
    if (n == 0) {
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "application %s has no resource %s of type "
                         "volume", a->metadata.name, v->id);
    } else if (n > 1) {
        rc = wsl_err_set(err, WSL_E_INVALID, "resource %s of application %s is %zu volumes "
                         "(%s, %s, ...): one per workload that declares it",
                         v->id, a->metadata.name, n, v->volume,
                         json_object_iter_key(json_object_iter_next(names, it)));
        wsl_err_hint(err, "give the resource an id in each workload's Score: one volume "
                          "that the workloads share and that moves as one");
    }
    json_decref(names);
    return rc;
}

/* The volume exists at the engine and is this application's at this target. */
static int volume_check(struct vcopy *v, struct wsl_err *err)
{
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_puts(&path, "/volumes/");
    wsl_buf_put_urlencoded(&path, v->volume);
    json_t *info = NULL;
    long status = 0;
    int rc = dk_call(v->c, "GET", wsl_buf_str(&path), NULL, &info, &status, err);
    const json_t *labels = json_object_get(info, "Labels");
    const char *app = json_string_value(json_object_get(labels, WSL_MARK_APP));
    const char *t = json_string_value(json_object_get(labels, WSL_MARK_TARGET));
    if (rc == WSL_E_HTTP && status == 404) {
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "volume %s (resource %s of %s) does not exist "
                         "at target %s", v->volume, v->id, v->app->metadata.name, v->target);
        wsl_err_hint(err, "apply the application there first (wissel apply -t %s): apply "
                          "creates its volumes", v->target);
    } else if (rc == 0 && (!app || !t || strcmp(app, v->app->metadata.name) ||
                           strcmp(t, v->target))) {
        rc = wsl_err_set(err, WSL_E_CONFLICT, "volume %s at target %s is not wissel's for %s "
                         "(it lacks the labels %s and %s)", v->volume, v->target,
                         v->app->metadata.name, WSL_MARK_APP, WSL_MARK_TARGET);
        wsl_err_hint(err, "wissel copies only the volumes its apply made; remove or rename "
                          "the other one");
    }
    json_decref(info);
    wsl_buf_free(&path);
    return rc;
}

/* --- the helper container ----------------------------------------------------------------- */

/* Whether ct (an entry of the container list) mounts volume. */
static bool mounts(const json_t *ct, const char *volume)
{
    size_t i;
    json_t *m;
    json_array_foreach(json_object_get(ct, "Mounts"), i, m) {
        const char *n = json_string_value(json_object_get(m, "Name"));
        if (n && !strcmp(n, volume))
            return true;
    }
    return false;
}

/* The image for the helper: that of the application's container that mounts the volume,
 * else of any of its containers (the engine has it). */
static int helper_image(struct vcopy *v, char image[160], struct wsl_err *err)
{
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_puts(&path, "/containers/json?all=1&filters=");
    dk_label_filter(&path, v->target, v->app->metadata.name);
    json_t *list = NULL;
    int rc = dk_call(v->c, "GET", wsl_buf_str(&path), NULL, &list, NULL, err);
    const json_t *pick = NULL;
    size_t i;
    json_t *ct;
    json_array_foreach(list, i, ct) {
        if (json_string_value(json_object_get(ct, "ImageID")) &&
            (!pick || (mounts(ct, v->volume) && !mounts(pick, v->volume))))
            pick = ct;
    }
    snprintf(image, 160, "%s", pick ? json_string_value(json_object_get(pick, "ImageID")) : "");
    if (rc == 0 && !pick) {
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "%s has no container at target %s whose image "
                         "the copy of volume %s can use", v->app->metadata.name, v->target,
                         v->volume);
        wsl_err_hint(err, "apply the application there first (wissel apply -t %s)", v->target);
    }
    json_decref(list);
    wsl_buf_free(&path);
    return rc;
}

/* Create the helper from body; its id into v->cid. */
static int helper_post(struct vcopy *v, const json_t *body, long *status, struct wsl_err *err)
{
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_puts(&path, "/containers/create?name=");
    wsl_buf_put_urlencoded(&path, v->helper);
    json_t *made = NULL;
    int rc = dk_call(v->c, "POST", wsl_buf_str(&path), body, &made, status, err);
    const char *id = json_string_value(json_object_get(made, "Id"));
    snprintf(v->cid, sizeof v->cid, "%s", rc == 0 && id ? id : "");
    json_decref(made);
    wsl_buf_free(&path);
    return rc;
}

/* The helper's name is taken: remove the container when it is a copy's helper of this
 * target (left by a crash), else refuse. */
static int helper_stale(struct vcopy *v, struct wsl_err *err)
{
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_puts(&path, "/containers/");
    wsl_buf_put_urlencoded(&path, v->helper);
    wsl_buf_puts(&path, "/json");
    json_t *info = NULL;
    int rc = dk_call(v->c, "GET", wsl_buf_str(&path), NULL, &info, NULL, err);
    const json_t *labels = json_object_get(json_object_get(info, "Config"), "Labels");
    const char *t = json_string_value(json_object_get(labels, WSL_MARK_TARGET));
    const char *id = json_string_value(json_object_get(info, "Id"));
    if (rc == 0 && json_object_get(labels, LABEL_COPY) && t && !strcmp(t, v->target) && id) {
        rc = dk_container_delete(v->c, id, err);
    } else if (rc == 0) {
        rc = wsl_err_set(err, WSL_E_CONFLICT, "a container named %s exists that is not a "
                         "volume copy of target %s", v->helper, v->target);
        wsl_err_hint(err, "remove or rename it: wissel needs the name for the copy");
    }
    json_decref(info);
    wsl_buf_free(&path);
    return rc;
}

static int helper_create(struct vcopy *v, bool read_only, struct wsl_err *err)
{
    char image[160];
    int rc = helper_image(v, image, err);
    if (rc)
        return rc;
    json_t *body = json_pack(
        "{s:s, s:[s], s:{s:s, s:s, s:s}, s:b, s:{s:s, s:[{s:s, s:s, s:s, s:b, s:{s:b}}]}}",
        "Image", image, "Entrypoint", "/wissel-copy-never-runs", "Labels", WSL_MARK_APP,
        v->app->metadata.name, WSL_MARK_TARGET, v->target, LABEL_COPY, v->volume,
        "NetworkDisabled", 1, "HostConfig", "NetworkMode", "none", "Mounts", "Type", "volume",
        "Source", v->volume, "Target", "/" MOUNT, "ReadOnly", read_only, "VolumeOptions",
        "NoCopy", 1);
    long status = 0;
    rc = helper_post(v, body, &status, err);
    if (rc == WSL_E_HTTP && status == 409) {
        wsl_err_clear(err);
        if ((rc = helper_stale(v, err)) == 0)
            rc = helper_post(v, body, &status, err);
    }
    if (rc)
        wsl_err_prefix(err, "creating the copy's helper container %s", v->helper);
    json_decref(body);
    return rc;
}

static void helper_remove(struct vcopy *v)
{
    struct wsl_err e = {0};
    if (v->cid[0] && dk_container_delete(v->c, v->cid, &e) != 0)
        wsl_logf(WSL_LOG_WARN, "docker", "removing the copy's helper container %s at %s: %s "
                 "(the next copy or apply removes it)", v->helper, v->target, e.msg);
}

/* --- archives ------------------------------------------------------------------------ */

/* GET the helper's archive of path at into out, or PUT body there. */
static int archive(struct vcopy *v, const char *at, const struct wsl_buf *body,
                   struct wsl_buf *out, struct wsl_err *err)
{
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_printf(&path, "/containers/%s/archive?path=", v->cid);
    wsl_buf_put_urlencoded(&path, at);
    struct wsl_http_resp resp = WSL_HTTP_RESP_INIT;
    int rc = dk_raw(v->c, body ? "PUT" : "GET", wsl_buf_str(&path), body ? body->data : NULL,
                    body ? body->len : 0, body ? "application/x-tar" : NULL, ARCHIVE_MS,
                    WSL_VOLUME_COPY_MAX, &resp, err);
    if (rc == WSL_E_LIMIT) {
        wsl_err_set(err, rc, "volume %s at target %s holds more than %zu MiB (as a tar "
                    "archive): more than wissel copies", v->volume, v->target,
                    WSL_VOLUME_COPY_MAX >> 20);
        wsl_err_hint(err, "copy it by other means (a container with tar that mounts it at "
                          "both ends), or make it smaller");
    }
    if (rc == 0 && out && !out->len) { /* take the body over: it may be large */
        wsl_buf_free(out);
        *out = resp.body;
        resp.body = (struct wsl_buf)WSL_BUF_INIT;
    } else if (rc == 0 && out) {
        wsl_buf_append(out, resp.body.data, resp.body.len);
    }
    wsl_http_resp_free(&resp);
    wsl_buf_free(&path);
    return rc;
}

/* An entry's path relative to the volume's root (in name): no "./" or "/" in front, no
 * "/" at the end; "" for the root itself. */
static const char *entry_key(char *name)
{
    char *p = name;
    while (*p == '/' || !strncmp(p, "./", 2))
        p += *p == '/' ? 1 : 2;
    size_t n = strlen(p);
    while (n && p[n - 1] == '/')
        p[--n] = '\0';
    return strcmp(p, ".") ? p : "";
}

/* The entries of t as keys of the object keys; -1 when t is no tar archive. */
static int tar_keys(const struct wsl_buf *t, json_t *keys)
{
    struct dk_tar_entry e;
    size_t off = 0;
    int r;
    while ((r = dk_tar_next(t, &off, &e)) == 1)
        json_object_set_new(keys, entry_key(e.name), json_true());
    return r;
}

/* A one-entry archive "wissel-volume/" with the mode, owner and time of t's root entry
 * (a directory "./"), for an upload into /; nothing when t has none. */
static void root_tar(const struct wsl_buf *t, struct wsl_buf *out)
{
    struct dk_tar_entry e;
    size_t off = 0;
    while (dk_tar_next(t, &off, &e) == 1) {
        if (*entry_key(e.name) || t->data[e.at + 156] != '5')
            continue;
        char h[3 * DK_TAR_BLOCK] = {0};
        memcpy(h, t->data + e.at, DK_TAR_BLOCK);
        memset(h, 0, 100);
        if (!memcmp(h + 257, "ustar", 6))
            memset(h + 345, 0, 155);
        memcpy(h, MOUNT "/", sizeof MOUNT);
        snprintf(h + 148, 8, "%06o", dk_tar_sum(h));
        wsl_buf_append(out, h, sizeof h); /* and the two zero blocks that end it */
        return;
    }
}

/* --- export, import --------------------------------------------------------------------- */

static int copy_open(struct vcopy *v, struct wsl_conn *c, const struct wsl_app *app,
                     const char *id, bool read_only, struct wsl_err *err)
{
    memset(v, 0, sizeof *v);
    v->c = c;
    v->app = app;
    v->id = id;
    v->target = c->target->metadata.name;
    int rc = volume_name(v, err);
    snprintf(v->helper, sizeof v->helper, "%s%s", v->volume, HELPER_SUFFIX);
    if (rc == 0)
        rc = volume_check(v, err);
    return rc ? rc : helper_create(v, read_only, err);
}

static int copy_close(struct vcopy *v, int rc, const char *what, struct wsl_err *err)
{
    helper_remove(v);
    if (rc)
        wsl_err_prefix(err, "%s target %s", what, v->target);
    return rc;
}

int dk_volume_export(struct wsl_conn *c, const struct wsl_app *app, const char *id,
                     struct wsl_buf *out, struct wsl_err *err)
{
    struct vcopy v;
    int rc = copy_open(&v, c, app, id, true, err);
    if (rc == 0)
        rc = archive(&v, "/" MOUNT "/.", NULL, out, err);
    return copy_close(&v, rc, "export from", err);
}

/* Refuse, changing nothing, when the volume holds (now) an entry that tar lacks: an
 * upload cannot delete it. */
static int covers(const struct vcopy *v, const struct wsl_buf *tar, const struct wsl_buf *now,
                  struct wsl_err *err)
{
    json_t *want = json_object(), *have = json_object();
    int rc = 0;
    if (tar_keys(tar, want) != 0)
        rc = wsl_err_set(err, WSL_E_INVALID, "the archive for volume %s is no tar archive "
                         "(or a damaged one)", v->volume);
    else if (tar_keys(now, have) != 0)
        rc = wsl_err_set(err, WSL_E_INTERNAL, "the engine's archive of volume %s is no tar "
                         "archive wissel can read", v->volume);
    size_t extra = 0;
    const char *key, *first = "";
    json_t *x;
    json_object_foreach(have, key, x) {
        if (*key && !json_object_get(want, key) && extra++ == 0)
            first = key;
    }
    if (rc == 0 && extra) {
        rc = wsl_err_set(err, WSL_E_CONFLICT, "volume %s at target %s holds %zu entr%s that "
                         "the copy does not have (%s%s): the copy would leave %s there",
                         v->volume, v->target, extra, extra == 1 ? "y" : "ies", first,
                         extra > 1 ? ", ..." : "", extra == 1 ? "it" : "them");
        wsl_err_hint(err, "a copy replaces what the volume holds, and the Docker Engine cannot "
                          "delete files: empty the volume, or remove it (docker rm -f the "
                          "application's containers at %s, docker volume rm %s) and apply "
                          "again; then copy again", v->target, v->volume);
    }
    json_decref(want);
    json_decref(have);
    return rc;
}

int dk_volume_import(struct wsl_conn *c, const struct wsl_app *app, const char *id,
                     const struct wsl_buf *tar, struct wsl_err *err)
{
    struct vcopy v;
    struct wsl_buf now = WSL_BUF_INIT, root = WSL_BUF_INIT;
    int rc = copy_open(&v, c, app, id, false, err);
    if (rc == 0)
        rc = archive(&v, "/" MOUNT "/.", NULL, &now, err);
    if (rc == 0)
        rc = covers(&v, tar, &now, err);
    if (rc == 0)
        rc = archive(&v, "/" MOUNT, tar, NULL, err);
    root_tar(tar, &root);
    if (rc == 0 && root.len)
        rc = archive(&v, "/", &root, NULL, err);
    wsl_buf_free(&now);
    wsl_buf_free(&root);
    return copy_close(&v, rc, "import into", err);
}
