/*
 * Unit tests of orchestrator/git/verify.{h,c}, sshsig.c and pgp.c: signed commits.
 *
 * The fixtures (tests/fixtures/signing, made once by make-fixtures.sh) are raw commit
 * objects signed by git with SSH and gpg keys, and the public halves of those keys, so no
 * gpg is needed here. One test makes a real repository with git and ssh-keygen when they
 * are installed; an rsa-sha2-256 SSH signature (which ssh-keygen never makes) is made here
 * with OpenSSL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/base64.h"
#include "lib/buf.h"
#include "lib/fs.h"
#include "orchestrator/git/verify.h"
#include "tests/unit/helpers/asserts.h"
#include "tests/unit/helpers/shell.h"

#include <ftw.h>
#include <git2.h>
#include <limits.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIX "tests/fixtures/signing/"

static char tmp[PATH_MAX];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int setup(void **state)
{
    snprintf(tmp, sizeof tmp, "/tmp/wsl-verify-test-XXXXXX");
    return mkdtemp(tmp) ? 0 : -1;
}

static int teardown(void **state)
{
    return nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* --- fixtures ---------------------------------------------------------------------- */

static void slurp(const char *path, struct wsl_buf *out)
{
    struct wsl_err err = {0};
    if (wsl_read_file(path, 1 << 20, out, &err) != 0)
        fail_msg("%s", err.msg);
}

/* A commit split as git_commit_extract_signature does: the gpgsig value (continuation
 * lines unfolded) and the commit without that header. */
struct commit {
    struct wsl_buf sig, data;
};

static void split(const char *raw, struct commit *c)
{
    *c = (struct commit){WSL_BUF_INIT, WSL_BUF_INIT};
    const char *p = raw;
    bool in_sig = false, header = true;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        if (header && n == 1)
            header = false;
        if (header && !strncmp(p, "gpgsig ", 7)) {
            in_sig = true;
            wsl_buf_append(&c->sig, p + 7, n - 7);
        } else if (header && in_sig && p[0] == ' ') {
            wsl_buf_append(&c->sig, p + 1, n - 1);
        } else {
            in_sig = false;
            wsl_buf_append(&c->data, p, n);
        }
        p += n;
    }
    if (c->sig.len && c->sig.data[c->sig.len - 1] == '\n') /* as libgit2 gives it */
        c->sig.data[--c->sig.len] = '\0';
}

static void load(const char *kind, struct commit *c)
{
    char path[256];
    struct wsl_buf raw = WSL_BUF_INIT;
    snprintf(path, sizeof path, FIX "commit-%s.txt", kind);
    slurp(path, &raw);
    split(wsl_buf_str(&raw), c);
    wsl_buf_free(&raw);
}

static void drop(struct commit *c)
{
    wsl_buf_free(&c->sig);
    wsl_buf_free(&c->data);
}

static const struct wsl_git_trust ssh_trust = {FIX "allowed_signers", NULL};

static int verify(const struct commit *c, const struct wsl_git_trust *t, char signer[256],
                  struct wsl_err *err)
{
    return wsl_sig_verify(c->sig.data, c->sig.len, c->data.data, c->data.len, t, signer, err);
}

/* kind verified with t must fail with code, and the message must contain want. */
static void expect_fail(const char *kind, const struct wsl_git_trust *t, int code,
                        const char *want)
{
    struct commit c;
    struct wsl_err err = {0};
    char signer[256] = "x";
    load(kind, &c);
    assert_code(verify(&c, t, signer, &err), code, &err);
    assert_contains(err.msg, want);
    assert_string_equal(signer, "");
    drop(&c);
}

static void write_file(const char *name, const char *text, char path[PATH_MAX])
{
    snprintf(path, PATH_MAX, "%s/%s", tmp, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The "keytype base64" of an SSH public key fixture. */
static void pubkey(const char *name, char *out, size_t n)
{
    char path[256];
    struct wsl_buf b = WSL_BUF_INIT;
    snprintf(path, sizeof path, FIX "ssh-%s.pub", name);
    slurp(path, &b);
    char *sp = strchr(b.data, ' ');
    assert_non_null(sp);
    sp = strchr(sp + 1, ' ');
    snprintf(out, n, "%.*s", sp ? (int)(sp - b.data) : (int)strcspn(b.data, "\n"), b.data);
    wsl_buf_free(&b);
}

/* --- good signatures --------------------------------------------------------------- */

static const struct {
    const char *kind, *keyring, *signer;
} good[] = {
    {"ssh-ed25519", NULL, "ed25519@example.org"},
    {"ssh-ecdsa", NULL, "ecdsa@example.org,ops@example.org"},
    {"ssh-rsa", NULL, "rsa@example.org"},
    {"pgp-rsa", FIX "pgp-rsa.asc", "Rsa Signer <rsa-pgp@example.org> ("},
    {"pgp-ed25519", FIX "pgp-ed25519.asc",
     "Ed Signer <ed-pgp@example.org> (2AE844FAFAB10A8CC9FDF179B8A118D47F3CDD29)"},
    {"pgp-rsa", FIX "pgp-all.gpg", "Rsa Signer <rsa-pgp@example.org> ("},
    {"pgp-ed25519", FIX "pgp-all.gpg", "Ed Signer <ed-pgp@example.org> ("},
};

static struct wsl_git_trust trust_for(int i)
{
    return good[i].keyring ? (struct wsl_git_trust){NULL, good[i].keyring} : ssh_trust;
}

static void test_good_signatures(void **state)
{
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct commit c;
        struct wsl_err err = {0};
        char signer[256] = "";
        struct wsl_git_trust t = trust_for((int)i);
        load(good[i].kind, &c);
        assert_code(verify(&c, &t, signer, &err), 0, &err);
        if (strncmp(signer, good[i].signer, strlen(good[i].signer)))
            fail_msg("%s: signer \"%s\", want \"%s...\"", good[i].kind, signer, good[i].signer);
        drop(&c);
    }
}

/* The RSA key signs with its subkey; the signer is named by the primary key. */
static void test_pgp_subkey_names_primary(void **state)
{
    struct commit c;
    struct wsl_err err = {0};
    char signer[256] = "";
    struct wsl_git_trust t = {NULL, FIX "pgp-rsa.asc"};
    load("pgp-rsa", &c);
    assert_code(verify(&c, &t, signer, &err), 0, &err);
    assert_contains(signer, "D094F133CEC569B8)"); /* the primary's key id ends it */
    assert_null(strstr(signer, "623F12D73BA8B099"));  /* not the subkey's */
    drop(&c);
}

/* --- bad ones ---------------------------------------------------------------------- */

static void test_tampered(void **state)
{
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct commit c;
        struct wsl_err err = {0};
        char signer[256] = "";
        struct wsl_git_trust t = trust_for((int)i);
        load(good[i].kind, &c);
        char *dot = strrchr(c.data.data, '.'); /* one byte of the message */
        assert_non_null(dot);
        *dot = '!';
        assert_code(verify(&c, &t, signer, &err), WSL_E_POLICY, &err);
        assert_contains(err.msg, "does not verify");
        assert_string_equal(signer, "");
        drop(&c);
    }
}

static void test_untrusted(void **state)
{
    char path[PATH_MAX], ed[1024], ec[1024], rsa[1024], text[4096];
    pubkey("ed25519", ed, sizeof ed);
    pubkey("ecdsa", ec, sizeof ec);
    pubkey("rsa", rsa, sizeof rsa);
    snprintf(text, sizeof text, "a@x %s\nb@x %s\n", ec, rsa);
    write_file("no-ed25519", text, path);
    struct wsl_git_trust t = {path, NULL};
    expect_fail("ssh-ed25519", &t, WSL_E_POLICY, "signed by a key that is not trusted (SHA256:");
    snprintf(text, sizeof text, "a@x %s\n", ed);
    write_file("only-ed25519", text, path);
    expect_fail("ssh-ecdsa", &t, WSL_E_POLICY, "not trusted (SHA256:");
    expect_fail("ssh-rsa", &t, WSL_E_POLICY, "not trusted (SHA256:");
    t = (struct wsl_git_trust){NULL, FIX "pgp-ed25519.asc"};
    expect_fail("pgp-rsa", &t, WSL_E_POLICY,
                "not trusted (fingerprint B04DEB127819F9DD1D437BBB623F12D73BA8B099)");
    t = (struct wsl_git_trust){NULL, FIX "pgp-rsa.asc"};
    expect_fail("pgp-ed25519", &t, WSL_E_POLICY, "not trusted (fingerprint 2AE844FA");
    /* no trust file for that kind of signature at all */
    expect_fail("ssh-ed25519", &t, WSL_E_POLICY, "no allowed-signers file is configured");
    expect_fail("pgp-rsa", &ssh_trust, WSL_E_POLICY, "no keyring file is configured");
}

static void test_unsigned(void **state)
{
    expect_fail("unsigned", &ssh_trust, WSL_E_POLICY, "the commit is not signed");
    struct wsl_err err = {0};
    char signer[256];
    assert_code(wsl_sig_verify(NULL, 0, "tree x\n", 7, &ssh_trust, signer, &err),
                WSL_E_POLICY, &err);
    assert_contains(err.msg, "not signed");
}

static void test_namespace_not_git(void **state)
{
    char path[PATH_MAX], ed[1024], text[4096];
    pubkey("ed25519", ed, sizeof ed);
    snprintf(text, sizeof text, "ed25519@example.org namespaces=\"file\" %s\n", ed);
    write_file("ns-file", text, path);
    struct wsl_git_trust t = {path, NULL};
    expect_fail("ssh-ed25519", &t, WSL_E_POLICY, "not trusted");
    expect_fail("ssh-ed25519", &t, WSL_E_POLICY, "line 1 trusts it for other namespaces");
    snprintf(text, sizeof text, "x@x namespaces=\"*,!git\" %s\n", ed);
    write_file("ns-not-git", text, path);
    expect_fail("ssh-ed25519", &t, WSL_E_POLICY, "not trusted");
    /* the ecdsa line of the fixture says namespaces="file,git": it counts (good above) */
}

static void test_validity_and_options(void **state)
{
    char path[PATH_MAX], ed[1024], text[4096], signer[256];
    struct wsl_git_trust t = {path, NULL};
    struct commit c;
    struct wsl_err err = {0};
    pubkey("ed25519", ed, sizeof ed);
    /* the commit was made 2024-05-01T12:00:00Z */
    snprintf(text, sizeof text, "old@x valid-before=\"20240101\" %s\n", ed);
    write_file("expired", text, path);
    expect_fail("ssh-ed25519", &t, WSL_E_POLICY, "not at the commit's time");
    snprintf(text, sizeof text, "# comment\n\n  \nc@x cert-authority %s\n"
                                "new@x valid-after=\"20240501115900Z\",valid-before=20240502 %s\n",
             ed, ed);
    write_file("valid", text, path);
    load("ssh-ed25519", &c);
    assert_code(verify(&c, &t, signer, &err), 0, &err);
    assert_string_equal(signer, "new@x");
    snprintf(text, sizeof text, "c@x cert-authority %s\n", ed);
    write_file("ca-only", text, path);
    assert_code(verify(&c, &t, signer, &err), WSL_E_POLICY, &err);
    assert_contains(err.msg, "not trusted");
    snprintf(text, sizeof text, "\"quoted principal\" %s\n", ed);
    write_file("quoted", text, path);
    assert_code(verify(&c, &t, signer, &err), 0, &err);
    assert_string_equal(signer, "quoted principal");
    drop(&c);
}

static void test_allowed_signers_malformed(void **state)
{
    char path[PATH_MAX], ed[1024], text[4096];
    struct wsl_git_trust t = {path, NULL};
    pubkey("ed25519", ed, sizeof ed);
    const struct {
        const char *line; /* the key follows when with_key */
        bool with_key;
        const char *want;
    } cases[] = {
        {"# ok\nx@x namespaces=\"git ", true, ":2: an unterminated quote"},
        {"x@x ssh-ed25519 AAAA!!!!", false, ":1: the key: base64"},
        {"x@x", false, ":1: expected: principals"},
        {"x@x no-such-option ", true, ":1: an unknown option"},
        {"x@x valid-after=\"2024\" ", true, ":1: a valid-after/valid-before time"},
        {"x@x ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIAo3ie2v2xB33HN6nCQ/Li8n5uVvtxvZ9HxZK2VgrcSB",
         false, ":1: the key is not of type ssh-rsa"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(text, sizeof text, "%s%s\n", cases[i].line, cases[i].with_key ? ed : "");
        write_file("bad", text, path);
        expect_fail("ssh-ed25519", &t, WSL_E_INVALID, cases[i].want);
    }
    write_file("empty", "", path); /* an empty file trusts nobody */
    expect_fail("ssh-ed25519", &t, WSL_E_POLICY, "not trusted");
    t.allowed_signers = "/nonexistent/allowed_signers";
    expect_fail("ssh-ed25519", &t, WSL_E_NOTFOUND, "/nonexistent/allowed_signers");
}

static void test_weak_hash_refused(void **state)
{
    struct wsl_git_trust t = {NULL, FIX "pgp-ed25519.asc"};
    expect_fail("pgp-sha1", &t, WSL_E_POLICY, "uses SHA-1, which is too weak");
}

/* --- malformed input --------------------------------------------------------------- */

/* Verify a signature given as text against the commit data of kind. */
static int verify_text(const char *kind, const char *sig, size_t len,
                       const struct wsl_git_trust *t, struct wsl_err *err)
{
    struct commit c;
    char signer[256];
    load(kind, &c);
    int rc = wsl_sig_verify(sig, len, c.data.data, c.data.len, t, signer, err);
    drop(&c);
    return rc;
}

/* The bytes of an armored fixture signature. */
static void decoded(const char *kind, unsigned char **raw, size_t *len)
{
    struct commit c;
    struct wsl_err err = {0};
    load(kind, &c);
    char *body = strchr(c.sig.data, '\n'), *end = strstr(c.sig.data, "\n-----END");
    if (!strncmp(kind, "pgp", 3))
        end = strstr(c.sig.data, "\n="); /* stop before the checksum */
    assert_non_null(body);
    assert_non_null(end);
    assert_code(wsl_sig_base64(body, (size_t)(end - body), raw, len, &err), 0, &err);
    drop(&c);
}

/* Armor raw bytes again (OpenPGP without the optional checksum). */
static char *armored(const char *kind, const unsigned char *raw, size_t len)
{
    bool pgp = !strncmp(kind, "pgp", 3);
    char *b64 = wsl_base64_encode(raw, len);
    struct wsl_buf b = WSL_BUF_INIT;
    wsl_buf_printf(&b, "-----BEGIN %s SIGNATURE-----\n%s%s\n-----END %s SIGNATURE-----\n",
                   pgp ? "PGP" : "SSH", pgp ? "\n" : "", b64, pgp ? "PGP" : "SSH");
    free(b64);
    return wsl_buf_steal(&b);
}

static const struct wsl_git_trust all_trust = {FIX "allowed_signers", FIX "pgp-all.gpg"};

static void test_malformed_signatures(void **state)
{
    const struct {
        const char *sig, *want;
    } cases[] = {
        {"garbage", "neither an SSH nor an OpenPGP signature"},
        {"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n", "no \"-----END SSH SIGNATURE-----\""},
        {"-----BEGIN SSH SIGNATURE-----\nU1N*U0lH\n-----END SSH SIGNATURE-----", "base64"},
        {"-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----", "not version 1"},
        {"-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\nx", "after the armor"},
        {"-----BEGIN PGP SIGNATURE-----\n\niQ==\n-----END PGP SIGNATURE-----",
         "truncated packet"},
        {"-----BEGIN PGP SIGNATURE-----\n\niQGz\n=AAAA\n-----END PGP SIGNATURE-----",
         "CRC-24 checksum does not match"},
        {"-----BEGIN PGP SIGNATURE-----\n\niQGz\n=AAA\n-----END PGP SIGNATURE-----",
         "the checksum line"},
        {"-----BEGIN PGP SIGNATURE-----\n\niQGz\n", "no END line"},
        {"-----BEGIN PGP SIGNATURE-----\n\n\n-----END PGP SIGNATURE-----", "no packet"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct wsl_err err = {0};
        assert_code(verify_text("ssh-ed25519", cases[i].sig, strlen(cases[i].sig), &all_trust,
                                &err), WSL_E_INVALID, &err);
        assert_contains(err.msg, cases[i].want);
    }
}

/* Every truncation of the decoded packet or blob, armored again, fails cleanly. */
static void test_truncated_packets(void **state)
{
    const char *kinds[] = {"ssh-ed25519", "ssh-ecdsa", "ssh-rsa", "pgp-rsa", "pgp-ed25519"};
    for (size_t k = 0; k < 5; k++) {
        unsigned char *raw;
        size_t len;
        decoded(kinds[k], &raw, &len);
        char *whole = armored(kinds[k], raw, len);
        struct wsl_err err = {0};
        assert_code(verify_text(kinds[k], whole, strlen(whole), &all_trust, &err), 0, &err);
        free(whole);
        for (size_t n = 0; n < len; n++) {
            char *text = armored(kinds[k], raw, n);
            int rc = verify_text(kinds[k], text, strlen(text), &all_trust, &err);
            if (rc != WSL_E_INVALID)
                fail_msg("%s cut to %zu bytes: %d %s", kinds[k], n, rc, err.msg);
            free(text);
        }
        free(raw);
    }
}

static void test_keyring_malformed(void **state)
{
    char path[PATH_MAX];
    struct wsl_git_trust t = {NULL, path};
    write_file("kr-empty", "", path);
    expect_fail("pgp-rsa", &t, WSL_E_INVALID, "holds no \"-----BEGIN PGP PUBLIC KEY BLOCK");
    write_file("kr-text", "not a key\n", path);
    expect_fail("pgp-rsa", &t, WSL_E_INVALID, "holds no \"-----BEGIN PGP PUBLIC KEY BLOCK");
    struct wsl_buf b = WSL_BUF_INIT;
    slurp(FIX "pgp-ed25519.asc", &b);
    char *crc = strstr(b.data, "\n=");
    assert_non_null(crc);
    crc[2] = crc[2] == 'A' ? 'B' : 'A';
    write_file("kr-crc", b.data, path);
    expect_fail("pgp-ed25519", &t, WSL_E_INVALID, "CRC-24 checksum does not match");
    wsl_buf_free(&b);
    slurp(FIX "pgp-all.gpg", &b);
    snprintf(path, PATH_MAX, "%s/kr-cut", tmp);
    FILE *f = fopen(path, "wb");
    fwrite(b.data, 1, b.len - 10, f);
    fclose(f);
    expect_fail("pgp-ed25519", &t, WSL_E_INVALID, "malformed keyring: a truncated packet");
    wsl_buf_free(&b);
    t.keyring = "/nonexistent/keyring.asc";
    expect_fail("pgp-rsa", &t, WSL_E_NOTFOUND, "/nonexistent/keyring.asc");
}

/* --- fuzz-ish: cut and garbled copies of every fixture --------------------------------- */

static bool space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void test_fuzz_fixtures(void **state)
{
    const char *kinds[] = {"ssh-ed25519", "ssh-ecdsa", "ssh-rsa", "pgp-rsa", "pgp-ed25519"};
    unsigned seed = 20240501;
    int runs = 0;
    for (size_t k = 0; k < 5; k++) {
        struct commit c;
        load(kinds[k], &c);
        char *copy = wsl_xmalloc(c.sig.len + 1);
        for (size_t n = 0; n < c.sig.len - 1; n++) { /* every prefix: never complete */
            struct wsl_err err = {0};
            char signer[256];
            memcpy(copy, c.sig.data, n);
            int rc = wsl_sig_verify(copy, n, c.data.data, c.data.len, &all_trust, signer, &err);
            if (rc == 0 && n < c.sig.len - 1)
                fail_msg("%s cut to %zu characters verified", kinds[k], n);
            runs++;
        }
        for (int i = 0; i < 600; i++) { /* one byte changed, not white space to white space */
            memcpy(copy, c.sig.data, c.sig.len);
            size_t at = (size_t)rand_r(&seed) % c.sig.len;
            char to = (char)(rand_r(&seed) % 255 + 1);
            if (space(copy[at]) || space(to) || to == copy[at])
                continue;
            copy[at] = to;
            struct wsl_err err = {0};
            char signer[256];
            int rc = wsl_sig_verify(copy, c.sig.len, c.data.data, c.data.len, &all_trust,
                                    signer, &err);
            if (rc == 0)
                fail_msg("%s with byte %zu changed verified", kinds[k], at);
            runs++;
        }
        /* and the decoded bytes garbled: only no crash or leak is asserted (an OpenPGP
         * signature's unhashed area may change without harm) */
        unsigned char *raw;
        size_t len;
        decoded(kinds[k], &raw, &len);
        for (int i = 0; i < 600; i++) {
            size_t at = (size_t)rand_r(&seed) % len;
            unsigned char was = raw[at];
            raw[at] ^= (unsigned char)(rand_r(&seed) % 255 + 1);
            char *text = armored(kinds[k], raw, len);
            struct wsl_err err = {0};
            verify_text(kinds[k], text, strlen(text), &all_trust, &err);
            free(text);
            raw[at] = was;
            runs++;
        }
        free(raw);
        free(copy);
        drop(&c);
    }
    print_message("fuzz: %d garbled signatures rejected or survived without harm\n", runs);
}

/* --- an rsa-sha2-256 SSH signature, made here ----------------------------------------- */

static void put_string(struct wsl_buf *b, const void *p, size_t n)
{
    unsigned char len[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                            (unsigned char)(n >> 8), (unsigned char)n};
    wsl_buf_append(b, len, 4);
    wsl_buf_append(b, p, n);
}

static void put_mpint(struct wsl_buf *b, const BIGNUM *bn)
{
    unsigned char buf[1024];
    int n = BN_bn2bin(bn, buf + 1);
    buf[0] = 0;
    bool pad = buf[1] & 0x80;
    put_string(b, pad ? buf : buf + 1, (size_t)n + pad);
}

/* An SSH signature of data by key with sigalg and a hash of the message. */
static char *sshsig(EVP_PKEY *key, const char *sigalg, const EVP_MD *sigmd,
                    const struct wsl_buf *pub, const struct wsl_buf *data)
{
    unsigned char h[64], sig[1024];
    unsigned int hn = 0;
    size_t siglen = sizeof sig;
    EVP_Digest(data->data, data->len, h, &hn, EVP_sha512(), NULL);
    struct wsl_buf tbs = WSL_BUF_INIT, inner = WSL_BUF_INIT, blob = WSL_BUF_INIT;
    wsl_buf_append(&tbs, "SSHSIG", 6);
    put_string(&tbs, "git", 3);
    put_string(&tbs, "", 0);
    put_string(&tbs, "sha512", 6);
    put_string(&tbs, h, hn);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(ctx, NULL, sigmd, NULL, key), 1);
    assert_int_equal(EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)tbs.data, tbs.len), 1);
    EVP_MD_CTX_free(ctx);
    put_string(&inner, sigalg, strlen(sigalg));
    put_string(&inner, sig, siglen);
    wsl_buf_append(&blob, "SSHSIG\0\0\0\1", 10);
    put_string(&blob, pub->data, pub->len);
    put_string(&blob, "git", 3);
    put_string(&blob, "", 0);
    put_string(&blob, "sha512", 6);
    put_string(&blob, inner.data, inner.len);
    char *text = armored("ssh", (unsigned char *)blob.data, blob.len);
    wsl_buf_free(&tbs);
    wsl_buf_free(&inner);
    wsl_buf_free(&blob);
    return text;
}

static void test_ssh_rsa_sha256(void **state)
{
    EVP_PKEY *key = EVP_RSA_gen(2048);
    BIGNUM *n = NULL, *e = NULL;
    assert_non_null(key);
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e);
    struct wsl_buf pub = WSL_BUF_INIT, line = WSL_BUF_INIT;
    put_string(&pub, "ssh-rsa", 7);
    put_mpint(&pub, e);
    put_mpint(&pub, n);
    char *b64 = wsl_base64_encode(pub.data, pub.len), path[PATH_MAX], signer[256];
    wsl_buf_printf(&line, "made@here ssh-rsa %s\n", b64);
    write_file("rsa256", line.data, path);
    struct wsl_git_trust t = {path, NULL};
    struct commit c;
    struct wsl_err err = {0};
    load("unsigned", &c);
    char *sig = sshsig(key, "rsa-sha2-256", EVP_sha256(), &pub, &c.data);
    assert_code(wsl_sig_verify(sig, strlen(sig), c.data.data, c.data.len, &t, signer, &err), 0,
                &err);
    assert_string_equal(signer, "made@here");
    free(sig);
    sig = sshsig(key, "ssh-rsa", EVP_sha1(), &pub, &c.data); /* SHA-1: refused */
    assert_code(wsl_sig_verify(sig, strlen(sig), c.data.data, c.data.len, &t, signer, &err),
                WSL_E_POLICY, &err);
    assert_contains(err.msg, "ssh-rsa signatures use SHA-1");
    free(sig);
    free(b64);
    drop(&c);
    wsl_buf_free(&pub);
    wsl_buf_free(&line);
    BN_free(n);
    BN_free(e);
    EVP_PKEY_free(key);
}

/* --- from a repository ------------------------------------------------------------- */

/* The fixture commits written into a repository's object database as they are: their
 * trees are missing, which extracting a signature does not need. */
static void test_repository_objects(void **state)
{
    char dir[PATH_MAX], rev[41], signer[256];
    snprintf(dir, sizeof dir, "%s/objects-repo", tmp);
    git_libgit2_init();
    git_repository *repo = NULL;
    git_odb *odb = NULL;
    assert_int_equal(git_repository_init(&repo, dir, 1), 0);
    assert_int_equal(git_repository_odb(&odb, repo), 0);
    const char *kinds[] = {"pgp-rsa", "ssh-ecdsa", "unsigned"};
    for (int i = 0; i < 3; i++) {
        char path[256];
        struct wsl_buf raw = WSL_BUF_INIT;
        struct wsl_err err = {0};
        git_oid id;
        snprintf(path, sizeof path, FIX "commit-%s.txt", kinds[i]);
        slurp(path, &raw);
        assert_int_equal(git_odb_write(&id, odb, raw.data, raw.len, GIT_OBJECT_COMMIT), 0);
        git_oid_tostr(rev, sizeof rev, &id);
        int rc = wsl_git_verify(dir, rev, &all_trust, signer, &err);
        if (i < 2) {
            assert_code(rc, 0, &err);
            assert_contains(signer, i == 0 ? "rsa-pgp@example.org" : "ecdsa@example.org");
        } else {
            assert_code(rc, WSL_E_POLICY, &err);
            assert_contains(err.msg, "is not signed");
            assert_contains(err.msg, rev);
        }
        wsl_buf_free(&raw);
    }
    struct wsl_err err = {0};
    assert_code(wsl_git_verify(dir, "0123456789012345678901234567890123456789", &all_trust,
                               signer, &err), WSL_E_NOTFOUND, &err);
    assert_code(wsl_git_verify(dir, "HEAD", &all_trust, signer, &err), WSL_E_INVALID, &err);
    git_odb_free(odb);
    git_repository_free(repo);
    git_libgit2_shutdown();
}


/* git itself signs a commit with an SSH key made now (git and ssh-keygen installed). */
static void test_real_repository_ssh(void **state)
{
    if (sh("command -v git >/dev/null && command -v ssh-keygen >/dev/null") != 0)
        skip();
    char dir[PATH_MAX], rev[64] = "", signer[256], as[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/real", tmp);
    char e[512];
    snprintf(e, sizeof e, "HOME=%s GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=T GIT_AUTHOR_EMAIL=t@x "
                          "GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@x", tmp);
    assert_int_equal(sh("ssh-keygen -q -t ed25519 -N '' -C t@x -f %s/key && git init -q %s && "
                        "cd %s && echo a > f && git add f && %s git -c gpg.format=ssh "
                        "-c user.signingkey=%s/key commit -q -S -m signed && "
                        "echo \"t@x namespaces=\\\"git\\\" $(cut -d' ' -f1,2 %s/key.pub)\" "
                        "> %s/as && git rev-parse HEAD > %s/rev",
                        tmp, dir, dir, e, tmp, tmp, tmp, tmp), 0);
    FILE *f = fopen(strcat(strcpy(as, tmp), "/rev"), "r");
    assert_non_null(f);
    assert_non_null(fgets(rev, sizeof rev, f));
    fclose(f);
    rev[strcspn(rev, "\n")] = '\0';
    snprintf(as, sizeof as, "%s/as", tmp);
    struct wsl_git_trust t = {as, NULL};
    struct wsl_err err = {0};
    assert_code(wsl_git_verify(dir, rev, &t, signer, &err), 0, &err);
    assert_string_equal(signer, "t@x");
    assert_int_equal(sh("cd %s && %s git commit -q --allow-empty -m unsigned && "
                        "git rev-parse HEAD > %s/rev", dir, e, tmp), 0);
    f = fopen(strcat(strcpy(as, tmp), "/rev"), "r");
    assert_non_null(fgets(rev, sizeof rev, f));
    fclose(f);
    rev[strcspn(rev, "\n")] = '\0';
    snprintf(as, sizeof as, "%s/as", tmp);
    assert_code(wsl_git_verify(dir, rev, &t, signer, &err), WSL_E_POLICY, &err);
    assert_contains(err.msg, "is not signed");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_signatures),
        cmocka_unit_test(test_pgp_subkey_names_primary),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test_setup_teardown(test_untrusted, setup, teardown),
        cmocka_unit_test(test_unsigned),
        cmocka_unit_test_setup_teardown(test_namespace_not_git, setup, teardown),
        cmocka_unit_test_setup_teardown(test_validity_and_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allowed_signers_malformed, setup, teardown),
        cmocka_unit_test(test_weak_hash_refused),
        cmocka_unit_test(test_malformed_signatures),
        cmocka_unit_test(test_truncated_packets),
        cmocka_unit_test_setup_teardown(test_keyring_malformed, setup, teardown),
        cmocka_unit_test(test_fuzz_fixtures),
        cmocka_unit_test_setup_teardown(test_ssh_rsa_sha256, setup, teardown),
        cmocka_unit_test_setup_teardown(test_repository_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_repository_ssh, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
