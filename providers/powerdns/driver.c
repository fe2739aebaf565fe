/*
 * The powerdns driver: an application's route host on a PowerDNS Authoritative server,
 * changed through its HTTP API (/api/v1/servers/{serverId}/zones/{zone}) with an API key,
 * owned through the record beside each name (providers/dnsowner.h).
 *
 * Objects: the model all DNS drivers share (providers/dnsrecords.h) — one per record type
 * at the route host, kind "A", "AAAA" or "CNAME", body {"ttl", "values": [sorted]}. The
 * fingerprint is the body's, observed as well as desired, so a hand edit is a change to
 * undo.
 *
 * Observe: one GET of the zone (its rrsets); the host's A, AAAA and CNAME sets and the
 * owner TXT at wissel-owner.<host>.
 *
 * Apply: one PATCH of the zone per action, whose rrsets (changetype REPLACE or DELETE)
 * carry the set and, where it changes, the owner record: PowerDNS applies one PATCH in one
 * transaction. PowerDNS has no prerequisites, so just before each PATCH the zone is read
 * again and the action refused (WSL_E_CONFLICT, nothing sent) unless the owner record
 * still allows it: ours for an update or a delete; ours, or none and the name free, for a
 * create. A change someone makes between that read and the PATCH is not detected (the
 * window is one round trip; docs/dns.md).
 */
#include "lib/buf.h"
#include "lib/http.h"
#include "lib/json.h"
#include "lib/log.h"
#include "providers/dnsowner.h"
#include "providers/dnsrecords.h"
#include "providers/powerdns/config.h"
#include "providers/provider.h"
#include "providers/registry.h"
#include "providers/secret.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct wsl_conn {
    const struct wsl_target *target;
    const struct wsl_powerdns_config *cfg;
    struct wsl_http *http;
    char *key_header;    /* "X-API-Key: <key>"; wiped on close */
    char zone[256];      /* lower case with the final dot */
    char path[1024];     /* /api/v1/servers/{id}/zones/{zone} */
    char where[1400];    /* "PowerDNS at URL, zone Z" for messages */
    pthread_mutex_t lock; /* one request at a time; apply() reads and writes under it */
};

static int pdns_open(const struct wsl_target *t, struct wsl_conn **out, struct wsl_err *err)
{
    const struct wsl_powerdns_config *cfg = t->spec.config;
    struct wsl_conn *c = wsl_xcalloc(1, sizeof *c);
    c->target = t;
    c->cfg = cfg;
    pthread_mutex_init(&c->lock, NULL);
    char url[1024];
    snprintf(url, sizeof url, "%s", cfg->url ? cfg->url : "");
    wsl_http_redact_url(url, c->where, sizeof c->where);
    char zone[256];
    wsl_dnsrec_normalize(cfg->zone ? cfg->zone : "", zone);
    snprintf(c->zone, sizeof c->zone, "%s.", zone);
    struct wsl_buf b = WSL_BUF_INIT;
    wsl_buf_puts(&b, "/api/v1/servers/");
    wsl_buf_put_urlencoded(&b, cfg->server_id ? cfg->server_id : "localhost");
    wsl_buf_puts(&b, "/zones/");
    wsl_buf_put_urlencoded(&b, c->zone);
    snprintf(c->path, sizeof c->path, "%s", b.data ? b.data : "");
    wsl_buf_free(&b);
    char shown[1100];
    snprintf(shown, sizeof shown, "%s", c->where);
    snprintf(c->where, sizeof c->where, "PowerDNS at %s, zone %s", shown, c->zone);

    /* The CA file, relative to the Target's own file. */
    struct wsl_buf ca = WSL_BUF_INIT;
    if (cfg->ca) {
        const char *slash = t->path ? strrchr(t->path, '/') : NULL;
        if (cfg->ca[0] == '/' || !slash)
            wsl_buf_puts(&ca, cfg->ca);
        else
            wsl_buf_printf(&ca, "%.*s/%s", (int)(slash - t->path), t->path, cfg->ca);
    }
    char *key = NULL;
    int rc = wsl_secret_read(&cfg->api_key_from, &key, err);
    if (rc == 0) {
        size_t n = strlen(key) + sizeof "X-API-Key: ";
        c->key_header = wsl_xcalloc(1, n);
        snprintf(c->key_header, n, "X-API-Key: %s", key);
        struct wsl_http_opts o = {0};
        o.base_url = cfg->url;
        o.ca_file = cfg->ca ? ca.data : NULL;
        o.timeout_ms = 15000;
        o.total_timeout_ms = 60000;
        c->http = wsl_http_new(&o, err);
        if (!c->http)
            rc = err->code ? err->code : WSL_E_INVALID;
    }
    if (key) {
        memset(key, 0, strlen(key));
        free(key);
    }
    wsl_buf_free(&ca);
    if (rc) {
        wsl_err_prefix(err, "target %s", t->metadata.name);
        if (c->key_header) {
            memset(c->key_header, 0, strlen(c->key_header));
            free(c->key_header);
        }
        pthread_mutex_destroy(&c->lock);
        free(c);
        return rc;
    }
    *out = c;
    return 0;
}

static void pdns_close(struct wsl_conn *c)
{
    if (!c)
        return;
    wsl_http_free(c->http);
    if (c->key_header) {
        memset(c->key_header, 0, strlen(c->key_header));
        free(c->key_header);
    }
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* --- the API --------------------------------------------------------------------------- */

/* One call on the zone: GET (body NULL, *out the zone) or PATCH (body, no answer). Errors
 * name the API, the zone and host, and carry PowerDNS's own message (lib/http.c); a
 * refused key gets WSL_E_AUTH and a hint. */
static int call(struct wsl_conn *c, const char *method, const json_t *body, const char *host,
                json_t **out, struct wsl_err *err)
{
    const char *headers[] = {c->key_header, NULL};
    struct wsl_http_req req = {0};
    req.method = method;
    req.url = c->path;
    req.headers = headers;
    long status = 0;
    int rc = wsl_http_json_req(c->http, &req, body, out, &status, err);
    if (rc == 0)
        return 0;
    wsl_err_prefix(err, "%s, host %s", c->where, host);
    if (status == 401 || status == 403) {
        err->code = rc = WSL_E_AUTH;
        wsl_err_hint(err, "PowerDNS refused the API key: check apiKeyFrom of target %s (and "
                          "api-key in pdns.conf)", c->target->metadata.name);
    } else if (status == 404) {
        wsl_err_hint(err, "PowerDNS has no zone %s on server %s: check zone and serverId of "
                          "target %s", c->zone,
                     c->cfg->server_id ? c->cfg->server_id : "localhost",
                     c->target->metadata.name);
    } else if (status == 422 || status == 400) {
        wsl_err_hint(err, "PowerDNS refused the change; nothing was changed");
    }
    return rc;
}

/* What the zone holds at one host. */
struct host_state {
    json_t *values[WSL_DNSREC_NTYPES]; /* normalized values; NULL when no such set */
    int64_t ttl[WSL_DNSREC_NTYPES];
    int who;             /* 1: the owner record is this application's at this target;
                            0: there is none; -1: someone else's, or not wissel's */
    char owner_text[256]; /* the (first) owner record's text, for messages */
};

static void state_free(struct host_state *s)
{
    for (size_t k = 0; k < WSL_DNSREC_NTYPES; k++)
        json_decref(s->values[k]);
    memset(s, 0, sizeof *s);
}

/* Two names equal, ignoring case and a final dot. */
static bool same_name(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    while (na && a[na - 1] == '.')
        na--;
    while (nb && b[nb - 1] == '.')
        nb--;
    return na == nb && strncasecmp(a, b, na) == 0;
}

/* A TXT record's content in presentation form ("a" "b", with \" \\ and \DDD escapes)
 * joined into out. */
static void txt_text(const char *in, char out[256])
{
    size_t n = 0;
    bool quoted = false;
    for (const char *p = in; *p && n < 255; p++) {
        if (*p == '"') {
            quoted = !quoted;
            continue;
        }
        if (!quoted && (*p == ' ' || *p == '\t'))
            continue;
        if (*p == '\\' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
            p[3] >= '0' && p[3] <= '9') {
            out[n++] = (char)((p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0'));
            p += 3;
        } else if (*p == '\\' && p[1]) {
            out[n++] = *++p;
        } else {
            out[n++] = *p;
        }
    }
    out[n] = '\0';
}

/* Read the zone and what it holds at host into *s. */
static int read_host(struct wsl_conn *c, const struct wsl_app *app, const char *host,
                     struct host_state *s, struct wsl_err *err)
{
    memset(s, 0, sizeof *s);
    char owner[256];
    int rc = wsl_dns_owner_name(host, owner, err);
    json_t *zone = NULL;
    if (rc == 0)
        rc = call(c, "GET", NULL, host, &zone, err);
    if (rc)
        return rc;
    json_t *rrsets = json_object_get(zone, "rrsets");
    if (!json_is_array(rrsets)) {
        json_decref(zone);
        return wsl_err_set(err, WSL_E_INVALID, "%s, host %s: the zone's answer has no rrsets",
                           c->where, host);
    }
    size_t i, j;
    json_t *set, *rec;
    json_array_foreach(rrsets, i, set) {
        const char *name = json_string_value(json_object_get(set, "name"));
        const char *type = json_string_value(json_object_get(set, "type"));
        if (!name || !type)
            continue;
        if (same_name(name, owner) && !strcmp(type, "TXT")) {
            json_array_foreach(json_object_get(set, "records"), j, rec) {
                const char *content = json_string_value(json_object_get(rec, "content"));
                if (!content || json_is_true(json_object_get(rec, "disabled")))
                    continue;
                char text[256];
                txt_text(content, text);
                struct wsl_dns_owner o;
                struct wsl_err ignored = {0};
                bool ours = wsl_dns_owner_parse(text, strlen(text), &o, &ignored) == 0 &&
                            !strcmp(o.app, app->metadata.name) &&
                            !strcmp(o.target, c->target->metadata.name);
                if (s->who == 0)
                    snprintf(s->owner_text, sizeof s->owner_text, "%s", text);
                s->who = ours && s->who == 0 ? 1 : -1;
            }
            continue;
        }
        enum wsl_dnsrec_type t = wsl_dnsrec_type_parse(type);
        if (!t || !same_name(name, host))
            continue;
        size_t k = t == WSL_DNSREC_A ? 0 : t == WSL_DNSREC_AAAA ? 1 : 2;
        json_t *values = json_array();
        json_array_foreach(json_object_get(set, "records"), j, rec) {
            const char *content = json_string_value(json_object_get(rec, "content"));
            if (!content || json_is_true(json_object_get(rec, "disabled")))
                continue; /* a disabled record is not served */
            char v[256];
            wsl_dnsrec_normalize(content, v);
            json_array_append_new(values, json_string(v));
        }
        if (json_array_size(values) == 0) {
            json_decref(values);
            continue;
        }
        json_decref(s->values[k]);
        s->values[k] = values;
        s->ttl[k] = json_integer_value(json_object_get(set, "ttl"));
    }
    json_decref(zone);
    return 0;
}

/* --- render and observe ---------------------------------------------------------------- */

static int pdns_render_dns(struct wsl_conn *c, const struct wsl_app *app,
                           const struct wsl_dns_want *w, struct wsl_objset *out,
                           struct wsl_err *err)
{
    return wsl_dnsrec_render(c->target, c->zone, app, w, out, err);
}

static int pdns_observe(struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
                        struct wsl_err *err)
{
    char host[256];
    wsl_dnsrec_host(app, host);
    struct host_state s;
    pthread_mutex_lock(&c->lock);
    int rc = read_host(c, app, host, &s, err);
    pthread_mutex_unlock(&c->lock);
    for (size_t k = 0; rc == 0 && k < WSL_DNSREC_NTYPES; k++) {
        if (!s.values[k])
            continue;
        json_t *b = wsl_dnsrec_body(s.ttl[k], json_incref(s.values[k]));
        char fp[65];
        wsl_json_fingerprint(b, fp);
        wsl_objset_add_observed(out, wsl_dnsrec_type_name(wsl_dnsrec_types[k]), host, b,
                                s.who == 1 ? fp : NULL, s.who == 1);
    }
    if (rc == 0)
        state_free(&s);
    out->complete = rc == 0;
    return rc;
}

/* --- apply ----------------------------------------------------------------------------- */

/* Add to rrsets the set (name, type) with changetype and, for REPLACE, ttl and contents
 * (JSON strings as PowerDNS writes them). */
static void add_rrset(json_t *rrsets, const char *name, const char *type, const char *changetype,
                      int64_t ttl, json_t *contents)
{
    char fqdn[260];
    snprintf(fqdn, sizeof fqdn, "%s.", name);
    json_t *set = json_pack("{s:s, s:s, s:s}", "name", fqdn, "type", type, "changetype",
                            changetype);
    if (!strcmp(changetype, "REPLACE")) {
        json_t *records = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(contents, i, v) {
            json_array_append_new(records, json_pack("{s:O, s:b}", "content", v, "disabled",
                                                     0));
        }
        json_object_set_new(set, "ttl", json_integer((json_int_t)ttl));
        json_object_set_new(set, "records", records);
    }
    json_decref(contents);
    json_array_append_new(rrsets, set);
}

/* The set of object o, REPLACE with its values. */
static void put_set(json_t *rrsets, const struct wsl_object *o)
{
    enum wsl_dnsrec_type t = wsl_dnsrec_type_parse(o->kind);
    json_t *contents = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(o->body, "values"), i, v) {
        char s[300];
        /* a CNAME's target is written fully qualified */
        snprintf(s, sizeof s, "%s%s", json_string_value(v), t == WSL_DNSREC_CNAME ? "." : "");
        json_array_append_new(contents, json_string(s));
    }
    add_rrset(rrsets, o->name, o->kind, "REPLACE",
              json_integer_value(json_object_get(o->body, "ttl")), contents);
}

/* The owner record of app at o's name, REPLACE. */
static int put_owner(struct wsl_conn *c, json_t *rrsets, const struct wsl_app *app,
                     const struct wsl_object *o, struct wsl_err *err)
{
    char owner[256], text[256], quoted[260];
    int rc = wsl_dns_owner_name(o->name, owner, err);
    if (rc == 0)
        rc = wsl_dns_owner_format(app->metadata.name, c->target->metadata.name, text, err);
    if (rc)
        return rc;
    size_t n = strlen(owner);
    if (n && owner[n - 1] == '.')
        owner[n - 1] = '\0';
    snprintf(quoted, sizeof quoted, "\"%s\"", text);
    add_rrset(rrsets, owner, "TXT", "REPLACE",
              json_integer_value(json_object_get(o->body, "ttl")),
              json_pack("[s]", quoted));
    return 0;
}

static int delete_owner(json_t *rrsets, const char *name, struct wsl_err *err)
{
    char owner[256];
    int rc = wsl_dns_owner_name(name, owner, err);
    if (rc)
        return rc;
    size_t n = strlen(owner);
    if (n && owner[n - 1] == '.')
        owner[n - 1] = '\0';
    add_rrset(rrsets, owner, "TXT", "DELETE", 0, NULL);
    return 0;
}

/* The refusal when the zone no longer allows the action. */
static int refuse(struct wsl_conn *c, const struct wsl_object *o, const struct host_state *s,
                  const char *why, struct wsl_err *err)
{
    char owner[300];
    if (s->who == 0)
        snprintf(owner, sizeof owner, "none");
    else
        snprintf(owner, sizeof owner, "\"%s\"", s->owner_text);
    wsl_err_set(err, WSL_E_CONFLICT, "%s, host %s: %s/%s changed since observed / not "
                "wissel's (%s; owner record: %s); nothing changed", c->where, o->name,
                o->kind, o->name, why, owner);
    wsl_err_hint(err, "the name changed since it was observed, or is not wissel's: "
                      "nothing was changed; run again to plan from what is there now");
    return WSL_E_CONFLICT;
}

static size_t index_of(enum wsl_dnsrec_type t)
{
    return t == WSL_DNSREC_A ? 0 : t == WSL_DNSREC_AAAA ? 1 : 2;
}

/* The rrsets of one action, from what the zone holds now (s); WSL_E_CONFLICT when the
 * owner record does not allow it. */
static int plan_patch(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_action *a,
                      const struct host_state *s, json_t *rrsets, struct wsl_err *err)
{
    const struct wsl_object *o = a->type == WSL_ACT_DELETE ? a->observed : a->desired;
    enum wsl_dnsrec_type t = wsl_dnsrec_type_parse(o->kind);
    if (!t)
        return wsl_err_set(err, WSL_E_INTERNAL, "powerdns: unknown record kind %s", o->kind);
    size_t k = index_of(t);
    switch (a->type) {
    case WSL_ACT_CREATE:
        if (s->who == 1) {
            put_set(rrsets, o);
            return 0;
        }
        if (s->who < 0)
            return refuse(c, o, s, "the owner record is someone else's", err);
        /* claim a name nobody owns: none of the type, no CNAME (for a CNAME: nothing) */
        for (size_t i = 0; i < WSL_DNSREC_NTYPES; i++) {
            if (s->values[i] && (i == k || i == 2 || t == WSL_DNSREC_CNAME))
                return refuse(c, o, s, "records are there without an owner record", err);
        }
        put_set(rrsets, o);
        return put_owner(c, rrsets, app, o, err);
    case WSL_ACT_UPDATE:
        if (a->observed && a->observed->owned) {
            if (s->who != 1)
                return refuse(c, o, s, "the owner record is no longer ours", err);
            put_set(rrsets, o);
            return 0;
        }
        /* take over a name someone else made (--force-conflicts): only without owner */
        if (s->who != 0)
            return refuse(c, o, s, "it has an owner record", err);
        put_set(rrsets, o);
        return put_owner(c, rrsets, app, o, err);
    case WSL_ACT_DELETE: {
        if (s->who != 1)
            return refuse(c, o, s, "the owner record is not ours", err);
        add_rrset(rrsets, o->name, o->kind, "DELETE", 0, NULL);
        bool others = false;
        for (size_t i = 0; i < WSL_DNSREC_NTYPES; i++)
            others |= i != k && s->values[i] != NULL;
        return others ? 0 : delete_owner(rrsets, o->name, err);
    }
    default:
        return 0;
    }
}

static int pdns_apply(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_action *a,
                      struct wsl_err *err)
{
    if (a->type == WSL_ACT_NOOP)
        return 0;
    const struct wsl_object *o = a->type == WSL_ACT_DELETE ? a->observed : a->desired;
    struct host_state s;
    json_t *rrsets = json_array();
    pthread_mutex_lock(&c->lock);
    int rc = read_host(c, app, o->name, &s, err);
    if (rc == 0) {
        rc = plan_patch(c, app, a, &s, rrsets, err);
        state_free(&s);
    }
    if (rc == 0) {
        json_t *body = json_pack("{s:O}", "rrsets", rrsets);
        wsl_logf(WSL_LOG_DEBUG, "powerdns", "PATCH %s: %zu rrsets for %s", c->path,
                 json_array_size(rrsets), o->name);
        rc = call(c, "PATCH", body, o->name, NULL, err);
        json_decref(body);
    }
    pthread_mutex_unlock(&c->lock);
    json_decref(rrsets);
    return rc;
}

static const struct wsl_provider_facts facts = {NULL, WSL_CAP_DNS, NULL};

const struct wsl_driver wsl_powerdns_driver = {
    "powerdns", &facts, &wsl_powerdns_schema, pdns_open, wsl_dnsrec_render_plain, pdns_observe,
    pdns_apply, wsl_dnsrec_health, pdns_close, NULL, pdns_render_dns,
};
