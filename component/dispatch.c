/*
 * dispatch.c: the dispatcher between the stream and the two library
 * modules: it builds the token verifier and the lobby from the
 * configuration and rebuilds them on reload; the bridge's main-room
 * events, the lobby-room requests, the leaves lobbyd missed, the admin
 * commands and the timers become lobby_on_*() calls whose effects go back
 * to the stream, each refusal logged once with its reason; and what those
 * effects mean for the counters and the audit trail
 * (dispatch_count_effects()).
 *
 * Deliberately not here: the pre-join and its verdict (dispatch_join.c),
 * state_file (persist.c).
 */
#include "component/dispatch.h"
#include "component/dispatch_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "base/log.h"
#include "component/audit.h"
#include "component/metrics.h"
#include "jwt/token.h"
#include "lobby/lobby.h"

uint64_t dispatch_monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The lobby's view of 'cfg'; it borrows cfg's strings. Cannot fail. */
static void lobby_config_of(const struct config *cfg, struct lobby_config *lc)
{
    lobby_config_defaults(lc);
    lc->lobby_domain = cfg->component_jid;
    lc->password_mode = (enum lobby_password_mode)cfg->password_mode;
    lc->invalid_token = (enum lobby_invalid_token)cfg->invalid_token;
    lc->displayname_required = cfg->displayname_required;
    lc->ask_tokenless_joins = cfg->ask_tokenless_joins;
    lc->lobby_default_on = cfg->lobby_default == 1;
    lc->lobby_message = cfg->lobby_message;
    lc->show_position = cfg->lobby_show_position;
    lc->lobby_off_after_first_owner = cfg->lobby_off_after == 1;
    lc->before_host = (enum lobby_before_host)cfg->before_host;
    lc->max_waiting_per_room = cfg->max_waiting_per_room;
    lc->max_waiting_total = cfg->max_waiting_total;
    lc->max_wait_ms = (uint64_t)cfg->max_wait_s * 1000u;
    lc->end_without_host_ms = (uint64_t)cfg->end_without_host_s * 1000u;
    lc->service_jids = (const char *const *)cfg->service_jids.items;
    lc->n_service_jids = cfg->service_jids.n;
    lc->room_allow_issuers = (const char *const *)cfg->room_allow_issuers.items;
    lc->n_room_allow_issuers = cfg->room_allow_issuers.n;
    lc->admit_rules = (const char *const *)cfg->admit_rules.items;
    lc->n_admit_rules = cfg->admit_rules.n;
    lc->rejoin_window_ms = (uint64_t)cfg->rejoin_window_s * 1000u;
    lc->deny_cooldown_ms = (uint64_t)cfg->deny_cooldown_s * 1000u;
    lc->knock_limit = cfg->knock_limit.count;
    lc->knock_window_ms = (uint64_t)cfg->knock_limit.window_s * 1000u;
    lc->knock_limit_per_ip = cfg->knock_limit_per_ip.count;
    lc->knock_ip_window_ms = (uint64_t)cfg->knock_limit_per_ip.window_s * 1000u;
}

struct dispatch *dispatch_new(const struct config *cfg, FILE *errs)
{
    struct dispatch *d = xcalloc(1, sizeof(*d));
    struct token_reason why;
    struct lobby_config lc;
    const char *problem;

    d->cfg = cfg;
    d->metrics = metrics_new();
    lobby_actions_init(&d->actions);
    memset(&why, 0, sizeof(why));
    d->verifier = token_verifier_new(&cfg->token, &why);
    if (d->verifier == NULL) {
        fprintf(errs, "%s: tokens: %s\n", cfg->path, why.text);
        goto fail;
    }
    lobby_config_of(cfg, &lc);
    /* Hash tables keyed by outside input (JIDs, nicks) get a secret seed. */
    if (RAND_bytes(lc.hash_seed, sizeof(lc.hash_seed)) != 1)
        fatalx("cannot draw random bytes for the hash seed");
    problem = lobby_config_problem(&lc);
    if (problem != NULL) {
        fprintf(errs, "%s: policy: %s\n", cfg->path, problem);
        goto fail;
    }
    d->lc = lc;
    d->lobby = lobby_new(&lc);
    if (d->lobby == NULL)
        fatalx("out of memory creating the lobby");
    return d;
fail:
    dispatch_free(d);
    return NULL;
}

int dispatch_reload(struct dispatch *d, const struct config *cfg, FILE *errs)
{
    struct token_verifier *v;
    struct token_reason why;
    struct lobby_config lc;
    const char *problem;

    memset(&why, 0, sizeof(why));
    v = token_verifier_new(&cfg->token, &why);
    if (v == NULL) {
        fprintf(errs, "%s: tokens: %s\n", cfg->path, why.text);
        return -1;
    }
    lobby_config_of(cfg, &lc);
    memcpy(lc.hash_seed, d->lc.hash_seed, sizeof(lc.hash_seed));
    problem = lobby_config_problem(&lc);
    if (problem != NULL) {
        fprintf(errs, "%s: policy: %s\n", cfg->path, problem);
        token_verifier_free(v);
        return -1;
    }
    if (lobby_reconfigure(d->lobby, &lc, dispatch_monotonic_ms()) != 0)
        fatalx("out of memory reconfiguring the lobby");
    token_verifier_free(d->verifier);
    d->verifier = v;
    d->lc = lc;
    d->cfg = cfg;
    return 0;
}

void dispatch_free(struct dispatch *d)
{
    if (d == NULL)
        return;
    token_verifier_free(d->verifier);
    lobby_free(d->lobby);
    metrics_free(d->metrics);
    lobby_actions_clear(&d->actions);
    admin_free(&d->admin);
    free(d);
}

void dispatch_set_reloader(struct dispatch *d, admin_reload_fn fn, void *arg)
{
    d->admin.reload = fn;
    d->admin.reload_arg = arg;
}

void dispatch_set_audit(struct dispatch *d, struct audit *a)
{
    d->audit = a;
}

struct metrics *dispatch_metrics(struct dispatch *d)
{
    metrics_set_waiting(d->metrics, lobby_waiting_total(d->lobby));
    return d->metrics;
}

void dispatch_on_command(void *arg, const struct adhoc_request *rq, struct adhoc_reply *reply,
                         const struct lobby_actions **out)
{
    struct dispatch *d = arg;

    lobby_actions_clear(&d->actions);
    *out = &d->actions;
    d->admin.cfg = d->cfg;
    d->admin.lobby = d->lobby;
    d->admin.actions = &d->actions;
    admin_run(&d->admin, rq, dispatch_monotonic_ms(), reply);
    if (d->actions.n > 0)
        d->dirty = true;
    dispatch_count_effects(d);
}

size_t dispatch_commands_for(void *arg, const char *jid, const struct adhoc_item **items)
{
    struct dispatch *d = arg;

    d->admin.cfg = d->cfg;
    return admin_commands_for(&d->admin, jid, items);
}

/* A lobby call returned -1 with errno 'e' (saved right after the call).
 * EPERM, ENOSPC and ENOENT are refusals the caller reports: errno is set
 * back to 'e' for it. Anything else (out of memory) is fatal, as
 * everywhere in the daemon: systemd restarts it. */
int dispatch_lobby_failed(const char *what, int e)
{
    if (e == EPERM || e == ENOSPC || e == ENOENT) {
        errno = e;
        return -1;
    }
    errno = e;
    fatal("lobby: %s failed", what);
}

/* Log the refusals among the effects: each says why, once. A knock limit
 * names itself and, for the one per address, the address: the only line
 * where lobbyd writes a client's address. */
static void log_refusals(const struct dispatch *d, const struct lobby_actions *a)
{
    char qtext[LOBBY_TEXT_MAX + 32], qnick[128], limit[LOBBY_IP_MAX + 96];

    for (size_t i = 0; i < a->n; i++) {
        const struct lobby_effect *e = &a->v[i];
        const char *why = e->event != NULL ? e->event : "?";

        if (e->kind != LOBBY_DO_REFUSE)
            continue;
        limit[0] = '\0';
        if (strcmp(why, "knock-limit") == 0)
            snprintf(limit, sizeof(limit), ": knock limit knock_limit = %u/%u",
                     d->cfg->knock_limit.count, d->cfg->knock_limit.window_s);
        else if (strcmp(why, "knock-limit-ip") == 0)
            snprintf(limit, sizeof(limit), ": knock limit knock_limit_per_ip = %u/%u ip=%s",
                     d->cfg->knock_limit_per_ip.count, d->cfg->knock_limit_per_ip.window_s,
                     e->ip != NULL ? e->ip : "?");
        log_info("muc: refused a lobby join: room=%s nick=\"%s\" jid=%s reason=\"%s\" rule=%s%s",
                 e->room, log_quote(e->nick, qnick, sizeof(qnick)), e->to,
                 log_quote(e->text, qtext, sizeof(qtext)), why, limit);
    }
}

/* The notices among the effects (the last host left): one line per room. */
static void log_notices(const struct lobby_actions *a, const char *why)
{
    size_t n = 0;
    const char *room = NULL;

    for (size_t i = 0; i < a->n; i++) {
        if (a->v[i].kind == LOBBY_DO_NOTICE) {
            room = a->v[i].room;
            n++;
        }
    }
    if (n > 0)
        log_info("lobby: room=%s host=%s left and no host remains: told %zu waiting", room, why, n);
}

static bool is_moderating(const char *affiliation)
{
    return strcmp(affiliation, "owner") == 0 || strcmp(affiliation, "admin") == 0;
}

static int on_occupant(struct dispatch *d, const struct bridge_event *ev, uint64_t now)
{
    int rc, e;

    if (strcmp(ev->event, "left") == 0)
        rc = lobby_on_occupant_left(d->lobby, ev->room, ev->jid, ev->removed, now, &d->actions);
    else if (strcmp(ev->event, "joined") == 0)
        rc = lobby_on_occupant_joined(d->lobby, ev->room, ev->jid, ev->nick,
                                      is_moderating(ev->affiliation), now, &d->actions);
    else
        rc = lobby_on_owner(d->lobby, ev->room, ev->jid, is_moderating(ev->affiliation), now,
                            &d->actions);
    if (rc != -1) {
        log_notices(&d->actions, ev->jid);
        return 0;
    }
    e = errno;
    log_warnx("lobby: cannot record %s %s of %s: too many rooms or owners", ev->event, ev->jid,
              ev->room);
    return dispatch_lobby_failed("recording an occupant", e);
}

static int on_admit(struct dispatch *d, const struct bridge_event *ev, uint64_t now)
{
    for (size_t i = 0; i < ev->n_invitees; i++) {
        int rc = lobby_on_admit(d->lobby, ev->room, ev->invitees[i], ev->actor, now,
                                &d->actions);
        int e = errno;

        if (rc == -1 && e == EPERM) {
            log_info("lobby: room=%s refused approve of %s by %s: the actor is not an owner "
                     "present in the room", ev->room, ev->invitees[i], ev->actor);
            errno = e;
            return -1;
        }
        if (rc == -1)
            return dispatch_lobby_failed("admitting", e);
        log_info("lobby: room=%s admit=%s actor=%s knockers=%d", ev->room, ev->invitees[i],
                 ev->actor, rc);
    }
    return 0;
}

static int handle_on_event(void *arg, const struct bridge_event *ev, const struct lobby_actions **out)
{
    struct dispatch *d = arg;
    uint64_t now = dispatch_monotonic_ms();
    int rc, e;

    lobby_actions_clear(&d->actions);
    *out = &d->actions;
    d->dirty = true;
    switch (ev->kind) {
    case BRIDGE_EV_OCCUPANT:
        return on_occupant(d, ev, now);
    case BRIDGE_EV_LOBBY:
        rc = ev->enabled ? lobby_on_enable(d->lobby, ev->room, ev->actor, now, &d->actions)
                         : lobby_on_disable(d->lobby, ev->room, ev->actor, now, &d->actions);
        if (rc == -1) {
            e = errno;
            log_warnx("lobby: cannot switch the lobby of %s: too many rooms", ev->room);
            return dispatch_lobby_failed("switching a lobby", e);
        }
        if (ev->enabled)
            log_info("lobby: room=%s lobby=on actor=%s", ev->room, ev->actor);
        else
            log_info("lobby: room=%s lobby=off actor=%s released=%d", ev->room, ev->actor, rc);
        audit_write(d->audit, "lobby", json_pack("{s:s, s:s, s:s?}", "room", ev->room, "lobby",
                                                 ev->enabled ? "on" : "off", "actor", ev->actor));
        return 0;
    case BRIDGE_EV_ADMIT:
        return on_admit(d, ev, now);
    case BRIDGE_EV_DESTROYED:
        rc = lobby_on_room_destroyed(d->lobby, ev->room, &d->actions);
        if (rc == -1)
            return dispatch_lobby_failed("destroying a room", errno);
        log_info("lobby: room=%s destroyed told=%d", ev->room, rc);
        return 0;
    }
    return 0;
}

/* Why lobby_send_back() said no, for the log. */
static const char *send_back_refusal(int e)
{
    switch (e) {
    case EPERM:
        return "not an owner present in the meeting";
    case EINVAL:
        return "the meeting's lobby is off, so the participant could walk straight back in; "
               "turn the lobby on first";
    case ENOENT:
        return "nobody lobbyd knows is in the meeting under that nick";
    case EACCES:
        return "the participant is an owner or moderator";
    default:
        return strerror(e);
    }
}

static int handle_on_muc(void *arg, const struct muc_request *rq, const struct lobby_actions **out)
{
    struct dispatch *d = arg;
    struct lobby_knock k;
    uint64_t now = dispatch_monotonic_ms();
    char qname[128], qnick[128];
    int rc = 0, e;

    lobby_actions_clear(&d->actions);
    *out = &d->actions;
    d->dirty = true;
    memset(&k, 0, sizeof(k));
    k.lobby_room = rq->lobby_room;
    k.nick = rq->nick;
    k.real_jid = rq->real_jid;
    k.display_name = rq->display_name[0] != '\0' ? rq->display_name : NULL;
    k.email = rq->email[0] != '\0' ? rq->email : NULL;
    log_quote(rq->nick, qnick, sizeof(qnick));
    switch (rq->kind) {
    case MUC_REQ_JOIN:
        rc = lobby_on_knock(d->lobby, &k, now, &d->actions);
        if (rc != -1 && d->actions.n > 0 && d->actions.v[0].kind != LOBBY_DO_REFUSE)
            log_info("lobby: knock room=%s nick=\"%s\" jid=%s name=\"%s\" moderator=%s"
                     " verified=%s", rq->lobby_room, qnick, rq->real_jid,
                     log_quote(d->actions.v[0].name != NULL ? d->actions.v[0].name
                                                            : k.display_name,
                               qname, sizeof(qname)),
                     d->actions.v[0].is_moderator ? "yes" : "no",
                     d->actions.v[0].verified == LOBBY_VERIFIED_TOKEN ? "token" : "none");
        break;
    case MUC_REQ_UPDATE:
        rc = lobby_on_knock_update(d->lobby, &k, now, &d->actions);
        break;
    case MUC_REQ_LEAVE:
        rc = lobby_on_leave(d->lobby, rq->lobby_room, rq->real_jid, &d->actions);
        break;
    case MUC_REQ_MESSAGE:
        rc = lobby_on_message(d->lobby, rq->lobby_room, rq->real_jid,
                              rq->nick[0] != '\0' ? rq->nick : NULL, &d->actions);
        e = errno;
        if (rc == -1 && (e == EPERM || e == ENOENT)) {
            log_debug("muc: room=%s refused a message from %s to \"%s\": %s", rq->lobby_room,
                      rq->real_jid, qnick, e == EPERM ? "not allowed" : "no such occupant");
            errno = e;
            return -1;
        }
        break;
    case MUC_REQ_KICK:
        rc = lobby_on_deny(d->lobby, rq->lobby_room, rq->nick, rq->real_jid,
                           rq->reason[0] != '\0' ? rq->reason : NULL, now, &d->actions);
        e = errno;
        if (rc == -1 && e == EPERM) {
            log_info("lobby: room=%s refused deny of \"%s\" by %s: not a moderator of the lobby "
                     "room", rq->lobby_room, qnick, rq->real_jid);
            errno = e;
            return -1;
        }
        if (rc != -1)
            log_info("lobby: room=%s deny=\"%s\" actor=%s found=%s", rq->lobby_room, qnick,
                     rq->real_jid, rc == 1 ? "yes" : "no");
        break;
    case MUC_REQ_SEND_BACK:
        rc = lobby_send_back(d->lobby, rq->lobby_room, rq->nick, rq->real_jid, now, &d->actions);
        e = errno;
        if (rc == -1 && e != ENOMEM && e != E2BIG) {
            log_info("lobby: room=%s refused send-back of \"%s\" by %s: %s", rq->lobby_room,
                     qnick, rq->real_jid, send_back_refusal(e));
            errno = e;
            return -1;
        }
        if (rc == 1)
            log_info("lobby: room=%s send-back=\"%s\" jid=%s actor=%s", rq->lobby_room, qnick,
                     d->actions.v[0].to, rq->real_jid);
        break;
    }
    if (rc == -1)
        return dispatch_lobby_failed("a lobby-room request", errno);
    log_refusals(d, &d->actions);
    return 0;
}

static int handle_on_gone(void *arg, const struct bridge_session *ses, const struct lobby_actions **out)
{
    struct dispatch *d = arg;
    const char *slash = strchr(ses->in, '/');
    char room[LOBBY_JID_MAX];
    int rc;

    lobby_actions_clear(&d->actions);
    *out = &d->actions;
    d->dirty = true;
    if (slash == NULL) {
        snprintf(room, sizeof(room), "%s", ses->in);
    } else {
        if ((size_t)(slash - ses->in) >= sizeof(room))
            return 0;
        memcpy(room, ses->in, (size_t)(slash - ses->in));
        room[slash - ses->in] = '\0';
    }
    rc = lobby_on_gone(d->lobby, room, slash != NULL ? slash + 1 : NULL, ses->jid, dispatch_monotonic_ms(),
                       &d->actions);
    if (rc == -1)
        return dispatch_lobby_failed("a missed leave", errno);
    log_notices(&d->actions, ses->jid);
    if (rc == 1 && slash != NULL)
        log_info("lobby: room=%s left=%s while lobbyd was away (its session no longer has "
                 "presence there)", room, ses->jid);
    else if (rc == 1)
        log_info("lobby: room=%s left=%s while lobbyd was away (no longer an occupant; its "
                 "admission ends, as the reason is unknown)", room, ses->jid);
    return 0;
}

struct session_list {
    struct bridge_session *v;
    size_t n, cap;
};

static int add_session(void *arg, const char *room, const char *nick, const char *real_jid)
{
    struct session_list *l = arg;
    char *in;
    size_t len;

    if (l->n == l->cap) {
        l->cap = l->cap == 0 ? 64 : l->cap * 2;
        l->v = xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    if (nick == NULL) {
        in = xstrdup(room);
    } else {
        len = strlen(room) + 1 + strlen(nick) + 1;
        in = xcalloc(1, len);
        snprintf(in, len, "%s/%s", room, nick);
    }
    l->v[l->n].jid = xstrdup(real_jid);
    l->v[l->n].in = in;
    l->n++;
    return 0;
}

size_t dispatch_sessions(const struct dispatch *d, struct bridge_session **out)
{
    struct session_list l = {0};

    (void)lobby_each_session(d->lobby, add_session, &l);
    *out = l.v;
    return l.n;
}

void dispatch_sessions_free(struct bridge_session *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)v[i].jid);
        free((char *)v[i].in);
    }
    free(v);
}

unsigned dispatch_timeout_ms(const struct dispatch *d, unsigned max_ms)
{
    uint64_t deadline = lobby_next_deadline(d->lobby);
    uint64_t now = dispatch_monotonic_ms();

    if (deadline == UINT64_MAX || deadline >= now + max_ms)
        return max_ms;
    return deadline <= now ? 0 : (unsigned)(deadline - now);
}

/* What the effects of the last event mean for the counters and the audit trail. */
void dispatch_count_effects(struct dispatch *d)
{
    uint64_t now = dispatch_monotonic_ms();

    for (size_t i = 0; i < d->actions.n; i++) {
        const struct lobby_effect *e = &d->actions.v[i];
        double waited = e->knock_ms > 0 && e->knock_ms <= now ? (double)(now - e->knock_ms) / 1000.0
                                                              : 0.0;

        bool granted;

        switch (e->kind) {
        case LOBBY_DO_SELF_PRESENCE:
            if (!e->flag || e->is_moderator)
                break;
            metrics_add(d->metrics, METRICS_KNOCKS);
            audit_write(d->audit, "knock",
                        json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s}", "room", e->room, "nick",
                                  e->nick, "jid", e->to, "name", e->name, "email", e->email,
                                  "verified",
                                  e->verified == LOBBY_VERIFIED_TOKEN ? "token" : "none"));
            break;
        case LOBBY_DO_REFUSE:
            /* The address stays out of the audit trail: the rule says enough. */
            metrics_label(d->metrics, METRICS_KNOCKS_REFUSED, e->event != NULL ? e->event : "other",
                          NULL);
            audit_write(d->audit, "knock-refused",
                        json_pack("{s:s, s:s?, s:s, s:s?, s:s?}", "room", e->room, "nick", e->nick,
                                  "jid", e->to, "rule", e->event, "reason", e->text));
            break;
        case LOBBY_DO_NOTICE:
            if (e->event != NULL)       /* the welcome a knocker gets: not a host-left notice */
                break;
            metrics_add(d->metrics, METRICS_NOTICES);
            audit_write(d->audit, "host-left", json_pack("{s:s, s:s, s:s}", "room", e->room,
                                                         "nick", e->nick, "jid", e->to));
            break;
        case LOBBY_DO_NOTIFY_MAIN:
            if (e->event == NULL || (strcmp(e->event, "LOBBY-ACCESS-GRANTED") != 0 &&
                                     strcmp(e->event, "LOBBY-ACCESS-DENIED") != 0))
                break;
            granted = strcmp(e->event, "LOBBY-ACCESS-GRANTED") == 0;
            metrics_add(d->metrics, granted ? METRICS_ADMITS : METRICS_DENIES);
            metrics_observe(d->metrics, METRICS_WAIT_SECONDS, waited);
            audit_write(d->audit, granted ? "admit" : "deny",
                        json_pack("{s:s, s:s?, s:s?, s:s?, s:f}", "room", e->room, "nick",
                                  e->nick, "jid", e->subject_jid, "actor", e->actor,
                                  "waited_s", waited));
            break;
        case LOBBY_DO_EJECT:
            metrics_add(d->metrics, METRICS_SEND_BACKS);
            audit_write(d->audit, "send-back", json_pack("{s:s, s:s, s:s, s:s?}", "room", e->room,
                                                         "nick", e->nick, "jid", e->to,
                                                         "actor", e->actor));
            break;
        case LOBBY_DO_DESTROY:
            if (e->event == NULL)
                break;
            metrics_label(d->metrics, METRICS_TIMEOUTS, e->event, NULL);
            metrics_observe(d->metrics, METRICS_WAIT_SECONDS, waited);
            audit_write(d->audit, "timeout",
                        json_pack("{s:s, s:s?, s:s, s:s, s:s?, s:f}", "room", e->room, "nick",
                                  e->nick, "jid", e->to, "limit", e->event, "reason", e->text,
                                  "waited_s", waited));
            break;
        default:
            break;
        }
    }
}

int dispatch_on_event(void *arg, const struct bridge_event *ev, const struct lobby_actions **out)
{
    int rc = handle_on_event(arg, ev, out);

    dispatch_count_effects(arg);
    return rc;
}

int dispatch_on_muc(void *arg, const struct muc_request *rq, const struct lobby_actions **out)
{
    int rc = handle_on_muc(arg, rq, out);

    dispatch_count_effects(arg);
    return rc;
}

int dispatch_on_gone(void *arg, const struct bridge_session *ses, const struct lobby_actions **out)
{
    int rc = handle_on_gone(arg, ses, out);

    dispatch_count_effects(arg);
    return rc;
}

const struct lobby_actions *dispatch_expire(struct dispatch *d)
{
    char qnick[128], qtext[LOBBY_TEXT_MAX + 32];

    lobby_actions_clear(&d->actions);
    if (lobby_expire(d->lobby, dispatch_monotonic_ms(), &d->actions) == -1)
        fatal("lobby: expiring timers failed");
    for (size_t i = 0; i < d->actions.n; i++) {
        const struct lobby_effect *e = &d->actions.v[i];

        if (e->kind != LOBBY_DO_DESTROY)
            continue;
        d->dirty = true;
        log_info("lobby: room=%s timeout nick=\"%s\" jid=%s limit=%s reason=\"%s\"", e->room,
                 log_quote(e->nick, qnick, sizeof(qnick)), e->to,
                 e->event != NULL ? e->event : "-", log_quote(e->text, qtext, sizeof(qtext)));
    }
    dispatch_count_effects(d);
    return &d->actions;
}
