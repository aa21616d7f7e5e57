/*
 * room.h: the state lobbyd keeps for one main room and its lobby room:
 * the lobby flag, the knockers waiting (found by nick, full JID and bare
 * JID), the main-room owners present in the lobby room (its moderators),
 * the mirror of main-room owners, admissions and deny cooldowns.
 *
 * Internal to lobby/: the containers, not the rules. lobby.c decides what
 * happens; room.c only stores, finds and frees, each in O(1) amortised.
 * Every string is an owned copy.
 */
#ifndef LOBBYD_LOBBY_ROOM_H
#define LOBBYD_LOBBY_ROOM_H

#include <sys/queue.h>
#include <stdbool.h>
#include <stdint.h>

#include "lobby/event.h"
#include "lobby/hash.h"

struct room_waiter {
    struct lobby_hnode by_nick;
    struct lobby_hnode by_jid;
    struct lobby_hnode by_bare;
    TAILQ_ENTRY(room_waiter) queue;    /* knock order */
    TAILQ_ENTRY(room_waiter) by_age;   /* room_timers.waiters, while 'aging' */
    struct room *room;                 /* the room it waits in */
    bool aging;                        /* counts towards max_wait (not yet approved) */
    char *nick;
    char *real_jid;
    char *session;
    char *name;                        /* display name or NULL */
    char *email;                       /* NULL until announced */
    uint64_t knock_ms;
    bool approved;
    bool verified;                     /* the verdict that sent it here saw a valid token */
    char *verified_name;               /* verified: the token's context.user.name, or NULL */
    char *verified_email;              /* verified: the token's context.user.email, or NULL */
};
TAILQ_HEAD(room_waiter_list, room_waiter);

/* An owner of the main room present in the lobby room. */
struct room_moderator {
    TAILQ_ENTRY(room_moderator) link;
    char *nick;
    char *real_jid;
};
TAILQ_HEAD(room_moderator_list, room_moderator);

struct room_owner {
    struct lobby_hnode by_jid;
    char *real_jid;
};

enum room_admission_state {
    ROOM_ADMISSION_APPROVED,           /* admitted, main-room join still to come */
    ROOM_ADMISSION_PRESENT,            /* in the main room; no deadline */
    ROOM_ADMISSION_LEFT,               /* left; rejoin window running */
    ROOM_ADMISSION_PENDING,            /* let in by a verdict, join not yet confirmed by
                                          Prosody: not an admission until it is */
    ROOM_ADMISSION_SENT_BACK           /* a moderator sent it back to the lobby: the
                                          opposite of an admission, it must knock */
};

struct room;

struct room_admission {
    struct lobby_hnode by_jid;
    TAILQ_ENTRY(room_admission) timer; /* on a timer list unless PRESENT */
    struct room *room;
    char *real_jid;
    char *session;                     /* for the record only */
    char *nick;                        /* in the main room, as Prosody reported; or NULL */
    enum room_admission_state state;
    uint64_t since_ms;                 /* when the state was entered */
    uint64_t deadline_ms;              /* APPROVED, LEFT: when it ends */
};
TAILQ_HEAD(room_admission_list, room_admission);

struct room_cooldown {
    struct lobby_hnode by_jid;
    TAILQ_ENTRY(room_cooldown) timer;
    struct room *room;
    char *real_jid;
    uint64_t denied_ms;
    uint64_t deadline_ms;
};
TAILQ_HEAD(room_cooldown_list, room_cooldown);

/*
 * Deadline lists shared by all rooms of a lobby, and its one lobby-wide
 * count. Every entry on one list got its deadline as now_ms plus the same
 * constant, so with a monotonic clock each list is sorted and its head is
 * its earliest deadline.
 */
struct room;
TAILQ_HEAD(room_list, room);

struct room_timers {
    struct room_admission_list approved;
    struct room_admission_list left;
    struct room_admission_list sent_back;
    struct room_cooldown_list cooldowns;
    struct room_waiter_list waiters;   /* unapproved knockers of all rooms, by knock time */
    size_t waiting;                    /* knockers in all rooms (max_waiting_total) */
    size_t aging;                      /* of them, not yet let in (on 'waiters') */
    struct room_list hostless;         /* rooms whose knockers have no host, by hostless_ms */
};

struct room {
    struct lobby_hnode by_node;        /* in the lobby's table of rooms */
    char *jid;                         /* bare main-room JID */
    char *lobby_jid;                   /* node@lobby_domain */
    bool enabled;
    bool settled;                      /* had its first owner-token join (lobby_default) */
    bool hosted;                       /* an owner other than a service has been in it */
    char *message;                     /* its own lobby message (an owner token's), or NULL */
    bool has_before_host;              /* an owner token set the room's own before_host */
    enum lobby_before_host before_host;
    char **allow;                      /* its allow list (an owner token's), n_allow entries */
    size_t n_allow;
    bool allow_untrusted_noted;        /* told once that an untrusted issuer's list was ignored */
    bool kept;                         /* outlived its call for the settings above (on
                                          the lobby's kept list) */
    TAILQ_ENTRY(room) kept_link;
    struct room_timers *timers;        /* borrowed from the lobby */
    struct lobby_hash waiters_by_nick;
    struct lobby_hash waiters_by_jid;
    struct lobby_hash waiters_by_bare;
    struct room_waiter_list queue;
    size_t n_waiting;
    size_t n_aging;                    /* of them, not yet approved */
    bool hostless;                     /* on timers->hostless (end_without_host_after) */
    uint64_t hostless_ms;              /* since when its knockers have had no host */
    TAILQ_ENTRY(room) hostless_link;
    struct room_moderator_list moderators;
    size_t n_moderators;
    struct lobby_hash owners;
    struct lobby_hash admissions;
    struct lobby_hash cooldowns;
};

/* The room's own lobby message: a copy of 'text' (NULL or "": none; one
 * of LOBBY_MESSAGE_MAX bytes or more is ignored). Returns 0, or -1 with
 * errno ENOMEM, the old one kept. */
int room_set_message(struct room *r, const char *text);

/* The room's own allow list: copies of the 'n' entries of 'list' (0:
 * none). Returns 0, or -1 with errno ENOMEM, the old one kept. */
int room_set_allow(struct room *r, const char *const *list, size_t n);

/* Is the room's allow list exactly these 'n' entries of 'list'? Cannot fail. */
bool room_allow_equals(const struct room *r, const char *const *list, size_t n);

/* Initialise the shared deadline lists. Cannot fail. */
void room_timers_init(struct room_timers *t);

/*
 * Put each timer list in deadline order again, after entries were added
 * out of order (a restore). Returns 0, or -1 on allocation failure with
 * the lists intact but possibly unsorted.
 */
int room_timers_sort(struct room_timers *t);

/*
 * A new, empty room for main-room JID 'jid' (bare, with a node) whose
 * lobby room is node@'lobby_domain'. 'timers' is borrowed and must
 * outlive the room. Returns NULL on allocation failure or a malformed
 * 'jid'; free with room_free().
 */
struct room *room_new(const char *jid, const char *lobby_domain,
                      const uint8_t seed[16], struct room_timers *timers);

/*
 * Free 'r' and everything in it, taking its admissions and cooldowns off
 * the shared deadline lists. NULL is fine. Cannot fail.
 */
void room_free(struct room *r);

/*
 * Add a knocker with copies of the given strings ('name', 'email' may be
 * NULL). The caller has checked that nick and JID are free and that the
 * queue has room. Returns the waiter, or NULL on allocation failure.
 */
struct room_waiter *room_waiter_add(struct room *r, const char *nick,
                                    const char *real_jid, const char *session,
                                    const char *name, const char *email,
                                    uint64_t now_ms);

/* Take 'w' out of the room and free it. Cannot fail. */
void room_waiter_remove(struct room *r, struct room_waiter *w);

/*
 * Mark 'w' as verified by a token with these 'name' and 'email' (either
 * may be NULL). Returns 0, or -1 on allocation failure with 'w' unchanged.
 */
int room_waiter_set_verified(struct room_waiter *w, const char *name, const char *email);

/* What moderators are shown of 'w': the verified name (e-mail) when its
 * token had one, else the one it typed, or NULL. Cannot fail. */
const char *room_waiter_shown_name(const struct room_waiter *w);
const char *room_waiter_shown_email(const struct room_waiter *w);

/* 'w' was approved: it no longer counts towards max_wait. Cannot fail. */
void room_waiter_stop_aging(struct room_waiter *w);

/*
 * Start the clock of end_without_host_after for 'r' at 'since_ms' (put it
 * on timers->hostless, in order; a room already there moves), or stop it.
 * Cannot fail.
 */
void room_hostless_start(struct room *r, uint64_t since_ms);
void room_hostless_stop(struct room *r);

/* The waiter with this nick (exact) or full real JID, or NULL. */
struct room_waiter *room_waiter_by_nick(const struct room *r, const char *nick);
struct room_waiter *room_waiter_by_jid(const struct room *r, const char *jid);

/*
 * Waiters whose real JID has the bare part of 'jid': the first, then the
 * one after 'w'. NULL when there are no more. Cannot fail.
 */
struct room_waiter *room_waiter_first_bare(const struct room *r,
                                           const char *jid);
struct room_waiter *room_waiter_next_bare(const struct room_waiter *w,
                                          const char *jid);

/*
 * Replace '*field' (a string of a waiter) with a copy of 'value' (NULL
 * allowed). Returns 0, or -1 on allocation failure with '*field' kept.
 */
int room_set_string(char **field, const char *value);

/*
 * Add a moderator occupant. Returns it, or NULL on allocation failure.
 * The caller checks LOBBY_MAX_MODERATORS_PER_ROOM.
 */
struct room_moderator *room_moderator_add(struct room *r, const char *nick,
                                          const char *real_jid);

/* The moderator occupant with this full real JID, or with this nick. */
struct room_moderator *room_moderator_by_jid(const struct room *r,
                                             const char *jid);
struct room_moderator *room_moderator_by_nick(const struct room *r,
                                              const char *nick);

/* Take 'm' out of the room and free it. Cannot fail. */
void room_moderator_remove(struct room *r, struct room_moderator *m);

/* Is the full real JID 'jid' an owner present in the main room? */
bool room_is_owner(const struct room *r, const char *jid);

/*
 * Record that 'jid' is (or is no longer) an owner present in the main
 * room. Returns 0, or -1 on allocation failure or when the room already
 * mirrors LOBBY_MAX_OWNERS_PER_ROOM owners.
 */
int room_owner_set(struct room *r, const char *jid, bool present);

/* The admission of full real JID 'jid', or NULL. */
struct room_admission *room_admission_find(const struct room *r,
                                           const char *jid);

/*
 * Create or update the admission of 'jid' to 'state' from 'now_ms', ending
 * at 'deadline_ms' (ignored for PRESENT). Returns 0, or -1 on allocation
 * failure or when the room holds LOBBY_MAX_ADMITTED_PER_ROOM admissions.
 */
int room_admission_put(struct room *r, const char *jid, const char *session,
                       enum room_admission_state state, uint64_t now_ms,
                       uint64_t deadline_ms);

/* Take 'a' off its room and timer list and free it. Cannot fail. */
void room_admission_remove(struct room_admission *a);

/* Record the main-room nick of 'a' (NULL: none). Returns 0, or -1 on
 * allocation failure with the old one kept. */
int room_admission_set_nick(struct room_admission *a, const char *nick);

/* The admission of the session present in the main room as 'nick', or
 * NULL. A walk over the room's admissions: for moderator actions only. */
struct room_admission *room_admission_by_nick(const struct room *r, const char *nick);

/* The deny cooldown of full real JID 'jid', or NULL. */
struct room_cooldown *room_cooldown_find(const struct room *r,
                                         const char *jid);

/*
 * Start (or restart) a cooldown for 'jid' from 'now_ms' to 'deadline_ms'.
 * Returns 0, or -1 on allocation failure or when the room holds
 * LOBBY_MAX_COOLDOWNS_PER_ROOM cooldowns.
 */
int room_cooldown_put(struct room *r, const char *jid, uint64_t now_ms,
                      uint64_t deadline_ms);

/* Take 'c' off its room and timer list and free it. Cannot fail. */
void room_cooldown_remove(struct room_cooldown *c);

#endif /* LOBBYD_LOBBY_ROOM_H */
