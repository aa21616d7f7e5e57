/*
 * test_compat.c: the workaround that spares libstrophe 0.12 rendering the
 * stanzas it receives (xmpp/compat.c). lobbyd's xmpp_stanza_to_text()
 * stands in for the library's in this binary as in lobbyd; what it renders
 * must be what the library renders, and it may only refuse received
 * traffic while quiet. That lobbyd's own sends still render while quiet
 * (compat_send()) is held by the integration tests: every stanza lobbyd
 * sends but the verdicts goes that way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <strophe.h>

#include "xmpp/compat.h"

#include "tests/unit/xmpp/xmpp_fixture.h"

static int setup(void **state)
{
    (void)state;
    return context_up(NULL);
}

static int teardown(void **state)
{
    (void)state;
    compat_quiet_receive(false);
    return context_down();
}

/* Renders XML parsed back to text through whatever xmpp_stanza_to_text
 * this binary resolves to; returns the text (caller frees) or NULL. */
static char *render(const char *xml, int *rc)
{
    xmpp_stanza_t *st = parse(xml);
    char *buf = (char *)0x1;
    size_t len = 99;

    *rc = xmpp_stanza_to_text(st, &buf, &len);
    xmpp_stanza_release(st);
    if (*rc != XMPP_EOK) {
        assert_null(buf);
        assert_int_equal(len, 0);
        return NULL;
    }
    assert_non_null(buf);
    assert_int_equal(strlen(buf), len);
    return buf;
}

static const char *const traffic[] = {
    "<iq type='get' id='j1' from='conference.meet.test' to='lobby.meet.test'>"
    "<join xmlns='urn:lobbyd:bridge:0' room='r@conference.meet.test'><token>a.b.c</token></join></iq>",
    "<presence from='a@meet.test/x' to='r@lobby.meet.test/n'><x xmlns='http://jabber.org/protocol/muc'/></presence>",
    "<message type='groupchat' to='r@lobby.meet.test'><body>hello &amp; &lt;welcome&gt;</body></message>",
};

/* A part of each rendering that only a real rendering has (attribute
 * order follows libstrophe's hash, so whole strings are not compared). */
static const char *const rendered[] = {
    "<token>a.b.c</token></join></iq>",
    "<x xmlns=\"http://jabber.org/protocol/muc\"/></presence>",
    "<body>hello &amp; &lt;welcome&gt;</body></message>",
};

static void test_renders_everything_until_quiet(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(traffic) / sizeof(traffic[0]); i++) {
        int rc;
        char *text = render(traffic[i], &rc);

        assert_int_equal(rc, XMPP_EOK);
        assert_non_null(strstr(text, rendered[i]));
        xmpp_free(ctx, text);
    }
}

/* The workaround is on with libstrophe 0.12.x only (Debian 12's 0.12.2);
 * with later versions (bookworm-backports' and Debian 13's 0.14.0), which
 * render received stanzas only when they log them, quiet changes nothing.
 * pkg-config's cflags name the version this binary is built and linked
 * against. */
static void test_quiet_refuses_received_traffic(void **state)
{
    (void)state;
    compat_quiet_receive(true);
    for (size_t i = 0; i < sizeof(traffic) / sizeof(traffic[0]); i++) {
        int rc;
        char *text = render(traffic[i], &rc);

#if LIBXMPP_VERSION_MAJOR == 0 && LIBXMPP_VERSION_MINOR == 12
        assert_null(text);
        assert_int_not_equal(rc, XMPP_EOK);
#else
        assert_int_equal(rc, XMPP_EOK);
        assert_non_null(strstr(text, rendered[i]));
        xmpp_free(ctx, text);
#endif
    }
}

/* A stream error (libstrophe sends one on a parse error) and anything else
 * that is not iq, message or presence is still rendered. */
static void test_quiet_renders_stream_level_stanzas(void **state)
{
    int rc;
    char *text;

    (void)state;
    compat_quiet_receive(true);
    text = render("<handshake xmlns='jabber:component:accept'>abc</handshake>", &rc);
    assert_int_equal(rc, XMPP_EOK);
    assert_non_null(strstr(text, "abc"));
    xmpp_free(ctx, text);
    text = render("<error xmlns='http://etherx.jabber.org/streams'>"
                  "<invalid-xml xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></error>", &rc);
    assert_int_equal(rc, XMPP_EOK);
    assert_non_null(strstr(text, "invalid-xml"));
    xmpp_free(ctx, text);
}

static void test_loud_again(void **state)
{
    int rc;
    char *text;

    (void)state;
    compat_quiet_receive(true);
    compat_quiet_receive(false);
    text = render(traffic[0], &rc);
    assert_int_equal(rc, XMPP_EOK);
    assert_non_null(strstr(text, "a.b.c"));
    xmpp_free(ctx, text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_renders_everything_until_quiet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quiet_refuses_received_traffic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quiet_renders_stream_level_stanzas, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loud_again, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
