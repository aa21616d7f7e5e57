/*
 * admin.c: the admin commands (see admin.h). Each command is a row of
 * 'commands': its node, its name, the form it asks for, and what it does.
 * A command with fields answers a first, empty request with its form; the
 * submitted form runs it. Every run and every refusal is logged with who
 * asked.
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "component/admin.h"
#include "lobby/jid.h"

#define MAX_JID 1024

/* lobby_operator_admit() and its kind: one meeting, one nick. */
typedef int (*operator_fn)(struct lobby *lb, const char *room, const char *nick,
                           const char *operator, uint64_t now_ms, struct lobby_actions *out);

struct command {
    const char *node;
    const char *name;
    const char *instructions;
    const struct adhoc_field *fields;  /* what the form asks, NULL-var terminated */
    void (*run)(struct admin *a, const struct command *c, const struct adhoc_request *rq,
                const char *room, uint64_t now_ms, struct adhoc_reply *reply);
    operator_fn op;                    /* for run_on_nick */
    const char *did;                   /* for run_on_nick: what it did, for the log */
};

static const struct adhoc_field room_nick_fields[] = {
    { "room", "text-single", "Meeting (room JID, or its name)", NULL, true },
    { "nick", "text-single", "Nick (as list-lobbies shows it)", NULL, true },
    { NULL, NULL, NULL, NULL, false },
};

static const struct adhoc_field send_back_fields[] = {
    { "room", "text-single", "Meeting (room JID, or its name)", NULL, true },
    { "nick", "text-single", "The participant's nick in the meeting", NULL, true },
    { NULL, NULL, NULL, NULL, false },
};

static const struct adhoc_field lobby_fields[] = {
    { "room", "text-single", "Meeting (room JID, or its name)", NULL, true },
    { "enabled", "boolean", "Lobby on", NULL, true },
    { NULL, NULL, NULL, NULL, false },
};

/* A waiter's name and e-mail are what moderators are shown; "verified"
 * mirrors the lobby presence's verified='token|none' as "token" or "no". */
static const char *const list_columns[] = {
    "room", "lobby", "host", "nick", "name", "email", "verified", "jid", "waited_s", "state",
};
static const char *const list_labels[] = {
    "Meeting", "Lobby", "Host present", "Nick", "Name", "E-mail", "Verified", "JID",
    "Waiting (s)", "State",
};
static_assert(sizeof(list_columns) == sizeof(list_labels), "a label for every column");
#define LIST_COLUMNS (sizeof(list_columns) / sizeof(list_columns[0]))

static void refuse(struct adhoc_reply *reply, const char *type, const char *condition,
                   const char *text)
{
    reply->status = ADHOC_REFUSED;
    reply->error_type = type;
    reply->condition = condition;
    reply->text = text;
}

static void done(struct admin *a, struct adhoc_reply *reply, const char *type, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));

static void done(struct admin *a, struct adhoc_reply *reply, const char *type, const char *fmt,
                 ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(a->note, sizeof(a->note), fmt, ap);
    va_end(ap);
    reply->status = ADHOC_COMPLETED;
    reply->note = a->note;
    reply->note_type = type;
}

/* ---- list-lobbies ---- */

static void add_cell(struct admin *a, const char *v)
{
    if (a->n_cells == a->cap_cells) {
        a->cap_cells = a->cap_cells ? a->cap_cells * 2 : 64;
        a->cells = xrealloc(a->cells, a->cap_cells * sizeof(*a->cells));
    }
    a->cells[a->n_cells++] = xstrdup(v != NULL ? v : "");
}

struct list_walk {
    struct admin *a;
    size_t meetings, waiting;
};

static void add_meeting_cells(struct admin *a, const struct lobby_meeting *m)
{
    add_cell(a, m->room);
    add_cell(a, m->lobby_on ? "on" : "off");
    add_cell(a, m->host_present ? "yes" : "no");
}

static int list_meeting(void *arg, const struct lobby_meeting *m)
{
    struct list_walk *lw = arg;

    lw->meetings++;
    if (m->waiting > 0)
        return 0;
    add_meeting_cells(lw->a, m);
    for (size_t i = 3; i < LIST_COLUMNS; i++)
        add_cell(lw->a, "");
    return 0;
}

static int list_waiter(void *arg, const struct lobby_meeting *m, const struct lobby_waiting *w)
{
    struct list_walk *lw = arg;
    char waited[24];

    lw->waiting++;
    snprintf(waited, sizeof(waited), "%" PRIu64, w->waited_ms / 1000u);
    add_meeting_cells(lw->a, m);
    add_cell(lw->a, w->nick);
    add_cell(lw->a, w->name);
    add_cell(lw->a, w->email);
    add_cell(lw->a, w->verified ? "token" : "no");
    add_cell(lw->a, w->real_jid);
    add_cell(lw->a, waited);
    add_cell(lw->a, w->approved ? "admitted, joining" : "waiting");
    return 0;
}

static void run_list(struct admin *a, const struct command *c, const struct adhoc_request *rq,
                     const char *room, uint64_t now_ms, struct adhoc_reply *reply)
{
    struct list_walk lw = { a, 0, 0 };

    (void)c;
    (void)room;
    (void)lobby_each_meeting(a->lobby, now_ms, list_meeting, list_waiter, &lw);
    done(a, reply, "info", "%zu meeting%s with a lobby or someone waiting, %zu waiting",
         lw.meetings, lw.meetings == 1 ? "" : "s", lw.waiting);
    reply->title = "Lobbies";
    reply->n_columns = LIST_COLUMNS;
    reply->columns = list_columns;
    reply->column_labels = list_labels;
    reply->n_rows = a->n_cells / LIST_COLUMNS;
    reply->cells = (const char *const *)a->cells;
    log_info("admin: %s listed the lobbies: %zu meeting%s, %zu waiting", rq->from, lw.meetings,
             lw.meetings == 1 ? "" : "s", lw.waiting);
}

/* ---- admit, deny, send-back, lobby ---- */

/* Why a lobby call refused, for the operator and the log. */
static const char *lobby_refusal(int e)
{
    switch (e) {
    case ENOENT:
        return "lobbyd knows no such meeting, or nobody in it under that nick";
    case EINVAL:
        return "the meeting's lobby is off: the participant could walk straight back in";
    case EACCES:
        return "the participant is an owner or moderator";
    case EALREADY:
        return "the lobby is already so";
    case ENOSPC:
        return "the meeting has too many admissions";
    default:
        return strerror(e);
    }
}

static void acted(struct admin *a, const struct adhoc_request *rq, const char *room, int rc,
                  int e, const char *what, struct adhoc_reply *reply)
{
    const char *nick = adhoc_value(rq, "nick");
    char who[300] = "";

    if (nick != NULL)
        snprintf(who, sizeof(who), " nick=\"%.256s\"", nick);
    if (rc == -1) {
        log_info("admin: refused %s in %s%s by %s: %s", rq->node, room, who, rq->from,
                 lobby_refusal(e));
        refuse(reply, "cancel", e == ENOENT ? "item-not-found" : "not-allowed",
               lobby_refusal(e));
        return;
    }
    if (rc == 0) {
        log_info("admin: refused %s in %s%s by %s: nobody waits under that nick", rq->node,
                 room, who, rq->from);
        refuse(reply, "cancel", "item-not-found", "nobody waits in that lobby under that nick");
        return;
    }
    log_info("admin: %s ran %s in %s%s: %s", rq->from, rq->node, room, who, what);
    done(a, reply, "info", "%s: %s", room, what);
}

/* admit, deny, send-back: the command's lobby call on the submitted nick. */
static void run_on_nick(struct admin *a, const struct command *c, const struct adhoc_request *rq,
                        const char *room, uint64_t now_ms, struct adhoc_reply *reply)
{
    int rc = c->op(a->lobby, room, adhoc_value(rq, "nick"), rq->from, now_ms, a->actions);

    acted(a, rq, room, rc, errno, c->did, reply);
}

static void run_lobby(struct admin *a, const struct command *c, const struct adhoc_request *rq,
                      const char *room, uint64_t now_ms, struct adhoc_reply *reply)
{
    const char *v = adhoc_value(rq, "enabled");
    bool on;
    int rc;

    (void)c;
    on = v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);

    if (v == NULL || (!on && strcmp(v, "0") != 0 && strcmp(v, "false") != 0)) {
        refuse(reply, "modify", "bad-request", "the field 'enabled' must be true or false");
        return;
    }
    rc = lobby_operator_set_lobby(a->lobby, room, on, rq->from, now_ms, a->actions);
    acted(a, rq, room, rc < 0 ? -1 : 1, errno, on ? "lobby turned on" : "lobby turned off",
          reply);
}

/* ---- reload ---- */

static void run_reload(struct admin *a, const struct command *c, const struct adhoc_request *rq,
                       const char *room, uint64_t now_ms, struct adhoc_reply *reply)
{
    int rc;

    (void)c;
    (void)room;
    (void)now_ms;
    if (a->reload == NULL) {
        refuse(reply, "cancel", "feature-not-implemented", "this lobbyd cannot reload");
        return;
    }
    log_info("admin: %s asked for a reload of the configuration", rq->from);
    free(a->report);
    a->report = NULL;
    rc = a->reload(a->reload_arg, &a->report);
    /* The reload may have replaced the configuration: a->cfg is stale now. */
    a->cfg = NULL;
    reply->status = ADHOC_COMPLETED;
    reply->note = a->report != NULL && a->report[0] != '\0'
                      ? a->report
                      : (rc == 0 ? "reloaded" : "reload refused");
    reply->note_type = rc == 0 ? "info" : "error";
}

static const struct command commands[] = {
    { "list-lobbies", "List the lobbies and who waits", NULL, NULL, run_list, NULL, NULL },
    { "admit", "Admit someone waiting in a lobby",
      "Who to let in: the meeting and the nick list-lobbies shows.", room_nick_fields, run_on_nick,
      lobby_operator_admit, "admitted" },
    { "deny", "Deny someone waiting in a lobby",
      "Who to send away: the meeting and the nick list-lobbies shows.", room_nick_fields,
      run_on_nick, lobby_operator_deny, "denied" },
    { "send-back", "Send a participant back to the lobby",
      "The meeting and the participant's nick in it.", send_back_fields, run_on_nick,
      lobby_operator_send_back, "sent back to the lobby" },
    { "lobby", "Turn a meeting's lobby on or off",
      "The meeting, and whether its lobby is on.", lobby_fields, run_lobby, NULL, NULL },
    { "reload", "Reload the configuration", NULL, NULL, run_reload, NULL, NULL },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static struct adhoc_item command_items[N_COMMANDS];

bool admin_allowed(const struct admin *a, const char *jid)
{
    if (a->cfg == NULL || jid == NULL)
        return false;
    for (size_t i = 0; i < a->cfg->admin_jids.n; i++)
        if (lobby_jid_same_bare(a->cfg->admin_jids.items[i], jid))
            return true;
    return false;
}

size_t admin_commands_for(const struct admin *a, const char *jid, const struct adhoc_item **items)
{
    if (!admin_allowed(a, jid))
        return 0;
    for (size_t i = 0; i < N_COMMANDS; i++) {
        command_items[i].node = commands[i].node;
        command_items[i].name = commands[i].name;
    }
    *items = command_items;
    return N_COMMANDS;
}

/* 'v' as a main-room JID: a bare node gets the MUC domain. */
static bool room_of(const struct admin *a, const char *v, char *out, size_t size)
{
    int n;

    if (v == NULL || v[0] == '\0' || strchr(v, '/') != NULL)
        return false;
    n = strchr(v, '@') != NULL ? snprintf(out, size, "%s", v)
                               : snprintf(out, size, "%s@%s", v, a->cfg->muc_domain);
    return n > 0 && (size_t)n < size;
}

void admin_run(struct admin *a, const struct adhoc_request *rq, uint64_t now_ms,
               struct adhoc_reply *reply)
{
    const struct command *c = NULL;
    char room[MAX_JID];
    size_t n_fields = 0;

    admin_clear(a);
    memset(reply, 0, sizeof(*reply));
    if (!admin_allowed(a, rq->from)) {
        log_info("admin: refused command %s from %s: not an admin_jid", rq->node, rq->from);
        refuse(reply, "auth", "forbidden", "only lobbyd's admin_jid may run its commands");
        return;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].node, rq->node) == 0)
            c = &commands[i];
    if (c == NULL) {
        log_info("admin: %s asked for an unknown command %s", rq->from, rq->node);
        refuse(reply, "cancel", "item-not-found", "no such command");
        return;
    }
    if (rq->action == ADHOC_CANCEL) {
        reply->status = ADHOC_CANCELED;
        return;
    }
    while (c->fields != NULL && c->fields[n_fields].var != NULL)
        n_fields++;
    if (n_fields > 0 && !rq->submitted) {
        reply->status = ADHOC_EXECUTING;
        reply->title = c->name;
        reply->instructions = c->instructions;
        memcpy(reply->fields, c->fields, n_fields * sizeof(*c->fields));
        reply->n_fields = n_fields;
        return;
    }
    room[0] = '\0';
    if (n_fields > 0) {
        for (size_t i = 0; i < n_fields; i++) {
            const char *v = adhoc_value(rq, c->fields[i].var);

            if (c->fields[i].required && (v == NULL || v[0] == '\0')) {
                snprintf(a->note, sizeof(a->note), "the field '%s' is required",
                         c->fields[i].var);
                refuse(reply, "modify", "bad-request", a->note);
                return;
            }
        }
        if (!room_of(a, adhoc_value(rq, "room"), room, sizeof(room))) {
            refuse(reply, "modify", "bad-request", "'room' must be a room JID or a room name");
            return;
        }
    }
    c->run(a, c, rq, room, now_ms, reply);
}

void admin_clear(struct admin *a)
{
    for (size_t i = 0; i < a->n_cells; i++)
        free(a->cells[i]);
    a->n_cells = 0;
    a->note[0] = '\0';
}

void admin_free(struct admin *a)
{
    admin_clear(a);
    free(a->cells);
    free(a->report);
    a->cells = NULL;
    a->report = NULL;
    a->cap_cells = 0;
}
