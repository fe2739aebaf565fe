/*
 * The Haven compliancy checks through the Kubernetes API: a table of checks, one function
 * each. A check reads what it needs, writes what it found into the rationale and returns
 * its result; any failed call makes it UNKNOWN with the API's message, so no check can
 * pass on something it did not see. The nodes are read once and shared by the four checks
 * about them. See haven.h for the results and docs/haven.md for each check's rule.
 */
#include "providers/kubernetes/haven.h"

#include "lib/buf.h"
#include "lib/http.h"
#include "lib/json.h"
#include "lib/units.h"
#include "providers/kubernetes/config.h"
#include "providers/kubernetes/kubeconfig.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LABEL_ZONE "topology.kubernetes.io/zone"
#define LABEL_CP "node-role.kubernetes.io/control-plane"
#define LABEL_MASTER "node-role.kubernetes.io/master" /* before Kubernetes 1.20 */

/* What every check shares: the connection, the Target's settings, the nodes once read. */
struct hv {
    struct wsl_http *http;
    const char *ns, *storage_class;
    int64_t wait_ms;
    json_t *nodes;     /* items of GET /api/v1/nodes, once read */
    struct wsl_err nodes_err;
    bool nodes_read;
};

typedef enum wsl_haven_result (*check_fn)(struct hv *h, struct wsl_buf *why);

/* --- helpers ------------------------------------------------------------------------ */

static enum wsl_haven_result unknown(struct wsl_buf *why, const struct wsl_err *e)
{
    wsl_buf_puts(why, e->msg);
    return WSL_HAVEN_UNKNOWN;
}

/* GET path. Returns 0 with *out, 1 when the API answered 404 (absent), or -1 after putting
 * the error in why. */
static int get(struct hv *h, const char *path, json_t **out, struct wsl_buf *why)
{
    struct wsl_err err = {0};
    long status = 0;
    int rc = wsl_http_json(h->http, "GET", path, NULL, out, &status, &err);
    if (rc == 0 && *out)
        return 0;
    if (rc == WSL_E_HTTP && status == 404)
        return 1;
    if (rc == 0)
        wsl_err_set(&err, WSL_E_INVALID, "GET %s: an empty answer", path);
    unknown(why, &err);
    return -1;
}

static const json_t *labels_of(const json_t *obj)
{
    return json_object_get(json_object_get(obj, "metadata"), "labels");
}

static const char *name_of(const json_t *obj)
{
    return wsl_json_path_str(obj, "metadata.name", "?");
}

static bool is_control_plane(const json_t *node)
{
    const json_t *l = labels_of(node);
    return json_object_get(l, LABEL_CP) || json_object_get(l, LABEL_MASTER);
}

static bool node_ready(const json_t *node)
{
    size_t i;
    json_t *c;
    json_array_foreach(wsl_json_path(node, "status.conditions"), i, c) {
        if (!strcmp(wsl_json_path_str(c, "type", ""), "Ready"))
            return !strcmp(wsl_json_path_str(c, "status", ""), "True");
    }
    return false;
}

/* Append s to a ", "-separated list in b. */
static void list_add(struct wsl_buf *b, const char *s)
{
    wsl_buf_printf(b, "%s%s", b->len ? ", " : "", s);
}

/* The nodes, read on first use; NULL after putting the error in why. */
static const json_t *nodes(struct hv *h, struct wsl_buf *why)
{
    if (!h->nodes_read) {
        h->nodes_read = true;
        json_t *list = NULL;
        long status = 0;
        if (wsl_http_json(h->http, "GET", "/api/v1/nodes", NULL, &list, &status,
                          &h->nodes_err) == 0) {
            h->nodes = json_incref(json_object_get(list, "items"));
            if (!json_is_array(h->nodes))
                wsl_err_set(&h->nodes_err, WSL_E_INVALID, "GET /api/v1/nodes: no items list");
        }
        json_decref(list);
    }
    if (json_is_array(h->nodes))
        return h->nodes;
    unknown(why, &h->nodes_err);
    return NULL;
}



/* --- Infrastructure ------------------------------------------------------------------ */

static enum wsl_haven_result check_zones(struct hv *h, struct wsl_buf *why)
{
    const json_t *ns = nodes(h, why);
    if (!ns)
        return WSL_HAVEN_UNKNOWN;
    json_t *zones = json_object();
    size_t i, unlabelled = 0;
    json_t *n;
    json_array_foreach(ns, i, n) {
        const char *z = json_string_value(json_object_get(labels_of(n), LABEL_ZONE));
        if (z && *z)
            json_object_set_new(zones, z, json_true());
        else
            unlabelled++;
    }
    struct wsl_buf list = WSL_BUF_INIT;
    const char *z;
    json_t *v;
    json_object_foreach(zones, z, v)
        list_add(&list, z);
    size_t nz = json_object_size(zones);
    wsl_buf_printf(why, "%zu zone%s over %zu node%s (label " LABEL_ZONE ")%s%s", nz,
                   nz == 1 ? "" : "s", json_array_size(ns), json_array_size(ns) == 1 ? "" : "s",
                   nz ? ": " : "", wsl_buf_str(&list));
    if (unlabelled)
        wsl_buf_printf(why, "; %zu node%s without the label", unlabelled,
                       unlabelled == 1 ? "" : "s");
    if (nz < 2)
        wsl_buf_puts(why, "; at least 2 are required");
    wsl_buf_free(&list);
    json_decref(zones);
    return nz >= 2 ? WSL_HAVEN_PASSED : WSL_HAVEN_FAILED;
}

static enum wsl_haven_result check_control_plane(struct hv *h, struct wsl_buf *why)
{
    const json_t *ns = nodes(h, why);
    if (!ns)
        return WSL_HAVEN_UNKNOWN;
    struct wsl_buf list = WSL_BUF_INIT;
    size_t i, count = 0;
    json_t *n;
    json_array_foreach(ns, i, n) {
        if (is_control_plane(n)) {
            list_add(&list, name_of(n));
            count++;
        }
    }
    if (count == 0)
        wsl_buf_puts(why, "no control-plane nodes are visible: a managed control plane, or one "
                          "outside the cluster; its redundancy cannot be judged through the API");
    else
        wsl_buf_printf(why, "%zu control-plane node%s (%s)%s", count, count == 1 ? "" : "s",
                       wsl_buf_str(&list), count < 3 ? "; at least 3 are required" : "");
    wsl_buf_free(&list);
    if (count == 0)
        return WSL_HAVEN_SKIPPED;
    return count >= 3 ? WSL_HAVEN_PASSED : WSL_HAVEN_FAILED;
}

static enum wsl_haven_result check_workers(struct hv *h, struct wsl_buf *why)
{
    const json_t *ns = nodes(h, why);
    if (!ns)
        return WSL_HAVEN_UNKNOWN;
    struct wsl_buf ready = WSL_BUF_INIT, not_ready = WSL_BUF_INIT;
    size_t i, nready = 0;
    json_t *n;
    json_array_foreach(ns, i, n) {
        if (is_control_plane(n))
            continue;
        bool ok = node_ready(n);
        list_add(ok ? &ready : &not_ready, name_of(n));
        nready += ok;
    }
    wsl_buf_printf(why, "%zu Ready worker node%s%s%s%s", nready, nready == 1 ? "" : "s",
                   nready ? " (" : "", wsl_buf_str(&ready), nready ? ")" : "");
    if (not_ready.len)
        wsl_buf_printf(why, "; not Ready: %s", wsl_buf_str(&not_ready));
    if (nready < 3)
        wsl_buf_puts(why, "; at least 3 are required");
    wsl_buf_free(&ready);
    wsl_buf_free(&not_ready);
    return nready >= 3 ? WSL_HAVEN_PASSED : WSL_HAVEN_FAILED;
}

/* Append "node (addr, addr)" to bad when the node has ExternalIP addresses. */
static void external_ips(const json_t *node, struct wsl_buf *bad)
{
    struct wsl_buf addrs = WSL_BUF_INIT;
    size_t i;
    json_t *a;
    json_array_foreach(wsl_json_path(node, "status.addresses"), i, a) {
        if (!strcmp(wsl_json_path_str(a, "type", ""), "ExternalIP"))
            list_add(&addrs, wsl_json_path_str(a, "address", "?"));
    }
    if (addrs.len)
        wsl_buf_printf(bad, "%s%s (%s)", bad->len ? ", " : "", name_of(node), wsl_buf_str(&addrs));
    wsl_buf_free(&addrs);
}

static enum wsl_haven_result check_private(struct hv *h, struct wsl_buf *why)
{
    const json_t *ns = nodes(h, why);
    if (!ns)
        return WSL_HAVEN_UNKNOWN;
    struct wsl_buf bad = WSL_BUF_INIT;
    size_t i;
    json_t *n;
    json_array_foreach(ns, i, n)
        external_ips(n, &bad);
    if (bad.len)
        wsl_buf_printf(why, "nodes with an ExternalIP address: %s", wsl_buf_str(&bad));
    else
        wsl_buf_printf(why, "none of the %zu nodes has an ExternalIP address",
                       json_array_size(ns));
    enum wsl_haven_result r = bad.len ? WSL_HAVEN_FAILED : WSL_HAVEN_PASSED;
    wsl_buf_free(&bad);
    return r;
}

/* --- Cluster ------------------------------------------------------------------------- */

static enum wsl_haven_result check_version(struct hv *h, struct wsl_buf *why)
{
    json_t *v = NULL;
    int rc = get(h, "/version", &v, why);
    if (rc != 0) {
        if (rc > 0)
            wsl_buf_puts(why, "GET /version: not found");
        return WSL_HAVEN_UNKNOWN;
    }
    const char *git = wsl_json_path_str(v, "gitVersion", "");
    int major = 0, minor = 0;
    enum wsl_haven_result r = WSL_HAVEN_UNKNOWN;
    if (sscanf(git, "v%d.%d", &major, &minor) != 2) {
        wsl_buf_printf(why, "GET /version: gitVersion \"%s\" is not vMAJOR.MINOR...", git);
    } else {
        int newest = WSL_HAVEN_NEWEST_MINOR, oldest = newest - WSL_HAVEN_MAX_MINORS_BEHIND;
        int behind = major == WSL_HAVEN_NEWEST_MAJOR ? newest - minor : 99;
        r = behind <= WSL_HAVEN_MAX_MINORS_BEHIND ? WSL_HAVEN_PASSED : WSL_HAVEN_FAILED;
        if (behind < 0)
            wsl_buf_printf(why, "%s is newer than %d.%d, the newest this wissel knows", git,
                           WSL_HAVEN_NEWEST_MAJOR, newest);
        else
            wsl_buf_printf(why, "%s is %d minor version%s behind %d.%d; %d.%d or newer is "
                                "required", git, behind, behind == 1 ? "" : "s",
                           WSL_HAVEN_NEWEST_MAJOR, newest, WSL_HAVEN_NEWEST_MAJOR, oldest);
    }
    json_decref(v);
    return r;
}

static enum wsl_haven_result check_rbac(struct hv *h, struct wsl_buf *why)
{
    json_t *v = NULL;
    int rc = get(h, "/apis/rbac.authorization.k8s.io/v1", &v, why);
    json_decref(v);
    if (rc < 0)
        return WSL_HAVEN_UNKNOWN;
    wsl_buf_puts(why, rc == 0 ? "the API serves rbac.authorization.k8s.io/v1"
                              : "the API does not serve rbac.authorization.k8s.io/v1 (404)");
    return rc == 0 ? WSL_HAVEN_PASSED : WSL_HAVEN_FAILED;
}

/* The StorageClass marked default, into *name (owned); 0, or -1 after writing why. */
static int default_class(struct hv *h, char **name, struct wsl_buf *why)
{
    json_t *list = NULL;
    *name = NULL;
    if (get(h, "/apis/storage.k8s.io/v1/storageclasses", &list, why) != 0)
        return -1;
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(list, "items"), i, c) {
        const json_t *ann = wsl_json_path(c, "metadata.annotations");
        const char *d = json_string_value(
            json_object_get(ann, "storageclass.kubernetes.io/is-default-class"));
        if (d && !strcmp(d, "true") && !*name)
            *name = wsl_xstrdup(name_of(c));
    }
    json_decref(list);
    return 0;
}

static void claim_url(const struct hv *h, const char *name, char *out, size_t n)
{
    snprintf(out, n, "/api/v1/namespaces/%s/persistentvolumeclaims%s%s", h->ns, name ? "/" : "",
             name ? name : "");
}

static int create_claim(struct hv *h, const char *cls, struct wsl_err *err)
{
    json_t *body = json_pack(
        "{s:s, s:s, s:{s:s, s:{s:s}}, s:{s:[s], s:s, s:{s:{s:s}}}}", "apiVersion", "v1", "kind",
        "PersistentVolumeClaim", "metadata", "name", WSL_HAVEN_RWX_CLAIM, "labels",
        "app.kubernetes.io/managed-by", "wissel", "spec", "accessModes", "ReadWriteMany",
        "storageClassName", cls, "resources", "requests", "storage", "1Mi");
    char url[512];
    claim_url(h, NULL, url, sizeof url);
    int rc = wsl_http_json(h->http, "POST", url, body, NULL, NULL, err);
    json_decref(body);
    if (rc == WSL_E_HTTP && err->http_status == 409)
        return wsl_err_set(err, WSL_E_CONFLICT, "the claim %s already exists in namespace %s "
                           "(left by a check that was killed, or one running now): delete it "
                           "and check again", WSL_HAVEN_RWX_CLAIM, h->ns);
    return rc;
}

/* Poll the claim until Bound or the wait is over; its last phase goes into phase. */
static bool wait_bound(struct hv *h, char *phase, size_t n, struct wsl_err *err)
{
    char url[512];
    claim_url(h, WSL_HAVEN_RWX_CLAIM, url, sizeof url);
    int64_t deadline = wsl_monotonic_ms() + h->wait_ms;
    snprintf(phase, n, "unknown");
    for (;;) {
        json_t *c = NULL;
        if (wsl_http_json(h->http, "GET", url, NULL, &c, NULL, err) != 0)
            return false;
        snprintf(phase, n, "%s", wsl_json_path_str(c, "status.phase", "no phase"));
        json_decref(c);
        if (!strcmp(phase, "Bound"))
            return true;
        if (wsl_monotonic_ms() >= deadline)
            return false;
        wsl_sleep_ms(500);
    }
}

/* The newest event about the claim, "Reason: message", into why; nothing when none. */
static void claim_events(struct hv *h, struct wsl_buf *why)
{
    char url[512];
    snprintf(url, sizeof url,
             "/api/v1/namespaces/%s/events?fieldSelector=involvedObject.kind%%3D"
             "PersistentVolumeClaim,involvedObject.name%%3D" WSL_HAVEN_RWX_CLAIM, h->ns);
    json_t *list = NULL;
    if (wsl_http_json(h->http, "GET", url, NULL, &list, NULL, NULL) != 0)
        return;
    json_t *items = json_object_get(list, "items");
    json_t *last = json_array_get(items, json_array_size(items) - 1);
    if (last)
        wsl_buf_printf(why, "; last event: %s: %s", wsl_json_path_str(last, "reason", "?"),
                       wsl_json_path_str(last, "message", ""));
    json_decref(list);
}

/* Delete the claim and wait (bounded) until it is gone, so the next run can create it. */
static void delete_claim(struct hv *h, struct wsl_buf *why)
{
    char url[512];
    claim_url(h, WSL_HAVEN_RWX_CLAIM, url, sizeof url);
    struct wsl_err err = {0};
    long status = 0;
    int rc = wsl_http_json(h->http, "DELETE", url, NULL, NULL, &status, &err);
    for (int i = 0; rc == 0 && i < 40; i++) {
        wsl_sleep_ms(250);
        rc = wsl_http_json(h->http, "GET", url, NULL, NULL, &status, &err);
    }
    if (rc == 0)
        wsl_buf_puts(why, "; the claim was deleted but still exists after 10s");
    else if (!(rc == WSL_E_HTTP && status == 404))
        wsl_buf_printf(why, "; deleting the claim failed: %s", err.msg);
}

static enum wsl_haven_result check_rwx(struct hv *h, struct wsl_buf *why)
{
    char *dflt = NULL;
    if (!h->storage_class && default_class(h, &dflt, why) != 0)
        return WSL_HAVEN_UNKNOWN;
    const char *cls = h->storage_class ? h->storage_class : dflt;
    if (!cls) {
        wsl_buf_puts(why, "the Target sets no storageClass.readWriteMany and the cluster has no "
                          "default StorageClass");
        return WSL_HAVEN_FAILED;
    }
    struct wsl_err err = {0};
    if (create_claim(h, cls, &err) != 0) {
        free(dflt);
        return unknown(why, &err);
    }
    char phase[64], wait[32];
    bool bound = wait_bound(h, phase, sizeof phase, &err);
    wsl_duration_format(h->wait_ms, wait, sizeof wait);
    enum wsl_haven_result r = bound ? WSL_HAVEN_PASSED : WSL_HAVEN_FAILED;
    const char *dflt_note = h->storage_class ? "" : " (the cluster's default)";
    if (bound) {
        wsl_buf_printf(why, "a ReadWriteMany claim of class %s%s was Bound", cls, dflt_note);
    } else if (err.code) {
        r = unknown(why, &err);
    } else {
        wsl_buf_printf(why, "a ReadWriteMany claim of class %s%s was not Bound after %s "
                            "(phase %s)", cls, dflt_note, wait, phase);
        claim_events(h, why);
    }
    delete_claim(h, why);
    free(dflt);
    return r;
}

/* --- Deployment ---------------------------------------------------------------------- */

static enum wsl_haven_result check_certs(struct hv *h, struct wsl_buf *why)
{
    json_t *g = NULL;
    int rc = get(h, "/apis/cert-manager.io", &g, why);
    if (rc != 0) {
        if (rc > 0)
            wsl_buf_puts(why, "the API group cert-manager.io is not served: cert-manager is "
                              "not installed");
        return rc > 0 ? WSL_HAVEN_FAILED : WSL_HAVEN_UNKNOWN;
    }
    char url[256];
    const char *gv = wsl_json_path_str(g, "preferredVersion.groupVersion", "cert-manager.io/v1");
    snprintf(url, sizeof url, "/apis/%s", gv);
    json_decref(g);
    json_t *res = NULL;
    if ((rc = get(h, url, &res, why)) < 0)
        return WSL_HAVEN_UNKNOWN;
    bool found = false;
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(res, "resources"), i, r)
        found |= !strcmp(wsl_json_path_str(r, "name", ""), "certificates");
    json_decref(res);
    wsl_buf_printf(why, "%s %s certificates (CRD certificates.cert-manager.io)", gv,
                   found ? "serves" : "does not serve");
    return found ? WSL_HAVEN_PASSED : WSL_HAVEN_FAILED;
}

/* Names that log collectors (and the stores they feed) run under. */
static const char *const log_collectors[] = {
    "fluent-bit", "fluentbit", "fluentd", "promtail", "loki", "vector", "filebeat",
    "logstash", "opentelemetry-collector", "otel-collector", "grafana-agent", "alloy",
    "logging-operator", NULL};

static bool looks_like_collector(const char *name)
{
    char lower[256];
    size_t i;
    for (i = 0; name[i] && i < sizeof lower - 1; i++)
        lower[i] = (char)tolower((unsigned char)name[i]);
    lower[i] = '\0';
    for (const char *const *c = log_collectors; *c; c++) {
        if (strstr(lower, *c))
            return true;
    }
    return false;
}

static const struct workload_kind {
    const char *kind, *path, *ready_field;
} workload_kinds[] = {
    {"DaemonSet", "/apis/apps/v1/daemonsets", "status.numberReady"},
    {"Deployment", "/apis/apps/v1/deployments", "status.readyReplicas"},
    {"StatefulSet", "/apis/apps/v1/statefulsets", "status.readyReplicas"},
};

/* Look through one kind; collectors with ready pods go to ready, others to idle. */
static int scan_collectors(struct hv *h, const struct workload_kind *k, struct wsl_buf *ready,
                           struct wsl_buf *idle, struct wsl_buf *why)
{
    json_t *list = NULL;
    if (get(h, k->path, &list, why) != 0)
        return -1;
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(list, "items"), i, o) {
        if (!looks_like_collector(name_of(o)))
            continue;
        json_int_t n = json_integer_value(wsl_json_path(o, k->ready_field));
        struct wsl_buf *to = n > 0 ? ready : idle;
        wsl_buf_printf(to, "%s%s %s/%s (%lld ready)", to->len ? ", " : "", k->kind,
                       wsl_json_path_str(o, "metadata.namespace", "?"), name_of(o), (long long)n);
    }
    json_decref(list);
    return 0;
}

static enum wsl_haven_result check_logs(struct hv *h, struct wsl_buf *why)
{
    struct wsl_buf ready = WSL_BUF_INIT, idle = WSL_BUF_INIT, names = WSL_BUF_INIT;
    enum wsl_haven_result r = WSL_HAVEN_UNKNOWN;
    size_t nk = sizeof workload_kinds / sizeof *workload_kinds, k;
    for (k = 0; k < nk; k++) {
        if (scan_collectors(h, &workload_kinds[k], &ready, &idle, why) != 0)
            break;
    }
    if (k == nk) {
        for (const char *const *c = log_collectors; *c; c++)
            list_add(&names, *c);
        r = ready.len ? WSL_HAVEN_PASSED : WSL_HAVEN_FAILED;
        if (ready.len)
            wsl_buf_printf(why, "log collection runs: %s", wsl_buf_str(&ready));
        else
            wsl_buf_printf(why, "no DaemonSet, Deployment or StatefulSet in any namespace with "
                                "ready pods is named like a log collector (%s)%s%s",
                           wsl_buf_str(&names), idle.len ? "; without ready pods: " : "",
                           wsl_buf_str(&idle));
    }
    wsl_buf_free(&ready);
    wsl_buf_free(&idle);
    wsl_buf_free(&names);
    return r;
}

static enum wsl_haven_result check_metrics(struct hv *h, struct wsl_buf *why)
{
    json_t *s = NULL;
    int rc = get(h, "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io", &s,
                 why);
    if (rc != 0) {
        if (rc > 0)
            wsl_buf_puts(why, "the APIService v1beta1.metrics.k8s.io does not exist: "
                              "metrics-server is not installed");
        return rc > 0 ? WSL_HAVEN_FAILED : WSL_HAVEN_UNKNOWN;
    }
    const json_t *avail = NULL;
    size_t i;
    json_t *c;
    json_array_foreach(wsl_json_path(s, "status.conditions"), i, c) {
        if (!strcmp(wsl_json_path_str(c, "type", ""), "Available"))
            avail = c;
    }
    bool ok = avail && !strcmp(wsl_json_path_str(avail, "status", ""), "True");
    if (ok)
        wsl_buf_puts(why, "the APIService v1beta1.metrics.k8s.io is Available");
    else
        wsl_buf_printf(why, "the APIService v1beta1.metrics.k8s.io is not Available: %s: %s",
                       wsl_json_path_str(avail, "reason", "no Available condition"),
                       wsl_json_path_str(avail, "message", ""));
    json_decref(s);
    return ok ? WSL_HAVEN_PASSED : WSL_HAVEN_FAILED;
}

/* --- Fundamental --------------------------------------------------------------------- */

static enum wsl_haven_result check_admin(struct hv *h, struct wsl_buf *why)
{
    json_t *body = json_pack("{s:s, s:s, s:{s:{s:s, s:s, s:s}}}", "apiVersion",
                             "authorization.k8s.io/v1", "kind", "SelfSubjectAccessReview", "spec",
                             "resourceAttributes", "verb", "*", "group", "*", "resource", "*");
    json_t *review = NULL;
    struct wsl_err err = {0};
    int rc = wsl_http_json(h->http, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                           body, &review, NULL, &err);
    json_decref(body);
    if (rc != 0)
        return unknown(why, &err);
    bool allowed = json_is_true(wsl_json_path(review, "status.allowed"));
    const char *reason = wsl_json_path_str(review, "status.reason", "");
    if (allowed)
        wsl_buf_puts(why, "the kubeconfig's user may do every verb on every resource");
    else
        wsl_buf_printf(why, "the kubeconfig's user is not a cluster admin (verb *, resource * "
                            "is not allowed%s%s); the other checks may see less than there is",
                       *reason ? ": " : "", reason);
    json_decref(review);
    return allowed ? WSL_HAVEN_PASSED : WSL_HAVEN_FAILED;
}

/* --- the table ----------------------------------------------------------------------- */

static const struct check {
    const char *name, *category, *label;
    check_fn fn;
} checks[] = {
    {"clusteradmin", "Fundamental", "Self test: the checker has cluster-admin rights",
     check_admin},
    {"multiaz", "Infrastructure", "Multiple availability zones in use", check_zones},
    {"controlplanes", "Infrastructure", "At least 3 control-plane nodes", check_control_plane},
    {"workernodes", "Infrastructure", "At least 3 worker nodes", check_workers},
    {"privatenetworking", "Infrastructure", "Nodes have no public (ExternalIP) addresses",
     check_private},
    {"kubernetesversion", "Cluster", "Kubernetes at most 3 minor versions behind the newest",
     check_version},
    {"rbac", "Cluster", "Role-based access control is enabled", check_rbac},
    {"rwxvolumes", "Cluster", "ReadWriteMany persistent volumes can be provisioned", check_rwx},
    {"autocerts", "Deployment", "Automated certificates (cert-manager)", check_certs},
    {"logs", "Deployment", "Log aggregation is running", check_logs},
    {"metrics", "Deployment", "Metrics-server is running", check_metrics},
};
#define NCHECKS (sizeof checks / sizeof *checks)

const char *wsl_haven_result_name(enum wsl_haven_result r)
{
    static const char *const names[] = {"PASSED", "FAILED", "SKIPPED", "UNKNOWN"};
    return r < WSL_HAVEN_NRESULTS ? names[r] : "UNKNOWN";
}

static void run_checks(struct hv *h, struct wsl_haven_report *out)
{
    out->v = wsl_xcalloc(NCHECKS, sizeof *out->v);
    for (size_t i = 0; i < NCHECKS; i++) {
        struct wsl_buf why = WSL_BUF_INIT;
        struct wsl_haven_item *it = &out->v[out->n++];
        it->name = checks[i].name;
        it->label = checks[i].label;
        it->category = checks[i].category;
        it->result = checks[i].fn(h, &why);
        it->rationale = wsl_xstrdup(wsl_buf_str(&why));
        out->count[it->result]++;
        wsl_buf_free(&why);
    }
}

/* Connect with the Target's kubeconfig and context; the report gets context and server. */
static int open_client(const struct wsl_k8s_config *cfg, struct wsl_http **http,
                   struct wsl_haven_report *out, struct wsl_err *err)
{
    struct wsl_kubeconfig *kc = NULL;
    struct wsl_kube_conn_info info = {0};
    int rc = wsl_kubeconfig_load(cfg ? cfg->kubeconfig : NULL, &kc, err);
    if (rc == 0)
        rc = wsl_kube_resolve(kc, cfg ? cfg->context : NULL, &info, err);
    if (rc == 0)
        rc = wsl_kube_http(&info, http, err);
    if (rc == 0) {
        out->context = wsl_xstrdup(info.context ? info.context : "");
        out->server = wsl_xstrdup(info.server ? info.server : "");
    }
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);
    return rc;
}

/* A first call: when the server cannot be reached at all, no check can say anything. */
static int reachable(struct wsl_http *http, struct wsl_err *err)
{
    int rc = wsl_http_json(http, "GET", "/version", NULL, NULL, NULL, err);
    if (rc == WSL_E_NET || rc == WSL_E_TLS || rc == WSL_E_TIMEOUT)
        return rc;
    wsl_err_clear(err);
    return 0;
}

int wsl_haven_check(const struct wsl_target *t, const struct wsl_haven_opts *o,
                    struct wsl_haven_report *out, struct wsl_err *err)
{
    memset(out, 0, sizeof *out);
    if (strcmp(t->spec.provider_name, "kubernetes") != 0) {
        wsl_err_set(err, WSL_E_INVALID, "target %s has provider %s: the Haven checks need a "
                    "kubernetes target", t->metadata.name, t->spec.provider_name);
        wsl_err_hint(err, "name a Target whose spec.provider is kubernetes");
        return WSL_E_INVALID;
    }
    const struct wsl_k8s_config *cfg = t->spec.config;
    struct hv h = {.ns = cfg && cfg->namespace_ ? cfg->namespace_ : "default",
                   .storage_class = cfg ? cfg->storage_class.read_write_many : NULL,
                   .wait_ms = o && o->wait_ms > 0 ? o->wait_ms : WSL_HAVEN_DEFAULT_WAIT_MS};
    wsl_time_now_rfc3339(out->start);
    int rc = open_client(cfg, &h.http, out, err);
    if (rc == 0)
        rc = reachable(h.http, err);
    if (rc != 0) {
        wsl_err_prefix(err, "target %s", t->metadata.name);
        wsl_http_free(h.http);
        wsl_haven_report_free(out);
        return rc;
    }
    out->target = wsl_xstrdup(t->metadata.name);
    out->namespace_ = wsl_xstrdup(h.ns);
    out->storage_class = h.storage_class ? wsl_xstrdup(h.storage_class) : NULL;
    out->wait_ms = h.wait_ms;
    run_checks(&h, out);
    wsl_time_now_rfc3339(out->stop);
    json_decref(h.nodes);
    wsl_http_free(h.http);
    return 0;
}

bool wsl_haven_compliant(const struct wsl_haven_report *r)
{
    return r->count[WSL_HAVEN_FAILED] == 0 && r->count[WSL_HAVEN_UNKNOWN] == 0;
}

static json_t *config_json(const struct wsl_haven_report *r)
{
    char wait[32], newest[16];
    wsl_duration_format(r->wait_ms, wait, sizeof wait);
    snprintf(newest, sizeof newest, "%d.%d", WSL_HAVEN_NEWEST_MAJOR, WSL_HAVEN_NEWEST_MINOR);
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "Target", r->target, "Context",
                          r->context, "Server", r->server, "Namespace", r->namespace_, "Wait",
                          wait, "NewestKubernetes", newest);
    json_object_set_new(c, "StorageClass",
                        r->storage_class ? json_string(r->storage_class) : json_null());
    return c;
}

json_t *wsl_haven_report_json(const struct wsl_haven_report *r, const char *version)
{
    json_t *results = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const struct wsl_haven_item *it = &r->v[i];
        json_array_append_new(results,
                              json_pack("{s:s, s:s, s:s, s:s, s:s}", "Name", it->name, "Label",
                                        it->label, "Category", it->category, "Rationale",
                                        it->rationale, "Result",
                                        wsl_haven_result_name(it->result)));
    }
    json_t *summary = json_pack(
        "{s:I, s:I, s:I, s:I, s:I}", "Total", (json_int_t)r->n, "Unknown",
        (json_int_t)r->count[WSL_HAVEN_UNKNOWN], "Skipped", (json_int_t)r->count[WSL_HAVEN_SKIPPED],
        "Failed", (json_int_t)r->count[WSL_HAVEN_FAILED], "Passed",
        (json_int_t)r->count[WSL_HAVEN_PASSED]);
    return json_pack("{s:s, s:b, s:s, s:s, s:o, s:{s:o, s:o}}", "Version", version,
                     "HavenCompliant", wsl_haven_compliant(r), "StartTS", r->start, "StopTS",
                     r->stop, "Config", config_json(r), "CompliancyChecks", "Summary", summary,
                     "Results", results);
}

void wsl_haven_report_free(struct wsl_haven_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].rationale);
    free(r->v);
    free(r->target);
    free(r->context);
    free(r->server);
    free(r->namespace_);
    free(r->storage_class);
    memset(r, 0, sizeof *r);
}
