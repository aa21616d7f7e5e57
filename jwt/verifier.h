/*
 * jwt/verifier.h - the inside of struct token_verifier, shared by
 * jwt/verifier.c (which builds it) and jwt/token.c (which reads it).
 * Not for use outside jwt/: everything else sees an opaque struct.
 */
#ifndef LOBBYD_JWT_VERIFIER_H
#define LOBBYD_JWT_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>

#include "jwt/claims.h"
#include "jwt/keys.h"
#include "jwt/token.h"

/* Most jwt_issuer lines. */
#define TOKEN_MAX_ISSUERS 16
/* Longest jwt_issuer line, in bytes. */
#define TOKEN_MAX_ISSUER_LINE 4096

struct token_issuer {
    char *name;
    struct keys_set *keys;
};

struct token_verifier {
    struct claims_list issuers;         /* accepted by the default keys */
    struct claims_list audiences;
    struct keys_set *keys;              /* default keys; NULL if none */
    struct token_issuer extra[TOKEN_MAX_ISSUERS];
    size_t n_extra;
    char *domain;
    struct claims_policy policy;
    bool enabled;
};

/*
 * Returns the jwt_issuer entry named exactly 'iss', lent until
 * token_verifier_free(v), or NULL.  Cannot fail.
 */
const struct token_issuer *verifier_find_issuer(const struct token_verifier *v,
                                                const char *iss);

#endif /* LOBBYD_JWT_VERIFIER_H */
