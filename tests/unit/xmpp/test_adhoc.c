/*
 * test_adhoc.c: XEP-0050 commands in and out (xmpp/adhoc.c): what a client
 * sends to run a command, and the forms, results, tables and refusals
 * lobbyd answers with.
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

#include "xmpp/adhoc.h"
#include "xmpp/stanza.h"

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

#define IQ "<iq type='set' id='c1' from='ops@meet.test/console' to='lobby.meet.test'>"
#define CMD "<command xmlns='http://jabber.org/protocol/commands' "

struct parse_case {
    const char *name;
    const char *xml;
    int rc;
    enum adhoc_action action;
    const char *node, *sessionid;
    bool submitted;
    size_t n_fields;
    const char *why;
};

static const struct parse_case parse_cases[] = {
    {"execute, as clients send it first", IQ CMD "node='list-lobbies' action='execute'/></iq>",
     0, ADHOC_EXECUTE, "list-lobbies", NULL, false, 0, NULL},
    {"no action means execute", IQ CMD "node='reload'/></iq>", 0, ADHOC_EXECUTE, "reload", NULL,
     false, 0, NULL},
    {"complete with the form",
     IQ CMD "node='admit' sessionid='lobbyd-c-3' action='complete'>"
     "<x xmlns='jabber:x:data' type='submit'><field var='room'><value>r</value></field>"
     "<field var='nick'><value>n1</value></field><field var='empty'/></x></command></iq>",
     0, ADHOC_COMPLETE, "admit", "lobbyd-c-3", true, 3, NULL},
    {"a form that is not submitted carries no values",
     IQ CMD "node='admit'><x xmlns='jabber:x:data' type='form'><field var='room'>"
     "<value>r</value></field></x></command></iq>",
     0, ADHOC_EXECUTE, "admit", NULL, false, 0, NULL},
    {"cancel", IQ CMD "node='admit' sessionid='s' action='cancel'/></iq>", 0, ADHOC_CANCEL,
     "admit", "s", false, 0, NULL},
    {"unknown action", IQ CMD "node='admit' action='prev'/></iq>", -1, ADHOC_EXECUTE, NULL,
     NULL, false, 0, "unknown action \"prev\""},
    {"no node", IQ CMD "action='execute'/></iq>", -1, ADHOC_EXECUTE, NULL, NULL, false, 0,
     "a command needs a node"},
    {"too many fields",
     IQ CMD "node='x'><x xmlns='jabber:x:data' type='submit'>"
     "<field var='1'/><field var='2'/><field var='3'/><field var='4'/><field var='5'/>"
     "<field var='6'/><field var='7'/><field var='8'/><field var='9'/></x></command></iq>",
     -1, ADHOC_EXECUTE, NULL, NULL, false, 0, "more than 8 fields"},
};

static void test_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        xmpp_stanza_t *iq = parse(c->xml);
        struct adhoc_request rq;
        char why[ADHOC_WHY_MAX];
        int rc = adhoc_parse(iq, &rq, why);

        print_message("case: %s\n", c->name);
        assert_int_equal(rc, c->rc);
        if (rc == -1) {
            assert_string_equal(why, c->why);
        } else {
            assert_int_equal(rq.action, c->action);
            assert_string_equal(rq.node, c->node);
            assert_string_equal(rq.from, "ops@meet.test/console");
            if (c->sessionid == NULL)
                assert_null(rq.sessionid);
            else
                assert_string_equal(rq.sessionid, c->sessionid);
            assert_int_equal(rq.submitted, c->submitted);
            assert_int_equal(rq.n_fields, c->n_fields);
        }
        if (rc == 0 && c->submitted) {
            assert_string_equal(adhoc_value(&rq, "nick"), "n1");
            assert_string_equal(adhoc_value(&rq, "empty"), "");
            assert_null(adhoc_value(&rq, "other"));
        }
        xmpp_stanza_release(iq);
    }
}

/* 'st' as text with each element's attributes in name order, so that
 * libstrophe's attribute order (a hash's, and not the same in every
 * version) does not matter. */
static void canon(xmpp_stanza_t *st, char *out, size_t size)
{
    size_t used = strlen(out);
    const char *attrs[32];
    int n;

    if (xmpp_stanza_is_text(st)) {
        snprintf(out + used, size - used, "%s", xmpp_stanza_get_text_ptr(st));
        return;
    }
    n = xmpp_stanza_get_attributes(st, attrs, 32);
    assert_true(n >= 0 && n <= 32);
    /* name, value pairs: sort the pairs by name */
    for (int i = 2; i < n; i += 2)
        for (int j = i; j >= 2 && strcmp(attrs[j - 2], attrs[j]) > 0; j -= 2) {
            const char *k = attrs[j], *v = attrs[j + 1];

            attrs[j] = attrs[j - 2];
            attrs[j + 1] = attrs[j - 1];
            attrs[j - 2] = k;
            attrs[j - 1] = v;
        }
    used += (size_t)snprintf(out + used, size - used, "<%s", xmpp_stanza_get_name(st));
    for (int i = 0; i < n; i += 2)
        used += (size_t)snprintf(out + used, size - used, " %s=\"%s\"", attrs[i], attrs[i + 1]);
    if (xmpp_stanza_get_children(st) == NULL) {
        snprintf(out + used, size - used, "/>");
        return;
    }
    snprintf(out + used, size - used, ">");
    for (xmpp_stanza_t *c = xmpp_stanza_get_children(st); c != NULL; c = xmpp_stanza_get_next(c))
        canon(c, out, size);
    used = strlen(out);
    snprintf(out + used, size - used, "</%s>", xmpp_stanza_get_name(st));
}

static void assert_renders(xmpp_stanza_t *st, const char *want)
{
    char got[4096] = "";

    canon(st, got, sizeof(got));
    assert_string_equal(got, want);
    xmpp_stanza_release(st);
}

static void test_render(void **state)
{
    xmpp_stanza_t *iq = parse(IQ CMD "node='admit' action='execute'/></iq>");
    struct adhoc_request rq;
    struct adhoc_reply r;
    char why[ADHOC_WHY_MAX];
    static const char *const cols[] = { "room", "nick" };
    static const char *const cells[] = { "r1@c", "n1", "r2@c", NULL };

    (void)state;
    assert_int_equal(adhoc_parse(iq, &rq, why), 0);
    /* The form of a first stage: the only action is complete. */
    memset(&r, 0, sizeof(r));
    r.status = ADHOC_EXECUTING;
    r.title = "Admit";
    r.n_fields = 1;
    r.fields[0] = (struct adhoc_field){ "nick", "text-single", "Nick", NULL, true };
    assert_renders(adhoc_render(iq, "lobby.meet.test", &rq, &r, "lobbyd-c-1"),
                   "<iq from=\"lobby.meet.test\" id=\"c1\" to=\"ops@meet.test/console\" type=\"result\">"
                   "<command node=\"admit\" sessionid=\"lobbyd-c-1\" status=\"executing\" xmlns=\"http:/"
                   "/jabber.org/protocol/commands\"><actions execute=\"complete\"><complete/></actions><"
                   "x type=\"form\" xmlns=\"jabber:x:data\"><title>Admit</title><field label=\"Nick\" ty"
                   "pe=\"text-single\" var=\"nick\"><required/></field></x></command></iq>");
    /* A result with a note and a table; a missing cell is an empty value. */
    memset(&r, 0, sizeof(r));
    r.status = ADHOC_COMPLETED;
    r.note = "2 waiting";
    r.n_columns = 2;
    r.columns = cols;
    r.n_rows = 2;
    r.cells = cells;
    assert_renders(adhoc_render(iq, "lobby.meet.test", &rq, &r, "s"),
                   "<iq from=\"lobby.meet.test\" id=\"c1\" to=\"ops@meet.test/console\" type=\"result\">"
                   "<command node=\"admit\" sessionid=\"s\" status=\"completed\" xmlns=\"http://jabber.o"
                   "rg/protocol/commands\"><note type=\"info\">2 waiting</note><x type=\"result\" xmlns="
                   "\"jabber:x:data\"><reported><field var=\"room\"/><field var=\"nick\"/></reported><it"
                   "em><field var=\"room\"><value>r1@c</value></field><field var=\"nick\"><value>n1</val"
                   "ue></field></item><item><field var=\"room\"><value>r2@c</value></field><field var=\""
                   "nick\"><value></value></field></item></x></command></iq>");
    /* A refusal is an IQ error with the reason. */
    memset(&r, 0, sizeof(r));
    r.status = ADHOC_REFUSED;
    r.error_type = "auth";
    r.condition = "forbidden";
    r.text = "only lobbyd's admin_jid may run its commands";
    {
        xmpp_stanza_t *err = adhoc_render(iq, "lobby.meet.test", &rq, &r, "s");

        assert_string_equal(xmpp_stanza_get_type(err), "error");
        assert_string_equal(stanza_error_condition(err), "forbidden");
        xmpp_stanza_release(err);
    }
    xmpp_stanza_release(iq);
}

static void test_items(void **state)
{
    xmpp_stanza_t *iq = parse("<iq type='get' id='d1' from='ops@meet.test/c' to='lobby.meet.test'>"
                              "<query xmlns='http://jabber.org/protocol/disco#items' "
                              "node='http://jabber.org/protocol/commands'/></iq>");
    static const struct adhoc_item items[] = { { "reload", "Reload the configuration" } };

    (void)state;
    assert_renders(adhoc_items_reply(iq, "lobby.meet.test", items, 1),
                   "<iq from=\"lobby.meet.test\" id=\"d1\" to=\"ops@meet.test/c\" type=\"result\"><query"
                   " node=\"http://jabber.org/protocol/commands\" xmlns=\"http://jabber.org/protocol/dis"
                   "co#items\"><item jid=\"lobby.meet.test\" name=\"Reload the configuration\" node=\"re"
                   "load\"/></query></iq>");
    /* Nobody may run anything: an empty list, not an error. */
    assert_renders(adhoc_items_reply(iq, "lobby.meet.test", NULL, 0),
                   "<iq from=\"lobby.meet.test\" id=\"d1\" to=\"ops@meet.test/c\" type=\"result\"><query"
                   " node=\"http://jabber.org/protocol/commands\" xmlns=\"http://jabber.org/protocol/dis"
                   "co#items\"/></iq>");
    xmpp_stanza_release(iq);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_items),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
