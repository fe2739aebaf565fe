#include "manifests/schema.h"

#include "lib/buf.h"
#include "lib/log.h"
#include "lib/units.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct anyvec {
    void *v;
    size_t n;
};

__attribute__((format(printf, 5, 0))) static void vreport(struct wsl_dec *dec, enum wsl_sev sev, const struct wsl_node *at,
                     const char *hint, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    wsl_diag_add(dec->d, sev, at ? at->file : NULL, at ? at->line : 0, at ? at->col : 0, hint,
                 "%s", msg);
}

void wsl_dec_error(struct wsl_dec *dec, const struct wsl_node *at, const char *hint,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(dec, WSL_SEV_ERROR, at, hint, fmt, ap);
    va_end(ap);
}

void wsl_dec_warn(struct wsl_dec *dec, const struct wsl_node *at, const char *hint,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(dec, WSL_SEV_WARNING, at, hint, fmt, ap);
    va_end(ap);
}

const struct wsl_node *wsl_field_node(const struct wsl_hdr *h, const char *field)
{
    return wsl_node_get(h->node, field);
}

const struct wsl_node *wsl_key_node(const struct wsl_node *map, const char *key)
{
    for (size_t i = 0; map && map->kind == WSL_NODE_MAP && i < map->n; i++) {
        if (strcmp(map->keys[i]->str, key) == 0)
            return map->keys[i];
    }
    return NULL;
}

/* Extend dec->path by ".name" (or "[i]" when name is NULL); returns the old length. */
static size_t path_push(struct wsl_dec *dec, const char *name, size_t index)
{
    size_t len = strlen(dec->path), room = sizeof dec->path - len;
    if (!name) {
        snprintf(dec->path + len, room, "[%zu]", index);
        return len;
    }
    size_t n = strlen(name), dot = len ? 1 : 0;
    if (dot + n < room) { /* on overflow the path stays as it was: messages name less */
        dec->path[len] = '.';
        memcpy(dec->path + len + dot, name, n + 1);
    }
    return len;
}

static void path_pop(struct wsl_dec *dec, size_t len)
{
    dec->path[len] = '\0';
}

size_t wsl_dec_push(struct wsl_dec *dec, const char *name)
{
    return path_push(dec, name, 0);
}

void wsl_dec_pop(struct wsl_dec *dec, size_t len)
{
    path_pop(dec, len);
}

/* How messages name the mapping being decoded: its path, or the kind at the top. */
static const char *where(const struct wsl_dec *dec, const struct wsl_type *t)
{
    return dec->path[0] ? dec->path : t->name;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = (a[i - 1] | 32) == (b[j - 1] | 32) ? 0 : 1;
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *wsl_nearest(const char *s, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = 99, len = strlen(s);
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(s, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    size_t limit = len < 4 ? 1 : len < 9 ? 2 : 3;
    return best_d <= limit ? best : NULL;
}

/* --- scalars ------------------------------------------------------------------------ */

static bool type_error(struct wsl_dec *dec, const struct wsl_node *n, const char *field,
                       const char *want)
{
    const char *hint = NULL;
    int64_t ignored;
    bool scalar = n->kind == WSL_NODE_SCALAR;
    if (!strcmp(want, "a string") && scalar && n->type != WSL_Y_NULL)
        hint = "put the value in quotes to make it a string";
    else if (!strcmp(want, "a boolean") && scalar)
        hint = "write true or false, without quotes";
    else if (!strcmp(want, "an integer") && scalar && n->type == WSL_Y_STR &&
             wsl_quantity_parse(n->str, &ignored, NULL) == 0 && strspn(n->str, "0123456789") == n->len)
        hint = "remove the quotes: a number is written without them";
    wsl_dec_error(dec, n, hint, "\"%s\" must be %s, not %s", field, want, wsl_node_describe(n));
    return false;
}

static bool check_string(struct wsl_dec *dec, const struct wsl_node *n, const char *what,
                         const struct wsl_check *c)
{
    size_t len = strlen(n->str);
    bool ok = (!c->min_len || len >= (size_t)c->min_len) &&
              (!c->max_len || len <= (size_t)c->max_len) && (!c->fn || c->fn(n->str));
    if (!ok)
        wsl_dec_error(dec, n, c->hint, "%s \"%.100s\" is not %s", what, n->str, c->what);
    return ok;
}

static bool get_string(struct wsl_dec *dec, const struct wsl_node *n, const char *name,
                       const char **out)
{
    if (n->kind != WSL_NODE_SCALAR || n->type != WSL_Y_STR)
        return type_error(dec, n, name, "a string");
    *out = n->str;
    return true;
}

static bool decode_str(struct wsl_dec *dec, const struct wsl_node *n, const struct wsl_field *f,
                       void *slot)
{
    const char *s = NULL;
    if (!get_string(dec, n, f->name, &s))
        return false;
    if (f->check && !check_string(dec, n, f->name, f->check))
        return false;
    if (f->choices) {
        size_t k = 0;
        while (f->choices[k] && strcmp(f->choices[k], s) != 0)
            k++;
        if (!f->choices[k]) {
            struct wsl_buf b = WSL_BUF_INIT;
            for (size_t i = 0; f->choices[i]; i++)
                wsl_buf_printf(&b, "%s%s", i ? ", " : "", f->choices[i]);
            wsl_dec_error(dec, n, NULL, "\"%s\" must be one of %s, not \"%.60s\"", f->name,
                          wsl_buf_str(&b), s);
            wsl_buf_free(&b);
            return false;
        }
    }
    memcpy(slot, &s, sizeof s);
    return true;
}

static bool decode_int(struct wsl_dec *dec, const struct wsl_node *n, const struct wsl_field *f,
                       int64_t *out)
{
    bool integral_float = n->kind == WSL_NODE_SCALAR && n->type == WSL_Y_FLOAT &&
                          isfinite(n->f) && n->f == floor(n->f) && fabs(n->f) < 9e15;
    if (n->kind != WSL_NODE_SCALAR || (n->type != WSL_Y_INT && !integral_float))
        return type_error(dec, n, f->name, "an integer");
    int64_t v = n->type == WSL_Y_INT ? n->i : (int64_t)n->f;
    if (f->min < f->max && (v < f->min || v > f->max)) {
        wsl_dec_error(dec, n, NULL, "\"%s\" must be between %lld and %lld, not %lld", f->name,
                      (long long)f->min, (long long)f->max, (long long)v);
        return false;
    }
    *out = v;
    return true;
}

static bool decode_duration(struct wsl_dec *dec, const struct wsl_node *n,
                            const struct wsl_field *f, int64_t *out)
{
    if (n->kind != WSL_NODE_SCALAR || n->type != WSL_Y_STR) {
        wsl_dec_error(dec, n, "write a number with a unit, for example 30s, 5m or 1h30m",
                      "\"%s\" must be a duration such as \"30s\" or \"5m\", not %s", f->name,
                      wsl_node_describe(n));
        return false;
    }
    const char *s = n->str;
    struct wsl_err err = {0};
    if (wsl_duration_parse(s, out, &err) != 0) {
        wsl_dec_error(dec, n, err.hint, "\"%s\": %s", f->name, err.msg);
        return false;
    }
    return true;
}

/* --- collections -------------------------------------------------------------------- */

static bool want_kind(struct wsl_dec *dec, const struct wsl_node *n, const char *name,
                      enum wsl_node_kind kind)
{
    if (n->kind == kind)
        return true;
    return type_error(dec, n, name, kind == WSL_NODE_MAP ? "a mapping" : "a list");
}

static bool decode_strlist(struct wsl_dec *dec, const struct wsl_node *n,
                           const struct wsl_field *f, struct wsl_strs *out)
{
    if ((f->flags & WSL_F_SCALAR_OK) && n->kind == WSL_NODE_SCALAR) {
        out->v = wsl_arena_alloc(dec->a, sizeof *out->v);
        out->n = 1;
        return get_string(dec, n, f->name, &out->v[0]) &&
               (!f->check || check_string(dec, n, f->name, f->check));
    }
    if (!want_kind(dec, n, f->name, WSL_NODE_SEQ))
        return false;
    bool ok = true;
    out->v = wsl_arena_alloc(dec->a, (n->n + 1) * sizeof *out->v);
    out->n = 0;
    for (size_t i = 0; i < n->n; i++) {
        char item[96];
        snprintf(item, sizeof item, "%s[%zu]", f->name, i);
        if (!get_string(dec, n->vals[i], item, &out->v[out->n]) ||
            (f->check && !check_string(dec, n->vals[i], item, f->check))) {
            ok = false;
            continue;
        }
        out->n++;
    }
    return ok;
}

static bool check_key(struct wsl_dec *dec, const struct wsl_node *k, const struct wsl_field *f)
{
    char what[96];
    snprintf(what, sizeof what, "%s key", f->name);
    return !f->key_check || check_string(dec, k, what, f->key_check);
}

static bool decode_kvs(struct wsl_dec *dec, const struct wsl_node *n, const struct wsl_field *f,
                       struct wsl_kvs *out)
{
    if (!want_kind(dec, n, f->name, WSL_NODE_MAP))
        return false;
    bool ok = true;
    out->v = wsl_arena_alloc(dec->a, (n->n + 1) * sizeof *out->v);
    out->n = 0;
    for (size_t i = 0; i < n->n; i++) {
        struct wsl_kv *kv = &out->v[out->n];
        kv->key = n->keys[i]->str;
        kv->node = n->vals[i];
        char item[160];
        snprintf(item, sizeof item, "%s.%.100s", f->name, kv->key);
        bool good = check_key(dec, n->keys[i], f);
        if (f->ft == WSL_FT_STRMAP)
            good = get_string(dec, n->vals[i], item, &kv->value) && good;
        else
            good = decode_int(dec, n->vals[i], &(struct wsl_field){.name = item, .min = f->min,
                              .max = f->max}, &kv->num) && good;
        ok = ok && good;
        out->n += good;
    }
    return ok;
}

static bool decode_objs(struct wsl_dec *dec, const struct wsl_node *n, const struct wsl_field *f,
                        struct anyvec *out)
{
    bool as_map = n->kind == WSL_NODE_MAP && f->ft == WSL_FT_OBJMAP;
    if (!as_map && !(n->kind == WSL_NODE_SEQ &&
                     (f->ft == WSL_FT_OBJLIST || (f->flags & WSL_F_LISTFORM))))
        return type_error(dec, n, f->name, f->ft == WSL_FT_OBJLIST ? "a list" : "a mapping");
    size_t sz = f->type->size;
    char *arr = wsl_arena_alloc(dec->a, (n->n + 1) * sz);
    bool ok = true;
    for (size_t i = 0; i < n->n; i++) {
        struct wsl_hdr *h = (struct wsl_hdr *)(arr + i * sz);
        if (as_map) {
            h->key = n->keys[i]->str;
            ok = check_key(dec, n->keys[i], f) && ok;
        }
        size_t len = path_push(dec, as_map ? h->key : NULL, i);
        ok = wsl_decode(dec, n->vals[i], f->type, h) && ok;
        path_pop(dec, len);
    }
    out->v = arr;
    out->n = n->n;
    return ok;
}

static bool decode_field(struct wsl_dec *dec, const struct wsl_node *n, const struct wsl_field *f,
                         char *obj)
{
    void *slot = obj + f->off;
    switch (f->ft) {
    case WSL_FT_STR: return decode_str(dec, n, f, slot);
    case WSL_FT_INT: return decode_int(dec, n, f, slot);
    case WSL_FT_DURATION: return decode_duration(dec, n, f, slot);
    case WSL_FT_BOOL:
        if (n->kind != WSL_NODE_SCALAR || n->type != WSL_Y_BOOL)
            return type_error(dec, n, f->name, "a boolean");
        *(bool *)slot = n->b;
        return true;
    case WSL_FT_STRLIST: return decode_strlist(dec, n, f, slot);
    case WSL_FT_STRMAP:
    case WSL_FT_INTMAP: return decode_kvs(dec, n, f, slot);
    case WSL_FT_OBJ: return wsl_decode(dec, n, f->type, slot);
    case WSL_FT_OBJLIST:
    case WSL_FT_OBJMAP: return decode_objs(dec, n, f, slot);
    case WSL_FT_ANY: memcpy(slot, &n, sizeof n); return true;
    }
    return false;
}

static size_t collection_size(const struct wsl_field *f, const char *obj)
{
    const void *slot = obj + f->off;
    switch (f->ft) {
    case WSL_FT_STRLIST: return ((const struct wsl_strs *)slot)->n;
    case WSL_FT_STRMAP:
    case WSL_FT_INTMAP: return ((const struct wsl_kvs *)slot)->n;
    case WSL_FT_OBJLIST:
    case WSL_FT_OBJMAP: return ((const struct anyvec *)slot)->n;
    default: return 1;
    }
}

static void unknown_field(struct wsl_dec *dec, const struct wsl_node *key, const struct wsl_type *t)
{
    const char *names[64] = {0};
    size_t n = 0;
    for (const struct wsl_field *f = t->fields; f->name && n < 64; f++)
        names[n++] = f->name;
    const char *near = wsl_nearest(key->str, names, n);
    char hint[512];
    if (wsl_log_key_is_secret(key->str)) {
        snprintf(hint, sizeof hint, "secrets are never written in manifests; refer to one with "
                                    "secretFrom: {env: NAME} or {file: PATH} where supported");
    } else if (near) {
        snprintf(hint, sizeof hint, "did you mean \"%s\"?", near);
    } else {
        struct wsl_buf b = WSL_BUF_INIT;
        for (size_t i = 0; i < n; i++)
            wsl_buf_printf(&b, "%s%s", i ? ", " : "", names[i]);
        snprintf(hint, sizeof hint, "known fields here: %s", wsl_buf_str(&b));
        wsl_buf_free(&b);
    }
    wsl_dec_error(dec, key, hint, "unknown field \"%.80s\" in %s", key->str, where(dec, t));
}

bool wsl_decode(struct wsl_dec *dec, const struct wsl_node *n, const struct wsl_type *t,
                void *obj)
{
    struct wsl_hdr *h = obj;
    if (!want_kind(dec, n, where(dec, t), WSL_NODE_MAP))
        return false;
    h->node = n;
    size_t errors = dec->d->errors;
    for (size_t i = 0; i < n->n; i++) {
        const struct wsl_field *f = t->fields;
        while (f->name && strcmp(f->name, n->keys[i]->str) != 0)
            f++;
        if (!f->name) {
            if (!t->open)
                unknown_field(dec, n->keys[i], t);
            continue;
        }
        size_t len = path_push(dec, f->name, 0);
        if (decode_field(dec, n->vals[i], f, obj) && (f->flags & WSL_F_NONEMPTY) &&
            collection_size(f, obj) == 0)
            wsl_dec_error(dec, n->vals[i], NULL, "\"%s\" must not be empty", f->name);
        path_pop(dec, len);
    }
    for (const struct wsl_field *f = t->fields; f->name; f++) {
        if ((f->flags & WSL_F_REQUIRED) && !wsl_node_get(n, f->name))
            wsl_dec_error(dec, n, NULL, "%s is missing the required field \"%s\"",
                          where(dec, t), f->name);
    }
    if (t->post && dec->d->errors == errors)
        t->post(dec, obj);
    return dec->d->errors == errors;
}

/* --- JSON Schema -------------------------------------------------------------------- */

static json_t *string_schema(const struct wsl_check *c)
{
    json_t *s = json_pack("{s:s}", "type", "string");
    if (c && c->pattern)
        json_object_set_new(s, "pattern", json_string(c->pattern));
    if (c && c->min_len)
        json_object_set_new(s, "minLength", json_integer(c->min_len));
    if (c && c->max_len)
        json_object_set_new(s, "maxLength", json_integer(c->max_len));
    return s;
}

static json_t *ref_schema(const struct wsl_type *t, json_t *defs)
{
    if (!json_object_get(defs, t->name)) {
        json_object_set_new(defs, t->name, json_object()); /* placeholder against recursion */
        json_object_set_new(defs, t->name, wsl_type_schema(t, defs));
    }
    char ref[128];
    snprintf(ref, sizeof ref, "#/$defs/%s", t->name);
    return json_pack("{s:s}", "$ref", ref);
}

static json_t *map_of(json_t *values, const struct wsl_check *key_check)
{
    json_t *s = json_pack("{s:s, s:o}", "type", "object", "additionalProperties", values);
    if (key_check)
        json_object_set_new(s, "propertyNames", string_schema(key_check));
    return s;
}

static json_t *int_schema(const struct wsl_field *f)
{
    json_t *s = json_pack("{s:s}", "type", "integer");
    if (f->min < f->max) {
        json_object_set_new(s, "minimum", json_integer(f->min));
        json_object_set_new(s, "maximum", json_integer(f->max));
    }
    return s;
}

static json_t *enum_of(const char *const *choices)
{
    json_t *e = json_array();
    for (size_t i = 0; choices[i]; i++)
        json_array_append_new(e, json_string(choices[i]));
    return e;
}

/* The schema of a field's value, before its description and emptiness rule. */
static json_t *value_schema(const struct wsl_field *f, json_t *defs)
{
    json_t *s;
    switch (f->ft) {
    case WSL_FT_STR:
        s = string_schema(f->check);
        if (f->choices)
            json_object_set_new(s, "enum", enum_of(f->choices));
        return s;
    case WSL_FT_INT: return int_schema(f);
    case WSL_FT_DURATION:
        return json_pack("{s:s, s:s}", "type", "string", "pattern",
                         "^([0-9]+(\\.[0-9]+)?(h|m|s|ms|us|ns))+$|^0$");
    case WSL_FT_BOOL: return json_pack("{s:s}", "type", "boolean");
    case WSL_FT_STRLIST:
        return json_pack("{s:s, s:o}", "type", "array", "items", string_schema(f->check));
    case WSL_FT_STRMAP: return map_of(json_pack("{s:s}", "type", "string"), f->key_check);
    case WSL_FT_INTMAP: return map_of(int_schema(f), f->key_check);
    case WSL_FT_OBJ: return ref_schema(f->type, defs);
    case WSL_FT_OBJLIST:
        return json_pack("{s:s, s:o}", "type", "array", "items", ref_schema(f->type, defs));
    case WSL_FT_OBJMAP: return map_of(ref_schema(f->type, defs), f->key_check);
    default: return json_object();
    }
}

static json_t *field_schema(const struct wsl_field *f, json_t *defs)
{
    json_t *s = value_schema(f, defs);
    if (f->flags & WSL_F_NONEMPTY)
        json_object_set_new(s, json_object_get(s, "additionalProperties") ? "minProperties"
                                                                           : "minItems",
                            json_integer(1));
    if (f->flags & WSL_F_SCALAR_OK)
        s = json_pack("{s:[o,o]}", "anyOf", string_schema(f->check), s);
    if (f->doc)
        json_object_set_new(s, "description", json_string(f->doc));
    return s;
}

json_t *wsl_type_schema(const struct wsl_type *t, json_t *defs)
{
    json_t *props = json_object(), *req = json_array();
    for (const struct wsl_field *f = t->fields; f->name; f++) {
        json_object_set_new(props, f->name, field_schema(f, defs));
        if (f->flags & WSL_F_REQUIRED)
            json_array_append_new(req, json_string(f->name));
    }
    json_t *s = json_pack("{s:s, s:o, s:b}", "type", "object", "properties", props,
                          "additionalProperties", t->open);
    if (json_array_size(req))
        json_object_set_new(s, "required", req);
    else
        json_decref(req);
    if (t->doc)
        json_object_set_new(s, "description", json_string(t->doc));
    return s;
}
