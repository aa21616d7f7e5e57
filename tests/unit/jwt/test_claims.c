/*
 * tests/unit/jwt/test_claims.c - the small pure functions of jwt/: locale-free
 * lower-casing and room matching (jwt/claims.c), base64url, reason quoting
 * and fingerprints (jwt/token.c), algorithm lists (jwt/keys.c).  One table
 * per function; each row is named and a failure prints the row's name and
 * what it got.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "jwt/claims.h"
#include "jwt/keys.h"
#include "jwt/token.h"

#define ROWS(t) (sizeof(t) / sizeof((t)[0]))

static const struct {
    const char *name, *in, *out; /* out NULL: must be refused */
} lower_rows[] = {
    {"ascii", "MyRoom-42", "myroom-42"},
    {"latin-1 accents",
     "\xc3\x89"
     "COLE \xc3\x80 \xc3\x9e",
     "\xc3\xa9"
     "cole \xc3\xa0 \xc3\xbe"},
    {"latin-1 multiplication sign kept", "\xc3\x97", "\xc3\x97"},
    {"latin-1 sharp s kept",
     "stra\xc3\x9f"
     "e",
     "stra\xc3\x9f"
     "e"},
    {"latin ext-a L stroke",
     "\xc5\x81\xc3\xb3"
     "d\xc5\xba",
     "\xc5\x82\xc3\xb3"
     "d\xc5\xba"},
    {"latin ext-a Z caron (odd upper)", "\xc5\xbd", "\xc5\xbe"},
    {"latin ext-a N acute (odd upper)", "\xc5\x83", "\xc5\x84"},
    {"latin ext-a dotted capital I", "\xc4\xb0stanbul", "istanbul"},
    {"latin ext-a Y diaeresis", "\xc5\xb8", "\xc3\xbf"},
    {"latin ext-b S comma", "\xc8\x98", "\xc8\x99"},
    {"latin ext-add. capital sharp s", "\xe1\xba\x9e", "\xc3\x9f"},
    {"latin ext-add. A dot below", "\xe1\xba\xa0", "\xe1\xba\xa1"},
    {"greek", "\xce\xa9\xce\x9c\xce\x95\xce\x93\xce\x91",
     "\xcf\x89\xce\xbc\xce\xb5\xce\xb3\xce\xb1"},
    {"greek tonos", "\xce\x86\xce\x88\xce\x8c\xce\x8f",
     "\xce\xac\xce\xad\xcf\x8c\xcf\x8e"},
    {"cyrillic", "\xd0\x96\xd0\xa3\xd0\x9a", "\xd0\xb6\xd1\x83\xd0\xba"},
    {"cyrillic io and je", "\xd0\x81\xd0\x88", "\xd1\x91\xd1\x98"},
    {"cyrillic ext. palochka", "\xd3\x80", "\xd3\x8f"},
    {"armenian", "\xd4\xb1", "\xd5\xa1"},
    {"full-width", "\xef\xbc\xa1\xef\xbc\xba", "\xef\xbd\x81\xef\xbd\x9a"},
    {"cjk unchanged", "\xe4\xbc\x9a\xe8\xad\xb0", "\xe4\xbc\x9a\xe8\xad\xb0"},
    {"emoji unchanged", "\xf0\x9f\x8e\x89", "\xf0\x9f\x8e\x89"},
    {"overlong slash refused", "\xc0\xaf", NULL},
    {"surrogate refused", "\xed\xa0\x80", NULL},
    {"truncated sequence refused", "ab\xe4\xbc", NULL},
    {"lone continuation refused", "\x80", NULL},
    {"beyond U+10FFFF refused", "\xf4\x90\x80\x80", NULL},
};

static void test_utf8_lower(void **state)
{
    char out[64];
    size_t i;
    int r;

    (void)state;
    for (i = 0; i < ROWS(lower_rows); i++) {
        r = claims_utf8_lower(lower_rows[i].in, strlen(lower_rows[i].in), out,
                              sizeof(out));
        if (lower_rows[i].out == NULL && r == 0)
            fail_msg("%s: accepted, gave \"%s\"", lower_rows[i].name, out);
        if (lower_rows[i].out != NULL &&
            (r != 0 || strcmp(out, lower_rows[i].out) != 0))
            fail_msg("%s: r=%d, got \"%s\"", lower_rows[i].name, r, out);
    }
}

static const struct {
    const char *name, *claim, *room;
    bool match;
} room_rows[] = {
    {"equal", "myroom", "myroom", true},
    {"claim upper case", "MyRoom", "myroom", true},
    {"unicode case",
     "\xc3\x89"
     "cole",
     "\xc3\xa9"
     "cole",
     true},
    {"cyrillic case", "\xd0\x96\xd1\x83\xd0\xba", "\xd0\xb6\xd1\x83\xd0\xba",
     true},
    {"prefix is not a match", "myroom", "myroom2", false},
    {"suffix is not a match", "room", "myroom", false},
    {"empty claim", "", "myroom", false},
    {"tenant room, bare claim", "myroom", "[acme]myroom", true},
    {"tenant room, full claim", "[ACME]MyRoom", "[acme]myroom", true},
    {"tenant room, other name", "other", "[acme]myroom", false},
    {"wildcard is not special here", "*", "myroom", false},
    {"invalid utf-8 room never matches", "my\xc0\xafroom", "my\xc0\xafroom",
     false},
};

static void test_room_matches(void **state)
{
    size_t i;
    bool got;

    (void)state;
    for (i = 0; i < ROWS(room_rows); i++) {
        got = claims_room_matches(room_rows[i].claim, room_rows[i].room);
        if (got != room_rows[i].match)
            fail_msg("%s: got %s", room_rows[i].name,
                     got ? "match" : "no match");
    }
}

static const struct {
    const char *name, *in, *out; /* out NULL: must be refused */
} b64_rows[] = {
    {"empty", "", ""},
    {"one byte", "QQ", "A"},
    {"two bytes", "QUI", "AB"},
    {"three bytes", "QUJD", "ABC"},
    {"url alphabet", "-_-_", "\xfb\xff\xbf"},
    {"padding refused", "QQ==", NULL},
    {"plus refused", "+/+/", NULL},
    {"one char refused", "Q", NULL},
    {"non-zero leftover bits refused", "QR", NULL},
    {"space refused", "QU I", NULL},
};

static void test_b64url(void **state)
{
    unsigned char out[16];
    char back[32];
    size_t i, len;
    int r;

    (void)state;
    for (i = 0; i < ROWS(b64_rows); i++) {
        r = token_b64url_decode(b64_rows[i].in, strlen(b64_rows[i].in), out,
                                sizeof(out), &len);
        if (b64_rows[i].out == NULL) {
            if (r == 0)
                fail_msg("%s: accepted", b64_rows[i].name);
            continue;
        }
        if (r != 0 || len != strlen(b64_rows[i].out) ||
            memcmp(out, b64_rows[i].out, len) != 0)
            fail_msg("%s: r=%d len=%zu", b64_rows[i].name, r, len);
        r = token_b64url_encode(out, len, back, sizeof(back));
        if (r != 0 || strcmp(back, b64_rows[i].in) != 0)
            fail_msg("%s: encode gave \"%s\"", b64_rows[i].name, back);
    }
    /* A destination one byte too small is refused, not overrun. */
    assert_int_equal(token_b64url_decode("QUJD", 4, out, 2, &len), -1);
    assert_int_equal(
        token_b64url_encode((const unsigned char *)"ABC", 3, back, 4), -1);
}

static void test_reason_quote(void **state)
{
    static const struct {
        const char *name, *in;
        size_t max;
        const char *out;
    } rows[] = {
        {"plain", "jitsi", 40, "\"jitsi\""},
        {"quote and backslash escaped", "a\"b\\c", 40, "\"a\\x22b\\x5cc\""},
        {"control bytes escaped", "a\nb\x01", 40, "\"a\\x0ab\\x01\""},
        {"shortened", "abcdefghij", 4, "\"abcd...\""},
        {"utf-8 escaped", "\xc3\xa9", 40, "\"\\xc3\\xa9\""},
    };
    char out[64];
    size_t i;

    (void)state;
    for (i = 0; i < ROWS(rows); i++) {
        token_reason_quote(out, sizeof(out), rows[i].in, strlen(rows[i].in),
                           rows[i].max);
        if (strcmp(out, rows[i].out) != 0)
            fail_msg("%s: got %s", rows[i].name, out);
    }
    /* A tiny buffer truncates and stays terminated. */
    token_reason_quote(out, 8, "abcdefghijkl", 12, 40);
    assert_true(strlen(out) < 8);
}

static void test_fingerprint(void **state)
{
    char fp[TOKEN_FINGERPRINT_SIZE];

    (void)state;
    /* sha256("abc") = ba7816bf... */
    token_fingerprint("abc", 3, fp);
    assert_string_equal(fp, "ba7816bf");
    token_fingerprint("", 0, fp);
    assert_string_equal(fp, "e3b0c442");
}

static const struct {
    const char *name, *list;
    unsigned allowed, mask; /* mask 0: must be refused */
    const char *reason;
} alg_rows[] = {
    {"default hs", "HS256,HS384,HS512", KEYS_ALGS_HS, KEYS_ALGS_HS, ""},
    {"spaces", " HS256 , HS512 ", KEYS_ALGS_HS,
     KEYS_ALG_BIT(KEYS_ALG_HS256) | KEYS_ALG_BIT(KEYS_ALG_HS512), ""},
    {"none refused", "HS256,none", KEYS_ALGS_HS, 0,
     "alg \"none\" is never accepted"},
    {"NONE refused", "NONE", KEYS_ALGS_HS, 0, "alg \"none\" is never accepted"},
    {"rs in hs list", "RS256", KEYS_ALGS_HS, 0, "does not belong here"},
    {"hs in asym list", "ES256,HS256", KEYS_ALGS_RS | KEYS_ALGS_ES, 0,
     "does not belong here"},
    {"unknown", "PS256", KEYS_ALGS_RS, 0, "unknown algorithm \"PS256\""},
    {"lower case", "rs256", KEYS_ALGS_RS, 0, "unknown algorithm \"rs256\""},
    {"empty entry", "RS256,,RS384", KEYS_ALGS_RS, 0, "empty entry in list"},
    {"empty list", "", KEYS_ALGS_RS, 0, "empty list"},
};

static void test_alg_lists(void **state)
{
    struct token_reason why;
    unsigned mask;
    size_t i;
    int r;

    (void)state;
    for (i = 0; i < ROWS(alg_rows); i++) {
        why.text[0] = '\0';
        r = keys_alg_list_parse(alg_rows[i].list, alg_rows[i].allowed, "opt",
                                &mask, &why);
        if (mask != alg_rows[i].mask || (r == 0) != (alg_rows[i].mask != 0) ||
            strstr(why.text, alg_rows[i].reason) == NULL)
            fail_msg("%s: r=%d mask=%#x reason \"%s\"", alg_rows[i].name, r,
                     mask, why.text);
    }
}

static void test_lists(void **state)
{
    struct claims_list l;
    struct token_reason why;
    char text[96];

    (void)state;
    assert_int_equal(claims_list_parse(" meet , jitsi ", "aud", &l, &why), 0);
    assert_true(claims_list_accepts(&l, "jitsi"));
    assert_false(claims_list_accepts(&l, "Jitsi"));
    claims_list_describe(&l, text, sizeof(text));
    assert_string_equal(text, "[meet, jitsi]");
    claims_list_free(&l);
    assert_int_equal(claims_list_parse("a,*", "aud", &l, &why), 0);
    assert_true(claims_list_accepts(&l, "anything"));
    claims_list_free(&l);
    assert_int_equal(claims_list_parse("a,,b", "aud", &l, &why), -1);
    assert_non_null(strstr(why.text, "aud: empty entry"));
    assert_int_equal(l.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_lower),  cmocka_unit_test(test_room_matches),
        cmocka_unit_test(test_b64url),      cmocka_unit_test(test_reason_quote),
        cmocka_unit_test(test_fingerprint), cmocka_unit_test(test_alg_lists),
        cmocka_unit_test(test_lists),
    };

    return cmocka_run_group_tests_name("jwt text functions", tests, NULL, NULL);
}
