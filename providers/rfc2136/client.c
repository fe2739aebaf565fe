/*
 * client.c — queries and updates (see client.h): a random ID, the TSIG signature, the
 * exchange (transport.c), the answer's signature, and its response code in words.
 *
 * Which answers must be signed: when the client has a key, every answer that we would
 * act on (NOERROR, and NXDOMAIN to a query) must carry a TSIG that verifies. An unsigned
 * error answer is reported by its response code: it can do no more than make us stop.
 */
#include "providers/rfc2136/client.h"

#include "lib/log.h"
#include "providers/rfc2136/internal.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int new_id(uint16_t *id, struct wsl_err *err)
{
    unsigned char b[2];
    if (RAND_bytes(b, sizeof b) != 1)
        return wsl_err_set(err, WSL_E_INTERNAL, "the random number generator failed");
    *id = dns_get16(b);
    return 0;
}

static bool is_success(unsigned opcode, unsigned rcode)
{
    return rcode == WSL_DNS_NOERROR || (opcode == WSL_DNS_OP_QUERY && rcode == WSL_DNS_NXDOMAIN);
}

/* Sign msg when there is a key, exchange it, check the answer's signature. */
static int transact(const struct wsl_dns_client *c, struct wsl_buf *msg,
                    const struct dns_expect *x, struct wsl_dns_msg *out, struct wsl_err *err)
{
    struct wsl_tsig_request req;
    int rc = c->key ? wsl_tsig_sign(c->key, msg, (uint64_t)time(NULL), &req, err) : 0;
    if (rc == 0)
        rc = dns_exchange(c, msg, x, out, err);
    if (rc || !c->key || (!out->tsig && !is_success(x->opcode, out->rcode)))
        return rc;
    rc = wsl_tsig_verify(c->key, &req, out, (uint64_t)time(NULL), NULL, err);
    if (rc)
        wsl_dns_msg_free(out);
    return rc;
}

/* --- response codes ---------------------------------------------------------------- */

struct rcode_info {
    unsigned rcode;
    int code;
    const char *what, *hint;
};

#define PRE_HINT                                                                              \
    "the records changed since wissel read them, or belong to someone else: look at them "   \
    "(kdig @server name type) and plan again"

static const struct rcode_info update_rcodes[] = {
    {WSL_DNS_YXDOMAIN, WSL_E_CONFLICT,
     "a prerequisite does not hold (YXDOMAIN: a name that must not exist exists)", PRE_HINT},
    {WSL_DNS_YXRRSET, WSL_E_CONFLICT,
     "a prerequisite does not hold (YXRRSET: records that must not exist exist)", PRE_HINT},
    {WSL_DNS_NXDOMAIN, WSL_E_CONFLICT,
     "a prerequisite does not hold (NXDOMAIN: a name that must exist does not)", PRE_HINT},
    {WSL_DNS_NXRRSET, WSL_E_CONFLICT,
     "a prerequisite does not hold (NXRRSET: records that must exist do not, or hold other "
     "values)", PRE_HINT},
    {WSL_DNS_NOTZONE, WSL_E_INVALID, "a name is outside the zone (NOTZONE)",
     "every name of an update must be in the Target's zone"},
    {WSL_DNS_NOTAUTH, WSL_E_AUTH,
     "the server is not authoritative for the zone, or does not allow this update (NOTAUTH)",
     "check that the server is the zone's primary, and that it allows updates signed with "
     "the Target's TSIG key"},
    {WSL_DNS_REFUSED, WSL_E_AUTH, "the server refused the update (REFUSED)",
     "the server's policy (ACL) does not let this key change these names or types"},
    {WSL_DNS_SERVFAIL, WSL_E_NET, "the server failed to apply the update (SERVFAIL)",
     "the server's log says why; the update can be tried again"},
    {WSL_DNS_NOTIMP, WSL_E_INVALID, "the server does not support dynamic updates (NOTIMP)",
     "enable RFC 2136 updates of the zone on the server"},
    {WSL_DNS_FORMERR, WSL_E_INTERNAL, "the server found the update malformed (FORMERR)",
     "this is a bug in wissel: please report it, with the server's log line"},
};

static const struct rcode_info query_rcodes[] = {
    {WSL_DNS_SERVFAIL, WSL_E_NET, "the server failed to answer (SERVFAIL)",
     "the server's log says why (is the zone loaded?); the query can be tried again"},
    {WSL_DNS_REFUSED, WSL_E_AUTH, "the server refused the query (REFUSED)",
     "the server does not serve this name to us: check the server and zone in the Target"},
    {WSL_DNS_NOTAUTH, WSL_E_AUTH, "the server is not authoritative for the name (NOTAUTH)",
     "check the server and zone in the Target"},
    {WSL_DNS_NOTIMP, WSL_E_INVALID, "the server does not implement the query (NOTIMP)", ""},
    {WSL_DNS_FORMERR, WSL_E_INTERNAL, "the server found the query malformed (FORMERR)",
     "this is a bug in wissel: please report it, with the server's log line"},
};

static int rcode_error(const struct rcode_info *t, size_t n, unsigned rcode,
                       struct wsl_err *err)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i].rcode == rcode) {
            wsl_err_set(err, t[i].code, "%s", t[i].what);
            wsl_err_hint(err, "%s", t[i].hint);
            return t[i].code;
        }
    }
    return wsl_err_set(err, WSL_E_INVALID, "the server answered %s (%u)",
                       wsl_dns_rcode_name(rcode), rcode);
}

/* --- queries ----------------------------------------------------------------------- */

int wsl_dns_query(const struct wsl_dns_client *c, const char *name, uint16_t type,
                  struct wsl_dns_msg *out, struct wsl_err *err)
{
    memset(out, 0, sizeof *out);
    struct wsl_buf msg = WSL_BUF_INIT;
    uint16_t id = 0;
    int rc = new_id(&id, err);
    if (rc == 0)
        rc = wsl_dns_query_encode(id, name, type, &msg, err);
    if (rc == 0) {
        struct dns_expect x = {id, WSL_DNS_OP_QUERY, name, type};
        rc = transact(c, &msg, &x, out, err);
    }
    wsl_buf_free(&msg);
    if (rc == 0 && !is_success(WSL_DNS_OP_QUERY, out->rcode)) {
        rc = rcode_error(query_rcodes, sizeof query_rcodes / sizeof *query_rcodes,
                         out->rcode, err);
        wsl_dns_msg_free(out);
    }
    char t[16];
    if (rc)
        wsl_err_prefix(err, "DNS query %.300s %s at %s", name, dns_type_str(type, t), c->server);
    return rc;
}

/* --- updates ----------------------------------------------------------------------- */

/* The distinct names the update changes (else those it requires), at most three. */
static void update_names(const struct wsl_dns_update *u, char *out, size_t n)
{
    const struct wsl_dns_change *v = u->nupd ? u->upd : u->pre;
    size_t count = u->nupd ? u->nupd : u->npre, shown = 0, o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = wsl_dns_name_equal(v[i].name, v[j].name);
        if (seen)
            continue;
        if (shown++ == 3) {
            snprintf(out + o, n - o, ", ...");
            return;
        }
        int k = snprintf(out + o, n - o, "%s%.200s", o ? ", " : "", v[i].name);
        o = k < 0 || (size_t)k >= n - o ? n - 1 : o + (size_t)k;
    }
}

/* After a failed prerequisite: what the update required, in words. */
static void add_prereqs(const struct wsl_dns_update *u, struct wsl_err *err)
{
    if (!err)
        return;
    size_t o = strlen(err->msg);
    o += (size_t)snprintf(err->msg + o, sizeof err->msg - o, "; nothing was changed. It "
                          "required:");
    for (size_t i = 0; i < u->npre && o < sizeof err->msg; i++)
        o += (size_t)snprintf(err->msg + o, sizeof err->msg - o, "%s %s", i ? ";" : "",
                              u->pre[i].what);
}

int wsl_dns_update(const struct wsl_dns_client *c, const struct wsl_dns_update *u,
                   struct wsl_err *err)
{
    struct wsl_buf msg = WSL_BUF_INIT;
    struct wsl_dns_msg out = {0};
    uint16_t id = 0;
    int rc = new_id(&id, err);
    if (rc == 0)
        rc = wsl_dns_update_encode(u, id, &msg, err);
    if (rc == 0) {
        struct dns_expect x = {id, WSL_DNS_OP_UPDATE, u->zone, WSL_DNS_SOA};
        rc = transact(c, &msg, &x, &out, err);
    }
    wsl_buf_free(&msg);
    if (rc == 0 && out.rcode != WSL_DNS_NOERROR) {
        rc = rcode_error(update_rcodes, sizeof update_rcodes / sizeof *update_rcodes,
                         out.rcode, err);
        if (rc == WSL_E_CONFLICT)
            add_prereqs(u, err);
        if (rc == WSL_E_AUTH && !c->key)
            wsl_err_hint(err, "the update was not signed, and servers normally take only "
                              "updates signed with a TSIG key: give the Target a tsig key");
    }
    wsl_dns_msg_free(&out);
    char names[512];
    update_names(u, names, sizeof names);
    if (rc)
        wsl_err_prefix(err, "DNS update of zone %s at %s (%s)", u->zone ? u->zone : "?",
                       c->server, names);
    else
        wsl_log(WSL_LOG_DEBUG, "dns", "update applied", "server", c->server, "zone", u->zone,
                "names", names, NULL);
    return rc;
}
