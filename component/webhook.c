/*
 * webhook.c: the delivery thread of webhook.h, on libcurl's multi
 * interface: up to WEBHOOK_MAX_TRANSFERS attempts in flight, retries held
 * in a list ordered by when they are due, one curl_multi_poll() wait per
 * turn, woken by curl_multi_wakeup() when the loop queues an event or
 * asks the thread to stop.
 *
 * What it deliberately does not do: follow redirects (a 3xx is a refusal,
 * logged with its status), read the answer's body, use any protocol but
 * http and https, or see the secret anywhere but in the signature. The
 * configured URL, credentials and all, goes only to curl; logs get
 * webhook_url_for_log()'s form.
 *
 * Needs libcurl 7.85 or later (CURLOPT_PROTOCOLS_STR; curl_multi_poll and
 * curl_multi_wakeup came earlier). Debian 12 has 7.88, Debian 13 8.14.
 */
#include "component/webhook.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "base/log.h"
#include "component/webhook_queue.h"
#include "component/webhook_sign.h"

#define WEBHOOK_URL_LOG_MAX 256
#define WEBHOOK_IDLE_WAIT_MS 1000       /* the longest curl_multi_poll() */
#define WEBHOOK_HEADER_MAX 128

struct transfer {
    size_t slot;                        /* in webhook.slots */
    CURL *easy;
    struct curl_slist *headers;
    struct webhook_item *it;
    char error[CURL_ERROR_SIZE];
};

struct webhook {
    char *url;                          /* as configured: for curl only */
    char url_log[WEBHOOK_URL_LOG_MAX];  /* for log lines */
    char *secret;                       /* wiped before free */
    size_t secret_len;
    unsigned retries, timeout_ms, queue_max;
    struct webhook_queue *queue;
    struct metrics *metrics;            /* borrowed */
    CURLM *multi;
    pthread_t thread;
    bool started;

    pthread_mutex_t lock;               /* the two fields below */
    bool stopping;
    uint64_t stop_at_ms;

    /* the loop's */
    bool full;                          /* the last post found the queue full (said once) */
    uint64_t dropped_at_full;

    /* the thread's */
    struct transfer *slots[WEBHOOK_MAX_TRANSFERS];  /* NULL: free */
    size_t active;                      /* transfers in flight */
    struct webhook_items waiting;       /* retries, by due_ms */
    size_t n_waiting;
    bool failing;                       /* the last event was given up (said once when over) */
    size_t left;                        /* undelivered when the thread stopped */
};

static uint64_t monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Discard the answer's body; only its status counts. */
static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p;
    (void)arg;
    return size * n;
}

static struct curl_slist *header(struct curl_slist *l, const char *name, const char *value)
{
    char line[WEBHOOK_HEADER_MAX];
    struct curl_slist *r;

    snprintf(line, sizeof(line), "%s: %s", name, value);
    r = curl_slist_append(l, line);
    if (r == NULL)
        fatalx("out of memory building a webhook request");
    return r;
}

static void start_transfer(struct webhook *w, struct webhook_item *it)
{
    struct transfer *t = xcalloc(1, sizeof(*t));
    char sig[WEBHOOK_SIGNATURE_SIZE];
    CURL *e = curl_easy_init();

    if (e == NULL)
        fatalx("out of memory starting a webhook request");
    it->attempts++;
    for (t->slot = 0; w->slots[t->slot] != NULL; t->slot++)
        ;
    w->slots[t->slot] = t;
    t->easy = e;
    t->it = it;
    webhook_sign(w->secret, w->secret_len, it->body, it->len, sig);
    t->headers = header(t->headers, "Content-Type", "application/json");
    t->headers = header(t->headers, "X-Lobbyd-Event", it->event);
    t->headers = header(t->headers, "X-Lobbyd-Signature", sig);
    t->headers = header(t->headers, "Expect", "");      /* no 100-continue round trip */
    curl_easy_setopt(e, CURLOPT_URL, w->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, it->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)it->len);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->headers);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)w->timeout_ms);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "lobbyd");
    /* A thread must not get curl's SIGALRM (DNS timeouts). */
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)t);
    if (curl_multi_add_handle(w->multi, e) != CURLM_OK)
        fatalx("webhook: curl refuses another request");
    w->active++;
    OPENSSL_cleanse(sig, sizeof(sig));
}

/* Stop 't', free it and hand its event back. */
static struct webhook_item *end_transfer(struct webhook *w, struct transfer *t)
{
    struct webhook_item *it = t->it;

    curl_multi_remove_handle(w->multi, t->easy);
    curl_easy_cleanup(t->easy);
    curl_slist_free_all(t->headers);
    w->slots[t->slot] = NULL;
    free(t);
    w->active--;
    return it;
}

/* Keep 'waiting' ordered by due time; the newest retry is usually the latest. */
static void wait_for_retry(struct webhook *w, struct webhook_item *it, uint64_t now)
{
    struct webhook_item *after;

    it->due_ms = now + webhook_backoff_ms(it->attempts);
    for (after = TAILQ_LAST(&w->waiting, webhook_items); after != NULL;
         after = TAILQ_PREV(after, webhook_items, link)) {
        if (after->due_ms <= it->due_ms)
            break;
    }
    if (after == NULL)
        TAILQ_INSERT_HEAD(&w->waiting, it, link);
    else
        TAILQ_INSERT_AFTER(&w->waiting, after, it, link);
    w->n_waiting++;
}

static void give_up(struct webhook *w, struct webhook_item *it, const char *why)
{
    log_warnx("webhook: delivery to %s failed after %u %s: %s (event=%s)", w->url_log,
              it->attempts, it->attempts == 1 ? "attempt" : "attempts", why, it->event);
    metrics_add(w->metrics, METRICS_WEBHOOK_FAILURES);
    w->failing = true;
    webhook_queue_done(w->queue, it);
}

static void finished(struct webhook *w, struct transfer *t, CURLcode rc, uint64_t now)
{
    char why[CURL_ERROR_SIZE + 32];
    long status = 0;
    struct webhook_item *it;
    enum webhook_outcome o;

    if (rc == CURLE_OK)
        curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK)
        snprintf(why, sizeof(why), "%s", t->error[0] != '\0' ? t->error : curl_easy_strerror(rc));
    else
        snprintf(why, sizeof(why), "HTTP %ld", status);
    o = webhook_outcome_of(rc == CURLE_OK, status);
    it = end_transfer(w, t);
    if (o == WEBHOOK_DELIVERED) {
        metrics_add(w->metrics, METRICS_WEBHOOK_DELIVERIES);
        if (w->failing)
            log_info("webhook: delivering to %s again", w->url_log);
        w->failing = false;
        webhook_queue_done(w->queue, it);
    } else if (o == WEBHOOK_RETRY && webhook_may_retry(it->attempts, w->retries)) {
        log_debug("webhook: attempt %u to %s failed: %s; retrying in %llu ms (event=%s)",
                  it->attempts, w->url_log, why,
                  (unsigned long long)webhook_backoff_ms(it->attempts), it->event);
        wait_for_retry(w, it, now);
    } else {
        give_up(w, it, why);
    }
}

static void collect(struct webhook *w, uint64_t now)
{
    int left = 0;

    for (CURLMsg *m = curl_multi_info_read(w->multi, &left); m != NULL;
         m = curl_multi_info_read(w->multi, &left)) {
        char *priv = NULL;

        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        finished(w, (struct transfer *)(void *)priv, m->data.result, now);
    }
}

/* Retries that are due first, then new events, while there is room. */
static void start_due(struct webhook *w, uint64_t now)
{
    while (w->active < WEBHOOK_MAX_TRANSFERS) {
        struct webhook_item *it = TAILQ_FIRST(&w->waiting);

        if (it != NULL && it->due_ms <= now) {
            TAILQ_REMOVE(&w->waiting, it, link);
            w->n_waiting--;
        } else {
            it = webhook_queue_take(w->queue);
            if (it == NULL)
                break;
        }
        start_transfer(w, it);
    }
}

/* How long the thread may sleep: until the next retry, the end of the
 * drain, or a second; not at all when an event waits for a free slot. */
static int next_wait_ms(struct webhook *w, uint64_t now, bool stopping, uint64_t stop_at)
{
    uint64_t wait = WEBHOOK_IDLE_WAIT_MS;
    const struct webhook_item *first = TAILQ_FIRST(&w->waiting);
    size_t queued = webhook_queue_pending(w->queue) - w->active - w->n_waiting;
    uint64_t until;

    if (w->active < WEBHOOK_MAX_TRANSFERS) {
        if (queued > 0)
            wait = 0;
        until = first == NULL ? UINT64_MAX : first->due_ms <= now ? 0 : first->due_ms - now;
        if (until < wait)
            wait = until;
    }
    until = stop_at <= now ? 0 : stop_at - now;
    if (stopping && until < wait)
        wait = until;
    return (int)wait;
}

/* At the end of the drain: what is in flight or waiting is given back. */
static void abandon(struct webhook *w)
{
    struct webhook_item *it;

    for (size_t i = 0; i < WEBHOOK_MAX_TRANSFERS; i++) {
        if (w->slots[i] != NULL)
            webhook_queue_done(w->queue, end_transfer(w, w->slots[i]));
    }
    for (it = TAILQ_FIRST(&w->waiting); it != NULL; it = TAILQ_FIRST(&w->waiting)) {
        TAILQ_REMOVE(&w->waiting, it, link);
        w->n_waiting--;
        webhook_queue_done(w->queue, it);
    }
}

static void *deliver(void *arg)
{
    struct webhook *w = arg;
    int running = 0;

    for (;;) {
        uint64_t now = monotonic_ms(), stop_at;
        bool stopping;

        pthread_mutex_lock(&w->lock);
        stopping = w->stopping;
        stop_at = w->stop_at_ms;
        pthread_mutex_unlock(&w->lock);
        if (stopping && (now >= stop_at || webhook_queue_pending(w->queue) == 0))
            break;
        start_due(w, now);
        curl_multi_perform(w->multi, &running);
        collect(w, monotonic_ms());
        start_due(w, monotonic_ms());
        metrics_set_webhook_queue(w->metrics, webhook_queue_pending(w->queue));
        curl_multi_poll(w->multi, NULL, 0, next_wait_ms(w, monotonic_ms(), stopping, stop_at),
                        NULL);
    }
    w->left = webhook_queue_pending(w->queue);
    abandon(w);
    return NULL;
}

/* ---- the loop's side ---- */

/* Plain http across the network: the audit lines (JIDs, names, e-mail
 * addresses) travel unencrypted. Only the signature keeps them honest. */
static void warn_plain_http(const struct webhook *w, CURLU *u)
{
    char *scheme = NULL, *host = NULL;

    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && strcasecmp(scheme, "http") == 0 &&
        strncmp(host, "127.", 4) != 0 && strcasecmp(host, "localhost") != 0 &&
        strcmp(host, "[::1]") != 0)
        log_warnx("webhook: %s is plain http: audit lines (JIDs, names, e-mail addresses) "
                  "cross the network unencrypted; use https", w->url_log);
    curl_free(scheme);
    curl_free(host);
}

/* Does curl read 'url' as a URL? Returns a new CURLU (curl_url_cleanup()),
 * or NULL with why in 'why'. */
static CURLU *parse_url(const char *url, char *why, size_t whysz)
{
    CURLU *u = curl_url();
    CURLUcode rc;

    if (u == NULL)
        fatalx("out of memory parsing webhook_url");
    rc = curl_url_set(u, CURLUPART_URL, url, 0);
    if (rc != CURLUE_OK) {
        snprintf(why, whysz, "webhook_url: curl cannot read it: %s", curl_url_strerror(rc));
        curl_url_cleanup(u);
        return NULL;
    }
    return u;
}

int webhook_check(const struct config *cfg, char *why, size_t whysz)
{
    CURLU *u = parse_url(cfg->webhook_url, why, whysz);
    char *secret;

    if (u == NULL)
        return -1;
    curl_url_cleanup(u);
    secret = config_read_secret(cfg->webhook_secret_file, why, whysz);
    if (secret == NULL)
        return -1;
    OPENSSL_cleanse(secret, strlen(secret));
    free(secret);
    return 0;
}

static void webhook_free(struct webhook *w)
{
    if (w == NULL)
        return;
    if (w->multi != NULL)
        curl_multi_cleanup(w->multi);
    webhook_queue_free(w->queue);
    if (w->secret != NULL) {
        OPENSSL_cleanse(w->secret, w->secret_len);
        free(w->secret);
    }
    free(w->url);
    pthread_mutex_destroy(&w->lock);
    free(w);
    curl_global_cleanup();
}

/* The thread starts with every signal blocked, so that SIGTERM and SIGHUP
 * reach the loop, never this thread. */
static bool start_thread(struct webhook *w)
{
    sigset_t all, old;
    int e;

    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    e = pthread_create(&w->thread, NULL, deliver, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    w->started = e == 0;
    return w->started;
}

struct webhook *webhook_start(const struct config *cfg, struct metrics *m, char *why,
                              size_t whysz)
{
    struct webhook *w = NULL;
    CURLU *u = NULL;

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(why, whysz, "libcurl cannot start");
        return NULL;
    }
    w = xcalloc(1, sizeof(*w));
    if (pthread_mutex_init(&w->lock, NULL) != 0)
        fatalx("cannot create the webhook lock");
    TAILQ_INIT(&w->waiting);
    w->url = xstrdup(cfg->webhook_url);
    webhook_url_for_log(cfg->webhook_url, w->url_log, sizeof(w->url_log));
    w->retries = cfg->webhook_retries;
    w->timeout_ms = cfg->webhook_timeout_ms;
    w->queue_max = cfg->webhook_queue_max;
    w->metrics = m;
    w->queue = webhook_queue_new(cfg->webhook_queue_max);
    u = parse_url(cfg->webhook_url, why, whysz);
    if (u == NULL)
        goto fail;
    w->secret = config_read_secret(cfg->webhook_secret_file, why, whysz);
    if (w->secret == NULL)
        goto fail;
    w->secret_len = strlen(w->secret);
    w->multi = curl_multi_init();
    if (w->multi == NULL)
        fatalx("out of memory starting the webhook");
    if (!start_thread(w)) {
        snprintf(why, whysz, "cannot start the webhook thread");
        goto fail;
    }
    log_info("webhook: posting audit events to %s (queue %u, %u retries, %u ms a try)",
             w->url_log, w->queue_max, w->retries, w->timeout_ms);
    warn_plain_http(w, u);
    curl_url_cleanup(u);
    return w;
fail:
    curl_url_cleanup(u);
    webhook_free(w);
    return NULL;
}

void webhook_post(struct webhook *w, const char *event, const char *body, size_t len)
{
    if (webhook_queue_push(w->queue, event, body, len)) {
        if (w->full)
            log_info("webhook: the queue has room again; %llu events were dropped meanwhile",
                     (unsigned long long)(webhook_queue_dropped(w->queue) - w->dropped_at_full));
        w->full = false;
        curl_multi_wakeup(w->multi);
        return;
    }
    metrics_add(w->metrics, METRICS_WEBHOOK_DROPPED);
    if (!w->full) {
        log_warnx("webhook: queue full (%u events not yet delivered to %s, webhook_queue_max); "
                  "dropping audit events until it drains", w->queue_max, w->url_log);
        w->dropped_at_full = webhook_queue_dropped(w->queue) - 1;
    }
    w->full = true;
}

void webhook_stop(struct webhook *w, unsigned drain_ms)
{
    size_t pending;

    if (w == NULL)
        return;
    pending = webhook_queue_pending(w->queue);
    if (pending > 0 && drain_ms > 0)
        log_info("webhook: delivering %zu queued events to %s before stopping (at most %u ms)",
                 pending, w->url_log, drain_ms);
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    w->stop_at_ms = monotonic_ms() + drain_ms;
    pthread_mutex_unlock(&w->lock);
    if (w->started) {
        curl_multi_wakeup(w->multi);
        pthread_join(w->thread, NULL);
    } else {
        w->left = pending;
    }
    if (w->left > 0) {
        log_warnx("webhook: stopping with %zu events not delivered to %s", w->left, w->url_log);
        for (size_t i = 0; i < w->left; i++)
            metrics_add(w->metrics, METRICS_WEBHOOK_DROPPED);
    }
    metrics_set_webhook_queue(w->metrics, 0);
    webhook_free(w);
}
