#include "orchestrator/policy/policy.h"

#include "lib/buf.h"
#include "lib/country.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static bool in_list(const struct wsl_strs *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++) {
        if (!strcmp(l->v[i], s))
            return true;
    }
    return false;
}

bool wsl_policy_matches(const struct wsl_rule *r, const struct wsl_app *app)
{
    const struct wsl_rule_match *m = &r->match;
    if (m->classification.n && !in_list(&m->classification, app->spec.classification))
        return false;
    if (m->applications.n && !in_list(&m->applications, app->metadata.name))
        return false;
    if (wsl_field_node(&m->hdr, "critical") && m->critical != app->spec.critical)
        return false;
    return true;
}

static bool in_areas(const char *country, const struct wsl_strs *areas)
{
    for (size_t i = 0; i < areas->n; i++) {
        if (wsl_country_in(country, areas->v[i]))
            return true;
    }
    return false;
}

static void areas_text(const struct wsl_strs *areas, char *out, size_t n)
{
    struct wsl_buf b = WSL_BUF_INIT;
    for (size_t i = 0; i < areas->n; i++)
        wsl_buf_printf(&b, "%s%s", i ? (i + 1 == areas->n ? " or " : ", ") : "", areas->v[i]);
    snprintf(out, n, "%s", wsl_buf_str(&b));
    wsl_buf_free(&b);
}

__attribute__((format(printf, 4, 5))) static void
violation(struct wsl_diags *d, const struct wsl_rule *r, const char *hint, const char *fmt, ...)
{
    const struct wsl_node *at = wsl_field_node(&r->hdr, "name");
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wsl_diag_add(d, WSL_SEV_ERROR, at ? at->file : NULL, at ? at->line : 0, at ? at->col : 0,
                 hint, "policy rule \"%s\" refuses: %s", r->name, msg);
}

static size_t check_target(const struct wsl_rule *r, const struct wsl_app *app,
                           const struct wsl_target *t, struct wsl_diags *d)
{
    if (!t || !r->require.jurisdiction.n)
        return 0;
    const char *j = t->spec.jurisdiction;
    if (j && in_areas(j, &r->require.jurisdiction))
        return 0;
    char areas[128];
    areas_text(&r->require.jurisdiction, areas, sizeof areas);
    violation(d, r, "place the application on a target in that jurisdiction, or change the rule",
              "application \"%s\" is placed on target \"%s\", which is under %s law, not %s",
              app->metadata.name, t->metadata.name, j ? j : "unknown", areas);
    return 1;
}

static size_t check_drill(const struct wsl_policy_check *c, const struct wsl_rule *r,
                          const struct wsl_app *app, struct wsl_diags *d)
{
    int64_t days = r->require.drill_within_days;
    if (!days)
        return 0;
    struct wsl_app_history h = {0, 0};
    if (c->history)
        c->history(c->ctx, app->metadata.name, &h);
    int64_t window = days * 86400;
    /* A new application gets the window to run its first drill after its first apply. */
    if (!h.first_applied || c->now - h.first_applied <= window)
        return 0;
    if (h.last_drill_passed && c->now - h.last_drill_passed <= window)
        return 0;
    violation(d, r, "run `wissel drill` for it and pass",
              "application \"%s\" has no passed failover drill in the last %lld days",
              app->metadata.name, (long long)days);
    return 1;
}

const struct wsl_rule *wsl_policy_standby_rule(const struct wsl_repo *repo,
                                               const struct wsl_app *app)
{
    for (size_t p = 0; p < repo->policies.n; p++) {
        const struct wsl_policy *pol = repo->policies.v[p];
        for (size_t k = 0; k < pol->spec.rules.n; k++) {
            const struct wsl_rule *r = &pol->spec.rules.v[k];
            if (r->require.standby && wsl_policy_matches(r, app))
                return r;
        }
    }
    return NULL;
}

size_t wsl_policy_check_app(const struct wsl_policy_check *c, const struct wsl_app *app,
                            struct wsl_diags *d)
{
    size_t found = 0;
    for (size_t p = 0; p < c->repo->policies.n; p++) {
        const struct wsl_policy *pol = c->repo->policies.v[p];
        for (size_t k = 0; k < pol->spec.rules.n; k++) {
            const struct wsl_rule *r = &pol->spec.rules.v[k];
            if (!wsl_policy_matches(r, app))
                continue;
            found += check_target(r, app, app->primary, d);
            for (size_t s = 0; s < app->spec.placement.standby.n; s++)
                found += check_target(r, app, app->standby[s], d);
            if (r->require.standby && app->spec.placement.standby.n == 0) {
                violation(d, r, "add placement.standby with another target",
                          "application \"%s\" has no standby target", app->metadata.name);
                found++;
            }
            found += check_drill(c, r, app, d);
        }
    }
    return found;
}
