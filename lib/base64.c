/*
 * base64.c — see base64.h. A table lookup each way; decoding is strict so that a value
 * read back from a store either decodes to exactly what was written or fails loudly.
 */
#include "lib/base64.h"

#include "lib/buf.h"

#include <stdint.h>
#include <stdlib.h>

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *wsl_base64_encode(const void *data, size_t len)
{
    const unsigned char *in = data;
    char *out = wsl_xmalloc((len + 2) / 3 * 4 + 1);
    char *o = out;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = alphabet[v >> 6 & 63];
        *o++ = alphabet[v & 63];
    }
    if (len - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (len - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[v >> 12 & 63];
        *o++ = alphabet[v >> 6 & 63];
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

/* The value of one alphabet character, or -1. */
static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int wsl_base64_decode(const char *text, size_t len, unsigned char **out, size_t *outlen,
                      struct wsl_err *err)
{
    *out = NULL;
    *outlen = 0;
    /* Padding: at most two '=' at the very end, and only to complete a group of four. */
    size_t n = len;
    while (n > 0 && len - n < 2 && text[n - 1] == '=')
        n--;
    if (n < len && len % 4 != 0)
        return wsl_err_set(err, WSL_E_INVALID,
                           "base64: %zu characters with padding is not a multiple of 4", len);
    if (n % 4 == 1)
        return wsl_err_set(err, WSL_E_INVALID,
                           "base64: %zu characters cannot encode whole bytes", n);
    unsigned char *buf = wsl_xmalloc(n / 4 * 3 + 3);
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = sextet((unsigned char)text[i]);
        if (v < 0) {
            free(buf);
            return wsl_err_set(err, WSL_E_INVALID,
                               "base64: invalid character 0x%02x at offset %zu",
                               (unsigned char)text[i], i);
        }
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            buf[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (acc != 0) {
        free(buf);
        return wsl_err_set(err, WSL_E_INVALID,
                           "base64: the last character carries bits beyond the data");
    }
    buf[o] = '\0';
    *out = buf;
    *outlen = o;
    return 0;
}
