/*
 * webhook_queue.c: the queue, the retry schedule and the URL checks of
 * webhook_queue.h. Knows nothing of curl, the clock or the secret.
 */
#include "component/webhook_queue.h"

#include <assert.h>
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"

struct webhook_queue {
    pthread_mutex_t lock;
    struct webhook_items items;         /* pushed, not yet taken */
    size_t max;
    size_t pending;                     /* pushed, not yet done */
    uint64_t dropped;
};

struct webhook_queue *webhook_queue_new(size_t max)
{
    struct webhook_queue *q = xcalloc(1, sizeof(*q));

    assert(max >= 1);
    if (pthread_mutex_init(&q->lock, NULL) != 0)
        fatalx("cannot create the webhook queue lock");
    TAILQ_INIT(&q->items);
    q->max = max;
    return q;
}

void webhook_item_free(struct webhook_item *it)
{
    if (it == NULL)
        return;
    free(it->body);
    free(it);
}

void webhook_queue_free(struct webhook_queue *q)
{
    struct webhook_item *it;

    if (q == NULL)
        return;
    for (it = TAILQ_FIRST(&q->items); it != NULL; it = TAILQ_FIRST(&q->items)) {
        TAILQ_REMOVE(&q->items, it, link);
        webhook_item_free(it);
    }
    pthread_mutex_destroy(&q->lock);
    free(q);
}

bool webhook_queue_push(struct webhook_queue *q, const char *event, const char *body, size_t len)
{
    struct webhook_item *it;

    pthread_mutex_lock(&q->lock);
    if (q->pending >= q->max) {
        q->dropped++;
        pthread_mutex_unlock(&q->lock);
        return false;
    }
    q->pending++;
    pthread_mutex_unlock(&q->lock);
    /* Copied outside the lock: the delivery thread never waits for a copy. */
    it = xcalloc(1, sizeof(*it));
    snprintf(it->event, sizeof(it->event), "%s", event);
    it->body = xmalloc(len + 1);
    memcpy(it->body, body, len);
    it->body[len] = '\0';
    it->len = len;
    pthread_mutex_lock(&q->lock);
    TAILQ_INSERT_TAIL(&q->items, it, link);
    pthread_mutex_unlock(&q->lock);
    return true;
}

struct webhook_item *webhook_queue_take(struct webhook_queue *q)
{
    struct webhook_item *it;

    pthread_mutex_lock(&q->lock);
    it = TAILQ_FIRST(&q->items);
    if (it != NULL)
        TAILQ_REMOVE(&q->items, it, link);
    pthread_mutex_unlock(&q->lock);
    return it;
}

void webhook_queue_done(struct webhook_queue *q, struct webhook_item *it)
{
    webhook_item_free(it);
    pthread_mutex_lock(&q->lock);
    assert(q->pending > 0);
    q->pending--;
    pthread_mutex_unlock(&q->lock);
}

size_t webhook_queue_pending(struct webhook_queue *q)
{
    size_t n;

    pthread_mutex_lock(&q->lock);
    n = q->pending;
    pthread_mutex_unlock(&q->lock);
    return n;
}

uint64_t webhook_queue_dropped(struct webhook_queue *q)
{
    uint64_t n;

    pthread_mutex_lock(&q->lock);
    n = q->dropped;
    pthread_mutex_unlock(&q->lock);
    return n;
}

enum webhook_outcome webhook_outcome_of(bool answered, long status)
{
    if (!answered)
        return WEBHOOK_RETRY;
    if (status >= 200 && status <= 299)
        return WEBHOOK_DELIVERED;
    if (status >= 500 || status == 429)
        return WEBHOOK_RETRY;
    return WEBHOOK_GIVE_UP;
}

uint64_t webhook_backoff_ms(unsigned attempts)
{
    uint64_t ms = WEBHOOK_BACKOFF_FIRST_MS;

    if (attempts == 0)
        return 0;
    for (unsigned i = 1; i < attempts && ms < WEBHOOK_BACKOFF_MAX_MS; i++)
        ms *= 2;
    return ms < WEBHOOK_BACKOFF_MAX_MS ? ms : WEBHOOK_BACKOFF_MAX_MS;
}

bool webhook_may_retry(unsigned attempts, unsigned retries)
{
    return attempts <= retries;
}

/* The length of "scheme://" at the start of 'url', or 0 when there is none. */
static size_t scheme_len(const char *url)
{
    size_t n = 0;

    while (isalpha((unsigned char)url[n]) || (n > 0 && (isdigit((unsigned char)url[n]) ||
                                                       url[n] == '+' || url[n] == '-' ||
                                                       url[n] == '.')))
        n++;
    return n > 0 && strncmp(url + n, "://", 3) == 0 ? n + 3 : 0;
}

static bool is_http(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

const char *webhook_url_problem(const char *url)
{
    size_t s = scheme_len(url);
    const char *host;

    if (!is_http(url))
        return "expected an http:// or https:// URL";
    for (const char *c = url; *c != '\0'; c++) {
        if (isspace((unsigned char)*c) || iscntrl((unsigned char)*c))
            return "the URL holds a blank or a control character";
    }
    host = url + s;
    /* Credentials, if any, end with the last '@' before the path. */
    for (const char *c = host; *c != '\0' && *c != '/' && *c != '?' && *c != '#'; c++) {
        if (*c == '@')
            host = c + 1;
    }
    if (*host == '\0' || *host == '/' || *host == ':' || *host == '?' || *host == '#')
        return "the URL has no host";
    return NULL;
}

const char *webhook_url_for_log(const char *url, char *out, size_t outsz)
{
    size_t s = scheme_len(url), end, o = 0;
    const char *host;

    if (outsz == 0)
        return out;
    host = url + s;
    for (const char *c = host; *c != '\0' && *c != '/' && *c != '?' && *c != '#'; c++) {
        if (*c == '@')
            host = c + 1;
    }
    end = strcspn(host, "?#");
    for (size_t i = 0; i < s && o + 1 < outsz; i++)
        out[o++] = url[i];
    for (size_t i = 0; i < end && o + 1 < outsz; i++)
        out[o++] = iscntrl((unsigned char)host[i]) ? '?' : host[i];
    out[o] = '\0';
    return out;
}
