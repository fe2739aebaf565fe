#include "orchestrator/cli/show.h"

#include <string.h>

static const char sign[] = {'=', '+', '~', '-'}; /* by enum wsl_action_type */

static void show_action(const struct wsl_action *a, FILE *out)
{
    const struct wsl_object *o = wsl_plan_object(a);
    fprintf(out, "  %c %-7s %s/%s", sign[a->type], wsl_plan_type_name(a->type), o->kind,
            o->name);
    if (a->type == WSL_ACT_UPDATE) {
        fprintf(out, "  (%s", a->why ? a->why : "changed");
        for (size_t k = 0; k < a->nchanged && k < 8; k++)
            fprintf(out, "%s%s", k ? ", " : ": ", a->changed[k]);
        if (a->nchanged > 8)
            fprintf(out, ", and %zu more", a->nchanged - 8);
        fputc(')', out);
    }
    fputc('\n', out);
}

void wsl_show_item_error(const struct wsl_placement_item *it, FILE *out)
{
    fprintf(out, "error: %s\n", it->err.msg);
    if (it->err.hint[0])
        fprintf(out, "    hint: %s\n", it->err.hint);
}

static size_t changes(const struct wsl_plan *p)
{
    return p->count[WSL_ACT_CREATE] + p->count[WSL_ACT_UPDATE] + p->count[WSL_ACT_DELETE];
}

size_t wsl_show_plan(const struct wsl_reconcile *r, FILE *out)
{
    size_t total[4] = {0}, targets = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct wsl_placement_item *it = &r->v[i];
        fprintf(out, "%s @ %s (%s)\n", it->app->metadata.name, it->target->metadata.name,
                it->target->spec.provider_name);
        if (it->rc) {
            fputs("  ", out);
            wsl_show_item_error(it, out);
            continue;
        }
        for (size_t k = 0; k < it->plan.n; k++) {
            if (it->plan.v[k].type != WSL_ACT_NOOP)
                show_action(&it->plan.v[k], out);
        }
        if (it->plan.count[WSL_ACT_NOOP])
            fprintf(out, "  = %zu unchanged\n", it->plan.count[WSL_ACT_NOOP]);
        if (it->plan.held_back[0])
            fprintf(out, "  ! %s\n", it->plan.held_back);
        if (it->plan.kept[0])
            fprintf(out, "  ! %s\n", it->plan.kept);
        for (int t = 0; t < 4; t++)
            total[t] += it->plan.count[t];
        targets += changes(&it->plan) > 0;
    }
    size_t n = total[WSL_ACT_CREATE] + total[WSL_ACT_UPDATE] + total[WSL_ACT_DELETE];
    size_t failed = 0;
    for (size_t i = 0; i < r->n; i++)
        failed += r->v[i].rc != 0;
    if (failed)
        fprintf(out, "\nPlan incomplete: %zu placement%s could not be planned (above).\n", failed,
                failed == 1 ? "" : "s");
    else if (n == 0)
        fprintf(out, "\nNo changes: the targets match the manifests.\n");
    else
        fprintf(out, "\nPlan: %zu to create, %zu to update, %zu to delete, at %zu placement%s.\n",
                total[WSL_ACT_CREATE], total[WSL_ACT_UPDATE], total[WSL_ACT_DELETE], targets,
                targets == 1 ? "" : "s");
    return n;
}

static json_t *action_json(const struct wsl_action *a)
{
    const struct wsl_object *o = wsl_plan_object(a);
    json_t *j = json_pack("{s:s, s:s, s:s}", "action", wsl_plan_type_name(a->type), "kind",
                          o->kind, "name", o->name);
    if (a->type == WSL_ACT_UPDATE) {
        json_t *ch = json_array();
        for (size_t k = 0; k < a->nchanged; k++)
            json_array_append_new(ch, json_string(a->changed[k]));
        json_object_set_new(j, "why", json_string(a->why ? a->why : "changed"));
        json_object_set_new(j, "changed", ch);
    }
    return j;
}

json_t *wsl_show_plan_json(const struct wsl_reconcile *r)
{
    json_t *items = json_array();
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct wsl_placement_item *it = &r->v[i];
        json_t *j = json_pack("{s:s, s:s, s:s}", "app", it->app->metadata.name, "target",
                              it->target->metadata.name, "provider",
                              it->target->spec.provider_name);
        if (it->rc) {
            json_object_set_new(j, "error", json_pack("{s:s, s:s, s:s}", "code",
                                                      wsl_code_name(it->rc), "message",
                                                      it->err.msg, "hint", it->err.hint));
        } else {
            json_t *acts = json_array();
            for (size_t k = 0; k < it->plan.n; k++)
                json_array_append_new(acts, action_json(&it->plan.v[k]));
            json_object_set_new(j, "actions", acts);
            if (it->plan.held_back[0])
                json_object_set_new(j, "heldBack", json_string(it->plan.held_back));
            if (it->plan.kept[0])
                json_object_set_new(j, "kept", json_string(it->plan.kept));
            n += changes(&it->plan);
        }
        json_array_append_new(items, j);
    }
    return json_pack("{s:s?, s:I, s:o}", "revision", r->revision[0] ? r->revision : NULL,
                     "changes", (json_int_t)n, "placements", items);
}

void wsl_show_error(struct wsl_cli *cli, const char *cmd, int rc, const struct wsl_err *err,
                    const struct wsl_diags *diags)
{
    if (cli->json) {
        json_t *j = json_pack("{s:s, s:s}", "error", wsl_code_name(rc), "message", err->msg);
        if (diags)
            json_object_set_new(j, "diagnostics", wsl_diags_json(diags));
        json_dumpf(j, cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', cli->out);
        json_decref(j);
        return;
    }
    if (diags)
        wsl_diags_print(diags, cli->err);
    wsl_cli_error(cli, cmd, "%s", err->msg);
    if (err->hint[0])
        fprintf(cli->err, "    hint: %s\n", err->hint);
}

void wsl_show_load_failure(const struct wsl_reconcile *r, int rc, const struct wsl_err *err,
                           struct wsl_cli *cli, const char *cmd)
{
    const struct wsl_diags *d = rc == WSL_E_POLICY ? &r->policy : &r->repo->diags;
    bool show = cli->json || rc == WSL_E_INVALID || rc == WSL_E_POLICY;
    wsl_show_error(cli, cmd, rc, err, show ? d : NULL);
}
