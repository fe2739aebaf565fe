/*
 * semver.h — semantic versions (semver.org 2.0.0) and version ranges, for the git source's
 * "semver:RANGE" refs (orchestrator/git/source.h): the highest tag that satisfies a range.
 *
 * Versions: MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], optionally with a leading "v"
 * ("v1.4.0" and "1.4.0" are the same version). Strict: all three numbers, no leading
 * zeros, identifiers of [0-9A-Za-z-]. Build metadata is accepted and ignored in
 * comparisons. Precedence is semver.org's (§11): 1.0.0-alpha < 1.0.0-alpha.1 <
 * 1.0.0-beta < 1.0.0-rc.1 < 1.0.0.
 *
 * Ranges (a subset of npm's, the same meaning):
 *
 *   range      := set ("||" set)*           either set
 *   set        := comparator (" " comparator)*   all of them
 *   comparator := [op] partial | "^" partial | "~" partial
 *   op         := ">=" | "<=" | ">" | "<" | "="
 *   partial    := ["v"] N ["." N ["." N ["-" PRERELEASE]]]   where N may be x, X or *
 *
 *   1.2.3   =1.2.3          exactly that version
 *   1.2 / 1.2.x             >=1.2.0 <1.3.0
 *   1 / 1.x                 >=1.0.0 <2.0.0
 *   * / x                   any version
 *   ^1.4 / ^1.4.2           >=1.4.0 (>=1.4.2) <2.0.0: no new major
 *   ^0.4.2                  >=0.4.2 <0.5.0 (below 1.0.0 the minor is the major)
 *   ^0.0.3                  >=0.0.3 <0.0.4
 *   ~1.4.2 / ~1.4           >=1.4.2 (>=1.4.0) <1.5.0: patches only
 *   ~1                      >=1.0.0 <2.0.0
 *   >1.2                    >=1.3.0 (a partial is completed as npm does: <=1.2 is <1.3.0)
 *   >=1.2.0 <2.0.0          both
 *   ^1.0 || ^2.0            either
 *
 * Pre-releases: a version with a pre-release ("1.3.0-rc.1") satisfies a set only when a
 * comparator of that set itself names a pre-release of the same MAJOR.MINOR.PATCH
 * (">=1.3.0-rc.0" admits 1.3.0-rc.1 but not 1.4.0-rc.1), as in npm; otherwise
 * pre-releases are never chosen. Not supported: hyphen ranges ("1.2 - 1.4"), npm's
 * "includePrerelease" and loose parsing.
 */
#ifndef WSL_GIT_SEMVER_H
#define WSL_GIT_SEMVER_H

#include "lib/err.h"

#include <stdbool.h>
#include <stddef.h>

#define WSL_SEMVER_PRE_MAX 64 /* longest pre-release accepted (bytes, with the NUL) */
#define WSL_SEMVER_SET_MAX 16 /* comparators per set, after ^ and ~ are expanded */
#define WSL_SEMVER_SETS_MAX 8 /* sets joined with || */

struct wsl_semver {
    unsigned long major, minor, patch;
    char pre[WSL_SEMVER_PRE_MAX]; /* "rc.1"; "" for a release */
};

enum wsl_semver_op { WSL_SEMVER_EQ, WSL_SEMVER_LT, WSL_SEMVER_LE, WSL_SEMVER_GT, WSL_SEMVER_GE };

struct wsl_semver_comparator {
    enum wsl_semver_op op;
    struct wsl_semver v;
    bool implicit; /* an upper bound made by ^, ~, x: never admits a pre-release */
};

struct wsl_semver_range {
    struct wsl_semver_set {
        struct wsl_semver_comparator c[WSL_SEMVER_SET_MAX];
        int n; /* 0: any version */
    } set[WSL_SEMVER_SETS_MAX];
    int nsets;
};

/* Parse a version ("v1.2.3", "1.2.3-rc.1+build.5"). Returns 0, or WSL_E_INVALID when s
 * is not one (no error text: tags that are not versions are skipped silently). */
int wsl_semver_parse(const char *s, struct wsl_semver *out);

/* <0, 0, >0 as a has lower, equal or higher precedence than b. */
int wsl_semver_cmp(const struct wsl_semver *a, const struct wsl_semver *b);

/* Parse a range (the syntax above). WSL_E_INVALID names the part that is wrong. */
int wsl_semver_range_parse(const char *s, struct wsl_semver_range *out, struct wsl_err *err);

/* Whether v satisfies r (pre-releases as described above). */
bool wsl_semver_satisfies(const struct wsl_semver_range *r, const struct wsl_semver *v);

/* Of names (tag names such as "v1.4.0"), the index of the highest version that satisfies
 * r, or -1 when none does. Names that are not versions are skipped. Of equal versions
 * ("v1.4.0" and "1.4.0", or builds "+a" and "+b") the first in strcmp() order wins, so
 * the choice does not depend on the order the server lists them in. */
long wsl_semver_highest(const struct wsl_semver_range *r, const char *const *names, size_t n);

#endif
