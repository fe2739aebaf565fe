/*
 * k8s_connect.c — providers/kubernetes/kubeconfig against the two real clusters of
 * tests/env. Run by tests/integration/k8s_connect.sh, which loads the settings:
 * KUBECONFIG_TEST (contexts cluster-a, cluster-b, cluster-a-limited, ...), K8S_VERSION,
 * K8S_A_SERVER, K8S_A_CA and K8S_A_LIMITED_TOKEN.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../unit/helpers/asserts.h"
#include "lib/http.h"
#include "lib/json.h"
#include "providers/kubernetes/kubeconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *need(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        fail_msg("%s is not set: run this through tests/integration/k8s_connect.sh", name);
    return v;
}

/* Resolve ctx from KUBECONFIG_TEST into *info. */
static void resolve(const char *ctx, struct wsl_kube_conn_info *info)
{
    struct wsl_kubeconfig *kc = NULL;
    struct wsl_err err = {0};
    assert_code(wsl_kubeconfig_load(need("KUBECONFIG_TEST"), &kc, &err), 0, &err);
    assert_code(wsl_kube_resolve(kc, ctx, info, &err), 0, &err);
    wsl_kubeconfig_free(kc);
}

/* GET url with info's client; returns the code, the body (new reference or NULL) in *out. */
static int get(const struct wsl_kube_conn_info *info, const char *url, json_t **out,
               struct wsl_err *err)
{
    struct wsl_http *h = NULL;
    assert_code(wsl_kube_http(info, &h, err), 0, err);
    long status = 0;
    int rc = wsl_http_json(h, "GET", url, NULL, out, &status, err);
    wsl_http_free(h);
    return rc;
}

static void cluster_a_version(void **state)
{
    struct wsl_kube_conn_info info;
    resolve("cluster-a", &info);
    assert_non_null(info.cert_pem);
    assert_non_null(info.ca_pem);
    json_t *v = NULL;
    struct wsl_err err = {0};
    assert_code(get(&info, "/version", &v, &err), 0, &err);
    const char *want = getenv("K8S_VERSION") ? getenv("K8S_VERSION") : "v1.30.14";
    assert_string_equal(wsl_json_path_str(v, "gitVersion", ""), want);
    json_decref(v);
    wsl_kube_conn_info_free(&info);
}

static void current_context_is_cluster_a(void **state)
{
    struct wsl_kube_conn_info info;
    resolve(NULL, &info);
    assert_string_equal(info.context, "cluster-a");
    assert_string_equal(info.server, need("K8S_A_SERVER"));
    wsl_kube_conn_info_free(&info);
}

static void limited_user_is_forbidden_in_default(void **state)
{
    struct wsl_kube_conn_info info;
    resolve("cluster-a-limited", &info);
    assert_non_null(info.token);
    json_t *v = NULL;
    struct wsl_err err = {0};
    assert_code(get(&info, "/api/v1/namespaces/default/pods", &v, &err), WSL_E_HTTP, &err);
    assert_null(v);
    assert_int_equal(err.http_status, 403);
    assert_contains(err.msg, "cannot list resource \"pods\"");
    assert_contains(err.msg, "namespace \"default\"");
    assert_null(strstr(err.msg, info.token));
    assert_null(strstr(err.hint, info.token));
    /* Its own namespace works. */
    assert_code(get(&info, "/api/v1/namespaces/team-a/pods", &v, &err), 0, &err);
    assert_string_equal(wsl_json_path_str(v, "kind", ""), "PodList");
    json_decref(v);
    wsl_kube_conn_info_free(&info);
}

static void cluster_b_needs_its_own_ca(void **state)
{
    struct wsl_kube_conn_info a, b;
    resolve("cluster-a", &a);
    resolve("cluster-b", &b);
    json_t *v = NULL;
    struct wsl_err err = {0};
    assert_code(get(&b, "/version", &v, &err), 0, &err);
    assert_non_null(wsl_json_path_str(v, "gitVersion", NULL));
    json_decref(v);
    v = NULL;
    free(b.ca_pem);
    b.ca_pem = strdup(a.ca_pem);
    assert_code(get(&b, "/version", &v, &err), WSL_E_TLS, &err);
    assert_null(v);
    wsl_kube_conn_info_free(&a);
    wsl_kube_conn_info_free(&b);
}

/* A kubeconfig of our own: cluster-a's CA as a relative file and an exec plugin that hands
 * out the limited user's token (taken from the environment it inherits). */
static void exec_plugin_against_the_real_cluster(void **state)
{
    char dir[] = "/tmp/wsl-k8s-connect-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512], cmd[1200];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/ca.crt'", need("K8S_A_CA"), dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/plugin", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\nprintf '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
          "\"kind\":\"ExecCredential\",\"status\":{\"token\":\"%s\"}}' \"$K8S_A_LIMITED_TOKEN\"\n",
          f);
    fclose(f);
    chmod(path, 0700);
    snprintf(path, sizeof path, "%s/kubeconfig", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "current-context: via-exec\n"
            "clusters: [{name: a, cluster: {server: '%s', certificate-authority: ca.crt}}]\n"
            "users:\n"
            "- name: plugin\n"
            "  user:\n"
            "    exec: {apiVersion: client.authentication.k8s.io/v1, command: ./plugin,"
            " interactiveMode: IfAvailable}\n"
            "contexts: [{name: via-exec, context: {cluster: a, user: plugin, namespace: team-a}}]\n",
            need("K8S_A_SERVER"));
    fclose(f);
    struct wsl_kubeconfig *kc = NULL;
    struct wsl_kube_conn_info info;
    struct wsl_err err = {0};
    assert_code(wsl_kubeconfig_load(path, &kc, &err), 0, &err);
    assert_code(wsl_kube_resolve(kc, NULL, &info, &err), 0, &err);
    assert_string_equal(info.token, need("K8S_A_LIMITED_TOKEN"));
    assert_string_equal(info.namespace_, "team-a");
    json_t *v = NULL;
    assert_code(get(&info, "/api/v1/namespaces/team-a/pods", &v, &err), 0, &err);
    json_decref(v);
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cluster_a_version),
        cmocka_unit_test(current_context_is_cluster_a),
        cmocka_unit_test(limited_user_is_forbidden_in_default),
        cmocka_unit_test(cluster_b_needs_its_own_ca),
        cmocka_unit_test(exec_plugin_against_the_real_cluster),
    };
    return cmocka_run_group_tests_name("k8s_connect", tests, NULL, NULL);
}
