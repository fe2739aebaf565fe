#include "manifests/repo.h"

#include "lib/buf.h"
#include "lib/strmap.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_WALK_DEPTH 32

/* A file read, known by its device and inode (so that no path spelling, link or "./"
 * makes it read twice). */
struct file_rec {
    size_t workload; /* index of its first workload in r->workloads + 1; 0: none */
    bool errors;     /* reading or decoding it reported errors */
};

struct loader {
    struct wsl_repo *r;
    const struct wsl_provider_list *providers;
    struct wsl_strmap ids; /* "dev:ino" -> index in recs */
    struct {
        struct file_rec *v;
        size_t n;
    } recs;
};

#define PUSH(vec, item)                                                                    \
    do {                                                                                   \
        (vec).v = wsl_xrealloc((vec).v, ((vec).n + 1) * sizeof *(vec).v);                  \
        (vec).v[(vec).n++] = (item);                                                       \
    } while (0)

static void *decode_doc(struct loader *l, const struct wsl_node *root, const struct wsl_type *t)
{
    struct wsl_dec dec = {l->r->a, &l->r->diags, (void *)l->providers};
    void *obj = wsl_arena_alloc(l->r->a, t->size);
    if (wsl_decode(&dec, root, t, obj))
        return obj;
    const struct wsl_node *name = wsl_node_get(wsl_node_get(root, "metadata"), "name");
    if (name && name->kind == WSL_NODE_SCALAR)
        PUSH(l->r->broken, wsl_arena_printf(l->r->a, "%s/%s", t->name, name->str));
    return NULL;
}

static struct wsl_workload *add_workload(struct loader *l, const struct wsl_node *root,
                                         const char *path)
{
    struct wsl_workload *w = decode_doc(l, root, &wsl_score_type);
    if (!w)
        return NULL;
    w->path = path;
    PUSH(l->r->workloads, w);
    return w;
}

static void add_wissel_doc(struct loader *l, const struct wsl_node *root, const char *kind,
                           const char *path)
{
    static const char *const kinds[] = {"Target", "Application", "Policy"};
    if (!strcmp(kind, "Target")) {
        struct wsl_target *t = decode_doc(l, root, &wsl_target_type);
        if (t && (t->path = path))
            PUSH(l->r->targets, t);
    } else if (!strcmp(kind, "Application")) {
        struct wsl_app *a = decode_doc(l, root, &wsl_app_type);
        if (a && (a->path = path))
            PUSH(l->r->apps, a);
    } else if (!strcmp(kind, "Policy")) {
        struct wsl_policy *p = decode_doc(l, root, &wsl_policy_type);
        if (p && (p->path = path))
            PUSH(l->r->policies, p);
    } else {
        const char *near = wsl_nearest(kind, kinds, 3);
        char hint[128];
        snprintf(hint, sizeof hint, near ? "did you mean \"%s\"?" : "%s",
                 near ? near : "the kinds are Target, Application and Policy");
        wsl_diag_add(&l->r->diags, WSL_SEV_ERROR, path, wsl_node_get(root, "kind")->line,
                     wsl_node_get(root, "kind")->col, hint, "unknown kind \"%.60s\"", kind);
    }
}

/* Sort one document into its kind by apiVersion; others are not ours and are skipped.
 * score_only: the file was read because an Application names it, from outside the paths
 * being loaded, so only its Score workload counts. */
static void add_doc(struct loader *l, const struct wsl_node *root, const char *path,
                    bool score_only)
{
    const struct wsl_node *av = wsl_node_get(root, "apiVersion");
    const struct wsl_node *kind = wsl_node_get(root, "kind");
    const char *v = av && av->kind == WSL_NODE_SCALAR ? av->str : NULL;
    static const char *const versions[] = {"score.dev/v1b1", WSL_API_VERSION};
    const char *near_version;
    if (v && strncmp(v, "score.dev/", 10) == 0) {
        add_workload(l, root, path);
    } else if (score_only) {
        l->r->ignored++;
    } else if (v && strncmp(v, "wissel.dev/", 11) == 0) {
        if (!kind || kind->kind != WSL_NODE_SCALAR)
            wsl_diag_add(&l->r->diags, WSL_SEV_ERROR, path, root->line, root->col,
                         "add kind: Target, Application or Policy",
                         "a wissel.dev document needs \"kind\"");
        else
            add_wissel_doc(l, root, kind->str, path);
    } else if (!av && root->kind == WSL_NODE_MAP && (wsl_node_get(root, "containers") ||
               (kind && kind->kind == WSL_NODE_SCALAR &&
                (!strcmp(kind->str, "Target") || !strcmp(kind->str, "Application") ||
                 !strcmp(kind->str, "Policy"))))) {
        wsl_diag_add(&l->r->diags, WSL_SEV_ERROR, path, root->line, root->col,
                     "add apiVersion: wissel.dev/v1 (or score.dev/v1b1 for a workload)",
                     "this looks like a manifest but has no \"apiVersion\"");
    } else if (v && (near_version = wsl_nearest(v, versions, 2))) {
        wsl_diag_add(&l->r->diags, WSL_SEV_ERROR, path, av->line, av->col, NULL,
                     "unknown apiVersion \"%.60s\"; did you mean %s?", v, near_version);
    } else {
        l->r->ignored++;
    }
}

/* The YAML errors of the file being read, for echo_of_yaml_error(). */
struct yaml_errors {
    const struct wsl_diags *d;
    size_t from, to;
};

/* keep() for wsl_diags_filter: false for a decoding error at the very place of a YAML error
 * of the same file; it is a consequence (an alias to no anchor reads as an empty value, so
 * its field would also be reported as having the wrong type). */
static bool not_an_echo(const struct wsl_diag *g, const void *ctx)
{
    const struct yaml_errors *y = ctx;
    for (size_t j = y->from; j < y->to; j++) {
        const struct wsl_diag *e = &y->d->v[j];
        if (e->sev == WSL_SEV_ERROR && g->line && e->line == g->line && e->col == g->col &&
            g->file && e->file && !strcmp(g->file, e->file))
            return false;
    }
    return true;
}

/* The record of the file at path, made when absent (*fresh then true); NULL when it cannot
 * be read, with errno set. */
static struct file_rec *file_record(struct loader *l, const char *path, bool *fresh)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return NULL;
    char id[64];
    snprintf(id, sizeof id, "%llx:%llx", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    size_t i;
    *fresh = !wsl_strmap_get(&l->ids, id, &i);
    if (*fresh) {
        i = l->recs.n;
        PUSH(l->recs, ((struct file_rec){0, false}));
        wsl_strmap_put(&l->ids, wsl_arena_strdup(l->r->a, id), i);
    }
    return &l->recs.v[i];
}

/* Read a file unless it was read before; returns its record, or NULL (with an error
 * reported when report_missing) when it cannot be read. */
static struct file_rec *load_file(struct loader *l, const char *path, bool score_only)
{
    bool fresh;
    struct file_rec *rec = file_record(l, path, &fresh);
    if (!rec || !fresh)
        return rec;
    struct wsl_yaml_file f;
    const char *p = wsl_arena_strdup(l->r->a, path);
    struct wsl_diags *d = &l->r->diags;
    size_t errors = d->errors, first = d->n, workloads = l->r->workloads.n;
    l->r->files++;
    wsl_yaml_load_file(l->r->a, p, &f, d);
    struct yaml_errors y = {d, first, d->n};
    for (size_t i = 0; i < f.ndocs; i++)
        add_doc(l, f.docs[i], f.path, score_only);
    if (y.to > first)
        wsl_diags_filter(d, y.to, not_an_echo, &y);
    rec = &l->recs.v[rec - l->recs.v]; /* add_doc does not read files, but stay safe */
    rec->errors = d->errors > errors;
    rec->workload = l->r->workloads.n > workloads ? workloads + 1 : 0;
    return rec;
}

static bool is_yaml_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml"));
}

static size_t documents(const struct wsl_repo *r)
{
    return r->targets.n + r->apps.n + r->policies.n + r->workloads.n + r->broken.n;
}

/* A file named on the command line: saying nothing about it would suggest it was checked. */
static void load_named_file(struct loader *l, const char *path)
{
    size_t before = documents(l->r), errors = l->r->diags.errors;
    load_file(l, path, false);
    if (documents(l->r) == before && l->r->diags.errors == errors)
        wsl_diag_add(&l->r->diags, WSL_SEV_WARNING, path, 0, 0,
                     "manifests start with apiVersion: wissel.dev/v1 or score.dev/v1b1",
                     "holds no wissel or Score manifest, so nothing in it was checked");
}

static void walk(struct loader *l, const char *path, int depth, bool explicit)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        wsl_diag_add(&l->r->diags, WSL_SEV_ERROR, path, 0, 0, NULL, "cannot read: %s",
                     strerror(errno));
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (explicit)
            load_named_file(l, path);
        else if (is_yaml_name(path))
            load_file(l, path, false);
        return;
    }
    if (depth > MAX_WALK_DEPTH) {
        wsl_diag_add(&l->r->diags, WSL_SEV_ERROR, path, 0, 0, NULL,
                     "folders nested deeper than %d levels (a symlink loop?)", MAX_WALK_DEPTH);
        return;
    }
    struct dirent **names;
    int n = scandir(path, &names, NULL, alphasort);
    if (n < 0) {
        wsl_diag_add(&l->r->diags, WSL_SEV_ERROR, path, 0, 0, NULL, "cannot list: %s",
                     strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            struct wsl_buf child = WSL_BUF_INIT;
            size_t len = strlen(path);
            if (strcmp(path, ".") == 0) /* name files as the user would: apps/x.yaml */
                wsl_buf_puts(&child, names[i]->d_name);
            else
                wsl_buf_printf(&child, "%s%s%s", path, len && path[len - 1] == '/' ? "" : "/",
                               names[i]->d_name);
            walk(l, wsl_buf_str(&child), depth + 1, false);
            wsl_buf_free(&child);
        }
        free(names[i]);
    }
    free(names);
}

/* --- the workloads an Application names ---------------------------------------------- */

static struct wsl_workload *find_or_load_workload(struct loader *l, const char *path,
                                                  const struct wsl_node *at)
{
    const struct file_rec *rec = load_file(l, path, true);
    if (!rec) {
        wsl_diag_add(&l->r->diags, WSL_SEV_ERROR, at->file, at->line, at->col,
                     "paths are relative to the Application's file",
                     "workload file \"%s\" cannot be read: %s", at->str, strerror(errno));
        return NULL;
    }
    if (rec->workload)
        return l->r->workloads.v[rec->workload - 1];
    if (!rec->errors) /* read now or before (then as another kind of document, or none) */
        wsl_diag_add(&l->r->diags, WSL_SEV_ERROR, at->file, at->line, at->col,
                     "a workload file holds one Score document (apiVersion: score.dev/v1b1)",
                     "\"%s\" holds no Score workload", at->str);
    return NULL;
}

static void resolve_workloads(struct loader *l, struct wsl_app *a)
{
    const struct wsl_node *list = wsl_field_node(&a->spec.hdr, "workloads");
    a->workloads = wsl_arena_alloc(l->r->a, (a->spec.workloads.n + 1) * sizeof *a->workloads);
    const char *slash = strrchr(a->path, '/');
    for (size_t i = 0; i < a->spec.workloads.n; i++) {
        const char *rel = a->spec.workloads.v[i];
        const struct wsl_node *at = list->kind == WSL_NODE_SEQ ? list->vals[i] : list;
        char *path = rel[0] == '/' || !slash
                         ? wsl_arena_strdup(l->r->a, rel)
                         : wsl_arena_printf(l->r->a, "%.*s/%s", (int)(slash - a->path), a->path, rel);
        a->workloads[i] = find_or_load_workload(l, path, at);
    }
}

struct wsl_repo *wsl_repo_load(const char *const *paths, size_t npaths,
                               const struct wsl_provider_list *providers)
{
    struct wsl_repo *r = wsl_xcalloc(1, sizeof *r);
    r->a = wsl_arena_new();
    struct loader l = {r, providers, WSL_STRMAP_INIT, {NULL, 0}};
    for (size_t i = 0; i < npaths; i++)
        walk(&l, paths[i], 0, true);
    for (size_t i = 0; i < r->apps.n; i++)
        resolve_workloads(&l, r->apps.v[i]);
    wsl_strmap_free(&l.ids);
    free(l.recs.v);
    wsl_repo_crosscheck(r);
    wsl_diags_sort(&r->diags);
    return r;
}

const struct wsl_target *wsl_repo_target(const struct wsl_repo *r, const char *name)
{
    size_t i;
    return wsl_strmap_get(&r->target_names, name, &i) ? r->targets.v[i] : NULL;
}

const struct wsl_app *wsl_repo_app(const struct wsl_repo *r, const char *name)
{
    size_t i;
    return wsl_strmap_get(&r->app_names, name, &i) ? r->apps.v[i] : NULL;
}

bool wsl_repo_broken(const struct wsl_repo *r, const char *kind, const char *name)
{
    size_t k = strlen(kind);
    for (size_t i = 0; i < r->broken.n; i++) {
        const char *b = r->broken.v[i];
        if (!strncmp(b, kind, k) && b[k] == '/' && !strcmp(b + k + 1, name))
            return true;
    }
    return false;
}

void wsl_repo_free(struct wsl_repo *r)
{
    if (!r)
        return;
    free(r->broken.v);
    wsl_strmap_free(&r->target_names);
    wsl_strmap_free(&r->app_names);
    wsl_strmap_free(&r->policy_names);
    free(r->targets.v);
    free(r->apps.v);
    free(r->policies.v);
    free(r->workloads.v);
    wsl_diags_free(&r->diags);
    wsl_arena_free(r->a);
    free(r);
}
