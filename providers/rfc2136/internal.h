/* internal.h — what the files of providers/rfc2136 share, not for use elsewhere:
 * network-order integers in and out of byte strings (readers take a pointer the caller
 * has bounds-checked) and a few wire helpers. */
#ifndef WSL_RFC2136_INTERNAL_H
#define WSL_RFC2136_INTERNAL_H

#include "lib/buf.h"
#include "lib/err.h"

#include <stdint.h>

/* Append a name in wire form (wsl_dns_name_encode's rules and errors). */
int dns_put_name(struct wsl_buf *b, const char *name, struct wsl_err *err);
/* A type's name, or "TYPE123" written into buf. */
const char *dns_type_str(uint16_t type, char buf[16]);

struct wsl_dns_client;
struct wsl_dns_msg;

/* What an answer must match to count as the answer to a request. */
struct dns_expect {
    uint16_t id;
    unsigned opcode;
    const char *qname;
    uint16_t qtype;
};

/* Send req to the client's server and parse the answer that matches x into out
 * (transport.c): UDP with attempts, TCP when needed or asked. Errors say what happened;
 * the caller puts the server and the request in front. */
int dns_exchange(const struct wsl_dns_client *c, const struct wsl_buf *req,
                 const struct dns_expect *x, struct wsl_dns_msg *out, struct wsl_err *err);

static inline void dns_put16(struct wsl_buf *b, unsigned v)
{
    unsigned char x[2] = {(unsigned char)(v >> 8), (unsigned char)v};
    wsl_buf_append(b, x, 2);
}

static inline void dns_put32(struct wsl_buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    wsl_buf_append(b, x, 4);
}

/* 48 bits: TSIG's time signed. */
static inline void dns_put48(struct wsl_buf *b, uint64_t v)
{
    dns_put16(b, (unsigned)(v >> 32) & 0xffff);
    dns_put32(b, (uint32_t)v);
}

static inline uint16_t dns_get16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t dns_get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t dns_get48(const unsigned char *p)
{
    return (uint64_t)dns_get16(p) << 32 | dns_get32(p + 2);
}

static inline void dns_set16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

#endif
