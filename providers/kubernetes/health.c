/* health.c — readiness of Kubernetes objects from their status (see health.h). */
#include "providers/kubernetes/health.h"

#include "lib/json.h"

#include <stdio.h>
#include <string.h>

static json_int_t num(const json_t *o, const char *path)
{
    return json_integer_value(wsl_json_path(o, path));
}

static void set(struct wsl_health *h, enum wsl_health_state s, const char *kind,
                const char *name, const char *why)
{
    h->state = s;
    snprintf(h->reason, sizeof h->reason, "%s %s: %s", kind, name, why);
}

/* A condition of reason `reason` on obj, or NULL. */
static const json_t *condition(const json_t *obj, const char *reason)
{
    size_t i;
    json_t *c;
    json_array_foreach(wsl_json_path(obj, "status.conditions"), i, c) {
        const char *r = json_string_value(json_object_get(c, "reason"));
        if (r && !strcmp(r, reason))
            return c;
    }
    return NULL;
}

/* Deployments and StatefulSets: the controller's view of the rollout. */
static void rollout(const char *kind, const json_t *o, const char *name, struct wsl_health *h)
{
    const json_t *dead = condition(o, "ProgressDeadlineExceeded");
    if (dead) {
        const char *msg = json_string_value(json_object_get(dead, "message"));
        set(h, WSL_HEALTH_FAILED, kind, name, msg ? msg : "ProgressDeadlineExceeded");
        return;
    }
    json_t *want_j = wsl_json_path(o, "spec.replicas");
    json_int_t want = want_j ? json_integer_value(want_j) : 1;
    json_int_t updated = num(o, "status.updatedReplicas");
    json_int_t ready = num(o, "status.readyReplicas");
    const char *cur = wsl_json_path_str(o, "status.currentRevision", NULL);
    const char *upd = wsl_json_path_str(o, "status.updateRevision", NULL);
    char why[256];
    if (num(o, "status.observedGeneration") < num(o, "metadata.generation")) {
        set(h, WSL_HEALTH_PROGRESSING, kind, name, "the controller has not seen the change yet");
    } else if (updated < want || ready < want) {
        snprintf(why, sizeof why, "%lld of %lld replicas updated, %lld ready", (long long)updated,
                 (long long)want, (long long)ready);
        set(h, WSL_HEALTH_PROGRESSING, kind, name, why);
    } else if (cur && upd && strcmp(cur, upd)) {
        set(h, WSL_HEALTH_PROGRESSING, kind, name, "the update to the new revision is running");
    }
}

static void claim(const json_t *o, const char *name, struct wsl_health *h)
{
    const char *phase = wsl_json_path_str(o, "status.phase", "Pending");
    if (!strcmp(phase, "Bound"))
        return;
    char why[256];
    const char *cls = wsl_json_path_str(o, "spec.storageClassName", NULL);
    snprintf(why, sizeof why, "%s%s%s%s", phase, cls ? " (storage class " : "", cls ? cls : "",
             cls ? ")" : " (no storage class: the cluster's default)");
    set(h, !strcmp(phase, "Lost") ? WSL_HEALTH_FAILED : WSL_HEALTH_PROGRESSING,
        "PersistentVolumeClaim", name, why);
}

void wsl_k8s_object_health(const char *kind, const json_t *obj, struct wsl_health *h)
{
    const char *name = wsl_json_path_str(obj, "metadata.name", "?");
    if (!strcmp(kind, "Deployment") || !strcmp(kind, "StatefulSet"))
        rollout(kind, obj, name, h);
    else if (!strcmp(kind, "PersistentVolumeClaim"))
        claim(obj, name, h);
}
