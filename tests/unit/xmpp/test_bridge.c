/*
 * test_bridge.c: the bridge protocol parser and verdict builder
 * (xmpp/bridge.c), driven by stanzas written as text, with a counting
 * allocator that proves nothing leaks.
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

#include "xmpp/bridge.h"

/* ---- counting allocator: every block libstrophe takes is given back ---- */
static long live_blocks;

static void *count_alloc(size_t size, void *userdata)
{
    (void)userdata;
    live_blocks++;
    return malloc(size);
}

static void count_free(void *p, void *userdata)
{
    (void)userdata;
    if (p != NULL)
        live_blocks--;
    free(p);
}

static void *count_realloc(void *p, size_t size, void *userdata)
{
    (void)userdata;
    if (p == NULL)
        live_blocks++;
    return realloc(p, size);
}

static const xmpp_mem_t counting_mem = {count_alloc, count_free, count_realloc, NULL};

#include "tests/unit/xmpp/xmpp_fixture.h"

static long baseline_blocks;

static int setup(void **state)
{
    int rc;

    (void)state;
    live_blocks = 0;
    rc = context_up(&counting_mem);
    baseline_blocks = live_blocks;
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    return context_down();
}

#define J_OPEN "<join xmlns='urn:lobbyd:bridge:0' "
#define J_FACTS "room='r@conference.meet.test' nick='ab12' jid='u@meet.test/res' " \
                "session='s1' affiliation='none' room-exists='true' members-only='false' " \
                "password='none'"

struct parse_case {
    const char *name;
    const char *xml;
    const char *why;            /* NULL: must parse */
};

static const struct parse_case parse_cases[] = {
    {"minimal join", J_OPEN J_FACTS "/>", NULL},
    {"with name and token",
     J_OPEN J_FACTS "><display-name>Alice</display-name><token>a.b.c</token></join>", NULL},
    {"empty display name is none", J_OPEN J_FACTS "><display-name/></join>", NULL},
    {"missing room", J_OPEN "nick='n' jid='u@d/r' session='s' affiliation='none' "
                     "room-exists='true' members-only='false' password='none'/>",
     "attribute room is missing"},
    {"room with resource", J_OPEN "room='r@c/x' nick='n' jid='u@d/r' session='s' "
                           "affiliation='none' room-exists='true' members-only='false' "
                           "password='none'/>", "room is not a bare room JID"},
    {"room without node", J_OPEN "room='conference.meet.test' nick='n' jid='u@d/r' session='s' "
                          "affiliation='none' room-exists='true' members-only='false' "
                          "password='none'/>", "room is not a bare room JID"},
    {"unknown affiliation", J_OPEN "room='r@c' nick='n' jid='u@d/r' session='s' "
                            "affiliation='god' room-exists='true' members-only='false' "
                            "password='none'/>", "affiliation is not one of"},
    {"unknown password state", J_OPEN "room='r@c' nick='n' jid='u@d/r' session='s' "
                               "affiliation='none' room-exists='true' members-only='false' "
                               "password='maybe'/>", "password is not one of"},
    {"boolean not true/false", J_OPEN "room='r@c' nick='n' jid='u@d/r' session='s' "
                               "affiliation='none' room-exists='yes' members-only='false' "
                               "password='none'/>", "room-exists must be true or false"},
    {"missing members-only", J_OPEN "room='r@c' nick='n' jid='u@d/r' session='s' "
                             "affiliation='none' room-exists='true' password='none'/>",
     "members-only must be true or false"},
    {"empty nick", J_OPEN "room='r@c' nick='' jid='u@d/r' session='s' affiliation='none' "
                   "room-exists='true' members-only='false' password='none'/>",
     "attribute nick is missing"},
    {"session too long", J_OPEN "room='r@c' nick='n' jid='u@d/r' session='"
                         "0123456789012345678901234567890123456789012345678901234567890123"
                         "0123456789012345678901234567890123456789012345678901234567890123x' "
                         "affiliation='none' room-exists='true' members-only='false' "
                         "password='none'/>", "attribute session is 129 bytes"},
    {"with an IPv4 address", J_OPEN J_FACTS " ip='203.0.113.7'/>", NULL},
    {"with an IPv6 address and zone", J_OPEN J_FACTS " ip='fe80::1%eth0'/>", NULL},
    {"empty address is none", J_OPEN J_FACTS " ip=''/>", NULL},
    {"address with a space", J_OPEN J_FACTS " ip='1.2.3.4 5'/>",
     "attribute ip is not an IP address"},
    {"address with markup", J_OPEN J_FACTS " ip='1.2.3.4&lt;'/>",
     "attribute ip is not an IP address"},
    {"address too long", J_OPEN J_FACTS " ip='"
                         "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000'/>",
     "attribute ip is longer than 63 bytes"},
    {"token in another namespace is ignored",
     J_OPEN J_FACTS "><token xmlns='urn:other'>x</token></join>", NULL},
};

static void test_parse_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        xmpp_stanza_t *st = parse(c->xml);
        struct bridge_join j;
        char why[BRIDGE_WHY_MAX];
        int r = bridge_parse_join(st, &j, why);

        if (c->why == NULL && r != 0)
            fail_msg("case \"%s\": refused: %s", c->name, why);
        if (c->why != NULL && r == 0)
            fail_msg("case \"%s\": accepted, expected \"%s\"", c->name, c->why);
        if (c->why != NULL && strstr(why, c->why) == NULL)
            fail_msg("case \"%s\": reason \"%s\", expected \"%s\"", c->name, why, c->why);
        bridge_join_clear(&j);
        xmpp_stanza_release(st);
    }
    assert_int_equal(live_blocks, baseline_blocks);
}

static void test_parse_fields(void **state)
{
    xmpp_stanza_t *st = parse(J_OPEN "room='r@conference.meet.test' nick='ab12' "
                              "jid='u@meet.test/res' session='s1' affiliation='member' "
                              "room-exists='false' members-only='true' password='wrong' "
                              "ip='2001:db8::5'>"
                              "<display-name>Zoë &amp; co</display-name>"
                              "<token>aaa.bbb.ccc</token></join>");
    struct bridge_join j;
    char why[BRIDGE_WHY_MAX];

    (void)state;
    assert_int_equal(bridge_parse_join(st, &j, why), 0);
    assert_string_equal(j.room, "r@conference.meet.test");
    assert_string_equal(j.nick, "ab12");
    assert_string_equal(j.jid, "u@meet.test/res");
    assert_string_equal(j.session, "s1");
    assert_string_equal(j.affiliation, "member");
    assert_string_equal(j.password, "wrong");
    assert_false(j.room_exists);
    assert_true(j.members_only);
    assert_string_equal(j.display_name, "Zoë & co");
    assert_string_equal(j.token, "aaa.bbb.ccc");
    assert_int_equal(j.token_len, 11);
    assert_string_equal(j.ip, "2001:db8::5");
    bridge_join_clear(&j);
    assert_null(j.token);
    xmpp_stanza_release(st);
    assert_int_equal(live_blocks, baseline_blocks);
}

static void test_parse_oversized_token(void **state)
{
    size_t n = BRIDGE_TOKEN_MAX + 1;
    size_t len = strlen(J_OPEN J_FACTS "><token></token></join>") + n + 1;
    char *xml = malloc(len);
    char *tok = malloc(n + 1);
    xmpp_stanza_t *st;
    struct bridge_join j;
    char why[BRIDGE_WHY_MAX];

    (void)state;
    memset(tok, 'a', n);
    tok[n] = '\0';
    snprintf(xml, len, J_OPEN J_FACTS "><token>%s</token></join>", tok);
    st = parse(xml);
    assert_int_equal(bridge_parse_join(st, &j, why), -1);
    assert_non_null(strstr(why, "<token> is 16385 bytes"));
    assert_null(j.room);
    xmpp_stanza_release(st);
    free(tok);
    free(xml);
    assert_int_equal(live_blocks, baseline_blocks);
}

/* The session facts the bridge adds to a client's disco#info query (§4). */
#define Q_OPEN "<query xmlns='http://jabber.org/protocol/disco#info' node='lobbyrooms'>"

struct disco_case {
    const char *name;
    const char *xml;
    int want;                   /* bridge_parse_disco() */
    const char *room;           /* want 0: expected room, NULL: none */
    const char *token;
    const char *why;            /* want -1 */
};

static const struct disco_case disco_cases[] = {
    {"no facts (no bridge on that host)", Q_OPEN "</query>", 1, NULL, NULL, NULL},
    {"facts in another namespace", Q_OPEN "<session xmlns='urn:other' room='x'/></query>", 1,
     NULL, NULL, NULL},
    {"room and token", Q_OPEN "<session xmlns='urn:lobbyd:bridge:0' room='myroom'>"
                       "<token>a.b.c</token></session></query>", 0, "myroom", "a.b.c", NULL},
    {"token, no room", Q_OPEN "<session xmlns='urn:lobbyd:bridge:0'><token>t</token></session>"
                       "</query>", 0, NULL, "t", NULL},
    {"empty room is none", Q_OPEN "<session xmlns='urn:lobbyd:bridge:0' room=''/></query>", 0,
     NULL, NULL, NULL},
    {"room that is a JID", Q_OPEN "<session xmlns='urn:lobbyd:bridge:0' room='r@conference'/>"
                           "</query>", -1, NULL, NULL, "not a room name"},
    {"room with a slash", Q_OPEN "<session xmlns='urn:lobbyd:bridge:0' room='r/x'/></query>", -1,
     NULL, NULL, "not a room name"},
};

static void test_parse_disco(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(disco_cases) / sizeof(disco_cases[0]); i++) {
        const struct disco_case *c = &disco_cases[i];
        xmpp_stanza_t *st = parse(c->xml);
        struct bridge_disco d;
        char why[BRIDGE_WHY_MAX];
        int r = bridge_parse_disco(st, &d, why);

        print_message("%s\n", c->name);
        assert_int_equal(r, c->want);
        if (c->room != NULL)
            assert_string_equal(d.room, c->room);
        else
            assert_null(d.room);
        if (c->token != NULL)
            assert_string_equal(d.token, c->token);
        else
            assert_null(d.token);
        if (c->why != NULL)
            assert_non_null(strstr(why, c->why));
        bridge_disco_clear(&d);
        xmpp_stanza_release(st);
    }
    assert_int_equal(live_blocks, baseline_blocks);
}

/* Attribute order in libstrophe's output is not stable, so a case lists
 * the verdict attributes it expects ("name=value", NULL-terminated; every
 * other attribute must be absent) and the text. */
static void test_parse_events(void **state)
{
    xmpp_stanza_t *left = parse("<occupant xmlns='urn:lobbyd:bridge:0' room='r@c.test' "
                                "jid='u@d.test/x' nick='n1' event='left' affiliation='none' "
                                "removed='true'/>");
    xmpp_stanza_t *joined = parse("<occupant xmlns='urn:lobbyd:bridge:0' room='r@c.test' "
                                  "jid='u@d.test/x' event='joined' affiliation='owner'/>");
    xmpp_stanza_t *bad = parse("<occupant xmlns='urn:lobbyd:bridge:0' room='r@c.test' "
                               "jid='u@d.test/x' event='teleported' affiliation='none'/>");
    xmpp_stanza_t *other = parse("<frobnicate xmlns='urn:lobbyd:bridge:0' room='r@c.test'/>");
    xmpp_stanza_t *admit;
    struct bridge_event ev;
    char why[BRIDGE_WHY_MAX];
    char *xml;
    size_t n = 0, cap = 200 * 60 + 200;

    (void)state;
    assert_int_equal(bridge_parse_event(left, &ev, why), 0);
    assert_int_equal(ev.kind, BRIDGE_EV_OCCUPANT);
    assert_true(ev.removed);
    assert_string_equal(ev.nick, "n1");
    bridge_event_clear(&ev);
    assert_int_equal(bridge_parse_event(joined, &ev, why), 0);
    assert_false(ev.removed);
    assert_null(ev.nick);
    assert_string_equal(ev.affiliation, "owner");
    bridge_event_clear(&ev);
    assert_int_equal(bridge_parse_event(bad, &ev, why), -1);
    assert_non_null(strstr(why, "not a known value"));
    assert_int_equal(bridge_parse_event(other, &ev, why), 1);

    /* "admit all": many invitees in one request, all kept in order */
    xml = malloc(cap);
    n += (size_t)snprintf(xml + n, cap - n, "<admit xmlns='urn:lobbyd:bridge:0' room='r@c.test' "
                                            "actor='o@d.test/r'>");
    for (int i = 0; i < 200; i++)
        n += (size_t)snprintf(xml + n, cap - n, "<invitee jid='g%d@d.test/r'/>", i);
    snprintf(xml + n, cap - n, "</admit>");
    admit = parse(xml);
    assert_int_equal(bridge_parse_event(admit, &ev, why), 0);
    assert_int_equal(ev.n_invitees, 200);
    assert_string_equal(ev.invitees[0], "g0@d.test/r");
    assert_string_equal(ev.invitees[199], "g199@d.test/r");
    bridge_event_clear(&ev);
    assert_null(ev.invitees);
    free(xml);
    xmpp_stanza_release(admit);
    xmpp_stanza_release(left);
    xmpp_stanza_release(joined);
    xmpp_stanza_release(bad);
    xmpp_stanza_release(other);
    assert_int_equal(live_blocks, baseline_blocks);
}

struct render_case {
    const char *name;
    struct bridge_verdict v;
    const char *attrs[7];
    const char *text;
};

static const struct render_case render_cases[] = {
    {"allow as owner",
     {"allow", "owner", "owner-claim", NULL, NULL, NULL, NULL, false, "token-lobby-password", NULL,
      "default"},
     {"action=allow", "rule=owner-claim", "affiliation=owner", "ask=token-lobby-password",
      "room-ask=default", NULL}, NULL},
    {"allow past the password",
     {"allow", "member", "admitted-session", NULL, NULL, NULL, NULL, true, "every-join", NULL, NULL},
     {"action=allow", "rule=admitted-session", "affiliation=member", "password=supply",
      "ask=every-join", NULL}, NULL},
    {"allow creating the room with its lobby on",
     {"allow", NULL, "no-lobby", NULL, NULL, NULL, NULL, false, "token-lobby-password-new", "on",
      NULL},
     {"action=allow", "rule=no-lobby", "ask=token-lobby-password-new", "set-lobby=on", NULL}, NULL},
    {"lobby", {"lobby", NULL, "before-host", "r@lobby.meet.test", NULL, NULL, NULL, false,
               "token-lobby-password-new", NULL, "every-join"},
     {"action=lobby", "rule=before-host", "lobby=r@lobby.meet.test", "ask=token-lobby-password-new",
      "room-ask=every-join", NULL}, NULL},
    {"deny with text",
     {"deny", NULL, "invalid-token", NULL, "cancel", "not-allowed", "aud \"x\" <no> & 'y'", false,
      NULL, NULL, NULL},
     {"action=deny", "rule=invalid-token", "type=cancel", "condition=not-allowed", NULL},
     "aud \"x\" <no> & 'y'"},
};

static void check_render(const struct render_case *c, xmpp_stanza_t *reply)
{
    static const char *const all[] = {"action", "rule", "affiliation", "lobby", "type",
                                      "condition", "password", "ask", "set-lobby",
                                      "room-ask"};
    xmpp_stanza_t *v = xmpp_stanza_get_child_by_ns(reply, "urn:lobbyd:bridge:0");
    char *text;

    assert_string_equal(xmpp_stanza_get_type(reply), "result");
    assert_string_equal(xmpp_stanza_get_id(reply), "j1");
    assert_string_equal(xmpp_stanza_get_to(reply), "conference.meet.test");
    assert_string_equal(xmpp_stanza_get_from(reply), "lobby.meet.test");
    if (v == NULL || strcmp(xmpp_stanza_get_name(v), "verdict") != 0)
        fail_msg("case \"%s\": no <verdict/>", c->name);
    for (size_t a = 0; a < sizeof(all) / sizeof(all[0]); a++) {
        const char *got = xmpp_stanza_get_attribute(v, all[a]);
        const char *want = NULL;
        size_t n = strlen(all[a]);

        for (size_t k = 0; c->attrs[k] != NULL; k++) {
            if (strncmp(c->attrs[k], all[a], n) == 0 && c->attrs[k][n] == '=')
                want = c->attrs[k] + n + 1;
        }
        if ((want == NULL) != (got == NULL) || (want != NULL && strcmp(want, got) != 0))
            fail_msg("case \"%s\": %s is \"%s\", expected \"%s\"", c->name, all[a],
                     got != NULL ? got : "(absent)", want != NULL ? want : "(absent)");
    }
    text = xmpp_stanza_get_text(v);
    if ((c->text == NULL) != (text == NULL) || (text != NULL && strcmp(text, c->text) != 0))
        fail_msg("case \"%s\": text \"%s\"", c->name, text != NULL ? text : "(none)");
    xmpp_free(ctx, text);
}

static void test_render_table(void **state)
{
    xmpp_stanza_t *req = parse("<iq type='get' id='j1' from='conference.meet.test' "
                               "to='lobby.meet.test'><join xmlns='urn:lobbyd:bridge:0'/></iq>");

    (void)state;
    for (size_t i = 0; i < sizeof(render_cases) / sizeof(render_cases[0]); i++) {
        xmpp_stanza_t *reply = bridge_verdict_reply(req, "lobby.meet.test", &render_cases[i].v);
        char *buf = NULL;
        size_t len = 0;

        /* It must also serialise: that is what goes on the wire. */
        assert_int_equal(xmpp_stanza_to_text(reply, &buf, &len), XMPP_EOK);
        xmpp_free(ctx, buf);
        check_render(&render_cases[i], reply);
        xmpp_stanza_release(reply);

        /* The text form, read back by libstrophe's parser, says the same. */
        char text[BRIDGE_VERDICT_TEXT_MAX];
        int n = bridge_verdict_text(req, "lobby.meet.test", &render_cases[i].v, text, sizeof(text));

        assert_true(n > 0 && (size_t)n == strlen(text));
        reply = xmpp_stanza_new_from_string(ctx, text);
        assert_non_null(reply);
        check_render(&render_cases[i], reply);
        xmpp_stanza_release(reply);
        /* Too small a buffer: refused, never truncated. */
        assert_int_equal(bridge_verdict_text(req, "lobby.meet.test", &render_cases[i].v, text,
                                             (size_t)n), -1);
    }
    xmpp_stanza_release(req);
    assert_int_equal(live_blocks, baseline_blocks);
}

struct gone_log {
    char text[512];
    int stop_after;
    int n;
};

static int log_gone(void *arg, const struct bridge_session *ses)
{
    struct gone_log *g = arg;
    size_t used = strlen(g->text);

    snprintf(g->text + used, sizeof(g->text) - used, "%s%s@%s", used > 0 ? " " : "", ses->jid,
             ses->in);
    return g->stop_after != 0 && ++g->n >= g->stop_after;
}

/* §4: the <present/> check, both ways. */
static void test_present(void **state)
{
    const struct bridge_session v[] = {
        { "g@meet.test/web", "r@lobby.meet.test/ab12" },
        { "o@meet.test/x&y", "r@conference.meet.test" },
    };
    xmpp_stanza_t *iq = bridge_present_request(ctx, "lobby.meet.test", "conference.meet.test",
                                               "lobbyd-p-1", v, 2);
    xmpp_stanza_t *el = xmpp_stanza_get_child_by_ns(iq, BRIDGE_NS), *answer;
    char why[BRIDGE_WHY_MAX], *text;
    size_t len;
    struct gone_log g;

    (void)state;
    assert_string_equal(xmpp_stanza_get_type(iq), "get");
    assert_string_equal(xmpp_stanza_get_to(iq), "conference.meet.test");
    assert_string_equal(xmpp_stanza_get_name(el), "present");
    assert_int_equal(xmpp_stanza_to_text(iq, &text, &len), XMPP_EOK);
    assert_non_null(strstr(text, "in=\"r@lobby.meet.test/ab12\""));
    assert_non_null(strstr(text, "jid=\"o@meet.test/x&amp;y\""));
    xmpp_free(ctx, text);
    xmpp_stanza_release(iq);

    answer = parse("<present xmlns='" BRIDGE_NS "'>"
                   "<session jid='g@meet.test/web' in='r@lobby.meet.test/ab12' present='false'/>"
                   "<other/>"
                   "<session jid='o@meet.test/x' in='r@conference.meet.test' present='true'/>"
                   "<session jid='k@meet.test/z' in='r@conference.meet.test' present='false'/>"
                   "</present>");
    memset(&g, 0, sizeof(g));
    assert_int_equal(bridge_parse_present(answer, log_gone, &g, why), 3);
    assert_string_equal(g.text, "g@meet.test/web@r@lobby.meet.test/ab12 "
                                "k@meet.test/z@r@conference.meet.test");
    memset(&g, 0, sizeof(g));
    g.stop_after = 1;
    assert_int_equal(bridge_parse_present(answer, log_gone, &g, why), 1);
    xmpp_stanza_release(answer);

    answer = parse("<present xmlns='" BRIDGE_NS "'>"
                   "<session jid='g@meet.test/web' in='r@lobby.meet.test/ab12' present='no'/>"
                   "</present>");
    memset(&g, 0, sizeof(g));
    assert_int_equal(bridge_parse_present(answer, log_gone, &g, why), -1);
    assert_non_null(strstr(why, "present='true|false'"));
    assert_string_equal(g.text, "");
    xmpp_stanza_release(answer);
    answer = parse("<present xmlns='" BRIDGE_NS "'><session in='x' present='false'/></present>");
    assert_int_equal(bridge_parse_present(answer, log_gone, &g, why), -1);
    xmpp_stanza_release(answer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_oversized_token, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_disco, setup, teardown),
        cmocka_unit_test_setup_teardown(test_render_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_present, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
