/*
 * jwt/json.c - the strict JSON reader behind jwt/json.h.
 *
 * Recursive descent, at most JDOC_MAX_DEPTH deep.  Every value takes the
 * next slot of d->v; a container's 'end' is filled in when it closes.
 * Duplicate names are found when an object closes: pairwise for small
 * objects, by sorting the names for large ones, so a hostile object of
 * hundreds of members costs O(n log n), not O(n^2).
 *
 * Why not jansson: it builds a hash table and a heap string per value, and
 * parsing a typical Jitsi payload with it cost more than half of what the
 * RSA-2048 verification of the same token does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt/json.h"

/* Objects with more members than this are checked for duplicates by
 * sorting their names. */
#define JDOC_PAIRWISE_MAX 8

struct jparser {
    struct jdoc *d;
    const char *start, *p, *end;
};

static int jp_fail(struct jparser *jp, const char *what)
{
    snprintf(jp->d->error, sizeof(jp->d->error), "%s at byte %zu", what,
             (size_t)(jp->p - jp->start));
    return -1;
}

static void jp_skip_ws(struct jparser *jp)
{
    while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' ||
                               *jp->p == '\n' || *jp->p == '\r'))
        jp->p++;
}

/* Appends code point 'cp' as UTF-8 to the text buffer. */
static void jp_put_utf8(struct jdoc *d, unsigned long cp)
{
    char *o = d->text + d->text_used;

    if (cp < 0x80) {
        o[0] = (char)cp;
        d->text_used += 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        d->text_used += 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        d->text_used += 3;
    } else {
        o[0] = (char)(0xF0 | cp >> 18);
        o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        d->text_used += 4;
    }
}

/* Reads the four hex digits of a \u escape; -1 when they are not. */
static long jp_hex4(struct jparser *jp)
{
    long v = 0;
    int i, c;

    if (jp->end - jp->p < 4)
        return -1;
    for (i = 0; i < 4; i++) {
        c = (unsigned char)jp->p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    jp->p += 4;
    return v;
}

/* After the backslash of a \u escape: one code point, pairs joined. */
static int jp_unicode_escape(struct jparser *jp)
{
    long hi, lo;

    jp->p++; /* the 'u' */
    hi = jp_hex4(jp);
    if (hi < 0)
        return jp_fail(jp, "invalid \\u escape");
    if (hi == 0)
        return jp_fail(jp, "\\u0000 is not allowed");
    if (hi >= 0xDC00 && hi <= 0xDFFF)
        return jp_fail(jp, "lone low surrogate");
    if (hi >= 0xD800 && hi <= 0xDBFF) {
        if (jp->end - jp->p < 2 || jp->p[0] != '\\' || jp->p[1] != 'u')
            return jp_fail(jp, "lone high surrogate");
        jp->p += 2;
        lo = jp_hex4(jp);
        if (lo < 0xDC00 || lo > 0xDFFF)
            return jp_fail(jp, "invalid surrogate pair");
        hi = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    }
    jp_put_utf8(jp->d, (unsigned long)hi);
    return 0;
}

/* Length of the valid UTF-8 sequence at p (first byte >= 0x80), or 0. */
static size_t jp_utf8_len(const unsigned char *p, size_t avail)
{
    size_t n, i;
    unsigned long cp;

    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        n = 2, cp = p[0] & 0x1F;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        n = 3, cp = p[0] & 0x0F;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        n = 4, cp = p[0] & 0x07;
    else
        return 0;
    if (avail < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0; /* overlong, surrogate or beyond Unicode */
    return n;
}

static int jp_escape(struct jparser *jp)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit;

    if (jp->p == jp->end)
        return jp_fail(jp, "unterminated string");
    if (*jp->p == 'u')
        return jp_unicode_escape(jp);
    hit = strchr(from, *jp->p);
    if (*jp->p == '\0' || hit == NULL)
        return jp_fail(jp, "invalid escape");
    jp->d->text[jp->d->text_used++] = to[hit - from];
    jp->p++;
    return 0;
}

/*
 * At the opening quote: decodes the string into the text buffer.  The
 * buffer cannot overflow: a decoded string is never longer than its
 * source, quotes included, and the buffer is as large as the document.
 */
static int jp_string(struct jparser *jp, const char **out, size_t *out_len)
{
    struct jdoc *d = jp->d;
    size_t first = d->text_used, n;
    unsigned char c;

    jp->p++;
    for (;;) {
        if (jp->p == jp->end)
            return jp_fail(jp, "unterminated string");
        c = (unsigned char)*jp->p;
        if (c == '"')
            break;
        if (c == '\\') {
            jp->p++;
            if (jp_escape(jp) != 0)
                return -1;
        } else if (c < 0x20) {
            return jp_fail(jp, "control character in string");
        } else if (c < 0x80) {
            d->text[d->text_used++] = (char)c;
            jp->p++;
        } else {
            n = jp_utf8_len((const unsigned char *)jp->p,
                            (size_t)(jp->end - jp->p));
            if (n == 0)
                return jp_fail(jp, "invalid UTF-8 in string");
            memcpy(d->text + d->text_used, jp->p, n);
            d->text_used += n;
            jp->p += n;
        }
    }
    jp->p++; /* closing quote */
    d->text[d->text_used++] = '\0';
    *out = d->text + first;
    *out_len = d->text_used - first - 1;
    return 0;
}

static bool jp_digit(struct jparser *jp)
{
    return jp->p < jp->end && *jp->p >= '0' && *jp->p <= '9';
}

/* A number as RFC 8259 writes it; integers must fit int64_t. */
static int jp_number(struct jparser *jp, struct jval *v)
{
    const char *s = jp->p;
    char buf[JDOC_MAX_NUMBER + 1], *stop;
    bool neg = false, real = false;
    uint64_t acc = 0, limit;
    size_t len;

    if (*jp->p == '-') {
        neg = true;
        jp->p++;
    }
    if (!jp_digit(jp))
        return jp_fail(jp, "invalid number");
    if (*jp->p == '0')
        jp->p++;
    else
        while (jp_digit(jp))
            jp->p++;
    if (jp->p < jp->end && *jp->p == '.') {
        real = true;
        jp->p++;
        if (!jp_digit(jp))
            return jp_fail(jp, "invalid number");
        while (jp_digit(jp))
            jp->p++;
    }
    if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
        real = true;
        jp->p++;
        if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-'))
            jp->p++;
        if (!jp_digit(jp))
            return jp_fail(jp, "invalid number");
        while (jp_digit(jp))
            jp->p++;
    }
    len = (size_t)(jp->p - s);
    if (len > JDOC_MAX_NUMBER)
        return jp_fail(jp, "number too long");
    if (!real) {
        limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (s += neg; s < jp->p; s++) {
            if (acc > (limit - (uint64_t)(*s - '0')) / 10)
                return jp_fail(jp, "integer out of range");
            acc = acc * 10 + (uint64_t)(*s - '0');
        }
        v->type = JVAL_INTEGER;
        v->integer = neg ? (int64_t)(0 - acc) : (int64_t)acc;
        return 0;
    }
    /* The grammar is checked above, so strtod() sees only plain decimal
     * text; lobbyd never changes the C locale. */
    memcpy(buf, s, len);
    buf[len] = '\0';
    errno = 0;
    v->real = strtod(buf, &stop);
    if (stop != buf + len ||
        (errno == ERANGE && (v->real > 1.0 || v->real < -1.0)))
        return jp_fail(jp, "real number out of range");
    v->type = JVAL_REAL;
    return 0;
}

static int jp_literal(struct jparser *jp, const char *word, enum jval_type t,
                      struct jval *v)
{
    size_t n = strlen(word);

    if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, word, n) != 0)
        return jp_fail(jp, "invalid token");
    jp->p += n;
    v->type = t;
    return 0;
}

static int jp_key_cmp(const void *a, const void *b)
{
    const struct jval *x = *(const struct jval *const *)a;
    const struct jval *y = *(const struct jval *const *)b;

    if (x->key_len != y->key_len)
        return x->key_len < y->key_len ? -1 : 1;
    return memcmp(x->key, y->key, x->key_len);
}

static bool jp_same_key(const struct jval *a, const struct jval *b)
{
    return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

/* True when two members of the object at index 'obj' share a name. */
static bool jp_has_duplicate(const struct jdoc *d, size_t obj)
{
    const struct jval *members[JDOC_MAX_VALUES];
    size_t n = 0, i, j, c;

    for (c = obj + 1; c < d->v[obj].end; c = d->v[c].end)
        members[n++] = &d->v[c];
    if (n <= JDOC_PAIRWISE_MAX) {
        for (i = 0; i < n; i++)
            for (j = i + 1; j < n; j++)
                if (jp_same_key(members[i], members[j]))
                    return true;
        return false;
    }
    qsort(members, n, sizeof(members[0]), jp_key_cmp);
    for (i = 1; i < n; i++)
        if (jp_same_key(members[i - 1], members[i]))
            return true;
    return false;
}

static int jp_value(struct jparser *jp, unsigned depth, const char *key,
                    size_t key_len);

/* At '{' or '[': the members or elements, then the closing bracket. */
static int jp_container(struct jparser *jp, size_t self, unsigned depth)
{
    struct jdoc *d = jp->d;
    bool object = *jp->p == '{';
    char close = object ? '}' : ']';
    const char *key = NULL, *open = jp->p;
    size_t key_len = 0;

    if (depth >= JDOC_MAX_DEPTH)
        return jp_fail(jp, "nesting too deep");
    d->v[self].type = object ? JVAL_OBJECT : JVAL_ARRAY;
    jp->p++;
    jp_skip_ws(jp);
    if (jp->p < jp->end && *jp->p == close) {
        jp->p++;
    } else {
        for (;;) {
            jp_skip_ws(jp);
            if (object) {
                if (jp->p == jp->end || *jp->p != '"')
                    return jp_fail(jp, "object member name expected");
                if (jp_string(jp, &key, &key_len) != 0)
                    return -1;
                jp_skip_ws(jp);
                if (jp->p == jp->end || *jp->p != ':')
                    return jp_fail(jp, "':' expected");
                jp->p++;
            }
            if (jp_value(jp, depth + 1, key, key_len) != 0)
                return -1;
            d->v[self].count++;
            jp_skip_ws(jp);
            if (jp->p < jp->end && *jp->p == ',') {
                jp->p++;
                continue;
            }
            if (jp->p < jp->end && *jp->p == close) {
                jp->p++;
                break;
            }
            return jp_fail(jp, object ? "',' or '}' expected"
                                      : "',' or ']' expected");
        }
    }
    d->v[self].end = (unsigned)d->n;
    d->v[self].str = open;
    d->v[self].len = (size_t)(jp->p - open);
    if (object && jp_has_duplicate(d, self))
        return jp_fail(jp, "duplicate object key");
    return 0;
}

static int jp_value(struct jparser *jp, unsigned depth, const char *key,
                    size_t key_len)
{
    struct jdoc *d = jp->d;
    struct jval *v;
    size_t self;
    int rc;

    jp_skip_ws(jp);
    if (jp->p == jp->end)
        return jp_fail(jp, "value expected");
    if (d->n == JDOC_MAX_VALUES)
        return jp_fail(jp, "too many values");
    self = d->n++;
    v = &d->v[self];
    memset(v, 0, sizeof(*v));
    v->key = key;
    v->key_len = key_len;
    switch (*jp->p) {
    case '{':
    case '[':
        return jp_container(jp, self, depth);
    case '"':
        v->type = JVAL_STRING;
        rc = jp_string(jp, &v->str, &v->len);
        break;
    case 't':
        rc = jp_literal(jp, "true", JVAL_TRUE, v);
        break;
    case 'f':
        rc = jp_literal(jp, "false", JVAL_FALSE, v);
        break;
    case 'n':
        rc = jp_literal(jp, "null", JVAL_NULL, v);
        break;
    default:
        if (*jp->p == '-' || (*jp->p >= '0' && *jp->p <= '9'))
            rc = jp_number(jp, v);
        else
            rc = jp_fail(jp, "invalid token");
        break;
    }
    v->end = (unsigned)d->n;
    return rc;
}

int jdoc_parse(struct jdoc *d, const char *src, size_t len)
{
    struct jparser jp = {d, src, src, src + len};

    d->n = 0;
    d->text_used = 0;
    d->error[0] = '\0';
    if (len > JDOC_MAX_BYTES)
        return jp_fail(&jp, "document too large");
    jp_skip_ws(&jp);
    if (jp.p == jp.end || (*jp.p != '{' && *jp.p != '['))
        return jp_fail(&jp, "'{' or '[' expected");
    if (jp_value(&jp, 0, NULL, 0) != 0)
        return -1;
    jp_skip_ws(&jp);
    if (jp.p != jp.end)
        return jp_fail(&jp, "end of input expected");
    return 0;
}

const struct jval *jdoc_root(const struct jdoc *d)
{
    return d->n > 0 ? &d->v[0] : NULL;
}

const struct jval *jval_first(const struct jdoc *d, const struct jval *parent)
{
    size_t i = (size_t)(parent - d->v) + 1;

    if (parent->type != JVAL_OBJECT && parent->type != JVAL_ARRAY)
        return NULL;
    return i < parent->end ? &d->v[i] : NULL;
}

const struct jval *jval_next(const struct jdoc *d, const struct jval *parent,
                             const struct jval *child)
{
    return child->end < parent->end ? &d->v[child->end] : NULL;
}

const struct jval *jval_get(const struct jdoc *d, const struct jval *obj,
                            const char *key)
{
    size_t key_len = strlen(key);
    const struct jval *c;

    if (obj == NULL || obj->type != JVAL_OBJECT)
        return NULL;
    for (c = jval_first(d, obj); c != NULL; c = jval_next(d, obj, c))
        if (c->key_len == key_len && memcmp(c->key, key, key_len) == 0)
            return c;
    return NULL;
}

char *jval_dup_compact(const struct jval *v)
{
    bool in_string = false, escaped = false;
    size_t i, used = 0;
    char c, *out;

    if (v->type != JVAL_OBJECT && v->type != JVAL_ARRAY)
        return NULL;
    out = malloc(v->len + 1);
    if (out == NULL)
        return NULL;
    for (i = 0; i < v->len; i++) {
        c = v->str[i];
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            continue;
        }
        out[used++] = c;
    }
    out[used] = '\0';
    return out;
}

const char *jval_type_name(const struct jval *v)
{
    switch (v->type) {
    case JVAL_OBJECT:
        return "object";
    case JVAL_ARRAY:
        return "array";
    case JVAL_STRING:
        return "string";
    case JVAL_INTEGER:
    case JVAL_REAL:
        return "number";
    case JVAL_TRUE:
    case JVAL_FALSE:
        return "boolean";
    default:
        return "null";
    }
}
