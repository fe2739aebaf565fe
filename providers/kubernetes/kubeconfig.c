/*
 * kubeconfig.c — kubeconfig files as kubectl reads them, resolved into a connection.
 *
 * The files are parsed with the manifest YAML loader into one arena, so every node keeps
 * its file, line and column: errors point at the place, and relative paths are resolved
 * against the directory of the file that wrote them. Merging keeps, per name, the first
 * definition met (KUBECONFIG order); nothing is copied until a context is resolved.
 *
 * Exec plugins run through posix_spawnp (safe in a threaded process), with stdin and
 * stderr on /dev/null and stdout read through a pipe under a deadline. What a plugin prints
 * never reaches a message: its stdout holds credentials, and its stderr might.
 */
#include "providers/kubernetes/kubeconfig.h"

#include "lib/arena.h"
#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/fs.h"
#include "lib/units.h"
#include "lib/json.h"
#include "lib/log.h"
#include "manifests/yaml.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_FILE_BYTES (1u << 20)   /* CA, certificate, key and token files */
#define MAX_EXEC_OUTPUT (1u << 20)  /* an ExecCredential */

struct kc_entry {
    const char *name;
    const struct wsl_node *val;  /* the entry's cluster/user/context mapping (may be NULL) */
    const struct wsl_node *item; /* the list item, for positions */
};

struct kc_list {
    struct kc_entry *v;
    size_t n, cap;
};

struct wsl_kubeconfig {
    struct wsl_arena *arena;
    const char *current;
    struct kc_list clusters, users, contexts;
    struct wsl_buf files; /* "a, b" for messages */
};

/* --- small helpers ----------------------------------------------------------------------- */

/* Set err to "file:line:col: <message>". */
static int at_err(struct wsl_err *err, int code, const struct wsl_node *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int at_err(struct wsl_err *err, int code, const struct wsl_node *n, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return wsl_err_set(err, code, "%s:%d:%d: %s", n && n->file ? n->file : "kubeconfig",
                       n ? n->line : 0, n ? n->col : 0, msg);
}

static const struct kc_entry *list_find(const struct kc_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].name, name) == 0)
            return &l->v[i];
    return NULL;
}

/* The names in l, comma-separated, into b ("(none)" when empty). */
static void list_names(const struct kc_list *l, struct wsl_buf *b)
{
    if (l->n == 0)
        wsl_buf_puts(b, "(none)");
    for (size_t i = 0; i < l->n; i++)
        wsl_buf_printf(b, "%s%s", i ? ", " : "", l->v[i].name);
}

/* A scalar value under key as text: *out NULL when absent or null. Errors for collections. */
static int get_str(const struct wsl_node *map, const char *key, const char **out,
                   struct wsl_err *err)
{
    const struct wsl_node *v = wsl_node_get(map, key);
    *out = NULL;
    if (!v || (v->kind == WSL_NODE_SCALAR && v->type == WSL_Y_NULL))
        return 0;
    if (v->kind != WSL_NODE_SCALAR)
        return at_err(err, WSL_E_INVALID, v, "%s must be a string, not %s", key,
                      wsl_node_describe(v));
    *out = v->str;
    return 0;
}

static int get_bool(const struct wsl_node *map, const char *key, bool *out, struct wsl_err *err)
{
    const struct wsl_node *v = wsl_node_get(map, key);
    *out = false;
    if (!v || (v->kind == WSL_NODE_SCALAR && v->type == WSL_Y_NULL))
        return 0;
    if (v->kind != WSL_NODE_SCALAR || v->type != WSL_Y_BOOL)
        return at_err(err, WSL_E_INVALID, v, "%s must be true or false, not %s", key,
                      wsl_node_describe(v));
    *out = v->b;
    return 0;
}

/* path as given when absolute, else relative to the directory of the file that wrote `at`.
 * The caller frees the result. */
static char *resolve_path(const struct wsl_node *at, const char *path)
{
    if (path[0] == '/' || !at || !at->file)
        return wsl_xstrdup(path);
    const char *slash = strrchr(at->file, '/');
    if (!slash)
        return wsl_xstrdup(path);
    struct wsl_buf b = WSL_BUF_INIT;
    wsl_buf_append(&b, at->file, (size_t)(slash - at->file) + 1);
    wsl_buf_puts(&b, path);
    return wsl_buf_steal(&b);
}

/* Read the file a kubeconfig field names (relative to its kubeconfig). */
static int read_named_file(const struct wsl_node *at, const char *key, const char *path,
                           char **out, struct wsl_err *err)
{
    char *full = resolve_path(at, path);
    struct wsl_buf b = WSL_BUF_INIT;
    struct wsl_err why = {0};
    int rc = wsl_read_file(full, MAX_FILE_BYTES, &b, &why);
    free(full);
    *out = NULL;
    if (rc) {
        at_err(err, rc, at, "%s: %s", key, why.msg);
        if (rc == WSL_E_NOTFOUND)
            wsl_err_hint(err, "relative paths are relative to the kubeconfig file that names "
                              "them");
        wsl_buf_free(&b);
        return rc;
    }
    if (!b.data)
        wsl_buf_puts(&b, "");
    *out = wsl_buf_steal(&b);
    return 0;
}

/* Decode the base64 field `key` of map into *out (NUL-terminated). */
static int decode_field(const struct wsl_node *map, const char *key, const char *text,
                        char **out, struct wsl_err *err)
{
    unsigned char *bytes;
    size_t len;
    struct wsl_err e = {0};
    *out = NULL;
    if (wsl_base64_decode(text, strlen(text), &bytes, &len, &e) != 0)
        return at_err(err, WSL_E_INVALID, wsl_node_get(map, key), "%s is not valid base64 (%s)",
                      key, e.msg);
    *out = (char *)bytes;
    return 0;
}

/* PEM from `<key>-data` (base64) or `<key>` (a file); *out NULL when neither is set. */
static int data_or_file(const struct wsl_node *map, const char *key, char **out,
                        struct wsl_err *err)
{
    char datakey[64];
    const char *data, *file;
    snprintf(datakey, sizeof datakey, "%s-data", key);
    *out = NULL;
    int rc = get_str(map, datakey, &data, err);
    if (!rc)
        rc = get_str(map, key, &file, err);
    if (rc)
        return rc;
    if (data && *data)
        return decode_field(map, datakey, data, out, err);
    if (file && *file)
        return read_named_file(wsl_node_get(map, key), key, file, out, err);
    return 0;
}

/* Strip trailing blanks and newlines in place (token files end with a newline). */
static void rtrim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

/* --- loading ----------------------------------------------------------------------------- */

/* Add the named entries of the list under `key` ("clusters") whose items hold `inner`
 * ("cluster"); names already present stay (the first file wins). */
static int merge_list(struct kc_list *l, const struct wsl_node *root, const char *key,
                      const char *inner, struct wsl_err *err)
{
    const struct wsl_node *seq = wsl_node_get(root, key);
    if (!seq || (seq->kind == WSL_NODE_SCALAR && seq->type == WSL_Y_NULL))
        return 0;
    if (seq->kind != WSL_NODE_SEQ)
        return at_err(err, WSL_E_INVALID, seq, "%s must be a list, not %s", key,
                      wsl_node_describe(seq));
    for (size_t i = 0; i < seq->n; i++) {
        const struct wsl_node *item = seq->vals[i];
        const char *name;
        if (item->kind != WSL_NODE_MAP)
            return at_err(err, WSL_E_INVALID, item, "each of %s must be a mapping with name "
                          "and %s, not %s", key, inner, wsl_node_describe(item));
        int rc = get_str(item, "name", &name, err);
        if (rc)
            return rc;
        if (!name || !*name)
            return at_err(err, WSL_E_INVALID, item, "an entry of %s has no name", key);
        const struct wsl_node *val = wsl_node_get(item, inner);
        if (val && val->kind != WSL_NODE_MAP && !(val->kind == WSL_NODE_SCALAR &&
                                                  val->type == WSL_Y_NULL))
            return at_err(err, WSL_E_INVALID, val, "%s \"%s\": %s must be a mapping, not %s",
                          key, name, inner, wsl_node_describe(val));
        if (list_find(l, name))
            continue;
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 8;
            l->v = wsl_xrealloc(l->v, l->cap * sizeof *l->v);
        }
        l->v[l->n++] = (struct kc_entry){name, val && val->kind == WSL_NODE_MAP ? val : NULL,
                                         item};
    }
    return 0;
}

/* Parse one file and merge it in. `optional`: a missing file is skipped (returns 1). */
static int load_one(struct wsl_kubeconfig *kc, const char *path, bool optional,
                    struct wsl_err *err)
{
    struct stat st;
    if (optional && stat(path, &st) != 0 && errno == ENOENT)
        return 1;
    struct wsl_diags d = {0};
    struct wsl_yaml_file f;
    int rc = wsl_yaml_load_file(kc->arena, path, &f, &d);
    if (rc < 0 || d.errors > 0) {
        const struct wsl_diag *g = NULL;
        for (size_t i = 0; i < d.n && !g; i++)
            if (d.v[i].sev == WSL_SEV_ERROR)
                g = &d.v[i];
        int code = rc < 0 ? rc : WSL_E_INVALID;
        if (code == WSL_E_IO && g && strstr(g->msg, "No such file"))
            code = WSL_E_NOTFOUND;
        if (g && g->line > 0)
            wsl_err_set(err, code, "%s:%d:%d: %s", g->file ? g->file : path, g->line, g->col,
                        g->msg);
        else
            wsl_err_set(err, code, "kubeconfig %s: %s", path, g ? g->msg : "cannot be parsed");
        if (g && g->hint)
            wsl_err_hint(err, "%s", g->hint);
        else if (code == WSL_E_NOTFOUND)
            wsl_err_hint(err, "check the Target's kubernetes.kubeconfig, KUBECONFIG or "
                              "~/.kube/config");
        wsl_diags_free(&d);
        return code;
    }
    wsl_diags_free(&d);
    wsl_buf_printf(&kc->files, "%s%s", kc->files.len ? ", " : "", path);
    if (f.ndocs == 0)
        return 0; /* an empty file is an empty config, as for kubectl */
    const struct wsl_node *root = f.docs[0];
    if (root->kind == WSL_NODE_SCALAR && root->type == WSL_Y_NULL)
        return 0;
    if (root->kind != WSL_NODE_MAP)
        return at_err(err, WSL_E_INVALID, root, "a kubeconfig must be a mapping, not %s",
                      wsl_node_describe(root));
    const char *cur;
    if ((rc = get_str(root, "current-context", &cur, err)) != 0)
        return rc;
    if (!kc->current && cur && *cur)
        kc->current = cur;
    if ((rc = merge_list(&kc->clusters, root, "clusters", "cluster", err)) != 0 ||
        (rc = merge_list(&kc->users, root, "users", "user", err)) != 0 ||
        (rc = merge_list(&kc->contexts, root, "contexts", "context", err)) != 0)
        return rc;
    return 0;
}

int wsl_kubeconfig_load(const char *explicit_path, struct wsl_kubeconfig **out,
                        struct wsl_err *err)
{
    struct wsl_kubeconfig *kc = wsl_xcalloc(1, sizeof *kc);
    int rc = 0;
    *out = NULL;
    kc->arena = wsl_arena_new();
    const char *env = getenv("KUBECONFIG");
    if (explicit_path && *explicit_path) {
        rc = load_one(kc, explicit_path, false, err);
    } else if (env && *env) {
        char *list = wsl_xstrdup(env), *save = NULL;
        size_t found = 0;
        for (char *p = strtok_r(list, ":", &save); p && rc <= 0; p = strtok_r(NULL, ":", &save)) {
            rc = load_one(kc, p, true, err);
            if (rc == 0)
                found++;
            if (rc > 0)
                rc = 0;
            else if (rc < 0)
                break;
        }
        free(list);
        if (rc == 0 && found == 0)
            rc = wsl_err_set(err, WSL_E_NOTFOUND, "none of the KUBECONFIG files exists (%s)",
                             env);
    } else {
        const char *home = getenv("HOME");
        if (!home || !*home) {
            rc = wsl_err_set(err, WSL_E_NOTFOUND, "no kubeconfig: neither KUBECONFIG nor HOME "
                                                  "is set");
        } else {
            char *path = wsl_arena_printf(kc->arena, "%s/.kube/config", home);
            rc = load_one(kc, path, false, err);
        }
    }
    if (rc < 0) {
        if (rc == WSL_E_NOTFOUND && err && !err->hint[0])
            wsl_err_hint(err, "name a kubeconfig in the Target (kubernetes.kubeconfig), set "
                              "KUBECONFIG, or create ~/.kube/config");
        wsl_kubeconfig_free(kc);
        return rc;
    }
    *out = kc;
    return 0;
}

const char *wsl_kubeconfig_current(const struct wsl_kubeconfig *kc)
{
    return kc ? kc->current : NULL;
}

void wsl_kubeconfig_free(struct wsl_kubeconfig *kc)
{
    if (!kc)
        return;
    free(kc->clusters.v);
    free(kc->users.v);
    free(kc->contexts.v);
    wsl_buf_free(&kc->files);
    wsl_arena_free(kc->arena);
    free(kc);
}

/* --- exec credential plugins --------------------------------------------------------------- */


/* The ExecCredential request for KUBERNETES_EXEC_INFO; the caller frees it. */
static char *exec_info(const char *api_version, bool cluster_info,
                       const struct wsl_kube_conn_info *info)
{
    json_t *spec = json_pack("{s:b}", "interactive", 0);
    if (cluster_info) {
        json_t *c = json_pack("{s:s, s:b}", "server", info->server ? info->server : "",
                              "insecure-skip-tls-verify", info->insecure);
        if (info->ca_pem) {
            char *b64 = wsl_base64_encode(info->ca_pem, strlen(info->ca_pem));
            json_object_set_new(c, "certificate-authority-data", json_string(b64));
            free(b64);
        }
        json_object_set_new(spec, "cluster", c);
    }
    json_t *root = json_pack("{s:s, s:s, s:o}", "apiVersion", api_version, "kind",
                             "ExecCredential", "spec", spec);
    char *s = json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}

/* envp for the plugin: ours, minus names the config sets, plus those and the exec info.
 * The caller frees the array and its strings (strv_free). */
static char **exec_env(const struct wsl_node *envlist, const char *execinfo,
                       struct wsl_err *err, int *rc)
{
    size_t n = 0, extra = envlist && envlist->kind == WSL_NODE_SEQ ? envlist->n : 0;
    for (char **e = environ; *e; e++)
        n++;
    char **v = wsl_xcalloc(n + extra + 2, sizeof *v);
    size_t o = 0;
    *rc = 0;
    for (char **e = environ; *e; e++) {
        bool overridden = strncmp(*e, "KUBERNETES_EXEC_INFO=", 21) == 0;
        for (size_t i = 0; i < extra && !overridden; i++) {
            const char *name = NULL;
            get_str(envlist->vals[i], "name", &name, NULL);
            size_t len = name ? strlen(name) : 0;
            overridden = name && strncmp(*e, name, len) == 0 && (*e)[len] == '=';
        }
        if (!overridden)
            v[o++] = wsl_xstrdup(*e);
    }
    for (size_t i = 0; i < extra; i++) {
        const struct wsl_node *item = envlist->vals[i];
        const char *name = NULL, *value = NULL;
        int r = item->kind != WSL_NODE_MAP ? WSL_E_INVALID : get_str(item, "name", &name, err);
        if (!r)
            r = get_str(item, "value", &value, err);
        if (r || !name || !*name) {
            *rc = r ? r : WSL_E_INVALID;
            if (!r || item->kind != WSL_NODE_MAP)
                at_err(err, WSL_E_INVALID, item, "exec env entries need a name and a value");
            break;
        }
        struct wsl_buf b = WSL_BUF_INIT;
        wsl_buf_printf(&b, "%s=%s", name, value ? value : "");
        v[o++] = wsl_buf_steal(&b);
    }
    struct wsl_buf b = WSL_BUF_INIT;
    wsl_buf_printf(&b, "KUBERNETES_EXEC_INFO=%s", execinfo);
    v[o++] = wsl_buf_steal(&b);
    return v;
}

static void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

static long exec_timeout_ms = WSL_KUBE_EXEC_TIMEOUT_MS;

void wsl_kube_set_exec_timeout(long ms)
{
    exec_timeout_ms = ms > 0 ? ms : WSL_KUBE_EXEC_TIMEOUT_MS;
}

/* Wait for pid until deadline (ms, CLOCK_MONOTONIC). Returns 1 with *status when it ended,
 * 0 when the deadline passed. */
static int wait_until(pid_t pid, long long deadline, int *status)
{
    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 1;
        if (r < 0 && errno != EINTR)
            return 1; /* not our child any more: nothing to wait for */
        if (wsl_monotonic_ms() >= deadline)
            return 0;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* Run the plugin, collecting its stdout into out. It runs in its own process group, so
 * that a timeout ends whatever it started too. Returns 0 or an error naming cmd. */
static int exec_run(const struct wsl_node *execn, const char *cmd, char **argv, char **envp,
                    struct wsl_buf *out, struct wsl_err *err)
{
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0)
        return at_err(err, WSL_E_IO, execn, "exec plugin \"%s\": pipe: %s", cmd,
                      strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid;
    int sr = posix_spawnp(&pid, argv[0], &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(pfd[1]);
    if (sr != 0) {
        close(pfd[0]);
        return at_err(err, sr == ENOENT ? WSL_E_NOTFOUND : WSL_E_IO, execn,
                      "exec credential plugin \"%s\" cannot be started: %s", cmd,
                      strerror(sr));
    }
    long long deadline = wsl_monotonic_ms() + exec_timeout_ms;
    int rc = 0;
    bool timed_out = false;
    for (;;) {
        long long left = deadline - wsl_monotonic_ms();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        struct pollfd p = {pfd[0], POLLIN, 0};
        int pr = poll(&p, 1, (int)left);
        if (pr <= 0)
            continue; /* EINTR, or the deadline: checked above */
        char chunk[4096];
        ssize_t n = read(pfd[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        wsl_buf_append(out, chunk, (size_t)n);
        if (out->len > MAX_EXEC_OUTPUT) {
            rc = at_err(err, WSL_E_LIMIT, execn,
                        "exec credential plugin \"%s\" printed more than %u bytes", cmd,
                        MAX_EXEC_OUTPUT);
            break;
        }
    }
    close(pfd[0]);
    int status = 0;
    if (!rc && !timed_out && !wait_until(pid, deadline, &status))
        timed_out = true;
    if (rc || timed_out) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
    }
    if (timed_out)
        return at_err(err, WSL_E_TIMEOUT, execn,
                      "exec credential plugin \"%s\" did not finish within %ld ms", cmd,
                      exec_timeout_ms);
    if (rc)
        return rc;
    if (WIFSIGNALED(status))
        return at_err(err, WSL_E_INVALID, execn,
                      "exec credential plugin \"%s\" was killed by signal %d", cmd,
                      WTERMSIG(status));
    if (WEXITSTATUS(status) != 0)
        return at_err(err, WSL_E_INVALID, execn,
                      "exec credential plugin \"%s\" failed with exit status %d", cmd,
                      WEXITSTATUS(status));
    return 0;
}

/* Take the credential out of the plugin's output (without ever quoting it). */
static int exec_parse(const struct wsl_node *execn, const char *cmd, const char *api_version,
                      const struct wsl_buf *outb, struct wsl_kube_conn_info *info,
                      struct wsl_err *err)
{
    json_t *root = json_loadb(outb->data ? outb->data : "", outb->len, 0, NULL);
    const char *kind = wsl_json_path_str(root, "kind", NULL);
    const char *av = wsl_json_path_str(root, "apiVersion", NULL);
    int rc = 0;
    if (!json_is_object(root) || !kind || strcmp(kind, "ExecCredential") != 0) {
        rc = at_err(err, WSL_E_INVALID, execn,
                    "exec credential plugin \"%s\" did not print an ExecCredential (JSON "
                    "with kind ExecCredential)", cmd);
    } else if (!av || strcmp(av, api_version) != 0) {
        rc = at_err(err, WSL_E_INVALID, execn,
                    "exec credential plugin \"%s\" answered with apiVersion \"%.100s\", not "
                    "the \"%s\" the kubeconfig asks for", cmd, av ? av : "", api_version);
    } else {
        const char *token = wsl_json_path_str(root, "status.token", NULL);
        const char *cert = wsl_json_path_str(root, "status.clientCertificateData", NULL);
        const char *key = wsl_json_path_str(root, "status.clientKeyData", NULL);
        if (token && *token) {
            free(info->token);
            info->token = wsl_xstrdup(token);
        } else if (cert && *cert && key && *key) {
            free(info->cert_pem);
            free(info->key_pem);
            info->cert_pem = wsl_xstrdup(cert);
            info->key_pem = wsl_xstrdup(key);
        } else {
            rc = at_err(err, WSL_E_INVALID, execn,
                        "exec credential plugin \"%s\" printed an ExecCredential without "
                        "status.token or status.clientCertificateData and clientKeyData", cmd);
        }
    }
    json_decref(root);
    return rc;
}

static int run_exec(const struct wsl_node *execn, const char *user,
                    struct wsl_kube_conn_info *info, struct wsl_err *err)
{
    const char *cmd, *api_version, *mode, *hint;
    bool cluster_info;
    int rc;
    if (execn->kind != WSL_NODE_MAP)
        return at_err(err, WSL_E_INVALID, execn, "user \"%s\": exec must be a mapping", user);
    if ((rc = get_str(execn, "command", &cmd, err)) || (rc = get_str(execn, "apiVersion",
                                                                     &api_version, err)) ||
        (rc = get_str(execn, "interactiveMode", &mode, err)) ||
        (rc = get_str(execn, "installHint", &hint, err)) ||
        (rc = get_bool(execn, "provideClusterInfo", &cluster_info, err)))
        return rc;
    if (!cmd || !*cmd)
        return at_err(err, WSL_E_INVALID, execn, "user \"%s\": exec has no command", user);
    if (!api_version || (strcmp(api_version, "client.authentication.k8s.io/v1") != 0 &&
                         strcmp(api_version, "client.authentication.k8s.io/v1beta1") != 0))
        return at_err(err, WSL_E_INVALID, execn,
                      "user \"%s\": exec apiVersion must be client.authentication.k8s.io/v1 "
                      "(or v1beta1), not \"%s\"", user, api_version ? api_version : "");
    if (mode && strcmp(mode, "Always") == 0)
        return at_err(err, WSL_E_INVALID, execn,
                      "user \"%s\": exec plugin \"%s\" needs a terminal (interactiveMode: "
                      "Always), and wissel runs without one", user, cmd);
    const struct wsl_node *args = wsl_node_get(execn, "args");
    const struct wsl_node *envl = wsl_node_get(execn, "env");
    if (args && args->kind != WSL_NODE_SEQ && !(args->kind == WSL_NODE_SCALAR &&
                                                args->type == WSL_Y_NULL))
        return at_err(err, WSL_E_INVALID, args, "exec args must be a list");
    if (envl && envl->kind != WSL_NODE_SEQ && !(envl->kind == WSL_NODE_SCALAR &&
                                                envl->type == WSL_Y_NULL))
        return at_err(err, WSL_E_INVALID, envl, "exec env must be a list");
    size_t nargs = args && args->kind == WSL_NODE_SEQ ? args->n : 0;
    char **argv = wsl_xcalloc(nargs + 2, sizeof *argv);
    /* A relative command with a slash is relative to the kubeconfig, as for kubectl. */
    argv[0] = strchr(cmd, '/') ? resolve_path(wsl_node_get(execn, "command"), cmd)
                               : wsl_xstrdup(cmd);
    for (size_t i = 0; i < nargs; i++) {
        if (args->vals[i]->kind != WSL_NODE_SCALAR) {
            strv_free(argv);
            return at_err(err, WSL_E_INVALID, args->vals[i], "exec args must be strings");
        }
        argv[i + 1] = wsl_xstrdup(args->vals[i]->str);
    }
    char *execinfo = exec_info(api_version, cluster_info, info);
    char **envp = exec_env(envl, execinfo, err, &rc);
    free(execinfo);
    struct wsl_buf outb = WSL_BUF_INIT;
    if (!rc)
        rc = exec_run(execn, cmd, argv, envp, &outb, err);
    if (!rc)
        rc = exec_parse(execn, cmd, api_version, &outb, info, err);
    if (rc) {
        if (rc == WSL_E_NOTFOUND && hint && *hint)
            wsl_err_hint(err, "%s", hint);
        else
            wsl_err_hint(err, "run the command by hand to see its messages (wissel shows "
                              "none of its output, which may hold credentials); often a "
                              "cloud CLI login has expired");
    }
    if (outb.data)
        memset(outb.data, 0, outb.len); /* it held a credential */
    wsl_buf_free(&outb);
    strv_free(argv);
    strv_free(envp);
    return rc;
}

/* --- resolving ----------------------------------------------------------------------------- */

static int resolve_cluster(const struct kc_entry *ce, struct wsl_kube_conn_info *info,
                           struct wsl_err *err)
{
    const struct wsl_node *c = ce->val;
    const char *server;
    int rc;
    if (!c)
        return at_err(err, WSL_E_INVALID, ce->item, "cluster \"%s\" has no cluster mapping",
                      ce->name);
    /* Ignoring these would connect somewhere or somehow else than the config means. */
    static const char *const unsupported[] = {"proxy-url", "tls-server-name"};
    for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++)
        if (wsl_node_get(c, unsupported[i]))
            return at_err(err, WSL_E_INVALID, wsl_node_get(c, unsupported[i]),
                          "cluster \"%s\": %s is not supported by wissel yet", ce->name,
                          unsupported[i]);
    if ((rc = get_str(c, "server", &server, err)) != 0)
        return rc;
    if (!server || !*server)
        return at_err(err, WSL_E_INVALID, c, "cluster \"%s\" has no server", ce->name);
    info->server = wsl_xstrdup(server);
    if ((rc = get_bool(c, "insecure-skip-tls-verify", &info->insecure, err)) != 0)
        return rc;
    if ((rc = data_or_file(c, "certificate-authority", &info->ca_pem, err)) != 0)
        return rc;
    if (info->insecure && info->ca_pem)
        return at_err(err, WSL_E_INVALID, c,
                      "cluster \"%s\" sets both a certificate authority and "
                      "insecure-skip-tls-verify", ce->name);
    return 0;
}

static int resolve_user(const struct kc_entry *ue, struct wsl_kube_conn_info *info,
                        struct wsl_err *err)
{
    const struct wsl_node *u = ue->val;
    const char *token, *token_file, *username, *password;
    int rc;
    if (!u)
        return 0; /* a user without settings: anonymous */
    /* Ignoring impersonation would act with the real user's (larger) rights. */
    static const char *const unsupported[] = {"as", "as-uid", "as-groups", "as-user-extra"};
    for (size_t i = 0; i < sizeof unsupported / sizeof *unsupported; i++)
        if (wsl_node_get(u, unsupported[i]))
            return at_err(err, WSL_E_INVALID, wsl_node_get(u, unsupported[i]),
                          "user \"%s\": impersonation (%s) is not supported by wissel yet",
                          ue->name, unsupported[i]);
    if (wsl_node_get(u, "auth-provider"))
        return at_err(err, WSL_E_INVALID, wsl_node_get(u, "auth-provider"),
                      "user \"%s\": auth-provider plugins were removed from Kubernetes; use an "
                      "exec plugin (gke-gcloud-auth-plugin, kubelogin, ...)", ue->name);
    if ((rc = data_or_file(u, "client-certificate", &info->cert_pem, err)) != 0 ||
        (rc = data_or_file(u, "client-key", &info->key_pem, err)) != 0)
        return rc;
    if (!info->cert_pem != !info->key_pem)
        return at_err(err, WSL_E_INVALID, u,
                      "user \"%s\" has a client %s without its %s", ue->name,
                      info->cert_pem ? "certificate" : "key",
                      info->cert_pem ? "key" : "certificate");
    if ((rc = get_str(u, "token", &token, err)) != 0 ||
        (rc = get_str(u, "tokenFile", &token_file, err)) != 0 ||
        (rc = get_str(u, "username", &username, err)) != 0 ||
        (rc = get_str(u, "password", &password, err)) != 0)
        return rc;
    if (token && *token) {
        info->token = wsl_xstrdup(token);
    } else if (token_file && *token_file) {
        if ((rc = read_named_file(wsl_node_get(u, "tokenFile"), "tokenFile", token_file,
                                  &info->token, err)) != 0)
            return rc;
        rtrim(info->token);
        if (!*info->token)
            return at_err(err, WSL_E_INVALID, wsl_node_get(u, "tokenFile"),
                          "user \"%s\": the token file %s is empty", ue->name, token_file);
    }
    if (username && *username) {
        info->username = wsl_xstrdup(username);
        info->password = wsl_xstrdup(password ? password : "");
    }
    const struct wsl_node *execn = wsl_node_get(u, "exec");
    if (execn && !(execn->kind == WSL_NODE_SCALAR && execn->type == WSL_Y_NULL))
        return run_exec(execn, ue->name, info, err);
    return 0;
}

static void register_secrets(const struct wsl_kube_conn_info *info)
{
    if (info->token)
        wsl_log_secret(info->token);
    if (info->key_pem)
        wsl_log_secret(info->key_pem);
    if (info->password)
        wsl_log_secret(info->password);
}

/* --- in-cluster ------------------------------------------------------------------------ */

#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

bool wsl_kube_in_cluster_applies(const char *kubeconfig, const char *context)
{
    const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    if ((kubeconfig && *kubeconfig) || (context && *context) || (env && *env) || !host || !*host)
        return false;
    if (!home || !*home)
        return true;
    struct wsl_buf path = WSL_BUF_INIT;
    wsl_buf_printf(&path, "%s/.kube/config", home);
    bool none = access(path.data, F_OK) != 0;
    wsl_buf_free(&path);
    return none;
}

/* One file of the ServiceAccount folder; *out NULL when optional and missing. */
static int sa_file(const char *dir, const char *name, bool optional, char **out,
                   struct wsl_err *err)
{
    struct wsl_buf path = WSL_BUF_INIT, b = WSL_BUF_INIT;
    wsl_buf_printf(&path, "%s/%s", dir, name);
    *out = NULL;
    int rc = 0;
    if (optional && access(path.data, F_OK) != 0)
        goto done;
    rc = wsl_read_file(path.data, 1 << 20, &b, err);
    if (rc) {
        wsl_err_hint(err, "in a Pod, mount the ServiceAccount token (automountServiceAccountToken), "
                          "or name a kubeconfig in the Target");
        goto done;
    }
    *out = wsl_buf_steal(&b);
done:
    wsl_buf_free(&path);
    wsl_buf_free(&b);
    return rc;
}

int wsl_kube_in_cluster(struct wsl_kube_conn_info *out, struct wsl_err *err)
{
    memset(out, 0, sizeof *out);
    const char *dir = getenv("WISSEL_SERVICEACCOUNT_DIR");
    const char *host = getenv("KUBERNETES_SERVICE_HOST");
    const char *port = getenv("KUBERNETES_SERVICE_PORT");
    dir = dir && *dir ? dir : SA_DIR;
    struct wsl_buf server = WSL_BUF_INIT;
    bool v6 = strchr(host ? host : "", ':') != NULL;
    wsl_buf_printf(&server, "https://%s%s%s:%s", v6 ? "[" : "", host ? host : "",
                   v6 ? "]" : "", port && *port ? port : "443");
    out->server = wsl_buf_steal(&server);
    out->context = wsl_xstrdup("in-cluster");
    int rc = sa_file(dir, "token", false, &out->token, err);
    if (rc == 0)
        rc = sa_file(dir, "ca.crt", false, &out->ca_pem, err);
    if (rc == 0)
        rc = sa_file(dir, "namespace", true, &out->namespace_, err);
    if (rc == 0 && !out->namespace_)
        out->namespace_ = wsl_xstrdup("default");
    if (out->token) {
        rtrim(out->token);
        register_secrets(out);
    }
    if (out->namespace_)
        rtrim(out->namespace_);
    return rc;
}

int wsl_kube_resolve(const struct wsl_kubeconfig *kc, const char *context,
                     struct wsl_kube_conn_info *out, struct wsl_err *err)
{
    memset(out, 0, sizeof *out);
    const char *name = context && *context ? context : kc->current;
    struct wsl_buf names = WSL_BUF_INIT;
    int rc = 0;
    list_names(&kc->contexts, &names);
    if (!name) {
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "no context named, and %s sets no "
                         "current-context (contexts: %s)", wsl_buf_str(&kc->files),
                         wsl_buf_str(&names));
        wsl_err_hint(err, "set the Target's kubernetes.context to one of them");
        wsl_buf_free(&names);
        return rc;
    }
    const struct kc_entry *ce = list_find(&kc->contexts, name);
    if (!ce) {
        rc = wsl_err_set(err, WSL_E_NOTFOUND, "context \"%s\" is not in %s; its contexts "
                         "are: %s", name, wsl_buf_str(&kc->files), wsl_buf_str(&names));
        wsl_err_hint(err, "set the Target's kubernetes.context to one of them, or check "
                          "KUBECONFIG");
        wsl_buf_free(&names);
        return rc;
    }
    wsl_buf_free(&names);
    out->context = wsl_xstrdup(name);
    const char *cluster = NULL, *user = NULL, *ns = NULL;
    if (!ce->val)
        return at_err(err, WSL_E_INVALID, ce->item, "context \"%s\" has no context mapping",
                      name);
    if ((rc = get_str(ce->val, "cluster", &cluster, err)) ||
        (rc = get_str(ce->val, "user", &user, err)) ||
        (rc = get_str(ce->val, "namespace", &ns, err)))
        return rc;
    out->namespace_ = wsl_xstrdup(ns && *ns ? ns : "default");
    if (!cluster || !*cluster)
        return at_err(err, WSL_E_INVALID, ce->val, "context \"%s\" names no cluster", name);
    const struct kc_entry *cle = list_find(&kc->clusters, cluster);
    if (!cle) {
        struct wsl_buf b = WSL_BUF_INIT;
        list_names(&kc->clusters, &b);
        rc = at_err(err, WSL_E_NOTFOUND, wsl_node_get(ce->val, "cluster"),
                    "context \"%s\" names cluster \"%s\", which is not defined (clusters: %s)",
                    name, cluster, wsl_buf_str(&b));
        wsl_buf_free(&b);
        return rc;
    }
    out->cluster = wsl_xstrdup(cluster);
    if ((rc = resolve_cluster(cle, out, err)) != 0)
        return rc;
    if (user && *user) {
        const struct kc_entry *ue = list_find(&kc->users, user);
        if (!ue) {
            struct wsl_buf b = WSL_BUF_INIT;
            list_names(&kc->users, &b);
            rc = at_err(err, WSL_E_NOTFOUND, wsl_node_get(ce->val, "user"),
                        "context \"%s\" names user \"%s\", which is not defined (users: %s)",
                        name, user, wsl_buf_str(&b));
            wsl_buf_free(&b);
            return rc;
        }
        out->user = wsl_xstrdup(user);
        rc = resolve_user(ue, out, err);
    }
    register_secrets(out);
    return rc;
}

void wsl_kube_conn_info_free(struct wsl_kube_conn_info *info)
{
    if (!info)
        return;
    char **secret[] = {&info->key_pem, &info->token, &info->password};
    for (size_t i = 0; i < sizeof secret / sizeof *secret; i++)
        if (*secret[i])
            memset(*secret[i], 0, strlen(*secret[i]));
    free(info->context);
    free(info->cluster);
    free(info->user);
    free(info->server);
    free(info->namespace_);
    free(info->ca_pem);
    free(info->cert_pem);
    free(info->key_pem);
    free(info->token);
    free(info->username);
    free(info->password);
    memset(info, 0, sizeof *info);
}

int wsl_kube_http(const struct wsl_kube_conn_info *info, struct wsl_http **out,
                  struct wsl_err *err)
{
    struct wsl_http_opts o = {
        .base_url = info->server,
        .ca_pem = info->ca_pem,
        .cert_pem = info->cert_pem,
        .key_pem = info->key_pem,
        .bearer_token = info->token,
        .username = info->username,
        .password = info->password,
        .insecure_skip_tls_verify = info->insecure,
    };
    *out = wsl_http_new(&o, err);
    if (!*out) {
        wsl_err_prefix(err, "kubernetes context \"%s\": ", info->context ? info->context : "");
        return err && err->code ? err->code : WSL_E_INVALID;
    }
    return 0;
}
