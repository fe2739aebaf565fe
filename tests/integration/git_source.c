/*
 * git_source — one wsl_git_sync() from the command line, for tests/integration/
 * git_source.sh against the test git server of tests/env:
 *
 *   git_source URL REF DIR [user=U] [password_file=F] [ca=F] [key=F] [known_hosts=F]
 *
 * REF as in struct wsl_git_source: a branch, a tag, a commit id or "semver:RANGE".
 *
 * Prints "<commit> changed|unchanged" and exits 0, or "error <code>: <message>" (and the
 * hint) and exits 1.
 */
#include "lib/err.h"
#include "orchestrator/git/source.h"

#include <git2.h>
#include <stdio.h>
#include <string.h>

static const char *opt(int argc, char **argv, const char *name)
{
    size_t n = strlen(name);
    for (int i = 4; i < argc; i++) {
        if (!strncmp(argv[i], name, n) && argv[i][n] == '=')
            return argv[i] + n + 1;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s URL REF DIR [name=value...]\n", argv[0]);
        return 2;
    }
    struct wsl_git_source s = {
        .url = argv[1],
        .ref = argv[2],
        .dir = argv[3],
        .username = opt(argc, argv, "user"),
        .password_file = opt(argc, argv, "password_file"),
        .ca_file = opt(argc, argv, "ca"),
        .ssh_key = opt(argc, argv, "key"),
        .known_hosts = opt(argc, argv, "known_hosts"),
    };
    char rev[41];
    bool changed;
    struct wsl_err err = {0};
    int rc = wsl_git_sync(&s, rev, &changed, &err);
    git_libgit2_shutdown(); /* frees libgit2's per-thread data (LeakSanitizer) */
    if (rc) {
        printf("error %s: %s\n", wsl_code_name(rc), err.msg);
        if (err.hint[0])
            printf("hint: %s\n", err.hint);
        return 1;
    }
    printf("%s %s\n", rev, changed ? "changed" : "unchanged");
    return 0;
}
