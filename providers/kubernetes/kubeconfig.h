/*
 * kubeconfig.h — a connection to a Kubernetes API server, read from kubeconfig files the
 * way kubectl reads them.
 *
 * Loading. The Target's `kubeconfig` file when it names one (only that file, as with
 * `kubectl --kubeconfig`); otherwise every file of the colon-separated KUBECONFIG (files
 * that do not exist are skipped, as kubectl does), merged: for clusters, users and contexts
 * the first file that defines a name wins, and current-context comes from the first file
 * that sets one; otherwise ~/.kube/config.
 *
 * Resolving. A context gives a cluster (server, CA data or file, insecure-skip-tls-verify),
 * a user (client certificate and key as data or files, token or tokenFile, basic auth, or
 * an `exec` credential plugin) and a namespace ("default" when absent). Relative file paths
 * are relative to the kubeconfig file that named them. An exec plugin
 * (client.authentication.k8s.io/v1 or v1beta1) runs without a terminal, with a bounded
 * time, and KUBERNETES_EXEC_INFO describing the request; it must print an ExecCredential
 * with status.token or status.clientCertificateData and clientKeyData.
 *
 * Secrets. Tokens, passwords and private keys are registered with wsl_log_secret() and
 * never appear in error messages; neither does anything a plugin printed.
 * See docs/kubernetes.md.
 */
#ifndef WSL_KUBERNETES_KUBECONFIG_H
#define WSL_KUBERNETES_KUBECONFIG_H

#include "lib/err.h"
#include "lib/http.h"

#include <stdbool.h>

/* The merged kubeconfig files; opaque. */
struct wsl_kubeconfig;

/* Everything needed to talk to one context's API server. Strings are owned (free with
 * wsl_kube_conn_info_free); NULL when the kubeconfig does not set them. */
struct wsl_kube_conn_info {
    char *context;     /* the context resolved */
    char *cluster;     /* its cluster's name */
    char *user;        /* its user's name */
    char *server;      /* "https://host:port" */
    char *namespace_;  /* the context's namespace, "default" when absent */
    char *ca_pem;      /* CA bundle (PEM) from certificate-authority(-data) */
    char *cert_pem;    /* client certificate (PEM) ... */
    char *key_pem;     /* ... and its private key (secret) */
    char *token;       /* bearer token (secret) */
    char *username;    /* basic authentication ... */
    char *password;    /* ... (secret) */
    bool insecure;     /* insecure-skip-tls-verify: true in the kubeconfig */
};

/* Default bound on an exec credential plugin's run, from start to exit. */
#define WSL_KUBE_EXEC_TIMEOUT_MS 30000

/* Set the bound on exec plugin runs for the whole process (tests use a short one);
 * ms <= 0 restores WSL_KUBE_EXEC_TIMEOUT_MS. Not thread-safe: call it before resolving. */
void wsl_kube_set_exec_timeout(long ms);

/* Read and merge the kubeconfig files (see above). explicit_path is the Target's
 * `kubeconfig` or NULL. On success *out is a new kubeconfig to free with
 * wsl_kubeconfig_free(). Errors: WSL_E_NOTFOUND when no file exists, WSL_E_INVALID with
 * file:line:col for a syntax error or a misshapen entry, WSL_E_IO when a file cannot be
 * read. */
int wsl_kubeconfig_load(const char *explicit_path, struct wsl_kubeconfig **out,
                        struct wsl_err *err);

/* The current-context of the merged files, or NULL when none sets one. Valid until kc
 * is freed. */
const char *wsl_kubeconfig_current(const struct wsl_kubeconfig *kc);

/* Free the kubeconfig; NULL is allowed. */
void wsl_kubeconfig_free(struct wsl_kubeconfig *kc);

/* Resolve `context` (NULL: the current context) into *out (zeroed first; free it with
 * wsl_kube_conn_info_free, also after a failure). Reads the CA, certificate, key and token
 * files it names and runs an exec plugin when the user has one. Errors: WSL_E_NOTFOUND for
 * an unknown context, cluster or user (listing those that exist), WSL_E_INVALID for a bad
 * entry (file:line:col), WSL_E_IO for an unreadable file, WSL_E_TIMEOUT or WSL_E_INVALID for
 * a failing exec plugin (the message names the command, never what it printed). */
int wsl_kube_resolve(const struct wsl_kubeconfig *kc, const char *context,
                     struct wsl_kube_conn_info *out, struct wsl_err *err);

/* In-cluster: inside a Pod, with no kubeconfig anywhere, wissel authenticates as the Pod's
 * ServiceAccount, as kubectl and client-go do. It applies when the Target names neither
 * a kubeconfig nor a context, KUBECONFIG is unset, ~/.kube/config does not exist, and
 * KUBERNETES_SERVICE_HOST is set. */
bool wsl_kube_in_cluster_applies(const char *kubeconfig, const char *context);

/* The in-cluster connection into *out (zeroed first; free with wsl_kube_conn_info_free):
 * server https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT (443 when unset), the
 * token, CA and namespace from the ServiceAccount folder
 * (/var/run/secrets/kubernetes.io/serviceaccount, or $WISSEL_SERVICEACCOUNT_DIR). The
 * token is read at every connection: the kubelet rotates it. Errors: WSL_E_NOTFOUND or
 * WSL_E_IO naming the file that is missing or cannot be read. */
int wsl_kube_in_cluster(struct wsl_kube_conn_info *out, struct wsl_err *err);

/* Free the strings of info and zero it (the struct belongs to the caller). */
void wsl_kube_conn_info_free(struct wsl_kube_conn_info *info);

/* A new HTTP client for info's API server (base_url = server, with its TLS material and
 * credentials); the caller frees it with wsl_http_free(). Returns 0, or the error of
 * wsl_http_new(). */
int wsl_kube_http(const struct wsl_kube_conn_info *info, struct wsl_http **out,
                  struct wsl_err *err);

#endif
