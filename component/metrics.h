/*
 * metrics.h: what lobbyd counts, in the Prometheus text format, served
 * over HTTP on metrics_listen (libmicrohttpd, its own thread).
 *
 * The daemon's loop updates the counters; the HTTP thread only renders
 * them. Both take the one mutex, so the thread never sees lobby state,
 * only numbers. Counting cannot fail: a label set beyond
 * METRICS_MAX_LABELS is counted under other="overflow".
 */
#ifndef LOBBYD_COMPONENT_METRICS_H
#define LOBBYD_COMPONENT_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define METRICS_MAX_LABELS 256          /* label sets per family */

enum metrics_counter {
    METRICS_KNOCKS,                     /* knockers who entered a lobby */
    METRICS_ADMITS,                     /* knockers let in by a moderator */
    METRICS_DENIES,                     /* knockers turned away by a moderator */
    METRICS_NOTICES,                    /* waiting guests told the last host left */
    METRICS_SEND_BACKS,                 /* participants a moderator sent back to the lobby */
    METRICS_CONNECTS,                   /* component (re)connections to Prosody */
    METRICS_STATE_WRITES,               /* state_file written */
    METRICS_WEBHOOK_DELIVERIES,         /* audit lines the webhook receiver took (2xx) */
    METRICS_WEBHOOK_FAILURES,           /* given up: refused, or failed after the last retry */
    METRICS_WEBHOOK_DROPPED,            /* not queued (queue full) or left at shutdown */
    METRICS_N_COUNTERS
};

enum metrics_family {
    METRICS_VERDICTS,                   /* by action and rule */
    METRICS_TOKEN_REFUSALS,             /* by kind (struct token_reason) */
    METRICS_TIMEOUTS,                   /* by limit (max-wait, end-without-host) */
    METRICS_KNOCKS_REFUSED,             /* lobby joins refused, by reason (full, cooldown,
                                           knock-limit, ...: lobby_effect.event) */
    METRICS_N_FAMILIES
};

enum metrics_histogram {
    METRICS_VERDICT_SECONDS,            /* deciding one join, token check included */
    METRICS_WAIT_SECONDS,               /* a knocker's wait until admitted, denied or sent away */
    METRICS_N_HISTOGRAMS
};

struct metrics;

/* All zero. Aborts on allocation failure, as the daemon does. */
struct metrics *metrics_new(void);

/* Stops the HTTP thread, if any. NULL is fine. */
void metrics_free(struct metrics *m);

/*
 * Parse metrics_listen: "ADDRESS:PORT", ADDRESS an IPv4 address or an
 * IPv6 one in brackets ("[::1]:9898"). Returns true with the address, or
 * false with why in 'why' (size 'whysz').
 */
bool metrics_parse_listen(const char *s, struct sockaddr_storage *out, socklen_t *outlen,
                          char *why, size_t whysz);

/* Is 'ss' a loopback address? */
bool metrics_is_loopback(const struct sockaddr_storage *ss);

/*
 * Serve GET /metrics on 'listen' (metrics_parse_listen) from a thread of
 * its own. Returns true, or false with why in 'why'.
 */
bool metrics_serve(struct metrics *m, const char *listen, char *why, size_t whysz);

void metrics_add(struct metrics *m, enum metrics_counter c);

/* +1 for the label values 'a' (and 'b', NULL for one-label families). */
void metrics_label(struct metrics *m, enum metrics_family f, const char *a, const char *b);

void metrics_observe(struct metrics *m, enum metrics_histogram h, double seconds);

/* The waiting gauge: knockers in all lobbies now. */
void metrics_set_waiting(struct metrics *m, size_t n);

/* The webhook gauge: events not yet delivered (retries included). */
void metrics_set_webhook_queue(struct metrics *m, size_t n);

/* The exposition text, malloc'ed, in '*text' ('*len' bytes, NUL-terminated). */
void metrics_render(struct metrics *m, char **text, size_t *len);

#endif /* LOBBYD_COMPONENT_METRICS_H */
