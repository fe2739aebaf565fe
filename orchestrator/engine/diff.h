/*
 * diff.h — the drift rule: does an observed body still hold every value wissel set?
 *
 * Providers add fields of their own (status, uids, defaults, timestamps), so an observed
 * body is never equal to the desired one. What matters is whether each value wissel wrote
 * is still there: a subset comparison that walks the desired body and looks each value up
 * in the observed one. Objects are compared key by key (keys only the observed body has
 * are ignored), arrays element by element with the same rule and must have equal length,
 * numbers compare as numbers (1 == 1.0), other scalars by type and value; a desired null
 * is satisfied by an absent key (writing null is how one removes a field).
 */
#ifndef WSL_ENGINE_DIFF_H
#define WSL_ENGINE_DIFF_H

#include <jansson.h>
#include <stddef.h>

/* A list of paths in a body, "spec.template.spec.containers[0].image"; keys that are not
 * plain words are written as ["wissel.dev/app"]. The whole body is "(body)". */
struct wsl_paths {
    char **v;
    size_t n, cap;
};

/* Append to *out the path of every value of `desired` that `observed` does not hold, by
 * the rule above; an array of another length or a value of another type is one path. The
 * paths are the caller's (wsl_paths_free). Returns the number of paths appended. */
size_t wsl_diff_drift(const json_t *desired, const json_t *observed, struct wsl_paths *out);

/* Free the paths and reset the list. */
void wsl_paths_free(struct wsl_paths *p);

#endif
