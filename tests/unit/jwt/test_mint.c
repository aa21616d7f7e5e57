/*
 * tests/unit/jwt/test_mint.c - mint_token(): tokens signed by libjwt for
 * every algorithm verify with lobbyd's own verifier and carry the rights
 * asked for (an interoperability check in both directions), and every
 * refusal of a bad request or unsuitable key has its reason.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jwt/mint.h"
#include "jwt/token.h"
#include "tests/unit/jwt/jwt_fixture.h"

#define ROWS(t) (sizeof(t) / sizeof((t)[0]))

static const struct {
    const char *name;
    const char *mint_key; /* copied to the temp dir as the mint key */
    const char *kid, *alg;
    bool moderator, bypass;
    const char *expect_alg; /* NULL: minting must be refused */
    const char *reason;
} rows[] = {
    {"hs256 by default", NULL, NULL, NULL, true, false, "HS256", ""},
    {"hs384", NULL, NULL, "HS384", false, true, "HS384", ""},
    {"hs512", NULL, NULL, "HS512", false, false, "HS512", ""},
    {"rs256 by key type", "rsa2048.key", "test-rsa", NULL, true, true, "RS256",
     ""},
    {"rs512", "rsa2048.key", "test-rsa", "RS512", false, false, "RS512", ""},
    {"es256 by key type", "ec256.key", "test-ec256", NULL, true, false, "ES256",
     ""},
    {"es384 by key type", "ec384.key", "test-ec384", NULL, false, true, "ES384",
     ""},
    {"rs alg with the shared secret", NULL, NULL, "RS256", false, false, NULL,
     "alg RS256 does not fit the shared secret (allowed: HS256, HS384, HS512)"},
    {"hs alg with a private key", "rsa2048.key", "test-rsa", "HS256", false,
     false, NULL,
     "alg HS256 does not fit the private key (allowed: RS256, RS384, RS512)"},
    {"es384 with a p-256 key", "ec256.key", "test-ec256", "ES384", false, false,
     NULL, "alg ES384 does not fit the private key (allowed: ES256)"},
    {"alg none", NULL, NULL, "none", false, false, NULL,
     "unknown alg \"none\""},
    {"public key as mint key", "rsa2048.pub", "test-rsa", NULL, false, false,
     NULL, "not a PEM private key"},
    {"ed25519 mint key", "ed25519.key", "k", NULL, false, false, NULL,
     "RSA or EC P-256/P-384 private keys only"},
};

static void test_mint_rows(void **state)
{
    struct fixture f;
    struct token_verifier *v;
    struct token_claims c;
    struct token_reason why;
    struct mint_request req;
    char key[256], src[256], *token;
    enum token_status st;
    size_t i;
    int r, failed = 0;

    (void)state;
    for (i = 0; i < ROWS(rows); i++) {
        assert_int_equal(fixture_setup(&f), 0);
        if (rows[i].mint_key != NULL) {
            snprintf(src, sizeof(src), FIXTURE_KEYS "/%s", rows[i].mint_key);
            snprintf(key, sizeof(key), "%s/extra", f.dir);
            assert_int_equal(fixture_copy(src, key, 0600), 0);
            f.cfg.mint_key_file = key;
        }
        memset(&req, 0, sizeof(req));
        req.room = "MyRoom";
        req.name = "Ada";
        req.moderator = rows[i].moderator;
        req.bypass = rows[i].bypass;
        req.kid = rows[i].kid;
        req.alg = rows[i].alg;
        req.now_s = FIXTURE_NOW_S;
        req.ttl_s = 60;
        r = mint_token(&f.cfg, &req, &token, &why);
        if (rows[i].expect_alg == NULL) {
            if (r == 0 || token != NULL ||
                strstr(why.text, rows[i].reason) == NULL) {
                print_error("%s: expected refusal \"%s\", got r=%d \"%s\"\n",
                            rows[i].name, rows[i].reason, r, why.text);
                failed++;
            }
            free(token);
            fixture_teardown(&f);
            continue;
        }
        if (r != 0) {
            print_error("%s: refused: %s\n", rows[i].name, why.text);
            failed++;
            fixture_teardown(&f);
            continue;
        }
        v = token_verifier_new(&f.cfg, &why);
        assert_non_null(v);
        st = token_verify(v, token, strlen(token), "myroom", FIXTURE_NOW_S + 59,
                          &c, &why);
        if (st != TOKEN_VALID || strcmp(c.alg, rows[i].expect_alg) != 0 ||
            c.owner != rows[i].moderator || c.bypass != rows[i].bypass ||
            c.name == NULL || strcmp(c.name, "Ada") != 0 ||
            c.exp_s != FIXTURE_NOW_S + 60 || c.nbf_s != FIXTURE_NOW_S) {
            print_error("%s: verify gave %s \"%s\" alg=%s owner=%d bypass=%d\n",
                        rows[i].name, token_status_name(st), why.text, c.alg,
                        c.owner, c.bypass);
            failed++;
        }
        token_claims_clear(&c);
        /* One second later the minted token has expired (leeway 5 s). */
        st = token_verify(v, token, strlen(token), "myroom", FIXTURE_NOW_S + 65,
                          &c, &why);
        if (st != TOKEN_REFUSED || strstr(why.text, "expired") == NULL) {
            print_error("%s: after ttl: %s \"%s\"\n", rows[i].name,
                        token_status_name(st), why.text);
            failed++;
        }
        token_claims_clear(&c);
        token_verifier_free(v);
        free(token);
        fixture_teardown(&f);
    }
    if (failed > 0)
        fail_msg("%d failures in %zu mint rows (listed above)", failed,
                 ROWS(rows));
}

/* Requests refused before any key is read. */
static void test_mint_requests(void **state)
{
    struct fixture f;
    struct token_reason why;
    struct mint_request req;
    char *token = NULL;

    (void)state;
    assert_int_equal(fixture_setup(&f), 0);
    memset(&req, 0, sizeof(req));
    req.now_s = FIXTURE_NOW_S;
    assert_int_equal(mint_token(&f.cfg, &req, &token, &why), -1);
    assert_string_equal(why.text, "a room is required (--room)");
    req.room = "r";
    req.ttl_s = MINT_MAX_TTL_S + 1;
    assert_int_equal(mint_token(&f.cfg, &req, &token, &why), -1);
    assert_non_null(strstr(why.text, "is more than"));
    req.ttl_s = 0;
    req.kid = "k";
    assert_int_equal(mint_token(&f.cfg, &req, &token, &why), -1);
    assert_non_null(strstr(why.text, "--kid needs jwt_mint_key_file"));
    req.kid = NULL;
    assert_int_equal(chmod(f.secret, 0644), 0);
    assert_int_equal(mint_token(&f.cfg, &req, &token, &why), -1);
    assert_non_null(strstr(why.text, "lets others read or change it"));
    assert_null(token);
    f.cfg.secret_file = NULL;
    assert_int_equal(mint_token(&f.cfg, &req, &token, &why), -1);
    assert_non_null(strstr(why.text, "jwt_secret_file is not set"));
    fixture_teardown(&f);
}

/* Without a room check the claims default sensibly: iss, aud, sub. */
static void test_mint_defaults(void **state)
{
    struct fixture f;
    struct token_verifier *v;
    struct token_claims c;
    struct token_reason why;
    struct mint_request req;
    char *token = NULL;

    (void)state;
    assert_int_equal(fixture_setup(&f), 0);
    f.cfg.accepted_issuers = "*, issuer-two";
    f.cfg.accepted_audiences = "*";
    memset(&req, 0, sizeof(req));
    req.room = "r";
    req.now_s = FIXTURE_NOW_S;
    assert_int_equal(mint_token(&f.cfg, &req, &token, &why), 0);
    v = token_verifier_new(&f.cfg, &why);
    assert_non_null(v);
    assert_int_equal(
        token_verify(v, token, strlen(token), NULL, FIXTURE_NOW_S, &c, &why),
        TOKEN_VALID);
    assert_string_equal(c.iss, "issuer-two");
    assert_string_equal(c.aud, "jitsi");
    assert_string_equal(c.sub, "meet.example.com");
    assert_int_equal(c.exp_s, FIXTURE_NOW_S + MINT_DEFAULT_TTL_S);
    token_claims_clear(&c);
    token_verifier_free(v);
    free(token);
    fixture_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mint_rows),
        cmocka_unit_test(test_mint_requests),
        cmocka_unit_test(test_mint_defaults),
    };

    return cmocka_run_group_tests_name("token mint", tests, NULL, NULL);
}
