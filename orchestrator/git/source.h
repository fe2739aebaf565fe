/*
 * source.h — the git repository wissel deploys from: cloned once into a local folder,
 * fetched again on demand, and checked out at the revision it tracks (libgit2).
 *
 * Transports: https:// and http:// (basic authentication, the password read from a file,
 * never taken on the command line; a CA file of its own), ssh:// and user@host:path (a key
 * file; the server's host key must be in a known_hosts file: an unknown or changed key is
 * refused), and local paths. TLS is verified.
 *
 * What it tracks: a branch ("main"), a tag ("v1.4.0" or "refs/tags/v1.4.0"), a pinned
 * commit (40 hex digits), or a semver tag range ("semver:^1.4", "semver:>=1.2.0 <2.0.0";
 * the syntax is in orchestrator/git/semver.h and docs/gitops.md): the remote's refs are
 * listed (the same connection, credentials and trust as the fetch), the highest tag
 * "vX.Y.Z" or "X.Y.Z" in the range is chosen (pre-releases only when the range names one
 * of the same X.Y.Z), and that tag alone is fetched. Only the tracked ref is fetched; a
 * fetch of an unchanged repository transfers nothing and checks nothing out.
 *
 * Not shallow: libgit2 1.5.1 (Debian 12's) cannot fetch with a depth (git_fetch_options
 * has no depth field; shallow clones arrived in libgit2 1.7.0). What keeps a fetch small
 * instead is fetching the one tracked ref and no tags: its history is transferred once,
 * and later fetches transfer only the new commits.
 */
#ifndef WSL_GIT_SOURCE_H
#define WSL_GIT_SOURCE_H

#include "lib/err.h"

#include <stdbool.h>

struct wsl_git_source {
    const char *url;
    const char *ref;           /* branch, tag, commit or "semver:RANGE"; "main" when NULL */
    const char *dir;           /* the local clone (made when missing) */
    const char *username;      /* HTTP(S) basic authentication, or the SSH user */
    const char *password_file; /* HTTP(S): a file holding the password */
    const char *ca_file;       /* HTTPS: trust this CA (PEM) */
    const char *ssh_key;       /* SSH: the private key file (no passphrase) */
    const char *known_hosts;   /* SSH: the known_hosts file the host key must be in */
    /* When set, asked about every fetched revision before it is checked out (also when it
     * is the one already checked out): non-zero refuses it, and wsl_git_sync returns that
     * code with rev still naming the refused revision. For signature checks. */
    int (*accept)(void *ctx, const char *dir, const char *rev, struct wsl_err *err);
    void *accept_ctx;
};

/* Fetch the tracked ref and check its commit out in s->dir. rev receives the commit id;
 * *changed says whether it differs from what was checked out before. Errors name the URL
 * (never a password) and say what to do: WSL_E_NET (unreachable, or the credentials were
 * refused), WSL_E_TLS (a certificate or host key that is not trusted), WSL_E_NOTFOUND (no
 * such ref; for a semver range: no tag in it, the message naming the range and the
 * highest version tags seen), WSL_E_INVALID (a semver range that does not parse),
 * WSL_E_IO (the local folder); or what s->accept returned. */
int wsl_git_sync(const struct wsl_git_source *s, char rev[41], bool *changed,
                 struct wsl_err *err);

#endif
