/*
 * sshsig.c — SSH signatures of commits (git's gpg.format=ssh), as OpenSSH's PROTOCOL.sshsig
 * defines them, checked with OpenSSL against an allowed-signers file (see verify.h).
 *
 * The armored blob is
 *     "SSHSIG" uint32(1) string(public key) string(namespace) string(reserved)
 *     string(hash algorithm) string(signature)
 * and the key signs
 *     "SSHSIG" string(namespace) string(reserved) string(hash algorithm) string(H(message))
 * in the wire encoding of RFC 4251 section 5. The order of the checks follows git's use of
 * ssh-keygen: the blob is parsed, its key looked up among the allowed signers (for the
 * "git" namespace at the commit's time), and only then is the signature checked.
 */
#include "orchestrator/git/verify.h"

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/fs.h"

#include <fnmatch.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BEGIN "-----BEGIN SSH SIGNATURE-----"
#define END "-----END SSH SIGNATURE-----"
#define MAX_ALLOWED_SIGNERS (4 * 1024 * 1024)
#define MIN_RSA_BITS 2048 /* OpenSSH accepts 1024; nobody should sign deployments with that */

/* --- the wire encoding ------------------------------------------------------------- */

struct wire {
    const unsigned char *p;
    size_t n;
};

static bool get_u32(struct wire *w, uint32_t *v)
{
    if (w->n < 4)
        return false;
    *v = (uint32_t)w->p[0] << 24 | (uint32_t)w->p[1] << 16 | (uint32_t)w->p[2] << 8 | w->p[3];
    w->p += 4;
    w->n -= 4;
    return true;
}

static bool get_string(struct wire *w, struct wire *s)
{
    uint32_t len;
    if (!get_u32(w, &len) || len > w->n)
        return false;
    *s = (struct wire){w->p, len};
    w->p += len;
    w->n -= len;
    return true;
}

static bool is_str(struct wire s, const char *lit)
{
    return s.n == strlen(lit) && !memcmp(s.p, lit, s.n);
}

/* An mpint that must be positive, without its leading zero bytes. */
static bool get_mpint(struct wire *w, struct wire *m)
{
    if (!get_string(w, m) || m->n == 0 || (m->p[0] & 0x80))
        return false;
    while (m->n > 1 && m->p[0] == 0) {
        m->p++;
        m->n--;
    }
    return true;
}

static void put_string(struct wsl_buf *b, const void *p, size_t n)
{
    unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                            (unsigned char)(n >> 8), (unsigned char)n};
    wsl_buf_append(b, len, 4);
    wsl_buf_append(b, p, n);
}

/* --- the signature blob ------------------------------------------------------------ */

struct sshsig {
    unsigned char *raw; /* the decoded blob the fields point into */
    struct wire pubkey, ns, reserved, hashalg, sigtype, sigblob;
};

static int malformed(struct wsl_err *err, const char *what)
{
    wsl_err_set(err, WSL_E_INVALID, "malformed SSH signature: %s", what);
    wsl_err_hint(err, "the commit's gpgsig header is damaged; sign the commit again");
    return WSL_E_INVALID;
}

/* The base64 between the armor lines; nothing but whitespace may follow. */
static int dearmor(const char *text, size_t len, unsigned char **raw, size_t *rawlen,
                   struct wsl_err *err)
{
    size_t b = strlen(BEGIN), e = strlen(END);
    if (len < b || memcmp(text, BEGIN, b))
        return malformed(err, "no \"" BEGIN "\" line");
    const char *body = text + b, *end = NULL;
    for (const char *p = body; (size_t)(text + len - p) >= e && !end; p++)
        end = memcmp(p, END, e) ? NULL : p;
    if (!end)
        return malformed(err, "no \"" END "\" line");
    for (const char *p = end + e; p < text + len; p++)
        if (!strchr(" \t\r\n", *p) || !*p)
            return malformed(err, "text after the armor");
    struct wsl_err e64 = {0};
    if (wsl_sig_base64(body, (size_t)(end - body), raw, rawlen, &e64) != 0)
        return malformed(err, e64.msg);
    return 0;
}

static int parse_sig(const char *text, size_t len, struct sshsig *s, struct wsl_err *err)
{
    size_t n = 0;
    int rc = dearmor(text, len, &s->raw, &n, err);
    if (rc)
        return rc;
    struct wire w = {s->raw, n}, sig;
    uint32_t version;
    if (n < 6 || memcmp(w.p, "SSHSIG", 6))
        return malformed(err, "no SSHSIG preamble");
    w.p += 6;
    w.n -= 6;
    if (!get_u32(&w, &version) || version != 1)
        return malformed(err, "not version 1");
    if (!get_string(&w, &s->pubkey) || !get_string(&w, &s->ns) ||
        !get_string(&w, &s->reserved) || !get_string(&w, &s->hashalg) ||
        !get_string(&w, &sig) || w.n != 0)
        return malformed(err, "truncated or with trailing bytes");
    if (!get_string(&sig, &s->sigtype) || !get_string(&sig, &s->sigblob) || sig.n != 0)
        return malformed(err, "the signature field is truncated");
    return 0;
}

/* --- keys -------------------------------------------------------------------------- */

static int unsupported(struct wsl_err *err, const char *what, struct wire name)
{
    int n = name.n > 100 ? 100 : (int)name.n;
    wsl_err_set(err, WSL_E_POLICY, "unsupported algorithm %s \"%.*s\"", what, n,
                (const char *)name.p);
    wsl_err_hint(err, "sign with an ssh-ed25519, ecdsa-sha2-nistp256 or RSA (2048 bits or "
                      "more) key (docs/signing.md)");
    return WSL_E_POLICY;
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *bld)
{
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    EVP_PKEY *key = NULL;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        key = NULL;
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    return key;
}

static EVP_PKEY *ecdsa_key(struct wire *w, const char *curve, const char *group)
{
    struct wire name, q;
    if (!get_string(w, &name) || !is_str(name, curve) || !get_string(w, &q) || w->n ||
        q.n == 0 || q.p[0] != 4)
        return NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *key = NULL;
    if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, q.p, q.n))
        key = from_params("EC", bld);
    OSSL_PARAM_BLD_free(bld);
    return key;
}

static EVP_PKEY *rsa_key(struct wire *w)
{
    struct wire e, n;
    if (!get_mpint(w, &e) || !get_mpint(w, &n) || w->n)
        return NULL;
    BIGNUM *bn_e = BN_bin2bn(e.p, (int)e.n, NULL), *bn_n = BN_bin2bn(n.p, (int)n.n, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    EVP_PKEY *key = NULL;
    if (bn_e && bn_n && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e))
        key = from_params("RSA", bld);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn_e);
    BN_free(bn_n);
    return key;
}

/* The OpenSSL key of an SSH public key blob; *type is its SSH name. */
static int load_key(struct wire blob, EVP_PKEY **key, struct wire *type, struct wsl_err *err)
{
    struct wire w = blob, raw;
    *key = NULL;
    if (!get_string(&w, type))
        return malformed(err, "the public key has no type");
    if (is_str(*type, "ssh-ed25519") && get_string(&w, &raw) && raw.n == 32 && !w.n)
        *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw.p, raw.n);
    else if (is_str(*type, "ecdsa-sha2-nistp256"))
        *key = ecdsa_key(&w, "nistp256", "P-256");
    else if (is_str(*type, "ecdsa-sha2-nistp384"))
        *key = ecdsa_key(&w, "nistp384", "P-384");
    else if (is_str(*type, "ecdsa-sha2-nistp521"))
        *key = ecdsa_key(&w, "nistp521", "P-521");
    else if (is_str(*type, "ssh-rsa"))
        *key = rsa_key(&w);
    else if (!is_str(*type, "ssh-ed25519"))
        return unsupported(err, "of the signing key:", *type);
    if (!*key)
        return malformed(err, "the public key does not decode");
    if (is_str(*type, "ssh-rsa") && EVP_PKEY_get_bits(*key) < MIN_RSA_BITS) {
        wsl_err_set(err, WSL_E_POLICY, "unsupported algorithm: an RSA key of %d bits is too "
                    "weak (at least %d)", EVP_PKEY_get_bits(*key), MIN_RSA_BITS);
        return WSL_E_POLICY;
    }
    return 0;
}

/* --- the signature ----------------------------------------------------------------- */

/* The data the key signed (see the top of this file). */
static bool signed_blob(const struct sshsig *s, const char *data, size_t len,
                        struct wsl_buf *out)
{
    const EVP_MD *md = is_str(s->hashalg, "sha512") ? EVP_sha512()
                       : is_str(s->hashalg, "sha256") ? EVP_sha256() : NULL;
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned int hn = 0;
    if (!md || !EVP_Digest(data, len, h, &hn, md, NULL))
        return false;
    wsl_buf_append(out, "SSHSIG", 6);
    put_string(out, s->ns.p, s->ns.n);
    put_string(out, s->reserved.p, s->reserved.n);
    put_string(out, s->hashalg.p, s->hashalg.n);
    put_string(out, h, hn);
    return true;
}

/* An SSH ECDSA signature (mpint r, mpint s) as the DER that OpenSSL verifies. */
static bool ecdsa_der(struct wire blob, unsigned char **der, int *derlen)
{
    struct wire r, s;
    if (!get_mpint(&blob, &r) || !get_mpint(&blob, &s) || blob.n || r.n > 66 || s.n > 66)
        return false;
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *br = BN_bin2bn(r.p, (int)r.n, NULL), *bs = BN_bin2bn(s.p, (int)s.n, NULL);
    if (!sig || !br || !bs || !ECDSA_SIG_set0(sig, br, bs)) {
        BN_free(br);
        BN_free(bs);
        ECDSA_SIG_free(sig);
        return false;
    }
    *der = NULL;
    *derlen = i2d_ECDSA_SIG(sig, der);
    ECDSA_SIG_free(sig);
    return *derlen > 0;
}

/* The digest of the signature algorithm sigtype on a key of type keytype; *ok false when
 * the pair is not one wissel accepts. NULL with *ok true: Ed25519 hashes by itself. */
static const EVP_MD *sig_md(struct wire keytype, struct wire sigtype, bool *ok)
{
    *ok = true;
    if (is_str(keytype, "ssh-ed25519") && is_str(sigtype, "ssh-ed25519"))
        return NULL;
    if (is_str(keytype, "ssh-rsa") && is_str(sigtype, "rsa-sha2-512"))
        return EVP_sha512();
    if (is_str(keytype, "ssh-rsa") && is_str(sigtype, "rsa-sha2-256"))
        return EVP_sha256();
    if (is_str(sigtype, "ecdsa-sha2-nistp256") && is_str(keytype, "ecdsa-sha2-nistp256"))
        return EVP_sha256();
    if (is_str(sigtype, "ecdsa-sha2-nistp384") && is_str(keytype, "ecdsa-sha2-nistp384"))
        return EVP_sha384();
    if (is_str(sigtype, "ecdsa-sha2-nistp521") && is_str(keytype, "ecdsa-sha2-nistp521"))
        return EVP_sha512();
    *ok = false;
    return NULL;
}

/* 1 when sig is a good signature of msg by key, 0 when not. */
static int check(EVP_PKEY *key, struct wire keytype, const struct sshsig *s,
                 const struct wsl_buf *msg)
{
    bool ok;
    const EVP_MD *md = sig_md(keytype, s->sigtype, &ok);
    unsigned char *der = NULL, *padded = NULL;
    const unsigned char *sig = s->sigblob.p;
    size_t siglen = s->sigblob.n;
    size_t modlen = (size_t)EVP_PKEY_get_size(key);
    int derlen = 0, good = 0;
    if (is_str(keytype, "ssh-rsa") && siglen <= modlen) { /* OpenSSL wants all the bytes */
        padded = wsl_xcalloc(1, modlen);
        memcpy(padded + modlen - siglen, sig, siglen);
        sig = padded;
        siglen = modlen;
    } else if (keytype.n > 6 && !memcmp(keytype.p, "ecdsa-", 6)) {
        if (!ecdsa_der(s->sigblob, &der, &derlen))
            return 0;
        sig = der;
        siglen = (size_t)derlen;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, key) == 1)
        good = EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)msg->data,
                                msg->len) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    free(padded);
    return good;
}

/* --- the allowed signers ----------------------------------------------------------- */

/* "SHA256:<base64 without padding>", as ssh-keygen -l shows a key. */
static void fingerprint(struct wire blob, char out[64])
{
    unsigned char h[32];
    unsigned int n = 0;
    EVP_Digest(blob.p, blob.n, h, &n, EVP_sha256(), NULL);
    char *b64 = wsl_base64_encode(h, sizeof h);
    b64[strcspn(b64, "=")] = '\0';
    snprintf(out, 64, "SHA256:%s", b64);
    free(b64);
}

struct signer_line {
    char *principals, *namespaces, *valid_after, *valid_before, *keytype, *key;
    bool cert_authority;
};

/* The next field of a line: up to white space outside double quotes. NULL at the end;
 * *bad on an unterminated quote. */
static char *field(char **s, bool *bad)
{
    char *p = *s + strspn(*s, " \t");
    if (!*p)
        return NULL;
    char *start = p;
    bool quoted = false;
    for (; *p && (quoted || !strchr(" \t", *p)); p++)
        quoted ^= *p == '"';
    *bad |= quoted;
    if (*p)
        *p++ = '\0';
    *s = p;
    return start;
}

static char *unquote(char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s[n - 1] = '\0';
        return s + 1;
    }
    return s;
}

static bool is_keytype(const char *s)
{
    return !strchr(s, '=') && (!strncmp(s, "ssh-", 4) || !strncmp(s, "ecdsa-", 6) ||
                               !strncmp(s, "sk-", 3));
}

/* The options field: name or name="value", separated by commas outside quotes. */
static const char *parse_options(char *opts, struct signer_line *l)
{
    while (*opts) {
        char *o = opts;
        bool quoted = false;
        for (; *opts && (quoted || *opts != ','); opts++)
            quoted ^= *opts == '"';
        if (*opts)
            *opts++ = '\0';
        char *eq = strchr(o, '='), *value = eq ? unquote(eq + 1) : NULL;
        if (eq)
            *eq = '\0';
        if (!strcasecmp(o, "cert-authority") && !eq)
            l->cert_authority = true;
        else if (!strcasecmp(o, "namespaces") && value)
            l->namespaces = value;
        else if (!strcasecmp(o, "valid-after") && value)
            l->valid_after = value;
        else if (!strcasecmp(o, "valid-before") && value)
            l->valid_before = value;
        else
            return "an unknown option (known: cert-authority, namespaces=, valid-after=, "
                   "valid-before=)";
    }
    return NULL;
}

/* One line, cut in place; NULL or what is wrong with it. */
static const char *parse_line(char *line, struct signer_line *l)
{
    bool bad = false;
    *l = (struct signer_line){0};
    l->principals = field(&line, &bad);
    char *next = field(&line, &bad);
    if (next && !is_keytype(next)) {
        const char *why = bad ? NULL : parse_options(next, l);
        if (why)
            return why;
        next = field(&line, &bad);
    }
    l->keytype = next;
    l->key = field(&line, &bad);
    if (bad)
        return "an unterminated quote";
    if (!l->key)
        return "expected: principals [options] keytype base64-key [comment]";
    l->principals = unquote(l->principals);
    return NULL;
}

/* valid-after/valid-before: YYYYMMDD[HHMM[SS]], UTC with a trailing Z, else local time
 * (as ssh-keygen reads them). -1 when malformed. */
static long long parse_time(const char *s)
{
    size_t n = strspn(s, "0123456789");
    bool utc = s[n] == 'Z' || s[n] == 'z';
    if ((n != 8 && n != 12 && n != 14) || s[n + (utc ? 1 : 0)] != '\0')
        return -1;
    int v[6] = {0};
    const int width[6] = {4, 2, 2, 2, 2, 2};
    for (size_t i = 0, pos = 0; i < 6 && pos < n; pos += (size_t)width[i], i++)
        for (int k = 0; k < width[i]; k++)
            v[i] = v[i] * 10 + (s[pos + (size_t)k] - '0');
    struct tm tm = {.tm_year = v[0] - 1900, .tm_mon = v[1] - 1, .tm_mday = v[2],
                    .tm_hour = v[3], .tm_min = v[4], .tm_sec = v[5], .tm_isdst = -1};
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 || v[5] > 60)
        return -1;
    return (long long)(utc ? timegm(&tm) : mktime(&tm));
}

/* Whether "git" is among the namespaces patterns (a !pattern excludes). */
static bool namespace_git(char *list)
{
    bool yes = false;
    for (char *save = NULL, *p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        bool neg = *p == '!';
        if (fnmatch(p + neg, "git", 0) == 0) {
            if (neg)
                return false;
            yes = true;
        }
    }
    return yes;
}

struct lookup {
    const char *file;
    struct wire blob;  /* the signature's public key */
    long long when;    /* the commit's time */
    char note[200];    /* why a line with this key did not count */
};

/* Whether line l, which names the key, counts: 1 yes, 0 no (note says why), <0 an error. */
static int line_counts(struct signer_line *l, int lineno, struct lookup *q, struct wsl_err *err)
{
    long long after = l->valid_after ? parse_time(l->valid_after) : 0;
    long long before = l->valid_before ? parse_time(l->valid_before) : 0;
    if (after < 0 || before < 0)
        return wsl_err_set(err, WSL_E_INVALID, "%s:%d: a valid-after/valid-before time is "
                           "not YYYYMMDD[HHMM[SS]][Z]", q->file, lineno);
    if (l->namespaces && !namespace_git(l->namespaces)) {
        snprintf(q->note, sizeof q->note, "line %d trusts it for other namespaces than git",
                 lineno);
        return 0;
    }
    if ((l->valid_after && q->when < after) || (l->valid_before && q->when >= before)) {
        snprintf(q->note, sizeof q->note, "line %d trusts it, but not at the commit's time",
                 lineno);
        return 0;
    }
    return 1;
}

/* Whether one line trusts the key: 1 yes (signer set), 0 no, <0 an error. */
static int match_line(char *text, int lineno, struct lookup *q, char signer[256],
                      struct wsl_err *err)
{
    struct signer_line l;
    const char *why = parse_line(text, &l);
    if (why)
        return wsl_err_set(err, WSL_E_INVALID, "%s:%d: %s", q->file, lineno, why);
    if (l.cert_authority)
        return 0; /* signatures by SSH certificates are not supported (see verify.h) */
    unsigned char *key = NULL;
    size_t keylen = 0;
    struct wsl_err e64 = {0};
    if (wsl_base64_decode(l.key, strlen(l.key), &key, &keylen, &e64) != 0)
        return wsl_err_set(err, WSL_E_INVALID, "%s:%d: the key: %s", q->file, lineno, e64.msg);
    struct wire w = {key, keylen}, type;
    int rc = 0;
    if (!get_string(&w, &type) || !is_str(type, l.keytype))
        rc = wsl_err_set(err, WSL_E_INVALID, "%s:%d: the key is not of type %s", q->file,
                         lineno, l.keytype);
    else if (keylen == q->blob.n && !memcmp(key, q->blob.p, keylen))
        rc = line_counts(&l, lineno, q, err);
    if (rc == 1)
        snprintf(signer, 256, "%s", l.principals);
    free(key);
    return rc;
}

/* Find the key among the allowed signers: 0 found, 1 not (q->note may say why), <0. */
static int find_signer(struct lookup *q, char signer[256], struct wsl_err *err)
{
    struct wsl_buf text = WSL_BUF_INIT;
    int rc = wsl_read_file(q->file, MAX_ALLOWED_SIGNERS, &text, err);
    if (rc) {
        wsl_err_hint(err, "the allowed-signers file holds the SSH keys that may sign commits");
        wsl_buf_free(&text);
        return rc;
    }
    char empty[1] = ""; /* lines are cut in place: never in a string literal */
    char *save = NULL, *s = text.data ? text.data : empty;
    int lineno = 0, found = 0;
    if (memchr(s, '\0', text.len))
        found = wsl_err_set(err, WSL_E_INVALID, "%s: a NUL byte in the file", q->file);
    for (char *line = s; found == 0 && line; line = save) {
        save = strchr(line, '\n');
        if (save)
            *save++ = '\0';
        lineno++;
        line[strcspn(line, "\r")] = '\0';
        line += strspn(line, " \t");
        if (*line && *line != '#')
            found = match_line(line, lineno, q, signer, err);
    }
    wsl_buf_free(&text);
    return found == 1 ? 0 : found == 0 ? 1 : found;
}

/* --- together ---------------------------------------------------------------------- */

static int verify_parsed(struct sshsig *s, const char *data, size_t datalen, const char *file,
                         long long when, char signer[256], struct wsl_err *err)
{
    if (!is_str(s->ns, "git")) {
        int n = s->ns.n > 60 ? 60 : (int)s->ns.n;
        return wsl_err_set(err, WSL_E_POLICY, "the signature does not verify: it was made for "
                           "the namespace \"%.*s\", not \"git\"", n, (const char *)s->ns.p);
    }
    if (!is_str(s->hashalg, "sha512") && !is_str(s->hashalg, "sha256"))
        return unsupported(err, "of the message hash:", s->hashalg);
    if (is_str(s->sigtype, "ssh-rsa"))
        return wsl_err_set(err, WSL_E_POLICY, "unsupported algorithm: ssh-rsa signatures "
                           "use SHA-1, which is too weak (sign with rsa-sha2-512)");
    EVP_PKEY *key = NULL;
    struct wire keytype;
    int rc = load_key(s->pubkey, &key, &keytype, err);
    bool ok = false;
    if (rc == 0)
        sig_md(keytype, s->sigtype, &ok); /* the key and signature algorithms must agree */
    if (rc == 0 && !ok)
        rc = unsupported(err, "of the signature:", s->sigtype);
    struct lookup q = {file, s->pubkey, when, ""};
    if (rc == 0 && (rc = find_signer(&q, signer, err)) == 1) {
        char fp[64];
        fingerprint(s->pubkey, fp);
        wsl_err_set(err, WSL_E_POLICY, "signed by a key that is not trusted (%s)%s%s", fp,
                    q.note[0] ? ": " : "", q.note);
        wsl_err_hint(err, "add the key to %s with namespaces=\"git\" (or none) if it may sign",
                     file);
        rc = WSL_E_POLICY;
    }
    struct wsl_buf msg = WSL_BUF_INIT;
    if (rc == 0 && (!signed_blob(s, data, datalen, &msg) || !check(key, keytype, s, &msg))) {
        rc = wsl_err_set(err, WSL_E_POLICY, "the signature does not verify (it names the key "
                         "of %s): the commit was changed after it was signed", signer);
        wsl_err_hint(err, "do not deploy this commit; find out who changed it");
        signer[0] = '\0';
    }
    wsl_buf_free(&msg);
    EVP_PKEY_free(key);
    return rc;
}

int wsl_sshsig_verify(const char *sig, size_t siglen, const char *data, size_t datalen,
                      const char *allowed_signers, long long when, char signer[256],
                      struct wsl_err *err)
{
    struct sshsig s = {0};
    int rc = parse_sig(sig, siglen, &s, err);
    if (rc == 0)
        rc = verify_parsed(&s, data, datalen, allowed_signers, when, signer, err);
    free(s.raw);
    return rc;
}
