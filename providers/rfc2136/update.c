/*
 * update.c — the UPDATE message of RFC 2136 (see wire.h).
 *
 * The class and TTL of each record say what it means (RFC 2136 §2.4 and §2.5):
 *
 *   prerequisite                       class  type   rdata      TTL
 *   RRset exists (value independent)   ANY    type   empty      0
 *   RRset exists (value dependent)     IN     type   the data   0
 *   RRset does not exist               NONE   type   empty      0
 *   name is in use                     ANY    ANY    empty      0
 *   name is not in use                 NONE   ANY    empty      0
 *
 *   update                             class  type   rdata      TTL
 *   add to an RRset                    IN     type   the data   ttl
 *   delete an RRset                    ANY    type   empty      0
 *   delete one record                  NONE   type   the data   0
 *
 * Every change also keeps a sentence saying what it asks, so that a refused update can be
 * explained without the caller's help.
 */
#include "providers/rfc2136/internal.h"
#include "providers/rfc2136/wire.h"

#include <stdlib.h>
#include <string.h>

/* A copy of name with its final dot ("." stays "."). */
static char *absolute(const char *name)
{
    size_t n = strlen(name);
    if (n && name[n - 1] == '.')
        return wsl_xstrdup(name);
    char *s = wsl_xmalloc(n + 2);
    memcpy(s, name, n);
    memcpy(s + n, ".", 2);
    return s;
}

int wsl_dns_update_init(struct wsl_dns_update *u, const char *zone, struct wsl_err *err)
{
    memset(u, 0, sizeof *u);
    unsigned char w[255];
    size_t n;
    int rc = wsl_dns_name_encode(zone, w, &n, err);
    if (rc)
        return rc;
    u->zone = absolute(zone);
    return 0;
}

void wsl_dns_update_free(struct wsl_dns_update *u)
{
    struct wsl_dns_change *lists[2] = {u->pre, u->upd};
    size_t counts[2] = {u->npre, u->nupd};
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; i < counts[l]; i++) {
            free(lists[l][i].name);
            free(lists[l][i].rdata);
            free(lists[l][i].what);
        }
        free(lists[l]);
    }
    free(u->zone);
    memset(u, 0, sizeof *u);
}

/* What a change is, for push(). */
struct change_spec {
    bool pre;               /* prerequisite section, else update section */
    const char *name;
    uint16_t type, rclass;
    uint32_t ttl;
    const char *value;      /* NULL: empty rdata */
};

static int check_name(const struct wsl_dns_update *u, const char *name, struct wsl_err *err)
{
    unsigned char w[255];
    size_t n;
    int rc = wsl_dns_name_encode(name, w, &n, err);
    if (rc)
        return rc;
    if (!u->zone || !wsl_dns_name_in_zone(name, u->zone)) {
        wsl_err_set(err, WSL_E_INVALID, "%.300s is not in the zone %s", name,
                    u->zone ? u->zone : "(none)");
        wsl_err_hint(err, "an update changes names of one zone only: the Target's zone");
        return WSL_E_INVALID;
    }
    return 0;
}

/* prefix + "web.example. A 192.0.2.1" + suffix: the change in words, for messages. The
 * type is left out for the whole-name forms (type ANY), TXT values are quoted. */
static char *describe(const struct change_spec *s, const char *prefix, const char *suffix)
{
    char t[16];
    struct wsl_buf b = WSL_BUF_INIT;
    char *name = absolute(s->name);
    wsl_buf_printf(&b, "%s%s", prefix, name);
    if (s->type != WSL_DNS_ANY)
        wsl_buf_printf(&b, " %s", dns_type_str(s->type, t));
    if (s->value && s->type == WSL_DNS_TXT)
        wsl_buf_printf(&b, " \"%.200s\"", s->value);
    else if (s->value)
        wsl_buf_printf(&b, " %.200s", s->value);
    wsl_buf_puts(&b, suffix);
    free(name);
    return wsl_buf_steal(&b);
}

static int push(struct wsl_dns_update *u, const struct change_spec *s, const char *prefix,
                const char *suffix, struct wsl_err *err)
{
    int rc = check_name(u, s->name, err);
    struct wsl_buf rdata = WSL_BUF_INIT;
    if (rc == 0 && s->value)
        rc = wsl_dns_rdata_encode(s->type, s->value, &rdata, err);
    if (rc) {
        wsl_buf_free(&rdata);
        return rc;
    }
    struct wsl_dns_change **list = s->pre ? &u->pre : &u->upd;
    size_t *n = s->pre ? &u->npre : &u->nupd, *cap = s->pre ? &u->cap_pre : &u->cap_upd;
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        *list = wsl_xrealloc(*list, *cap * sizeof **list);
    }
    uint16_t rdlen = (uint16_t)rdata.len; /* before steal() empties the buffer */
    (*list)[(*n)++] = (struct wsl_dns_change){
        .name = absolute(s->name),
        .type = s->type,
        .rclass = s->rclass,
        .ttl = s->ttl,
        .rdlen = rdlen,
        .rdata = (unsigned char *)wsl_buf_steal(&rdata),
        .what = describe(s, prefix, suffix),
    };
    return 0;
}

int wsl_dns_prereq_exists(struct wsl_dns_update *u, const char *name, uint16_t type,
                          struct wsl_err *err)
{
    struct change_spec s = {true, name, type, WSL_DNS_CLASS_ANY, 0, NULL};
    return push(u, &s, "", " exists", err);
}

int wsl_dns_prereq_value(struct wsl_dns_update *u, const char *name, uint16_t type,
                         const char *value, struct wsl_err *err)
{
    struct change_spec s = {true, name, type, WSL_DNS_IN, 0, value};
    return push(u, &s, "", " exists (and the RRset holds no other value)", err);
}

int wsl_dns_prereq_absent(struct wsl_dns_update *u, const char *name, uint16_t type,
                          struct wsl_err *err)
{
    struct change_spec s = {true, name, type, WSL_DNS_CLASS_NONE, 0, NULL};
    return push(u, &s, "no ", " record exists", err);
}

int wsl_dns_prereq_name_used(struct wsl_dns_update *u, const char *name, struct wsl_err *err)
{
    struct change_spec s = {true, name, WSL_DNS_ANY, WSL_DNS_CLASS_ANY, 0, NULL};
    return push(u, &s, "", " has records", err);
}

int wsl_dns_prereq_name_unused(struct wsl_dns_update *u, const char *name,
                               struct wsl_err *err)
{
    struct change_spec s = {true, name, WSL_DNS_ANY, WSL_DNS_CLASS_NONE, 0, NULL};
    return push(u, &s, "", " has no records", err);
}

int wsl_dns_update_add(struct wsl_dns_update *u, const char *name, uint16_t type,
                       uint32_t ttl, const char *value, struct wsl_err *err)
{
    struct change_spec s = {false, name, type, WSL_DNS_IN, ttl, value};
    return push(u, &s, "add ", "", err);
}

int wsl_dns_update_delete_rrset(struct wsl_dns_update *u, const char *name, uint16_t type,
                                struct wsl_err *err)
{
    struct change_spec s = {false, name, type, WSL_DNS_CLASS_ANY, 0, NULL};
    return push(u, &s, "delete all ", " records", err);
}

int wsl_dns_update_delete_rr(struct wsl_dns_update *u, const char *name, uint16_t type,
                             const char *value, struct wsl_err *err)
{
    struct change_spec s = {false, name, type, WSL_DNS_CLASS_NONE, 0, value};
    return push(u, &s, "delete ", "", err);
}

static void put_change(struct wsl_buf *out, const struct wsl_dns_change *c)
{
    dns_put_name(out, c->name, NULL); /* checked when the change was added */
    dns_put16(out, c->type);
    dns_put16(out, c->rclass);
    dns_put32(out, c->ttl);
    dns_put16(out, c->rdlen);
    wsl_buf_append(out, c->rdata, c->rdlen);
}

int wsl_dns_update_encode(const struct wsl_dns_update *u, uint16_t id, struct wsl_buf *out,
                          struct wsl_err *err)
{
    wsl_buf_reset(out);
    if (!u->zone)
        return wsl_err_set(err, WSL_E_INTERNAL, "an update without a zone");
    if (u->npre > 65535 || u->nupd > 65535)
        return wsl_err_set(err, WSL_E_LIMIT, "an update of %zu prerequisites and %zu changes "
                           "is too large for one message", u->npre, u->nupd);
    dns_put16(out, id);
    dns_put16(out, WSL_DNS_OP_UPDATE << 11);
    dns_put16(out, 1);
    dns_put16(out, (unsigned)u->npre);
    dns_put16(out, (unsigned)u->nupd);
    dns_put16(out, 0);
    dns_put_name(out, u->zone, NULL);
    dns_put16(out, WSL_DNS_SOA);
    dns_put16(out, WSL_DNS_IN);
    for (size_t i = 0; i < u->npre; i++)
        put_change(out, &u->pre[i]);
    for (size_t i = 0; i < u->nupd; i++)
        put_change(out, &u->upd[i]);
    if (out->len > 65535)
        return wsl_err_set(err, WSL_E_LIMIT, "the update of zone %s is %zu bytes; a DNS "
                           "message holds at most 65535", u->zone, out->len);
    return 0;
}
