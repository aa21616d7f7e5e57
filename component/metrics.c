/*
 * metrics.c: the counters of metrics.h and their HTTP exposition.
 */
#include "component/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "base/log.h"

#define LABEL_MAX 160                   /* one rendered label set */
#define MAX_BUCKETS 12

struct label_set {
    char text[LABEL_MAX];               /* action="allow",rule="owner-claim" */
    uint64_t n;
};

struct family {
    struct label_set v[METRICS_MAX_LABELS];
    size_t n;
    uint64_t overflow;
};

struct histogram {
    uint64_t bucket[MAX_BUCKETS];       /* not cumulative; rendering adds up */
    uint64_t count;
    double sum;
};

struct metrics {
    pthread_mutex_t lock;
    uint64_t counter[METRICS_N_COUNTERS];
    struct family family[METRICS_N_FAMILIES];
    struct histogram histogram[METRICS_N_HISTOGRAMS];
    size_t waiting;
    size_t webhook_queue;
    struct MHD_Daemon *httpd;
};

static const struct {
    const char *name, *help;
} counters[METRICS_N_COUNTERS] = {
    [METRICS_KNOCKS] = {"lobbyd_knocks_total", "Knockers who entered a lobby."},
    [METRICS_ADMITS] = {"lobbyd_admits_total", "Knockers let in by a moderator."},
    [METRICS_DENIES] = {"lobbyd_denies_total", "Knockers turned away by a moderator."},
    [METRICS_SEND_BACKS] = {"lobbyd_send_backs_total",
                            "Participants a moderator sent back to the lobby."},
    [METRICS_NOTICES] = {"lobbyd_host_left_notices_total",
                         "Waiting guests told that the last host left."},
    [METRICS_CONNECTS] = {"lobbyd_component_connects_total",
                          "Connections of the component to Prosody, the first included."},
    [METRICS_STATE_WRITES] = {"lobbyd_state_writes_total", "Writes of state_file."},
    [METRICS_WEBHOOK_DELIVERIES] = {"lobbyd_webhook_deliveries_total",
                                    "Audit events the webhook receiver accepted (2xx)."},
    [METRICS_WEBHOOK_FAILURES] = {"lobbyd_webhook_failures_total",
                                  "Audit events given up: refused by the receiver (4xx) or "
                                  "failed after the last retry."},
    [METRICS_WEBHOOK_DROPPED] = {"lobbyd_webhook_dropped_total",
                                 "Audit events never sent: the webhook queue was full, or "
                                 "lobbyd stopped before they went out."},
};

static const struct {
    const char *name, *help, *label_a, *label_b;
} families[METRICS_N_FAMILIES] = {
    [METRICS_VERDICTS] = {"lobbyd_verdicts_total", "Join verdicts, by action and rule.",
                          "action", "rule"},
    [METRICS_TOKEN_REFUSALS] = {"lobbyd_token_refusals_total",
                                "Tokens refused, by what was wrong.", "reason", NULL},
    [METRICS_TIMEOUTS] = {"lobbyd_timeouts_total",
                          "Knockers sent away by a limit, by limit.", "limit", NULL},
    [METRICS_KNOCKS_REFUSED] = {"lobbyd_knocks_refused_total",
                                "Lobby joins refused, by reason (full, full-total, cooldown, "
                                "knock-limit, knock-limit-ip, lobby-off, nick-in-use, ...).",
                                "reason", NULL},
};

static const double verdict_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                        0.01,   0.025,   0.05,   0.1,   0.25};
static const double wait_bounds[] = {1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};

static const struct {
    const char *name, *help;
    const double *bounds;
    size_t n;
} histograms[METRICS_N_HISTOGRAMS] = {
    [METRICS_VERDICT_SECONDS] = {"lobbyd_verdict_seconds",
                                 "Time lobbyd takes to decide a join, token check included.",
                                 verdict_bounds, sizeof(verdict_bounds) / sizeof(double)},
    [METRICS_WAIT_SECONDS] = {"lobbyd_wait_seconds",
                              "Time a knocker waited until let in, turned away or sent away.",
                              wait_bounds, sizeof(wait_bounds) / sizeof(double)},
};

struct metrics *metrics_new(void)
{
    struct metrics *m = xcalloc(1, sizeof(*m));

    if (pthread_mutex_init(&m->lock, NULL) != 0)
        fatalx("cannot create the metrics lock");
    return m;
}

void metrics_free(struct metrics *m)
{
    if (m == NULL)
        return;
    if (m->httpd != NULL)
        MHD_stop_daemon(m->httpd);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

void metrics_add(struct metrics *m, enum metrics_counter c)
{
    pthread_mutex_lock(&m->lock);
    m->counter[c]++;
    pthread_mutex_unlock(&m->lock);
}

/* 'value' as a Prometheus label value (quotes not included). */
static size_t escape(const char *value, char *out, size_t size)
{
    size_t n = 0;

    for (const char *c = value != NULL ? value : ""; *c != '\0' && n + 3 < size; c++) {
        if (*c == '\\' || *c == '"' || *c == '\n') {
            out[n++] = '\\';
            out[n++] = *c == '\n' ? 'n' : *c;
        } else {
            out[n++] = *c;
        }
    }
    out[n] = '\0';
    return n;
}

void metrics_label(struct metrics *m, enum metrics_family f, const char *a, const char *b)
{
    struct family *fam = &m->family[f];
    char ea[64], eb[80], text[LABEL_MAX];
    size_t i;

    escape(a, ea, sizeof(ea));
    escape(b, eb, sizeof(eb));
    if (families[f].label_b != NULL)
        snprintf(text, sizeof(text), "%s=\"%s\",%s=\"%s\"", families[f].label_a, ea,
                 families[f].label_b, eb);
    else
        snprintf(text, sizeof(text), "%s=\"%s\"", families[f].label_a, ea);
    pthread_mutex_lock(&m->lock);
    for (i = 0; i < fam->n && strcmp(fam->v[i].text, text) != 0; i++)
        ;
    if (i < fam->n) {
        fam->v[i].n++;
    } else if (fam->n < METRICS_MAX_LABELS) {
        memcpy(fam->v[fam->n].text, text, sizeof(text));
        fam->v[fam->n++].n = 1;
    } else {
        fam->overflow++;
    }
    pthread_mutex_unlock(&m->lock);
}

void metrics_observe(struct metrics *m, enum metrics_histogram h, double seconds)
{
    struct histogram *hg = &m->histogram[h];
    size_t i;

    for (i = 0; i < histograms[h].n && seconds > histograms[h].bounds[i]; i++)
        ;
    pthread_mutex_lock(&m->lock);
    if (i < histograms[h].n)
        hg->bucket[i]++;
    hg->count++;
    hg->sum += seconds;
    pthread_mutex_unlock(&m->lock);
}

void metrics_set_waiting(struct metrics *m, size_t n)
{
    pthread_mutex_lock(&m->lock);
    m->waiting = n;
    pthread_mutex_unlock(&m->lock);
}

void metrics_set_webhook_queue(struct metrics *m, size_t n)
{
    pthread_mutex_lock(&m->lock);
    m->webhook_queue = n;
    pthread_mutex_unlock(&m->lock);
}

/* ---- the text ---- */

struct text {
    char *p;
    size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    for (;;) {
        va_start(ap, fmt);
        n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            fatalx("cannot format a metric");
        if ((size_t)n < t->cap - t->len)
            break;
        t->cap = 2 * t->cap + (size_t)n;
        t->p = xrealloc(t->p, t->cap);
    }
    t->len += (size_t)n;
}

static void put_head(struct text *t, const char *name, const char *help, const char *type)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Caller holds the lock. */
static void render_locked(const struct metrics *m, struct text *t)
{
    for (size_t c = 0; c < METRICS_N_COUNTERS; c++) {
        put_head(t, counters[c].name, counters[c].help, "counter");
        put(t, "%s %llu\n", counters[c].name, (unsigned long long)m->counter[c]);
    }
    for (size_t f = 0; f < METRICS_N_FAMILIES; f++) {
        const struct family *fam = &m->family[f];

        put_head(t, families[f].name, families[f].help, "counter");
        for (size_t i = 0; i < fam->n; i++)
            put(t, "%s{%s} %llu\n", families[f].name, fam->v[i].text,
                (unsigned long long)fam->v[i].n);
        if (fam->overflow > 0)
            put(t, "%s{other=\"overflow\"} %llu\n", families[f].name,
                (unsigned long long)fam->overflow);
    }
    for (size_t h = 0; h < METRICS_N_HISTOGRAMS; h++) {
        const struct histogram *hg = &m->histogram[h];
        uint64_t sum = 0;

        put_head(t, histograms[h].name, histograms[h].help, "histogram");
        for (size_t i = 0; i < histograms[h].n; i++) {
            sum += hg->bucket[i];
            put(t, "%s_bucket{le=\"%g\"} %llu\n", histograms[h].name, histograms[h].bounds[i],
                (unsigned long long)sum);
        }
        put(t, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", histograms[h].name,
            (unsigned long long)hg->count, histograms[h].name, hg->sum, histograms[h].name,
            (unsigned long long)hg->count);
    }
    put_head(t, "lobbyd_waiting", "Knockers waiting in all lobbies, not yet let in.", "gauge");
    put(t, "lobbyd_waiting %zu\n", m->waiting);
    put_head(t, "lobbyd_webhook_queue",
             "Audit events not yet delivered to webhook_url, those waiting to retry included.",
             "gauge");
    put(t, "lobbyd_webhook_queue %zu\n", m->webhook_queue);
}

void metrics_render(struct metrics *m, char **text, size_t *len)
{
    struct text t = {.p = xmalloc(4096), .len = 0, .cap = 4096};

    pthread_mutex_lock(&m->lock);
    render_locked(m, &t);
    pthread_mutex_unlock(&m->lock);
    *text = t.p;
    *len = t.len;
}

/* ---- HTTP ---- */

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, char *body, size_t len,
                              const char *type)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    enum MHD_Result rc;

    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **state)
{
    struct metrics *m = cls;
    char *body;
    size_t len;

    (void)version;
    (void)upload;
    if (*state == NULL) {               /* headers only so far; answer on the next call */
        *state = m;
        return MHD_YES;
    }
    if (*upload_size != 0) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        body = xstrdup("only GET /metrics is served\n");
        return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, body, strlen(body), "text/plain");
    }
    if (strcmp(url, "/metrics") != 0) {
        body = xstrdup("not found: lobbyd serves /metrics\n");
        return answer(c, MHD_HTTP_NOT_FOUND, body, strlen(body), "text/plain");
    }
    metrics_render(m, &body, &len);
    return answer(c, MHD_HTTP_OK, body, len, "text/plain; version=0.0.4; charset=utf-8");
}

bool metrics_parse_listen(const char *s, struct sockaddr_storage *out, socklen_t *outlen,
                          char *why, size_t whysz)
{
    char host[64];
    const char *colon, *h = s;
    size_t hlen;
    unsigned long port;
    char *end;

    memset(out, 0, sizeof(*out));
    colon = s != NULL ? strrchr(s, ':') : NULL;
    if (colon == NULL || colon == s) {
        snprintf(why, whysz, "expected ADDRESS:PORT, e.g. 127.0.0.1:9898 or [::1]:9898");
        return false;
    }
    hlen = (size_t)(colon - s);
    if (s[0] == '[' && hlen >= 2 && colon[-1] == ']') {
        h = s + 1;
        hlen -= 2;
    }
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || port == 0 || port > 65535) {
        snprintf(why, whysz, "port \"%s\" is not a number from 1 to 65535", colon + 1);
        return false;
    }
    if (hlen >= sizeof(host)) {
        snprintf(why, whysz, "address is too long");
        return false;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    if (h != s) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)out;

        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) {
            snprintf(why, whysz, "\"%s\" is not an IPv6 address", host);
            return false;
        }
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        *outlen = sizeof(*a6);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)out;

        if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
            snprintf(why, whysz, "\"%s\" is not an IPv4 address (an IPv6 one goes in brackets)",
                     host);
            return false;
        }
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        *outlen = sizeof(*a4);
    }
    return true;
}

bool metrics_is_loopback(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
    return ss->ss_family == AF_INET6 &&
           IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

/* A listening socket on 'ss', or -1 with errno set by the step that failed.
 * lobbyd binds it itself, so that a refusal names the system's reason
 * ("Address already in use"): libmicrohttpd 1.0 leaves errno at another
 * call's value when its own bind fails. */
static int listen_on(const struct sockaddr_storage *ss, socklen_t len)
{
    int one = 1;
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int e;

    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
        (ss->ss_family != AF_INET6 ||
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == 0) &&
        bind(fd, (const struct sockaddr *)ss, len) == 0 && listen(fd, 32) == 0)
        return fd;
    e = errno;
    close(fd);
    errno = e;
    return -1;
}

bool metrics_serve(struct metrics *m, const char *listen, char *why, size_t whysz)
{
    struct sockaddr_storage ss;
    socklen_t len;
    sigset_t all, old;
    int fd;

    if (!metrics_parse_listen(listen, &ss, &len, why, whysz))
        return false;
    fd = listen_on(&ss, len);
    if (fd < 0) {
        snprintf(why, whysz, "cannot serve metrics on %s: %s", listen, strerror(errno));
        return false;
    }
    /* The thread inherits a mask with every signal blocked, so that
     * SIGTERM and SIGHUP reach the daemon's loop, never this thread. */
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    m->httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL,
                                on_request, m, MHD_OPTION_LISTEN_SOCKET, fd,
                                MHD_OPTION_CONNECTION_LIMIT, 32u,
                                MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (m->httpd == NULL) {
        close(fd);
        snprintf(why, whysz, "cannot serve metrics on %s: libmicrohttpd could not start", listen);
        return false;
    }
    return true;
}
