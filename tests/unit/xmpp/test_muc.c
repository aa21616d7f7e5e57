/*
 * test_muc.c: the lobby MUC's parsers and renderers (xmpp/muc.c): what a
 * Jitsi client sends to a lobby room, and the stanzas lobbyd answers with,
 * checked element by element against the stock lobby's wire format.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <strophe.h>

#include "xmpp/muc.h"

#include "tests/unit/xmpp/xmpp_fixture.h"

static int setup(void **state)
{
    (void)state;
    return context_up(NULL);
}

static int teardown(void **state)
{
    (void)state;
    return context_down();
}

struct presence_case {
    const char *name;
    const char *xml;
    int rc;
    enum muc_request_kind kind;
    const char *room, *nick, *display_name, *email, *why;
};

#define FROM "from='g1@meet.test/res1' "
static const struct presence_case presence_cases[] = {
    {"knock as lib-jitsi-meet sends it",
     "<presence " FROM "to='r@lobby.meet.test/9f8e7d6c'><x xmlns='http://jabber.org/protocol/muc'/>"
     "<c xmlns='http://jabber.org/protocol/caps' node='n' hash='sha-1' ver='v'/>"
     "<nick xmlns='http://jabber.org/protocol/nick'>Guest One</nick></presence>",
     1, MUC_REQ_JOIN, "r@lobby.meet.test", "9f8e7d6c", "Guest One", "", NULL},
    {"second presence with e-mail",
     "<presence " FROM "to='r@lobby.meet.test/9f8e7d6c'>"
     "<nick xmlns='http://jabber.org/protocol/nick'>Guest One</nick><email>g1@example.org</email>"
     "</presence>",
     1, MUC_REQ_UPDATE, "r@lobby.meet.test", "9f8e7d6c", "Guest One", "g1@example.org", NULL},
    {"a knocker's own identity element is not read: only <nick/> and <email/> are",
     "<presence " FROM "to='r@lobby.meet.test/9f8e7d6c'><x xmlns='http://jabber.org/protocol/muc'/>"
     "<knocker-identity xmlns='urn:lobbyd:identity:0' verified='token' name='Boss' "
     "email='boss@example.com'/><nick xmlns='http://jabber.org/protocol/nick'>Guest</nick>"
     "</presence>",
     1, MUC_REQ_JOIN, "r@lobby.meet.test", "9f8e7d6c", "Guest", "", NULL},
    {"leave", "<presence " FROM "to='r@lobby.meet.test/9f8e7d6c' type='unavailable'/>",
     1, MUC_REQ_LEAVE, "r@lobby.meet.test", "9f8e7d6c", "", "", NULL},
    {"error presence needs no action", "<presence " FROM "to='r@lobby.meet.test/n' type='error'/>",
     0, MUC_REQ_JOIN, "", "", "", "", NULL},
    {"subscription needs no action", "<presence " FROM "to='r@lobby.meet.test' type='subscribe'/>",
     0, MUC_REQ_JOIN, "", "", "", "", NULL},
    {"no nick in the address", "<presence " FROM "to='r@lobby.meet.test'/>",
     -1, MUC_REQ_JOIN, "", "", "", "", "not addressed to room@domain/nick"},
    {"to the domain", "<presence " FROM "to='lobby.meet.test/x'/>",
     -1, MUC_REQ_JOIN, "", "", "", "", "not addressed to room@domain/nick"},
    {"bare sender", "<presence from='g1@meet.test' to='r@lobby.meet.test/n'/>",
     -1, MUC_REQ_JOIN, "", "", "", "", "without a full sender JID"},
};

static void test_parse_presence(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(presence_cases) / sizeof(presence_cases[0]); i++) {
        const struct presence_case *c = &presence_cases[i];
        xmpp_stanza_t *st = parse(c->xml);
        struct muc_request rq;
        char why[MUC_WHY_MAX];
        int rc = muc_parse_presence(st, &rq, why);

        if (rc != c->rc)
            fail_msg("case \"%s\": rc %d, expected %d (%s)", c->name, rc, c->rc, why);
        if (rc == 1 && (rq.kind != c->kind || strcmp(rq.lobby_room, c->room) != 0 ||
                        strcmp(rq.nick, c->nick) != 0 ||
                        strcmp(rq.display_name, c->display_name) != 0 ||
                        strcmp(rq.email, c->email) != 0 ||
                        strcmp(rq.real_jid, "g1@meet.test/res1") != 0))
            fail_msg("case \"%s\": got kind %d room %s nick %s name %s email %s", c->name,
                     (int)rq.kind, rq.lobby_room, rq.nick, rq.display_name, rq.email);
        if (rc == -1 && strstr(why, c->why) == NULL)
            fail_msg("case \"%s\": reason \"%s\"", c->name, why);
        xmpp_stanza_release(st);
    }
}

static void test_parse_kick(void **state)
{
    xmpp_stanza_t *st = parse("<iq type='set' from='o@meet.test/r2' to='r@lobby.meet.test' id='k'>"
                              "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                              "<item nick='9f8e7d6c' role='none'><reason>You have been kicked."
                              "</reason></item></query></iq>");
    xmpp_stanza_t *bad = parse("<iq type='set' from='o@meet.test/r2' to='r@lobby.meet.test' id='k'>"
                               "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                               "<item jid='x@y' affiliation='outcast'/></query></iq>");
    struct muc_request rq;
    char why[MUC_WHY_MAX];

    (void)state;
    assert_int_equal(muc_parse_admin(st, &rq, why), 1);
    assert_int_equal(rq.kind, MUC_REQ_KICK);
    assert_string_equal(rq.nick, "9f8e7d6c");
    assert_string_equal(rq.lobby_room, "r@lobby.meet.test");
    assert_string_equal(rq.real_jid, "o@meet.test/r2");
    assert_string_equal(rq.reason, "You have been kicked.");
    assert_int_equal(muc_parse_admin(bad, &rq, why), -1);
    assert_non_null(strstr(why, "only kicking"));
    xmpp_stanza_release(st);
    xmpp_stanza_release(bad);
}

/* A moderator's <send-back/>, and the bridge request it turns into. */
static void test_send_back(void **state)
{
    xmpp_stanza_t *st = parse("<iq type='set' from='o@meet.test/r2' to='r@lobby.meet.test' id='s'>"
                              "<send-back xmlns='urn:lobbyd:moderation:0' nick='Ann &amp; Bo'/></iq>");
    xmpp_stanza_t *no_nick = parse("<iq type='set' from='o@meet.test/r2' to='r@lobby.meet.test' "
                                   "id='s'><send-back xmlns='urn:lobbyd:moderation:0'/></iq>");
    xmpp_stanza_t *to_occupant = parse("<iq type='set' from='o@meet.test/r2' "
                                       "to='r@lobby.meet.test/x' id='s'><send-back "
                                       "xmlns='urn:lobbyd:moderation:0' nick='n'/></iq>");
    struct lobby_effect e = {.kind = LOBBY_DO_EJECT, .room = "r@conference.meet.test",
                             .to = "g@meet.test/w", .nick = "Ann & Bo",
                             .actor = "o@meet.test/r2", .text = "Back you go."};
    struct muc_request rq;
    char why[MUC_WHY_MAX];
    xmpp_stanza_t *iq, *ej;

    (void)state;
    assert_int_equal(muc_parse_moderation(st, &rq, why), 1);
    assert_int_equal(rq.kind, MUC_REQ_SEND_BACK);
    assert_string_equal(rq.nick, "Ann & Bo");
    assert_string_equal(rq.lobby_room, "r@lobby.meet.test");
    assert_string_equal(rq.real_jid, "o@meet.test/r2");
    assert_int_equal(muc_parse_moderation(no_nick, &rq, why), -1);
    assert_non_null(strstr(why, "needs the nick"));
    assert_int_equal(muc_parse_moderation(to_occupant, &rq, why), -1);
    assert_non_null(strstr(why, "bare lobby room JID"));
    iq = muc_render_effect(ctx, &e, "lobby.meet.test", "conference.meet.test", "lobbyd-n-1");
    assert_string_equal(xmpp_stanza_get_type(iq), "set");
    assert_string_equal(xmpp_stanza_get_to(iq), "conference.meet.test");
    ej = xmpp_stanza_get_child_by_name_and_ns(iq, "eject", "urn:lobbyd:bridge:0");
    assert_non_null(ej);
    assert_string_equal(xmpp_stanza_get_attribute(ej, "room"), "r@conference.meet.test");
    assert_string_equal(xmpp_stanza_get_attribute(ej, "nick"), "Ann & Bo");
    assert_string_equal(xmpp_stanza_get_attribute(ej, "jid"), "g@meet.test/w");
    assert_string_equal(xmpp_stanza_get_attribute(ej, "actor"), "o@meet.test/r2");
    xmpp_stanza_release(iq);
    xmpp_stanza_release(st);
    xmpp_stanza_release(no_nick);
    xmpp_stanza_release(to_occupant);
}

static const char *attr_at(xmpp_stanza_t *st, const char *path, const char *attr)
{
    xmpp_stanza_t *c = st;
    char buf[128], *name, *save = NULL;

    snprintf(buf, sizeof(buf), "%s", path);
    for (name = strtok_r(buf, "/", &save); name != NULL; name = strtok_r(NULL, "/", &save)) {
        c = xmpp_stanza_get_child_by_name(c, name);
        if (c == NULL)
            return NULL;
    }
    return xmpp_stanza_get_attribute(c, attr);
}

static int count_status(xmpp_stanza_t *p, const char *code)
{
    xmpp_stanza_t *x = xmpp_stanza_get_child_by_ns(p, "http://jabber.org/protocol/muc#user");
    int n = 0;

    for (xmpp_stanza_t *c = xmpp_stanza_get_children(x); c != NULL; c = xmpp_stanza_get_next(c)) {
        const char *v = xmpp_stanza_get_attribute(c, "code");

        if (strcmp(xmpp_stanza_get_name(c), "status") == 0 && v != NULL && strcmp(v, code) == 0)
            n++;
    }
    return n;
}

static void test_render_presences(void **state)
{
    struct lobby_effect self = {.kind = LOBBY_DO_SELF_PRESENCE, .room = "r@lobby.meet.test",
                                .to = "g1@meet.test/res1", .nick = "9f8e7d6c",
                                .subject_jid = "g1@meet.test/res1", .flag = true};
    struct lobby_effect knock = {.kind = LOBBY_DO_OCCUPANT_PRESENCE, .room = "r@lobby.meet.test",
                                 .to = "o@meet.test/r2", .nick = "9f8e7d6c",
                                 .subject_jid = "g1@meet.test/res1", .name = "Guest One",
                                 .email = "g1@example.org"};
    struct lobby_effect kick = {.kind = LOBBY_DO_KICK, .room = "r@lobby.meet.test",
                                .to = "g1@meet.test/res1", .nick = "9f8e7d6c", .is_self = true,
                                .subject_jid = "g1@meet.test/res1", .actor = "modnick",
                                .text = "You have been kicked."};
    struct lobby_effect destroy = {.kind = LOBBY_DO_DESTROY, .room = "r@lobby.meet.test",
                                   .to = "g1@meet.test/res1", .nick = "9f8e7d6c",
                                   .newjid = "r@conference.meet.test", .text = "Lobby room closed."};
    struct lobby_effect refuse = {.kind = LOBBY_DO_REFUSE, .room = "r@lobby.meet.test",
                                  .to = "g1@meet.test/res1", .nick = "n",
                                  .deny = LOBBY_DENY_NOT_ALLOWED,
                                  .text = "Room creation is restricted"};
    xmpp_stanza_t *p;

    (void)state;
    p = muc_render_effect(ctx, &self, "lobby.meet.test", "conference.meet.test", "1");
    assert_string_equal(xmpp_stanza_get_from(p), "r@lobby.meet.test/9f8e7d6c");
    assert_string_equal(xmpp_stanza_get_to(p), "g1@meet.test/res1");
    assert_string_equal(attr_at(p, "x/item", "affiliation"), "none");
    assert_string_equal(attr_at(p, "x/item", "role"), "participant");
    assert_string_equal(attr_at(p, "x/item", "jid"), "g1@meet.test/res1");
    assert_int_equal(count_status(p, "110"), 1);
    assert_int_equal(count_status(p, "100"), 1);
    xmpp_stanza_release(p);
    /* the echo of a later presence: no 100, but the knocker's own name and e-mail */
    self.flag = false;
    self.name = "Guest One";
    self.email = "g1@example.org";
    p = muc_render_effect(ctx, &self, "lobby.meet.test", "conference.meet.test", "1");
    assert_int_equal(count_status(p, "110"), 1);
    assert_int_equal(count_status(p, "100"), 0);
    assert_non_null(xmpp_stanza_get_child_by_name(p, "email"));
    xmpp_stanza_release(p);

    p = muc_render_effect(ctx, &knock, "lobby.meet.test", "conference.meet.test", "1");
    assert_null(xmpp_stanza_get_type(p));
    assert_string_equal(attr_at(p, "x/item", "jid"), "g1@meet.test/res1");
    assert_int_equal(count_status(p, "110"), 0);
    assert_non_null(xmpp_stanza_get_child_by_ns(p, "http://jabber.org/protocol/nick"));
    assert_non_null(xmpp_stanza_get_child_by_name(p, "email"));
    xmpp_stanza_release(p);

    p = muc_render_effect(ctx, &kick, "lobby.meet.test", "conference.meet.test", "1");
    assert_string_equal(xmpp_stanza_get_type(p), "unavailable");
    assert_int_equal(count_status(p, "307"), 1);
    assert_int_equal(count_status(p, "110"), 1);
    assert_string_equal(attr_at(p, "x/item/actor", "nick"), "modnick");
    xmpp_stanza_release(p);

    p = muc_render_effect(ctx, &destroy, "lobby.meet.test", "conference.meet.test", "1");
    assert_string_equal(attr_at(p, "x/destroy", "jid"), "r@conference.meet.test");
    assert_int_equal(count_status(p, "110"), 1);
    destroy.newjid = NULL;
    xmpp_stanza_release(p);
    p = muc_render_effect(ctx, &destroy, "lobby.meet.test", "conference.meet.test", "1");
    assert_null(attr_at(p, "x/destroy", "jid"));
    xmpp_stanza_release(p);

    /* the notice: a room message from the lobby room itself, no nick */
    p = muc_render_effect(ctx, &(struct lobby_effect){.kind = LOBBY_DO_NOTICE,
                              .room = "r@lobby.meet.test", .to = "g1@meet.test/res1",
                              .nick = "9f8e7d6c", .text = "The host has left the meeting."},
                          "lobby.meet.test", "conference.meet.test", "1");
    assert_string_equal(xmpp_stanza_get_name(p), "message");
    assert_string_equal(xmpp_stanza_get_type(p), "groupchat");
    assert_string_equal(xmpp_stanza_get_from(p), "r@lobby.meet.test");
    assert_string_equal(xmpp_stanza_get_to(p), "g1@meet.test/res1");
    {
        char *body = xmpp_message_get_body(p);

        assert_string_equal(body, "The host has left the meeting.");
        xmpp_free(ctx, body);
    }
    xmpp_stanza_release(p);

    p = muc_render_effect(ctx, &refuse, "lobby.meet.test", "conference.meet.test", "1");
    assert_string_equal(xmpp_stanza_get_type(p), "error");
    assert_string_equal(attr_at(p, "error", "type"), "cancel");
    assert_non_null(xmpp_stanza_get_child_by_name(xmpp_stanza_get_child_by_name(p, "error"),
                                                  "not-allowed"));
    xmpp_stanza_release(p);
}

/* The knocker-identity element: what lobbyd vouches for, next to the
 * <nick/> and <email/> the stock client displays. */
static void test_identity_marker(void **state)
{
    static const struct {
        const char *name;
        enum lobby_effect_kind kind;
        enum lobby_verified verified;
        const char *vname, *vemail;
        const char *want_verified, *want_name, *want_email; /* NULL: no element / attribute */
    } cases[] = {
        {"not a knocker's presence: no element", LOBBY_DO_SELF_PRESENCE, LOBBY_VERIFIED_UNSET,
         NULL, NULL, NULL, NULL, NULL},
        {"tokenless knocker", LOBBY_DO_OCCUPANT_PRESENCE, LOBBY_VERIFIED_NONE, NULL, NULL, "none",
         NULL, NULL},
        {"token with name and e-mail", LOBBY_DO_OCCUPANT_PRESENCE, LOBBY_VERIFIED_TOKEN,
         "Alice Real", "alice@example.com", "token", "Alice Real", "alice@example.com"},
        {"token with a name only", LOBBY_DO_OCCUPANT_PRESENCE, LOBBY_VERIFIED_TOKEN, "Bob", NULL,
         "token", "Bob", NULL},
        {"the knocker's own echo", LOBBY_DO_SELF_PRESENCE, LOBBY_VERIFIED_TOKEN, NULL,
         "c@example.com", "token", NULL, "c@example.com"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lobby_effect e = {.kind = cases[i].kind, .room = "r@lobby.meet.test",
                                 .to = "o@meet.test/r2", .nick = "9f8e7d6c",
                                 .subject_jid = "g1@meet.test/res1", .name = "Shown",
                                 .email = "shown@example.com", .verified = cases[i].verified,
                                 .verified_name = (char *)cases[i].vname,
                                 .verified_email = (char *)cases[i].vemail};
        xmpp_stanza_t *p = muc_render_effect(ctx, &e, "lobby.meet.test", "conference.meet.test",
                                             "1");
        xmpp_stanza_t *id = xmpp_stanza_get_child_by_ns(p, MUC_NS_IDENTITY);
        char *nick = xmpp_stanza_get_text(xmpp_stanza_get_child_by_ns(p, "http://jabber.org/protocol/nick"));
        const char *got;

        /* The displayed elements carry what lobby/ chose to show. */
        assert_string_equal(nick, "Shown");
        xmpp_free(ctx, nick);
        if (cases[i].want_verified == NULL) {
            if (id != NULL)
                fail_msg("case \"%s\": an identity element", cases[i].name);
            xmpp_stanza_release(p);
            continue;
        }
        if (id == NULL || strcmp(xmpp_stanza_get_name(id), MUC_IDENTITY_ELEMENT) != 0)
            fail_msg("case \"%s\": no %s element", cases[i].name, MUC_IDENTITY_ELEMENT);
        assert_string_equal(xmpp_stanza_get_attribute(id, "verified"), cases[i].want_verified);
        got = xmpp_stanza_get_attribute(id, "name");
        if ((got == NULL) != (cases[i].want_name == NULL) ||
            (got != NULL && strcmp(got, cases[i].want_name) != 0))
            fail_msg("case \"%s\": name %s", cases[i].name, got != NULL ? got : "(none)");
        got = xmpp_stanza_get_attribute(id, "email");
        if ((got == NULL) != (cases[i].want_email == NULL) ||
            (got != NULL && strcmp(got, cases[i].want_email) != 0))
            fail_msg("case \"%s\": email %s", cases[i].name, got != NULL ? got : "(none)");
        xmpp_stanza_release(p);
    }
}

static void test_notify_json(void **state)
{
    struct lobby_effect granted = {.kind = LOBBY_DO_NOTIFY_MAIN, .event = "LOBBY-ACCESS-GRANTED",
                                   .room = "r@conference.meet.test",
                                   .text = "r@lobby.meet.test/9f8e7d6c", .name = "Guest \"One\"",
                                   .actor = "o@meet.test/r2"};
    struct lobby_effect enabled = {.kind = LOBBY_DO_NOTIFY_MAIN, .event = "LOBBY-ENABLED",
                                   .room = "r@conference.meet.test", .flag = true};
    char json[512];
    xmpp_stanza_t *iq;

    (void)state;
    assert_int_equal(muc_notify_json(&granted, json, sizeof(json)), 0);
    assert_string_equal(json, "{\"type\":\"lobby-notify\",\"event\":\"LOBBY-ACCESS-GRANTED\","
                              "\"value\":\"r@lobby.meet.test\\/9f8e7d6c\","
                              "\"name\":\"Guest \\\"One\\\"\"}");
    assert_int_equal(muc_notify_json(&enabled, json, sizeof(json)), 0);
    assert_string_equal(json, "{\"type\":\"lobby-notify\",\"event\":\"LOBBY-ENABLED\",\"value\":true}");
    assert_int_equal(muc_notify_json(&granted, json, 40), -1);
    iq = muc_render_effect(ctx, &granted, "lobby.meet.test", "conference.meet.test", "lobbyd-n-1");
    assert_string_equal(xmpp_stanza_get_type(iq), "set");
    assert_string_equal(xmpp_stanza_get_to(iq), "conference.meet.test");
    assert_string_equal(xmpp_stanza_get_from(iq), "lobby.meet.test");
    assert_string_equal(attr_at(iq, "notify", "actor"), "o@meet.test/r2");
    assert_string_equal(attr_at(iq, "notify", "room"), "r@conference.meet.test");
    xmpp_stanza_release(iq);
}

/* Prosody 13 closes a component's stream on a stanza without 'from', or
 * with one outside the component's domain: every effect kind has one. */
static void test_every_effect_is_from_the_lobby_domain(void **state)
{
    static const enum lobby_effect_kind kinds[] = {
        LOBBY_DO_REFUSE, LOBBY_DO_SELF_PRESENCE, LOBBY_DO_OCCUPANT_PRESENCE,
        LOBBY_DO_OCCUPANT_GONE, LOBBY_DO_KICK, LOBBY_DO_DESTROY, LOBBY_DO_NOTIFY_MAIN,
        LOBBY_DO_NOTICE, LOBBY_DO_EJECT,
    };
    const char *suffix = "lobby.meet.test";

    (void)state;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        struct lobby_effect e = {.kind = kinds[i], .room = "r@lobby.meet.test",
                                 .to = "g1@meet.test/res1", .nick = "9f8e7d6c",
                                 .event = "LOBBY-ENABLED"};
        xmpp_stanza_t *st = muc_render_effect(ctx, &e, suffix, "conference.meet.test", "1");
        const char *from = xmpp_stanza_get_from(st);
        const char *at;

        assert_non_null(from);
        at = strchr(from, '@');
        from = at != NULL ? at + 1 : from;
        assert_int_equal(strncmp(from, suffix, strlen(suffix)), 0);
        assert_true(from[strlen(suffix)] == '\0' || from[strlen(suffix)] == '/');
        xmpp_stanza_release(st);
    }
}

static void test_chat(void **state)
{
    xmpp_stanza_t *group = parse("<message type='groupchat' id='m1' from='g1@meet.test/res1' "
                                 "to='r@lobby.meet.test'><json-message "
                                 "xmlns='http://jitsi.org/jitmeet'>{\"type\":\"LOBBY_CHAT_MESSAGE\"}"
                                 "</json-message></message>");
    xmpp_stanza_t *priv = parse("<message type='chat' from='o@meet.test/r2' "
                                "to='r@lobby.meet.test/9f8e7d6c'><body>hi</body></message>");
    xmpp_stanza_t *err = parse("<message type='error' from='o@meet.test/r2' to='r@lobby.meet.test'/>");
    xmpp_stanza_t *domain = parse("<message from='o@meet.test/r2' to='lobby.meet.test'/>");
    struct lobby_effect relay = {.kind = LOBBY_DO_RELAY, .room = "r@lobby.meet.test",
                                 .to = "o@meet.test/r2", .nick = "aaaa"};
    struct muc_request rq;
    char why[MUC_WHY_MAX];
    xmpp_stanza_t *out;

    (void)state;
    assert_int_equal(muc_parse_message(group, &rq, why), 1);
    assert_int_equal(rq.kind, MUC_REQ_MESSAGE);
    assert_string_equal(rq.lobby_room, "r@lobby.meet.test");
    assert_string_equal(rq.nick, "");
    assert_int_equal(muc_parse_message(priv, &rq, why), 1);
    assert_string_equal(rq.lobby_room, "r@lobby.meet.test");
    assert_string_equal(rq.nick, "9f8e7d6c");
    assert_string_equal(rq.real_jid, "o@meet.test/r2");
    assert_int_equal(muc_parse_message(err, &rq, why), 0);
    assert_int_equal(muc_parse_message(domain, &rq, why), -1);
    out = muc_relay(group, &relay);
    assert_string_equal(xmpp_stanza_get_from(out), "r@lobby.meet.test/aaaa");
    assert_string_equal(xmpp_stanza_get_to(out), "o@meet.test/r2");
    assert_string_equal(xmpp_stanza_get_id(out), "m1");
    assert_string_equal(xmpp_stanza_get_type(out), "groupchat");
    assert_non_null(xmpp_stanza_get_child_by_ns(out, "http://jitsi.org/jitmeet"));
    xmpp_stanza_release(out);
    xmpp_stanza_release(group);
    xmpp_stanza_release(priv);
    xmpp_stanza_release(err);
    xmpp_stanza_release(domain);
}

static void test_disco(void **state)
{
    xmpp_stanza_t *q = parse("<iq type='get' id='d' from='u@meet.test/r' to='lobby.meet.test'>"
                             "<query xmlns='http://jabber.org/protocol/disco#info' node='lobbyrooms'/>"
                             "</iq>");
    xmpp_stanza_t *r = muc_disco_reply(q, "lobby.meet.test", true);

    (void)state;
    assert_string_equal(xmpp_stanza_get_type(r), "result");
    assert_string_equal(attr_at(r, "query", "node"), "lobbyrooms");
    assert_string_equal(attr_at(r, "query/feature", "var"),
                        "http://jitsi.org/protocol/lobbyrooms#displayname_required");
    xmpp_stanza_release(r);
    r = muc_disco_reply(q, "lobby.meet.test", false);
    assert_null(attr_at(r, "query/feature", "var"));
    xmpp_stanza_release(r);
    xmpp_stanza_release(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_presence),
        cmocka_unit_test(test_parse_kick),
        cmocka_unit_test(test_send_back),
        cmocka_unit_test(test_render_presences),
        cmocka_unit_test(test_identity_marker),
        cmocka_unit_test(test_notify_json),
        cmocka_unit_test(test_every_effect_is_from_the_lobby_domain),
        cmocka_unit_test(test_chat),
        cmocka_unit_test(test_disco),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
