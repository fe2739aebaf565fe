/*
 * render.h — an Application's Score workloads as Kubernetes objects.
 *
 * Pure: no network, no clock. Every object carries the ownership markers and the
 * app.kubernetes.io labels; bodies are the Kubernetes JSON an API server accepts as is.
 */
#ifndef WSL_KUBERNETES_RENDER_H
#define WSL_KUBERNETES_RENDER_H

#include "lib/err.h"
#include "manifests/wissel.h"
#include "providers/kubernetes/config.h"
#include "providers/provider.h"

/* The namespace app's objects live in at this target: the Target's kubernetes.namespace,
 * else the application's name. The renderer and the driver's list calls share it. */
const char *wsl_k8s_namespace(const struct wsl_k8s_config *cfg, const struct wsl_app *app);

/* The desired objects of app at target t, added to out: the Namespace (when
 * cfg->create_namespace), per workload a Deployment "<app>-<workload>", a ConfigMap
 * "<app>-<workload>-<container>-files" per container with inline files, a Service for its
 * ports and a PodDisruptionBudget when it runs more than one replica, and an Ingress
 * "<app>" for the route. cfg may be NULL (all defaults). Returns 0, or a wsl_code with err
 * set (a workload that did not load, a route to a workload without ports, a name too long
 * for Kubernetes); out may then hold some objects and is the caller's to free. */
int wsl_k8s_render(const struct wsl_k8s_config *cfg, const struct wsl_target *t,
                   const struct wsl_app *app, struct wsl_objset *out, struct wsl_err *err);

#endif
