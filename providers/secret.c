#include "providers/secret.h"

#include "manifests/checks.h"

#include <stddef.h>

static void secret_post(struct wsl_dec *dec, void *obj)
{
    struct wsl_secret_ref *s = obj;
    if (!!s->env + !!s->file != 1)
        wsl_dec_error(dec, s->hdr.node, "write {env: NAME} or {file: PATH}",
                      "a secret reference takes exactly one of \"env\" and \"file\"");
}

static const struct wsl_field fields[] = {
    {"env", WSL_FT_STR, offsetof(struct wsl_secret_ref, env), 0, .check = &wsl_check_env_name,
     .doc = "An environment variable of the wissel process."},
    {"file", WSL_FT_STR, offsetof(struct wsl_secret_ref, file), 0, .check = &wsl_check_nonempty,
     .doc = "A file on the machine that runs wissel."},
    {0}};

const struct wsl_type wsl_secret_ref_type = {
    "secretRef", sizeof(struct wsl_secret_ref), fields, false, secret_post,
    "Where a secret is found; the secret itself never goes into git."};
