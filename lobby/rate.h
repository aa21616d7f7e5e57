/*
 * rate.h: the containers behind the knock rate limits (knock_limit,
 * knock_limit_per_ip): a sliding-window counter per key, and the facts
 * lobbyd keeps about a session it sent to the lobby (who it is, where it
 * connects from, what its token verified) until its knock arrives.
 *
 * Internal to lobby/. Bounded: each table holds at most its cap of keys;
 * when a new key finds it full, the entry with the oldest last knock goes.
 * Times are monotonic ms passed in; nothing here reads the clock.
 */
#ifndef LOBBYD_LOBBY_RATE_H
#define LOBBYD_LOBBY_RATE_H

#include <sys/queue.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lobby/hash.h"

struct rate_entry {
    struct lobby_hnode by_key;
    TAILQ_ENTRY(rate_entry) lru;       /* by last knock; also the order they expire in */
    char *key;
    uint64_t *times;                   /* ring of the last 'limit' counted knocks */
    unsigned n;                        /* knocks in the ring */
    unsigned head;                     /* index of the oldest */
};
TAILQ_HEAD(rate_entry_list, rate_entry);

/*
 * At most 'limit' counted knocks per key in any 'window_ms'. limit 0: off,
 * the table stays empty. Every knock is recorded as now_ms and the
 * window only slides forward, so 'lru' stays sorted by last knock.
 */
struct rate_table {
    struct lobby_hash keys;
    struct rate_entry_list lru;
    unsigned limit;
    uint64_t window_ms;
    size_t max_keys;
};

/*
 * Prepare an empty table. Returns 0, or -1 on allocation failure with 't'
 * safe to pass to rate_release().
 */
int rate_init(struct rate_table *t, const uint8_t seed[16], unsigned limit,
              uint64_t window_ms, size_t max_keys);

/* Free every entry and the bucket array. Cannot fail. */
void rate_release(struct rate_table *t);

/*
 * A new limit: when 'limit' or 'window_ms' differ from the table's, every
 * entry is dropped and counting starts afresh under the new ones. Cannot
 * fail.
 */
void rate_configure(struct rate_table *t, unsigned limit, uint64_t window_ms);

/*
 * How long 'key' must wait before its next knock counts within the limit:
 * 0 when it may knock now (also when the table is off), else the ms until
 * its oldest counted knock leaves the window. Changes nothing. Cannot fail.
 */
uint64_t rate_wait_ms(const struct rate_table *t, const char *key, uint64_t now_ms);

/*
 * Count one knock of 'key' at 'now_ms' (nothing when the table is off).
 * Returns 0, or -1 with errno ENOMEM (nothing changed).
 */
int rate_count(struct rate_table *t, const char *key, uint64_t now_ms);

/* Drop the entries whose every knock has left the window. Cannot fail. */
void rate_expire(struct rate_table *t, uint64_t now_ms);

/* What a verdict that sent a session to the lobby knew about it. */
struct rate_fact {
    struct lobby_hnode by_jid;
    TAILQ_ENTRY(rate_fact) timer;      /* by deadline */
    char *real_jid;
    char *identity;                    /* lobby_knock_identity() */
    char *ip;                          /* the address key, or NULL: not reported */
    char *room;                        /* the main room of the verdict */
    bool verified;                     /* the join carried a valid token */
    char *name;                        /* verified: its context.user.name, or NULL */
    char *email;                       /* verified: its context.user.email, or NULL */
    uint64_t deadline_ms;
};

/* The borrowed facts rate_facts_put() copies ('ip', 'name', 'email' may be NULL). */
struct rate_fact_src {
    const char *identity;
    const char *ip;
    const char *room;
    bool verified;
    const char *name;
    const char *email;
};
TAILQ_HEAD(rate_fact_list, rate_fact);

struct rate_facts {
    struct lobby_hash by_jid;
    struct rate_fact_list timer;
    size_t max;
};

/* As rate_init(), for at most 'max' sessions. */
int rate_facts_init(struct rate_facts *f, const uint8_t seed[16], size_t max);

/* Free every fact and the bucket array. Cannot fail. */
void rate_facts_release(struct rate_facts *f);

/*
 * Remember (or replace) the facts 'src' of full JID 'real_jid' until
 * 'deadline_ms'. Deadlines must not go backwards between calls. When 'max'
 * sessions are remembered, the one whose deadline comes first is
 * forgotten. Returns 0, or -1 with errno ENOMEM (nothing changed).
 */
int rate_facts_put(struct rate_facts *f, const char *real_jid, const struct rate_fact_src *src,
                   uint64_t deadline_ms);

/* The facts of 'real_jid' still valid at 'now_ms', or NULL. */
const struct rate_fact *rate_facts_find(const struct rate_facts *f, const char *real_jid,
                                        uint64_t now_ms);

/* Forget the facts whose deadline is not after 'now_ms'. Cannot fail. */
void rate_facts_expire(struct rate_facts *f, uint64_t now_ms);

#endif /* LOBBYD_LOBBY_RATE_H */
