/*
 * lobby_internal.h: what the files behind lobby.h (lobby.c, knock.c,
 * host.c, expire.c, moderation.c, setup.c, snapshot.c) share: the
 * daemon's one struct lobby, the lookups of a room's state by main-room
 * or lobby-room JID, and the steps one of them takes for another. Not
 * part of the module's public API (lobby.h).
 */
#ifndef LOBBYD_LOBBY_LOBBY_INTERNAL_H
#define LOBBYD_LOBBY_LOBBY_INTERNAL_H

#include "lobby/admit.h"
#include "lobby/event.h"
#include "lobby/hash.h"
#include "lobby/rate.h"
#include "lobby/room.h"

/* The address key of knocks lobbyd did not send to the lobby itself. */
#define LOBBY_KNOCK_IP_UNKNOWN "unknown"

struct lobby {
    struct lobby_config cfg;           /* strings below are owned copies */
    char *lobby_domain;
    char **service_jids;
    struct lobby_admit_rule *admit;    /* cfg.admit_rules, parsed; cfg.n_admit_rules of them */
    char *lobby_message;               /* cfg.lobby_message */
    char **allow_issuers;              /* cfg.room_allow_issuers */
    struct room_list kept;             /* rooms kept between calls, oldest first */
    size_t n_kept;
    bool strict_rooms;                 /* a room has had its own before_host wait or deny */
    struct lobby_hash rooms;           /* struct room by node */
    struct room_timers timers;
    struct rate_table knocks_by_identity;  /* knock_limit */
    struct rate_table knocks_by_ip;    /* knock_limit_per_ip */
    struct rate_facts sent;            /* sessions a verdict sent to the lobby, for their knock */
};

/* The state of main room 'jid', or NULL if lobbyd keeps none. */
struct room *lobby_find_main(const struct lobby *lb, const char *jid);

/* The state behind lobby room 'jid' (node@lobby_domain), or NULL. */
struct room *lobby_find_lobby(const struct lobby *lb, const char *jid);

/* The state of main room 'jid', created if needed; NULL with errno EINVAL
 * (not a room JID), ENOSPC (LOBBY_MAX_ROOMS, or the node is in use by
 * another MUC) or ENOMEM. */
struct room *lobby_find_or_add(struct lobby *lb, const char *jid);

/*
 * Record that room 'r' has its own before_host 'v' (an owner token's, or a
 * restored one). Cannot fail.
 */
void lobby_room_before_host(struct lobby *lb, struct room *r, enum lobby_before_host v);

/* Put 'r' on the kept list (restore). Cannot fail. */
void lobby_keep_room(struct lobby *lb, struct room *r);

/*
 * What an owner token's context.room in 'join' says of room 'r''s own
 * settings: the lobby message, before_host, and the allow list, which
 * counts only from an issuer in room_allow_issuers. The latest token that
 * says something decides. Notes in 'v' what changed. Returns 0 or -1
 * (ENOMEM).
 */
int lobby_owner_settings(struct lobby *lb, struct room *r, const struct lobby_join *join,
                         struct lobby_verdict *v);

/*
 * The call in 'r' is over: if an owner token gave it settings of its own
 * (before_host, an allow list), 'r' is freed and replaced by a fresh room
 * holding only those, on the kept list. Returns 0, or -1 when there is
 * nothing to keep or no memory to keep it ('r' untouched).
 */
int lobby_keep_settings(struct lobby *lb, struct room *r);

/* Is a host (an owner other than a service identity) present in main room 'r'? */
bool lobby_has_host(const struct lobby *lb, const struct room *r);

/*
 * end_without_host_after: a knocker now waits in 'r' (knocked at 'now_ms')
 * with no host present. Starts the room's clock unless it runs for
 * earlier knockers. Cannot fail.
 */
void lobby_hostless_knock(const struct lobby *lb, struct room *r, uint64_t now_ms);

/*
 * "N minutes" or "N seconds" for 'ms' into 'out' ('size' bytes, truncated
 * if need be), for the texts knockers read. Cannot fail.
 */
void lobby_duration_words(uint64_t ms, char *out, size_t size);

/*
 * Let waiter 'w' of 'r' in, on behalf of 'actor' (a full JID, named in the
 * LOBBY-ACCESS-GRANTED notification): an admission to join and the
 * notification. Returns 0, or -1 with errno ENOSPC or ENOMEM.
 */
int lobby_admit_waiter(struct room *r, struct room_waiter *w, const char *actor,
                       uint64_t now_ms, struct lobby_actions *out);

/*
 * Send waiter 'w' of 'r' away: KICK to it and to every moderator (by
 * 'actor_nick', the moderator's lobby nick, or NULL), the
 * LOBBY-ACCESS-DENIED notification (from 'actor_jid'), the deny cooldown;
 * 'w' is freed. Returns 1, or -1 with errno ENOMEM or E2BIG.
 */
int lobby_deny_waiter(struct lobby *lb, struct room *r, struct room_waiter *w,
                      const char *actor_nick, const char *actor_jid, const char *reason,
                      uint64_t now_ms, struct lobby_actions *out);

/*
 * A verdict sent 'j' to the lobby: remember who it is (lobby_knock_
 * identity()), its address and, with a valid token, the token's name and
 * e-mail for its knock, LOBBY_KNOCK_FACTS_MS long, when a knock limit is
 * set or the token is valid. Returns 0, or -1 with errno ENOMEM.
 */
int lobby_knock_sent(struct lobby *lb, const struct lobby_join *j, uint64_t now_ms);

#endif /* LOBBYD_LOBBY_LOBBY_INTERNAL_H */
