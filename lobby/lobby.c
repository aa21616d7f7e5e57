/*
 * lobby.c: the stateful side of the lobby module: the daemon's one
 * struct lobby, its private copy of the configuration, and the event
 * entry points of lobby.h.
 *
 * Each event gathers the facts that need state, lets policy.c decide
 * where a decision is needed, and records the outcome.
 *
 * Deliberately not here: rule logic (policy.c), per-room bookkeeping
 * (room.c), the lobby room's own events (knock.c), who hosts a room and
 * the settings an owner's token gave it (host.c), deadlines and what
 * ends at them (expire.c), the effects they produce (effects.c), I/O,
 * logging and the clock; now_ms comes from the caller.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lobby/actions.h"
#include "lobby/jid.h"
#include "lobby/lobby.h"
#include "lobby/policy.h"
#include "lobby/room.h"
#include "lobby/effects.h"
#include "lobby/lobby_internal.h"

static void room_drain(struct lobby_hnode *n, void *arg)
{
    (void)arg;
    room_free(LOBBY_HASH_ENTRY(n, struct room, by_node));
}

/* Free the first 'n' strings of 'v', and 'v'. */
static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        free(v[i]);
    free(v);
}

/* Copy the 'n' strings of 'src' into a new array at *dst, counting each
 * copy in *count as it is made, so that free_strings(*dst, *count) frees
 * what a failure left. Returns 0, or -1 when out of memory. */
static int copy_strings(char ***dst, size_t *count, const char *const *src, size_t n)
{
    if (n > 0 && (*dst = calloc(n, sizeof(char *))) == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (((*dst)[i] = strdup(src[i])) == NULL)
            return -1;
        (*count)++;
    }
    return 0;
}

void lobby_free(struct lobby *lb)
{
    if (lb == NULL)
        return;
    lobby_hash_drain(&lb->rooms, room_drain, NULL);
    lobby_hash_release(&lb->rooms);
    rate_release(&lb->knocks_by_identity);
    rate_release(&lb->knocks_by_ip);
    rate_facts_release(&lb->sent);
    free_strings(lb->service_jids, lb->cfg.n_service_jids);
    free_strings(lb->allow_issuers, lb->cfg.n_room_allow_issuers);
    free(lb->admit);
    free(lb->lobby_message);
    free(lb->lobby_domain);
    free(lb);
}

struct lobby *lobby_new(const struct lobby_config *cfg)
{
    struct lobby *lb = NULL, *ret = NULL;
    size_t i;

    if (lobby_config_problem(cfg) != NULL)
        goto out;
    lb = calloc(1, sizeof(*lb));
    if (lb == NULL)
        goto out;
    lb->cfg = *cfg;
    lb->cfg.n_service_jids = 0;        /* counts copies made so far */
    lb->cfg.n_room_allow_issuers = 0;  /* likewise */
    room_timers_init(&lb->timers);
    TAILQ_INIT(&lb->kept);
    if (lobby_hash_init(&lb->rooms, cfg->hash_seed) != 0 ||
        rate_init(&lb->knocks_by_identity, cfg->hash_seed, cfg->knock_limit,
                  cfg->knock_window_ms, LOBBY_MAX_KNOCK_KEYS) != 0 ||
        rate_init(&lb->knocks_by_ip, cfg->hash_seed, cfg->knock_limit_per_ip,
                  cfg->knock_ip_window_ms, LOBBY_MAX_KNOCK_KEYS) != 0 ||
        rate_facts_init(&lb->sent, cfg->hash_seed, LOBBY_MAX_KNOCK_FACTS) != 0)
        goto out;
    lb->lobby_domain = strdup(cfg->lobby_domain);
    if (lb->lobby_domain == NULL)
        goto out;
    if (copy_strings(&lb->service_jids, &lb->cfg.n_service_jids, cfg->service_jids,
                     cfg->n_service_jids) != 0 ||
        copy_strings(&lb->allow_issuers, &lb->cfg.n_room_allow_issuers,
                     cfg->room_allow_issuers, cfg->n_room_allow_issuers) != 0)
        goto out;
    if (cfg->n_admit_rules > 0) {
        char why[8];

        lb->admit = calloc(cfg->n_admit_rules, sizeof(*lb->admit));
        if (lb->admit == NULL)
            goto out;
        for (i = 0; i < cfg->n_admit_rules; i++)
            (void)lobby_admit_parse(cfg->admit_rules[i], &lb->admit[i], why, sizeof(why));
    }
    if (cfg->lobby_message != NULL && (lb->lobby_message = strdup(cfg->lobby_message)) == NULL)
        goto out;
    lb->cfg.lobby_message = lb->lobby_message;
    lb->cfg.lobby_domain = lb->lobby_domain;
    lb->cfg.service_jids = (const char *const *)lb->service_jids;
    lb->cfg.room_allow_issuers = (const char *const *)lb->allow_issuers;
    lb->cfg.admit_rules = NULL;        /* the texts are the caller's; lb->admit holds them */
    ret = lb;
    lb = NULL;
out:
    lobby_free(lb);
    return ret;
}

/* ---- rooms ---- */

/* The node of 'jid' if its domain is 'domain' (or any, when NULL). */
static bool room_node(const char *jid, const char *domain,
                      struct lobby_jid_span *node)
{
    struct lobby_jid_span d, res;

    if (!lobby_jid_split(jid, node, &d, &res) || node->len == 0 ||
        res.len != 0)
        return false;
    if (domain != NULL &&
        (strlen(domain) != d.len || strncasecmp(domain, d.p, d.len) != 0))
        return false;
    return true;
}

static struct room *room_by_node(const struct lobby *lb,
                                 const struct lobby_jid_span *node)
{
    struct lobby_hnode *n;
    struct room *r;

    n = lobby_hash_first(&lb->rooms,
                         lobby_hash_key(&lb->rooms, node->p, node->len));
    for (; n != NULL; n = lobby_hash_next(n)) {
        r = LOBBY_HASH_ENTRY(n, struct room, by_node);
        if (strncasecmp(r->jid, node->p, node->len) == 0 &&
            r->jid[node->len] == '@')
            return r;
    }
    return NULL;
}

/* The state of main room 'jid', or NULL if lobbyd keeps none. */
struct room *lobby_find_main(const struct lobby *lb, const char *jid)
{
    struct lobby_jid_span node;
    struct room *r;

    if (!room_node(jid, NULL, &node))
        return NULL;
    r = room_by_node(lb, &node);
    if (r == NULL || !lobby_jid_same_bare(r->jid, jid))
        return NULL;
    return r;
}

/* The state behind lobby room 'jid', or NULL. */
struct room *lobby_find_lobby(const struct lobby *lb, const char *jid)
{
    struct lobby_jid_span node;

    if (!room_node(jid, lb->cfg.lobby_domain, &node))
        return NULL;
    return room_by_node(lb, &node);
}

/* The state of main room 'jid', created if needed; NULL with errno set. */
struct room *lobby_find_or_add(struct lobby *lb, const char *jid)
{
    struct lobby_jid_span node;
    struct room *r = lobby_find_main(lb, jid);

    if (r != NULL) {
        /* Something happens in it again: it is a live room, not a kept one. */
        if (r->kept) {
            TAILQ_REMOVE(&lb->kept, r, kept_link);
            lb->n_kept--;
            r->kept = false;
        }
        return r;
    }
    if (!room_node(jid, NULL, &node)) {
        errno = EINVAL;
        return NULL;
    }
    if (room_by_node(lb, &node) != NULL || lb->rooms.count >= LOBBY_MAX_ROOMS) {
        errno = ENOSPC;            /* same node on another MUC, or full */
        return NULL;
    }
    r = room_new(jid, lb->cfg.lobby_domain, lb->cfg.hash_seed, &lb->timers);
    if (r == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    lobby_hash_insert(&lb->rooms, &r->by_node,
                      lobby_hash_key(&lb->rooms, node.p, node.len));
    return r;
}

/* ---- main-room joins ---- */

static void verdict_internal_error(struct lobby_verdict *out, int err)
{
    memset(out, 0, sizeof(*out));
    out->action = LOBBY_DENY;
    out->deny = LOBBY_DENY_INTERNAL;
    out->rule = "internal-error";
    /* Cannot truncate: the longest message is far below LOBBY_TEXT_MAX. */
    (void)snprintf(out->text, sizeof(out->text), "lobbyd: %s",
                   err == ENOMEM ? "out of memory" : "internal error");
}

/* What the state knows about this session (policy_facts.admission). */
static void join_admission(const struct room *r, const char *real_jid,
                           uint64_t now_ms, struct policy_facts *f)
{
    const struct room_admission *a;

    if (r == NULL || real_jid == NULL)
        return;
    a = room_admission_find(r, real_jid);
    if (a == NULL || a->state == ROOM_ADMISSION_PENDING ||
        (a->state != ROOM_ADMISSION_PRESENT && now_ms >= a->deadline_ms))
        return;
    if (a->state == ROOM_ADMISSION_SENT_BACK) {
        f->sent_back = true;
    } else if (a->state == ROOM_ADMISSION_LEFT) {
        f->admission = POLICY_ADMISSION_REJOIN;
        f->away_ms = now_ms - a->since_ms;
    } else {
        f->admission = POLICY_ADMISSION_SESSION;
    }
}

/* Record what the verdict means for the state; *recorded gets the room when
 * one was recorded (found or added). Returns 0 or -1 (errno). */
static int join_record(struct lobby *lb, const struct lobby_join *join,
                       struct lobby_verdict *v, uint64_t now_ms, const struct room **recorded)
{
    struct room *r;

    if (v->action != LOBBY_ALLOW && v->action != LOBBY_KNOCK)
        return 0;
    if (v->action == LOBBY_ALLOW && join->real_jid == NULL)
        return 0;
    r = lobby_find_or_add(lb, join->room);
    if (r == NULL)
        return errno == ENOMEM ? -1 : 0;
    *recorded = r;
    if (v->action == LOBBY_KNOCK) {
        /* Prosody's room is members-only: its lobby room must take knocks. */
        r->enabled = true;
        return join->real_jid != NULL ? lobby_knock_sent(lb, join, now_ms) : 0;
    }
    /* The bridge makes the room members-only before the join goes in. */
    if (v->lobby_switch == LOBBY_SWITCH_ON)
        r->enabled = true;
    if (join->token == LOBBY_TOKEN_VALID && join->token_owner) {
        r->settled = true;
        if (lobby_owner_settings(lb, r, join, v) != 0)
            return -1;
    }
    /* before_host: the host is on its way in. Set now, not when Prosody
     * confirms, so the guests it releases do not wait for it again. */
    if ((join->token == LOBBY_TOKEN_VALID && join->token_owner) ||
        join->affiliation == LOBBY_AFF_OWNER || join->affiliation == LOBBY_AFF_ADMIN)
        r->hosted = r->hosted || !policy_is_service(&lb->cfg, join->real_jid, NULL);
    /* The verdict lets the session try; Prosody may still refuse it (a
     * wrong password, a nick conflict, a full room). Only the bridge's
     * <occupant event='joined'> makes it an admission (lobby_on_occupant_
     * joined); until then an existing admission keeps its state and a new
     * one is PENDING, which admits nobody. A full admission table only
     * costs a later rejoin; the join stands. */
    if (room_admission_find(r, join->real_jid) != NULL)
        return 0;
    if (room_admission_put(r, join->real_jid, join->session,
                           ROOM_ADMISSION_PENDING, now_ms,
                           now_ms + LOBBY_ADMIT_JOIN_MS) != 0 &&
        r->admissions.count < LOBBY_MAX_ADMITTED_PER_ROOM)
        return -1;
    return 0;
}

/* The facts room 'r' (NULL: none kept) contributes to a decision. */
static void room_facts(const struct lobby *lb, const struct room *r, struct policy_facts *f)
{
    f->settled = r != NULL && r->settled;
    f->hosted = r != NULL && r->hosted;
    f->waiting = r != NULL ? r->n_waiting : 0;
    f->held = r != NULL && r->enabled;
    f->has_room_before_host = r != NULL && r->has_before_host;
    f->room_before_host = r != NULL ? r->before_host : LOBBY_BEFORE_HOST_ALLOW;
    f->allow = r != NULL ? (const char *const *)r->allow : NULL;
    f->n_allow = r != NULL ? r->n_allow : 0;
    f->strict_rooms = lb->strict_rooms;
}

int lobby_on_join(struct lobby *lb, const struct lobby_join *join,
                  uint64_t now_ms, struct lobby_verdict *out)
{
    struct policy_facts f = {
        .cfg = &lb->cfg,
        .join = join,
        .admission = POLICY_ADMISSION_NONE,
        .admit = lb->admit,
        .n_admit = lb->cfg.n_admit_rules,
    };
    const struct room *r;

    if (join == NULL) {
        verdict_internal_error(out, EINVAL);
        return -1;
    }
    r = lobby_find_main(lb, join->room);
    room_facts(lb, r, &f);
    join_admission(r, join->real_jid, now_ms, &f);
    policy_decide(&f, out);
    if (join_record(lb, join, out, now_ms, &r) != 0) {
        verdict_internal_error(out, ENOMEM);
        return -1;
    }
    /* This verdict may have given a room its own before_host, or its host. */
    room_facts(lb, r, &f);
    out->ask = policy_ask_scope(&lb->cfg, lb->strict_rooms);
    out->ask_room = policy_room_waits_for_host(policy_before_host(&f), f.hosted);
    return 0;
}

bool lobby_asks_display_name(const struct lobby *lb, const struct lobby_join *join,
                             uint64_t now_ms, const char **rule)
{
    const struct room *r = join != NULL && join->room != NULL ? lobby_find_main(lb, join->room) : NULL;
    struct lobby_join j;
    struct lobby_verdict v;
    struct policy_facts f = {
        .cfg = &lb->cfg,
        .join = &j,
        .admission = POLICY_ADMISSION_NONE,
        .admit = lb->admit,
        .n_admit = lb->cfg.n_admit_rules,
    };

    if (rule != NULL)
        *rule = "no-lobby";
    if (r == NULL || !r->enabled)
        return false;
    j = *join;
    j.room_exists = true;
    j.members_only = true;
    j.display_name = NULL;
    f.has_room_before_host = r->has_before_host;
    f.room_before_host = r->before_host;
    f.allow = (const char *const *)r->allow;
    f.n_allow = r->n_allow;
    join_admission(r, j.real_jid, now_ms, &f);
    policy_decide(&f, &v);
    if (rule != NULL)
        *rule = v.rule;
    return v.action == LOBBY_NEED_NAME;
}

/* ---- lobby on and off ---- */

int lobby_on_enable(struct lobby *lb, const char *room, const char *actor,
                    uint64_t now_ms, struct lobby_actions *out)
{
    struct room *r = lobby_find_or_add(lb, room);

    (void)now_ms;
    if (r == NULL)
        return -1;
    if (r->enabled)
        return 0;
    r->enabled = true;
    return lobby_actions_push(out, &(struct lobby_effect_src){
        .kind = LOBBY_DO_NOTIFY_MAIN, .event = "LOBBY-ENABLED", .flag = true,
        .room = r->jid, .actor = actor });
}

/* Tell every lobby-room occupant the room is gone and forget them. */
static int lobby_empty(struct lobby *lb, struct room *r, bool to_main,
                       uint64_t now_ms, struct lobby_actions *out)
{
    struct room_waiter *w;
    struct room_moderator *m;
    int n = 0;

    while ((w = TAILQ_FIRST(&r->queue)) != NULL) {
        if (effect_destroy(out, r, w->real_jid, w->nick, to_main) != 0)
            return -1;
        /* The released knocker walks in even if the lobby comes back. */
        if (to_main && room_admission_put(r, w->real_jid, w->session,
                                          ROOM_ADMISSION_APPROVED, now_ms,
                                          now_ms + LOBBY_ADMIT_JOIN_MS) != 0 &&
            r->admissions.count < LOBBY_MAX_ADMITTED_PER_ROOM)
            return -1;
        room_waiter_remove(r, w);
        n++;
    }
    while ((m = TAILQ_FIRST(&r->moderators)) != NULL) {
        if (effect_destroy(out, r, m->real_jid, m->nick, to_main) != 0)
            return -1;
        room_moderator_remove(r, m);
    }
    (void)lb;
    return n;
}

int lobby_on_disable(struct lobby *lb, const char *room, const char *actor,
                     uint64_t now_ms, struct lobby_actions *out)
{
    struct room *r = lobby_find_main(lb, room);
    int n;

    if (r == NULL || !r->enabled)
        return 0;
    r->enabled = false;
    n = lobby_empty(lb, r, true, now_ms, out);
    if (n < 0)
        return -1;
    if (lobby_actions_push(out, &(struct lobby_effect_src){
            .kind = LOBBY_DO_NOTIFY_MAIN, .event = "LOBBY-ENABLED",
            .flag = false, .room = r->jid, .actor = actor }) != 0)
        return -1;
    return n;
}

int lobby_on_room_destroyed(struct lobby *lb, const char *room,
                            struct lobby_actions *out)
{
    struct room *r = lobby_find_main(lb, room);
    size_t told;
    int n;

    if (r == NULL)
        return 0;
    told = r->n_waiting + r->n_moderators;
    n = lobby_empty(lb, r, false, 0, out);
    if (n >= 0 && lobby_keep_settings(lb, r) == 0)
        return (int)told;
    if (r->kept) {
        TAILQ_REMOVE(&lb->kept, r, kept_link);
        lb->n_kept--;
    }
    lobby_hash_remove(&lb->rooms, &r->by_node);
    room_free(r);
    return n < 0 ? -1 : (int)told;
}

/* ---- approve and deny ---- */

int lobby_admit_waiter(struct room *r, struct room_waiter *w, const char *actor,
                       uint64_t now_ms, struct lobby_actions *out)
{
    if (room_admission_put(r, w->real_jid, w->session,
                           ROOM_ADMISSION_APPROVED, now_ms,
                           now_ms + LOBBY_ADMIT_JOIN_MS) != 0) {
        errno = r->admissions.count >= LOBBY_MAX_ADMITTED_PER_ROOM ? ENOSPC
                                                                   : ENOMEM;
        return -1;
    }
    w->approved = true;
    room_waiter_stop_aging(w);
    return effect_notify(out, r, w, "LOBBY-ACCESS-GRANTED", actor);
}

int lobby_on_admit(struct lobby *lb, const char *room, const char *invitee,
                   const char *actor, uint64_t now_ms,
                   struct lobby_actions *out)
{
    struct lobby_jid_span node, domain, res;
    struct room *r = lobby_find_main(lb, room);
    struct room_waiter *w;
    int n = 0;

    if (!lobby_jid_split(invitee, &node, &domain, &res))
        return 0;
    /* Only an owner of the main room may approve (stock Prosody: in a
     * members-only room only admins and owners may invite). A room lobbyd
     * does not know has no owner it could check. */
    if (r == NULL || actor == NULL || !room_is_owner(r, actor)) {
        errno = EPERM;
        return -1;
    }
    if (res.len != 0) {
        w = room_waiter_by_jid(r, invitee);
        if (w != NULL)
            return lobby_admit_waiter(r, w, actor, now_ms, out) != 0 ? -1 : 1;
        /* A direct invite of a session that is not waiting. */
        return room_admission_put(r, invitee, NULL, ROOM_ADMISSION_APPROVED,
                                  now_ms, now_ms + LOBBY_ADMIT_JOIN_MS) != 0
                   ? -1 : 0;
    }
    for (w = room_waiter_first_bare(r, invitee); w != NULL;
         w = room_waiter_next_bare(w, invitee)) {
        if (lobby_admit_waiter(r, w, actor, now_ms, out) != 0)
            return -1;
        n++;
    }
    return n;
}

/* ---- main-room mirror ---- */

int lobby_on_occupant_joined(struct lobby *lb, const char *room,
                             const char *real_jid, const char *nick, bool owner,
                             uint64_t now_ms, struct lobby_actions *out)
{
    struct room *r = lobby_find_or_add(lb, room);
    struct room_admission *a;

    if (r == NULL || real_jid == NULL)
        return r == NULL ? -1 : 0;
    if (lobby_on_owner(lb, room, real_jid, owner, now_ms, out) != 0)
        return -1;
    /* A full admission table only costs a later rejoin. */
    if (room_admission_put(r, real_jid, NULL, ROOM_ADMISSION_PRESENT, now_ms,
                           UINT64_MAX) != 0) {
        if (r->admissions.count < LOBBY_MAX_ADMITTED_PER_ROOM) {
            errno = ENOMEM;
            return -1;
        }
        return 0;
    }
    a = room_admission_find(r, real_jid);
    if (room_admission_set_nick(a, nick) != 0) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

int lobby_on_occupant_left(struct lobby *lb, const char *room,
                           const char *real_jid, bool removed, uint64_t now_ms,
                           struct lobby_actions *out)
{
    struct room *r = lobby_find_main(lb, room);
    struct room_admission *a;

    if (r == NULL || real_jid == NULL)
        return 0;
    if (lobby_on_owner(lb, room, real_jid, false, now_ms, out) != 0)
        return -1;
    a = room_admission_find(r, real_jid);
    if (a == NULL)
        return 0;
    /* Sent back to the lobby: the mark stays until a moderator lets it in. */
    if (a->state == ROOM_ADMISSION_SENT_BACK)
        return 0;
    /* Kicked (or the room went away): the admission is revoked, so a
     * kicked guest knocks again. Otherwise the rejoin window starts. */
    if (removed || a->state == ROOM_ADMISSION_PENDING || lb->cfg.rejoin_window_ms == 0) {
        room_admission_remove(a);
        return 0;
    }
    /* Only moves the entry between lists: cannot fail. */
    (void)room_admission_put(r, real_jid, NULL, ROOM_ADMISSION_LEFT, now_ms,
                             now_ms + lb->cfg.rejoin_window_ms);
    return 0;
}

struct session_walk {
    lobby_session_fn fn;
    void *arg;
    const struct room *room;
};

static int walk_owner(const struct lobby_hnode *n, void *arg)
{
    const struct session_walk *sw = arg;
    const struct room_owner *o = LOBBY_HASH_ENTRY(n, struct room_owner, by_jid);

    return sw->fn(sw->arg, sw->room->jid, NULL, o->real_jid);
}

static int walk_admission(const struct lobby_hnode *n, void *arg)
{
    const struct session_walk *sw = arg;
    const struct room_admission *a = LOBBY_HASH_ENTRY(n, struct room_admission, by_jid);

    if (a->state != ROOM_ADMISSION_PRESENT || room_is_owner(sw->room, a->real_jid))
        return 0;
    return sw->fn(sw->arg, sw->room->jid, NULL, a->real_jid);
}

static int walk_room(const struct lobby_hnode *n, void *arg)
{
    struct session_walk *sw = arg;
    const struct room *r = LOBBY_HASH_ENTRY(n, struct room, by_node);
    const struct room_waiter *w;
    const struct room_moderator *m;
    int rc;

    sw->room = r;
    TAILQ_FOREACH(w, &r->queue, queue) {
        if ((rc = sw->fn(sw->arg, r->lobby_jid, w->nick, w->real_jid)) != 0)
            return rc;
    }
    TAILQ_FOREACH(m, &r->moderators, link) {
        if ((rc = sw->fn(sw->arg, r->lobby_jid, m->nick, m->real_jid)) != 0)
            return rc;
    }
    if ((rc = lobby_hash_each(&r->owners, walk_owner, sw)) != 0)
        return rc;
    return lobby_hash_each(&r->admissions, walk_admission, sw);
}

int lobby_each_session(const struct lobby *lb, lobby_session_fn fn, void *arg)
{
    struct session_walk sw = { .fn = fn, .arg = arg };

    return lobby_hash_each(&lb->rooms, walk_room, &sw);
}

int lobby_on_gone(struct lobby *lb, const char *room, const char *nick,
                  const char *real_jid, uint64_t now_ms, struct lobby_actions *out)
{
    struct room *r;
    const struct room_waiter *w;
    const struct room_moderator *m;
    const struct room_admission *a;

    if (nick != NULL) {
        r = lobby_find_lobby(lb, room);
        if (r == NULL)
            return 0;
        w = room_waiter_by_jid(r, real_jid);
        m = w == NULL ? room_moderator_by_jid(r, real_jid) : NULL;
        if ((w == NULL || strcmp(w->nick, nick) != 0) && (m == NULL || strcmp(m->nick, nick) != 0))
            return 0;
        return lobby_on_leave(lb, room, real_jid, out);
    }
    r = lobby_find_main(lb, room);
    if (r == NULL)
        return 0;
    a = room_admission_find(r, real_jid);
    if (!room_is_owner(r, real_jid) && (a == NULL || a->state != ROOM_ADMISSION_PRESENT))
        return 0;
    return lobby_on_occupant_left(lb, room, real_jid, true, now_ms, out) == -1 ? -1 : 1;
}

size_t lobby_waiting_count(const struct lobby *lb, const char *room)
{
    const struct room *r = lobby_find_main(lb, room);

    return r != NULL ? r->n_waiting : 0;
}

size_t lobby_waiting_total(const struct lobby *lb)
{
    return lb->timers.aging;
}

const char *lobby_action_name(enum lobby_action a)
{
    switch (a) {
    case LOBBY_ALLOW:
        return "allow";
    case LOBBY_KNOCK:
        return "lobby";
    case LOBBY_NEED_NAME:
        return "displayname";
    case LOBBY_DENY:
        return "deny";
    }
    return "?";
}

static const char *const affiliation_names[] = {
    [LOBBY_AFF_NONE] = "none",
    [LOBBY_AFF_MEMBER] = "member",
    [LOBBY_AFF_ADMIN] = "admin",
    [LOBBY_AFF_OWNER] = "owner",
    [LOBBY_AFF_OUTCAST] = "outcast",
};

const char *lobby_affiliation_name(enum lobby_affiliation a)
{
    if ((size_t)a >= sizeof(affiliation_names) / sizeof(affiliation_names[0]))
        return "?";
    return affiliation_names[a];
}

bool lobby_affiliation_parse(const char *s, enum lobby_affiliation *out)
{
    size_t i;

    if (s == NULL)
        return false;
    for (i = 0; i < sizeof(affiliation_names) / sizeof(affiliation_names[0]);
         i++) {
        if (strcmp(s, affiliation_names[i]) == 0) {
            *out = (enum lobby_affiliation)i;
            return true;
        }
    }
    return false;
}
