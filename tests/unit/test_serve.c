/*
 * test_serve.c — what `wissel serve` reports and answers, without a network: the status
 * registry's metrics and JSON (orchestrator/serve/status.c) and the HTTP routes
 * (orchestrator/serve/routes.c) called as the server calls them. The loop itself runs
 * against real clusters and a real git server in tests/integration/serve_git.sh.
 */
#include "lib/hash.h"
#include "orchestrator/serve/routes.h"
#include "orchestrator/serve/status.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>

#include "tests/unit/helpers/asserts.h"

#define REV_A "1111111111111111111111111111111111111111"
#define REV_B "2222222222222222222222222222222222222222"
#define SECRET "s3cret-hook"

static char *metrics(struct wsl_status *s)
{
    struct wsl_buf b = {0};
    wsl_status_metrics(s, &b);
    return wsl_buf_steal(&b);
}

/* --- routes: which pushes move the tracked ref ----------------------------------------- */

static void ref_matching(void **state)
{
    assert_true(wsl_routes_ref_matches(NULL, "refs/heads/anything"));
    assert_true(wsl_routes_ref_matches("main", "refs/heads/main"));
    assert_false(wsl_routes_ref_matches("main", "refs/heads/main2"));
    assert_false(wsl_routes_ref_matches("main", "refs/heads/feature/main"));
    assert_true(wsl_routes_ref_matches("v1.4.0", "refs/tags/v1.4.0"));
    assert_true(wsl_routes_ref_matches("refs/heads/prod", "refs/heads/prod"));
    assert_false(wsl_routes_ref_matches("refs/heads/prod", "refs/tags/prod"));
    assert_true(wsl_routes_ref_matches("semver:^1.4", "refs/tags/v1.5.0"));
    assert_false(wsl_routes_ref_matches("semver:^1.4", "refs/heads/main"));
    assert_false(wsl_routes_ref_matches(REV_A, "refs/heads/main")); /* pinned */
    assert_false(wsl_routes_ref_matches("main", "main"));            /* not a full ref */
}

/* --- status: metrics ------------------------------------------------------------------- */

static void placements_in_metrics(void **state)
{
    struct wsl_status *s = wsl_status_new();
    struct wsl_placement_report r = {.app = "web", .target = "cluster-a", .revision = REV_A,
                                     .applied = true, .duration_ms = 120,
                                     .health_known = true, .health = WSL_HEALTH_READY};
    wsl_status_placement(s, &r);
    r.drift = true;
    wsl_status_placement(s, &r);
    r.rc = WSL_E_NET;
    r.message = "cluster-a: connection refused";
    r.applied = r.drift = false;
    wsl_status_placement(s, &r);
    wsl_status_target(s, "cluster-a", "kubernetes", false, "connection refused", 2000);
    wsl_status_target(s, "cluster-b", "kubernetes", true, NULL, 0);
    char *m = metrics(s);
    assert_contains(m, "wissel_reconcile_total{app=\"web\",target=\"cluster-a\",result=\"ok\"} 2\n");
    assert_contains(m, "wissel_reconcile_total{app=\"web\",target=\"cluster-a\",result=\"error\"} 1\n");
    assert_contains(m, "wissel_drift_corrections_total{app=\"web\",target=\"cluster-a\"} 1\n");
    assert_contains(m, "wissel_applied_revision_info{app=\"web\",target=\"cluster-a\",revision=\""
                       REV_A "\"} 1\n");
    assert_contains(m, "wissel_health_status{app=\"web\",target=\"cluster-a\",state=\"ready\"} 1\n");
    assert_contains(m, "wissel_health_status{app=\"web\",target=\"cluster-a\",state=\"failed\"} 0\n");
    assert_contains(m, "wissel_reconcile_duration_seconds_count{app=\"web\",target=\"cluster-a\"} 3\n");
    assert_contains(m, "le=\"+Inf\"} 3\n");
    assert_contains(m, "wissel_target_up{target=\"cluster-a\"} 0\n");
    assert_contains(m, "wissel_target_up{target=\"cluster-b\"} 1\n");
    assert_contains(m, "# TYPE wissel_reconcile_duration_seconds histogram\n");
    assert_contains(m, "process_resident_memory_bytes ");
    free(m);

    json_t *apps = wsl_status_applications(s);
    assert_int_equal(json_array_size(json_object_get(apps, "applications")), 1);
    char *js = json_dumps(apps, JSON_COMPACT);
    assert_contains(js, "cluster-a: connection refused");
    free(js);
    json_decref(apps);
    json_t *targets = wsl_status_targets(s);
    assert_int_equal(json_array_size(json_object_get(targets, "targets")), 2);
    json_decref(targets);
    wsl_status_free(s);
}

/* A rejected revision counts once however often it is fetched again; its reason is a
 * label, escaped. */
static void signature_rejections(void **state)
{
    struct wsl_status *s = wsl_status_new();
    char *m = metrics(s);
    assert_not_contains(m, "wissel_git_signature_verified{");
    free(m);
    wsl_status_signature(s, REV_A, false, "not signed");
    wsl_status_signature(s, REV_A, false, "not signed");
    m = metrics(s);
    assert_contains(m, "wissel_git_signature_verified{revision=\"" REV_A
                       "\",reason=\"not signed\"} 0\n");
    assert_contains(m, "wissel_git_signature_rejections_total 1\n");
    free(m);
    wsl_status_signature(s, REV_B, false, "key \"x\" not\ntrusted");
    m = metrics(s);
    assert_contains(m, "reason=\"key \\\"x\\\" not\\ntrusted\"} 0\n");
    assert_contains(m, "wissel_git_signature_rejections_total 2\n");
    free(m);
    wsl_status_signature(s, REV_B, true, "dev@gemeente.nl");
    m = metrics(s);
    assert_contains(m, "wissel_git_signature_verified{revision=\"" REV_B "\",reason=\"\"} 1\n");
    assert_contains(m, "wissel_git_signature_rejections_total 2\n");
    free(m);
    wsl_status_free(s);
}

static void fetches_and_readiness(void **state)
{
    struct wsl_status *s = wsl_status_new();
    assert_false(wsl_status_ready(s));
    wsl_status_leader(s, true);
    assert_false(wsl_status_ready(s)); /* leading, nothing loaded yet */
    wsl_status_fetch(s, 0, REV_A, NULL, 30);
    wsl_status_fetch(s, WSL_E_NET, NULL, "git.example: connection refused", 10);
    wsl_status_load(s, REV_A, WSL_E_INVALID, "2 errors in the manifests", 250);
    assert_true(wsl_status_ready(s));
    char *m = metrics(s);
    assert_contains(m, "wissel_git_fetch_total{result=\"ok\"} 1\n");
    assert_contains(m, "wissel_git_fetch_errors_total 1\n");
    assert_contains(m, "wissel_git_revision_info{revision=\"" REV_A "\"} 1\n");
    assert_contains(m, "wissel_manifest_load_failures_total 1\n");
    assert_contains(m, "wissel_manifest_load_duration_seconds 0.250000\n");
    assert_contains(m, "wissel_git_fetch_duration_seconds 0.010000\n");
    assert_contains(m, "wissel_leader 1\n");
    free(m);
    json_t *src = wsl_status_source_json(s);
    char *js = json_dumps(src, JSON_COMPACT);
    assert_contains(js, "git.example: connection refused");
    assert_contains(js, "2 errors in the manifests");
    free(js);
    json_decref(src);
    /* Webhook to reconcile: measured only when the fetch it caused reconciles. */
    wsl_status_trigger(s);
    wsl_status_trigger_done(s, false);
    m = metrics(s);
    assert_not_contains(m, "\nwissel_trigger_latency_seconds ");
    free(m);
    wsl_status_trigger(s);
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    wsl_status_trigger_done(s, true);
    m = metrics(s);
    const char *lat = strstr(m, "\nwissel_trigger_latency_seconds ");
    assert_non_null(lat);
    double v = strtod(lat + strlen("\nwissel_trigger_latency_seconds "), NULL);
    assert_true(v >= 0.019 && v < 10);
    free(m);
    wsl_status_leader(s, false); /* a standby is not ready */
    assert_false(wsl_status_ready(s));
    wsl_status_free(s);
}

/* --- routes, called as the server calls them -------------------------------------------- */

struct req {
    const char *names[4], *values[4];
};

static const char *header(void *hctx, const char *name)
{
    struct req *q = hctx;
    for (int i = 0; i < 4 && q->names[i]; i++) {
        if (!strcasecmp(q->names[i], name))
            return q->values[i];
    }
    return NULL;
}

static int call(struct wsl_routes *r, const char *method, const char *path, struct req *q,
                const char *body, char **out)
{
    struct req none = {{NULL}, {NULL}};
    struct wsl_srv_request req = {.method = method, .path = path, .query = "",
                                  .header = header, .hctx = q ? q : &none,
                                  .body = (const unsigned char *)(body ? body : ""),
                                  .len = body ? strlen(body) : 0};
    struct wsl_srv_response res = {0};
    wsl_routes_handle(r, &req, &res);
    *out = wsl_buf_steal(&res.body);
    if (!*out)
        *out = strdup("");
    return res.status;
}

static void github_sig(const char *body, char out[80])
{
    unsigned char mac[32];
    wsl_hmac_sha256(SECRET, strlen(SECRET), body, strlen(body), mac);
    int k = snprintf(out, 80, "sha256=");
    for (int i = 0; i < 32; i++)
        k += snprintf(out + k, (size_t)(80 - k), "%02x", mac[i]);
}

static void routes_answer(void **state)
{
    static volatile sig_atomic_t stop = 0;
    struct wsl_status *s = wsl_status_new();
    struct wsl_ctl_opts co = {.status = s, .stopping = &stop, .id = "t"};
    struct wsl_ctl *ctl = wsl_ctl_new(&co);
    struct wsl_routes r;
    wsl_routes_init(&r);
    r.status = s;
    r.ctl = ctl;
    r.secret = (const unsigned char *)SECRET;
    r.secret_len = strlen(SECRET);
    r.ref = "main";
    char *out;
    assert_int_equal(call(&r, "GET", "/healthz", NULL, NULL, &out), 200);
    free(out);
    assert_int_equal(call(&r, "GET", "/readyz", NULL, NULL, &out), 503);
    free(out);
    assert_int_equal(call(&r, "GET", "/metrics", NULL, NULL, &out), 200);
    assert_contains(out, "# TYPE wissel_git_fetch_total counter");
    free(out);
    assert_int_equal(call(&r, "GET", "/api/v1/nothing", NULL, NULL, &out), 404);
    free(out);
    assert_int_equal(call(&r, "POST", "/hooks/bitbucket", NULL, "{}", &out), 404);
    free(out);

    const char *main_push = "{\"ref\":\"refs/heads/main\",\"after\":\"" REV_A "\"}";
    const char *other_push = "{\"ref\":\"refs/heads/feature\",\"after\":\"" REV_A "\"}";
    char sig[80];
    struct req q = {{"X-GitHub-Event", "X-Hub-Signature-256"}, {"push", sig}};
    github_sig(main_push, sig);
    assert_int_equal(call(&r, "POST", "/hooks/github", &q, main_push, &out), 202);
    free(out);
    github_sig(other_push, sig);
    assert_int_equal(call(&r, "POST", "/hooks/github", &q, other_push, &out), 200);
    free(out);
    assert_int_equal(call(&r, "POST", "/hooks/github", &q, main_push, &out), 401); /* sig of another body */
    assert_not_contains(out, SECRET);
    free(out);
    assert_int_equal(call(&r, "GET", "/metrics", NULL, NULL, &out), 200);
    assert_contains(out, "wissel_webhook_requests_total{kind=\"github\",verdict=\"push\"} 1\n");
    assert_contains(out, "wissel_webhook_requests_total{kind=\"github\",verdict=\"other-ref\"} 1\n");
    assert_contains(out, "wissel_webhook_requests_total{kind=\"github\",verdict=\"unauthorized\"} 1\n");
    free(out);
    wsl_routes_free(&r);
    wsl_ctl_free(ctl);
    wsl_status_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ref_matching),
        cmocka_unit_test(placements_in_metrics),
        cmocka_unit_test(signature_rejections),
        cmocka_unit_test(fetches_and_readiness),
        cmocka_unit_test(routes_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
