/*
 * persist.c: state_file. dispatch_restore() reads the state lobbyd left
 * (lobby_restore()) at start-up; dispatch_persist() writes it
 * (lobby_save()) through a temporary file renamed over the old one, at
 * most once every STATE_SAVE_EVERY_MS unless forced. A state that cannot
 * be read is set aside as <state_file>.bad.<time>, never overwritten.
 *
 * Deliberately not here: what the state holds and its text form
 * (lobby/snapshot.c); noting that it changed (the calls in dispatch.c set
 * d->dirty).
 */
#include "component/dispatch.h"
#include "component/dispatch_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "component/metrics.h"
#include "lobby/lobby.h"

#define STATE_SAVE_EVERY_MS 1000
#define STATE_MAX_BYTES (512u << 20)

static int64_t wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read all of 'fd' (at most STATE_MAX_BYTES). Returns a buffer the caller
 * frees, or NULL with errno set. */
static char *read_all(int fd, size_t *len)
{
    struct stat sb;
    char *buf;
    size_t got = 0;
    ssize_t n;

    if (fstat(fd, &sb) == -1)
        return NULL;
    if (sb.st_size < 0 || (uint64_t)sb.st_size > STATE_MAX_BYTES) {
        errno = EFBIG;
        return NULL;
    }
    buf = xcalloc(1, (size_t)sb.st_size + 1);
    while (got < (size_t)sb.st_size) {
        n = read(fd, buf + got, (size_t)sb.st_size - got);
        if (n == -1 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(buf);
            if (n == 0)
                errno = EIO;
            return NULL;
        }
        got += (size_t)n;
    }
    *len = got;
    return buf;
}

static int count_session(void *arg, const char *room, const char *nick, const char *real_jid)
{
    (void)room;
    (void)nick;
    (void)real_jid;
    ++*(size_t *)arg;
    return 0;
}

/* Keep a state lobbyd cannot use for the operator, out of the way (a name
 * of its own each time: an earlier one is not overwritten). If it cannot be
 * moved, this run must not write over it. */
static void set_aside(struct dispatch *d, const char *path)
{
    char bad[4096];

    snprintf(bad, sizeof(bad), "%s.bad.%lld", path, (long long)time(NULL));
    if (rename(path, bad) == 0) {
        log_warnx("state: kept the unreadable state as %s", bad);
        return;
    }
    log_warn("state: cannot rename %s to %s", path, bad);
    log_warnx("state: %s will not be written in this run, so that it is not lost: fix it and "
              "restart lobbyd", path);
    d->keep_file = true;
}

void dispatch_restore(struct dispatch *d)
{
    const char *path = d->cfg->state_file;
    char why[256], *text;
    size_t len = 0, sessions = 0;
    struct stat sb;
    int fd;

    if (path == NULL)
        return;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd == -1 && errno == ENOENT) {
        log_info("state: no %s yet: nobody is waiting", path);
        return;
    }
    text = fd != -1 ? read_all(fd, &len) : NULL;
    if (text == NULL || fstat(fd, &sb) == -1) {
        log_warn("state: cannot read %s; starting with nobody waiting", path);
        free(text);
        if (fd != -1)
            close(fd);
        set_aside(d, path);
        return;
    }
    close(fd);
    if (lobby_restore(d->lobby, text, len, dispatch_monotonic_ms(), wall_ms(), why, sizeof(why)) != 0) {
        log_warnx("state: %s: %s; starting with nobody waiting", path, why);
        lobby_free(d->lobby);
        d->lobby = lobby_new(&d->lc);
        if (d->lobby == NULL)
            fatalx("out of memory creating the lobby");
        set_aside(d, path);
    } else {
        (void)lobby_each_session(d->lobby, count_session, &sessions);
        log_info("state: restored %s, written %lld s ago: %zu sessions in lobby rooms and main "
                 "rooms, to be checked with the bridge", path,
                 (long long)(time(NULL) - sb.st_mtime), sessions);
    }
    free(text);
}

/* Write 'text' to 'path' through a temporary file renamed over it, so a
 * crash leaves the old state or the new one, never half of one. */
static int write_state(const char *path, const char *text, size_t len)
{
    char tmp[4096];
    size_t done = 0;
    ssize_t n;
    int fd, e;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* Real JIDs, names and e-mail addresses: for lobbyd's eyes only. A
     * leftover of a crash is removed; nothing is written through a link. */
    (void)unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd == -1)
        return -1;
    while (done < len) {
        n = write(fd, text + done, len - done);
        if (n == -1 && errno == EINTR)
            continue;
        if (n == -1)
            goto fail;
        done += (size_t)n;
    }
    if (fsync(fd) == -1 || close(fd) == -1) {
        fd = -1;
        goto fail;
    }
    if (rename(tmp, path) == -1) {
        fd = -1;
        goto fail;
    }
    return 0;
fail:
    e = errno;
    if (fd != -1)
        close(fd);
    (void)unlink(tmp);
    errno = e;
    return -1;
}

void dispatch_persist(struct dispatch *d, bool force)
{
    uint64_t now = dispatch_monotonic_ms();
    char *text;
    size_t len;

    if (d->cfg->state_file == NULL || !d->dirty || d->keep_file)
        return;
    if (!force && d->saved_ms != 0 && now - d->saved_ms < STATE_SAVE_EVERY_MS)
        return;
    d->saved_ms = now;
    if (lobby_save(d->lobby, now, wall_ms(), &text, &len) != 0)
        fatalx("out of memory saving the lobby state");
    if (write_state(d->cfg->state_file, text, len) != 0) {
        if (!d->save_failing)
            log_warn("state: cannot write %s; a restart of lobbyd would forget everyone "
                     "waiting", d->cfg->state_file);
        d->save_failing = true;
    } else {
        if (d->save_failing)
            log_info("state: %s written again", d->cfg->state_file);
        d->save_failing = false;
        d->dirty = false;
        metrics_add(d->metrics, METRICS_STATE_WRITES);
    }
    free(text);
}
