/*
 * host.c: who hosts a main room, and the settings an owner's token gave
 * it. A host is an owner present in the main room other than a
 * service_jid (lobby_has_host()); the bridge reports owners coming and
 * going (lobby_on_owner()). When the last host leaves with knockers
 * waiting, each is told and the clock of end_without_host_after starts
 * (expire.c ends it); a knock into a room with no host starts it too.
 *
 * An owner token's context.room gives the room a lobby message, a
 * before_host and an allow list (the last only from an issuer in
 * room_allow_issuers). A room with its own before_host or allow list
 * outlives Prosody's room: it is replaced by a fresh room holding only
 * those, on the lobby's kept list (at most LOBBY_MAX_KEPT_ROOMS, oldest
 * freed first).
 *
 * Deliberately not here: the join rules that read those settings
 * (policy.c), the containers that hold them (room.c), I/O and the clock.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lobby/actions.h"
#include "lobby/jid.h"
#include "lobby/lobby.h"
#include "lobby/policy.h"
#include "lobby/room.h"
#include "lobby/lobby_internal.h"

void lobby_room_before_host(struct lobby *lb, struct room *r, enum lobby_before_host v)
{
    r->has_before_host = true;
    r->before_host = v;
    if (v != LOBBY_BEFORE_HOST_ALLOW)
        lb->strict_rooms = true;
}

void lobby_keep_room(struct lobby *lb, struct room *r)
{
    struct room *old;

    if (r->kept)
        return;
    r->kept = true;
    TAILQ_INSERT_TAIL(&lb->kept, r, kept_link);
    lb->n_kept++;
    if (lb->n_kept <= LOBBY_MAX_KEPT_ROOMS)
        return;
    old = TAILQ_FIRST(&lb->kept);
    TAILQ_REMOVE(&lb->kept, old, kept_link);
    lb->n_kept--;
    lobby_hash_remove(&lb->rooms, &old->by_node);
    room_free(old);
}

static bool issuer_trusted(const struct lobby *lb, const char *iss)
{
    for (size_t i = 0; iss != NULL && i < lb->cfg.n_room_allow_issuers; i++) {
        if (strcmp(lb->cfg.room_allow_issuers[i], iss) == 0)
            return true;
    }
    return false;
}

static bool allow_fits(const struct lobby_join *join)
{
    if (join->n_token_room_allow > LOBBY_ROOM_ALLOW_MAX)
        return false;
    for (size_t i = 0; i < join->n_token_room_allow; i++) {
        if (join->token_room_allow[i] == NULL ||
            strnlen(join->token_room_allow[i], LOBBY_ALLOW_ENTRY_MAX) >= LOBBY_ALLOW_ENTRY_MAX)
            return false;
    }
    return true;
}

/*
 * What an owner token's context.room says of the room's own settings:
 * the lobby message, before_host, and the allow list, which counts only
 * from an issuer in room_allow_issuers. The latest token that says
 * something decides. Notes in 'v' what changed. Returns 0 or -1 (ENOMEM).
 */
int lobby_owner_settings(struct lobby *lb, struct room *r, const struct lobby_join *join,
                         struct lobby_verdict *v)
{
    if (join->token_lobby_message != NULL && room_set_message(r, join->token_lobby_message) != 0)
        return -1;
    if (join->has_token_before_host && join->token_before_host <= LOBBY_BEFORE_HOST_DENY &&
        (!r->has_before_host || r->before_host != join->token_before_host)) {
        lobby_room_before_host(lb, r, join->token_before_host);
        v->before_host_set = true;
    }
    if (!join->has_token_room_allow)
        return 0;
    if (!issuer_trusted(lb, join->token_iss)) {
        if (!r->allow_untrusted_noted)
            v->allow_note = LOBBY_ALLOW_NOTE_UNTRUSTED;
        r->allow_untrusted_noted = true;
        return 0;
    }
    if (!allow_fits(join)) {
        v->allow_note = LOBBY_ALLOW_NOTE_TOO_BIG;
        return 0;
    }
    if (room_allow_equals(r, join->token_room_allow, join->n_token_room_allow))
        return 0;
    if (room_set_allow(r, join->token_room_allow, join->n_token_room_allow) != 0)
        return -1;
    v->allow_note = LOBBY_ALLOW_NOTE_SET;
    return 0;
}

/*
 * The call in 'r' is over, but an owner token gave the meeting settings of
 * its own (before_host, an allow list): the next call of the same room
 * starts from them, as a new room otherwise would. 'r' is replaced by a
 * fresh room holding only those, on the kept list. Returns 0, or -1 when
 * there is nothing to keep or no memory to keep it ('r' untouched).
 */
int lobby_keep_settings(struct lobby *lb, struct room *r)
{
    struct lobby_jid_span node, domain, resource;
    struct room *k;

    if (!r->has_before_host && r->n_allow == 0)
        return -1;
    k = room_new(r->jid, lb->cfg.lobby_domain, lb->cfg.hash_seed, &lb->timers);
    if (k == NULL || !lobby_jid_split(k->jid, &node, &domain, &resource)) {
        room_free(k);
        return -1;
    }
    k->has_before_host = r->has_before_host;
    k->before_host = r->before_host;
    k->allow = r->allow;
    k->n_allow = r->n_allow;
    r->allow = NULL;
    r->n_allow = 0;
    if (r->kept) {
        TAILQ_REMOVE(&lb->kept, r, kept_link);
        lb->n_kept--;
    }
    lobby_hash_remove(&lb->rooms, &r->by_node);
    room_free(r);
    lobby_hash_insert(&lb->rooms, &k->by_node, lobby_hash_key(&lb->rooms, node.p, node.len));
    lobby_keep_room(lb, k);
    return 0;
}

/* 'real_jid' stops moderating the lobby room, if it does: it no longer
 * sees knockers (stock Jitsi filters on the main-room affiliation). */
static int drop_moderator(struct room *r, const char *real_jid,
                          struct lobby_actions *out)
{
    struct room_moderator *m = room_moderator_by_jid(r, real_jid);

    if (m == NULL)
        return 0;
    if (lobby_actions_push(out, &(struct lobby_effect_src){
            .kind = LOBBY_DO_OCCUPANT_GONE, .is_self = true,
            .is_moderator = true, .room = r->lobby_jid, .to = m->real_jid,
            .nick = m->nick, .subject_jid = m->real_jid }) != 0)
        return -1;
    room_moderator_remove(r, m);
    return 0;
}

struct host_walk {
    const struct lobby_config *cfg;
};

static int is_host(const struct lobby_hnode *n, void *arg)
{
    const struct host_walk *hw = arg;
    const struct room_owner *o = LOBBY_HASH_ENTRY(n, struct room_owner, by_jid);

    return !policy_is_service(hw->cfg, o->real_jid, NULL);
}

bool lobby_has_host(const struct lobby *lb, const struct room *r)
{
    struct host_walk hw = { .cfg = &lb->cfg };

    return lobby_hash_each(&r->owners, is_host, &hw) != 0;
}

void lobby_hostless_knock(const struct lobby *lb, struct room *r, uint64_t now_ms)
{
    /* The knock just added is the only one not yet let in: a clock left
     * from knockers who have gone since starts again. */
    if (lb->cfg.end_without_host_ms == 0 || (r->hostless && r->n_aging > 1) ||
        lobby_has_host(lb, r))
        return;
    room_hostless_start(r, now_ms);
}

/* The notice knockers get when the last host leaves: they stay, and how
 * long they may wait without one. */
static void hostless_notice(const struct lobby *lb, char *text, size_t size)
{
    char d[32];
    int w;

    w = snprintf(text, size, "The host has left the meeting. Please keep waiting: a host "
                 "can still let you in.");
    if (lb->cfg.end_without_host_ms == 0 || w < 0 || (size_t)w >= size)
        return;
    lobby_duration_words(lb->cfg.end_without_host_ms, d, sizeof(d));
    snprintf(text + w, size - (size_t)w, " If no host is back within %s, the wait ends.", d);
}

/*
 * Host 'real_jid' is no longer in main room 'r': when it was the last one,
 * every knocker not yet let in is told, and the clock of
 * end_without_host_after starts. Returns 0, or -1.
 */
static int host_gone(struct lobby *lb, struct room *r, const char *real_jid, uint64_t now_ms,
                     struct lobby_actions *out)
{
    const struct room_waiter *w;
    char text[LOBBY_TEXT_MAX];

    if (policy_is_service(&lb->cfg, real_jid, NULL) || r->n_aging == 0 ||
        lobby_has_host(lb, r))
        return 0;
    hostless_notice(lb, text, sizeof(text));
    TAILQ_FOREACH(w, &r->queue, queue) {
        if (w->aging && lobby_actions_push(out, &(struct lobby_effect_src){
                .kind = LOBBY_DO_NOTICE, .room = r->lobby_jid, .to = w->real_jid,
                .nick = w->nick, .text = text }) != 0)
            return -1;
    }
    if (lb->cfg.end_without_host_ms > 0)
        room_hostless_start(r, now_ms);
    return 0;
}

int lobby_on_owner(struct lobby *lb, const char *room, const char *real_jid,
                   bool present, uint64_t now_ms, struct lobby_actions *out)
{
    struct room *r = present ? lobby_find_or_add(lb, room) : lobby_find_main(lb, room);
    bool was = r != NULL && room_is_owner(r, real_jid);

    if (r == NULL)
        return present ? -1 : 0;
    if (room_owner_set(r, real_jid, present) != 0) {
        errno = r->owners.count >= LOBBY_MAX_OWNERS_PER_ROOM ? ENOSPC : ENOMEM;
        return -1;
    }
    /* before_host: a host has come (a service identity is nobody's host). */
    if (present && !policy_is_service(&lb->cfg, real_jid, NULL)) {
        r->hosted = true;
        room_hostless_stop(r);
    }
    if (present)
        return 0;
    if (drop_moderator(r, real_jid, out) != 0)
        return -1;
    return was ? host_gone(lb, r, real_jid, now_ms, out) : 0;
}
