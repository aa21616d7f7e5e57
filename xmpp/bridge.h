/*
 * bridge.h: the urn:lobbyd:bridge:0 protocol between the Prosody bridge
 * module and lobbyd, as documented in docs/bridge-protocol.md.
 *
 * Parsing turns a stanza into plain C (struct bridge_join) so the daemon
 * never sees libstrophe types; rendering turns a plain verdict back into a
 * stanza. Both are pure: no I/O, no logging.
 */
#ifndef LOBBYD_XMPP_BRIDGE_H
#define LOBBYD_XMPP_BRIDGE_H

#include <stdbool.h>
#include <stddef.h>

#include <strophe.h>

#include "lobby/event.h"

#define BRIDGE_NS "urn:lobbyd:bridge:0"
#define BRIDGE_JID_MAX 3071             /* RFC 7622: three parts of 1023 bytes */
#define BRIDGE_NICK_MAX 1023
#define BRIDGE_NODE_MAX 1023             /* a JID's local part */
#define BRIDGE_NAME_MAX 1024            /* display name, bytes */
#define BRIDGE_TOKEN_MAX 16384          /* transport bound: twice what jwt/ accepts, so an
                                           oversized token is refused there with a reason */
#define BRIDGE_SESSION_MAX 128
#define BRIDGE_WHY_MAX 200
#define BRIDGE_IP_MAX (LOBBY_IP_MAX - 1) /* an IPv6 address with a zone fits */

/* One pre-join, as reported by the bridge. Every string is owned by the
 * struct and freed by bridge_join_clear(). Optional ones may be NULL. */
struct bridge_join {
    char *room;                 /* bare main-room JID */
    char *nick;
    char *jid;                  /* full real JID */
    char *session;
    char *affiliation;          /* "owner", "admin", "member", "none", "outcast" */
    char *password;             /* "none", "ok", "wrong", "missing" */
    char *display_name;         /* NULL: none given */
    char *token;                /* NULL: no token */
    size_t token_len;
    char *ip;                   /* the client's address, NULL: not reported */
    bool room_exists;
    bool members_only;
};

/* What lobbyd answers; every pointer is borrowed for the call. */
struct bridge_verdict {
    const char *action;         /* "allow", "lobby", "displayname", "deny" */
    const char *affiliation;    /* allow: affiliation to grant, NULL: none */
    const char *rule;           /* the policy rule that fired */
    const char *lobby;          /* lobby: the lobby room JID */
    const char *error_type;     /* deny: e.g. "cancel"; NULL: bridge default */
    const char *error_condition;/* deny: e.g. "not-allowed" */
    const char *text;           /* reason shown to the user, NULL: none */
    bool supply_password;       /* allow: put the room password into the join */
    const char *ask;            /* which later joins to ask about; NULL: every one */
    const char *set_lobby;      /* allow: "on"/"off": switch the room's lobby first; NULL: no */
    const char *room_ask;       /* "every-join": and every join into this room; "default": no
                                   more than 'ask' says; NULL: not said */
};

/*
 * Parse the <join xmlns=BRIDGE_NS/> element 'join'. On success fills 'out'
 * (cleared on entry) and returns 0; on malformed input returns -1 with the
 * reason in 'why' (size BRIDGE_WHY_MAX) and leaves 'out' empty.
 */
int bridge_parse_join(xmpp_stanza_t *join, struct bridge_join *out, char *why);

/* Free what 'j' holds and zero it. Cannot fail. */
void bridge_join_clear(struct bridge_join *j);

/*
 * Build the result IQ answering the request 'req' (from/to swapped, same
 * id) with 'from' as its sender, carrying 'v'. Returns a new stanza the
 * caller releases. Cannot fail.
 */
xmpp_stanza_t *bridge_verdict_reply(xmpp_stanza_t *req, const char *from,
                                    const struct bridge_verdict *v);

/*
 * The same reply as bridge_verdict_reply(), written as XML text into 'buf'
 * ('size' bytes, NUL added) without building a stanza tree: the hot path of
 * every join.  'req' is the request (its id and from are used).  Returns
 * the length, or -1 when it does not fit (use bridge_verdict_reply() then).
 */
int bridge_verdict_text(xmpp_stanza_t *req, const char *from,
                        const struct bridge_verdict *v, char *buf, size_t size);

/* A buffer bridge_verdict_text() nearly always fits in. */
#define BRIDGE_VERDICT_TEXT_MAX 2048

/*
 * The facts of the session behind a client's disco#info query of the lobby
 * domain (node "lobbyrooms"), which the bridge adds to the query as
 * <session xmlns=BRIDGE_NS room='node'><token/></session>
 * (docs/bridge-protocol.md §4). Owned strings, freed by
 * bridge_disco_clear(); NULL when absent.
 */
struct bridge_disco {
    char *room;                 /* node of the room named on the connection URL */
    char *token;
    size_t token_len;
};

/*
 * Parse the <session/> child of the disco#info <query/> 'query'. Returns 1
 * when there is none (the query came from a host without the bridge), 0
 * with 'out' filled, or -1 with the reason in 'why' (size BRIDGE_WHY_MAX)
 * and 'out' empty. 'out' is cleared on entry.
 */
int bridge_parse_disco(xmpp_stanza_t *query, struct bridge_disco *out, char *why);

/* Free what 'd' holds (wiping the token) and zero it. Cannot fail. */
void bridge_disco_clear(struct bridge_disco *d);

#define BRIDGE_MAX_INVITEES 10000     /* "admit all" of a full lobby in one message */

enum bridge_event_kind {
    BRIDGE_EV_OCCUPANT,         /* <occupant/>: joined, left, affiliation changed */
    BRIDGE_EV_LOBBY,            /* <lobby/>: switched on or off */
    BRIDGE_EV_ADMIT,            /* <admit/>: invitations from a moderator */
    BRIDGE_EV_DESTROYED,        /* <destroyed/>: main room gone */
};

/* A main-room event (docs/bridge-protocol.md §2). Strings are owned and
 * freed by bridge_event_clear(); unused ones are NULL. */
struct bridge_event {
    enum bridge_event_kind kind;
    char *room;
    char *jid;                  /* OCCUPANT */
    char *nick;                 /* OCCUPANT */
    char *event;                /* OCCUPANT: "joined", "left", "affiliation" */
    char *affiliation;          /* OCCUPANT */
    bool removed;               /* OCCUPANT left: kicked, or the room went away */
    char *actor;                /* LOBBY, ADMIT: full real JID of the moderator */
    bool enabled;               /* LOBBY */
    char **invitees;            /* ADMIT, at most BRIDGE_MAX_INVITEES */
    size_t n_invitees;
};

/*
 * Parse a bridge event element ('el' is the <occupant/>, <lobby/>,
 * <admit/> or <destroyed/> child of the IQ). Returns 0 with 'out' filled,
 * 1 when 'el' is not an event element, or -1 with a reason in 'why'.
 */
int bridge_parse_event(xmpp_stanza_t *el, struct bridge_event *out, char *why);

/* Free what 'ev' holds and zero it. Cannot fail. */
void bridge_event_clear(struct bridge_event *ev);

/* The result for an <admit/> request: <admitted/> listing 'jids'. Returns a
 * new stanza the caller releases. Cannot fail. */
xmpp_stanza_t *bridge_admitted_reply(xmpp_stanza_t *req, const char *from,
                                     char *const *jids, size_t n);

/* An empty result for 'req'. Returns a new stanza. Cannot fail. */
xmpp_stanza_t *bridge_empty_reply(xmpp_stanza_t *req, const char *from);

/*
 * §3.2 sessions lobbyd believes present, asked about after every (re)connect
 * (leaves that happened while the stream was down never reached lobbyd).
 * 'in' is a lobby-room occupant JID (room@lobby/nick) or a main room's
 * bare JID.
 */
struct bridge_session {
    const char *jid;            /* full real JID */
    const char *in;
};

#define BRIDGE_PRESENT_BATCH 256      /* sessions per <present/> request */

/* The request: an IQ get from 'from' to 'to' with id 'id', asking about
 * 'v[0..n)'. Returns a new stanza the caller releases. Cannot fail. */
xmpp_stanza_t *bridge_present_request(xmpp_ctx_t *ctx, const char *from, const char *to,
                                      const char *id, const struct bridge_session *v, size_t n);

/*
 * Read the answer's <present/>: 'gone' is called for each session the
 * bridge reports absent (strings borrowed from 'el' for the call); a
 * nonzero return stops the walk. Returns the number of sessions the answer
 * lists, or -1 with a reason in 'why' when it is malformed (sessions
 * before the malformed one have been reported).
 */
int bridge_parse_present(xmpp_stanza_t *el, int (*gone)(void *arg, const struct bridge_session *),
                         void *arg, char *why);

#endif
