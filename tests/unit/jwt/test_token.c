/*
 * tests/unit/jwt/test_token.c - token_verify() rule by rule.  One table:
 * each row names a rule, builds a token with the fixture's independent
 * signer (tests/unit/jwt/jwt_fixture.h), may change the configuration,
 * and states the status, a reason substring and the rights it expects.
 * A failure prints the row's name and the reason it got.
 *
 * The hostile corpus (test_corpus.c) covers malformed input; this table
 * covers the claim rules and every configuration switch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jwt/token.h"
#include "tests/unit/jwt/jwt_fixture.h"

#define ROWS(t) (sizeof(t) / sizeof((t)[0]))

/* Configuration changes a row may ask for. */
#define V_LEEWAY0 (1u << 0)
#define V_WILDCARD (1u << 1)
#define V_NO_REQUIRE_ROOM (1u << 2)
#define V_NO_VERIFY_DOMAIN (1u << 3)
#define V_NO_SECRET (1u << 4)
#define V_NO_KEY_DIR (1u << 5)
#define V_NO_EXTRA (1u << 6)
#define V_NO_ROOM_ARG (1u << 7) /* token_verify(room = NULL) */
#define V_REQUIRE_EXP (1u << 8)

#define BASE                                                                   \
    "\"iss\":\"lobbyd-test\",\"aud\":\"jitsi\",\"sub\":\"meet.example.com\""
#define ROOM ",\"room\":\"myroom\""
#define FAR ",\"exp\":4102444800"
#define WITH(x) "{" BASE ROOM FAR "," x "}"
#define USER(x) WITH("\"context\":{\"user\":{" x "}}")
#define HS "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define RS "{\"alg\":\"RS256\",\"kid\":\"test-rsa\"}"
#define ES "{\"alg\":\"ES256\",\"kid\":\"test-ec256\"}"
#define RSA_KEY FIXTURE_KEYS "/rsa2048.key"
#define EC_KEY FIXTURE_KEYS "/ec256.key"

struct row {
    const char *name;
    const char *header; /* NULL: HS */
    const char *payload;
    const char *alg, *key; /* signer; NULL: HS256 with hs.secret */
    const char *room;      /* NULL: "myroom" */
    unsigned variant;
    const char *issuers, *audiences, *hs_algs, *asym_algs;
    enum token_status st;
    const char *reason; /* substring; "" for valid rows */
    const char *rights; /* NULL, or "owner=%d bypass=%d aff=%s" */
    const char *kind;   /* refused rows: why.kind, when checked */
};

static const struct row rows[] = {
    /* rights */
    {.name = "moderator true is owner",
     .payload = USER("\"moderator\":true"),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=1 bypass=0 aff=owner"},
    {.name = "moderator \"true\" is owner",
     .payload = USER("\"moderator\":\"true\""),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=1 bypass=0 aff=owner"},
    {.name = "moderator \"True\" is not owner",
     .payload = USER("\"moderator\":\"True\""),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=0 bypass=0 aff=none"},
    {.name = "moderator false",
     .payload = USER("\"moderator\":false"),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=0 bypass=0 aff=none"},
    {.name = "moderator number refused",
     .payload = USER("\"moderator\":1"),
     .st = TOKEN_REFUSED,
     .reason =
         "context.user.moderator must be true, false or a string (got number)"},
    {.name = "affiliation owner",
     .payload = USER("\"affiliation\":\"owner\""),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=1 bypass=0 aff=owner"},
    {.name = "affiliation moderator",
     .payload = USER("\"affiliation\":\"moderator\""),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=1 bypass=0 aff=owner"},
    {.name = "affiliation teacher",
     .payload = USER("\"affiliation\":\"teacher\""),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=1 bypass=0 aff=owner"},
    {.name = "affiliation member",
     .payload = USER("\"affiliation\":\"member\""),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=0 bypass=0 aff=member"},
    {.name = "affiliation guest maps to nothing",
     .payload = USER("\"affiliation\":\"guest\""),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=0 bypass=0 aff=none"},
    {.name = "member affiliation with moderator true is owner",
     .payload = USER("\"affiliation\":\"member\",\"moderator\":true"),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=1 bypass=0 aff=owner"},
    {.name = "affiliation array refused",
     .payload = USER("\"affiliation\":[\"owner\"]"),
     .st = TOKEN_REFUSED,
     .reason = "context.user.affiliation must be a string (got array)"},
    {.name = "lobby_bypass true",
     .payload = USER("\"lobby_bypass\":true"),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=0 bypass=1 aff=none"},
    {.name = "lobby_bypass \"true\"",
     .payload = USER("\"lobby_bypass\":\"true\""),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=0 bypass=1 aff=none"},
    {.name = "lobby_bypass false",
     .payload = USER("\"lobby_bypass\":false"),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=0 bypass=0 aff=none"},
    {.name = "lobby_bypass number refused",
     .payload = USER("\"lobby_bypass\":1"),
     .st = TOKEN_REFUSED,
     .reason = "context.user.lobby_bypass must be true, false or a string (got "
               "number)"},
    {.name = "no context: no rights",
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=0 bypass=0 aff=none"},
    {.name = "context null",
     .payload = WITH("\"context\":null"),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=0 bypass=0 aff=none"},
    {.name = "context.user null",
     .payload = WITH("\"context\":{\"user\":null}"),
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "group number refused",
     .payload = WITH("\"context\":{\"group\":5}"),
     .st = TOKEN_REFUSED,
     .reason = "context.group must be a string (got number)",
     .kind = "claims"},
    {.name = "context.room string refused",
     .payload = WITH("\"context\":{\"room\":\"x\"}"),
     .st = TOKEN_REFUSED,
     .reason = "context.room must be an object (got string)"},
    {.name = "email with newline refused",
     .payload = USER("\"email\":\"a@b\\nX-Injected: 1\""),
     .st = TOKEN_REFUSED,
     .reason = "context.user.email contains a control character"},
    {.name = "avatar bool refused",
     .payload = USER("\"avatar\":true"),
     .st = TOKEN_REFUSED,
     .reason = "context.user.avatar must be a string (got boolean)"},
    {.name = "id number refused",
     .payload = USER("\"id\":12"),
     .st = TOKEN_REFUSED,
     .reason = "context.user.id must be a string (got number)"},

    /* time */
    {.name = "no exp is accepted (as Jitsi does)",
     .payload = "{" BASE ROOM "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "no exp is refused with jwt_require_exp",
     .variant = V_REQUIRE_EXP,
     .payload = "{" BASE ROOM "}",
     .st = TOKEN_REFUSED,
     .reason = "exp claim is missing (jwt_require_exp is on): such a token never expires"},
    {.name = "exp null is refused, not taken for absent",
     .variant = V_REQUIRE_EXP,
     .payload = "{" BASE ROOM ",\"exp\":null}",
     .st = TOKEN_REFUSED,
     .reason = "exp must be a number of seconds (got null)"},
    {.name = "exp present passes jwt_require_exp",
     .variant = V_REQUIRE_EXP,
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "exp equal to now is expired",
     .variant = V_LEEWAY0,
     .payload = "{" BASE ROOM ",\"exp\":2000000000}",
     .st = TOKEN_REFUSED,
     .reason = "token expired 0 s ago (leeway 0 s)"},
    {.name = "exp one second ahead is valid",
     .variant = V_LEEWAY0,
     .payload = "{" BASE ROOM ",\"exp\":2000000001}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "exp at the leeway edge is expired",
     .payload = "{" BASE ROOM ",\"exp\":1999999995}",
     .st = TOKEN_REFUSED,
     .reason = "token expired 5 s ago (leeway 5 s)",
     .kind = "time"},
    {.name = "exp inside the leeway is valid",
     .payload = "{" BASE ROOM ",\"exp\":1999999996}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "nbf at the leeway edge is valid",
     .payload = "{" BASE ROOM FAR ",\"nbf\":2000000005}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "nbf beyond the leeway is refused",
     .payload = "{" BASE ROOM FAR ",\"nbf\":2000000006}",
     .st = TOKEN_REFUSED,
     .reason = "token not valid for another 6 s (nbf, leeway 5 s)"},
    {.name = "nbf one second ahead without leeway",
     .variant = V_LEEWAY0,
     .payload = "{" BASE ROOM FAR ",\"nbf\":2000000001}",
     .st = TOKEN_REFUSED,
     .reason = "token not valid for another 1 s (nbf, leeway 0 s)"},
    {.name = "exp true refused",
     .payload = "{" BASE ROOM ",\"exp\":true}",
     .st = TOKEN_REFUSED,
     .reason = "exp must be a number of seconds (got boolean)"},
    {.name = "exp null refused",
     .payload = "{" BASE ROOM ",\"exp\":null}",
     .st = TOKEN_REFUSED,
     .reason = "exp must be a number of seconds (got null)"},
    {.name = "iat string refused",
     .payload = WITH("\"iat\":\"now\""),
     .st = TOKEN_REFUSED,
     .reason = "iat must be a number of seconds (got string)"},
    {.name = "negative real exp refused as expired",
     .payload = "{" BASE ROOM ",\"exp\":-0.5}",
     .st = TOKEN_REFUSED,
     .reason = "token expired 2000000001 s ago"},

    /* room */
    {.name = "room claim upper case matches",
     .payload = "{" BASE ",\"room\":\"MYROOM\"" FAR "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "unicode room claim matches lower-case room",
     .payload = "{" BASE ",\"room\":\"\xc3\x89"
                "COLE-\xd0\x96\xd0\xa3\xd0\x9a\"" FAR "}",
     .room = "\xc3\xa9"
             "cole-\xd0\xb6\xd1\x83\xd0\xba",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "unicode room claim, other room",
     .payload = "{" BASE ",\"room\":\"\xc3\x89"
                "COLE\"" FAR "}",
     .room = "ecole",
     .st = TOKEN_REFUSED,
     .reason = "room \"\\xc3\\x89COLE\" does not match \"ecole\""},
    {.name = "wildcard room allowed when configured",
     .variant = V_WILDCARD,
     .payload = "{" BASE ",\"room\":\"*\"" FAR "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "wildcard room refused without a room to check",
     .variant = V_NO_ROOM_ARG,
     .payload = "{" BASE ",\"room\":\"*\"" FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "jwt_allow_wildcard_room is off"},
    {.name = "room NULL skips the room check",
     .variant = V_NO_ROOM_ARG,
     .payload = "{" BASE ",\"room\":\"elsewhere\"" FAR "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "room not required and absent",
     .variant = V_NO_REQUIRE_ROOM,
     .payload = "{" BASE FAR "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "room not required but present is still checked",
     .variant = V_NO_REQUIRE_ROOM,
     .payload = "{" BASE ",\"room\":\"other\"" FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "room \"other\" does not match \"myroom\""},
    {.name = "room required and absent",
     .payload = "{" BASE FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "room claim is missing (jwt_require_room is on)"},

    /* sub and tenants */
    {.name = "sub compared case-insensitively",
     .payload = "{\"iss\":\"lobbyd-test\",\"aud\":\"jitsi\",\"sub\":\"MEET."
                "Example.COM\"" ROOM FAR "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "sub tenant matches [tenant]room",
     .room = "[acme]myroom",
     .payload =
         "{\"iss\":\"lobbyd-test\",\"aud\":\"jitsi\",\"sub\":\"acme\"" ROOM FAR
         "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "sub domain does not fit a tenant room",
     .room = "[acme]myroom",
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_REFUSED,
     .reason =
         "sub \"meet.example.com\" does not match tenant \"acme\" of the room"},
    {.name = "sub * fits a tenant room",
     .room = "[acme]myroom",
     .payload =
         "{\"iss\":\"lobbyd-test\",\"aud\":\"jitsi\",\"sub\":\"*\"" ROOM FAR
         "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "domain verification off ignores sub",
     .variant = V_NO_VERIFY_DOMAIN,
     .payload =
         "{\"iss\":\"lobbyd-test\",\"aud\":\"jitsi\",\"sub\":\"elsewhere\"" ROOM
             FAR "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "sub of the wrong type refused even when not verified",
     .variant = V_NO_VERIFY_DOMAIN,
     .payload =
         "{\"iss\":\"lobbyd-test\",\"aud\":\"jitsi\",\"sub\":7" ROOM FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "sub must be a string (got number)"},

    /* iss and aud lists */
    {.name = "issuers * accepts any issuer",
     .issuers = "*",
     .payload = "{\"iss\":\"anyone\",\"aud\":\"jitsi\",\"sub\":\"meet.example."
                "com\"" ROOM FAR "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "issuers list",
     .issuers = "a, lobbyd-test",
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "issuers compared exactly",
     .issuers = "LOBBYD-TEST",
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "iss \"lobbyd-test\" not in accepted issuers [LOBBYD-TEST]",
     .kind = "issuer"},
    {.name = "audiences * accepts any audience",
     .audiences = "*",
     .payload = "{\"iss\":\"lobbyd-test\",\"aud\":\"whatever\",\"sub\":\"meet."
                "example.com\"" ROOM FAR "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "audiences list",
     .audiences = "meet,jitsi",
     .payload = "{\"iss\":\"lobbyd-test\",\"aud\":\"meet\",\"sub\":\"meet."
                "example.com\"" ROOM FAR "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "aud array with a non-string entry",
     .payload = "{\"iss\":\"lobbyd-test\",\"aud\":[\"jitsi\",3],\"sub\":\"meet."
                "example.com\"" ROOM FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "aud array entry 1 must be a string (got number)"},

    /* algorithms and keys */
    {.name = "rs256 valid",
     .header = RS,
     .alg = "RS256",
     .key = RSA_KEY,
     .payload = USER("\"moderator\":true"),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=1 bypass=0 aff=owner"},
    {.name = "es256 valid",
     .header = ES,
     .alg = "ES256",
     .key = EC_KEY,
     .payload = USER("\"lobby_bypass\":true"),
     .st = TOKEN_VALID,
     .reason = "",
     .rights = "owner=0 bypass=1 aff=none"},
    {.name = "hs kid not naming a public key is ignored",
     .header = "{\"alg\":\"HS256\",\"kid\":\"some-label\"}",
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_VALID,
     .reason = ""},
    {.name = "hs list narrowed to HS512",
     .hs_algs = "HS512",
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "alg HS256 not allowed for the shared secret of this issuer "
               "(allowed: HS512)"},
    {.name = "asym list narrowed to ES256",
     .asym_algs = "ES256",
     .header = RS,
     .alg = "RS256",
     .key = RSA_KEY,
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "alg RS256 not allowed for key kid=\"test-rsa\" (RSA-2048 key: "
               "nothing)"},
    {.name = "no secret: HS refused",
     .variant = V_NO_SECRET,
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "alg HS256 not allowed for the shared secret of this issuer "
               "(allowed: none configured)"},
    {.name = "no key dir: RS refused",
     .variant = V_NO_KEY_DIR,
     .header = RS,
     .alg = "RS256",
     .key = RSA_KEY,
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "no jwt_key_dir is configured for this issuer"},
    {.name = "accepted issuer without key material",
     .variant = V_NO_SECRET | V_NO_KEY_DIR,
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "iss \"lobbyd-test\" is accepted but no key material is "
               "configured for it"},
    {.name = "nothing configured refuses every token",
     .variant = V_NO_SECRET | V_NO_KEY_DIR | V_NO_EXTRA,
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "token verification is not configured"},
    {.name = "hs256 signed with the rsa public key, kid names it",
     .header = "{\"alg\":\"HS256\",\"kid\":\"test-rsa\"}",
     .alg = "HS256",
     .key = FIXTURE_KEYS "/rsa2048.pub",
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "alg HS256 not allowed for key kid=\"test-rsa\""},
    {.name = "hs256 signed with the ec public key as secret",
     .alg = "HS256",
     .key = FIXTURE_KEYS "/ec256.pub",
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "signature does not verify (HS256 with the shared secret)"},
    {.name = "es256 signed by the p-384 key under the p-256 kid",
     .header = ES,
     .alg = "ES384",
     .key = FIXTURE_KEYS "/ec384.key",
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "signature does not verify (ES256, kid=\"test-ec256\")"},
    {.name = "rs256 token signed with rs512",
     .header = RS,
     .alg = "RS512",
     .key = RSA_KEY,
     .payload = "{" BASE ROOM FAR "}",
     .st = TOKEN_REFUSED,
     .reason = "signature does not verify (RS256, kid=\"test-rsa\")"},
};

static void rights_text(const struct token_claims *c, char *buf, size_t size)
{
    snprintf(buf, size, "owner=%d bypass=%d aff=%s", c->owner, c->bypass,
             c->affiliation == TOKEN_AFFILIATION_OWNER    ? "owner"
             : c->affiliation == TOKEN_AFFILIATION_MEMBER ? "member"
                                                          : "none");
}

static void apply_variant(struct fixture *f, const struct row *r)
{
    if (r->variant & V_LEEWAY0)
        f->cfg.leeway_s = 0;
    if (r->variant & V_WILDCARD)
        f->cfg.allow_wildcard_room = true;
    if (r->variant & V_NO_REQUIRE_ROOM)
        f->cfg.require_room = false;
    if (r->variant & V_REQUIRE_EXP)
        f->cfg.require_exp = true;
    if (r->variant & V_NO_VERIFY_DOMAIN)
        f->cfg.verify_domain = false;
    if (r->variant & V_NO_SECRET)
        f->cfg.secret_file = NULL;
    if (r->variant & V_NO_KEY_DIR)
        f->cfg.key_dir = NULL;
    if (r->variant & V_NO_EXTRA)
        f->cfg.n_extra_issuers = 0;
    f->cfg.accepted_issuers = r->issuers;
    f->cfg.accepted_audiences = r->audiences;
    f->cfg.hs_algorithms = r->hs_algs;
    f->cfg.asym_algorithms = r->asym_algs;
}

/* Runs one row; prints every mismatch and returns the number found. */
static int run_row(const struct row *r)
{
    struct fixture f;
    struct token_verifier *v = NULL;
    struct token_claims c;
    struct token_reason why;
    char token[FIXTURE_MAX_TOKEN], got[64];
    enum token_status st;
    int failed = 0;

    memset(&c, 0, sizeof(c));
    if (fixture_setup(&f) != 0) {
        print_error("%s: cannot set up the test keys\n", r->name);
        return 1;
    }
    apply_variant(&f, r);
    v = token_verifier_new(&f.cfg, &why);
    if (v == NULL) {
        print_error("%s: verifier: %s\n", r->name, why.text);
        failed++;
        goto out;
    }
    if (fixture_token(r->header ? r->header : HS, r->payload,
                      r->alg ? r->alg : "HS256",
                      r->key ? r->key : FIXTURE_KEYS "/hs.secret", token,
                      sizeof(token)) != 0) {
        print_error("%s: cannot build the token\n", r->name);
        failed++;
        goto out;
    }
    st = token_verify(v, token, strlen(token),
                      (r->variant & V_NO_ROOM_ARG) ? NULL
                      : r->room                    ? r->room
                                                   : "myroom",
                      FIXTURE_NOW_S, &c, &why);
    if (st != r->st || strstr(why.text, r->reason) == NULL) {
        print_error("%s: expected %s \"%s\", got %s \"%s\"\n", r->name,
                    token_status_name(r->st), r->reason, token_status_name(st),
                    why.text);
        failed++;
    }
    /* Every refusal is counted under one word; a valid token under none. */
    if ((st == TOKEN_VALID) != (why.kind == NULL) ||
        (r->kind != NULL && (why.kind == NULL || strcmp(why.kind, r->kind) != 0))) {
        print_error("%s: kind %s, expected %s\n", r->name, why.kind ? why.kind : "(none)",
                    r->kind ? r->kind : st == TOKEN_VALID ? "(none)" : "a kind");
        failed++;
    }
    if (r->rights != NULL) {
        rights_text(&c, got, sizeof(got));
        if (strcmp(got, r->rights) != 0) {
            print_error("%s: rights \"%s\", expected \"%s\"\n", r->name, got,
                        r->rights);
            failed++;
        }
    }
out:
    token_claims_clear(&c);
    token_verifier_free(v);
    fixture_teardown(&f);
    return failed;
}

/* One cmocka test per row, named after it. */
static void test_rule_row(void **state)
{
    const struct row *r = &rows[*(const size_t *)*state];

    if (run_row(r) != 0)
        fail_msg("%s (see above)", r->name);
}

/* Every claim lands in the struct as a copy; features/room as compact JSON. */
static void test_claims_copied(void **state)
{
    static const char payload[] = WITH(
        "\"nbf\":1600000000,\"context\":{\"user\":{\"id\":\"u-1\",\"name\":"
        "\"Ada L\","
        "\"email\":\"ada@example.com\",\"avatar\":\"https://a.example/x.png\"},"
        "\"group\":\"g1\",\"features\":{ \"recording\" : \"true\", \"n\": [1, "
        "2] },"
        "\"room\":{\"lobby\":true}}");
    struct fixture f;
    struct token_verifier *v;
    struct token_claims c;
    struct token_reason why;
    char token[FIXTURE_MAX_TOKEN], fp[TOKEN_FINGERPRINT_SIZE];

    (void)state;
    assert_int_equal(fixture_setup(&f), 0);
    v = token_verifier_new(&f.cfg, &why);
    assert_non_null(v);
    assert_int_equal(
        fixture_token(RS, payload, "RS256", RSA_KEY, token, sizeof(token)), 0);
    assert_int_equal(token_verify(v, token, strlen(token), "myroom",
                                  FIXTURE_NOW_S, &c, &why),
                     TOKEN_VALID);
    /* The token buffer is gone before the claims are read. */
    memset(token, 'x', sizeof(token));
    token_verifier_free(v);
    assert_string_equal(c.alg, "RS256");
    assert_string_equal(c.kid, "test-rsa");
    assert_string_equal(c.iss, "lobbyd-test");
    assert_string_equal(c.aud, "jitsi");
    assert_string_equal(c.sub, "meet.example.com");
    assert_string_equal(c.room, "myroom");
    assert_string_equal(c.user_id, "u-1");
    assert_string_equal(c.name, "Ada L");
    assert_string_equal(c.email, "ada@example.com");
    assert_string_equal(c.avatar, "https://a.example/x.png");
    assert_string_equal(c.group, "g1");
    assert_string_equal(c.features_json,
                        "{\"recording\":\"true\",\"n\":[1,2]}");
    assert_string_equal(c.room_json, "{\"lobby\":true}");
    assert_int_equal(c.room_lobby, TOKEN_LOBBY_ON);
    assert_true(c.has_exp && c.exp_s == FIXTURE_FAR_S);
    assert_true(c.has_nbf && c.nbf_s == 1600000000);
    assert_int_equal(strlen(c.fingerprint), 8);
    token_claims_clear(&c);
    assert_null(c.name);
    token_claims_clear(&c); /* twice is fine */
    token_claims_clear(NULL);
    token_fingerprint("", 0, fp);
    fixture_teardown(&f);
}

/* context.room.lobby, an owner's wish for the room's lobby: the shapes
 * jitsi-contrib's lobby plugins use, and a refusal for anything else. */
static void test_room_lobby(void **state)
{
    static const struct {
        const char *name, *payload;
        enum token_status st;
        enum token_lobby want;
    } cases[] = {
        {"absent", WITH("\"context\":{\"room\":{}}"), TOKEN_VALID, TOKEN_LOBBY_UNSET},
        {"no context.room", WITH("\"context\":{}"), TOKEN_VALID, TOKEN_LOBBY_UNSET},
        {"null", WITH("\"context\":{\"room\":{\"lobby\":null}}"), TOKEN_VALID, TOKEN_LOBBY_UNSET},
        {"true", WITH("\"context\":{\"room\":{\"lobby\":true}}"), TOKEN_VALID, TOKEN_LOBBY_ON},
        {"\"true\"", WITH("\"context\":{\"room\":{\"lobby\":\"true\"}}"), TOKEN_VALID,
         TOKEN_LOBBY_ON},
        {"false", WITH("\"context\":{\"room\":{\"lobby\":false}}"), TOKEN_VALID, TOKEN_LOBBY_OFF},
        {"\"false\"", WITH("\"context\":{\"room\":{\"lobby\":\"false\"}}"), TOKEN_VALID,
         TOKEN_LOBBY_OFF},
        {"number refused", WITH("\"context\":{\"room\":{\"lobby\":1}}"), TOKEN_REFUSED,
         TOKEN_LOBBY_UNSET},
        {"other string refused", WITH("\"context\":{\"room\":{\"lobby\":\"yes\"}}"),
         TOKEN_REFUSED, TOKEN_LOBBY_UNSET},
    };
    struct fixture f;
    struct token_verifier *v;
    struct token_claims c;
    struct token_reason why;
    char token[FIXTURE_MAX_TOKEN];
    size_t i;

    (void)state;
    assert_int_equal(fixture_setup(&f), 0);
    v = token_verifier_new(&f.cfg, &why);
    assert_non_null(v);
    for (i = 0; i < ROWS(cases); i++) {
        print_message("%s\n", cases[i].name);
        assert_int_equal(fixture_token(RS, cases[i].payload, "RS256", RSA_KEY, token,
                                       sizeof(token)), 0);
        assert_int_equal(token_verify(v, token, strlen(token), "myroom", FIXTURE_NOW_S, &c, &why),
                         cases[i].st);
        if (cases[i].st == TOKEN_VALID)
            assert_int_equal(c.room_lobby, cases[i].want);
        else
            assert_non_null(strstr(why.text, "context.room.lobby must be"));
        token_claims_clear(&c);
    }
    token_verifier_free(v);
    fixture_teardown(&f);
}

/* Raw signature shapes: wrong lengths and zero values never verify. */
static void test_signature_shapes(void **state)
{
    static const struct {
        const char *name, *header, *alg, *key;
        size_t sig_len;
    } shapes[] = {
        {"es256 all-zero r||s", ES, "ES256", EC_KEY, 64},
        {"es256 one byte short", ES, "ES256", EC_KEY, 63},
        {"es256 der-sized", ES, "ES256", EC_KEY, 72},
        {"rs256 255 bytes", RS, "RS256", RSA_KEY, 255},
        {"rs256 all-zero 256 bytes", RS, "RS256", RSA_KEY, 256},
        {"hs256 33 bytes", HS, "HS256", FIXTURE_KEYS "/hs.secret", 33},
        {"hs256 one byte", HS, "HS256", FIXTURE_KEYS "/hs.secret", 1},
    };
    unsigned char zero[512];
    char token[FIXTURE_MAX_TOKEN], *dot;
    struct fixture f;
    struct token_verifier *v;
    struct token_claims c;
    struct token_reason why;
    enum token_status st;
    size_t i;

    (void)state;
    memset(zero, 0, sizeof(zero));
    assert_int_equal(fixture_setup(&f), 0);
    v = token_verifier_new(&f.cfg, &why);
    assert_non_null(v);
    for (i = 0; i < ROWS(shapes); i++) {
        assert_int_equal(fixture_token(shapes[i].header, "{" BASE ROOM FAR "}",
                                       shapes[i].alg, shapes[i].key, token,
                                       sizeof(token)),
                         0);
        dot = strrchr(token, '.') + 1;
        assert_int_equal(
            token_b64url_encode(zero, shapes[i].sig_len, dot,
                                sizeof(token) - (size_t)(dot - token)),
            0);
        st = token_verify(v, token, strlen(token), "myroom", FIXTURE_NOW_S, &c,
                          &why);
        if (st != TOKEN_REFUSED ||
            strstr(why.text, "signature does not verify") == NULL)
            fail_msg("%s: got %s \"%s\"", shapes[i].name, token_status_name(st),
                     why.text);
    }
    token_verifier_free(v);
    fixture_teardown(&f);
}

/* The length argument is honoured: bytes past 'len' are never read. */
static void test_length_is_honoured(void **state)
{
    char token[FIXTURE_MAX_TOKEN];
    struct fixture f;
    struct token_verifier *v;
    struct token_claims c;
    struct token_reason why;
    size_t len;

    (void)state;
    assert_int_equal(fixture_setup(&f), 0);
    v = token_verifier_new(&f.cfg, &why);
    assert_non_null(v);
    assert_int_equal(fixture_token(HS, "{" BASE ROOM FAR "}", "HS256",
                                   FIXTURE_KEYS "/hs.secret", token,
                                   sizeof(token)),
                     0);
    len = strlen(token);
    token[len] = 'A'; /* no NUL terminator any more */
    assert_int_equal(
        token_verify(v, token, len, "myroom", FIXTURE_NOW_S, &c, &why),
        TOKEN_VALID);
    token_claims_clear(&c);
    assert_int_equal(
        token_verify(v, token, len - 3, "myroom", FIXTURE_NOW_S, &c, &why),
        TOKEN_REFUSED);
    assert_int_equal(
        token_verify(v, NULL, 10, "myroom", FIXTURE_NOW_S, &c, &why),
        TOKEN_REFUSED);
    assert_string_equal(why.text, "token is empty");
    assert_false(token_verifier_enabled(NULL));
    token_verifier_free(v);
    fixture_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims_copied),
        cmocka_unit_test(test_room_lobby),
        cmocka_unit_test(test_signature_shapes),
        cmocka_unit_test(test_length_is_honoured),
    };
    static size_t index[ROWS(rows)];
    struct CMUnitTest row_tests[ROWS(rows)];
    size_t i;
    int failed;

    memset(row_tests, 0, sizeof(row_tests));
    for (i = 0; i < ROWS(rows); i++) {
        row_tests[i].name = rows[i].name;
        row_tests[i].test_func = test_rule_row;
        index[i] = i;
        row_tests[i].initial_state = &index[i];
    }
    failed = _cmocka_run_group_tests("token rules", row_tests, ROWS(rows), NULL,
                                     NULL);
    failed += cmocka_run_group_tests_name("token verify", tests, NULL, NULL);
    return failed;
}
