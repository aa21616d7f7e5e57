/*
 * compat.h: workarounds for defects in the libraries xmpp/ uses. Each one
 * names the versions it is for and has a test that exercises it.
 */
#ifndef LOBBYD_XMPP_COMPAT_H
#define LOBBYD_XMPP_COMPAT_H

#include <stdbool.h>

#include <strophe.h>

/*
 * COMPAT: libstrophe 0.12.2 (and 0.12.3, 0.13.x, 0.14.0): a connection
 * started with xmpp_connect_component() never allocates its stream-
 * management state, yet the stanza path and conn_disconnect() use it, so
 * the first stanza after the handshake crashes. Only xmpp_connect_client()
 * allocates that state. This gives 'conn' (disconnected, never connected
 * before) a state taken from a throwaway client connection whose socket is
 * refused before anything is sent. Call it once, before the first
 * xmpp_connect_component(); the state then survives reconnects.
 * Returns 0, or -1 when libstrophe did not hand over a state (logged).
 */
int compat_component_sm_state(xmpp_ctx_t *ctx, xmpp_conn_t *conn);

/*
 * COMPAT: libstrophe 0.12.x serialises every stanza it receives to text for
 * a DEBUG "RECV:" line before it runs the handlers, whether or not anything
 * writes that line: a fifth of lobbyd's instructions per verdict. lobbyd
 * defines xmpp_stanza_to_text() itself, so the library's calls land here,
 * and renders nothing for a received iq, message or presence once
 * compat_quiet_receive(true) has been called. Everything lobbyd sends goes
 * through compat_send(), which renders as before; so do stanzas of other
 * names (stream errors) and every stanza while debug_xmpp is on. In
 * component mode 0.12.x serialises for nothing else: the other callers only
 * build debug lines. Other versions keep the library's behaviour.
 */
void compat_quiet_receive(bool quiet);
void compat_send(xmpp_conn_t *conn, xmpp_stanza_t *stanza);

#endif
