/*
 * test_plan.c — the engine's plan: the diff rules (create, update by fingerprint or drift,
 * delete, no-op), the subset comparison (server fields, arrays, numbers), objects in the
 * way, the safety rule (an incomplete or failed observation deletes nothing), dependency
 * order and its determinism.
 */
#include "lib/json.h"
#include "orchestrator/engine/diff.h"
#include "orchestrator/engine/plan.h"
#include "tests/unit/helpers/scripted.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/helpers/asserts.h"

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, 0, &je);
    if (!v)
        fail_msg("bad JSON in the test: %s", je.text);
    return v;
}

/* A desired object with deps ("kind/name" keys, NULL-terminated). */
static struct wsl_object *want(struct wsl_objset *s, const char *kind, const char *name,
                               const char *body, ...) __attribute__((sentinel));
static struct wsl_object *want(struct wsl_objset *s, const char *kind, const char *name,
                               const char *body, ...)
{
    struct wsl_object *o = wsl_objset_add(s, kind, name, parse(body));
    va_list ap;
    va_start(ap, body);
    const char *key;
    while ((key = va_arg(ap, const char *)) != NULL) {
        char k[128];
        snprintf(k, sizeof k, "%s", key);
        char *slash = strchr(k, '/');
        *slash = '\0';
        wsl_object_depend(o, k, slash + 1);
    }
    va_end(ap);
    return o;
}

/* An observed object: its body as the provider shows it, and — when owned — the body it
 * was applied with (whose fingerprint the marker holds). */
static struct wsl_object *have(struct wsl_objset *s, const char *kind, const char *name,
                               const char *body, const char *applied)
{
    struct wsl_object *o = wsl_objset_add(s, kind, name, parse(body));
    o->owned = applied != NULL;
    o->fingerprint[0] = '\0';
    if (applied) {
        json_t *a = parse(applied);
        wsl_json_fingerprint(a, o->fingerprint);
        json_decref(a);
    }
    return o;
}

/* "create Kind/name, update Kind/name, ..." */
static char *plan_str(const struct wsl_plan *p)
{
    static char buf[2048];
    buf[0] = '\0';
    for (size_t i = 0; i < p->n; i++) {
        const struct wsl_object *o = wsl_plan_object(&p->v[i]);
        size_t len = strlen(buf);
        snprintf(buf + len, sizeof buf - len, "%s%s %s/%s", i ? ", " : "",
                 wsl_plan_type_name(p->v[i].type), o->kind, o->name);
    }
    return buf;
}

static const struct wsl_action *find(const struct wsl_plan *p, const char *kind,
                                     const char *name)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct wsl_object *o = wsl_plan_object(&p->v[i]);
        if (!strcmp(o->kind, kind) && !strcmp(o->name, name))
            return &p->v[i];
    }
    fail_msg("no action for %s/%s in: %s", kind, name, plan_str(p));
    return NULL;
}

static struct wsl_objset empty_complete(void)
{
    struct wsl_objset s = {0};
    s.complete = true;
    return s;
}

#define DEPLOY_V1                                                                             \
    "{\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":2,\"template\":{\"spec\":"        \
    "{\"containers\":[{\"name\":\"web\",\"image\":\"web:1\"}]}}}}"
#define DEPLOY_V1_SERVER                                                                      \
    "{\"metadata\":{\"name\":\"web\",\"uid\":\"u-1\",\"generation\":3},\"spec\":{\"replicas\":2," \
    "\"strategy\":{\"type\":\"RollingUpdate\"},\"template\":{\"spec\":{\"containers\":"        \
    "[{\"name\":\"web\",\"image\":\"web:1\",\"imagePullPolicy\":\"IfNotPresent\"}],"           \
    "\"dnsPolicy\":\"ClusterFirst\"}}},\"status\":{\"readyReplicas\":2}}"

/* --- the four kinds of action -------------------------------------------------------- */

static void create_update_delete_noop(void **state)
{
    struct wsl_objset d = {0}, o = empty_complete();
    want(&d, "Namespace", "ns", "{\"metadata\":{\"name\":\"ns\"}}", NULL);
    want(&d, "ConfigMap", "cfg", "{\"data\":{\"mode\":\"new\"}}", "Namespace/ns", NULL);
    want(&d, "Deployment", "web", DEPLOY_V1, "Namespace/ns", NULL);
    want(&d, "Service", "web", "{\"spec\":{\"port\":80}}", "Deployment/web", NULL);
    have(&o, "Namespace", "ns", "{\"metadata\":{\"name\":\"ns\",\"uid\":\"x\"}}",
         "{\"metadata\":{\"name\":\"ns\"}}");
    have(&o, "ConfigMap", "cfg", "{\"data\":{\"mode\":\"old\"}}", "{\"data\":{\"mode\":\"old\"}}");
    have(&o, "Deployment", "web", DEPLOY_V1_SERVER, DEPLOY_V1);
    have(&o, "Secret", "old", "{\"data\":{}}", "{\"data\":{}}");
    have(&o, "Secret", "someone-elses", "{\"data\":{}}", NULL);

    struct wsl_plan p;
    struct wsl_err err = {0};
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), 0);
    assert_string_equal(plan_str(&p), "no-op Namespace/ns, update ConfigMap/cfg, no-op "
                        "Deployment/web, create Service/web, delete Secret/old");
    assert_int_equal(p.count[WSL_ACT_CREATE], 1);
    assert_int_equal(p.count[WSL_ACT_UPDATE], 1);
    assert_int_equal(p.count[WSL_ACT_DELETE], 1);
    assert_int_equal(p.count[WSL_ACT_NOOP], 2);
    assert_string_equal(p.held_back, "");
    const struct wsl_action *a = find(&p, "ConfigMap", "cfg");
    assert_string_equal(a->why, "fingerprint changed");
    assert_int_equal(a->nchanged, 1);
    assert_string_equal(a->changed[0], "data.mode");
    assert_ptr_equal(a->desired, &d.v[1]);
    assert_ptr_equal(a->observed, &o.v[1]);
    a = find(&p, "Service", "web");
    assert_null(a->observed);
    a = find(&p, "Secret", "old");
    assert_null(a->desired);
    assert_ptr_equal(a->observed, &o.v[3]);
    wsl_plan_free(&p);
    assert_null(p.v);
    wsl_objset_free(&d);
    wsl_objset_free(&o);
}

static void drift_is_an_update_with_paths(void **state)
{
    struct wsl_objset d = {0}, o = empty_complete();
    want(&d, "Deployment", "web", DEPLOY_V1, NULL);
    struct wsl_object *h = have(&o, "Deployment", "web", DEPLOY_V1_SERVER, DEPLOY_V1);
    json_t *spec = json_object_get(h->body, "spec");
    json_object_set_new(spec, "replicas", json_integer(5));
    json_t *c0 = json_array_get(
        json_object_get(json_object_get(json_object_get(spec, "template"), "spec"), "containers"),
        0);
    json_object_set_new(c0, "image", json_string("evil:latest"));

    struct wsl_plan p;
    struct wsl_err err = {0};
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), 0);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.v[0].type, WSL_ACT_UPDATE);
    assert_string_equal(p.v[0].why, "drift");
    assert_int_equal(p.v[0].nchanged, 2);
    assert_string_equal(p.v[0].changed[0], "spec.replicas");
    assert_string_equal(p.v[0].changed[1], "spec.template.spec.containers[0].image");
    wsl_plan_free(&p);

    /* The fingerprint rules first: a changed desired body is "fingerprint changed" even
     * where the observed body happens to agree with the new one. */
    json_object_set_new(json_object_get(d.v[0].body, "spec"), "replicas", json_integer(5));
    wsl_json_fingerprint(d.v[0].body, d.v[0].fingerprint);
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), 0);
    assert_string_equal(p.v[0].why, "fingerprint changed");
    assert_int_equal(p.v[0].nchanged, 1); /* the image still differs */
    wsl_plan_free(&p);
    wsl_objset_free(&d);
    wsl_objset_free(&o);
}

static void server_fields_are_ignored(void **state)
{
    struct wsl_objset d = {0}, o = empty_complete();
    want(&d, "Deployment", "web", DEPLOY_V1, NULL);
    have(&o, "Deployment", "web", DEPLOY_V1_SERVER, DEPLOY_V1);
    struct wsl_plan p;
    struct wsl_err err = {0};
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), 0);
    assert_string_equal(plan_str(&p), "no-op Deployment/web");
    assert_null(p.v[0].why);
    assert_int_equal(p.v[0].nchanged, 0);
    wsl_plan_free(&p);
    wsl_objset_free(&d);
    wsl_objset_free(&o);
}

/* --- the subset comparison ----------------------------------------------------------- */

static size_t drift(const char *want_json, const char *have_json, struct wsl_paths *paths)
{
    json_t *w = parse(want_json), *h = parse(have_json);
    size_t n = wsl_diff_drift(w, h, paths);
    json_decref(w);
    json_decref(h);
    return n;
}

static void arrays_compare_by_element_and_length(void **state)
{
    struct wsl_paths p = {0};
    /* Extra keys inside elements are the server's. */
    assert_int_equal(drift("{\"ports\":[{\"port\":80},{\"port\":443}]}",
                           "{\"ports\":[{\"port\":80,\"protocol\":\"TCP\"},{\"port\":443}]}", &p),
                     0);
    /* Another length is one change of the array. */
    assert_int_equal(drift("{\"ports\":[{\"port\":80}]}",
                           "{\"ports\":[{\"port\":80},{\"port\":8080}]}", &p), 1);
    assert_string_equal(p.v[0], "ports");
    /* Order matters. */
    assert_int_equal(drift("{\"args\":[\"a\",\"b\"]}", "{\"args\":[\"b\",\"a\"]}", &p), 2);
    assert_string_equal(p.v[1], "args[0]");
    assert_string_equal(p.v[2], "args[1]");
    /* An array where an object was, and a missing key. */
    assert_int_equal(drift("{\"a\":{\"b\":1},\"c\":2}", "{\"a\":[1]}", &p), 2);
    assert_string_equal(p.v[3], "a");
    assert_string_equal(p.v[4], "c");
    /* The body itself of another type. */
    assert_int_equal(drift("{\"a\":1}", "[1]", &p), 1);
    assert_string_equal(p.v[5], "(body)");
    wsl_paths_free(&p);
    assert_int_equal(p.n, 0);
}

static void numbers_compare_as_numbers(void **state)
{
    struct wsl_paths p = {0};
    assert_int_equal(drift("{\"cpu\":1,\"mem\":0.5,\"n\":3}", "{\"cpu\":1.0,\"mem\":0.5,\"n\":3}",
                           &p), 0);
    assert_int_equal(drift("{\"a\":1,\"b\":true,\"c\":\"x\",\"d\":null}",
                           "{\"a\":\"1\",\"b\":1,\"c\":\"x\"}", &p), 2);
    assert_string_equal(p.v[0], "a");
    assert_string_equal(p.v[1], "b");
    /* A desired null is met by a null or by no key at all; a value is not. */
    assert_int_equal(drift("{\"d\":null}", "{\"d\":null}", &p), 0);
    assert_int_equal(drift("{\"d\":null}", "{\"d\":4}", &p), 1);
    assert_int_equal(drift("{\"big\":9007199254740993}", "{\"big\":9007199254740992}", &p), 1);
    wsl_paths_free(&p);
}

static void paths_quote_keys_that_are_not_words(void **state)
{
    struct wsl_paths p = {0};
    assert_int_equal(drift("{\"metadata\":{\"labels\":{\"wissel.dev/tier\":\"web\"}}}",
                           "{\"metadata\":{\"labels\":{\"wissel.dev/tier\":\"db\"}}}", &p), 1);
    assert_string_equal(p.v[0], "metadata.labels[\"wissel.dev/tier\"]");
    wsl_paths_free(&p);
}

/* --- objects in the way -------------------------------------------------------------- */

/* What `wissel serve` plans with: force on what wissel owns (a field another manager took
 * is taken back), never on an object in the way. */
static void force_owned_forces_only_owned_objects(void **state)
{
    struct wsl_objset d = {0}, o = empty_complete();
    want(&d, "Deployment", "web", DEPLOY_V1, NULL);
    want(&d, "Service", "web", "{}", NULL);
    struct wsl_object *h = have(&o, "Deployment", "web", DEPLOY_V1_SERVER, DEPLOY_V1);
    json_object_set_new(json_object_get(h->body, "spec"), "replicas", json_integer(5));
    struct wsl_plan p;
    struct wsl_err err = {0};
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), 0);
    assert_false(find(&p, "Deployment", "web")->force);
    assert_false(find(&p, "Service", "web")->force);
    wsl_plan_free(&p);

    assert_int_equal(wsl_plan_make(&d, &o, WSL_PLAN_FORCE_OWNED, &p, &err), 0);
    assert_int_equal(find(&p, "Deployment", "web")->type, WSL_ACT_UPDATE);
    assert_true(find(&p, "Deployment", "web")->force);
    assert_int_equal(find(&p, "Service", "web")->type, WSL_ACT_CREATE);
    assert_true(find(&p, "Service", "web")->force);
    wsl_plan_free(&p);

    have(&o, "Service", "web", "{}", NULL); /* someone else's, in the way */
    assert_int_equal(wsl_plan_make(&d, &o, WSL_PLAN_FORCE_OWNED, &p, &err), WSL_E_CONFLICT);
    assert_contains(err.msg, "Service/web exists and is not managed by wissel");
    assert_int_equal(p.n, 0);
    wsl_objset_free(&d);
    wsl_objset_free(&o);
}

static void object_in_the_way_is_a_conflict(void **state)
{
    struct wsl_objset d = {0}, o = empty_complete();
    want(&d, "Deployment", "web", DEPLOY_V1, NULL);
    have(&o, "Deployment", "web", DEPLOY_V1_SERVER, NULL);
    struct wsl_plan p;
    struct wsl_err err = {0};
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), WSL_E_CONFLICT);
    assert_string_equal(err.msg, "Deployment/web exists and is not managed by wissel; use "
                        "--force-conflicts to take it over");
    assert_true(err.hint[0] != '\0');
    assert_int_equal(p.n, 0);
    assert_null(p.v);

    /* Taking over plans an update, which puts the markers on. */
    assert_int_equal(wsl_plan_make(&d, &o, WSL_PLAN_TAKE_OVER, &p, &err), 0);
    assert_string_equal(plan_str(&p), "update Deployment/web");
    assert_string_equal(p.v[0].why, "take over");
    assert_int_equal(p.v[0].nchanged, 0);
    wsl_plan_free(&p);

    /* Several in the way: the first is named, the others counted. */
    want(&d, "Service", "web", "{}", NULL);
    have(&o, "Service", "web", "{}", NULL);
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), WSL_E_CONFLICT);
    assert_contains(err.msg, "2 objects are in the way, the first: Deployment/web exists");
    /* Something of someone else's that wissel does not want is none of its business. */
    wsl_objset_free(&o);
    o = empty_complete();
    have(&o, "Deployment", "web", DEPLOY_V1_SERVER, DEPLOY_V1);
    have(&o, "Service", "web", "{}", "{}");
    have(&o, "Service", "theirs", "{}", NULL);
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), 0);
    assert_int_equal(p.count[WSL_ACT_DELETE], 0);
    wsl_plan_free(&p);
    wsl_objset_free(&d);
    wsl_objset_free(&o);
}

/* --- safety -------------------------------------------------------------------------- */

static void partial_observation_deletes_nothing(void **state)
{
    struct wsl_objset d = {0}, o = empty_complete();
    want(&d, "Deployment", "web", DEPLOY_V1, NULL);
    want(&d, "Service", "web", "{\"spec\":{\"port\":80}}", NULL);
    have(&o, "Deployment", "web", DEPLOY_V1_SERVER, "{\"old\":true}");
    have(&o, "Secret", "old", "{}", "{}");
    have(&o, "ConfigMap", "old", "{}", "{}");
    wsl_objset_incomplete(&o, "listing Services timed out after %d s", 30);

    struct wsl_plan p;
    struct wsl_err err = {0};
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), 0);
    assert_int_equal(p.count[WSL_ACT_DELETE], 0);
    for (size_t i = 0; i < p.n; i++)
        assert_int_not_equal(p.v[i].type, WSL_ACT_DELETE);
    assert_string_equal(p.held_back, "deletes held back: listing Services timed out after 30 s");
    /* What can be done safely still is. */
    assert_string_equal(plan_str(&p), "update Deployment/web, create Service/web");
    wsl_plan_free(&p);

    /* No reason given: still held back, with a generic one. */
    o.incomplete_why[0] = '\0';
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), 0);
    assert_int_equal(p.count[WSL_ACT_DELETE], 0);
    assert_string_equal(p.held_back, "deletes held back: the observation was incomplete");
    wsl_plan_free(&p);
    wsl_objset_free(&d);
    wsl_objset_free(&o);
}

/* An owned object that holds data is kept, and said to be, when it is no longer desired. */
static void retained_objects_are_kept_not_deleted(void **state)
{
    struct wsl_objset d = {0}, o = empty_complete();
    want(&d, "Deployment", "web", DEPLOY_V1, NULL);
    have(&o, "Deployment", "web", DEPLOY_V1_SERVER, DEPLOY_V1);
    have(&o, "PersistentVolumeClaim", "media", "{}", "{}")->retain = true;
    have(&o, "PersistentVolumeClaim", "spool", "{}", "{}")->retain = true;
    have(&o, "ConfigMap", "old", "{}", "{}");
    struct wsl_plan p;
    struct wsl_err err = {0};
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), 0);
    assert_string_equal(plan_str(&p), "no-op Deployment/web, delete ConfigMap/old");
    assert_string_equal(p.kept, "kept (they hold data; delete them by hand): "
                                "PersistentVolumeClaim/media, PersistentVolumeClaim/spool");
    wsl_plan_free(&p);
    /* desired again: a no-op, nothing kept */
    want(&d, "PersistentVolumeClaim", "media", "{}", NULL);
    want(&d, "PersistentVolumeClaim", "spool", "{}", NULL);
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), 0);
    assert_int_equal(p.count[WSL_ACT_DELETE], 1);
    assert_string_equal(p.kept, "");
    wsl_plan_free(&p);
    wsl_objset_free(&d);
    wsl_objset_free(&o);
}

static void partial_observation_through_a_driver(void **state)
{
    struct scripted *s = scripted_new();
    scripted_want(s, "Deployment", "web", DEPLOY_V1, NULL);
    scripted_put(s, "Deployment", "web", true, DEPLOY_V1, NULL);
    scripted_put(s, "Service", "gone", true, "{}", NULL);
    scripted_observe_partial(s, "the Services list was cut off at 500 items");
    struct wsl_plan p;
    struct wsl_err err = {0};
    assert_int_equal(wsl_plan_target(&scripted_driver, scripted_conn(s), NULL, 0, &p, &err), 0);
    assert_int_equal(p.count[WSL_ACT_DELETE], 0);
    assert_string_equal(p.held_back,
                        "deletes held back: the Services list was cut off at 500 items");
    assert_int_equal(p.desired.n, 1); /* the plan owns the sets it read */
    assert_int_equal(p.observed.n, 2);
    wsl_plan_free(&p);

    scripted_observe_partial(s, NULL);
    assert_int_equal(wsl_plan_target(&scripted_driver, scripted_conn(s), NULL, 0, &p, &err), 0);
    assert_string_equal(plan_str(&p), "no-op Deployment/web, delete Service/gone");
    wsl_plan_free(&p);
    scripted_free(s);
}

static void failed_observation_plans_nothing(void **state)
{
    struct wsl_app app = {0};
    app.metadata.name = "web";
    struct scripted *s = scripted_new();
    scripted_want(s, "Deployment", "web", DEPLOY_V1, NULL);
    scripted_put(s, "Service", "gone", true, "{}", NULL);
    int codes[] = {WSL_E_TIMEOUT, WSL_E_NET, WSL_E_HTTP};
    for (size_t k = 0; k < 3; k++) {
        scripted_fail_observe(s, codes[k]);
        struct wsl_plan p;
        struct wsl_err err = {0};
        assert_int_equal(wsl_plan_target(&scripted_driver, scripted_conn(s), &app, 0, &p, &err),
                         codes[k]);
        assert_int_equal(p.n, 0);
        assert_null(p.v);
        assert_int_equal(p.desired.n, 0);
        assert_string_equal(err.msg, "observing web at scripted: listing the objects failed "
                            "(injected)");
        assert_contains(err.hint, "nothing was planned");
        wsl_plan_free(&p);
    }
    scripted_free(s);
}

/* --- order --------------------------------------------------------------------------- */

static void creates_go_dependencies_first(void **state)
{
    struct wsl_objset d = {0}, o = empty_complete();
    want(&d, "Service", "web", "{}", "Deployment/web", NULL);
    want(&d, "Deployment", "web", "{}", "Namespace/shop", "ConfigMap/web", "Secret/external",
         NULL);
    want(&d, "ConfigMap", "web", "{}", "Namespace/shop", NULL);
    want(&d, "Namespace", "shop", "{}", NULL);
    struct wsl_plan p;
    struct wsl_err err = {0};
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), 0);
    assert_string_equal(plan_str(&p), "create Namespace/shop, create ConfigMap/web, create "
                        "Deployment/web, create Service/web");
    /* What each waits for: the Deployment for the Namespace and the ConfigMap (the Secret
     * outside the set orders nothing). */
    assert_int_equal(p.wait_at[0], p.wait_at[1]);
    assert_int_equal(p.wait_at[3] - p.wait_at[2], 2);
    assert_int_equal(p.wait[p.wait_at[2]], 0);
    assert_int_equal(p.wait[p.wait_at[2] + 1], 1);
    assert_int_equal(p.wait_at[4] - p.wait_at[3], 1);
    assert_int_equal(p.wait[p.wait_at[3]], 2);
    wsl_plan_free(&p);
    wsl_objset_free(&d);
}

static void diamond_ties_follow_the_desired_order(void **state)
{
    struct wsl_objset d = {0}, o = empty_complete();
    want(&d, "K", "d", "{}", "K/b", "K/c", NULL);
    want(&d, "K", "c", "{}", "K/a", NULL);
    want(&d, "K", "b", "{}", "K/a", NULL);
    want(&d, "K", "a", "{}", NULL);
    want(&d, "K", "e", "{}", NULL);
    struct wsl_plan p;
    struct wsl_err err = {0};
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), 0);
    /* a first (nothing else is free before it but e, which comes later in the set) */
    assert_string_equal(plan_str(&p), "create K/a, create K/c, create K/b, create K/d, create K/e");
    assert_int_equal(p.wait_at[4] - p.wait_at[3], 2);
    wsl_plan_free(&p);
    wsl_objset_free(&d);
}

static void deletes_go_in_reverse_after_the_rest(void **state)
{
    struct wsl_objset d = {0}, o = empty_complete();
    want(&d, "Namespace", "new", "{}", NULL);
    have(&o, "Namespace", "shop", "{}", "{}");
    have(&o, "Deployment", "web", "{}", "{}");
    wsl_object_depend(&o.v[1], "Namespace", "shop");
    have(&o, "Service", "web", "{}", "{}");
    wsl_object_depend(&o.v[2], "Deployment", "web");
    have(&o, "ConfigMap", "loose", "{}", "{}");
    struct wsl_plan p;
    struct wsl_err err = {0};
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), 0);
    assert_string_equal(plan_str(&p), "create Namespace/new, delete Service/web, delete "
                        "Deployment/web, delete Namespace/shop, delete ConfigMap/loose");
    /* The Deployment's delete waits for the Service's, the Namespace's for the Deployment's. */
    assert_int_equal(p.wait_at[3] - p.wait_at[2], 1);
    assert_int_equal(p.wait[p.wait_at[2]], 1);
    assert_int_equal(p.wait_at[4] - p.wait_at[3], 1);
    assert_int_equal(p.wait[p.wait_at[3]], 2);
    assert_int_equal(p.wait_at[5] - p.wait_at[4], 0);
    wsl_plan_free(&p);
    wsl_objset_free(&d);
    wsl_objset_free(&o);
}

static void cycle_is_an_error_naming_it(void **state)
{
    struct wsl_objset d = {0}, o = empty_complete();
    want(&d, "K", "x", "{}", NULL);
    want(&d, "K", "a", "{}", "K/b", NULL);
    want(&d, "K", "b", "{}", "K/c", NULL);
    want(&d, "K", "c", "{}", "K/a", NULL);
    want(&d, "K", "after", "{}", "K/c", NULL);
    struct wsl_plan p;
    struct wsl_err err = {0};
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), WSL_E_INVALID);
    assert_string_equal(err.msg, "dependency cycle among the desired objects: K/a -> K/b -> K/c "
                        "-> K/a (each depends on the next)");
    assert_int_equal(p.n, 0);
    wsl_objset_free(&d);

    want(&d, "K", "self", "{}", "K/self", NULL);
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), WSL_E_INVALID);
    assert_contains(err.msg, "K/self -> K/self");
    wsl_objset_free(&d);

    /* Among the objects to delete, by their observed deps. */
    have(&o, "K", "p", "{}", "{}");
    have(&o, "K", "q", "{}", "{}");
    wsl_object_depend(&o.v[0], "K", "q");
    wsl_object_depend(&o.v[1], "K", "p");
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), WSL_E_INVALID);
    assert_contains(err.msg, "among the observed objects: K/");
    wsl_objset_free(&o);
}

static void same_input_same_plan(void **state)
{
    struct wsl_objset d = {0}, o1 = empty_complete(), o2 = empty_complete();
    const char *names[] = {"a", "b", "c", "d", "e", "f", "g", "h"};
    for (int i = 0; i < 8; i++)
        want(&d, "K", names[i], "{\"v\":1}", i >= 2 ? "K/a" : NULL, NULL);
    for (int i = 0; i < 8; i++) {
        have(&o1, "K", names[i], "{\"v\":0}", "{\"v\":0}");
        have(&o2, "K", names[7 - i], "{\"v\":0}", "{\"v\":0}");
    }
    have(&o1, "K", "old1", "{}", "{}");
    have(&o1, "K", "old2", "{}", "{}");
    have(&o2, "K", "old1", "{}", "{}");
    have(&o2, "K", "old2", "{}", "{}");
    struct wsl_plan p;
    struct wsl_err err = {0};
    char first[2048];
    assert_int_equal(wsl_plan_make(&d, &o1, 0, &p, &err), 0);
    snprintf(first, sizeof first, "%s", plan_str(&p));
    wsl_plan_free(&p);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(wsl_plan_make(&d, k % 2 ? &o2 : &o1, 0, &p, &err), 0);
        assert_string_equal(plan_str(&p), first);
        wsl_plan_free(&p);
    }
    assert_string_equal(first, "update K/a, update K/b, update K/c, update K/d, update K/e, "
                        "update K/f, update K/g, update K/h, delete K/old1, delete K/old2");
    wsl_objset_free(&d);
    wsl_objset_free(&o1);
    wsl_objset_free(&o2);
}

static void an_object_twice_is_a_driver_bug(void **state)
{
    struct wsl_objset d = {0}, o = empty_complete();
    want(&d, "K", "a", "{}", NULL);
    want(&d, "K", "a", "{}", NULL);
    struct wsl_plan p;
    struct wsl_err err = {0};
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), WSL_E_INTERNAL);
    assert_string_equal(err.msg, "the desired objects hold K/a twice; this is a bug in the "
                        "driver, please report it");
    wsl_objset_free(&d);
}

static void nothing_against_nothing(void **state)
{
    struct wsl_objset d = {0}, o = empty_complete();
    struct wsl_plan p;
    struct wsl_err err = {0};
    assert_int_equal(wsl_plan_make(&d, &o, 0, &p, &err), 0);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.wait_at[0], 0);
    wsl_plan_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_update_delete_noop),
        cmocka_unit_test(drift_is_an_update_with_paths),
        cmocka_unit_test(server_fields_are_ignored),
        cmocka_unit_test(arrays_compare_by_element_and_length),
        cmocka_unit_test(numbers_compare_as_numbers),
        cmocka_unit_test(paths_quote_keys_that_are_not_words),
        cmocka_unit_test(object_in_the_way_is_a_conflict),
        cmocka_unit_test(force_owned_forces_only_owned_objects),
        cmocka_unit_test(partial_observation_deletes_nothing),
        cmocka_unit_test(retained_objects_are_kept_not_deleted),
        cmocka_unit_test(partial_observation_through_a_driver),
        cmocka_unit_test(failed_observation_plans_nothing),
        cmocka_unit_test(creates_go_dependencies_first),
        cmocka_unit_test(diamond_ties_follow_the_desired_order),
        cmocka_unit_test(deletes_go_in_reverse_after_the_rest),
        cmocka_unit_test(cycle_is_an_error_naming_it),
        cmocka_unit_test(same_input_same_plan),
        cmocka_unit_test(an_object_twice_is_a_driver_bug),
        cmocka_unit_test(nothing_against_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
