/*
 * volume_copy — moves a volume's data between two targets through their drivers'
 * volume_export and volume_import (provider.h), as `wissel switch` does. Run by
 * tests/integration/docker_volume_copy.sh.
 *
 *   volume_copy REPO APP ID FROM TO    export at target FROM, import at target TO
 *   volume_copy REPO APP ID FROM -     export at FROM, the tar archive to stdout
 *   volume_copy REPO APP ID - TO       import the tar archive on stdin at TO
 *
 * Loads the manifests under REPO; ID is the Score resource of type volume. Prints
 * "copied N bytes" (not for "-" as TO). Exit status 0, or 1 with the error on stderr.
 */
#include "lib/buf.h"
#include "manifests/repo.h"
#include "providers/provider.h"
#include "providers/registry.h"

#include <stdio.h>
#include <string.h>

struct side {
    const struct wsl_driver *d;
    struct wsl_conn *c;
};

static int side_open(const struct wsl_repo *r, const char *name, struct side *s,
                     struct wsl_err *err)
{
    const struct wsl_target *t = wsl_repo_target(r, name);
    s->d = t ? wsl_driver_find(t->spec.provider_name) : NULL;
    if (!s->d || !s->d->volume_export || !s->d->volume_import)
        return wsl_err_set(err, WSL_E_NOTFOUND, "no target %s whose driver copies volumes",
                           name);
    return s->d->open(t, &s->c, err);
}

static void side_close(struct side *s)
{
    if (s->c)
        s->d->close(s->c);
}

static void read_stdin(struct wsl_buf *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        wsl_buf_append(b, chunk, n);
}

static int copy(const struct wsl_repo *r, const struct wsl_app *a, char **argv, struct side *from,
                struct side *to, struct wsl_err *err)
{
    const char *id = argv[3];
    struct wsl_buf tar = WSL_BUF_INIT;
    int rc = strcmp(argv[4], "-") ? side_open(r, argv[4], from, err) : 0;
    if (rc == 0 && strcmp(argv[5], "-"))
        rc = side_open(r, argv[5], to, err);
    if (rc == 0 && from->c)
        rc = from->d->volume_export(from->c, a, id, &tar, err);
    else if (rc == 0)
        read_stdin(&tar);
    if (rc == 0 && to->c)
        rc = to->d->volume_import(to->c, a, id, &tar, err);
    else if (rc == 0)
        fwrite(tar.data ? tar.data : "", 1, tar.len, stdout);
    if (rc == 0 && to->c)
        printf("copied %zu bytes\n", tar.len);
    wsl_buf_free(&tar);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 6 || (!strcmp(argv[4], "-") && !strcmp(argv[5], "-"))) {
        fprintf(stderr, "usage: volume_copy REPO APP ID FROM|- TO|-\n");
        return 2;
    }
    const char *paths[] = {argv[1]};
    struct wsl_repo *r = wsl_repo_load(paths, 1, wsl_providers());
    const struct wsl_app *a = wsl_repo_app(r, argv[2]);
    struct side from = {NULL, NULL}, to = {NULL, NULL};
    struct wsl_err err = {0};
    int rc = a ? copy(r, a, argv, &from, &to, &err)
               : wsl_err_set(&err, WSL_E_NOTFOUND, "no application %s in %s", argv[2], argv[1]);
    side_close(&from);
    side_close(&to);
    wsl_repo_free(r);
    if (rc == 0)
        return 0;
    fprintf(stderr, "error: %s\n%s%s%s", err.msg, err.hint[0] ? "    hint: " : "", err.hint,
            err.hint[0] ? "\n" : "");
    return 1;
}
