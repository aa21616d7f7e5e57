/*
 * dispatch.c: one pre-join from the bridge becomes one verdict.
 *
 *   bridge_join --token_verify()--> rights --lobby_on_join()--> lobby_verdict
 *               --> bridge_verdict, and exactly one INFO line in the
 *                   "verdict" area naming the rule that fired.
 *
 * This is the only place that knows both jwt/ and lobby/; neither knows the
 * other. Tokens appear in the log only as their fingerprint.
 */
#include "component/dispatch.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <openssl/rand.h>

#include "base/log.h"
#include "component/audit.h"
#include "component/metrics.h"
#include "jwt/token.h"
#include "lobby/lobby.h"

#define DISPATCH_NODE_MAX 1024

struct dispatch {
    const struct config *cfg;
    struct token_verifier *verifier;
    struct lobby *lobby;
    struct lobby_verdict last;      /* what the last bridge_verdict points into */
    struct lobby_actions actions;   /* effects of the last event */
    struct lobby_config lc;         /* to start again with an empty lobby */
    bool dirty;                     /* changed since the state file was written */
    uint64_t saved_ms;              /* when it was last written */
    bool save_failing;              /* the last write failed (logged once) */
    bool keep_file;                 /* a state file that could not be read or set aside:
                                       never overwrite it in this run */
    struct metrics *metrics;        /* counted always, served when metrics_listen is set */
    struct audit *audit;            /* borrowed; NULL: no audit_file */
    struct admin admin;             /* the admin commands and what their last reply holds */
};

#define STATE_SAVE_EVERY_MS 1000
#define STATE_MAX_BYTES (512u << 20)

static int lobby_failed(const char *what, int e);
static void count_effects(struct dispatch *d);

static uint64_t monotonic_ms(void)
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
    if (lobby_reconfigure(d->lobby, &lc, monotonic_ms()) != 0)
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

static enum lobby_password password_of(const char *s)
{
    if (strcmp(s, "ok") == 0)
        return LOBBY_PW_OK;
    if (strcmp(s, "wrong") == 0)
        return LOBBY_PW_WRONG;
    if (strcmp(s, "missing") == 0)
        return LOBBY_PW_MISSING;
    return LOBBY_PW_NONE;
}

void dispatch_token_facts(const struct token_claims *c, struct lobby_join *lj)
{
    lj->token = LOBBY_TOKEN_VALID;
    lj->token_owner = c->owner;
    lj->token_bypass = c->bypass;
    lj->token_lobby_message = c->room_lobby_message;
    lj->has_token_before_host = c->room_before_host != TOKEN_BEFORE_HOST_UNSET;
    lj->token_before_host = c->room_before_host == TOKEN_BEFORE_HOST_WAIT   ? LOBBY_BEFORE_HOST_WAIT
                            : c->room_before_host == TOKEN_BEFORE_HOST_DENY ? LOBBY_BEFORE_HOST_DENY
                                                                            : LOBBY_BEFORE_HOST_ALLOW;
    lj->has_token_room_allow = c->has_room_allow;
    lj->token_room_allow = (const char *const *)c->room_allow;
    lj->n_token_room_allow = c->n_room_allow;
    lj->token_lobby = c->room_lobby == TOKEN_LOBBY_ON    ? LOBBY_WISH_ON
                      : c->room_lobby == TOKEN_LOBBY_OFF ? LOBBY_WISH_OFF
                                                         : LOBBY_WISH_NONE;
    lj->token_email = c->email;
    lj->token_sub = c->sub;
    lj->token_group = c->group;
    lj->token_member = c->affiliation == TOKEN_AFFILIATION_MEMBER;
    lj->token_iss = c->iss;
    lj->token_user_id = c->user_id;
    lj->token_user_name = c->name;
}

static_assert(TOKEN_ROOM_ALLOW_MAX == LOBBY_ROOM_ALLOW_MAX, "one allow-list bound");
static_assert(TOKEN_ROOM_ALLOW_ENTRY_MAX + 1 == LOBBY_ALLOW_ENTRY_MAX, "one entry bound");

/* What an owner token's context.room did to the room's own settings
 * (d->last says), one line each: never silently ignored. */
static void log_room_settings(const struct dispatch *d, const char *room, const char *jid,
                              const struct token_claims *c, const char *fp)
{
    static const char *const words[] = { "allow", "wait", "deny" };
    const struct lobby_verdict *v = &d->last;
    char qiss[96];

    if (v->before_host_set)
        log_info("lobby: room=%s before_host=%s by=%s rule=owner-token token=%s", room,
                 words[c->room_before_host - TOKEN_BEFORE_HOST_ALLOW], jid, fp);
    if (c->room_allow_problem[0] != '\0')
        log_warnx("token: room=%s token=%s context.room.allow refused: %s; the room keeps its "
                  "allow list", room, fp, c->room_allow_problem);
    switch (v->allow_note) {
    case LOBBY_ALLOW_NOTE_NONE:
        break;
    case LOBBY_ALLOW_NOTE_SET:
        log_info("lobby: room=%s allow_list=%zu by=%s iss=\"%s\" rule=owner-token token=%s", room,
                 c->n_room_allow, jid, log_quote(c->iss, qiss, sizeof(qiss)), fp);
        break;
    case LOBBY_ALLOW_NOTE_UNTRUSTED:
        log_info("lobby: room=%s token=%s context.room.allow ignored: iss=\"%s\" is not in "
                 "room_allow_issuers (said once per room)", room, fp,
                 log_quote(c->iss, qiss, sizeof(qiss)));
        break;
    case LOBBY_ALLOW_NOTE_TOO_BIG:
        log_warnx("token: room=%s token=%s context.room.allow refused: more than %d entries or "
                  "one longer than %d bytes", room, fp, LOBBY_ROOM_ALLOW_MAX,
                  LOBBY_ALLOW_ENTRY_MAX - 1);
        break;
    }
}

/*
 * The key knock_limit_per_ip counts the address 'ip' (NULL: none) under,
 * in 'buf': IPv4 as it is, also when mapped into IPv6; IPv6 by its /64,
 * since one host or home network usually holds a whole /64 and could
 * otherwise knock from a new address each time; anything else as the
 * bridge wrote it. Returns 'buf', or NULL for no address.
 */
static const char *address_key(const char *ip, char *buf, size_t size)
{
    char plain[INET6_ADDRSTRLEN];
    struct in6_addr a6;
    struct in_addr a4;
    size_t n;

    if (ip == NULL)
        return NULL;
    n = strcspn(ip, "%");             /* a zone names a link, not a host */
    if (n >= sizeof(plain))
        n = sizeof(plain) - 1;
    memcpy(plain, ip, n);
    plain[n] = '\0';
    if (inet_pton(AF_INET, plain, &a4) == 1 && inet_ntop(AF_INET, &a4, buf, size) != NULL)
        return buf;
    if (inet_pton(AF_INET6, plain, &a6) == 1) {
        if (IN6_IS_ADDR_V4MAPPED(&a6)) {
            memcpy(&a4, &a6.s6_addr[12], sizeof(a4));
            if (inet_ntop(AF_INET, &a4, buf, size) != NULL)
                return buf;
        }
        memset(&a6.s6_addr[8], 0, 8);
        if (inet_ntop(AF_INET6, &a6, plain, sizeof(plain)) != NULL) {
            snprintf(buf, size, "%s/64", plain);
            return buf;
        }
    }
    snprintf(buf, size, "%s", ip);
    return buf;
}

/* Verify 'token' (NULL: none) for the main room 'room' (a bare JID); fill
 * the token facts of 'lj', which borrow from 'claims' (the caller clears
 * them once 'lj' is no longer used). */
static void check_token(struct dispatch *d, const char *room, const char *token, size_t token_len,
                        struct lobby_join *lj, struct token_claims *claims,
                        struct token_reason *why, char fp[TOKEN_FINGERPRINT_SIZE])
{
    char node[DISPATCH_NODE_MAX];
    const char *at = strchr(room, '@');
    size_t n = at != NULL ? (size_t)(at - room) : 0;
    enum token_status st;

    memset(claims, 0, sizeof(*claims));
    memcpy(fp, "none", 5);
    lj->token = LOBBY_TOKEN_NONE;
    if (token == NULL)
        return;
    if (n >= sizeof(node))
        n = sizeof(node) - 1;
    memcpy(node, room, n);
    node[n] = '\0';
    st = token_verify(d->verifier, token, token_len, node, (int64_t)time(NULL), claims, why);
    if (st != TOKEN_VALID) {
        /* A verified token carries its fingerprint; a refused one gets it here. */
        token_fingerprint(token, token_len, fp);
        lj->token = LOBBY_TOKEN_INVALID;
        lj->token_reason = why->text;
        return;
    }
    memcpy(fp, claims->fingerprint, TOKEN_FINGERPRINT_SIZE);
    dispatch_token_facts(claims, lj);
}

static void render(const struct lobby_verdict *lv, struct bridge_verdict *v)
{
    static const char *const deny_type[] = {"auth", "auth", "cancel", "wait"};
    static const char *const deny_cond[] = {"forbidden", "not-authorized", "not-allowed",
                                            "internal-server-error"};

    v->action = lobby_action_name(lv->action);
    v->rule = lv->rule;
    if (lv->action == LOBBY_ALLOW && lv->affiliation != LOBBY_AFF_NONE)
        v->affiliation = lobby_affiliation_name(lv->affiliation);
    v->supply_password = lv->action == LOBBY_ALLOW && lv->supply_password;
    v->ask = lv->ask == LOBBY_ASK_TOKEN_LOBBY_OR_PASSWORD       ? "token-lobby-password"
             : lv->ask == LOBBY_ASK_TOKEN_LOBBY_PASSWORD_OR_NEW ? "token-lobby-password-new"
                                                                : "every-join";
    v->room_ask = lv->ask_room ? "every-join" : "default";
    if (lv->action == LOBBY_ALLOW && lv->lobby_switch != LOBBY_SWITCH_NONE)
        v->set_lobby = lv->lobby_switch == LOBBY_SWITCH_ON ? "on" : "off";
    if (lv->action == LOBBY_KNOCK)
        v->lobby = lv->lobby_jid;
    if (lv->action == LOBBY_DENY && (unsigned)lv->deny < 4) {
        v->error_type = deny_type[lv->deny];
        v->error_condition = deny_cond[lv->deny];
        v->text = lv->text;
    }
}

void dispatch_on_join(void *arg, const struct bridge_join *bj, struct bridge_verdict *v,
                      const struct lobby_actions **out)
{
    struct dispatch *d = arg;
    struct lobby_join lj;
    struct token_claims claims;
    struct token_reason why;
    char fp[TOKEN_FINGERPRINT_SIZE];
    char qnick[128], qname[128], qtext[LOBBY_TEXT_MAX + 32], addr[LOBBY_IP_MAX];
    int released = 0;
    struct timespec t0, t1;

    memset(&lj, 0, sizeof(lj));
    memset(&why, 0, sizeof(why));
    lj.room = bj->room;
    lj.nick = bj->nick;
    lj.real_jid = bj->jid;
    lj.session = bj->session;
    lj.display_name = bj->display_name;
    if (!lobby_affiliation_parse(bj->affiliation, &lj.affiliation))
        lj.affiliation = LOBBY_AFF_NONE;
    lj.room_exists = bj->room_exists;
    lj.members_only = bj->members_only;
    lj.password = password_of(bj->password);
    lj.client_ip = address_key(bj->ip, addr, sizeof(addr));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    check_token(d, bj->room, bj->token, bj->token_len, &lj, &claims, &why, fp);
    /* On allocation failure lobby_on_join() still writes a DENY verdict. */
    (void)lobby_on_join(d->lobby, &lj, monotonic_ms(), &d->last);
    if (lj.token == LOBBY_TOKEN_VALID && lj.token_owner)
        log_room_settings(d, bj->room, bj->jid, &claims, fp);
    token_claims_clear(&claims);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    metrics_observe(d->metrics, METRICS_VERDICT_SECONDS,
                    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    metrics_label(d->metrics, METRICS_VERDICTS, lobby_action_name(d->last.action), d->last.rule);
    if (lj.token == LOBBY_TOKEN_INVALID)
        metrics_label(d->metrics, METRICS_TOKEN_REFUSALS, why.kind != NULL ? why.kind : "claims",
                      NULL);
    /* A knock or a default lobby switches the room's lobby; other verdicts
     * only record admissions Prosody has yet to confirm, which are not
     * saved. */
    if (d->last.action == LOBBY_KNOCK || d->last.lobby_switch != LOBBY_SWITCH_NONE ||
        (lj.token == LOBBY_TOKEN_VALID && lj.token_owner))
        d->dirty = true;
    lobby_actions_clear(&d->actions);
    *out = NULL;
    if (d->last.action == LOBBY_ALLOW && d->last.lobby_switch == LOBBY_SWITCH_OFF) {
        /* The owner's join turns the lobby off: the waiting walk in, as when a moderator
         * switches it off (the bridge switches Prosody's room with the verdict). */
        released = lobby_on_disable(d->lobby, bj->room, bj->jid, monotonic_ms(), &d->actions);
        if (released < 0) {
            (void)lobby_failed("switching a default lobby off", errno);
            released = 0;
        }
        *out = &d->actions;
    }
    if (d->last.lobby_switch != LOBBY_SWITCH_NONE)
        log_info("lobby: room=%s lobby=%s by=%s rule=%s released=%d", bj->room,
                 d->last.lobby_switch == LOBBY_SWITCH_ON ? "on" : "off", bj->jid,
                 d->last.switch_rule, released);
    memset(v, 0, sizeof(*v));
    render(&d->last, v);
    log_info("verdict: room=%s nick=\"%s\" jid=%s name=\"%s\" verdict=%s affiliation=%s rule=%s "
             "token=%s reason=\"%s\"",
             bj->room, log_quote(bj->nick, qnick, sizeof(qnick)), bj->jid,
             log_quote(bj->display_name, qname, sizeof(qname)),
             v->action, v->affiliation != NULL ? v->affiliation : "unchanged", v->rule, fp,
             log_quote(d->last.text, qtext, sizeof(qtext)));
    /* The join path: no line is built when nobody reads it. */
    if (audit_enabled(d->audit))
        audit_write(d->audit, "verdict",
                json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s, s:s, s:s, s:s, s:s, s:s?}",
                          "room", bj->room, "nick", bj->nick, "jid", bj->jid,
                          "session", bj->session, "name", bj->display_name,
                          "verdict", v->action,
                          "affiliation", v->affiliation != NULL ? v->affiliation : "unchanged",
                          "rule", v->rule, "token", fp, "reason", d->last.text, "lobby",
                          d->last.lobby_switch == LOBBY_SWITCH_ON    ? "on"
                          : d->last.lobby_switch == LOBBY_SWITCH_OFF ? "off"
                                                                     : NULL));
    count_effects(d);
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
    admin_run(&d->admin, rq, monotonic_ms(), reply);
    if (d->actions.n > 0)
        d->dirty = true;
    count_effects(d);
}

size_t dispatch_commands_for(void *arg, const char *jid, const struct adhoc_item **items)
{
    struct dispatch *d = arg;

    d->admin.cfg = d->cfg;
    return admin_commands_for(&d->admin, jid, items);
}

bool dispatch_asks_display_name(void *arg, const char *jid, const struct bridge_disco *bd)
{
    struct dispatch *d = arg;
    struct lobby_join lj;
    struct token_claims claims;
    struct token_reason why;
    char fp[TOKEN_FINGERPRINT_SIZE], room[DISPATCH_NODE_MAX + BRIDGE_JID_MAX + 2];
    const char *rule = "no-room";
    bool ask = false;
    int n;

    /* The stock lobby asks only for the room named on the connection URL. */
    if (bd != NULL && bd->room != NULL) {
        n = snprintf(room, sizeof(room), "%s@%s", bd->room, d->cfg->muc_domain);
        if (n < 0 || (size_t)n >= sizeof(room))
            return false;
        memset(&lj, 0, sizeof(lj));
        memset(&why, 0, sizeof(why));
        lj.room = room;
        lj.real_jid = jid;
        check_token(d, room, bd->token, bd->token_len, &lj, &claims, &why, fp);
        ask = lobby_asks_display_name(d->lobby, &lj, monotonic_ms(), &rule);
        token_claims_clear(&claims);
    }
    log_debug("disco: jid=%s room=%s display name asked=%s rule=%s", jid,
              bd != NULL && bd->room != NULL ? room : "(none on the URL)", ask ? "yes" : "no",
              rule);
    return ask;
}

/* A lobby call returned -1 with errno 'e' (saved right after the call).
 * EPERM, ENOSPC and ENOENT are refusals the caller reports: errno is set
 * back to 'e' for it. Anything else (out of memory) is fatal, as
 * everywhere in the daemon: systemd restarts it. */
static int lobby_failed(const char *what, int e)
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
    return lobby_failed("recording an occupant", e);
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
            return lobby_failed("admitting", e);
        log_info("lobby: room=%s admit=%s actor=%s knockers=%d", ev->room, ev->invitees[i],
                 ev->actor, rc);
    }
    return 0;
}

static int handle_on_event(void *arg, const struct bridge_event *ev, const struct lobby_actions **out)
{
    struct dispatch *d = arg;
    uint64_t now = monotonic_ms();
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
            return lobby_failed("switching a lobby", e);
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
            return lobby_failed("destroying a room", errno);
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
    uint64_t now = monotonic_ms();
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
        return lobby_failed("a lobby-room request", errno);
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
    rc = lobby_on_gone(d->lobby, room, slash != NULL ? slash + 1 : NULL, ses->jid, monotonic_ms(),
                       &d->actions);
    if (rc == -1)
        return lobby_failed("a missed leave", errno);
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
    uint64_t now = monotonic_ms();

    if (deadline == UINT64_MAX || deadline >= now + max_ms)
        return max_ms;
    return deadline <= now ? 0 : (unsigned)(deadline - now);
}

/* What the effects of the last event mean for the counters and the audit trail. */
static void count_effects(struct dispatch *d)
{
    uint64_t now = monotonic_ms();

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

    count_effects(arg);
    return rc;
}

int dispatch_on_muc(void *arg, const struct muc_request *rq, const struct lobby_actions **out)
{
    int rc = handle_on_muc(arg, rq, out);

    count_effects(arg);
    return rc;
}

int dispatch_on_gone(void *arg, const struct bridge_session *ses, const struct lobby_actions **out)
{
    int rc = handle_on_gone(arg, ses, out);

    count_effects(arg);
    return rc;
}

const struct lobby_actions *dispatch_expire(struct dispatch *d)
{
    char qnick[128], qtext[LOBBY_TEXT_MAX + 32];

    lobby_actions_clear(&d->actions);
    if (lobby_expire(d->lobby, monotonic_ms(), &d->actions) == -1)
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
    count_effects(d);
    return &d->actions;
}

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
    if (lobby_restore(d->lobby, text, len, monotonic_ms(), wall_ms(), why, sizeof(why)) != 0) {
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
    uint64_t now = monotonic_ms();
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
