/* fs.h — small file-system helpers. */
#ifndef WSL_FS_H
#define WSL_FS_H

#include <sys/types.h>

/* Create a folder and its missing parents (like mkdir -p). Returns 0, or -1 with errno. */
int wsl_mkdir_p(const char *path, mode_t mode);

#endif
