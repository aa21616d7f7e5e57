/*
 * jwt/mint.h - make a token for `lobbyd token mint`: test logins, demos
 * and operators checking their set-up.  The token carries the claims a
 * Jitsi token carries and is signed by libjwt with the configured shared
 * secret or private key.
 */
#ifndef LOBBYD_JWT_MINT_H
#define LOBBYD_JWT_MINT_H

#include <stdbool.h>
#include <stdint.h>

#include "jwt/token.h"

/* Lifetime of a minted token unless the request says otherwise, seconds. */
#define MINT_DEFAULT_TTL_S 3600
/* Longest lifetime a minted token may have, seconds (one year). */
#define MINT_MAX_TTL_S (366u * 24 * 3600)

/* What to put in the token.  Strings are borrowed for the call. */
struct mint_request {
    const char *room;       /* required; "*" for every room */
    const char *name;       /* context.user.name, or NULL */
    const char *email;      /* context.user.email, or NULL */
    const char *user_id;    /* context.user.id, or NULL */
    bool moderator;         /* context.user.moderator = true */
    bool bypass;            /* context.user.lobby_bypass = true */
    int64_t now_s;          /* iat and nbf; exp = now_s + ttl_s */
    unsigned ttl_s;         /* 0 = MINT_DEFAULT_TTL_S */
    const char *kid;        /* NULL: HS with jwt_secret_file; else sign with
                             * jwt_mint_key_file and put kid in the header */
    const char *alg;        /* NULL: HS256, or RS256/ES256/ES384 by key */
};

/*
 * Builds and signs a token from 'cfg' (iss: the first accepted issuer or
 * jwt_app_id; aud: the first accepted audience, "jitsi" by default; sub:
 * jwt_domain or "*") and 'req'.  The secret or private key file must pass
 * the secrecy check, and 'alg' must fit the key.  Returns 0 and a new
 * string in '*token' the caller frees with free(), or -1 with 'why'
 * filled ('*token' is then NULL).
 */
int mint_token(const struct token_config *cfg, const struct mint_request *req,
               char **token, struct token_reason *why);

#endif /* LOBBYD_JWT_MINT_H */
