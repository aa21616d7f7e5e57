/*
 * effects.h: building the effects of lobby events (lobby/event.h) from
 * the room state. Each returns 0, or -1 with errno set (ENOMEM, or E2BIG
 * when the batch is full); the batch then holds what was built so far.
 */
#ifndef LOBBYD_LOBBY_EFFECTS_H
#define LOBBYD_LOBBY_EFFECTS_H

#include <stdbool.h>

#include "lobby/event.h"
#include "lobby/room.h"

/* An error presence for the lobby-room join 'k'; 'why' (static) names the
 * refusal for counting (lobby_effect.event). */
int effect_refuse(struct lobby_actions *out, const struct lobby_knock *k,
                  enum lobby_deny deny, const char *why, const char *text);

/* A moderator's self-presence in the lobby room (the answer to its join). */
int effect_self(struct lobby_actions *out, const struct room *r,
                const char *to, const char *nick, bool moderator);

/* A knocker's self-presence: 'first' for the answer to its join (status
 * 100), else the echo of an update; both carry its name and e-mail. */
int effect_self_waiter(struct lobby_actions *out, const struct room *r,
                       const struct room_waiter *w, bool first);

/* Knocker 'w' as moderator 'to' sees it. */
int effect_waiter_to(struct lobby_actions *out, const struct room *r,
                     const struct room_waiter *w, const char *to);

/* 'w' (kind OCCUPANT_PRESENCE) or its departure (OCCUPANT_GONE) to every
 * moderator of the lobby room. */
int effect_to_moderators(struct lobby_actions *out, const struct room *r,
                         const struct room_waiter *w,
                         enum lobby_effect_kind kind);

/* The lobby room is gone for 'to'; 'to_main': go to the main room. */
int effect_destroy(struct lobby_actions *out, const struct room *r,
                   const char *to, const char *nick, bool to_main);

/* A lobby-notify 'event' about knocker 'w' in the main room, from the
 * occupant of moderator 'actor'. */
int effect_notify(struct lobby_actions *out, const struct room *r,
                  const struct room_waiter *w, const char *event,
                  const char *actor);

#endif /* LOBBYD_LOBBY_EFFECTS_H */
