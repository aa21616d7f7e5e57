/*
 * test_policy.c: every join rule of lobby/policy.c and its precedence, one
 * table row per case, plus the name helpers and the configuration checks
 * of lobby.c.
 *
 * A row states only what differs from the common case: a guest with a
 * display name and no token joining "myroom" whose lobby is on, room
 * without a password, default configuration. A failing row prints its name
 * and the whole verdict it got.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lobby/lobby.h"
#include "lobby/policy.h"

#define ROOM "myroom@conference.meet.test"
#define GUEST_JID "guest1@meet.test/web-1"

static const char *const service_jids[] = {
    "jibri@auth.meet.test",
    "recorder.meet.test",
};

struct policy_case {
    const char *name;
    /* configuration, zero = default */
    enum lobby_password_mode pw_mode;
    enum lobby_invalid_token bad_token;
    bool name_optional;
    uint64_t rejoin_window_ms;
    /* facts, zero = the common case */
    const char *room;                  /* NULL: ROOM */
    const char *real_jid;              /* NULL: GUEST_JID */
    bool no_real_jid;
    bool no_name;
    bool empty_name;
    bool lobby_off;
    bool new_room;
    enum lobby_affiliation aff;
    enum lobby_password pw;
    enum lobby_token_state token;
    const char *token_reason;
    bool token_owner;
    bool token_bypass;
    enum policy_admission admission;
    uint64_t away_ms;
    bool sent_back;
    /* expected */
    enum lobby_action action;
    enum lobby_affiliation grant;
    const char *rule;
    enum lobby_deny deny;              /* checked for DENY only */
    const char *lobby_jid;             /* checked when not NULL */
    const char *text_has;              /* substring, checked when not NULL */
    bool supply;                       /* expected supply_password */
};

static const struct policy_case cases[] = {
    /* 1. outcast: first, whatever else holds */
    { .name = "outcast guest is refused", .aff = LOBBY_AFF_OUTCAST,
      .action = LOBBY_DENY, .rule = "outcast", .deny = LOBBY_DENY_FORBIDDEN,
      .text_has = "banned" },
    { .name = "outcast with owner token is still refused",
      .aff = LOBBY_AFF_OUTCAST, .token = LOBBY_TOKEN_VALID, .token_owner = true,
      .action = LOBBY_DENY, .rule = "outcast", .deny = LOBBY_DENY_FORBIDDEN },
    { .name = "outcast with the lobby off is refused", .aff = LOBBY_AFF_OUTCAST,
      .lobby_off = true, .action = LOBBY_DENY, .rule = "outcast",
      .deny = LOBBY_DENY_FORBIDDEN },
    { .name = "outcast beats invalid-token deny", .aff = LOBBY_AFF_OUTCAST,
      .bad_token = LOBBY_INVALID_TOKEN_DENY, .token = LOBBY_TOKEN_INVALID,
      .action = LOBBY_DENY, .rule = "outcast", .deny = LOBBY_DENY_FORBIDDEN },

    /* 2. invalid token under the deny policy */
    { .name = "invalid token, deny policy", .bad_token = LOBBY_INVALID_TOKEN_DENY,
      .token = LOBBY_TOKEN_INVALID, .token_reason = "token expired 37 s ago (leeway 5 s)",
      .action = LOBBY_DENY, .rule = "invalid-token", .deny = LOBBY_DENY_NOT_ALLOWED,
      .text_has = "token refused: token expired 37 s ago (leeway 5 s)" },
    { .name = "invalid token, deny policy, lobby off",
      .bad_token = LOBBY_INVALID_TOKEN_DENY, .token = LOBBY_TOKEN_INVALID,
      .lobby_off = true, .action = LOBBY_DENY, .rule = "invalid-token",
      .deny = LOBBY_DENY_NOT_ALLOWED, .text_has = "no reason given" },
    { .name = "invalid token, deny policy, owner flag ignored",
      .bad_token = LOBBY_INVALID_TOKEN_DENY, .token = LOBBY_TOKEN_INVALID,
      .token_owner = true, .action = LOBBY_DENY, .rule = "invalid-token",
      .deny = LOBBY_DENY_NOT_ALLOWED },
    { .name = "invalid token, deny policy, beats existing owner",
      .bad_token = LOBBY_INVALID_TOKEN_DENY, .token = LOBBY_TOKEN_INVALID,
      .aff = LOBBY_AFF_OWNER, .action = LOBBY_DENY, .rule = "invalid-token",
      .deny = LOBBY_DENY_NOT_ALLOWED },
    { .name = "invalid token, guest policy, knocks with a note",
      .token = LOBBY_TOKEN_INVALID, .token_reason = "bad signature",
      .action = LOBBY_KNOCK, .rule = "lobby",
      .text_has = "token refused: bad signature; treated as guest" },
    { .name = "invalid token, guest policy, owner flag ignored",
      .token = LOBBY_TOKEN_INVALID, .token_owner = true, .token_bypass = true,
      .action = LOBBY_KNOCK, .rule = "lobby", .text_has = "treated as guest" },
    { .name = "invalid token, guest policy, lobby off",
      .token = LOBBY_TOKEN_INVALID, .lobby_off = true, .action = LOBBY_ALLOW,
      .rule = "no-lobby", .text_has = "treated as guest" },

    /* supply_password: who walks past the lobby walks past the password */
    { .name = "owner token, password missing: supplied", .token = LOBBY_TOKEN_VALID,
      .token_owner = true, .pw = LOBBY_PW_MISSING, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_OWNER, .rule = "owner-claim", .supply = true },
    { .name = "owner token, lobby off, password wrong: supplied", .token = LOBBY_TOKEN_VALID,
      .token_owner = true, .lobby_off = true, .pw = LOBBY_PW_WRONG, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_OWNER, .rule = "owner-claim", .supply = true },
    { .name = "owner token, right password: nothing to supply", .token = LOBBY_TOKEN_VALID,
      .token_owner = true, .pw = LOBBY_PW_OK, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_OWNER, .rule = "owner-claim" },
    { .name = "owner token, also-required: not supplied", .pw_mode = LOBBY_PASSWORD_ALSO_REQUIRED,
      .token = LOBBY_TOKEN_VALID, .token_owner = true, .pw = LOBBY_PW_MISSING,
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_OWNER, .rule = "owner-claim" },
    { .name = "owner token, ignored: not supplied", .pw_mode = LOBBY_PASSWORD_IGNORED,
      .token = LOBBY_TOKEN_VALID, .token_owner = true, .pw = LOBBY_PW_MISSING,
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_OWNER, .rule = "owner-claim" },
    { .name = "admitted session, password missing: supplied", .pw = LOBBY_PW_MISSING,
      .admission = POLICY_ADMISSION_SESSION, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_MEMBER, .rule = "admitted-session", .supply = true },
    { .name = "bypass token, password missing: supplied", .pw = LOBBY_PW_MISSING,
      .token = LOBBY_TOKEN_VALID, .token_bypass = true, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_MEMBER, .rule = "bypass-claim", .supply = true },
    { .name = "lobby off, guest, password missing: Prosody decides", .lobby_off = true,
      .pw = LOBBY_PW_MISSING, .action = LOBBY_ALLOW, .rule = "no-lobby" },

    /* 3. owner claim: always in, as owner, never asked for a name */
    { .name = "owner token, lobby on", .token = LOBBY_TOKEN_VALID,
      .token_owner = true, .action = LOBBY_ALLOW, .grant = LOBBY_AFF_OWNER,
      .rule = "owner-claim" },
    { .name = "owner token, lobby off", .token = LOBBY_TOKEN_VALID,
      .token_owner = true, .lobby_off = true, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_OWNER, .rule = "owner-claim" },
    { .name = "owner token, new room", .token = LOBBY_TOKEN_VALID,
      .token_owner = true, .new_room = true, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_OWNER, .rule = "owner-claim" },
    { .name = "owner token, rejoin with new anonymous JID, no name",
      .real_jid = "f00dcafe@meet.test/abc", .no_name = true,
      .token = LOBBY_TOKEN_VALID, .token_owner = true, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_OWNER, .rule = "owner-claim" },
    { .name = "owner token, already member", .aff = LOBBY_AFF_MEMBER,
      .token = LOBBY_TOKEN_VALID, .token_owner = true, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_OWNER, .rule = "owner-claim" },
    { .name = "owner token beats bypass", .token = LOBBY_TOKEN_VALID,
      .token_owner = true, .token_bypass = true, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_OWNER, .rule = "owner-claim" },
    { .name = "owner token, also-required, wrong password",
      .pw_mode = LOBBY_PASSWORD_ALSO_REQUIRED, .pw = LOBBY_PW_WRONG,
      .token = LOBBY_TOKEN_VALID, .token_owner = true, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_OWNER, .rule = "owner-claim" },
    { .name = "owner token, invalid-token deny policy does not matter",
      .bad_token = LOBBY_INVALID_TOKEN_DENY, .token = LOBBY_TOKEN_VALID,
      .token_owner = true, .action = LOBBY_ALLOW, .grant = LOBBY_AFF_OWNER,
      .rule = "owner-claim" },

    /* 4. existing owner/admin affiliation */
    { .name = "existing owner, no token", .aff = LOBBY_AFF_OWNER,
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_NONE,
      .rule = "existing-affiliation", .text_has = "already owner" },
    { .name = "existing admin, no name", .aff = LOBBY_AFF_ADMIN, .no_name = true,
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_NONE,
      .rule = "existing-affiliation" },
    { .name = "existing owner, lobby off", .aff = LOBBY_AFF_OWNER,
      .lobby_off = true, .action = LOBBY_ALLOW, .rule = "existing-affiliation" },
    { .name = "existing admin, also-required, no password",
      .pw_mode = LOBBY_PASSWORD_ALSO_REQUIRED, .pw = LOBBY_PW_MISSING,
      .aff = LOBBY_AFF_ADMIN, .action = LOBBY_ALLOW,
      .rule = "existing-affiliation" },
    { .name = "member of the bare JID alone still knocks",
      .aff = LOBBY_AFF_MEMBER, .action = LOBBY_KNOCK, .rule = "lobby" },
    { .name = "member of the bare JID alone, no name",
      .aff = LOBBY_AFF_MEMBER, .no_name = true, .action = LOBBY_NEED_NAME,
      .rule = "displayname-required" },

    /* 5. lobby off or new room */
    { .name = "guest, lobby off", .lobby_off = true, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_NONE, .rule = "no-lobby", .text_has = "lobby is off" },
    { .name = "guest, new room", .new_room = true, .action = LOBBY_ALLOW,
      .rule = "no-lobby", .text_has = "does not exist" },
    { .name = "member, lobby off", .aff = LOBBY_AFF_MEMBER, .lobby_off = true,
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_NONE, .rule = "no-lobby" },
    { .name = "guest without name, lobby off", .no_name = true,
      .lobby_off = true, .action = LOBBY_ALLOW, .rule = "no-lobby" },
    { .name = "bypass token, lobby off", .token = LOBBY_TOKEN_VALID,
      .token_bypass = true, .lobby_off = true, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_NONE, .rule = "no-lobby" },
    { .name = "also-required, wrong password, lobby off",
      .pw_mode = LOBBY_PASSWORD_ALSO_REQUIRED, .pw = LOBBY_PW_WRONG,
      .lobby_off = true, .action = LOBBY_ALLOW, .rule = "no-lobby" },
    { .name = "admitted session, lobby off",
      .admission = POLICY_ADMISSION_SESSION, .lobby_off = true,
      .action = LOBBY_ALLOW, .rule = "no-lobby" },

    /* 6. lobby_bypass claim */
    { .name = "bypass token", .token = LOBBY_TOKEN_VALID, .token_bypass = true,
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER, .rule = "bypass-claim" },
    { .name = "bypass token, already member", .aff = LOBBY_AFF_MEMBER,
      .token = LOBBY_TOKEN_VALID, .token_bypass = true, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_NONE, .rule = "bypass-claim" },
    { .name = "bypass token, no name", .no_name = true,
      .token = LOBBY_TOKEN_VALID, .token_bypass = true, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_MEMBER, .rule = "bypass-claim" },
    { .name = "bypass token, also-required, wrong password",
      .pw_mode = LOBBY_PASSWORD_ALSO_REQUIRED, .pw = LOBBY_PW_WRONG,
      .token = LOBBY_TOKEN_VALID, .token_bypass = true, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_MEMBER, .rule = "bypass-claim" },
    { .name = "valid token without rights knocks", .token = LOBBY_TOKEN_VALID,
      .action = LOBBY_KNOCK, .rule = "lobby" },

    /* 7. service identities */
    { .name = "service bare JID", .real_jid = "jibri@auth.meet.test/rec-7",
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER,
      .rule = "service-identity", .text_has = "jibri@auth.meet.test" },
    { .name = "service domain", .real_jid = "x1@recorder.meet.test/r",
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER,
      .rule = "service-identity", .text_has = "recorder.meet.test" },
    { .name = "service domain, no node", .real_jid = "recorder.meet.test",
      .action = LOBBY_ALLOW, .rule = "service-identity",
      .grant = LOBBY_AFF_MEMBER },
    { .name = "service domain, other case", .real_jid = "x1@Recorder.Meet.Test/r",
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER,
      .rule = "service-identity" },
    { .name = "service domain, no name", .real_jid = "x1@recorder.meet.test/r",
      .no_name = true, .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER,
      .rule = "service-identity" },
    { .name = "service, already admin keeps admin",
      .real_jid = "jibri@auth.meet.test/r", .aff = LOBBY_AFF_ADMIN,
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_NONE,
      .rule = "existing-affiliation" },
    { .name = "subdomain of a service domain knocks",
      .real_jid = "x1@a.recorder.meet.test/r", .action = LOBBY_KNOCK,
      .rule = "lobby" },
    { .name = "other account of a service JID's domain knocks",
      .real_jid = "jigasi@auth.meet.test/r", .action = LOBBY_KNOCK,
      .rule = "lobby" },
    { .name = "service domain in the resource knocks",
      .real_jid = "x1@meet.test/recorder.meet.test", .action = LOBBY_KNOCK,
      .rule = "lobby" },
    { .name = "no real JID knocks", .no_real_jid = true, .action = LOBBY_KNOCK,
      .rule = "lobby" },

    /* 8. password as an extra gate */
    { .name = "also-required, wrong password",
      .pw_mode = LOBBY_PASSWORD_ALSO_REQUIRED, .pw = LOBBY_PW_WRONG,
      .action = LOBBY_DENY, .rule = "password-required",
      .deny = LOBBY_DENY_NOT_AUTHORIZED, .text_has = "wrong" },
    { .name = "also-required, missing password",
      .pw_mode = LOBBY_PASSWORD_ALSO_REQUIRED, .pw = LOBBY_PW_MISSING,
      .action = LOBBY_DENY, .rule = "password-required",
      .deny = LOBBY_DENY_NOT_AUTHORIZED, .text_has = "missing" },
    { .name = "also-required, missing password, no name",
      .pw_mode = LOBBY_PASSWORD_ALSO_REQUIRED, .pw = LOBBY_PW_MISSING,
      .no_name = true, .action = LOBBY_DENY, .rule = "password-required",
      .deny = LOBBY_DENY_NOT_AUTHORIZED },
    { .name = "also-required, right password still knocks",
      .pw_mode = LOBBY_PASSWORD_ALSO_REQUIRED, .pw = LOBBY_PW_OK,
      .action = LOBBY_KNOCK, .rule = "lobby" },
    { .name = "also-required, room without password knocks",
      .pw_mode = LOBBY_PASSWORD_ALSO_REQUIRED, .action = LOBBY_KNOCK,
      .rule = "lobby" },
    { .name = "also-required, admitted session without password",
      .pw_mode = LOBBY_PASSWORD_ALSO_REQUIRED, .pw = LOBBY_PW_MISSING,
      .admission = POLICY_ADMISSION_SESSION, .action = LOBBY_DENY,
      .rule = "password-required", .deny = LOBBY_DENY_NOT_AUTHORIZED },
    { .name = "also-required, admitted session with password",
      .pw_mode = LOBBY_PASSWORD_ALSO_REQUIRED, .pw = LOBBY_PW_OK,
      .admission = POLICY_ADMISSION_SESSION, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_MEMBER, .rule = "admitted-session" },

    /* 9, 10. admissions held by this session */
    { .name = "admitted session", .admission = POLICY_ADMISSION_SESSION,
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER,
      .rule = "admitted-session" },
    { .name = "admitted session, member already",
      .admission = POLICY_ADMISSION_SESSION, .aff = LOBBY_AFF_MEMBER,
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_NONE,
      .rule = "admitted-session" },
    { .name = "admitted session, no name",
      .admission = POLICY_ADMISSION_SESSION, .no_name = true,
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER,
      .rule = "admitted-session" },
    { .name = "admitted session, wrong password, bypass mode",
      .admission = POLICY_ADMISSION_SESSION, .pw = LOBBY_PW_WRONG,
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER,
      .rule = "admitted-session", .supply = true },
    /* sent back to the lobby by a moderator: knocks whatever else would let it in */
    { .name = "sent back: knocks", .sent_back = true, .action = LOBBY_KNOCK, .rule = "sent-back",
      .text_has = "a moderator sent this session back to the lobby" },
    { .name = "sent back beats a bypass token", .sent_back = true, .token = LOBBY_TOKEN_VALID,
      .token_bypass = true, .action = LOBBY_KNOCK, .rule = "sent-back" },
    { .name = "sent back beats the right password", .sent_back = true, .pw = LOBBY_PW_OK,
      .action = LOBBY_KNOCK, .rule = "sent-back" },
    { .name = "sent back beats a member affiliation", .sent_back = true,
      .aff = LOBBY_AFF_MEMBER, .action = LOBBY_KNOCK, .rule = "sent-back" },
    { .name = "sent back without a name: asked for one", .sent_back = true, .no_name = true,
      .action = LOBBY_NEED_NAME, .rule = "sent-back" },
    { .name = "sent back, lobby since turned off: walks in", .sent_back = true,
      .lobby_off = true, .action = LOBBY_ALLOW, .rule = "no-lobby" },
    { .name = "sent back, owner token: walks in", .sent_back = true, .token = LOBBY_TOKEN_VALID,
      .token_owner = true, .action = LOBBY_ALLOW, .grant = LOBBY_AFF_OWNER, .rule = "owner-claim" },

    { .name = "rejoin within the window", .admission = POLICY_ADMISSION_REJOIN,
      .rejoin_window_ms = 60000, .away_ms = 12000, .action = LOBBY_ALLOW,
      .grant = LOBBY_AFF_MEMBER, .rule = "rejoin-window",
      .text_has = "after 12000 ms (rejoin window 60000 ms)" },
    { .name = "rejoin, member already", .admission = POLICY_ADMISSION_REJOIN,
      .aff = LOBBY_AFF_MEMBER, .action = LOBBY_ALLOW, .grant = LOBBY_AFF_NONE,
      .rule = "rejoin-window" },
    { .name = "rejoin beats password bypass", .admission = POLICY_ADMISSION_REJOIN,
      .pw = LOBBY_PW_OK, .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER,
      .rule = "rejoin-window" },

    /* 11. password as a bypass */
    { .name = "bypass mode, right password", .pw = LOBBY_PW_OK,
      .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER,
      .rule = "password-bypass" },
    { .name = "bypass mode, right password, no name", .pw = LOBBY_PW_OK,
      .no_name = true, .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER,
      .rule = "password-bypass" },
    { .name = "bypass mode, right password, member", .pw = LOBBY_PW_OK,
      .aff = LOBBY_AFF_MEMBER, .action = LOBBY_ALLOW, .grant = LOBBY_AFF_NONE,
      .rule = "password-bypass" },
    { .name = "bypass mode, wrong password knocks", .pw = LOBBY_PW_WRONG,
      .action = LOBBY_KNOCK, .rule = "lobby" },
    { .name = "bypass mode, missing password knocks", .pw = LOBBY_PW_MISSING,
      .action = LOBBY_KNOCK, .rule = "lobby" },
    { .name = "ignored mode, right password knocks",
      .pw_mode = LOBBY_PASSWORD_IGNORED, .pw = LOBBY_PW_OK,
      .action = LOBBY_KNOCK, .rule = "lobby" },
    { .name = "ignored mode, wrong password knocks",
      .pw_mode = LOBBY_PASSWORD_IGNORED, .pw = LOBBY_PW_WRONG,
      .action = LOBBY_KNOCK, .rule = "lobby" },

    /* 12. display name */
    { .name = "no display name", .no_name = true, .action = LOBBY_NEED_NAME,
      .rule = "displayname-required", .lobby_jid = "" },
    { .name = "empty display name", .empty_name = true,
      .action = LOBBY_NEED_NAME, .rule = "displayname-required" },
    { .name = "no display name, not required", .no_name = true,
      .name_optional = true, .action = LOBBY_KNOCK, .rule = "lobby",
      .lobby_jid = "myroom@lobby.meet.test" },

    /* 13. the lobby */
    { .name = "guest knocks", .action = LOBBY_KNOCK, .rule = "lobby",
      .lobby_jid = "myroom@lobby.meet.test",
      .text_has = "knock at myroom@lobby.meet.test" },
    { .name = "tenant room keeps its node",
      .room = "[acme]myroom@conference.meet.test", .action = LOBBY_KNOCK,
      .rule = "lobby", .lobby_jid = "[acme]myroom@lobby.meet.test" },
    { .name = "room JID without node", .room = "conference.meet.test",
      .action = LOBBY_DENY, .rule = "invalid-room",
      .deny = LOBBY_DENY_NOT_ALLOWED, .lobby_jid = "" },
    { .name = "room JID with resource", .room = ROOM "/nick",
      .action = LOBBY_DENY, .rule = "invalid-room",
      .deny = LOBBY_DENY_NOT_ALLOWED },
    { .name = "room JID without domain", .room = "myroom@",
      .action = LOBBY_DENY, .rule = "invalid-room",
      .deny = LOBBY_DENY_NOT_ALLOWED },
    { .name = "empty room JID", .room = "", .action = LOBBY_DENY,
      .rule = "invalid-room", .deny = LOBBY_DENY_NOT_ALLOWED },
};

static void case_config(const struct policy_case *c, struct lobby_config *cfg)
{
    lobby_config_defaults(cfg);
    cfg->lobby_domain = "lobby.meet.test";
    cfg->password_mode = c->pw_mode;
    cfg->invalid_token = c->bad_token;
    cfg->displayname_required = !c->name_optional;
    cfg->service_jids = service_jids;
    cfg->n_service_jids = sizeof(service_jids) / sizeof(service_jids[0]);
    cfg->rejoin_window_ms = c->rejoin_window_ms;
}

static void case_join(const struct policy_case *c, struct lobby_join *j)
{
    memset(j, 0, sizeof(*j));
    j->room = c->room != NULL ? c->room : ROOM;
    j->nick = "1a2b3c4d";
    j->real_jid = c->no_real_jid ? NULL
                  : c->real_jid != NULL ? c->real_jid : GUEST_JID;
    j->session = "s-1";
    j->display_name = c->no_name ? NULL : c->empty_name ? "" : "Alice";
    j->affiliation = c->aff;
    j->room_exists = !c->new_room;
    j->members_only = !c->lobby_off;
    j->password = c->pw;
    j->token = c->token;
    j->token_reason = c->token_reason;
    j->token_owner = c->token_owner;
    j->token_bypass = c->token_bypass;
}

static bool case_matches(const struct policy_case *c,
                         const struct lobby_verdict *v)
{
    if (v->action != c->action || v->rule == NULL ||
        strcmp(v->rule, c->rule) != 0)
        return false;
    if (v->action == LOBBY_ALLOW && v->affiliation != c->grant)
        return false;
    if (v->action == LOBBY_DENY && v->deny != c->deny)
        return false;
    if (c->lobby_jid != NULL && strcmp(v->lobby_jid, c->lobby_jid) != 0)
        return false;
    if (c->text_has != NULL && strstr(v->text, c->text_has) == NULL)
        return false;
    if (v->text[0] == '\0')
        return false;
    if (v->supply_password != c->supply)
        return false;
    return true;
}

static void test_policy_table(void **state)
{
    size_t i, failed = 0;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct policy_case *c = &cases[i];
        struct lobby_config cfg;
        struct lobby_join join;
        struct lobby_verdict v;
        struct policy_facts f;

        case_config(c, &cfg);
        case_join(c, &join);
        f = (struct policy_facts){ .cfg = &cfg, .join = &join,
                                   .admission = c->admission,
                                   .away_ms = c->away_ms,
                                   .sent_back = c->sent_back };
        policy_decide(&f, &v);
        if (case_matches(c, &v))
            continue;
        failed++;
        print_error("FAIL \"%s\": got %s affiliation=%s deny=%d rule=%s "
                    "lobby_jid=\"%s\" text=\"%s\" supply=%d; want %s affiliation=%s "
                    "rule=%s text~\"%s\" supply=%d\n", c->name, lobby_action_name(v.action),
                    lobby_affiliation_name(v.affiliation), (int)v.deny,
                    v.rule != NULL ? v.rule : "(null)", v.lobby_jid, v.text,
                    (int)v.supply_password, lobby_action_name(c->action),
                    lobby_affiliation_name(c->grant), c->rule,
                    c->text_has != NULL ? c->text_has : "", (int)c->supply);
    }
    assert_int_equal(failed, 0);
}

/*
 * The claim behind LOBBY_ASK_TOKEN_LOBBY_OR_PASSWORD: every join without a
 * token into a room whose lobby is off and that has no password (or that
 * does not exist yet), under every configuration, is an ALLOW that grants
 * nothing and supplies no password, or the outcast DENY that Prosody gives
 * on its own.  With a password it is not: an owner gets it supplied.  So the bridge may let
 * those joins continue without asking.
 */
static void test_ask_scope_claim(void **state)
{
    static const enum lobby_affiliation affs[] = {
        LOBBY_AFF_NONE, LOBBY_AFF_MEMBER, LOBBY_AFF_ADMIN, LOBBY_AFF_OWNER,
        LOBBY_AFF_OUTCAST,
    };
    static const char *const jids[] = { GUEST_JID, "jibri@auth.meet.test/r" };
    struct policy_case c;
    struct lobby_config cfg;
    struct lobby_join join;
    struct lobby_verdict v;
    struct policy_facts f;
    unsigned combo, n = 0;
    size_t a;

    (void)state;
    /* bits: password mode (2), invalid_token, name optional, new room, no
     * name, admission (2), service JID */
    for (combo = 0; combo < 512; combo++) {
        for (a = 0; a < sizeof(affs) / sizeof(affs[0]); a++) {
            memset(&c, 0, sizeof(c));
            c.pw_mode = (enum lobby_password_mode)(combo % 3);
            c.bad_token = (combo & 4) ? LOBBY_INVALID_TOKEN_DENY
                                      : LOBBY_INVALID_TOKEN_GUEST;
            c.name_optional = (combo & 8) != 0;
            c.new_room = (combo & 16) != 0;
            c.no_name = (combo & 32) != 0;
            c.admission = (enum policy_admission)((combo >> 6) % 3);
            c.real_jid = jids[(combo >> 8) & 1];
            c.lobby_off = true;
            c.aff = affs[a];
            c.pw = LOBBY_PW_NONE;
            case_config(&c, &cfg);
            case_join(&c, &join);
            f = (struct policy_facts){ .cfg = &cfg, .join = &join,
                                       .admission = c.admission };
            policy_decide(&f, &v);
            assert_int_equal(v.ask, LOBBY_ASK_TOKEN_LOBBY_OR_PASSWORD);
            if (affs[a] == LOBBY_AFF_OUTCAST) {
                assert_int_equal(v.action, LOBBY_DENY);
                assert_int_equal(v.deny, LOBBY_DENY_FORBIDDEN);
            } else {
                assert_int_equal(v.action, LOBBY_ALLOW);
                assert_int_equal(v.affiliation, LOBBY_AFF_NONE);
                assert_false(v.supply_password);
            }
            n++;
        }
    }
    assert_int_equal(n, 512 * 5);
    /* The reason a password room is asked about: an owner gets it. */
    memset(&c, 0, sizeof(c));
    c.lobby_off = true;
    c.aff = LOBBY_AFF_OWNER;
    c.pw = LOBBY_PW_MISSING;
    case_config(&c, &cfg);
    case_join(&c, &join);
    f = (struct policy_facts){ .cfg = &cfg, .join = &join };
    policy_decide(&f, &v);
    assert_true(v.action == LOBBY_ALLOW && v.supply_password);
    /* The operator can ask for a verdict on every join. */
    case_config(&cases[0], &cfg);
    cfg.ask_tokenless_joins = true;
    assert_int_equal(policy_ask_scope(&cfg, false), LOBBY_ASK_EVERY_JOIN);
    /* With a default lobby, the join that creates a room must be asked about too: there the
     * tokenless join is not an ALLOW that changes nothing. */
    cfg.ask_tokenless_joins = false;
    cfg.lobby_default_on = true;
    assert_int_equal(policy_ask_scope(&cfg, false), LOBBY_ASK_TOKEN_LOBBY_PASSWORD_OR_NEW);
    memset(&c, 0, sizeof(c));
    c.new_room = true;
    case_join(&c, &join);
    f = (struct policy_facts){ .cfg = &cfg, .join = &join };
    policy_decide(&f, &v);
    assert_int_equal(v.lobby_switch, LOBBY_SWITCH_ON);
}

/*
 * Default lobbies: what a join does to the room's lobby before it goes in
 * (lobby_default, context.room.lobby of an owner token, lobby_off_after =
 * first-owner, and only the first owner has that say). One row per case.
 */
struct switch_case {
    const char *name;
    bool default_on, off_after_owner;  /* configuration */
    bool new_room, lobby_off;          /* the room */
    bool owner, bypass, settled;       /* the joiner: a valid token with these rights */
    enum lobby_wish wish;
    enum lobby_action action;          /* expected verdict */
    enum lobby_switch want;
    const char *want_rule;
};

static const struct switch_case switch_cases[] = {
    { "default off: a new room stays open", .new_room = true, .action = LOBBY_ALLOW },
    { "default on: a guest creates a room with its lobby on", .default_on = true,
      .new_room = true, .action = LOBBY_ALLOW, .want = LOBBY_SWITCH_ON,
      .want_rule = "lobby-default" },
    { "default on: an owner creates it with its lobby on", .default_on = true, .new_room = true,
      .owner = true, .action = LOBBY_ALLOW, .want = LOBBY_SWITCH_ON, .want_rule = "lobby-default" },
    { "default on: the owner's token says no lobby", .default_on = true, .new_room = true,
      .owner = true, .wish = LOBBY_WISH_OFF, .action = LOBBY_ALLOW },
    { "default off: the owner's token asks for one", .new_room = true, .owner = true,
      .wish = LOBBY_WISH_ON, .action = LOBBY_ALLOW, .want = LOBBY_SWITCH_ON,
      .want_rule = "owner-token" },
    { "default on, present room: the owner's token turns it off", .default_on = true,
      .owner = true, .wish = LOBBY_WISH_OFF, .action = LOBBY_ALLOW, .want = LOBBY_SWITCH_OFF,
      .want_rule = "owner-token" },
    { "present open room: the owner's token turns it on", .lobby_off = true, .owner = true,
      .wish = LOBBY_WISH_ON, .action = LOBBY_ALLOW, .want = LOBBY_SWITCH_ON,
      .want_rule = "owner-token" },
    { "the wish matches the room: nothing to do", .owner = true, .wish = LOBBY_WISH_ON,
      .action = LOBBY_ALLOW },
    { "a later owner has no say", .owner = true, .settled = true, .wish = LOBBY_WISH_OFF,
      .action = LOBBY_ALLOW },
    { "a bypass token's wish counts for nothing", .bypass = true, .wish = LOBBY_WISH_OFF,
      .action = LOBBY_ALLOW },
    { "first-owner: the first owner turns the lobby off", .off_after_owner = true,
      .owner = true, .action = LOBBY_ALLOW, .want = LOBBY_SWITCH_OFF, .want_rule = "first-owner" },
    { "first-owner: the owner's token still decides", .off_after_owner = true, .owner = true,
      .wish = LOBBY_WISH_ON, .action = LOBBY_ALLOW },
    { "first-owner: not for a later owner", .off_after_owner = true, .owner = true,
      .settled = true, .action = LOBBY_ALLOW },
    { "first-owner, default on: the owner creates the room open", .default_on = true,
      .off_after_owner = true, .new_room = true, .owner = true, .action = LOBBY_ALLOW },
    { "a guest who knocks switches nothing", .default_on = true, .off_after_owner = true,
      .action = LOBBY_KNOCK },
};

static void test_lobby_switch_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(switch_cases) / sizeof(switch_cases[0]); i++) {
        const struct switch_case *sc = &switch_cases[i];
        struct policy_case c = { .new_room = sc->new_room, .lobby_off = sc->lobby_off,
                                 .token_owner = sc->owner, .token_bypass = sc->bypass };
        struct lobby_config cfg;
        struct lobby_join join;
        struct lobby_verdict v;
        struct policy_facts f;

        print_message("%s\n", sc->name);
        if (sc->owner || sc->bypass)
            c.token = LOBBY_TOKEN_VALID;
        case_config(&c, &cfg);
        cfg.lobby_default_on = sc->default_on;
        cfg.lobby_off_after_first_owner = sc->off_after_owner;
        case_join(&c, &join);
        join.token_lobby = sc->wish;
        f = (struct policy_facts){ .cfg = &cfg, .join = &join, .settled = sc->settled };
        policy_decide(&f, &v);
        assert_int_equal(v.action, sc->action);
        assert_int_equal(v.lobby_switch, sc->want);
        if (sc->want_rule != NULL)
            assert_string_equal(v.switch_rule, sc->want_rule);
        else
            assert_null(v.switch_rule);
    }
}

/*
 * before_host: what a join gets while no host has been in the room, and
 * the switch that gives the first host a lobby with its waiting guests.
 */
struct host_case {
    const char *name;
    enum lobby_before_host mode;
    bool hosted, new_room, lobby_off, no_name;
    bool owner_token, bypass_token;
    enum lobby_affiliation aff;
    const char *real_jid;              /* NULL: GUEST_JID */
    size_t waiting;
    enum lobby_action action;
    const char *rule;
    enum lobby_switch want;
};

static const struct host_case host_cases[] = {
    { "allow: a guest creates the room as today", LOBBY_BEFORE_HOST_ALLOW, .new_room = true,
      .action = LOBBY_ALLOW, .rule = "no-lobby" },
    { "wait: a guest of a new room waits in its lobby", LOBBY_BEFORE_HOST_WAIT, .new_room = true,
      .action = LOBBY_KNOCK, .rule = "before-host" },
    { "wait: also in an open room Jicofo opened", LOBBY_BEFORE_HOST_WAIT, .lobby_off = true,
      .action = LOBBY_KNOCK, .rule = "before-host" },
    { "wait: a bypass token waits too", LOBBY_BEFORE_HOST_WAIT, .new_room = true,
      .bypass_token = true, .action = LOBBY_KNOCK, .rule = "before-host" },
    { "wait: without a name, the name first", LOBBY_BEFORE_HOST_WAIT, .new_room = true,
      .no_name = true, .action = LOBBY_NEED_NAME, .rule = "before-host" },
    { "deny: refused", LOBBY_BEFORE_HOST_DENY, .new_room = true, .action = LOBBY_DENY,
      .rule = "before-host" },
    { "a service identity goes in", LOBBY_BEFORE_HOST_DENY, .new_room = true,
      .real_jid = "jibri@auth.meet.test/r", .action = LOBBY_ALLOW, .rule = "no-lobby" },
    { "once hosted, the lobby as usual", LOBBY_BEFORE_HOST_DENY, .hosted = true,
      .lobby_off = true, .action = LOBBY_ALLOW, .rule = "no-lobby" },
    { "the host walks in, with no one waiting", LOBBY_BEFORE_HOST_WAIT, .new_room = true,
      .owner_token = true, .action = LOBBY_ALLOW, .rule = "owner-claim" },
    { "the first host finds guests waiting: the room gets its lobby", LOBBY_BEFORE_HOST_WAIT,
      .new_room = true, .owner_token = true, .waiting = 2, .action = LOBBY_ALLOW,
      .rule = "owner-claim", .want = LOBBY_SWITCH_ON },
    { "... also an owner by affiliation, into the open room", LOBBY_BEFORE_HOST_WAIT,
      .lobby_off = true, .aff = LOBBY_AFF_OWNER, .waiting = 1, .action = LOBBY_ALLOW,
      .rule = "existing-affiliation", .want = LOBBY_SWITCH_ON },
    { "... but not a service identity with owner affiliation", LOBBY_BEFORE_HOST_WAIT,
      .lobby_off = true, .aff = LOBBY_AFF_OWNER, .real_jid = "jibri@auth.meet.test/r",
      .waiting = 1, .action = LOBBY_ALLOW, .rule = "existing-affiliation" },
};

static void test_before_host_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(host_cases) / sizeof(host_cases[0]); i++) {
        const struct host_case *hc = &host_cases[i];
        struct policy_case c = { .new_room = hc->new_room, .lobby_off = hc->lobby_off,
                                 .no_name = hc->no_name, .aff = hc->aff,
                                 .real_jid = hc->real_jid, .token_owner = hc->owner_token,
                                 .token_bypass = hc->bypass_token };
        struct lobby_config cfg;
        struct lobby_join join;
        struct lobby_verdict v;
        struct policy_facts f;

        print_message("%s\n", hc->name);
        if (hc->owner_token || hc->bypass_token)
            c.token = LOBBY_TOKEN_VALID;
        case_config(&c, &cfg);
        cfg.before_host = hc->mode;
        case_join(&c, &join);
        f = (struct policy_facts){ .cfg = &cfg, .join = &join, .hosted = hc->hosted,
                                   .waiting = hc->waiting };
        policy_decide(&f, &v);
        assert_int_equal(v.action, hc->action);
        assert_string_equal(v.rule, hc->rule);
        assert_int_equal(v.lobby_switch, hc->want);
        if (v.action == LOBBY_KNOCK)
            assert_string_equal(v.lobby_jid, "myroom@lobby.meet.test");
        /* The joins that create rooms are asked about; in a room still waiting for its host,
         * every join. */
        if (hc->mode != LOBBY_BEFORE_HOST_ALLOW)
            assert_int_equal(v.ask, LOBBY_ASK_TOKEN_LOBBY_PASSWORD_OR_NEW);
        assert_int_equal(v.ask_room, hc->mode != LOBBY_BEFORE_HOST_ALLOW && !hc->hosted);
    }
}

/*
 * Under before_host = wait, the bridge asks about every join into a room
 * only until its host comes: a room a service identity opened waits (every join
 * asked), the host's verdict says the room no longer needs it, and so does
 * every verdict after; the next call of the room starts waiting again.
 */
static void test_room_ask_follows_the_host(void **state)
{
    static const struct {
        const char *who;
        struct policy_case c;
        const char *rule;
        bool ask_room;
    } steps[] = {
        { "a service identity opens the room", { .new_room = true, .lobby_off = true,
                                     .real_jid = "jibri@auth.meet.test/focus" },
          "no-lobby", true },
        { "a guest waits", { .lobby_off = true }, "before-host", true },
        { "the host walks in", { .lobby_off = true, .token = LOBBY_TOKEN_VALID,
                                 .token_owner = true, .real_jid = "host@meet.test/web" },
          "owner-claim", false },
        { "the next guest: no lobby", { .lobby_off = true, .real_jid = "guest2@meet.test/w" },
          "no-lobby", false },
    };
    struct lobby_config cfg;
    struct lobby_actions acts;
    struct lobby_join join;
    struct lobby_verdict v;
    struct lobby *lb;

    (void)state;
    case_config(&cases[0], &cfg);
    cfg.before_host = LOBBY_BEFORE_HOST_WAIT;
    lb = lobby_new(&cfg);
    assert_non_null(lb);
    lobby_actions_init(&acts);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        print_message("%s\n", steps[i].who);
        case_join(&steps[i].c, &join);
        assert_int_equal(lobby_on_join(lb, &join, 1000 + i, &v), 0);
        assert_string_equal(v.rule, steps[i].rule);
        assert_int_equal(v.ask, LOBBY_ASK_TOKEN_LOBBY_PASSWORD_OR_NEW);
        assert_int_equal(v.ask_room, steps[i].ask_room);
    }
    assert_true(lobby_on_room_destroyed(lb, ROOM, &acts) >= 0);
    case_join(&steps[0].c, &join);
    assert_int_equal(lobby_on_join(lb, &join, 2000, &v), 0);
    assert_true(v.ask_room);
    lobby_actions_clear(&acts);
    lobby_free(lb);
}

/* The stateful entry point gives the same verdict for a fresh session. */
static void test_policy_through_lobby(void **state)
{
    struct lobby_config cfg;
    struct lobby_join join;
    struct lobby_verdict v;
    struct lobby *lb;

    (void)state;
    case_config(&cases[0], &cfg);
    lb = lobby_new(&cfg);
    assert_non_null(lb);
    case_join(&(struct policy_case){ .name = "knock" }, &join);
    assert_int_equal(lobby_on_join(lb, &join, 1000, &v), 0);
    assert_int_equal(v.action, LOBBY_KNOCK);
    assert_string_equal(v.rule, "lobby");
    assert_string_equal(v.lobby_jid, "myroom@lobby.meet.test");
    lobby_free(lb);
    lobby_free(NULL);
}

static void test_names(void **state)
{
    static const struct {
        const char *s;
        enum lobby_affiliation a;
    } affs[] = {
        { "none", LOBBY_AFF_NONE },     { "member", LOBBY_AFF_MEMBER },
        { "admin", LOBBY_AFF_ADMIN },   { "owner", LOBBY_AFF_OWNER },
        { "outcast", LOBBY_AFF_OUTCAST },
    };
    static const char *const bad[] = { "", "Owner", "owner ", "moderator",
                                       "participant" };
    enum lobby_affiliation a;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(affs) / sizeof(affs[0]); i++) {
        a = LOBBY_AFF_OUTCAST + 1 - affs[i].a;  /* anything else */
        assert_true(lobby_affiliation_parse(affs[i].s, &a));
        assert_int_equal(a, affs[i].a);
        assert_string_equal(lobby_affiliation_name(affs[i].a), affs[i].s);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        a = LOBBY_AFF_MEMBER;
        assert_false(lobby_affiliation_parse(bad[i], &a));
        assert_int_equal(a, LOBBY_AFF_MEMBER);
    }
    assert_false(lobby_affiliation_parse(NULL, &a));
    assert_string_equal(lobby_affiliation_name((enum lobby_affiliation)99), "?");
    assert_string_equal(lobby_action_name(LOBBY_ALLOW), "allow");
    assert_string_equal(lobby_action_name(LOBBY_KNOCK), "lobby");
    assert_string_equal(lobby_action_name(LOBBY_NEED_NAME), "displayname");
    assert_string_equal(lobby_action_name(LOBBY_DENY), "deny");
    assert_string_equal(lobby_action_name((enum lobby_action)99), "?");
}

static void test_config_problems(void **state)
{
    static const char *const with_slash[] = { "jibri@auth.meet.test/x" };
    static const char *const with_empty[] = { "" };
    static const char *const with_null[] = { NULL };
    static const struct {
        const char *name;
        const char *domain;
        const char *const *svc;
        size_t n_svc;
        const char *want;              /* substring; NULL: accepted */
    } rows[] = {
        { "accepted", "lobby.meet.test", service_jids, 2, NULL },
        { "no domain", NULL, NULL, 0, "empty" },
        { "empty domain", "", NULL, 0, "empty" },
        { "domain with @", "x@lobby.meet.test", NULL, 0, "bare domain" },
        { "service with resource", "lobby.meet.test", with_slash, 1, "bare JID" },
        { "empty service", "lobby.meet.test", with_empty, 1, "empty service" },
        { "NULL service", "lobby.meet.test", with_null, 1, "empty service" },
        { "count without array", "lobby.meet.test", NULL, 1, "missing" },
        { "too many services", "lobby.meet.test", service_jids,
          LOBBY_MAX_SERVICE_JIDS + 1, "too many" },
    };
    struct lobby_config cfg;
    const char *got;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        lobby_config_defaults(&cfg);
        cfg.lobby_domain = rows[i].domain;
        cfg.service_jids = rows[i].svc;
        cfg.n_service_jids = rows[i].n_svc;
        got = lobby_config_problem(&cfg);
        if (rows[i].want == NULL ? got == NULL
                                 : got != NULL && strstr(got, rows[i].want)) {
            if (got != NULL)
                assert_null(lobby_new(&cfg));
            continue;
        }
        print_error("FAIL \"%s\": got \"%s\"\n", rows[i].name,
                    got != NULL ? got : "(accepted)");
        fail();
    }
    lobby_config_defaults(&cfg);
    assert_true(cfg.displayname_required);
    assert_int_equal(cfg.password_mode, LOBBY_PASSWORD_BYPASS);
    assert_int_equal(cfg.invalid_token, LOBBY_INVALID_TOKEN_GUEST);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_policy_table),
        cmocka_unit_test(test_ask_scope_claim),
        cmocka_unit_test(test_room_ask_follows_the_host),
        cmocka_unit_test(test_lobby_switch_table),
        cmocka_unit_test(test_before_host_table),
        cmocka_unit_test(test_policy_through_lobby),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_config_problems),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
