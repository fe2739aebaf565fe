/*
 * checks.h — the string rules of the manifest language (names, quantities, modes), each
 * written once in C and once as the regular expression the JSON Schemas use.
 * The patterns of the Score rules are those of the Score v1b1 schema.
 */
#ifndef WSL_CHECKS_H
#define WSL_CHECKS_H

#include "manifests/schema.h"

extern const struct wsl_check wsl_check_label;       /* RFC 1123 label, 2-63 chars (Score names) */
extern const struct wsl_check wsl_check_name;        /* wissel object names: RFC 1123 label 1-63 */
extern const struct wsl_check wsl_check_type_name;   /* Score resource type/class */
extern const struct wsl_check wsl_check_resource_id; /* Score resource id */
extern const struct wsl_check wsl_check_annotation;  /* annotation and label keys */
extern const struct wsl_check wsl_check_memory;      /* Score memory quantity */
extern const struct wsl_check wsl_check_cpu;         /* Score cpu quantity */
extern const struct wsl_check wsl_check_file_mode;   /* octal file mode */
extern const struct wsl_check wsl_check_header_name; /* HTTP header name */
extern const struct wsl_check wsl_check_env_name;    /* environment variable name */
extern const struct wsl_check wsl_check_hostname;    /* DNS host name (RFC 1123) */
extern const struct wsl_check wsl_check_zone;        /* DNS zone: a host name, final dot allowed */
extern const struct wsl_check wsl_check_country;     /* ISO 3166-1 alpha-2, upper case */
extern const struct wsl_check wsl_check_nonempty;    /* any non-empty string */
extern const struct wsl_check wsl_check_http_path;   /* an absolute URL path */

/* True for s matching [a-z0-9]([a-z0-9-]*[a-z0-9])? of length min..max. */
bool wsl_is_label(const char *s, size_t min, size_t max);

#endif
