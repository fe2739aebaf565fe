#include "providers/provider.h"

#include "lib/buf.h"
#include "lib/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct wsl_object *wsl_objset_add(struct wsl_objset *s, const char *kind, const char *name,
                                  json_t *body)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = wsl_xrealloc(s->v, s->cap * sizeof *s->v);
    }
    struct wsl_object *o = &s->v[s->n++];
    memset(o, 0, sizeof *o);
    o->kind = wsl_xstrdup(kind);
    o->name = wsl_xstrdup(name);
    o->body = body ? body : json_object();
    wsl_json_fingerprint(o->body, o->fingerprint);
    return o;
}

struct wsl_object *wsl_objset_add_observed(struct wsl_objset *s, const char *kind,
                                           const char *name, json_t *body,
                                           const char *fingerprint, bool owned)
{
    struct wsl_object *o = wsl_objset_add(s, kind, name, body);
    snprintf(o->fingerprint, sizeof o->fingerprint, "%s", fingerprint ? fingerprint : "");
    o->owned = owned;
    return o;
}

void wsl_object_depend(struct wsl_object *obj, const char *kind, const char *name)
{
    obj->deps = wsl_xrealloc(obj->deps, (obj->ndeps + 1) * sizeof *obj->deps);
    struct wsl_buf b = WSL_BUF_INIT;
    wsl_buf_printf(&b, "%s/%s", kind, name);
    obj->deps[obj->ndeps++] = wsl_buf_steal(&b);
}

void wsl_object_key(const struct wsl_object *obj, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", obj->kind, obj->name);
}

struct wsl_object *wsl_objset_find(const struct wsl_objset *s, const char *kind,
                                   const char *name)
{
    for (size_t i = 0; i < s->n; i++) {
        if (!strcmp(s->v[i].kind, kind) && !strcmp(s->v[i].name, name))
            return &s->v[i];
    }
    return NULL;
}

void wsl_objset_incomplete(struct wsl_objset *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->incomplete_why, sizeof s->incomplete_why, fmt, ap);
    va_end(ap);
    s->complete = false;
}

static void object_free(struct wsl_object *o)
{
    free(o->kind);
    free(o->name);
    json_decref(o->body);
    for (size_t k = 0; k < o->ndeps; k++)
        free(o->deps[k]);
    free(o->deps);
}

void wsl_objset_remove(struct wsl_objset *s, struct wsl_object *obj)
{
    size_t i = (size_t)(obj - s->v);
    object_free(obj);
    memmove(obj, obj + 1, (s->n - i - 1) * sizeof *obj);
    s->n--;
}

void wsl_objset_free(struct wsl_objset *s)
{
    for (size_t i = 0; i < s->n; i++)
        object_free(&s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}
