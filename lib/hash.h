/* hash.h — SHA-256, HMAC-SHA256 and HMAC-SHA512 over OpenSSL, as lower-case hex or raw bytes. */
#ifndef WSL_HASH_H
#define WSL_HASH_H

#include <stddef.h>

/* out: 64 hex characters and a NUL. */
void wsl_sha256_hex(const void *data, size_t len, char out[65]);
void wsl_sha256(const void *data, size_t len, unsigned char out[32]);
void wsl_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                     unsigned char out[32]);
void wsl_hmac_sha512(const void *key, size_t keylen, const void *data, size_t len,
                     unsigned char out[64]);
/* Compare n bytes in time independent of where they differ (for signatures). 0 if equal. */
int wsl_ct_memcmp(const void *a, const void *b, size_t n);

#endif
