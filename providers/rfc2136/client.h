/*
 * client.h — talking to one authoritative DNS server: queries and RFC 2136 updates,
 * signed with TSIG when a key is given.
 *
 * Transport (RFC 1035 §4.2, RFC 7766): UDP first, with a bounded number of attempts and a
 * time limit each; TCP when the message does not fit in 512 bytes, when the answer comes
 * back truncated (TC), or always when `tcp` is set. An answer counts only when its ID,
 * opcode and question are the request's; over UDP anything else is ignored (a late or
 * spoofed datagram) and waiting goes on.
 *
 * Errors (struct wsl_err) name the server, the zone or query, and the names concerned:
 *   WSL_E_NET       cannot connect, port closed, connection closed; SERVFAIL (retry)
 *   WSL_E_TIMEOUT   no answer in time
 *   WSL_E_AUTH      TSIG refused or not verifying (BADSIG, BADKEY, BADTIME, a MAC that is
 *                   wrong, an unsigned answer), NOTAUTH, REFUSED
 *   WSL_E_CONFLICT  an update's prerequisite failed (YXDOMAIN, YXRRSET, NXDOMAIN,
 *                   NXRRSET): nothing was changed
 *   WSL_E_INVALID   a bad name or server address, NOTZONE, NOTIMP, an answer that does not
 *                   parse or match
 *   WSL_E_INTERNAL  FORMERR: the server found our message malformed
 *
 * A client is a few strings and numbers; it may be used from several threads at once (each
 * call has its own sockets).
 */
#ifndef WSL_RFC2136_CLIENT_H
#define WSL_RFC2136_CLIENT_H

#include "lib/err.h"
#include "providers/rfc2136/tsig.h"
#include "providers/rfc2136/wire.h"

#include <stdbool.h>

#define WSL_DNS_TIMEOUT_MS 2000 /* per attempt, and for a whole TCP exchange */
#define WSL_DNS_ATTEMPTS 3      /* UDP sends of one message */

struct wsl_dns_client {
    char server[300];               /* as given, for messages */
    char host[256], port[8];
    const struct wsl_tsig_key *key; /* NULL: unsigned; the caller keeps it alive */
    int timeout_ms;
    int attempts;
    bool tcp; /* every message over TCP */
};

/* server: "host:port", "host" (port 53), "192.0.2.1:53", "[2001:db8::1]:53" or a bare IPv6
 * address; host names are resolved with getaddrinfo at each exchange. Sets the defaults
 * above. WSL_E_INVALID for a malformed address. */
int wsl_dns_client_init(struct wsl_dns_client *c, const char *server,
                        const struct wsl_tsig_key *key, struct wsl_err *err);

/* Ask for the records of (name, type, IN). On success out holds the answer (free it with
 * wsl_dns_msg_free): the records in out->rr[WSL_DNS_ANSWER], out->rcode NOERROR or
 * NXDOMAIN (no such name: success, with no records). Other response codes are errors. */
int wsl_dns_query(const struct wsl_dns_client *c, const char *name, uint16_t type,
                  struct wsl_dns_msg *out, struct wsl_err *err);

/* Send the update and wait for the server's verdict: 0 when it applied all of it. The
 * server applies all the changes or none, and none unless every prerequisite holds. */
int wsl_dns_update(const struct wsl_dns_client *c, const struct wsl_dns_update *u,
                   struct wsl_err *err);

#endif
