/*
 * The rfc2136 driver: an application's route host on an authoritative DNS server (BIND,
 * Knot, PowerDNS), changed with RFC 2136 updates signed with TSIG (client.h), owned through
 * the record beside each name (owner.h).
 *
 * Objects: one per record type at the route host — kind "A", "AAAA" or "CNAME", name the
 * host, body {"ttl": seconds, "values": [sorted]}: the model all DNS drivers share
 * (providers/dnsrecords.h). The fingerprint is the body's, observed as well as desired, so
 * a record someone changed by hand shows up as a change to undo.
 *
 * Every change is one update whose prerequisites make it conditional on ownership: a
 * create claims the name (no owner record yet, none of the type) or requires it to be
 * ours already (another type of ours is there); an update and a delete require it to be
 * ours. Taking over a name that is not ours (--force-conflicts) claims it. The server
 * applies all of an update or nothing, so a lost race changes nothing and says so.
 */
#include "lib/buf.h"
#include "lib/json.h"
#include "providers/dnsrecords.h"
#include "providers/provider.h"
#include "providers/registry.h"
#include "providers/rfc2136/client.h"
#include "providers/rfc2136/config.h"
#include "providers/rfc2136/owner.h"
#include "providers/secret.h"

#include <stdlib.h>
#include <string.h>


struct wsl_conn {
    const struct wsl_target *target;
    const struct wsl_rfc2136_config *cfg;
    struct wsl_tsig_key key;
    bool signed_;
    struct wsl_dns_client client;
};

static const uint16_t types[] = {WSL_DNS_A, WSL_DNS_AAAA, WSL_DNS_CNAME};

static int dns_open(const struct wsl_target *t, struct wsl_conn **out, struct wsl_err *err)
{
    struct wsl_conn *c = wsl_xcalloc(1, sizeof *c);
    c->target = t;
    c->cfg = t->spec.config;
    int rc = 0;
    if (c->cfg->tsig.name) {
        char *secret = NULL;
        rc = wsl_secret_read(&c->cfg->tsig.secret_from, &secret, err);
        if (rc == 0)
            rc = wsl_tsig_key_init(&c->key, c->cfg->tsig.name, c->cfg->tsig.algorithm, secret,
                                   err);
        c->signed_ = rc == 0;
        if (secret)
            memset(secret, 0, strlen(secret));
        free(secret);
    }
    if (rc == 0)
        rc = wsl_dns_client_init(&c->client, c->cfg->server, c->signed_ ? &c->key : NULL, err);
    c->client.tcp = true; /* an update resent over UDP after a lost answer would conflict */
    if (rc) {
        wsl_err_prefix(err, "target %s", t->metadata.name);
        if (c->signed_)
            wsl_tsig_key_free(&c->key);
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static void dns_close(struct wsl_conn *c)
{
    if (!c)
        return;
    if (c->signed_)
        wsl_tsig_key_free(&c->key);
    free(c);
}

/* --- render --------------------------------------------------------------------------- */

/* The record objects (providers/dnsrecords.h). */
static int dns_render(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_dns_want *w,
                      struct wsl_objset *out, struct wsl_err *err)
{
    return wsl_dnsrec_render(c->target, c->cfg->zone, app, w, out, err);
}

/* --- observe -------------------------------------------------------------------------- */

/* Whose name host is: 1 this application's at this target, 0 nobody's, -1 someone
 * else's (or not wissel's). */
static int owner_of(struct wsl_conn *c, const struct wsl_app *app, const char *host,
                    struct wsl_err *err, int *rc)
{
    char name[256];
    struct wsl_dns_msg m = {0};
    *rc = wsl_dns_owner_name(host, name, err);
    if (*rc == 0)
        *rc = wsl_dns_query(&c->client, name, WSL_DNS_TXT, &m, err);
    int who = 0;
    for (size_t i = 0; *rc == 0 && i < m.nrr[WSL_DNS_ANSWER]; i++) {
        const struct wsl_dns_rr *rr = &m.rr[WSL_DNS_ANSWER][i];
        struct wsl_dns_owner o;
        struct wsl_err ignored = {0};
        if (rr->type != WSL_DNS_TXT)
            continue;
        bool ours = wsl_dns_owner_parse((const char *)rr->u.txt.data, rr->u.txt.len, &o,
                                        &ignored) == 0 &&
                    !strcmp(o.app, app->metadata.name) &&
                    !strcmp(o.target, c->target->metadata.name);
        who = ours && who == 0 ? 1 : -1;
    }
    wsl_dns_msg_free(&m);
    return who;
}

static int observe_type(struct wsl_conn *c, const char *host, uint16_t type, bool ours,
                        struct wsl_objset *out, struct wsl_err *err)
{
    struct wsl_dns_msg m = {0};
    int rc = wsl_dns_query(&c->client, host, type, &m, err);
    json_t *values = json_array();
    uint32_t ttl = 0;
    for (size_t i = 0; rc == 0 && i < m.nrr[WSL_DNS_ANSWER]; i++) {
        const struct wsl_dns_rr *rr = &m.rr[WSL_DNS_ANSWER][i];
        char owner[256], v[256];
        wsl_dnsrec_normalize(rr->name, owner);
        if (rr->type != type || strcmp(owner, host))
            continue; /* a CNAME the server followed, or its target's records */
        wsl_dnsrec_normalize(rr->text, v);
        json_array_append_new(values, json_string(v));
        ttl = rr->ttl;
    }
    wsl_dns_msg_free(&m);
    if (rc || json_array_size(values) == 0) {
        json_decref(values);
        return rc;
    }
    json_t *b = wsl_dnsrec_body(ttl, values);
    char fp[65];
    wsl_json_fingerprint(b, fp);
    wsl_objset_add_observed(out, wsl_dns_type_name(type), host, b, ours ? fp : NULL, ours);
    return 0;
}

static int dns_observe(struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
                       struct wsl_err *err)
{
    char host[256];
    wsl_dnsrec_host(app, host);
    int rc = 0;
    int who = owner_of(c, app, host, err, &rc);
    for (size_t k = 0; rc == 0 && k < 3; k++)
        rc = observe_type(c, host, types[k], who == 1, out, err);
    out->complete = rc == 0;
    if (rc)
        wsl_err_prefix(err, "reading %s at %s", host, c->cfg->server);
    return rc;
}

/* --- apply ---------------------------------------------------------------------------- */

/* Replace the RRset of o with its values: a delete of the set and an add per value. */
static int put_values(struct wsl_dns_update *u, const struct wsl_object *o, uint16_t type,
                      struct wsl_err *err)
{
    int rc = wsl_dns_update_delete_rrset(u, o->name, type, err);
    json_int_t ttl = json_integer_value(json_object_get(o->body, "ttl"));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(o->body, "values"), i, v) {
        if (rc == 0)
            rc = wsl_dns_update_add(u, o->name, type, (uint32_t)ttl, json_string_value(v), err);
    }
    return rc;
}

/* One update built by fill() and sent; WSL_E_CONFLICT when a prerequisite failed. */
static int send_update(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_object *o,
                       int (*fill)(struct wsl_conn *, const struct wsl_app *,
                                   const struct wsl_object *, struct wsl_dns_update *,
                                   struct wsl_err *),
                       struct wsl_err *err)
{
    struct wsl_dns_update u;
    int rc = wsl_dns_update_init(&u, c->cfg->zone, err);
    if (rc == 0)
        rc = fill(c, app, o, &u, err);
    if (rc == 0)
        rc = wsl_dns_update(&c->client, &u, err);
    wsl_dns_update_free(&u);
    return rc;
}

static uint16_t type_of(const struct wsl_object *o)
{
    return (uint16_t)wsl_dns_type_parse(o->kind);
}

/* Claim a name nobody owns: no owner record, none of the type (a CNAME: the name unused). */
static int fill_claim(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_object *o,
                      struct wsl_dns_update *u, struct wsl_err *err)
{
    uint16_t t = type_of(o);
    int rc = t == WSL_DNS_CNAME ? wsl_dns_prereq_name_unused(u, o->name, err)
                                : wsl_dns_prereq_absent(u, o->name, WSL_DNS_CNAME, err);
    if (rc == 0)
        rc = wsl_dns_owner_claim(u, o->name, app->metadata.name, c->target->metadata.name,
                                 (uint32_t)json_integer_value(json_object_get(o->body, "ttl")),
                                 err);
    return rc ? rc : put_values(u, o, t, err);
}

/* Take a name someone else has: only while it has no owner record (--force-conflicts). */
static int fill_take(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_object *o,
                     struct wsl_dns_update *u, struct wsl_err *err)
{
    int rc = wsl_dns_owner_claim(u, o->name, app->metadata.name, c->target->metadata.name,
                                 (uint32_t)json_integer_value(json_object_get(o->body, "ttl")),
                                 err);
    return rc ? rc : put_values(u, o, type_of(o), err);
}

/* Change a name that is ours. */
static int fill_ours(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_object *o,
                     struct wsl_dns_update *u, struct wsl_err *err)
{
    int rc = wsl_dns_owner_require(u, o->name, app->metadata.name, c->target->metadata.name,
                                   err);
    return rc ? rc : put_values(u, o, type_of(o), err);
}

/* Delete a set of ours, and the owner record with it when no other set of ours remains. */
static int fill_delete_last(struct wsl_conn *c, const struct wsl_app *app,
                            const struct wsl_object *o, struct wsl_dns_update *u,
                            struct wsl_err *err)
{
    uint16_t t = type_of(o);
    int rc = wsl_dns_owner_require(u, o->name, app->metadata.name, c->target->metadata.name,
                                   err);
    for (size_t k = 0; rc == 0 && k < 3; k++) {
        if (types[k] != t)
            rc = wsl_dns_prereq_absent(u, o->name, types[k], err);
    }
    if (rc == 0)
        rc = wsl_dns_update_delete_rrset(u, o->name, t, err);
    return rc ? rc : wsl_dns_owner_release(u, o->name, err);
}

static int fill_delete(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_object *o,
                       struct wsl_dns_update *u, struct wsl_err *err)
{
    int rc = wsl_dns_owner_require(u, o->name, app->metadata.name, c->target->metadata.name,
                                   err);
    return rc ? rc : wsl_dns_update_delete_rrset(u, o->name, type_of(o), err);
}

/* Try fill first and, when its prerequisites fail, then. */
static int either(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_object *o,
                  int (*first)(struct wsl_conn *, const struct wsl_app *,
                               const struct wsl_object *, struct wsl_dns_update *,
                               struct wsl_err *),
                  int (*then)(struct wsl_conn *, const struct wsl_app *,
                              const struct wsl_object *, struct wsl_dns_update *,
                              struct wsl_err *),
                  struct wsl_err *err)
{
    int rc = send_update(c, app, o, first, err);
    if (rc == WSL_E_CONFLICT) {
        wsl_err_clear(err);
        rc = send_update(c, app, o, then, err);
    }
    return rc;
}

static int dns_apply(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_action *a,
                     struct wsl_err *err)
{
    int rc = 0;
    switch (a->type) {
    case WSL_ACT_CREATE:
        rc = either(c, app, a->desired, fill_claim, fill_ours, err);
        break;
    case WSL_ACT_UPDATE:
        rc = send_update(c, app, a->desired, a->observed->owned ? fill_ours : fill_take, err);
        break;
    case WSL_ACT_DELETE:
        rc = either(c, app, a->observed, fill_delete_last, fill_delete, err);
        break;
    default:
        return 0;
    }
    if (rc == WSL_E_CONFLICT)
        wsl_err_hint(err, "the name changed since it was observed, or is not wissel's: "
                          "nothing was changed; run again to plan from what is there now");
    return rc;
}

static const struct wsl_provider_facts facts = {NULL, WSL_CAP_DNS, NULL};

const struct wsl_driver wsl_rfc2136_driver = {
    "rfc2136", &facts, &wsl_rfc2136_schema, dns_open, wsl_dnsrec_render_plain, dns_observe,
    dns_apply, wsl_dnsrec_health, dns_close, NULL, dns_render,
};
