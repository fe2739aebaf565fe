/* config.h — the kubernetes block of a Target. */
#ifndef WSL_KUBERNETES_CONFIG_H
#define WSL_KUBERNETES_CONFIG_H

#include "manifests/schema.h"

struct wsl_k8s_storage {
    struct wsl_hdr hdr;
    const char *read_write_once, *read_write_many;
};

struct wsl_k8s_config {
    struct wsl_hdr hdr;
    const char *kubeconfig; /* a file; KUBECONFIG or ~/.kube/config when absent */
    const char *context;
    const char *namespace_;
    bool create_namespace;
    const char *ingress_class;
    const char *address; /* where clients reach the ingress; NULL: the Ingress status */
    struct wsl_k8s_storage storage_class;
};

#endif
