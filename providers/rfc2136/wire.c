/*
 * wire.c — names, type and response-code names, queries and record data (see wire.h).
 * The UPDATE builder is in update.c, the parser in parse.c.
 *
 * We never compress names we write: messages stay well under 64 KiB and an uncompressed
 * message is what TSIG signs anyway. RD is left clear: we talk to the authoritative
 * server of the zone, never a resolver.
 */
#include "providers/rfc2136/wire.h"

#include "providers/rfc2136/internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int bad_name(struct wsl_err *err, const char *name, const char *why)
{
    wsl_err_set(err, WSL_E_INVALID, "DNS name \"%.300s\": %s", name, why);
    wsl_err_hint(err, "write a fully qualified name of plain labels, such as web.example.org.");
    return WSL_E_INVALID;
}

/* A label of n bytes at p: printable ASCII without '\' (no escapes). */
static bool plain_label(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c <= ' ' || c > '~' || c == '\\')
            return false;
    }
    return true;
}

int wsl_dns_name_encode(const char *name, unsigned char out[255], size_t *outlen,
                        struct wsl_err *err)
{
    *outlen = 0;
    if (!name || !*name)
        return bad_name(err, name ? name : "", "the name is empty");
    size_t o = 0;
    const char *p = strcmp(name, ".") == 0 ? "" : name;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n == 0)
            return bad_name(err, name, "empty label (two dots in a row, or a leading dot)");
        if (n > 63)
            return bad_name(err, name, "a label is longer than 63 bytes");
        if (!plain_label(p, n))
            return bad_name(err, name, "only printable ASCII without '\\' is allowed "
                                       "(escapes and spaces are not supported)");
        if (o + 1 + n + 1 > 255)
            return bad_name(err, name, "longer than 255 bytes on the wire");
        out[o++] = (unsigned char)n;
        memcpy(out + o, p, n);
        o += n;
        p += n + (dot ? 1 : 0);
    }
    out[o++] = 0;
    *outlen = o;
    return 0;
}

/* The length of a presentation-form name without its final, unescaped dot. */
static size_t name_len(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || s[n - 1] != '.')
        return n;
    size_t slashes = 0; /* "a\." ends in an escaped dot, "a\\." in a real one */
    while (slashes + 1 < n && s[n - 2 - slashes] == '\\')
        slashes++;
    return slashes % 2 ? n : n - 1;
}

bool wsl_dns_name_equal(const char *a, const char *b)
{
    size_t n = name_len(a);
    return n == name_len(b) && strncasecmp(a, b, n) == 0;
}

bool wsl_dns_name_in_zone(const char *name, const char *zone)
{
    size_t n = name_len(name), z = name_len(zone);
    if (z == 0)
        return true; /* the root holds every name */
    if (n < z || strncasecmp(name + n - z, zone, z) != 0)
        return false;
    if (n == z)
        return true;
    /* a label boundary: an unescaped dot right before the zone's part */
    size_t slashes = 0;
    while (slashes + 1 < n - z && name[n - z - 2 - slashes] == '\\')
        slashes++;
    return name[n - z - 1] == '.' && slashes % 2 == 0;
}

static const struct {
    uint16_t type;
    const char *name;
} types[] = {{WSL_DNS_A, "A"},       {WSL_DNS_NS, "NS"},     {WSL_DNS_CNAME, "CNAME"},
             {WSL_DNS_SOA, "SOA"},   {WSL_DNS_TXT, "TXT"},   {WSL_DNS_AAAA, "AAAA"},
             {WSL_DNS_TSIG, "TSIG"}, {WSL_DNS_ANY, "ANY"}};

const char *wsl_dns_type_name(uint16_t type)
{
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        if (types[i].type == type)
            return types[i].name;
    }
    return NULL;
}

int wsl_dns_type_parse(const char *s)
{
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        if (strcasecmp(types[i].name, s) == 0)
            return types[i].type;
    }
    if (strncasecmp(s, "TYPE", 4) == 0 && s[4] >= '0' && s[4] <= '9') {
        char *end;
        unsigned long v = strtoul(s + 4, &end, 10);
        if (!*end && v <= 65535)
            return (int)v;
    }
    return -1;
}

const char *wsl_dns_rcode_name(unsigned rcode)
{
    static const char *const names[] = {"NOERROR",  "FORMERR",  "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",   "REFUSED",  "YXDOMAIN", "YXRRSET",
                                        "NXRRSET",  "NOTAUTH",  "NOTZONE"};
    if (rcode < sizeof names / sizeof *names)
        return names[rcode];
    switch (rcode) {
    case WSL_DNS_BADSIG: return "BADSIG";
    case WSL_DNS_BADKEY: return "BADKEY";
    case WSL_DNS_BADTIME: return "BADTIME";
    case WSL_DNS_BADTRUNC: return "BADTRUNC";
    default: return "RCODE?";
    }
}

const char *dns_type_str(uint16_t type, char buf[16])
{
    const char *t = wsl_dns_type_name(type);
    if (t)
        return t;
    snprintf(buf, 16, "TYPE%u", (unsigned)type);
    return buf;
}

int dns_put_name(struct wsl_buf *b, const char *name, struct wsl_err *err)
{
    unsigned char w[255];
    size_t n;
    int rc = wsl_dns_name_encode(name, w, &n, err);
    if (rc == 0)
        wsl_buf_append(b, w, n);
    return rc;
}

int wsl_dns_query_encode(uint16_t id, const char *name, uint16_t type, struct wsl_buf *out,
                         struct wsl_err *err)
{
    wsl_buf_reset(out);
    dns_put16(out, id);
    dns_put16(out, 0); /* QR=0, opcode QUERY, RD=0 */
    dns_put16(out, 1);
    dns_put16(out, 0);
    dns_put16(out, 0);
    dns_put16(out, 0);
    int rc = dns_put_name(out, name, err);
    if (rc)
        return rc;
    dns_put16(out, type);
    dns_put16(out, WSL_DNS_IN);
    return 0;
}

static int txt_encode(const char *value, struct wsl_buf *out)
{
    size_t n = strlen(value);
    do { /* an empty text is one empty string */
        size_t k = n > 255 ? 255 : n;
        wsl_buf_putc(out, (char)k);
        wsl_buf_append(out, value, k);
        value += k;
        n -= k;
    } while (n > 0);
    return out->len > 65535 ? WSL_E_LIMIT : 0;
}

int wsl_dns_rdata_encode(uint16_t type, const char *value, struct wsl_buf *out,
                         struct wsl_err *err)
{
    wsl_buf_reset(out);
    unsigned char addr[16];
    switch (type) {
    case WSL_DNS_A:
        if (inet_pton(AF_INET, value, addr) != 1)
            return wsl_err_set(err, WSL_E_INVALID, "\"%.100s\" is not an IPv4 address", value);
        wsl_buf_append(out, addr, 4);
        return 0;
    case WSL_DNS_AAAA:
        if (inet_pton(AF_INET6, value, addr) != 1)
            return wsl_err_set(err, WSL_E_INVALID, "\"%.100s\" is not an IPv6 address", value);
        wsl_buf_append(out, addr, 16);
        return 0;
    case WSL_DNS_CNAME:
        return dns_put_name(out, value, err);
    case WSL_DNS_TXT:
        if (txt_encode(value, out))
            return wsl_err_set(err, WSL_E_LIMIT, "a TXT value of %zu bytes is too long",
                               strlen(value));
        return 0;
    default: {
        char t[16];
        return wsl_err_set(err, WSL_E_INVALID, "records of type %s cannot be written "
                           "(A, AAAA, CNAME and TXT can)", dns_type_str(type, t));
    }
    }
}
