/*
 * diag.h — diagnostics: many positioned errors and warnings collected at once.
 *
 * A validator reports every mistake in one run, each as file:line:col with a message and,
 * where we can say what to do, a hint. struct wsl_err is for the single failure that stops
 * an operation; struct wsl_diags is for the list a user fixes in one go.
 */
#ifndef WSL_DIAG_H
#define WSL_DIAG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

enum wsl_sev { WSL_SEV_ERROR, WSL_SEV_WARNING };

struct wsl_diag {
    enum wsl_sev sev;
    char *file; /* may be NULL when the problem has no file */
    int line, col; /* 1-based; 0 when unknown */
    char *msg;
    char *hint; /* may be NULL */
};

struct wsl_diags {
    struct wsl_diag *v;
    size_t n, cap;
    size_t errors, warnings;
    size_t dropped; /* beyond WSL_DIAG_MAX: counted, not stored */
};

#define WSL_DIAG_MAX 1000

void wsl_diag_add(struct wsl_diags *d, enum wsl_sev sev, const char *file, int line, int col,
                  const char *hint, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Order by file, line, column (stable for equal positions), and drop exact repeats (the
 * same message at the same place: a YAML node shared through an alias is checked once per
 * use, but its mistake is one mistake). */
void wsl_diags_sort(struct wsl_diags *d);
/* Keep the entries from index `from` on for which keep() is true; drop the others. */
void wsl_diags_filter(struct wsl_diags *d, size_t from,
                      bool (*keep)(const struct wsl_diag *g, const void *ctx), const void *ctx);
/* "file:line:col: error: msg" and an indented "hint: ..." line for each. */
void wsl_diags_print(const struct wsl_diags *d, FILE *out);
/* [{"severity","file","line","column","message","hint"}...]; new reference. */
json_t *wsl_diags_json(const struct wsl_diags *d);
void wsl_diags_free(struct wsl_diags *d);

#endif
