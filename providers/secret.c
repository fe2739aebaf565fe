#include "providers/secret.h"

#include "manifests/checks.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
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

int wsl_secret_generate(char *out, size_t n, struct wsl_err *err)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t k = 0;
    while (k < n) {
        unsigned char b[64];
        if (RAND_bytes(b, sizeof b) != 1)
            return wsl_err_set(err, WSL_E_INTERNAL, "the random number generator failed");
        for (size_t i = 0; i < sizeof b && k < n; i++) {
            if (b[i] < 248) /* 248 = 4 * 62: no bias */
                out[k++] = alphabet[b[i] % 62];
        }
        OPENSSL_cleanse(b, sizeof b);
    }
    out[n] = '\0';
    return 0;
}
