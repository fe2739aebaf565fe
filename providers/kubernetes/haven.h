/*
 * haven.h — the Haven compliancy checks that can be judged through the Kubernetes API.
 *
 * Haven is the standard Dutch municipalities use for their Kubernetes clusters. Some of its
 * checks are about the cluster's shape (zones, control-plane and worker nodes, addresses),
 * some about what it serves (version, RBAC, ReadWriteMany volumes, cert-manager, log
 * collection, metrics-server) and one about the checker's own rights (cluster-admin).
 * wsl_haven_check() runs them all against one kubernetes Target, one function per check,
 * and gives every check one of four results:
 *
 *   PASSED   the API shows the requirement is met;
 *   FAILED   the API shows it is not (the rationale says what was found);
 *   SKIPPED  the API cannot show either way (the rationale says why);
 *   UNKNOWN  a call the check needs failed (403, network): the rationale is the API's
 *            message. Like FAILED, it makes the cluster not compliant: what could not be
 *            checked is not taken on trust.
 *
 * The ReadWriteMany check creates, and always deletes, one PersistentVolumeClaim
 * (WSL_HAVEN_RWX_CLAIM) in the Target's namespace. Nothing else is changed.
 * See docs/haven.md.
 */
#ifndef WSL_KUBERNETES_HAVEN_H
#define WSL_KUBERNETES_HAVEN_H

#include "lib/err.h"
#include "manifests/wissel.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The newest Kubernetes minor version this wissel knows; the version check allows
 * clusters at most WSL_HAVEN_MAX_MINORS_BEHIND minors older. Raise it with each Kubernetes
 * release (and docs/haven.md with it). */
#define WSL_HAVEN_NEWEST_MAJOR 1
#define WSL_HAVEN_NEWEST_MINOR 34
#define WSL_HAVEN_MAX_MINORS_BEHIND 3

/* The claim the ReadWriteMany check creates and deletes. */
#define WSL_HAVEN_RWX_CLAIM "wissel-haven-check-rwx"

/* How long the ReadWriteMany check waits for its claim to be Bound, by default. */
#define WSL_HAVEN_DEFAULT_WAIT_MS 30000

enum wsl_haven_result {
    WSL_HAVEN_PASSED,
    WSL_HAVEN_FAILED,
    WSL_HAVEN_SKIPPED,
    WSL_HAVEN_UNKNOWN,
    WSL_HAVEN_NRESULTS
};

/* "PASSED", "FAILED", "SKIPPED" or "UNKNOWN". */
const char *wsl_haven_result_name(enum wsl_haven_result r);

/* One check's outcome. name, label and category are static strings. */
struct wsl_haven_item {
    const char *name;     /* short and stable: "multiaz", "rwxvolumes", ... */
    const char *label;    /* what is required, in words */
    const char *category; /* "Fundamental", "Infrastructure", "Cluster" or "Deployment" */
    enum wsl_haven_result result;
    char *rationale;      /* what was found (owned) */
};

/* A whole run. Strings are owned; free with wsl_haven_report_free(). */
struct wsl_haven_report {
    char *target, *context, *server; /* the Target and the connection used */
    char *namespace_;                /* where the ReadWriteMany claim goes */
    char *storage_class;             /* the Target's storageClass.readWriteMany, or NULL */
    int64_t wait_ms;
    char start[32], stop[32];        /* RFC 3339 UTC */
    struct wsl_haven_item *v;        /* in the order of the check table */
    size_t n;
    size_t count[WSL_HAVEN_NRESULTS];
};

struct wsl_haven_opts {
    int64_t wait_ms; /* bound on the ReadWriteMany claim's binding; <= 0: the default */
};

/* Run every check against target t, which must have provider kubernetes. On 0, *out is
 * filled (also when checks failed: that is the report's business). Errors, with *out
 * zeroed: WSL_E_INVALID for a target of another provider; the errors of
 * wsl_kubeconfig_load(), wsl_kube_resolve() and wsl_kube_http(); and WSL_E_NET, WSL_E_TLS
 * or WSL_E_TIMEOUT when the API server cannot be reached at all (GET /version), since no
 * check could then say anything. */
int wsl_haven_check(const struct wsl_target *t, const struct wsl_haven_opts *o,
                    struct wsl_haven_report *out, struct wsl_err *err);

/* True when no check FAILED and none is UNKNOWN. */
bool wsl_haven_compliant(const struct wsl_haven_report *r);

/* The report in the Haven Compliancy Checker's JSON shape (new reference):
 * {"Version", "HavenCompliant", "StartTS", "StopTS", "Config": {...},
 *  "CompliancyChecks": {"Summary": {"Total", "Unknown", "Skipped", "Failed", "Passed"},
 *                       "Results": [{"Name", "Label", "Category", "Rationale", "Result"}]}}.
 * version is the checker's (wissel's) version. */
json_t *wsl_haven_report_json(const struct wsl_haven_report *r, const char *version);

/* Free what the report holds and zero it; the struct belongs to the caller. */
void wsl_haven_report_free(struct wsl_haven_report *r);

#endif
