/*
 * hash.h: an intrusive chained hash table for the lobby state.
 *
 * The element embeds a struct lobby_hnode and may sit in several tables
 * at once (a knocker is found by nick, by full JID and by bare JID). The
 * table never owns or frees elements and never compares keys: the caller
 * hashes the key with lobby_hash_key(), walks the nodes with that hash
 * and compares its own keys. Keys are outside input, so they are hashed
 * with SipHash-2-4 under a seed the daemon draws at start.
 */
#ifndef LOBBYD_LOBBY_HASH_H
#define LOBBYD_LOBBY_HASH_H

#include <stddef.h>
#include <stdint.h>

#define LOBBY_HASH_MIN_BUCKETS 8

struct lobby_hnode {
    struct lobby_hnode *next;
    uint64_t hash;
};

struct lobby_hash {
    struct lobby_hnode **buckets;
    size_t n_buckets;                  /* a power of two */
    size_t count;
    uint64_t k0, k1;                   /* SipHash key */
};

/* The element that embeds 'node' as 'member'. */
#define LOBBY_HASH_ENTRY(node, type, member) \
    ((type *)(void *)((char *)(node) - offsetof(type, member)))

/*
 * Prepare an empty table keyed by 'seed'. Returns 0, or -1 on allocation
 * failure with 'h' left safe to pass to lobby_hash_release().
 */
int lobby_hash_init(struct lobby_hash *h, const uint8_t seed[16]);

/* Free the bucket array; the elements stay with their owner. Cannot fail. */
void lobby_hash_release(struct lobby_hash *h);

/* Hash 'len' bytes of 'key', ASCII upper case folded to lower. Cannot fail. */
uint64_t lobby_hash_key(const struct lobby_hash *h, const char *key,
                        size_t len);

/*
 * Add 'n' under 'hash'. Cannot fail: when growing the bucket array fails
 * the table just stays denser.
 */
void lobby_hash_insert(struct lobby_hash *h, struct lobby_hnode *n,
                       uint64_t hash);

/* Take 'n', which must be in 'h', out of it. Cannot fail. */
void lobby_hash_remove(struct lobby_hash *h, struct lobby_hnode *n);

/*
 * The first node stored under 'hash', or NULL; lobby_hash_next() gives the
 * following ones. Both cannot fail.
 */
struct lobby_hnode *lobby_hash_first(const struct lobby_hash *h,
                                     uint64_t hash);
struct lobby_hnode *lobby_hash_next(const struct lobby_hnode *n);

/*
 * Empty the table, calling 'fn(node, arg)' once for every element that was
 * in it (typically to free it). The bucket array stays. Cannot fail.
 */
void lobby_hash_drain(struct lobby_hash *h,
                      void (*fn)(struct lobby_hnode *node, void *arg),
                      void *arg);

/*
 * Call 'fn' on every element of 'h', in no particular order, until it
 * returns nonzero; returns that value, or 0. 'fn' must not change 'h'.
 */
int lobby_hash_each(const struct lobby_hash *h,
                    int (*fn)(const struct lobby_hnode *node, void *arg),
                    void *arg);

#endif /* LOBBYD_LOBBY_HASH_H */
