#include "lib/hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>

void wsl_sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    EVP_Digest(data, len, out, &n, EVP_sha256(), NULL);
}

void wsl_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char d[32];
    wsl_sha256(data, len, d);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void wsl_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                     unsigned char out[32])
{
    unsigned int n = 32;
    HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &n);
}

void wsl_hmac_sha512(const void *key, size_t keylen, const void *data, size_t len,
                     unsigned char out[64])
{
    unsigned int n = 64;
    HMAC(EVP_sha512(), key, (int)keylen, data, len, out, &n);
}

int wsl_ct_memcmp(const void *a, const void *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n);
}
