/*
 * webhook_queue.h: what webhook delivery decides without the network:
 * the bounded queue between the daemon's loop and the delivery thread,
 * which answers are retried and when, and whether a webhook_url is one
 * lobbyd posts to. No curl, no clock: times come in as monotonic ms.
 *
 * The queue is the only thing both threads touch. The loop pushes copies
 * (webhook_queue_push); the delivery thread takes them out one at a time
 * and gives each back with webhook_queue_done() once it is delivered or
 * given up. An event counts against the bound from push to done, so
 * events waiting for a retry hold their place: the bound is on everything
 * not yet delivered, not only on what the thread has not looked at.
 */
#ifndef LOBBYD_COMPONENT_WEBHOOK_QUEUE_H
#define LOBBYD_COMPONENT_WEBHOOK_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#define WEBHOOK_EVENT_MAX 32            /* bytes of an event name, NUL included */
#define WEBHOOK_BACKOFF_FIRST_MS 1000u  /* before the first retry; doubled each time */
#define WEBHOOK_BACKOFF_MAX_MS 60000u   /* the longest wait between two attempts */

/* One audit line on its way. The delivery thread owns it between
 * webhook_queue_take() and webhook_queue_done(). */
struct webhook_item {
    TAILQ_ENTRY(webhook_item) link;     /* the queue's, then the delivery thread's list */
    char event[WEBHOOK_EVENT_MAX];      /* "knock", "admit", ... */
    char *body;                         /* the JSON line, 'len' bytes, NUL-terminated */
    size_t len;
    unsigned attempts;                  /* made so far */
    uint64_t due_ms;                    /* the next attempt, not before (monotonic) */
};

TAILQ_HEAD(webhook_items, webhook_item);

struct webhook_queue;

/* An empty queue holding at most 'max' (>= 1) events. Aborts on
 * allocation failure, as the daemon does. */
struct webhook_queue *webhook_queue_new(size_t max);

/* Free the queue and the events still in it (not those taken). NULL is
 * fine. */
void webhook_queue_free(struct webhook_queue *q);

/*
 * Queue a copy of 'body' ('len' bytes) as event 'event' (truncated to
 * WEBHOOK_EVENT_MAX - 1 bytes). Returns false, and counts a drop, when
 * 'max' events are not yet done; nothing is copied then. Thread-safe.
 */
bool webhook_queue_push(struct webhook_queue *q, const char *event, const char *body, size_t len);

/* The oldest queued event, now the caller's (its 'link' is free for the
 * caller's own list), or NULL when none is queued. Thread-safe. */
struct webhook_item *webhook_queue_take(struct webhook_queue *q);

/* Free 'it' (taken from 'q') and give its place back. Thread-safe. */
void webhook_queue_done(struct webhook_queue *q, struct webhook_item *it);

/* Events pushed and not yet done (queued, being sent, waiting to retry). */
size_t webhook_queue_pending(struct webhook_queue *q);

/* Events refused by webhook_queue_push() since the queue was made. */
uint64_t webhook_queue_dropped(struct webhook_queue *q);

/* Free a taken event without a queue (what is left at shutdown, once the
 * queue itself is gone). NULL is fine. */
void webhook_item_free(struct webhook_item *it);

enum webhook_outcome {
    WEBHOOK_DELIVERED,                  /* 2xx */
    WEBHOOK_RETRY,                      /* no answer (connection, timeout, TLS), 5xx, 429 */
    WEBHOOK_GIVE_UP                     /* any other status: the receiver refused it */
};

/* What an attempt's result means: 'answered' false for a transfer that got
 * no HTTP status (connection refused, timeout, ...), else 'status'. */
enum webhook_outcome webhook_outcome_of(bool answered, long status);

/*
 * When the attempt after 'attempts' failed ones may start: 1 s after the
 * first, 2 s after the second, 4 s, ... capped at WEBHOOK_BACKOFF_MAX_MS.
 * Returns the wait in ms; 'attempts' 0 gives 0. Cannot fail.
 */
uint64_t webhook_backoff_ms(unsigned attempts);

/* Is another attempt due after 'attempts' failed ones, with 'retries'
 * retries allowed (attempts = 1 + retries at most)? */
bool webhook_may_retry(unsigned attempts, unsigned retries);

/*
 * Why 'url' is no webhook_url, or NULL when it is one: "http://" or
 * "https://" (any case), a host, and no blank or control character.
 * Returns a static string.
 */
const char *webhook_url_problem(const char *url);

/*
 * 'url' as it may appear in a log line: scheme, host, port and path, with
 * any user:password@ and everything from '?' or '#' on left out; written
 * into 'out' (size 'outsz', truncated). Returns 'out'. Cannot fail.
 */
const char *webhook_url_for_log(const char *url, char *out, size_t outsz);

#endif /* LOBBYD_COMPONENT_WEBHOOK_QUEUE_H */
