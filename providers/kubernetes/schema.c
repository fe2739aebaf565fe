#include "manifests/checks.h"
#include "providers/kubernetes/config.h"
#include "providers/registry.h"

#include <stddef.h>

#define F WSL_FIELD

static const struct wsl_field storage_fields[] = {
    F("readWriteOnce", WSL_FT_STR, struct wsl_k8s_storage, read_write_once, 0,
      .check = &wsl_check_nonempty, .doc = "StorageClass for volumes one pod mounts."),
    F("readWriteMany", WSL_FT_STR, struct wsl_k8s_storage, read_write_many, 0,
      .check = &wsl_check_nonempty, .doc = "StorageClass for volumes shared between pods."),
    {0}};
static const struct wsl_type storage_type = {"kubernetesStorageClass",
                                             sizeof(struct wsl_k8s_storage), storage_fields,
                                             false, NULL, NULL};

static const struct wsl_field fields[] = {
    F("kubeconfig", WSL_FT_STR, struct wsl_k8s_config, kubeconfig, 0,
      .check = &wsl_check_nonempty, .doc = "A kubeconfig file; KUBECONFIG or ~/.kube/config when absent."),
    F("context", WSL_FT_STR, struct wsl_k8s_config, context, 0, .check = &wsl_check_nonempty,
      .doc = "The kubeconfig context; its current context when absent."),
    F("namespace", WSL_FT_STR, struct wsl_k8s_config, namespace_, 0, .check = &wsl_check_name,
      .doc = "The namespace applications go into; the application's name when absent."),
    F("createNamespace", WSL_FT_BOOL, struct wsl_k8s_config, create_namespace, 0,
      .doc = "Let wissel create and own the namespace."),
    F("ingressClass", WSL_FT_STR, struct wsl_k8s_config, ingress_class, 0,
      .check = &wsl_check_nonempty, .doc = "IngressClass for routes."),
    F("address", WSL_FT_STR, struct wsl_k8s_config, address, 0, .check = &wsl_check_nonempty,
      .doc = "Where clients reach the cluster's ingress (an IP address or a host name), for "
             "DNS; the Ingress's status when absent."),
    F("storageClass", WSL_FT_OBJ, struct wsl_k8s_config, storage_class, 0, .type = &storage_type),
    {0}};

static const struct wsl_type config_type = {"kubernetesConfig", sizeof(struct wsl_k8s_config),
                                            fields, false, NULL, NULL};

const struct wsl_provider_schema wsl_kubernetes_schema = {
    "kubernetes", WSL_ROLE_HOSTING, NULL, &config_type, false,
    "A Kubernetes cluster (Haven on-prem, or managed at any cloud); credentials come from the "
    "kubeconfig, never from git."};
