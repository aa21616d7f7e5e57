/*
 * actions.c: the batch of effects an event produces, with owned copies of
 * every string, so the daemon can render stanzas after the lobby state
 * they describe is gone (a kicked knocker is freed before its kick is
 * sent).
 *
 * Deliberately not here: what the effects mean on the wire (xmpp/muc.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lobby/actions.h"
#include "lobby/lobby.h"

void lobby_actions_init(struct lobby_actions *a)
{
    memset(a, 0, sizeof(*a));
}

static void effect_free(struct lobby_effect *e)
{
    free(e->room);
    free(e->to);
    free(e->nick);
    free(e->subject_jid);
    free(e->name);
    free(e->email);
    free(e->verified_name);
    free(e->verified_email);
    free(e->actor);
    free(e->newjid);
    free(e->text);
    free(e->ip);
}

void lobby_actions_clear(struct lobby_actions *a)
{
    size_t i;

    for (i = 0; i < a->n; i++)
        effect_free(&a->v[i]);
    free(a->v);
    lobby_actions_init(a);
}

/* Copy 'src' into '*dst'; NULL stays NULL. Returns false on ENOMEM. */
static bool dup_field(char **dst, const char *src)
{
    *dst = NULL;
    if (src == NULL)
        return true;
    *dst = strdup(src);
    return *dst != NULL;
}

static int actions_reserve(struct lobby_actions *a)
{
    struct lobby_effect *nv;
    size_t cap;

    if (a->n < a->cap)
        return 0;
    if (a->n >= LOBBY_MAX_EFFECTS) {
        errno = E2BIG;
        return -1;
    }
    cap = a->cap == 0 ? 16 : a->cap * 2;
    if (cap > LOBBY_MAX_EFFECTS)
        cap = LOBBY_MAX_EFFECTS;
    nv = realloc(a->v, cap * sizeof(*nv));
    if (nv == NULL) {
        errno = ENOMEM;
        return -1;
    }
    a->v = nv;
    a->cap = cap;
    return 0;
}

int lobby_actions_push(struct lobby_actions *a,
                       const struct lobby_effect_src *src)
{
    struct lobby_effect e;
    bool ok;

    if (actions_reserve(a) != 0)
        return -1;
    memset(&e, 0, sizeof(e));
    e.kind = src->kind;
    e.deny = src->deny;
    e.is_moderator = src->is_moderator;
    e.is_self = src->is_self;
    e.flag = src->flag;
    e.event = src->event;
    e.knock_ms = src->knock_ms;
    e.verified = src->verified;
    ok = dup_field(&e.room, src->room) && dup_field(&e.to, src->to) &&
         dup_field(&e.nick, src->nick) &&
         dup_field(&e.subject_jid, src->subject_jid) &&
         dup_field(&e.name, src->name) && dup_field(&e.email, src->email) &&
         dup_field(&e.verified_name, src->verified_name) &&
         dup_field(&e.verified_email, src->verified_email) &&
         dup_field(&e.actor, src->actor) &&
         dup_field(&e.newjid, src->newjid) && dup_field(&e.text, src->text) &&
         dup_field(&e.ip, src->ip);
    if (!ok) {
        /* dup_field() left every field it did not reach NULL */
        effect_free(&e);
        errno = ENOMEM;
        return -1;
    }
    a->v[a->n++] = e;
    return 0;
}
