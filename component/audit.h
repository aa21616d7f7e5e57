/*
 * audit.h: one JSON object a line for every decision lobbyd takes, to
 * audit_file: join verdicts, knocks, admits and denies with their actor,
 * limits that sent a knocker away, lobbies switched on and off. Each line
 * has "ts" (UTC, ISO 8601 with milliseconds) and "event"; tokens appear
 * only as their fingerprint. The file is opened for appending and
 * reopened by audit_reopen() (SIGHUP, after logrotate moved it).
 * A failed write is logged once and the event dropped; lobbyd goes on.
 * A sink (the webhook) gets each line too, with or without a file.
 */
#ifndef LOBBYD_COMPONENT_AUDIT_H
#define LOBBYD_COMPONENT_AUDIT_H

#include <stdbool.h>

#include <jansson.h>

struct audit;

/*
 * Open 'path' for appending (created 0640). NULL 'path': an audit that
 * writes nothing. Returns NULL with why in 'why' when the file cannot be
 * opened.
 */
struct audit *audit_open(const char *path, char *why, size_t whysz);

/* NULL is fine. */
void audit_close(struct audit *a);

/*
 * Where every line goes besides the file: 'sink' is called with the
 * event name and the line ('len' bytes, no newline, NUL-terminated),
 * both borrowed for the call, from audit_write()'s thread. NULL 'sink':
 * none. Cannot fail.
 */
typedef void (*audit_sink_fn)(void *arg, const char *event, const char *line, size_t len);
void audit_set_sink(struct audit *a, audit_sink_fn sink, void *arg);

/* Does 'a' write anything, to the file or a sink? Lets callers skip
 * building lines for nobody. */
bool audit_enabled(const struct audit *a);

/* Open the path again (the old file may have been moved). Logs a failure
 * and keeps writing to the old file. */
void audit_reopen(struct audit *a);

/*
 * Write 'fields' (an object; reference stolen) as one line, with "ts" and
 * "event" first, and hand the same line to the sink. NULL 'a', or an
 * audit with neither a file nor a sink, drops it. Cannot fail.
 */
void audit_write(struct audit *a, const char *event, json_t *fields);

#endif /* LOBBYD_COMPONENT_AUDIT_H */
