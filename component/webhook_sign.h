/*
 * webhook_sign.h: the X-Lobbyd-Signature of a webhook body, so that a
 * receiver can tell lobbyd's posts from anyone else's:
 *
 *   X-Lobbyd-Signature: sha256=<hex HMAC-SHA256(secret, body)>
 *
 * lowercase hex of the 32-byte MAC over the exact bytes of the body (the
 * JSON line, no newline), keyed with the contents of webhook_secret_file
 * (trailing newlines stripped, as every secret file of lobbyd). A
 * receiver recomputes it and compares in constant time; GitHub's
 * X-Hub-Signature-256 has the same shape.
 */
#ifndef LOBBYD_COMPONENT_WEBHOOK_SIGN_H
#define LOBBYD_COMPONENT_WEBHOOK_SIGN_H

#include <stddef.h>

/* "sha256=" + 64 hex digits + NUL */
#define WEBHOOK_SIGNATURE_SIZE (7 + 64 + 1)

/*
 * Write the header value for 'body' ('len' bytes) signed with 'key'
 * ('keylen' bytes) into 'out'. Aborts if OpenSSL cannot compute an
 * HMAC-SHA256, which only a broken installation does.
 */
void webhook_sign(const void *key, size_t keylen, const void *body, size_t len,
                  char out[WEBHOOK_SIGNATURE_SIZE]);

#endif /* LOBBYD_COMPONENT_WEBHOOK_SIGN_H */
