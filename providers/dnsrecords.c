/* dnsrecords.c — the record model every DNS driver shares (see dnsrecords.h). */
#include "providers/dnsrecords.h"

#include "lib/buf.h"
#include "providers/rfc2136/wire.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const enum wsl_dnsrec_type wsl_dnsrec_types[WSL_DNSREC_NTYPES] = {
    WSL_DNSREC_A, WSL_DNSREC_AAAA, WSL_DNSREC_CNAME};

const char *wsl_dnsrec_type_name(enum wsl_dnsrec_type t)
{
    switch (t) {
    case WSL_DNSREC_A:
        return "A";
    case WSL_DNSREC_AAAA:
        return "AAAA";
    case WSL_DNSREC_CNAME:
        return "CNAME";
    }
    return NULL;
}

enum wsl_dnsrec_type wsl_dnsrec_type_parse(const char *kind)
{
    for (size_t k = 0; kind && k < WSL_DNSREC_NTYPES; k++) {
        if (!strcmp(kind, wsl_dnsrec_type_name(wsl_dnsrec_types[k])))
            return wsl_dnsrec_types[k];
    }
    return (enum wsl_dnsrec_type)0;
}

enum wsl_dnsrec_type wsl_dnsrec_normalize(const char *in, char out[256])
{
    unsigned char bin[16];
    if (inet_pton(AF_INET, in, bin) == 1 && inet_ntop(AF_INET, bin, out, 256))
        return WSL_DNSREC_A;
    if (inet_pton(AF_INET6, in, bin) == 1 && inet_ntop(AF_INET6, bin, out, 256))
        return WSL_DNSREC_AAAA;
    size_t n = 0;
    for (; in[n] && n < 255; n++)
        out[n] = (char)tolower((unsigned char)in[n]);
    while (n > 0 && out[n - 1] == '.')
        n--;
    out[n] = '\0';
    return WSL_DNSREC_CNAME;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

json_t *wsl_dnsrec_body(int64_t ttl, json_t *values)
{
    size_t n = json_array_size(values);
    json_t **v = wsl_xcalloc(n ? n : 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = json_incref(json_array_get(values, i));
    qsort(v, n, sizeof *v, by_text);
    json_t *sorted = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(sorted, v[i]);
    free(v);
    json_decref(values);
    return json_pack("{s:I, s:o}", "ttl", (json_int_t)ttl, "values", sorted);
}

const char *wsl_dnsrec_host(const struct wsl_app *app, char out[256])
{
    wsl_dnsrec_normalize(app->spec.route.host ? app->spec.route.host : "", out);
    return out;
}

int wsl_dnsrec_render(const struct wsl_target *target, const char *zone,
                      const struct wsl_app *app, const struct wsl_dns_want *w,
                      struct wsl_objset *out, struct wsl_err *err)
{
    char host[256];
    wsl_dnsrec_normalize(w->host, host);
    if (!wsl_dns_name_in_zone(host, zone)) {
        wsl_err_set(err, WSL_E_INVALID, "route host %s of %s is not in zone %s of target %s",
                    host, app->metadata.name, zone, target->metadata.name);
        wsl_err_hint(err, "use a host name under %s, or a dns target that serves the host's "
                          "zone", zone);
        return WSL_E_INVALID;
    }
    json_t *values[WSL_DNSREC_NTYPES] = {json_array(), json_array(), json_array()};
    for (size_t i = 0; i < w->n; i++) {
        char v[256];
        enum wsl_dnsrec_type t = wsl_dnsrec_normalize(w->v[i].value, v);
        json_array_append_new(values[t == WSL_DNSREC_A ? 0 : t == WSL_DNSREC_AAAA ? 1 : 2],
                              json_string(v));
    }
    int rc = 0;
    if (json_array_size(values[2]) > 1 ||
        (json_array_size(values[2]) && json_array_size(values[0]) + json_array_size(values[1])))
        rc = wsl_err_set(err, WSL_E_INVALID, "%s would need a CNAME beside other records (%zu "
                         "endpoints, host names among them)", host, w->n);
    for (size_t k = 0; k < WSL_DNSREC_NTYPES; k++) {
        if (rc == 0 && json_array_size(values[k]))
            wsl_objset_add(out, wsl_dnsrec_type_name(wsl_dnsrec_types[k]), host,
                           wsl_dnsrec_body(w->ttl, values[k]));
        else
            json_decref(values[k]);
    }
    if (rc)
        wsl_err_hint(err, "an application reached through a host name (a load balancer's) "
                          "can have one placement in DNS at a time: use warm or cold");
    return rc;
}

int wsl_dnsrec_render_plain(struct wsl_conn *c, const struct wsl_app *app,
                            struct wsl_objset *out, struct wsl_err *err)
{
    (void)c, (void)app, (void)out;
    return wsl_err_set(err, WSL_E_INTERNAL, "a DNS driver renders only through render_dns");
}

int wsl_dnsrec_health(struct wsl_conn *c, const struct wsl_app *app, struct wsl_health *out,
                      struct wsl_err *err)
{
    (void)c, (void)app, (void)err;
    out->state = WSL_HEALTH_READY;
    out->reason[0] = '\0';
    return 0;
}
