/*
 * wissel serve — the long-running reconciler (orchestrator/serve/controller.h) and its
 * HTTP server (orchestrator/serve/routes.h): options in, threads started, SIGTERM out.
 */
#include "lib/buf.h"
#include "lib/hash.h"
#include "lib/log.h"
#include "lib/units.h"
#include "orchestrator/cli/cli.h"
#include "orchestrator/serve/controller.h"
#include "orchestrator/serve/routes.h"
#include "providers/secret.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *state, *interval, *drift, *retry_max, *id;
static const char *git_url, *git_ref, *checkout, *git_user, *git_password_file, *git_ca,
    *ssh_key, *known_hosts, *allowed_signers, *trusted_keys;
static const char *listen_addr, *webhook_secret_file, *api_token_file, *tls_cert, *tls_key;
static const struct wsl_opt opts[] = {
    {"state", 0, WSL_OPT_STRING, &state, "SPEC", "state directory or etcd://host:port,..."},
    {"id", 0, WSL_OPT_STRING, &id, "NAME", "this instance's name (default host:pid)"},
    {"interval", 'i', WSL_OPT_STRING, &interval, "DURATION",
     "between fetches of the source (default 1m, jittered by 10%)"},
    {"drift-interval", 0, WSL_OPT_STRING, &drift, "DURATION",
     "between drift checks of every placement (default 5m)"},
    {"retry-max", 0, WSL_OPT_STRING, &retry_max, "DURATION",
     "longest backoff after failures (default: the drift interval)"},
    {"git", 0, WSL_OPT_STRING, &git_url, "URL", "deploy from this git repository"},
    {"ref", 0, WSL_OPT_STRING, &git_ref, "REF",
     "branch, tag, semver:RANGE or commit to track (default main)"},
    {"checkout", 0, WSL_OPT_STRING, &checkout, "DIR",
     "local clone (default $XDG_CACHE_HOME/wissel/git-<hash of URL>)"},
    {"git-user", 0, WSL_OPT_STRING, &git_user, "NAME", "HTTP(S) user, or the SSH user"},
    {"git-password-file", 0, WSL_OPT_STRING, &git_password_file, "FILE",
     "HTTP(S) password or token, read from this file"},
    {"git-ca", 0, WSL_OPT_STRING, &git_ca, "FILE", "trust this CA (PEM) for HTTPS"},
    {"ssh-key", 0, WSL_OPT_STRING, &ssh_key, "FILE", "SSH private key"},
    {"known-hosts", 0, WSL_OPT_STRING, &known_hosts, "FILE",
     "SSH known_hosts the server's key must be in"},
    {"allowed-signers", 0, WSL_OPT_STRING, &allowed_signers, "FILE",
     "require commits signed by an SSH key in this allowed-signers file"},
    {"trusted-keys", 0, WSL_OPT_STRING, &trusted_keys, "FILE",
     "require commits signed by an OpenPGP key in this keyring"},
    {"listen", 0, WSL_OPT_STRING, &listen_addr, "ADDR",
     "HTTP address (default 127.0.0.1:8080; \"none\": no server)"},
    {"webhook-secret-file", 0, WSL_OPT_STRING, &webhook_secret_file, "FILE",
     "the webhooks' shared secret (without it every delivery is refused)"},
    {"api-token-file", 0, WSL_OPT_STRING, &api_token_file, "FILE",
     "require this bearer token for /api/"},
    {"tls-cert", 0, WSL_OPT_STRING, &tls_cert, "FILE", "serve HTTPS with this certificate"},
    {"tls-key", 0, WSL_OPT_STRING, &tls_key, "FILE", "... and this private key"},
    {0}};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

/* A secret from a file: its first line, registered so logs never show it. */
static int read_secret(const char *flag, const char *path, char **out, struct wsl_err *err)
{
    int rc = wsl_secret_read(&(struct wsl_secret_ref){.file = path}, out, err);
    if (rc)
        wsl_err_prefix(err, "--%s", flag);
    return rc;
}

static int duration(const char *flag, const char *v, int64_t def, int64_t *out,
                    struct wsl_err *err)
{
    *out = def;
    if (v && wsl_duration_parse(v, out, err)) {
        wsl_err_prefix(err, "--%s", flag);
        return err->code;
    }
    if (*out < 100)
        return wsl_err_set(err, WSL_E_USAGE, "--%s: at least 100ms", flag);
    return 0;
}

/* The default clone folder: one per URL under the user's cache. */
static char *default_checkout(const char *url)
{
    char hash[65];
    wsl_sha256_hex(url, strlen(url), hash);
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    struct wsl_buf b = {0};
    if (xdg && xdg[0])
        wsl_buf_printf(&b, "%s/wissel/git-%.12s", xdg, hash);
    else
        wsl_buf_printf(&b, "%s/.cache/wissel/git-%.12s", home ? home : "/tmp", hash);
    return wsl_buf_steal(&b);
}

struct serve {
    struct wsl_git_source git;
    struct wsl_git_trust trust;
    struct wsl_ctl_opts co;
    struct wsl_routes routes;
    struct wsl_srv_opts so;
    char *checkout_dir, *secret, *token;
    char me[256];
};

static int options(struct serve *s, struct wsl_err *err)
{
    int rc = duration("interval", interval, 60000, &s->co.interval_ms, err);
    if (rc == 0)
        rc = duration("drift-interval", drift, 300000, &s->co.drift_ms, err);
    if (rc == 0)
        rc = duration("retry-max", retry_max, s->co.drift_ms, &s->co.retry_max_ms, err);
    if (rc == 0 && !git_url && (git_ref || checkout || allowed_signers || trusted_keys))
        rc = wsl_err_set(err, WSL_E_USAGE, "--ref, --checkout, --allowed-signers and "
                                           "--trusted-keys need --git URL");
    if (rc == 0 && !!tls_cert != !!tls_key)
        rc = wsl_err_set(err, WSL_E_USAGE, "--tls-cert and --tls-key go together");
    if (rc == 0 && webhook_secret_file)
        rc = read_secret("webhook-secret-file", webhook_secret_file, &s->secret, err);
    if (rc == 0 && api_token_file)
        rc = read_secret("api-token-file", api_token_file, &s->token, err);
    return rc;
}

static void setup(struct serve *s, char **argv, int nargs)
{
    char host[128] = "localhost";
    gethostname(host, sizeof host - 1);
    if (id)
        snprintf(s->me, sizeof s->me, "%s", id);
    else
        snprintf(s->me, sizeof s->me, "%s:%ld", host, (long)getpid());
    if (git_url) {
        s->checkout_dir = checkout ? wsl_xstrdup(checkout) : default_checkout(git_url);
        s->git = (struct wsl_git_source){git_url, git_ref, s->checkout_dir, git_user,
                                         git_password_file, git_ca, ssh_key, known_hosts};
        s->co.git = &s->git;
    }
    s->trust = (struct wsl_git_trust){allowed_signers, trusted_keys};
    s->co.trust = allowed_signers || trusted_keys ? &s->trust : NULL;
    struct wsl_cli_paths paths = wsl_cli_paths(argv, nargs);
    s->co.paths = paths.v;
    s->co.npaths = paths.n;
    s->co.state = state;
    s->co.id = s->me;
    s->co.stopping = &stopping;
    s->co.status = wsl_status_new();
    wsl_status_source(s->co.status, git_url, git_url ? (git_ref ? git_ref : "main") : NULL);
}

static int start_server(struct serve *s, struct wsl_ctl *ctl, struct wsl_server **srv,
                        struct wsl_err *err)
{
    if (listen_addr && !strcmp(listen_addr, "none"))
        return 0;
    wsl_routes_init(&s->routes);
    s->routes.status = s->co.status;
    s->routes.ctl = ctl;
    s->routes.secret = (const unsigned char *)s->secret;
    s->routes.secret_len = s->secret ? strlen(s->secret) : 0;
    s->routes.ref = git_url ? (git_ref ? git_ref : "main") : NULL;
    s->routes.state = state;
    s->so = (struct wsl_srv_opts){.listen = listen_addr, .tls_cert_file = tls_cert,
                                  .tls_key_file = tls_key, .api_token = s->token,
                                  .handler = wsl_routes_handle, .ctx = &s->routes};
    int rc = wsl_server_start(&s->so, srv, err);
    if (rc != 0)
        wsl_routes_free(&s->routes);
    else
        wsl_log(WSL_LOG_INFO, "serve", "listening", "address",
                listen_addr ? listen_addr : "127.0.0.1:8080", NULL);
    return rc;
}

static void teardown(struct serve *s)
{
    wsl_status_free(s->co.status);
    free(s->checkout_dir);
    free(s->secret);
    free(s->token);
}

static int run(int argc, char **argv, struct wsl_cli *cli)
{
    int nargs;
    int rc = wsl_cli_parse(&wsl_cmd_serve, argc, argv, cli, &nargs);
    if (rc != 0)
        return rc > 0 ? WSL_EXIT_OK : WSL_EXIT_USAGE;
    struct serve s = {0};
    struct wsl_err err = {0};
    if (options(&s, &err) != 0) {
        wsl_cli_error(cli, "serve", "%s", err.msg);
        teardown(&s);
        return err.code == WSL_E_USAGE ? WSL_EXIT_USAGE : WSL_EXIT_FAIL;
    }
    setup(&s, argv, nargs);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    struct wsl_ctl *ctl = wsl_ctl_new(&s.co);
    struct wsl_server *srv = NULL;
    rc = start_server(&s, ctl, &srv, &err);
    if (rc == 0)
        rc = wsl_ctl_run(ctl, &err);
    if (srv) {
        wsl_server_stop(srv);
        wsl_routes_free(&s.routes);
    }
    wsl_ctl_free(ctl);
    teardown(&s);
    if (rc != 0) {
        wsl_cli_error(cli, "serve", "%s", err.msg);
        return WSL_EXIT_FAIL;
    }
    wsl_log(WSL_LOG_INFO, "serve", "stopped", "instance", s.me, NULL);
    return WSL_EXIT_OK;
}

const struct wsl_cmd wsl_cmd_serve = {
    "serve", run, "reconcile continuously from git: webhooks, drift correction, metrics",
    "wissel serve [options] [PATH...]",
    "Campaigns for leadership in the state (with etcd, across machines; with a state\n"
    "directory, on one machine); the leader keeps every target at the manifests under\n"
    "PATH (default \".\"; with --git, relative to the repository's root):\n"
    "  - fetches --git every --interval, at once on a webhook's push, and applies each new\n"
    "    revision (only a signed one with --allowed-signers or --trusted-keys);\n"
    "  - re-plans every placement every --drift-interval and undoes hand edits;\n"
    "  - retries failures with backoff; one worker per target, so a target that is down\n"
    "    holds up no other.\n"
    "Other instances wait and take over within the lease TTL when the leader dies.\n"
    "HTTP on --listen (loopback by default): /hooks/{github,gitlab,gitea,forgejo,generic},\n"
    "/metrics (Prometheus), /healthz, /readyz and /api/v1/{applications,targets,source,\n"
    "history} (with --api-token-file, behind a bearer token). SIGTERM or SIGINT stops\n"
    "after the actions in flight and resigns. See docs/gitops.md.",
    opts};
