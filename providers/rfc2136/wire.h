/*
 * wire.h — DNS messages on the wire (RFC 1035 §4, RFC 2136 §2): a query and an UPDATE
 * built from presentation-form names and values, and any answer parsed into plain structs.
 *
 * Names are text, always absolute ("web.example."; a missing final dot is implied). Names
 * we encode are plain labels: no escapes, labels of 1 to 63 bytes, at most 255 bytes on the
 * wire. Names we decode may hold any byte: '.', '\' and bytes outside printable ASCII come
 * back escaped as "\.", "\\" and "\DDD" (RFC 1035 §5.1), so every name prints safely.
 *
 * Parsing trusts nothing: every length is checked against the buffer, compression pointers
 * must point backwards (so they cannot loop), counts are checked against the bytes left
 * before anything is allocated, and bytes after the last record are refused.
 */
#ifndef WSL_RFC2136_WIRE_H
#define WSL_RFC2136_WIRE_H

#include "lib/buf.h"
#include "lib/err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A decoded name in presentation form, escapes included, fits in this many bytes. */
#define WSL_DNS_NAME_TEXT 1024
#define WSL_DNS_UDP_MAX 512 /* a message over UDP without EDNS (RFC 1035 §4.2.1) */

struct wsl_arena;

enum wsl_dns_type {
    WSL_DNS_A = 1,
    WSL_DNS_NS = 2,
    WSL_DNS_CNAME = 5,
    WSL_DNS_SOA = 6,
    WSL_DNS_TXT = 16,
    WSL_DNS_AAAA = 28,
    WSL_DNS_TSIG = 250,
    WSL_DNS_ANY = 255
};

enum wsl_dns_class { WSL_DNS_IN = 1, WSL_DNS_CLASS_NONE = 254, WSL_DNS_CLASS_ANY = 255 };

enum wsl_dns_opcode { WSL_DNS_OP_QUERY = 0, WSL_DNS_OP_UPDATE = 5 };

/* Response codes (RFC 1035 §4.1.1, RFC 2136 §2.2) and TSIG errors (RFC 8945 §5.2). */
enum wsl_dns_rcode {
    WSL_DNS_NOERROR = 0,
    WSL_DNS_FORMERR = 1,
    WSL_DNS_SERVFAIL = 2,
    WSL_DNS_NXDOMAIN = 3,
    WSL_DNS_NOTIMP = 4,
    WSL_DNS_REFUSED = 5,
    WSL_DNS_YXDOMAIN = 6,
    WSL_DNS_YXRRSET = 7,
    WSL_DNS_NXRRSET = 8,
    WSL_DNS_NOTAUTH = 9,
    WSL_DNS_NOTZONE = 10,
    WSL_DNS_BADSIG = 16,
    WSL_DNS_BADKEY = 17,
    WSL_DNS_BADTIME = 18,
    WSL_DNS_BADTRUNC = 22
};

/* The sections after the question. In an UPDATE they are the prerequisite, update and
 * additional sections (RFC 2136 §2). */
enum wsl_dns_section { WSL_DNS_ANSWER, WSL_DNS_AUTHORITY, WSL_DNS_ADDITIONAL };

struct wsl_dns_soa {
    const char *mname, *rname;
    uint32_t serial, refresh, retry, expire, minimum;
};

/* TXT: the character-strings joined (external-dns and most readers join them). */
struct wsl_dns_txt {
    const unsigned char *data; /* NUL-terminated, but may hold NUL bytes: use len */
    size_t len;
    unsigned strings; /* how many character-strings there were */
};

struct wsl_dns_tsig_rdata {
    const char *algorithm;  /* "hmac-sha256." */
    uint64_t time_signed;   /* seconds since 1970, 48 bits */
    uint16_t fudge, mac_size, original_id, error, other_len;
    const unsigned char *mac, *other;
};

struct wsl_dns_rr {
    const char *name;
    uint16_t type, rclass;
    uint32_t ttl;
    uint16_t rdlen;
    const unsigned char *rdata; /* as on the wire (names inside may be compressed) */
    const char *text;           /* the data in presentation form, as dig prints it */
    size_t offset;              /* where the record starts in the message */
    /* Decoded for A, AAAA, CNAME, TXT, SOA and TSIG when rdlen > 0; otherwise zero. */
    union {
        unsigned char a[4];
        unsigned char aaaa[16];
        const char *cname;
        struct wsl_dns_txt txt;
        struct wsl_dns_soa soa;
        struct wsl_dns_tsig_rdata tsig;
    } u;
};

struct wsl_dns_question {
    const char *name;
    uint16_t type, qclass;
};

/* A parsed message. Everything it points to belongs to it (wsl_dns_msg_free). */
struct wsl_dns_msg {
    uint16_t id;
    unsigned opcode, rcode; /* rcode: the header's 4 bits (no EDNS) */
    bool qr, aa, tc, rd, ra;
    struct wsl_dns_question *qd;
    size_t nqd;
    struct wsl_dns_rr *rr[3]; /* indexed by enum wsl_dns_section */
    size_t nrr[3];
    const struct wsl_dns_rr *tsig; /* the TSIG record (last of the additional section) */
    const unsigned char *raw;      /* a copy of the message */
    size_t len;
    struct wsl_arena *arena;
};

/* --- names, types, codes ----------------------------------------------------------- */

/* Encode a name (plain labels, absolute or not; "." is the root) into out (at most 255
 * bytes, *outlen set). WSL_E_INVALID naming the fault: an empty label, a label over 63
 * bytes, a name over 255 bytes, a '\' (escapes are not supported). */
int wsl_dns_name_encode(const char *name, unsigned char out[255], size_t *outlen,
                        struct wsl_err *err);
/* The same name, in ASCII case-insensitive comparison; a final dot is optional. */
bool wsl_dns_name_equal(const char *a, const char *b);
/* name is zone or below it. */
bool wsl_dns_name_in_zone(const char *name, const char *zone);
/* "A", "TXT", ... or NULL for a type without a name here. */
const char *wsl_dns_type_name(uint16_t type);
/* "A", "txt", "TYPE99" → the type; -1 when unknown. */
int wsl_dns_type_parse(const char *s);
/* "NOERROR", "NXRRSET", "BADKEY", ... or "RCODE?" for others. */
const char *wsl_dns_rcode_name(unsigned rcode);

/* --- building ---------------------------------------------------------------------- */

/* A query for (name, type, IN) with recursion not desired, in out (replaced). */
int wsl_dns_query_encode(uint16_t id, const char *name, uint16_t type, struct wsl_buf *out,
                         struct wsl_err *err);

/* The data of a record of type from its value, in out (replaced): A and AAAA an address,
 * CNAME a name, TXT the text itself (no quotes; cut into strings of 255 bytes). Other
 * types are WSL_E_INVALID. */
int wsl_dns_rdata_encode(uint16_t type, const char *value, struct wsl_buf *out,
                         struct wsl_err *err);

/* One record of an UPDATE's prerequisite or update section. */
struct wsl_dns_change {
    char *name;
    uint16_t type, rclass;
    uint32_t ttl;
    unsigned char *rdata;
    uint16_t rdlen;
    char *what; /* in words, for messages: "no web.example. A record exists" */
};

/* An UPDATE of one zone (RFC 2136): the server applies every change or none, and only
 * when every prerequisite holds. Build it with the functions below; each checks that the
 * name is in the zone. */
struct wsl_dns_update {
    char *zone;
    struct wsl_dns_change *pre, *upd;
    size_t npre, nupd, cap_pre, cap_upd;
};

int wsl_dns_update_init(struct wsl_dns_update *u, const char *zone, struct wsl_err *err);
void wsl_dns_update_free(struct wsl_dns_update *u);

/* Prerequisites (RFC 2136 §2.4). */
/* 2.4.1 RRset exists (value independent): name has records of type. */
int wsl_dns_prereq_exists(struct wsl_dns_update *u, const char *name, uint16_t type,
                          struct wsl_err *err);
/* 2.4.2 RRset exists (value dependent): add one per record; together they must be exactly
 * the RRset of (name, type). Value as for wsl_dns_rdata_encode. */
int wsl_dns_prereq_value(struct wsl_dns_update *u, const char *name, uint16_t type,
                         const char *value, struct wsl_err *err);
/* 2.4.3 RRset does not exist. */
int wsl_dns_prereq_absent(struct wsl_dns_update *u, const char *name, uint16_t type,
                          struct wsl_err *err);
/* 2.4.4 Name is in use (has at least one record of any type). */
int wsl_dns_prereq_name_used(struct wsl_dns_update *u, const char *name, struct wsl_err *err);
/* 2.4.5 Name is not in use. */
int wsl_dns_prereq_name_unused(struct wsl_dns_update *u, const char *name,
                               struct wsl_err *err);

/* Updates (RFC 2136 §2.5). */
/* 2.5.1 Add a record to an RRset. */
int wsl_dns_update_add(struct wsl_dns_update *u, const char *name, uint16_t type,
                       uint32_t ttl, const char *value, struct wsl_err *err);
/* 2.5.2 Delete an RRset. */
int wsl_dns_update_delete_rrset(struct wsl_dns_update *u, const char *name, uint16_t type,
                                struct wsl_err *err);
/* 2.5.4 Delete one record from an RRset. */
int wsl_dns_update_delete_rr(struct wsl_dns_update *u, const char *name, uint16_t type,
                             const char *value, struct wsl_err *err);

/* The UPDATE message (without TSIG) in out (replaced). WSL_E_LIMIT past 64 KiB. */
int wsl_dns_update_encode(const struct wsl_dns_update *u, uint16_t id, struct wsl_buf *out,
                          struct wsl_err *err);

/* --- parsing ----------------------------------------------------------------------- */

/* Parse a whole message. WSL_E_INVALID with the offset of the first fault; *out is then
 * empty (freeing it is allowed and does nothing). */
int wsl_dns_parse(const void *data, size_t len, struct wsl_dns_msg *out, struct wsl_err *err);
void wsl_dns_msg_free(struct wsl_dns_msg *m);

#endif
