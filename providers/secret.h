/*
 * secret.h — references to secrets in Target blocks: `secretFrom: {env: NAME}` or
 * `{file: PATH}`. Manifests name where a secret lives, never the secret itself.
 */
#ifndef WSL_SECRET_H
#define WSL_SECRET_H

#include "manifests/schema.h"

struct wsl_secret_ref {
    struct wsl_hdr hdr;
    const char *env, *file;
};

extern const struct wsl_type wsl_secret_ref_type;

#endif
