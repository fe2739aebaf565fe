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
#include "orchestrator/git/revision.h"
#include "orchestrator/git/semver.h"
#include "providers/secret.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRACKED "refs/wissel/tracked"
#define SEMVER_PREFIX "semver:"

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
        char *pw = NULL;
        struct wsl_err e = {0};
        if (wsl_secret_read(&(struct wsl_secret_ref){.file = s->password_file}, &pw, &e) != 0) {
            snprintf(c->why, sizeof c->why, "%s", e.msg);
            return GIT_EUSER;
        }
        int rc = git_credential_userpass_plaintext_new(out, user, pw);
        memset(pw, 0, strlen(pw));
        free(pw);
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

/* The remote "origin", its URL set to s->url; made (with spec as its configured fetch
 * refspec, or git's default when NULL) when the clone has none yet. */
static int origin(git_repository *repo, const struct wsl_git_source *s, const char *spec,
                  git_remote **out)
{
    git_remote *remote = NULL;
    if (git_remote_lookup(&remote, repo, "origin") == 0)
        git_remote_set_url(repo, "origin", s->url);
    else if (spec)
        git_remote_create_with_fetchspec(&remote, repo, "origin", s->url, spec);
    else
        git_remote_create(&remote, repo, "origin", s->url);
    git_remote_free(remote);
    return git_remote_lookup(out, repo, "origin");
}

/* The one set of credential and trust callbacks, for listing and fetching alike. */
static void set_callbacks(git_remote_callbacks *cb, struct callbacks_ctx *c)
{
    cb->credentials = credentials;
    cb->certificate_check = certificate;
    cb->payload = c;
}

/* Fetch spec alone (no tags) over remote, connected already or not. */
static int fetch_with(git_remote *remote, const char *spec, struct callbacks_ctx *c,
                      struct wsl_err *err)
{
    git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
    set_callbacks(&fo.callbacks, c);
    fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    char *specs[] = {(char *)spec};
    git_strarray refspecs = {specs, 1};
    int grc = git_remote_fetch(remote, &refspecs, &fo, "wissel fetch");
    return grc ? git_fail(err, grc, c, "fetching") : 0;
}

static int fetch(git_repository *repo, const struct wsl_git_source *s, const char *spec,
                 struct callbacks_ctx *c, struct wsl_err *err)
{
    git_remote *remote = NULL;
    int grc = origin(repo, s, spec, &remote);
    int rc = grc ? git_fail(err, grc, c, "fetching") : fetch_with(remote, spec, c, err);
    git_remote_free(remote);
    return rc;
}

/* --- semver tag ranges --------------------------------------------------------------- */

struct seen_tag {
    struct wsl_semver v;
    const char *name;
};

static int by_version_down(const void *a, const void *b)
{
    const struct seen_tag *x = a, *y = b;
    int c = wsl_semver_cmp(&y->v, &x->v);
    return c ? c : strcmp(x->name, y->name);
}

/* "its version tags: v2.0.0, v1.3.0-rc.1, v1.2.0": the highest five version tags among
 * names, highest first, for messages. */
static void highest_tags(const char *const *names, size_t n, char *out, size_t outlen)
{
    struct seen_tag *seen = calloc(n ? n : 1, sizeof *seen);
    size_t k = 0;
    for (size_t i = 0; seen && i < n; i++) {
        if (wsl_semver_parse(names[i], &seen[k].v) == 0)
            seen[k++].name = names[i];
    }
    out[0] = '\0';
    if (k == 0)
        snprintf(out, outlen, "it has no version tags (v1.2.3 or 1.2.3)");
    else {
        qsort(seen, k, sizeof *seen, by_version_down);
        size_t len = k > 5 ? (size_t)snprintf(out, outlen, "the highest of its %zu version "
                                                              "tags: ", k)
                           : (size_t)snprintf(out, outlen, "its version tags: ");
        for (size_t i = 0; i < k && i < 5 && len < outlen; i++)
            len += (size_t)snprintf(out + len, outlen - len, "%s%s", i ? ", " : "",
                                    seen[i].name);
    }
    free(seen);
}

/* List the remote's tags, choose the highest that satisfies the range, and fetch it (on
 * the same connection) into TRACKED. */
static int fetch_semver(git_repository *repo, const struct wsl_git_source *s,
                        const char *range, struct callbacks_ctx *c, struct wsl_err *err)
{
    struct wsl_semver_range r;
    int rc = wsl_semver_range_parse(range, &r, err);
    if (rc)
        return rc;
    git_remote *remote = NULL;
    git_remote_callbacks cb = GIT_REMOTE_CALLBACKS_INIT;
    set_callbacks(&cb, c);
    const git_remote_head **heads = NULL;
    size_t nheads = 0;
    int grc = origin(repo, s, NULL, &remote);
    if (grc == 0)
        grc = git_remote_connect(remote, GIT_DIRECTION_FETCH, &cb, NULL, NULL);
    if (grc == 0)
        grc = git_remote_ls(&heads, &nheads, remote);
    if (grc) {
        git_remote_free(remote);
        return git_fail(err, grc, c, "listing the tags of");
    }
    /* The names point into the remote's advertisement, valid while it is connected. */
    const char **names = calloc(nheads ? nheads : 1, sizeof *names);
    if (!names) {
        git_remote_free(remote);
        return wsl_err_set(err, WSL_E_INTERNAL, "out of memory listing the tags of %s", s->url);
    }
    size_t n = 0;
    for (size_t i = 0; i < nheads; i++) {
        const char *name = heads[i]->name;
        size_t len = strlen(name);
        if (!strncmp(name, "refs/tags/", 10) && !(len > 3 && !strcmp(name + len - 3, "^{}")))
            names[n++] = name + 10; /* an annotated tag's peeled line ("^{}") is not a tag */
    }
    long best = wsl_semver_highest(&r, names, n);
    if (best < 0) {
        char seen[512];
        highest_tags(names, n, seen, sizeof seen);
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "%s has no tag in the semver range \"%s\" (%s)",
                         s->url, range, seen);
        wsl_err_hint(err, "push a tag in that range, or change the range; a pre-release "
                          "(1.3.0-rc.1) counts only when the range names a pre-release of "
                          "the same version (>=1.3.0-rc.0)");
    } else {
        char spec[512];
        snprintf(spec, sizeof spec, "+refs/tags/%s:" TRACKED, names[best]);
        rc = fetch_with(remote, spec, c, err);
    }
    free(names);
    git_remote_disconnect(remote);
    git_remote_free(remote);
    return rc;
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
    wsl_git_init();
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
    bool semver = !strncmp(ref, SEMVER_PREFIX, strlen(SEMVER_PREFIX));
    if (semver)
        rc = fetch_semver(repo, s, ref + strlen(SEMVER_PREFIX), &c, err);
    else
        rc = fetch(repo, s, spec, &c, err);
    git_oid probe;
    if (rc == 0 && !semver && strncmp(ref, "refs/", 5) && !is_commit_id(ref) &&
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
        git_oid_tostr(rev, 41, &want);
        if (s->accept)
            rc = s->accept(s->accept_ctx, s->dir, rev, err);
    }
    if (rc == 0) {
        bool same = git_reference_name_to_id(&head, repo, "HEAD") == 0 &&
                    git_oid_equal(&head, &want);
        if (!same)
            rc = checkout(repo, &want, err);
        *changed = rc == 0 && !same;
        if (rc != 0)
            rev[0] = '\0';
    }
    git_object_free(peeled);
    git_repository_free(repo);
    return rc;
}
