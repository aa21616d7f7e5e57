/*
 * jwt/keys.c - key sets: the HS shared secret and the public keys of one
 * issuer, and signature checks on them with OpenSSL.
 *
 * Public keys are read once, when the set is built (at start and on
 * reload), from a directory laid out like Jitsi's ASAP key server: the key
 * for kid K is the file hex(sha256(K)).pem.  They are kept as parsed
 * EVP_PKEYs in an array sorted by that hash, so verifying a token does no
 * file I/O and never re-parses a PEM (libjwt 1.10.2 re-parses the PEM on
 * every call, which costs ~280 us).  Because the kid is hashed before it is
 * looked up, a kid such as "../../etc/passwd" can never name a path.
 *
 * Each key carries its own algorithm allow-list: the configured list
 * narrowed to what the key type can do.  An HS secret is never a public
 * key (a PEM in a secret file is refused) and a public key is never an HS
 * secret (public keys only ever reach EVP_DigestVerify).
 *
 * Speed: each public key gets one EVP_PKEY_CTX per allowed algorithm and
 * the secret one keyed HMAC context per allowed HS algorithm, both set up
 * at load, so a token costs a digest and the public-key operation, with no
 * algorithm fetch or context set-up per token.  The verify contexts are
 * used in place: one key set, one thread at a time.
 *
 * This file does not decide which key a token uses (jwt/token.c does),
 * does not read files itself (jwt/keyfile.c does) and does not log.
 */

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "jwt/claims.h"
#include "jwt/keyfile.h"
#include "jwt/keys.h"

/* Length of a key file name: 64 hex digits and ".pem". */
#define KEYS_FILE_NAME_LEN 68

struct keys_pub {
    unsigned char hash[SHA256_DIGEST_LENGTH]; /* sha256(kid) */
    EVP_PKEY *pkey;
    unsigned algs;
    const char *type;
    /* One verify context per allowed algorithm, set up once: creating
     * it per token costs more than the RSA operation itself. */
    EVP_PKEY_CTX *verify[KEYS_ALG_COUNT];
};

struct keys_set {
    unsigned char *secret; /* NULL when no shared secret */
    size_t secret_len;
    /* HMAC keyed once per allowed HS algorithm; each token works on a copy
     * (HMAC() fetches the algorithm and sets the key on every call). */
    EVP_MAC_CTX *hmac[KEYS_ALG_COUNT];
    unsigned hs_algs;
    bool has_key_dir;
    struct keys_pub *keys; /* sorted by hash */
    size_t n_keys;
};

static const char *const keys_alg_names[KEYS_ALG_COUNT] = {
    [KEYS_ALG_HS256] = "HS256", [KEYS_ALG_HS384] = "HS384",
    [KEYS_ALG_HS512] = "HS512", [KEYS_ALG_RS256] = "RS256",
    [KEYS_ALG_RS384] = "RS384", [KEYS_ALG_RS512] = "RS512",
    [KEYS_ALG_ES256] = "ES256", [KEYS_ALG_ES384] = "ES384",
};

int keys_alg_from_name(const char *name, size_t len, enum keys_alg *alg)
{
    size_t i;

    for (i = 0; i < KEYS_ALG_COUNT; i++) {
        if (strlen(keys_alg_names[i]) == len &&
            memcmp(keys_alg_names[i], name, len) == 0) {
            *alg = (enum keys_alg)i;
            return 0;
        }
    }
    return -1;
}

const char *keys_alg_name(enum keys_alg alg)
{
    if ((unsigned)alg >= KEYS_ALG_COUNT)
        return "?";
    return keys_alg_names[alg];
}

void keys_alg_mask_names(unsigned mask, char *dst, size_t dst_size)
{
    size_t i, used = 0;
    int n;

    if (dst_size == 0)
        return;
    dst[0] = '\0';
    for (i = 0; i < KEYS_ALG_COUNT; i++) {
        if ((mask & KEYS_ALG_BIT(i)) == 0)
            continue;
        n = snprintf(dst + used, dst_size - used, "%s%s", used > 0 ? ", " : "",
                     keys_alg_names[i]);
        if (n < 0 || (size_t)n >= dst_size - used)
            return; /* truncated: acceptable for a reason */
        used += (size_t)n;
    }
    if (used == 0)
        snprintf(dst, dst_size, "nothing");
}

int keys_alg_list_parse(const char *list, unsigned allowed, const char *what,
                        unsigned *mask, struct token_reason *why)
{
    struct claims_list names;
    enum keys_alg alg;
    char quoted[48];
    int r = -1;

    *mask = 0;
    if (claims_list_parse(list, what, &names, why) != 0)
        return -1;
    for (size_t i = 0; i < names.n; i++) {
        const char *name = names.items[i];
        size_t len = strlen(name);

        if (strcasecmp(name, "none") == 0) {
            token_reason_set(why, "%s: alg \"none\" is never accepted", what);
            goto out;
        }
        token_reason_quote(quoted, sizeof(quoted), name, len, 16);
        if (keys_alg_from_name(name, len, &alg) != 0) {
            token_reason_set(why,
                             "%s: unknown algorithm %s (known: HS256, "
                             "HS384, HS512, RS256, RS384, RS512, ES256, ES384)",
                             what, quoted);
            goto out;
        }
        if ((allowed & KEYS_ALG_BIT(alg)) == 0) {
            token_reason_set(why, "%s: algorithm %s does not belong here", what,
                             quoted);
            goto out;
        }
        *mask |= KEYS_ALG_BIT(alg);
    }
    r = 0;
out:
    if (r != 0)
        *mask = 0;
    claims_list_free(&names);
    return r;
}

/* Reads the HS secret of a set: one trailing newline dropped, no PEM. */
static int keys_load_secret(struct keys_set *s, const char *path,
                            struct token_reason *why)
{
    unsigned char *buf = NULL;
    size_t len = 0;

    if (keyfile_read_secret(path, "jwt secret file", KEYS_MAX_SECRET_BYTES,
                            &buf, &len, why) != 0)
        return -1;
    if (len > 0 && buf[len - 1] == '\n')
        len--;
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    buf[len] = '\0';
    if (len >= 10 && memcmp(buf, "-----BEGIN", 10) == 0) {
        token_reason_set(why,
                         "jwt secret file %s: holds a PEM key; a key is "
                         "never used as an HMAC secret (put public keys in "
                         "jwt_key_dir)",
                         path);
        goto fail;
    }
    if (len < KEYS_MIN_SECRET_BYTES) {
        token_reason_set(why,
                         "jwt secret file %s: secret is %zu bytes, at "
                         "least %d required (32 or more recommended)",
                         path, len, KEYS_MIN_SECRET_BYTES);
        goto fail;
    }
    s->secret = buf;
    s->secret_len = len;
    return 0;
fail:
    OPENSSL_cleanse(buf, len);
    free(buf);
    return -1;
}

/* Decides what 'pkey' may verify; NULL type = unsupported key. */
static const char *keys_pkey_type(EVP_PKEY *pkey, unsigned *algs,
                                  struct token_reason *why, const char *path)
{
    char group[64];
    int bits;

    *algs = 0;
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
        bits = EVP_PKEY_get_bits(pkey);
        if (bits < KEYS_MIN_RSA_BITS) {
            token_reason_set(why,
                             "key file %s: RSA key of %d bits, at least "
                             "%d required",
                             path, bits, KEYS_MIN_RSA_BITS);
            return NULL;
        }
        *algs = KEYS_ALGS_RS;
        return bits >= 4096   ? "RSA-4096+"
               : bits >= 3072 ? "RSA-3072"
                              : "RSA-2048";
    case EVP_PKEY_EC:
        if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
                                           group, sizeof(group), NULL) != 1)
            break;
        if (strcmp(group, "prime256v1") == 0) {
            *algs = KEYS_ALG_BIT(KEYS_ALG_ES256);
            return "EC P-256";
        }
        if (strcmp(group, "secp384r1") == 0) {
            *algs = KEYS_ALG_BIT(KEYS_ALG_ES384);
            return "EC P-384";
        }
        token_reason_set(why,
                         "key file %s: EC curve %s is not supported "
                         "(P-256 for ES256, P-384 for ES384)",
                         path, group);
        return NULL;
    default:
        break;
    }
    token_reason_set(why,
                     "key file %s: unsupported key type (RSA or EC "
                     "P-256/P-384 public keys only)",
                     path);
    return NULL;
}

/* Parses hex 'name' (64 digits) into 'hash'. */
static int keys_hex_decode(const char *name,
                           unsigned char hash[SHA256_DIGEST_LENGTH])
{
    size_t i;
    int hi, lo;

    for (i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        hi = OPENSSL_hexchar2int((unsigned char)name[2 * i]);
        lo = OPENSSL_hexchar2int((unsigned char)name[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        hash[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

static const EVP_MD *keys_alg_md(enum keys_alg alg)
{
    switch (alg) {
    case KEYS_ALG_HS256:
    case KEYS_ALG_RS256:
    case KEYS_ALG_ES256:
        return EVP_sha256();
    case KEYS_ALG_HS384:
    case KEYS_ALG_RS384:
    case KEYS_ALG_ES384:
        return EVP_sha384();
    case KEYS_ALG_HS512:
    case KEYS_ALG_RS512:
        return EVP_sha512();
    default:
        return NULL;
    }
}

/* Sets up k->verify[] for every algorithm in k->algs. */
static int keys_pub_contexts(struct keys_pub *k)
{
    EVP_PKEY_CTX *ctx;
    unsigned i;

    for (i = 0; i < KEYS_ALG_COUNT; i++) {
        if ((k->algs & KEYS_ALG_BIT(i)) == 0)
            continue;
        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);
        k->verify[i] = ctx;
        if (ctx == NULL || EVP_PKEY_verify_init(ctx) != 1 ||
            EVP_PKEY_CTX_set_signature_md(ctx, keys_alg_md(i)) != 1)
            return -1;
        if ((KEYS_ALG_BIT(i) & KEYS_ALGS_RS) != 0 &&
            EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) != 1)
            return -1;
    }
    return 0;
}

static void keys_pub_clear(struct keys_pub *k)
{
    unsigned i;

    for (i = 0; i < KEYS_ALG_COUNT; i++)
        EVP_PKEY_CTX_free(k->verify[i]);
    EVP_PKEY_free(k->pkey);
    memset(k, 0, sizeof(*k));
}

/* Loads one public key PEM into 'k'. */
static int keys_load_pub(const char *path, unsigned asym_mask,
                         struct keys_pub *k, struct token_reason *why)
{
    unsigned char *pem = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;
    int r = -1;

    if (keyfile_read(path, "key file", KEYS_MAX_PEM_BYTES, false, &pem, &len,
                     why) != 0)
        goto out;
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL) {
        token_reason_set(why, "key file %s: out of memory", path);
        goto out;
    }
    pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    if (pkey == NULL) {
        token_reason_set(why,
                         "key file %s: not a PEM public key "
                         "(\"BEGIN PUBLIC KEY\")",
                         path);
        goto out;
    }
    k->type = keys_pkey_type(pkey, &k->algs, why, path);
    if (k->type == NULL)
        goto out;
    k->algs &= asym_mask;
    k->pkey = pkey;
    pkey = NULL;
    if (keys_pub_contexts(k) != 0) {
        token_reason_set(why,
                         "key file %s: cannot set up verification "
                         "(OpenSSL error)",
                         path);
        goto out;
    }
    r = 0;
out:
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    free(pem);
    return r;
}

static int keys_pub_cmp(const void *a, const void *b)
{
    const struct keys_pub *ka = a, *kb = b;

    return memcmp(ka->hash, kb->hash, sizeof(ka->hash));
}

/* True for "<64 hex digits>.pem". */
static bool keys_is_key_file_name(const char *name)
{
    size_t i;

    if (strlen(name) != KEYS_FILE_NAME_LEN || strcmp(name + 64, ".pem") != 0)
        return false;
    for (i = 0; i < 64; i++) {
        if (OPENSSL_hexchar2int((unsigned char)name[i]) < 0)
            return false;
    }
    return true;
}

/* Loads every key file of 'dir' into 's'. */
static int keys_load_dir(struct keys_set *s, const char *dir,
                         unsigned asym_mask, struct token_reason *why)
{
    DIR *d = NULL;
    struct dirent *de;
    char path[4096];
    size_t i;
    int n, r = -1;

    s->has_key_dir = true;
    s->keys = calloc(KEYS_MAX_DIR_KEYS, sizeof(*s->keys));
    if (s->keys == NULL) {
        token_reason_set(why, "jwt key dir %s: out of memory", dir);
        goto out;
    }
    d = opendir(dir);
    if (d == NULL) {
        token_reason_set(why, "jwt key dir %s: %s", dir, strerror(errno));
        goto out;
    }
    for (;;) {
        errno = 0;
        de = readdir(d);
        if (de == NULL)
            break;
        if (!keys_is_key_file_name(de->d_name))
            continue; /* README, dot files, other names: not keys */
        if (s->n_keys == KEYS_MAX_DIR_KEYS) {
            token_reason_set(why, "jwt key dir %s: more than %d keys", dir,
                             KEYS_MAX_DIR_KEYS);
            goto out;
        }
        n = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (n < 0 || (size_t)n >= sizeof(path)) {
            token_reason_set(why, "jwt key dir %s: path too long", dir);
            goto out;
        }
        if (keys_hex_decode(de->d_name, s->keys[s->n_keys].hash) != 0 ||
            keys_load_pub(path, asym_mask, &s->keys[s->n_keys], why) != 0)
            goto out;
        s->n_keys++;
    }
    if (errno != 0) {
        token_reason_set(why, "jwt key dir %s: %s", dir, strerror(errno));
        goto out;
    }
    qsort(s->keys, s->n_keys, sizeof(*s->keys), keys_pub_cmp);
    for (i = 1; i < s->n_keys; i++) {
        if (keys_pub_cmp(&s->keys[i - 1], &s->keys[i]) == 0) {
            token_reason_set(why,
                             "jwt key dir %s: the same key file name "
                             "appears in upper and lower case",
                             dir);
            goto out;
        }
    }
    r = 0;
out:
    if (d != NULL)
        closedir(d);
    return r;
}

/* Keys one HMAC context per allowed HS algorithm with the secret. */
static int keys_hmac_contexts(struct keys_set *s)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    OSSL_PARAM params[2];
    char digest[16];
    unsigned i;
    int r = -1;

    if (mac == NULL)
        return -1;
    for (i = 0; i < KEYS_ALG_COUNT; i++) {
        if ((s->hs_algs & KEYS_ALG_BIT(i)) == 0)
            continue;
        /* OSSL_PARAM wants a writable string. */
        (void)snprintf(digest, sizeof(digest), "%s",
                       EVP_MD_get0_name(keys_alg_md(i)));
        params[0] = OSSL_PARAM_construct_utf8_string("digest", digest, 0);
        params[1] = OSSL_PARAM_construct_end();
        s->hmac[i] = EVP_MAC_CTX_new(mac);
        if (s->hmac[i] == NULL ||
            EVP_MAC_init(s->hmac[i], s->secret, s->secret_len, params) != 1)
            goto out;
    }
    r = 0;
out:
    EVP_MAC_free(mac);
    return r;
}

struct keys_set *keys_set_new(const char *secret_file, unsigned hs_mask,
                              const char *key_dir, unsigned asym_mask,
                              struct token_reason *why)
{
    struct keys_set *s = NULL, *ret = NULL;

    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        token_reason_set(why, "out of memory");
        goto out;
    }
    if (secret_file != NULL) {
        if (keys_load_secret(s, secret_file, why) != 0)
            goto out;
        s->hs_algs = hs_mask & KEYS_ALGS_HS;
        if (keys_hmac_contexts(s) != 0) {
            token_reason_set(why,
                             "jwt secret file %s: cannot set up HMAC "
                             "(OpenSSL error)",
                             secret_file);
            goto out;
        }
    }
    if (key_dir != NULL &&
        keys_load_dir(s, key_dir, asym_mask & (KEYS_ALGS_RS | KEYS_ALGS_ES),
                      why) != 0)
        goto out;
    ret = s;
    s = NULL;
out:
    keys_set_free(s);
    return ret;
}

void keys_set_free(struct keys_set *s)
{
    size_t i;

    if (s == NULL)
        return;
    if (s->secret != NULL) {
        OPENSSL_cleanse(s->secret, s->secret_len);
        free(s->secret);
    }
    for (i = 0; i < KEYS_ALG_COUNT; i++)
        EVP_MAC_CTX_free(s->hmac[i]);
    for (i = 0; i < s->n_keys; i++)
        keys_pub_clear(&s->keys[i]);
    free(s->keys);
    free(s);
}

unsigned keys_set_hs_algs(const struct keys_set *s)
{
    return s->secret != NULL ? s->hs_algs : 0;
}

size_t keys_set_key_count(const struct keys_set *s)
{
    return s->n_keys;
}

bool keys_set_has_key_dir(const struct keys_set *s)
{
    return s->has_key_dir;
}

/* SHA-256, SHA-384, SHA-512, fetched once; NULL if a fetch failed. */
static EVP_MD *keys_digest_md[3];
static pthread_once_t keys_digest_once = PTHREAD_ONCE_INIT;

static void keys_digest_fetch(void)
{
    keys_digest_md[0] = EVP_MD_fetch(NULL, "SHA256", NULL);
    keys_digest_md[1] = EVP_MD_fetch(NULL, "SHA384", NULL);
    keys_digest_md[2] = EVP_MD_fetch(NULL, "SHA512", NULL);
}

int keys_digest(unsigned bits, const void *msg, size_t len, unsigned char *out)
{
    int i = bits == 256 ? 0 : bits == 384 ? 1 : bits == 512 ? 2 : -1;

    if (i < 0 || pthread_once(&keys_digest_once, keys_digest_fetch) != 0 ||
        keys_digest_md[i] == NULL)
        return -1;
    return EVP_Digest(msg, len, out, NULL, keys_digest_md[i], NULL) == 1 ? 0
                                                                          : -1;
}

const struct keys_pub *keys_set_find(const struct keys_set *s, const char *kid,
                                     size_t kid_len)
{
    struct keys_pub probe;

    if (s->n_keys == 0)
        return NULL;
    if (keys_digest(256, kid, kid_len, probe.hash) != 0)
        return NULL;
    return bsearch(&probe, s->keys, s->n_keys, sizeof(*s->keys), keys_pub_cmp);
}

void keys_kid_file_hash(const char *kid, size_t kid_len, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[SHA256_DIGEST_LENGTH];
    size_t i;

    if (keys_digest(256, kid, kid_len, md) != 0)
        memset(md, 0, sizeof(md));
    for (i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

unsigned keys_pub_algs(const struct keys_pub *k)
{
    return k->algs;
}

const char *keys_pub_type(const struct keys_pub *k)
{
    return k->type;
}

enum token_status keys_verify_hs(const struct keys_set *s, enum keys_alg alg,
                                 const unsigned char *msg, size_t msg_len,
                                 const unsigned char *sig, size_t sig_len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    EVP_MAC_CTX *ctx;
    int ok;

    if ((unsigned)alg >= KEYS_ALG_COUNT || s->hmac[alg] == NULL ||
        (KEYS_ALG_BIT(alg) & s->hs_algs) == 0)
        return TOKEN_ERROR;
    ctx = EVP_MAC_CTX_dup(s->hmac[alg]);
    ok = ctx != NULL && EVP_MAC_update(ctx, msg, msg_len) == 1 &&
         EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) == 1;
    EVP_MAC_CTX_free(ctx);
    if (!ok)
        return TOKEN_ERROR;
    if (sig_len != mac_len || CRYPTO_memcmp(mac, sig, mac_len) != 0)
        return TOKEN_REFUSED;
    return TOKEN_VALID;
}

/*
 * JWS carries an ECDSA signature as r||s, each exactly 'half' bytes
 * (RFC 7518 section 3.4); EVP wants DER.  Returns a new DER buffer the
 * caller frees with OPENSSL_free(), or NULL.
 */
static unsigned char *keys_ecdsa_raw_to_der(const unsigned char *sig,
                                            size_t half, int *der_len)
{
    ECDSA_SIG *es = NULL;
    BIGNUM *r = NULL, *s = NULL;
    unsigned char *der = NULL;

    *der_len = 0;
    es = ECDSA_SIG_new();
    r = BN_bin2bn(sig, (int)half, NULL);
    s = BN_bin2bn(sig + half, (int)half, NULL);
    if (es == NULL || r == NULL || s == NULL)
        goto out;
    if (ECDSA_SIG_set0(es, r, s) != 1)
        goto out;
    r = NULL; /* owned by es now */
    s = NULL;
    *der_len = i2d_ECDSA_SIG(es, &der);
    if (*der_len <= 0) {
        der = NULL;
        *der_len = 0;
    }
out:
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    return der;
}

enum token_status keys_verify_pub(const struct keys_pub *k, enum keys_alg alg,
                                  const unsigned char *msg, size_t msg_len,
                                  const unsigned char *sig, size_t sig_len)
{
    unsigned char digest[EVP_MAX_MD_SIZE], *der = NULL;
    const unsigned char *check = sig;
    size_t check_len = sig_len, half;
    unsigned int digest_len = 0;
    enum token_status st = TOKEN_ERROR;
    int der_len, rc;

    if ((unsigned)alg >= KEYS_ALG_COUNT || k->verify[alg] == NULL ||
        (k->algs & KEYS_ALG_BIT(alg)) == 0)
        goto out;
    if ((KEYS_ALG_BIT(alg) & KEYS_ALGS_ES) != 0) {
        half = alg == KEYS_ALG_ES256 ? 32 : 48;
        if (sig_len != 2 * half) {
            st = TOKEN_REFUSED;
            goto out;
        }
        der = keys_ecdsa_raw_to_der(sig, half, &der_len);
        if (der == NULL)
            goto out;
        check = der;
        check_len = (size_t)der_len;
    }
    if ((KEYS_ALG_BIT(alg) &
         (KEYS_ALG_BIT(KEYS_ALG_RS256) | KEYS_ALG_BIT(KEYS_ALG_ES256))) != 0)
        digest_len = 32;
    else if ((KEYS_ALG_BIT(alg) & (KEYS_ALG_BIT(KEYS_ALG_RS384) |
                                   KEYS_ALG_BIT(KEYS_ALG_ES384))) != 0)
        digest_len = 48;
    else
        digest_len = 64;
    if (keys_digest(digest_len * 8, msg, msg_len, digest) != 0)
        goto out;
    rc = EVP_PKEY_verify(k->verify[alg], check, check_len, digest, digest_len);
    st = rc == 1 ? TOKEN_VALID : TOKEN_REFUSED;
out:
    OPENSSL_free(der);
    return st;
}
