/*
 * jwt/mint.c - sign a token for `lobbyd token mint`.
 *
 * Signing is libjwt's job here (1.10.2 signs correctly; its weaknesses
 * are all on the verifying side, see jwt/token.c).  That also makes every
 * mint-then-verify test an interoperability check between libjwt's signer
 * and lobbyd's verifier.  The key material is read with the same secrecy
 * check as the verifier's, and the algorithm must fit the key: an HS
 * algorithm only with the shared secret, RS only with an RSA key, ES256
 * only with P-256 and ES384 only with P-384.
 *
 * The claims are those of a Jitsi token: iss, aud, sub, room, iat, nbf,
 * exp and context.user.{id,name,email,moderator,lobby_bypass}.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "jwt/claims.h"
#include "jwt/keyfile.h"
#include "jwt/keys.h"
#include "jwt/mint.h"

/* The key a token is signed with: bytes for libjwt and what they allow. */
struct mint_key {
    unsigned char *bytes; /* secret or PEM; wiped before free */
    size_t len;
    unsigned algs;          /* what this key may sign */
    enum keys_alg fallback; /* used when the request names no alg */
};

static void mint_key_clear(struct mint_key *k)
{
    if (k->bytes != NULL) {
        OPENSSL_cleanse(k->bytes, k->len);
        free(k->bytes);
    }
    memset(k, 0, sizeof(*k));
}

/* Reads the HS secret: one trailing newline dropped, as the verifier does. */
static int mint_load_secret(const struct token_config *cfg, struct mint_key *k,
                            struct token_reason *why)
{
    if (cfg->secret_file == NULL) {
        token_reason_set(why, "jwt_secret_file is not set (or pass --kid to "
                              "sign with jwt_mint_key_file)");
        return -1;
    }
    if (keyfile_read_secret(cfg->secret_file, "jwt secret file",
                            KEYS_MAX_SECRET_BYTES, &k->bytes, &k->len,
                            why) != 0)
        return -1;
    if (k->len > 0 && k->bytes[k->len - 1] == '\n')
        k->len--;
    if (k->len > 0 && k->bytes[k->len - 1] == '\r')
        k->len--;
    k->algs = KEYS_ALGS_HS;
    k->fallback = KEYS_ALG_HS256;
    return 0;
}

/* Reads the private key PEM and works out what it may sign. */
static int mint_load_private(const struct token_config *cfg, struct mint_key *k,
                             struct token_reason *why)
{
    char group[64];
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;
    int r = -1;

    if (cfg->mint_key_file == NULL) {
        token_reason_set(why, "--kid needs jwt_mint_key_file (a private key "
                              "PEM) in the configuration");
        return -1;
    }
    if (keyfile_read_secret(cfg->mint_key_file, "jwt mint key file",
                            KEYS_MAX_PEM_BYTES, &k->bytes, &k->len, why) != 0)
        goto out;
    bio = BIO_new_mem_buf(k->bytes, (int)k->len);
    if (bio != NULL)
        pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    if (pkey == NULL) {
        token_reason_set(why, "jwt mint key file %s: not a PEM private key",
                         cfg->mint_key_file);
        goto out;
    }
    if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA) {
        k->algs = KEYS_ALGS_RS;
        k->fallback = KEYS_ALG_RS256;
    } else if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC &&
               EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
                                              group, sizeof(group),
                                              NULL) == 1) {
        k->fallback =
            strcmp(group, "secp384r1") == 0 ? KEYS_ALG_ES384 : KEYS_ALG_ES256;
        k->algs =
            strcmp(group, "secp384r1") == 0 || strcmp(group, "prime256v1") == 0
                ? KEYS_ALG_BIT(k->fallback)
                : 0;
    }
    if (k->algs == 0) {
        token_reason_set(why,
                         "jwt mint key file %s: RSA or EC P-256/P-384 "
                         "private keys only",
                         cfg->mint_key_file);
        goto out;
    }
    r = 0;
out:
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return r;
}

/* The first entry of a comma list that is not "*", or 'fallback'. */
static char *mint_first(const char *list, const char *fallback,
                        const char *what, struct token_reason *why)
{
    struct claims_list l;
    char *s = NULL;
    size_t i;

    if (list != NULL) {
        if (claims_list_parse(list, what, &l, why) != 0)
            return NULL;
        for (i = 0; i < l.n && s == NULL; i++) {
            if (strcmp(l.items[i], "*") != 0)
                s = strdup(l.items[i]);
        }
        claims_list_free(&l);
        if (s != NULL)
            return s;
    }
    if (fallback == NULL) {
        token_reason_set(why,
                         "%s: no issuer to put in the token (set "
                         "jwt_app_id)",
                         what);
        return NULL;
    }
    s = strdup(fallback);
    if (s == NULL)
        token_reason_set(why, "out of memory");
    return s;
}

/* The payload as JSON text; caller frees with free(). */
static char *mint_payload(const struct token_config *cfg,
                          const struct mint_request *req,
                          struct token_reason *why)
{
    char *iss = NULL, *aud = NULL, *text = NULL;
    json_t *user = NULL, *payload = NULL;
    unsigned ttl = req->ttl_s != 0 ? req->ttl_s : MINT_DEFAULT_TTL_S;

    iss = mint_first(cfg->accepted_issuers, cfg->app_id, "jwt_accepted_issuers",
                     why);
    if (iss != NULL)
        aud = mint_first(cfg->accepted_audiences, TOKEN_DEFAULT_AUDIENCES,
                         "jwt_accepted_audiences", why);
    if (aud == NULL)
        goto out;
    user = json_object();
    payload = json_pack(
        "{s:s, s:s, s:s, s:s, s:I, s:I, s:I}", "iss", iss, "aud", aud, "sub",
        cfg->domain != NULL ? cfg->domain : "*", "room", req->room, "iat",
        (json_int_t)req->now_s, "nbf", (json_int_t)req->now_s, "exp",
        (json_int_t)(req->now_s + ttl));
    if (user == NULL || payload == NULL ||
        (req->user_id != NULL &&
         json_object_set_new(user, "id", json_string(req->user_id)) != 0) ||
        (req->name != NULL &&
         json_object_set_new(user, "name", json_string(req->name)) != 0) ||
        (req->email != NULL &&
         json_object_set_new(user, "email", json_string(req->email)) != 0) ||
        (req->moderator &&
         json_object_set_new(user, "moderator", json_true()) != 0) ||
        (req->bypass &&
         json_object_set_new(user, "lobby_bypass", json_true()) != 0) ||
        json_object_set_new(payload, "context",
                            json_pack("{s:O}", "user", user)) != 0) {
        token_reason_set(why, "cannot build the payload (a value is not "
                              "valid UTF-8, or out of memory)");
        goto out;
    }
    text = json_dumps(payload, JSON_COMPACT);
    if (text == NULL)
        token_reason_set(why, "out of memory");
out:
    json_decref(user);
    json_decref(payload);
    free(iss);
    free(aud);
    return text;
}

static jwt_alg_t mint_libjwt_alg(enum keys_alg alg)
{
    static const jwt_alg_t map[KEYS_ALG_COUNT] = {
        [KEYS_ALG_HS256] = JWT_ALG_HS256, [KEYS_ALG_HS384] = JWT_ALG_HS384,
        [KEYS_ALG_HS512] = JWT_ALG_HS512, [KEYS_ALG_RS256] = JWT_ALG_RS256,
        [KEYS_ALG_RS384] = JWT_ALG_RS384, [KEYS_ALG_RS512] = JWT_ALG_RS512,
        [KEYS_ALG_ES256] = JWT_ALG_ES256, [KEYS_ALG_ES384] = JWT_ALG_ES384,
    };

    return map[alg];
}

/* Checks the request before any key is read. */
static int mint_check_request(const struct mint_request *req,
                              struct token_reason *why)
{
    if (req->room == NULL || req->room[0] == '\0') {
        token_reason_set(why, "a room is required (--room)");
        return -1;
    }
    if (req->ttl_s > MINT_MAX_TTL_S) {
        token_reason_set(why, "ttl %u s is more than %u s", req->ttl_s,
                         MINT_MAX_TTL_S);
        return -1;
    }
    if (req->kid != NULL &&
        (req->kid[0] == '\0' || strlen(req->kid) > TOKEN_MAX_KID_BYTES)) {
        token_reason_set(why, "kid must be 1 to %d bytes", TOKEN_MAX_KID_BYTES);
        return -1;
    }
    return 0;
}

int mint_token(const struct token_config *cfg, const struct mint_request *req,
               char **token, struct token_reason *why)
{
    struct mint_key key;
    enum keys_alg alg;
    jwt_t *jwt = NULL;
    char *payload = NULL, allowed[64];
    int r = -1;

    *token = NULL;
    memset(&key, 0, sizeof(key));
    if (mint_check_request(req, why) != 0)
        goto out;
    if ((req->kid == NULL ? mint_load_secret(cfg, &key, why)
                          : mint_load_private(cfg, &key, why)) != 0)
        goto out;
    alg = key.fallback;
    if (req->alg != NULL &&
        keys_alg_from_name(req->alg, strlen(req->alg), &alg) != 0) {
        token_reason_set(why, "unknown alg \"%.16s\"", req->alg);
        goto out;
    }
    if ((key.algs & KEYS_ALG_BIT(alg)) == 0) {
        keys_alg_mask_names(key.algs, allowed, sizeof(allowed));
        token_reason_set(
            why, "alg %s does not fit the %s (allowed: %s)", keys_alg_name(alg),
            req->kid == NULL ? "shared secret" : "private key", allowed);
        goto out;
    }
    payload = mint_payload(cfg, req, why);
    if (payload == NULL)
        goto out;
    if (jwt_new(&jwt) != 0 || jwt_add_grants_json(jwt, payload) != 0 ||
        (req->kid != NULL && jwt_add_header(jwt, "kid", req->kid) != 0) ||
        jwt_set_alg(jwt, mint_libjwt_alg(alg), key.bytes, (int)key.len) != 0) {
        token_reason_set(why, "libjwt refused to set up the token");
        goto out;
    }
    *token = jwt_encode_str(jwt);
    if (*token == NULL) {
        token_reason_set(why, "libjwt could not sign the token");
        goto out;
    }
    r = 0;
out:
    jwt_free(jwt); /* also wipes libjwt's copy of the key */
    free(payload);
    mint_key_clear(&key);
    return r;
}
