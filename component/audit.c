/*
 * audit.c: the audit trail of audit.h.
 */
#include "component/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

struct audit {
    char *path;
    int fd;                             /* -1: writes nothing */
    bool failing;                       /* the last write failed (logged once) */
    audit_sink_fn sink;                 /* NULL: none */
    void *sink_arg;
};

static int open_append(const char *path)
{
    return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
}

struct audit *audit_open(const char *path, char *why, size_t whysz)
{
    struct audit *a = xcalloc(1, sizeof(*a));

    a->fd = -1;
    if (path == NULL)
        return a;
    a->fd = open_append(path);
    if (a->fd == -1) {
        snprintf(why, whysz, "cannot open %s for appending: %s", path, strerror(errno));
        free(a);
        return NULL;
    }
    a->path = xstrdup(path);
    return a;
}

void audit_close(struct audit *a)
{
    if (a == NULL)
        return;
    if (a->fd != -1)
        close(a->fd);
    free(a->path);
    free(a);
}

void audit_set_sink(struct audit *a, audit_sink_fn sink, void *arg)
{
    a->sink = sink;
    a->sink_arg = arg;
}

bool audit_enabled(const struct audit *a)
{
    return a != NULL && (a->fd != -1 || a->sink != NULL);
}

void audit_reopen(struct audit *a)
{
    int fd;

    if (a == NULL || a->path == NULL)
        return;
    fd = open_append(a->path);
    if (fd == -1) {
        log_warn("audit: cannot reopen %s; still writing to the file it was", a->path);
        return;
    }
    close(a->fd);
    a->fd = fd;
    log_info("audit: reopened %s", a->path);
}

/* "2026-12-06T13:50:01.234Z" */
static void now_iso(char *out, size_t size)
{
    struct timespec ts;
    struct tm tm;
    char sec[24];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, size, "%.19s.%03dZ", sec, (int)(ts.tv_nsec / 1000000) % 1000);
}

void audit_write(struct audit *a, const char *event, json_t *fields)
{
    json_t *line;
    char ts[40], *text;
    size_t len;
    ssize_t n;

    if (!audit_enabled(a)) {
        json_decref(fields);
        return;
    }
    now_iso(ts, sizeof(ts));
    line = json_pack("{s:s, s:s}", "ts", ts, "event", event);
    if (line == NULL || json_object_update(line, fields) != 0)
        fatalx("out of memory building an audit line");
    json_decref(fields);
    text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(line);
    if (text == NULL)
        fatalx("out of memory writing an audit line");
    len = strlen(text);
    if (a->sink != NULL)
        a->sink(a->sink_arg, event, text, len);
    if (a->fd == -1) {
        free(text);
        return;
    }
    text[len++] = '\n';                 /* over the NUL: json_dumps' buffer is len + 1 */
    /* One write() per line: with O_APPEND, lines never interleave. */
    n = write(a->fd, text, len);
    free(text);
    if (n == (ssize_t)len) {
        if (a->failing)
            log_info("audit: writing %s again", a->path);
        a->failing = false;
        return;
    }
    if (!a->failing)
        log_warn("audit: cannot write to %s; audit events are lost until it works again",
                 a->path);
    a->failing = true;
}
