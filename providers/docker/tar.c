/*
 * tar.c — tar archives (POSIX ustar), the engine's format for files in containers.
 * Writing: a container's files, for PUT /containers/{id}/archive before the container
 * starts. Files only: the engine makes the folders above them. Owner root, the file's
 * mode, time 0 (the archive is the same every time). Reading: the entries of an archive
 * the engine made (volume.c), long names (GNU, pax) applied.
 */
#include "providers/docker/docker.h"

#include "lib/base64.h"
#include "lib/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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
    char h[DK_TAR_BLOCK];
    memset(h, 0, sizeof h);
    if (split_path(path, h, h + 345) != 0)
        return wsl_err_set(err, WSL_E_INVALID, "file %s: the path is too long for an archive",
                           path);
    octal(h + 100, 8, mode & 07777);
    octal(h + 108, 8, 0);
    octal(h + 116, 8, 0);
    octal(h + 124, 12, size);
    octal(h + 136, 12, 0);
    h[156] = '0';
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    snprintf(h + 148, 8, "%06o", dk_tar_sum(h));
    wsl_buf_append(out, h, DK_TAR_BLOCK);
    return 0;
}

static void pad(struct wsl_buf *out, size_t size)
{
    static const char zero[DK_TAR_BLOCK];
    if (size % DK_TAR_BLOCK)
        wsl_buf_append(out, zero, DK_TAR_BLOCK - size % DK_TAR_BLOCK);
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
    static const char end[2 * DK_TAR_BLOCK];
    wsl_buf_append(out, end, sizeof end);
    return 0;
}

/* --- reading ---------------------------------------------------------------------------- */

static unsigned long long octal_field(const char *f, size_t n)
{
    char s[16];
    snprintf(s, sizeof s, "%.*s", (int)n, f);
    return strtoull(s, NULL, 8);
}

unsigned dk_tar_sum(const char *h)
{
    unsigned s = 0;
    for (size_t i = 0; i < DK_TAR_BLOCK; i++)
        s += i >= 148 && i < 156 ? ' ' : (unsigned char)h[i];
    return s;
}

/* The path record of a pax header's records (size bytes at p) into name. */
static void pax_path(const char *p, size_t size, char *name, size_t n)
{
    const char *end = p + size;
    while (p < end) {
        char *sp;
        unsigned long len = strtoul(p, &sp, 10);
        if (!len || len > (size_t)(end - p) || *sp != ' ' || sp + 6 > p + len)
            return;
        if (!strncmp(sp + 1, "path=", 5))
            snprintf(name, n, "%.*s", (int)(p + len - 1 - (sp + 6)), sp + 6);
        p += len;
    }
}

static void ustar_name(const char *h, char *name, size_t n)
{
    if (!memcmp(h + 257, "ustar", 6) && h[345]) /* POSIX: a prefix */
        snprintf(name, n, "%.155s/%.100s", h + 345, h);
    else
        snprintf(name, n, "%.100s", h);
}

int dk_tar_next(const struct wsl_buf *t, size_t *off, struct dk_tar_entry *e)
{
    char longname[1024] = "";
    while (*off + DK_TAR_BLOCK <= t->len && t->data[*off]) {
        const char *h = t->data + *off;
        unsigned long long sum = octal_field(h + 148, 8), size = octal_field(h + 124, 12);
        if (sum != dk_tar_sum(h) || (h[124] & 0x80) || size > t->len - *off - DK_TAR_BLOCK)
            return -1;
        e->at = *off;
        *off += DK_TAR_BLOCK + (size + DK_TAR_BLOCK - 1) / DK_TAR_BLOCK * DK_TAR_BLOCK;
        if (h[156] == 'L')
            snprintf(longname, sizeof longname, "%.*s", (int)size, h + DK_TAR_BLOCK);
        else if (h[156] == 'x')
            pax_path(h + DK_TAR_BLOCK, size, longname, sizeof longname);
        else if (h[156] != 'g' && h[156] != 'K') {
            if (longname[0])
                snprintf(e->name, sizeof e->name, "%s", longname);
            else
                ustar_name(h, e->name, sizeof e->name);
            return 1;
        }
    }
    return 0;
}
