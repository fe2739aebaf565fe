/* The checks between documents of a repository: names, references and cycles. */
#include "manifests/repo.h"

#include "lib/buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 4, 5))) static void
err_at(struct wsl_repo *r, const struct wsl_node *at, const char *hint, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wsl_diag_add(&r->diags, WSL_SEV_ERROR, at ? at->file : NULL, at ? at->line : 0,
                 at ? at->col : 0, hint, "%s", msg);
}

static const struct wsl_node *name_node(const struct wsl_meta *m)
{
    return wsl_field_node(&m->hdr, "name");
}

/* Index the names of one kind, reporting each name defined twice. */
static void index_names(struct wsl_repo *r, const char *kind, struct wsl_strmap *index,
                        const struct wsl_meta *(*meta)(const struct wsl_repo *, size_t), size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const struct wsl_meta *m = meta(r, i);
        size_t first;
        if (!wsl_strmap_get(index, m->name, &first)) {
            wsl_strmap_put(index, m->name, i);
            continue;
        }
        const struct wsl_node *at = name_node(meta(r, first));
        char hint[300];
        snprintf(hint, sizeof hint, "it is first defined at %s:%d; rename one of them",
                 at->file, at->line);
        err_at(r, name_node(m), hint, "%s \"%s\" is defined twice", kind, m->name);
    }
}

static const struct wsl_meta *target_meta(const struct wsl_repo *r, size_t i)
{
    return &r->targets.v[i]->metadata;
}

static const struct wsl_meta *app_meta(const struct wsl_repo *r, size_t i)
{
    return &r->apps.v[i]->metadata;
}

static const struct wsl_meta *policy_meta(const struct wsl_repo *r, size_t i)
{
    return &r->policies.v[i]->metadata;
}

static void unique_names(struct wsl_repo *r)
{
    index_names(r, "target", &r->target_names, target_meta, r->targets.n);
    index_names(r, "application", &r->app_names, app_meta, r->apps.n);
    index_names(r, "policy", &r->policy_names, policy_meta, r->policies.n);
}

/* The node of item i of a list field (or the field itself when written as one string). */
static const struct wsl_node *item_node(const struct wsl_hdr *h, const char *field, size_t i)
{
    const struct wsl_node *n = wsl_field_node(h, field);
    return n && n->kind == WSL_NODE_SEQ && i < n->n ? n->vals[i] : n;
}

/* "did you mean" an application of this repository, or the generic advice. */
static void app_hint(const struct wsl_repo *r, const char *name, char *hint, size_t size)
{
    const char *names[256];
    size_t n = 0;
    for (size_t i = 0; i < r->apps.n && n < 256; i++)
        names[n++] = r->apps.v[i]->metadata.name;
    const char *near = wsl_nearest(name, names, n);
    if (near)
        snprintf(hint, size, "did you mean \"%s\"?", near);
    else
        snprintf(hint, size, "name an Application defined in this repository");
}

static const struct wsl_target *target_ref(struct wsl_repo *r, const struct wsl_node *at,
                                           const char *name, unsigned role)
{
    const struct wsl_target *t = wsl_repo_target(r, name);
    if (!t && wsl_repo_broken(r, "Target", name))
        return NULL; /* its own errors are reported where it is defined */
    if (!t) {
        const char *names[256];
        size_t n = 0;
        for (size_t i = 0; i < r->targets.n && n < 256; i++)
            names[n++] = r->targets.v[i]->metadata.name;
        const char *near = wsl_nearest(name, names, n);
        char hint[200];
        snprintf(hint, sizeof hint, near ? "did you mean \"%s\"?" : "%s",
                 near ? near : "define it as a Target, or correct the name");
        err_at(r, at, hint, "no target is named \"%s\"", name);
        return NULL;
    }
    if (t->spec.provider && !(t->spec.provider->roles & role)) {
        err_at(r, at,
               role == WSL_ROLE_DNS ? "name a target whose provider manages DNS, such as rfc2136"
                                    : "name a target that hosts applications",
               "target \"%s\" (provider %s) %s", name, t->spec.provider->name,
               role == WSL_ROLE_DNS ? "is not a DNS provider" : "cannot run applications");
        return NULL;
    }
    return t;
}

static void check_placement(struct wsl_repo *r, struct wsl_app *a)
{
    const struct wsl_placement *p = &a->spec.placement;
    a->primary = target_ref(r, wsl_field_node(&p->hdr, "primary"), p->primary, WSL_ROLE_HOSTING);
    a->standby = wsl_arena_alloc(r->a, (p->standby.n + 1) * sizeof *a->standby);
    for (size_t i = 0; i < p->standby.n; i++)
        a->standby[i] = target_ref(r, item_node(&p->hdr, "standby", i), p->standby.v[i],
                                   WSL_ROLE_HOSTING);
    if (a->spec.dns.hdr.node)
        a->dns_target = target_ref(r, wsl_field_node(&a->spec.dns.hdr, "target"),
                                   a->spec.dns.target, WSL_ROLE_DNS);
}

static const struct wsl_workload *app_workload(const struct wsl_app *a, const char *name)
{
    for (size_t i = 0; i < a->spec.workloads.n; i++) {
        if (a->workloads[i] && !strcmp(a->workloads[i]->metadata.name, name))
            return a->workloads[i];
    }
    return NULL;
}

static bool all_workloads_loaded(const struct wsl_app *a)
{
    for (size_t i = 0; i < a->spec.workloads.n; i++) {
        if (!a->workloads[i])
            return false;
    }
    return true;
}

static void check_workloads(struct wsl_repo *r, const struct wsl_app *a)
{
    for (size_t i = 0; i < a->spec.workloads.n; i++) {
        for (size_t j = 0; j < i && a->workloads[i]; j++) {
            if (a->workloads[j] == a->workloads[i]) {
                err_at(r, item_node(&a->spec.hdr, "workloads", i), "list each file once",
                       "workload file \"%s\" is listed twice", a->spec.workloads.v[i]);
                break;
            }
            if (a->workloads[j] &&
                !strcmp(a->workloads[i]->metadata.name, a->workloads[j]->metadata.name)) {
                err_at(r, item_node(&a->spec.hdr, "workloads", i),
                       "give each workload of an application its own metadata.name",
                       "two workloads of this application are named \"%s\"",
                       a->workloads[i]->metadata.name);
                break;
            }
        }
    }
    if (!all_workloads_loaded(a))
        return; /* the names below cannot be judged */
    const struct wsl_node *replicas = wsl_field_node(&a->spec.hdr, "replicas");
    for (size_t i = 0; i < a->spec.replicas.n; i++) {
        const struct wsl_node *at = a->spec.replicas.v[i].node;
        if (replicas && replicas->kind == WSL_NODE_MAP && i < replicas->n)
            at = replicas->keys[i]; /* the key; every entry decoded, so the indexes agree */
        if (!app_workload(a, a->spec.replicas.v[i].key))
            err_at(r, at, "use the metadata.name of one of its workloads",
                   "replicas names workload \"%s\", which this application does not have",
                   a->spec.replicas.v[i].key);
    }
    const struct wsl_route *rt = &a->spec.route;
    if (!rt->hdr.node)
        return;
    const struct wsl_workload *w = app_workload(a, rt->workload);
    if (!w)
        err_at(r, wsl_field_node(&rt->hdr, "workload"),
               "use the metadata.name of one of its workloads",
               "the route names workload \"%s\", which this application does not have",
               rt->workload);
    else if (!wsl_score_port_find(w, rt->port))
        err_at(r, wsl_field_node(&rt->hdr, "port"),
               "name one of the workload's service.ports",
               "the route names port \"%s\", which the workload has not declared", rt->port);
}

static void check_depends(struct wsl_repo *r, const struct wsl_app *a)
{
    for (size_t i = 0; i < a->spec.depends_on.n; i++) {
        const char *d = a->spec.depends_on.v[i];
        const struct wsl_node *at = item_node(&a->spec.hdr, "dependsOn", i);
        if (!strcmp(d, a->metadata.name))
            err_at(r, at, NULL, "application \"%s\" depends on itself", d);
        else if (!wsl_repo_app(r, d) && !wsl_repo_broken(r, "Application", d)) {
            char hint[200];
            app_hint(r, d, hint, sizeof hint);
            err_at(r, at, hint, "no application is named \"%s\"", d);
        }
    }
}

/* Depth-first search for dependency cycles; each cycle is reported once. */
enum { WHITE, GREY, BLACK };

static size_t app_index(const struct wsl_repo *r, const char *name)
{
    size_t i;
    return wsl_strmap_get(&r->app_names, name, &i) ? i : SIZE_MAX;
}

static void visit(struct wsl_repo *r, size_t i, unsigned char *color, size_t *path, size_t depth)
{
    color[i] = GREY;
    path[depth] = i;
    const struct wsl_app *a = r->apps.v[i];
    for (size_t k = 0; k < a->spec.depends_on.n; k++) {
        size_t j = app_index(r, a->spec.depends_on.v[k]);
        if (j == SIZE_MAX || j == i)
            continue;
        if (color[j] == WHITE) {
            visit(r, j, color, path, depth + 1);
        } else if (color[j] == GREY) {
            struct wsl_buf b = WSL_BUF_INIT;
            size_t start = depth;
            while (path[start] != j)
                start--;
            for (size_t s = start; s <= depth; s++)
                wsl_buf_printf(&b, "%s → ", r->apps.v[path[s]]->metadata.name);
            wsl_buf_puts(&b, r->apps.v[j]->metadata.name);
            err_at(r, item_node(&a->spec.hdr, "dependsOn", k), "remove one of these dependencies",
                   "dependency cycle: %s", wsl_buf_str(&b));
            wsl_buf_free(&b);
        }
    }
    color[i] = BLACK;
}

static void check_cycles(struct wsl_repo *r)
{
    unsigned char *color = wsl_xcalloc(r->apps.n + 1, 1);
    size_t *path = wsl_xcalloc(r->apps.n + 1, sizeof *path);
    for (size_t i = 0; i < r->apps.n; i++) {
        if (color[i] == WHITE)
            visit(r, i, color, path, 0);
    }
    free(color);
    free(path);
}

static void check_policies(struct wsl_repo *r)
{
    for (size_t i = 0; i < r->policies.n; i++) {
        const struct wsl_policy *p = r->policies.v[i];
        for (size_t k = 0; k < p->spec.rules.n; k++) {
            const struct wsl_rule_match *m = &p->spec.rules.v[k].match;
            for (size_t j = 0; j < m->applications.n; j++) {
                const char *name = m->applications.v[j];
                if (wsl_repo_app(r, name) || wsl_repo_broken(r, "Application", name))
                    continue;
                char hint[200];
                app_hint(r, name, hint, sizeof hint);
                err_at(r, item_node(&m->hdr, "applications", j), hint,
                       "no application is named \"%s\"", name);
            }
        }
    }
}

void wsl_repo_crosscheck(struct wsl_repo *r)
{
    unique_names(r);
    for (size_t i = 0; i < r->apps.n; i++) {
        check_placement(r, r->apps.v[i]);
        check_workloads(r, r->apps.v[i]);
        check_depends(r, r->apps.v[i]);
    }
    check_cycles(r);
    check_policies(r);
}
