/*
 * provider.h — the driver contract and the object model that drivers and the engine share.
 *
 * A driver knows one hosting technology (Kubernetes, Docker, a DNS server, a cloud's
 * container service). The engine knows none of them. They meet here:
 *
 *   render   (app, target)  -> the desired objects    pure: no network, no clock
 *   observe  (app, target)  -> the objects that exist  list calls, selected by ownership
 *   apply    (one action)   -> one provider API change idempotent: safe to repeat
 *   health   (app, target)  -> ready / progressing / failed, with the reason
 *
 * The engine diffs desired against observed (providers never decide what to delete),
 * orders the actions by their dependencies, applies them, records them in the journal and
 * waits for health. See docs/drivers.md for writing a driver from scratch.
 *
 * Objects. An object is one thing at a provider: a Deployment, a container, a DNS record
 * set. It has a kind, a name unique within (application, target, kind), a JSON body in the
 * provider's own API representation of what we want, the keys ("kind/name") of the
 * objects it depends on, and a fingerprint: the SHA-256 of the body's canonical JSON.
 *
 * Ownership. Every object wissel creates carries markers in the provider's own label or tag
 * mechanism: WSL_MARK_APP, WSL_MARK_TARGET and WSL_MARK_FINGERPRINT (and the revision as
 * an annotation where the provider has one). The provider itself is thereby the record of
 * what wissel manages. observe() reports, for each object it finds, whether it carries the
 * markers of this application and target (`owned`) and the fingerprint it was applied with.
 *
 * Safety. observe() sets `complete` only when it saw everything it was asked for. A failed,
 * partial or timed-out observation must leave `complete` false (with a reason): the engine
 * then plans no deletes at all for that application and target.
 */
#ifndef WSL_PROVIDER_H
#define WSL_PROVIDER_H

#include "lib/buf.h"
#include "lib/err.h"
#include "manifests/wissel.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WSL_MARK_APP "wissel.dev/app"
#define WSL_MARK_TARGET "wissel.dev/target"
#define WSL_MARK_FINGERPRINT "wissel.dev/fingerprint"
#define WSL_MARK_REVISION "wissel.dev/revision"

/* --- objects -------------------------------------------------------------------------- */

struct wsl_object {
    char *kind;             /* the provider's kind: "Deployment", "container", "A" */
    char *name;             /* unique within (application, target, kind) */
    json_t *body;           /* owned reference: the provider's representation */
    char **deps;            /* keys "kind/name" of objects that must exist first */
    size_t ndeps;
    char fingerprint[65];   /* desired: of body; observed: from the object's marker ("" none) */
    bool owned;             /* observed: carries this application's and target's markers */
    bool retain;            /* observed: holds data (a volume claim): when it is no longer
                               desired, the plan keeps it and says so instead of deleting */
};

struct wsl_objset {
    struct wsl_object *v;
    size_t n, cap;
    bool complete;           /* observed sets: everything asked for was seen */
    char incomplete_why[256];/* when not complete: why (shown when deletes are held back) */
};

/* Add a desired object (render): kind and name are copied, body is taken over (its
 * reference is stolen), the fingerprint is computed from body. Returns the object. */
struct wsl_object *wsl_objset_add(struct wsl_objset *s, const char *kind, const char *name,
                                  json_t *body);
/* Add an observed object (observe): as above, but the fingerprint is the one its marker
 * carries (NULL or "" when it has none) and `owned` says whether it carries this
 * application's and target's markers. Observers also declare the object's dependencies
 * (wsl_object_depend), so that deletes can run in reverse dependency order. */
struct wsl_object *wsl_objset_add_observed(struct wsl_objset *s, const char *kind,
                                           const char *name, json_t *body,
                                           const char *fingerprint, bool owned);
/* Declare that obj depends on the object kind/name. */
void wsl_object_depend(struct wsl_object *obj, const char *kind, const char *name);
/* "kind/name" of obj into out (for dependency keys and messages). */
void wsl_object_key(const struct wsl_object *obj, char *out, size_t n);
/* The object kind/name, or NULL. */
struct wsl_object *wsl_objset_find(const struct wsl_objset *s, const char *kind,
                                   const char *name);
/* Mark the observation incomplete with a reason (printf-style). */
void wsl_objset_incomplete(struct wsl_objset *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Remove obj (an element of s) from the set, freeing it; later elements move down. */
void wsl_objset_remove(struct wsl_objset *s, struct wsl_object *obj);
void wsl_objset_free(struct wsl_objset *s);

/* --- facts ---------------------------------------------------------------------------- */

enum wsl_capability {
    WSL_CAP_CONTAINERS = 1 << 0,
    WSL_CAP_REPLICAS = 1 << 1,
    WSL_CAP_RWX_VOLUMES = 1 << 2,
    WSL_CAP_LOAD_BALANCER = 1 << 3,
    WSL_CAP_TLS_ROUTES = 1 << 4,
    WSL_CAP_DNS = 1 << 5,
    WSL_CAP_OBJECT_STORAGE = 1 << 6,
};

struct wsl_provider_facts {
    const char *jurisdiction;   /* ISO country of the legal home; NULL: where it is installed
                                   (self-hosted: the Target says) */
    unsigned capabilities;      /* enum wsl_capability bits */
    const char *const *native_resources; /* Score resource types it provisions itself,
                                            NULL-terminated ("volume", "route", ...) */
};

/* --- actions and health ---------------------------------------------------------------- */

enum wsl_action_type { WSL_ACT_NOOP, WSL_ACT_CREATE, WSL_ACT_UPDATE, WSL_ACT_DELETE };

struct wsl_action {
    enum wsl_action_type type;
    const struct wsl_object *desired;  /* create, update, no-op */
    const struct wsl_object *observed; /* update, delete, no-op */
    char **changed;                    /* update: the paths that differ ("spec.replicas") */
    size_t nchanged;
    const char *why;                   /* update: "fingerprint changed", "drift" or "take over" */
    bool force;                        /* create, update: take over fields or objects that
                                          others manage (the CLI's --force-conflicts) */
    const char *revision;              /* create, update: the git commit (40 hex digits) the
                                          plan was made from, or NULL; set by the engine
                                          (struct wsl_apply_opts). Drivers record it on the
                                          object as WSL_MARK_REVISION (an annotation or
                                          label) and keep it out of the rendered body: it is
                                          not part of the fingerprint or the diff */
};

enum wsl_health_state { WSL_HEALTH_READY, WSL_HEALTH_PROGRESSING, WSL_HEALTH_FAILED };

struct wsl_health {
    enum wsl_health_state state;
    char reason[512]; /* why not ready: "web: 1 of 2 replicas ready (ImagePullBackOff)" */
};

/* --- DNS ------------------------------------------------------------------------------ */

/* Where clients reach an application's route at one hosting target: an IPv4 or IPv6
 * address (published as A or AAAA), or a host name (published as CNAME), and the port the
 * route answers on there (0: the scheme's own, 80 or 443). The monitor probes the route
 * at value:port; DNS publishes only the value, so a route that fails over between
 * targets keeps its port the same at each (Docker: the Score service's `port`). */
struct wsl_endpoint {
    char value[256];
    int port;
};

/* What a DNS driver publishes for an application: its route host pointing at these
 * endpoints, chosen by the engine (the active placement's, or every healthy one). Never
 * empty: with nothing to point at, the engine leaves DNS as it is. */
struct wsl_dns_want {
    const char *host; /* the route host, "portal.gemeente.example" */
    int64_t ttl;      /* seconds */
    const struct wsl_endpoint *v;
    size_t n;
};

/* --- the driver ------------------------------------------------------------------------ */

struct wsl_conn; /* a driver's connection to one target; defined by each driver */

struct wsl_driver {
    const char *name;                          /* as in Target.spec.provider */
    const struct wsl_provider_facts *facts;
    const struct wsl_provider_schema *schema;  /* its Target block (manifests/wissel.h) */
    /* Connect to a target (credentials from the environment or standard config files). */
    int (*open)(const struct wsl_target *t, struct wsl_conn **out, struct wsl_err *err);
    /* The desired objects of app on this target. Pure. */
    int (*render)(struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
                  struct wsl_err *err);
    /* The objects that exist for app (owned or in the way); set out->complete when the
     * observation is whole. A failure returns an error and the engine plans nothing. */
    int (*observe)(struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
                   struct wsl_err *err);
    /* Carry out one action; idempotent: the engine repeats it after a transient failure
     * and after a crash. Transient failures return WSL_E_NET or WSL_E_TIMEOUT (the engine
     * retries them with backoff); any other failure stops the application's remaining
     * actions. Bound every provider call and every wait inside (the engine cannot
     * interrupt a call in progress; its per-target timeout acts between calls).
     * Threads: the engine calls apply() from several worker threads at once, on the same
     * connection, for independent objects (orchestrator/engine/apply.h), so it must be
     * thread-safe. A struct wsl_http handle is not: open one client per thread (a
     * thread-local handle, or a small pool in the connection), or hold a lock in the
     * connection around each use. render, observe, health and close are called from one
     * thread, never while apply() runs. */
    int (*apply)(struct wsl_conn *c, const struct wsl_app *app, const struct wsl_action *a,
                 struct wsl_err *err);
    int (*health)(struct wsl_conn *c, const struct wsl_app *app, struct wsl_health *out,
                  struct wsl_err *err);
    void (*close)(struct wsl_conn *c);
    /* Hosting drivers (optional): where clients reach app's route on this target, for
     * DNS. WSL_E_NOTFOUND (with a hint) when the target cannot say yet. */
    int (*endpoint)(struct wsl_conn *c, const struct wsl_app *app, struct wsl_endpoint *out,
                    struct wsl_err *err);
    /* DNS drivers (their role is WSL_ROLE_DNS): the record objects for want, instead of
     * render(). Pure. observe, apply and health work as for any driver. */
    int (*render_dns)(struct wsl_conn *c, const struct wsl_app *app,
                      const struct wsl_dns_want *want, struct wsl_objset *out,
                      struct wsl_err *err);
    /* Hosting drivers (optional): take app out of service at this target, for a drill —
     * stop its containers, scale its workloads to zero — leaving its objects in place so
     * that the next apply brings it back (the change is drift). Bounded in time. */
    int (*take_out)(struct wsl_conn *c, const struct wsl_app *app, struct wsl_err *err);
    /* Hosting drivers (optional), for `wissel switch`: the contents of app's volume
     * resource `id` (the Score resource's name, type volume) at this target as a tar
     * archive into *out; and the reverse, replacing what the volume at this target holds
     * with the archive. The volume must exist (created by apply). Bounded in time; a
     * volume larger than WSL_VOLUME_COPY_MAX is refused with a clear error. */
    int (*volume_export)(struct wsl_conn *c, const struct wsl_app *app, const char *id,
                         struct wsl_buf *out, struct wsl_err *err);
    int (*volume_import)(struct wsl_conn *c, const struct wsl_app *app, const char *id,
                         const struct wsl_buf *tar, struct wsl_err *err);
};

/* The largest volume `wissel switch` copies through memory. */
#define WSL_VOLUME_COPY_MAX ((size_t)1 << 30)

/* The drivers compiled in (providers/registry.c); NULL when none has that name. */
const struct wsl_driver *wsl_driver_find(const char *name);
/* The driver of target t; NULL with err set (WSL_E_NOTFOUND, with a hint) when this build
 * has none for its provider. */
const struct wsl_driver *wsl_driver_of(const struct wsl_target *t, struct wsl_err *err);
/* t's driver and a new connection to t. Returns 0 with *d and *c set (close *c with
 * (*d)->close), or wsl_driver_of's or the driver's open() error (*c NULL). */
int wsl_driver_open(const struct wsl_target *t, const struct wsl_driver **d,
                    struct wsl_conn **c, struct wsl_err *err);
/* The drivers compiled in; *n receives how many. */
const struct wsl_driver *const *wsl_drivers(size_t *n);
/* Register an extra driver (tests: the scripted driver). Up to 8. */
void wsl_driver_register(const struct wsl_driver *d);

#endif
