/*
 * stream.c: the component connection and the stanza router.
 *
 * Facts this file relies on (libstrophe 0.12.2, Prosody 0.12):
 * - xmpp_connect_component() does the XEP-0114 handshake (stream 'to' =
 *   our JID, SHA-1 of stream id + secret); Prosody answers a wrong secret
 *   with stream error not-authorized, an unknown component name with
 *   host-unknown, and a second live instance with conflict.
 * - libstrophe does not reconnect by itself; calling
 *   xmpp_connect_component() again on the disconnected connection does.
 *   User handlers survive reconnects, so they are added once.
 * - xmpp_send() only queues; xmpp_run_once() flushes, waits in select(),
 *   reads and runs handlers.
 * - Component mode needs the COMPAT workaround in compat.c.
 * Routing: bridge IQs (urn:lobbyd:bridge:0) are accepted only from the
 * configured MUC host; presences and muc#admin IQs to room@our-domain are
 * the lobby MUC (muc.c); disco#info is answered; other requests get
 * service-unavailable. Results and errors addressed to us are ignored.
 */
#include "xmpp/stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <openssl/rand.h>

#include "base/log.h"
#include "xmpp/compat.h"
#include "xmpp/stanza.h"

struct stream {
    xmpp_ctx_t *ctx;
    xmpp_conn_t *conn;
    xmpp_log_t logger;
    struct stream_params p;
    struct stream_handlers h;
    struct stream_stats stats;
    bool connected;
    bool connecting;
    bool stopping;
    bool failing;               /* the last attempt failed: repeats log at DEBUG */
    uint64_t next_attempt_ms;
    unsigned backoff_ms;
    uint64_t next_id;           /* ids of the IQs we send */
    bool fresh;                 /* connected since stream_take_connect() */
};

#define PRESENT_ID "lobbyd-p-"  /* ids of <present/> checks */
#define EFFECT_ID "lobbyd-n-"   /* ids of requests lobbyd sends the bridge as effects */
#define COMMAND_ID "lobbyd-c-"  /* session ids of ad-hoc commands */

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void strophe_log(void *userdata, xmpp_log_level_t level, const char *area, const char *msg)
{
    const struct stream *s = userdata;

    /* libstrophe's DEBUG level writes every stanza ("SENT: …", "RECV: …"),
     * tokens included: only with debug_xmpp, documented as unsafe. Its
     * other messages are detail; the stream logic below says what happened
     * in words an operator can act on. */
    if (level < XMPP_LEVEL_WARN && !s->p.debug_xmpp)
        return;
    log_debug("xmpp: %s: %s", area, msg);
}

/* Nagle's algorithm would hold the second of two stanzas written for one
 * event until Prosody's delayed ACK (~40 ms) on every join and knock:
 * stanzas are small and latency is the point. Keepalive notices a peer
 * that vanished without closing. */
static int tune_socket(xmpp_conn_t *conn, void *sock)
{
    int fd = *(int *)sock;
    int one = 1;

    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
        log_warn("stream: cannot set TCP_NODELAY");
    return xmpp_sockopt_cb_keepalive(conn, sock);
}

static void schedule_retry(struct stream *s)
{
    unsigned char r = 0;
    unsigned jitter;

    if (s->backoff_ms == 0)
        s->backoff_ms = STREAM_BACKOFF_MIN_MS;
    if (RAND_bytes(&r, 1) != 1)
        r = 128;
    jitter = s->backoff_ms / 4 * r / 255;
    s->next_attempt_ms = now_ms() + s->backoff_ms + jitter;
    s->backoff_ms *= 2;
    if (s->backoff_ms > s->p.backoff_max_ms)
        s->backoff_ms = s->p.backoff_max_ms;
}

/* What Prosody's stream error means for the operator; 'buf' holds the
 * condition and text of errors without a known remedy. */
static const char *stream_error_advice(const xmpp_stream_error_t *se, char *buf, size_t bufsz)
{
    xmpp_stanza_t *c;
    const char *cond = NULL;

    if (se == NULL)
        return NULL;
    switch (se->type) {
    case XMPP_SE_NOT_AUTHORIZED:
        return "Prosody refused the handshake (not-authorized): the component secret does not "
               "match component_secret of this Component in Prosody's config";
    case XMPP_SE_HOST_UNKNOWN:
        return "Prosody has no external Component with this name (host-unknown): add it to "
               "Prosody's config or fix component_jid";
    case XMPP_SE_CONFLICT:
        return "another instance is connected as this component (conflict)";
    case XMPP_SE_SYSTEM_SHUTDOWN:
        return "Prosody is shutting down";
    default:
        break;
    }
    for (c = se->stanza != NULL ? xmpp_stanza_get_children(se->stanza) : NULL; c != NULL;
         c = xmpp_stanza_get_next(c)) {
        if (xmpp_stanza_is_tag(c) && strcmp(xmpp_stanza_get_name(c), "text") != 0) {
            cond = xmpp_stanza_get_name(c);
            break;
        }
    }
    snprintf(buf, bufsz, "Prosody closed the stream with an error (%s%s%s)",
             cond != NULL ? cond : "no condition", se->text != NULL ? ": " : "",
             se->text != NULL ? se->text : "");
    return buf;
}

static void on_conn_event(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
                          xmpp_stream_error_t *se, void *arg)
{
    struct stream *s = arg;
    char buf[512];
    const char *advice;

    (void)conn;
    s->connecting = false;
    if (event == XMPP_CONN_CONNECT) {
        s->connected = true;
        s->failing = false;
        s->backoff_ms = 0;
        s->stats.connects++;
        s->fresh = true;
        log_info("stream: connected to %s:%u as %s", s->p.host, s->p.port, s->p.jid);
        return;
    }
    if (s->stopping) {
        s->connected = false;
        return;
    }
    advice = stream_error_advice(se, buf, sizeof(buf));
    if (s->connected)
        log_warnx("stream: lost the connection to %s:%u: %s; reconnecting", s->p.host, s->p.port,
                  advice != NULL ? advice : error != 0 ? strerror(error) : "closed by Prosody");
    else if (!s->failing)
        log_warnx("stream: cannot connect to %s:%u as %s: %s; retrying with backoff up to %u ms",
                  s->p.host, s->p.port, s->p.jid,
                  advice != NULL ? advice : error != 0 ? strerror(error) : "closed by Prosody",
                  s->p.backoff_max_ms);
    else
        log_debug("stream: attempt to reach %s:%u failed again: %s", s->p.host, s->p.port,
                  advice != NULL ? advice : error != 0 ? strerror(error) : "closed");
    s->failing = !s->connected || advice != NULL;
    s->connected = false;
    schedule_retry(s);
}

static void send_release(struct stream *s, xmpp_stanza_t *st)
{
    compat_send(s->conn, st);
    xmpp_stanza_release(st);
}

static void send_effects(struct stream *s, const struct lobby_actions *a, xmpp_stanza_t *msg);

static void handle_join(struct stream *s, xmpp_stanza_t *iq, xmpp_stanza_t *join)
{
    struct bridge_join j;
    struct bridge_verdict v;
    const struct lobby_actions *effects = NULL;
    char why[BRIDGE_WHY_MAX], text[BRIDGE_VERDICT_TEXT_MAX];
    const char *from = xmpp_stanza_get_from(iq);
    const char *type = xmpp_stanza_get_type(iq);
    int len;

    if (from == NULL || strcmp(from, s->p.bridge_from) != 0) {
        s->stats.refused_requests++;
        log_warnx("bridge: refused a join request from %s: only %s may send bridge requests",
                  from != NULL ? from : "(no sender)", s->p.bridge_from);
        send_release(s, stanza_error_reply(iq, s->p.jid, "auth", "forbidden",
                                           "bridge requests are accepted only from the MUC host"));
        return;
    }
    if (type == NULL || strcmp(type, "get") != 0 || bridge_parse_join(join, &j, why) == -1) {
        if (type == NULL || strcmp(type, "get") != 0)
            snprintf(why, sizeof(why), "a join request must be an IQ of type get");
        s->stats.refused_requests++;
        log_warnx("bridge: malformed join request from %s: %s", from, why);
        send_release(s, stanza_error_reply(iq, s->p.jid, "modify", "bad-request", why));
        return;
    }
    memset(&v, 0, sizeof(v));
    s->h.on_join(s->h.arg, &j, &v, &effects);
    bridge_join_clear(&j);
    s->stats.joins++;
    /* The reply of every join: written as text, not built as a tree. */
    len = bridge_verdict_text(iq, s->p.jid, &v, text, sizeof(text));
    if (len > 0)
        xmpp_send_raw(s->conn, text, (size_t)len);
    else
        send_release(s, bridge_verdict_reply(iq, s->p.jid, &v));
    /* After the verdict: the join it lets in (a host opening the room) goes
     * first, then the guests it releases. */
    if (effects != NULL)
        send_effects(s, effects, NULL);
}

/* Send 'a'; RELAY effects pass on 'msg' (NULL: there is none to relay). */
static void send_effects(struct stream *s, const struct lobby_actions *a, xmpp_stanza_t *msg)
{
    char id[32];

    for (size_t i = 0; i < a->n; i++) {
        if (!s->connected) {
            s->stats.dropped++;
            continue;
        }
        if (a->v[i].kind == LOBBY_DO_RELAY) {
            if (msg != NULL)
                send_release(s, muc_relay(msg, &a->v[i]));
            continue;
        }
        snprintf(id, sizeof(id), EFFECT_ID "%llu", (unsigned long long)++s->next_id);
        send_release(s, muc_render_effect(s->ctx, &a->v[i], s->p.jid, s->p.bridge_from, id));
    }
}

void stream_send_effects(struct stream *s, const struct lobby_actions *a)
{
    send_effects(s, a, NULL);
}

/* Send the effects the handler produced, then the reply (or the refusal
 * when the handler returned -1). */
static void finish(struct stream *s, xmpp_stanza_t *req, int rc, int err,
                   const struct lobby_actions *effects, xmpp_stanza_t *reply)
{
    if (effects != NULL)
        stream_send_effects(s, effects);
    s->stats.events++;
    if (rc == 0) {
        if (reply != NULL)
            send_release(s, reply);
        return;
    }
    if (reply != NULL)
        xmpp_stanza_release(reply);
    if (strcmp(xmpp_stanza_get_name(req), "iq") == 0)
        send_release(s, stanza_error_reply(req, NULL, "auth", "forbidden",
                                           err == EPERM ? "only an owner of the room may do this"
                                                        : "lobbyd could not complete this"));
}

/* Why a moderation request was refused, as the moderator's client gets it. */
static xmpp_stanza_t *moderation_refusal(xmpp_stanza_t *iq, int err)
{
    switch (err) {
    case ENOENT:
        return stanza_error_reply(iq, NULL, "cancel", "item-not-found",
                                  "nobody in the meeting has that nick");
    case EINVAL:
        return stanza_error_reply(iq, NULL, "cancel", "not-allowed",
                                  "the lobby of this meeting is off");
    case EACCES:
        return stanza_error_reply(iq, NULL, "cancel", "not-allowed",
                                  "an owner or moderator cannot be sent to the lobby");
    case EPERM:
        return stanza_error_reply(iq, NULL, "auth", "forbidden",
                                  "only an owner of the room may do this");
    default:
        return stanza_error_reply(iq, NULL, "wait", "internal-server-error",
                                  "lobbyd could not complete this");
    }
}

static void handle_event(struct stream *s, xmpp_stanza_t *iq, xmpp_stanza_t *el)
{
    struct bridge_event ev;
    char why[BRIDGE_WHY_MAX];
    const char *from = xmpp_stanza_get_from(iq);
    const struct lobby_actions *effects = NULL;
    xmpp_stanza_t *reply;
    int rc, err;

    if (from == NULL || strcmp(from, s->p.bridge_from) != 0) {
        s->stats.refused_requests++;
        log_warnx("bridge: refused a <%s/> from %s: only %s may send bridge requests",
                  xmpp_stanza_get_name(el), from != NULL ? from : "(no sender)", s->p.bridge_from);
        send_release(s, stanza_error_reply(iq, s->p.jid, "auth", "forbidden", NULL));
        return;
    }
    rc = bridge_parse_event(el, &ev, why);
    if (rc != 0) {
        if (rc == 1)
            snprintf(why, sizeof(why), "unknown request <%s/>", xmpp_stanza_get_name(el));
        s->stats.refused_requests++;
        log_warnx("bridge: malformed request from %s: %s", from, why);
        send_release(s, stanza_error_reply(iq, s->p.jid, "modify", "bad-request", why));
        return;
    }
    errno = 0;
    rc = s->h.on_event(s->h.arg, &ev, &effects);
    err = errno;
    if (ev.kind == BRIDGE_EV_ADMIT)
        reply = bridge_admitted_reply(iq, s->p.jid, ev.invitees, ev.n_invitees);
    else
        reply = bridge_empty_reply(iq, s->p.jid);
    finish(s, iq, rc, err, effects, reply);
    bridge_event_clear(&ev);
}

/* A lobby-room request that cannot be parsed: say why, to the sender. */
static void refuse_malformed(struct stream *s, xmpp_stanza_t *st, const char *why)
{
    const char *type = xmpp_stanza_get_type(st);

    s->stats.refused_requests++;
    log_debug("muc: malformed %s from %s: %s", xmpp_stanza_get_name(st),
              xmpp_stanza_get_from(st) != NULL ? xmpp_stanza_get_from(st) : "?", why);
    if (type != NULL && strcmp(type, "error") == 0)
        return;
    send_release(s, stanza_error_reply(st, NULL, "modify", "bad-request", why));
}

/* <send-back/> and other lobbyd moderation requests to a lobby room. */
static void handle_moderation(struct stream *s, xmpp_stanza_t *iq)
{
    const struct lobby_actions *effects = NULL;
    struct muc_request rq;
    char why[MUC_WHY_MAX];
    int rc, err;

    if (muc_parse_moderation(iq, &rq, why) == -1) {
        refuse_malformed(s, iq, why);
        return;
    }
    errno = 0;
    rc = s->h.on_muc(s->h.arg, &rq, &effects);
    err = errno;
    if (rc != 0) {
        finish(s, iq, 0, 0, effects, moderation_refusal(iq, err));
        return;
    }
    finish(s, iq, rc, err, effects, bridge_empty_reply(iq, xmpp_stanza_get_to(iq)));
}

static void handle_muc_admin(struct stream *s, xmpp_stanza_t *iq)
{
    const struct lobby_actions *effects = NULL;
    struct muc_request rq;
    char why[MUC_WHY_MAX];
    int rc, err;

    if (muc_parse_admin(iq, &rq, why) == -1) {
        refuse_malformed(s, iq, why);
        return;
    }
    errno = 0;
    rc = s->h.on_muc(s->h.arg, &rq, &effects);
    err = errno;
    finish(s, iq, rc, err, effects, bridge_empty_reply(iq, xmpp_stanza_get_to(iq)));
}

/* A presence or message to a lobby room: parse with 'parse', let the
 * daemon decide, send the effects (RELAY effects pass 'st' on). A refused
 * message gets an error back; a refused presence has its refusal among
 * the effects already. */
static void handle_lobby_stanza(struct stream *s, xmpp_stanza_t *st,
                                int (*parse)(xmpp_stanza_t *, struct muc_request *, char *))
{
    const struct lobby_actions *effects = NULL;
    struct muc_request rq;
    char why[MUC_WHY_MAX];
    int rc, err;

    rc = parse(st, &rq, why);
    if (rc == 0)
        return;
    if (rc == -1) {
        refuse_malformed(s, st, why);
        return;
    }
    errno = 0;
    rc = s->h.on_muc(s->h.arg, &rq, &effects);
    err = errno;
    s->stats.events++;
    if (effects != NULL)
        send_effects(s, effects, st);
    if (rc == 0 || rq.kind != MUC_REQ_MESSAGE)
        return;
    /* Not an occupant, not allowed to reach that one (knockers never reach
     * each other), or nobody has that nick. */
    if (err == ENOENT)
        send_release(s, stanza_error_reply(st, NULL, "cancel", "item-not-found", NULL));
    else
        send_release(s, stanza_error_reply(st, NULL, "modify", "not-acceptable",
                                           "You are not in the lobby room, or may not "
                                           "message this occupant"));
}

static int on_presence(xmpp_conn_t *conn, xmpp_stanza_t *p, void *arg)
{
    (void)conn;
    handle_lobby_stanza(arg, p, muc_parse_presence);
    return 1;
}

static int on_message(xmpp_conn_t *conn, xmpp_stanza_t *msg, void *arg)
{
    (void)conn;
    handle_lobby_stanza(arg, msg, muc_parse_message);
    return 1;
}

struct gone_walk {
    struct stream *s;
    int n;
};

static int report_gone(void *arg, const struct bridge_session *ses)
{
    struct gone_walk *g = arg;
    const struct lobby_actions *effects = NULL;

    g->n++;
    if (g->s->h.on_gone(g->s->h.arg, ses, &effects) == 0 && effects != NULL)
        stream_send_effects(g->s, effects);
    return 0;
}

/* The bridge's answer to a <present/> check (§3.2). */
static void handle_present_answer(struct stream *s, xmpp_stanza_t *iq, const char *type)
{
    struct gone_walk g = { .s = s, .n = 0 };
    char why[BRIDGE_WHY_MAX];
    const char *from = xmpp_stanza_get_from(iq);
    xmpp_stanza_t *el;
    int n;

    if (from == NULL || strcmp(from, s->p.bridge_from) != 0)
        return;
    if (strcmp(type, "error") == 0) {
        log_warnx("bridge: refused the check of who is still present (%s); sessions that "
                  "left while lobbyd was away stay listed: is prosody-config as new as lobbyd?",
                  stanza_error_condition(iq));
        return;
    }
    el = stanza_child(iq, "present", BRIDGE_NS);
    n = el != NULL ? bridge_parse_present(el, report_gone, &g, why) : -1;
    if (el == NULL)
        snprintf(why, sizeof(why), "no <present/> in the answer");
    if (n == -1)
        log_warnx("bridge: malformed answer to the check of who is still present: %s", why);
    else
        log_info("stream: checked %d sessions with the bridge: %d gone while lobbyd was away",
                 n, g.n);
}

/* disco#info of the lobby domain or a lobby room. Only the domain's node
 * "lobbyrooms" depends on who asks (docs/bridge-protocol.md §4). */
static void handle_disco(struct stream *s, xmpp_stanza_t *iq, xmpp_stanza_t *query)
{
    const char *node = xmpp_stanza_get_attribute(query, "node");
    const char *to = xmpp_stanza_get_to(iq);
    const char *from = xmpp_stanza_get_from(iq);
    struct bridge_disco d;
    char why[BRIDGE_WHY_MAX];
    bool ask = false;
    int rc;

    if (node != NULL && strcmp(node, "lobbyrooms") == 0 && from != NULL && to != NULL &&
        strcmp(to, s->p.jid) == 0) {
        rc = bridge_parse_disco(query, &d, why);
        if (rc == -1)
            log_info("disco: ignored the session facts in the query of %s: %s", from, why);
        ask = s->h.asks_display_name(s->h.arg, from, rc == 0 ? &d : NULL);
        bridge_disco_clear(&d);
    }
    send_release(s, muc_disco_reply(iq, s->p.jid, ask));
}

/* XEP-0050 on lobbyd's own JID: the list of commands, and running one. */
static void handle_command_list(struct stream *s, xmpp_stanza_t *iq)
{
    const struct adhoc_item *items = NULL;
    const char *from = xmpp_stanza_get_from(iq);
    size_t n = from != NULL ? s->h.commands_for(s->h.arg, from, &items) : 0;

    send_release(s, adhoc_items_reply(iq, s->p.jid, items, n));
}

static void handle_command(struct stream *s, xmpp_stanza_t *iq)
{
    const struct lobby_actions *effects = NULL;
    struct adhoc_request rq;
    struct adhoc_reply reply;
    char why[ADHOC_WHY_MAX], session[40];

    if (adhoc_parse(iq, &rq, why) == -1) {
        refuse_malformed(s, iq, why);
        return;
    }
    memset(&reply, 0, sizeof(reply));
    s->h.on_command(s->h.arg, &rq, &reply, &effects);
    if (effects != NULL)
        stream_send_effects(s, effects);
    s->stats.events++;
    if (rq.sessionid != NULL)
        snprintf(session, sizeof(session), "%.39s", rq.sessionid);
    else
        snprintf(session, sizeof(session), COMMAND_ID "%llu", (unsigned long long)++s->next_id);
    send_release(s, adhoc_render(iq, s->p.jid, &rq, &reply, session));
}

static bool to_self(const struct stream *s, xmpp_stanza_t *iq)
{
    const char *to = xmpp_stanza_get_to(iq);

    return to != NULL && strcmp(to, s->p.jid) == 0;
}

static int on_iq(xmpp_conn_t *conn, xmpp_stanza_t *iq, void *arg)
{
    struct stream *s = arg;
    const char *type = xmpp_stanza_get_type(iq);
    const char *id = xmpp_stanza_get_id(iq);
    xmpp_stanza_t *child;

    (void)conn;
    if (type != NULL && (strcmp(type, "result") == 0 || strcmp(type, "error") == 0) &&
        id != NULL && strncmp(id, PRESENT_ID, strlen(PRESENT_ID)) == 0) {
        handle_present_answer(s, iq, type);
        return 1;
    }
    if (type != NULL && strcmp(type, "error") == 0 && id != NULL &&
        strncmp(id, EFFECT_ID, strlen(EFFECT_ID)) == 0) {
        log_warnx("bridge: refused request %s (%s); item-not-found: the occupant had gone, "
                  "service-unavailable: prosody-config is older than lobbyd", id,
                  stanza_error_condition(iq));
        return 1;
    }
    if (type == NULL || strcmp(type, "result") == 0 || strcmp(type, "error") == 0)
        return 1;
    child = stanza_child(iq, "join", BRIDGE_NS);
    if (child != NULL) {
        handle_join(s, iq, child);
        return 1;
    }
    child = stanza_child(iq, NULL, BRIDGE_NS);
    if (child != NULL && strcmp(type, "set") == 0) {
        handle_event(s, iq, child);
        return 1;
    }
    if (strcmp(type, "set") == 0 && to_self(s, iq) && stanza_child(iq, "command", ADHOC_NS)) {
        handle_command(s, iq);
        return 1;
    }
    child = stanza_child(iq, "query", "http://jabber.org/protocol/disco#items");
    if (child != NULL && strcmp(type, "get") == 0 && to_self(s, iq)) {
        const char *node = xmpp_stanza_get_attribute(child, "node");

        if (node != NULL && strcmp(node, ADHOC_NS) == 0) {
            handle_command_list(s, iq);
            return 1;
        }
    }
    child = stanza_child(iq, "query", "http://jabber.org/protocol/disco#info");
    if (child != NULL && strcmp(type, "get") == 0) {
        handle_disco(s, iq, child);
        return 1;
    }
    if (strcmp(type, "set") == 0 && stanza_child(iq, NULL, MUC_NS_MODERATION) != NULL) {
        handle_moderation(s, iq);
        return 1;
    }
    if (strcmp(type, "set") == 0 && stanza_child(iq, "query", "http://jabber.org/protocol/muc#admin")) {
        handle_muc_admin(s, iq);
        return 1;
    }
    if (strcmp(type, "get") == 0 || strcmp(type, "set") == 0)
        send_release(s, stanza_error_reply(iq, NULL, "cancel", "service-unavailable", NULL));
    return 1;
}

struct stream *stream_new(const struct stream_params *p, const struct stream_handlers *h)
{
    struct stream *s = xcalloc(1, sizeof(*s));

    s->p = *p;
    s->p.jid = xstrdup(p->jid);
    s->p.host = xstrdup(p->host);
    s->p.bridge_from = xstrdup(p->bridge_from);
    s->h = *h;
    s->logger.handler = strophe_log;
    s->logger.userdata = s;
    xmpp_initialize();
    s->ctx = xmpp_ctx_new(NULL, &s->logger);
    if (s->ctx == NULL)
        goto fail;
    s->conn = xmpp_conn_new(s->ctx);
    if (s->conn == NULL)
        goto fail;
    xmpp_conn_set_jid(s->conn, s->p.jid);
    xmpp_conn_set_pass(s->conn, s->p.secret);
    xmpp_conn_set_sockopt_callback(s->conn, tune_socket);
    if (compat_component_sm_state(s->ctx, s->conn) == -1)
        goto fail;
    compat_quiet_receive(!s->p.debug_xmpp);
    xmpp_handler_add(s->conn, on_iq, NULL, "iq", NULL, s);
    xmpp_handler_add(s->conn, on_presence, NULL, "presence", NULL, s);
    xmpp_handler_add(s->conn, on_message, NULL, "message", NULL, s);
    return s;
fail:
    log_errorx("stream: cannot set up libstrophe");
    stream_free(s);
    return NULL;
}

void stream_free(struct stream *s)
{
    if (s == NULL)
        return;
    if (s->conn != NULL)
        xmpp_conn_release(s->conn);
    if (s->ctx != NULL)
        xmpp_ctx_free(s->ctx);
    xmpp_shutdown();
    free((char *)s->p.jid);
    free((char *)s->p.host);
    free((char *)s->p.bridge_from);
    free(s);
}

static void try_connect(struct stream *s)
{
    int rc;

    s->connecting = true;
    rc = xmpp_connect_component(s->conn, s->p.host, (unsigned short)s->p.port, on_conn_event, s);
    if (rc != XMPP_EOK) {
        s->connecting = false;
        if (!s->failing)
            log_warnx("stream: cannot start a connection to %s:%u (libstrophe error %d); retrying",
                      s->p.host, s->p.port, rc);
        s->failing = true;
        schedule_retry(s);
    }
}

void stream_run_once(struct stream *s, unsigned timeout_ms)
{
    if (!s->connected && !s->connecting && !s->stopping && now_ms() >= s->next_attempt_ms)
        try_connect(s);
    if (!s->connected && !s->connecting) {
        uint64_t now = now_ms();

        if (s->next_attempt_ms > now && s->next_attempt_ms - now < timeout_ms)
            timeout_ms = (unsigned)(s->next_attempt_ms - now);
    }
    xmpp_run_once(s->ctx, timeout_ms);
}

bool stream_take_connect(struct stream *s)
{
    bool fresh = s->fresh && s->connected;

    s->fresh = false;
    return fresh;
}

void stream_ask_present(struct stream *s, const struct bridge_session *v, size_t n)
{
    char id[32];
    size_t k;

    for (size_t i = 0; i < n && s->connected; i += k) {
        k = n - i < BRIDGE_PRESENT_BATCH ? n - i : BRIDGE_PRESENT_BATCH;
        snprintf(id, sizeof(id), PRESENT_ID "%llu", (unsigned long long)++s->next_id);
        send_release(s, bridge_present_request(s->ctx, s->p.jid, s->p.bridge_from, id, v + i, k));
    }
}

bool stream_is_connected(const struct stream *s)
{
    return s->connected;
}

void stream_shutdown(struct stream *s, unsigned max_ms)
{
    uint64_t deadline = now_ms() + max_ms;

    s->stopping = true;
    if (!s->connected && !s->connecting)
        return;
    xmpp_disconnect(s->conn);
    while ((s->connected || s->connecting) && now_ms() < deadline)
        xmpp_run_once(s->ctx, 50);
}

void stream_get_stats(const struct stream *s, struct stream_stats *out)
{
    *out = s->stats;
}
