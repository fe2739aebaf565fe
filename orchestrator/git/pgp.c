/*
 * pgp.c — OpenPGP signatures of commits (git commit -S with gpg), checked with OpenSSL
 * against a keyring file of public keys (see verify.h for what is and is not checked).
 *
 * From RFC 9580 (and RFC 4880, which it keeps compatible for v4): ASCII armor with its
 * CRC-24 (section 6), packet framing in both the old and the new format (section 4.2),
 * v4 public keys and subkeys with their SHA-1 fingerprints (sections 5.5.2, 5.5.4), and v4
 * signatures over binary documents (section 5.2.3-5.2.4): the digest runs over the commit,
 * the signature's hashed part and a trailer, and RSA (PKCS #1 v1.5) or legacy EdDSA on
 * Ed25519 (algorithm 22: the digest is the message EdDSA signs) checks it.
 */
#include "orchestrator/git/verify.h"

#include "lib/buf.h"
#include "lib/fs.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEYRING (16 * 1024 * 1024)
#define MIN_RSA_BITS 2048

enum { ALGO_RSA = 1, ALGO_RSA_SIGN = 3, ALGO_EDDSA = 22 };
enum { TAG_SIG = 2, TAG_KEY = 6, TAG_UID = 13, TAG_SUBKEY = 14 };

static const unsigned char ed25519_oid[] = {0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01};

struct span {
    const unsigned char *p;
    size_t n;
};

static bool take(struct span *s, size_t n, struct span *out)
{
    if (s->n < n)
        return false;
    if (out)
        *out = (struct span){s->p, n};
    s->p += n;
    s->n -= n;
    return true;
}

static uint32_t be(const unsigned char *p, int n)
{
    uint32_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* --- armor ------------------------------------------------------------------------- */

static uint32_t crc24(const unsigned char *p, size_t n)
{
    uint32_t crc = 0xB704CE;
    while (n--) {
        crc ^= (uint32_t)*p++ << 16;
        for (int i = 0; i < 8; i++) {
            crc <<= 1;
            if (crc & 0x1000000)
                crc ^= 0x1864CFB;
        }
    }
    return crc & 0xFFFFFF;
}

struct lines {
    const char *p, *end;
    int no; /* the number of the line last read */
};

/* The next line without its line end and trailing blanks; false at the end. */
static bool next_line(struct lines *l, const char **line, size_t *len)
{
    if (l->p >= l->end)
        return false;
    const char *nl = memchr(l->p, '\n', (size_t)(l->end - l->p));
    const char *stop = nl ? nl : l->end;
    *line = l->p;
    *len = (size_t)(stop - l->p);
    while (*len && strchr(" \t\r", (*line)[*len - 1]) && (*line)[*len - 1])
        (*len)--;
    l->p = nl ? nl + 1 : l->end;
    l->no++;
    return true;
}

static bool line_is(const char *line, size_t len, const char *what, const char *label)
{
    char want[64];
    int n = snprintf(want, sizeof want, "-----%s PGP %s-----", what, label);
    return (size_t)n == len && !memcmp(line, want, len);
}

static int armor_error(struct wsl_err *err, const char *name, int line, const char *what)
{
    wsl_err_set(err, WSL_E_INVALID, "%s:%d: malformed OpenPGP armor: %s", name, line, what);
    return WSL_E_INVALID;
}

/* One armored block whose BEGIN line was just read: append its bytes to out. */
static int armor_block(struct lines *l, const char *label, const char *name,
                       struct wsl_buf *out, struct wsl_err *err)
{
    const char *line;
    size_t len;
    while (next_line(l, &line, &len) && len) /* headers ("Comment: ...") up to a blank line */
        if (!memchr(line, ':', len))
            return armor_error(err, name, l->no, "a header line without ':'");
    struct wsl_buf b64 = WSL_BUF_INIT;
    const char *crc = NULL;
    bool ended = false;
    while (!ended && next_line(l, &line, &len)) {
        if (line_is(line, len, "END", label))
            ended = true;
        else if (crc || (len && line[0] == '-'))
            break;
        else if (len && line[0] == '=')
            crc = len == 5 ? line + 1 : "bad";
        else
            wsl_buf_append(&b64, line, len);
    }
    int rc = ended ? 0 : armor_error(err, name, l->no, "no END line where it belongs");
    unsigned char *raw = NULL, *sum = NULL;
    size_t rawlen = 0, sumlen = 0;
    struct wsl_err e = {0};
    if (rc == 0 && wsl_sig_base64(wsl_buf_str(&b64), b64.len, &raw, &rawlen, &e) != 0)
        rc = armor_error(err, name, l->no, e.msg);
    if (rc == 0 && crc && (wsl_sig_base64(crc, 4, &sum, &sumlen, &e) != 0 || sumlen != 3))
        rc = armor_error(err, name, l->no, "the checksum line is not '=' and 4 base64 digits");
    if (rc == 0 && crc && be(sum, 3) != crc24(raw, rawlen))
        rc = armor_error(err, name, l->no, "the CRC-24 checksum does not match: damaged");
    if (rc == 0)
        wsl_buf_append(out, raw, rawlen);
    free(raw);
    free(sum);
    wsl_buf_free(&b64);
    return rc;
}

/* Every armored block labelled label in text, decoded into out; *blocks counts them. */
static int dearmor(const char *text, size_t len, const char *label, const char *name,
                   struct wsl_buf *out, int *blocks, struct wsl_err *err)
{
    struct lines l = {text, text + len, 0};
    const char *line;
    size_t n;
    *blocks = 0;
    while (next_line(&l, &line, &n)) {
        if (!line_is(line, n, "BEGIN", label))
            continue; /* text around the blocks, as gpg allows */
        int rc = armor_block(&l, label, name, out, err);
        if (rc)
            return rc;
        ++*blocks;
    }
    return 0;
}

/* --- packets ----------------------------------------------------------------------- */

struct packet {
    int tag;
    size_t offset; /* where it starts in the decoded data, for errors */
    struct span body;
};

/* The next packet of s: 1, 0 at the end, -1 when malformed (*why). Partial and
 * indeterminate lengths are refused: keys and signatures never use them. */
static int next_packet(struct span *s, const unsigned char *start, struct packet *pk,
                       const char **why)
{
    if (s->n == 0)
        return 0;
    unsigned c = s->p[0];
    size_t hdr, len = 0;
    pk->offset = (size_t)(s->p - start);
    if (!(c & 0x80)) {
        *why = "not an OpenPGP packet";
        return -1;
    }
    if (c & 0x40) { /* the new format */
        pk->tag = (int)(c & 0x3F);
        unsigned l0 = s->n > 1 ? s->p[1] : 256;
        hdr = l0 < 192 ? 2 : l0 < 224 ? 3 : l0 == 255 ? 6 : 0;
        if (hdr && s->n >= hdr)
            len = hdr == 2 ? l0 : hdr == 3 ? ((l0 - 192) << 8) + s->p[2] + 192 : be(s->p + 2, 4);
    } else {
        pk->tag = (int)(c >> 2 & 0x0F);
        hdr = (c & 3) == 3 ? 0 : 1 + (1u << (c & 3));
        if (hdr && s->n >= hdr)
            len = be(s->p + 1, (int)hdr - 1);
    }
    if (!hdr || s->n < hdr || len > s->n - hdr) {
        *why = !hdr ? "a packet of partial or indeterminate length" : "a truncated packet";
        return -1;
    }
    take(s, hdr, NULL);
    take(s, len, &pk->body);
    return 1;
}

/* A multiprecision integer: two octets of bit count, then the octets. */
static bool get_mpi(struct span *s, struct span *m)
{
    struct span bits;
    if (!take(s, 2, &bits) || !take(s, (be(bits.p, 2) + 7) / 8, m) || m->n == 0)
        return false;
    while (m->n > 1 && m->p[0] == 0) {
        m->p++;
        m->n--;
    }
    return true;
}

static void hex(const unsigned char *p, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02X", p[i]);
}

/* --- keys -------------------------------------------------------------------------- */

struct key {
    unsigned char fpr[20];
    int algo;
    struct span body; /* the packet, for the key material */
};

/* A v4 key packet's fingerprint; false for other versions (which this cannot match). */
static bool key_fpr(struct span body, struct key *k)
{
    if (body.n < 6 || body.p[0] != 4 || body.n > 0xFFFF)
        return false;
    unsigned char head[3] = {0x99, (unsigned char)(body.n >> 8), (unsigned char)body.n};
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) && /* the v4 fingerprint */
              EVP_DigestUpdate(ctx, head, 3) && EVP_DigestUpdate(ctx, body.p, body.n) &&
              EVP_DigestFinal_ex(ctx, k->fpr, NULL);
    EVP_MD_CTX_free(ctx);
    k->algo = body.p[5];
    k->body = body;
    return ok;
}

struct issuer {
    bool has_fpr, has_keyid;
    unsigned char fpr[20], keyid[8];
};

static bool issued(const struct issuer *is, const struct key *k)
{
    return is->has_fpr ? !memcmp(is->fpr, k->fpr, 20) : !memcmp(is->keyid, k->fpr + 12, 8);
}

/* What the keyring says about the issuer: the key, its primary and the primary's first
 * user ID. */
struct found {
    bool have;
    struct key key;     /* its body is owned: the keyring's bytes are gone after the search */
    unsigned char primary[20];
    char uid[160];
};

struct scan {
    struct key primary;        /* the key whose packets are being read */
    bool primary_ok, is_found; /* a v4 primary; the one the issuer's key belongs to */
    char uid[160];             /* its first user ID so far */
};

/* The first user ID names the key; it is shown, so no control characters. */
static void set_uid(char uid[160], struct span body)
{
    size_t n = body.n < 159 ? body.n : 159;
    for (size_t i = 0; i < n; i++)
        uid[i] = body.p[i] < 0x20 || body.p[i] == 0x7F ? '?' : (char)body.p[i];
    uid[n] = '\0';
}

static void scan_packet(const struct packet *pk, const struct issuer *is, struct scan *sc,
                        struct found *f)
{
    struct key k;
    if (pk->tag == TAG_KEY) {
        sc->primary_ok = key_fpr(pk->body, &sc->primary);
        sc->is_found = false;
        sc->uid[0] = '\0';
    }
    if (pk->tag == TAG_UID && !sc->uid[0] && pk->body.n) {
        set_uid(sc->uid, pk->body);
        if (sc->is_found) /* the primary key itself signed: its user IDs follow it */
            memcpy(f->uid, sc->uid, sizeof f->uid);
    }
    if ((pk->tag == TAG_KEY || pk->tag == TAG_SUBKEY) && !f->have && sc->primary_ok &&
        key_fpr(pk->body, &k) && issued(is, &k)) {
        *f = (struct found){true, k, {0}, ""};
        memcpy(f->primary, sc->primary.fpr, 20);
        memcpy(f->uid, sc->uid, sizeof f->uid); /* a subkey: its primary's user IDs came first */
        sc->is_found = true;
    }
}

/* The keyring's bytes: armored blocks of public keys, or binary packets. */
static int read_keyring(const char *file, struct wsl_buf *out, struct wsl_err *err)
{
    struct wsl_buf text = WSL_BUF_INIT;
    int rc = wsl_read_file(file, MAX_KEYRING, &text, err), blocks = 0;
    if (rc)
        wsl_err_hint(err, "the keyring holds the public keys that may sign commits "
                          "(gpg --export --armor KEYID > FILE)");
    else if (text.len && (unsigned char)text.data[0] & 0x80)
        wsl_buf_append(out, text.data, text.len);
    else if ((rc = dearmor(text.data ? text.data : "", text.len, "PUBLIC KEY BLOCK", file, out,
                           &blocks, err)) == 0 && blocks == 0)
        rc = wsl_err_set(err, WSL_E_INVALID, "%s holds no \"-----BEGIN PGP PUBLIC KEY "
                         "BLOCK-----\" and no binary keys", file);
    wsl_buf_free(&text);
    return rc;
}

static int find_key(const char *file, const struct issuer *is, struct found *f,
                    struct wsl_err *err)
{
    struct wsl_buf ring = WSL_BUF_INIT;
    int rc = read_keyring(file, &ring, err);
    const unsigned char *start = (const unsigned char *)wsl_buf_str(&ring);
    struct span s = {start, ring.len};
    struct packet pk;
    struct scan sc = {0};
    const char *why = NULL;
    int got = 0;
    while (rc == 0 && (got = next_packet(&s, start, &pk, &why)) == 1)
        scan_packet(&pk, is, &sc, f);
    if (rc == 0 && got < 0)
        rc = wsl_err_set(err, WSL_E_INVALID, "%s: malformed keyring: %s at byte %zu of its "
                         "packets", file, why, pk.offset);
    if (rc == 0 && f->have) {
        unsigned char *copy = wsl_xmalloc(f->key.body.n);
        memcpy(copy, f->key.body.p, f->key.body.n);
        f->key.body.p = copy;
    } else {
        f->have = false;
    }
    wsl_buf_free(&ring);
    return rc;
}

/* --- the signature ----------------------------------------------------------------- */

struct sig {
    int type, pkalgo, hashalgo;
    struct span hashed;     /* from the version octet to the end of the hashed subpackets */
    unsigned char left16[2];
    struct span m1, m2;     /* RSA: m^d; EdDSA: R and S */
    struct issuer issuer;
    int critical;           /* a critical hashed subpacket not understood, or 0 */
};

static void subpacket(int type, struct span d, struct sig *s)
{
    if (type == 33 && d.n == 21 && d.p[0] == 4) { /* issuer fingerprint, v4 */
        s->issuer.has_fpr = true;
        memcpy(s->issuer.fpr, d.p + 1, 20);
    } else if (type == 16 && d.n == 8 && !s->issuer.has_keyid) { /* issuer key id */
        s->issuer.has_keyid = true;
        memcpy(s->issuer.keyid, d.p, 8);
    }
}

/* Walk a subpacket area (RFC 9580 section 5.2.3.7); false when malformed. The issuer may
 * come from either area: it only selects the key that must then verify the signature. */
static bool subpackets(struct span a, bool hashed, struct sig *s)
{
    while (a.n) {
        unsigned o = a.p[0];
        size_t hdr = o < 192 ? 1 : o < 255 ? 2 : 5, len;
        if (a.n < hdr)
            return false;
        len = hdr == 1 ? o : hdr == 2 ? ((o - 192) << 8) + a.p[1] + 192 : be(a.p + 1, 4);
        struct span d;
        if (!take(&a, hdr, NULL) || len == 0 || !take(&a, len, &d))
            return false;
        int type = d.p[0] & 0x7F;
        bool critical = d.p[0] & 0x80;
        take(&d, 1, NULL);
        subpacket(type, d, s);
        /* understood: creation time, issuer, signer's user ID, issuer fingerprint */
        if (hashed && critical && type != 2 && type != 16 && type != 28 && type != 33 &&
            !s->critical)
            s->critical = type;
    }
    return true;
}

static const char *parse_sig_body(struct span b, struct sig *s)
{
    struct span head, area, len, left;
    const unsigned char *start = b.p;
    if (!take(&b, 6, &head) || head.p[0] != 4)
        return "a truncated signature packet";
    *s = (struct sig){.type = head.p[1], .pkalgo = head.p[2], .hashalgo = head.p[3]};
    if (!take(&b, be(head.p + 4, 2), &area) || !subpackets(area, true, s))
        return "malformed hashed subpackets";
    s->hashed = (struct span){start, (size_t)(b.p - start)};
    if (!take(&b, 2, &len) || !take(&b, be(len.p, 2), &area) || !subpackets(area, false, s))
        return "malformed unhashed subpackets";
    if (!take(&b, 2, &left) || !get_mpi(&b, &s->m1))
        return "a truncated signature value";
    memcpy(s->left16, left.p, 2);
    if (s->pkalgo == ALGO_EDDSA && !get_mpi(&b, &s->m2))
        return "a truncated EdDSA signature";
    if (b.n)
        return "bytes after the signature value";
    return NULL;
}

static int malformed(struct wsl_err *err, const char *what)
{
    wsl_err_set(err, WSL_E_INVALID, "malformed OpenPGP signature: %s", what);
    wsl_err_hint(err, "the commit's gpgsig header is damaged; sign the commit again");
    return WSL_E_INVALID;
}

/* The one signature packet of the armored text; s points into *raw. */
static int parse_sig(const char *text, size_t len, struct wsl_buf *raw, struct sig *s,
                     struct wsl_err *err)
{
    int blocks = 0;
    int rc = dearmor(text, len, "SIGNATURE", "signature", raw, &blocks, err);
    if (rc) {
        wsl_err_hint(err, "the commit's gpgsig header is damaged; sign the commit again");
        return rc;
    }
    if (blocks != 1)
        return malformed(err, "not one armored block");
    const unsigned char *start = (const unsigned char *)wsl_buf_str(raw);
    struct span b = {start, raw->len};
    struct packet pk;
    const char *why = "no packet";
    if (next_packet(&b, start, &pk, &why) != 1)
        return malformed(err, why);
    if (pk.tag != TAG_SIG || b.n)
        return malformed(err, "not a single signature packet");
    if (pk.body.n && pk.body.p[0] != 4)
        return wsl_err_set(err, WSL_E_POLICY, "unsupported algorithm: an OpenPGP signature of "
                           "version %d (only version 4 is supported)", pk.body.p[0]);
    why = parse_sig_body(pk.body, s);
    return why ? malformed(err, why) : 0;
}

/* --- checking it ------------------------------------------------------------------- */

static int unsupported(struct wsl_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int unsupported(struct wsl_err *err, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    wsl_err_set(err, WSL_E_POLICY, "unsupported algorithm: %s", what);
    wsl_err_hint(err, "sign with an RSA (2048 bits or more) or Ed25519 key and SHA-256 or "
                      "SHA-512 (docs/signing.md)");
    return WSL_E_POLICY;
}

/* The hash of a signature, or NULL with err set for a weak or unknown one. */
static const EVP_MD *sig_hash(int algo, struct wsl_err *err)
{
    switch (algo) {
    case 8: return EVP_sha256();
    case 9: return EVP_sha384();
    case 10: return EVP_sha512();
    case 1: case 2: case 3: /* MD5, SHA-1, RIPEMD-160 */
        wsl_err_set(err, WSL_E_POLICY, "unsupported algorithm: the signature uses %s, which "
                    "is too weak (collisions can be made)", algo == 1 ? "MD5" : algo == 2 ?
                    "SHA-1" : "RIPEMD-160");
        wsl_err_hint(err, "sign with SHA-256 or SHA-512 (gpg: personal-digest-preferences "
                          "SHA512, or --digest-algo SHA512)");
        return NULL;
    default:
        unsupported(err, "OpenPGP hash algorithm %d", algo);
        return NULL;
    }
}

/* The digest a v4 signature signs: the data, the hashed part, and a trailer giving its
 * length (RFC 9580 section 5.2.4). */
static bool sig_digest(const EVP_MD *md, const char *data, size_t len, const struct sig *s,
                       unsigned char *out, unsigned int *outlen)
{
    size_t n = s->hashed.n;
    unsigned char trailer[6] = {4, 0xFF, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                                (unsigned char)(n >> 8), (unsigned char)n};
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool ok = ctx && EVP_DigestInit_ex(ctx, md, NULL) && EVP_DigestUpdate(ctx, data, len) &&
              EVP_DigestUpdate(ctx, s->hashed.p, n) && EVP_DigestUpdate(ctx, trailer, 6) &&
              EVP_DigestFinal_ex(ctx, out, outlen);
    EVP_MD_CTX_free(ctx);
    return ok;
}

static EVP_PKEY *rsa_key(struct span n, struct span e)
{
    BIGNUM *bn = BN_bin2bn(n.p, (int)n.n, NULL), *be_ = BN_bin2bn(e.p, (int)e.n, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *key = NULL;
    if (bn && be_ && bld && ctx && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be_) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) > 0 &&
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        key = NULL;
    OSSL_PARAM_free(params);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be_);
    return key;
}

/* The OpenSSL key of a v4 key packet (after version, creation time and algorithm). */
static int load_key(const struct key *k, EVP_PKEY **out, struct wsl_err *err)
{
    struct span b = k->body, a, c;
    take(&b, 6, NULL);
    *out = NULL;
    if (k->algo == ALGO_RSA || k->algo == ALGO_RSA_SIGN) {
        if (get_mpi(&b, &a) && get_mpi(&b, &c))
            *out = rsa_key(a, c);
    } else if (k->algo == ALGO_EDDSA) {
        struct span oid, point;
        if (!take(&b, 1, &oid) || !take(&b, oid.p[0], &oid))
            return malformed(err, "the key's curve is truncated");
        if (oid.n != sizeof ed25519_oid || memcmp(oid.p, ed25519_oid, oid.n))
            return unsupported(err, "EdDSA on a curve other than Ed25519");
        if (get_mpi(&b, &point) && point.n == 33 && point.p[0] == 0x40)
            *out = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, point.p + 1, 32);
    } else {
        return unsupported(err, "OpenPGP public-key algorithm %d", k->algo);
    }
    if (!*out)
        return wsl_err_set(err, WSL_E_INVALID, "the signing key in the keyring is malformed");
    if (k->algo != ALGO_EDDSA && EVP_PKEY_get_bits(*out) < MIN_RSA_BITS)
        return unsupported(err, "an RSA key of %d bits is too weak", EVP_PKEY_get_bits(*out));
    return 0;
}

/* The value right-aligned in n octets (MPIs drop leading zeros; OpenSSL wants them). */
static void right_align(struct span m, unsigned char *out, size_t n)
{
    memset(out, 0, n);
    memcpy(out + n - m.n, m.p, m.n);
}

/* 1 when the signature is good, 0 when not. */
static int check(EVP_PKEY *key, int algo, const EVP_MD *md, const struct sig *s,
                 const unsigned char *digest, size_t dlen)
{
    int good = 0;
    if (algo == ALGO_EDDSA) { /* EdDSA signs the digest itself */
        unsigned char rs[64];
        if (s->m1.n > 32 || s->m2.n > 32)
            return 0;
        right_align(s->m1, rs, 32);
        right_align(s->m2, rs + 32, 32);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        good = ctx && EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
               EVP_DigestVerify(ctx, rs, 64, digest, dlen) == 1;
        EVP_MD_CTX_free(ctx);
        return good;
    }
    size_t modlen = (size_t)EVP_PKEY_get_size(key);
    if (s->m1.n > modlen)
        return 0;
    unsigned char *sig = wsl_xmalloc(modlen);
    right_align(s->m1, sig, modlen);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(key, NULL);
    good = ctx && EVP_PKEY_verify_init(ctx) > 0 &&
           EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0 &&
           EVP_PKEY_CTX_set_signature_md(ctx, md) > 0 &&
           EVP_PKEY_verify(ctx, sig, modlen, digest, dlen) == 1;
    EVP_PKEY_CTX_free(ctx);
    free(sig);
    return good;
}

static void describe_issuer(const struct issuer *is, char *out, size_t n)
{
    char h[41];
    hex(is->has_fpr ? is->fpr : is->keyid, is->has_fpr ? 20 : 8, h);
    snprintf(out, n, "%s %s", is->has_fpr ? "fingerprint" : "key id", h);
}

static int not_trusted(const struct issuer *is, const char *keyring, struct wsl_err *err)
{
    char who[80];
    describe_issuer(is, who, sizeof who);
    wsl_err_set(err, WSL_E_POLICY, "signed by a key that is not trusted (%s)", who);
    wsl_err_hint(err, "if it may sign, add it to %s (gpg --export --armor KEYID >> %s)",
                 keyring, keyring);
    return WSL_E_POLICY;
}

static bool same_family(int sigalgo, int keyalgo)
{
    bool rsa_s = sigalgo == ALGO_RSA || sigalgo == ALGO_RSA_SIGN;
    bool rsa_k = keyalgo == ALGO_RSA || keyalgo == ALGO_RSA_SIGN;
    return rsa_s ? rsa_k : sigalgo == keyalgo;
}

/* The checks on the signature alone, before the keyring is read. */
static int precheck(const struct sig *s, const EVP_MD **md, struct wsl_err *err)
{
    if (s->type == 0x01)
        return unsupported(err, "a canonical-text signature (type %d); git makes binary ones",
                           s->type);
    if (s->type != 0x00)
        return wsl_err_set(err, WSL_E_POLICY, "the signature does not verify: it is of type "
                           "0x%02x, not a signature of a document", s->type);
    if (!(*md = sig_hash(s->hashalgo, err)))
        return WSL_E_POLICY;
    if (s->critical)
        return unsupported(err, "the signature has a critical subpacket of type %d that "
                           "wissel does not understand", s->critical);
    if (!s->issuer.has_fpr && !s->issuer.has_keyid)
        return malformed(err, "it names no issuer (fingerprint or key id)");
    return 0;
}

static int verify_parsed(const struct sig *s, const char *data, size_t datalen,
                         const char *keyring, char signer[256], struct wsl_err *err)
{
    const EVP_MD *md = NULL;
    struct found f = {0};
    EVP_PKEY *key = NULL;
    int rc = precheck(s, &md, err);
    if (rc == 0)
        rc = find_key(keyring, &s->issuer, &f, err);
    if (rc == 0 && !f.have)
        rc = not_trusted(&s->issuer, keyring, err);
    if (rc == 0 && !same_family(s->pkalgo, f.key.algo))
        rc = unsupported(err, "a signature of algorithm %d by a key of another algorithm",
                         s->pkalgo);
    if (rc == 0)
        rc = load_key(&f.key, &key, err);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    char fpr[41];
    hex(f.primary, 20, fpr);
    if (rc == 0 && (!sig_digest(md, data, datalen, s, digest, &dlen) ||
                    memcmp(digest, s->left16, 2) || !check(key, f.key.algo, md, s, digest, dlen))) {
        wsl_err_set(err, WSL_E_POLICY, "the signature does not verify (it names the key of "
                    "%s, %s): the commit was changed after it was signed", f.uid, fpr);
        wsl_err_hint(err, "do not deploy this commit; find out who changed it");
        rc = WSL_E_POLICY;
    }
    if (rc == 0)
        snprintf(signer, 256, "%s%s(%s)", f.uid, f.uid[0] ? " " : "", fpr);
    EVP_PKEY_free(key);
    if (f.have)
        free((void *)f.key.body.p);
    return rc;
}

int wsl_pgp_verify(const char *sig, size_t siglen, const char *data, size_t datalen,
                   const char *keyring, char signer[256], struct wsl_err *err)
{
    struct wsl_buf raw = WSL_BUF_INIT;
    struct sig s = {0};
    int rc = parse_sig(sig, siglen, &raw, &s, err);
    if (rc == 0)
        rc = verify_parsed(&s, data, datalen, keyring, signer, err);
    wsl_buf_free(&raw);
    return rc;
}
