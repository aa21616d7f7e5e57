/*
 * rate.c: the containers of the knock rate limits (rate.h): sliding-window
 * counters by key, and the facts of sessions sent to the lobby.
 *
 * A sliding window, not a fixed one: a key may make at most 'limit'
 * counted knocks in any 'window_ms'. Each entry keeps the times of its
 * last 'limit' knocks in a ring, so the answer "wait this long" is exact:
 * until the oldest of them leaves the window. A fixed window would let
 * 2 * limit knocks through around its boundary.
 *
 * Deliberately not here: which key a knock counts under and what a
 * refusal says (knock.c, lobby_knock_identity()), the clock, I/O.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lobby/rate.h"

static uint64_t key_of(const struct lobby_hash *h, const char *s)
{
    return lobby_hash_key(h, s, strlen(s));
}

static void entry_free(struct rate_entry *e)
{
    free(e->key);
    free(e->times);
    free(e);
}

static void entry_remove(struct rate_table *t, struct rate_entry *e)
{
    lobby_hash_remove(&t->keys, &e->by_key);
    TAILQ_REMOVE(&t->lru, e, lru);
    entry_free(e);
}

int rate_init(struct rate_table *t, const uint8_t seed[16], unsigned limit,
              uint64_t window_ms, size_t max_keys)
{
    memset(t, 0, sizeof(*t));
    TAILQ_INIT(&t->lru);
    t->limit = limit;
    t->window_ms = window_ms;
    t->max_keys = max_keys;
    return lobby_hash_init(&t->keys, seed);
}

static void drop_all(struct rate_table *t)
{
    struct rate_entry *e;

    while ((e = TAILQ_FIRST(&t->lru)) != NULL)
        entry_remove(t, e);
}

void rate_release(struct rate_table *t)
{
    drop_all(t);
    lobby_hash_release(&t->keys);
}

void rate_configure(struct rate_table *t, unsigned limit, uint64_t window_ms)
{
    if (t->limit == limit && t->window_ms == window_ms)
        return;
    /* The rings are sized by the old limit; old counts under another
     * window would mean something else. */
    drop_all(t);
    t->limit = limit;
    t->window_ms = window_ms;
}

static struct rate_entry *entry_find(const struct rate_table *t, const char *key)
{
    struct lobby_hnode *n = lobby_hash_first(&t->keys, key_of(&t->keys, key));

    for (; n != NULL; n = lobby_hash_next(n)) {
        struct rate_entry *e = LOBBY_HASH_ENTRY(n, struct rate_entry, by_key);

        if (strcmp(e->key, key) == 0)
            return e;
    }
    return NULL;
}

/* Is the knock at 'at_ms' still inside the window at 'now_ms'? */
static bool in_window(const struct rate_table *t, uint64_t at_ms, uint64_t now_ms)
{
    return at_ms + t->window_ms > now_ms;
}

/* Forget the knocks of 'e' that left the window. */
static void entry_slide(const struct rate_table *t, struct rate_entry *e, uint64_t now_ms)
{
    while (e->n > 0 && !in_window(t, e->times[e->head], now_ms)) {
        e->head = (e->head + 1) % t->limit;
        e->n--;
    }
}

uint64_t rate_wait_ms(const struct rate_table *t, const char *key, uint64_t now_ms)
{
    const struct rate_entry *e;
    unsigned i, live = 0, first = 0;

    if (t->limit == 0 || key == NULL)
        return 0;
    e = entry_find(t, key);
    if (e == NULL)
        return 0;
    /* Count without sliding: this is a question, not an event. */
    for (i = 0; i < e->n; i++) {
        unsigned at = (e->head + i) % t->limit;

        if (!in_window(t, e->times[at], now_ms))
            continue;
        if (live == 0)
            first = at;
        live++;
    }
    if (live < t->limit)
        return 0;
    return e->times[first] + t->window_ms - now_ms;
}

static struct rate_entry *entry_new(struct rate_table *t, const char *key)
{
    struct rate_entry *e = calloc(1, sizeof(*e));

    if (e == NULL)
        return NULL;
    e->key = strdup(key);
    e->times = calloc(t->limit, sizeof(*e->times));
    if (e->key == NULL || e->times == NULL) {
        entry_free(e);
        return NULL;
    }
    return e;
}

int rate_count(struct rate_table *t, const char *key, uint64_t now_ms)
{
    struct rate_entry *e;

    if (t->limit == 0 || key == NULL)
        return 0;
    e = entry_find(t, key);
    if (e == NULL) {
        e = entry_new(t, key);
        if (e == NULL) {
            errno = ENOMEM;
            return -1;
        }
        rate_expire(t, now_ms);
        /* Full of live keys: the one that knocked longest ago goes. */
        if (t->keys.count >= t->max_keys && !TAILQ_EMPTY(&t->lru))
            entry_remove(t, TAILQ_FIRST(&t->lru));
        lobby_hash_insert(&t->keys, &e->by_key, key_of(&t->keys, key));
    } else {
        TAILQ_REMOVE(&t->lru, e, lru);
        entry_slide(t, e, now_ms);
    }
    if (e->n == t->limit) {
        /* Counted past the limit (the caller did not ask): keep the newest. */
        e->head = (e->head + 1) % t->limit;
        e->n--;
    }
    e->times[(e->head + e->n) % t->limit] = now_ms;
    e->n++;
    TAILQ_INSERT_TAIL(&t->lru, e, lru);
    return 0;
}

void rate_expire(struct rate_table *t, uint64_t now_ms)
{
    struct rate_entry *e;

    /* The last knock of the head is the oldest last knock of all. */
    while ((e = TAILQ_FIRST(&t->lru)) != NULL &&
           !in_window(t, e->times[(e->head + e->n - 1) % t->limit], now_ms))
        entry_remove(t, e);
}

/* ---- facts of sessions sent to the lobby ---- */

static void fact_free(struct rate_fact *x)
{
    free(x->real_jid);
    free(x->identity);
    free(x->ip);
    free(x->room);
    free(x->name);
    free(x->email);
    free(x);
}

static void fact_remove(struct rate_facts *f, struct rate_fact *x)
{
    lobby_hash_remove(&f->by_jid, &x->by_jid);
    TAILQ_REMOVE(&f->timer, x, timer);
    fact_free(x);
}

int rate_facts_init(struct rate_facts *f, const uint8_t seed[16], size_t max)
{
    memset(f, 0, sizeof(*f));
    TAILQ_INIT(&f->timer);
    f->max = max;
    return lobby_hash_init(&f->by_jid, seed);
}

void rate_facts_release(struct rate_facts *f)
{
    struct rate_fact *x;

    while ((x = TAILQ_FIRST(&f->timer)) != NULL)
        fact_remove(f, x);
    lobby_hash_release(&f->by_jid);
}

static struct rate_fact *fact_find(const struct rate_facts *f, const char *real_jid)
{
    struct lobby_hnode *n = lobby_hash_first(&f->by_jid, key_of(&f->by_jid, real_jid));

    for (; n != NULL; n = lobby_hash_next(n)) {
        struct rate_fact *x = LOBBY_HASH_ENTRY(n, struct rate_fact, by_jid);

        if (strcmp(x->real_jid, real_jid) == 0)
            return x;
    }
    return NULL;
}

/* A copy of 's' in '*dst' (NULL stays NULL); false when out of memory. */
static bool dup_opt(char **dst, const char *s)
{
    *dst = s != NULL ? strdup(s) : NULL;
    return s == NULL || *dst != NULL;
}

int rate_facts_put(struct rate_facts *f, const char *real_jid, const struct rate_fact_src *src,
                   uint64_t deadline_ms)
{
    struct rate_fact *x = calloc(1, sizeof(*x)), *old;

    if (x == NULL)
        goto fail;
    x->real_jid = strdup(real_jid);
    x->identity = strdup(src->identity);
    if (x->real_jid == NULL || x->identity == NULL || !dup_opt(&x->ip, src->ip) ||
        !dup_opt(&x->room, src->room) || !dup_opt(&x->name, src->name) ||
        !dup_opt(&x->email, src->email))
        goto fail;
    x->verified = src->verified;
    x->deadline_ms = deadline_ms;
    old = fact_find(f, real_jid);
    if (old != NULL)
        fact_remove(f, old);
    else if (f->by_jid.count >= f->max && !TAILQ_EMPTY(&f->timer))
        fact_remove(f, TAILQ_FIRST(&f->timer));
    lobby_hash_insert(&f->by_jid, &x->by_jid, key_of(&f->by_jid, real_jid));
    TAILQ_INSERT_TAIL(&f->timer, x, timer);
    return 0;
fail:
    if (x != NULL)
        fact_free(x);
    errno = ENOMEM;
    return -1;
}

const struct rate_fact *rate_facts_find(const struct rate_facts *f, const char *real_jid,
                                        uint64_t now_ms)
{
    const struct rate_fact *x = real_jid != NULL ? fact_find(f, real_jid) : NULL;

    return x != NULL && x->deadline_ms > now_ms ? x : NULL;
}

void rate_facts_expire(struct rate_facts *f, uint64_t now_ms)
{
    struct rate_fact *x;

    while ((x = TAILQ_FIRST(&f->timer)) != NULL && x->deadline_ms <= now_ms)
        fact_remove(f, x);
}
