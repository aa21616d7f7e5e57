/*
 * jwt/json.h - a strict, bounded, allocation-free JSON reader for the two
 * JSON segments of a token (header and payload).
 *
 * The whole document is parsed into a flat array of values held by the
 * caller's struct jdoc: no malloc, no hash table, one pass.  Strings are
 * decoded (escapes, surrogate pairs) into the document's own text buffer
 * and NUL-terminated.  It accepts exactly what RFC 8259 allows and refuses
 * what a token must never carry:
 * - a top level that is not an object or an array;
 * - duplicate member names in one object (compared after decoding, so
 *   "iss" and "i\u0073s" are the same name);
 * - \u0000, lone surrogates, invalid or overlong UTF-8, raw control
 *   characters in strings;
 * - integers outside int64_t, reals that overflow a double;
 * - more than JDOC_MAX_DEPTH levels, JDOC_MAX_VALUES values, or numbers
 *   longer than JDOC_MAX_NUMBER bytes.
 * Accepted documents are the ones jansson accepts with
 * JSON_REJECT_DUPLICATES, within those bounds (tests/unit/jwt/test_json.c
 * and tests/fuzz/fuzz_json.c compare the two).
 */
#ifndef LOBBYD_JWT_JSON_H
#define LOBBYD_JWT_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jwt/token.h"

/* Deepest nesting of objects and arrays. */
#define JDOC_MAX_DEPTH 32
/* Most values in one document (every object, array, member value and
 * element counts one). */
#define JDOC_MAX_VALUES 512
/* Longest number literal, in bytes. */
#define JDOC_MAX_NUMBER 40
/* Largest document, in bytes: a decoded token payload. */
#define JDOC_MAX_BYTES TOKEN_MAX_BYTES

enum jval_type {
    JVAL_NULL,
    JVAL_FALSE,
    JVAL_TRUE,
    JVAL_INTEGER,
    JVAL_REAL,
    JVAL_STRING,
    JVAL_ARRAY,
    JVAL_OBJECT,
};

/*
 * One value.  Its children (members or elements) follow it in the array;
 * 'end' is the index just past its last descendant, i.e. its next sibling.
 */
struct jval {
    enum jval_type type;
    unsigned end;
    unsigned count;    /* members of an object, elements of an array */
    const char *key;   /* member name (decoded, NUL-terminated), or NULL */
    size_t key_len;
    const char *str;   /* string: decoded, NUL-terminated; object/array:
                          its source text (not NUL-terminated) */
    size_t len;
    int64_t integer;
    double real;
};

struct jdoc {
    struct jval v[JDOC_MAX_VALUES];
    size_t n;
    char text[JDOC_MAX_BYTES + 1];
    size_t text_used;
    char error[64]; /* why parsing failed; never quotes input bytes */
};

/*
 * Parses 'len' bytes at 'src' into 'd'.  Returns 0, or -1 with d->error
 * set.  String values and keys point into 'd'; object and array source
 * spans point into 'src', which must outlive their use.
 */
int jdoc_parse(struct jdoc *d, const char *src, size_t len);

/* The top-level value of a parsed document. */
const struct jval *jdoc_root(const struct jdoc *d);

/* Member 'key' of object 'obj'; NULL when absent or 'obj' is no object. */
const struct jval *jval_get(const struct jdoc *d, const struct jval *obj,
                            const char *key);

/* First child of 'parent', or NULL. */
const struct jval *jval_first(const struct jdoc *d, const struct jval *parent);

/* The sibling after 'child' within 'parent', or NULL. */
const struct jval *jval_next(const struct jdoc *d, const struct jval *parent,
                             const struct jval *child);

/*
 * The source text of object or array 'v' without the whitespace between
 * tokens, as a new string the caller frees; NULL when out of memory or
 * 'v' is not a container.
 */
char *jval_dup_compact(const struct jval *v);

/* "object", "array", "string", "number", "boolean" or "null". */
const char *jval_type_name(const struct jval *v);

#endif
