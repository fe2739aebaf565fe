/*
 * tsig.h — TSIG (RFC 8945): requests signed with a shared secret, answers verified.
 *
 * hmac-sha256 and hmac-sha512, full-length MACs only (no truncation, RFC 8945 §5.2.2.1),
 * one message each way (no multi-message TCP streams such as zone transfers). The secret
 * never appears in an error or a log line: its base64 text is registered with
 * wsl_log_secret() when the key is made, and no message quotes it or any part of it.
 */
#ifndef WSL_RFC2136_TSIG_H
#define WSL_RFC2136_TSIG_H

#include "lib/buf.h"
#include "lib/err.h"
#include "providers/rfc2136/wire.h"

#include <stddef.h>
#include <stdint.h>

#define WSL_TSIG_FUDGE 300 /* seconds of clock difference allowed (RFC 8945 §10) */
#define WSL_TSIG_MAC_MAX 64

enum wsl_tsig_alg { WSL_TSIG_HMAC_SHA256, WSL_TSIG_HMAC_SHA512 };

struct wsl_tsig_key {
    char name[256];        /* absolute and lower-case: "wissel-test." */
    enum wsl_tsig_alg alg;
    unsigned char *secret; /* the decoded secret; wsl_tsig_key_free wipes it */
    size_t secret_len;
};

/* Make a key. name: the key's name as the server knows it; algorithm: "hmac-sha256" or
 * "hmac-sha512" (NULL: hmac-sha256); secret: its base64 text (white space around it, such as
 * a file's final newline, is ignored). WSL_E_INVALID naming what is wrong, never the
 * secret. */
int wsl_tsig_key_init(struct wsl_tsig_key *k, const char *name, const char *algorithm,
                      const char *secret, struct wsl_err *err);
void wsl_tsig_key_free(struct wsl_tsig_key *k);
/* "hmac-sha256" or "hmac-sha512". */
const char *wsl_tsig_alg_name(enum wsl_tsig_alg alg);

/* What signing a request keeps for checking its answer. */
struct wsl_tsig_request {
    uint16_t id;
    uint64_t time_signed;
    unsigned char mac[WSL_TSIG_MAC_MAX];
    size_t mac_len;
};

/* Sign the complete message in msg (which has no TSIG yet): append the TSIG record
 * (time signed now, fudge WSL_TSIG_FUDGE) and count it in ARCOUNT (RFC 8945 §4.3.1).
 * WSL_E_LIMIT when the signed message would not fit in 64 KiB. */
int wsl_tsig_sign(const struct wsl_tsig_key *k, struct wsl_buf *msg, uint64_t now,
                  struct wsl_tsig_request *req, struct wsl_err *err);

/* How an answer's TSIG turned out. */
enum wsl_tsig_verdict {
    WSL_TSIG_VERIFIED,   /* signed with our key; MAC and time good */
    WSL_TSIG_UNSIGNED,   /* the answer has no TSIG record */
    WSL_TSIG_REFUSED,    /* the server reports a TSIG error: BADSIG (our MAC did not verify:
                            wrong secret), BADKEY (unknown key or algorithm), BADTIME (the
                            clocks differ) — resp->tsig->u.tsig.error */
    WSL_TSIG_WRONG_KEY,  /* signed with another key name or algorithm */
    WSL_TSIG_BAD_MAC,    /* the MAC does not verify: altered, forged, or another secret */
    WSL_TSIG_BAD_TIME    /* MAC good, but signed more than the fudge away from our clock */
};

/* Check the answer resp to the request signed as req (RFC 8945 §5.3): the MAC over the
 * request's MAC, the answer without its TSIG record (original ID, ARCOUNT one less) and the
 * TSIG variables. Returns 0 for WSL_TSIG_VERIFIED, else WSL_E_AUTH with the reason and a
 * hint in err; *verdict (may be NULL) says which. */
int wsl_tsig_verify(const struct wsl_tsig_key *k, const struct wsl_tsig_request *req,
                    const struct wsl_dns_msg *resp, uint64_t now,
                    enum wsl_tsig_verdict *verdict, struct wsl_err *err);

#endif
