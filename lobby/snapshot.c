/*
 * snapshot.c: the lobby's state as text, so that it survives a restart of
 * lobbyd (lobby_save, lobby_restore in lobby.h). No I/O: the daemon writes
 * and reads the file.
 *
 * One record a line, fields separated by one space; a field is
 * percent-encoded (bytes up to space, DEL and '%' as %XX), "-" stands for
 * no value and a literal "-" is written %2D. Every record after a "room"
 * line belongs to that room:
 *
 *   lobbyd-state 1
 *   room <main room JID> <lobby on: 0|1> <settled: 0|1> <hosted: 0|1> <hostless since, wall ms|->
 *        [<lobby message|->]
 *   before-host allow|wait|deny       the room's own (an owner token's)
 *   allow <entry>                     one per entry of its allow list, in order
 *   kept                              the call is over; kept for the two above
 *   waiter <nick> <real JID> <session> <name> <e-mail> <knocked, wall ms> <approved: 0|1>
 *          [<verified: 0|1> <verified name|-> <verified e-mail|->]
 *   moderator <nick> <real JID>
 *   owner <real JID>
 *   admission <real JID> <session> approved|present|left|sent-back <since, wall ms>
 *             <ends, wall ms|-> [<main-room nick|->]
 *   cooldown <real JID> <denied, wall ms> <ends, wall ms>
 *   end
 *
 * Times are wall-clock milliseconds, converted from and to the monotonic
 * clock the lobby runs on with the caller's pair (now_ms, wall_ms). What
 * ended while lobbyd was down is not restored, and no deadline comes back
 * later than this run's configuration allows from now (rejoin_window and
 * deny_cooldown may have changed with the restart). Admissions not yet
 * confirmed by Prosody (PENDING) are not saved: they are not admissions.
 * A room line without its "settled" or "hosted" field (written before
 * lobbyd had default lobbies or before_host) reads as settled and hosted:
 * no owner token gets a say over a room that was already running, and its
 * guests are not sent to wait for a host. Without its "hostless since"
 * field, a room's clock of end_without_host_after is not running; a
 * knocker's next knock or a host's leaving starts it. An admission line
 * without its nick (written before lobbyd had send-back) has none; a room
 * line without its lobby message, none of its own; a waiter line without
 * its verified fields (written before lobbyd vouched for knockers) is not
 * verified.
 *
 * The before-host, allow and kept records come right after their room
 * line, in that order; a kept room holds nothing else.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lobby/lobby.h"
#include "lobby/lobby_internal.h"
#include "lobby/room.h"

#define MAGIC "lobbyd-state 1"
#define MAX_FIELDS 11

/* ---- writing ---- */

/* enum lobby_before_host, as the state writes it. */
static const char *const before_host_words[] = { "allow", "wait", "deny" };

struct out {
    char *p;
    size_t len, cap;
    bool failed;
};

static void put_bytes(struct out *o, const char *s, size_t n)
{
    char *p;
    size_t cap;

    if (o->failed)
        return;
    if (o->len + n + 1 > o->cap) {
        cap = o->cap == 0 ? 4096 : o->cap;
        while (o->len + n + 1 > cap)
            cap *= 2;
        p = realloc(o->p, cap);
        if (p == NULL) {
            o->failed = true;
            return;
        }
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

/* ' ' and the field, encoded; NULL as "-". */
static void put_field(struct out *o, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char esc[3] = {'%', 0, 0};

    put_bytes(o, " ", 1);
    if (s == NULL || s[0] == '\0') {
        put_bytes(o, "-", 1);
        return;
    }
    if (strcmp(s, "-") == 0) {
        put_bytes(o, "%2D", 3);
        return;
    }
    for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
        if (*c <= ' ' || *c == 0x7f || *c == '%') {
            esc[1] = hex[*c >> 4];
            esc[2] = hex[*c & 15];
            put_bytes(o, esc, 3);
        } else {
            put_bytes(o, (const char *)c, 1);
        }
    }
}

static void put_int(struct out *o, int64_t v)
{
    char buf[32];

    put_bytes(o, buf, (size_t)snprintf(buf, sizeof(buf), " %" PRId64, v));
}

static void put_end(struct out *o)
{
    put_bytes(o, "\n", 1);
}

struct clock {
    uint64_t now_ms;
    int64_t wall_ms;
};

static int64_t wall_of(const struct clock *c, uint64_t t_ms)
{
    return c->wall_ms + ((int64_t)t_ms - (int64_t)c->now_ms);
}

struct save_walk {
    struct out *o;
    const struct clock *clock;
};

static int save_owner(const struct lobby_hnode *n, void *arg)
{
    struct save_walk *sw = arg;

    put_bytes(sw->o, "owner", 5);
    put_field(sw->o, LOBBY_HASH_ENTRY(n, struct room_owner, by_jid)->real_jid);
    put_end(sw->o);
    return 0;
}

static const char *const admission_states[] = {
    [ROOM_ADMISSION_APPROVED] = "approved",
    [ROOM_ADMISSION_PRESENT] = "present",
    [ROOM_ADMISSION_LEFT] = "left",
    [ROOM_ADMISSION_PENDING] = NULL,
    [ROOM_ADMISSION_SENT_BACK] = "sent-back",
};

static int save_admission(const struct lobby_hnode *n, void *arg)
{
    struct save_walk *sw = arg;
    const struct room_admission *a = LOBBY_HASH_ENTRY(n, struct room_admission, by_jid);

    if (a->state == ROOM_ADMISSION_PENDING)
        return 0;
    put_bytes(sw->o, "admission", 9);
    put_field(sw->o, a->real_jid);
    put_field(sw->o, a->session);
    put_field(sw->o, admission_states[a->state]);
    put_int(sw->o, wall_of(sw->clock, a->since_ms));
    if (a->state == ROOM_ADMISSION_PRESENT)
        put_field(sw->o, NULL);
    else
        put_int(sw->o, wall_of(sw->clock, a->deadline_ms));
    put_field(sw->o, a->nick);
    put_end(sw->o);
    return 0;
}

static int save_cooldown(const struct lobby_hnode *n, void *arg)
{
    struct save_walk *sw = arg;
    const struct room_cooldown *c = LOBBY_HASH_ENTRY(n, struct room_cooldown, by_jid);

    put_bytes(sw->o, "cooldown", 8);
    put_field(sw->o, c->real_jid);
    put_int(sw->o, wall_of(sw->clock, c->denied_ms));
    put_int(sw->o, wall_of(sw->clock, c->deadline_ms));
    put_end(sw->o);
    return 0;
}

static int save_room(const struct lobby_hnode *n, void *arg)
{
    struct save_walk *sw = arg;
    const struct room *r = LOBBY_HASH_ENTRY(n, struct room, by_node);
    const struct room_waiter *w;
    const struct room_moderator *m;

    put_bytes(sw->o, "room", 4);
    put_field(sw->o, r->jid);
    put_int(sw->o, r->enabled);
    put_int(sw->o, r->settled);
    put_int(sw->o, r->hosted);
    if (r->hostless)
        put_int(sw->o, wall_of(sw->clock, r->hostless_ms));
    else
        put_field(sw->o, NULL);
    if (r->message != NULL)
        put_field(sw->o, r->message);
    put_end(sw->o);
    if (r->has_before_host) {
        put_bytes(sw->o, "before-host", 11);
        put_field(sw->o, before_host_words[r->before_host]);
        put_end(sw->o);
    }
    for (size_t i = 0; i < r->n_allow; i++) {
        put_bytes(sw->o, "allow", 5);
        put_field(sw->o, r->allow[i]);
        put_end(sw->o);
    }
    if (r->kept) {
        put_bytes(sw->o, "kept", 4);
        put_end(sw->o);
    }
    TAILQ_FOREACH(w, &r->queue, queue) {
        put_bytes(sw->o, "waiter", 6);
        put_field(sw->o, w->nick);
        put_field(sw->o, w->real_jid);
        put_field(sw->o, w->session);
        put_field(sw->o, w->name);
        put_field(sw->o, w->email);
        put_int(sw->o, wall_of(sw->clock, w->knock_ms));
        put_int(sw->o, w->approved);
        put_int(sw->o, w->verified);
        put_field(sw->o, w->verified_name);
        put_field(sw->o, w->verified_email);
        put_end(sw->o);
    }
    TAILQ_FOREACH(m, &r->moderators, link) {
        put_bytes(sw->o, "moderator", 9);
        put_field(sw->o, m->nick);
        put_field(sw->o, m->real_jid);
        put_end(sw->o);
    }
    (void)lobby_hash_each(&r->owners, save_owner, sw);
    (void)lobby_hash_each(&r->admissions, save_admission, sw);
    (void)lobby_hash_each(&r->cooldowns, save_cooldown, sw);
    return 0;
}

int lobby_save(const struct lobby *lb, uint64_t now_ms, int64_t wall_ms, char **text,
               size_t *len)
{
    struct out o = {0};
    struct clock clock = { now_ms, wall_ms };
    struct save_walk sw = { &o, &clock };

    put_bytes(&o, MAGIC "\n", strlen(MAGIC) + 1);
    (void)lobby_hash_each(&lb->rooms, save_room, &sw);
    put_bytes(&o, "end\n", 4);
    if (o.failed) {
        free(o.p);
        errno = ENOMEM;
        return -1;
    }
    *text = o.p;
    *len = o.len;
    return 0;
}

/* ---- reading ---- */

struct line {
    char *field[MAX_FIELDS + 1];       /* decoded in place; NULL for "-" */
    size_t n;
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode 'f' in place. Returns false on a bad escape or a NUL. */
static bool decode(char *f)
{
    char *w = f;
    int hi, lo;

    for (const char *r = f; *r != '\0'; r++) {
        if (*r != '%') {
            *w++ = *r;
            continue;
        }
        hi = hexval(r[1]);
        lo = hi < 0 ? -1 : hexval(r[2]);
        if (lo < 0 || (hi == 0 && lo == 0))
            return false;
        *w++ = (char)(hi << 4 | lo);
        r += 2;
    }
    *w = '\0';
    return true;
}

/* Split the NUL-terminated 'text' line into fields. */
static bool split(char *text, struct line *l)
{
    char *save = NULL, *f;

    l->n = 0;
    for (f = strtok_r(text, " ", &save); f != NULL; f = strtok_r(NULL, " ", &save)) {
        if (l->n == MAX_FIELDS + 1)
            return false;
        if (strcmp(f, "-") == 0) {
            l->field[l->n++] = NULL;
            continue;
        }
        if (!decode(f))
            return false;
        l->field[l->n++] = f;
    }
    return l->n > 0 && l->field[0] != NULL;
}

static bool to_int(const char *s, int64_t *v)
{
    char *end;

    if (s == NULL || *s == '\0')
        return false;
    errno = 0;
    *v = strtoll(s, &end, 10);
    return errno == 0 && *end == '\0';
}

/* A time of the state: wall-clock ms from 1970 up to a year past the
 * restore, so that every conversion below stays far from overflow. */
#define YEAR_MS (366LL * 24 * 3600 * 1000)

static bool to_time(const char *s, int64_t wall_ms, int64_t *v)
{
    return to_int(s, v) && *v >= 0 && *v <= wall_ms + YEAR_MS;
}

static bool to_flag(const char *s, bool *v)
{
    if (s == NULL || (strcmp(s, "0") != 0 && strcmp(s, "1") != 0))
        return false;
    *v = s[0] == '1';
    return true;
}

/* The monotonic time of wall time 'w' (checked by to_time): 0 if it lies
 * before the monotonic clock's start. */
static uint64_t mono_of(const struct clock *c, int64_t w)
{
    int64_t d = w - c->wall_ms;

    if (d < 0 && (uint64_t)-d > c->now_ms)
        return 0;
    return (uint64_t)((int64_t)c->now_ms + d);
}

/* A time that has passed: not after now, whatever the file says. */
static uint64_t past_of(const struct clock *c, int64_t w)
{
    uint64_t t = mono_of(c, w);

    return t < c->now_ms ? t : c->now_ms;
}

/* A deadline, never later than the configuration of this run allows from
 * now: the rest of lobby/ keeps each timer list sorted by giving all its
 * entries the same duration. */
static uint64_t deadline_of(const struct clock *c, int64_t w, uint64_t max_ms)
{
    uint64_t t = mono_of(c, w);

    return t < c->now_ms + max_ms ? t : c->now_ms + max_ms;
}

static bool fits(const char *s, size_t max)
{
    return s == NULL || strnlen(s, max) < max;
}

struct restore {
    struct lobby *lb;
    struct clock clock;
    struct room *room;
    const char *problem;
};

static bool restore_waiter(struct restore *rs, struct line *l)
{
    struct room_waiter *w;
    int64_t knocked;
    bool approved, verified = false;

    if ((l->n != 8 && l->n != 11) || l->field[1] == NULL || l->field[2] == NULL ||
        !to_time(l->field[6], rs->clock.wall_ms, &knocked) || !to_flag(l->field[7], &approved) ||
        (l->n == 11 && !to_flag(l->field[8], &verified)))
        return (rs->problem = "a waiter needs nick, JID, session, name, e-mail, time, flag "
                              "[, verified flag, name, e-mail]"), false;
    if (!fits(l->field[1], LOBBY_NICK_MAX) || !fits(l->field[2], LOBBY_JID_MAX) ||
        !fits(l->field[3], LOBBY_SESSION_MAX) || !fits(l->field[4], LOBBY_NAME_MAX) ||
        !fits(l->field[5], LOBBY_EMAIL_MAX) ||
        (l->n == 11 && (!fits(l->field[9], LOBBY_NAME_MAX) || !fits(l->field[10], LOBBY_EMAIL_MAX))))
        return (rs->problem = "a waiter's field is too long"), false;
    if (!verified && l->n == 11 && (l->field[9] != NULL || l->field[10] != NULL))
        return (rs->problem = "a waiter that is not verified has a verified name or e-mail"),
               false;
    if (strchr(l->field[2], '/') == NULL)
        return (rs->problem = "a waiter's JID is not a full JID"), false;
    if (rs->room->n_waiting >= LOBBY_MAX_WAITING_PER_ROOM)
        return (rs->problem = "more waiters than a lobby holds"), false;
    if (room_waiter_by_nick(rs->room, l->field[1]) != NULL ||
        room_waiter_by_jid(rs->room, l->field[2]) != NULL)
        return (rs->problem = "a waiter's nick or JID appears twice"), false;
    w = room_waiter_add(rs->room, l->field[1], l->field[2], l->field[3], l->field[4],
                        l->field[5], past_of(&rs->clock, knocked));
    if (w == NULL)
        return (rs->problem = "out of memory"), false;
    w->approved = approved;
    if (approved)
        room_waiter_stop_aging(w);
    if (verified && room_waiter_set_verified(w, l->field[9], l->field[10]) != 0)
        return (rs->problem = "out of memory"), false;
    return true;
}

static bool restore_moderator(struct restore *rs, struct line *l)
{
    if (l->n != 3 || l->field[1] == NULL || l->field[2] == NULL)
        return (rs->problem = "a moderator needs nick and JID"), false;
    if (!fits(l->field[1], LOBBY_NICK_MAX) || !fits(l->field[2], LOBBY_JID_MAX))
        return (rs->problem = "a moderator's field is too long"), false;
    if (rs->room->n_moderators >= LOBBY_MAX_MODERATORS_PER_ROOM)
        return (rs->problem = "more moderators than a lobby room holds"), false;
    if (room_moderator_by_jid(rs->room, l->field[2]) != NULL)
        return (rs->problem = "a moderator appears twice"), false;
    if (room_moderator_add(rs->room, l->field[1], l->field[2]) == NULL)
        return (rs->problem = "out of memory"), false;
    return true;
}

static bool restore_admission(struct restore *rs, struct line *l)
{
    enum room_admission_state state;
    int64_t since, ends = 0;
    uint64_t deadline = UINT64_MAX;

    if ((l->n != 6 && l->n != 7) || l->field[1] == NULL || l->field[3] == NULL ||
        !to_time(l->field[4], rs->clock.wall_ms, &since))
        return (rs->problem = "an admission needs JID, session, state, since, end"), false;
    if (!fits(l->field[1], LOBBY_JID_MAX) || !fits(l->field[2], LOBBY_SESSION_MAX) ||
        (l->n == 7 && !fits(l->field[6], LOBBY_NICK_MAX)))
        return (rs->problem = "an admission's field is too long"), false;
    if (strcmp(l->field[3], "present") == 0)
        state = ROOM_ADMISSION_PRESENT;
    else if (strcmp(l->field[3], "approved") == 0)
        state = ROOM_ADMISSION_APPROVED;
    else if (strcmp(l->field[3], "left") == 0)
        state = ROOM_ADMISSION_LEFT;
    else if (strcmp(l->field[3], "sent-back") == 0)
        state = ROOM_ADMISSION_SENT_BACK;
    else
        return (rs->problem = "an admission's state is not approved, present, left or sent-back"),
               false;
    if (state != ROOM_ADMISSION_PRESENT) {
        if (!to_time(l->field[5], rs->clock.wall_ms, &ends))
            return (rs->problem = "an admission that ends needs its end"), false;
        /* Ended while lobbyd was down, or windows are off in this run. */
        if (ends <= rs->clock.wall_ms ||
            (state == ROOM_ADMISSION_LEFT && rs->lb->cfg.rejoin_window_ms == 0))
            return true;
        deadline = deadline_of(&rs->clock, ends, state == ROOM_ADMISSION_LEFT
                                                     ? rs->lb->cfg.rejoin_window_ms
                                                 : state == ROOM_ADMISSION_SENT_BACK
                                                     ? LOBBY_SENT_BACK_MS
                                                     : LOBBY_ADMIT_JOIN_MS);
    } else if (l->field[5] != NULL) {
        return (rs->problem = "a present admission has no end"), false;
    }
    if (room_admission_find(rs->room, l->field[1]) != NULL)
        return (rs->problem = "an admission appears twice"), false;
    if (rs->room->admissions.count >= LOBBY_MAX_ADMITTED_PER_ROOM)
        return (rs->problem = "more admissions than a room holds"), false;
    if (room_admission_put(rs->room, l->field[1], l->field[2], state,
                           past_of(&rs->clock, since), deadline) != 0 ||
        (l->n == 7 && room_admission_set_nick(room_admission_find(rs->room, l->field[1]),
                                              l->field[6]) != 0))
        return (rs->problem = "out of memory"), false;
    return true;
}

static bool restore_cooldown(struct restore *rs, struct line *l)
{
    int64_t denied, ends;

    if (l->n != 4 || l->field[1] == NULL || !to_time(l->field[2], rs->clock.wall_ms, &denied) ||
        !to_time(l->field[3], rs->clock.wall_ms, &ends))
        return (rs->problem = "a cooldown needs JID, time and end"), false;
    if (!fits(l->field[1], LOBBY_JID_MAX))
        return (rs->problem = "a cooldown's JID is too long"), false;
    /* Ended while lobbyd was down, or cooldowns are off in this run. */
    if (ends <= rs->clock.wall_ms || rs->lb->cfg.deny_cooldown_ms == 0)
        return true;
    if (room_cooldown_find(rs->room, l->field[1]) != NULL)
        return (rs->problem = "a cooldown appears twice"), false;
    if (room_cooldown_put(rs->room, l->field[1], past_of(&rs->clock, denied),
                          deadline_of(&rs->clock, ends, rs->lb->cfg.deny_cooldown_ms)) != 0)
        return (rs->problem = "too many cooldowns, or out of memory"), false;
    return true;
}

/* What the live code never lets a room hold, checked once all its
 * records are in: a moderator who is not an owner present in the main
 * room, a moderator who also waits or shares a waiter's nick, anyone in a
 * lobby that is off. */
static bool room_is_sound(struct restore *rs)
{
    const struct room *r = rs->room;
    const struct room_moderator *m;

    if (r == NULL)
        return true;
    if (!r->enabled && (r->n_waiting > 0 || r->n_moderators > 0))
        return (rs->problem = "people in the lobby of a room whose lobby is off"), false;
    TAILQ_FOREACH(m, &r->moderators, link) {
        if (!room_is_owner(r, m->real_jid))
            return (rs->problem = "a moderator of a lobby room who is not an owner"), false;
        if (room_waiter_by_jid(r, m->real_jid) != NULL || room_waiter_by_nick(r, m->nick) != NULL)
            return (rs->problem = "a moderator who also waits, or has a waiter's nick"), false;
    }
    return true;
}

/* A room's own settings (before-host, allow) and its kept mark. */
static bool restore_setting(struct restore *rs, struct line *l)
{
    struct room *r = rs->room;
    const char *list[LOBBY_ROOM_ALLOW_MAX];
    size_t i;

    if (strcmp(l->field[0], "kept") == 0) {
        if (l->n != 1 || r->kept)
            return (rs->problem = "kept takes nothing and comes once"), false;
        if (r->enabled || r->n_waiting > 0 || r->n_moderators > 0 || r->owners.count > 0 ||
            r->admissions.count > 0 || r->cooldowns.count > 0 ||
            (!r->has_before_host && r->n_allow == 0))
            return (rs->problem = "a kept room holds its own settings and nothing else"), false;
        lobby_keep_room(rs->lb, r);
        return true;
    }
    if (r->kept)
        return (rs->problem = "a record after kept"), false;
    if (strcmp(l->field[0], "before-host") == 0) {
        for (i = 0; l->n == 2 && l->field[1] != NULL && i < 3; i++) {
            if (strcmp(l->field[1], before_host_words[i]) == 0)
                break;
        }
        if (l->n != 2 || l->field[1] == NULL || i == 3 || r->has_before_host)
            return (rs->problem = "before-host takes allow, wait or deny, once"), false;
        lobby_room_before_host(rs->lb, r, (enum lobby_before_host)i);
        return true;
    }
    if (l->n != 2 || l->field[1] == NULL || !fits(l->field[1], LOBBY_ALLOW_ENTRY_MAX))
        return (rs->problem = "an allow record takes one entry of at most 255 bytes"), false;
    if (r->n_allow >= LOBBY_ROOM_ALLOW_MAX)
        return (rs->problem = "more allow records than a room's allow list holds"), false;
    /* Each record adds one: the list so far plus this entry. */
    for (i = 0; i < r->n_allow; i++)
        list[i] = r->allow[i];
    list[i] = l->field[1];
    if (room_set_allow(r, list, r->n_allow + 1) != 0)
        return (rs->problem = "out of memory"), false;
    return true;
}

static bool restore_line(struct restore *rs, struct line *l)
{
    const char *kind = l->field[0];
    bool on, settled = true, hosted = true;
    int64_t hostless = -1;

    if (strcmp(kind, "room") == 0) {
        if (!room_is_sound(rs))
            return false;
        if (l->n < 3 || l->n > 7 || l->field[1] == NULL || !to_flag(l->field[2], &on) ||
            (l->n >= 4 && !to_flag(l->field[3], &settled)) ||
            (l->n >= 5 && !to_flag(l->field[4], &hosted)) ||
            (l->n >= 6 && l->field[5] != NULL &&
             !to_time(l->field[5], rs->clock.wall_ms, &hostless)) ||
            (l->n == 7 && l->field[6] != NULL && !fits(l->field[6], LOBBY_MESSAGE_MAX)))
            return (rs->problem = "a room needs its JID, lobby on 0 or 1, settled 0 or 1, "
                                  "hosted 0 or 1, a time or -, and a message or -"), false;
        if (lobby_find_main(rs->lb, l->field[1]) != NULL)
            return (rs->problem = "a room appears twice"), false;
        rs->room = lobby_find_or_add(rs->lb, l->field[1]);
        if (rs->room == NULL)
            return (rs->problem = errno == ENOMEM ? "out of memory"
                                                  : "a room JID lobbyd cannot keep"), false;
        rs->room->enabled = on;
        rs->room->settled = settled;
        rs->room->hosted = hosted;
        if (l->n == 7 && room_set_message(rs->room, l->field[6]) != 0)
            return (rs->problem = "out of memory"), false;
        /* Knockers restored later keep it; lobby_expire() drops it if none
         * is left waiting or a host is present by then. */
        if (hostless >= 0)
            room_hostless_start(rs->room, past_of(&rs->clock, hostless));
        return true;
    }
    if (rs->room == NULL)
        return (rs->problem = "a record before the first room"), false;
    if (rs->room->kept && strcmp(kind, "kept") != 0)
        return (rs->problem = "a record after kept: a kept room holds nothing else"), false;
    if (strcmp(kind, "before-host") == 0 || strcmp(kind, "allow") == 0 ||
        strcmp(kind, "kept") == 0)
        return restore_setting(rs, l);
    if (strcmp(kind, "waiter") == 0)
        return restore_waiter(rs, l);
    if (strcmp(kind, "moderator") == 0)
        return restore_moderator(rs, l);
    if (strcmp(kind, "owner") == 0) {
        if (l->n != 2 || l->field[1] == NULL || !fits(l->field[1], LOBBY_JID_MAX))
            return (rs->problem = "an owner needs a JID"), false;
        if (room_owner_set(rs->room, l->field[1], true) != 0)
            return (rs->problem = "too many owners, or out of memory"), false;
        return true;
    }
    if (strcmp(kind, "admission") == 0)
        return restore_admission(rs, l);
    if (strcmp(kind, "cooldown") == 0)
        return restore_cooldown(rs, l);
    return (rs->problem = "an unknown record"), false;
}

int lobby_restore(struct lobby *lb, const char *text, size_t len, uint64_t now_ms,
                  int64_t wall_ms, char *why, size_t why_size)
{
    struct restore rs = { .lb = lb, .clock = { now_ms, wall_ms } };
    struct line l;
    char *copy, *p, *nl;
    size_t lineno = 0;
    bool ended = false;
    int rc = -1;

    if (memchr(text, '\0', len) != NULL) {
        snprintf(why, why_size, "the state holds a NUL byte");
        return -1;
    }
    copy = malloc(len + 1);
    if (copy == NULL) {
        snprintf(why, why_size, "out of memory");
        return -1;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    for (p = copy; *p != '\0' && !ended; p = nl + 1) {
        nl = strchr(p, '\n');
        if (nl == NULL) {
            snprintf(why, why_size, "line %zu: the state is cut short (no \"end\")", lineno + 1);
            goto out;
        }
        *nl = '\0';
        lineno++;
        if (lineno == 1) {
            if (strcmp(p, MAGIC) != 0) {
                snprintf(why, why_size, "line 1: not a lobbyd state of version 1");
                goto out;
            }
            continue;
        }
        if (strcmp(p, "end") == 0) {
            if (!room_is_sound(&rs)) {
                snprintf(why, why_size, "line %zu: the room before: %s", lineno, rs.problem);
                goto out;
            }
            ended = true;
            continue;
        }
        if (!split(p, &l)) {
            snprintf(why, why_size, "line %zu: a malformed record", lineno);
            goto out;
        }
        if (!restore_line(&rs, &l)) {
            snprintf(why, why_size, "line %zu: %s", lineno, rs.problem);
            goto out;
        }
    }
    if (!ended) {
        snprintf(why, why_size, "the state is cut short (no \"end\")");
        goto out;
    }
    if (*p != '\0') {
        snprintf(why, why_size, "line %zu: text after \"end\"", lineno + 1);
        goto out;
    }
    if (room_timers_sort(&lb->timers) != 0) {
        snprintf(why, why_size, "out of memory");
        goto out;
    }
    rc = 0;
out:
    free(copy);
    return rc;
}
