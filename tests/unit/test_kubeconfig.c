/* Unit tests of providers/kubernetes/kubeconfig: loading and merging kubeconfig files,
 * resolving contexts into connection settings, and exec credential plugins. Each test writes
 * its fixture files into a fresh temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "helpers/asserts.h"
#include "lib/buf.h"
#include "lib/fs.h"
#include "lib/log.h"
#include "providers/kubernetes/kubeconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CA_PEM "-----BEGIN CERTIFICATE-----\nZmFrZSBDQQ==\n-----END CERTIFICATE-----\n"
/* base64 of CA_PEM */
#define CA_B64 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClptRnJaU0JEUVE9PQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg=="

static char dir[256];

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/wsl-kubeconfig-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    unsetenv("KUBECONFIG");
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    unsetenv("KUBECONFIG");
    return system(cmd) == 0 ? 0 : -1;
}

/* Write dir/name (creating dir/sub folders) and return its full path (static buffer ring). */
static const char *put(const char *name, const char *text, mode_t mode)
{
    static char paths[8][512];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 512, "%s/%s", dir, name);
    char *slash = strrchr(p, '/');
    *slash = '\0';
    wsl_mkdir_p(p, 0700);
    *slash = '/';
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(p, mode);
    return p;
}

static struct wsl_kubeconfig *load_ok(const char *path)
{
    struct wsl_kubeconfig *kc = NULL;
    struct wsl_err err = {0};
    assert_code(wsl_kubeconfig_load(path, &kc, &err), 0, &err);
    assert_non_null(kc);
    return kc;
}

static const char FILE_A[] =
    "apiVersion: v1\nkind: Config\ncurrent-context: ctx-a\n"
    "clusters:\n"
    "- name: shared\n  cluster: {server: 'https://a.example:6443'}\n"
    "users:\n- name: ua\n  user: {token: token-of-a-1234}\n"
    "contexts:\n- name: ctx-a\n  context: {cluster: shared, user: ua}\n";
static const char FILE_B[] =
    "apiVersion: v1\nkind: Config\ncurrent-context: ctx-b\n"
    "clusters:\n"
    "- name: shared\n  cluster: {server: 'https://b.example:6443'}\n"
    "- name: only-b\n  cluster: {server: 'https://only-b.example'}\n"
    "users:\n- name: ub\n  user: {token: token-of-b-5678}\n"
    "contexts:\n- name: ctx-b\n  context: {cluster: only-b, user: ub, namespace: team-b}\n"
    "- name: ctx-a\n  context: {cluster: only-b, user: ub}\n";

static void kubeconfig_env_merges_first_wins(void **state)
{
    const char *a = put("a.yaml", FILE_A, 0600);
    const char *b = put("b.yaml", FILE_B, 0600);
    char env[1200];
    snprintf(env, sizeof env, "%s:%s/does-not-exist::%s", a, dir, b);
    setenv("KUBECONFIG", env, 1);
    struct wsl_kubeconfig *kc = load_ok(NULL);
    assert_string_equal(wsl_kubeconfig_current(kc), "ctx-a");

    struct wsl_kube_conn_info info;
    struct wsl_err err = {0};
    assert_code(wsl_kube_resolve(kc, NULL, &info, &err), 0, &err);
    assert_string_equal(info.context, "ctx-a");
    assert_string_equal(info.server, "https://a.example:6443"); /* a's "shared" wins */
    assert_string_equal(info.token, "token-of-a-1234");
    assert_string_equal(info.namespace_, "default");
    assert_null(info.ca_pem);
    assert_false(info.insecure);
    wsl_kube_conn_info_free(&info);

    assert_code(wsl_kube_resolve(kc, "ctx-b", &info, &err), 0, &err);
    assert_string_equal(info.server, "https://only-b.example");
    assert_string_equal(info.namespace_, "team-b");
    assert_string_equal(info.user, "ub");
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);

    /* Reversed order: b's current-context and b's "shared". */
    snprintf(env, sizeof env, "%s:%s", b, a);
    setenv("KUBECONFIG", env, 1);
    kc = load_ok(NULL);
    assert_string_equal(wsl_kubeconfig_current(kc), "ctx-b");
    assert_code(wsl_kube_resolve(kc, "ctx-a", &info, &err), 0, &err);
    assert_string_equal(info.server, "https://only-b.example");
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);
}

static void explicit_path_ignores_kubeconfig_env(void **state)
{
    const char *a = put("a.yaml", FILE_A, 0600);
    const char *b = put("b.yaml", FILE_B, 0600);
    setenv("KUBECONFIG", a, 1);
    struct wsl_kubeconfig *kc = load_ok(b);
    assert_string_equal(wsl_kubeconfig_current(kc), "ctx-b");
    wsl_kubeconfig_free(kc);
}

static void home_kube_config_is_the_default(void **state)
{
    put("home/.kube/config", FILE_B, 0600);
    char home[512];
    snprintf(home, sizeof home, "%s/home", dir);
    char *old = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", home, 1);
    struct wsl_kubeconfig *kc = load_ok(NULL);
    assert_string_equal(wsl_kubeconfig_current(kc), "ctx-b");
    wsl_kubeconfig_free(kc);
    mkdir(home, 0700);
    snprintf(home, sizeof home, "%s/nohome", dir);
    setenv("HOME", home, 1);
    struct wsl_err err = {0};
    assert_code(wsl_kubeconfig_load(NULL, &kc, &err), WSL_E_NOTFOUND, &err);
    assert_null(kc);
    assert_contains(err.msg, "nohome/.kube/config");
    assert_contains(err.hint, "KUBECONFIG");
    if (old)
        setenv("HOME", old, 1);
    free(old);
}

/* Inside a Pod with no kubeconfig: the ServiceAccount's token, CA and namespace. */
static void in_cluster_service_account(void **state)
{
    char home[512], sa[512];
    snprintf(home, sizeof home, "%s/podhome", dir);
    snprintf(sa, sizeof sa, "%s/sa", dir);
    char *old = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    setenv("HOME", home, 1);
    unsetenv("KUBERNETES_SERVICE_HOST");
    assert_false(wsl_kube_in_cluster_applies(NULL, NULL)); /* not in a Pod */
    setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
    setenv("KUBERNETES_SERVICE_PORT", "6443", 1);
    assert_true(wsl_kube_in_cluster_applies(NULL, NULL));
    assert_false(wsl_kube_in_cluster_applies("/etc/kubeconfig", NULL));
    assert_false(wsl_kube_in_cluster_applies(NULL, "prod"));
    setenv("KUBECONFIG", "/x", 1);
    assert_false(wsl_kube_in_cluster_applies(NULL, NULL));
    unsetenv("KUBECONFIG");
    put("podhome/.kube/config", FILE_A, 0600);
    assert_false(wsl_kube_in_cluster_applies(NULL, NULL)); /* a kubeconfig wins */

    setenv("WISSEL_SERVICEACCOUNT_DIR", sa, 1);
    struct wsl_kube_conn_info info;
    struct wsl_err err = {0};
    assert_code(wsl_kube_in_cluster(&info, &err), WSL_E_NOTFOUND, &err); /* no token */
    assert_contains(err.msg, "sa/token");
    assert_contains(err.hint, "ServiceAccount");
    wsl_kube_conn_info_free(&info);
    put("sa/token", "sa-token-abcdef\n", 0600);
    put("sa/ca.crt", CA_PEM, 0644);
    assert_code(wsl_kube_in_cluster(&info, &err), 0, &err);
    assert_string_equal(info.server, "https://10.96.0.1:6443");
    assert_string_equal(info.token, "sa-token-abcdef");
    assert_string_equal(info.ca_pem, CA_PEM);
    assert_string_equal(info.namespace_, "default");
    assert_false(info.insecure);
    wsl_kube_conn_info_free(&info);
    put("sa/namespace", "wissel-system", 0644);
    setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
    unsetenv("KUBERNETES_SERVICE_PORT");
    assert_code(wsl_kube_in_cluster(&info, &err), 0, &err);
    assert_string_equal(info.server, "https://[fd00::1]:443");
    assert_string_equal(info.namespace_, "wissel-system");
    wsl_kube_conn_info_free(&info);
    unsetenv("KUBERNETES_SERVICE_HOST");
    unsetenv("WISSEL_SERVICEACCOUNT_DIR");
    if (old)
        setenv("HOME", old, 1);
    free(old);
}

static void missing_files(void **state)
{
    struct wsl_kubeconfig *kc = NULL;
    struct wsl_err err = {0};
    char p[512];
    snprintf(p, sizeof p, "%s/none.yaml", dir);
    assert_code(wsl_kubeconfig_load(p, &kc, &err), WSL_E_NOTFOUND, &err);
    assert_contains(err.msg, "none.yaml");
    setenv("KUBECONFIG", p, 1);
    assert_code(wsl_kubeconfig_load(NULL, &kc, &err), WSL_E_NOTFOUND, &err);
    assert_contains(err.msg, "KUBECONFIG");
}

static void missing_context_lists_the_contexts(void **state)
{
    const char *b = put("b.yaml", FILE_B, 0600);
    struct wsl_kubeconfig *kc = load_ok(b);
    struct wsl_kube_conn_info info;
    struct wsl_err err = {0};
    assert_code(wsl_kube_resolve(kc, "prod", &info, &err), WSL_E_NOTFOUND, &err);
    assert_contains(err.msg, "context \"prod\"");
    assert_contains(err.msg, "ctx-b, ctx-a");
    assert_contains(err.msg, "b.yaml");
    assert_contains(err.hint, "kubernetes.context");
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);

    /* No current-context and none asked for. */
    const char *c = put("c.yaml", "clusters: []\ncontexts:\n- name: x\n  context: {cluster: y}\n",
                        0600);
    kc = load_ok(c);
    assert_code(wsl_kube_resolve(kc, NULL, &info, &err), WSL_E_NOTFOUND, &err);
    assert_contains(err.msg, "no current-context");
    assert_contains(err.msg, "contexts: x");
    wsl_kube_conn_info_free(&info);
    /* A context naming a cluster that does not exist. */
    assert_code(wsl_kube_resolve(kc, "x", &info, &err), WSL_E_NOTFOUND, &err);
    assert_contains(err.msg, "c.yaml:4:");
    assert_contains(err.msg, "cluster \"y\"");
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);
}

static void ca_data_and_relative_ca_file(void **state)
{
    put("sub/certs/ca.pem", CA_PEM, 0600);
    const char *kcp = put("sub/kc.yaml",
                          "current-context: f\n"
                          "clusters:\n"
                          "- name: d\n  cluster:\n    server: https://d\n"
                          "    certificate-authority-data: " CA_B64 "\n"
                          "- name: f\n  cluster:\n    server: https://f\n"
                          "    certificate-authority: certs/ca.pem\n"
                          "- name: bad\n  cluster:\n    server: https://bad\n"
                          "    certificate-authority-data: 'not base64!'\n"
                          "- name: gone\n  cluster:\n    server: https://gone\n"
                          "    certificate-authority: certs/nothing.pem\n"
                          "contexts:\n"
                          "- {name: d, context: {cluster: d}}\n"
                          "- {name: f, context: {cluster: f}}\n"
                          "- {name: bad, context: {cluster: bad}}\n"
                          "- {name: gone, context: {cluster: gone}}\n",
                          0600);
    /* Load from another working directory: the path is relative to the kubeconfig. */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/"), 0);
    struct wsl_kubeconfig *kc = load_ok(kcp);
    struct wsl_kube_conn_info info;
    struct wsl_err err = {0};
    assert_code(wsl_kube_resolve(kc, "d", &info, &err), 0, &err);
    assert_string_equal(info.ca_pem, CA_PEM);
    assert_null(info.user);
    assert_null(info.token);
    wsl_kube_conn_info_free(&info);
    assert_code(wsl_kube_resolve(kc, NULL, &info, &err), 0, &err);
    assert_string_equal(info.context, "f");
    assert_string_equal(info.ca_pem, CA_PEM);
    wsl_kube_conn_info_free(&info);
    assert_code(wsl_kube_resolve(kc, "bad", &info, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "kc.yaml:14:33: ");
    assert_contains(err.msg, "certificate-authority-data is not valid base64");
    wsl_kube_conn_info_free(&info);
    assert_code(wsl_kube_resolve(kc, "gone", &info, &err), WSL_E_NOTFOUND, &err);
    assert_contains(err.msg, "sub/certs/nothing.pem");
    assert_contains(err.msg, "kc.yaml:18:");
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);
    assert_int_equal(chdir(cwd), 0);
}

static void token_and_token_file(void **state)
{
    put("tokens/t", "token-from-file-abcd\n", 0600);
    const char *kcp = put("kc.yaml",
                          "clusters: [{name: c, cluster: {server: 'https://c'}}]\n"
                          "users:\n"
                          "- {name: file, user: {tokenFile: tokens/t}}\n"
                          "- {name: both, user: {token: inline-token-9876, tokenFile: tokens/t}}\n"
                          "- {name: empty, user: {tokenFile: tokens/none}}\n"
                          "- {name: basic, user: {username: admin, password: pw-secret-42}}\n"
                          "contexts:\n"
                          "- {name: file, context: {cluster: c, user: file}}\n"
                          "- {name: both, context: {cluster: c, user: both}}\n"
                          "- {name: empty, context: {cluster: c, user: empty}}\n"
                          "- {name: basic, context: {cluster: c, user: basic}}\n"
                          "- {name: nouser, context: {cluster: c, user: ghost}}\n",
                          0600);
    struct wsl_kubeconfig *kc = load_ok(kcp);
    struct wsl_kube_conn_info info;
    struct wsl_err err = {0};
    assert_code(wsl_kube_resolve(kc, "file", &info, &err), 0, &err);
    assert_string_equal(info.token, "token-from-file-abcd");
    wsl_kube_conn_info_free(&info);
    assert_code(wsl_kube_resolve(kc, "both", &info, &err), 0, &err);
    assert_string_equal(info.token, "inline-token-9876");
    wsl_kube_conn_info_free(&info);
    assert_code(wsl_kube_resolve(kc, "empty", &info, &err), WSL_E_NOTFOUND, &err);
    assert_contains(err.msg, "tokenFile");
    wsl_kube_conn_info_free(&info);
    assert_code(wsl_kube_resolve(kc, "basic", &info, &err), 0, &err);
    assert_string_equal(info.username, "admin");
    assert_string_equal(info.password, "pw-secret-42");
    wsl_kube_conn_info_free(&info);
    assert_code(wsl_kube_resolve(kc, "nouser", &info, &err), WSL_E_NOTFOUND, &err);
    assert_contains(err.msg, "user \"ghost\"");
    assert_contains(err.msg, "users: file, both, empty, basic");
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);
}

static void client_certificates(void **state)
{
    put("pki/key.pem", "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n", 0600);
    const char *kcp = put("kc.yaml",
                          "clusters: [{name: c, cluster: {server: 'https://c'}}]\n"
                          "users:\n"
                          "- {name: data, user: {client-certificate-data: " CA_B64
                          ", client-key: pki/key.pem}}\n"
                          "- {name: half, user: {client-certificate-data: " CA_B64 "}}\n"
                          "contexts:\n"
                          "- {name: data, context: {cluster: c, user: data}}\n"
                          "- {name: half, context: {cluster: c, user: half}}\n",
                          0600);
    struct wsl_kubeconfig *kc = load_ok(kcp);
    struct wsl_kube_conn_info info;
    struct wsl_err err = {0};
    assert_code(wsl_kube_resolve(kc, "data", &info, &err), 0, &err);
    assert_string_equal(info.cert_pem, CA_PEM);
    assert_contains(info.key_pem, "BEGIN PRIVATE KEY");
    wsl_kube_conn_info_free(&info);
    assert_code(wsl_kube_resolve(kc, "half", &info, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "without its key");
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);
}

static void insecure_only_when_the_config_says_so(void **state)
{
    const char *kcp = put("kc.yaml",
                          "clusters:\n"
                          "- {name: i, cluster: {server: 'https://i', insecure-skip-tls-verify: true}}\n"
                          "- {name: s, cluster: {server: 'https://s', insecure-skip-tls-verify: false}}\n"
                          "- {name: both, cluster: {server: 'https://b', insecure-skip-tls-verify: true,"
                          " certificate-authority-data: " CA_B64 "}}\n"
                          "- {name: str, cluster: {server: 'https://b', insecure-skip-tls-verify: 'yes'}}\n"
                          "contexts:\n"
                          "- {name: i, context: {cluster: i}}\n"
                          "- {name: s, context: {cluster: s}}\n"
                          "- {name: both, context: {cluster: both}}\n"
                          "- {name: str, context: {cluster: str}}\n",
                          0600);
    struct wsl_kubeconfig *kc = load_ok(kcp);
    struct wsl_kube_conn_info info;
    struct wsl_err err = {0};
    assert_code(wsl_kube_resolve(kc, "i", &info, &err), 0, &err);
    assert_true(info.insecure);
    wsl_kube_conn_info_free(&info);
    assert_code(wsl_kube_resolve(kc, "s", &info, &err), 0, &err);
    assert_false(info.insecure);
    wsl_kube_conn_info_free(&info);
    assert_code(wsl_kube_resolve(kc, "both", &info, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "insecure-skip-tls-verify");
    wsl_kube_conn_info_free(&info);
    assert_code(wsl_kube_resolve(kc, "str", &info, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "kc.yaml:5:");
    assert_contains(err.msg, "true or false");
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);
}

static void settings_that_change_meaning_are_refused(void **state)
{
    const char *kcp = put("kc.yaml",
                          "clusters:\n"
                          "- {name: p, cluster: {server: 'https://p', proxy-url: 'http://proxy'}}\n"
                          "- {name: c, cluster: {server: 'https://c'}}\n"
                          "users:\n"
                          "- {name: imp, user: {token: admin-token-77, as: readonly}}\n"
                          "- {name: old, user: {auth-provider: {name: gcp}}}\n"
                          "contexts:\n"
                          "- {name: p, context: {cluster: p}}\n"
                          "- {name: imp, context: {cluster: c, user: imp}}\n"
                          "- {name: old, context: {cluster: c, user: old}}\n",
                          0600);
    struct wsl_kubeconfig *kc = load_ok(kcp);
    struct wsl_kube_conn_info info;
    struct wsl_err err = {0};
    assert_code(wsl_kube_resolve(kc, "p", &info, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "kc.yaml:2:");
    assert_contains(err.msg, "proxy-url is not supported");
    wsl_kube_conn_info_free(&info);
    assert_code(wsl_kube_resolve(kc, "imp", &info, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "impersonation (as)");
    assert_null(strstr(err.msg, "admin-token-77"));
    wsl_kube_conn_info_free(&info);
    assert_code(wsl_kube_resolve(kc, "old", &info, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "auth-provider");
    assert_contains(err.msg, "exec plugin");
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);
}

static void syntax_error_has_a_position(void **state)
{
    const char *kcp = put("broken.yaml", "clusters:\n- name: c\n  cluster: {server: [x}\n", 0600);
    struct wsl_kubeconfig *kc = NULL;
    struct wsl_err err = {0};
    assert_code(wsl_kubeconfig_load(kcp, &kc, &err), WSL_E_INVALID, &err);
    assert_null(kc);
    assert_contains(err.msg, "broken.yaml:3:");

    kcp = put("shape.yaml", "clusters:\n  name: c\n", 0600);
    assert_code(wsl_kubeconfig_load(kcp, &kc, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "shape.yaml:2:3: clusters must be a list");

    kcp = put("noname.yaml", "users:\n- user: {token: abcd}\n", 0600);
    assert_code(wsl_kubeconfig_load(kcp, &kc, &err), WSL_E_INVALID, &err);
    assert_contains(err.msg, "noname.yaml:2:3: an entry of users has no name");
}

/* --- exec plugins ------------------------------------------------------------------------- */

static const char PLUGIN_OK[] =
    "#!/bin/sh\n"
    "case \"$KUBERNETES_EXEC_INFO\" in\n"
    "  *'\"apiVersion\":\"client.authentication.k8s.io/v1\"'*'\"interactive\":false'*) ;;\n"
    "  *) echo 'bad exec info' >&2; exit 7 ;;\n"
    "esac\n"
    "[ \"$1\" = get-token ] && [ \"$2\" = --cluster=c ] || exit 8\n"
    "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
    "\"status\":{\"token\":\"%s\"}}\\n' \"$PLUGIN_TOKEN\"\n";

static const char PLUGIN_FAILS[] =
    "#!/bin/sh\n"
    "echo '{\"kind\":\"ExecCredential\",\"status\":{\"token\":\"leaked-token-0001\"}}'\n"
    "echo 'stderr-secret-0002' >&2\n"
    "exit 3\n";

static const char PLUGIN_GARBAGE[] = "#!/bin/sh\necho 'garbage-secret-0003 {'\n";

static const char PLUGIN_NO_TOKEN[] =
    "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\","
    "\"kind\":\"ExecCredential\",\"status\":{}}'\n";

static const char PLUGIN_SLOW[] = "#!/bin/sh\nsleep 30\n";
/* Closes stdout at once, then lingers: the bound covers waiting for the exit too. */
static const char PLUGIN_LINGERS[] = "#!/bin/sh\nexec >&-\nsleep 30\n";

static const char EXEC_KC[] =
    "clusters: [{name: c, cluster: {server: 'https://c'}}]\n"
    "users:\n"
    "- name: ok\n"
    "  user:\n"
    "    exec:\n"
    "      apiVersion: client.authentication.k8s.io/v1\n"
    "      command: ./bin/plugin-ok\n"
    "      args: [get-token, --cluster=c]\n"
    "      env: [{name: PLUGIN_TOKEN, value: exec-token-4242}]\n"
    "      interactiveMode: Never\n"
    "- {name: fails, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "
    "./bin/plugin-fails}}}\n"
    "- {name: garbage, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "
    "./bin/plugin-garbage}}}\n"
    "- {name: notoken, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "
    "./bin/plugin-notoken}}}\n"
    "- {name: missing, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "
    "wsl-no-such-plugin, installHint: 'install wsl-no-such-plugin from example.org'}}}\n"
    "- {name: oldapi, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, "
    "command: ./bin/plugin-ok}}}\n"
    "- {name: slow, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "
    "./bin/plugin-slow}}}\n"
    "- {name: lingers, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "
    "./bin/plugin-lingers}}}\n"
    "- {name: badenv, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: "
    "./bin/plugin-ok, env: [{value: x}]}}}\n"
    "contexts:\n"
    "- {name: ok, context: {cluster: c, user: ok}}\n"
    "- {name: badenv, context: {cluster: c, user: badenv}}\n"
    "- {name: slow, context: {cluster: c, user: slow}}\n"
    "- {name: lingers, context: {cluster: c, user: lingers}}\n"
    "- {name: fails, context: {cluster: c, user: fails}}\n"
    "- {name: garbage, context: {cluster: c, user: garbage}}\n"
    "- {name: notoken, context: {cluster: c, user: notoken}}\n"
    "- {name: missing, context: {cluster: c, user: missing}}\n"
    "- {name: oldapi, context: {cluster: c, user: oldapi}}\n";

static struct wsl_kubeconfig *exec_fixture(void)
{
    put("cfg/bin/plugin-ok", PLUGIN_OK, 0700);
    put("cfg/bin/plugin-fails", PLUGIN_FAILS, 0700);
    put("cfg/bin/plugin-garbage", PLUGIN_GARBAGE, 0700);
    put("cfg/bin/plugin-notoken", PLUGIN_NO_TOKEN, 0700);
    put("cfg/bin/plugin-slow", PLUGIN_SLOW, 0700);
    put("cfg/bin/plugin-lingers", PLUGIN_LINGERS, 0700);
    return load_ok(put("cfg/kubeconfig", EXEC_KC, 0600));
}

/* The error of resolving ctx, checked for the code and that it names no secret. */
static void exec_fails(struct wsl_kubeconfig *kc, const char *ctx, int code, const char *want)
{
    struct wsl_kube_conn_info info;
    struct wsl_err err = {0};
    assert_code(wsl_kube_resolve(kc, ctx, &info, &err), code, &err);
    assert_contains(err.msg, want);
    char all[2048];
    snprintf(all, sizeof all, "%s %s", err.msg, err.hint);
    assert_null(strstr(all, "secret"));
    assert_null(strstr(all, "leaked"));
    assert_null(info.token);
    wsl_kube_conn_info_free(&info);
}

static void exec_plugin_gives_a_token(void **state)
{
    struct wsl_kubeconfig *kc = exec_fixture();
    struct wsl_kube_conn_info info;
    struct wsl_err err = {0};
    assert_code(wsl_kube_resolve(kc, "ok", &info, &err), 0, &err);
    assert_string_equal(info.token, "exec-token-4242");
    struct wsl_http *h = NULL;
    assert_code(wsl_kube_http(&info, &h, &err), 0, &err);
    assert_non_null(h);
    wsl_http_free(h);
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);
}

static void exec_plugin_failures_are_clear_and_leak_nothing(void **state)
{
    struct wsl_kubeconfig *kc = exec_fixture();
    exec_fails(kc, "fails", WSL_E_INVALID,
               "exec credential plugin \"./bin/plugin-fails\" failed with exit status 3");
    exec_fails(kc, "garbage", WSL_E_INVALID, "\"./bin/plugin-garbage\" did not print an "
                                             "ExecCredential");
    exec_fails(kc, "notoken", WSL_E_INVALID, "without status.token");
    exec_fails(kc, "missing", WSL_E_NOTFOUND, "\"wsl-no-such-plugin\" cannot be started");
    exec_fails(kc, "oldapi", WSL_E_INVALID, "client.authentication.k8s.io/v1alpha1");
    exec_fails(kc, "badenv", WSL_E_INVALID, "exec env entries need a name and a value");
    struct wsl_kube_conn_info info;
    struct wsl_err err = {0};
    assert_code(wsl_kube_resolve(kc, "missing", &info, &err), WSL_E_NOTFOUND, &err);
    assert_string_equal(err.hint, "install wsl-no-such-plugin from example.org");
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);
}

static void exec_plugin_runs_are_bounded(void **state)
{
    struct wsl_kubeconfig *kc = exec_fixture();
    wsl_kube_set_exec_timeout(400);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    exec_fails(kc, "slow", WSL_E_TIMEOUT, "\"./bin/plugin-slow\" did not finish within 400 ms");
    exec_fails(kc, "lingers", WSL_E_TIMEOUT, "\"./bin/plugin-lingers\" did not finish");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 5);
    wsl_kube_set_exec_timeout(0);
    wsl_kubeconfig_free(kc);
}

static void secrets_are_registered_with_the_logger(void **state)
{
    const char *kcp = put("kc.yaml", FILE_A, 0600);
    char logpath[512];
    snprintf(logpath, sizeof logpath, "%s/log.txt", dir);
    FILE *logf = fopen(logpath, "w+");
    assert_non_null(logf);
    wsl_log_setup(WSL_LOG_INFO, WSL_LOG_TEXT, logf);
    struct wsl_kubeconfig *kc = load_ok(kcp);
    struct wsl_kube_conn_info info;
    struct wsl_err err = {0};
    assert_code(wsl_kube_resolve(kc, NULL, &info, &err), 0, &err);
    wsl_logf(WSL_LOG_INFO, "test", "value %s", "token-of-a-1234");
    fflush(logf);
    rewind(logf);
    char line[512] = "";
    assert_non_null(fgets(line, sizeof line, logf));
    assert_null(strstr(line, "token-of-a-1234"));
    wsl_log_setup(WSL_LOG_OFF, WSL_LOG_TEXT, NULL);
    wsl_log_secrets_clear();
    fclose(logf);
    wsl_kube_conn_info_free(&info);
    wsl_kubeconfig_free(kc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(kubeconfig_env_merges_first_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(explicit_path_ignores_kubeconfig_env, setup, teardown),
        cmocka_unit_test_setup_teardown(home_kube_config_is_the_default, setup, teardown),
        cmocka_unit_test_setup_teardown(in_cluster_service_account, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_files, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_context_lists_the_contexts, setup, teardown),
        cmocka_unit_test_setup_teardown(ca_data_and_relative_ca_file, setup, teardown),
        cmocka_unit_test_setup_teardown(token_and_token_file, setup, teardown),
        cmocka_unit_test_setup_teardown(client_certificates, setup, teardown),
        cmocka_unit_test_setup_teardown(insecure_only_when_the_config_says_so, setup, teardown),
        cmocka_unit_test_setup_teardown(settings_that_change_meaning_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(syntax_error_has_a_position, setup, teardown),
        cmocka_unit_test_setup_teardown(exec_plugin_gives_a_token, setup, teardown),
        cmocka_unit_test_setup_teardown(exec_plugin_failures_are_clear_and_leak_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(exec_plugin_runs_are_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(secrets_are_registered_with_the_logger, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("kubeconfig", tests, NULL, NULL);
}
