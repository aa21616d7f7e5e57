/*
 * log.h: the bottom module every layer above may use: one line per event
 * to stderr, with a level and an area; and the allocation wrappers of the
 * daemon's layers, xmpp/ and component/ (out of memory is fatal there,
 * never in the library modules jwt/ and lobby/, which report it).
 *
 * Lines look like "INFO verdict: room=... rule=...". Secrets and whole tokens
 * never go through here.
 */
#ifndef LOBBYD_BASE_LOG_H
#define LOBBYD_BASE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

/* The current threshold; messages below it are not even formatted. */
extern enum log_level log_threshold;

/* Set the threshold and whether each line starts with a UTC timestamp.
 * Cannot fail. */
void log_init(enum log_level threshold, bool with_time);

/* Collect DEBUG and INFO lines in memory until log_flush() (on), or write
 * every line at once (off, the default; turning it off flushes). */
void log_buffer(bool on);

/* Write the collected lines. Keeps errno. Cannot fail. */
void log_flush(void);

/* Parse "debug", "info", "warn" or "error". Returns false on anything else. */
bool log_level_parse(const char *s, enum log_level *out);

/* Write one line at 'level'. Use the macros below instead. */
void log_write(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vwrite(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#define log_debug(...) \
    do { if (log_threshold <= LOG_LEVEL_DEBUG) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...) \
    do { if (log_threshold <= LOG_LEVEL_INFO) log_write(LOG_LEVEL_INFO, __VA_ARGS__); } while (0)
#define log_warnx(...) \
    do { if (log_threshold <= LOG_LEVEL_WARN) log_write(LOG_LEVEL_WARN, __VA_ARGS__); } while (0)
#define log_errorx(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)

/* Like log_warnx, with ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log at ERROR and exit(1). fatal appends strerror(errno). */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Allocation that cannot fail: on exhaustion they log and exit. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Write 's' into 'out' (size 'outsz') for use inside "..." in a log line:
 * '"' and '\\' are escaped, control characters become '?', UTF-8 bytes are
 * kept; the result is
 * truncated with "..." when it does not fit. Returns 'out'. Cannot fail. */
const char *log_quote(const char *s, char *out, size_t outsz);

#endif
