/*
 * verify.c — which kind of signature a commit carries, and reading it out of a repository
 * (see verify.h). The SSH and OpenPGP formats are in sshsig.c and pgp.c.
 */
#include "orchestrator/git/verify.h"

#include "lib/base64.h"
#include "lib/buf.h"
#include "orchestrator/git/revision.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Real signatures are a few KiB (an RSA-16384 one is under 3 KiB); more is not one. */
#define MAX_SIGNATURE (64 * 1024)

#define SSH_ARMOR "-----BEGIN SSH SIGNATURE-----"
#define PGP_ARMOR "-----BEGIN PGP SIGNATURE-----"

int wsl_sig_base64(const char *text, size_t len, unsigned char **out, size_t *outlen,
                   struct wsl_err *err)
{
    char *compact = wsl_xmalloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (!strchr(" \t\r\n", text[i]) || text[i] == '\0')
            compact[n++] = text[i];
    int rc = wsl_base64_decode(compact, n, out, outlen, err);
    free(compact);
    return rc;
}

static bool starts_with(const char *s, size_t n, const char *prefix)
{
    size_t p = strlen(prefix);
    return n >= p && !memcmp(s, prefix, p);
}

/* The committer's time of a commit object (the tagger's of a tag), for the validity
 * interval of an allowed signer as git gives it to ssh-keygen; now when there is none. */
static long long signed_time(const char *data, size_t len)
{
    const char *end = data + len, *line = data;
    while (line < end && *line != '\n') {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        if (!nl)
            break;
        if (starts_with(line, (size_t)(nl - line), "committer ") ||
            starts_with(line, (size_t)(nl - line), "tagger ")) {
            const char *gt = line;
            for (const char *p = line; p < nl; p++)
                gt = *p == '>' ? p : gt;
            char num[32] = "";
            size_t k = 0;
            for (const char *p = gt + 1; p < nl && k + 1 < sizeof num; p++)
                if (*p >= '0' && *p <= '9')
                    num[k++] = *p;
                else if (k)
                    break;
            if (*gt == '>' && k > 0 && k < 19)
                return strtoll(num, NULL, 10);
        }
        line = nl + 1;
    }
    return (long long)time(NULL);
}

static int untrusted_kind(struct wsl_err *err, const char *kind, const char *option)
{
    wsl_err_set(err, WSL_E_POLICY, "the commit has an %s signature, and no %s is configured",
                kind, option);
    wsl_err_hint(err, "give the %s that holds the signer's key (docs/signing.md)", option);
    return WSL_E_POLICY;
}

int wsl_sig_verify(const char *signature, size_t siglen, const char *signed_data,
                   size_t datalen, const struct wsl_git_trust *t, char signer[256],
                   struct wsl_err *err)
{
    signer[0] = '\0';
    if (!signature || siglen == 0) {
        wsl_err_set(err, WSL_E_POLICY, "the commit is not signed");
        wsl_err_hint(err, "sign commits (git commit -S) with a key in the trust files");
        return WSL_E_POLICY;
    }
    if (siglen > MAX_SIGNATURE)
        return wsl_err_set(err, WSL_E_LIMIT, "the signature is %zu bytes, more than %d",
                           siglen, MAX_SIGNATURE);
    const char *data = signed_data ? signed_data : "";
    datalen = signed_data ? datalen : 0;
    if (starts_with(signature, siglen, SSH_ARMOR)) {
        if (!t || !t->allowed_signers)
            return untrusted_kind(err, "SSH", "allowed-signers file");
        return wsl_sshsig_verify(signature, siglen, data, datalen, t->allowed_signers,
                                 signed_time(data, datalen), signer, err);
    }
    if (starts_with(signature, siglen, PGP_ARMOR)) {
        if (!t || !t->keyring)
            return untrusted_kind(err, "OpenPGP", "keyring file");
        return wsl_pgp_verify(signature, siglen, data, datalen, t->keyring, signer, err);
    }
    if (starts_with(signature, siglen, "-----BEGIN SIGNED MESSAGE-----"))
        return wsl_err_set(err, WSL_E_POLICY,
                           "unsupported algorithm: X.509 (gpgsm) signatures are not supported");
    wsl_err_set(err, WSL_E_INVALID, "the signature is neither an SSH nor an OpenPGP signature");
    wsl_err_hint(err, "it should start with \"%s\" or \"%s\"", SSH_ARMOR, PGP_ARMOR);
    return WSL_E_INVALID;
}

/* --- from a repository ------------------------------------------------------------- */

static int extract(git_repository *repo, const char *rev, git_buf *sig, git_buf *data,
                   struct wsl_err *err)
{
    git_oid id;
    git_commit *commit = NULL;
    if (strlen(rev) != 40 || strspn(rev, "0123456789abcdefABCDEF") != 40 ||
        git_oid_fromstr(&id, rev) != 0)
        return wsl_err_set(err, WSL_E_INVALID, "\"%s\" is not a commit id (40 hex digits)",
                           rev);
    if (git_commit_lookup(&commit, repo, &id) != 0)
        return wsl_err_set(err, WSL_E_NOTFOUND, "there is no commit %s", rev);
    git_commit_free(commit);
    int grc = git_commit_extract_signature(sig, data, repo, &id, NULL);
    if (grc == GIT_ENOTFOUND) {
        wsl_err_set(err, WSL_E_POLICY, "commit %s is not signed", rev);
        wsl_err_hint(err, "sign commits (git commit -S) with a key in the trust files");
        return WSL_E_POLICY;
    }
    if (grc != 0) {
        const git_error *e = git_error_last();
        return wsl_err_set(err, WSL_E_IO, "reading the signature of commit %s: %s", rev,
                           e && e->message ? e->message : "failed");
    }
    return 0;
}

int wsl_git_verify(const char *dir, const char *rev, const struct wsl_git_trust *t,
                   char signer[256], struct wsl_err *err)
{
    wsl_git_init();
    signer[0] = '\0';
    git_repository *repo = NULL;
    if (git_repository_open(&repo, dir) != 0) {
        const git_error *e = git_error_last();
        return wsl_err_set(err, WSL_E_IO, "cannot open the repository %s: %s", dir,
                           e && e->message ? e->message : "failed");
    }
    git_buf sig = {0}, data = {0};
    int rc = extract(repo, rev, &sig, &data, err);
    if (rc == 0) {
        rc = wsl_sig_verify(sig.ptr, sig.size, data.ptr, data.size, t, signer, err);
        if (rc)
            wsl_err_prefix(err, "commit %s", rev);
    }
    git_buf_dispose(&sig);
    git_buf_dispose(&data);
    git_repository_free(repo);
    return rc;
}
