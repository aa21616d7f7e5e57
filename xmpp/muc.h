/*
 * muc.h: the lobby MUC that lobbyd serves on its own domain (a subset of
 * XEP-0045): parse what clients send to lobby rooms into plain requests,
 * and render the lobby module's effects (lobby/event.h) as stanzas.
 *
 * Pure: no I/O, no logging, no policy. Who may do what is decided in lobby/.
 */
#ifndef LOBBYD_XMPP_MUC_H
#define LOBBYD_XMPP_MUC_H

#include <stdbool.h>

#include <strophe.h>

#include "lobby/event.h"

#define MUC_WHY_MAX 200

enum muc_request_kind {
    MUC_REQ_JOIN,               /* available presence with the MUC <x/>: a knock */
    MUC_REQ_UPDATE,             /* available presence without it: a presence update */
    MUC_REQ_LEAVE,              /* unavailable presence */
    MUC_REQ_KICK,               /* muc#admin item role='none' by nick: the deny */
    MUC_REQ_MESSAGE,            /* lobby chat: to the room (nick "") or to one occupant */
    MUC_REQ_SEND_BACK,          /* <send-back xmlns=MUC_NS_MODERATION nick=…/>: a moderator
                                   sends main-room occupant 'nick' back to the lobby */
};

/* lobbyd's own moderation requests to a lobby room (docs/bridge-protocol.md §5). */
#define MUC_NS_MODERATION "urn:lobbyd:moderation:0"

/* What lobbyd vouches for in a knocker's lobby-room presence
 * (docs/bridge-protocol.md §6): <knocker-identity xmlns=MUC_NS_IDENTITY/>. */
#define MUC_NS_IDENTITY "urn:lobbyd:identity:0"
#define MUC_IDENTITY_ELEMENT "knocker-identity"

/* One client request to a lobby room. Strings point into 'buf' fields and
 * live as long as the struct. */
struct muc_request {
    enum muc_request_kind kind;
    char lobby_room[LOBBY_JID_MAX];     /* bare lobby-room JID */
    char nick[LOBBY_NICK_MAX];          /* the sender's nick (JOIN/UPDATE/LEAVE) or the target
                                           (KICK; SEND_BACK: its nick in the main room) */
    char real_jid[LOBBY_JID_MAX];       /* full real JID of the sender */
    char display_name[LOBBY_NAME_MAX];  /* "" when none */
    char email[LOBBY_EMAIL_MAX];        /* "" when none */
    char reason[LOBBY_TEXT_MAX];        /* KICK: reason, "" when none */
};

/*
 * Parse a presence addressed to a lobby room (room@lobby_domain/nick).
 * Returns 1 with 'out' filled, 0 when the presence needs no action (an
 * error or subscription presence), or -1 with a reason in 'why' (size
 * MUC_WHY_MAX) when it is malformed.
 */
int muc_parse_presence(xmpp_stanza_t *presence, struct muc_request *out, char *why);

/*
 * Parse an IQ set with <query xmlns='http://jabber.org/protocol/muc#admin'>
 * addressed to a lobby room. Only a kick (one item with nick and
 * role='none') is understood. Returns 1 with 'out' filled, or -1 with a
 * reason in 'why'.
 */
int muc_parse_admin(xmpp_stanza_t *iq, struct muc_request *out, char *why);

/*
 * Parse an IQ set with <send-back xmlns=MUC_NS_MODERATION nick='N'/>
 * addressed to a bare lobby room: the sender asks that the main room's
 * occupant N go back to the lobby. Returns 1 with 'out' filled, or -1 with
 * a reason in 'why'.
 */
int muc_parse_moderation(xmpp_stanza_t *iq, struct muc_request *out, char *why);

/*
 * Parse a message addressed to a lobby room (groupchat) or to one of its
 * occupants (private). Returns 1 with 'out' filled, 0 for an error message
 * (no action), or -1 with a reason in 'why'.
 */
int muc_parse_message(xmpp_stanza_t *msg, struct muc_request *out, char *why);

/*
 * A copy of message 'msg' passed on to 'e->to' from 'e->room'/'e->nick'
 * (a RELAY effect). Returns a new stanza the caller releases. Cannot fail.
 */
xmpp_stanza_t *muc_relay(xmpp_stanza_t *msg, const struct lobby_effect *e);

/*
 * Render one effect as the stanza to send, from a lobby room, or for
 * NOTIFY_MAIN an IQ from 'self' (the component JID) to 'bridge_to' (the MUC
 * host) with id 'id'. Every stanza carries a 'from' in the lobby domain:
 * Prosody 13 closes the stream on one without. RELAY effects need the
 * message they relay: use muc_relay(). Returns a new stanza the caller
 * releases. Cannot fail.
 */
xmpp_stanza_t *muc_render_effect(xmpp_ctx_t *ctx, const struct lobby_effect *e, const char *self,
                                 const char *bridge_to, const char *id);

/*
 * Answer disco#info 'iq' sent to the lobby domain or to a lobby room.
 * 'displayname_required' adds the #displayname_required feature to the
 * node "lobbyrooms" answer. Returns a new stanza the caller releases.
 * Cannot fail.
 */
xmpp_stanza_t *muc_disco_reply(xmpp_stanza_t *iq, const char *from, bool displayname_required);

/*
 * Write the lobby-notify JSON for a NOTIFY_MAIN effect into 'out'
 * (size 'outsz'). Returns 0, or -1 when it does not fit.
 */
int muc_notify_json(const struct lobby_effect *e, char *out, size_t outsz);

#endif
