#include "providers/secret.h"

#include "manifests/checks.h"

#include "lib/buf.h"
#include "lib/fs.h"
#include "lib/log.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

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

int wsl_secret_read(const struct wsl_secret_ref *ref, char **out, struct wsl_err *err)
{
    *out = NULL;
    if (ref->env) {
        const char *v = getenv(ref->env);
        if (!v || !*v)
            return wsl_err_set(err, WSL_E_NOTFOUND, "the environment variable %s is not set",
                               ref->env);
        *out = wsl_xstrdup(v);
    } else if (ref->file) {
        struct wsl_buf b = WSL_BUF_INIT;
        int rc = wsl_read_file(ref->file, 1 << 16, &b, err);
        if (rc) {
            wsl_buf_free(&b);
            return rc;
        }
        *out = wsl_buf_steal(&b);
        if (!*out)
            *out = wsl_xstrdup("");
        (*out)[strcspn(*out, "\r\n")] = '\0';
        if (!**out) {
            free(*out);
            *out = NULL;
            return wsl_err_set(err, WSL_E_NOTFOUND, "%s is empty", ref->file);
        }
    } else {
        return wsl_err_set(err, WSL_E_INVALID, "the secret reference names neither env nor file");
    }
    wsl_log_secret(*out);
    return 0;
}

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
