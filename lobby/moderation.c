/*
 * moderation.c: what a moderator does to a participant who is already
 * inside (send back to the lobby), and what an operator does to a meeting
 * through lobbyd's own commands: admit, deny, send back, lobby on or off,
 * and the list of who waits where. A send-back turns the participant's
 * admission into its opposite (ROOM_ADMISSION_SENT_BACK), so that every
 * join of that session knocks until a moderator lets it in again, and the
 * bridge is told to remove the occupant from the main room.
 */
#include <errno.h>
#include <string.h>

#include "lobby/actions.h"
#include "lobby/lobby.h"
#include "lobby/lobby_internal.h"
#include "lobby/room.h"

#define SENT_BACK_TEXT "A moderator sent you back to the lobby."

/* The meeting 'jid' names: its main room or its lobby room. */
static struct room *find_meeting(const struct lobby *lb, const char *jid)
{
    struct room *r;

    if (jid == NULL)
        return NULL;
    r = lobby_find_main(lb, jid);
    return r != NULL ? r : lobby_find_lobby(lb, jid);
}

/* The send-back itself, once whoever asked may: 'actor' NULL for an operator. */
static int send_back(struct room *r, const char *nick, const char *actor, uint64_t now_ms,
                     struct lobby_actions *out)
{
    struct room_admission *a;

    if (!r->enabled) {
        errno = EINVAL;
        return -1;
    }
    a = room_admission_by_nick(r, nick);
    if (a == NULL) {
        errno = ENOENT;
        return -1;
    }
    if (room_is_owner(r, a->real_jid)) {
        errno = EACCES;
        return -1;
    }
    if (lobby_actions_push(out, &(struct lobby_effect_src){
            .kind = LOBBY_DO_EJECT, .room = r->jid, .to = a->real_jid, .nick = nick,
            .actor = actor, .text = SENT_BACK_TEXT }) != 0)
        return -1;
    /* Only moves the entry between lists: cannot fail. */
    (void)room_admission_put(r, a->real_jid, NULL, ROOM_ADMISSION_SENT_BACK, now_ms,
                             now_ms + LOBBY_SENT_BACK_MS);
    return 1;
}

int lobby_send_back(struct lobby *lb, const char *room, const char *nick,
                    const char *actor, uint64_t now_ms, struct lobby_actions *out)
{
    struct room *r = find_meeting(lb, room);

    if (nick == NULL || actor == NULL) {
        errno = EINVAL;
        return -1;
    }
    if (r == NULL || !room_is_owner(r, actor)) {
        errno = EPERM;
        return -1;
    }
    return send_back(r, nick, actor, now_ms, out);
}

int lobby_operator_send_back(struct lobby *lb, const char *room, const char *nick,
                             const char *operator, uint64_t now_ms, struct lobby_actions *out)
{
    struct room *r = find_meeting(lb, room);

    (void)operator;
    if (r == NULL || nick == NULL) {
        errno = ENOENT;
        return -1;
    }
    return send_back(r, nick, NULL, now_ms, out);
}

/* The meeting 'room' names and its waiter 'nick' ('*w', NULL when nobody
 * waits so), or NULL with errno ENOENT when lobbyd knows no such meeting. */
static struct room *find_waiter(const struct lobby *lb, const char *room, const char *nick,
                                struct room_waiter **w)
{
    struct room *r = find_meeting(lb, room);

    *w = NULL;
    if (r == NULL) {
        errno = ENOENT;
        return NULL;
    }
    if (nick != NULL)
        *w = room_waiter_by_nick(r, nick);
    return r;
}

int lobby_operator_admit(struct lobby *lb, const char *room, const char *nick,
                         const char *operator, uint64_t now_ms, struct lobby_actions *out)
{
    struct room_waiter *w;
    struct room *r = find_waiter(lb, room, nick, &w);

    if (r == NULL)
        return -1;
    if (w == NULL)
        return 0;
    if (lobby_admit_waiter(r, w, operator, now_ms, out) != 0)
        return -1;
    if (lobby_actions_push(out, &(struct lobby_effect_src){
            .kind = LOBBY_DO_INVITE, .room = r->jid, .to = w->real_jid, .nick = w->nick,
            .actor = operator }) != 0)
        return -1;
    return 1;
}

int lobby_operator_deny(struct lobby *lb, const char *room, const char *nick,
                        const char *operator, uint64_t now_ms, struct lobby_actions *out)
{
    struct room_waiter *w;
    struct room *r = find_waiter(lb, room, nick, &w);

    if (r == NULL)
        return -1;
    if (w == NULL)
        return 0;
    return lobby_deny_waiter(lb, r, w, NULL, operator, NULL, now_ms, out);
}

int lobby_operator_set_lobby(struct lobby *lb, const char *room, bool on,
                             const char *operator, uint64_t now_ms, struct lobby_actions *out)
{
    struct room *r = find_meeting(lb, room);

    if (r == NULL) {
        errno = ENOENT;
        return -1;
    }
    if (r->enabled == on) {
        errno = EALREADY;
        return -1;
    }
    /* The bridge switches the room first, so the released walk into a room
     * that lets them. */
    if (lobby_actions_push(out, &(struct lobby_effect_src){
            .kind = LOBBY_DO_SET_LOBBY, .room = r->jid, .flag = on, .actor = operator }) != 0)
        return -1;
    return on ? lobby_on_enable(lb, r->jid, operator, now_ms, out)
              : lobby_on_disable(lb, r->jid, operator, now_ms, out);
}

/* ---- the list ---- */

struct meeting_walk {
    const struct lobby *lb;
    uint64_t now_ms;
    lobby_meeting_fn meeting;
    lobby_waiting_fn waiter;
    void *arg;
};

static int walk_meeting(const struct lobby_hnode *n, void *arg)
{
    const struct meeting_walk *mw = arg;
    const struct room *r = LOBBY_HASH_ENTRY(n, struct room, by_node);
    const struct room_waiter *w;
    struct lobby_meeting m = {
        .room = r->jid, .lobby_room = r->lobby_jid, .lobby_on = r->enabled,
        .host_present = lobby_has_host(mw->lb, r), .waiting = r->n_waiting,
    };
    int rc;

    if (!r->enabled && r->n_waiting == 0)
        return 0;
    if ((rc = mw->meeting(mw->arg, &m)) != 0)
        return rc;
    if (mw->waiter == NULL)
        return 0;
    TAILQ_FOREACH(w, &r->queue, queue) {
        struct lobby_waiting lw = {
            .nick = w->nick, .real_jid = w->real_jid, .name = room_waiter_shown_name(w),
            .email = room_waiter_shown_email(w),
            .waited_ms = mw->now_ms > w->knock_ms ? mw->now_ms - w->knock_ms : 0,
            .approved = w->approved, .verified = w->verified,
        };

        if ((rc = mw->waiter(mw->arg, &m, &lw)) != 0)
            return rc;
    }
    return 0;
}

int lobby_each_meeting(const struct lobby *lb, uint64_t now_ms, lobby_meeting_fn meeting,
                       lobby_waiting_fn waiter, void *arg)
{
    struct meeting_walk mw = { lb, now_ms, meeting, waiter, arg };

    return lobby_hash_each(&lb->rooms, walk_meeting, &mw);
}
