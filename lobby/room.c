/*
 * room.c: storage for one main room's lobby state (room.h).
 *
 * Knockers sit in three hash tables (nick, full JID, bare JID) and one
 * queue in knock order; admissions, cooldowns and owners in one table
 * each. Full JIDs and nicks are compared exactly: Prosody hands us
 * prepared JIDs. Bare JIDs are compared without regard to ASCII case.
 *
 * Deliberately not here: limits other than the ones named in room.h,
 * rules, effects and the clock; every time comes from the caller.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lobby/jid.h"
#include "lobby/room.h"

static char *dup_or_null(const char *s, bool *ok)
{
    char *d;

    if (s == NULL)
        return NULL;
    d = strdup(s);
    if (d == NULL)
        *ok = false;
    return d;
}

static uint64_t key_of(const struct lobby_hash *h, const char *s)
{
    return lobby_hash_key(h, s, strlen(s));
}

static uint64_t bare_key_of(const struct lobby_hash *h, const char *jid)
{
    return lobby_hash_key(h, jid, lobby_jid_bare_len(jid));
}

void room_timers_init(struct room_timers *t)
{
    TAILQ_INIT(&t->approved);
    TAILQ_INIT(&t->left);
    TAILQ_INIT(&t->sent_back);
    TAILQ_INIT(&t->cooldowns);
    TAILQ_INIT(&t->waiters);
    TAILQ_INIT(&t->hostless);
}

static int by_admission_deadline(const void *a, const void *b)
{
    uint64_t x = (*(struct room_admission *const *)a)->deadline_ms;
    uint64_t y = (*(struct room_admission *const *)b)->deadline_ms;

    return (x > y) - (x < y);
}

static int by_cooldown_deadline(const void *a, const void *b)
{
    uint64_t x = (*(struct room_cooldown *const *)a)->deadline_ms;
    uint64_t y = (*(struct room_cooldown *const *)b)->deadline_ms;

    return (x > y) - (x < y);
}

/* Sort one admission list by deadline (qsort is not stable: ties may
 * swap, which no deadline check can tell). */
static int sort_admissions(struct room_admission_list *list)
{
    struct room_admission *a, **v;
    size_t n = 0, i;

    TAILQ_FOREACH(a, list, timer)
        n++;
    if (n < 2)
        return 0;
    v = calloc(n, sizeof(*v));
    if (v == NULL)
        return -1;
    i = 0;
    while ((a = TAILQ_FIRST(list)) != NULL) {
        TAILQ_REMOVE(list, a, timer);
        v[i++] = a;
    }
    qsort(v, n, sizeof(*v), by_admission_deadline);
    for (i = 0; i < n; i++)
        TAILQ_INSERT_TAIL(list, v[i], timer);
    free(v);
    return 0;
}

static int by_knock_time(const void *a, const void *b)
{
    uint64_t x = (*(struct room_waiter *const *)a)->knock_ms;
    uint64_t y = (*(struct room_waiter *const *)b)->knock_ms;

    return (x > y) - (x < y);
}

static int sort_waiters(struct room_waiter_list *l)
{
    struct room_waiter *w, **v;
    size_t n = 0, i;

    TAILQ_FOREACH(w, l, by_age)
        n++;
    if (n < 2)
        return 0;
    v = calloc(n, sizeof(*v));
    if (v == NULL)
        return -1;
    i = 0;
    while ((w = TAILQ_FIRST(l)) != NULL) {
        TAILQ_REMOVE(l, w, by_age);
        v[i++] = w;
    }
    qsort(v, n, sizeof(*v), by_knock_time);
    for (i = 0; i < n; i++)
        TAILQ_INSERT_TAIL(l, v[i], by_age);
    free(v);
    return 0;
}

int room_timers_sort(struct room_timers *t)
{
    struct room_cooldown *c, **v;
    size_t n = 0, i;

    if (sort_admissions(&t->approved) != 0 || sort_admissions(&t->left) != 0 ||
        sort_admissions(&t->sent_back) != 0 ||
        sort_waiters(&t->waiters) != 0)
        return -1;
    TAILQ_FOREACH(c, &t->cooldowns, timer)
        n++;
    if (n < 2)
        return 0;
    v = calloc(n, sizeof(*v));
    if (v == NULL)
        return -1;
    i = 0;
    while ((c = TAILQ_FIRST(&t->cooldowns)) != NULL) {
        TAILQ_REMOVE(&t->cooldowns, c, timer);
        v[i++] = c;
    }
    qsort(v, n, sizeof(*v), by_cooldown_deadline);
    for (i = 0; i < n; i++)
        TAILQ_INSERT_TAIL(&t->cooldowns, v[i], timer);
    free(v);
    return 0;
}

static int room_tables_init(struct room *r, const uint8_t seed[16])
{
    if (lobby_hash_init(&r->waiters_by_nick, seed) != 0 ||
        lobby_hash_init(&r->waiters_by_jid, seed) != 0 ||
        lobby_hash_init(&r->waiters_by_bare, seed) != 0 ||
        lobby_hash_init(&r->owners, seed) != 0 ||
        lobby_hash_init(&r->admissions, seed) != 0 ||
        lobby_hash_init(&r->cooldowns, seed) != 0)
        return -1;
    return 0;
}

struct room *room_new(const char *jid, const char *lobby_domain,
                      const uint8_t seed[16], struct room_timers *timers)
{
    struct lobby_jid_span node, domain, resource;
    struct room *r = NULL, *ret = NULL;
    size_t len;

    if (!lobby_jid_split(jid, &node, &domain, &resource) || node.len == 0 ||
        resource.len != 0)
        goto out;
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        goto out;
    TAILQ_INIT(&r->queue);
    TAILQ_INIT(&r->moderators);
    r->timers = timers;
    r->jid = strdup(jid);
    len = node.len + 1 + strlen(lobby_domain) + 1;
    r->lobby_jid = malloc(len);
    if (r->jid == NULL || r->lobby_jid == NULL)
        goto out;
    memcpy(r->lobby_jid, node.p, node.len);
    r->lobby_jid[node.len] = '@';
    memcpy(r->lobby_jid + node.len + 1, lobby_domain, strlen(lobby_domain) + 1);
    if (room_tables_init(r, seed) != 0)
        goto out;
    ret = r;
    r = NULL;
out:
    room_free(r);
    return ret;
}

static void waiter_free(struct room_waiter *w)
{
    if (w == NULL)
        return;
    free(w->nick);
    free(w->real_jid);
    free(w->session);
    free(w->name);
    free(w->email);
    free(w->verified_name);
    free(w->verified_email);
    free(w);
}

static void owner_drain(struct lobby_hnode *n, void *arg)
{
    struct room_owner *o = LOBBY_HASH_ENTRY(n, struct room_owner, by_jid);

    (void)arg;
    free(o->real_jid);
    free(o);
}

static void admission_drain(struct lobby_hnode *n, void *arg)
{
    struct room_admission *a =
        LOBBY_HASH_ENTRY(n, struct room_admission, by_jid);
    struct room_timers *t = arg;

    if (a->state == ROOM_ADMISSION_APPROVED || a->state == ROOM_ADMISSION_PENDING)
        TAILQ_REMOVE(&t->approved, a, timer);
    else if (a->state == ROOM_ADMISSION_LEFT)
        TAILQ_REMOVE(&t->left, a, timer);
    else if (a->state == ROOM_ADMISSION_SENT_BACK)
        TAILQ_REMOVE(&t->sent_back, a, timer);
    free(a->real_jid);
    free(a->session);
    free(a->nick);
    free(a);
}

static void cooldown_drain(struct lobby_hnode *n, void *arg)
{
    struct room_cooldown *c = LOBBY_HASH_ENTRY(n, struct room_cooldown, by_jid);
    struct room_timers *t = arg;

    TAILQ_REMOVE(&t->cooldowns, c, timer);
    free(c->real_jid);
    free(c);
}

int room_set_message(struct room *r, const char *text)
{
    char *copy = NULL;

    if (text != NULL && strnlen(text, LOBBY_MESSAGE_MAX) >= LOBBY_MESSAGE_MAX)
        return 0;
    if (text != NULL && text[0] != '\0' && (copy = strdup(text)) == NULL) {
        errno = ENOMEM;
        return -1;
    }
    free(r->message);
    r->message = copy;
    return 0;
}

static void allow_free(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

int room_set_allow(struct room *r, const char *const *list, size_t n)
{
    char **copy = NULL;
    size_t i;

    if (n > 0) {
        copy = calloc(n, sizeof(*copy));
        if (copy == NULL)
            goto oom;
    }
    for (i = 0; i < n; i++) {
        copy[i] = strdup(list[i]);
        if (copy[i] == NULL)
            goto oom;
    }
    allow_free(r->allow, r->n_allow);
    r->allow = copy;
    r->n_allow = n;
    return 0;
oom:
    allow_free(copy, copy != NULL ? n : 0);
    errno = ENOMEM;
    return -1;
}

bool room_allow_equals(const struct room *r, const char *const *list, size_t n)
{
    if (n != r->n_allow)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(r->allow[i], list[i]) != 0)
            return false;
    }
    return true;
}

void room_free(struct room *r)
{
    struct room_waiter *w;
    struct room_moderator *m;

    if (r == NULL)
        return;
    room_hostless_stop(r);
    while ((w = TAILQ_FIRST(&r->queue)) != NULL)
        room_waiter_remove(r, w);
    while ((m = TAILQ_FIRST(&r->moderators)) != NULL)
        room_moderator_remove(r, m);
    lobby_hash_drain(&r->owners, owner_drain, NULL);
    lobby_hash_drain(&r->admissions, admission_drain, r->timers);
    lobby_hash_drain(&r->cooldowns, cooldown_drain, r->timers);
    lobby_hash_release(&r->waiters_by_nick);
    lobby_hash_release(&r->waiters_by_jid);
    lobby_hash_release(&r->waiters_by_bare);
    lobby_hash_release(&r->owners);
    lobby_hash_release(&r->admissions);
    lobby_hash_release(&r->cooldowns);
    free(r->jid);
    free(r->lobby_jid);
    free(r->message);
    allow_free(r->allow, r->n_allow);
    free(r);
}

struct room_waiter *room_waiter_add(struct room *r, const char *nick,
                                    const char *real_jid, const char *session,
                                    const char *name, const char *email,
                                    uint64_t now_ms)
{
    struct room_waiter *w;
    bool ok = true;

    w = calloc(1, sizeof(*w));
    if (w == NULL)
        return NULL;
    w->nick = dup_or_null(nick, &ok);
    w->real_jid = dup_or_null(real_jid, &ok);
    w->session = dup_or_null(session, &ok);
    w->name = dup_or_null(name, &ok);
    w->email = dup_or_null(email, &ok);
    if (!ok || w->nick == NULL || w->real_jid == NULL) {
        waiter_free(w);
        return NULL;
    }
    w->knock_ms = now_ms;
    lobby_hash_insert(&r->waiters_by_nick, &w->by_nick,
                      key_of(&r->waiters_by_nick, w->nick));
    lobby_hash_insert(&r->waiters_by_jid, &w->by_jid,
                      key_of(&r->waiters_by_jid, w->real_jid));
    lobby_hash_insert(&r->waiters_by_bare, &w->by_bare,
                      bare_key_of(&r->waiters_by_bare, w->real_jid));
    TAILQ_INSERT_TAIL(&r->queue, w, queue);
    w->room = r;
    w->aging = true;
    r->n_aging++;
    r->timers->aging++;
    TAILQ_INSERT_TAIL(&r->timers->waiters, w, by_age);
    r->n_waiting++;
    r->timers->waiting++;
    return w;
}

void room_waiter_remove(struct room *r, struct room_waiter *w)
{
    assert(r->n_waiting > 0);
    lobby_hash_remove(&r->waiters_by_nick, &w->by_nick);
    lobby_hash_remove(&r->waiters_by_jid, &w->by_jid);
    lobby_hash_remove(&r->waiters_by_bare, &w->by_bare);
    TAILQ_REMOVE(&r->queue, w, queue);
    room_waiter_stop_aging(w);
    r->n_waiting--;
    r->timers->waiting--;
    waiter_free(w);
}

void room_waiter_stop_aging(struct room_waiter *w)
{
    if (!w->aging)
        return;
    TAILQ_REMOVE(&w->room->timers->waiters, w, by_age);
    w->aging = false;
    w->room->n_aging--;
    w->room->timers->aging--;
}

void room_hostless_start(struct room *r, uint64_t since_ms)
{
    struct room *after;

    room_hostless_stop(r);
    /* From the tail: a clock started now goes last at once; only a
     * restore inserts earlier times. */
    after = TAILQ_LAST(&r->timers->hostless, room_list);
    while (after != NULL && after->hostless_ms > since_ms)
        after = TAILQ_PREV(after, room_list, hostless_link);
    if (after == NULL)
        TAILQ_INSERT_HEAD(&r->timers->hostless, r, hostless_link);
    else
        TAILQ_INSERT_AFTER(&r->timers->hostless, after, r, hostless_link);
    r->hostless = true;
    r->hostless_ms = since_ms;
}

void room_hostless_stop(struct room *r)
{
    if (!r->hostless)
        return;
    TAILQ_REMOVE(&r->timers->hostless, r, hostless_link);
    r->hostless = false;
}

struct room_waiter *room_waiter_by_nick(const struct room *r, const char *nick)
{
    struct lobby_hnode *n;
    struct room_waiter *w;

    n = lobby_hash_first(&r->waiters_by_nick, key_of(&r->waiters_by_nick, nick));
    for (; n != NULL; n = lobby_hash_next(n)) {
        w = LOBBY_HASH_ENTRY(n, struct room_waiter, by_nick);
        if (strcmp(w->nick, nick) == 0)
            return w;
    }
    return NULL;
}

struct room_waiter *room_waiter_by_jid(const struct room *r, const char *jid)
{
    struct lobby_hnode *n;
    struct room_waiter *w;

    n = lobby_hash_first(&r->waiters_by_jid, key_of(&r->waiters_by_jid, jid));
    for (; n != NULL; n = lobby_hash_next(n)) {
        w = LOBBY_HASH_ENTRY(n, struct room_waiter, by_jid);
        if (strcmp(w->real_jid, jid) == 0)
            return w;
    }
    return NULL;
}

static struct room_waiter *bare_from(struct lobby_hnode *n, const char *jid)
{
    struct room_waiter *w;

    for (; n != NULL; n = lobby_hash_next(n)) {
        w = LOBBY_HASH_ENTRY(n, struct room_waiter, by_bare);
        if (lobby_jid_same_bare(w->real_jid, jid))
            return w;
    }
    return NULL;
}

struct room_waiter *room_waiter_first_bare(const struct room *r,
                                           const char *jid)
{
    return bare_from(lobby_hash_first(&r->waiters_by_bare,
                                      bare_key_of(&r->waiters_by_bare, jid)),
                     jid);
}

struct room_waiter *room_waiter_next_bare(const struct room_waiter *w,
                                          const char *jid)
{
    return bare_from(lobby_hash_next(&w->by_bare), jid);
}

int room_waiter_set_verified(struct room_waiter *w, const char *name, const char *email)
{
    char *n = name != NULL ? strdup(name) : NULL;
    char *e = email != NULL ? strdup(email) : NULL;

    if ((name != NULL && n == NULL) || (email != NULL && e == NULL)) {
        free(n);
        free(e);
        return -1;
    }
    free(w->verified_name);
    free(w->verified_email);
    w->verified = true;
    w->verified_name = n;
    w->verified_email = e;
    return 0;
}

const char *room_waiter_shown_name(const struct room_waiter *w)
{
    return w->verified_name != NULL ? w->verified_name : w->name;
}

const char *room_waiter_shown_email(const struct room_waiter *w)
{
    return w->verified_email != NULL ? w->verified_email : w->email;
}

int room_set_string(char **field, const char *value)
{
    char *copy = NULL;

    if (value != NULL) {
        copy = strdup(value);
        if (copy == NULL)
            return -1;
    }
    free(*field);
    *field = copy;
    return 0;
}

struct room_moderator *room_moderator_add(struct room *r, const char *nick,
                                          const char *real_jid)
{
    struct room_moderator *m;

    m = calloc(1, sizeof(*m));
    if (m == NULL)
        return NULL;
    m->nick = strdup(nick);
    m->real_jid = strdup(real_jid);
    if (m->nick == NULL || m->real_jid == NULL) {
        free(m->nick);
        free(m->real_jid);
        free(m);
        return NULL;
    }
    TAILQ_INSERT_TAIL(&r->moderators, m, link);
    r->n_moderators++;
    return m;
}

/* Linear, but bounded by LOBBY_MAX_MODERATORS_PER_ROOM. */
struct room_moderator *room_moderator_by_jid(const struct room *r,
                                             const char *jid)
{
    struct room_moderator *m;

    TAILQ_FOREACH(m, &r->moderators, link) {
        if (strcmp(m->real_jid, jid) == 0)
            return m;
    }
    return NULL;
}

struct room_moderator *room_moderator_by_nick(const struct room *r,
                                              const char *nick)
{
    struct room_moderator *m;

    TAILQ_FOREACH(m, &r->moderators, link) {
        if (strcmp(m->nick, nick) == 0)
            return m;
    }
    return NULL;
}

void room_moderator_remove(struct room *r, struct room_moderator *m)
{
    assert(r->n_moderators > 0);
    TAILQ_REMOVE(&r->moderators, m, link);
    r->n_moderators--;
    free(m->nick);
    free(m->real_jid);
    free(m);
}

static struct room_owner *owner_find(const struct room *r, const char *jid)
{
    struct lobby_hnode *n;
    struct room_owner *o;

    n = lobby_hash_first(&r->owners, key_of(&r->owners, jid));
    for (; n != NULL; n = lobby_hash_next(n)) {
        o = LOBBY_HASH_ENTRY(n, struct room_owner, by_jid);
        if (strcmp(o->real_jid, jid) == 0)
            return o;
    }
    return NULL;
}

bool room_is_owner(const struct room *r, const char *jid)
{
    return jid != NULL && owner_find(r, jid) != NULL;
}

int room_owner_set(struct room *r, const char *jid, bool present)
{
    struct room_owner *o = owner_find(r, jid);

    if (!present) {
        if (o != NULL) {
            lobby_hash_remove(&r->owners, &o->by_jid);
            owner_drain(&o->by_jid, NULL);
        }
        return 0;
    }
    if (o != NULL)
        return 0;
    if (r->owners.count >= LOBBY_MAX_OWNERS_PER_ROOM)
        return -1;
    o = calloc(1, sizeof(*o));
    if (o == NULL)
        return -1;
    o->real_jid = strdup(jid);
    if (o->real_jid == NULL) {
        free(o);
        return -1;
    }
    lobby_hash_insert(&r->owners, &o->by_jid, key_of(&r->owners, jid));
    return 0;
}

static struct room_admission_list *admission_list(struct room_timers *t,
                                                  enum room_admission_state s)
{
    /* Both run for LOBBY_ADMIT_JOIN_MS, so one list stays sorted. */
    if (s == ROOM_ADMISSION_APPROVED || s == ROOM_ADMISSION_PENDING)
        return &t->approved;
    if (s == ROOM_ADMISSION_LEFT)
        return &t->left;
    if (s == ROOM_ADMISSION_SENT_BACK)
        return &t->sent_back;
    return NULL;
}

struct room_admission *room_admission_find(const struct room *r,
                                           const char *jid)
{
    struct lobby_hnode *n;
    struct room_admission *a;

    n = lobby_hash_first(&r->admissions, key_of(&r->admissions, jid));
    for (; n != NULL; n = lobby_hash_next(n)) {
        a = LOBBY_HASH_ENTRY(n, struct room_admission, by_jid);
        if (strcmp(a->real_jid, jid) == 0)
            return a;
    }
    return NULL;
}

static struct room_admission *admission_new(struct room *r, const char *jid,
                                            const char *session)
{
    struct room_admission *a;
    bool ok = true;

    if (r->admissions.count >= LOBBY_MAX_ADMITTED_PER_ROOM)
        return NULL;
    a = calloc(1, sizeof(*a));
    if (a == NULL)
        return NULL;
    a->real_jid = dup_or_null(jid, &ok);
    a->session = dup_or_null(session, &ok);
    if (!ok) {
        free(a->real_jid);
        free(a->session);
        free(a);
        return NULL;
    }
    a->room = r;
    a->state = ROOM_ADMISSION_PRESENT;     /* on no timer list yet */
    lobby_hash_insert(&r->admissions, &a->by_jid, key_of(&r->admissions, jid));
    return a;
}

int room_admission_put(struct room *r, const char *jid, const char *session,
                       enum room_admission_state state, uint64_t now_ms,
                       uint64_t deadline_ms)
{
    struct room_admission_list *list;
    struct room_admission *a = room_admission_find(r, jid);

    if (a == NULL) {
        a = admission_new(r, jid, session);
        if (a == NULL)
            return -1;
    } else if (session != NULL && (a->session == NULL ||
                                   strcmp(a->session, session) != 0)) {
        if (room_set_string(&a->session, session) != 0)
            return -1;
    }
    list = admission_list(r->timers, a->state);
    if (list != NULL)
        TAILQ_REMOVE(list, a, timer);
    a->state = state;
    a->since_ms = now_ms;
    a->deadline_ms = state == ROOM_ADMISSION_PRESENT ? UINT64_MAX
                                                     : deadline_ms;
    list = admission_list(r->timers, state);
    if (list != NULL)
        TAILQ_INSERT_TAIL(list, a, timer);
    return 0;
}

void room_admission_remove(struct room_admission *a)
{
    struct room *r = a->room;

    lobby_hash_remove(&r->admissions, &a->by_jid);
    admission_drain(&a->by_jid, r->timers);
}

struct room_cooldown *room_cooldown_find(const struct room *r,
                                         const char *jid)
{
    struct lobby_hnode *n;
    struct room_cooldown *c;

    n = lobby_hash_first(&r->cooldowns, key_of(&r->cooldowns, jid));
    for (; n != NULL; n = lobby_hash_next(n)) {
        c = LOBBY_HASH_ENTRY(n, struct room_cooldown, by_jid);
        if (strcmp(c->real_jid, jid) == 0)
            return c;
    }
    return NULL;
}

int room_cooldown_put(struct room *r, const char *jid, uint64_t now_ms,
                      uint64_t deadline_ms)
{
    struct room_cooldown *c = room_cooldown_find(r, jid);

    if (c != NULL) {
        TAILQ_REMOVE(&r->timers->cooldowns, c, timer);
    } else {
        if (r->cooldowns.count >= LOBBY_MAX_COOLDOWNS_PER_ROOM)
            return -1;
        c = calloc(1, sizeof(*c));
        if (c == NULL)
            return -1;
        c->real_jid = strdup(jid);
        if (c->real_jid == NULL) {
            free(c);
            return -1;
        }
        c->room = r;
        lobby_hash_insert(&r->cooldowns, &c->by_jid, key_of(&r->cooldowns, jid));
    }
    c->denied_ms = now_ms;
    c->deadline_ms = deadline_ms;
    TAILQ_INSERT_TAIL(&r->timers->cooldowns, c, timer);
    return 0;
}

void room_cooldown_remove(struct room_cooldown *c)
{
    struct room *r = c->room;

    lobby_hash_remove(&r->cooldowns, &c->by_jid);
    cooldown_drain(&c->by_jid, r->timers);
}

int room_admission_set_nick(struct room_admission *a, const char *nick)
{
    if (nick == NULL) {
        free(a->nick);
        a->nick = NULL;
        return 0;
    }
    if (a->nick != NULL && strcmp(a->nick, nick) == 0)
        return 0;
    return room_set_string(&a->nick, nick);
}

struct nick_walk {
    const char *nick;
    struct room_admission *found;
};

static int match_nick(const struct lobby_hnode *n, void *arg)
{
    struct nick_walk *nw = arg;
    struct room_admission *a = LOBBY_HASH_ENTRY(n, struct room_admission, by_jid);

    if (a->state != ROOM_ADMISSION_PRESENT || a->nick == NULL || strcmp(a->nick, nw->nick) != 0)
        return 0;
    nw->found = a;
    return 1;
}

struct room_admission *room_admission_by_nick(const struct room *r, const char *nick)
{
    struct nick_walk nw = { .nick = nick, .found = NULL };

    (void)lobby_hash_each(&r->admissions, match_nick, &nw);
    return nw.found;
}
