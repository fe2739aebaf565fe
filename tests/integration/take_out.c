/*
 * take_out — calls a hosting driver's take_out (provider.h: a failover drill takes an
 * application out of service at one target) until the CLI has a command for it. Run by
 * tests/integration/docker_route.sh.
 *
 *   take_out REPO TARGET APP [endpoint]
 *
 * Loads the manifests under REPO, opens TARGET's driver and takes APP out of service
 * there; with "endpoint", prints the driver's endpoint for APP ("value port") instead.
 * Exit status 0, or 1 with the error on stderr.
 */
#include "manifests/repo.h"
#include "providers/provider.h"
#include "providers/registry.h"

#include <stdio.h>
#include <string.h>

static int run(const struct wsl_driver *d, struct wsl_conn *c, const struct wsl_app *a,
               bool endpoint, struct wsl_err *err)
{
    struct wsl_endpoint e = {"", 0};
    if (!endpoint)
        return d->take_out ? d->take_out(c, a, err)
                           : wsl_err_set(err, WSL_E_INVALID, "driver %s has no take_out", d->name);
    int rc = d->endpoint ? d->endpoint(c, a, &e, err)
                         : wsl_err_set(err, WSL_E_INVALID, "driver %s has no endpoint", d->name);
    if (rc == 0)
        printf("%s %d\n", e.value, e.port);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5 || (argc == 5 && strcmp(argv[4], "endpoint"))) {
        fprintf(stderr, "usage: take_out REPO TARGET APP [endpoint]\n");
        return 2;
    }
    const char *paths[] = {argv[1]};
    struct wsl_repo *r = wsl_repo_load(paths, 1, wsl_providers());
    const struct wsl_target *t = wsl_repo_target(r, argv[2]);
    const struct wsl_app *a = wsl_repo_app(r, argv[3]);
    const struct wsl_driver *d = t ? wsl_driver_find(t->spec.provider_name) : NULL;
    struct wsl_err err = {0};
    struct wsl_conn *c = NULL;
    int rc = !a || !d ? wsl_err_set(&err, WSL_E_NOTFOUND, "no target %s or application %s in %s",
                                    argv[2], argv[3], argv[1])
                      : d->open(t, &c, &err);
    if (rc == 0)
        rc = run(d, c, a, argc == 5, &err);
    if (c)
        d->close(c);
    if (rc)
        fprintf(stderr, "error: %s\n", err.msg);
    if (rc && err.hint[0])
        fprintf(stderr, "    hint: %s\n", err.hint);
    wsl_repo_free(r);
    return rc ? 1 : 0;
}
