/*
 * jwt/room_claims.h - the owner's settings for a room in context.room,
 * beyond context.room.lobby and lobby_message (jwt/claims.c):
 *
 *   context.room.before_host  "allow", "wait" or "deny": what guests of the
 *                             room meet while no host has joined it
 *   context.room.allow        an array of strings: who may walk past the
 *                             room's lobby, each entry one of
 *       alice@example.com     an e-mail address or a bare JID (both are
 *                             local@domain): the guest's verified token
 *                             e-mail is that address, or its bare real JID
 *                             is that JID
 *       @example.com          an e-mail domain: the verified token e-mail
 *                             is of that domain
 *       guest.meet.test       an XMPP domain: the real JID is of exactly
 *                             that domain (not its subdomains)
 *
 * An entry is 1 to TOKEN_ROOM_ALLOW_ENTRY_MAX bytes of printable text
 * without blanks, '/', '"', '<', '>' or ','; it holds at most one '@', a
 * non-empty domain after it, and a non-empty local part before it unless
 * it starts with '@'. Matching ignores ASCII case. At most
 * TOKEN_ROOM_ALLOW_MAX entries.
 *
 * Only the shape is checked here; whose token may set the list, and what
 * it does, is lobbyd's policy (lobby/). An unusable context.room.allow is
 * refused on its own: the token stays valid, its owner still gets in.
 */
#ifndef LOBBYD_JWT_ROOM_CLAIMS_H
#define LOBBYD_JWT_ROOM_CLAIMS_H

#include <stddef.h>

#include "jwt/json.h"
#include "jwt/token.h"

/*
 * What is wrong with allow-list entry 's' ('len' bytes), as a static text,
 * or NULL when it is a well-formed entry. Cannot fail.
 */
const char *room_claims_entry_problem(const char *s, size_t len);

/*
 * context.room.before_host 'v' (NULL: absent) into '*out'. Returns
 * TOKEN_VALID, or TOKEN_REFUSED with 'why' filled for anything but the
 * three words or null.
 */
enum token_status room_claims_before_host(const struct jval *v, enum token_before_host *out,
                                          struct token_reason *why);

/*
 * context.room.allow 'v' (NULL: absent) of document 'd' into out->
 * has_room_allow, room_allow and n_room_allow (copies), or, when it is
 * unusable (not an array of strings, too many or too long entries, an
 * entry of the wrong shape), into out->room_allow_problem with nothing
 * kept. Returns TOKEN_VALID, or TOKEN_ERROR when out of memory ('why'
 * filled).
 */
enum token_status room_claims_allow(const struct jdoc *d, const struct jval *v,
                                    struct token_claims *out, struct token_reason *why);

#endif /* LOBBYD_JWT_ROOM_CLAIMS_H */
