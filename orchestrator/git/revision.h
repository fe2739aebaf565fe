/* revision.h — which git commit a folder of manifests is at (libgit2). */
#ifndef WSL_GIT_REVISION_H
#define WSL_GIT_REVISION_H

#include <stdbool.h>

/* Initialise libgit2, once per process (every caller of libgit2 in wissel calls this). */
void wsl_git_init(void);

/* The commit id of HEAD of the repository that contains path, into out (41 bytes).
 * Returns false (out = "") when path is not inside a git repository or HEAD is unborn. */
bool wsl_git_head(const char *path, char out[41]);

#endif
