#include "orchestrator/report/report.h"

#include "lib/country.h"
#include "lib/json.h"
#include "lib/units.h"

#include <string.h>

/* --- the model -------------------------------------------------------------------------- */

/* The law the placement's provider answers to: its own legal home, or (self-hosted) the
 * Target's jurisdiction. */
static const char *legal_home(const struct wsl_target *t)
{
    const char *home = t->spec.provider ? t->spec.provider->jurisdiction : NULL;
    return home ? home : t->spec.jurisdiction ? t->spec.jurisdiction : "";
}

static json_t *placement(const struct wsl_target *t, const char *role)
{
    const char *home = legal_home(t);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "target", t->metadata.name, "role", role,
                     "provider", t->spec.provider_name ? t->spec.provider_name : "",
                     "jurisdiction", t->spec.jurisdiction ? t->spec.jurisdiction : "",
                     "legalHome", home, "eu", wsl_country_eu(home));
}

/* The newest drill of app in the journal, or NULL. */
static json_t *last_drill(struct wsl_state *st, const char *app)
{
    if (!st)
        return NULL;
    struct wsl_state_query q = {.app = app, .type = "drill.end", .limit = 1, .newest = true};
    json_t *recs = NULL;
    if (wsl_state_read(st, &q, &recs, NULL) != 0)
        return NULL;
    json_t *r = json_array_get(recs, 0);
    json_t *d = NULL;
    if (r) {
        d = json_pack("{s:O?, s:b}", "ts", json_object_get(r, "ts"), "passed",
                      json_is_true(json_object_get(r, "passed")));
        json_t *ms = json_object_get(r, "recovery_ms");
        if (json_is_integer(ms))
            json_object_set(d, "recoveryMs", ms);
        json_t *to = json_object_get(r, "to");
        if (json_is_string(to))
            json_object_set(d, "to", to);
    }
    json_decref(recs);
    return d;
}

static bool tested(const json_t *drill, int64_t now)
{
    if (!json_is_true(json_object_get(drill, "passed")))
        return false;
    int64_t ts = wsl_time_parse_rfc3339(json_string_value(json_object_get(drill, "ts")));
    return ts > 0 && now - ts <= (int64_t)WSL_REPORT_TESTED_DAYS * 86400;
}

static json_t *application(const struct wsl_app *a, struct wsl_state *st, int64_t now)
{
    json_t *pl = json_array();
    bool eu = a->primary && wsl_country_eu(legal_home(a->primary));
    if (a->primary)
        json_array_append_new(pl, placement(a->primary, "primary"));
    bool elsewhere = false;
    for (size_t s = 0; a->standby && s < a->spec.placement.standby.n; s++) {
        json_array_append_new(pl, placement(a->standby[s], "standby"));
        eu = eu && wsl_country_eu(legal_home(a->standby[s]));
        elsewhere = elsewhere || a->standby[s] != a->primary;
    }
    json_t *drill = last_drill(st, a->metadata.name);
    json_t *j = json_pack("{s:s, s:s, s:b, s:s, s:o, s:b, s:b, s:b, s:b}", "name",
                          a->metadata.name, "classification",
                          a->spec.classification ? a->spec.classification : "", "critical",
                          a->spec.critical, "mode",
                          a->spec.placement.mode ? a->spec.placement.mode : "warm",
                          "placements", pl, "standby", a->spec.placement.standby.n > 0, "eu",
                          eu, "singleTarget", !elsewhere, "testedExit", tested(drill, now));
    json_object_set_new(j, "lastDrill", drill ? drill : json_null());
    return j;
}

static void count(json_t *portfolio, const char *key, size_t n)
{
    json_object_set_new(portfolio, key, json_integer((json_int_t)n));
}

static json_t *portfolio(const json_t *apps)
{
    size_t n = 0, crit = 0, eu = 0, crit_eu = 0, exits = 0, single = 0, standby = 0;
    json_t *single_names = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(apps, i, a) {
        bool c = json_is_true(json_object_get(a, "critical"));
        bool e = json_is_true(json_object_get(a, "eu"));
        n++;
        crit += c;
        eu += e;
        crit_eu += c && e;
        exits += json_is_true(json_object_get(a, "testedExit"));
        standby += json_is_true(json_object_get(a, "standby"));
        if (json_is_true(json_object_get(a, "singleTarget"))) {
            single++;
            json_array_append(single_names, json_object_get(a, "name"));
        }
    }
    json_t *p = json_object();
    count(p, "applications", n);
    count(p, "critical", crit);
    count(p, "onEuProviders", eu);
    count(p, "criticalOnEuProviders", crit_eu);
    count(p, "withStandby", standby);
    count(p, "testedExit", exits);
    count(p, "singleTarget", single);
    json_object_set_new(p, "singleTargetApplications", single_names);
    json_object_set_new(p, "testedWithinDays", json_integer(WSL_REPORT_TESTED_DAYS));
    return p;
}

json_t *wsl_report_build(const struct wsl_repo *repo, struct wsl_state *st, int64_t now)
{
    json_t *apps = json_array();
    for (size_t i = 0; i < repo->apps.n; i++)
        json_array_append_new(apps, application(repo->apps.v[i], st, now));
    char ts[32];
    wsl_time_now_rfc3339(ts);
    json_t *r = json_pack("{s:s, s:o}", "generated", ts, "portfolio", portfolio(apps));
    json_object_set_new(r, "applications", apps);
    return r;
}

/* --- text -------------------------------------------------------------------------------- */

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static size_t num(const json_t *o, const char *k)
{
    return (size_t)json_integer_value(json_object_get(o, k));
}

static void drill_text(const json_t *d, char *out, size_t n)
{
    if (!json_is_object(d)) {
        snprintf(out, n, "never");
        return;
    }
    int len = snprintf(out, n, "%.10s %s", str(d, "ts"),
                       json_is_true(json_object_get(d, "passed")) ? "passed" : "FAILED");
    json_t *ms = json_object_get(d, "recoveryMs");
    if (json_is_integer(ms) && len > 0 && (size_t)len < n)
        snprintf(out + len, n - (size_t)len, " (recovered in %.1f s)",
                 (double)json_integer_value(ms) / 1000.0);
}

static void placements_text(const json_t *a, char *out, size_t n)
{
    size_t len = 0;
    size_t i;
    json_t *p;
    out[0] = '\0';
    json_array_foreach(json_object_get(a, "placements"), i, p) {
        int k = snprintf(out + len, n - len, "%s%s%s (%s, %s)", i ? ", " : "",
                         !strcmp(str(p, "role"), "standby") ? "standby " : "", str(p, "target"),
                         str(p, "provider"), str(p, "legalHome"));
        if (k < 0 || (size_t)k >= n - len)
            break;
        len += (size_t)k;
    }
}

static void share(FILE *out, const char *what, size_t k, size_t n)
{
    fprintf(out, "  %-44s %3zu of %-3zu (%3.0f%%)\n", what, k, n, n ? 100.0 * (double)k / (double)n : 0.0);
}

void wsl_report_text(const json_t *r, FILE *out)
{
    fprintf(out, "%-20s %-12s %-4s %-14s %s\n", "APPLICATION", "CLASS", "EU", "LAST DRILL",
            "PLACEMENTS (provider, legal home)");
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(r, "applications"), i, a) {
        char drill[96], where[512];
        drill_text(json_object_get(a, "lastDrill"), drill, sizeof drill);
        placements_text(a, where, sizeof where);
        fprintf(out, "%-20s %-12s %-4s %-14.14s %s\n", str(a, "name"),
                json_is_true(json_object_get(a, "critical")) ? "critical" : str(a, "classification"),
                json_is_true(json_object_get(a, "eu")) ? "yes" : "NO", drill, where);
        if (strcmp(drill, "never") && strlen(drill) > 14)
            fprintf(out, "    last drill: %s\n", drill);
    }
    const json_t *p = json_object_get(r, "portfolio");
    size_t n = num(p, "applications"), c = num(p, "critical");
    fprintf(out, "\nPortfolio (%s):\n", str(r, "generated"));
    share(out, "applications on EU-jurisdiction providers", num(p, "onEuProviders"), n);
    share(out, "critical applications on EU providers", num(p, "criticalOnEuProviders"), c);
    share(out, "applications with a standby", num(p, "withStandby"), n);
    char what[64];
    snprintf(what, sizeof what, "tested way out (drill passed, %zu days)",
             num(p, "testedWithinDays"));
    share(out, what, num(p, "testedExit"), n);
    share(out, "depending on one target only", num(p, "singleTarget"), n);
    json_array_foreach(json_object_get(p, "singleTargetApplications"), i, a)
        fprintf(out, "    %s\n", json_string_value(a));
}

/* --- HTML --------------------------------------------------------------------------------- */

static void esc(struct wsl_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': wsl_buf_puts(b, "&lt;"); break;
        case '>': wsl_buf_puts(b, "&gt;"); break;
        case '&': wsl_buf_puts(b, "&amp;"); break;
        case '"': wsl_buf_puts(b, "&quot;"); break;
        case '\'': wsl_buf_puts(b, "&#39;"); break;
        default: wsl_buf_putc(b, *s);
        }
    }
}

/* One bar of the chart: label, k of n. */
static void bar(struct wsl_buf *b, int row, const char *label, size_t k, size_t n)
{
    double f = n ? (double)k / (double)n : 0.0;
    int y = 10 + row * 34;
    wsl_buf_printf(b, "<text x=\"0\" y=\"%d\">", y + 15);
    esc(b, label);
    wsl_buf_printf(b, "</text><rect x=\"300\" y=\"%d\" width=\"300\" height=\"20\" "
                      "fill=\"#e5e7eb\"/><rect x=\"300\" y=\"%d\" width=\"%.0f\" height=\"20\" "
                      "fill=\"#1d4ed8\"/><text x=\"610\" y=\"%d\">%zu of %zu (%.0f%%)</text>\n",
                   y, y, 300.0 * f, y + 15, k, n, 100.0 * f);
}

static void chart(struct wsl_buf *b, const json_t *p)
{
    size_t n = num(p, "applications"), c = num(p, "critical");
    wsl_buf_puts(b, "<svg role=\"img\" aria-label=\"portfolio\" width=\"760\" height=\"180\" "
                    "font-family=\"sans-serif\" font-size=\"13\">\n");
    bar(b, 0, "Applications on EU-jurisdiction providers", num(p, "onEuProviders"), n);
    bar(b, 1, "Critical applications on EU providers", num(p, "criticalOnEuProviders"), c);
    bar(b, 2, "Tested way out (passed drill, 90 days)", num(p, "testedExit"), n);
    bar(b, 3, "Depending on one target only", num(p, "singleTarget"), n);
    wsl_buf_puts(b, "</svg>\n");
}

static void cell(struct wsl_buf *b, const char *s)
{
    wsl_buf_puts(b, "<td>");
    esc(b, s);
    wsl_buf_puts(b, "</td>");
}

static void rows(struct wsl_buf *b, const json_t *apps)
{
    size_t i;
    json_t *a;
    json_array_foreach(apps, i, a) {
        char drill[96], where[512];
        drill_text(json_object_get(a, "lastDrill"), drill, sizeof drill);
        placements_text(a, where, sizeof where);
        wsl_buf_puts(b, "<tr>");
        cell(b, str(a, "name"));
        cell(b, json_is_true(json_object_get(a, "critical")) ? "critical" : str(a, "classification"));
        cell(b, json_is_true(json_object_get(a, "eu")) ? "yes" : "no");
        cell(b, where);
        cell(b, drill);
        wsl_buf_puts(b, "</tr>\n");
    }
}

void wsl_report_html(const json_t *r, struct wsl_buf *b)
{
    wsl_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<title>wissel report</title><style>body{font-family:sans-serif;margin:2em;"
                    "color:#111}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
                    "padding:4px 8px;text-align:left}th{background:#f3f4f6}</style></head>"
                    "<body>\n<h1>Where our applications run</h1>\n<p>Generated ");
    esc(b, str(r, "generated"));
    wsl_buf_puts(b, " by wissel.</p>\n<h2>Portfolio</h2>\n");
    chart(b, json_object_get(r, "portfolio"));
    wsl_buf_puts(b, "<h2>Applications</h2>\n<table><tr><th>Application</th><th>Class</th>"
                    "<th>EU providers only</th><th>Placements (provider, legal home)</th>"
                    "<th>Last drill</th></tr>\n");
    rows(b, json_object_get(r, "applications"));
    wsl_buf_puts(b, "</table>\n</body></html>\n");
}
