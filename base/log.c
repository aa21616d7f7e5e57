/*
 * log.c: stderr logging with levels and the daemon's allocation wrappers.
 *
 * One event is one line; lines never interleave. While the daemon's loop
 * has buffering on (log_buffer), DEBUG and INFO lines collect in memory
 * and go out with one write(2) when the loop calls log_flush() at the end
 * of each turn, before anything the turn queued is sent: a burst of
 * verdicts costs one system call, not one each. WARN and ERROR lines flush
 * what is pending and go out at once. Under systemd journald adds the
 * time; "log_time" adds it for tests and plain terminals. One mutex
 * guards the buffer and the timestamp, so lines of the webhook thread and
 * the loop never interleave either. This file deliberately knows nothing
 * about XMPP, tokens or policy.
 */
#include "base/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

#define LOG_BUFFER_SIZE (64 * 1024)

enum log_level log_threshold = LOG_LEVEL_INFO;
static bool log_with_time;
static bool buffering;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char pending[LOG_BUFFER_SIZE];   /* under log_lock */
static size_t n_pending;

/* The last second written as a timestamp, and its text. */
static time_t stamp_sec = -1;
static char stamp[32];
static size_t stamp_len;

/* Write 'len' bytes to stderr; a failure has nowhere to be reported. */
static void put(const char *p, size_t len)
{
    ssize_t n;

    while (len > 0) {
        n = write(STDERR_FILENO, p, len);
        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        p += n;
        len -= (size_t)n;
    }
}

/* Caller holds log_lock. */
static void flush_locked(void)
{
    if (n_pending > 0)
        put(pending, n_pending);
    n_pending = 0;
}

void log_flush(void)
{
    int e = errno;

    pthread_mutex_lock(&log_lock);
    flush_locked();
    pthread_mutex_unlock(&log_lock);
    errno = e;
}

void log_buffer(bool on)
{
    pthread_mutex_lock(&log_lock);
    if (!on)
        flush_locked();
    buffering = on;
    pthread_mutex_unlock(&log_lock);
}

static const char *const level_names[] = {
    [LOG_LEVEL_DEBUG] = "DEBUG",
    [LOG_LEVEL_INFO] = "INFO",
    [LOG_LEVEL_WARN] = "WARN",
    [LOG_LEVEL_ERROR] = "ERROR",
};

void log_init(enum log_level threshold, bool with_time)
{
    log_threshold = threshold;
    log_with_time = with_time;
}

bool log_level_parse(const char *s, enum log_level *out)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (enum log_level)i;
            return true;
        }
    }
    return false;
}

static void log_emit(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];
    size_t len = 0;
    int n;

    pthread_mutex_lock(&log_lock);
    if (log_with_time) {
        struct timespec ts;
        struct tm tm;

        clock_gettime(CLOCK_REALTIME, &ts);
        if (ts.tv_sec != stamp_sec) {
            gmtime_r(&ts.tv_sec, &tm);
            stamp_len = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
            stamp_sec = ts.tv_sec;
        }
        memcpy(line, stamp, stamp_len);
        len = stamp_len;
        n = snprintf(line + len, sizeof(line) - len, ".%03ldZ ", ts.tv_nsec / 1000000);
        if (n > 0)
            len += (size_t)n;
    }
    n = snprintf(line + len, sizeof(line) - len, "%s ", level_names[level]);
    if (n > 0)
        len += (size_t)n;
    if (len < sizeof(line)) {
        n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
        if (n > 0)
            len += (size_t)n;
    }
    if (suffix != NULL && len < sizeof(line)) {
        n = snprintf(line + len, sizeof(line) - len, ": %s", suffix);
        if (n > 0)
            len += (size_t)n;
    }
    if (len >= sizeof(line) - 1)
        len = sizeof(line) - 2;     /* truncated: keep the newline */
    line[len++] = '\n';
    if (buffering && level < LOG_LEVEL_WARN) {
        if (n_pending + len > sizeof(pending))
            flush_locked();
        memcpy(pending + n_pending, line, len);
        n_pending += len;
    } else {
        flush_locked();
        put(line, len);
    }
    pthread_mutex_unlock(&log_lock);
}

void log_vwrite(enum log_level level, const char *fmt, va_list ap)
{
    if (level < log_threshold)
        return;
    log_emit(level, NULL, fmt, ap);
}

void log_write(enum log_level level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vwrite(level, fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    int e = errno;
    va_list ap;

    if (LOG_LEVEL_WARN < log_threshold)
        return;
    va_start(ap, fmt);
    log_emit(LOG_LEVEL_WARN, strerror(e), fmt, ap);
    va_end(ap);
}

void fatal(const char *fmt, ...)
{
    int e = errno;
    va_list ap;

    va_start(ap, fmt);
    log_emit(LOG_LEVEL_ERROR, strerror(e), fmt, ap);
    va_end(ap);
    exit(1);
}

void fatalx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_emit(LOG_LEVEL_ERROR, NULL, fmt, ap);
    va_end(ap);
    exit(1);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n == 0 ? 1 : n);

    if (p == NULL)
        fatalx("out of memory allocating %zu bytes", n);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb == 0 ? 1 : nmemb, size == 0 ? 1 : size);

    if (p == NULL)
        fatalx("out of memory allocating %zu x %zu bytes", nmemb, size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n == 0 ? 1 : n);

    if (q == NULL)
        fatalx("out of memory reallocating %zu bytes", n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *p = xmalloc(len + 1);

    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

const char *log_quote(const char *s, char *out, size_t outsz)
{
    size_t o = 0;

    if (outsz == 0)
        return out;
    if (s == NULL)
        s = "";
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        size_t need = (c == '"' || c == '\\') ? 2 : 1;

        if (o + need + 4 > outsz) {
            if (outsz >= 4) {
                o = o > outsz - 4 ? outsz - 4 : o;
                memcpy(out + o, "...", 3);
                o += 3;
            }
            break;
        }
        if (need == 2)
            out[o++] = '\\';
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : (c >= 0x80 ? (char)c : '?');
    }
    out[o] = '\0';
    return out;
}
