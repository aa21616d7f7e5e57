/*
 * policy.c: who may enter a main room, decided from facts alone.
 *
 * The rules and their order are listed in lobby.h and live here as one
 * table (policy_rules[]): the first rule that fires writes the verdict.
 * Each rule is a small predicate-plus-verdict function, so a new rule is a
 * new row and its place in the table is its precedence.
 *
 * Deliberately not here: any state (admissions are looked up by lobby.c
 * and passed in as policy_facts.admission), the clock, logging, and XMPP:
 * a DENY names a condition (enum lobby_deny), xmpp/ picks the stanza.
 *
 * Protocol facts relied on (jitsi-lobby.md §1.5): a knocker is told the
 * lobby room as node@lobby-domain, where node is the main room's node
 * unchanged (with multi-tenancy "[tenant]room").
 */
#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lobby/jid.h"
#include "lobby/lobby.h"
#include "lobby/policy.h"

struct policy_rule {
    const char *name;
    bool (*fires)(const struct policy_facts *f, struct lobby_verdict *out);
    bool past_password;             /* an ALLOW by this rule also passes the room password */
};

static void verdict_text(struct lobby_verdict *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Truncation is acceptable for reason text; overflow is not. */
static void verdict_text(struct lobby_verdict *out, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(out->text, sizeof(out->text), fmt, ap);
    va_end(ap);
    if (n < 0)
        out->text[0] = '\0';
}

static void verdict_allow(struct lobby_verdict *out,
                          enum lobby_affiliation grant)
{
    out->action = LOBBY_ALLOW;
    out->affiliation = grant;
}

/* Member, unless the joiner already ranks at least as high. */
static enum lobby_affiliation grant_member(const struct lobby_join *j)
{
    if (j->affiliation == LOBBY_AFF_NONE)
        return LOBBY_AFF_MEMBER;
    return LOBBY_AFF_NONE;
}

static bool has_valid_token(const struct lobby_join *j)
{
    return j->token == LOBBY_TOKEN_VALID;
}

static bool is_lobby_on(const struct lobby_join *j)
{
    return j->room_exists && j->members_only;
}

static const char *token_reason(const struct lobby_join *j)
{
    if (j->token_reason == NULL || j->token_reason[0] == '\0')
        return "no reason given";
    return j->token_reason;
}

static bool rule_outcast(const struct policy_facts *f,
                         struct lobby_verdict *out)
{
    if (f->join->affiliation != LOBBY_AFF_OUTCAST)
        return false;
    out->action = LOBBY_DENY;
    out->deny = LOBBY_DENY_FORBIDDEN;
    verdict_text(out, "you are banned from this room (affiliation outcast)");
    return true;
}

static bool rule_invalid_token(const struct policy_facts *f,
                               struct lobby_verdict *out)
{
    if (f->join->token != LOBBY_TOKEN_INVALID ||
        f->cfg->invalid_token != LOBBY_INVALID_TOKEN_DENY)
        return false;
    out->action = LOBBY_DENY;
    out->deny = LOBBY_DENY_NOT_ALLOWED;
    verdict_text(out, "token refused: %s", token_reason(f->join));
    return true;
}

static bool rule_owner_claim(const struct policy_facts *f,
                             struct lobby_verdict *out)
{
    if (!has_valid_token(f->join) || !f->join->token_owner)
        return false;
    verdict_allow(out, LOBBY_AFF_OWNER);
    verdict_text(out, "token grants owner of this room");
    return true;
}

static bool rule_existing_affiliation(const struct policy_facts *f,
                                      struct lobby_verdict *out)
{
    enum lobby_affiliation a = f->join->affiliation;

    if (a != LOBBY_AFF_OWNER && a != LOBBY_AFF_ADMIN)
        return false;
    verdict_allow(out, LOBBY_AFF_NONE);
    verdict_text(out, "already %s of this room", lobby_affiliation_name(a));
    return true;
}

bool policy_is_service(const struct lobby_config *cfg, const char *real_jid, size_t *which)
{
    size_t i;

    for (i = 0; i < cfg->n_service_jids; i++) {
        if (lobby_jid_service_match(cfg->service_jids[i], real_jid)) {
            if (which != NULL)
                *which = i;
            return true;
        }
    }
    return false;
}

static bool rule_lobby(const struct policy_facts *f, struct lobby_verdict *out);

/*
 * before_host: until a host (an owner other than a service identity) has
 * been in the room, guests wait in its lobby or are refused, whatever the
 * room's own lobby says, and a guest never gets to create the room (and be
 * made its owner by Prosody). Owners came first (rules 3 and 4); service
 * identities (Jicofo, recorders) go in, without making the room hosted.
 */
static bool rule_before_host(const struct policy_facts *f, struct lobby_verdict *out)
{
    const char *name = f->join->display_name;
    enum lobby_before_host mode = policy_before_host(f);

    if (mode == LOBBY_BEFORE_HOST_ALLOW || f->hosted ||
        policy_is_service(f->cfg, f->join->real_jid, NULL))
        return false;
    if (mode == LOBBY_BEFORE_HOST_DENY) {
        out->action = LOBBY_DENY;
        out->deny = LOBBY_DENY_NOT_ALLOWED;
        verdict_text(out, "the meeting has not started: no host has joined yet; "
                          "please try again later");
        return true;
    }
    if (f->cfg->displayname_required && (name == NULL || name[0] == '\0')) {
        out->action = LOBBY_NEED_NAME;
        verdict_text(out, "no display name; guests waiting for the host must give one");
        return true;
    }
    (void)rule_lobby(f, out);
    if (out->action == LOBBY_KNOCK)
        verdict_text(out, "no host has joined yet; wait at %s", out->lobby_jid);
    return true;
}

static bool rule_no_lobby(const struct policy_facts *f,
                          struct lobby_verdict *out)
{
    if (is_lobby_on(f->join))
        return false;
    verdict_allow(out, LOBBY_AFF_NONE);
    verdict_text(out, f->join->room_exists ? "the room's lobby is off"
                                           : "the room does not exist yet");
    return true;
}

static bool rule_displayname_required(const struct policy_facts *f,
                                      struct lobby_verdict *out);

/* Sent back by a moderator: it knocks (asked for a name first, if need
 * be) whatever its token, a rule or the password would let it do, until a
 * moderator lets it in again. */
static bool rule_sent_back(const struct policy_facts *f, struct lobby_verdict *out)
{
    if (!f->sent_back)
        return false;
    if (rule_displayname_required(f, out))
        return true;
    (void)rule_lobby(f, out);
    if (out->action == LOBBY_KNOCK)
        verdict_text(out, "a moderator sent this session back to the lobby; knock at %s",
                     out->lobby_jid);
    return true;
}

static bool rule_bypass_claim(const struct policy_facts *f,
                              struct lobby_verdict *out)
{
    if (!has_valid_token(f->join) || !f->join->token_bypass)
        return false;
    verdict_allow(out, grant_member(f->join));
    verdict_text(out, "token grants lobby_bypass");
    return true;
}

static bool rule_service_identity(const struct policy_facts *f,
                                  struct lobby_verdict *out)
{
    size_t i;

    if (!policy_is_service(f->cfg, f->join->real_jid, &i))
        return false;
    verdict_allow(out, grant_member(f->join));
    verdict_text(out, "real JID matches service identity \"%s\"", f->cfg->service_jids[i]);
    return true;
}

/* The operator's admission rules, in their order; the verdict is named
 * after the rule that matched ("admit:staff"). */
static bool rule_admit(const struct policy_facts *f, struct lobby_verdict *out)
{
    const struct lobby_admit_rule *r = lobby_admit_first(f->admit, f->n_admit, f->join);

    if (r == NULL)
        return false;
    verdict_allow(out, grant_member(f->join));
    out->rule = r->label;
    verdict_text(out, "admission rule %s lets the joiner past the lobby",
                 r->label + strlen("admit:"));
    return true;
}

/* The room's allow list, from a trusted owner token (lobby/admit.h). */
static bool rule_room_allow(const struct policy_facts *f, struct lobby_verdict *out)
{
    int i = f->n_allow > 0 ? lobby_allow_first(f->allow, f->n_allow, f->join) : -1;

    if (i < 0)
        return false;
    verdict_allow(out, grant_member(f->join));
    verdict_text(out, "entry %d of the room's allow list lets the joiner past the lobby", i + 1);
    return true;
}

static bool rule_password_required(const struct policy_facts *f,
                                   struct lobby_verdict *out)
{
    enum lobby_password pw = f->join->password;

    if (f->cfg->password_mode != LOBBY_PASSWORD_ALSO_REQUIRED ||
        pw == LOBBY_PW_NONE || pw == LOBBY_PW_OK)
        return false;
    out->action = LOBBY_DENY;
    out->deny = LOBBY_DENY_NOT_AUTHORIZED;
    verdict_text(out, "room password %s; it is required besides the lobby",
                 pw == LOBBY_PW_WRONG ? "wrong" : "missing");
    return true;
}

static bool rule_admitted_session(const struct policy_facts *f,
                                  struct lobby_verdict *out)
{
    if (f->admission != POLICY_ADMISSION_SESSION)
        return false;
    verdict_allow(out, grant_member(f->join));
    verdict_text(out, "this session was admitted through the lobby");
    return true;
}

static bool rule_rejoin_window(const struct policy_facts *f,
                               struct lobby_verdict *out)
{
    if (f->admission != POLICY_ADMISSION_REJOIN)
        return false;
    verdict_allow(out, grant_member(f->join));
    verdict_text(out, "admitted session back after %" PRIu64 " ms "
                 "(rejoin window %" PRIu64 " ms)",
                 f->away_ms, f->cfg->rejoin_window_ms);
    return true;
}

static bool rule_password_bypass(const struct policy_facts *f,
                                 struct lobby_verdict *out)
{
    if (f->cfg->password_mode != LOBBY_PASSWORD_BYPASS ||
        f->join->password != LOBBY_PW_OK)
        return false;
    verdict_allow(out, grant_member(f->join));
    verdict_text(out, "right room password lets the joiner past the lobby");
    return true;
}

static bool rule_displayname_required(const struct policy_facts *f,
                                      struct lobby_verdict *out)
{
    const char *name = f->join->display_name;

    if (!f->cfg->displayname_required || (name != NULL && name[0] != '\0'))
        return false;
    out->action = LOBBY_NEED_NAME;
    verdict_text(out, "no display name; the lobby requires one");
    return true;
}

/* Always fires: a knock, or a refusal if no lobby JID can be formed. */
static bool rule_lobby(const struct policy_facts *f, struct lobby_verdict *out)
{
    struct lobby_jid_span node, domain, resource;
    int n;

    if (!lobby_jid_split(f->join->room, &node, &domain, &resource) ||
        node.len == 0 || resource.len != 0) {
        out->action = LOBBY_DENY;
        out->deny = LOBBY_DENY_NOT_ALLOWED;
        out->rule = "invalid-room";
        verdict_text(out, "main room JID is not a bare room JID");
        return true;
    }
    n = snprintf(out->lobby_jid, sizeof(out->lobby_jid), "%.*s@%s",
                 (int)node.len, node.p, f->cfg->lobby_domain);
    if (n < 0 || (size_t)n >= sizeof(out->lobby_jid)) {
        out->lobby_jid[0] = '\0';
        out->action = LOBBY_DENY;
        out->deny = LOBBY_DENY_NOT_ALLOWED;
        out->rule = "invalid-room";
        verdict_text(out, "lobby room JID would be too long");
        return true;
    }
    out->action = LOBBY_KNOCK;
    verdict_text(out, "the lobby is on; knock at %s", out->lobby_jid);
    return true;
}

/*
 * past_password: who is let in by one of these rules is let in whatever the
 * room password (the stock lobby supplies the password to approved members'
 * joins; Prosody checks it on every join, owners included). Only in the
 * default password mode: with also-required the password is a gate of its
 * own, with ignored it is Prosody's business alone.
 */
static const struct policy_rule policy_rules[] = {
    { "outcast", rule_outcast, false },
    { "invalid-token", rule_invalid_token, false },
    { "owner-claim", rule_owner_claim, true },
    { "existing-affiliation", rule_existing_affiliation, true },
    { "before-host", rule_before_host, false },
    { "no-lobby", rule_no_lobby, false },
    { "sent-back", rule_sent_back, false },
    { "bypass-claim", rule_bypass_claim, true },
    { "service-identity", rule_service_identity, true },
    { "admit", rule_admit, true },
    { "room-allow", rule_room_allow, true },
    { "password-required", rule_password_required, false },
    { "admitted-session", rule_admitted_session, true },
    { "rejoin-window", rule_rejoin_window, true },
    { "password-bypass", rule_password_bypass, false },
    { "displayname-required", rule_displayname_required, false },
    { "lobby", rule_lobby, false },
};

/* A refused token under the guest policy is worth a note on any verdict. */
static void note_guest_token(const struct policy_facts *f,
                             struct lobby_verdict *out)
{
    size_t used = strlen(out->text);
    int n;

    if (f->join->token != LOBBY_TOKEN_INVALID || out->action == LOBBY_DENY)
        return;
    n = snprintf(out->text + used, sizeof(out->text) - used,
                 "; token refused: %s; treated as guest",
                 token_reason(f->join));
    if (n < 0)
        out->text[used] = '\0';
}

/*
 * The lobby a room starts with (lobby_default) and its first owner's say
 * over it: context.room.lobby in the owner's token, else lobby_off_after =
 * first-owner. Only a join that goes in switches, and only to change
 * something: a new room is created members-only, a present room's lobby
 * goes on or off before that owner enters. "First owner" is the first join
 * by an owner token since lobbyd has known the room ('settled'); a
 * moderator's later choice is never undone by a rejoin.
 */
static void decide_switch(const struct policy_facts *f, struct lobby_verdict *out)
{
    const struct lobby_join *j = f->join;
    bool on = is_lobby_on(j), held = on || f->held, want = on;
    const char *why = NULL;

    if (out->action != LOBBY_ALLOW)
        return;
    if (!j->room_exists && f->cfg->lobby_default_on) {
        want = true;
        why = "lobby-default";
    }
    /* The first host finds the guests who waited for it: the room gets its
     * lobby, so the host's client moderates it and sees them all. */
    if (policy_before_host(f) == LOBBY_BEFORE_HOST_WAIT && !f->hosted && f->waiting > 0 &&
        (j->token_owner || j->affiliation == LOBBY_AFF_OWNER || j->affiliation == LOBBY_AFF_ADMIN) &&
        !policy_is_service(f->cfg, j->real_jid, NULL)) {
        want = true;
        why = "before-host";
    }
    if (has_valid_token(j) && j->token_owner && !f->settled) {
        if (j->token_lobby != LOBBY_WISH_NONE) {
            want = j->token_lobby == LOBBY_WISH_ON;
            why = "owner-token";
        } else if (f->cfg->lobby_off_after_first_owner) {
            want = false;
            why = "first-owner";
        }
    }
    /* On: Prosody's room is not members-only yet. Off: Prosody's room is,
     * or lobbyd holds guests in its lobby (they waited for the host). */
    if (why == NULL || (want && on) || (!want && !held))
        return;
    out->lobby_switch = want ? LOBBY_SWITCH_ON : LOBBY_SWITCH_OFF;
    out->switch_rule = why;
}

void policy_decide(const struct policy_facts *f, struct lobby_verdict *out)
{
    size_t i;

    memset(out, 0, sizeof(*out));
    for (i = 0; i < sizeof(policy_rules) / sizeof(policy_rules[0]); i++) {
        out->rule = policy_rules[i].name;
        if (policy_rules[i].fires(f, out))
            break;
    }
    /* rule_lobby always fires, so the loop never runs off the end. */
    assert(i < sizeof(policy_rules) / sizeof(policy_rules[0]));
    out->supply_password = out->action == LOBBY_ALLOW && policy_rules[i].past_password &&
                           f->cfg->password_mode == LOBBY_PASSWORD_BYPASS &&
                           (f->join->password == LOBBY_PW_MISSING ||
                            f->join->password == LOBBY_PW_WRONG);
    note_guest_token(f, out);
    decide_switch(f, out);
    out->ask = policy_ask_scope(f->cfg, f->strict_rooms);
    out->ask_room = policy_room_waits_for_host(policy_before_host(f), f->hosted);
}

bool policy_room_waits_for_host(enum lobby_before_host mode, bool hosted)
{
    return mode != LOBBY_BEFORE_HOST_ALLOW && !hosted;
}

enum lobby_before_host policy_before_host(const struct policy_facts *f)
{
    return f->has_room_before_host ? f->room_before_host : f->cfg->before_host;
}

/*
 * A join without a token into a room whose lobby is off and that has no
 * password can only meet outcast (Prosody refuses outcasts itself),
 * existing-affiliation and no-lobby above: an ALLOW that changes nothing.
 * (With a password, existing-affiliation supplies it to owners.)  So
 * unless the operator wants a verdict (and a log line) for every join, the
 * bridge need not ask about those, except, with lobby_default on, a join
 * that creates the room: that one switches the lobby on.  A new rule that
 * looks at such joins must change this; test_policy.c checks the claim over every combination
 * of facts.
 *
 * before_host (rule 5) comes before no-lobby: until a room has a host,
 * every guest's join into it is lobbyd's to judge. That is per room, so
 * it is not this scope's business but the verdict's ask_room, which the
 * bridge keeps for the room; the scope only adds the joins that create a
 * room, which the bridge has no room to keep anything for. That holds
 * while any room can have its own wait or deny (strict_rooms: an owner
 * token gave one), since a room kept from an earlier call may be created
 * again at any time.
 */
enum lobby_ask policy_ask_scope(const struct lobby_config *cfg, bool strict_rooms)
{
    if (cfg->ask_tokenless_joins)
        return LOBBY_ASK_EVERY_JOIN;
    /* A room's creation is where lobby_default switches its lobby on, and where a room that
     * waits for its host starts waiting. */
    return cfg->lobby_default_on || cfg->before_host != LOBBY_BEFORE_HOST_ALLOW || strict_rooms
               ? LOBBY_ASK_TOKEN_LOBBY_PASSWORD_OR_NEW
               : LOBBY_ASK_TOKEN_LOBBY_OR_PASSWORD;
}
