#include "orchestrator/git/revision.h"

#include <git2.h>
#include <pthread.h>
#include <string.h>

static void init_libgit2(void)
{
    git_libgit2_init();
}

void wsl_git_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_libgit2);
}

bool wsl_git_head(const char *path, char out[41])
{
    wsl_git_init();
    out[0] = '\0';
    git_repository *repo = NULL;
    git_oid oid;
    bool ok = git_repository_open_ext(&repo, path, 0, NULL) == 0 &&
              git_reference_name_to_id(&oid, repo, "HEAD") == 0;
    if (ok)
        git_oid_tostr(out, 41, &oid);
    git_repository_free(repo);
    return ok;
}
