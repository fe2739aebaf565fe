/*
 * dns_update — one query or one RFC 2136 update through providers/rfc2136 (client.h,
 * owner.h), from the command line, for tests/integration/dns_update.sh against the Knot
 * DNS server of tests/env:
 *
 *   dns_update [OPTION=VALUE...] query NAME TYPE
 *   dns_update [OPTION=VALUE...] update DIRECTIVE...
 *
 * Options: server=HOST:PORT zone=ZONE key=NAME alg=ALGORITHM secret_file=FILE (the base64
 * secret, read from the file: never on the command line) tcp=1 timeout=MS.
 *
 * Each DIRECTIVE is one argument, its words separated by spaces (VALUE is the rest of the
 * line, so a TXT value may hold spaces):
 *   exists NAME TYPE             value NAME TYPE VALUE        absent NAME TYPE
 *   used NAME                    unused NAME
 *   add NAME TYPE TTL VALUE      delset NAME TYPE             del NAME TYPE VALUE
 *   owned NAME APP TARGET        claim NAME APP TARGET TTL    release NAME
 *
 * Prints "ok" (update), or "rcode RCODE bytes N answers N" and one "NAME TTL TYPE DATA"
 * line per answer record (query), and exits 0; or "error CODE: MESSAGE" and "hint: HINT"
 * and exits 1; 2 for a usage error. Logs go to stderr at debug level.
 */
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/fs.h"
#include "lib/log.h"
#include "providers/rfc2136/client.h"
#include "providers/rfc2136/owner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct opts {
    const char *server, *zone, *key, *alg, *secret_file;
    int tcp, timeout;
};

static int usage(const char *why)
{
    fprintf(stderr, "dns_update: %s\nusage: dns_update [server=H:P zone=Z key=K alg=A "
                    "secret_file=F tcp=1 timeout=MS] query NAME TYPE | update DIRECTIVE...\n",
            why);
    return 2;
}

/* name=value arguments into o; returns the index of the first other argument. */
static int read_opts(int argc, char **argv, struct opts *o)
{
    int i = 1;
    for (; i < argc && strchr(argv[i], '='); i++) {
        char *v = strchr(argv[i], '=') + 1;
        size_t n = (size_t)(v - 1 - argv[i]);
        const char *names[] = {"server", "zone", "key", "alg", "secret_file"};
        const char **slots[] = {&o->server, &o->zone, &o->key, &o->alg, &o->secret_file};
        for (size_t k = 0; k < 5; k++) {
            if (strlen(names[k]) == n && !strncmp(argv[i], names[k], n))
                *slots[k] = v;
        }
        if (n == 3 && !strncmp(argv[i], "tcp", 3))
            o->tcp = atoi(v);
        if (n == 7 && !strncmp(argv[i], "timeout", 7))
            o->timeout = atoi(v);
    }
    return i;
}

static int print_err(int rc, const struct wsl_err *err)
{
    printf("error %s: %s\n", wsl_code_name(rc), err->msg);
    if (err->hint[0])
        printf("hint: %s\n", err->hint);
    return 1;
}

/* Split a directive into at most max words; the last word takes the rest of the line. */
static int split(char *s, char **w, int max)
{
    int n = 0;
    while (*s && n < max) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        w[n++] = s;
        if (n == max)
            break;
        s += strcspn(s, " ");
        if (*s)
            *s++ = '\0';
    }
    return n;
}

static int type_of(const char *s, struct wsl_err *err)
{
    int t = wsl_dns_type_parse(s);
    return t >= 0 ? t : wsl_err_set(err, WSL_E_USAGE, "unknown type %s", s);
}

static const struct {
    const char *op;
    int words; /* with the directive's name; the last takes the rest of the line */
    bool typed; /* the third word is a type */
} ops[] = {{"exists", 3, true}, {"absent", 3, true},  {"delset", 3, true},
           {"used", 2, false},  {"unused", 2, false}, {"release", 2, false},
           {"owned", 4, false}, {"value", 4, true},   {"del", 4, true},
           {"claim", 5, false}, {"add", 5, true}};

/* One directive into u. */
static int directive(struct wsl_dns_update *u, char *d, struct wsl_err *err)
{
    const char *op = d + strspn(d, " ");
    size_t oplen = strcspn(op, " ");
    int words = 0, t = 0;
    bool typed = false;
    for (size_t k = 0; k < sizeof ops / sizeof *ops; k++) {
        if (strlen(ops[k].op) == oplen && !strncmp(op, ops[k].op, oplen)) {
            words = ops[k].words;
            typed = ops[k].typed;
        }
    }
    char *w[5];
    if (!words || split(d, w, words) != words)
        return wsl_err_set(err, WSL_E_USAGE, "unknown or incomplete directive \"%s\"", d);
    if (typed && (t = type_of(w[2], err)) < 0)
        return t;
    uint16_t type = (uint16_t)t;
    const char *o = w[0];
    if (!strcmp(o, "exists"))
        return wsl_dns_prereq_exists(u, w[1], type, err);
    if (!strcmp(o, "absent"))
        return wsl_dns_prereq_absent(u, w[1], type, err);
    if (!strcmp(o, "value"))
        return wsl_dns_prereq_value(u, w[1], type, w[3], err);
    if (!strcmp(o, "used"))
        return wsl_dns_prereq_name_used(u, w[1], err);
    if (!strcmp(o, "unused"))
        return wsl_dns_prereq_name_unused(u, w[1], err);
    if (!strcmp(o, "add"))
        return wsl_dns_update_add(u, w[1], type, (uint32_t)atol(w[3]), w[4], err);
    if (!strcmp(o, "delset"))
        return wsl_dns_update_delete_rrset(u, w[1], type, err);
    if (!strcmp(o, "del"))
        return wsl_dns_update_delete_rr(u, w[1], type, w[3], err);
    if (!strcmp(o, "owned"))
        return wsl_dns_owner_require(u, w[1], w[2], w[3], err);
    if (!strcmp(o, "claim"))
        return wsl_dns_owner_claim(u, w[1], w[2], w[3], (uint32_t)atol(w[4]), err);
    return wsl_dns_owner_release(u, w[1], err);
}

static int run_update(const struct wsl_dns_client *c, const char *zone, int argc, char **argv,
                      struct wsl_err *err)
{
    struct wsl_dns_update u;
    int rc = wsl_dns_update_init(&u, zone, err);
    for (int i = 0; i < argc && rc == 0; i++)
        rc = directive(&u, argv[i], err);
    if (rc == 0)
        rc = wsl_dns_update(c, &u, err);
    wsl_dns_update_free(&u);
    if (rc == 0)
        printf("ok\n");
    return rc;
}

static int run_query(const struct wsl_dns_client *c, const char *name, const char *type,
                     struct wsl_err *err)
{
    int t = type_of(type, err);
    if (t < 0)
        return t;
    struct wsl_dns_msg m;
    int rc = wsl_dns_query(c, name, (uint16_t)t, &m, err);
    if (rc)
        return rc;
    printf("rcode %s bytes %zu answers %zu\n", wsl_dns_rcode_name(m.rcode), m.len,
           m.nrr[WSL_DNS_ANSWER]);
    for (size_t i = 0; i < m.nrr[WSL_DNS_ANSWER]; i++) {
        const struct wsl_dns_rr *rr = &m.rr[WSL_DNS_ANSWER][i];
        const char *tn = wsl_dns_type_name(rr->type);
        printf("%s %u %s %s\n", rr->name, rr->ttl, tn ? tn : "?", rr->text);
    }
    wsl_dns_msg_free(&m);
    return 0;
}

/* The key from the options, when a key name is given. */
static int load_key(const struct opts *o, struct wsl_tsig_key *k, struct wsl_err *err)
{
    struct wsl_buf secret = WSL_BUF_INIT;
    int rc = o->secret_file ? wsl_read_file(o->secret_file, 4096, &secret, err)
                            : wsl_err_set(err, WSL_E_USAGE, "key= needs secret_file=");
    if (rc == 0)
        rc = wsl_tsig_key_init(k, o->key, o->alg, wsl_buf_str(&secret), err);
    if (secret.data)
        memset(secret.data, 0, secret.len);
    wsl_buf_free(&secret);
    return rc;
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    int i = read_opts(argc, argv, &o);
    if (i >= argc || !o.server)
        return usage("server= and a command are required");
    wsl_log_setup(WSL_LOG_DEBUG, WSL_LOG_TEXT, stderr);
    struct wsl_err err = {0};
    struct wsl_tsig_key key = {0};
    struct wsl_dns_client c;
    int rc = o.key ? load_key(&o, &key, &err) : 0;
    if (rc == 0)
        rc = wsl_dns_client_init(&c, o.server, o.key ? &key : NULL, &err);
    if (rc == 0) {
        c.tcp = o.tcp != 0;
        c.timeout_ms = o.timeout > 0 ? o.timeout : c.timeout_ms;
        if (!strcmp(argv[i], "query") && argc - i == 3)
            rc = run_query(&c, argv[i + 1], argv[i + 2], &err);
        else if (!strcmp(argv[i], "update") && o.zone)
            rc = run_update(&c, o.zone, argc - i - 1, argv + i + 1, &err);
        else
            rc = wsl_err_set(&err, WSL_E_USAGE, "query NAME TYPE, or zone= and update ...");
    }
    wsl_tsig_key_free(&key);
    if (rc == WSL_E_USAGE)
        return usage(err.msg);
    return rc ? print_err(rc, &err) : 0;
}
