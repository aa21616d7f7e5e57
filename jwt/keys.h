/*
 * jwt/keys.h - key material for token verification: one struct keys_set per
 * issuer, holding an HS shared secret and/or the public keys of a
 * directory laid out like Jitsi's ASAP key server (hex(sha256(kid)).pem),
 * each key with its own algorithm allow-list.  Signatures are checked here
 * with OpenSSL on keys parsed once.
 */
#ifndef LOBBYD_JWT_KEYS_H
#define LOBBYD_JWT_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "jwt/token.h"

/* Largest shared secret file, in bytes. */
#define KEYS_MAX_SECRET_BYTES 4096
/* Shortest shared secret accepted, in bytes. */
#define KEYS_MIN_SECRET_BYTES 16
/* Largest PEM file (public or private key), in bytes. */
#define KEYS_MAX_PEM_BYTES 16384
/* Most public keys loaded from one key directory. */
#define KEYS_MAX_DIR_KEYS 4096
/* Smallest RSA modulus accepted, in bits. */
#define KEYS_MIN_RSA_BITS 2048
/* Largest signature of any supported algorithm, in bytes (RSA 8192). */
#define KEYS_MAX_SIG_BYTES 1024

/* The algorithms lobbyd knows.  "none" is deliberately not one of them. */
enum keys_alg {
    KEYS_ALG_HS256 = 0,
    KEYS_ALG_HS384,
    KEYS_ALG_HS512,
    KEYS_ALG_RS256,
    KEYS_ALG_RS384,
    KEYS_ALG_RS512,
    KEYS_ALG_ES256,
    KEYS_ALG_ES384,
    KEYS_ALG_COUNT
};

#define KEYS_ALG_BIT(a) (1u << (unsigned)(a))
#define KEYS_ALGS_HS \
    (KEYS_ALG_BIT(KEYS_ALG_HS256) | KEYS_ALG_BIT(KEYS_ALG_HS384) | \
     KEYS_ALG_BIT(KEYS_ALG_HS512))
#define KEYS_ALGS_RS \
    (KEYS_ALG_BIT(KEYS_ALG_RS256) | KEYS_ALG_BIT(KEYS_ALG_RS384) | \
     KEYS_ALG_BIT(KEYS_ALG_RS512))
#define KEYS_ALGS_ES \
    (KEYS_ALG_BIT(KEYS_ALG_ES256) | KEYS_ALG_BIT(KEYS_ALG_ES384))

/*
 * Looks up the algorithm named exactly (case-sensitive, as RFC 7518 spells
 * it) by the 'len' bytes of 'name'.  Returns 0 and sets '*alg', or -1.
 */
int keys_alg_from_name(const char *name, size_t len, enum keys_alg *alg);

/* Static name of 'alg' ("HS256" ...).  Cannot fail. */
const char *keys_alg_name(enum keys_alg alg);

/*
 * Writes the names in 'mask' to 'dst' as "HS256, HS384" ("nothing" when
 * empty).  Truncates, never overflows.  Cannot fail.
 */
void keys_alg_mask_names(unsigned mask, char *dst, size_t dst_size);

/*
 * Parses a comma list of algorithm names (spaces around names allowed)
 * into a bit mask and checks that every name is within 'allowed'.  "none"
 * in any casing is refused.  'what' names the option in the reason.
 * Returns 0, or -1 with 'why' filled ('*mask' is then 0).
 */
int keys_alg_list_parse(const char *list, unsigned allowed, const char *what,
                        unsigned *mask, struct token_reason *why);

/* One issuer's key material.  Opaque; immutable once built. */
struct keys_set;
/* One public key of a keys_set.  Opaque; lent by its set. */
struct keys_pub;

/*
 * Builds a key set.  'secret_file' (or NULL) is read as the HS shared
 * secret (after the secrecy check; one trailing newline is dropped; a PEM
 * is refused).  Every "<64 hex>.pem" file in 'key_dir' (or NULL) is loaded
 * as a public key; other names are ignored.  'hs_mask' and 'asym_mask'
 * restrict the algorithms; each public key further allows only what its
 * type can do (RSA >= 2048 bits: RS*; EC P-256: ES256; EC P-384: ES384).
 * Returns NULL with 'why' filled on any unreadable or unsuitable file; the
 * caller frees the result with keys_set_free().
 */
struct keys_set *keys_set_new(const char *secret_file, unsigned hs_mask,
                              const char *key_dir, unsigned asym_mask,
                              struct token_reason *why);

/* Frees 's', wiping its secret.  NULL is fine.  Cannot fail. */
void keys_set_free(struct keys_set *s);

/* HS algorithms the set's secret may verify; 0 when it has no secret. */
unsigned keys_set_hs_algs(const struct keys_set *s);

/* Number of public keys in 's'.  Cannot fail. */
size_t keys_set_key_count(const struct keys_set *s);

/* True when 's' was given a key directory (even an empty one). */
bool keys_set_has_key_dir(const struct keys_set *s);

/*
 * Finds the public key for the 'kid_len' bytes of 'kid' (its file name is
 * hex(sha256(kid)).pem, so a kid can never name a path).  Returns a key
 * lent until keys_set_free(s), or NULL.
 */
const struct keys_pub *keys_set_find(const struct keys_set *s, const char *kid,
                                     size_t kid_len);

/*
 * Hashes 'len' bytes at 'msg' with SHA-256 (bits 256), SHA-384 or SHA-512
 * into 'out' (at least bits / 8 bytes).  The algorithms are fetched from
 * OpenSSL once per process, not on every call as SHA256() does in
 * OpenSSL 3.  Returns 0, or -1 when OpenSSL fails.
 */
int keys_digest(unsigned bits, const void *msg, size_t len,
                unsigned char *out);

/* Writes hex(sha256(kid)) and a NUL to 'hex', for reasons.  Cannot fail. */
void keys_kid_file_hash(const char *kid, size_t kid_len, char hex[65]);

/* Algorithms 'k' may verify (configuration and key type).  Cannot fail. */
unsigned keys_pub_algs(const struct keys_pub *k);

/* Static-lifetime description of the key type ("RSA-2048", "EC P-256"). */
const char *keys_pub_type(const struct keys_pub *k);

/*
 * Checks an HMAC 'sig' over 'msg' with the set's secret in constant time.
 * The caller has already checked that 'alg' is in keys_set_hs_algs().
 * Returns TOKEN_VALID, TOKEN_REFUSED (wrong signature) or TOKEN_ERROR.
 */
enum token_status keys_verify_hs(const struct keys_set *s, enum keys_alg alg,
                                 const unsigned char *msg, size_t msg_len,
                                 const unsigned char *sig, size_t sig_len);

/*
 * Checks a JWS signature 'sig' over 'msg' with the public key 'k'.  ES
 * signatures are the JWS raw r||s form and must have exactly the curve's
 * length.  The caller has already checked 'alg' against keys_pub_algs().
 * Returns TOKEN_VALID, TOKEN_REFUSED (wrong signature) or TOKEN_ERROR.
 */
enum token_status keys_verify_pub(const struct keys_pub *k, enum keys_alg alg,
                                  const unsigned char *msg, size_t msg_len,
                                  const unsigned char *sig, size_t sig_len);

#endif /* LOBBYD_JWT_KEYS_H */
