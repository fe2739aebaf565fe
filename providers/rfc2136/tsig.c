/*
 * tsig.c — TSIG signatures (RFC 8945; see tsig.h).
 *
 * What the MAC covers (§4.3):
 *
 *   request:  the message as it is before the TSIG record is added
 *             + the TSIG variables
 *   answer:   the request's MAC size (2 bytes) and MAC
 *             + the answer without its TSIG record, with the original ID and an ARCOUNT
 *               one less (§4.3.2)
 *             + the TSIG variables of the answer
 *
 *   TSIG variables (§4.3.3): key name and algorithm name in canonical wire form (RFC 4034
 *   §6.2: uncompressed, lower case), class (ANY) and TTL (0) of the TSIG record, time
 *   signed (48 bits), fudge, error, other length and other data.
 *
 * An answer carrying a TSIG error (BADSIG, BADKEY: unsigned by definition, §5.2) is
 * reported as the server's refusal without checking a MAC: it is a failure either way, and
 * a forged one can do no more than make us stop.
 */
#include "providers/rfc2136/tsig.h"

#include "lib/base64.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "providers/rfc2136/internal.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const alg_names[] = {"hmac-sha256", "hmac-sha512"};

const char *wsl_tsig_alg_name(enum wsl_tsig_alg alg)
{
    return alg_names[alg == WSL_TSIG_HMAC_SHA512];
}

/* The key's name for messages: without its final dot, as users write it. */
struct shown {
    char s[256];
};

static struct shown key_shown(const struct wsl_tsig_key *k)
{
    struct shown out;
    size_t n = strlen(k->name);
    snprintf(out.s, sizeof out.s, "%.*s", (int)(n > 1 ? n - 1 : n), k->name);
    return out;
}

static size_t mac_len(enum wsl_tsig_alg alg)
{
    return alg == WSL_TSIG_HMAC_SHA512 ? 64 : 32;
}

static int parse_alg(const char *s, enum wsl_tsig_alg *out, struct wsl_err *err)
{
    *out = WSL_TSIG_HMAC_SHA256;
    if (!s || wsl_dns_name_equal(s, "hmac-sha256"))
        return 0;
    if (wsl_dns_name_equal(s, "hmac-sha512")) {
        *out = WSL_TSIG_HMAC_SHA512;
        return 0;
    }
    wsl_err_set(err, WSL_E_INVALID, "TSIG algorithm \"%.100s\" is not supported", s);
    wsl_err_hint(err, "use hmac-sha256 or hmac-sha512, as the key is configured on the server");
    return WSL_E_INVALID;
}

/* The base64 text between leading and trailing white space into k. */
static int set_secret(struct wsl_tsig_key *k, const char *secret, struct wsl_err *err)
{
    while (*secret && isspace((unsigned char)*secret))
        secret++;
    size_t n = strlen(secret);
    while (n && isspace((unsigned char)secret[n - 1]))
        n--;
    if (n == 0)
        return wsl_err_set(err, WSL_E_INVALID, "the secret of TSIG key %s is empty",
                           key_shown(k).s);
    char *text = wsl_xstrndup(secret, n);
    wsl_log_secret(text);
    int rc = wsl_base64_decode(text, n, &k->secret, &k->secret_len, NULL);
    OPENSSL_cleanse(text, n);
    free(text);
    if (rc == 0 && k->secret_len > 0)
        return 0;
    /* base64's own message quotes a character of the text: not used here */
    wsl_err_set(err, WSL_E_INVALID, "the secret of TSIG key %s is not valid base64",
                key_shown(k).s);
    wsl_err_hint(err, "give the key's secret exactly as the server's configuration has it "
                      "(base64, for example from tsig-keygen or keymgr -t)");
    return WSL_E_INVALID;
}

int wsl_tsig_key_init(struct wsl_tsig_key *k, const char *name, const char *algorithm,
                      const char *secret, struct wsl_err *err)
{
    memset(k, 0, sizeof *k);
    unsigned char w[255];
    size_t n;
    int rc = wsl_dns_name_encode(name ? name : "", w, &n, err);
    if (rc) {
        wsl_err_prefix(err, "TSIG key name");
        return rc;
    }
    size_t len = strlen(name);
    snprintf(k->name, sizeof k->name, "%s%s", name, len && name[len - 1] == '.' ? "" : ".");
    for (char *p = k->name; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    rc = parse_alg(algorithm, &k->alg, err);
    if (rc == 0)
        rc = set_secret(k, secret ? secret : "", err);
    if (rc)
        wsl_tsig_key_free(k);
    return rc;
}

void wsl_tsig_key_free(struct wsl_tsig_key *k)
{
    if (k->secret) {
        OPENSSL_cleanse(k->secret, k->secret_len);
        free(k->secret);
    }
    memset(k, 0, sizeof *k);
}

/* --- the MAC ----------------------------------------------------------------------- */

/* A name in canonical wire form. Lowering every byte is safe: label lengths are at most
 * 63, below 'A'. */
static void put_canonical(struct wsl_buf *b, const char *name)
{
    size_t start = b->len;
    dns_put_name(b, name, NULL); /* our own names, checked when the key was made */
    for (size_t i = start; i < b->len; i++)
        b->data[i] = (char)tolower((unsigned char)b->data[i]);
}

struct tsig_vars {
    uint16_t rclass;
    uint32_t ttl;
    uint64_t time_signed;
    uint16_t fudge, error, other_len;
    const unsigned char *other;
};

static void put_vars(struct wsl_buf *b, const struct wsl_tsig_key *k, const struct tsig_vars *v)
{
    put_canonical(b, k->name);
    dns_put16(b, v->rclass);
    dns_put32(b, v->ttl);
    put_canonical(b, wsl_tsig_alg_name(k->alg));
    dns_put48(b, v->time_signed);
    dns_put16(b, v->fudge);
    dns_put16(b, v->error);
    dns_put16(b, v->other_len);
    wsl_buf_append(b, v->other, v->other_len);
}

static size_t hmac(const struct wsl_tsig_key *k, const struct wsl_buf *in,
                   unsigned char out[WSL_TSIG_MAC_MAX])
{
    if (k->alg == WSL_TSIG_HMAC_SHA512)
        wsl_hmac_sha512(k->secret, k->secret_len, in->data, in->len, out);
    else
        wsl_hmac_sha256(k->secret, k->secret_len, in->data, in->len, out);
    return mac_len(k->alg);
}

/* --- signing ----------------------------------------------------------------------- */

int wsl_tsig_sign(const struct wsl_tsig_key *k, struct wsl_buf *msg, uint64_t now,
                  struct wsl_tsig_request *req, struct wsl_err *err)
{
    if (msg->len < 12)
        return wsl_err_set(err, WSL_E_INTERNAL, "signing a DNS message of %zu bytes", msg->len);
    unsigned char *h = (unsigned char *)msg->data;
    unsigned arcount = dns_get16(h + 10);
    if (arcount == 65535)
        return wsl_err_set(err, WSL_E_LIMIT, "no room for a TSIG record in the message");
    struct tsig_vars v = {WSL_DNS_CLASS_ANY, 0, now, WSL_TSIG_FUDGE, 0, 0, NULL};
    struct wsl_buf in = WSL_BUF_INIT;
    wsl_buf_append(&in, msg->data, msg->len);
    put_vars(&in, k, &v);
    req->mac_len = hmac(k, &in, req->mac);
    req->id = dns_get16(h);
    req->time_signed = now;
    wsl_buf_free(&in);

    struct wsl_buf rd = WSL_BUF_INIT;
    put_canonical(&rd, wsl_tsig_alg_name(k->alg));
    dns_put48(&rd, now);
    dns_put16(&rd, WSL_TSIG_FUDGE);
    dns_put16(&rd, (unsigned)req->mac_len);
    wsl_buf_append(&rd, req->mac, req->mac_len);
    dns_put16(&rd, req->id);
    dns_put16(&rd, 0); /* error */
    dns_put16(&rd, 0); /* other length */
    put_canonical(msg, k->name);
    dns_put16(msg, WSL_DNS_TSIG);
    dns_put16(msg, WSL_DNS_CLASS_ANY);
    dns_put32(msg, 0);
    dns_put16(msg, (unsigned)rd.len);
    wsl_buf_append(msg, rd.data, rd.len);
    wsl_buf_free(&rd);
    dns_set16((unsigned char *)msg->data + 10, arcount + 1);
    if (msg->len > 65535)
        return wsl_err_set(err, WSL_E_LIMIT, "the signed DNS message is %zu bytes; a message "
                           "holds at most 65535", msg->len);
    return 0;
}

/* --- verifying --------------------------------------------------------------------- */

static int fail(enum wsl_tsig_verdict *out, enum wsl_tsig_verdict v)
{
    *out = v;
    return WSL_E_AUTH;
}

/* The server's TSIG error, in words. */
static void refused(const struct wsl_tsig_key *k, const struct wsl_dns_tsig_rdata *t,
                   uint64_t now, struct wsl_err *err)
{
    const char *alg = wsl_tsig_alg_name(k->alg);
    switch (t->error) {
    case WSL_DNS_BADKEY:
        wsl_err_set(err, WSL_E_AUTH, "the server refused the TSIG key %s (BADKEY)",
                    key_shown(k).s);
        wsl_err_hint(err, "the server knows no key of this name with %s: check the key name "
                          "and algorithm in the Target", alg);
        break;
    case WSL_DNS_BADSIG:
        wsl_err_set(err, WSL_E_AUTH, "the server could not verify the request's signature "
                    "with TSIG key %s (BADSIG)", key_shown(k).s);
        wsl_err_hint(err, "the secret differs from the server's secret of this key: check "
                          "the file or variable the Target's secretFrom names");
        break;
    case WSL_DNS_BADTIME: {
        char theirs[64] = "";
        if (t->other_len == 6)
            snprintf(theirs, sizeof theirs, " (its clock reads %llu, ours %llu)",
                     (unsigned long long)dns_get48(t->other), (unsigned long long)now);
        wsl_err_set(err, WSL_E_AUTH, "the server refused the request's time (BADTIME)%s",
                    theirs);
        wsl_err_hint(err, "synchronise both clocks (NTP): TSIG allows %d s of difference",
                     WSL_TSIG_FUDGE);
        break;
    }
    default:
        wsl_err_set(err, WSL_E_AUTH, "the server answered with TSIG error %s (%u) for key %s",
                    wsl_dns_rcode_name(t->error), t->error, key_shown(k).s);
    }
}

/* Whether the MAC of the answer is right. */
static bool mac_ok(const struct wsl_tsig_key *k, const struct wsl_tsig_request *req,
                   const struct wsl_dns_msg *resp)
{
    const struct wsl_dns_rr *rr = resp->tsig;
    const struct wsl_dns_tsig_rdata *t = &rr->u.tsig;
    struct wsl_buf in = WSL_BUF_INIT;
    dns_put16(&in, (unsigned)req->mac_len);
    wsl_buf_append(&in, req->mac, req->mac_len);
    size_t start = in.len;
    wsl_buf_append(&in, resp->raw, rr->offset);
    unsigned char *h = (unsigned char *)in.data + start;
    dns_set16(h, t->original_id);
    dns_set16(h + 10, dns_get16(h + 10) - 1u); /* the TSIG record is the last one */
    struct tsig_vars v = {rr->rclass, rr->ttl, t->time_signed, t->fudge,
                          t->error, t->other_len, t->other};
    put_vars(&in, k, &v);
    unsigned char mac[WSL_TSIG_MAC_MAX];
    size_t n = hmac(k, &in, mac);
    wsl_buf_free(&in);
    return t->mac_size == n && wsl_ct_memcmp(mac, t->mac, n) == 0;
}

int wsl_tsig_verify(const struct wsl_tsig_key *k, const struct wsl_tsig_request *req,
                    const struct wsl_dns_msg *resp, uint64_t now,
                    enum wsl_tsig_verdict *verdict, struct wsl_err *err)
{
    enum wsl_tsig_verdict ignored;
    verdict = verdict ? verdict : &ignored;
    const struct wsl_dns_rr *rr = resp->tsig;
    if (!rr) {
        wsl_err_set(err, WSL_E_AUTH, "the answer is not signed, although the request was "
                    "(TSIG key %s)", key_shown(k).s);
        wsl_err_hint(err, "a server that knows the key signs its answers: check that the "
                          "address is the zone's primary server");
        return fail(verdict, WSL_TSIG_UNSIGNED);
    }
    const struct wsl_dns_tsig_rdata *t = &rr->u.tsig;
    if (rr->rdlen > 0 && t->error != 0) {
        refused(k, t, now, err);
        return fail(verdict, WSL_TSIG_REFUSED);
    }
    if (rr->rdlen == 0 || !wsl_dns_name_equal(rr->name, k->name) ||
        !wsl_dns_name_equal(t->algorithm, wsl_tsig_alg_name(k->alg))) {
        wsl_err_set(err, WSL_E_AUTH, "the answer is signed with TSIG key %.300s (%.100s), "
                    "not with %s (%s)", rr->name, rr->rdlen ? t->algorithm : "no algorithm",
                    key_shown(k).s, wsl_tsig_alg_name(k->alg));
        return fail(verdict, WSL_TSIG_WRONG_KEY);
    }
    if (!mac_ok(k, req, resp)) {
        wsl_err_set(err, WSL_E_AUTH, "the answer's TSIG signature does not verify with key "
                    "%s: it was altered on the way, or does not come from the server",
                    key_shown(k).s);
        wsl_err_hint(err, "check the network path to the server; if the server reports no "
                          "error, its secret for this key may differ from ours");
        return fail(verdict, WSL_TSIG_BAD_MAC);
    }
    long long skew = (long long)now - (long long)t->time_signed;
    if (skew > t->fudge || -skew > t->fudge) {
        wsl_err_set(err, WSL_E_AUTH, "the answer was signed %lld s away from our clock "
                    "(TSIG allows %u s)", skew < 0 ? -skew : skew, t->fudge);
        wsl_err_hint(err, "synchronise both clocks (NTP)");
        return fail(verdict, WSL_TSIG_BAD_TIME);
    }
    *verdict = WSL_TSIG_VERIFIED;
    return 0;
}
