/*
 * tests/unit/jwt/jwt_fixture.h - shared set-up for the token tests: the
 * test keys of tests/data/keys/ (the secrets copied into a private temp
 * directory, because git does not keep mode 0600), a standard verifier
 * configuration, and a small independent JWS signer built directly on
 * OpenSSL, so that tests can make any header and payload they like.
 *
 * Test binaries run from the top of the source tree.
 */
#ifndef LOBBYD_TESTS_JWT_FIXTURE_H
#define LOBBYD_TESTS_JWT_FIXTURE_H

#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "jwt/token.h"

#define FIXTURE_KEYS "tests/data/keys"
#define FIXTURE_NOW_S ((int64_t)2000000000)
#define FIXTURE_FAR_S ((int64_t)4102444800)
#define FIXTURE_MAX_TOKEN (TOKEN_MAX_BYTES * 2)

struct fixture {
    char dir[64];
    char secret[128];           /* copy of hs.secret, mode 0600 */
    char other_secret[128];     /* copy of hs-other.secret, mode 0600 */
    char issuer_line[256];
    const char *issuers[1];
    struct token_config cfg;
};

/* Reads a whole small file into a new buffer (NUL added); NULL on error. */
static inline char *fixture_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    size_t n;

    if (f == NULL)
        return NULL;
    buf = malloc(FIXTURE_MAX_TOKEN + 1);
    if (buf == NULL) {
        fclose(f);
        return NULL;
    }
    n = fread(buf, 1, FIXTURE_MAX_TOKEN, f);
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Writes 'len' bytes to 'path' with 'mode'; returns 0 or -1. */
static inline int fixture_write_file(const char *path, const void *data,
                                     size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    ssize_t n;

    if (fd == -1)
        return -1;
    n = write(fd, data, len);
    if (fchmod(fd, mode) != 0 || close(fd) != 0 || n != (ssize_t)len)
        return -1;
    return 0;
}

static inline int fixture_copy(const char *src, const char *dst, mode_t mode)
{
    size_t len = 0;
    char *buf = fixture_read_file(src, &len);
    int r;

    if (buf == NULL)
        return -1;
    r = fixture_write_file(dst, buf, len, mode);
    free(buf);
    return r;
}

/*
 * The standard configuration, the one tests/data/tokens/generate builds
 * the corpus for.  Returns 0 or -1.
 */
static inline int fixture_setup(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/lobbyd-jwt-test-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->secret, sizeof(f->secret), "%s/hs.secret", f->dir);
    snprintf(f->other_secret, sizeof(f->other_secret), "%s/hs-other.secret",
             f->dir);
    if (fixture_copy(FIXTURE_KEYS "/hs.secret", f->secret, 0600) != 0 ||
        fixture_copy(FIXTURE_KEYS "/hs-other.secret", f->other_secret,
                     0600) != 0)
        return -1;
    snprintf(f->issuer_line, sizeof(f->issuer_line),
             "other-app secret_file=%s algorithms=HS256", f->other_secret);
    f->issuers[0] = f->issuer_line;
    f->cfg.app_id = "lobbyd-test";
    f->cfg.secret_file = f->secret;
    f->cfg.key_dir = FIXTURE_KEYS "/asap";
    f->cfg.domain = "meet.example.com";
    f->cfg.extra_issuers = f->issuers;
    f->cfg.n_extra_issuers = 1;
    f->cfg.leeway_s = 5;
    f->cfg.require_room = true;
    f->cfg.allow_wildcard_room = false;
    f->cfg.verify_domain = true;
    return 0;
}

/* Removes 'path' and, if it is a directory, what it holds (two levels). */
static inline void fixture_remove(const char *path, int depth)
{
    char sub[512];
    struct dirent *de;
    DIR *d;

    if (unlink(path) == 0 || depth > 2)
        return;
    d = opendir(path);
    if (d != NULL) {
        while ((de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            if (strlen(path) + strlen(de->d_name) + 2 > sizeof(sub))
                continue;
            memcpy(sub, path, strlen(path));
            sub[strlen(path)] = '/';
            memcpy(sub + strlen(path) + 1, de->d_name,
                   strlen(de->d_name) + 1);
            fixture_remove(sub, depth + 1);
        }
        closedir(d);
    }
    rmdir(path);
}

/* Removes the temp directory and everything the tests put in it. */
static inline void fixture_teardown(struct fixture *f)
{
    if (f->dir[0] != '\0')
        fixture_remove(f->dir, 0);
    f->dir[0] = '\0';
}

/* ---- an independent JWS signer for test tokens ---- */

static inline int fixture_b64url(const unsigned char *src, size_t len,
                                 char *dst, size_t dst_size)
{
    return token_b64url_encode(src, len, dst, dst_size);
}

/* Raw signature over 'msg' with 'alg' ("HS256", "RS256", "ES256", ...).
 * 'key' is a secret file (HS, trailing newline dropped) or a private PEM. */
static inline int fixture_sign(const char *alg, const char *key,
                               const char *msg, unsigned char *sig,
                               size_t *sig_len)
{
    const EVP_MD *md = strstr(alg, "384") ? EVP_sha384() :
                       strstr(alg, "512") ? EVP_sha512() : EVP_sha256();
    unsigned char der[512];
    size_t der_len = sizeof(der), half;
    unsigned int mac_len = 0;
    const unsigned char *p = der;
    EVP_MD_CTX *ctx = NULL;
    EVP_PKEY *pkey = NULL;
    ECDSA_SIG *es = NULL;
    FILE *f = NULL;
    char *secret;
    size_t slen;
    int r = -1;

    if (alg[0] == 'H') {
        secret = fixture_read_file(key, &slen);
        if (secret == NULL)
            return -1;
        if (slen > 0 && secret[slen - 1] == '\n')
            slen--;
        if (HMAC(md, secret, (int)slen, (const unsigned char *)msg,
                 strlen(msg), sig, &mac_len) != NULL) {
            *sig_len = mac_len;
            r = 0;
        }
        free(secret);
        return r;
    }
    f = fopen(key, "r");
    if (f == NULL)
        return -1;
    pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    ctx = EVP_MD_CTX_new();
    if (pkey == NULL || ctx == NULL ||
        EVP_DigestSignInit(ctx, NULL, md, NULL, pkey) != 1 ||
        EVP_DigestSign(ctx, alg[0] == 'R' ? sig : der,
                       alg[0] == 'R' ? sig_len : &der_len,
                       (const unsigned char *)msg, strlen(msg)) != 1)
        goto out;
    if (alg[0] == 'R') {
        r = 0;
        goto out;
    }
    /* ES: DER to the JWS raw r||s form. */
    half = strstr(alg, "384") ? 48 : 32;
    es = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (es == NULL ||
        BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, (int)half) != (int)half ||
        BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + half, (int)half) != (int)half)
        goto out;
    *sig_len = 2 * half;
    r = 0;
out:
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return r;
}

/*
 * Builds header.payload.signature into 'out' ('out_size' bytes).  'alg'
 * and 'key' choose the signer (see fixture_sign()); 'alg' NULL leaves the
 * signature empty.  Returns 0 or -1.
 */
static inline int fixture_token(const char *header, const char *payload,
                                const char *alg, const char *key, char *out,
                                size_t out_size)
{
    unsigned char sig[1024];
    size_t sig_len = sizeof(sig), used;

    if (fixture_b64url((const unsigned char *)header, strlen(header), out,
                       out_size) != 0)
        return -1;
    used = strlen(out);
    if (used + 2 >= out_size)
        return -1;
    out[used++] = '.';
    if (fixture_b64url((const unsigned char *)payload, strlen(payload),
                       out + used, out_size - used) != 0)
        return -1;
    if (alg != NULL && fixture_sign(alg, key, out, sig, &sig_len) != 0)
        return -1;
    used = strlen(out);
    if (used + 2 >= out_size)
        return -1;
    out[used++] = '.';
    out[used] = '\0';
    if (alg == NULL)
        return 0;
    return fixture_b64url(sig, sig_len, out + used, out_size - used);
}

#endif /* LOBBYD_TESTS_JWT_FIXTURE_H */
