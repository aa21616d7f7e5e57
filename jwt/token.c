/*
 * jwt/token.c - verify a Jitsi JWT (JWS compact form) and hand back a
 * struct token_claims of copies, or a refusal with a reason.
 *
 * The order is the point:
 *  1. bound the size, split into exactly three segments (header and
 *     payload non-empty; an empty signature is refused after step 2, so
 *     that an "alg": "none" token is named for what it is);
 *  2. decode and parse the header ourselves (base64url + jwt/json.c,
 *     duplicate keys refused) and pin the algorithm: "none" in any casing
 *     is refused, only the eight known names pass, typ must be "JWT" when
 *     present, crit is refused;
 *  3. parse the payload (duplicates refused) only to read iss, which picks
 *     the issuer's key set - nothing else in it is trusted yet;
 *  4. pick the key and check that it allows the algorithm: an HS
 *     algorithm only ever meets the shared secret, an RS/ES algorithm only
 *     a public key found by kid whose type matches;
 *  5. verify the signature with OpenSSL (jwt/keys.c);
 *  6. only then check and copy the claims (jwt/claims.c).
 *
 * COMPAT: libjwt 1.10.2 is not used to verify.  Its jwt_decode() takes the
 * algorithm from the header (an HS256 token signed with our own public key
 * PEM as the secret verifies), skips verification for a NULL key, checks
 * no exp/nbf, cannot reach "aud" arrays without a second parse, does not
 * refuse duplicate JSON keys and re-parses the PEM on every call (~280 us
 * for RS256).  Doing the signature on cached EVP_PKEYs and the claims with
 * our own strict JSON reader (jwt/json.c) closes all of that in one pass
 * over the token.  libjwt
 * still signs tokens for `lobbyd token mint` (jwt/mint.c), so every test
 * that mints and verifies is also an interoperability check.
 *
 * This file never logs; secrets and tokens never reach a reason.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/sha.h>

#include "jwt/claims.h"
#include "jwt/json.h"
#include "jwt/keys.h"
#include "jwt/token.h"
#include "jwt/verifier.h"

/* What the header told us, borrowed from its JSON. */
struct token_header {
    enum keys_alg alg;
    const char *kid;
    size_t kid_len;
};

/* ---- reasons, base64url, fingerprints ---- */

void token_reason_set(struct token_reason *why, const char *fmt, ...)
{
    va_list ap;

    if (why == NULL)
        return;
    va_start(ap, fmt);
    /* Truncation is acceptable for a reason; overflow is not possible. */
    (void)vsnprintf(why->text, sizeof(why->text), fmt, ap);
    va_end(ap);
}

void token_reason_quote(char *dst, size_t dst_size, const char *src, size_t len,
                        size_t max_chars)
{
    size_t used = 0, i;
    unsigned char c;
    int n;

    if (dst_size < 6) {
        if (dst_size > 0)
            dst[0] = '\0';
        return;
    }
    dst[used++] = '"';
    for (i = 0; i < len && i < max_chars; i++) {
        c = (unsigned char)src[i];
        if (used + 4 + 5 > dst_size)
            break;
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            dst[used++] = (char)c;
        else {
            n = snprintf(dst + used, dst_size - used, "\\x%02x", c);
            used += n > 0 ? (size_t)n : 0;
        }
    }
    if (i < len) {
        memcpy(dst + used, "...", 3);
        used += 3;
    }
    dst[used++] = '"';
    dst[used] = '\0';
}

/* base64url value + 1 of each byte; 0 = not in the alphabet. */
static const unsigned char token_b64url_values[256] = {
    ['A'] = 1,  ['B'] = 2,  ['C'] = 3,  ['D'] = 4,  ['E'] = 5,  ['F'] = 6,
    ['G'] = 7,  ['H'] = 8,  ['I'] = 9,  ['J'] = 10, ['K'] = 11, ['L'] = 12,
    ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
    ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
    ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
    ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
    ['8'] = 61, ['9'] = 62, ['-'] = 63, ['_'] = 64,
};

static int token_b64url_value(unsigned char c)
{
    return (int)token_b64url_values[c] - 1;
}

int token_b64url_decode(const char *src, size_t len, unsigned char *dst,
                        size_t dst_size, size_t *out_len)
{
    const unsigned char *s = (const unsigned char *)src;
    unsigned acc = 0, bits = 0, a, b, c, d;
    size_t used = 0, i = 0;
    int v;

    *out_len = 0;
    if (len % 4 == 1)
        return -1; /* no byte ends after 6 bits */
    /* Whole quads first: four table look-ups, three bytes out. */
    for (; i + 4 <= len && used + 3 <= dst_size; i += 4) {
        a = token_b64url_values[s[i]];
        b = token_b64url_values[s[i + 1]];
        c = token_b64url_values[s[i + 2]];
        d = token_b64url_values[s[i + 3]];
        if (a == 0 || b == 0 || c == 0 || d == 0)
            return -1;
        acc = (a - 1) << 18 | (b - 1) << 12 | (c - 1) << 6 | (d - 1);
        dst[used++] = (unsigned char)(acc >> 16);
        dst[used++] = (unsigned char)(acc >> 8);
        dst[used++] = (unsigned char)acc;
    }
    acc = 0;
    for (; i < len; i++) {
        v = token_b64url_value(s[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6 | (unsigned)v) & 0xFFFFFF;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (used == dst_size)
                return -1;
            dst[used++] = (unsigned char)(acc >> bits);
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0)
        return -1; /* non-canonical: leftover bits must be zero */
    *out_len = used;
    return 0;
}

int token_b64url_encode(const unsigned char *src, size_t len, char *dst,
                        size_t dst_size)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t need = (len / 3) * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
    size_t i, used = 0;
    unsigned v;

    if (dst_size == 0)
        return -1;
    dst[0] = '\0';
    if (need >= dst_size)
        return -1;
    for (i = 0; i + 2 < len; i += 3) {
        v = (unsigned)src[i] << 16 | (unsigned)src[i + 1] << 8 | src[i + 2];
        dst[used++] = alphabet[v >> 18 & 63];
        dst[used++] = alphabet[v >> 12 & 63];
        dst[used++] = alphabet[v >> 6 & 63];
        dst[used++] = alphabet[v & 63];
    }
    if (len - i == 1) {
        v = (unsigned)src[i] << 16;
        dst[used++] = alphabet[v >> 18 & 63];
        dst[used++] = alphabet[v >> 12 & 63];
    } else if (len - i == 2) {
        v = (unsigned)src[i] << 16 | (unsigned)src[i + 1] << 8;
        dst[used++] = alphabet[v >> 18 & 63];
        dst[used++] = alphabet[v >> 12 & 63];
        dst[used++] = alphabet[v >> 6 & 63];
    }
    dst[used] = '\0';
    return 0;
}

void token_fingerprint(const char *token, size_t len,
                       char out[TOKEN_FINGERPRINT_SIZE])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char md[SHA256_DIGEST_LENGTH];
    int i;

    if (keys_digest(256, token, len, md) != 0) {
        snprintf(out, TOKEN_FINGERPRINT_SIZE, "????????");
        return;
    }
    for (i = 0; i < 4; i++) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    out[8] = '\0';
}

const char *token_status_name(enum token_status status)
{
    switch (status) {
    case TOKEN_VALID:
        return "valid";
    case TOKEN_REFUSED:
        return "refused";
    default:
        return "error";
    }
}

void token_claims_clear(struct token_claims *c)
{
    if (c == NULL)
        return;
    free(c->kid);
    free(c->iss);
    free(c->aud);
    free(c->sub);
    free(c->room);
    free(c->user_id);
    free(c->name);
    free(c->email);
    free(c->avatar);
    free(c->group);
    free(c->features_json);
    free(c->room_json);
    free(c->room_lobby_message);
    for (size_t i = 0; i < c->n_room_allow; i++)
        free(c->room_allow[i]);
    free(c->room_allow);
    memset(c, 0, sizeof(*c));
}

/* ---- verification ---- */

/* Parses a decoded segment as a JSON object; duplicate keys refused. */
static enum token_status token_parse_json(const char *what,
                                          const unsigned char *buf, size_t len,
                                          struct jdoc *doc,
                                          struct token_reason *why)
{
    char text[80];

    if (jdoc_parse(doc, (const char *)buf, len) != 0) {
        token_reason_quote(text, sizeof(text), doc->error, strlen(doc->error),
                           60);
        token_reason_set(why, "%s is not valid JSON: %s", what, text);
        return TOKEN_REFUSED;
    }
    if (jdoc_root(doc)->type != JVAL_OBJECT) {
        token_reason_set(why, "%s is not a JSON object", what);
        return TOKEN_REFUSED;
    }
    return TOKEN_VALID;
}

/* Pins alg, checks typ and crit, reads kid. */
static enum token_status token_check_header(const struct jdoc *header,
                                            struct token_header *h,
                                            struct token_reason *why)
{
    const struct jval *root = jdoc_root(header);
    const struct jval *alg = jval_get(header, root, "alg");
    const struct jval *typ = jval_get(header, root, "typ");
    const struct jval *kid = jval_get(header, root, "kid");
    char quoted[48];
    const char *a;
    size_t len;

    if (alg == NULL || alg->type != JVAL_STRING) {
        token_reason_set(why, "header alg is %s",
                         alg == NULL ? "missing" : "not a string");
        return TOKEN_REFUSED;
    }
    a = alg->str;
    len = alg->len;
    token_reason_quote(quoted, sizeof(quoted), a, len, 16);
    if (len == 4 && strncasecmp(a, "none", 4) == 0) {
        token_reason_set(why, "alg %s is never accepted", quoted);
        return TOKEN_REFUSED;
    }
    if (keys_alg_from_name(a, len, &h->alg) != 0) {
        token_reason_set(why,
                         "alg %s is not supported (HS256, HS384, HS512, "
                         "RS256, RS384, RS512, ES256, ES384)",
                         quoted);
        return TOKEN_REFUSED;
    }
    if (typ != NULL &&
        (typ->type != JVAL_STRING || strcasecmp(typ->str, "JWT") != 0)) {
        token_reason_set(why, "header typ must be \"JWT\" when present");
        return TOKEN_REFUSED;
    }
    if (jval_get(header, root, "crit") != NULL) {
        token_reason_set(why, "header crit names extensions lobbyd does not "
                              "implement");
        return TOKEN_REFUSED;
    }
    if (kid != NULL && (kid->type != JVAL_STRING || kid->len == 0 ||
                        kid->len > TOKEN_MAX_KID_BYTES)) {
        token_reason_set(why, "header kid must be a string of 1 to %d bytes",
                         TOKEN_MAX_KID_BYTES);
        return TOKEN_REFUSED;
    }
    h->kid = kid != NULL ? kid->str : NULL;
    h->kid_len = kid != NULL ? kid->len : 0;
    return TOKEN_VALID;
}

/* Chooses the key set from the (not yet trusted) iss. */
static enum token_status token_pick_keys(const struct token_verifier *v,
                                         const struct jdoc *payload,
                                         const struct keys_set **keys,
                                         struct token_reason *why)
{
    const struct jval *iss = jval_get(payload, jdoc_root(payload), "iss");
    const struct token_issuer *extra;
    char quoted[64], list[96];

    *keys = NULL;
    if (iss == NULL || iss->type != JVAL_STRING) {
        token_reason_set(why, "iss claim is %s",
                         iss == NULL ? "missing" : "not a string");
        return TOKEN_REFUSED;
    }
    extra = verifier_find_issuer(v, iss->str);
    if (extra != NULL) {
        *keys = extra->keys;
        return TOKEN_VALID;
    }
    token_reason_quote(quoted, sizeof(quoted), iss->str, iss->len, 40);
    if (v->issuers.n > 0 && claims_list_accepts(&v->issuers, iss->str)) {
        if (v->keys != NULL) {
            *keys = v->keys;
            return TOKEN_VALID;
        }
        token_reason_set(why,
                         "iss %s is accepted but no key material is "
                         "configured for it",
                         quoted);
        return TOKEN_REFUSED;
    }
    claims_list_describe(&v->issuers, list, sizeof(list));
    token_reason_set(why, "iss %s not in accepted issuers %s%s", quoted, list,
                     v->n_extra > 0 ? " nor in a jwt_issuer line" : "");
    return TOKEN_REFUSED;
}

/* Describes the kid for reasons: quoted and bounded. */
static void token_kid_text(const struct token_header *h, char *dst,
                           size_t dst_size)
{
    token_reason_quote(dst, dst_size, h->kid, h->kid_len, 40);
}

/* HS: only the shared secret, and never when kid names a public key. */
static enum token_status
token_verify_hs(const struct keys_set *keys, const struct token_header *h,
                const unsigned char *msg, size_t msg_len,
                const unsigned char *sig, size_t sig_len,
                struct token_reason *why)
{
    const struct keys_pub *pub = NULL;
    const char *name = keys_alg_name(h->alg);
    char kid[64], allowed[64];
    enum token_status st;

    if (h->kid != NULL)
        pub = keys_set_find(keys, h->kid, h->kid_len);
    if (pub != NULL) {
        token_kid_text(h, kid, sizeof(kid));
        keys_alg_mask_names(keys_pub_algs(pub), allowed, sizeof(allowed));
        token_reason_set(why,
                         "alg %s not allowed for key kid=%s (%s public "
                         "key: %s)",
                         name, kid, keys_pub_type(pub), allowed);
        return TOKEN_REFUSED;
    }
    if ((keys_set_hs_algs(keys) & KEYS_ALG_BIT(h->alg)) == 0) {
        keys_alg_mask_names(keys_set_hs_algs(keys), allowed, sizeof(allowed));
        token_reason_set(
            why,
            "alg %s not allowed for the shared secret of "
            "this issuer (allowed: %s)",
            name, keys_set_hs_algs(keys) == 0 ? "none configured" : allowed);
        return TOKEN_REFUSED;
    }
    st = keys_verify_hs(keys, h->alg, msg, msg_len, sig, sig_len);
    if (st == TOKEN_REFUSED)
        token_reason_set(why,
                         "signature does not verify (%s with the shared "
                         "secret)",
                         name);
    else if (st == TOKEN_ERROR)
        token_reason_set(why, "cannot compute %s (OpenSSL error)", name);
    return st;
}

/* RS/ES: only a public key found by kid whose type allows the alg. */
static enum token_status
token_verify_pub(const struct keys_set *keys, const struct token_header *h,
                 const unsigned char *msg, size_t msg_len,
                 const unsigned char *sig, size_t sig_len,
                 struct token_reason *why)
{
    const struct keys_pub *pub;
    const char *name = keys_alg_name(h->alg);
    char kid[64], allowed[64], hash[65];
    enum token_status st;

    if (h->kid == NULL) {
        token_reason_set(why,
                         "kid is missing: %s tokens must name their "
                         "public key",
                         name);
        return TOKEN_REFUSED;
    }
    token_kid_text(h, kid, sizeof(kid));
    if (!keys_set_has_key_dir(keys)) {
        token_reason_set(why,
                         "alg %s not allowed for key kid=%s: no "
                         "jwt_key_dir is configured for this issuer",
                         name, kid);
        return TOKEN_REFUSED;
    }
    pub = keys_set_find(keys, h->kid, h->kid_len);
    if (pub == NULL) {
        keys_kid_file_hash(h->kid, h->kid_len, hash);
        token_reason_set(why,
                         "unknown kid %s (no %.16s....pem in the key "
                         "directory; keys are read at start and on reload)",
                         kid, hash);
        return TOKEN_REFUSED;
    }
    if ((keys_pub_algs(pub) & KEYS_ALG_BIT(h->alg)) == 0) {
        keys_alg_mask_names(keys_pub_algs(pub), allowed, sizeof(allowed));
        token_reason_set(why, "alg %s not allowed for key kid=%s (%s key: %s)",
                         name, kid, keys_pub_type(pub), allowed);
        return TOKEN_REFUSED;
    }
    st = keys_verify_pub(pub, h->alg, msg, msg_len, sig, sig_len);
    if (st == TOKEN_REFUSED)
        token_reason_set(why, "signature does not verify (%s, kid=%s)", name,
                         kid);
    else if (st == TOKEN_ERROR)
        token_reason_set(why, "cannot verify %s (OpenSSL error)", name);
    return st;
}

/* The three segments of a compact JWS. */
struct token_parts {
    const char *seg[3];
    size_t len[3];
};

static enum token_status token_split(const char *token, size_t len,
                                     struct token_parts *parts,
                                     struct token_reason *why)
{
    static const char *const names[3] = {"header", "payload", "signature"};
    size_t i, start = 0, n = 0, dots = 0;

    if (len == 0) {
        token_reason_set(why, "token is empty");
        return TOKEN_REFUSED;
    }
    if (len > TOKEN_MAX_BYTES) {
        token_reason_set(why, "token is %zu bytes, at most %d accepted", len,
                         TOKEN_MAX_BYTES);
        return TOKEN_REFUSED;
    }
    for (i = 0; i < len; i++)
        dots += token[i] == '.';
    if (dots != 2) {
        token_reason_set(why,
                         "token has %zu segments, a signed JWT has 3 "
                         "(header.payload.signature)%s",
                         dots + 1,
                         dots == 4 ? "; encrypted JWTs are not supported" : "");
        return TOKEN_REFUSED;
    }
    for (i = 0; i <= len; i++) {
        if (i < len && token[i] != '.')
            continue;
        parts->seg[n] = token + start;
        parts->len[n] = i - start;
        /* An empty signature is reported after the header, so that an
         * "alg": "none" token is refused for what it is. */
        if (parts->len[n] == 0 && n < 2) {
            token_reason_set(why, "%s segment is empty", names[n]);
            return TOKEN_REFUSED;
        }
        n++;
        start = i + 1;
    }
    return TOKEN_VALID;
}

/* Largest decoded payload: three quarters of the largest token. */
#define TOKEN_MAX_PAYLOAD_BYTES (TOKEN_MAX_BYTES / 4 * 3)

/* Decodes segment 'i' into 'buf' ('max' bytes). */
static enum token_status token_decode_segment(const struct token_parts *parts,
                                              int i, unsigned char *buf,
                                              size_t max, size_t *out_len,
                                              struct token_reason *why)
{
    static const char *const names[3] = {"header", "payload", "signature"};

    if (parts->len[i] / 4 * 3 + parts->len[i] % 4 * 3 / 4 > max) {
        token_reason_set(why, "%s is larger than %zu bytes", names[i], max);
        return TOKEN_REFUSED;
    }
    if (token_b64url_decode(parts->seg[i], parts->len[i], buf, max, out_len) !=
        0) {
        token_reason_set(why, "%s segment is not valid base64url", names[i]);
        return TOKEN_REFUSED;
    }
    return TOKEN_VALID;
}

/*
 * The decoded segments and their parsed JSON live on the stack (about
 * 90 KiB, bounded by TOKEN_MAX_BYTES and JDOC_MAX_VALUES): the only
 * allocations on the verification path are the copies handed to the
 * caller.
 */
struct token_work {
    unsigned char header_buf[TOKEN_MAX_HEADER_BYTES];
    unsigned char payload_buf[TOKEN_MAX_PAYLOAD_BYTES];
    unsigned char sig_buf[KEYS_MAX_SIG_BYTES];
    size_t header_len, payload_len, sig_len;
    struct jdoc header, payload;
};

/* Steps 1-5: split, header, iss, key, signature. */
static enum token_status token_check_signed(const struct token_verifier *v,
                                            const char *token, size_t len,
                                            struct token_work *w,
                                            struct token_header *h,
                                            struct token_reason *why)
{
    struct token_parts parts;
    const struct keys_set *keys = NULL;
    const unsigned char *msg = (const unsigned char *)token;
    size_t msg_len;
    enum token_status st;

    st = token_split(token, len, &parts, why);
    if (st == TOKEN_VALID)
        st = token_decode_segment(&parts, 0, w->header_buf,
                                  sizeof(w->header_buf), &w->header_len, why);
    if (st == TOKEN_VALID)
        st = token_parse_json("header", w->header_buf, w->header_len,
                              &w->header, why);
    (void)token_reason_kind(why, st, "malformed");
    if (st == TOKEN_VALID)
        st = token_reason_kind(why, token_check_header(&w->header, h, why), "header");
    if (st == TOKEN_VALID && parts.len[2] == 0) {
        token_reason_set(why, "signature segment is empty (unsigned token)");
        st = token_reason_kind(why, TOKEN_REFUSED, "unsigned");
    }
    if (st == TOKEN_VALID)
        st = token_decode_segment(&parts, 1, w->payload_buf,
                                  sizeof(w->payload_buf), &w->payload_len, why);
    if (st == TOKEN_VALID)
        st = token_parse_json("payload", w->payload_buf, w->payload_len,
                              &w->payload, why);
    (void)token_reason_kind(why, st, "malformed");
    if (st == TOKEN_VALID)
        st = token_reason_kind(why, token_pick_keys(v, &w->payload, &keys, why), "issuer");
    if (st == TOKEN_VALID)
        st = token_decode_segment(&parts, 2, w->sig_buf, sizeof(w->sig_buf),
                                  &w->sig_len, why);
    if (st != TOKEN_VALID)
        return token_reason_kind(why, st, "malformed");
    /* The signed message is "header.payload", exactly as sent. */
    msg_len = parts.len[0] + 1 + parts.len[1];
    if ((KEYS_ALG_BIT(h->alg) & KEYS_ALGS_HS) != 0)
        st =
            token_verify_hs(keys, h, msg, msg_len, w->sig_buf, w->sig_len, why);
    else
        st = token_verify_pub(keys, h, msg, msg_len, w->sig_buf, w->sig_len,
                              why);
    if (st != TOKEN_VALID)
        ERR_clear_error(); /* a failed verify leaves OpenSSL errors queued */
    return token_reason_kind(why, st, "signature");
}

enum token_status token_verify(const struct token_verifier *v,
                               const char *token, size_t len, const char *room,
                               int64_t now_s, struct token_claims *out,
                               struct token_reason *why)
{
    struct token_work w; /* not cleared: each part is written before use */
    struct token_header h;
    struct token_claims c;
    enum token_status st;

    memset(out, 0, sizeof(*out));
    memset(&h, 0, sizeof(h));
    memset(&c, 0, sizeof(c));
    why->text[0] = '\0';
    why->kind = NULL;
    if (!token_verifier_enabled(v)) {
        token_reason_set(why, "token verification is not configured");
        return token_reason_kind(why, TOKEN_REFUSED, "not-configured");
    }
    if (token == NULL)
        len = 0;
    st = token_check_signed(v, token, len, &w, &h, why);
    if (st == TOKEN_VALID)
        st = claims_check(&v->policy, &w.payload, room, now_s, &c, why);
    if (st == TOKEN_VALID && h.kid != NULL) {
        c.kid = strndup(h.kid, h.kid_len);
        if (c.kid == NULL) {
            token_reason_set(why, "out of memory");
            st = TOKEN_ERROR;
        }
    }
    if (st == TOKEN_VALID) {
        memcpy(c.alg, keys_alg_name(h.alg), 6); /* "HS256" and its NUL */
        token_fingerprint(token, len, c.fingerprint);
        *out = c;
        memset(&c, 0, sizeof(c)); /* handed over to 'out' */
    }
    token_claims_clear(&c);
    return token_reason_kind(why, st, "claims");
}
