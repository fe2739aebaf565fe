/*
 * source.c — clone, fetch and check out the tracked revision (see source.h).
 *
 * The clone is an ordinary repository in s->dir with one remote, "origin", whose URL is
 * set to s->url on every sync (a changed URL takes effect). The tracked ref is fetched into
 * refs/wissel/tracked alone; the commit it points at is checked out (forced: the folder is
 * wissel's) with HEAD detached there.
 */
#include "orchestrator/git/source.h"

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/fs.h"

#include <git2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACKED "refs/wissel/tracked"

static void init_libgit2(void)
{
    git_libgit2_init();
}

/* --- credentials and trust --------------------------------------------------------- */

struct callbacks_ctx {
    const struct wsl_git_source *s;
    int attempts;          /* credential requests: libgit2 asks again after a refusal */
    char why[256];         /* why a certificate or host key was refused */
};

static int credentials(git_credential **out, const char *url, const char *user_from_url,
                       unsigned int allowed, void *payload)
{
    (void)url;
    struct callbacks_ctx *c = payload;
    const struct wsl_git_source *s = c->s;
    if (++c->attempts > 1)
        return GIT_EAUTH; /* the credentials were refused: do not loop */
    const char *user = s->username ? s->username : user_from_url;
    if ((allowed & GIT_CREDENTIAL_SSH_KEY) && s->ssh_key)
        return git_credential_ssh_key_new(out, user ? user : "git", NULL, s->ssh_key, NULL);
    if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && s->password_file && user) {
        struct wsl_buf pw = WSL_BUF_INIT;
        struct wsl_err e = {0};
        if (wsl_read_file(s->password_file, 4096, &pw, &e) != 0) {
            snprintf(c->why, sizeof c->why, "%s", e.msg);
            return GIT_EUSER;
        }
        while (pw.len && (pw.data[pw.len - 1] == '\n' || pw.data[pw.len - 1] == '\r'))
            pw.data[--pw.len] = '\0';
        int rc = git_credential_userpass_plaintext_new(out, user, wsl_buf_str(&pw));
        memset(pw.data, 0, pw.len);
        wsl_buf_free(&pw);
        return rc;
    }
    return GIT_PASSTHROUGH;
}

/* Whether the raw SSH host key is on a line of known_hosts for host (port != 22: the
 * "[host]:port" form). Hashed entries are not read. */
static bool known_host(const char *file, const char *host, int port, const char *key,
                       size_t keylen)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return false;
    char want[300], line[8192];
    if (port && port != 22)
        snprintf(want, sizeof want, "[%s]:%d", host, port);
    else
        snprintf(want, sizeof want, "%s", host);
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        char *save = NULL, *hosts = strtok_r(line, " \t\n", &save);
        char *type = strtok_r(NULL, " \t\n", &save), *b64 = strtok_r(NULL, " \t\n", &save);
        if (!hosts || !type || !b64 || hosts[0] == '#')
            continue;
        bool match = false;
        for (char *h = strtok_r(hosts, ",", &save); h && !match; h = strtok_r(NULL, ",", &save))
            match = !strcmp(h, want);
        unsigned char *raw = NULL;
        size_t rawlen = 0;
        struct wsl_err e = {0};
        if (match && wsl_base64_decode(b64, strlen(b64), &raw, &rawlen, &e) == 0)
            found = rawlen == keylen && !memcmp(raw, key, keylen);
        free(raw);
    }
    fclose(f);
    return found;
}

static int certificate(git_cert *cert, int valid, const char *host, void *payload)
{
    struct callbacks_ctx *c = payload;
    if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2) {
        if (!valid)
            snprintf(c->why, sizeof c->why, "the TLS certificate of %s is not trusted", host);
        return valid ? 0 : GIT_ECERTIFICATE; /* TLS: libgit2 verified it */
    }
    const git_cert_hostkey *hk = (const git_cert_hostkey *)cert;
    int port = 22;
    const char *colon = strrchr(c->s->url, ':');
    if (!strncmp(c->s->url, "ssh://", 6) && colon && colon > c->s->url + 6)
        port = atoi(colon + 1);
    if (!(hk->type & GIT_CERT_SSH_RAW) || !c->s->known_hosts ||
        !known_host(c->s->known_hosts, host, port, hk->hostkey, hk->hostkey_len)) {
        snprintf(c->why, sizeof c->why, "the SSH host key of %s is not in %s", host,
                 c->s->known_hosts ? c->s->known_hosts : "a known_hosts file (none given)");
        return GIT_ECERTIFICATE;
    }
    return 0;
}

/* --- errors ------------------------------------------------------------------------ */

/* err from libgit2's last error, naming the URL; the code by its class. */
static int git_fail(struct wsl_err *err, int grc, const struct callbacks_ctx *c,
                    const char *what)
{
    const git_error *e = git_error_last();
    int code = WSL_E_NET;
    if (grc == GIT_ECERTIFICATE)
        code = WSL_E_TLS;
    else if (grc == GIT_ENOTFOUND)
        code = WSL_E_NOTFOUND;
    wsl_err_set(err, code, "%s %s: %s", what, c->s->url,
                c->why[0] ? c->why : e && e->message ? e->message : "failed");
    if (code == WSL_E_TLS)
        wsl_err_hint(err, "give the CA (HTTPS) or a known_hosts file with the host's key (SSH)");
    else if (grc == GIT_EAUTH || c->attempts > 1)
        wsl_err_hint(err, "check the user, the password file or the SSH key");
    return code;
}

/* --- sync -------------------------------------------------------------------------- */

static int open_repo(const struct wsl_git_source *s, git_repository **repo,
                     struct wsl_err *err)
{
    if (git_repository_open(repo, s->dir) == 0)
        return 0;
    if (wsl_mkdir_p(s->dir, 0700) != 0 || git_repository_init(repo, s->dir, 0) != 0) {
        const git_error *e = git_error_last();
        return wsl_err_set(err, WSL_E_IO, "cannot make a repository in %s: %s", s->dir,
                           e ? e->message : "failed");
    }
    return 0;
}

static bool is_commit_id(const char *ref)
{
    return strlen(ref) == 40 && strspn(ref, "0123456789abcdef") == 40;
}

/* The refspec that fetches ref into TRACKED (tag: as a tag); a commit id is looked for
 * among the branches, which are fetched. */
static void refspec(const char *ref, bool tag, char *out, size_t n)
{
    if (is_commit_id(ref))
        snprintf(out, n, "+refs/heads/*:refs/wissel/heads/*");
    else if (!strncmp(ref, "refs/", 5))
        snprintf(out, n, "+%s:" TRACKED, ref);
    else
        snprintf(out, n, "+refs/%s/%s:" TRACKED, tag ? "tags" : "heads", ref);
}

static int fetch(git_repository *repo, const struct wsl_git_source *s, const char *spec,
                 struct callbacks_ctx *c, struct wsl_err *err)
{
    git_remote *remote = NULL;
    if (git_remote_lookup(&remote, repo, "origin") == 0)
        git_remote_set_url(repo, "origin", s->url);
    else
        git_remote_create_with_fetchspec(&remote, repo, "origin", s->url, spec);
    git_remote_free(remote);
    remote = NULL;
    int grc = git_remote_lookup(&remote, repo, "origin");
    git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
    fo.callbacks.credentials = credentials;
    fo.callbacks.certificate_check = certificate;
    fo.callbacks.payload = c;
    fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    char *specs[] = {(char *)spec};
    git_strarray refspecs = {specs, 1};
    if (grc == 0)
        grc = git_remote_fetch(remote, &refspecs, &fo, "wissel fetch");
    git_remote_free(remote);
    return grc ? git_fail(err, grc, c, "fetching") : 0;
}

static int checkout(git_repository *repo, const git_oid *id, struct wsl_err *err)
{
    git_commit *commit = NULL;
    git_checkout_options co = GIT_CHECKOUT_OPTIONS_INIT;
    co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED;
    int grc = git_commit_lookup(&commit, repo, id);
    if (grc == 0)
        grc = git_checkout_tree(repo, (const git_object *)commit, &co);
    if (grc == 0)
        grc = git_repository_set_head_detached(repo, id);
    git_commit_free(commit);
    if (grc) {
        const git_error *e = git_error_last();
        return wsl_err_set(err, WSL_E_IO, "checking out %s: %s", git_oid_tostr_s(id),
                           e ? e->message : "failed");
    }
    return 0;
}

int wsl_git_sync(const struct wsl_git_source *s, char rev[41], bool *changed,
                 struct wsl_err *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_libgit2);
    if (s->ca_file)
        git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, s->ca_file, NULL);
    rev[0] = '\0';
    *changed = false;
    git_repository *repo = NULL;
    int rc = open_repo(s, &repo, err);
    if (rc)
        return rc;
    const char *ref = s->ref ? s->ref : "main";
    struct callbacks_ctx c = {s, 0, ""};
    char spec[512];
    refspec(ref, false, spec, sizeof spec);
    git_reference *stale = NULL; /* what an earlier fetch left says nothing about now */
    if (git_reference_lookup(&stale, repo, TRACKED) == 0)
        git_reference_delete(stale);
    git_reference_free(stale);
    rc = fetch(repo, s, spec, &c, err);
    git_oid probe;
    if (rc == 0 && strncmp(ref, "refs/", 5) && !is_commit_id(ref) &&
        git_reference_name_to_id(&probe, repo, TRACKED) != 0) {
        c = (struct callbacks_ctx){s, 0, ""}; /* not a branch: a tag of that name? */
        refspec(ref, true, spec, sizeof spec);
        rc = fetch(repo, s, spec, &c, err);
    }
    git_oid want, head;
    git_object *peeled = NULL;
    char what[128];
    snprintf(what, sizeof what, "%s^{commit}", is_commit_id(ref) ? ref : TRACKED);
    if (rc == 0 && git_revparse_single(&peeled, repo, what) != 0)
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "%s has no branch, tag or commit %s", s->url,
                         ref);
    if (rc == 0) {
        git_oid_cpy(&want, git_object_id(peeled));
        bool same = git_reference_name_to_id(&head, repo, "HEAD") == 0 &&
                    git_oid_equal(&head, &want);
        if (!same)
            rc = checkout(repo, &want, err);
        *changed = rc == 0 && !same;
        if (rc == 0)
            git_oid_tostr(rev, 41, &want);
    }
    git_object_free(peeled);
    git_repository_free(repo);
    return rc;
}
