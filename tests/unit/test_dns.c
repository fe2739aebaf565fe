/*
 * Unit tests of providers/rfc2136: DNS messages (wire.h), TSIG (tsig.h), the client's
 * transport against small servers of this test (client.h) and the ownership record
 * (owner.h).
 *
 * Known answers, made independently of this code:
 *   - KDIG_*: queries signed by kdig (Knot DNS 3.2.6), caught with a UDP socket in Python:
 *       kdig @127.0.41.1 -p 5398 -y hmac-sha256:wissel-kat:c2VjcmV0LWtleS1mb3Itd2lzc2VsLWthdC0wMDAxMjM0NQ== \
 *            www.wissel.test. A
 *     and the answer of knotd 3.2.6 to it (through a Python UDP relay), with the key
 *     wissel-kat in its configuration; KDIG_BADKEY_* is the same before knotd knew the key.
 *     The MACs were also checked with OpenSSL over byte strings put together by hand in
 *     the shell from RFC 8945 §4.3 (request: the message without the TSIG record and
 *     ARCOUNT 0, then 0a"wissel-kat"00 00ff 00000000 0b"hmac-sha256"00 00006b0476ef 012c
 *     0000 0000; answer: 0020 + the request's MAC first):
 *       echo "$hex" | xxd -r -p | openssl dgst -sha256 -mac HMAC -macopt key:secret-key-for-wissel-kat-00012345
 *     printed the MACs found in the messages (b825611c... and 9f56d9c1...).
 *   - KDIG_512_REQ: the same for hmac-sha512, key wissel-kat512 whose secret is the base64 of
 *     "wissel-kat-sha512-key-0123456789-0123456789-0123456789-abcdefghi", query
 *     web.wissel.test. TXT with +norec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/buf.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/units.h"
#include "providers/rfc2136/client.h"
#include "providers/rfc2136/owner.h"
#include "providers/rfc2136/tsig.h"
#include "providers/rfc2136/wire.h"
#include "tests/unit/helpers/asserts.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define KAT_SECRET "c2VjcmV0LWtleS1mb3Itd2lzc2VsLWthdC0wMDAxMjM0NQ=="
#define KAT_TIME 0x6b0476efULL
#define KDIG_REQ                                                                              \
    "4cfb01200001000000000001037777770677697373656c047465737400000100010a77697373656c2d6b"    \
    "61740000fa00ff00000000003d0b686d61632d7368613235360000006b0476ef012c0020b825611cc874"    \
    "67baf5b1ed80023a5c687e31120ffb3dd567b7643dd9ae30d3804cfb00000000"
#define KNOT_RESP                                                                             \
    "4cfb85000001000100000001037777770677697373656c04746573740000010001c00c00010001000000"    \
    "3c00047f001e010a77697373656c2d6b61740000fa00ff00000000003d0b686d61632d73686132353600"    \
    "00006b0476ef012c00209f56d9c183e95afa9907698c9064526a510f2ee8792960a7b3c46f9d49de596b"    \
    "4cfb00000000"
#define KDIG_BADKEY_REQ                                                                       \
    "e29001200001000000000001037777770677697373656c047465737400000100010a77697373656c2d6b"    \
    "61740000fa00ff00000000003d0b686d61632d7368613235360000006b0476e9012c0020baef767cc808"    \
    "21c7aa39177e7f9974f587bb19fe3da56b9f6bc9391d9c4f8bdbe29000000000"
#define KNOT_BADKEY_RESP                                                                      \
    "e29081090001000000000001037777770677697373656c047465737400000100010a77697373656c2d6b"    \
    "61740000fa00ff00000000001d0b686d61632d7368613235360000006b0476e9012c0000e29000110000"
#define KDIG_512_REQ                                                                          \
    "b69900200001000000000001037765620677697373656c047465737400001000010d77697373656c2d6b"    \
    "61743531320000fa00ff00000000005d0b686d61632d7368613531320000006b0476f8012c0040985f1d"    \
    "624f62b15fb31b0786d00692ce75d8f31c6798bf7512f8ac23d0e06f265febaa4968c09f8c2036f06615"    \
    "32f937b73f7693dd072409c089f147f2ef1e83b69900000000"

/* A hand-made answer with compression (offsets in brackets):
 *   header ID 0x1234, QR AA, 1 question, 5 answers, 1 authority record
 *   [12] question web.wissel.test. A IN           ("wissel" at [16])
 *   [33] c00c A 192.0.2.1                          owner: a pointer to [12]
 *   [49] "alias" c00c CNAME "www" c010             owner alias.web.wissel.test.,
 *                                                  target www.wissel.test.
 *   [73] c031 TXT "heritage=wissel" "x\"y"         owner: a pointer to [49], whose name
 *                                                  ends in a pointer to [12]
 *        c00c AAAA 2001:db8::1
 *        c00c MX 10 c00c                           (decoded as raw data)
 *   auth c010 SOA "ns1" c010 "hostmaster" c010 7 60 60 3600 60 */
#define HANDMADE                                                                              \
    "123484000001000500010000037765620677697373656c04746573740000010001c00c00010001000000"    \
    "3c0004c000020105616c696173c00c000500010000003c000603777777c010c031001000010000003c00"    \
    "140f68657269746167653d77697373656c03782279c00c001c00010000003c001020010db80000000000"    \
    "00000000000001c00c000f00010000003c0004000ac00cc010000600010000003c0027036e7331c0100a"    \
    "686f73746d6173746572c010000000070000003c0000003c00000e100000003c"

static size_t unhex(const char *hex, unsigned char *out, size_t cap)
{
    size_t n = strlen(hex) / 2;
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
    return n;
}

/* Parse hex, expecting success. */
static void parse_hex(const char *hex, struct wsl_dns_msg *m)
{
    unsigned char b[1024];
    size_t n = unhex(hex, b, sizeof b);
    struct wsl_err err = {0};
    assert_code(wsl_dns_parse(b, n, m, &err), 0, &err);
}

/* --- names ------------------------------------------------------------------------- */

static void names_encode_and_refuse(void **state)
{
    unsigned char w[255];
    size_t n;
    struct wsl_err err = {0};
    assert_code(wsl_dns_name_encode("web.example.", w, &n, &err), 0, &err);
    assert_int_equal(n, 13);
    assert_memory_equal(w, "\3web\7example\0", 13);
    assert_code(wsl_dns_name_encode("web.example", w, &n, &err), 0, &err);
    assert_int_equal(n, 13);
    assert_code(wsl_dns_name_encode(".", w, &n, &err), 0, &err);
    assert_int_equal(n, 1);
    assert_int_equal(w[0], 0);

    char label63[80], label64[80], long_name[300];
    memset(label63, 'a', 63);
    strcpy(label63 + 63, ".example.");
    memset(label64, 'a', 64);
    strcpy(label64 + 64, ".example.");
    assert_code(wsl_dns_name_encode(label63, w, &n, &err), 0, &err);
    assert_code(wsl_dns_name_encode(label64, w, &n, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "longer than 63");
    /* 4 labels of 63 bytes: 4 * 64 + 1 = 257 bytes on the wire */
    long_name[0] = '\0';
    for (int i = 0; i < 4; i++) {
        strncat(long_name, label63, 63);
        strcat(long_name, ".");
    }
    assert_code(wsl_dns_name_encode(long_name, w, &n, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "255 bytes");
    const char *bad[] = {"", "a..b.", ".a.", "..", "a\\.b.", "a b.", "caf\xc3\xa9."};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_code(wsl_dns_name_encode(bad[i], w, &n, &err), WSL_E_INVALID, &err);
        assert_int_equal(n, 0);
        assert_true(err.hint[0]);
    }
    assert_code(wsl_dns_name_encode("a..b.", w, &n, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "empty label");
}

static void names_compare(void **state)
{
    assert_true(wsl_dns_name_equal("Web.Example.", "web.example"));
    assert_false(wsl_dns_name_equal("web.example.", "web.example.org."));
    assert_true(wsl_dns_name_equal(".", ""));
    assert_true(wsl_dns_name_in_zone("web.example.", "example."));
    assert_true(wsl_dns_name_in_zone("example.", "EXAMPLE"));
    assert_true(wsl_dns_name_in_zone("a.b.example", "example."));
    assert_false(wsl_dns_name_in_zone("webexample.", "example."));
    assert_false(wsl_dns_name_in_zone("example.", "web.example."));
    assert_false(wsl_dns_name_in_zone("a\\.example.", "example.")); /* one label "a.example" */
    assert_true(wsl_dns_name_in_zone("anything.", "."));
    assert_string_equal(wsl_dns_type_name(WSL_DNS_TXT), "TXT");
    assert_null(wsl_dns_type_name(99));
    assert_int_equal(wsl_dns_type_parse("aaaa"), WSL_DNS_AAAA);
    assert_int_equal(wsl_dns_type_parse("TYPE99"), 99);
    assert_int_equal(wsl_dns_type_parse("TYPE70000"), -1);
    assert_int_equal(wsl_dns_type_parse("MX"), -1);
    const char *codes[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
                           "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"};
    for (unsigned i = 0; i < 11; i++)
        assert_string_equal(wsl_dns_rcode_name(i), codes[i]);
    assert_string_equal(wsl_dns_rcode_name(16), "BADSIG");
    assert_string_equal(wsl_dns_rcode_name(17), "BADKEY");
    assert_string_equal(wsl_dns_rcode_name(18), "BADTIME");
    assert_string_equal(wsl_dns_rcode_name(12), "RCODE?");
}

/* --- building and parsing back ----------------------------------------------------- */

static void query_round_trip(void **state)
{
    struct wsl_buf b = WSL_BUF_INIT;
    struct wsl_err err = {0};
    assert_code(wsl_dns_query_encode(0xbeef, "Web.Example", WSL_DNS_AAAA, &b, &err), 0, &err);
    struct wsl_dns_msg m;
    assert_code(wsl_dns_parse(b.data, b.len, &m, &err), 0, &err);
    assert_int_equal(m.id, 0xbeef);
    assert_false(m.qr);
    assert_false(m.rd);
    assert_int_equal(m.opcode, WSL_DNS_OP_QUERY);
    assert_int_equal(m.nqd, 1);
    assert_string_equal(m.qd[0].name, "Web.Example.");
    assert_int_equal(m.qd[0].type, WSL_DNS_AAAA);
    assert_int_equal(m.qd[0].qclass, WSL_DNS_IN);
    assert_int_equal(m.nrr[0] + m.nrr[1] + m.nrr[2], 0);
    assert_null(m.tsig);
    wsl_dns_msg_free(&m);
    assert_code(wsl_dns_query_encode(1, "a..b", WSL_DNS_A, &b, &err), WSL_E_INVALID, &err);
    wsl_buf_free(&b);
}

static void rdata_values(void **state)
{
    struct wsl_buf b = WSL_BUF_INIT;
    struct wsl_err err = {0};
    assert_code(wsl_dns_rdata_encode(WSL_DNS_A, "192.0.2.7", &b, &err), 0, &err);
    assert_memory_equal(b.data, "\xc0\x00\x02\x07", 4);
    assert_code(wsl_dns_rdata_encode(WSL_DNS_AAAA, "2001:db8::1", &b, &err), 0, &err);
    assert_int_equal(b.len, 16);
    assert_code(wsl_dns_rdata_encode(WSL_DNS_CNAME, "x.example", &b, &err), 0, &err);
    assert_memory_equal(b.data, "\1x\7example\0", 11);
    char text[301];
    memset(text, 't', 300);
    text[300] = '\0';
    assert_code(wsl_dns_rdata_encode(WSL_DNS_TXT, text, &b, &err), 0, &err);
    assert_int_equal(b.len, 302); /* 255 and 45 bytes, each with its length */
    assert_int_equal((unsigned char)b.data[0], 255);
    assert_int_equal((unsigned char)b.data[256], 45);
    assert_code(wsl_dns_rdata_encode(WSL_DNS_TXT, "", &b, &err), 0, &err);
    assert_int_equal(b.len, 1);
    assert_code(wsl_dns_rdata_encode(WSL_DNS_A, "192.0.2", &b, &err), WSL_E_INVALID, &err);
    assert_code(wsl_dns_rdata_encode(WSL_DNS_AAAA, "192.0.2.1", &b, &err), WSL_E_INVALID, &err);
    assert_code(wsl_dns_rdata_encode(WSL_DNS_SOA, "x", &b, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "SOA");
    assert_code(wsl_dns_rdata_encode(99, "x", &b, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "TYPE99");
    wsl_buf_free(&b);
}

static void check_rr(const struct wsl_dns_rr *rr, const char *name, uint16_t type,
                     uint16_t rclass, uint32_t ttl, uint16_t rdlen)
{
    assert_string_equal(rr->name, name);
    assert_int_equal(rr->type, type);
    assert_int_equal(rr->rclass, rclass);
    assert_int_equal(rr->ttl, ttl);
    assert_int_equal(rr->rdlen, rdlen);
}

static void update_round_trip(void **state)
{
    struct wsl_dns_update u;
    struct wsl_err err = {0};
    assert_code(wsl_dns_update_init(&u, "wissel.test", &err), 0, &err);
    assert_code(wsl_dns_prereq_exists(&u, "a.wissel.test", WSL_DNS_A, &err), 0, &err);
    assert_code(wsl_dns_prereq_value(&u, "b.wissel.test.", WSL_DNS_TXT, "v", &err), 0, &err);
    assert_code(wsl_dns_prereq_absent(&u, "c.wissel.test.", WSL_DNS_AAAA, &err), 0, &err);
    assert_code(wsl_dns_prereq_name_used(&u, "d.wissel.test.", &err), 0, &err);
    assert_code(wsl_dns_prereq_name_unused(&u, "e.wissel.test.", &err), 0, &err);
    assert_code(wsl_dns_update_add(&u, "f.wissel.test.", WSL_DNS_A, 60, "192.0.2.1", &err), 0,
                &err);
    assert_code(wsl_dns_update_delete_rrset(&u, "g.wissel.test.", WSL_DNS_A, &err), 0, &err);
    assert_code(wsl_dns_update_delete_rr(&u, "h.wissel.test.", WSL_DNS_CNAME, "x.example.",
                                         &err), 0, &err);
    /* refused before anything is sent */
    assert_code(wsl_dns_update_add(&u, "web.example.", WSL_DNS_A, 60, "192.0.2.1", &err),
                WSL_E_INVALID, &err);
    assert_contains(err.msg, "not in the zone wissel.test.");
    assert_code(wsl_dns_update_add(&u, "x.wissel.test.", WSL_DNS_A, 60, "nope", &err),
                WSL_E_INVALID, &err);
    assert_code(wsl_dns_prereq_exists(&u, "x..wissel.test.", WSL_DNS_A, &err), WSL_E_INVALID,
                &err);
    assert_int_equal(u.npre, 5);
    assert_int_equal(u.nupd, 3);
    assert_string_equal(u.pre[2].what, "no c.wissel.test. AAAA record exists");
    assert_string_equal(u.pre[1].what,
                        "b.wissel.test. TXT \"v\" exists (and the RRset holds no other value)");
    assert_string_equal(u.pre[4].what, "e.wissel.test. has no records");
    assert_string_equal(u.upd[0].what, "add f.wissel.test. A 192.0.2.1");

    struct wsl_buf b = WSL_BUF_INIT;
    assert_code(wsl_dns_update_encode(&u, 7, &b, &err), 0, &err);
    struct wsl_dns_msg m;
    assert_code(wsl_dns_parse(b.data, b.len, &m, &err), 0, &err);
    assert_int_equal(m.opcode, WSL_DNS_OP_UPDATE);
    assert_int_equal(m.nqd, 1);
    assert_string_equal(m.qd[0].name, "wissel.test.");
    assert_int_equal(m.qd[0].type, WSL_DNS_SOA);
    const struct wsl_dns_rr *p = m.rr[WSL_DNS_ANSWER], *up = m.rr[WSL_DNS_AUTHORITY];
    assert_int_equal(m.nrr[WSL_DNS_ANSWER], 5);
    assert_int_equal(m.nrr[WSL_DNS_AUTHORITY], 3);
    /* RFC 2136 §2.4 and §2.5: the class and TTL say what each record means */
    check_rr(&p[0], "a.wissel.test.", WSL_DNS_A, WSL_DNS_CLASS_ANY, 0, 0);
    check_rr(&p[1], "b.wissel.test.", WSL_DNS_TXT, WSL_DNS_IN, 0, 2);
    assert_string_equal(p[1].text, "\"v\"");
    check_rr(&p[2], "c.wissel.test.", WSL_DNS_AAAA, WSL_DNS_CLASS_NONE, 0, 0);
    check_rr(&p[3], "d.wissel.test.", WSL_DNS_ANY, WSL_DNS_CLASS_ANY, 0, 0);
    check_rr(&p[4], "e.wissel.test.", WSL_DNS_ANY, WSL_DNS_CLASS_NONE, 0, 0);
    check_rr(&up[0], "f.wissel.test.", WSL_DNS_A, WSL_DNS_IN, 60, 4);
    assert_string_equal(up[0].text, "192.0.2.1");
    check_rr(&up[1], "g.wissel.test.", WSL_DNS_A, WSL_DNS_CLASS_ANY, 0, 0);
    check_rr(&up[2], "h.wissel.test.", WSL_DNS_CNAME, WSL_DNS_CLASS_NONE, 0, 11);
    assert_string_equal(up[2].u.cname, "x.example.");
    wsl_dns_msg_free(&m);
    wsl_buf_free(&b);
    wsl_dns_update_free(&u);
    assert_code(wsl_dns_update_init(&u, "bad..zone", &err), WSL_E_INVALID, &err);
    wsl_dns_update_free(&u);
}

static void handmade_answer_with_pointers(void **state)
{
    struct wsl_dns_msg m;
    parse_hex(HANDMADE, &m);
    assert_int_equal(m.id, 0x1234);
    assert_true(m.qr);
    assert_true(m.aa);
    assert_false(m.tc);
    assert_int_equal(m.rcode, WSL_DNS_NOERROR);
    assert_string_equal(m.qd[0].name, "web.wissel.test.");
    assert_int_equal(m.nrr[WSL_DNS_ANSWER], 5);
    const struct wsl_dns_rr *a = m.rr[WSL_DNS_ANSWER];
    check_rr(&a[0], "web.wissel.test.", WSL_DNS_A, WSL_DNS_IN, 60, 4);
    assert_memory_equal(a[0].u.a, "\xc0\x00\x02\x01", 4);
    assert_string_equal(a[0].text, "192.0.2.1");
    assert_int_equal(a[0].offset, 33);
    check_rr(&a[1], "alias.web.wissel.test.", WSL_DNS_CNAME, WSL_DNS_IN, 60, 6);
    assert_string_equal(a[1].u.cname, "www.wissel.test.");
    check_rr(&a[2], "alias.web.wissel.test.", WSL_DNS_TXT, WSL_DNS_IN, 60, 20);
    assert_int_equal(a[2].u.txt.strings, 2);
    assert_int_equal(a[2].u.txt.len, 18);
    assert_memory_equal(a[2].u.txt.data, "heritage=wisselx\"y", 18);
    assert_string_equal(a[2].text, "\"heritage=wissel\" \"x\\\"y\"");
    check_rr(&a[3], "web.wissel.test.", WSL_DNS_AAAA, WSL_DNS_IN, 60, 16);
    assert_string_equal(a[3].text, "2001:db8::1");
    check_rr(&a[4], "web.wissel.test.", 15, WSL_DNS_IN, 60, 4);
    assert_string_equal(a[4].text, "\\# 4 000ac00c");
    const struct wsl_dns_rr *soa = &m.rr[WSL_DNS_AUTHORITY][0];
    check_rr(soa, "wissel.test.", WSL_DNS_SOA, WSL_DNS_IN, 60, 39);
    assert_string_equal(soa->u.soa.mname, "ns1.wissel.test.");
    assert_string_equal(soa->u.soa.rname, "hostmaster.wissel.test.");
    assert_int_equal(soa->u.soa.serial, 7);
    assert_int_equal(soa->u.soa.expire, 3600);
    assert_string_equal(soa->text, "ns1.wissel.test. hostmaster.wissel.test. 7 60 60 3600 60");
    wsl_dns_msg_free(&m);
    wsl_dns_msg_free(&m); /* twice is harmless */
}

static void odd_bytes_in_names_are_escaped(void **state)
{
    /* question "a.b" (one label with a dot), "\0x", "\\" and '"' in labels */
    unsigned char b[64] = {0x00, 0x01, 0x80, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0,
                           3, 'a', '.', 'b', 2, 0, 'x', 2, '\\', '"', 0, 0, 1, 0, 1};
    struct wsl_dns_msg m;
    struct wsl_err err = {0};
    assert_code(wsl_dns_parse(b, 27, &m, &err), 0, &err);
    assert_string_equal(m.qd[0].name, "a\\.b.\\000x.\\\\\".");
    assert_false(wsl_dns_name_in_zone(m.qd[0].name, "b."));
    wsl_dns_msg_free(&m);
}

/* --- malicious and broken messages ------------------------------------------------- */

/* hex must be refused, with a message containing want. */
static void refused_hex(const char *hex, const char *want)
{
    unsigned char b[1024];
    size_t n = unhex(hex, b, sizeof b);
    struct wsl_dns_msg m;
    struct wsl_err err = {0};
    assert_code(wsl_dns_parse(b, n, &m, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, want);
    assert_null(m.arena);
    wsl_dns_msg_free(&m);
}

#define HDR_1Q "123481800001000000000000" /* one question */
#define HDR_1Q_1AN "123481800001000100000000"

static void malicious_messages_refused(void **state)
{
    struct wsl_dns_msg m;
    struct wsl_err err = {0};
    assert_code(wsl_dns_parse("", 0, &m, &err), WSL_E_INVALID, &err);
    assert_code(wsl_dns_parse(NULL, 0, &m, &err), WSL_E_INVALID, &err);
    assert_code(wsl_dns_parse("\x12\x34\x81\x80\0\0\0\0\0\0\0", 11, &m, &err), WSL_E_INVALID,
                &err);
    /* a pointer to itself, to a later byte, into the header, past the end, cut off */
    refused_hex(HDR_1Q "c00c00010001", "compression pointer to byte 12");
    refused_hex(HDR_1Q "c00e0001000100", "pointers must point backwards");
    refused_hex(HDR_1Q "c002000100", "compression pointer to byte 2");
    refused_hex(HDR_1Q "ffff000100", "compression pointer to byte 16383");
    refused_hex(HDR_1Q "03616263c0", "cut off");
    /* two names pointing at each other (the first pointer points forwards) */
    refused_hex(HDR_1Q_1AN "0161c01200010001" "0162c00c000100010000003c0000", "backwards");
    /* a loop behind a good pointer: the second record's owner points back into the first
     * record's data [23], whose "c" label is followed by a pointer to [23] again */
    refused_hex("123481800000000200000000" "00006300010000003c0004" "0163c017"
                "c017000100010000003c0000", "compression pointer to byte 23");
    /* a label longer than 63 (type bits 01), a label past the end, no final zero */
    refused_hex(HDR_1Q "4061626364", "unknown type 0x40");
    refused_hex(HDR_1Q "0561620001", "runs past the end");
    refused_hex(HDR_1Q "0461626364", "a name runs past the end");
    /* a question or a record cut short, record data past the end */
    refused_hex(HDR_1Q "016100000100", "question cut off");
    refused_hex(HDR_1Q_1AN "01610000010001" "0568656c6c6f00" "0001", "cut off after its name");
    refused_hex(HDR_1Q_1AN "01610000010001" "00000100010000000000" "05c0000201",
                "record data of 5 bytes runs past the end");
    /* data that does not match its type */
    refused_hex(HDR_1Q_1AN "01610000010001" "000001000100000000" "0003c00002",
                "an A record of 3 bytes");
    refused_hex(HDR_1Q_1AN "016100001c0001" "00001c000100000000" "0004c0000201",
                "an AAAA record of 4 bytes");
    refused_hex(HDR_1Q_1AN "01610000100001" "000010000100000000" "0003056162",
                "TXT string of 5 bytes");
    refused_hex(HDR_1Q_1AN "01610000050001" "000005000100000000" "00050162c00c01",
                "CNAME record whose name does not fill");
    refused_hex(HDR_1Q_1AN "01610000060001" "000006000100000000" "00050000000000",
                "SOA record whose numbers");
    /* more records counted than bytes could hold; bytes after the last record */
    refused_hex("1234818000010000ffff0000" "01610000010001", "header counts more");
    refused_hex("12348180ffffffffffffffff", "header counts more");
    refused_hex(HDR_1Q "01610000010001ff", "1 bytes after the last record");
    /* TSIG anywhere but last, a MAC past its record */
    refused_hex("1234818000000000000000020000fa00ff00000000001d0b686d61632d7368613235360000"
                "0000000000012c000000000000000000000100010000000000040a000001",
                "TSIG record that is not the last");
    refused_hex("1234818000000000000000010000fa00ff00000000001d0b686d61632d7368613235360000"
                "0000000000012c0040000000000000", "TSIG MAC of 64 bytes");
}

/* Every prefix and many single-byte changes of real messages: refused or parsed, never a
 * read out of bounds (ASan) or undefined behaviour (UBSan). */
static void mutations_never_crash(void **state)
{
    const char *seeds[] = {HANDMADE, KNOT_RESP, KNOT_BADKEY_RESP, KDIG_512_REQ};
    const unsigned char values[] = {0x00, 0x01, 0x3f, 0x40, 0x80, 0xc0, 0xc1, 0xff};
    for (size_t s = 0; s < sizeof seeds / sizeof *seeds; s++) {
        unsigned char b[1024];
        size_t n = unhex(seeds[s], b, sizeof b);
        for (size_t len = 0; len <= n; len++) {
            unsigned char *copy = malloc(len ? len : 1); /* exact size: ASan sees overreads */
            memcpy(copy, b, len);
            struct wsl_dns_msg m;
            int rc = wsl_dns_parse(copy, len, &m, NULL);
            assert_true(rc == 0 || rc == WSL_E_INVALID);
            assert_true(rc != 0 || len == n);
            wsl_dns_msg_free(&m);
            free(copy);
        }
        for (size_t i = 0; i < n; i++) {
            for (size_t v = 0; v < sizeof values; v++) {
                unsigned char *copy = malloc(n);
                memcpy(copy, b, n);
                copy[i] = values[v];
                struct wsl_dns_msg m;
                int rc = wsl_dns_parse(copy, n, &m, NULL);
                assert_true(rc == 0 || rc == WSL_E_INVALID);
                wsl_dns_msg_free(&m);
                free(copy);
            }
        }
    }
}

/* --- TSIG -------------------------------------------------------------------------- */

static void kat_key(struct wsl_tsig_key *k, const char *name)
{
    struct wsl_err err = {0};
    assert_code(wsl_tsig_key_init(k, name, "hmac-sha256", KAT_SECRET "\n", &err), 0, &err);
}

/* Strip the TSIG record from a signed request: the message as it was before signing. */
static size_t unsigned_part(const unsigned char *b, size_t n, unsigned char *out)
{
    struct wsl_dns_msg m;
    struct wsl_err err = {0};
    assert_code(wsl_dns_parse(b, n, &m, &err), 0, &err);
    assert_non_null(m.tsig);
    size_t len = m.tsig->offset;
    memcpy(out, b, len);
    out[11]--; /* ARCOUNT, one record less */
    wsl_dns_msg_free(&m);
    return len;
}

static void tsig_signs_as_kdig_does(void **state)
{
    const struct {
        const char *hex, *name, *alg, *secret;
        uint64_t time;
    } cases[] = {
        {KDIG_REQ, "wissel-kat", "hmac-sha256", KAT_SECRET, KAT_TIME},
        {KDIG_512_REQ, "Wissel-KAT512.", "hmac-sha512",
         "d2lzc2VsLWthdC1zaGE1MTIta2V5LTAxMjM0NTY3ODktMDEyMzQ1Njc4OS0wMTIzNDU2Nzg5LWFiY2RlZmdoaQ==",
         0x6b0476f8ULL},
    };
    for (size_t i = 0; i < 2; i++) {
        unsigned char want[512], plain[512];
        size_t n = unhex(cases[i].hex, want, sizeof want);
        size_t len = unsigned_part(want, n, plain);
        struct wsl_tsig_key k;
        struct wsl_err err = {0};
        assert_code(wsl_tsig_key_init(&k, cases[i].name, cases[i].alg, cases[i].secret, &err),
                    0, &err);
        struct wsl_buf msg = WSL_BUF_INIT;
        wsl_buf_append(&msg, plain, len);
        struct wsl_tsig_request req;
        assert_code(wsl_tsig_sign(&k, &msg, cases[i].time, &req, &err), 0, &err);
        assert_int_equal(msg.len, n);
        assert_memory_equal(msg.data, want, n); /* byte for byte what kdig sent */
        assert_int_equal(req.mac_len, i ? 64 : 32);
        wsl_buf_free(&msg);
        wsl_tsig_key_free(&k);
    }
}

/* The request state of a kdig request (its ID, time and MAC), as wsl_tsig_sign keeps it. */
static void request_of(const char *hex, struct wsl_tsig_request *req)
{
    struct wsl_dns_msg m;
    parse_hex(hex, &m);
    req->id = m.id;
    req->time_signed = m.tsig->u.tsig.time_signed;
    req->mac_len = m.tsig->u.tsig.mac_size;
    memcpy(req->mac, m.tsig->u.tsig.mac, req->mac_len);
    wsl_dns_msg_free(&m);
}

static enum wsl_tsig_verdict verify_hex(const struct wsl_tsig_key *k,
                                        const struct wsl_tsig_request *req, const char *hex,
                                        int flip, uint64_t now, struct wsl_err *err)
{
    unsigned char b[512];
    size_t n = unhex(hex, b, sizeof b);
    if (flip >= 0)
        b[flip] ^= 0x01;
    struct wsl_dns_msg m;
    assert_code(wsl_dns_parse(b, n, &m, err), 0, err);
    enum wsl_tsig_verdict v = WSL_TSIG_VERIFIED;
    int rc = wsl_tsig_verify(k, req, &m, now, &v, err);
    assert_int_equal(rc, v == WSL_TSIG_VERIFIED ? 0 : WSL_E_AUTH);
    wsl_dns_msg_free(&m);
    return v;
}

static void tsig_verifies_knots_answer(void **state)
{
    struct wsl_tsig_key k, other, sha512;
    struct wsl_tsig_request req;
    struct wsl_err err = {0};
    kat_key(&k, "wissel-kat.");
    kat_key(&other, "other-key");
    assert_code(wsl_tsig_key_init(&sha512, "wissel-kat", "hmac-sha512", KAT_SECRET, &err), 0,
                &err);
    request_of(KDIG_REQ, &req);
    assert_int_equal(verify_hex(&k, &req, KNOT_RESP, -1, KAT_TIME, &err), WSL_TSIG_VERIFIED);
    assert_int_equal(verify_hex(&k, &req, KNOT_RESP, -1, KAT_TIME + 300, &err),
                     WSL_TSIG_VERIFIED);
    /* one bit of the address 127.0.30.1 (byte 48) changed */
    assert_int_equal(verify_hex(&k, &req, KNOT_RESP, 48, KAT_TIME, &err), WSL_TSIG_BAD_MAC);
    assert_contains(err.msg, "does not verify with key wissel-kat:");
    assert_int_equal(verify_hex(&k, &req, KNOT_RESP, 3, KAT_TIME, &err), WSL_TSIG_BAD_MAC);
    /* the header's ID is not signed as it is, the TSIG's original ID is (RFC 8945 §4.3.2):
     * the transport matches the ID */
    assert_int_equal(verify_hex(&k, &req, KNOT_RESP, 0, KAT_TIME, &err), WSL_TSIG_VERIFIED);
    assert_int_equal(verify_hex(&k, &req, KNOT_RESP, 131 - 8, KAT_TIME, &err),
                     WSL_TSIG_BAD_MAC); /* the MAC itself */
    assert_int_equal(verify_hex(&k, &req, KNOT_RESP, -1, KAT_TIME + 301, &err),
                     WSL_TSIG_BAD_TIME);
    assert_contains(err.msg, "301 s away");
    assert_int_equal(verify_hex(&other, &req, KNOT_RESP, -1, KAT_TIME, &err),
                     WSL_TSIG_WRONG_KEY);
    assert_contains(err.msg, "signed with TSIG key wissel-kat.");
    assert_int_equal(verify_hex(&sha512, &req, KNOT_RESP, -1, KAT_TIME, &err),
                     WSL_TSIG_WRONG_KEY);
    /* the answer to another request: the request MAC in front no longer matches */
    struct wsl_tsig_request stale = req;
    stale.mac[0] ^= 1;
    assert_int_equal(verify_hex(&k, &stale, KNOT_RESP, -1, KAT_TIME, &err), WSL_TSIG_BAD_MAC);
    /* an answer without TSIG */
    assert_int_equal(verify_hex(&k, &req, HANDMADE, -1, KAT_TIME, &err), WSL_TSIG_UNSIGNED);
    assert_contains(err.msg, "not signed");
    /* knotd before it knew the key: NOTAUTH with TSIG error BADKEY, unsigned */
    request_of(KDIG_BADKEY_REQ, &req);
    assert_int_equal(verify_hex(&k, &req, KNOT_BADKEY_RESP, -1, KAT_TIME, &err),
                     WSL_TSIG_REFUSED);
    assert_string_equal(err.msg, "the server refused the TSIG key wissel-kat (BADKEY)");
    assert_contains(err.hint, "check the key name and algorithm");
    wsl_tsig_key_free(&k);
    wsl_tsig_key_free(&other);
    wsl_tsig_key_free(&sha512);
}

/* A server's signature on an answer, written here from RFC 8945 §4.3.2 apart from tsig.c:
 * the request MAC, the answer, the TSIG variables (with error and other data). */
static void server_sign(struct wsl_buf *resp, const char *secret, size_t secret_len,
                        const struct wsl_tsig_request *req, uint64_t time, unsigned error,
                        const unsigned char *other, unsigned other_len)
{
    static const unsigned char name[] = "\x0bwissel-test\0", alg[] = "\x0bhmac-sha256\0";
    unsigned char t[6] = {(unsigned char)(time >> 40), (unsigned char)(time >> 32),
                          (unsigned char)(time >> 24), (unsigned char)(time >> 16),
                          (unsigned char)(time >> 8), (unsigned char)time};
    unsigned char tail[6] = {0x01, 0x2c, (unsigned char)(error >> 8), (unsigned char)error,
                             (unsigned char)(other_len >> 8), (unsigned char)other_len};
    struct wsl_buf in = WSL_BUF_INIT;
    unsigned char n2[2] = {0, (unsigned char)req->mac_len};
    wsl_buf_append(&in, n2, 2);
    wsl_buf_append(&in, req->mac, req->mac_len);
    wsl_buf_append(&in, resp->data, resp->len);
    wsl_buf_append(&in, name, 13);
    wsl_buf_append(&in, "\x00\xff\0\0\0\0", 6);
    wsl_buf_append(&in, alg, 13);
    wsl_buf_append(&in, t, 6);
    wsl_buf_append(&in, tail, 6);
    wsl_buf_append(&in, other, other_len);
    unsigned char mac[32];
    wsl_hmac_sha256(secret, secret_len, in.data, in.len, mac);
    wsl_buf_free(&in);
    unsigned rdlen = 13 + 6 + 2 + 2 + 32 + 2 + 2 + 2 + other_len;
    unsigned char rr[10] = {0, 250, 0, 255, 0, 0, 0, 0, 0, (unsigned char)rdlen};
    wsl_buf_append(resp, name, 13);
    wsl_buf_append(resp, rr, 10);
    wsl_buf_append(resp, alg, 13);
    wsl_buf_append(resp, t, 6);
    wsl_buf_append(resp, "\x01\x2c\x00\x20", 4);
    wsl_buf_append(resp, mac, 32);
    unsigned char id[2] = {(unsigned char)(req->id >> 8), (unsigned char)req->id};
    wsl_buf_append(resp, id, 2);
    wsl_buf_append(resp, tail + 2, 4);
    wsl_buf_append(resp, other, other_len);
    resp->data[11]++;
}

static void tsig_round_trip(void **state)
{
    struct wsl_tsig_key k;
    struct wsl_err err = {0};
    /* base64 of "0123456789abcdef0123456789abcdef" */
    const char *secret = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    assert_code(wsl_tsig_key_init(&k, "wissel-test", NULL, secret, &err), 0, &err);
    assert_string_equal(k.name, "wissel-test.");
    assert_int_equal(k.alg, WSL_TSIG_HMAC_SHA256);
    struct wsl_buf msg = WSL_BUF_INIT;
    struct wsl_tsig_request req;
    assert_code(wsl_dns_query_encode(0x4242, "web.wissel.test.", WSL_DNS_A, &msg, &err), 0,
                &err);
    assert_code(wsl_tsig_sign(&k, &msg, 1700000000, &req, &err), 0, &err);
    struct wsl_dns_msg m;
    assert_code(wsl_dns_parse(msg.data, msg.len, &m, &err), 0, &err);
    assert_non_null(m.tsig);
    assert_string_equal(m.tsig->name, "wissel-test.");
    assert_string_equal(m.tsig->u.tsig.algorithm, "hmac-sha256.");
    assert_int_equal(m.tsig->u.tsig.fudge, 300);
    assert_int_equal(m.tsig->u.tsig.time_signed, 1700000000);
    assert_int_equal(m.tsig->u.tsig.original_id, 0x4242);
    assert_memory_equal(m.tsig->u.tsig.mac, req.mac, 32);
    wsl_dns_msg_free(&m);

    /* the answer: our query turned into a response, signed as a server would */
    struct wsl_buf resp = WSL_BUF_INIT;
    assert_code(wsl_dns_query_encode(0x4242, "web.wissel.test.", WSL_DNS_A, &resp, &err), 0,
                &err);
    resp.data[2] = (char)0x84;
    const char *raw = "0123456789abcdef0123456789abcdef";
    server_sign(&resp, raw, 32, &req, 1700000010, 0, NULL, 0);
    struct wsl_buf tampered = WSL_BUF_INIT;
    wsl_buf_append(&tampered, resp.data, resp.len);
    tampered.data[20] ^= 0x20; /* a letter of the question's name, upper-cased */
    enum wsl_tsig_verdict v;
    assert_code(wsl_dns_parse(resp.data, resp.len, &m, &err), 0, &err);
    assert_code(wsl_tsig_verify(&k, &req, &m, 1700000010, &v, &err), 0, &err);
    assert_int_equal(v, WSL_TSIG_VERIFIED);
    wsl_dns_msg_free(&m);
    assert_code(wsl_dns_parse(tampered.data, tampered.len, &m, &err), 0, &err);
    assert_code(wsl_tsig_verify(&k, &req, &m, 1700000010, &v, &err), WSL_E_AUTH, &err);
    assert_int_equal(v, WSL_TSIG_BAD_MAC);
    wsl_dns_msg_free(&m);

    /* the same name, another secret: BADSIG-like on our side */
    struct wsl_tsig_key k2;
    assert_code(wsl_tsig_key_init(&k2, "wissel-test.", "hmac-sha256",
                                  "MTIzNDU2Nzg5MGFiY2RlZjEyMzQ1Njc4OTBhYmNkZWY=", &err), 0, &err);
    assert_code(wsl_dns_parse(resp.data, resp.len, &m, &err), 0, &err);
    assert_code(wsl_tsig_verify(&k2, &req, &m, 1700000010, &v, &err), WSL_E_AUTH, &err);
    assert_int_equal(v, WSL_TSIG_BAD_MAC);
    wsl_dns_msg_free(&m);

    /* BADTIME from the server, signed, with its clock in the other data */
    assert_code(wsl_dns_query_encode(0x4242, "web.wissel.test.", WSL_DNS_A, &resp, &err), 0,
                &err);
    resp.data[2] = (char)0x80;
    resp.data[3] = 0x09; /* NOTAUTH */
    const unsigned char clock[6] = {0, 0, 0x65, 0x53, 0xf1, 0x00};
    server_sign(&resp, raw, 32, &req, 0x6553f100, WSL_DNS_BADTIME, clock, 6);
    assert_code(wsl_dns_parse(resp.data, resp.len, &m, &err), 0, &err);
    assert_code(wsl_tsig_verify(&k, &req, &m, 1700000010, &v, &err), WSL_E_AUTH, &err);
    assert_int_equal(v, WSL_TSIG_REFUSED);
    assert_contains(err.msg, "BADTIME");
    assert_contains(err.msg, "its clock reads 1700000000, ours 1700000010");
    wsl_dns_msg_free(&m);

    wsl_buf_free(&tampered);
    wsl_buf_free(&resp);
    wsl_buf_free(&msg);
    wsl_tsig_key_free(&k);
    wsl_tsig_key_free(&k2);
}

static void emit_with_secret(void)
{
    wsl_logf(WSL_LOG_ERROR, "dns", "secret is %s", "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=");
}

static void tsig_keys_refused_without_showing_the_secret(void **state)
{
    struct wsl_tsig_key k;
    struct wsl_err err = {0};
    const char *bad = "c2VjcmV0LWtleS1mb3Itd2lzc2VsLWthdC0wMDAxMjM0NQ=!";
    assert_code(wsl_tsig_key_init(&k, "wissel-test", NULL, bad, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "not valid base64");
    assert_not_contains(err.msg, "c2Vj");
    assert_not_contains(err.msg, "0x21"); /* base64's own message would name the character */
    assert_null(k.secret);
    assert_code(wsl_tsig_key_init(&k, "wissel-test", NULL, " \n", &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "empty");
    assert_code(wsl_tsig_key_init(&k, "wissel-test", "hmac-md5", KAT_SECRET, &err),
                WSL_E_INVALID, &err);
    assert_contains(err.msg, "hmac-md5");
    assert_code(wsl_tsig_key_init(&k, "bad..name", NULL, KAT_SECRET, &err), WSL_E_INVALID,
                &err);
    assert_contains(err.msg, "TSIG key name");
    assert_code(wsl_tsig_key_init(&k, "k", "HMAC-SHA512.", KAT_SECRET, &err), 0, &err);
    assert_int_equal(k.alg, WSL_TSIG_HMAC_SHA512);
    assert_string_equal(wsl_tsig_alg_name(k.alg), "hmac-sha512");
    wsl_tsig_key_free(&k);
    assert_null(k.secret);

    /* a key's secret text is masked in every later log line */
    assert_code(wsl_tsig_key_init(&k, "k", NULL, "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                                  &err), 0, &err);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    wsl_log_setup(WSL_LOG_DEBUG, WSL_LOG_TEXT, f);
    emit_with_secret();
    fclose(f);
    wsl_log_setup(WSL_LOG_WARN, WSL_LOG_AUTO, NULL);
    assert_contains(text, "secret is");
    assert_not_contains(text, "MDEyMzQ1");
    free(text);
    wsl_log_secrets_clear();
    wsl_tsig_key_free(&k);
}

/* --- the ownership record ---------------------------------------------------------- */

static void owner_records(void **state)
{
    char name[256], text[256];
    struct wsl_err err = {0};
    assert_code(wsl_dns_owner_name("web.wissel.test", name, &err), 0, &err);
    assert_string_equal(name, "wissel-owner.web.wissel.test.");
    char label[64];
    memset(label, 'a', 63);
    label[63] = '\0';
    char longname[300];
    snprintf(longname, sizeof longname, "%s.%s.%s.%.50s.", label, label, label, label);
    assert_code(wsl_dns_owner_name(longname, name, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "too long to have an ownership record");
    snprintf(longname, sizeof longname, "%s.%s.%s.%.48s.", label, label, label, label);
    assert_code(wsl_dns_owner_name(longname, name, &err), 0, &err); /* 253 characters */
    assert_int_equal(strlen(name), 254);
    assert_code(wsl_dns_owner_name("web..wissel.test", name, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "not a valid DNS name");
    snprintf(longname, sizeof longname, "%sa.wissel.test", label);
    assert_code(wsl_dns_owner_name(longname, name, &err), WSL_E_INVALID, &err);

    assert_code(wsl_dns_owner_format("burgerportaal", "haven-ams", text, &err), 0, &err);
    assert_string_equal(text, "heritage=wissel,wissel.dev/app=burgerportaal,"
                              "wissel.dev/target=haven-ams");
    char refused[256];
    assert_code(wsl_dns_owner_format("a,b", "t", refused, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "\"a,b\" cannot be written");
    assert_code(wsl_dns_owner_format("a", "", refused, &err), WSL_E_INVALID, &err);
    assert_string_equal(refused, "");

    struct wsl_dns_owner o;
    assert_code(wsl_dns_owner_parse(text, strlen(text), &o, &err), 0, &err);
    assert_string_equal(o.app, "burgerportaal");
    assert_string_equal(o.target, "haven-ams");
    const char *reordered = "wissel.dev/target=t,future=1,heritage=wissel,wissel.dev/app=a";
    assert_code(wsl_dns_owner_parse(reordered, strlen(reordered), &o, &err), 0, &err);
    assert_string_equal(o.app, "a");
    assert_string_equal(o.target, "t");
    const char *theirs[] = {"heritage=external-dns,external-dns/owner=default", "", "v=spf1 -all",
                            "heritage=wissel-not"};
    for (size_t i = 0; i < sizeof theirs / sizeof *theirs; i++)
        assert_code(wsl_dns_owner_parse(theirs[i], strlen(theirs[i]), &o, &err),
                    WSL_E_NOTFOUND, &err);
    const char *broken[] = {"heritage=wissel", "heritage=wissel,wissel.dev/app=a",
                            "heritage=wissel,wissel.dev/app=a,wissel.dev/target=t,",
                            "heritage=wissel,wissel.dev/app=a,wissel.dev/app=b,wissel.dev/target=t",
                            "junk,heritage=wissel,wissel.dev/app=a,wissel.dev/target=t"};
    for (size_t i = 0; i < sizeof broken / sizeof *broken; i++)
        assert_code(wsl_dns_owner_parse(broken[i], strlen(broken[i]), &o, &err), WSL_E_INVALID,
                    &err);
    const char nul[] = "heritage=wissel,wissel.dev/app=a\0b,wissel.dev/target=t";
    assert_code(wsl_dns_owner_parse(nul, sizeof nul - 1, &o, &err), WSL_E_INVALID, &err);

    struct wsl_dns_update u;
    assert_code(wsl_dns_update_init(&u, "wissel.test.", &err), 0, &err);
    assert_code(wsl_dns_owner_require(&u, "web.wissel.test.", "app", "tgt", &err), 0, &err);
    assert_code(wsl_dns_owner_claim(&u, "new.wissel.test.", "app", "tgt", 60, &err), 0, &err);
    assert_code(wsl_dns_owner_release(&u, "old.wissel.test.", &err), 0, &err);
    assert_int_equal(u.npre, 2);
    assert_int_equal(u.nupd, 2);
    assert_string_equal(u.pre[0].name, "wissel-owner.web.wissel.test.");
    assert_int_equal(u.pre[0].rclass, WSL_DNS_IN); /* value dependent */
    assert_int_equal(u.pre[1].rclass, WSL_DNS_CLASS_NONE);
    assert_int_equal(u.upd[0].type, WSL_DNS_TXT);
    assert_int_equal(u.upd[0].ttl, 60);
    assert_int_equal(u.upd[1].rclass, WSL_DNS_CLASS_ANY);
    assert_string_equal(u.upd[1].name, "wissel-owner.old.wissel.test.");
    wsl_dns_update_free(&u);
}

/* --- the client against small servers of this test --------------------------------- */

static void client_addresses(void **state)
{
    struct wsl_dns_client c;
    struct wsl_err err = {0};
    assert_code(wsl_dns_client_init(&c, "127.0.0.1:5353", NULL, &err), 0, &err);
    assert_string_equal(c.host, "127.0.0.1");
    assert_string_equal(c.port, "5353");
    assert_int_equal(c.timeout_ms, WSL_DNS_TIMEOUT_MS);
    assert_code(wsl_dns_client_init(&c, "[::1]:53", NULL, &err), 0, &err);
    assert_string_equal(c.host, "::1");
    assert_code(wsl_dns_client_init(&c, "2001:db8::53", NULL, &err), 0, &err);
    assert_string_equal(c.host, "2001:db8::53");
    assert_string_equal(c.port, "53");
    assert_code(wsl_dns_client_init(&c, "ns1.example.org", NULL, &err), 0, &err);
    assert_string_equal(c.port, "53");
    const char *bad[] = {"", ":53", "h:0", "h:65536", "h:5x", "[::1", "[::1]x", "[]:53", "h:"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_code(wsl_dns_client_init(&c, bad[i], NULL, &err), WSL_E_INVALID, &err);
        assert_contains(err.hint, "host:port");
    }
}

/* A server of this test: a UDP socket and a TCP listener on one loopback port. */
struct fake {
    int udp, tcp;
    unsigned short port;
    char server[64];
    int mode; /* what it answers, see fake_run */
    pthread_t thread;
};

static void fake_open(struct fake *f, int mode)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    for (int tries = 0; tries < 20; tries++) {
        f->udp = socket(AF_INET, SOCK_DGRAM, 0);
        a.sin_port = 0;
        assert_int_equal(bind(f->udp, (struct sockaddr *)&a, sizeof a), 0);
        getsockname(f->udp, (struct sockaddr *)&a, &al);
        f->tcp = socket(AF_INET, SOCK_STREAM, 0);
        if (bind(f->tcp, (struct sockaddr *)&a, sizeof a) == 0)
            break;
        close(f->udp);
        close(f->tcp);
    }
    assert_int_equal(listen(f->tcp, 4), 0);
    f->port = ntohs(a.sin_port);
    f->mode = mode;
    snprintf(f->server, sizeof f->server, "127.0.0.1:%u", f->port);
}

/* The answer to query q (n bytes): the question, and one A record 192.0.2.99. */
static size_t answer(const unsigned char *q, size_t n, unsigned char *out, bool tc)
{
    memcpy(out, q, n);
    out[2] = tc ? 0x86 : 0x84;
    out[7] = tc ? 0 : 1;
    if (tc)
        return n;
    memcpy(out + n, "\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\xc0\x00\x02\x63", 16);
    return n + 16;
}

static void *fake_run(void *arg)
{
    struct fake *f = arg;
    unsigned char q[512], r[600];
    struct sockaddr_in from;
    socklen_t fl = sizeof from;
    ssize_t n = recvfrom(f->udp, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
    if (n < 16)
        return NULL;
    /* first, over UDP, what must be ignored: mode 1 an answer with another ID, mode 2 the
     * answer to another question (type AAAA) */
    size_t k = answer(q, (size_t)n, r, false);
    if (f->mode == 1)
        r[0] ^= 0xff;
    else
        r[n - 3] = WSL_DNS_AAAA;
    sendto(f->udp, r, k, 0, (struct sockaddr *)&from, fl);
    /* then mode 2 the answer; mode 1 a truncated one, and the answer over TCP */
    k = answer(q, (size_t)n, r, f->mode == 1);
    sendto(f->udp, r, k, 0, (struct sockaddr *)&from, fl);
    if (f->mode == 2)
        return NULL;
    int c = accept(f->tcp, NULL, NULL);
    unsigned char len[2];
    if (c < 0 || recv(c, len, 2, MSG_WAITALL) != 2) {
        close(c);
        return NULL;
    }
    n = recv(c, q, (size_t)(len[0] << 8 | len[1]), MSG_WAITALL);
    if (n >= 12) {
        k = answer(q, (size_t)n, r + 2, false);
        r[0] = (unsigned char)(k >> 8);
        r[1] = (unsigned char)k;
        send(c, r, k + 2, 0);
    }
    close(c);
    return NULL;
}

static void fake_close(struct fake *f)
{
    close(f->udp);
    close(f->tcp);
}

static void client_falls_back_to_tcp(void **state)
{
    for (int mode = 1; mode <= 2; mode++) {
        struct fake f;
        fake_open(&f, mode);
        pthread_create(&f.thread, NULL, fake_run, &f);
        struct wsl_dns_client c;
        struct wsl_err err = {0};
        assert_code(wsl_dns_client_init(&c, f.server, NULL, &err), 0, &err);
        struct wsl_dns_msg m;
        assert_code(wsl_dns_query(&c, "web.wissel.test.", WSL_DNS_A, &m, &err), 0, &err);
        assert_int_equal(m.nrr[WSL_DNS_ANSWER], 1);
        assert_string_equal(m.rr[WSL_DNS_ANSWER][0].text, "192.0.2.99");
        assert_false(m.tc);
        wsl_dns_msg_free(&m);
        pthread_join(f.thread, NULL);
        fake_close(&f);
    }
}

static void client_times_out_and_reports(void **state)
{
    struct fake f;
    fake_open(&f, 0); /* nobody reads: no answer */
    struct wsl_dns_client c;
    struct wsl_err err = {0};
    assert_code(wsl_dns_client_init(&c, f.server, NULL, &err), 0, &err);
    c.timeout_ms = 100;
    c.attempts = 2;
    struct wsl_dns_msg m;
    int64_t t0 = wsl_monotonic_ms();
    assert_code(wsl_dns_query(&c, "web.wissel.test.", WSL_DNS_A, &m, &err), WSL_E_TIMEOUT,
                &err);
    assert_true(wsl_monotonic_ms() - t0 >= 200);
    assert_contains(err.msg, "DNS query web.wissel.test. A at 127.0.0.1:");
    assert_contains(err.msg, "no answer within 100 ms (2 attempts over UDP)");
    assert_true(err.hint[0]);
    /* over TCP: connected, but no answer */
    c.tcp = true;
    assert_code(wsl_dns_query(&c, "web.wissel.test.", WSL_DNS_A, &m, &err), WSL_E_TIMEOUT,
                &err);
    assert_contains(err.msg, "over TCP");
    fake_close(&f);
    /* the port is closed now: refused at once */
    c.tcp = false;
    c.timeout_ms = 2000;
    t0 = wsl_monotonic_ms();
    assert_code(wsl_dns_query(&c, "web.wissel.test.", WSL_DNS_A, &m, &err), WSL_E_NET, &err);
    assert_true(wsl_monotonic_ms() - t0 < 1000);
    assert_contains(err.msg, "nothing answers on that port");
    c.tcp = true;
    assert_code(wsl_dns_query(&c, "web.wissel.test.", WSL_DNS_A, &m, &err), WSL_E_NET, &err);
    assert_contains(err.msg, "cannot connect over TCP");
    struct wsl_dns_update u;
    assert_code(wsl_dns_update_init(&u, "wissel.test.", &err), 0, &err);
    assert_code(wsl_dns_update_add(&u, "web.wissel.test.", WSL_DNS_A, 60, "192.0.2.1", &err), 0,
                &err);
    assert_code(wsl_dns_update(&c, &u, &err), WSL_E_NET, &err);
    assert_contains(err.msg, "DNS update of zone wissel.test. at 127.0.0.1:");
    assert_contains(err.msg, "(web.wissel.test.)");
    wsl_dns_update_free(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_encode_and_refuse),
        cmocka_unit_test(names_compare),
        cmocka_unit_test(query_round_trip),
        cmocka_unit_test(rdata_values),
        cmocka_unit_test(update_round_trip),
        cmocka_unit_test(handmade_answer_with_pointers),
        cmocka_unit_test(odd_bytes_in_names_are_escaped),
        cmocka_unit_test(malicious_messages_refused),
        cmocka_unit_test(mutations_never_crash),
        cmocka_unit_test(tsig_signs_as_kdig_does),
        cmocka_unit_test(tsig_verifies_knots_answer),
        cmocka_unit_test(tsig_round_trip),
        cmocka_unit_test(tsig_keys_refused_without_showing_the_secret),
        cmocka_unit_test(owner_records),
        cmocka_unit_test(client_addresses),
        cmocka_unit_test(client_falls_back_to_tcp),
        cmocka_unit_test(client_times_out_and_reports),
    };
    return cmocka_run_group_tests_name("dns", tests, NULL, NULL);
}
