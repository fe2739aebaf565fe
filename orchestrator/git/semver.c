/*
 * semver.c — semantic versions and npm-style ranges (see semver.h).
 *
 * A range is parsed into sets of primitive comparators (=, <, <=, >, >=): ^, ~, x and
 * partial versions are expanded on the way in, so that matching is only comparisons.
 */
#include "orchestrator/git/semver.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NUM_DIGITS_MAX 15 /* 10^15 fits in unsigned long (64-bit) with room for +1 */

/* --- versions -------------------------------------------------------------------------- */

/* A number without leading zeros at *p; advances *p. */
static bool parse_num(const char **p, unsigned long *out)
{
    const char *s = *p;
    size_t n = 0;
    while (isdigit((unsigned char)s[n]))
        n++;
    if (n == 0 || n > NUM_DIGITS_MAX || (n > 1 && s[0] == '0'))
        return false;
    unsigned long v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (unsigned long)(s[i] - '0');
    *out = v;
    *p = s + n;
    return true;
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '-';
}

/* Dot-separated identifiers at *p (pre-release when pre, else build metadata) up to the
 * first character that cannot be in one; copied to out (n bytes) when out is given. */
static bool parse_idents(const char **p, bool pre, char *out, size_t n)
{
    const char *s = *p, *start = s;
    for (;;) {
        const char *id = s;
        bool numeric = true;
        while (ident_char(*s)) {
            numeric = numeric && isdigit((unsigned char)*s);
            s++;
        }
        if (s == id || (pre && numeric && s - id > 1 && id[0] == '0'))
            return false; /* empty, or a number with a leading zero */
        if (*s != '.')
            break;
        s++;
    }
    if (out) {
        size_t len = (size_t)(s - start);
        if (len >= n)
            return false;
        memcpy(out, start, len);
        out[len] = '\0';
    }
    *p = s;
    return true;
}

int wsl_semver_parse(const char *s, struct wsl_semver *out)
{
    struct wsl_semver v = {0};
    if (*s == 'v')
        s++;
    if (!parse_num(&s, &v.major) || *s++ != '.' || !parse_num(&s, &v.minor) ||
        *s++ != '.' || !parse_num(&s, &v.patch))
        return WSL_E_INVALID;
    if (*s == '-' && (s++, !parse_idents(&s, true, v.pre, sizeof v.pre)))
        return WSL_E_INVALID;
    if (*s == '+' && (s++, !parse_idents(&s, false, NULL, 0)))
        return WSL_E_INVALID;
    if (*s)
        return WSL_E_INVALID;
    *out = v;
    return 0;
}

static int cmp_ul(unsigned long a, unsigned long b)
{
    return (a > b) - (a < b);
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
    }
    return true;
}

/* semver.org §11.4: identifier by identifier; numbers numerically and below words; words
 * in ASCII order; a longer list wins when all before are equal. */
static int cmp_pre(const char *a, const char *b)
{
    if (!*a || !*b)
        return (!*a) - (!*b); /* a release is above its pre-releases */
    for (;;) {
        size_t la = strcspn(a, "."), lb = strcspn(b, ".");
        bool na = all_digits(a, la), nb = all_digits(b, lb);
        int c;
        if (na && nb)
            c = la != lb ? cmp_ul(la, lb) : memcmp(a, b, la); /* no leading zeros */
        else if (na != nb)
            c = na ? -1 : 1;
        else {
            c = memcmp(a, b, la < lb ? la : lb);
            if (c == 0)
                c = cmp_ul(la, lb);
        }
        if (c)
            return c < 0 ? -1 : 1;
        a += la;
        b += lb;
        if (!*a || !*b)
            return (*a != '\0') - (*b != '\0');
        a++;
        b++;
    }
}

int wsl_semver_cmp(const struct wsl_semver *a, const struct wsl_semver *b)
{
    int c = cmp_ul(a->major, b->major);
    if (!c)
        c = cmp_ul(a->minor, b->minor);
    if (!c)
        c = cmp_ul(a->patch, b->patch);
    return c ? c : cmp_pre(a->pre, b->pre);
}

/* --- ranges ---------------------------------------------------------------------------- */

/* A version as written in a range: up to three numbers, the first x, X or * and whatever
 * follows it a wildcard. */
struct partial {
    unsigned long n[3];
    int given; /* how many numbers before the first wildcard or the end: 0..3 */
    char pre[WSL_SEMVER_PRE_MAX];
};

static bool is_wild(char c)
{
    return c == 'x' || c == 'X' || c == '*';
}

static bool parse_partial(const char *s, struct partial *p)
{
    *p = (struct partial){0};
    if (*s == 'v')
        s++;
    bool wild = false;
    for (int i = 0; i < 3; i++) {
        if (i > 0) {
            if (*s != '.')
                break;
            s++;
        }
        if (is_wild(*s)) {
            wild = true;
            s++;
        } else if (wild || !parse_num(&s, &p->n[i])) {
            return false; /* a number after a wildcard ("1.x.3"), or not a number */
        } else {
            p->given = i + 1;
        }
    }
    if (*s == '-') {
        s++;
        if (p->given != 3 || !parse_idents(&s, true, p->pre, sizeof p->pre))
            return false;
    }
    if (*s == '+') {
        s++;
        if (!parse_idents(&s, false, NULL, 0))
            return false;
    }
    return *s == '\0';
}

static struct wsl_semver ver(unsigned long ma, unsigned long mi, unsigned long pa,
                             const char *pre)
{
    struct wsl_semver v = {ma, mi, pa, ""};
    snprintf(v.pre, sizeof v.pre, "%s", pre);
    return v;
}

static bool add(struct wsl_semver_set *set, enum wsl_semver_op op, struct wsl_semver v,
                bool implicit)
{
    if (set->n >= WSL_SEMVER_SET_MAX)
        return false;
    set->c[set->n++] = (struct wsl_semver_comparator){op, v, implicit};
    return true;
}

/* The upper bound "<X.Y.Z-0": below every pre-release of X.Y.Z, admitting none. */
static bool below(struct wsl_semver_set *set, unsigned long ma, unsigned long mi,
                  unsigned long pa)
{
    return add(set, WSL_SEMVER_LT, ver(ma, mi, pa, "0"), true);
}

/* Nothing satisfies this: below the lowest version there is. */
static bool nothing(struct wsl_semver_set *set)
{
    return below(set, 0, 0, 0);
}

/* Expand one comparator (op "", "=", "<", "<=", ">", ">=", "^" or "~") into set. */
static bool expand(struct wsl_semver_set *set, const char *op, const struct partial *p)
{
    unsigned long ma = p->n[0], mi = p->n[1], pa = p->n[2];
    struct wsl_semver low = ver(ma, mi, pa, p->pre);
    int g = p->given;
    if (!strcmp(op, "^") || !strcmp(op, "~")) {
        if (g == 0)
            return true; /* any */
        if (!add(set, WSL_SEMVER_GE, low, false))
            return false;
        if (op[0] == '~')
            return g == 1 ? below(set, ma + 1, 0, 0) : below(set, ma, mi + 1, 0);
        if (ma > 0 || g == 1)
            return below(set, ma + 1, 0, 0);
        if (mi > 0 || g == 2)
            return below(set, 0, mi + 1, 0);
        return below(set, 0, 0, pa + 1);
    }
    if (!strcmp(op, ">")) {
        if (g == 3)
            return add(set, WSL_SEMVER_GT, low, false);
        if (g == 0)
            return nothing(set);
        return add(set, WSL_SEMVER_GE, g == 1 ? ver(ma + 1, 0, 0, "") : ver(ma, mi + 1, 0, ""),
                   false);
    }
    if (!strcmp(op, ">="))
        return g == 0 || add(set, WSL_SEMVER_GE, low, false);
    if (!strcmp(op, "<")) {
        if (g == 3)
            return add(set, WSL_SEMVER_LT, low, false);
        return g == 0 ? nothing(set) : below(set, ma, mi, 0);
    }
    if (!strcmp(op, "<=")) {
        if (g == 3)
            return add(set, WSL_SEMVER_LE, low, false);
        if (g == 0)
            return true;
        return g == 1 ? below(set, ma + 1, 0, 0) : below(set, ma, mi + 1, 0);
    }
    /* "" or "=" */
    if (g == 3)
        return add(set, WSL_SEMVER_EQ, low, false);
    if (g == 0)
        return true;
    if (!add(set, WSL_SEMVER_GE, low, false))
        return false;
    return g == 1 ? below(set, ma + 1, 0, 0) : below(set, ma, mi + 1, 0);
}

static int range_fail(struct wsl_err *err, const char *range, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int range_fail(struct wsl_err *err, const char *range, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    wsl_err_set(err, WSL_E_INVALID, "invalid semver range \"%s\": %s", range, why);
    wsl_err_hint(err, "for example ^1.4, ~1.4.2, 1.x, >=1.2.0 <2.0.0, * or ^1.0 || ^2.0 "
                      "(docs/gitops.md)");
    return WSL_E_INVALID;
}

int wsl_semver_range_parse(const char *s, struct wsl_semver_range *out, struct wsl_err *err)
{
    struct wsl_semver_range *r = out;
    memset(r, 0, sizeof *r);
    r->nsets = 1;
    const char *p = s;
    bool empty = true; /* the current set has no comparator yet */
    char tok[128], op[3];
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || (p[0] == '|' && p[1] == '|')) {
            if (empty)
                return range_fail(err, s, "%s", *p ? "nothing before \"||\"" :
                                  r->nsets > 1 ? "nothing after \"||\"" : "it is empty");
            if (*p == '\0')
                return 0;
            if (r->nsets >= WSL_SEMVER_SETS_MAX)
                return range_fail(err, s, "more than %d sets joined with ||", WSL_SEMVER_SETS_MAX);
            r->nsets++;
            empty = true;
            p += 2;
            continue;
        }
        size_t n = 0;
        while (n < 2 && p[n] && strchr("<>=^~", p[n]))
            n++;
        memcpy(op, p, n);
        op[n] = '\0';
        if (n && strcmp(op, ">=") && strcmp(op, "<=") && strcmp(op, "<") && strcmp(op, ">") &&
            strcmp(op, "=") && strcmp(op, "^") && strcmp(op, "~"))
            return range_fail(err, s, "unknown operator \"%s\"", op);
        p += n;
        while (n && (*p == ' ' || *p == '\t'))
            p++; /* ">= 1.2.0" */
        size_t len = strcspn(p, " \t|");
        if (len == 0)
            return range_fail(err, s, "no version after \"%s\"", op);
        if (len >= sizeof tok)
            return range_fail(err, s, "%s", "a version is too long");
        memcpy(tok, p, len);
        tok[len] = '\0';
        p += len;
        struct partial part;
        if (!parse_partial(tok, &part))
            return range_fail(err, s, "\"%s\" is not a version (MAJOR.MINOR.PATCH, parts may "
                                      "be left out or x)", tok);
        if (!expand(&r->set[r->nsets - 1], op, &part))
            return range_fail(err, s, "more than %d comparators in one set", WSL_SEMVER_SET_MAX);
        empty = false;
    }
}

static bool test(const struct wsl_semver_comparator *c, const struct wsl_semver *v)
{
    int d = wsl_semver_cmp(v, &c->v);
    switch (c->op) {
    case WSL_SEMVER_EQ: return d == 0;
    case WSL_SEMVER_LT: return d < 0;
    case WSL_SEMVER_LE: return d <= 0;
    case WSL_SEMVER_GT: return d > 0;
    case WSL_SEMVER_GE: return d >= 0;
    }
    return false;
}

static bool set_satisfied(const struct wsl_semver_set *set, const struct wsl_semver *v)
{
    for (int i = 0; i < set->n; i++) {
        if (!test(&set->c[i], v))
            return false;
    }
    if (!v->pre[0])
        return true;
    for (int i = 0; i < set->n; i++) { /* a pre-release: named on the same version? */
        const struct wsl_semver *w = &set->c[i].v;
        if (!set->c[i].implicit && w->pre[0] && w->major == v->major &&
            w->minor == v->minor && w->patch == v->patch)
            return true;
    }
    return false;
}

bool wsl_semver_satisfies(const struct wsl_semver_range *r, const struct wsl_semver *v)
{
    for (int i = 0; i < r->nsets; i++) {
        if (set_satisfied(&r->set[i], v))
            return true;
    }
    return false;
}

long wsl_semver_highest(const struct wsl_semver_range *r, const char *const *names, size_t n)
{
    long best = -1;
    struct wsl_semver bv = {0};
    for (size_t i = 0; i < n; i++) {
        struct wsl_semver v;
        if (wsl_semver_parse(names[i], &v) != 0 || !wsl_semver_satisfies(r, &v))
            continue;
        int c = best < 0 ? 1 : wsl_semver_cmp(&v, &bv);
        if (c > 0 || (c == 0 && strcmp(names[i], names[best]) < 0)) {
            best = (long)i;
            bv = v;
        }
    }
    return best;
}
