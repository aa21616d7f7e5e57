/*
 * hash.c: the chained hash table of hash.h, with SipHash-2-4 (Aumasson and
 * Bernstein, 2012) as the keyed hash, so that knockers cannot pick nicks
 * or JIDs that pile up in one bucket.
 *
 * Deliberately not here: key storage and comparison (the caller's), and
 * shrinking (tables are bounded by the per-room limits and freed with
 * their room).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "lobby/hash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = ROTL(v[1], 13);
    v[1] ^= v[0];
    v[0] = ROTL(v[0], 32);
    v[2] += v[3];
    v[3] = ROTL(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = ROTL(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = ROTL(v[1], 17);
    v[1] ^= v[2];
    v[2] = ROTL(v[2], 32);
}

static uint8_t fold(char c)
{
    return (uint8_t)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/* Little-endian load of up to 8 folded bytes. */
static uint64_t load_word(const char *p, size_t n)
{
    uint64_t w = 0;
    size_t i;

    for (i = 0; i < n; i++)
        w |= (uint64_t)fold(p[i]) << (8 * i);
    return w;
}

static void sip_compress(uint64_t v[4], uint64_t m)
{
    v[3] ^= m;
    sip_round(v);
    sip_round(v);
    v[0] ^= m;
}

uint64_t lobby_hash_key(const struct lobby_hash *h, const char *key,
                        size_t len)
{
    uint64_t v[4] = {
        h->k0 ^ UINT64_C(0x736f6d6570736575),
        h->k1 ^ UINT64_C(0x646f72616e646f6d),
        h->k0 ^ UINT64_C(0x6c7967656e657261),
        h->k1 ^ UINT64_C(0x7465646279746573),
    };
    size_t off;

    for (off = 0; off + 8 <= len; off += 8)
        sip_compress(v, load_word(key + off, 8));
    sip_compress(v, load_word(key + off, len - off) | ((uint64_t)len << 56));
    v[2] ^= 0xff;
    sip_round(v);
    sip_round(v);
    sip_round(v);
    sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

int lobby_hash_init(struct lobby_hash *h, const uint8_t seed[16])
{
    size_t i;

    memset(h, 0, sizeof(*h));
    for (i = 0; i < 8; i++) {
        h->k0 |= (uint64_t)seed[i] << (8 * i);
        h->k1 |= (uint64_t)seed[8 + i] << (8 * i);
    }
    h->buckets = calloc(LOBBY_HASH_MIN_BUCKETS, sizeof(*h->buckets));
    if (h->buckets == NULL)
        return -1;
    h->n_buckets = LOBBY_HASH_MIN_BUCKETS;
    return 0;
}

void lobby_hash_release(struct lobby_hash *h)
{
    free(h->buckets);
    h->buckets = NULL;
    h->n_buckets = 0;
    h->count = 0;
}

static void hash_grow(struct lobby_hash *h)
{
    struct lobby_hnode **nb, *n, *next;
    size_t i, size = h->n_buckets * 2;

    if (size < h->n_buckets || size > SIZE_MAX / sizeof(*nb))
        return;
    nb = calloc(size, sizeof(*nb));
    if (nb == NULL)
        return;
    for (i = 0; i < h->n_buckets; i++) {
        for (n = h->buckets[i]; n != NULL; n = next) {
            next = n->next;
            n->next = nb[n->hash & (size - 1)];
            nb[n->hash & (size - 1)] = n;
        }
    }
    free(h->buckets);
    h->buckets = nb;
    h->n_buckets = size;
}

void lobby_hash_insert(struct lobby_hash *h, struct lobby_hnode *n,
                       uint64_t hash)
{
    size_t b;

    assert(h->buckets != NULL);
    if (h->count >= h->n_buckets)
        hash_grow(h);
    b = hash & (h->n_buckets - 1);
    n->hash = hash;
    n->next = h->buckets[b];
    h->buckets[b] = n;
    h->count++;
}

void lobby_hash_remove(struct lobby_hash *h, struct lobby_hnode *n)
{
    struct lobby_hnode **pp;

    pp = &h->buckets[n->hash & (h->n_buckets - 1)];
    while (*pp != n) {
        assert(*pp != NULL);
        pp = &(*pp)->next;
    }
    *pp = n->next;
    n->next = NULL;
    h->count--;
}

static struct lobby_hnode *skip_to(struct lobby_hnode *n, uint64_t hash)
{
    while (n != NULL && n->hash != hash)
        n = n->next;
    return n;
}

struct lobby_hnode *lobby_hash_first(const struct lobby_hash *h,
                                     uint64_t hash)
{
    if (h->buckets == NULL)
        return NULL;
    return skip_to(h->buckets[hash & (h->n_buckets - 1)], hash);
}

struct lobby_hnode *lobby_hash_next(const struct lobby_hnode *n)
{
    return skip_to(n->next, n->hash);
}

void lobby_hash_drain(struct lobby_hash *h,
                      void (*fn)(struct lobby_hnode *node, void *arg),
                      void *arg)
{
    struct lobby_hnode *n, *next;
    size_t i;

    for (i = 0; i < h->n_buckets; i++) {
        n = h->buckets[i];
        h->buckets[i] = NULL;
        for (; n != NULL; n = next) {
            next = n->next;
            n->next = NULL;
            fn(n, arg);
        }
    }
    h->count = 0;
}

int lobby_hash_each(const struct lobby_hash *h,
                    int (*fn)(const struct lobby_hnode *node, void *arg),
                    void *arg)
{
    const struct lobby_hnode *n;
    size_t i;
    int rc;

    for (i = 0; i < h->n_buckets; i++) {
        for (n = h->buckets[i]; n != NULL; n = n->next) {
            rc = fn(n, arg);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}
