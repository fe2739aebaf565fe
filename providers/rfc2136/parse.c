/*
 * parse.c — a DNS message from the network into struct wsl_dns_msg (see wire.h).
 *
 * The bytes come from a server we only partly trust and through a network we do not
 * trust, so every read is checked against the message's end first. Names may be
 * compressed (RFC 1035 §4.1.4); a pointer is accepted only when it points before the
 * place the name's current run of labels started (and after the header). The jumps of one
 * name therefore go strictly backwards and a loop is impossible, whatever the message.
 * Each name is also held to 255 bytes, each record's data must be exactly what its type
 * says, and the counts in the header are checked against the bytes left before anything
 * is allocated.
 */
#include "providers/rfc2136/internal.h"
#include "providers/rfc2136/wire.h"

#include "lib/arena.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct rd {
    const unsigned char *p; /* the message */
    size_t len;
    struct wsl_arena *a;
    struct wsl_err *err;
};

static int fault(const struct rd *r, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fault(const struct rd *r, size_t at, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return wsl_err_set(r->err, WSL_E_INVALID, "malformed DNS message (%zu bytes): %s at byte %zu",
                       r->len, what, at);
}

/* --- names ------------------------------------------------------------------------- */

/* Append a label of n bytes and its dot, escaping what would be ambiguous or unprintable.
 * At most 4 characters per byte: a name of 255 bytes fits in WSL_DNS_NAME_TEXT. */
static size_t put_label(char *out, size_t o, const unsigned char *l, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = l[i];
        if (c == '.' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c <= ' ' || c > '~') {
            o += (size_t)snprintf(out + o, 5, "\\%03u", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '.';
    return o;
}

/* The name at *pos into out; *pos moves past it (past its first pointer, if any). */
static int read_name(const struct rd *r, size_t *pos, char out[WSL_DNS_NAME_TEXT])
{
    size_t at = *pos, floor = *pos, wire = 1, o = 0;
    bool jumped = false;
    for (;;) {
        if (at >= r->len)
            return fault(r, at, "a name runs past the end");
        unsigned c = r->p[at];
        if ((c & 0xc0) == 0xc0) {
            if (at + 1 >= r->len)
                return fault(r, at, "a compression pointer is cut off");
            size_t to = (size_t)(c & 0x3f) << 8 | r->p[at + 1];
            if (!jumped)
                *pos = at + 2;
            jumped = true;
            if (to >= floor || to < 12)
                return fault(r, at, "a compression pointer to byte %zu (pointers must point "
                             "backwards, after the header)", to);
            floor = at = to;
            continue;
        }
        if (c & 0xc0)
            return fault(r, at, "a label of unknown type 0x%02x", c & 0xc0);
        if (c == 0)
            break;
        if (c >= r->len - at)
            return fault(r, at, "a label of %u bytes runs past the end", c);
        wire += c + 1;
        if (wire > 255)
            return fault(r, at, "a name longer than 255 bytes");
        o = put_label(out, o, r->p + at + 1, c);
        at += 1 + c;
    }
    if (!jumped)
        *pos = at + 1;
    if (o == 0)
        out[o++] = '.';
    out[o] = '\0';
    return 0;
}

static int read_name_dup(const struct rd *r, size_t *pos, const char **out)
{
    char name[WSL_DNS_NAME_TEXT];
    int rc = read_name(r, pos, name);
    *out = rc ? NULL : wsl_arena_strdup(r->a, name);
    return rc;
}

/* --- record data ------------------------------------------------------------------- */

static void put_hex(struct wsl_buf *b, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wsl_buf_printf(b, "%02x", p[i]);
}

/* TXT: one or more <length, bytes> strings filling the data exactly. */
static int decode_txt(const struct rd *r, struct wsl_dns_rr *rr, size_t at, size_t end,
                      struct wsl_buf *text)
{
    struct wsl_buf joined = WSL_BUF_INIT;
    unsigned count = 0;
    while (at < end) {
        size_t n = r->p[at];
        if (n > end - at - 1) {
            wsl_buf_free(&joined);
            return fault(r, at, "a TXT string of %zu bytes runs past its record", n);
        }
        wsl_buf_puts(text, count ? " \"" : "\"");
        for (size_t i = 0; i < n; i++) {
            unsigned char c = r->p[at + 1 + i];
            if (c == '"' || c == '\\')
                wsl_buf_printf(text, "\\%c", c);
            else if (c < ' ' || c > '~')
                wsl_buf_printf(text, "\\%03u", c);
            else
                wsl_buf_putc(text, (char)c);
        }
        wsl_buf_putc(text, '"');
        wsl_buf_append(&joined, r->p + at + 1, n);
        at += 1 + n;
        count++;
    }
    unsigned char *data = wsl_arena_alloc(r->a, joined.len + 1);
    if (joined.len)
        memcpy(data, joined.data, joined.len);
    rr->u.txt = (struct wsl_dns_txt){data, joined.len, count};
    wsl_buf_free(&joined);
    return 0;
}

static int decode_soa(const struct rd *r, struct wsl_dns_rr *rr, size_t at, size_t end,
                      struct wsl_buf *text)
{
    struct wsl_dns_soa *s = &rr->u.soa;
    int rc = read_name_dup(r, &at, &s->mname);
    if (rc == 0)
        rc = read_name_dup(r, &at, &s->rname);
    if (rc)
        return rc;
    if (at > end || end - at != 20)
        return fault(r, at, "an SOA record whose numbers are not 20 bytes");
    const unsigned char *p = r->p + at;
    s->serial = dns_get32(p);
    s->refresh = dns_get32(p + 4);
    s->retry = dns_get32(p + 8);
    s->expire = dns_get32(p + 12);
    s->minimum = dns_get32(p + 16);
    wsl_buf_printf(text, "%s %s %u %u %u %u %u", s->mname, s->rname, s->serial, s->refresh,
                   s->retry, s->expire, s->minimum);
    return 0;
}

/* TSIG (RFC 8945 §4.2): algorithm name, time signed (48 bits), fudge, MAC size, MAC,
 * original ID, error, other length, other data. */
static int decode_tsig(const struct rd *r, struct wsl_dns_rr *rr, size_t at, size_t end,
                       struct wsl_buf *text)
{
    struct wsl_dns_tsig_rdata *t = &rr->u.tsig;
    int rc = read_name_dup(r, &at, &t->algorithm);
    if (rc)
        return rc;
    if (at > end || end - at < 10)
        return fault(r, at, "a TSIG record cut off after its algorithm");
    t->time_signed = dns_get48(r->p + at);
    t->fudge = dns_get16(r->p + at + 6);
    t->mac_size = dns_get16(r->p + at + 8);
    at += 10;
    if (end - at < (size_t)t->mac_size + 6)
        return fault(r, at, "a TSIG MAC of %u bytes runs past its record", t->mac_size);
    t->mac = r->p + at;
    at += t->mac_size;
    t->original_id = dns_get16(r->p + at);
    t->error = dns_get16(r->p + at + 2);
    t->other_len = dns_get16(r->p + at + 4);
    at += 6;
    if (end - at != t->other_len)
        return fault(r, at, "TSIG other data of %u bytes does not fill its record",
                     t->other_len);
    t->other = r->p + at;
    wsl_buf_printf(text, "%s %llu %u %u ", t->algorithm, (unsigned long long)t->time_signed,
                   t->fudge, t->mac_size);
    put_hex(text, t->mac, t->mac_size);
    wsl_buf_printf(text, " %u %s %u", t->original_id, wsl_dns_rcode_name(t->error),
                   t->other_len);
    return 0;
}

/* A name as the whole data (CNAME, NS). */
static int decode_name(const struct rd *r, struct wsl_dns_rr *rr, size_t at, size_t end,
                       struct wsl_buf *text)
{
    const char *name;
    int rc = read_name_dup(r, &at, &name);
    if (rc)
        return rc;
    if (at != end)
        return fault(r, at, "a %s record whose name does not fill its data",
                     rr->type == WSL_DNS_CNAME ? "CNAME" : "NS");
    if (rr->type == WSL_DNS_CNAME)
        rr->u.cname = name;
    wsl_buf_puts(text, name);
    return 0;
}

static int decode_addr(const struct rd *r, struct wsl_dns_rr *rr, size_t at,
                       struct wsl_buf *text)
{
    bool v4 = rr->type == WSL_DNS_A;
    size_t want = v4 ? 4 : 16;
    if (rr->rdlen != want)
        return fault(r, at, "an %s record of %u bytes (not %zu)", v4 ? "A" : "AAAA",
                     rr->rdlen, want);
    char s[INET6_ADDRSTRLEN];
    memcpy(v4 ? rr->u.a : rr->u.aaaa, r->p + at, want);
    inet_ntop(v4 ? AF_INET : AF_INET6, r->p + at, s, sizeof s);
    wsl_buf_puts(text, s);
    return 0;
}

static int decode(const struct rd *r, struct wsl_dns_rr *rr, size_t at)
{
    size_t end = at + rr->rdlen;
    struct wsl_buf text = WSL_BUF_INIT;
    int rc = 0;
    switch (rr->type) {
    case WSL_DNS_A:
    case WSL_DNS_AAAA: rc = decode_addr(r, rr, at, &text); break;
    case WSL_DNS_CNAME:
    case WSL_DNS_NS: rc = decode_name(r, rr, at, end, &text); break;
    case WSL_DNS_TXT: rc = decode_txt(r, rr, at, end, &text); break;
    case WSL_DNS_SOA: rc = decode_soa(r, rr, at, end, &text); break;
    case WSL_DNS_TSIG: rc = decode_tsig(r, rr, at, end, &text); break;
    default: /* RFC 3597's generic form */
        wsl_buf_printf(&text, "\\# %u ", rr->rdlen);
        put_hex(&text, r->p + at, rr->rdlen);
    }
    if (rc == 0)
        rr->text = wsl_arena_strndup(r->a, wsl_buf_str(&text), text.len);
    wsl_buf_free(&text);
    return rc;
}

/* --- records and the message ------------------------------------------------------- */

static int read_rr(const struct rd *r, size_t *pos, struct wsl_dns_rr *rr)
{
    rr->offset = *pos;
    int rc = read_name_dup(r, pos, &rr->name);
    if (rc)
        return rc;
    if (r->len - *pos < 10)
        return fault(r, *pos, "a record cut off after its name");
    const unsigned char *h = r->p + *pos;
    rr->type = dns_get16(h);
    rr->rclass = dns_get16(h + 2);
    rr->ttl = dns_get32(h + 4);
    rr->rdlen = dns_get16(h + 8);
    *pos += 10;
    if (rr->rdlen > r->len - *pos)
        return fault(r, *pos, "record data of %u bytes runs past the end", rr->rdlen);
    rr->rdata = r->p + *pos;
    size_t at = *pos;
    *pos += rr->rdlen;
    if (rr->rdlen == 0) { /* the meta forms of UPDATE: "delete", "exists", ... */
        rr->text = "";
        return 0;
    }
    return decode(r, rr, at);
}

static int read_questions(const struct rd *r, size_t *pos, struct wsl_dns_msg *m)
{
    m->qd = m->nqd ? wsl_arena_alloc(r->a, m->nqd * sizeof *m->qd) : NULL;
    for (size_t i = 0; i < m->nqd; i++) {
        int rc = read_name_dup(r, pos, &m->qd[i].name);
        if (rc)
            return rc;
        if (r->len - *pos < 4)
            return fault(r, *pos, "a question cut off after its name");
        m->qd[i].type = dns_get16(r->p + *pos);
        m->qd[i].qclass = dns_get16(r->p + *pos + 2);
        *pos += 4;
    }
    return 0;
}

/* A TSIG record is only allowed as the very last record (RFC 8945 §5.1). */
static int find_tsig(const struct rd *r, struct wsl_dns_msg *m)
{
    for (int s = 0; s < 3; s++) {
        for (size_t i = 0; i < m->nrr[s]; i++) {
            const struct wsl_dns_rr *rr = &m->rr[s][i];
            if (rr->type != WSL_DNS_TSIG)
                continue;
            if (s != WSL_DNS_ADDITIONAL || i + 1 != m->nrr[s])
                return fault(r, rr->offset, "a TSIG record that is not the last record");
            m->tsig = rr;
        }
    }
    return 0;
}

static int parse_all(const struct rd *r, struct wsl_dns_msg *m)
{
    const unsigned char *p = r->p;
    unsigned flags = dns_get16(p + 2);
    m->id = dns_get16(p);
    m->qr = flags >> 15 & 1;
    m->opcode = flags >> 11 & 15;
    m->aa = flags >> 10 & 1;
    m->tc = flags >> 9 & 1;
    m->rd = flags >> 8 & 1;
    m->ra = flags >> 7 & 1;
    m->rcode = flags & 15;
    m->nqd = dns_get16(p + 4);
    for (int s = 0; s < 3; s++)
        m->nrr[s] = dns_get16(p + 6 + 2 * s);
    /* The smallest question is 5 bytes, the smallest record 11. */
    size_t least = m->nqd * 5 + (m->nrr[0] + m->nrr[1] + m->nrr[2]) * 11;
    if (least > r->len - 12)
        return fault(r, 4, "the header counts more records than %zu bytes can hold",
                     r->len - 12);
    size_t pos = 12;
    int rc = read_questions(r, &pos, m);
    for (int s = 0; s < 3 && rc == 0; s++) {
        m->rr[s] = m->nrr[s] ? wsl_arena_alloc(r->a, m->nrr[s] * sizeof *m->rr[s]) : NULL;
        for (size_t i = 0; i < m->nrr[s] && rc == 0; i++)
            rc = read_rr(r, &pos, &m->rr[s][i]);
    }
    if (rc == 0 && pos != r->len)
        rc = fault(r, pos, "%zu bytes after the last record", r->len - pos);
    return rc ? rc : find_tsig(r, m);
}

int wsl_dns_parse(const void *data, size_t len, struct wsl_dns_msg *out, struct wsl_err *err)
{
    memset(out, 0, sizeof *out);
    if (!data || len < 12 || len > 65535)
        return wsl_err_set(err, WSL_E_INVALID, "malformed DNS message: %zu bytes (a message "
                           "has a 12-byte header and at most 65535 bytes)", len);
    out->arena = wsl_arena_new();
    unsigned char *raw = wsl_arena_alloc(out->arena, len);
    memcpy(raw, data, len);
    out->raw = raw;
    out->len = len;
    struct rd r = {raw, len, out->arena, err};
    int rc = parse_all(&r, out);
    if (rc)
        wsl_dns_msg_free(out);
    return rc;
}

void wsl_dns_msg_free(struct wsl_dns_msg *m)
{
    if (m->arena)
        wsl_arena_free(m->arena);
    memset(m, 0, sizeof *m);
}
