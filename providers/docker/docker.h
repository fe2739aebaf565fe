/*
 * docker.h — what the files of the Docker driver share (not for use outside
 * providers/docker): the connection (client.c), the renderer (render.c), the container
 * life cycle (container.c), the archive of a container's files (tar.c) and health
 * (health.c). The driver table is in driver.c; docs/docker.md describes the design.
 */
#ifndef WSL_DOCKER_DOCKER_H
#define WSL_DOCKER_DOCKER_H

#include "lib/err.h"
#include "lib/http.h"
#include "manifests/wissel.h"
#include "providers/docker/config.h"
#include "providers/provider.h"
#include "providers/secret.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

#define DK_API "/v1.41"           /* Engine API 1.41: Docker Engine 20.10 and later */
#define DK_POOL 8                 /* HTTP clients per connection: apply's parallelism */
#define DK_LABEL_WORKLOAD "wissel.dev/workload"
#define DK_LABEL_SPEC "wissel.dev/spec"         /* the applied Spec, canonical JSON */
#define DK_LABEL_PORTS "wissel.dev/ports"       /* "8080/tcp=20001,..." chosen at create */
#define DK_LABEL_GENERATE WSL_MARK_GENERATE     /* "password=POSTGRES_PASSWORD" */
#define DK_LABEL_SECRET "wissel.dev/secret." /* + key: a database volume's generated value */
#define DK_NEXT_SUFFIX "-next"    /* the replacement container during a rollout */

struct dk_client {
    struct wsl_http *http;  /* made on first use */
    pthread_mutex_t lock;
};

struct wsl_conn {
    const struct wsl_target *target;
    const struct wsl_docker_config *cfg;
    struct wsl_http_opts opts;     /* points into the strings below */
    char base_url[512], socket[512], ca[1024], cert[1024], key[1024];
    char where[512];               /* the engine as the user wrote it, for messages */
    char host_ip[64];              /* HostIp of port bindings ("" all addresses) */
    char address[256];             /* where published ports are reached */
    int port_lo, port_hi;
    bool pull;                     /* pull images that are missing */
    struct dk_client pool[DK_POOL];
    pthread_mutex_t port_lock;     /* choosing a port and starting its container */
    json_t *route_ports;           /* {"80": true}: the routes' fixed host ports of the
                                      applications applied here (under port_lock): never
                                      chosen from the range, even while their container
                                      is being replaced */
};

/* --- client.c ---------------------------------------------------------------------- */

int dk_conn_open(const struct wsl_target *t, struct wsl_conn **out, struct wsl_err *err);
void dk_conn_close(struct wsl_conn *c);
/* A JSON call to the engine: path without the version prefix ("/containers/json"). On a
 * network failure the error names the engine. *status as for wsl_http_json. */
int dk_call(struct wsl_conn *c, const char *method, const char *path, const json_t *body,
            json_t **out, long *status, struct wsl_err *err);
/* A raw call (archives, pull streams) with its own time limit and largest answer (0: the
 * defaults; an answer over max_bytes fails with WSL_E_LIMIT). */
int dk_raw(struct wsl_conn *c, const char *method, const char *path, const void *body,
           size_t len, const char *content_type, long timeout_ms, size_t max_bytes,
           struct wsl_http_resp *resp, struct wsl_err *err);
/* The filters query value for labels (URL-encoded JSON) into out. */
void dk_label_filter(struct wsl_buf *out, const char *target, const char *app);
/* The name of the container of a list call's entry, without its leading '/'; NULL none. */
const char *dk_list_name(const json_t *entry);

/* --- render.c ---------------------------------------------------------------------- */

/* The desired objects (see render.c). Pure. */
int dk_render(const struct wsl_conn *c, const struct wsl_app *app, struct wsl_objset *out,
              struct wsl_err *err);
/* The Score service port app's route goes to (its `port` is the route's fixed host port
 * at every Target), or NULL when app has no route. */
const struct wsl_score_port *dk_route_port(const struct wsl_app *app);

/* --- container.c -------------------------------------------------------------------- */

int dk_container_apply(struct wsl_conn *c, const struct wsl_action *a, struct wsl_err *err);
int dk_container_delete(struct wsl_conn *c, const char *id, struct wsl_err *err);
/* Stop a container, waiting secs for it before the engine kills it; one that is not
 * running (or gone) is done. */
int dk_container_stop(struct wsl_conn *c, const char *id, int secs, struct wsl_err *err);
/* Keep app's route port (if it has a route) out of the ports chosen from the range. */
void dk_reserve_route(struct wsl_conn *c, const struct wsl_app *app);
/* The host port a container publishes port ("8080/tcp") on, from its labels; 0 none. */
int dk_published_port(const json_t *labels, const char *port);

/* --- tar.c -------------------------------------------------------------------------- */

#define DK_TAR_BLOCK 512
/* A tar archive (ustar) of files [{"path", "mode", "text" | "base64"}] into out. */
int dk_tar(const json_t *files, struct wsl_buf *out, struct wsl_err *err);
/* A header's checksum: its bytes with the checksum field counted as blanks. */
unsigned dk_tar_sum(const char *header);
struct dk_tar_entry {
    char name[1024]; /* long names (pax, GNU) applied */
    size_t at;       /* its header's offset */
};
/* The next entry of t from *off into e: 1, or 0 at the end, or -1 when t is no tar
 * archive (a header's checksum or size is wrong). */
int dk_tar_next(const struct wsl_buf *t, size_t *off, struct dk_tar_entry *e);

/* --- health.c ----------------------------------------------------------------------- */

/* Whether the container (its list entry or inspect answer, normalised by the caller into
 * {"State", "Health", "Labels"}) is ready; why not into why. HTTP readiness against its
 * published port when its Spec has one. */
enum wsl_health_state dk_container_ready(const struct wsl_conn *c, const char *name,
                                         const json_t *info, char *why, size_t n);
int dk_health(struct wsl_conn *c, const struct wsl_app *app, struct wsl_health *out,
              struct wsl_err *err);

/* --- volume.c ----------------------------------------------------------------------- */

/* `wissel switch`: a volume resource's data as a tar archive out of this engine, and into
 * it (provider.h: volume_export, volume_import; see volume.c). */
int dk_volume_export(struct wsl_conn *c, const struct wsl_app *app, const char *id,
                     struct wsl_buf *out, struct wsl_err *err);
int dk_volume_import(struct wsl_conn *c, const struct wsl_app *app, const char *id,
                     const struct wsl_buf *tar, struct wsl_err *err);

#endif
