/*
 * lobby.h: the public API of the lobby module: who may enter a main room,
 * and the state of the lobby rooms where everyone else waits.
 *
 * One struct lobby per daemon. Not thread-safe. Never blocks, never logs,
 * never reads the clock: times come in as monotonic milliseconds (now_ms),
 * random values come in through the event structs.
 *
 * Rule precedence for a main-room join (first match wins; policy.c):
 *
 *   1. outcast              affiliation outcast                  DENY forbidden
 *   2. invalid-token        token refused, invalid_token = deny  DENY not-allowed
 *   3. owner-claim          valid token with owner/moderator     ALLOW owner
 *   4. existing-affiliation current owner or admin               ALLOW, unchanged
 *   5. before-host          before_host wait/deny, no host has
 *                           been in the room, not a service      KNOCK (NEED_NAME) / DENY
 *   6. no-lobby             room new, or its lobby is off        ALLOW, unchanged
 *   7. sent-back            a moderator sent this session back
 *                           to the lobby (lobby_send_back)       KNOCK (NEED_NAME without a name)
 *   8. bypass-claim         valid token with lobby_bypass        ALLOW member
 *   9. service-identity     real JID matches service_jids        ALLOW member
 *  10. admit                the first admission rule (admit,
 *                           lobby/admit.h) the join meets        ALLOW member, rule admit:NAME
 *  11. room-allow           an entry of the room's allow list
 *                           (lobby_allow_first) matches          ALLOW member
 *  12. password-required    mode also-required, room has a
 *                           password, join lacks the right one   DENY not-authorized
 *  13. admitted-session     this session was admitted            ALLOW member
 *  14. rejoin-window        this session left < rejoin window    ALLOW member
 *  15. password-bypass      mode bypass, right password          ALLOW member
 *  16. displayname-required no display name and it is required   NEED_NAME
 *  17. lobby                everyone else                        KNOCK
 *
 * "ALLOW member" never lowers an affiliation: an admin or owner keeps
 * theirs (verdict affiliation NONE). A refused token under the guest
 * policy adds "token refused: <reason>; treated as guest" to the text of
 * whatever verdict follows.
 *
 * Room settings from an owner token (lobby_join.token_*, recorded on an
 * ALLOW of a valid owner token; the latest one that carries a setting
 * replaces it): the lobby message; before_host, the room's own in place
 * of lobby_config.before_host in rule 5 (and the before-host switch); the
 * allow list of rule 11, only when the token's iss is one of
 * lobby_config.room_allow_issuers (otherwise verdict allow_note says
 * UNTRUSTED, once per room), at most LOBBY_ROOM_ALLOW_MAX entries (more:
 * TOO_BIG, the old list stays). A room is hosted once its host has come,
 * so its own before_host governs its next call: lobby_on_room_destroyed()
 * keeps a room with its own before_host or allow list (nothing else of
 * it) for the next call of that room, at most LOBBY_MAX_KEPT_ROOMS, the
 * one kept longest forgotten first. Until an owner token sets it, the
 * deployment's before_host governs. Once any room has its own wait or
 * deny, verdicts ask about the joins that create rooms (one may be kept);
 * a verdict's ask_room asks about every join into its room while that
 * room waits for its host.
 *
 * Outcast first: a ban set by a room owner outranks any token; the token
 * issuer cannot lift it, an owner can.
 *
 * Owners are never asked for a display name (rule 3 and 4 come first).
 *
 * A host (before_host) is an owner other than a service identity: a room
 * is hosted from the first ALLOW of an owner token or owner/admin
 * affiliation, or the first such occupant Prosody reports, and stays so
 * (state file included) while lobbyd knows the room. When the first host
 * finds guests waiting under before_host = wait, its verdict switches the
 * room's lobby on (lobby_switch, rule "before-host") so that its client
 * moderates them.
 *
 * Admission scope (stock defect: an admission keyed on the bare JID lets
 * every other session of that account in, e.g. all SIP calls of one
 * gateway account):
 *
 *  - An admission belongs to one session, identified by its full real JID
 *    (node@domain/resource). The resource names the client session: it
 *    survives XEP-0198 resumption and room rejoins on the same connection,
 *    and a new connection of the same account gets a new one. A display
 *    name is never used to recognise anybody: guests choose it.
 *  - An admission is created when lobbyd admits a waiting session
 *    (lobby_on_admit) and whenever Prosody confirms that a session joined
 *    (lobby_on_occupant_joined, lobby on or off, so sessions that were
 *    inside before the lobby went on, or came in by token, password or
 *    service identity, are covered too). A verdict alone admits nobody:
 *    Prosody may still refuse the join. It lasts while the session is in
 *    the main room and for rejoin_window_ms after it leaves, and ends at
 *    once when the session is kicked; an approved knocker has
 *    LOBBY_ADMIT_JOIN_MS to make its first join. When a room already holds
 *    LOBBY_MAX_ADMITTED_PER_ROOM admissions no new one is recorded: the
 *    join itself is unaffected, a later rejoin of that session knocks.
 *  - Prosody keeps affiliations on the bare JID, and approving a knocker
 *    through a mediated invite makes the whole bare JID a member. lobbyd
 *    therefore does not treat a member affiliation as an admission while
 *    the lobby is on: a session with no admission of its own knocks even
 *    if its bare JID is a member. Owner and admin affiliations still let
 *    their holder in (rule 4): they can approve anyone anyway.
 *  - The session id (lobby_join.session) is recorded with the admission
 *    for the audit trail; it is not used to match, because the bridge
 *    cannot keep it stable across reconnects.
 *
 * Password modes (lobby_config.password_mode) while the lobby is on:
 *  - bypass (stock, default): the right password lets the joiner in as a
 *    member without knocking; a wrong or missing one means knocking. Who
 *    is let in past the lobby (owner or bypass token, service identity,
 *    owner/admin affiliation, an admitted session) is also let in past the
 *    password: the verdict says supply_password and the bridge puts the
 *    room password into the join, since Prosody checks it on every join,
 *    owners included. This holds with the lobby off too, so an owner token
 *    always walks in.
 *  - also-required: the password is an extra gate. A join without the
 *    right password is refused with not-authorized before it can knock
 *    (so moderators never approve someone who cannot enter); with the
 *    right password the joiner still knocks, and an admitted session must
 *    present it again, as Prosody itself checks it. It never bypasses.
 *  - ignored: the lobby never looks at the password; Prosody still checks
 *    it when the join goes through.
 * With the lobby off the password is Prosody's business alone.
 *
 * Knock limits (lobby_config.knock_limit, knock_limit_per_ip; 0: off):
 *  - A knock is a new knocker entering a lobby room (not an update, not a
 *    moderator). At most knock_limit of them per identity, and at most
 *    knock_limit_per_ip per client address, in any window of the
 *    configured length (a sliding window), across all meetings. Only
 *    knocks that get in line count; a refused one does not prolong the
 *    wait. The refusal is a REFUSE full with "Too many attempts to join
 *    this meeting; try again in N seconds." (N: until the oldest counted
 *    knock leaves the window) and event "knock-limit" / "knock-limit-ip"
 *    (that one carries the address, for the daemon's log line).
 *  - The knock itself carries neither identity nor address: it comes from
 *    the client straight to the lobby room. lobby_on_join() remembers
 *    both from the join facts whenever its verdict is KNOCK and a limit
 *    is set or the token is valid (then with the token's name and e-mail,
 *    which make the knocker's verified identity, event.h) (for
 *    LOBBY_KNOCK_FACTS_MS, at most LOBBY_MAX_KNOCK_FACTS sessions, the
 *    oldest forgotten first). The identity is lobby_knock_identity(); the
 *    address is lobby_join.client_ip as the daemon keyed it. A session
 *    remembered without an address (a bridge that does not report one) is
 *    not address-limited; a knock lobbyd did not send to the lobby counts
 *    under its bare JID and the one address "unknown", so knocking on the
 *    lobby room directly does not escape the address limit.
 *  - Each limit tracks at most LOBBY_MAX_KNOCK_KEYS keys; a new key in a
 *    full table evicts the one that knocked longest ago. A reload that
 *    changes a limit or its window starts that count afresh. The counts
 *    are not saved across a restart (lobby_save()): they hold client
 *    addresses, which do not belong on disk, and they last a window.
 */
#ifndef LOBBYD_LOBBY_LOBBY_H
#define LOBBYD_LOBBY_LOBBY_H

#include <stdbool.h>
#include <stdint.h>

#include "lobby/event.h"

/* How long an approved knocker has to join the main room, in ms. */
#define LOBBY_ADMIT_JOIN_MS 120000

/* How long a session sent back to the lobby must knock to get in, in ms,
 * unless a moderator lets it in again first. */
#define LOBBY_SENT_BACK_MS (12u * 3600u * 1000u)

struct lobby;                          /* opaque */

/*
 * Fill 'cfg' with the defaults: password mode bypass, invalid tokens
 * treated as guests, display name required, no service identities, no
 * rejoin window, lobby_domain NULL (the caller must set it).
 * Cannot fail.
 */
void lobby_config_defaults(struct lobby_config *cfg);

/*
 * Check 'cfg' against the documented limits. Returns NULL if it is
 * usable, or a static text saying what is wrong.
 * Cannot fail.
 */
const char *lobby_config_problem(const struct lobby_config *cfg);

/*
 * Create a lobby with a private copy of 'cfg'. Returns a new lobby the
 * caller frees with lobby_free(), or NULL on allocation failure or if
 * lobby_config_problem(cfg) is not NULL.
 */
struct lobby *lobby_new(const struct lobby_config *cfg);

/* Free 'lb' and everything it holds. NULL is fine. Cannot fail. */
void lobby_free(struct lobby *lb);

/*
 * Give 'lb' the configuration 'cfg' (a reload) and keep its state: rooms,
 * knockers, moderators, admissions and cooldowns stay. The new policy
 * decides every event from now on; limits measured from a past moment
 * (max_wait_ms, end_without_host_ms) count from that moment; a rejoin
 * window or deny cooldown already running ends no later than the new one
 * would from 'now_ms'. The hash seed stays the first one. The lobby domain
 * cannot change. Returns 0, or -1 with errno EINVAL (lobby_config_problem()
 * or another lobby_domain; nothing changed) or ENOMEM (nothing changed).
 */
int lobby_reconfigure(struct lobby *lb, const struct lobby_config *cfg, uint64_t now_ms);

/*
 * Decide a main-room join and update state: an ALLOW records or refreshes
 * the session's admission (see "Admission scope"); a KNOCK marks the
 * room's lobby on, so that its lobby room accepts the knock.
 *
 * Default lobby (lobby_config.lobby_default_on, lobby_off_after_first_
 * owner): an ALLOW may carry lobby_switch. SWITCH_ON (a new room under
 * lobby_default, or an owner token's context.room.lobby = true) marks the
 * lobby on here, as the bridge makes the room members-only before the join
 * goes in. SWITCH_OFF (the owner's token says false, or the first owner
 * turns a default lobby off) is carried out by the caller with
 * lobby_on_disable(), whose effects release the waiting. Only the first
 * owner-token join of a room has that say (the room is then "settled",
 * which survives a restart); later ones follow what moderators chose.
 * 'join' is borrowed for the call. Returns 0 with the verdict in 'out',
 * or -1 on allocation failure, in which case 'out' holds a DENY with rule
 * "internal-error" and deny LOBBY_DENY_INTERNAL. 'out' is always written.
 */
int lobby_on_join(struct lobby *lb, const struct lobby_join *join,
                  uint64_t now_ms, struct lobby_verdict *out);

/*
 * Whether a session that is about to join 'join->room' must be asked for a
 * display name before it tries (the stock lobby's #displayname_required
 * disco feature): display names are required, lobbyd has the room's lobby
 * on, and the rules above, applied to 'join' without a display name, would
 * answer NEED_NAME. So owners, bypass tokens, service identities,
 * admitted sessions and whoever an admission rule lets in are never asked,
 * and neither is anyone for a room without a lobby. The room facts of 'join' (room_exists, members_only,
 * display_name) are ignored: lobbyd's own state stands in for them. Changes
 * nothing. '*rule', when not NULL, gets the static name of the rule that
 * decided ("no-lobby" for a room whose lobby lobbyd does not have on).
 * Cannot fail.
 */
bool lobby_asks_display_name(const struct lobby *lb, const struct lobby_join *join,
                             uint64_t now_ms, const char **rule);

/* Prepare an empty batch. Cannot fail. */
void lobby_actions_init(struct lobby_actions *a);

/* Free every effect in 'a' and leave it empty and reusable. Cannot fail. */
void lobby_actions_clear(struct lobby_actions *a);

/*
 * Lobby-room and main-room events.
 *
 * Common contract: strings are borrowed for the call; effects are appended
 * to 'out' in the order they must be sent. A refusal the daemon must send
 * (a knock that cannot be accepted) is an effect, not an error. Return
 * value -1 means lobbyd failed (errno ENOMEM, or E2BIG when 'out' is
 * full): 'out' then holds the effects built so far and the state may be
 * half-updated; the daemon treats this as fatal (B6). 'room' is always a
 * bare main-room JID and 'lobby_room' a bare lobby-room JID; lobbyd serves
 * one main MUC, so both share the node. 'actor' is the full real JID of
 * the moderator who acted; NOTIFY_MAIN effects name it so the bridge can
 * send from that moderator's occupant.
 */

/*
 * The main room's lobby was turned on by 'actor' (NULL: by lobbyd's own
 * policy). Effects: a NOTIFY_MAIN "LOBBY-ENABLED" (flag true) when it was
 * off. Returns 0, or -1 (errno ENOMEM, or ENOSPC when LOBBY_MAX_ROOMS
 * rooms are known).
 */
int lobby_on_enable(struct lobby *lb, const char *room, const char *actor,
                    uint64_t now_ms, struct lobby_actions *out);

/*
 * The lobby was turned off: every waiting knocker walks in. Effects: a
 * DESTROY with newjid = the main room and reason "Lobby room closed." to
 * every occupant of the lobby room, then a NOTIFY_MAIN "LOBBY-ENABLED"
 * (flag false). Each released knocker gets an admission, as if approved.
 * Returns the number of knockers released, or -1.
 */
int lobby_on_disable(struct lobby *lb, const char *room, const char *actor,
                     uint64_t now_ms, struct lobby_actions *out);

/*
 * A presence joining the lobby room 'k->lobby_room' as 'k->nick'.
 * - Lobby off or room unknown: REFUSE not-allowed "Room creation is
 *   restricted" (the client then retries the main room).
 * - The sender is an owner present in the main room (lobby_on_owner): it
 *   joins as moderator: SELF_PRESENCE, then one OCCUPANT_PRESENCE per
 *   waiting knocker. Moderators never see each other, knockers never see
 *   moderators.
 * - Anyone else knocks: SELF_PRESENCE, then OCCUPANT_PRESENCE to every
 *   moderator. A session already waiting keeps its first nick (the
 *   presence is an update). Refused with REFUSE when its deny cooldown
 *   runs (not-allowed), a knock limit is reached (full, "Too many
 *   attempts to join this meeting; try again in N seconds."; see
 *   "Knock limits" below), the nick is taken (conflict), the lobby holds
 *   LOBBY_MAX_WAITING_PER_ROOM (full), or a string breaks its limit.
 *   Each REFUSE names why in 'event'.
 * Returns 0 or -1.
 */
int lobby_on_knock(struct lobby *lb, const struct lobby_knock *k,
                   uint64_t now_ms, struct lobby_actions *out);

/*
 * What the knock limit (knock_limit) counts the knocks of 'j' under,
 * written into 'buf' ('size' bytes, LOBBY_IDENTITY_MAX is enough for any
 * join whose strings keep their limits):
 *   "token id=ID iss=ISS sub=SUB"     a valid token with context.user.id;
 *   "token name=NAME iss=ISS sub=SUB" a valid token with only
 *                                     context.user.name;
 *   "jid BARE"                        anyone else (no token, a refused
 *                                     one, or one naming nobody): the
 *                                     bare real JID.
 * A valid token's user is the same person on every connection, so all
 * their sessions share one count; an anonymous login gets a fresh bare
 * JID per connection, which is why knock_limit_per_ip exists too.
 * Returns false (with 'buf' possibly truncated) when there is no real JID
 * or the text does not fit. Cannot fail otherwise.
 */
bool lobby_knock_identity(const struct lobby_join *j, char *buf, size_t size);

/*
 * A later presence of a waiting knocker carrying its e-mail and/or display
 * name (NULL fields are left as they are). Effects: OCCUPANT_PRESENCE to
 * every moderator. Returns 1 if a knocker was updated, 0 if the sender is
 * not waiting, or -1.
 */
int lobby_on_knock_update(struct lobby *lb, const struct lobby_knock *k,
                          uint64_t now_ms, struct lobby_actions *out);

/*
 * 'real_jid' left the lobby room. Effects: OCCUPANT_GONE to the leaver
 * (is_self) and, for a knocker, to every moderator. Returns 1 if an
 * occupant left, 0 if 'real_jid' was not in the room, or -1.
 */
int lobby_on_leave(struct lobby *lb, const char *lobby_room,
                   const char *real_jid, struct lobby_actions *out);

/*
 * 'actor' invited 'invitee' into the main room (the approve of the stock
 * client). A full JID admits exactly that waiting session; a bare JID
 * admits every waiting session of that account. Each admitted knocker
 * gets an admission (LOBBY_ADMIT_JOIN_MS to join) and a NOTIFY_MAIN
 * "LOBBY-ACCESS-GRANTED" (text: its lobby occupant JID, name: its display
 * name). A full JID that is not waiting is still admitted (a direct
 * invite); a bare one is not. 'actor' must be an owner present in the
 * main room (lobby_on_owner), else -1 with errno EPERM and no effects.
 * Returns the number of knockers admitted, or -1.
 */
int lobby_on_admit(struct lobby *lb, const char *room, const char *invitee,
                   const char *actor, uint64_t now_ms,
                   struct lobby_actions *out);

/*
 * 'actor' kicked lobby occupant 'nick' (the deny of the stock client).
 * 'actor' must be a moderator in that lobby room, else -1 with errno
 * EPERM and no effects. Effects: KICK to the knocker (is_self), KICK to
 * every moderator, NOTIFY_MAIN "LOBBY-ACCESS-DENIED"; the knocker is
 * removed and, with deny_cooldown_ms, may not knock again for that long.
 * 'reason' may be NULL. Returns 1, 0 if no knocker has that nick, or -1.
 */
int lobby_on_deny(struct lobby *lb, const char *lobby_room, const char *nick,
                  const char *actor, const char *reason, uint64_t now_ms,
                  struct lobby_actions *out);

/*
 * A message to lobby room 'lobby_room' from 'real_jid': a groupchat when
 * 'to_nick' is NULL, else a private message to that occupant. Lobby chat
 * flows only between knockers and moderators (stock: lobby.enableChat):
 * - a knocker's groupchat reaches every moderator, and is echoed to it;
 * - a moderator's groupchat reaches every occupant, itself included;
 * - a private message goes through when the sender or the target is a
 *   moderator; knockers never reach each other.
 * Effects: one RELAY per recipient, naming the sender's nick. Returns the
 * number of recipients, or -1 with errno EPERM (the sender is not in the
 * lobby room, or may not reach the target; no effects), ENOENT (no
 * occupant has 'to_nick'), ENOMEM or E2BIG.
 */
int lobby_on_message(struct lobby *lb, const char *lobby_room,
                     const char *real_jid, const char *to_nick,
                     struct lobby_actions *out);

/*
 * The main room was destroyed. Effects: a DESTROY without newjid to every
 * lobby-room occupant. All state of the room is freed, except its own
 * before_host and allow list, when it has them: those are kept for the
 * room's next call (see "Room settings" above; if there is no memory to
 * keep them, the room is forgotten whole). Returns the number of
 * lobby-room occupants told, or -1.
 */
int lobby_on_room_destroyed(struct lobby *lb, const char *room,
                            struct lobby_actions *out);

/*
 * Mirror: 'real_jid' is now (present) or no longer an owner (or admin)
 * present in the main room. Only owners present may moderate the lobby
 * room: one who stops being an owner also stops moderating it (effect:
 * OCCUPANT_GONE to it, is_self).
 * A host is an owner other than a service identity. When the last host
 * goes while knockers wait (not yet let in), the room stays as it is and
 * nobody is promoted; each of them gets a NOTICE that the host left and
 * they may keep waiting, and with end_without_host_ms the clock starts
 * (a host's return stops it). Returns 0, or -1 (ENOMEM, ENOSPC past
 * LOBBY_MAX_OWNERS_PER_ROOM or LOBBY_MAX_ROOMS).
 */
int lobby_on_owner(struct lobby *lb, const char *room, const char *real_jid,
                   bool present, uint64_t now_ms, struct lobby_actions *out);

/*
 * Prosody confirmed that 'real_jid' joined the main room as 'nick' (NULL:
 * not reported) ('owner': as an owner or admin). Its admission becomes PRESENT: it now lasts while the
 * session is in the room and for the rejoin window after. A verdict alone
 * never makes one, since Prosody may still refuse the join. Returns 0 or -1.
 */
int lobby_on_occupant_joined(struct lobby *lb, const char *room,
                             const char *real_jid, const char *nick, bool owner,
                             uint64_t now_ms, struct lobby_actions *out);

/*
 * 'actor' sends the participant present in main room 'room' (or the room
 * behind lobby room 'room') as 'nick' back
 * to the lobby. Its admission is revoked and the session is marked sent
 * back (LOBBY_SENT_BACK_MS): every join of it knocks (rule sent-back),
 * whatever its token, an admission rule or the password would allow,
 * until a moderator lets it in again; a rejoin window does not apply.
 * Effects: an EJECT of 'nick' from the main room (to: its real JID,
 * actor, text: the reason the client shows). 'actor' must be an owner
 * present in the main room (lobby_on_owner) and the room's lobby on.
 * Returns 1, or -1 with errno EPERM (actor is no owner present), EINVAL
 * (the lobby is off: the participant could walk straight back in),
 * ENOENT (nobody lobbyd knows is present as 'nick'), EACCES ('nick' is
 * an owner or admin: moderators cannot send each other away) or ENOMEM;
 * nothing changed on any error.
 */
int lobby_send_back(struct lobby *lb, const char *room, const char *nick,
                    const char *actor, uint64_t now_ms, struct lobby_actions *out);

/*
 * What an operator (one of lobbyd's admin JIDs, through lobbyd's own
 * commands, not an occupant anywhere) does to a meeting. 'room' is the main
 * room or its lobby room; 'operator' the operator's full JID, for the
 * record. No presence check: the daemon checked who the operator is.
 *
 * lobby_operator_admit: the waiter with lobby nick 'nick' is let in as if
 * an owner approved it: an admission, LOBBY-ACCESS-GRANTED, and an INVITE
 * (the approval the client acts on). Returns 1, 0 when nobody waits under
 * 'nick', or -1 (ENOENT: no such room, ENOSPC, ENOMEM).
 *
 * lobby_operator_deny: the waiter 'nick' is sent away as by an owner's
 * deny (kick with no moderator named, cooldown). Returns 1, 0 when nobody
 * waits under 'nick', or -1 (ENOENT: no such room, ENOMEM).
 *
 * lobby_operator_send_back: lobby_send_back() without the owner check;
 * the EJECT names no actor. Same returns and errors, except EPERM.
 *
 * lobby_operator_set_lobby: the meeting's lobby goes on or off as if an
 * owner switched it: lobby_on_enable() / lobby_on_disable() effects, after
 * a SET_LOBBY for the bridge. Returns the knockers released (off), 0, or
 * -1 (ENOENT: no such room, EALREADY: already so, ENOMEM).
 */
int lobby_operator_admit(struct lobby *lb, const char *room, const char *nick,
                         const char *operator, uint64_t now_ms, struct lobby_actions *out);
int lobby_operator_deny(struct lobby *lb, const char *room, const char *nick,
                        const char *operator, uint64_t now_ms, struct lobby_actions *out);
int lobby_operator_send_back(struct lobby *lb, const char *room, const char *nick,
                             const char *operator, uint64_t now_ms, struct lobby_actions *out);
int lobby_operator_set_lobby(struct lobby *lb, const char *room, bool on,
                             const char *operator, uint64_t now_ms, struct lobby_actions *out);

/* One meeting lobbyd keeps state for, as lobby_each_meeting() shows it. */
struct lobby_meeting {
    const char *room;                  /* main-room JID */
    const char *lobby_room;            /* its lobby room */
    bool lobby_on;
    bool host_present;                 /* an owner other than a service */
    size_t waiting;
};

/* One waiting knocker of a meeting, in knock order. */
struct lobby_waiting {
    const char *nick;                  /* lobby-room nick */
    const char *real_jid;
    const char *name;                  /* display name moderators are shown, or NULL */
    const char *email;                 /* e-mail moderators are shown, or NULL */
    uint64_t waited_ms;
    bool approved;                     /* let in, its join still to come */
    bool verified;                     /* sent here by a valid token (verified='token') */
};

/*
 * Every meeting with its lobby on or someone waiting, and its waiters:
 * 'meeting' once per meeting, then 'waiter' (may be NULL) for each of its
 * knockers. The order of meetings is unspecified. 'fn's must not change
 * 'lb'; a nonzero return stops the walk and is returned.
 */
typedef int (*lobby_meeting_fn)(void *arg, const struct lobby_meeting *m);
typedef int (*lobby_waiting_fn)(void *arg, const struct lobby_meeting *m,
                                const struct lobby_waiting *w);
int lobby_each_meeting(const struct lobby *lb, uint64_t now_ms, lobby_meeting_fn meeting,
                       lobby_waiting_fn waiter, void *arg);

/*
 * 'real_jid' left the main room: it stops being a mirrored owner (and a
 * lobby moderator, and perhaps the last host: lobby_on_owner), and its admission gets rejoin_window_ms before it
 * ends, unless it was 'removed' (kicked, or the room destroyed): then the
 * admission ends at once, so a kicked guest knocks again. Returns 0 or -1.
 */
int lobby_on_occupant_left(struct lobby *lb, const char *room,
                           const char *real_jid, bool removed, uint64_t now_ms,
                           struct lobby_actions *out);

/*
 * Every session lobbyd believes present: each waiter and moderator
 * occupant of a lobby room ('room' the lobby room, 'nick' its nick), and
 * each owner or admitted session inside a main room ('room' the main
 * room, 'nick' NULL). After a (re)connect the daemon asks the bridge which
 * are still there and reports the others with lobby_on_leave() or
 * lobby_on_occupant_left(): their leave may have happened while the
 * stream was down. 'fn' must not change 'lb'; a nonzero return stops the
 * walk and is returned. Cannot fail otherwise.
 */
typedef int (*lobby_session_fn)(void *arg, const char *room, const char *nick,
                                const char *real_jid);
int lobby_each_session(const struct lobby *lb, lobby_session_fn fn, void *arg);

/*
 * The bridge reports that a session lobby_each_session() listed is no
 * longer there. It is let go only if it is still exactly as listed (the
 * same nick in the lobby room; an owner or a present admission in the main
 * room): whatever happened after the listing (a leave, a new knock under
 * another nick) reached lobbyd in order and stands. A main-room session
 * loses its admission, as when kicked: why it went is unknown, and lobbyd
 * errs on the side of the lobby. Returns 1 when it was let go, 0 when
 * nothing matched, -1 as lobby_on_leave().
 */
int lobby_on_gone(struct lobby *lb, const char *room, const char *nick,
                  const char *real_jid, uint64_t now_ms, struct lobby_actions *out);

/*
 * Keeping the state across a restart of lobbyd (lobby/snapshot.c has the
 * format). lobby_save() writes rooms with their lobby switch, waiters,
 * lobby-room moderators, owners present, admissions and deny cooldowns as
 * text; times become wall-clock ms, 'wall_ms' being the wall clock at
 * 'now_ms'. Returns 0 with '*text' ('*len' bytes and a NUL; the caller
 * frees it), or -1 with errno ENOMEM.
 *
 * lobby_restore() reads such text into 'lb', which must hold nothing yet.
 * Admissions and cooldowns that ended in between are dropped. Returns 0,
 * or -1 with a reason in 'why' (line number and what is wrong); 'lb' may
 * then hold part of the state and should be freed.
 */
int lobby_save(const struct lobby *lb, uint64_t now_ms, int64_t wall_ms, char **text,
               size_t *len);
int lobby_restore(struct lobby *lb, const char *text, size_t len, uint64_t now_ms,
                  int64_t wall_ms, char *why, size_t why_size);

/*
 * The earliest monotonic time at which lobby_expire() has work, or
 * UINT64_MAX for none. Cannot fail.
 */
uint64_t lobby_next_deadline(const struct lobby *lb);

/*
 * End admissions and cooldowns whose time is up at 'now_ms', and send away
 * the knockers not let in within max_wait_ms, and those of a room that has
 * had no host present for end_without_host_ms (approved ones are on their
 * way in and wait no longer): each gets a DESTROY of its lobby room with no
 * newjid, the reason as text (the client shows the meeting as ended with
 * it) and the limit as event ("max-wait", "end-without-host"), its
 * moderators an OCCUPANT_GONE. When 'out' would overflow,
 * the rest stays due and lobby_next_deadline() says so at once. Returns 0,
 * or -1.
 */
int lobby_expire(struct lobby *lb, uint64_t now_ms, struct lobby_actions *out);

/*
 * Knockers waiting in the lobby of main room 'room' (0 for an unknown
 * room). Cannot fail.
 */
size_t lobby_waiting_count(const struct lobby *lb, const char *room);

/* Knockers waiting in all lobbies, not yet let in. Cannot fail. */
size_t lobby_waiting_total(const struct lobby *lb);

/*
 * Names for logs and the audit trail: "allow", "lobby", "displayname",
 * "deny". Returns "?" for a value outside the enum. Cannot fail.
 */
const char *lobby_action_name(enum lobby_action a);

/*
 * XEP-0045 affiliation names: "none", "member", "admin", "owner",
 * "outcast". Returns "?" for a value outside the enum. Cannot fail.
 */
const char *lobby_affiliation_name(enum lobby_affiliation a);

/*
 * Parse an XEP-0045 affiliation name (exact, lower case). Returns true and
 * sets '*out', or false and leaves '*out' unchanged.
 */
bool lobby_affiliation_parse(const char *s, enum lobby_affiliation *out);

#endif /* LOBBYD_LOBBY_LOBBY_H */
