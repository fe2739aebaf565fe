#include "manifests/checks.h"

#include <ctype.h>
#include <string.h>

static bool lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool any_alnum(char c)
{
    return lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

bool wsl_is_label(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max || n == 0 || !lower_alnum(s[0]) || !lower_alnum(s[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!lower_alnum(s[i]) && s[i] != '-')
            return false;
    }
    return true;
}

static bool is_label2(const char *s) { return wsl_is_label(s, 2, 63); }
static bool is_label1(const char *s) { return wsl_is_label(s, 1, 63); }

/* [A-Za-z0-9] then [A-Za-z0-9<extra>]* then [A-Za-z0-9], n characters from p. */
static bool mixed_name(const char *p, size_t n, const char *extra)
{
    if (n < 2 || !any_alnum(p[0]) || !any_alnum(p[n - 1]))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!any_alnum(p[i]) && !strchr(extra, p[i]))
            return false;
    }
    return true;
}

static bool is_type_name(const char *s) { return mixed_name(s, strlen(s), "-"); }

static bool is_resource_id(const char *s)
{
    /* labels of [a-z0-9]+(-+[a-z0-9]+)* separated by single dots */
    const char *p = s;
    for (;;) {
        const char *e = p;
        while (*e && *e != '.')
            e++;
        if (e == p || !lower_alnum(p[0]) || !lower_alnum(e[-1]))
            return false;
        for (const char *q = p; q < e; q++) {
            if (!lower_alnum(*q) && *q != '-')
                return false;
        }
        if (!*e)
            return true;
        p = e + 1;
    }
}

static bool is_annotation(const char *s)
{
    const char *slash = strchr(s, '/');
    const char *name = slash ? slash + 1 : s;
    if (slash == s)
        return false; /* "/name": a '/' needs a DNS prefix before it */
    if (slash) {
        const char *p = s;
        while (p < slash) {
            const char *e = p;
            while (e < slash && *e != '.')
                e++;
            char label[64];
            size_t n = (size_t)(e - p);
            if (n >= sizeof label)
                return false;
            memcpy(label, p, n);
            label[n] = '\0';
            if (!wsl_is_label(label, 2, 63))
                return false;
            p = e < slash ? e + 1 : e;
            if (e < slash && p == slash)
                return false;
        }
    }
    size_t n = strlen(name);
    return n <= 63 && mixed_name(name, n, "._-");
}

static bool is_memory(const char *s)
{
    static const char *const suffixes[] = {"", "K", "M", "G", "T", "P", "E", "Ki", "Mi",
                                           "Gi", "Ti", "Pi", "Ei", NULL};
    const char *p = s;
    if (p[0] == '0' && p[1] == '.') {
        p += 2;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
    } else {
        if (*p < '1' || *p > '9')
            return false;
        while (isdigit((unsigned char)*p))
            p++;
        if (*p == '.') {
            p++;
            if (!isdigit((unsigned char)*p))
                return false;
            while (isdigit((unsigned char)*p))
                p++;
        }
    }
    for (size_t i = 0; suffixes[i]; i++) {
        if (strcmp(p, suffixes[i]) == 0)
            return true;
    }
    return false;
}

static bool is_cpu(const char *s)
{
    const char *p = s;
    if (!isdigit((unsigned char)*p))
        return false;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p == 'm')
        return p[1] == '\0';
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return *p == '\0';
}

static bool is_file_mode(const char *s)
{
    size_t n = strlen(s);
    if (n == 4 && s[0] == '0')
        s++, n--;
    if (n != 3)
        return false;
    for (size_t i = 0; i < 3; i++) {
        if (s[i] < '0' || s[i] > '7')
            return false;
    }
    return true;
}

static bool is_header_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        if (!any_alnum(*s) && *s != '_' && *s != '-')
            return false;
    }
    return true;
}

static bool is_env_name(const char *s)
{
    return *s && !strchr(s, '=');
}

static bool is_hostname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253)
        return false;
    const char *p = s;
    if (p[0] == '*' && p[1] == '.')
        p += 2; /* a wildcard host */
    for (;;) {
        const char *e = strchr(p, '.');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char label[64];
        if (len == 0 || len >= sizeof label)
            return false;
        memcpy(label, p, len);
        label[len] = '\0';
        if (!wsl_is_label(label, 1, 63))
            return false;
        if (!e)
            return true;
        p = e + 1;
    }
}

static bool is_country(const char *s)
{
    return strlen(s) == 2 && isupper((unsigned char)s[0]) && isupper((unsigned char)s[1]);
}

static bool is_nonempty(const char *s) { return *s != '\0'; }
static bool is_http_path(const char *s) { return s[0] == '/' && !strpbrk(s, " \t\r\n"); }

#define LABEL_RE "[a-z0-9][a-z0-9-]{0,61}[a-z0-9]"

const struct wsl_check wsl_check_label = {
    "a valid name (2-63 characters: a-z, 0-9 and '-', not starting or ending with '-')",
    is_label2, "^" LABEL_RE "$", "use lower-case letters, digits and '-', for example web-api", 2, 63};
const struct wsl_check wsl_check_name = {
    "a valid name (1-63 characters: a-z, 0-9 and '-', not starting or ending with '-')",
    is_label1, "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
    "use lower-case letters, digits and '-', for example haven-ams", 1, 63};
const struct wsl_check wsl_check_type_name = {
    "a valid type name (2-63 characters: letters, digits and '-')", is_type_name,
    "^[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9]$", "for example postgres or s3", 2, 63};
const struct wsl_check wsl_check_resource_id = {
    "a valid resource id (dot-separated labels of a-z, 0-9 and '-')", is_resource_id,
    "^[a-z0-9]+(?:-+[a-z0-9]+)*(?:\\.[a-z0-9]+(?:-+[a-z0-9]+)*)*$", "for example shared-db or main.db",
    2, 63};
const struct wsl_check wsl_check_annotation = {
    "a valid annotation key (an optional DNS prefix and '/', then letters, digits, '.', '_', '-')",
    is_annotation,
    "^((" LABEL_RE ")(\\." LABEL_RE ")*/)?[A-Za-z0-9][A-Za-z0-9._-]{0,61}[A-Za-z0-9]$",
    "for example wissel.dev/owner or team", 2, 316};
const struct wsl_check wsl_check_memory = {
    "a valid memory amount", is_memory,
    "^(0\\.\\d+|[1-9]\\d*(\\.\\d+)?)(K|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$",
    "write a number of bytes with an optional unit, for example 512Mi, 1Gi or 125M (no 'B')", 0, 0};
const struct wsl_check wsl_check_cpu = {
    "a valid CPU amount", is_cpu, "^\\d+(?:m|\\.\\d+)?$",
    "write whole or fractional CPUs or millicpus, as a string: \"2\", \"0.5\" or \"250m\"", 0, 0};
const struct wsl_check wsl_check_file_mode = {
    "a valid octal file mode", is_file_mode, "^0?[0-7]{3}$", "write it quoted, for example \"0644\"", 0, 0};
const struct wsl_check wsl_check_header_name = {
    "a valid HTTP header name", is_header_name, "^[A-Za-z0-9_-]+$", "for example X-Probe", 0, 0};
const struct wsl_check wsl_check_env_name = {
    "a valid variable name (non-empty, without '=')", is_env_name, "^[^=]+$", NULL, 1, 0};
const struct wsl_check wsl_check_hostname = {
    "a valid DNS host name", is_hostname,
    "^(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$",
    "use lower-case labels separated by dots, for example portaal.gemeente.nl", 1, 253};
/* A zone name: a host name, written with or without the final dot. */
static bool is_zone(const char *s)
{
    size_t n = strlen(s);
    if (n && s[n - 1] == '.')
        n--;
    char buf[256];
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return is_hostname(buf);
}
const struct wsl_check wsl_check_zone = {
    "a DNS zone name", is_zone,
    "^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.?$",
    "for example gemeente.example (a final dot is allowed)", 1, 254};
const struct wsl_check wsl_check_country = {
    "an ISO 3166-1 country code", is_country, "^[A-Z]{2}$", "two upper-case letters, for example NL or DE", 2, 2};
const struct wsl_check wsl_check_nonempty = {"a non-empty string", is_nonempty, NULL, NULL, 1, 0};
const struct wsl_check wsl_check_http_path = {
    "an absolute URL path", is_http_path, "^/\\S*$", "start it with '/', for example /healthz", 1, 0};
