#include "lib/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <time.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* Read a non-negative decimal number "12", "1.5", ".5" into a long double. */
static const char *read_number(const char *p, long double *v)
{
    const char *start = p;
    long double x = 0, scale = 1;
    while (isdigit((unsigned char)*p))
        x = x * 10 + (*p++ - '0');
    if (*p == '.') {
        if (!isdigit((unsigned char)p[1]))
            return NULL; /* "1." is not a number here */
        p++;
        while (isdigit((unsigned char)*p)) {
            scale /= 10;
            x += (*p++ - '0') * scale;
        }
    }
    if (p == start)
        return NULL;
    *v = x;
    return p;
}

static const struct {
    const char *name;
    long double ms;
} dur_units[] = {
    {"ns", 1e-6L}, {"us", 1e-3L}, {"\xc2\xb5s", 1e-3L}, {"ms", 1}, {"s", 1000},
    {"m", 60000},  {"h", 3600000},
};

int wsl_duration_parse(const char *s, int64_t *ms, struct wsl_err *err)
{
    const char *p = s;
    long double total = 0;
    if (strcmp(s, "0") == 0) {
        *ms = 0;
        return 0;
    }
    if (!*p)
        goto bad;
    while (*p) {
        long double v;
        p = read_number(p, &v);
        if (!p)
            goto bad;
        size_t best = 0, best_len = 0;
        for (size_t i = 0; i < sizeof dur_units / sizeof *dur_units; i++) {
            size_t n = strlen(dur_units[i].name);
            if (strncmp(p, dur_units[i].name, n) == 0 && n > best_len) {
                best = i;
                best_len = n;
            }
        }
        if (!best_len)
            goto bad;
        p += best_len;
        total += v * dur_units[best].ms;
    }
    if (total > 1e15L)
        return wsl_err_set(err, WSL_E_INVALID, "duration \"%s\" is too long", s);
    *ms = (int64_t)ceill(total);
    return 0;
bad:
    wsl_err_set(err, WSL_E_INVALID, "\"%s\" is not a duration", s);
    wsl_err_hint(err, "write it as a number with a unit, for example 30s, 2m30s, 1h or 250ms");
    return WSL_E_INVALID;
}

void wsl_duration_format(int64_t ms, char *out, size_t n)
{
    if (ms <= 0) {
        snprintf(out, n, "0s");
        return;
    }
    if (ms < 1000) {
        snprintf(out, n, "%lldms", (long long)ms);
        return;
    }
    long long h = ms / 3600000, m = ms / 60000 % 60, sec = ms / 1000 % 60, rest = ms % 1000;
    size_t k = 0;
    out[0] = '\0';
    if (h)
        k += (size_t)snprintf(out + k, n - k, "%lldh", h);
    if (m && k < n)
        k += (size_t)snprintf(out + k, n - k, "%lldm", m);
    if ((sec || rest) && k < n) {
        if (rest)
            snprintf(out + k, n - k, "%lld.%03llds", sec, rest);
        else
            snprintf(out + k, n - k, "%llds", sec);
    }
}

static const struct {
    const char *name;
    long double factor;
} qty_suffixes[] = {
    {"Ki", 1024.0L}, {"Mi", 1048576.0L}, {"Gi", 1073741824.0L}, {"Ti", 1099511627776.0L},
    {"Pi", 1125899906842624.0L}, {"Ei", 1152921504606846976.0L}, {"m", 1e-3L}, {"k", 1e3L},
    {"K", 1e3L}, {"M", 1e6L}, {"G", 1e9L}, {"T", 1e12L}, {"P", 1e15L}, {"E", 1e18L},
};

int wsl_quantity_parse(const char *s, int64_t *milli, struct wsl_err *err)
{
    const char *p = s;
    int sign = 1;
    long double v;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    p = read_number(p, &v);
    if (!p)
        goto bad;
    if (*p == 'e' || *p == 'E') {
        char *end;
        long e = strtol(p + 1, &end, 10);
        if (end != p + 1 && !*end && e > -30 && e < 30) {
            v *= powl(10, (long double)e);
            p = end;
        }
    }
    if (*p) {
        size_t i, n = sizeof qty_suffixes / sizeof *qty_suffixes;
        for (i = 0; i < n && strcmp(p, qty_suffixes[i].name) != 0; i++)
            ;
        if (i == n)
            goto bad;
        v *= qty_suffixes[i].factor;
    }
    v *= 1000;
    if (v > 9.2e18L)
        return wsl_err_set(err, WSL_E_INVALID, "quantity \"%s\" is too large", s);
    *milli = sign * (int64_t)ceill(v);
    return 0;
bad:
    wsl_err_set(err, WSL_E_INVALID, "\"%s\" is not a quantity", s);
    wsl_err_hint(err, "write a number with an optional suffix, for example 512Mi, 1Gi, 250m or 0.5");
    return WSL_E_INVALID;
}

void wsl_time_now_rfc3339(char out[32])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
}

int64_t wsl_time_parse_rfc3339(const char *s)
{
    struct tm tm = {0};
    const char *rest = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
    if (!rest)
        return 0;
    if (*rest == '.')
        rest += 1 + strspn(rest + 1, "0123456789");
    return *rest == 'Z' && !rest[1] ? (int64_t)timegm(&tm) : 0;
}

int64_t wsl_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wsl_sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}
