/*
 * xmpp_fixture.h: the libstrophe context the xmpp/ unit tests share, and
 * parsing a test stanza from text. Included by one test file each, after
 * <cmocka.h> and <strophe.h>.
 */
#ifndef LOBBYD_TESTS_XMPP_FIXTURE_H
#define LOBBYD_TESTS_XMPP_FIXTURE_H

static xmpp_ctx_t *ctx;

/* Set up libstrophe and 'ctx' with 'mem' (NULL: libstrophe's own). */
static int context_up(const xmpp_mem_t *mem)
{
    xmpp_initialize();
    ctx = xmpp_ctx_new(mem, NULL);
    return ctx == NULL ? -1 : 0;
}

static int context_down(void)
{
    xmpp_ctx_free(ctx);
    xmpp_shutdown();
    return 0;
}

/* 'xml' as a stanza the caller releases; fails the test if it does not parse. */
static xmpp_stanza_t *parse(const char *xml)
{
    xmpp_stanza_t *st = xmpp_stanza_new_from_string(ctx, xml);

    assert_non_null(st);
    return st;
}

#endif
