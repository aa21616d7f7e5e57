/*
 * jwt/claims.c - the Jitsi claim rules, applied to a payload whose
 * signature jwt/token.c has verified.
 *
 * Claim facts (Jitsi token/util.lib.lua, lib-jitsi-meet doc/tokens.md, as
 * summarised in the project's protocol notes, section 3):
 * - aud: a string or an array of strings; one must be accepted.
 * - sub: the domain, a lower-case tenant or "*"; checked only when domain
 *   verification is on.  With a tenant the room node is "[tenant]name".
 * - room: the room node, compared lower-case; "*" means every room.
 * - exp, nbf: numbers of seconds.  Jitsi allows no clock skew; lobbyd has a
 *   configurable leeway.  As RFC 7519 says, a token is expired from the
 *   second exp on.
 * - context.user.moderator: true or "true"; context.user.affiliation:
 *   owner, moderator or teacher make an owner, member a member;
 *   context.user.lobby_bypass: true (lobbyd also takes "true").
 * - context.user.{id,name,email,avatar}, context.group: strings.
 *   context.features, context.room: objects, kept as compact JSON.
 * - context.room.lobby (jitsi-contrib's lobby plugins): true or "true",
 *   false or "false"; an owner's wish for the room's lobby.
 * - context.room.before_host and context.room.allow are lobbyd's own
 *   (jwt/room_claims.c).
 *
 * Stricter than Jitsi on purpose: every known claim with the wrong JSON
 * type is a refusal (Jitsi's own presence code crashes on non-string user
 * fields), JSON null counts as absent, and identity strings are bounded and
 * free of control characters because they end up in XML.
 *
 * Room names are lower-cased without locale, by a small table of the
 * scripts room names are written in (see claims_lower_code_point()).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jwt/claims.h"
#include "jwt/room_claims.h"

int claims_list_parse(const char *text, const char *what, struct claims_list *l,
                      struct token_reason *why)
{
    const char *p = text, *start, *end;
    size_t len;

    memset(l, 0, sizeof(*l));
    while (*p != '\0') {
        while (*p == ' ' || *p == '\t')
            p++;
        start = p;
        while (*p != '\0' && *p != ',')
            p++;
        end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (*p == ',')
            p++;
        len = (size_t)(end - start);
        if (len == 0) {
            token_reason_set(why, "%s: empty entry in list", what);
            goto fail;
        }
        if (len > CLAIMS_MAX_LIST_ENTRY || l->n == CLAIMS_MAX_LIST) {
            token_reason_set(why,
                             "%s: more than %d entries or an entry "
                             "longer than %d bytes",
                             what, CLAIMS_MAX_LIST, CLAIMS_MAX_LIST_ENTRY);
            goto fail;
        }
        if (len == 1 && *start == '*')
            l->any = true;
        l->items[l->n] = strndup(start, len);
        if (l->items[l->n] == NULL) {
            token_reason_set(why, "%s: out of memory", what);
            goto fail;
        }
        l->n++;
    }
    if (l->n == 0) {
        token_reason_set(why, "%s: empty list", what);
        goto fail;
    }
    return 0;
fail:
    claims_list_free(l);
    return -1;
}

void claims_list_free(struct claims_list *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->items[i]);
    memset(l, 0, sizeof(*l));
}

bool claims_list_accepts(const struct claims_list *l, const char *s)
{
    size_t i;

    if (l->any)
        return true;
    for (i = 0; i < l->n; i++) {
        if (strcmp(l->items[i], s) == 0)
            return true;
    }
    return false;
}

void claims_list_describe(const struct claims_list *l, char *dst,
                          size_t dst_size)
{
    char quoted[64];
    size_t i, used;
    int n;

    if (dst_size == 0)
        return;
    n = snprintf(dst, dst_size, "[");
    used = n < 0 ? 0 : (size_t)n;
    for (i = 0; i < l->n && used < dst_size; i++) {
        token_reason_quote(quoted, sizeof(quoted), l->items[i],
                           strlen(l->items[i]), 40);
        /* Configured entries are shown without the quotes. */
        quoted[strlen(quoted) - 1] = '\0';
        n = snprintf(dst + used, dst_size - used, "%s%s", i > 0 ? ", " : "",
                     quoted + 1);
        if (n < 0 || (size_t)n >= dst_size - used)
            return;
        used += (size_t)n;
    }
    if (used < dst_size)
        snprintf(dst + used, dst_size - used, "]");
}

/* ---- locale-free lower-casing ---- */

/* Maps a range where upper and lower case alternate: the upper case letter
 * sits on even code points when 'upper_even', else on odd ones. */
static uint32_t claims_lower_pair(uint32_t c, bool upper_even)
{
    if (((c & 1) == 0) == upper_even)
        return c + 1;
    return c;
}

uint32_t claims_lower_code_point(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 0x20 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 0x20; /* Latin-1 */
    if (c == 0x130)
        return 'i'; /* dotted capital I */
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
        return claims_lower_pair(c, true);
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return claims_lower_pair(c, false);
    if (c == 0x178)
        return 0xFF;
    if (c >= 0x1CD && c <= 0x1DC)
        return claims_lower_pair(c, false); /* Latin Extended-B */
    if ((c >= 0x1DE && c <= 0x1EF) || (c >= 0x1F8 && c <= 0x21F) ||
        (c >= 0x222 && c <= 0x233) || (c >= 0x246 && c <= 0x24F))
        return claims_lower_pair(c, true);
    if (c == 0x386)
        return 0x3AC; /* Greek */
    if (c >= 0x388 && c <= 0x38A)
        return c + 0x25;
    if (c == 0x38C)
        return 0x3CC;
    if (c == 0x38E || c == 0x38F)
        return c + 0x3F;
    if ((c >= 0x391 && c <= 0x3A1) || (c >= 0x3A3 && c <= 0x3AB))
        return c + 0x20;
    if (c >= 0x3D8 && c <= 0x3EF)
        return claims_lower_pair(c, true);
    if (c >= 0x400 && c <= 0x40F)
        return c + 0x50; /* Cyrillic */
    if (c >= 0x410 && c <= 0x42F)
        return c + 0x20;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) ||
        (c >= 0x4D0 && c <= 0x52F))
        return claims_lower_pair(c, true);
    if (c == 0x4C0)
        return 0x4CF;
    if (c >= 0x4C1 && c <= 0x4CE)
        return claims_lower_pair(c, false);
    if (c >= 0x531 && c <= 0x556)
        return c + 0x30; /* Armenian */
    if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF))
        return claims_lower_pair(c, true); /* Latin Ext. Additional */
    if (c == 0x1E9E)
        return 0xDF; /* capital sharp s */
    if (c >= 0xFF21 && c <= 0xFF3A)
        return c + 0x20; /* full-width Latin */
    return c;
}

/* Decodes one strict UTF-8 sequence; returns its length, 0 if invalid. */
static size_t claims_utf8_decode(const unsigned char *s, size_t len,
                                 uint32_t *cp)
{
    size_t n, i;
    uint32_t c, min;

    if (s[0] < 0x80) {
        *cp = s[0];
        return s[0] == 0 ? 0 : 1;
    }
    if ((s[0] & 0xE0) == 0xC0) {
        n = 2, c = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3, c = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4, c = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n > len)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/* Encodes 'c' (valid) into 'dst'; returns its length, 0 if no room. */
static size_t claims_utf8_encode(uint32_t c, char *dst, size_t room)
{
    unsigned char *d = (unsigned char *)dst;

    if (c < 0x80 && room >= 1) {
        d[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800 && room >= 2) {
        d[0] = (unsigned char)(0xC0 | c >> 6);
        d[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000 && c >= 0x800 && room >= 3) {
        d[0] = (unsigned char)(0xE0 | c >> 12);
        d[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        d[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    if (c >= 0x10000 && room >= 4) {
        d[0] = (unsigned char)(0xF0 | c >> 18);
        d[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
        d[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        d[3] = (unsigned char)(0x80 | (c & 0x3F));
        return 4;
    }
    return 0;
}

int claims_utf8_lower(const char *src, size_t len, char *dst, size_t dst_size)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t i = 0, used = 0, n, w;
    uint32_t cp;

    if (dst_size == 0)
        return -1;
    while (i < len) {
        n = claims_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            goto fail;
        w = claims_utf8_encode(claims_lower_code_point(cp), dst + used,
                               dst_size - 1 - used);
        if (w == 0)
            goto fail;
        i += n;
        used += w;
    }
    dst[used] = '\0';
    return 0;
fail:
    dst[0] = '\0';
    return -1;
}

/* Compares lower-cased 'a' and 'b' ('b_len' bytes). */
static bool claims_lower_equal(const char *a, const char *b, size_t b_len)
{
    char la[2 * TOKEN_MAX_FIELD_BYTES + 1], lb[2 * TOKEN_MAX_FIELD_BYTES + 1];

    if (claims_utf8_lower(a, strlen(a), la, sizeof(la)) != 0 ||
        claims_utf8_lower(b, b_len, lb, sizeof(lb)) != 0)
        return false;
    return strcmp(la, lb) == 0;
}

/* Splits "[tenant]name": sets the tenant span, returns the name. */
static const char *claims_room_split(const char *room, const char **tenant,
                                     size_t *tenant_len)
{
    const char *close;

    *tenant = NULL;
    *tenant_len = 0;
    if (room[0] != '[')
        return room;
    close = strchr(room, ']');
    if (close == NULL)
        return room;
    *tenant = room + 1;
    *tenant_len = (size_t)(close - room - 1);
    return close + 1;
}

bool claims_room_matches(const char *claim, const char *room)
{
    const char *tenant, *name;
    size_t tenant_len;

    if (strlen(claim) > TOKEN_MAX_FIELD_BYTES ||
        strlen(room) > TOKEN_MAX_FIELD_BYTES)
        return false;
    name = claims_room_split(room, &tenant, &tenant_len);
    if (claims_lower_equal(claim, name, strlen(name)))
        return true;
    return tenant != NULL && claims_lower_equal(claim, room, strlen(room));
}

/* ---- claim checks ---- */

/*
 * Copies the string claim 'v' (named 'what') into '*out'.  NULL or JSON
 * null: nothing to copy.  Wrong type, overlong or control characters:
 * refused.
 */
static enum token_status claims_take_string(const char *what,
                                            const struct jval *v,
                                            char **out,
                                            struct token_reason *why)
{
    const char *s;
    size_t len, i;

    if (v == NULL || v->type == JVAL_NULL)
        return TOKEN_VALID;
    if (v->type != JVAL_STRING) {
        token_reason_set(why, "%s must be a string (got %s)", what,
                         jval_type_name(v));
        return TOKEN_REFUSED;
    }
    s = v->str;
    len = v->len;
    if (len > TOKEN_MAX_FIELD_BYTES) {
        token_reason_set(why, "%s is %zu bytes, at most %d accepted", what, len,
                         TOKEN_MAX_FIELD_BYTES);
        return TOKEN_REFUSED;
    }
    for (i = 0; i < len; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            token_reason_set(why, "%s contains a control character", what);
            return TOKEN_REFUSED;
        }
    }
    *out = strndup(s, len);
    if (*out == NULL) {
        token_reason_set(why, "out of memory");
        return TOKEN_ERROR;
    }
    return TOKEN_VALID;
}

/* Reads an exp/nbf-style number of seconds.  Absent: '*has' stays false. */
static enum token_status claims_take_time(const char *what,
                                          const struct jval *v,
                                          bool *has, int64_t *out,
                                          struct token_reason *why)
{
    double d;

    *has = false;
    if (v == NULL)
        return TOKEN_VALID;
    if (v->type == JVAL_INTEGER) {
        if (v->integer > CLAIMS_MAX_TIME_S || v->integer < -CLAIMS_MAX_TIME_S)
            goto range;
        *out = v->integer;
    } else if (v->type == JVAL_REAL) {
        d = v->real;
        if (!isfinite(d) || d > (double)CLAIMS_MAX_TIME_S ||
            d < -(double)CLAIMS_MAX_TIME_S)
            goto range;
        /* Round down without libm: the cast truncates towards zero. */
        *out = (int64_t)d;
        if ((double)*out > d)
            (*out)--;
    } else {
        token_reason_set(why, "%s must be a number of seconds (got %s)", what,
                         jval_type_name(v));
        return TOKEN_REFUSED;
    }
    *has = true;
    return TOKEN_VALID;
range:
    token_reason_set(why, "%s is out of range", what);
    return TOKEN_REFUSED;
}

static enum token_status claims_check_times(const struct claims_policy *p,
                                            const struct jdoc *payload,
                                            int64_t now_s,
                                            struct token_claims *out,
                                            struct token_reason *why)
{
    const struct jval *root = jdoc_root(payload);
    int64_t leeway = (int64_t)p->leeway_s;
    bool has_iat;
    int64_t iat;
    enum token_status st;

    st = claims_take_time("exp", jval_get(payload, root, "exp"),
                          &out->has_exp, &out->exp_s, why);
    if (st == TOKEN_VALID)
        st = claims_take_time("nbf", jval_get(payload, root, "nbf"),
                              &out->has_nbf, &out->nbf_s, why);
    if (st == TOKEN_VALID)
        st = claims_take_time("iat", jval_get(payload, root, "iat"), &has_iat,
                              &iat, why);
    if (st != TOKEN_VALID)
        return st;
    if (!out->has_exp && p->require_exp) {
        token_reason_set(why, "exp claim is missing (jwt_require_exp is on): "
                              "such a token never expires");
        return TOKEN_REFUSED;
    }
    if (out->has_exp && now_s >= out->exp_s + leeway) {
        token_reason_set(why, "token expired %lld s ago (leeway %u s)",
                         (long long)(now_s - out->exp_s), p->leeway_s);
        return TOKEN_REFUSED;
    }
    if (out->has_nbf && now_s + leeway < out->nbf_s) {
        token_reason_set(why,
                         "token not valid for another %lld s (nbf, "
                         "leeway %u s)",
                         (long long)(out->nbf_s - now_s), p->leeway_s);
        return TOKEN_REFUSED;
    }
    return TOKEN_VALID;
}

static enum token_status claims_check_aud(const struct claims_policy *p,
                                          const struct jdoc *payload,
                                          struct token_claims *out,
                                          struct token_reason *why)
{
    const struct jval *aud = jval_get(payload, jdoc_root(payload), "aud");
    const struct jval *first = NULL, *match = NULL, *v;
    char list[96], quoted[64];
    size_t i = 0;

    if (aud == NULL) {
        token_reason_set(why, "aud claim is missing");
        return TOKEN_REFUSED;
    }
    if (aud->type == JVAL_STRING) {
        first = aud;
        if (claims_list_accepts(p->audiences, aud->str))
            match = aud;
    } else if (aud->type == JVAL_ARRAY && aud->count > 0) {
        for (v = jval_first(payload, aud); v != NULL;
             v = jval_next(payload, aud, v), i++) {
            if (v->type != JVAL_STRING) {
                token_reason_set(why,
                                 "aud array entry %zu must be a string "
                                 "(got %s)",
                                 i, jval_type_name(v));
                return TOKEN_REFUSED;
            }
            if (first == NULL)
                first = v;
            if (match == NULL && claims_list_accepts(p->audiences, v->str))
                match = v;
        }
    } else {
        token_reason_set(why,
                         "aud must be a string or an array of strings "
                         "(got %s)",
                         aud->type == JVAL_ARRAY ? "an empty array"
                                            : jval_type_name(aud));
        return TOKEN_REFUSED;
    }
    if (match == NULL) {
        claims_list_describe(p->audiences, list, sizeof(list));
        token_reason_quote(quoted, sizeof(quoted), first->str, first->len, 40);
        token_reason_set(
            why, "aud %s%s not in accepted audiences %s", quoted,
            aud->type == JVAL_ARRAY && aud->count > 1 ? " (nor any other entry)"
                                                      : "",
            list);
        return TOKEN_REFUSED;
    }
    return claims_take_string("aud", match, &out->aud, why);
}

/* sub against the domain, or against the tenant of a "[tenant]name" room. */
static enum token_status claims_check_sub(const struct claims_policy *p,
                                          const char *room,
                                          struct token_claims *out,
                                          struct token_reason *why)
{
    const char *tenant = NULL;
    size_t tenant_len = 0;
    char quoted[64], expect[64];

    if (!p->verify_domain)
        return TOKEN_VALID;
    if (out->sub == NULL) {
        token_reason_set(why, "sub claim is missing (jwt_verify_domain is on)");
        return TOKEN_REFUSED;
    }
    if (strcmp(out->sub, "*") == 0)
        return TOKEN_VALID;
    if (room != NULL)
        claims_room_split(room, &tenant, &tenant_len);
    token_reason_quote(quoted, sizeof(quoted), out->sub, strlen(out->sub), 40);
    if (tenant != NULL) {
        if (claims_lower_equal(out->sub, tenant, tenant_len))
            return TOKEN_VALID;
        token_reason_quote(expect, sizeof(expect), tenant, tenant_len, 40);
        token_reason_set(why, "sub %s does not match tenant %s of the room",
                         quoted, expect);
        return TOKEN_REFUSED;
    }
    if (strcasecmp(out->sub, p->domain) == 0)
        return TOKEN_VALID;
    token_reason_quote(expect, sizeof(expect), p->domain, strlen(p->domain),
                       40);
    token_reason_set(why, "sub %s does not match domain %s", quoted, expect);
    return TOKEN_REFUSED;
}

static enum token_status claims_check_room(const struct claims_policy *p,
                                           const char *room,
                                           struct token_claims *out,
                                           struct token_reason *why)
{
    char quoted[64], want[64];

    if (out->room == NULL) {
        if (!p->require_room)
            return TOKEN_VALID;
        token_reason_set(why, "room claim is missing (jwt_require_room is on)");
        return TOKEN_REFUSED;
    }
    if (strcmp(out->room, "*") == 0) {
        if (p->allow_wildcard_room)
            return TOKEN_VALID;
        token_reason_set(why, "room \"*\" (every room) is not accepted "
                              "(jwt_allow_wildcard_room is off)");
        return TOKEN_REFUSED;
    }
    if (room == NULL || claims_room_matches(out->room, room))
        return TOKEN_VALID;
    token_reason_quote(quoted, sizeof(quoted), out->room, strlen(out->room),
                       40);
    token_reason_quote(want, sizeof(want), room, strlen(room), 40);
    token_reason_set(why, "room %s does not match %s", quoted, want);
    return TOKEN_REFUSED;
}

/* true/"true" -> true; false/other strings/null -> false; else refused. */
static enum token_status claims_take_flag(const char *what,
                                          const struct jval *v,
                                          bool *out, struct token_reason *why)
{
    *out = false;
    if (v == NULL || v->type == JVAL_NULL || v->type == JVAL_FALSE)
        return TOKEN_VALID;
    if (v->type == JVAL_TRUE) {
        *out = true;
        return TOKEN_VALID;
    }
    if (v->type == JVAL_STRING) {
        *out = strcmp(v->str, "true") == 0;
        return TOKEN_VALID;
    }
    token_reason_set(why, "%s must be true, false or a string (got %s)", what,
                     jval_type_name(v));
    return TOKEN_REFUSED;
}

/* Keeps an object claim as compact JSON. */
static enum token_status claims_take_json(const char *what,
                                          const struct jval *v, char **out,
                                          struct token_reason *why)
{
    if (v == NULL || v->type == JVAL_NULL)
        return TOKEN_VALID;
    if (v->type != JVAL_OBJECT) {
        token_reason_set(why, "%s must be an object (got %s)", what,
                         jval_type_name(v));
        return TOKEN_REFUSED;
    }
    *out = jval_dup_compact(v);
    if (*out == NULL) {
        token_reason_set(why, "out of memory");
        return TOKEN_ERROR;
    }
    return TOKEN_VALID;
}

/* context.room.lobby: true/"true", false/"false", or absent. */
static enum token_status claims_take_lobby(const struct jval *v, enum token_lobby *out,
                                           struct token_reason *why)
{
    *out = TOKEN_LOBBY_UNSET;
    if (v == NULL || v->type == JVAL_NULL)
        return TOKEN_VALID;
    if (v->type == JVAL_TRUE || (v->type == JVAL_STRING && strcmp(v->str, "true") == 0)) {
        *out = TOKEN_LOBBY_ON;
        return TOKEN_VALID;
    }
    if (v->type == JVAL_FALSE || (v->type == JVAL_STRING && strcmp(v->str, "false") == 0)) {
        *out = TOKEN_LOBBY_OFF;
        return TOKEN_VALID;
    }
    token_reason_set(why, "context.room.lobby must be true, false, \"true\" or \"false\"");
    return TOKEN_REFUSED;
}

static enum token_status claims_map_user(const struct jdoc *d,
                                         const struct jval *user,
                                         struct token_claims *out,
                                         struct token_reason *why)
{
    const struct jval *aff = jval_get(d, user, "affiliation");
    const char *a;
    bool moderator = false;
    enum token_status st;

    st = claims_take_string("context.user.id", jval_get(d, user, "id"),
                            &out->user_id, why);
    if (st == TOKEN_VALID)
        st = claims_take_string("context.user.name",
                                jval_get(d, user, "name"), &out->name, why);
    if (st == TOKEN_VALID)
        st = claims_take_string("context.user.email",
                                jval_get(d, user, "email"), &out->email,
                                why);
    if (st == TOKEN_VALID)
        st = claims_take_string("context.user.avatar",
                                jval_get(d, user, "avatar"), &out->avatar,
                                why);
    if (st == TOKEN_VALID)
        st = claims_take_flag("context.user.moderator",
                              jval_get(d, user, "moderator"), &moderator,
                              why);
    if (st == TOKEN_VALID)
        st = claims_take_flag("context.user.lobby_bypass",
                              jval_get(d, user, "lobby_bypass"),
                              &out->bypass, why);
    if (st != TOKEN_VALID)
        return st;
    if (aff != NULL && aff->type != JVAL_NULL && aff->type != JVAL_STRING) {
        token_reason_set(why,
                         "context.user.affiliation must be a string "
                         "(got %s)",
                         jval_type_name(aff));
        return TOKEN_REFUSED;
    }
    a = aff != NULL && aff->type == JVAL_STRING ? aff->str : "";
    if (moderator || strcmp(a, "owner") == 0 || strcmp(a, "moderator") == 0 ||
        strcmp(a, "teacher") == 0)
        out->affiliation = TOKEN_AFFILIATION_OWNER;
    else if (strcmp(a, "member") == 0)
        out->affiliation = TOKEN_AFFILIATION_MEMBER;
    out->owner = out->affiliation == TOKEN_AFFILIATION_OWNER;
    return TOKEN_VALID;
}

static enum token_status claims_map_context(const struct jdoc *d,
                                            struct token_claims *out,
                                            struct token_reason *why)
{
    const struct jval *ctx = jval_get(d, jdoc_root(d), "context"), *user, *room;
    enum token_status st;

    if (ctx == NULL || ctx->type == JVAL_NULL)
        return TOKEN_VALID;
    if (ctx->type != JVAL_OBJECT) {
        token_reason_set(why, "context must be an object (got %s)",
                         jval_type_name(ctx));
        return TOKEN_REFUSED;
    }
    user = jval_get(d, ctx, "user");
    if (user != NULL && user->type != JVAL_NULL && user->type != JVAL_OBJECT) {
        token_reason_set(why, "context.user must be an object (got %s)",
                         jval_type_name(user));
        return TOKEN_REFUSED;
    }
    st = user != NULL && user->type == JVAL_OBJECT
             ? claims_map_user(d, user, out, why)
             : TOKEN_VALID;
    if (st == TOKEN_VALID)
        st = claims_take_string("context.group", jval_get(d, ctx, "group"),
                                &out->group, why);
    if (st == TOKEN_VALID)
        st = claims_take_json("context.features",
                              jval_get(d, ctx, "features"),
                              &out->features_json, why);
    if (st == TOKEN_VALID)
        st = claims_take_json("context.room", jval_get(d, ctx, "room"),
                              &out->room_json, why);
    room = jval_get(d, ctx, "room");
    if (st == TOKEN_VALID && room != NULL && room->type == JVAL_OBJECT)
        st = claims_take_lobby(jval_get(d, room, "lobby"), &out->room_lobby, why);
    if (st == TOKEN_VALID && room != NULL && room->type == JVAL_OBJECT)
        st = claims_take_string("context.room.lobby_message",
                                jval_get(d, room, "lobby_message"), &out->room_lobby_message,
                                why);
    if (st == TOKEN_VALID && room != NULL && room->type == JVAL_OBJECT)
        st = room_claims_before_host(jval_get(d, room, "before_host"), &out->room_before_host,
                                     why);
    if (st == TOKEN_VALID && room != NULL && room->type == JVAL_OBJECT)
        st = room_claims_allow(d, jval_get(d, room, "allow"), out, why);
    return st;
}

enum token_status claims_check(const struct claims_policy *p,
                               const struct jdoc *payload, const char *room,
                               int64_t now_s, struct token_claims *out,
                               struct token_reason *why)
{
    const struct jval *root = jdoc_root(payload);
    enum token_status st;

    st = claims_take_string("iss", jval_get(payload, root, "iss"), &out->iss,
                            why);
    if (st == TOKEN_VALID)
        st = claims_take_string("sub", jval_get(payload, root, "sub"),
                                &out->sub, why);
    if (st == TOKEN_VALID)
        st = claims_take_string("room", jval_get(payload, root, "room"),
                                &out->room, why);
    (void)token_reason_kind(why, st, "claims");
    if (st == TOKEN_VALID)
        st = token_reason_kind(why, claims_check_times(p, payload, now_s, out, why), "time");
    if (st == TOKEN_VALID)
        st = token_reason_kind(why, claims_check_aud(p, payload, out, why), "audience");
    if (st == TOKEN_VALID)
        st = token_reason_kind(why, claims_check_sub(p, room, out, why), "tenant");
    if (st == TOKEN_VALID)
        st = token_reason_kind(why, claims_check_room(p, room, out, why), "room");
    if (st == TOKEN_VALID)
        st = claims_map_context(payload, out, why);
    return st;
}
