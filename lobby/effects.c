/*
 * effects.c: the effects lobby events produce, built from the room state
 * (who is in the lobby room, under which nick, with which real JID). Who
 * sees whom is decided by the callers; this file only fills records.
 */
#include <errno.h>
#include <stdio.h>

#include "lobby/actions.h"
#include "lobby/effects.h"

int effect_refuse(struct lobby_actions *out, const struct lobby_knock *k,
                  enum lobby_deny deny, const char *why, const char *text)
{
    return lobby_actions_push(out, &(struct lobby_effect_src){
        .kind = LOBBY_DO_REFUSE, .deny = deny, .event = why, .room = k->lobby_room,
        .to = k->real_jid, .nick = k->nick, .text = text });
}

/* A self-presence: 'first' marks the answer to the join (status 100 is
 * sent then); a knocker's echo carries its display name and e-mail. */
int effect_self(struct lobby_actions *out, const struct room *r,
                const char *to, const char *nick, bool moderator)
{
    return lobby_actions_push(out, &(struct lobby_effect_src){
        .kind = LOBBY_DO_SELF_PRESENCE, .room = r->lobby_jid, .to = to,
        .nick = nick, .subject_jid = to, .is_moderator = moderator,
        .flag = true });
}

/* A knocker's presence, as every occupant sees it: the name and e-mail
 * its token verified in place of typed ones, and what lobbyd vouches for. */
static struct lobby_effect_src waiter_presence(const struct room *r, const struct room_waiter *w,
                                               enum lobby_effect_kind kind, const char *to)
{
    return (struct lobby_effect_src){
        .kind = kind, .room = r->lobby_jid, .to = to, .nick = w->nick,
        .subject_jid = w->real_jid, .name = room_waiter_shown_name(w),
        .email = room_waiter_shown_email(w),
        .verified = w->verified ? LOBBY_VERIFIED_TOKEN : LOBBY_VERIFIED_NONE,
        .verified_name = w->verified_name, .verified_email = w->verified_email };
}

int effect_self_waiter(struct lobby_actions *out, const struct room *r,
                       const struct room_waiter *w, bool first)
{
    struct lobby_effect_src e = waiter_presence(r, w, LOBBY_DO_SELF_PRESENCE, w->real_jid);

    e.flag = first;
    return lobby_actions_push(out, &e);
}

int effect_waiter_to(struct lobby_actions *out, const struct room *r,
                     const struct room_waiter *w, const char *to)
{
    struct lobby_effect_src e = waiter_presence(r, w, LOBBY_DO_OCCUPANT_PRESENCE, to);

    return lobby_actions_push(out, &e);
}

/* Show 'w' (or its departure) to every moderator of the lobby room. */
int effect_to_moderators(struct lobby_actions *out, const struct room *r,
                         const struct room_waiter *w,
                         enum lobby_effect_kind kind)
{
    const struct room_moderator *m;

    TAILQ_FOREACH(m, &r->moderators, link) {
        if (kind == LOBBY_DO_OCCUPANT_PRESENCE) {
            if (effect_waiter_to(out, r, w, m->real_jid) != 0)
                return -1;
        } else if (lobby_actions_push(out, &(struct lobby_effect_src){
                       .kind = kind, .room = r->lobby_jid, .to = m->real_jid,
                       .nick = w->nick, .subject_jid = w->real_jid,
                       .name = room_waiter_shown_name(w) }) != 0) {
            return -1;
        }
    }
    return 0;
}

int effect_destroy(struct lobby_actions *out, const struct room *r,
                   const char *to, const char *nick, bool to_main)
{
    return lobby_actions_push(out, &(struct lobby_effect_src){
        .kind = LOBBY_DO_DESTROY, .room = r->lobby_jid, .to = to,
        .nick = nick, .newjid = to_main ? r->jid : NULL,
        .text = to_main ? "Lobby room closed." : "Main room destroyed." });
}

/* lobby-notify about waiter 'w' in the main room. */
int effect_notify(struct lobby_actions *out, const struct room *r,
                  const struct room_waiter *w, const char *event,
                  const char *actor)
{
    char occupant[LOBBY_JID_MAX];
    int n;

    n = snprintf(occupant, sizeof(occupant), "%s/%s", r->lobby_jid, w->nick);
    if (n < 0 || (size_t)n >= sizeof(occupant)) {
        errno = E2BIG;
        return -1;
    }
    return lobby_actions_push(out, &(struct lobby_effect_src){
        .kind = LOBBY_DO_NOTIFY_MAIN, .event = event, .room = r->jid,
        .nick = w->nick, .subject_jid = w->real_jid, .name = room_waiter_shown_name(w),
        .actor = actor, .text = occupant, .knock_ms = w->knock_ms });
}
