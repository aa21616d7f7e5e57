/*
 * jwt/room_claims.c - context.room.before_host and context.room.allow, as
 * jwt/room_claims.h defines them. Neither is a Jitsi claim: they are
 * lobbyd's, next to context.room.lobby, which jitsi-contrib's lobby
 * plugins read. Refusals name the claim and never quote more than a
 * bounded, printable part of the token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt/room_claims.h"

const char *room_claims_entry_problem(const char *s, size_t len)
{
    const char *at = NULL;
    size_t i;

    if (len == 0)
        return "an empty entry";
    if (len > TOKEN_ROOM_ALLOW_ENTRY_MAX)
        return "an entry longer than 255 bytes";
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c <= ' ' || c == 0x7f || c == '/' || c == '"' || c == '<' || c == '>' ||
            c == ',')
            return "an entry with a blank, a control character or one of / \" < > ,";
        if (c == '@') {
            if (at != NULL)
                return "an entry with more than one @";
            at = s + i;
        }
    }
    if (at != NULL && at + 1 == s + len)
        return "an entry with nothing after its @";
    if (s[0] == '.' || s[len - 1] == '.' || (at != NULL && at[1] == '.') ||
        (at != NULL && at > s && at[-1] == '.'))
        return "an entry whose domain or local part starts or ends with a dot";
    return NULL;
}

enum token_status room_claims_before_host(const struct jval *v, enum token_before_host *out,
                                          struct token_reason *why)
{
    static const struct {
        const char *word;
        enum token_before_host value;
    } words[] = {
        {"allow", TOKEN_BEFORE_HOST_ALLOW},
        {"wait", TOKEN_BEFORE_HOST_WAIT},
        {"deny", TOKEN_BEFORE_HOST_DENY},
    };

    *out = TOKEN_BEFORE_HOST_UNSET;
    if (v == NULL || v->type == JVAL_NULL)
        return TOKEN_VALID;
    for (size_t i = 0; v->type == JVAL_STRING && i < sizeof(words) / sizeof(words[0]); i++) {
        if (strcmp(v->str, words[i].word) == 0) {
            *out = words[i].value;
            return TOKEN_VALID;
        }
    }
    token_reason_set(why, "context.room.before_host must be \"allow\", \"wait\" or \"deny\"");
    return TOKEN_REFUSED;
}

/* The problem with array 'v' of 'd', or NULL when every element is a good entry. */
static const char *allow_problem(const struct jdoc *d, const struct jval *v, char *buf,
                                 size_t size)
{
    const struct jval *e;
    const char *p;
    unsigned i = 0;

    if (v->type != JVAL_ARRAY) {
        snprintf(buf, size, "context.room.allow must be an array of strings (got %s)",
                 jval_type_name(v));
        return buf;
    }
    if (v->count > TOKEN_ROOM_ALLOW_MAX) {
        snprintf(buf, size, "context.room.allow has %u entries, at most %d accepted", v->count,
                 TOKEN_ROOM_ALLOW_MAX);
        return buf;
    }
    for (e = jval_first(d, v); e != NULL; e = jval_next(d, v, e), i++) {
        p = e->type == JVAL_STRING ? room_claims_entry_problem(e->str, e->len)
                                   : "an entry that is not a string";
        if (p != NULL) {
            snprintf(buf, size, "context.room.allow[%u] is %s", i, p);
            return buf;
        }
    }
    return NULL;
}

enum token_status room_claims_allow(const struct jdoc *d, const struct jval *v,
                                    struct token_claims *out, struct token_reason *why)
{
    const struct jval *e;
    char **list = NULL;
    size_t n = 0;

    out->has_room_allow = false;
    out->room_allow_problem[0] = '\0';
    if (v == NULL || v->type == JVAL_NULL)
        return TOKEN_VALID;
    if (allow_problem(d, v, out->room_allow_problem, sizeof(out->room_allow_problem)) != NULL)
        return TOKEN_VALID;
    if (v->count > 0) {
        list = malloc(v->count * sizeof(*list));
        if (list == NULL)
            goto oom;
    }
    for (e = jval_first(d, v); e != NULL; e = jval_next(d, v, e)) {
        list[n] = strndup(e->str, e->len);
        if (list[n] == NULL)
            goto oom;
        n++;
    }
    out->room_allow = list;
    out->n_room_allow = n;
    out->has_room_allow = true;
    return TOKEN_VALID;
oom:
    while (n > 0)
        free(list[--n]);
    free(list);
    token_reason_set(why, "out of memory");
    return TOKEN_ERROR;
}
