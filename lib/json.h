/*
 * json.h — JSON helpers over jansson, and canonical JSON.
 *
 * Canonical JSON is the compact encoding with object keys sorted bytewise and no
 * whitespace; two bodies that mean the same thing encode to the same bytes, so its SHA-256
 * (the fingerprint) tells whether a desired object changed.
 */
#ifndef WSL_JSON_H
#define WSL_JSON_H

#include "lib/err.h"

#include <jansson.h>

/* Canonical encoding of v; the caller frees the result. */
char *wsl_json_canonical(const json_t *v);
/* Lower-case hex SHA-256 of the canonical encoding (64 characters and a NUL). */
void wsl_json_fingerprint(const json_t *v, char out[65]);
/* Parse text; on failure the error names `what` (a file or "response of GET /x"), the line
 * and column, and jansson's reason. Returns 0 and a new reference in *out. */
int wsl_json_parse(const char *text, size_t len, const char *what, json_t **out,
                   struct wsl_err *err);
/* Dotted-path lookup ("metadata.labels"); NULL when any step is missing or not an object. */
json_t *wsl_json_path(const json_t *root, const char *path);
/* The string at a dotted path, or `def` when absent or not a string. */
const char *wsl_json_path_str(const json_t *root, const char *path, const char *def);

#endif
