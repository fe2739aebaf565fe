/*
 * verify.h — require that the commit wissel applies is signed by a key the operator
 * trusts (issue 7, part 2). See docs/signing.md.
 *
 * Two kinds of signature, as git writes them into a commit's gpgsig header:
 *
 * - SSH (gpg.format=ssh; OpenSSH's PROTOCOL.sshsig, namespace "git", message hashed with
 *   sha256 or sha512), trusted through an allowed-signers file (ssh-keygen(1), ALLOWED
 *   SIGNERS). Keys: ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa (2048 bits or more)
 *   with rsa-sha2-256 or rsa-sha2-512 signatures. The namespaces= option is honoured (a line
 *   without "git" does not count), and valid-after=/valid-before= against the commit's
 *   committer time, as git does. cert-authority lines are skipped: signatures made with
 *   SSH certificates are not supported. sk- (FIDO) keys and "ssh-rsa" (SHA-1) signatures
 *   are refused.
 * - OpenPGP (gpg; RFC 4880 / RFC 9580), v4 binary-document signatures, trusted through a
 *   keyring file of public keys (gpg --export, armored or binary, several may be
 *   concatenated). Keys: RSA and EdDSA on Ed25519 (algorithm 22, what gpg 2.2 makes);
 *   hashes SHA-256, SHA-384, SHA-512 (SHA-1 and MD5 refused as too weak). The issuer
 *   fingerprint subpacket (or else the issuer key id) selects the key: a primary key or a
 *   subkey of a key in the keyring.
 *   Not checked: key and signature expiry, revocations, subkey binding signatures and key
 *   usage flags. The keyring file is trusted as a whole, like the allowed-signers file:
 *   to stop trusting a key, remove it from the file.
 *
 * All input is parsed defensively (it comes from a git server): anything malformed is a
 * WSL_E_INVALID error, never a crash.
 */
#ifndef WSL_GIT_VERIFY_H
#define WSL_GIT_VERIFY_H

#include "lib/err.h"

#include <stddef.h>

struct wsl_git_trust {
    const char *allowed_signers; /* SSH: an allowed-signers file (NULL: SSH not trusted) */
    const char *keyring;         /* OpenPGP: a file of public keys (NULL: OpenPGP not trusted) */
};

/* Verify a commit's signature: signature is the gpgsig header's value (continuation lines
 * unfolded) and signed_data the commit object without that header — what
 * git_commit_extract_signature() splits a commit into. 0: trusted, and signer receives the
 * principals of the allowed-signers line (SSH) or "User ID <email> (FINGERPRINT)" of the
 * primary key (OpenPGP). Errors:
 *   WSL_E_POLICY  "the commit is not signed" (signature NULL or empty), "signed by a key
 *                 that is not trusted (SHA256:... / fingerprint ...)", "the signature does
 *                 not verify", "unsupported algorithm ..." (or a weak one);
 *   WSL_E_INVALID a malformed signature, keyring or allowed-signers file (file and line);
 *   WSL_E_LIMIT   a signature or trust file beyond a sane size;
 *   WSL_E_IO / WSL_E_NOTFOUND  a trust file that cannot be read. */
int wsl_sig_verify(const char *signature, size_t siglen, const char *signed_data,
                   size_t datalen, const struct wsl_git_trust *t, char signer[256],
                   struct wsl_err *err);

/* Verify commit rev (40 hex digits) of the repository at dir (libgit2's
 * git_commit_extract_signature, then wsl_sig_verify). Errors as wsl_sig_verify, the
 * message starting "commit <rev>"; also WSL_E_POLICY "commit <rev> is not signed",
 * WSL_E_NOTFOUND (no such commit), WSL_E_INVALID (rev is not a commit id), WSL_E_IO. */
int wsl_git_verify(const char *dir, const char *rev, const struct wsl_git_trust *t,
                   char signer[256], struct wsl_err *err);

/* --- the parts of wsl_sig_verify (sshsig.c, pgp.c); not for other callers ------------- */

/* An armored SSH signature against the allowed-signers file; when is the commit's time
 * (for valid-after/valid-before). */
int wsl_sshsig_verify(const char *sig, size_t siglen, const char *data, size_t datalen,
                      const char *allowed_signers, long long when, char signer[256],
                      struct wsl_err *err);
/* An armored OpenPGP signature against the keyring file. */
int wsl_pgp_verify(const char *sig, size_t siglen, const char *data, size_t datalen,
                   const char *keyring, char signer[256], struct wsl_err *err);
/* Decode base64 text, ignoring whitespace (armor wraps lines). */
int wsl_sig_base64(const char *text, size_t len, unsigned char **out, size_t *outlen,
                   struct wsl_err *err);

#endif
