/*
 * repo.h — a repository of manifests: files walked, documents decoded, cross-checked.
 *
 * wsl_repo_load() reads every .yaml/.yml file under the given paths (hidden files and
 * folders skipped, in sorted order), decodes the wissel.dev and score.dev documents, loads
 * the Score files that Applications name, and checks the references between them. Every
 * problem lands in repo->diags; the model is usable where no error was reported.
 */
#ifndef WSL_REPO_H
#define WSL_REPO_H

#include "lib/strmap.h"
#include "manifests/wissel.h"

struct wsl_repo {
    struct wsl_arena *a;
    struct wsl_diags diags;
    struct {
        struct wsl_target **v;
        size_t n;
    } targets;
    struct {
        struct wsl_app **v;
        size_t n;
    } apps;
    struct {
        struct wsl_policy **v;
        size_t n;
    } policies;
    struct {
        struct wsl_workload **v;
        size_t n;
    } workloads;
    struct {
        const char **v; /* "Kind/name" of documents that failed to decode: references to
                           them are not reported again as missing */
        size_t n;
    } broken;
    struct wsl_strmap target_names, app_names, policy_names; /* name -> index; the first
                                                               wins when names repeat */
    size_t files;   /* YAML files read */
    size_t ignored; /* documents that are not wissel or Score manifests */
};

/* Load and check. Never NULL; free with wsl_repo_free. */
struct wsl_repo *wsl_repo_load(const char *const *paths, size_t npaths,
                               const struct wsl_provider_list *providers);
const struct wsl_target *wsl_repo_target(const struct wsl_repo *r, const char *name);
const struct wsl_app *wsl_repo_app(const struct wsl_repo *r, const char *name);
void wsl_repo_free(struct wsl_repo *r);
/* Whether a document of this kind and name exists but failed to decode. */
bool wsl_repo_broken(const struct wsl_repo *r, const char *kind, const char *name);

/* The cross-checks between documents (names unique, references resolve, no dependency
 * cycles); part of wsl_repo_load, in its own file. */
void wsl_repo_crosscheck(struct wsl_repo *r);

#endif
