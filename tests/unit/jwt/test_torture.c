/*
 * tests/unit/jwt/test_torture.c - token_verify() when memory runs out.
 *
 * The binary is linked with -Wl,--wrap=malloc -Wl,--wrap=strndup (see the
 * Makefile), so every allocation jwt/ makes goes through the wrappers below.
 * For k = 0, 1, 2, ... the k-th allocation of one verification fails: each
 * such run must end in TOKEN_ERROR with "out of memory", hand back nothing
 * and leak nothing (ASan's leak check and valgrind run this binary too),
 * until a k beyond the last allocation lets the token verify.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jwt/token.h"
#include "tests/unit/jwt/jwt_fixture.h"

void *__real_malloc(size_t size);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t size);
char *__wrap_strndup(const char *s, size_t n);

static long fail_at = -1; /* the allocation to fail, counted from 0; -1: none */
static long allocations;

static int fail_now(void)
{
    return fail_at >= 0 && allocations++ == fail_at;
}

void *__wrap_malloc(size_t size)
{
    return fail_now() ? NULL : __real_malloc(size);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return fail_now() ? NULL : __real_strndup(s, n);
}

/* Every claim that is copied: kid, iss, aud, sub, room, identity, group,
 * features and context.room. */
static const char payload[] =
    "{\"iss\":\"lobbyd-test\",\"aud\":\"jitsi\",\"sub\":\"meet.example.com\","
    "\"room\":\"myroom\",\"exp\":4102444800,\"context\":{\"user\":{\"id\":"
    "\"u-1\",\"name\":\"Ada\",\"email\":\"ada@example.com\",\"avatar\":"
    "\"https://a.example/x.png\",\"moderator\":true},\"group\":\"g1\","
    "\"features\":{\"recording\":\"true\"},\"room\":{\"lobby\":true,"
    "\"before_host\":\"wait\",\"allow\":[\"a@b.c\",\"@d.e\"]}}}";

static void test_every_allocation_fails_once(void **state)
{
    static char token[FIXTURE_MAX_TOKEN];
    struct token_verifier *v;
    struct token_claims c, empty;
    struct token_reason why;
    struct fixture f;
    enum token_status st;
    long k;

    (void)state;
    assert_int_equal(fixture_setup(&f), 0);
    v = token_verifier_new(&f.cfg, &why);
    assert_non_null(v);
    assert_int_equal(fixture_token("{\"alg\":\"RS256\",\"kid\":\"test-rsa\"}",
                                   payload, "RS256",
                                   FIXTURE_KEYS "/rsa2048.key", token,
                                   sizeof(token)),
                     0);
    memset(&empty, 0, sizeof(empty));
    for (k = 0; k < 100; k++) {
        fail_at = k;
        allocations = 0;
        st = token_verify(v, token, strlen(token), "myroom", FIXTURE_NOW_S, &c,
                          &why);
        fail_at = -1;
        if (allocations <= k) {
            /* Nothing failed: every allocation of the path was tried. */
            assert_int_equal(st, TOKEN_VALID);
            assert_string_equal(c.features_json, "{\"recording\":\"true\"}");
            token_claims_clear(&c);
            break;
        }
        if (st != TOKEN_ERROR || strcmp(why.text, "out of memory") != 0)
            fail_msg("allocation %ld failed: got %s \"%s\"", k,
                     token_status_name(st), why.text);
        assert_memory_equal(&c, &empty, sizeof(c));
    }
    /* kid, nine strings, two JSON objects: at least twelve were tried. */
    assert_true(k >= 12 && k < 100);
    token_verifier_free(v);
    fixture_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocation_fails_once),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
