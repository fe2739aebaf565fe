/*
 * commit.h — commit one file of a git working tree, and only that file (libgit2): how
 * `wissel switch --commit` makes git say where an application now runs.
 */
#ifndef WSL_GIT_COMMIT_H
#define WSL_GIT_COMMIT_H

#include "lib/err.h"

#include <stddef.h>

/* Commit len bytes of text as the new content of path (a file already committed in a git
 * working tree) on the branch HEAD is on, with message, signed by the repository's
 * user.name and user.email (or "wissel"); then write the file and its index entry, so
 * `git status` is clean for it. The commit holds this change alone: other work, staged
 * or not, stays as it was. Refused before anything is written: WSL_E_NOTFOUND when path
 * is not in a git working tree or not committed there, WSL_E_CONFLICT when the file has
 * changes that are not committed or HEAD is not on a branch (the message says what to
 * do). rev receives the new commit's id. */
int wsl_git_commit_file(const char *path, const char *text, size_t len, const char *message,
                        char rev[41], struct wsl_err *err);

#endif
