#include "orchestrator/git/commit.h"

#include "lib/fs.h"
#include "orchestrator/git/revision.h"

#include <git2.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct gc {
    git_repository *repo;
    const char *rel;           /* path inside the working tree */
    git_commit *parent;
    git_tree *tree, *new_tree;
    git_oid blob, commit;
    git_filemode_t mode;
    struct wsl_err *err;
};

static int git_failed(struct gc *g, const char *what)
{
    const git_error *e = git_error_last();
    return wsl_err_set(g->err, WSL_E_IO, "%s (git): %s", what,
                       e && e->message ? e->message : "failed");
}

/* Open the repository of abs and find the file's path in its working tree. */
static int open_repo(struct gc *g, const char *abs, char *dir)
{
    if (git_repository_open_ext(&g->repo, dirname(dir), 0, NULL) != 0 ||
        git_repository_is_bare(g->repo))
        return wsl_err_set(g->err, WSL_E_NOTFOUND, "%s is not in a git working tree: "
                           "nothing to commit to", abs);
    char wd[PATH_MAX];
    const char *w = git_repository_workdir(g->repo);
    size_t n = w && realpath(w, wd) ? strlen(wd) : 0;
    if (!n || strncmp(abs, wd, n) || abs[n] != '/')
        return wsl_err_set(g->err, WSL_E_NOTFOUND, "%s is outside the working tree of its "
                           "git repository", abs);
    g->rel = abs + n + 1;
    return 0;
}

/* The file must be committed and unchanged, and HEAD on a branch. */
static int check_clean(struct gc *g, const char *abs)
{
    unsigned flags = 0;
    if (git_status_file(&flags, g->repo, g->rel) != 0 ||
        (flags & (GIT_STATUS_WT_NEW | GIT_STATUS_INDEX_DELETED)) == GIT_STATUS_WT_NEW)
        return wsl_err_set(g->err, WSL_E_NOTFOUND, "%s is not committed in git", abs);
    if (flags & ~(unsigned)GIT_STATUS_IGNORED) {
        wsl_err_set(g->err, WSL_E_CONFLICT, "%s has changes that are not committed", abs);
        wsl_err_hint(g->err, "commit or stash them first: wissel commits its own change alone");
        return WSL_E_CONFLICT;
    }
    git_reference *head = NULL;
    int rc = 0;
    if (git_repository_head(&head, g->repo) != 0 || git_repository_head_detached(g->repo))
        rc = wsl_err_set(g->err, WSL_E_CONFLICT, "the git repository of %s is not on a "
                         "branch (detached HEAD): check a branch out first", abs);
    else if (git_reference_peel((git_object **)&g->parent, head, GIT_OBJECT_COMMIT) != 0 ||
             git_commit_tree(&g->tree, g->parent) != 0)
        rc = git_failed(g, "reading HEAD");
    git_reference_free(head);
    return rc;
}

/* HEAD's tree with the file's new content. */
static int make_tree(struct gc *g, const char *text, size_t len)
{
    git_tree_entry *e = NULL;
    if (git_tree_entry_bypath(&e, g->tree, g->rel) != 0)
        return wsl_err_set(g->err, WSL_E_NOTFOUND, "%s is not in the commit HEAD is at", g->rel);
    g->mode = git_tree_entry_filemode(e);
    git_tree_entry_free(e);
    git_oid tree_id;
    if (git_blob_create_from_buffer(&g->blob, g->repo, text, len) != 0)
        return git_failed(g, "writing the file's content");
    git_tree_update u = {GIT_TREE_UPDATE_UPSERT, g->blob, g->mode, g->rel};
    if (git_tree_create_updated(&tree_id, g->repo, g->tree, 1, &u) != 0 ||
        git_tree_lookup(&g->new_tree, g->repo, &tree_id) != 0)
        return git_failed(g, "writing the tree");
    return 0;
}

static int make_commit(struct gc *g, const char *message)
{
    git_signature *sig = NULL;
    if (git_signature_default(&sig, g->repo) != 0 &&
        git_signature_now(&sig, "wissel", "wissel@localhost") != 0)
        return git_failed(g, "making the commit's signature");
    const git_commit *parents[] = {g->parent};
    int grc = git_commit_create(&g->commit, g->repo, "HEAD", sig, sig, NULL, message,
                                g->new_tree, 1, parents);
    git_signature_free(sig);
    if (grc == GIT_EMODIFIED)
        return wsl_err_set(g->err, WSL_E_CONFLICT, "the branch moved while wissel was "
                           "committing: run the command again");
    return grc ? git_failed(g, "committing") : 0;
}

/* The working tree and index follow the commit. */
static int write_back(struct gc *g, const char *abs, const char *text, size_t len)
{
    struct stat sb;
    mode_t mode = stat(abs, &sb) == 0 ? sb.st_mode & 07777 : 0644;
    int rc = wsl_write_file(abs, text, len, mode, g->err);
    git_index *idx = NULL;
    if (rc == 0 && (git_repository_index(&idx, g->repo) != 0 ||
                    git_index_add_bypath(idx, g->rel) != 0 || git_index_write(idx) != 0))
        rc = git_failed(g, "updating the index");
    git_index_free(idx);
    if (rc)
        wsl_err_prefix(g->err, "committed, but the working tree still has the old %s "
                       "(git checkout -- %s puts the committed one there)", g->rel, g->rel);
    return rc;
}

int wsl_git_commit_file(const char *path, const char *text, size_t len, const char *message,
                        char rev[41], struct wsl_err *err)
{
    wsl_git_init();
    rev[0] = '\0';
    char abs[PATH_MAX], dir[PATH_MAX];
    struct gc g = {.err = err};
    if (!realpath(path, abs))
        return wsl_err_set(err, WSL_E_NOTFOUND, "%s: no such file", path);
    strcpy(dir, abs);
    int rc = open_repo(&g, abs, dir);
    if (rc == 0)
        rc = check_clean(&g, abs);
    if (rc == 0)
        rc = make_tree(&g, text, len);
    if (rc == 0)
        rc = make_commit(&g, message);
    if (rc == 0) {
        git_oid_tostr(rev, 41, &g.commit);
        rc = write_back(&g, abs, text, len);
    }
    git_tree_free(g.new_tree);
    git_tree_free(g.tree);
    git_commit_free(g.parent);
    git_repository_free(g.repo);
    return rc;
}
