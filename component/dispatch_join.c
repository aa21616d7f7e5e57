/*
 * dispatch_join.c: one pre-join from the bridge becomes one verdict.
 *
 *   bridge_join --token_verify()--> rights --lobby_on_join()--> lobby_verdict
 *               --> bridge_verdict, and exactly one INFO line in the
 *                   "verdict" area naming the rule that fired.
 *
 * Also the disco question of the same path: whether a client must give a
 * display name before it joins (dispatch_asks_display_name()). A verified
 * token's claims become the lobby's facts here (dispatch_token_facts()),
 * the one function that maps jwt/ to lobby/; neither module knows the
 * other. Tokens appear in the log only as their fingerprint.
 *
 * Deliberately not here: the other bridge events and lobby-room requests
 * (dispatch.c), state_file (persist.c).
 */
#include "component/dispatch.h"
#include "component/dispatch_internal.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "base/log.h"
#include "component/audit.h"
#include "component/metrics.h"
#include "jwt/token.h"
#include "lobby/lobby.h"

#define DISPATCH_NODE_MAX 1024

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
    (void)lobby_on_join(d->lobby, &lj, dispatch_monotonic_ms(), &d->last);
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
        released = lobby_on_disable(d->lobby, bj->room, bj->jid, dispatch_monotonic_ms(), &d->actions);
        if (released < 0) {
            (void)dispatch_lobby_failed("switching a default lobby off", errno);
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
    dispatch_count_effects(d);
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
        ask = lobby_asks_display_name(d->lobby, &lj, dispatch_monotonic_ms(), &rule);
        token_claims_clear(&claims);
    }
    log_debug("disco: jid=%s room=%s display name asked=%s rule=%s", jid,
              bd != NULL && bd->room != NULL ? room : "(none on the URL)", ask ? "yes" : "no",
              rule);
    return ask;
}
