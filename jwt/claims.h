/*
 * jwt/claims.h - Jitsi claim rules: aud, sub, room, exp/nbf, and the
 * mapping of context.user / context.group / context.features /
 * context.room to rights and identity.  Works on a payload that
 * jwt/token.c has already parsed and whose signature it has verified.
 */
#ifndef LOBBYD_JWT_CLAIMS_H
#define LOBBYD_JWT_CLAIMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jwt/json.h"
#include "jwt/token.h"

/* Most entries in one accepted-issuers or accepted-audiences list. */
#define CLAIMS_MAX_LIST 32
/* Longest entry of such a list, in bytes. */
#define CLAIMS_MAX_LIST_ENTRY 256
/* Largest |exp| or |nbf| accepted, in seconds (far beyond any real date). */
#define CLAIMS_MAX_TIME_S ((int64_t)1 << 40)

/* A parsed comma list.  'any' is set by a "*" entry. */
struct claims_list {
    char *items[CLAIMS_MAX_LIST];
    size_t n;
    bool any;
};

/*
 * Parses the comma list 'text' into 'l' (entries trimmed; empty entries,
 * more than CLAIMS_MAX_LIST entries or overlong entries are refused; 'what'
 * names the option in the reason).  'l' is cleared first.  Returns 0, or
 * -1 with 'why' filled and 'l' empty.  Free with claims_list_free().
 */
int claims_list_parse(const char *text, const char *what,
                      struct claims_list *l, struct token_reason *why);

/* Frees the entries of 'l' and empties it.  Cannot fail. */
void claims_list_free(struct claims_list *l);

/* True when 'l' accepts 's' exactly (or holds "*").  Cannot fail. */
bool claims_list_accepts(const struct claims_list *l, const char *s);

/* Writes "[a, b]" (bounded, truncated) for reasons.  Cannot fail. */
void claims_list_describe(const struct claims_list *l, char *dst,
                          size_t dst_size);

/* What the claim checks need from the configuration; all borrowed. */
struct claims_policy {
    const struct claims_list *audiences;
    const char *domain;             /* NULL unless verify_domain */
    unsigned leeway_s;
    bool require_room;
    bool require_exp;
    bool allow_wildcard_room;
    bool verify_domain;
};

/*
 * Checks every claim of the verified 'payload' (its root is an object) against
 * 'p', 'room' (room node or NULL to skip room and tenant checks) and
 * 'now_s', and copies them into 'out' (which the caller has cleared).
 * Wrong JSON types are refusals, as are identity strings longer than
 * TOKEN_MAX_FIELD_BYTES or holding control characters.  Returns
 * TOKEN_VALID, or TOKEN_REFUSED / TOKEN_ERROR with 'why' filled; 'out' may
 * then hold partial copies, which the caller frees with
 * token_claims_clear().
 */
enum token_status claims_check(const struct claims_policy *p,
                               const struct jdoc *payload,
                               const char *room, int64_t now_s,
                               struct token_claims *out,
                               struct token_reason *why);

/*
 * Lower-cases the UTF-8 text 'src' ('len' bytes) into 'dst' ('dst_size'
 * bytes, NUL added) without any locale: ASCII, Latin-1 Supplement, Latin
 * Extended-A, most of Latin Extended-B and Extended Additional, Greek,
 * Cyrillic, Armenian and full-width Latin are mapped; other code points
 * are copied.  Returns 0, or -1 on invalid UTF-8 (overlong forms,
 * surrogates, NUL bytes) or when 'dst' is too small.
 */
int claims_utf8_lower(const char *src, size_t len, char *dst,
                      size_t dst_size);

/* Lower-case form of one code point by the rules above.  Cannot fail. */
uint32_t claims_lower_code_point(uint32_t c);

/*
 * True when the room claim 'claim' names the room node 'room' (either
 * "[tenant]name" or "name"), comparing both lower-cased.  "*" is not
 * special here.  Cannot fail; invalid UTF-8 never matches.
 */
bool claims_room_matches(const char *claim, const char *room);

#endif /* LOBBYD_JWT_CLAIMS_H */
