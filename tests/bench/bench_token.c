/*
 * tests/bench/bench_token.c - token verifications per second on one core,
 * next to the raw OpenSSL operation they are built on, measured in the
 * same run: HMAC-SHA256 over the same bytes, and RSA-2048 / ECDSA P-256
 * verification of a precomputed digest with a verify context set up once
 * (what `openssl speed` measures).  `make bench-token` also prints
 * `openssl speed` for rsa2048, ecdsap256 and hmac(sha256).
 *
 * Prints figures; never fails on speed.  Run from the top of the tree
 * (it uses the test keys).  BENCH_SECONDS (default 2) sets the time spent
 * on each line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "jwt/token.h"
#include "tests/unit/jwt/jwt_fixture.h"

/* Iterations between two looks at the clock. */
#define BENCH_BATCH 64

typedef int (*bench_fn)(void *arg);

static double bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Rounds per line: ours and the raw operation alternate, and the best
 * round of each counts, so that a burst of other load on the machine
 * hits both sides alike instead of skewing the ratio. */
#define BENCH_ROUNDS 5

/* Runs 'fn' for 'seconds'; returns calls per second, or -1 on failure. */
static double bench_rate(bench_fn fn, void *arg, double seconds)
{
    double start = bench_now(), elapsed;
    unsigned long long n = 0;
    int i;

    do {
        for (i = 0; i < BENCH_BATCH; i++) {
            if (fn(arg) != 0)
                return -1;
        }
        n += BENCH_BATCH;
        elapsed = bench_now() - start;
    } while (elapsed < seconds);
    return (double)n / elapsed;
}

/* Alternates 'fn_a' and 'fn_b' for BENCH_ROUNDS rounds; stores the best
 * rate of 'fn_a' in '*best_a' and returns the best rate of 'fn_b'. */
static double bench_best(bench_fn fn_a, void *arg_a, double *best_a,
                         bench_fn fn_b, void *arg_b, double seconds)
{
    double a, b, best_b = 0;
    int i;

    *best_a = 0;
    for (i = 0; i < BENCH_ROUNDS; i++) {
        a = bench_rate(fn_a, arg_a, seconds / BENCH_ROUNDS);
        b = bench_rate(fn_b, arg_b, seconds / BENCH_ROUNDS);
        if (a > *best_a)
            *best_a = a;
        if (b > best_b)
            best_b = b;
    }
    return best_b;
}

struct verify_arg {
    const struct token_verifier *v;
    const char *token;
    size_t len;
};

static int bench_verify(void *p)
{
    struct verify_arg *a = p;
    struct token_claims c;
    struct token_reason why;
    enum token_status st;

    st =
        token_verify(a->v, a->token, a->len, "myroom", FIXTURE_NOW_S, &c, &why);
    token_claims_clear(&c);
    return st == TOKEN_VALID ? 0 : -1;
}

/* The raw OpenSSL operations: a key parsed once, the same message. */
struct raw_arg {
    EVP_PKEY_CTX *ctx; /* verify context, set up once; NULL for HMAC */
    const unsigned char *secret;
    size_t secret_len;
    const unsigned char *msg, *sig;
    size_t msg_len, sig_len;
};

static int bench_raw_hmac(void *p)
{
    struct raw_arg *a = p;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    return HMAC(EVP_sha256(), a->secret, (int)a->secret_len, a->msg, a->msg_len,
                mac, &len) != NULL
               ? 0
               : -1;
}

/* As `openssl speed` does: one verify context, a precomputed digest. */
static int bench_raw_verify(void *p)
{
    struct raw_arg *a = p;

    return EVP_PKEY_verify(a->ctx, a->sig, a->sig_len, a->msg, a->msg_len) == 1
               ? 0
               : -1;
}

/* Loads a private key and signs 'msg' in DER form for the raw ECDSA line. */
static EVP_PKEY *load_key(const char *path)
{
    FILE *f = fopen(path, "r");
    EVP_PKEY *k;

    if (f == NULL)
        return NULL;
    k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    return k;
}

static int sign_digest(EVP_PKEY *k, const unsigned char *digest,
                       unsigned char *sig, size_t *len)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(k, NULL);
    int ok;

    ok = ctx != NULL && EVP_PKEY_sign_init(ctx) == 1 &&
         EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) == 1 &&
         EVP_PKEY_sign(ctx, sig, len, digest, 32) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok ? 0 : -1;
}

static void bench_line(const char *name, double ours, double raw,
                       const char *raw_name)
{
    printf("%-8s %12.0f /s   %-28s %12.0f /s   ratio %.2f\n", name, ours,
           raw_name, raw, raw > 0 ? ours / raw : 0.0);
}

static const char payload[] =
    "{\"iss\":\"lobbyd-test\",\"aud\":\"jitsi\",\"sub\":\"meet.example.com\","
    "\"room\":\"myroom\",\"nbf\":1600000000,\"exp\":4102444800,\"context\":"
    "{\"user\":{\"id\":\"u-1\",\"name\":\"Ada\",\"email\":\"ada@example.com\","
    "\"moderator\":true},\"group\":\"g1\",\"features\":{\"recording\":\"true\"}"
    "}}";

static const struct {
    const char *name, *header, *alg, *key, *raw_name;
} lines[] = {
    {"HS256", "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "HS256",
     FIXTURE_KEYS "/hs.secret", "raw HMAC-SHA256 (OpenSSL)"},
    {"RS256", "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"test-rsa\"}",
     "RS256", FIXTURE_KEYS "/rsa2048.key", "raw RSA-2048 verify (EVP_PKEY)"},
    {"ES256", "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"test-ec256\"}",
     "ES256", FIXTURE_KEYS "/ec256.key", "raw ECDSA P-256 verify (EVP_PKEY)"},
};

int main(void)
{
    static char token[FIXTURE_MAX_TOKEN];
    const char *env = getenv("BENCH_SECONDS");
    double seconds = env != NULL ? strtod(env, NULL) : 2.0, ours, raw;
    unsigned char der[512], digest[32];
    EVP_PKEY *pkey;
    struct fixture f;
    struct token_verifier *v;
    struct token_reason why;
    struct verify_arg va;
    struct raw_arg ra;
    char *msg, *secret;
    size_t i, slen;

    if (seconds <= 0)
        seconds = 2.0;
    if (fixture_setup(&f) != 0) {
        fprintf(stderr, "bench_token: run from the top of the source tree\n");
        return 1;
    }
    v = token_verifier_new(&f.cfg, &why);
    if (v == NULL) {
        fprintf(stderr, "bench_token: %s\n", why.text);
        return 1;
    }
    printf("token verifications per second, one core, best of %d rounds in "
           "%.1f s per side\n", BENCH_ROUNDS, seconds);
    for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        if (fixture_token(lines[i].header, payload, lines[i].alg, lines[i].key,
                          token, sizeof(token)) != 0)
            return 1;
        va.v = v;
        va.token = token;
        va.len = strlen(token);
        ours = 0;

        memset(&ra, 0, sizeof(ra));
        msg = strndup(token, (size_t)(strrchr(token, '.') - token));
        if (msg == NULL)
            return 1;
        ra.msg = (const unsigned char *)msg;
        ra.msg_len = strlen(msg);
        SHA256(ra.msg, ra.msg_len, digest);
        secret = NULL;
        if (lines[i].alg[0] == 'H') {
            secret = fixture_read_file(lines[i].key, &slen);
            ra.secret = (const unsigned char *)secret;
            ra.secret_len = slen - 1; /* the trailing newline */
            raw = bench_best(bench_verify, &va, &ours, bench_raw_hmac, &ra,
                             seconds);
        } else {
            pkey = load_key(lines[i].key);
            ra.sig_len = sizeof(der);
            if (pkey == NULL ||
                sign_digest(pkey, digest, der, &ra.sig_len) != 0)
                return 1;
            ra.ctx = EVP_PKEY_CTX_new(pkey, NULL);
            if (ra.ctx == NULL || EVP_PKEY_verify_init(ra.ctx) != 1 ||
                EVP_PKEY_CTX_set_signature_md(ra.ctx, EVP_sha256()) != 1)
                return 1;
            ra.sig = der;
            ra.msg = digest;
            ra.msg_len = sizeof(digest);
            raw = bench_best(bench_verify, &va, &ours, bench_raw_verify, &ra,
                             seconds);
            EVP_PKEY_CTX_free(ra.ctx);
            EVP_PKEY_free(pkey);
        }
        bench_line(lines[i].name, ours, raw, lines[i].raw_name);
        free(secret);
        free(msg);
    }
    printf("targets: HS256 >= 100000 /s; RS256 >= 0.8 x openssl rsa2048 "
           "verify /s (see openssl speed below)\n");
    token_verifier_free(v);
    fixture_teardown(&f);
    return 0;
}
