/*
 * jwt/token.h - verify Jitsi JWTs and turn their claims into rights.
 *
 * A token goes in as bytes; a struct token_claims holding copies comes out,
 * or a refusal with a reason an operator can act on.  This module never
 * logs, never reads the clock (now_s is passed in) and never includes
 * <strophe.h> or lobby/ headers.
 */
#ifndef LOBBYD_JWT_TOKEN_H
#define LOBBYD_JWT_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest token accepted, in bytes (header.payload.signature). */
#define TOKEN_MAX_BYTES 8192
/* Largest decoded header segment, in bytes. */
#define TOKEN_MAX_HEADER_BYTES 1024
/* Longest kid accepted, in bytes. */
#define TOKEN_MAX_KID_BYTES 256
/* Longest identity string (context.user.*, context.group, sub, room). */
#define TOKEN_MAX_FIELD_BYTES 1024
/* Size of a reason buffer, including the terminating NUL. */
#define TOKEN_REASON_MAX 200
/* Size of a fingerprint buffer: 8 hex digits and a NUL. */
#define TOKEN_FINGERPRINT_SIZE 9
/* Most entries of context.room.allow (jwt/room_claims.h). */
#define TOKEN_ROOM_ALLOW_MAX 64
/* Longest entry of context.room.allow, in bytes. */
#define TOKEN_ROOM_ALLOW_ENTRY_MAX 255

/* Why a token or a configuration was refused.  Owned by the caller. */
struct token_reason {
    char text[TOKEN_REASON_MAX];
    /* token_verify(): what was wrong, in one static word for counting
     * ("malformed", "header", "issuer", "signature", "time", "audience",
     * "tenant", "room", "claims", "unsigned", "not-configured", "error");
     * NULL when valid. */
    const char *kind;
};

/*
 * What component/config.c fills in from the configuration file.  All strings
 * are owned by the configuration and only borrowed by token_verifier_new(),
 * which copies what it keeps.  A zeroed struct means "not configured".
 */
struct token_config {
    /* jwt_app_id: the default accepted issuer. */
    const char *app_id;
    /* jwt_accepted_issuers: comma list; NULL = app_id; "*" = any. */
    const char *accepted_issuers;
    /* jwt_accepted_audiences: comma list; NULL = "jitsi"; "*" = any. */
    const char *accepted_audiences;
    /* jwt_secret_file: HS shared secret; NULL = none. */
    const char *secret_file;
    /* jwt_hs_algorithms: NULL = "HS256,HS384,HS512". */
    const char *hs_algorithms;
    /* jwt_key_dir: public keys as hex(sha256(kid)).pem; NULL = none. */
    const char *key_dir;
    /* jwt_asym_algorithms: NULL = "RS256,RS384,RS512,ES256,ES384". */
    const char *asym_algorithms;
    /* jwt_mint_key_file: private PEM for `token mint --kid`; NULL = none. */
    const char *mint_key_file;
    /* jwt_domain: the expected sub when verify_domain is on. */
    const char *domain;
    /* jwt_issuer lines, the raw text after '=':
     * "ISS secret_file=P key_dir=D algorithms=A,B". */
    const char *const *extra_issuers;
    size_t n_extra_issuers;
    /* jwt_leeway: clock skew allowed on exp and nbf, seconds. */
    unsigned leeway_s;
    /* jwt_require_room: refuse tokens without a room claim. */
    bool require_room;
    /* jwt_require_exp: refuse tokens without an exp claim. */
    bool require_exp;
    /* jwt_allow_wildcard_room: accept room "*". */
    bool allow_wildcard_room;
    /* jwt_verify_domain: check sub against jwt_domain or the tenant. */
    bool verify_domain;
};

/* Configuration defaults, for config.c's option table and the man page. */
#define TOKEN_DEFAULT_AUDIENCES "jitsi"
#define TOKEN_DEFAULT_HS_ALGORITHMS "HS256,HS384,HS512"
#define TOKEN_DEFAULT_ASYM_ALGORITHMS "RS256,RS384,RS512,ES256,ES384"
#define TOKEN_DEFAULT_LEEWAY_S 0
#define TOKEN_DEFAULT_REQUIRE_ROOM true
#define TOKEN_DEFAULT_ALLOW_WILDCARD_ROOM false
#define TOKEN_DEFAULT_VERIFY_DOMAIN false
/* Largest jwt_leeway accepted. */
#define TOKEN_MAX_LEEWAY_S 3600

/* Main-room affiliation the token asks for. */
enum token_affiliation {
    TOKEN_AFFILIATION_NONE = 0, /* no claim, or one we do not map */
    TOKEN_AFFILIATION_MEMBER,   /* context.user.affiliation "member" */
    TOKEN_AFFILIATION_OWNER     /* moderator, or owner/moderator/teacher */
};

/*
 * A verified token.  Every string is a NUL-terminated copy owned by the
 * struct (free with token_claims_clear()); NULL when the claim was absent.
 * Nothing points into libjwt or jansson objects.
 */
/* context.room.lobby: the owner's wish for the room's lobby. */
enum token_lobby {
    TOKEN_LOBBY_UNSET = 0,          /* absent or null */
    TOKEN_LOBBY_ON,                 /* true or "true" */
    TOKEN_LOBBY_OFF                 /* false or "false" */
};

/* context.room.before_host: the owner's word for guests of a room no host
 * has joined yet. */
enum token_before_host {
    TOKEN_BEFORE_HOST_UNSET = 0,    /* absent or null */
    TOKEN_BEFORE_HOST_ALLOW,
    TOKEN_BEFORE_HOST_WAIT,
    TOKEN_BEFORE_HOST_DENY
};

struct token_claims {
    bool owner;                     /* moderator, or owner-like affiliation */
    bool bypass;                    /* context.user.lobby_bypass true/"true" */
    enum token_affiliation affiliation;
    char alg[8];                    /* header alg, e.g. "RS256" */
    char *kid;                      /* header kid */
    char *iss;
    char *aud;                      /* the audience that was accepted */
    char *sub;
    char *room;                     /* room claim as written in the token */
    char *user_id;                  /* context.user.id */
    char *name;                     /* context.user.name */
    char *email;                    /* context.user.email */
    char *avatar;                   /* context.user.avatar */
    char *group;                    /* context.group */
    char *features_json;            /* context.features as compact JSON */
    char *room_json;                /* context.room as compact JSON */
    enum token_lobby room_lobby;    /* context.room.lobby */
    char *room_lobby_message;       /* context.room.lobby_message */
    enum token_before_host room_before_host; /* context.room.before_host */
    /* context.room.allow (jwt/room_claims.h): when has_room_allow, the
     * n_room_allow entries, owned (an empty array has none and clears the
     * room's list). A claim that is there but unusable leaves
     * has_room_allow false and says why in room_allow_problem; the token
     * stays valid. */
    bool has_room_allow;
    char **room_allow;
    size_t n_room_allow;
    char room_allow_problem[TOKEN_REASON_MAX]; /* "" unless refused */
    bool has_exp;
    bool has_nbf;
    int64_t exp_s;                  /* valid when has_exp */
    int64_t nbf_s;                  /* valid when has_nbf */
    char fingerprint[TOKEN_FINGERPRINT_SIZE];
};

enum token_status {
    TOKEN_VALID = 0,
    TOKEN_REFUSED, /* the token is bad; 'why' says how */
    TOKEN_ERROR    /* we failed (out of memory); 'why' says so */
};

/* Sets why->kind to 'kind' ("error" for TOKEN_ERROR) when 'st' is a
 * failure and no step set it yet; returns 'st'. */
static inline enum token_status token_reason_kind(struct token_reason *why,
                                                  enum token_status st,
                                                  const char *kind)
{
    if (st != TOKEN_VALID && why != NULL && why->kind == NULL)
        why->kind = st == TOKEN_ERROR ? "error" : kind;
    return st;
}

/*
 * Parsed lists and loaded keys.  Opaque; its configuration never changes
 * once built (build a new one to reload).  It keeps OpenSSL verify
 * contexts that token_verify() uses in place, so one verifier must not be
 * used by two threads at the same time.
 */
struct token_verifier;

/*
 * Builds a verifier from 'cfg': parses the lists, reads the shared secrets
 * (which must pass the secrecy check: a regular file, owned by us or root,
 * not accessible to others, not group-writable) and loads every public key
 * in the key directories.  Returns NULL and fills 'why' on a bad
 * configuration or unreadable key material; this is what `lobbyd --check`
 * reports.  A configuration without any key material is valid: the
 * verifier then refuses every token (see token_verifier_enabled()).
 * The caller frees the result with token_verifier_free().
 */
struct token_verifier *
token_verifier_new(const struct token_config *cfg, struct token_reason *why);

/* Frees 'v' and wipes the secrets it held.  NULL is fine.  Cannot fail. */
void token_verifier_free(struct token_verifier *v);

/*
 * True when some key material (a shared secret or public keys) is
 * configured.  When false, token_verify() refuses every token with
 * "token verification is not configured".  Cannot fail.
 */
bool token_verifier_enabled(const struct token_verifier *v);

/* Number of public keys loaded from all key directories.  Cannot fail. */
size_t token_verifier_key_count(const struct token_verifier *v);

/*
 * Verifies 'token' ('len' bytes, need not be NUL-terminated): header,
 * algorithm pinning, signature, then every claim at 'now_s' (wall-clock
 * seconds).  'room' is the room node the token must be valid for (Prosody
 * gives it lower-case; a "[tenant]" prefix is understood), or NULL to skip
 * the room and tenant checks.  'out' is cleared on entry and filled only
 * when TOKEN_VALID is returned; free it with token_claims_clear().
 * Otherwise returns TOKEN_REFUSED or TOKEN_ERROR with a reason in 'why'.
 * Reasons never contain the token or a secret.  Does no I/O.
 */
enum token_status token_verify(const struct token_verifier *v,
                               const char *token, size_t len,
                               const char *room, int64_t now_s,
                               struct token_claims *out,
                               struct token_reason *why);

/* Frees the strings in 'c' and zeroes it.  NULL is fine.  Cannot fail. */
void token_claims_clear(struct token_claims *c);

/*
 * Writes the first 8 hex digits of SHA-256('token') and a NUL to 'out'.
 * This is the only form in which a token may appear in a log line.
 * Cannot fail (writes "????????" if the hash itself fails).
 */
void token_fingerprint(const char *token, size_t len,
                       char out[TOKEN_FINGERPRINT_SIZE]);

/* Static name of 'status' ("valid", "refused", "error").  Cannot fail. */
const char *token_status_name(enum token_status status);

/*
 * Sets why->text from a printf format; truncates, never overflows.
 * NULL 'why' is fine.  Cannot fail.
 */
void token_reason_set(struct token_reason *why, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Writes 'src' ('len' bytes) to 'dst' as a quoted, printable, bounded
 * string for a reason: at most 'max_chars' characters, bytes outside
 * printable ASCII as \xNN, a trailing "..." when shortened.  For text that
 * came from a token (aud, room, kid); never use it on a secret.
 * Cannot fail.
 */
void token_reason_quote(char *dst, size_t dst_size, const char *src,
                        size_t len, size_t max_chars);

/*
 * base64url (RFC 4648 section 5, no padding) decoding of 'len' bytes of
 * 'src' into 'dst' (room for 'dst_size' bytes) and stores the decoded
 * length in '*out_len'.  Returns 0, or -1 on a character outside the
 * alphabet, padding, an impossible length, non-zero unused trailing bits or
 * a too-small 'dst' ('*out_len' is then 0).
 */
int token_b64url_decode(const char *src, size_t len, unsigned char *dst,
                        size_t dst_size, size_t *out_len);

/*
 * base64url encoding without padding of 'len' bytes of 'src' into 'dst'
 * (room for 'dst_size' bytes, NUL added).  Returns 0, or -1 when 'dst' is
 * too small ('dst' is then an empty string when 'dst_size' > 0).
 */
int token_b64url_encode(const unsigned char *src, size_t len, char *dst,
                        size_t dst_size);

#endif /* LOBBYD_JWT_TOKEN_H */
