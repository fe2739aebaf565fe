/*
 * base64.h — base64 in the standard alphabet (RFC 4648 section 4).
 *
 * etcd's JSON API carries keys and values as base64 (protobuf `bytes` fields), and
 * Kubernetes secrets and kubeconfig certificate data do too. Encoding always pads with '=';
 * decoding accepts text with or without padding but nothing else: no whitespace, no
 * URL-safe alphabet, no stray bits after the last byte, so one text means one byte string.
 */
#ifndef WSL_BASE64_H
#define WSL_BASE64_H

#include "lib/err.h"

#include <stddef.h>

/* Encode len bytes; returns a new NUL-terminated string (4 * ceil(len / 3) characters)
 * that the caller frees. */
char *wsl_base64_encode(const void *data, size_t len);

/* Decode len characters of text. On success returns 0 and sets *out to a new buffer of
 * *outlen bytes, followed by a NUL that is not counted (so decoded text can be used as a
 * C string); the caller frees it. On malformed input returns WSL_E_INVALID with the
 * offending position in err, and *out is NULL. */
int wsl_base64_decode(const char *text, size_t len, unsigned char **out, size_t *outlen,
                      struct wsl_err *err);

#endif
