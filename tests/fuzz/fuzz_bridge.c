/*
 * fuzz_bridge.c: the bridge request parsers (joins, main-room events and
 * the session facts in a disco#info query) on arbitrary bytes. The input is
 * parsed as XML the way the stream parser would hand a stanza over, then
 * given to the same bridge_parse_join() the daemon and the unit tests use.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <strophe.h>

#include "xmpp/bridge.h"
#include "xmpp/stanza.h"

static int count_gone(void *arg, const struct bridge_session *ses)
{
    (void)arg;
    /* Both strings must be readable. */
    return strlen(ses->jid) + strlen(ses->in) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static xmpp_ctx_t *ctx;
    char *text = malloc(size + 1);
    xmpp_stanza_t *st, *join;
    struct bridge_join j;
    char why[BRIDGE_WHY_MAX];

    if (ctx == NULL) {
        xmpp_initialize();
        ctx = xmpp_ctx_new(NULL, NULL);
    }
    memcpy(text, data, size);
    text[size] = '\0';
    st = xmpp_stanza_new_from_string(ctx, text);
    free(text);
    if (st == NULL)
        return 0;
    join = stanza_child(st, "join", BRIDGE_NS);
    if (join == NULL && strcmp(xmpp_stanza_get_name(st), "join") == 0)
        join = st;
    {
        xmpp_stanza_t *el = stanza_child(st, NULL, BRIDGE_NS);
        struct bridge_event ev;

        if (el == NULL && xmpp_stanza_get_ns(st) != NULL &&
            strcmp(xmpp_stanza_get_ns(st), BRIDGE_NS) == 0)
            el = st;
        if (el != NULL && bridge_parse_event(el, &ev, why) == 0)
            bridge_event_clear(&ev);
        if (el != NULL && strcmp(xmpp_stanza_get_name(el), "present") == 0)
            (void)bridge_parse_present(el, count_gone, NULL, why);
    }
    {
        /* A client's disco#info query of the lobby domain: the <query/> itself
         * or an IQ that carries one. */
        xmpp_stanza_t *q = stanza_child(st, "query", "http://jabber.org/protocol/disco#info");
        struct bridge_disco d;

        if (q == NULL && strcmp(xmpp_stanza_get_name(st), "query") == 0)
            q = st;
        if (q != NULL && bridge_parse_disco(q, &d, why) == 0)
            bridge_disco_clear(&d);
    }
    if (join != NULL && bridge_parse_join(join, &j, why) == 0) {
        struct bridge_verdict v = {"allow", j.affiliation, "fuzz", j.room, NULL, NULL, j.nick,
                                  j.members_only};
        xmpp_stanza_t *reply = bridge_verdict_reply(st, "lobby.meet.test", &v);

        xmpp_stanza_release(reply);
        bridge_join_clear(&j);
    }
    xmpp_stanza_release(st);
    return 0;
}
