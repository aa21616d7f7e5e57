/*
 * tests/unit/jwt/test_json.c - jwt/json.c: the values it hands back, the
 * documents it refuses and why, and agreement with jansson (with
 * JSON_REJECT_DUPLICATES) on every row that stays within its bounds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "jwt/json.h"

static struct jdoc doc;

static int parse(const char *s)
{
    return jdoc_parse(&doc, s, strlen(s));
}

/* jansson's verdict on the same bytes: 0 accepted, -1 refused. */
static int jansson_parse(const char *s, size_t len)
{
    json_error_t err;
    json_t *j = json_loadb(s, len, JSON_REJECT_DUPLICATES, &err);

    json_decref(j);
    return j != NULL ? 0 : -1;
}

static void test_values(void **state)
{
    const struct jval *root, *v, *e;

    (void)state;
    assert_int_equal(parse(" {\"s\":\"a\\u00e9\\ud83d\\ude00\\n\", \"i\": -42,"
                           "\"r\":1.5e3, \"t\":true, \"f\":false, \"z\":null,"
                           "\"a\":[1,[2],{}], \"o\":{\"k\":\"v\"}}\r\n"),
                     0);
    root = jdoc_root(&doc);
    assert_int_equal(root->type, JVAL_OBJECT);
    assert_int_equal(root->count, 8);
    v = jval_get(&doc, root, "s");
    assert_int_equal(v->type, JVAL_STRING);
    assert_string_equal(v->str, "a\xc3\xa9\xf0\x9f\x98\x80\n");
    assert_int_equal(v->len, 8);
    assert_int_equal(jval_get(&doc, root, "i")->integer, -42);
    assert_true(jval_get(&doc, root, "r")->type == JVAL_REAL &&
                jval_get(&doc, root, "r")->real == 1500.0);
    assert_int_equal(jval_get(&doc, root, "t")->type, JVAL_TRUE);
    assert_int_equal(jval_get(&doc, root, "f")->type, JVAL_FALSE);
    assert_int_equal(jval_get(&doc, root, "z")->type, JVAL_NULL);
    assert_null(jval_get(&doc, root, "missing"));
    assert_null(jval_get(&doc, jval_get(&doc, root, "s"), "s"));
    v = jval_get(&doc, root, "a");
    assert_int_equal(v->count, 3);
    e = jval_first(&doc, v);
    assert_int_equal(e->integer, 1);
    e = jval_next(&doc, v, e);
    assert_int_equal(e->type, JVAL_ARRAY);
    e = jval_next(&doc, v, e);
    assert_int_equal(e->type, JVAL_OBJECT);
    assert_null(jval_next(&doc, v, e));
    /* Siblings skip whole subtrees: "o" comes after the nested array. */
    v = jval_get(&doc, root, "o");
    assert_string_equal(jval_get(&doc, v, "k")->str, "v");
    assert_string_equal(jval_type_name(v), "object");
}

static void test_compact_copy(void **state)
{
    char *c;

    (void)state;
    assert_int_equal(parse("{ \"a\" : [ 1 , 2 ] ,\n\t\"b\" : \"x y \\\" z\" }"),
                     0);
    c = jval_dup_compact(jdoc_root(&doc));
    assert_string_equal(c, "{\"a\":[1,2],\"b\":\"x y \\\" z\"}");
    free(c);
    assert_null(jval_dup_compact(jval_first(&doc, jval_get(&doc,
                                 jdoc_root(&doc), "a"))));
}

static void test_integer_bounds(void **state)
{
    (void)state;
    assert_int_equal(parse("[9223372036854775807,-9223372036854775808]"), 0);
    assert_true(jval_first(&doc, jdoc_root(&doc))->integer == INT64_MAX);
    assert_true(jval_next(&doc, jdoc_root(&doc),
                          jval_first(&doc, jdoc_root(&doc)))
                    ->integer == INT64_MIN);
    assert_int_equal(parse("[9223372036854775808]"), -1);
    assert_non_null(strstr(doc.error, "integer out of range"));
    assert_int_equal(parse("[-9223372036854775809]"), -1);
}

/* Refused, with the start of the reason. */
static const struct {
    const char *json, *error;
} refused[] = {
    {"", "'{' or '[' expected"},
    {"\"just a string\"", "'{' or '[' expected"},
    {"42", "'{' or '[' expected"},
    {"{\"a\":1,\"a\":2}", "duplicate object key"},
    {"{\"iss\":1,\"i\\u0073s\":2}", "duplicate object key"},
    {"{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,"
     "\"j\":10,\"c\":11}",
     "duplicate object key"},
    {"{\"a\":{\"b\":1,\"b\":1}}", "duplicate object key"},
    {"{\"a\":1,}", "object member name expected"},
    {"[1,]", "invalid token"},
    {"{\"a\" 1}", "':' expected"},
    {"{\"a\":1 \"b\":2}", "',' or '}' expected"},
    {"[1 2]", "',' or ']' expected"},
    {"{\"a\":1}x", "end of input expected"},
    {"{\"a\":1}{}", "end of input expected"},
    {"{\"a\":tru}", "invalid token"},
    {"{\"a\":nul}", "invalid token"},
    {"{\"a\":True}", "invalid token"},
    {"{\"a\":'x'}", "invalid token"},
    {"{\"a\":01}", "',' or '}' expected"},
    {"{\"a\":-}", "invalid number"},
    {"{\"a\":1.}", "invalid number"},
    {"{\"a\":.5}", "invalid token"},
    {"{\"a\":1e}", "invalid number"},
    {"{\"a\":+1}", "invalid token"},
    {"{\"a\":1e999}", "real number out of range"},
    {"{\"a\":\"x}", "unterminated string"},
    {"{\"a\":\"\\x\"}", "invalid escape"},
    {"{\"a\":\"\\u00zz\"}", "invalid \\u escape"},
    {"{\"a\":\"\\u0000\"}", "\\u0000 is not allowed"},
    {"{\"a\":\"\\ud800\"}", "lone high surrogate"},
    {"{\"a\":\"\\udc00\"}", "lone low surrogate"},
    {"{\"a\":\"\\ud800\\u0041\"}", "invalid surrogate pair"},
    {"{\"a\":\"tab\there\"}", "control character in string"},
    {"{\"a\":\"\xc3\"}", "invalid UTF-8 in string"},
    {"{\"a\":\"\xc0\xaf\"}", "invalid UTF-8 in string"},      /* overlong */
    {"{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8 in string"},  /* surrogate */
    {"{\"a\":\"\xf4\x90\x80\x80\"}", "invalid UTF-8 in string"}, /* > U+10FFFF */
    {"{\"a\":\"\xe0\x80\xaf\"}", "invalid UTF-8 in string"},  /* overlong */
    {"{\xc3\xa9:1}", "object member name expected"},
};

static void test_refused(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        if (parse(refused[i].json) != -1 ||
            strncmp(doc.error, refused[i].error, strlen(refused[i].error)) !=
                0)
            fail_msg("row %zu %s: got \"%s\"", i, refused[i].json, doc.error);
        if (jansson_parse(refused[i].json, strlen(refused[i].json)) != -1)
            fail_msg("row %zu %s: jansson accepts it", i, refused[i].json);
    }
}

/* Accepted by both readers. */
static const char *const accepted[] = {
    "{}",
    "[]",
    " \t\r\n{ } \n",
    "{\"\":0}",
    "{\"a\":-0,\"b\":0.0,\"c\":-1.25E-3,\"d\":1e+2,\"e\":1E-400}",
    "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}",
    "{\"a\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}",
    "{\"a\":\"\\uD83D\\uDE00\"}",
    "{\"A\":1,\"a\":2}",
    "[[[[[[[[[[1]]]]]]]]]]",
    "[{\"a\":1},{\"a\":1}]",
};

static void test_accepted(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        if (parse(accepted[i]) != 0)
            fail_msg("row %zu %s: %s", i, accepted[i], doc.error);
        if (jansson_parse(accepted[i], strlen(accepted[i])) != 0)
            fail_msg("row %zu %s: jansson refuses it", i, accepted[i]);
    }
}

static void test_embedded_nul(void **state)
{
    (void)state;
    assert_int_equal(jdoc_parse(&doc, "{\"a\":\"x\0\"}", 9), -1);
    assert_int_equal(jdoc_parse(&doc, "{\"a\":1}\0", 8), -1);
}

/* The bounds: depth, value count, number length, document size. */
static void test_bounds(void **state)
{
    static char buf[JDOC_MAX_BYTES + 2];
    size_t i, n;

    (void)state;
    for (i = 0; i < JDOC_MAX_DEPTH; i++)
        buf[i] = '[';
    for (n = i; i < 2 * n; i++)
        buf[i] = ']';
    assert_int_equal(jdoc_parse(&doc, buf, i), 0);
    memmove(buf + 1, buf, i);
    buf[0] = '[';
    buf[i + 1] = ']';
    assert_int_equal(jdoc_parse(&doc, buf, i + 2), -1);
    assert_non_null(strstr(doc.error, "nesting too deep"));

    n = 0;
    buf[n++] = '[';
    for (i = 0; i < JDOC_MAX_VALUES; i++) {
        buf[n++] = '0';
        buf[n++] = ',';
    }
    buf[n - 1] = ']';
    assert_int_equal(jdoc_parse(&doc, buf, n), -1);
    assert_non_null(strstr(doc.error, "too many values"));
    /* The array and 511 elements: exactly JDOC_MAX_VALUES values. */
    n = 2 * (JDOC_MAX_VALUES - 1) + 1;
    buf[n - 1] = ']';
    assert_int_equal(jdoc_parse(&doc, buf, n), 0);
    assert_int_equal(jdoc_root(&doc)->count, JDOC_MAX_VALUES - 1);

    assert_int_equal(parse("[1.000000000000000000000000000000000000000000]"),
                     -1);
    assert_non_null(strstr(doc.error, "number too long"));

    memset(buf, ' ', sizeof(buf));
    buf[0] = '{';
    buf[JDOC_MAX_BYTES - 1] = '}';
    assert_int_equal(jdoc_parse(&doc, buf, JDOC_MAX_BYTES), 0);
    assert_int_equal(jdoc_parse(&doc, buf, JDOC_MAX_BYTES + 1), -1);
    assert_non_null(strstr(doc.error, "document too large"));
}

/* A large object of distinct names is accepted; the sorted check runs. */
static void test_many_members(void **state)
{
    static char buf[JDOC_MAX_BYTES];
    size_t n = 0;
    int i;

    (void)state;
    buf[n++] = '{';
    for (i = 0; i < 400; i++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\"k%d\":%d,", i, i);
    buf[n - 1] = '}';
    assert_int_equal(jdoc_parse(&doc, buf, n), 0);
    assert_int_equal(jdoc_root(&doc)->count, 400);
    assert_int_equal(jval_get(&doc, jdoc_root(&doc), "k399")->integer, 399);
    memcpy(buf + 1, "\"k9\"", 4); /* "k0" becomes a second "k9" */
    assert_int_equal(jdoc_parse(&doc, buf, n), -1);
    assert_non_null(strstr(doc.error, "duplicate object key"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_compact_copy),
        cmocka_unit_test(test_integer_bounds),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_many_members),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
