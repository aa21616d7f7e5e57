/*
 * stream.h: lobbyd's XEP-0114 component stream to Prosody: connect,
 * handshake, reconnect with capped exponential backoff, route incoming
 * stanzas to the bridge protocol, send replies.
 *
 * The daemon sees only plain C structs (bridge.h); libstrophe stays inside
 * xmpp/. Not thread-safe: one thread owns the stream.
 */
#ifndef LOBBYD_XMPP_STREAM_H
#define LOBBYD_XMPP_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "lobby/event.h"
#include "xmpp/adhoc.h"
#include "xmpp/bridge.h"
#include "xmpp/muc.h"

#define STREAM_BACKOFF_MIN_MS 250

struct stream_params {
    const char *jid;            /* component JID, e.g. lobby.meet.example.com */
    const char *host;           /* Prosody's component listener */
    unsigned port;
    const char *secret;         /* borrowed for the life of the stream */
    const char *bridge_from;    /* the only JID allowed to send bridge requests */
    unsigned backoff_max_ms;
    bool debug_xmpp;            /* log every stanza (unsafe: tokens) */
};

struct stream_handlers {
    void *arg;
    /* Decide one pre-join. 'v' must be filled before returning; the strings
     * it points to must stay valid until the callback's next call. '*out'
     * is set to effects to send after the verdict (a default lobby
     * switched off releases the waiting), or NULL. */
    void (*on_join)(void *arg, const struct bridge_join *join, struct bridge_verdict *v,
                    const struct lobby_actions **out);
    /* A main-room event from the bridge. '*out' is set to the effects to
     * send before the reply (owned by the handler, valid until its next
     * call). Returns 0, or -1 with errno EPERM when the actor may not do
     * it (the request is refused with auth/forbidden). */
    int (*on_event)(void *arg, const struct bridge_event *ev, const struct lobby_actions **out);
    /* A client request to a lobby room. Same contract as on_event. */
    int (*on_muc)(void *arg, const struct muc_request *rq, const struct lobby_actions **out);
    /* The bridge says 'ses' is no longer where lobbyd believed (a leave
     * missed while the stream was down; stream_ask_present()). Same
     * contract as on_event. */
    int (*on_gone)(void *arg, const struct bridge_session *ses, const struct lobby_actions **out);
    /* A client ('jid', its full JID) asks the lobby domain's disco#info,
     * node "lobbyrooms", before joining: should it be asked for a display
     * name (the #displayname_required feature)? 'd' is what the bridge
     * added about its session, NULL when nothing usable was added. */
    bool (*asks_display_name)(void *arg, const char *jid, const struct bridge_disco *d);
    /* An XEP-0050 command to lobbyd's own JID: fill 'reply' (its strings
     * must stay valid until the next call) and set '*out' to effects to
     * send first, or NULL. */
    void (*on_command)(void *arg, const struct adhoc_request *rq, struct adhoc_reply *reply,
                       const struct lobby_actions **out);
    /* The commands 'jid' may run, for disco#items; '*items' is borrowed.
     * Returns how many (0: it may run none). */
    size_t (*commands_for)(void *arg, const char *jid, const struct adhoc_item **items);
};

struct stream_stats {
    uint64_t joins;             /* pre-join requests answered */
    uint64_t refused_requests;  /* malformed or from a foreign JID */
    uint64_t connects;          /* successful handshakes */
    uint64_t events;            /* bridge events and lobby-room requests handled */
    uint64_t dropped;           /* stanzas not sent because the stream was down */
};

struct stream;

/* Create a stream; nothing is connected yet. Copies what it keeps from
 * 'p' except 'secret'. Returns NULL when libstrophe cannot be set up
 * (logged). Free with stream_free(). */
struct stream *stream_new(const struct stream_params *p, const struct stream_handlers *h);

/* Disconnect if needed and free everything. NULL is fine. */
void stream_free(struct stream *s);

/*
 * Run one turn: connect or reconnect when it is due, flush queued output,
 * wait up to 'timeout_ms' for input and dispatch it. Returns after at most
 * 'timeout_ms' (earlier when a signal arrives). Never exits on a lost
 * stream: it schedules the next attempt and logs why.
 */
void stream_run_once(struct stream *s, unsigned timeout_ms);

/* True once after each completed handshake: the caller then asks the
 * bridge about the sessions it believes present. Cannot fail. */
bool stream_take_connect(struct stream *s);

/* Ask the bridge which of 'v[0..n)' are still present (§3.2, in batches);
 * its answers come back through on_gone. Nothing is sent while the stream
 * is down. Cannot fail. */
void stream_ask_present(struct stream *s, const struct bridge_session *v, size_t n);

/* True while the handshake has completed and the stream is up. */
bool stream_is_connected(const struct stream *s);

/* Close the stream cleanly, waiting at most 'max_ms' for Prosody to
 * acknowledge. Cannot fail. */
void stream_shutdown(struct stream *s, unsigned max_ms);

/* Render and queue every effect in 'a', in order. Effects are dropped
 * (and counted) while the stream is down. Cannot fail. */
void stream_send_effects(struct stream *s, const struct lobby_actions *a);

/* Counters since start. Cannot fail. */
void stream_get_stats(const struct stream *s, struct stream_stats *out);

#endif
