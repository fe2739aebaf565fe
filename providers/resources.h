/*
 * resources.h — the Score resources of an application as a driver provisions them while it
 * renders: what every driver does alike, so that each keeps only what its platform makes.
 *
 * Outputs. Per workload (the application's order) a JSON object {"<resource>": {outputs}}
 * that the placeholders of that workload expand against (manifests/placeholder.h). Each
 * resource's outputs also carry "$name" (the name the driver provisioned it under) and
 * "$type". A secret output (a password the platform generates) is {"$secret": {"name",
 * "key"}}: drivers pass it by reference, never as text.
 *
 * Sharing. Resources with the same `id` are one per application: the driver names them from
 * the id, and a resource whose name was provisioned already (by an earlier workload) gets the
 * same outputs, provided its type is the same.
 */
#ifndef WSL_PROVIDERS_RESOURCES_H
#define WSL_PROVIDERS_RESOURCES_H

#include "lib/err.h"
#include "manifests/placeholder.h"
#include "manifests/wissel.h"

#include <jansson.h>

struct wsl_outputs {
    json_t **v; /* per workload */
    size_t n;
};

/* An empty table for app's workloads; fails (WSL_E_INVALID) when a workload did not load. */
int wsl_outputs_init(struct wsl_outputs *o, const struct wsl_app *app, struct wsl_err *err);
void wsl_outputs_free(struct wsl_outputs *o);

/* The driver's part: the name of resource res of workload wi (out holds 256 bytes), and
 * making it under that name, filling outputs. */
struct wsl_provisioner {
    const char *driver;             /* for messages: "kubernetes" */
    const char *const *types;       /* the types it provisions, NULL-terminated */
    int (*name)(void *ctx, size_t wi, const struct wsl_score_resource *res, char *out,
                struct wsl_err *err);
    int (*make)(void *ctx, size_t wi, const struct wsl_score_resource *res, const char *name,
                json_t *outputs, struct wsl_err *err);
    void *ctx;
};

/* Provision every resource of every workload of app (see the top). A type the driver does
 * not provision, or an id that two workloads use for different types, is an error naming
 * the workload and the resource. */
int wsl_outputs_provision(struct wsl_outputs *o, const struct wsl_app *app,
                          const struct wsl_provisioner *p, struct wsl_err *err);

/* The outputs of a database (postgres, redis) at host:port with user: host, port, username,
 * password as the secret "password" of secret, and for postgres name and database (user). */
void wsl_outputs_database(json_t *outputs, const char *type, const char *host, int port,
                          const char *user, const char *secret);

/* The outputs of the resource that a volume's source "${resources.NAME}" names, from a
 * workload's outputs; NULL when the source has another form or names no resource. */
const json_t *wsl_outputs_of_source(const json_t *outputs, const char *source);

/* s as an SQL identifier ('-' and '.' become '_'), at most 63 bytes: a database's name. */
void wsl_sql_name(const char *s, char out[64]);

/* A secret hook for file contents: a file cannot hold a secret (it would be stored as
 * text); the error says to pass it in a variable. */
extern const struct wsl_secret_hook wsl_no_secret_in_files;

#endif
