/*
 * schema.h — typed decoding of YAML nodes, described by tables.
 *
 * Every manifest kind (Score workloads, Target, Application, Policy, a provider's config
 * block) is a C struct plus a table of fields. One decoder walks a node against the table:
 * it checks types, required fields, enumerations, ranges and patterns, reports unknown
 * fields with the nearest known name, stores the values, and calls the type's `post` hook
 * for rules that span fields. The same tables generate the JSON Schema (`wissel schema`),
 * so the documentation for editors can never disagree with the validator.
 *
 * Conventions for the structs: a struct decoded from a mapping starts with
 * `struct wsl_hdr hdr`, whose node is NULL when the mapping was absent; lists are
 * `struct { T *v; size_t n; }`.
 */
#ifndef WSL_SCHEMA_H
#define WSL_SCHEMA_H

#include "lib/arena.h"
#include "lib/diag.h"
#include "manifests/yaml.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct wsl_hdr {
    const struct wsl_node *node; /* the mapping this struct came from; NULL if absent */
    const char *key;             /* its key when it is an entry of a named map */
};

struct wsl_strs {
    const char **v;
    size_t n;
};

struct wsl_kv {
    const char *key;
    const char *value; /* WSL_FT_STRMAP */
    int64_t num;       /* WSL_FT_INTMAP */
    const struct wsl_node *node;
};

struct wsl_kvs {
    struct wsl_kv *v;
    size_t n;
};

enum wsl_ft {
    WSL_FT_STR,      /* const char * */
    WSL_FT_INT,      /* int64_t (an integral number) */
    WSL_FT_BOOL,     /* bool */
    WSL_FT_DURATION, /* int64_t milliseconds, written "30s", "2m30s" */
    WSL_FT_STRLIST,  /* struct wsl_strs */
    WSL_FT_STRMAP,   /* struct wsl_kvs, string values */
    WSL_FT_INTMAP,   /* struct wsl_kvs, integer values */
    WSL_FT_OBJ,      /* an embedded struct of .type */
    WSL_FT_OBJLIST,  /* { T *v; size_t n; } of .type */
    WSL_FT_OBJMAP,   /* { T *v; size_t n; } of .type, hdr.key = the entry's key */
    WSL_FT_ANY       /* const struct wsl_node *: free-form, kept as written */
};

enum {
    WSL_F_REQUIRED = 1 << 0,
    WSL_F_NONEMPTY = 1 << 1,   /* lists and maps: at least one entry */
    WSL_F_LISTFORM = 1 << 2,   /* OBJMAP: the deprecated list form is accepted too */
    WSL_F_SCALAR_OK = 1 << 3,  /* STRLIST: a single string stands for a list of one */
};

/* A rule on a string: fn returns true when s is acceptable. */
struct wsl_check {
    const char *what;    /* "an RFC 1123 label", for messages */
    bool (*fn)(const char *s);
    const char *pattern; /* the same rule as a regular expression, for the JSON Schema */
    const char *hint;    /* what a valid value looks like */
    int min_len, max_len;
};

struct wsl_type;

struct wsl_field {
    const char *name;
    enum wsl_ft ft;
    size_t off;
    unsigned flags;
    const struct wsl_type *type;      /* OBJ, OBJLIST, OBJMAP */
    const struct wsl_check *check;    /* STR values, STRLIST items */
    const struct wsl_check *key_check; /* keys of STRMAP, INTMAP, OBJMAP */
    const char *const *choices;       /* STR: the allowed values, NULL-terminated */
    int64_t min, max;                 /* INT: range, when min < max */
    const char *doc;
};

/* A table entry for member M of struct T:
 *   WSL_FIELD("image", WSL_FT_STR, struct wsl_score_container, image, WSL_F_REQUIRED,
 *             .check = &wsl_check_nonempty, .doc = "...") */
#define WSL_FIELD(name, ft, T, member, ...) {name, ft, offsetof(T, member), __VA_ARGS__}

struct wsl_dec;

struct wsl_type {
    const char *name; /* for messages and the schema's $defs */
    size_t size;
    const struct wsl_field *fields; /* ended by an entry with name NULL */
    bool open;                      /* unknown keys allowed (kept in hdr.node) */
    void (*post)(struct wsl_dec *dec, void *obj); /* rules across fields; may be NULL */
    const char *doc;
};

struct wsl_dec {
    struct wsl_arena *a;
    struct wsl_diags *d;
    void *ctx;      /* for post hooks that need more than the object */
    char path[256]; /* where the decoder is, "spec.placement" (maintained by wsl_decode) */
};

/* Decode node into obj (zeroed by the caller) following type t. Returns false when any
 * error was reported (decoding continues past errors to report them all). */
bool wsl_decode(struct wsl_dec *dec, const struct wsl_node *n, const struct wsl_type *t,
                void *obj);
/* Report an error at a node. */
void wsl_dec_error(struct wsl_dec *dec, const struct wsl_node *at, const char *hint,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void wsl_dec_warn(struct wsl_dec *dec, const struct wsl_node *at, const char *hint,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The node of a field inside a decoded struct's mapping (for positions), or NULL. */
const struct wsl_node *wsl_field_node(const struct wsl_hdr *h, const char *field);
/* Descend into `name` for the paths in messages (decoding outside wsl_decode's own walk);
 * wsl_dec_pop() with the returned value goes back. */
size_t wsl_dec_push(struct wsl_dec *dec, const char *name);
void wsl_dec_pop(struct wsl_dec *dec, size_t len);
/* The key node of `key` in a mapping (for errors about the key itself), or NULL. */
const struct wsl_node *wsl_key_node(const struct wsl_node *map, const char *key);
/* The known name closest to s (edit distance), or NULL when none is close. */
const char *wsl_nearest(const char *s, const char *const *names, size_t n);

/* JSON Schema (draft 2020-12) of a type; shared sub-types go into defs by name. */
json_t *wsl_type_schema(const struct wsl_type *t, json_t *defs);

#endif
