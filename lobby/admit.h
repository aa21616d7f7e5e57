/*
 * admit.h: admission rules, the operator's own ways past the lobby
 * (lobby_config.admit_rules), each written "NAME KIND [VALUE]":
 *
 *   staff     email-domain example.com   context.user.email ends in @example.com
 *   acme      tenant acme                the token's sub is acme
 *   teachers  group teachers             context.group is teachers
 *   members   affiliation member         context.user.affiliation is member
 *   anyone    token                      any valid token
 *   sip       jid sip.meet.example.com   the real JID is that bare JID, or of that domain
 *
 * Token kinds need a token lobbyd verified; jid needs none (Prosody
 * authenticated the session's JID). Names are for logs: a join let in by
 * rule "staff" is logged with rule=admit:staff. Pure; no allocation.
 */
#ifndef LOBBYD_LOBBY_ADMIT_H
#define LOBBYD_LOBBY_ADMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "lobby/event.h"

#define LOBBY_MAX_ADMIT_RULES 64
#define LOBBY_ADMIT_NAME_MAX 33        /* a name: 1..32 of [a-z0-9_-] */
#define LOBBY_ADMIT_VALUE_MAX 1024

enum lobby_admit_kind {
    LOBBY_ADMIT_TOKEN,
    LOBBY_ADMIT_EMAIL_DOMAIN,
    LOBBY_ADMIT_TENANT,
    LOBBY_ADMIT_GROUP,
    LOBBY_ADMIT_AFFILIATION,
    LOBBY_ADMIT_JID
};

struct lobby_admit_rule {
    char label[LOBBY_ADMIT_NAME_MAX + 8]; /* "admit:NAME", the verdict's rule */
    enum lobby_admit_kind kind;
    char value[LOBBY_ADMIT_VALUE_MAX];    /* "" for token */
};

/*
 * Parse one rule 'text'. Returns true with 'out' filled, or false with
 * what is wrong in 'why' (size 'whysz'), written for an operator. Cannot
 * fail otherwise.
 */
bool lobby_admit_parse(const char *text, struct lobby_admit_rule *out, char *why, size_t whysz);

/* Does 'join' meet rule 'r'? Cannot fail. */
bool lobby_admit_matches(const struct lobby_admit_rule *r, const struct lobby_join *join);

/* The first of the 'n' rules 'join' meets, or NULL. Cannot fail. */
const struct lobby_admit_rule *lobby_admit_first(const struct lobby_admit_rule *rules, size_t n,
                                                 const struct lobby_join *join);

/*
 * A room's allow list (an owner token's context.room.allow, trusted by
 * room_allow_issuers): entries as jwt/room_claims.h defines them, matched
 * without regard to ASCII case:
 *
 *   alice@example.com   the verified token e-mail is that address, or the
 *                       bare real JID is that JID (a token is not needed)
 *   @example.com        the verified token e-mail is of that domain
 *   guest.meet.test     the real JID is of exactly that domain
 *
 * The index of the first of the 'n' entries 'join' meets, or -1. Cannot
 * fail.
 */
int lobby_allow_first(const char *const *list, size_t n, const struct lobby_join *join);

#endif /* LOBBYD_LOBBY_ADMIT_H */
