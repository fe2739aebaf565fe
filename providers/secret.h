/*
 * secret.h — references to secrets in Target blocks: `secretFrom: {env: NAME}` or
 * `{file: PATH}`. Manifests name where a secret lives, never the secret itself.
 */
#ifndef WSL_SECRET_H
#define WSL_SECRET_H

#include "lib/err.h"
#include "manifests/schema.h"

#include <stddef.h>

struct wsl_secret_ref {
    struct wsl_hdr hdr;
    const char *env, *file;
};

extern const struct wsl_type wsl_secret_ref_type;

/* The marker (label or annotation) on which a driver names the keys whose values it
 * generates when it creates the object, and the length of a generated value. */
#define WSL_MARK_GENERATE "wissel.dev/generate"
#define WSL_SECRET_LEN 32

/* The secret ref names: the variable's value, or the file's contents without the final
 * line break. *out is new (free it), registered with the logger so that no log shows it.
 * WSL_E_NOTFOUND naming the variable or file (never a value) when it is missing or
 * empty; the file's errors (lib/fs.h). */
int wsl_secret_read(const struct wsl_secret_ref *ref, char **out, struct wsl_err *err);

/* n random characters of [A-Za-z0-9] (safe in URLs and connection strings) from OpenSSL's
 * generator, NUL-terminated in out[n]: a password drivers generate. */
int wsl_secret_generate(char *out, size_t n, struct wsl_err *err);

#endif
