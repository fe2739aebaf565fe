/* fs.h — small file-system helpers. */
#ifndef WSL_FS_H
#define WSL_FS_H

#include "lib/buf.h"
#include "lib/err.h"

#include <stddef.h>
#include <sys/types.h>

/* Create a folder and its missing parents (like mkdir -p). Returns 0, or -1 with errno. */
int wsl_mkdir_p(const char *path, mode_t mode);

/* Append the contents of the regular file path to out. Returns 0, or WSL_E_NOTFOUND,
 * WSL_E_IO (with the system's reason) or WSL_E_LIMIT (larger than max bytes) with err set
 * naming the file. */
int wsl_read_file(const char *path, size_t max, struct wsl_buf *out, struct wsl_err *err);
/* Write len bytes to path atomically (a temporary file beside it, then rename), with
 * mode. Returns 0 or WSL_E_IO naming the file and the system's reason. */
int wsl_write_file(const char *path, const void *data, size_t len, mode_t mode,
                   struct wsl_err *err);

#endif
