/*
 * moderation.c: what a moderator does to a participant who is already
 * inside: send them back to the lobby. The participant's admission turns
 * into its opposite (ROOM_ADMISSION_SENT_BACK), so that every join of that
 * session knocks until a moderator lets it in again, and the bridge is
 * told to remove the occupant from the main room.
 */
#include <errno.h>
#include <string.h>

#include "lobby/actions.h"
#include "lobby/lobby.h"
#include "lobby/lobby_internal.h"
#include "lobby/room.h"

#define SENT_BACK_TEXT "A moderator sent you back to the lobby."

int lobby_send_back(struct lobby *lb, const char *room, const char *nick,
                    const char *actor, uint64_t now_ms, struct lobby_actions *out)
{
    struct room *r;
    struct room_admission *a;

    if (room == NULL || nick == NULL || actor == NULL) {
        errno = EINVAL;
        return -1;
    }
    r = lobby_find_main(lb, room);
    if (r == NULL)
        r = lobby_find_lobby(lb, room);
    if (r == NULL || !room_is_owner(r, actor)) {
        errno = EPERM;
        return -1;
    }
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
