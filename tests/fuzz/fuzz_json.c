/*
 * tests/fuzz/fuzz_json.c - libFuzzer target for jwt/json.c, checked
 * against jansson (JSON_REJECT_DUPLICATES) on every input:
 * - whatever jwt/json.c accepts, jansson accepts, with the same values
 *   (types, member names, strings byte for byte, numbers);
 * - whatever jwt/json.c refuses for a reason other than one of its own
 *   bounds (depth, value count, number length), jansson refuses too,
 *   except input with a raw NUL byte: jansson lets some through outside
 *   strings, jwt/json.c refuses them all.
 * Any disagreement aborts, so the fuzzer reports it as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jwt/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jdoc doc;

static void disagree(const char *what)
{
    fprintf(stderr, "fuzz_json: jwt/json.c and jansson disagree: %s (%s)\n",
            what, doc.error);
    abort();
}

static void same(const struct jval *v, const json_t *j)
{
    const struct jval *c;
    size_t i = 0;

    switch (v->type) {
    case JVAL_OBJECT:
        if (!json_is_object(j) || json_object_size(j) != v->count)
            disagree("object");
        for (c = jval_first(&doc, v); c != NULL; c = jval_next(&doc, v, c)) {
            if (strlen(c->key) != c->key_len)
                disagree("NUL in a member name");
            same(c, json_object_get(j, c->key));
        }
        break;
    case JVAL_ARRAY:
        if (!json_is_array(j) || json_array_size(j) != v->count)
            disagree("array");
        for (c = jval_first(&doc, v); c != NULL; c = jval_next(&doc, v, c))
            same(c, json_array_get(j, i++));
        break;
    case JVAL_STRING:
        if (!json_is_string(j) || json_string_length(j) != v->len ||
            memcmp(json_string_value(j), v->str, v->len) != 0)
            disagree("string");
        break;
    case JVAL_INTEGER:
        if (!json_is_integer(j) || json_integer_value(j) != v->integer)
            disagree("integer");
        break;
    case JVAL_REAL:
        if (!json_is_real(j) || json_real_value(j) != v->real)
            disagree("real");
        break;
    case JVAL_TRUE:
    case JVAL_FALSE:
    case JVAL_NULL:
        if (j == NULL || (int)json_typeof(j) !=
                             (v->type == JVAL_TRUE    ? JSON_TRUE
                              : v->type == JVAL_FALSE ? JSON_FALSE
                                                      : JSON_NULL))
            disagree("literal");
        break;
    }
}

static int own_bound(const char *error)
{
    return strncmp(error, "nesting too deep", 16) == 0 ||
           strncmp(error, "too many values", 15) == 0 ||
           strncmp(error, "number too long", 15) == 0 ||
           strncmp(error, "document too large", 18) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t err;
    json_t *j;
    int rc;

    rc = jdoc_parse(&doc, (const char *)data, size);
    j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err);
    if (rc == 0) {
        if (j == NULL)
            disagree("only jwt/json.c accepts");
        same(jdoc_root(&doc), j);
        free(jval_dup_compact(jdoc_root(&doc)));
    } else if (j != NULL && !own_bound(doc.error) &&
               memchr(data, 0, size) == NULL) {
        disagree("only jansson accepts");
    }
    json_decref(j);
    return 0;
}
