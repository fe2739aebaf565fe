/*
 * fuzz_dns.c — libFuzzer target for DNS answers (providers/rfc2136/parse.c), the TSIG check
 * of an answer (tsig.c) and the ownership record's reader (owner.c): what a DNS server, or
 * anyone on the path to it, can send us.
 *
 * Input: any bytes, as one message. What must hold: no crash, leak, hang or UBSan report;
 * a parsed message has its counts, a name and a text for every record, the TSIG record (if
 * any) as the very last one, and every name within WSL_DNS_NAME_TEXT; the TSIG check of a
 * parsed message either verifies or says why (it cannot verify here: the key is made up);
 * every TXT record's data read as an ownership record gives 0, NOTFOUND or INVALID.
 *
 *   make build/fuzz/fuzz_dns && build/fuzz/fuzz_dns build/fuzz/corpus-fuzz_dns tests/fuzz/seeds-dns
 */
#include "providers/rfc2136/owner.h"
#include "providers/rfc2136/tsig.h"
#include "providers/rfc2136/wire.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_dns: invariant broken: %s\n", what);
        abort();
    }
}

static void check_rr(const struct wsl_dns_rr *rr)
{
    check(rr->name && strlen(rr->name) < WSL_DNS_NAME_TEXT, "a record's name");
    check(rr->text != NULL, "a record's text");
    if (rr->type == WSL_DNS_TXT && rr->rdlen > 0) {
        struct wsl_dns_owner o;
        int rc = wsl_dns_owner_parse((const char *)rr->u.txt.data, rr->u.txt.len, &o, NULL);
        check(rc == 0 || rc == WSL_E_NOTFOUND || rc == WSL_E_INVALID, "owner parse result");
        check(rc != 0 || (o.app[0] && o.target[0]), "an owner with app and target");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct wsl_tsig_key key;
    if (!key.secret)
        wsl_tsig_key_init(&key, "fuzz-key", "hmac-sha256", "ZnV6ei1zZWNyZXQtZnV6ei1zZWNyZXQ=",
                          NULL);
    struct wsl_dns_msg m;
    struct wsl_err err = {0};
    if (wsl_dns_parse(data, size, &m, &err) != 0) {
        check(err.code == WSL_E_INVALID && err.msg[0], "a refusal says why");
        return 0;
    }
    for (size_t i = 0; i < m.nqd; i++)
        check(m.qd[i].name && strlen(m.qd[i].name) < WSL_DNS_NAME_TEXT, "a question's name");
    for (int s = 0; s < 3; s++) {
        for (size_t i = 0; i < m.nrr[s]; i++)
            check_rr(&m.rr[s][i]);
    }
    if (m.tsig)
        check(m.tsig == &m.rr[WSL_DNS_ADDITIONAL][m.nrr[WSL_DNS_ADDITIONAL] - 1],
              "TSIG is the last record");
    struct wsl_tsig_request req = {.id = m.id, .mac_len = 32};
    enum wsl_tsig_verdict v;
    int rc = wsl_tsig_verify(&key, &req, &m, 1700000000, &v, &err);
    check(rc == 0 ? v == WSL_TSIG_VERIFIED : rc == WSL_E_AUTH && err.msg[0], "a TSIG verdict");
    wsl_dns_msg_free(&m);
    return 0;
}
