/*
 * webhook.c — verify and read a webhook delivery (see webhook.h).
 *
 * Order matters: the signature (or token) is checked over the raw bytes first, then the
 * event header, and only an authentic push has its body parsed.
 */
#include "orchestrator/server/webhook.h"

#include "lib/hash.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DIGEST_LEN 32

/* What one kind of sender puts where. Two header names where Forgejo and Gitea differ:
 * the first one present is used. */
struct forge {
    const char *name;
    const char *sig[2];   /* signature (or token) header names */
    const char *prefix;   /* before the hex digits ("sha256=") or "" */
    bool token;           /* the header carries the secret itself (GitLab) */
    const char *event[2]; /* event header names; NULL: every delivery is a push */
    const char *push[2];  /* event values that mean a push */
};

static const struct forge forges[] = {
    [WSL_HOOK_GITHUB] = {"github", {"X-Hub-Signature-256"}, "sha256=", false,
                         {"X-GitHub-Event"}, {"push"}},
    [WSL_HOOK_GITLAB] = {"gitlab", {"X-Gitlab-Token"}, "", true, {"X-Gitlab-Event"},
                         {"Push Hook", "Tag Push Hook"}},
    [WSL_HOOK_GITEA] = {"gitea", {"X-Forgejo-Signature", "X-Gitea-Signature"}, "", false,
                        {"X-Forgejo-Event", "X-Gitea-Event"}, {"push"}},
    [WSL_HOOK_GENERIC] = {"generic", {"X-Wissel-Signature"}, "sha256=", false, {NULL}, {NULL}},
};

static void verdict(struct wsl_hook_result *out, enum wsl_hook_verdict v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void verdict(struct wsl_hook_result *out, enum wsl_hook_verdict v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    out->verdict = v;
    vsnprintf(out->why, sizeof out->why, fmt, ap);
    va_end(ap);
}

static const char *first_header(wsl_hook_header_fn header, void *ctx, const char *const names[2],
                                const char **which)
{
    for (int i = 0; i < 2 && names[i]; i++) {
        const char *v = header ? header(ctx, names[i]) : NULL;
        if (v) {
            *which = names[i];
            return v;
        }
    }
    *which = names[0];
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Exactly 2*n hex digits into n bytes; false otherwise. */
static bool unhex(const char *s, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!s[2 * i] || !s[2 * i + 1])
            return false;
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return s[2 * n] == '\0';
}

/* The header value is prefix + hex(HMAC-SHA256(secret, body)). */
static bool signature_ok(const struct forge *f, const char *name, const char *value,
                         const unsigned char *body, size_t len, const unsigned char *secret,
                         size_t slen, struct wsl_hook_result *out)
{
    unsigned char want[DIGEST_LEN], got[DIGEST_LEN];
    size_t plen = strlen(f->prefix);
    if (strncmp(value, f->prefix, plen) != 0 || !unhex(value + plen, got, sizeof got)) {
        verdict(out, WSL_HOOK_UNAUTHORIZED, "%s is not %s<64 hex digits>", name, f->prefix);
        return false;
    }
    wsl_hmac_sha256(secret, slen, len ? (const void *)body : "", len, want);
    if (wsl_ct_memcmp(want, got, sizeof want) != 0) {
        verdict(out, WSL_HOOK_UNAUTHORIZED,
                "%s does not match the body (is the secret the same on both sides?)", name);
        return false;
    }
    return true;
}

/* The header value is the secret itself: compare HMACs of both, which have equal length
 * whatever was sent, so neither content nor length leaks through timing. */
static bool token_ok(const char *name, const char *value, const unsigned char *secret,
                     size_t slen, struct wsl_hook_result *out)
{
    unsigned char want[DIGEST_LEN], got[DIGEST_LEN];
    wsl_hmac_sha256(secret, slen, secret, slen, want);
    wsl_hmac_sha256(secret, slen, value, strlen(value), got);
    if (wsl_ct_memcmp(want, got, sizeof want) != 0) {
        verdict(out, WSL_HOOK_UNAUTHORIZED, "%s does not match the configured secret", name);
        return false;
    }
    return true;
}

static bool authentic(const struct forge *f, wsl_hook_header_fn header, void *ctx,
                      const unsigned char *body, size_t len, const unsigned char *secret,
                      size_t slen, struct wsl_hook_result *out)
{
    if (!secret || slen == 0) {
        verdict(out, WSL_HOOK_UNAUTHORIZED,
                "no secret is configured for this %s hook: every delivery is refused", f->name);
        return false;
    }
    const char *name;
    const char *value = first_header(header, ctx, f->sig, &name);
    if (!value) {
        verdict(out, WSL_HOOK_UNAUTHORIZED, "missing %s header", name);
        return false;
    }
    if (f->token)
        return token_ok(name, value, secret, slen, out);
    return signature_ok(f, name, value, body, len, secret, slen, out);
}

/* Printable ASCII, others as '?', cut to fit. */
static void copy_printable(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < n; i++)
        dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
    dst[i] = '\0';
}

/* Fills out->event; true when the delivery is a push. Sets the verdict otherwise. */
static bool is_push(const struct forge *f, wsl_hook_header_fn header, void *ctx,
                    struct wsl_hook_result *out)
{
    if (!f->event[0]) {
        copy_printable(out->event, sizeof out->event, "push");
        return true;
    }
    const char *name;
    const char *value = first_header(header, ctx, f->event, &name);
    if (!value) {
        verdict(out, WSL_HOOK_MALFORMED, "missing %s header", name);
        return false;
    }
    copy_printable(out->event, sizeof out->event, value);
    for (int i = 0; i < 2 && f->push[i]; i++)
        if (strcmp(value, f->push[i]) == 0)
            return true;
    verdict(out, WSL_HOOK_IGNORED, "event \"%s\" is not a push", out->event);
    return false;
}

/* A full ref name: "refs/...", no blanks or control characters, fits in out->ref. */
static bool ref_ok(const json_t *ref, struct wsl_hook_result *out)
{
    if (!json_is_string(ref)) {
        verdict(out, WSL_HOOK_MALFORMED, ref ? "\"ref\" is not a string"
                                             : "the body has no \"ref\" (which ref moved?)");
        return false;
    }
    const char *s = json_string_value(ref);
    size_t n = json_string_length(ref);
    if (n >= sizeof out->ref) {
        verdict(out, WSL_HOOK_MALFORMED, "\"ref\" is longer than %zu bytes",
                sizeof out->ref - 1);
        return false;
    }
    bool printable = strlen(s) == n;
    for (size_t i = 0; i < n && printable; i++)
        printable = (unsigned char)s[i] > 0x20 && s[i] != 0x7f;
    if (!printable || strncmp(s, "refs/", 5) != 0 || n == 5) {
        verdict(out, WSL_HOOK_MALFORMED,
                "\"ref\" is not a full ref name such as \"refs/heads/main\"");
        return false;
    }
    memcpy(out->ref, s, n + 1);
    return true;
}

/* "after": 40 hex digits are kept (lower-case); anything else leaves it empty. */
static void copy_after(const json_t *after, struct wsl_hook_result *out)
{
    const char *s = json_string_value(after);
    if (!s || json_string_length(after) != 40)
        return;
    char tmp[41];
    for (int i = 0; i < 40; i++) {
        int v = hexval(s[i]);
        if (v < 0)
            return;
        tmp[i] = "0123456789abcdef"[v];
    }
    tmp[40] = '\0';
    memcpy(out->after, tmp, sizeof tmp);
}

static void parse_push(const unsigned char *body, size_t len, struct wsl_hook_result *out)
{
    json_error_t je;
    /* The error text of jansson quotes the body; only its position is reported. */
    json_t *root = json_loadb(len ? (const char *)body : "", len, 0, &je);
    if (!root) {
        verdict(out, WSL_HOOK_MALFORMED,
                "the body is not valid JSON (line %d, column %d): is the hook's content "
                "type application/json?",
                je.line, je.column);
        return;
    }
    if (!json_is_object(root))
        verdict(out, WSL_HOOK_MALFORMED, "the body is JSON but not an object");
    else if (ref_ok(json_object_get(root, "ref"), out)) {
        copy_after(json_object_get(root, "after"), out);
        verdict(out, WSL_HOOK_PUSH, "push to %s", out->ref);
    }
    json_decref(root);
}

void wsl_hook_check(enum wsl_hook_kind kind, wsl_hook_header_fn header, void *ctx,
                    const unsigned char *body, size_t len, const unsigned char *secret,
                    size_t secret_len, struct wsl_hook_result *out)
{
    memset(out, 0, sizeof *out);
    if ((unsigned)kind > WSL_HOOK_GENERIC) {
        verdict(out, WSL_HOOK_UNAUTHORIZED, "unknown hook kind %d", (int)kind);
        return;
    }
    const struct forge *f = &forges[kind];
    if (!authentic(f, header, ctx, body, len, secret, secret_len, out))
        return;
    if (!is_push(f, header, ctx, out))
        return;
    parse_push(body, len, out);
}

bool wsl_hook_kind_parse(const char *name, enum wsl_hook_kind *out)
{
    if (!name)
        return false;
    if (strcmp(name, "forgejo") == 0) {
        *out = WSL_HOOK_GITEA;
        return true;
    }
    for (size_t i = 0; i < sizeof forges / sizeof forges[0]; i++)
        if (strcmp(name, forges[i].name) == 0) {
            *out = (enum wsl_hook_kind)i;
            return true;
        }
    return false;
}

const char *wsl_hook_kind_name(enum wsl_hook_kind kind)
{
    return (unsigned)kind <= WSL_HOOK_GENERIC ? forges[kind].name : "unknown";
}

const char *wsl_hook_verdict_name(enum wsl_hook_verdict v)
{
    static const char *const names[] = {"push", "ignored", "unauthorized", "malformed"};
    return (unsigned)v <= WSL_HOOK_MALFORMED ? names[v] : "unknown";
}
