#include "lib/json.h"

#include "lib/hash.h"

#include <stdlib.h>
#include <string.h>

#define CANONICAL_FLAGS (JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17))

char *wsl_json_canonical(const json_t *v)
{
    return json_dumps(v, CANONICAL_FLAGS);
}

void wsl_json_fingerprint(const json_t *v, char out[65])
{
    char *s = wsl_json_canonical(v);
    wsl_sha256_hex(s ? s : "", s ? strlen(s) : 0, out);
    free(s);
}

int wsl_json_parse(const char *text, size_t len, const char *what, json_t **out,
                   struct wsl_err *err)
{
    json_error_t je;
    *out = json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
    if (*out)
        return 0;
    return wsl_err_set(err, WSL_E_INVALID, "%s:%d:%d: invalid JSON: %s", what, je.line,
                       je.column, je.text);
}

json_t *wsl_json_path(const json_t *root, const char *path)
{
    const json_t *cur = root;
    const char *p = path;
    while (cur && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (!json_is_object(cur))
            return NULL;
        cur = json_object_getn(cur, p, n);
        p += n + (dot ? 1 : 0);
    }
    return (json_t *)cur;
}

const char *wsl_json_path_str(const json_t *root, const char *path, const char *def)
{
    const char *s = json_string_value(wsl_json_path(root, path));
    return s ? s : def;
}
