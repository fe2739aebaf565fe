#include "lib/fs.h"

#include "lib/buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

int wsl_mkdir_p(const char *path, mode_t mode)
{
    char *p = wsl_xstrdup(path);
    int rc = 0;
    for (char *s = p + 1; rc == 0; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, mode) != 0 && errno != EEXIST)
            rc = -1;
        *s = c;
        if (!c)
            break;
    }
    int e = errno;
    free(p);
    errno = e;
    return rc;
}

int wsl_read_file(const char *path, size_t max, struct wsl_buf *out, struct wsl_err *err)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        int rc = !f && errno == ENOENT ? WSL_E_NOTFOUND : WSL_E_IO;
        wsl_err_set(err, rc, "cannot read %s: %s", path,
                    f ? "not a regular file" : strerror(errno));
        if (f)
            fclose(f);
        return rc;
    }
    int rc = 0;
    if ((uint64_t)st.st_size > max) {
        rc = wsl_err_set(err, WSL_E_LIMIT, "%s is larger than the limit of %zu bytes", path,
                         max);
    } else {
        char chunk[8192];
        size_t n, start = out->len;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && out->len - start <= max)
            wsl_buf_append(out, chunk, n);
        if (ferror(f))
            rc = wsl_err_set(err, WSL_E_IO, "error reading %s", path);
        else if (out->len - start > max)
            rc = wsl_err_set(err, WSL_E_LIMIT, "%s is larger than the limit of %zu bytes",
                             path, max);
    }
    fclose(f);
    return rc;
}

int wsl_write_file(const char *path, const void *data, size_t len, mode_t mode,
                   struct wsl_err *err)
{
    struct wsl_buf tmp = WSL_BUF_INIT;
    wsl_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    bool ok = fd >= 0 && write(fd, data, len) == (ssize_t)len;
    int e = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        e = errno;
    }
    if (ok && rename(tmp.data, path) != 0) {
        ok = false;
        e = errno;
    }
    if (!ok)
        unlink(tmp.data);
    wsl_buf_free(&tmp);
    if (!ok)
        return wsl_err_set(err, WSL_E_IO, "cannot write %s: %s", path, strerror(e));
    return 0;
}
