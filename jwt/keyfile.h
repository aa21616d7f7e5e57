/*
 * jwt/keyfile.h - reading key and secret files for jwt/keys.c and
 * jwt/mint.c: bounded, and with the secrecy check for secrets.
 */
#ifndef LOBBYD_JWT_KEYFILE_H
#define LOBBYD_JWT_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "jwt/token.h"

/*
 * Reads 'path' (at most 'max_bytes'; 'what' names it in reasons) into a
 * new buffer with a NUL after its '*len' bytes.  With 'secret', the file
 * must also pass the secrecy check.  Returns 0 and a buffer the caller
 * frees with free() (after OPENSSL_cleanse() when it is a secret), or -1
 * with 'why' filled ('*buf' is then NULL).
 */
int keyfile_read(const char *path, const char *what, size_t max_bytes,
                 bool secret, unsigned char **buf, size_t *len,
                 struct token_reason *why);

/*
 * Reads a file that holds a secret ('what' names it in reasons): it must
 * be a regular file owned by us or root, with no permission bits for
 * others and no group write, at most 'max_bytes' long and not empty.
 * Returns 0 and a buffer the caller wipes with OPENSSL_cleanse() and frees
 * with free() ('*len' bytes plus a NUL), or -1 with 'why' filled.
 */
int keyfile_read_secret(const char *path, const char *what, size_t max_bytes,
                        unsigned char **buf, size_t *len,
                        struct token_reason *why);

#endif /* LOBBYD_JWT_KEYFILE_H */
