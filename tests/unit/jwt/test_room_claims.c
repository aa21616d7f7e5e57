/*
 * tests/unit/jwt/test_room_claims.c - context.room.before_host and
 * context.room.allow (jwt/room_claims.c): the shape of one allow-list
 * entry, then whole tokens through token_verify() as the daemon calls it.
 * One row per case; a failure prints the row's name.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "jwt/room_claims.h"
#include "jwt/token.h"
#include "tests/unit/jwt/jwt_fixture.h"

#define ROWS(t) (sizeof(t) / sizeof((t)[0]))
#define BASE "\"iss\":\"lobbyd-test\",\"aud\":\"jitsi\",\"sub\":\"meet.example.com\"," \
             "\"room\":\"myroom\",\"exp\":4102444800"
#define CROOM(x) "{" BASE ",\"context\":{\"room\":{" x "}}}"
#define RS "{\"alg\":\"RS256\",\"kid\":\"test-rsa\"}"
#define RSA_KEY FIXTURE_KEYS "/rsa2048.key"

static void test_entry_table(void **state)
{
    static const struct {
        const char *entry;
        const char *problem_has;       /* NULL: well formed */
    } rows[] = {
        {"alice@example.com", NULL},
        {"@example.com", NULL},
        {"bob@meet.test", NULL},
        {"guest.meet.test", NULL},
        {"localhost", NULL},
        {"Alice.B+tag@Example.COM", NULL},
        {"", "empty"},
        {"a b@example.com", "blank"},
        {"a\tb", "blank"},
        {"bob@meet.test/phone", "/"},
        {"a,b@example.com", "/"},
        {"\"a\"@example.com", "/"},
        {"a@b@example.com", "more than one @"},
        {"alice@", "nothing after"},
        {"@", "nothing after"},
        {"@.example.com", "dot"},
        {"example.com.", "dot"},
        {".example.com", "dot"},
        {"alice.@example.com", "dot"},
    };
    char long_entry[TOKEN_ROOM_ALLOW_ENTRY_MAX + 2];
    const char *p;

    (void)state;
    for (size_t i = 0; i < ROWS(rows); i++) {
        print_message("\"%s\"\n", rows[i].entry);
        p = room_claims_entry_problem(rows[i].entry, strlen(rows[i].entry));
        if (rows[i].problem_has == NULL) {
            assert_null(p);
        } else {
            assert_non_null(p);
            assert_non_null(strstr(p, rows[i].problem_has));
        }
    }
    memset(long_entry, 'a', sizeof(long_entry) - 1);
    long_entry[sizeof(long_entry) - 1] = '\0';
    assert_non_null(room_claims_entry_problem(long_entry, TOKEN_ROOM_ALLOW_ENTRY_MAX + 1));
    assert_null(room_claims_entry_problem(long_entry, TOKEN_ROOM_ALLOW_ENTRY_MAX));
}

/* 65 entries: one more than TOKEN_ROOM_ALLOW_MAX. */
#define E8 "\"a@b.c\",\"a@b.c\",\"a@b.c\",\"a@b.c\",\"a@b.c\",\"a@b.c\",\"a@b.c\",\"a@b.c\""
#define E64 E8 "," E8 "," E8 "," E8 "," E8 "," E8 "," E8 "," E8

static const struct {
    const char *name, *payload;
    enum token_status st;
    const char *reason_has;            /* refused: substring of the reason */
    enum token_before_host before_host;
    int n_allow;                       /* -1: no usable list */
    const char *first;                 /* the first entry, when there is one */
    const char *problem_has;           /* the claim's own refusal, or NULL */
} verify_rows[] = {
    {"nothing", CROOM(""), TOKEN_VALID, NULL, TOKEN_BEFORE_HOST_UNSET, -1, NULL, NULL},
    {"before_host wait", CROOM("\"before_host\":\"wait\""), TOKEN_VALID, NULL,
     TOKEN_BEFORE_HOST_WAIT, -1, NULL, NULL},
    {"before_host allow", CROOM("\"before_host\":\"allow\""), TOKEN_VALID, NULL,
     TOKEN_BEFORE_HOST_ALLOW, -1, NULL, NULL},
    {"before_host deny", CROOM("\"before_host\":\"deny\""), TOKEN_VALID, NULL,
     TOKEN_BEFORE_HOST_DENY, -1, NULL, NULL},
    {"before_host null", CROOM("\"before_host\":null"), TOKEN_VALID, NULL,
     TOKEN_BEFORE_HOST_UNSET, -1, NULL, NULL},
    {"before_host Wait refused", CROOM("\"before_host\":\"Wait\""), TOKEN_REFUSED,
     "context.room.before_host must be", 0, -1, NULL, NULL},
    {"before_host true refused", CROOM("\"before_host\":true"), TOKEN_REFUSED,
     "context.room.before_host must be", 0, -1, NULL, NULL},
    {"allow list", CROOM("\"allow\":[\"alice@example.com\",\"@example.org\",\"guest.meet.test\"]"),
     TOKEN_VALID, NULL, TOKEN_BEFORE_HOST_UNSET, 3, "alice@example.com", NULL},
    {"allow empty clears", CROOM("\"allow\":[]"), TOKEN_VALID, NULL, TOKEN_BEFORE_HOST_UNSET,
     0, NULL, NULL},
    {"allow null is absent", CROOM("\"allow\":null"), TOKEN_VALID, NULL,
     TOKEN_BEFORE_HOST_UNSET, -1, NULL, NULL},
    {"allow with an escape", CROOM("\"allow\":[\"b\\u006fb@meet.test\"]"), TOKEN_VALID, NULL,
     TOKEN_BEFORE_HOST_UNSET, 1, "bob@meet.test", NULL},
    {"allow 64 entries", CROOM("\"allow\":[" E64 "]"), TOKEN_VALID, NULL,
     TOKEN_BEFORE_HOST_UNSET, 64, "a@b.c", NULL},
    {"allow 65 entries: claim refused, token valid", CROOM("\"allow\":[" E64 ",\"x\"]"),
     TOKEN_VALID, NULL, TOKEN_BEFORE_HOST_UNSET, -1, NULL, "65 entries, at most 64"},
    {"allow string: claim refused", CROOM("\"allow\":\"alice@example.com\""), TOKEN_VALID, NULL,
     TOKEN_BEFORE_HOST_UNSET, -1, NULL, "must be an array of strings (got string)"},
    {"allow number entry: claim refused", CROOM("\"allow\":[\"a@b.c\",7]"), TOKEN_VALID, NULL,
     TOKEN_BEFORE_HOST_UNSET, -1, NULL, "allow[1] is an entry that is not a string"},
    {"allow resource: claim refused", CROOM("\"allow\":[\"bob@meet.test/x\"]"), TOKEN_VALID,
     NULL, TOKEN_BEFORE_HOST_UNSET, -1, NULL, "allow[0] is an entry with a blank"},
    {"allow and before_host together",
     CROOM("\"before_host\":\"deny\",\"allow\":[\"@example.com\"]"), TOKEN_VALID, NULL,
     TOKEN_BEFORE_HOST_DENY, 1, "@example.com", NULL},
};

static void test_verify_table(void **state)
{
    struct fixture f;
    struct token_verifier *v;
    struct token_claims c;
    struct token_reason why;
    static char token[FIXTURE_MAX_TOKEN];

    (void)state;
    assert_int_equal(fixture_setup(&f), 0);
    v = token_verifier_new(&f.cfg, &why);
    assert_non_null(v);
    for (size_t i = 0; i < ROWS(verify_rows); i++) {
        print_message("%s\n", verify_rows[i].name);
        assert_int_equal(fixture_token(RS, verify_rows[i].payload, "RS256", RSA_KEY, token,
                                       sizeof(token)), 0);
        assert_int_equal(token_verify(v, token, strlen(token), "myroom", FIXTURE_NOW_S, &c, &why),
                         verify_rows[i].st);
        if (verify_rows[i].st != TOKEN_VALID) {
            assert_non_null(strstr(why.text, verify_rows[i].reason_has));
            continue;
        }
        assert_int_equal(c.room_before_host, verify_rows[i].before_host);
        assert_int_equal(c.has_room_allow, verify_rows[i].n_allow >= 0);
        if (verify_rows[i].n_allow >= 0)
            assert_int_equal(c.n_room_allow, (size_t)verify_rows[i].n_allow);
        if (verify_rows[i].first != NULL)
            assert_string_equal(c.room_allow[0], verify_rows[i].first);
        if (verify_rows[i].problem_has != NULL)
            assert_non_null(strstr(c.room_allow_problem, verify_rows[i].problem_has));
        else
            assert_string_equal(c.room_allow_problem, "");
        token_claims_clear(&c);
    }
    token_verifier_free(v);
    fixture_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_table),
        cmocka_unit_test(test_verify_table),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
