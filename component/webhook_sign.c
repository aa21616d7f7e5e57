/*
 * webhook_sign.c: HMAC-SHA256 of a webhook body (webhook_sign.h), with
 * OpenSSL's one-shot HMAC(). The key is the caller's; nothing here keeps
 * or logs it.
 */
#include "component/webhook_sign.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/log.h"

void webhook_sign(const void *key, size_t keylen, const void *body, size_t len,
                  char out[WEBHOOK_SIGNATURE_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned maclen = 0;

    if (keylen > (size_t)0x7fffffff ||
        HMAC(EVP_sha256(), key, (int)keylen, body, len, mac, &maclen) == NULL || maclen != 32)
        fatalx("webhook: OpenSSL cannot compute an HMAC-SHA256");
    memcpy(out, "sha256=", 7);
    for (unsigned i = 0; i < maclen; i++) {
        out[7 + 2 * i] = hex[mac[i] >> 4];
        out[7 + 2 * i + 1] = hex[mac[i] & 0x0f];
    }
    out[7 + 2 * maclen] = '\0';
    OPENSSL_cleanse(mac, sizeof(mac));
}
