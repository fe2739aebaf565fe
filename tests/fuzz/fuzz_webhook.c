/*
 * fuzz_webhook.c — libFuzzer target for the webhook receiver (orchestrator/server/webhook.c).
 *
 * Input: a first line "<kind> <mode>" ("github signed", "gitlab raw", ...), header lines
 * "Name: value", an empty line, then the body (any bytes, not NUL-terminated). In mode
 * "signed" the fuzzer puts the right signature (or GitLab token) for the body in front of
 * the headers, so that authentic deliveries reach the JSON parser; otherwise the headers
 * are used as given. Inputs without such a first line (the shared YAML seeds) choose kind
 * and mode from their first byte and are all body.
 *
 * What must hold: no crash, leak, hang or UBSan report; every field NUL-terminated; a push
 * has a full ref name ("refs/...", under 256 bytes, no blanks) and an empty or 40-hex
 * "after"; every other verdict says why; a signed delivery is never UNAUTHORIZED; with no
 * secret configured every delivery is UNAUTHORIZED.
 *
 *   make build/fuzz/fuzz_webhook && build/fuzz/fuzz_webhook -dict=tests/fuzz/yaml.dict \
 *       build/fuzz/corpus-fuzz_webhook tests/fuzz/seeds-webhook tests/fuzz/seeds
 */
#include "lib/hash.h"
#include "orchestrator/server/webhook.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "fuzz-secret"
#define MAX_HEADERS 16

struct hdrs {
    char *name[MAX_HEADERS], *value[MAX_HEADERS];
    int n;
};

static void check(int cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz_webhook: invariant broken: %s\n", what);
        abort();
    }
}

static const char *lookup(void *ctx, const char *name)
{
    const struct hdrs *h = ctx;
    for (int i = 0; i < h->n; i++)
        if (strcasecmp(h->name[i], name) == 0)
            return h->value[i];
    return NULL;
}

static void add(struct hdrs *h, const char *name, size_t nlen, const char *value, size_t vlen)
{
    if (h->n == MAX_HEADERS)
        return;
    h->name[h->n] = strndup(name, nlen);
    h->value[h->n] = strndup(value, vlen);
    h->n++;
}

static void free_hdrs(struct hdrs *h)
{
    for (int i = 0; i < h->n; i++) {
        free(h->name[i]);
        free(h->value[i]);
    }
}

/* The header a signed delivery of this kind carries, and its value for body. */
static void sign(enum wsl_hook_kind kind, const uint8_t *body, size_t len, struct hdrs *h)
{
    static const char *const names[] = {"X-Hub-Signature-256", "X-Gitlab-Token",
                                        "X-Gitea-Signature", "X-Wissel-Signature"};
    char v[80] = "";
    if (kind == WSL_HOOK_GITLAB)
        snprintf(v, sizeof v, "%s", SECRET);
    else {
        unsigned char mac[32];
        wsl_hmac_sha256(SECRET, strlen(SECRET), len ? (const void *)body : "", len, mac);
        int k = snprintf(v, sizeof v, "%s", kind == WSL_HOOK_GITEA ? "" : "sha256=");
        for (int i = 0; i < 32; i++)
            k += snprintf(v + k, sizeof v - (size_t)k, "%02x", mac[i]);
    }
    add(h, names[kind], strlen(names[kind]), v, strlen(v));
    if (kind == WSL_HOOK_GITEA) /* Forgejo's header is preferred when both are sent */
        add(h, "X-Forgejo-Signature", 19, v, strlen(v));
}

/* Header lines up to the first empty line; returns where the body starts. */
static size_t parse_headers(const uint8_t *d, size_t size, size_t pos, struct hdrs *h)
{
    while (pos < size) {
        const uint8_t *nl = memchr(d + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - d) : size;
        if (end == pos)
            return end + 1;
        const uint8_t *colon = memchr(d + pos, ':', end - pos);
        if (colon) {
            size_t v = (size_t)(colon - d) + 1;
            while (v < end && d[v] == ' ')
                v++;
            add(h, (const char *)d + pos, (size_t)(colon - d) - pos, (const char *)d + v,
                end - v);
        }
        pos = end + 1;
    }
    return size;
}

static bool ends_at_nul(const char *s, size_t n)
{
    return memchr(s, '\0', n) != NULL;
}

static void check_result(const struct wsl_hook_result *r)
{
    check(ends_at_nul(r->event, sizeof r->event) && ends_at_nul(r->ref, sizeof r->ref) &&
              ends_at_nul(r->after, sizeof r->after) && ends_at_nul(r->why, sizeof r->why),
          "a field without its NUL");
    check(r->verdict <= WSL_HOOK_MALFORMED, "an unknown verdict");
    check(r->why[0] != '\0', "a verdict without a reason");
    if (r->verdict != WSL_HOOK_PUSH) {
        check(r->ref[0] == '\0' && r->after[0] == '\0', "a ref without a push");
        return;
    }
    size_t n = strlen(r->ref);
    check(n > 5 && strncmp(r->ref, "refs/", 5) == 0, "a push without a full ref");
    for (size_t i = 0; i < n; i++)
        check((unsigned char)r->ref[i] > 0x20 && r->ref[i] != 0x7f, "a blank in the ref");
    check(r->after[0] == '\0' || strspn(r->after, "0123456789abcdef") == 40,
          "an after that is not 40 hex digits");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    enum wsl_hook_kind kind = size ? (enum wsl_hook_kind)(data[0] % 4) : WSL_HOOK_GITHUB;
    bool signed_ = size && (data[0] & 4);
    size_t body = 0;
    struct hdrs h = {0};
    const uint8_t *nl = size ? memchr(data, '\n', size < 40 ? size : 40) : NULL;
    char first[41] = "";
    if (nl) {
        memcpy(first, data, (size_t)(nl - data));
        char *mode = strchr(first, ' ');
        if (mode)
            *mode++ = '\0';
        if (mode && wsl_hook_kind_parse(first, &kind)) {
            signed_ = strcmp(mode, "signed") == 0;
            body = (size_t)(nl - data) + 1;
        }
    }
    size_t hstart = body;
    if (body) {
        /* First pass only to find the body; the signature goes in front of the headers. */
        struct hdrs scan = {0};
        body = parse_headers(data, size, hstart, &scan);
        free_hdrs(&scan);
    }
    if (signed_)
        sign(kind, data + body, size - body, &h);
    if (hstart)
        parse_headers(data, size, hstart, &h);

    struct wsl_hook_result r;
    const unsigned char *b = data + body;
    size_t blen = size - body;
    wsl_hook_check(kind, lookup, &h, b, blen, (const unsigned char *)SECRET, strlen(SECRET), &r);
    check_result(&r);
    check(!signed_ || r.verdict != WSL_HOOK_UNAUTHORIZED, "a signed delivery refused");
    wsl_hook_check(kind, lookup, &h, b, blen, (const unsigned char *)"", 0, &r);
    check_result(&r);
    check(r.verdict == WSL_HOOK_UNAUTHORIZED, "accepted without a secret");
    free_hdrs(&h);
    return 0;
}
