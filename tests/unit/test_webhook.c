/*
 * test_webhook.c — orchestrator/server/webhook.c: every kind of sender, signed and
 * unsigned, with good and bad bodies. The deliveries are shaped like the forges' own
 * (headers and the fields wissel reads).
 */
#include "lib/hash.h"
#include "orchestrator/server/webhook.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "tests/unit/helpers/asserts.h"

#define SECRET "s3cr3t-hook-key"
#define AFTER "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"

/* Request headers: up to 8 pairs. */
struct hdrs {
    const char *name[8], *value[8];
};

static const char *lookup(void *ctx, const char *name)
{
    const struct hdrs *h = ctx;
    for (int i = 0; i < 8 && h->name[i]; i++)
        if (strcasecmp(h->name[i], name) == 0)
            return h->value[i];
    return NULL;
}

static void add(struct hdrs *h, const char *name, const char *value)
{
    int i = 0;
    while (h->name[i])
        i++;
    h->name[i] = name;
    h->value[i] = value;
}

/* How one kind of sender signs and names its events. */
struct spec {
    enum wsl_hook_kind kind;
    const char *sig;    /* signature or token header */
    const char *prefix; /* "sha256=" or "" */
    bool token;         /* the header carries the secret itself */
    const char *event;  /* event header, NULL for generic */
    const char *push;   /* its push event */
};

static const struct spec specs[] = {
    {WSL_HOOK_GITHUB, "X-Hub-Signature-256", "sha256=", false, "X-GitHub-Event", "push"},
    {WSL_HOOK_GITLAB, "X-Gitlab-Token", "", true, "X-Gitlab-Event", "Push Hook"},
    {WSL_HOOK_GITEA, "X-Gitea-Signature", "", false, "X-Gitea-Event", "push"},
    {WSL_HOOK_GITEA, "X-Forgejo-Signature", "", false, "X-Forgejo-Event", "push"},
    {WSL_HOOK_GENERIC, "X-Wissel-Signature", "sha256=", false, NULL, "push"},
};
#define NSPECS (sizeof specs / sizeof specs[0])

static const char push_body[] =
    "{\"ref\":\"refs/heads/main\",\"before\":\"0000000000000000000000000000000000000000\","
    "\"after\":\"" AFTER "\",\"repository\":{\"full_name\":\"gemeente/deploy\"},"
    "\"commits\":[{\"id\":\"" AFTER "\",\"message\":\"move burgerportaal\"}]}";

/* The header value that authenticates body under key. */
static void sign(const struct spec *sp, const char *key, const void *body, size_t len,
                 char *out, size_t n)
{
    if (sp->token) {
        snprintf(out, n, "%s", key);
        return;
    }
    unsigned char mac[32];
    wsl_hmac_sha256(key, strlen(key), body, len, mac);
    int k = snprintf(out, n, "%s", sp->prefix);
    for (int i = 0; i < 32; i++)
        k += snprintf(out + k, n - (size_t)k, "%02x", mac[i]);
}

/* A delivery of `event` (NULL: none) with `body`, signed with `key` (NULL: unsigned),
 * checked against the configured SECRET. */
static struct wsl_hook_result deliver_n(const struct spec *sp, const char *event,
                                        const void *body, size_t len, const char *key)
{
    struct hdrs h = {{NULL}, {NULL}};
    char sig[128];
    add(&h, "Content-Type", "application/json");
    if (key) {
        sign(sp, key, body, len, sig, sizeof sig);
        add(&h, sp->sig, sig);
    }
    if (event && sp->event)
        add(&h, sp->event, event);
    struct wsl_hook_result r;
    wsl_hook_check(sp->kind, lookup, &h, body, len, (const unsigned char *)SECRET,
                   strlen(SECRET), &r);
    return r;
}

static struct wsl_hook_result deliver(const struct spec *sp, const char *event,
                                      const char *body, const char *key)
{
    return deliver_n(sp, event, body, strlen(body), key);
}

#define assert_verdict(r, want, sp)                                                           \
    do {                                                                                      \
        if ((r).verdict != (want))                                                            \
            fail_msg("%s (%s): got %s, want %s: %s", wsl_hook_kind_name((sp)->kind),          \
                     (sp)->sig, wsl_hook_verdict_name((r).verdict),                           \
                     wsl_hook_verdict_name(want), (r).why);                                   \
    } while (0)

static void test_signed_push(void **state)
{
    for (size_t i = 0; i < NSPECS; i++) {
        struct wsl_hook_result r = deliver(&specs[i], specs[i].push, push_body, SECRET);
        assert_verdict(r, WSL_HOOK_PUSH, &specs[i]);
        assert_string_equal(r.ref, "refs/heads/main");
        assert_string_equal(r.after, AFTER);
        assert_string_equal(r.event, specs[i].push);
        assert_contains(r.why, "refs/heads/main");
    }
}

static void test_wrong_secret(void **state)
{
    for (size_t i = 0; i < NSPECS; i++) {
        struct wsl_hook_result r = deliver(&specs[i], specs[i].push, push_body, "not-the-key");
        assert_verdict(r, WSL_HOOK_UNAUTHORIZED, &specs[i]);
        assert_string_equal(r.ref, "");
        assert_contains(r.why, specs[i].sig);
    }
}

/* A token or key that is only a prefix, or the secret with more after it. */
static void test_secret_prefix_and_extension(void **state)
{
    for (size_t i = 0; i < NSPECS; i++) {
        struct wsl_hook_result r = deliver(&specs[i], specs[i].push, push_body, "s3cr3t");
        assert_verdict(r, WSL_HOOK_UNAUTHORIZED, &specs[i]);
        r = deliver(&specs[i], specs[i].push, push_body, SECRET "x");
        assert_verdict(r, WSL_HOOK_UNAUTHORIZED, &specs[i]);
    }
}

static void test_missing_signature(void **state)
{
    for (size_t i = 0; i < NSPECS; i++) {
        struct wsl_hook_result r = deliver(&specs[i], specs[i].push, push_body, NULL);
        assert_verdict(r, WSL_HOOK_UNAUTHORIZED, &specs[i]);
        assert_contains(r.why, "missing");
    }
}

/* Signed over one body, delivered with another. */
static void test_signature_over_other_body(void **state)
{
    const char *other = "{\"ref\":\"refs/heads/evil\"}";
    for (size_t i = 0; i < NSPECS; i++) {
        if (specs[i].token)
            continue; /* GitLab's token does not cover the body */
        struct hdrs h = {{NULL}, {NULL}};
        char sig[128];
        sign(&specs[i], SECRET, push_body, strlen(push_body), sig, sizeof sig);
        add(&h, specs[i].sig, sig);
        if (specs[i].event)
            add(&h, specs[i].event, specs[i].push);
        struct wsl_hook_result r;
        wsl_hook_check(specs[i].kind, lookup, &h, (const unsigned char *)other, strlen(other),
                       (const unsigned char *)SECRET, strlen(SECRET), &r);
        assert_verdict(r, WSL_HOOK_UNAUTHORIZED, &specs[i]);
        assert_contains(r.why, "does not match the body");
    }
}

/* Signatures that are not <prefix><64 hex>: a wrong prefix, short, non-hex, too long. */
static void test_signature_shapes(void **state)
{
    const struct spec *gh = &specs[0];
    char good[128];
    sign(gh, SECRET, push_body, strlen(push_body), good, sizeof good);
    char upper[128], longer[140], nohex[128];
    snprintf(upper, sizeof upper, "sha256=");
    for (size_t i = 7; good[i]; i++)
        upper[i] = (char)(good[i] >= 'a' && good[i] <= 'f' ? good[i] - 32 : good[i]);
    upper[strlen(good)] = '\0';
    snprintf(longer, sizeof longer, "%s00", good);
    snprintf(nohex, sizeof nohex, "%s", good);
    nohex[20] = 'g';
    const char *bad[] = {good + 7, "sha1=abcdef", "sha256=", "sha256=abc", longer, nohex, ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct hdrs h = {{"X-GitHub-Event", "X-Hub-Signature-256"}, {"push", bad[i]}};
        struct wsl_hook_result r;
        wsl_hook_check(WSL_HOOK_GITHUB, lookup, &h, (const unsigned char *)push_body,
                       strlen(push_body), (const unsigned char *)SECRET, strlen(SECRET), &r);
        assert_verdict(r, WSL_HOOK_UNAUTHORIZED, gh);
    }
    struct hdrs h = {{"X-GitHub-Event", "X-Hub-Signature-256"}, {"push", upper}};
    struct wsl_hook_result r;
    wsl_hook_check(WSL_HOOK_GITHUB, lookup, &h, (const unsigned char *)push_body,
                   strlen(push_body), (const unsigned char *)SECRET, strlen(SECRET), &r);
    assert_verdict(r, WSL_HOOK_PUSH, gh); /* hex digits in upper case are the same digits */
}

static void test_no_secret_configured(void **state)
{
    for (size_t i = 0; i < NSPECS; i++) {
        struct hdrs h = {{NULL}, {NULL}};
        char sig[128];
        sign(&specs[i], "", push_body, strlen(push_body), sig, sizeof sig);
        add(&h, specs[i].sig, sig);
        if (specs[i].event)
            add(&h, specs[i].event, specs[i].push);
        struct wsl_hook_result r;
        wsl_hook_check(specs[i].kind, lookup, &h, (const unsigned char *)push_body,
                       strlen(push_body), (const unsigned char *)"", 0, &r);
        assert_verdict(r, WSL_HOOK_UNAUTHORIZED, &specs[i]);
        assert_contains(r.why, "no secret");
        wsl_hook_check(specs[i].kind, lookup, &h, (const unsigned char *)push_body,
                       strlen(push_body), NULL, 5, &r);
        assert_verdict(r, WSL_HOOK_UNAUTHORIZED, &specs[i]);
    }
}

static void test_ping_and_other_events(void **state)
{
    const char *ping = "{\"zen\":\"Keep it logically awesome.\",\"hook_id\":1}";
    const char *events[] = {"ping", "issues", "Merge Request Hook", "pull_request", "PUSH",
                            "push\r\nX-Evil: 1"};
    for (size_t i = 0; i < NSPECS; i++) {
        if (!specs[i].event)
            continue; /* generic deliveries are always pushes */
        for (size_t e = 0; e < sizeof events / sizeof events[0]; e++) {
            struct wsl_hook_result r = deliver(&specs[i], events[e], ping, SECRET);
            assert_verdict(r, WSL_HOOK_IGNORED, &specs[i]);
            assert_string_equal(r.ref, "");
            assert_null(strchr(r.event, '\n'));
        }
        struct wsl_hook_result r = deliver(&specs[i], "ping", ping, SECRET);
        assert_string_equal(r.event, "ping");
        assert_contains(r.why, "not a push");
    }
}

static void test_missing_event_header(void **state)
{
    for (size_t i = 0; i < NSPECS; i++) {
        if (!specs[i].event)
            continue;
        struct wsl_hook_result r = deliver(&specs[i], NULL, push_body, SECRET);
        assert_verdict(r, WSL_HOOK_MALFORMED, &specs[i]);
        assert_contains(r.why, "missing");
    }
}

static void test_gitlab_tag_push(void **state)
{
    const char *body = "{\"object_kind\":\"tag_push\",\"ref\":\"refs/tags/v1.2.0\",\"after\":\"" AFTER
                       "\"}";
    struct wsl_hook_result r = deliver(&specs[1], "Tag Push Hook", body, SECRET);
    assert_verdict(r, WSL_HOOK_PUSH, &specs[1]);
    assert_string_equal(r.ref, "refs/tags/v1.2.0");
}

static void test_malformed_bodies(void **state)
{
    char too_long[400];
    snprintf(too_long, sizeof too_long, "{\"ref\":\"refs/heads/%0*d\"}", 245, 0); /* 256 bytes */
    char just_fits[400];
    snprintf(just_fits, sizeof just_fits, "{\"ref\":\"refs/heads/%0*d\"}", 244, 0);
    const char *bad[] = {"", "{", "not json", "[\"refs/heads/main\"]", "\"refs/heads/main\"",
                         "{}", "{\"after\":\"" AFTER "\"}", "{\"ref\":42}", "{\"ref\":null}",
                         "{\"ref\":[\"refs/heads/main\"]}", "{\"ref\":\"\"}",
                         "{\"ref\":\"main\"}", "{\"ref\":\"refs/\"}",
                         "{\"ref\":\"refs/heads/a b\"}", "{\"ref\":\"refs/heads/\\u0000x\"}",
                         "{\"ref\":\"refs/heads/\\n\"}", "{\"ref\":\"refs/heads/\\u007f\"}",
                         "payload=%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%7D", too_long};
    for (size_t i = 0; i < NSPECS; i++)
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            struct wsl_hook_result r = deliver(&specs[i], specs[i].push, bad[b], SECRET);
            if (r.verdict != WSL_HOOK_MALFORMED)
                fail_msg("%s, body %s: got %s", specs[i].sig, bad[b],
                         wsl_hook_verdict_name(r.verdict));
            assert_string_equal(r.ref, "");
            assert_true(r.why[0]);
        }
    struct wsl_hook_result r = deliver(&specs[0], "push", too_long, SECRET);
    assert_contains(r.why, "longer than 255");
    r = deliver(&specs[0], "push", "{\"ref\":42}", SECRET);
    assert_contains(r.why, "not a string");
    r = deliver(&specs[0], "push", "{}", SECRET);
    assert_contains(r.why, "no \"ref\"");
    r = deliver(&specs[0], "push", "{\"ref\": tru", SECRET);
    assert_contains(r.why, "not valid JSON");
    assert_null(strstr(r.why, "tru")); /* the body is not quoted */
    r = deliver(&specs[0], "push", "{\"ref\":\"refs/heads/caf\u00e9\"}", SECRET);
    assert_verdict(r, WSL_HOOK_PUSH, &specs[0]);
    assert_string_equal(r.ref, "refs/heads/caf\xc3\xa9");
    r = deliver(&specs[0], "push", just_fits, SECRET);
    assert_verdict(r, WSL_HOOK_PUSH, &specs[0]);
    assert_int_equal(strlen(r.ref), 255);
}

/* An unsigned delivery is refused before its body is read: a bad body does not turn the
 * verdict into MALFORMED. */
static void test_signature_checked_first(void **state)
{
    for (size_t i = 0; i < NSPECS; i++) {
        struct wsl_hook_result r = deliver(&specs[i], specs[i].push, "{", "wrong");
        assert_verdict(r, WSL_HOOK_UNAUTHORIZED, &specs[i]);
    }
}

/* The body is len bytes; what follows in memory is not read. */
static void test_body_not_nul_terminated(void **state)
{
    static const char mem[] = "{\"ref\":\"refs/heads/main\"}trailing garbage, no NUL here";
    size_t len = strlen("{\"ref\":\"refs/heads/main\"}");
    char *copy = malloc(len); /* exactly len bytes: ASan catches a read past it */
    memcpy(copy, mem, len);
    for (size_t i = 0; i < NSPECS; i++) {
        struct wsl_hook_result r = deliver_n(&specs[i], specs[i].push, copy, len, SECRET);
        assert_verdict(r, WSL_HOOK_PUSH, &specs[i]);
        assert_string_equal(r.ref, "refs/heads/main");
        assert_string_equal(r.after, "");
    }
    free(copy);
}

static void test_after_field(void **state)
{
    struct {
        const char *body, *want;
    } cases[] = {
        {"{\"ref\":\"refs/heads/main\",\"after\":\"0D1A26E67D8F5EAF1F6BA5C57FC3C7D91AC0FD1C\"}",
         AFTER},
        {"{\"ref\":\"refs/heads/main\",\"after\":\"xyz\"}", ""},
        {"{\"ref\":\"refs/heads/main\",\"after\":\"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fdzz\"}",
         ""},
        {"{\"ref\":\"refs/heads/main\",\"after\":42}", ""},
        {"{\"ref\":\"refs/heads/main\",\"after\":\"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c0d1a26e6"
         "7d8f5eaf1f6ba5c57fc3\"}",
         ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct wsl_hook_result r = deliver(&specs[0], "push", cases[i].body, SECRET);
        assert_verdict(r, WSL_HOOK_PUSH, &specs[0]);
        assert_string_equal(r.after, cases[i].want);
    }
}

/* Forgejo sends both X-Forgejo-* and X-Gitea-*; the Forgejo one is used. */
static void test_forgejo_and_gitea_headers(void **state)
{
    char good[128];
    sign(&specs[3], SECRET, push_body, strlen(push_body), good, sizeof good);
    struct hdrs h = {{"X-Forgejo-Signature", "X-Gitea-Signature", "X-Forgejo-Event",
                      "X-Gitea-Event"},
                     {good, "00", "push", "push"}};
    struct wsl_hook_result r;
    wsl_hook_check(WSL_HOOK_GITEA, lookup, &h, (const unsigned char *)push_body,
                   strlen(push_body), (const unsigned char *)SECRET, strlen(SECRET), &r);
    assert_verdict(r, WSL_HOOK_PUSH, &specs[3]);
    h.value[0] = "00";
    h.value[1] = good;
    wsl_hook_check(WSL_HOOK_GITEA, lookup, &h, (const unsigned char *)push_body,
                   strlen(push_body), (const unsigned char *)SECRET, strlen(SECRET), &r);
    assert_verdict(r, WSL_HOOK_UNAUTHORIZED, &specs[3]);
}

static void test_kind_names(void **state)
{
    enum wsl_hook_kind k;
    assert_true(wsl_hook_kind_parse("github", &k));
    assert_int_equal(k, WSL_HOOK_GITHUB);
    assert_true(wsl_hook_kind_parse("gitlab", &k));
    assert_int_equal(k, WSL_HOOK_GITLAB);
    assert_true(wsl_hook_kind_parse("gitea", &k));
    assert_int_equal(k, WSL_HOOK_GITEA);
    assert_true(wsl_hook_kind_parse("forgejo", &k));
    assert_int_equal(k, WSL_HOOK_GITEA);
    assert_true(wsl_hook_kind_parse("generic", &k));
    assert_int_equal(k, WSL_HOOK_GENERIC);
    assert_false(wsl_hook_kind_parse("GitHub", &k));
    assert_false(wsl_hook_kind_parse("bitbucket", &k));
    assert_false(wsl_hook_kind_parse("", &k));
    assert_false(wsl_hook_kind_parse(NULL, &k));
    assert_string_equal(wsl_hook_kind_name(WSL_HOOK_GITLAB), "gitlab");
    assert_string_equal(wsl_hook_verdict_name(WSL_HOOK_MALFORMED), "malformed");
}

/* A NULL header function: nothing is sent, nothing is accepted. */
static void test_no_headers(void **state)
{
    struct wsl_hook_result r;
    wsl_hook_check(WSL_HOOK_GITHUB, NULL, NULL, NULL, 0, (const unsigned char *)SECRET,
                   strlen(SECRET), &r);
    assert_int_equal(r.verdict, WSL_HOOK_UNAUTHORIZED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_signed_push),
        cmocka_unit_test(test_wrong_secret),
        cmocka_unit_test(test_secret_prefix_and_extension),
        cmocka_unit_test(test_missing_signature),
        cmocka_unit_test(test_signature_over_other_body),
        cmocka_unit_test(test_signature_shapes),
        cmocka_unit_test(test_no_secret_configured),
        cmocka_unit_test(test_ping_and_other_events),
        cmocka_unit_test(test_missing_event_header),
        cmocka_unit_test(test_gitlab_tag_push),
        cmocka_unit_test(test_malformed_bodies),
        cmocka_unit_test(test_signature_checked_first),
        cmocka_unit_test(test_body_not_nul_terminated),
        cmocka_unit_test(test_after_field),
        cmocka_unit_test(test_forgejo_and_gitea_headers),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_no_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
