/*
 * tar.c — a container's files as a tar archive (POSIX ustar), for the engine's
 * PUT /containers/{id}/archive before the container starts. Files only: the engine makes
 * the folders above them. Owner root, the file's mode, time 0 (the archive is the same
 * every time).
 */
#include "providers/docker/docker.h"

#include "lib/base64.h"
#include "lib/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 512

static void octal(char *field, size_t n, unsigned long long v)
{
    snprintf(field, n, "%0*llo", (int)n - 1, v);
}

/* Split path into ustar's prefix (155) and name (100) at a slash. */
static int split_path(const char *path, char name[100], char prefix[155])
{
    size_t n = strlen(path);
    if (n < 100) {
        memcpy(name, path, n);
        return 0;
    }
    for (size_t i = n; i-- > 0;) {
        if (path[i] == '/' && i < 155 && n - i - 1 < 100 && n - i - 1 > 0) {
            memcpy(prefix, path, i);
            memcpy(name, path + i + 1, n - i - 1);
            return 0;
        }
    }
    return -1;
}

static int header(struct wsl_buf *out, const char *path, unsigned mode, size_t size,
                  struct wsl_err *err)
{
    char h[BLOCK];
    memset(h, 0, sizeof h);
    if (split_path(path, h, h + 345) != 0)
        return wsl_err_set(err, WSL_E_INVALID, "file %s: the path is too long for an archive",
                           path);
    octal(h + 100, 8, mode & 07777);
    octal(h + 108, 8, 0);
    octal(h + 116, 8, 0);
    octal(h + 124, 12, size);
    octal(h + 136, 12, 0);
    memset(h + 148, ' ', 8);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    unsigned sum = 0;
    for (size_t i = 0; i < BLOCK; i++)
        sum += (unsigned char)h[i];
    snprintf(h + 148, 8, "%06o", sum);
    wsl_buf_append(out, h, BLOCK);
    return 0;
}

static void pad(struct wsl_buf *out, size_t size)
{
    static const char zero[BLOCK];
    if (size % BLOCK)
        wsl_buf_append(out, zero, BLOCK - size % BLOCK);
}

int dk_tar(const json_t *files, struct wsl_buf *out, struct wsl_err *err)
{
    size_t i;
    json_t *f;
    json_array_foreach(files, i, f) {
        const char *path = json_string_value(json_object_get(f, "path"));
        const char *text = json_string_value(json_object_get(f, "text"));
        const char *b64 = json_string_value(json_object_get(f, "base64"));
        unsigned mode = (unsigned)strtoul(json_string_value(json_object_get(f, "mode")), NULL, 8);
        while (path && *path == '/')
            path++;
        size_t len = 0;
        unsigned char *data = NULL;
        if (text) {
            len = json_string_length(json_object_get(f, "text"));
            data = wsl_xmalloc(len + 1);
            memcpy(data, text, len);
        } else if (b64 && wsl_base64_decode(b64, strlen(b64), &data, &len, err) != 0) {
            return WSL_E_INVALID;
        }
        if (!path || !*path || !data) {
            free(data);
            return wsl_err_set(err, WSL_E_INVALID, "file %s: no path or undecodable content",
                               path ? path : "(none)");
        }
        int rc = header(out, path, mode, len, err);
        if (rc == 0) {
            wsl_buf_append(out, data, len);
            pad(out, len);
        }
        free(data);
        if (rc)
            return rc;
    }
    static const char end[2 * BLOCK];
    wsl_buf_append(out, end, sizeof end);
    return 0;
}
