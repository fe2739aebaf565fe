/*
 * render_int.h — what the two halves of the Kubernetes renderer share: render.c (workloads,
 * services, routes) and resources.c (the Score resources provisioned in the cluster:
 * volumes, PostgreSQL, Redis). Not for use outside providers/kubernetes.
 */
#ifndef WSL_KUBERNETES_RENDER_INT_H
#define WSL_KUBERNETES_RENDER_INT_H

#include "providers/kubernetes/render.h"
#include "providers/resources.h"

#include <jansson.h>

struct render {
    const struct wsl_k8s_config *cfg;
    const struct wsl_target *target;
    const struct wsl_app *app;
    const char *ns;
    bool own_ns;       /* the Namespace is rendered: everything else depends on it */
    struct wsl_objset *out;
    struct wsl_outputs *outputs; /* of the resources, per workload (providers/resources.h) */
};

/* The labels of every object: the ownership markers and the recommended app labels. */
json_t *wsl_k8s_labels(const struct render *r);
/* {"name", "labels", "namespace"} of an object of the application. */
json_t *wsl_k8s_metadata(const struct render *r, const char *name);
/* Add body as kind/name (apiVersion and kind filled in); namespaced objects depend on the
 * Namespace when wissel owns it. */
struct wsl_object *wsl_k8s_add(const struct render *r, const char *api, const char *kind,
                               const char *name, json_t *body);
/* A character of label values and ConfigMap keys: [A-Za-z0-9._-]. */
bool wsl_k8s_key_char(char ch);
/* The hardened container securityContext Haven expects. */
json_t *wsl_k8s_container_security(void);

/* The containers, init containers and volumes of workload wi into pod (its ConfigMaps
 * are added to the set); base is "<app>-<workload>". */
int wsl_k8s_pod(const struct render *r, size_t wi, const char *base, json_t *pod,
                struct wsl_err *err);
/* Make o (the workload's Deployment) wait for its ConfigMaps and resource objects. */
void wsl_k8s_pod_depend(const struct render *r, size_t wi, const char *base,
                        struct wsl_object *o);

/* Provision the resources of every workload of r->app: their objects are added to the set,
 * r->outputs[i] receives workload i's outputs. Resources with the same `id` are one,
 * shared by the workloads that declare it (wsl_outputs_provision). Fails on a type the
 * driver cannot provision or a name too long for Kubernetes. */
int wsl_k8s_render_resources(struct render *r, struct wsl_err *err);
/* The PersistentVolumeClaim behind a volume's source of workload wi: "${resources.NAME}"
 * (a volume resource of that workload), or the name of a claim that exists in the
 * namespace; NULL with err set otherwise. */
const char *wsl_k8s_claim_of(const struct render *r, size_t wi, const char *source,
                             struct wsl_err *err);
/* Make the object o wait for the resource objects that workload wi uses. */
void wsl_k8s_depend_on_resources(const struct render *r, size_t wi, struct wsl_object *o);

#endif
