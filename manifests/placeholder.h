/*
 * placeholder.h — Score placeholders: "${metadata.name}", "${resources.db.host}".
 *
 * A reference is split at dots into parts ("\." is a literal dot inside a part, for keys
 * such as annotation names); "$$" is a literal "$"; a "$" not followed by "{" stays as it
 * is. Drivers expand with wsl_score_expand() and the outputs of the provisioned resources;
 * the validator calls the same code without outputs to find unknown references early.
 */
#ifndef WSL_PLACEHOLDER_H
#define WSL_PLACEHOLDER_H

#include "lib/buf.h"
#include "lib/err.h"
#include "manifests/score.h"

#include <jansson.h>

#define WSL_REF_MAX_PARTS 16

/* Resolve one reference into out; return 0 or a wsl_code with err set. */
typedef int (*wsl_ref_fn)(void *ctx, const char *const *parts, size_t n, struct wsl_buf *out,
                          struct wsl_err *err);

/* Expand every placeholder of s into out. Errors: an unterminated "${", an empty or
 * over-long reference, or whatever fn reports. */
int wsl_placeholder_expand(const char *s, wsl_ref_fn fn, void *ctx, struct wsl_buf *out,
                           struct wsl_err *err);

/* Expand against a workload: metadata keys from the workload, resource outputs from
 * `outputs` ({"db": {"host": "...", "port": 5432}, ...}). With outputs NULL, any output of
 * a declared resource is accepted and expands to "" (validation mode). */
int wsl_score_expand(const struct wsl_workload *w, const json_t *outputs, const char *s,
                     struct wsl_buf *out, struct wsl_err *err);

/* Secret outputs. A driver that must not write a secret into a body (a password that the
 * provider generates and keeps) gives its output as an object {"$secret": REF}; when a
 * placeholder reaches one, fn(ctx, REF, out, err) writes what stands for it (a reference
 * the runtime resolves) or refuses with an error. Without a hook, a secret output is an
 * error. */
struct wsl_secret_hook {
    int (*fn)(void *ctx, const json_t *ref, struct wsl_buf *out, struct wsl_err *err);
    void *ctx;
};

/* wsl_score_expand() with secret outputs passed to hook (may be NULL). */
int wsl_score_expand_hooked(const struct wsl_workload *w, const json_t *outputs,
                            const struct wsl_secret_hook *hook, const char *s,
                            struct wsl_buf *out, struct wsl_err *err);

/* wsl_score_expand_hooked() for a value that its runtime expands once more (the kubelet's
 * $(VAR), a driver's own template): every "$" the expansion writes is doubled, what hook
 * writes is kept as it is. */
int wsl_score_expand_escaped(const struct wsl_workload *w, const json_t *outputs,
                             const struct wsl_secret_hook *hook, const char *s,
                             struct wsl_buf *out, struct wsl_err *err);

#endif
