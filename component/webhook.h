/*
 * webhook.h: every audit line POSTed to webhook_url, from a thread of its
 * own (libcurl's multi interface), so a slow or dead receiver never holds
 * up a join.
 *
 *   POST <webhook_url>
 *   Content-Type: application/json
 *   X-Lobbyd-Event: knock                      (the line's "event")
 *   X-Lobbyd-Signature: sha256=<hex HMAC-SHA256 of the body, webhook_sign.h>
 *
 *   {"ts":"...","event":"knock","room":"...",...}     (the audit line, no newline)
 *
 * Like metrics.c's thread, the delivery thread never sees lobby state: the
 * loop hands it copies of finished lines through webhook_queue.h, and it
 * touches only that queue, the metrics (their own lock) and the log.
 * Answers: 2xx delivered; no answer, 5xx or 429 retried after 1 s, 2 s,
 * 4 s ... up to webhook_retries times; anything else given up at once.
 * Every event given up is one WARN line: "webhook: delivery to URL failed
 * after N attempts: REASON", the URL without credentials or query.
 */
#ifndef LOBBYD_COMPONENT_WEBHOOK_H
#define LOBBYD_COMPONENT_WEBHOOK_H

#include <stddef.h>

#include "component/config.h"
#include "component/metrics.h"

#define WEBHOOK_MAX_TRANSFERS 8         /* attempts in flight at once */
#define WEBHOOK_DRAIN_MS 2000           /* what a shutdown gives the queue */

struct webhook;

/*
 * Read webhook_secret_file and start delivering to cfg->webhook_url, the
 * counters going to 'm' (borrowed: it must outlive the webhook). Copies
 * what it needs of 'cfg'. Returns NULL with why in 'why' when the secret
 * cannot be read or curl refuses the URL.
 */
struct webhook *webhook_start(const struct config *cfg, struct metrics *m, char *why,
                              size_t whysz);

/*
 * Queue a copy of 'body' ('len' bytes) as event 'event'. A full queue
 * drops it, counts it in lobbyd_webhook_dropped_total and says so once
 * until there is room again. Called from the loop. Cannot fail.
 */
void webhook_post(struct webhook *w, const char *event, const char *body, size_t len);

/*
 * Give the thread up to 'drain_ms' to deliver what is queued, then stop
 * it and free everything; events still undelivered are logged and counted
 * as dropped. NULL is fine.
 */
void webhook_stop(struct webhook *w, unsigned drain_ms);

/* For --check: the URL as curl reads it and the secret file. Returns 0, or
 * -1 with why in 'why'. */
int webhook_check(const struct config *cfg, char *why, size_t whysz);

#endif /* LOBBYD_COMPONENT_WEBHOOK_H */
