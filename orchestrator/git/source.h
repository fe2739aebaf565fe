/*
 * source.h — the git repository wissel deploys from: cloned once into a local folder,
 * fetched again on demand, and checked out at the revision it tracks (libgit2).
 *
 * Transports: https:// and http:// (basic authentication, the password read from a file,
 * never taken on the command line; a CA file of its own), ssh:// and user@host:path (a key
 * file; the server's host key must be in a known_hosts file: an unknown or changed key is
 * refused), and local paths. TLS is verified.
 *
 * What it tracks: a branch ("main"), a tag ("v1.4.0" or "refs/tags/v1.4.0") or a pinned
 * commit (40 hex digits). Only that ref is fetched; a fetch of an unchanged repository
 * transfers nothing and checks nothing out.
 */
#ifndef WSL_GIT_SOURCE_H
#define WSL_GIT_SOURCE_H

#include "lib/err.h"

#include <stdbool.h>

struct wsl_git_source {
    const char *url;
    const char *ref;           /* branch, tag or commit; "main" when NULL */
    const char *dir;           /* the local clone (made when missing) */
    const char *username;      /* HTTP(S) basic authentication, or the SSH user */
    const char *password_file; /* HTTP(S): a file holding the password */
    const char *ca_file;       /* HTTPS: trust this CA (PEM) */
    const char *ssh_key;       /* SSH: the private key file (no passphrase) */
    const char *known_hosts;   /* SSH: the known_hosts file the host key must be in */
};

/* Fetch the tracked ref and check its commit out in s->dir. rev receives the commit id;
 * *changed says whether it differs from what was checked out before. Errors name the URL
 * (never a password) and say what to do: WSL_E_NET (unreachable, or the credentials were
 * refused), WSL_E_TLS (a certificate or host key that is not trusted), WSL_E_NOTFOUND (no
 * such ref), WSL_E_IO (the local folder). */
int wsl_git_sync(const struct wsl_git_source *s, char rev[41], bool *changed,
                 struct wsl_err *err);

#endif
