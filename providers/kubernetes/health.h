/*
 * health.h — whether one observed Kubernetes object is ready, from its real status.
 *
 *   Deployment             rollout complete: the controller saw the latest generation,
 *                          every replica is updated and ready; failed on
 *                          ProgressDeadlineExceeded
 *   StatefulSet            the same, and the update revision is the current one
 *   PersistentVolumeClaim  Bound; failed when Lost
 *
 * Other kinds are ready once they exist.
 */
#ifndef WSL_KUBERNETES_HEALTH_H
#define WSL_KUBERNETES_HEALTH_H

#include "providers/provider.h"

#include <jansson.h>

/* Lower h (which starts READY) to PROGRESSING or FAILED with the reason when obj, of
 * kind, is not ready; leave it as it is otherwise. */
void wsl_k8s_object_health(const char *kind, const json_t *obj, struct wsl_health *h);

#endif
