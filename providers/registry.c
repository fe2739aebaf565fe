#include "providers/registry.h"

#include <string.h>

static const struct wsl_provider_schema *const all[] = {
    &wsl_kubernetes_schema,
    &wsl_docker_schema,
    &wsl_rfc2136_schema,
    &wsl_powerdns_schema,
    &wsl_directory_schema,
};

const struct wsl_provider_list *wsl_providers(void)
{
    static const struct wsl_provider_list list = {all, sizeof all / sizeof *all};
    return &list;
}

#define MAX_EXTRA 8
static const struct wsl_driver *extra[MAX_EXTRA];
static size_t nextra;

void wsl_driver_register(const struct wsl_driver *d)
{
    if (nextra < MAX_EXTRA)
        extra[nextra++] = d;
}

static const struct wsl_driver *const builtin[] = {
    &wsl_directory_driver,
    &wsl_kubernetes_driver,
    &wsl_docker_driver,
    &wsl_rfc2136_driver,
    &wsl_powerdns_driver,
};

const struct wsl_driver *const *wsl_drivers(size_t *n)
{
    *n = sizeof builtin / sizeof *builtin;
    return builtin;
}

const struct wsl_driver *wsl_driver_of(const struct wsl_target *t, struct wsl_err *err)
{
    const struct wsl_driver *d = wsl_driver_find(t->spec.provider_name);
    if (!d) {
        wsl_err_set(err, WSL_E_NOTFOUND, "provider \"%s\" has no driver in this version of "
                    "wissel", t->spec.provider_name);
        wsl_err_hint(err, "`wissel version` lists the drivers; the manifests are valid");
    }
    return d;
}

int wsl_driver_open(const struct wsl_target *t, const struct wsl_driver **d,
                    struct wsl_conn **c, struct wsl_err *err)
{
    *c = NULL;
    *d = wsl_driver_of(t, err);
    if (!*d)
        return WSL_E_NOTFOUND;
    int rc = (*d)->open(t, c, err);
    if (rc)
        *c = NULL;
    return rc;
}

const struct wsl_driver *wsl_driver_find(const char *name)
{
    for (size_t i = 0; i < nextra; i++) {
        if (!strcmp(extra[i]->name, name))
            return extra[i];
    }
    for (size_t i = 0; i < sizeof builtin / sizeof *builtin; i++) {
        if (!strcmp(builtin[i]->name, name))
            return builtin[i];
    }
    return NULL;
}
