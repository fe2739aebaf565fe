#include "providers/registry.h"

static const struct wsl_provider_schema *const all[] = {
    &wsl_kubernetes_schema,
    &wsl_docker_schema,
    &wsl_rfc2136_schema,
};

const struct wsl_provider_list *wsl_providers(void)
{
    static const struct wsl_provider_list list = {all, sizeof all / sizeof *all};
    return &list;
}
