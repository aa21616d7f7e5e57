/*
 * knock.c: the lobby room's own events: a knock (a presence joining the
 * lobby room), its updates, leaving, a moderator's deny (a kick), and the
 * lobby chat between knockers and moderators.
 *
 * A knocker's verified identity: the verdict that sends a session with a
 * valid token to the lobby remembers the token's context.user.name and
 * .email with the knock-limit facts (lobby_knock_sent()); the knock into
 * that meeting's lobby then makes the waiter verified, and moderators see
 * those in place of what it typed (effects.c). The knock's own presence
 * can never make a waiter verified.
 *
 * Knock limits (knock_limit, knock_limit_per_ip): a new knock counts
 * under the identity and the address that the verdict sending the session
 * to the lobby knew (lobby_knock_sent(), from lobby_on_join()); a knock
 * lobbyd did not send there (the stock client always joins the main room
 * first) counts under its bare JID and the shared address "unknown". Only
 * knocks that get in line count; a refused one says when to try again.
 *
 * Who sees whom (jitsi-lobby.md §1.6): a knocker sees only itself;
 * moderators (owners of the main room present in the lobby room) see every
 * knocker with its real JID; knockers never see moderators.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lobby/actions.h"
#include "lobby/effects.h"
#include "lobby/jid.h"
#include "lobby/lobby.h"
#include "lobby/lobby_internal.h"
#include "lobby/rate.h"

/* Why 'k' breaks a limit, or NULL. */
static const char *knock_problem(const struct lobby_knock *k)
{
    struct lobby_jid_span node, domain, res;

    if (!lobby_jid_split(k->real_jid, &node, &domain, &res) || res.len == 0)
        return "real JID is not a full JID";
    if (k->nick == NULL || k->nick[0] == '\0' ||
        strnlen(k->nick, LOBBY_NICK_MAX) >= LOBBY_NICK_MAX)
        return "nick is empty or too long";
    if (k->display_name != NULL &&
        strnlen(k->display_name, LOBBY_NAME_MAX) >= LOBBY_NAME_MAX)
        return "display name is too long";
    if (k->email != NULL && strnlen(k->email, LOBBY_EMAIL_MAX) >= LOBBY_EMAIL_MAX)
        return "e-mail is too long";
    if (k->session != NULL &&
        strnlen(k->session, LOBBY_SESSION_MAX) >= LOBBY_SESSION_MAX)
        return "session id is too long";
    return NULL;
}

static bool nick_taken(const struct room *r, const char *nick)
{
    return room_waiter_by_nick(r, nick) != NULL ||
           room_moderator_by_nick(r, nick) != NULL;
}

/* An owner of the main room enters the lobby room as its moderator. */
static int knock_moderator(struct room *r, const struct lobby_knock *k,
                           struct lobby_actions *out)
{
    struct room_moderator *m = room_moderator_by_jid(r, k->real_jid);
    const struct room_waiter *w;

    if (m == NULL) {
        if (nick_taken(r, k->nick))
            return effect_refuse(out, k, LOBBY_DENY_CONFLICT, "nick-in-use", "nick in use");
        if (r->n_moderators >= LOBBY_MAX_MODERATORS_PER_ROOM)
            return effect_refuse(out, k, LOBBY_DENY_FULL, "moderators-full",
                                 "too many moderators in the lobby room");
        m = room_moderator_add(r, k->nick, k->real_jid);
        if (m == NULL) {
            errno = ENOMEM;
            return -1;
        }
    }
    if (effect_self(out, r, m->real_jid, m->nick, true) != 0)
        return -1;
    TAILQ_FOREACH(w, &r->queue, queue) {
        if (effect_waiter_to(out, r, w, m->real_jid) != 0)
            return -1;
    }
    return 0;
}

/* Refuse a new knocker whose deny cooldown still runs. */
static int knock_cooling(const struct lobby *lb, const struct room *r,
                         const struct lobby_knock *k, uint64_t now_ms,
                         struct lobby_actions *out, bool *refused)
{
    const struct room_cooldown *c = room_cooldown_find(r, k->real_jid);
    char text[LOBBY_TEXT_MAX];
    int n;

    *refused = c != NULL && now_ms < c->deadline_ms;
    if (!*refused)
        return 0;
    n = snprintf(text, sizeof(text), "denied %" PRIu64 " ms ago; "
                 "knocking again is possible in %" PRIu64 " ms",
                 now_ms - c->denied_ms, c->deadline_ms - now_ms);
    if (n < 0)
        text[0] = '\0';
    (void)lb;
    return effect_refuse(out, k, LOBBY_DENY_NOT_ALLOWED, "cooldown", text);
}

/*
 * What a new knocker is told once it is in the lobby: the room's message
 * (an owner token's) or the deployment's, and with show_position how many
 * wait ahead of it, those already let in not counted.
 */
static int knock_welcome(const struct lobby *lb, const struct room *r,
                         const struct room_waiter *w, struct lobby_actions *out)
{
    const char *message = r->message != NULL ? r->message : lb->cfg.lobby_message;
    char text[LOBBY_MESSAGE_MAX + 80];
    size_t ahead = r->n_aging > 0 ? r->n_aging - 1 : 0;
    int n = 0;

    if (message != NULL)
        n = snprintf(text, sizeof(text), "%s", message);
    if (lb->cfg.show_position && n >= 0 && (size_t)n < sizeof(text)) {
        const char *sep = n > 0 ? " " : "";

        if (ahead == 0)
            snprintf(text + n, sizeof(text) - (size_t)n, "%sNobody is waiting ahead of you.", sep);
        else
            snprintf(text + n, sizeof(text) - (size_t)n, "%s%zu %s waiting ahead of you.", sep,
                     ahead, ahead == 1 ? "person is" : "people are");
    } else if (message == NULL) {
        return 0;
    }
    return lobby_actions_push(out, &(struct lobby_effect_src){
        .kind = LOBBY_DO_NOTICE, .event = "welcome", .room = r->lobby_jid, .to = w->real_jid,
        .nick = w->nick, .text = text });
}

bool lobby_knock_identity(const struct lobby_join *j, char *buf, size_t size)
{
    const char *iss, *sub;
    int n;

    if (size == 0)
        return false;
    buf[0] = '\0';
    iss = j->token_iss != NULL ? j->token_iss : "";
    sub = j->token_sub != NULL ? j->token_sub : "";
    if (j->token == LOBBY_TOKEN_VALID && j->token_user_id != NULL && j->token_user_id[0] != '\0')
        n = snprintf(buf, size, "token id=%s iss=%s sub=%s", j->token_user_id, iss, sub);
    else if (j->token == LOBBY_TOKEN_VALID && j->token_user_name != NULL &&
             j->token_user_name[0] != '\0')
        n = snprintf(buf, size, "token name=%s iss=%s sub=%s", j->token_user_name, iss, sub);
    else if (j->real_jid != NULL && j->real_jid[0] != '\0')
        n = snprintf(buf, size, "jid %.*s", (int)lobby_jid_bare_len(j->real_jid), j->real_jid);
    else
        return false;
    return n > 0 && (size_t)n < size;
}

/* A token's name or e-mail as lobbyd can keep it for a waiter: NULL when
 * absent, empty or too long to keep whole (it is then not shown at all,
 * rather than cut). */
static const char *keepable(const char *s, size_t max)
{
    return s != NULL && s[0] != '\0' && strnlen(s, max) < max ? s : NULL;
}

int lobby_knock_sent(struct lobby *lb, const struct lobby_join *j, uint64_t now_ms)
{
    char identity[LOBBY_IDENTITY_MAX];
    bool verified = j->token == LOBBY_TOKEN_VALID;
    struct rate_fact_src src = {
        .identity = identity, .ip = j->client_ip, .room = j->room, .verified = verified,
        .name = verified ? keepable(j->token_user_name, LOBBY_NAME_MAX) : NULL,
        .email = verified ? keepable(j->token_email, LOBBY_EMAIL_MAX) : NULL,
    };

    /* Nothing to keep: no limit to count under, no token to vouch for. */
    if (lb->cfg.knock_limit == 0 && lb->cfg.knock_limit_per_ip == 0 && !verified)
        return 0;
    /* An identity too long to keep whole is counted under its bare JID. */
    if (!lobby_knock_identity(j, identity, sizeof(identity)) &&
        snprintf(identity, sizeof(identity), "jid %.*s", (int)lobby_jid_bare_len(j->real_jid),
                 j->real_jid) < 0)
        return 0;
    return rate_facts_put(&lb->sent, j->real_jid, &src, now_ms + LOBBY_KNOCK_FACTS_MS);
}

/* What knock 'k' counts under: the facts of the verdict that sent it
 * here, else its bare JID and, for the address, the one key shared by
 * every session lobbyd did not send to the lobby itself. Returns those
 * facts, or NULL. */
static const struct rate_fact *knock_keys(const struct lobby *lb, const struct lobby_knock *k,
                                          uint64_t now_ms, char *identity, size_t size,
                                          const char **ip)
{
    const struct rate_fact *f = rate_facts_find(&lb->sent, k->real_jid, now_ms);

    if (f != NULL) {
        snprintf(identity, size, "%s", f->identity);
        *ip = f->ip;
        return f;
    }
    snprintf(identity, size, "jid %.*s", (int)lobby_jid_bare_len(k->real_jid), k->real_jid);
    *ip = LOBBY_KNOCK_IP_UNKNOWN;
    return NULL;
}

/* Refuse a knock past knock_limit or knock_limit_per_ip. */
static int knock_limited(const struct lobby *lb, const struct lobby_knock *k,
                         const char *identity, const char *ip, uint64_t now_ms,
                         struct lobby_actions *out, bool *refused)
{
    uint64_t wait_ms = rate_wait_ms(&lb->knocks_by_identity, identity, now_ms), s;
    const char *why = "knock-limit";
    char text[LOBBY_TEXT_MAX];

    if (wait_ms == 0 && ip != NULL) {
        wait_ms = rate_wait_ms(&lb->knocks_by_ip, ip, now_ms);
        why = "knock-limit-ip";
    }
    *refused = wait_ms > 0;
    if (!*refused)
        return 0;
    s = (wait_ms + 999) / 1000;
    snprintf(text, sizeof(text), "Too many attempts to join this meeting; try again in "
             "%" PRIu64 " second%s.", s, s == 1 ? "" : "s");
    return lobby_actions_push(out, &(struct lobby_effect_src){
        .kind = LOBBY_DO_REFUSE, .deny = LOBBY_DENY_FULL, .event = why,
        .room = k->lobby_room, .to = k->real_jid, .nick = k->nick, .text = text,
        .ip = strcmp(why, "knock-limit-ip") == 0 ? ip : NULL });
}

static int knock_new(struct lobby *lb, struct room *r,
                     const struct lobby_knock *k, uint64_t now_ms,
                     struct lobby_actions *out)
{
    struct room_waiter *w;
    size_t room_cap = lb->cfg.max_waiting_per_room > 0 ? lb->cfg.max_waiting_per_room
                                                       : LOBBY_MAX_WAITING_PER_ROOM;
    char text[LOBBY_TEXT_MAX], identity[LOBBY_IDENTITY_MAX];
    const struct rate_fact *f;
    const char *ip;
    bool refused;

    if (knock_cooling(lb, r, k, now_ms, out, &refused) != 0 || refused)
        return refused ? 0 : -1;
    f = knock_keys(lb, k, now_ms, identity, sizeof(identity), &ip);
    if (knock_limited(lb, k, identity, ip, now_ms, out, &refused) != 0 || refused)
        return refused ? 0 : -1;
    if (nick_taken(r, k->nick))
        return effect_refuse(out, k, LOBBY_DENY_CONFLICT, "nick-in-use", "nick in use");
    if (r->n_waiting >= room_cap) {
        snprintf(text, sizeof(text), "this meeting's lobby is full (%zu waiting); "
                 "please try again later", r->n_waiting);
        return effect_refuse(out, k, LOBBY_DENY_FULL, "full", text);
    }
    if (lb->cfg.max_waiting_total > 0 && r->timers->waiting >= lb->cfg.max_waiting_total) {
        snprintf(text, sizeof(text), "the lobby service is full (%zu waiting in all lobbies); "
                 "please try again later", r->timers->waiting);
        return effect_refuse(out, k, LOBBY_DENY_FULL, "full-total", text);
    }
    w = room_waiter_add(r, k->nick, k->real_jid, k->session, k->display_name,
                        k->email, now_ms);
    if (w == NULL) {
        errno = ENOMEM;
        return -1;
    }
    /* The token the verdict for this meeting saw vouches for the knocker;
     * nothing the knock itself carries can. */
    if (f != NULL && f->verified && f->room != NULL && strcmp(f->room, r->jid) == 0 &&
        room_waiter_set_verified(w, f->name, f->email) != 0) {
        room_waiter_remove(r, w);
        errno = ENOMEM;
        return -1;
    }
    /* Only a knock that gets in line counts: refused ones do not keep a
     * knocker out longer. */
    if (rate_count(&lb->knocks_by_identity, identity, now_ms) != 0 ||
        rate_count(&lb->knocks_by_ip, ip, now_ms) != 0)
        return -1;
    lobby_hostless_knock(lb, r, now_ms);
    if (effect_self_waiter(out, r, w, true) != 0)
        return -1;
    if (knock_welcome(lb, r, w, out) != 0)
        return -1;
    return effect_to_moderators(out, r, w, LOBBY_DO_OCCUPANT_PRESENCE);
}

int lobby_on_knock(struct lobby *lb, const struct lobby_knock *k,
                   uint64_t now_ms, struct lobby_actions *out)
{
    struct room *r = lobby_find_lobby(lb, k->lobby_room);
    const char *problem;
    int rc;

    if (r == NULL || !r->enabled)
        return effect_refuse(out, k, LOBBY_DENY_NOT_ALLOWED, "lobby-off",
                             "Room creation is restricted");
    problem = knock_problem(k);
    if (problem != NULL)
        return effect_refuse(out, k, LOBBY_DENY_NOT_ALLOWED, "malformed", problem);
    if (room_is_owner(r, k->real_jid))
        return knock_moderator(r, k, out);
    if (room_waiter_by_jid(r, k->real_jid) == NULL)
        return knock_new(lb, r, k, now_ms, out);
    /* Already waiting: an update that keeps the first nick (the update
     * echoes the self-presence). */
    rc = lobby_on_knock_update(lb, k, now_ms, out);
    return rc < 0 ? -1 : 0;
}

int lobby_on_knock_update(struct lobby *lb, const struct lobby_knock *k,
                          uint64_t now_ms, struct lobby_actions *out)
{
    struct room *r = lobby_find_lobby(lb, k->lobby_room);
    struct room_waiter *w;

    (void)now_ms;
    if (r == NULL || k->real_jid == NULL)
        return 0;
    w = room_waiter_by_jid(r, k->real_jid);
    if (w == NULL)
        return 0;
    if ((k->display_name != NULL &&
         strnlen(k->display_name, LOBBY_NAME_MAX) < LOBBY_NAME_MAX &&
         room_set_string(&w->name, k->display_name) != 0) ||
        (k->email != NULL && strnlen(k->email, LOBBY_EMAIL_MAX) < LOBBY_EMAIL_MAX &&
         room_set_string(&w->email, k->email) != 0)) {
        errno = ENOMEM;
        return -1;
    }
    /* Echo the update to the knocker, as any MUC does. */
    if (effect_self_waiter(out, r, w, false) != 0 ||
        effect_to_moderators(out, r, w, LOBBY_DO_OCCUPANT_PRESENCE) != 0)
        return -1;
    return 1;
}

int lobby_on_leave(struct lobby *lb, const char *lobby_room,
                   const char *real_jid, struct lobby_actions *out)
{
    struct room *r = lobby_find_lobby(lb, lobby_room);
    struct room_waiter *w;
    struct room_moderator *m;

    if (r == NULL || real_jid == NULL)
        return 0;
    w = room_waiter_by_jid(r, real_jid);
    if (w != NULL) {
        if (lobby_actions_push(out, &(struct lobby_effect_src){
                .kind = LOBBY_DO_OCCUPANT_GONE, .is_self = true,
                .room = r->lobby_jid, .to = w->real_jid, .nick = w->nick,
                .subject_jid = w->real_jid }) != 0 ||
            effect_to_moderators(out, r, w, LOBBY_DO_OCCUPANT_GONE) != 0)
            return -1;
        room_waiter_remove(r, w);
        return 1;
    }
    m = room_moderator_by_jid(r, real_jid);
    if (m == NULL)
        return 0;
    if (lobby_actions_push(out, &(struct lobby_effect_src){
            .kind = LOBBY_DO_OCCUPANT_GONE, .is_self = true, .is_moderator = true,
            .room = r->lobby_jid, .to = m->real_jid, .nick = m->nick,
            .subject_jid = m->real_jid }) != 0)
        return -1;
    room_moderator_remove(r, m);
    return 1;
}

static int deny_effects(const struct room *r, const struct room_waiter *w,
                        const char *actor_nick, const char *actor_jid, const char *reason,
                        struct lobby_actions *out)
{
    const struct room_moderator *each;
    struct lobby_effect_src kick = {
        .kind = LOBBY_DO_KICK, .is_self = true, .room = r->lobby_jid,
        .to = w->real_jid, .nick = w->nick, .subject_jid = w->real_jid,
        .actor = actor_nick, .text = reason != NULL ? reason
                                                    : "You have been kicked.",
    };

    if (lobby_actions_push(out, &kick) != 0)
        return -1;
    kick.is_self = false;
    TAILQ_FOREACH(each, &r->moderators, link) {
        kick.to = each->real_jid;
        if (lobby_actions_push(out, &kick) != 0)
            return -1;
    }
    return effect_notify(out, r, w, "LOBBY-ACCESS-DENIED", actor_jid);
}

int lobby_deny_waiter(struct lobby *lb, struct room *r, struct room_waiter *w,
                      const char *actor_nick, const char *actor_jid, const char *reason,
                      uint64_t now_ms, struct lobby_actions *out)
{
    if (deny_effects(r, w, actor_nick, actor_jid, reason, out) != 0)
        return -1;
    if (lb->cfg.deny_cooldown_ms > 0 &&
        room_cooldown_put(r, w->real_jid, now_ms,
                          now_ms + lb->cfg.deny_cooldown_ms) != 0 &&
        r->cooldowns.count < LOBBY_MAX_COOLDOWNS_PER_ROOM) {
        errno = ENOMEM;
        return -1;
    }
    room_waiter_remove(r, w);
    return 1;
}

int lobby_on_deny(struct lobby *lb, const char *lobby_room, const char *nick,
                  const char *actor, const char *reason, uint64_t now_ms,
                  struct lobby_actions *out)
{
    struct room *r = lobby_find_lobby(lb, lobby_room);
    const struct room_moderator *m;
    struct room_waiter *w;

    m = r != NULL && actor != NULL ? room_moderator_by_jid(r, actor) : NULL;
    if (m == NULL || !room_is_owner(r, actor)) {
        errno = EPERM;
        return -1;
    }
    w = nick != NULL ? room_waiter_by_nick(r, nick) : NULL;
    if (w == NULL)
        return 0;
    return lobby_deny_waiter(lb, r, w, m->nick, m->real_jid, reason, now_ms, out);
}


static int relay_to(struct lobby_actions *out, const struct room *r,
                    const char *to, const char *from_nick)
{
    return lobby_actions_push(out, &(struct lobby_effect_src){
        .kind = LOBBY_DO_RELAY, .room = r->lobby_jid, .to = to,
        .nick = from_nick });
}

/* A groupchat: a moderator's reaches everyone, a knocker's only the
 * moderators (and itself). */
static int chat_group(const struct room *r, const char *from_nick,
                      const char *from_jid, bool from_moderator,
                      struct lobby_actions *out)
{
    const struct room_moderator *m;
    const struct room_waiter *w;
    int n = 0;

    TAILQ_FOREACH(m, &r->moderators, link) {
        if (relay_to(out, r, m->real_jid, from_nick) != 0)
            return -1;
        n++;
    }
    if (!from_moderator)
        return relay_to(out, r, from_jid, from_nick) != 0 ? -1 : n + 1;
    TAILQ_FOREACH(w, &r->queue, queue) {
        if (relay_to(out, r, w->real_jid, from_nick) != 0)
            return -1;
        n++;
    }
    return n;
}

int lobby_on_message(struct lobby *lb, const char *lobby_room,
                     const char *real_jid, const char *to_nick,
                     struct lobby_actions *out)
{
    struct room *r = lobby_find_lobby(lb, lobby_room);
    const struct room_moderator *m = NULL, *tm;
    const struct room_waiter *w = NULL, *tw;
    const char *from_nick;

    if (r != NULL && real_jid != NULL) {
        m = room_moderator_by_jid(r, real_jid);
        w = m == NULL ? room_waiter_by_jid(r, real_jid) : NULL;
    }
    if (m == NULL && w == NULL) {
        errno = EPERM;
        return -1;
    }
    from_nick = m != NULL ? m->nick : w->nick;
    if (to_nick == NULL)
        return chat_group(r, from_nick, real_jid, m != NULL, out);
    tm = room_moderator_by_nick(r, to_nick);
    tw = tm == NULL ? room_waiter_by_nick(r, to_nick) : NULL;
    if (tm == NULL && tw == NULL) {
        errno = ENOENT;
        return -1;
    }
    if (m == NULL && tm == NULL) {
        errno = EPERM;
        return -1;
    }
    return relay_to(out, r, tm != NULL ? tm->real_jid : tw->real_jid,
                    from_nick) != 0 ? -1 : 1;
}
