/*
 * expire.c: the lobby's clock. lobby_next_deadline() names the nearest
 * time something ends; lobby_expire() ends it: admissions and cooldowns
 * run out, knock counts and facts age, a knocker nobody let in within
 * max_wait is sent away, and so are the knockers of a meeting that has
 * had no host for end_without_host_after.
 *
 * Deliberately not here: starting those clocks (the events that do it, in
 * lobby.c, knock.c and host.c) and reading the clock: now_ms comes from
 * the caller.
 */
#include <inttypes.h>
#include <stdio.h>

#include "lobby/actions.h"
#include "lobby/effects.h"
#include "lobby/lobby.h"
#include "lobby/rate.h"
#include "lobby/room.h"
#include "lobby/lobby_internal.h"

/* "N minutes" or "N seconds" for 'ms', for the texts knockers read. */
void lobby_duration_words(uint64_t ms, char *out, size_t size)
{
    bool minutes = ms % 60000 == 0;
    uint64_t n = minutes ? ms / 60000 : (ms + 999) / 1000;

    snprintf(out, size, "%" PRIu64 " %s%s", n, minutes ? "minute" : "second", n == 1 ? "" : "s");
}

uint64_t lobby_next_deadline(const struct lobby *lb)
{
    uint64_t t = UINT64_MAX;
    const struct room_admission *a;
    const struct room_cooldown *c;
    const struct room_waiter *w;
    const struct room *r;

    a = TAILQ_FIRST(&lb->timers.approved);
    if (a != NULL && a->deadline_ms < t)
        t = a->deadline_ms;
    a = TAILQ_FIRST(&lb->timers.left);
    if (a != NULL && a->deadline_ms < t)
        t = a->deadline_ms;
    a = TAILQ_FIRST(&lb->timers.sent_back);
    if (a != NULL && a->deadline_ms < t)
        t = a->deadline_ms;
    c = TAILQ_FIRST(&lb->timers.cooldowns);
    if (c != NULL && c->deadline_ms < t)
        t = c->deadline_ms;
    w = TAILQ_FIRST(&lb->timers.waiters);
    if (lb->cfg.max_wait_ms > 0 && w != NULL && w->knock_ms + lb->cfg.max_wait_ms < t)
        t = w->knock_ms + lb->cfg.max_wait_ms;
    r = TAILQ_FIRST(&lb->timers.hostless);
    if (lb->cfg.end_without_host_ms > 0 && r != NULL &&
        r->hostless_ms + lb->cfg.end_without_host_ms < t)
        t = r->hostless_ms + lb->cfg.end_without_host_ms;
    return t;
}

/* A limit ('event') ended the wait of 'w': it is told why ('text'), the
 * moderators see it go. */
static int send_away(struct room_waiter *w, const char *event, const char *text,
                     struct lobby_actions *out)
{
    struct room *r = w->room;

    if (lobby_actions_push(out, &(struct lobby_effect_src){
            .kind = LOBBY_DO_DESTROY, .room = r->lobby_jid, .to = w->real_jid,
            .nick = w->nick, .text = text, .event = event, .knock_ms = w->knock_ms }) != 0 ||
        effect_to_moderators(out, r, w, LOBBY_DO_OCCUPANT_GONE) != 0)
        return -1;
    room_waiter_remove(r, w);
    return 0;
}

/* end_without_host_after: the knockers of the first room on the clock are
 * sent away, as many as 'out' holds. Returns 1 when that room is done
 * (sent away, or its clock no longer applies), 0 when 'out' is full, -1. */
static int end_hostless(struct lobby *lb, struct room *r, struct lobby_actions *out)
{
    struct room_waiter *w, *next;
    char text[LOBBY_TEXT_MAX], d[32];

    if (r->n_aging == 0 || lobby_has_host(lb, r)) {
        room_hostless_stop(r);
        return 1;
    }
    lobby_duration_words(lb->cfg.end_without_host_ms, d, sizeof(d));
    snprintf(text, sizeof(text), "The meeting has had no host for %s, so nobody can let you "
             "in; please try again later.", d);
    for (w = TAILQ_FIRST(&r->queue); w != NULL; w = next) {
        next = TAILQ_NEXT(w, queue);
        if (!w->aging)
            continue;
        if (out->n + 1 + r->n_moderators > LOBBY_MAX_EFFECTS)
            return 0;
        if (send_away(w, "end-without-host", text, out) != 0)
            return -1;
    }
    room_hostless_stop(r);
    return 1;
}

int lobby_expire(struct lobby *lb, uint64_t now_ms, struct lobby_actions *out)
{
    struct room_admission *a;
    struct room_cooldown *c;
    struct room_waiter *w;
    struct room *r;
    char text[LOBBY_TEXT_MAX], d[32];
    int rc;

    while ((a = TAILQ_FIRST(&lb->timers.approved)) != NULL &&
           a->deadline_ms <= now_ms)
        room_admission_remove(a);
    while ((a = TAILQ_FIRST(&lb->timers.left)) != NULL &&
           a->deadline_ms <= now_ms)
        room_admission_remove(a);
    while ((a = TAILQ_FIRST(&lb->timers.sent_back)) != NULL &&
           a->deadline_ms <= now_ms)
        room_admission_remove(a);
    while ((c = TAILQ_FIRST(&lb->timers.cooldowns)) != NULL &&
           c->deadline_ms <= now_ms)
        room_cooldown_remove(c);
    /* Knock counts and facts only free memory when they end: no deadline
     * of their own wakes the daemon (lobby_next_deadline()). */
    rate_expire(&lb->knocks_by_identity, now_ms);
    rate_expire(&lb->knocks_by_ip, now_ms);
    rate_facts_expire(&lb->sent, now_ms);
    lobby_duration_words(lb->cfg.max_wait_ms, d, sizeof(d));
    snprintf(text, sizeof(text), "Nobody let you in within %s; please try again later.", d);
    while (lb->cfg.max_wait_ms > 0 && (w = TAILQ_FIRST(&lb->timers.waiters)) != NULL &&
           w->knock_ms + lb->cfg.max_wait_ms <= now_ms &&
           out->n + 1 + w->room->n_moderators <= LOBBY_MAX_EFFECTS) {
        if (send_away(w, "max-wait", text, out) != 0)
            return -1;
    }
    while (lb->cfg.end_without_host_ms > 0 && (r = TAILQ_FIRST(&lb->timers.hostless)) != NULL &&
           r->hostless_ms + lb->cfg.end_without_host_ms <= now_ms) {
        rc = end_hostless(lb, r, out);
        if (rc != 1)
            return rc;
    }
    return 0;
}
