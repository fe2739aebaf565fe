/*
 * webhook.h — verify and read one webhook delivery from a forge (GitHub, GitLab,
 * Gitea/Forgejo) or from anything that can sign a small JSON body (generic).
 *
 * Pure: no network, no server. The caller hands over the delivery's headers (through a
 * lookup function), its body and the secret configured for the hook, and gets a verdict:
 *
 *   kind      authenticity                                   event header
 *   github    X-Hub-Signature-256: sha256=<hex HMAC-SHA256>  X-GitHub-Event: push
 *   gitlab    X-Gitlab-Token: <the secret itself>            X-Gitlab-Event: Push Hook,
 *                                                            Tag Push Hook
 *   gitea     X-Forgejo-Signature or X-Gitea-Signature:      X-Forgejo-Event or
 *             <hex HMAC-SHA256>                              X-Gitea-Event: push
 *   generic   X-Wissel-Signature: sha256=<hex HMAC-SHA256>   (always a push)
 *
 * The HMAC is keyed with the secret and taken over the exact body bytes. Authenticity is
 * decided before a byte of the body is parsed, every comparison takes time independent of
 * where the values differ (GitLab's token is compared as HMACs of equal length, so its
 * length does not leak either), and an empty secret means no delivery is authentic: an
 * unsigned hook is never accepted.
 *
 * For a push, the body is JSON (any bytes are safe: it need not be NUL-terminated) with
 *   "ref":   required string, a full ref name ("refs/heads/main"), at most 255 bytes,
 *            without blanks or control characters (UTF-8 is allowed);
 *   "after": optional; when it is a string of 40 hex digits it is copied (lower-case),
 *            otherwise (SHA-256 repositories, or absent) `after` stays empty.
 */
#ifndef WSL_WEBHOOK_H
#define WSL_WEBHOOK_H

#include <stdbool.h>
#include <stddef.h>

enum wsl_hook_kind { WSL_HOOK_GITHUB, WSL_HOOK_GITLAB, WSL_HOOK_GITEA, WSL_HOOK_GENERIC };

enum wsl_hook_verdict {
    WSL_HOOK_PUSH,         /* authentic push: ref says which ref moved (answer 202) */
    WSL_HOOK_IGNORED,      /* authentic, but not a push: ping, issue, unknown (answer 200/204) */
    WSL_HOOK_UNAUTHORIZED, /* signature/token missing or wrong, or no secret set (answer 401) */
    WSL_HOOK_MALFORMED,    /* authentic but unreadable: no event header, bad JSON, bad ref (400) */
};

struct wsl_hook_result {
    enum wsl_hook_verdict verdict;
    char event[64];  /* the event header as sent (printable ASCII, cut to fit), "" when none */
    char ref[256];   /* PUSH: the ref that moved, "refs/heads/main" */
    char after[41];  /* PUSH: the new commit (40 lower-case hex), "" when not given */
    char why[256];   /* a sentence for the log and the answer; never holds a secret or body */
};

/* Case-insensitive lookup of a request header's value; NULL when absent. */
typedef const char *(*wsl_hook_header_fn)(void *ctx, const char *name);

/* Judge one delivery; fills every field of *out. secret may be NULL (then secret_len is
 * ignored and the verdict is UNAUTHORIZED), body may be NULL when len is 0. */
void wsl_hook_check(enum wsl_hook_kind kind, wsl_hook_header_fn header, void *ctx,
                    const unsigned char *body, size_t len, const unsigned char *secret,
                    size_t secret_len, struct wsl_hook_result *out);

/* "github", "gitlab", "gitea", "forgejo" (the same as gitea) or "generic"; case-sensitive.
 * Returns false for anything else. */
bool wsl_hook_kind_parse(const char *name, enum wsl_hook_kind *out);
/* The name of a kind ("github", ...), for logs. */
const char *wsl_hook_kind_name(enum wsl_hook_kind kind);
/* "push", "ignored", "unauthorized", "malformed". */
const char *wsl_hook_verdict_name(enum wsl_hook_verdict v);

#endif
