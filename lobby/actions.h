/*
 * actions.h: building struct lobby_actions inside the lobby module. The
 * public part (init, clear) is declared in lobby.h.
 */
#ifndef LOBBYD_LOBBY_ACTIONS_H
#define LOBBYD_LOBBY_ACTIONS_H

#include <stdint.h>

#include "lobby/event.h"

/* The borrowed form of struct lobby_effect that lobby code fills in. */
struct lobby_effect_src {
    enum lobby_effect_kind kind;
    enum lobby_deny deny;
    bool is_moderator;
    bool is_self;
    bool flag;
    const char *event;
    const char *room;
    const char *to;
    const char *nick;
    const char *subject_jid;
    const char *name;
    const char *email;
    enum lobby_verified verified;
    const char *verified_name;
    const char *verified_email;
    const char *actor;
    const char *newjid;
    const char *text;
    const char *ip;
    uint64_t knock_ms;
};

/*
 * Append a copy of 'src' to 'a'. Returns 0, or -1 with errno ENOMEM on
 * allocation failure or E2BIG when 'a' already holds LOBBY_MAX_EFFECTS;
 * 'a' is unchanged on failure.
 */
int lobby_actions_push(struct lobby_actions *a,
                       const struct lobby_effect_src *src);

#endif /* LOBBYD_LOBBY_ACTIONS_H */
