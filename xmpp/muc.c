/*
 * muc.c: lobby rooms on the wire (XEP-0045 subset, as Jitsi clients use it).
 *
 * In (client -> lobby room):
 *   <presence to='room@lobby/nick'><x xmlns='…/muc'/><nick xmlns='…/nick'>Name</nick></presence>
 *       a knock; a later presence without <x/> carries <email>…</email>
 *   <presence type='unavailable' to='room@lobby/nick'/>    leaving
 *   <iq type='set'><query xmlns='…/muc#admin'><item nick='n' role='none'><reason/></item></query></iq>
 *       a moderator's deny
 *   <message type='groupchat' to='room@lobby'> / <message type='chat' to='room@lobby/nick'>
 *       lobby chat (json-message payloads), passed on as they are
 * Out (what the lobby module decided, lobby/event.h):
 *   self-presence     status 100 (real JIDs are shown) and 110; item owner/moderator for a
 *                     moderator, none/participant for a knocker, jid = the occupant's own JID
 *   knocker presence  to moderators only: <nick/>, <email/>, item none/participant jid=real JID;
 *                     <nick/> and <email/> are its token's (verified) ones where it has them,
 *                     and <knocker-identity xmlns='urn:lobbyd:identity:0' verified='token'
 *                     name=… email=…/> (or verified='none') says which; the knocker's echo too.
 *                     Built from lobby state only: nothing a client puts in its own presence
 *                     is passed on, so a forged element never reaches anyone
 *   gone              unavailable, item none/none (+110 to the leaver)
 *   kick (deny)       unavailable, status 307 (+110 to the knocker), item with <actor nick/> and <reason/>
 *   destroy           unavailable, item none/none, <destroy [jid=main room]><reason/></destroy>, 110
 *   refusal           presence error: cancel/not-allowed "Room creation is restricted" when the
 *                     main room has no lobby, cancel/conflict, wait/service-unavailable (full) …
 *   notification      an IQ to the bridge carrying the lobby-notify JSON (docs/bridge-protocol.md §3)
 *   chat              the sender's message, from room@lobby/<sender nick>, to each recipient
 * Who sees whom is decided in lobby/: knockers see only themselves, moderators see every knocker
 * with its real JID (clients ignore occupants without one), knockers never see moderators.
 */
#include "xmpp/muc.h"

#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "xmpp/bridge.h"
#include "xmpp/stanza.h"

#define NS_MUC "http://jabber.org/protocol/muc"
#define NS_MUC_USER "http://jabber.org/protocol/muc#user"
#define NS_MUC_ADMIN "http://jabber.org/protocol/muc#admin"
#define NS_NICK "http://jabber.org/protocol/nick"
#define NS_DISCO_INFO "http://jabber.org/protocol/disco#info"
#define FEATURE_DISPLAYNAME "http://jitsi.org/protocol/lobbyrooms#displayname_required"
#define MUC_NOTIFY_JSON_MAX 2048

/* Copy 's' into 'out' if it fits; else fail with 'what' in 'why'. */
static int copy_bounded(const char *s, char *out, size_t outsz, const char *what, char *why)
{
    size_t len = strlen(s);

    if (len >= outsz) {
        snprintf(why, MUC_WHY_MAX, "%s is %zu bytes, more than %zu", what, len, outsz - 1);
        return -1;
    }
    memcpy(out, s, len + 1);
    return 0;
}

/* Split 'to' (room@domain/nick) into the bare room and the nick. */
static int split_occupant(const char *to, struct muc_request *out, char *why)
{
    const char *slash = to != NULL ? strchr(to, '/') : NULL;
    size_t blen;

    if (to == NULL || strchr(to, '@') == NULL || slash == NULL || slash[1] == '\0') {
        snprintf(why, MUC_WHY_MAX, "not addressed to room@domain/nick");
        return -1;
    }
    blen = (size_t)(slash - to);
    if (blen >= sizeof(out->lobby_room)) {
        snprintf(why, MUC_WHY_MAX, "room JID too long");
        return -1;
    }
    memcpy(out->lobby_room, to, blen);
    out->lobby_room[blen] = '\0';
    return copy_bounded(slash + 1, out->nick, sizeof(out->nick), "nick", why);
}

/* Text of the first child named 'name' (any namespace when ns is NULL). */
static int child_text(xmpp_stanza_t *st, const char *name, const char *ns, char *out,
                      size_t outsz, char *why)
{
    xmpp_stanza_t *c = stanza_child(st, name, ns);
    char *t;
    int r = 0;

    out[0] = '\0';
    if (c == NULL)
        return 0;
    t = xmpp_stanza_get_text(c);
    if (t == NULL)
        return 0;
    r = copy_bounded(t, out, outsz, name, why);
    xmpp_free(xmpp_stanza_get_context(st), t);
    return r;
}

int muc_parse_presence(xmpp_stanza_t *p, struct muc_request *out, char *why)
{
    const char *type = xmpp_stanza_get_type(p);
    const char *from = xmpp_stanza_get_from(p);

    memset(out, 0, sizeof(*out));
    why[0] = '\0';
    if (type != NULL && strcmp(type, "unavailable") != 0)
        return 0;
    if (from == NULL || strchr(from, '/') == NULL) {
        snprintf(why, MUC_WHY_MAX, "presence without a full sender JID");
        return -1;
    }
    if (copy_bounded(from, out->real_jid, sizeof(out->real_jid), "sender JID", why) == -1 ||
        split_occupant(xmpp_stanza_get_to(p), out, why) == -1)
        return -1;
    if (type != NULL) {
        out->kind = MUC_REQ_LEAVE;
        return 1;
    }
    out->kind = stanza_child(p, "x", NS_MUC) != NULL ? MUC_REQ_JOIN : MUC_REQ_UPDATE;
    if (child_text(p, "nick", NS_NICK, out->display_name, sizeof(out->display_name), why) == -1 ||
        child_text(p, "email", NULL, out->email, sizeof(out->email), why) == -1)
        return -1;
    return 1;
}

int muc_parse_admin(xmpp_stanza_t *iq, struct muc_request *out, char *why)
{
    xmpp_stanza_t *q = stanza_child(iq, "query", NS_MUC_ADMIN);
    xmpp_stanza_t *item = q != NULL ? stanza_child(q, "item", NULL) : NULL;
    const char *from = xmpp_stanza_get_from(iq);
    const char *to = xmpp_stanza_get_to(iq);
    const char *nick, *role;

    memset(out, 0, sizeof(*out));
    why[0] = '\0';
    if (item == NULL) {
        snprintf(why, MUC_WHY_MAX, "muc#admin query without an item");
        return -1;
    }
    nick = xmpp_stanza_get_attribute(item, "nick");
    role = xmpp_stanza_get_attribute(item, "role");
    if (nick == NULL || role == NULL || strcmp(role, "none") != 0) {
        snprintf(why, MUC_WHY_MAX, "only kicking a lobby occupant by nick (role='none') is supported");
        return -1;
    }
    if (from == NULL || to == NULL || strchr(to, '/') != NULL || strchr(to, '@') == NULL) {
        snprintf(why, MUC_WHY_MAX, "a kick must be sent to the bare lobby room JID");
        return -1;
    }
    out->kind = MUC_REQ_KICK;
    if (copy_bounded(from, out->real_jid, sizeof(out->real_jid), "sender JID", why) == -1 ||
        copy_bounded(to, out->lobby_room, sizeof(out->lobby_room), "room JID", why) == -1 ||
        copy_bounded(nick, out->nick, sizeof(out->nick), "nick", why) == -1 ||
        child_text(item, "reason", NULL, out->reason, sizeof(out->reason), why) == -1)
        return -1;
    return 1;
}

int muc_parse_moderation(xmpp_stanza_t *iq, struct muc_request *out, char *why)
{
    xmpp_stanza_t *req = stanza_child(iq, "send-back", MUC_NS_MODERATION);
    const char *from = xmpp_stanza_get_from(iq);
    const char *to = xmpp_stanza_get_to(iq);
    const char *nick = req != NULL ? xmpp_stanza_get_attribute(req, "nick") : NULL;

    memset(out, 0, sizeof(*out));
    why[0] = '\0';
    if (req == NULL) {
        snprintf(why, MUC_WHY_MAX, "the only moderation request is <send-back/>");
        return -1;
    }
    if (nick == NULL || nick[0] == '\0') {
        snprintf(why, MUC_WHY_MAX, "<send-back/> needs the nick of the participant");
        return -1;
    }
    if (from == NULL || strchr(from, '/') == NULL || to == NULL || strchr(to, '/') != NULL ||
        strchr(to, '@') == NULL) {
        snprintf(why, MUC_WHY_MAX, "a send-back must come from a client and go to the bare lobby "
                                   "room JID");
        return -1;
    }
    out->kind = MUC_REQ_SEND_BACK;
    if (copy_bounded(from, out->real_jid, sizeof(out->real_jid), "sender JID", why) == -1 ||
        copy_bounded(to, out->lobby_room, sizeof(out->lobby_room), "room JID", why) == -1 ||
        copy_bounded(nick, out->nick, sizeof(out->nick), "nick", why) == -1)
        return -1;
    return 1;
}

int muc_parse_message(xmpp_stanza_t *msg, struct muc_request *out, char *why)
{
    const char *type = xmpp_stanza_get_type(msg);
    const char *from = xmpp_stanza_get_from(msg);
    const char *to = xmpp_stanza_get_to(msg);

    memset(out, 0, sizeof(*out));
    why[0] = '\0';
    if (type != NULL && strcmp(type, "error") == 0)
        return 0;
    if (from == NULL || strchr(from, '/') == NULL) {
        snprintf(why, MUC_WHY_MAX, "message without a full sender JID");
        return -1;
    }
    if (to == NULL || strchr(to, '@') == NULL) {
        snprintf(why, MUC_WHY_MAX, "not addressed to a lobby room");
        return -1;
    }
    out->kind = MUC_REQ_MESSAGE;
    if (copy_bounded(from, out->real_jid, sizeof(out->real_jid), "sender JID", why) == -1)
        return -1;
    if (strchr(to, '/') == NULL)
        return copy_bounded(to, out->lobby_room, sizeof(out->lobby_room), "room JID", why) == -1
                   ? -1 : 1;
    return split_occupant(to, out, why) == -1 ? -1 : 1;
}

/* Address 'st' from the lobby occupant the effect names (room/nick) to its
 * recipient. */
static void address_from_occupant(xmpp_stanza_t *st, const struct lobby_effect *e)
{
    char from[LOBBY_JID_MAX + LOBBY_NICK_MAX + 2];

    snprintf(from, sizeof(from), "%s/%s", e->room, e->nick != NULL ? e->nick : "");
    xmpp_stanza_set_from(st, from);
    xmpp_stanza_set_to(st, e->to);
}

xmpp_stanza_t *muc_relay(xmpp_stanza_t *msg, const struct lobby_effect *e)
{
    xmpp_stanza_t *copy = xmpp_stanza_copy(msg);

    if (copy == NULL)
        fatalx("out of memory copying a message");
    address_from_occupant(copy, e);
    /* libstrophe reads xml:lang as a plain "lang" attribute; do not echo
     * it back as one. */
    xmpp_stanza_del_attribute(copy, "lang");
    return copy;
}

/* ---- rendering ---- */

static xmpp_stanza_t *presence_from(xmpp_ctx_t *ctx, const struct lobby_effect *e, const char *type)
{
    xmpp_stanza_t *p = xmpp_presence_new(ctx);

    if (p == NULL)
        fatalx("out of memory building a presence");
    address_from_occupant(p, e);
    if (type != NULL)
        xmpp_stanza_set_type(p, type);
    return p;
}

static void add_status(xmpp_stanza_t *x, const char *code)
{
    xmpp_stanza_set_attribute(stanza_add(x, "status", NULL, NULL), "code", code);
}

static xmpp_stanza_t *add_item(xmpp_stanza_t *x, const char *aff, const char *role, const char *jid)
{
    xmpp_stanza_t *item = stanza_add(x, "item", NULL, NULL);

    xmpp_stanza_set_attribute(item, "affiliation", aff);
    xmpp_stanza_set_attribute(item, "role", role);
    if (jid != NULL)
        xmpp_stanza_set_attribute(item, "jid", jid);
    return item;
}

static void add_identity_children(xmpp_stanza_t *p, const struct lobby_effect *e)
{
    xmpp_stanza_t *id;

    if (e->name != NULL)
        stanza_add(p, "nick", NS_NICK, e->name);
    if (e->email != NULL)
        stanza_add(p, "email", NULL, e->email);
    if (e->verified == LOBBY_VERIFIED_UNSET)
        return;
    /* Not named <identity>: lib-jitsi-meet reads presence children by tag
     * name alone and would take it for Jitsi's own identity element. */
    id = stanza_add(p, MUC_IDENTITY_ELEMENT, MUC_NS_IDENTITY, NULL);
    if (e->verified == LOBBY_VERIFIED_NONE) {
        xmpp_stanza_set_attribute(id, "verified", "none");
        return;
    }
    xmpp_stanza_set_attribute(id, "verified", "token");
    if (e->verified_name != NULL)
        xmpp_stanza_set_attribute(id, "name", e->verified_name);
    if (e->verified_email != NULL)
        xmpp_stanza_set_attribute(id, "email", e->verified_email);
}

static xmpp_stanza_t *render_refuse(xmpp_ctx_t *ctx, const struct lobby_effect *e)
{
    static const char *const type[] = {"auth", "auth", "cancel", "wait", "cancel", "wait"};
    static const char *const cond[] = {"forbidden", "not-authorized", "not-allowed",
                                       "internal-server-error", "conflict",
                                       "service-unavailable"};
    xmpp_stanza_t *p = presence_from(ctx, e, "error");
    xmpp_stanza_t *err;
    unsigned d = (unsigned)e->deny < 6 ? (unsigned)e->deny : 2;

    stanza_add(p, "x", NS_MUC, NULL);
    err = stanza_add(p, "error", NULL, NULL);
    xmpp_stanza_set_type(err, type[d]);
    stanza_add(err, cond[d], XMPP_NS_STANZAS, NULL);
    if (e->text != NULL)
        stanza_add(err, "text", XMPP_NS_STANZAS, e->text);
    return p;
}

static xmpp_stanza_t *render_presence(xmpp_ctx_t *ctx, const struct lobby_effect *e)
{
    bool self = e->kind == LOBBY_DO_SELF_PRESENCE;
    xmpp_stanza_t *p = presence_from(ctx, e, NULL);
    xmpp_stanza_t *x;

    add_identity_children(p, e);
    x = stanza_add(p, "x", NS_MUC_USER, NULL);
    if (self && e->flag)
        add_status(x, "100");
    if (e->is_moderator)
        add_item(x, "owner", "moderator", e->subject_jid);
    else
        add_item(x, "none", "participant", e->subject_jid);
    if (self)
        add_status(x, "110");
    return p;
}

static xmpp_stanza_t *render_gone(xmpp_ctx_t *ctx, const struct lobby_effect *e)
{
    bool kick = e->kind == LOBBY_DO_KICK;
    xmpp_stanza_t *p = presence_from(ctx, e, "unavailable");
    xmpp_stanza_t *x = stanza_add(p, "x", NS_MUC_USER, NULL);
    xmpp_stanza_t *item = add_item(x, "none", "none", e->subject_jid);

    if (kick) {
        if (e->actor != NULL)
            xmpp_stanza_set_attribute(stanza_add(item, "actor", NULL, NULL), "nick", e->actor);
        stanza_add(item, "reason", NULL, e->text != NULL ? e->text : "");
        add_status(x, "307");
    }
    if (e->is_self)
        add_status(x, "110");
    return p;
}

static xmpp_stanza_t *render_destroy(xmpp_ctx_t *ctx, const struct lobby_effect *e)
{
    xmpp_stanza_t *p = presence_from(ctx, e, "unavailable");
    xmpp_stanza_t *x = stanza_add(p, "x", NS_MUC_USER, NULL);
    xmpp_stanza_t *d;

    add_item(x, "none", "none", NULL);
    d = stanza_add(x, "destroy", NULL, NULL);
    if (e->newjid != NULL)
        xmpp_stanza_set_attribute(d, "jid", e->newjid);
    if (e->text != NULL)
        stanza_add(d, "reason", NULL, e->text);
    add_status(x, "110");
    return p;
}

/* A room message from the lobby room itself (no nick) to one knocker. */
static xmpp_stanza_t *render_notice(xmpp_ctx_t *ctx, const struct lobby_effect *e)
{
    xmpp_stanza_t *m = xmpp_message_new(ctx, "groupchat", e->to, NULL);

    if (m == NULL)
        fatalx("out of memory building a notice");
    xmpp_stanza_set_from(m, e->room);
    stanza_add(m, "body", NULL, e->text != NULL ? e->text : "");
    return m;
}

/* Append 's' as a JSON string (with quotes) to out[*n]. */
static int json_string(const char *s, char *out, size_t outsz, size_t *n)
{
    static const char hex[] = "0123456789abcdef";

    if (*n + 1 >= outsz)
        return -1;
    out[(*n)++] = '"';
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[7];
        size_t len = 1;

        esc[0] = (char)c;
        if (c == '"' || c == '\\' || c == '/') {
            esc[0] = '\\';
            esc[1] = (char)c;
            len = 2;
        } else if (c < 0x20) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        if (*n + len + 2 > outsz)
            return -1;
        memcpy(out + *n, esc, len);
        *n += len;
    }
    out[(*n)++] = '"';
    out[*n] = '\0';
    return 0;
}

int muc_notify_json(const struct lobby_effect *e, char *out, size_t outsz)
{
    size_t n = 0;
    int w;

    w = snprintf(out, outsz, "{\"type\":\"lobby-notify\",\"event\":");
    if (w < 0 || (size_t)w >= outsz)
        return -1;
    n = (size_t)w;
    if (json_string(e->event != NULL ? e->event : "", out, outsz, &n) == -1)
        return -1;
    if (n + 10 >= outsz)
        return -1;
    memcpy(out + n, ",\"value\":", 9);
    n += 9;
    if (e->text == NULL) {
        /* LOBBY-ENABLED carries the new state as a JSON boolean. */
        w = snprintf(out + n, outsz - n, "%s", e->flag ? "true" : "false");
        if (w < 0 || (size_t)w >= outsz - n)
            return -1;
        n += (size_t)w;
    } else if (json_string(e->text, out, outsz, &n) == -1) {
        return -1;
    }
    if (e->name != NULL) {
        if (n + 9 >= outsz)
            return -1;
        memcpy(out + n, ",\"name\":", 8);
        n += 8;
        if (json_string(e->name, out, outsz, &n) == -1)
            return -1;
    }
    if (n + 2 > outsz)
        return -1;
    out[n++] = '}';
    out[n] = '\0';
    return 0;
}

static xmpp_stanza_t *render_notify(xmpp_ctx_t *ctx, const struct lobby_effect *e,
                                    const char *self, const char *bridge_to, const char *id)
{
    xmpp_stanza_t *iq = xmpp_iq_new(ctx, "set", id);
    xmpp_stanza_t *n;
    char json[MUC_NOTIFY_JSON_MAX];

    if (iq == NULL)
        fatalx("out of memory building a notification");
    xmpp_stanza_set_from(iq, self);
    xmpp_stanza_set_to(iq, bridge_to);
    if (muc_notify_json(e, json, sizeof(json)) == -1)
        snprintf(json, sizeof(json), "{\"type\":\"lobby-notify\",\"event\":\"%s\"}",
                 e->event != NULL ? e->event : "");
    n = stanza_add(iq, "notify", BRIDGE_NS, json);
    xmpp_stanza_set_attribute(n, "room", e->room);
    if (e->actor != NULL)
        xmpp_stanza_set_attribute(n, "actor", e->actor);
    return iq;
}

/* EJECT: ask the bridge to remove an occupant from the main room. */
static xmpp_stanza_t *render_eject(xmpp_ctx_t *ctx, const struct lobby_effect *e,
                                   const char *self, const char *bridge_to, const char *id)
{
    xmpp_stanza_t *iq = xmpp_iq_new(ctx, "set", id);
    xmpp_stanza_t *n;

    if (iq == NULL)
        fatalx("out of memory building an eject request");
    xmpp_stanza_set_from(iq, self);
    xmpp_stanza_set_to(iq, bridge_to);
    n = stanza_add(iq, "eject", BRIDGE_NS, e->text);
    xmpp_stanza_set_attribute(n, "room", e->room);
    xmpp_stanza_set_attribute(n, "nick", e->nick);
    xmpp_stanza_set_attribute(n, "jid", e->to);
    if (e->actor != NULL)
        xmpp_stanza_set_attribute(n, "actor", e->actor);
    return iq;
}

/* An operator's approval or lobby switch, for the bridge to carry out (bridge-protocol §3.4). */
static xmpp_stanza_t *render_bridge_request(xmpp_ctx_t *ctx, const struct lobby_effect *e,
                                            const char *self, const char *bridge_to,
                                            const char *id)
{
    xmpp_stanza_t *iq = xmpp_iq_new(ctx, "set", id);
    xmpp_stanza_t *n;

    if (iq == NULL)
        fatalx("out of memory building a bridge request");
    xmpp_stanza_set_from(iq, self);
    xmpp_stanza_set_to(iq, bridge_to);
    if (e->kind == LOBBY_DO_INVITE) {
        n = stanza_add(iq, "invite", BRIDGE_NS, NULL);
        xmpp_stanza_set_attribute(n, "jid", e->to);
    } else {
        n = stanza_add(iq, "set-lobby", BRIDGE_NS, NULL);
        xmpp_stanza_set_attribute(n, "enabled", e->flag ? "true" : "false");
    }
    xmpp_stanza_set_attribute(n, "room", e->room);
    if (e->actor != NULL)
        xmpp_stanza_set_attribute(n, "actor", e->actor);
    return iq;
}

xmpp_stanza_t *muc_render_effect(xmpp_ctx_t *ctx, const struct lobby_effect *e, const char *self,
                                 const char *bridge_to, const char *id)
{
    switch (e->kind) {
    case LOBBY_DO_REFUSE:
        return render_refuse(ctx, e);
    case LOBBY_DO_SELF_PRESENCE:
    case LOBBY_DO_OCCUPANT_PRESENCE:
        return render_presence(ctx, e);
    case LOBBY_DO_OCCUPANT_GONE:
    case LOBBY_DO_KICK:
        return render_gone(ctx, e);
    case LOBBY_DO_DESTROY:
        return render_destroy(ctx, e);
    case LOBBY_DO_NOTIFY_MAIN:
        return render_notify(ctx, e, self, bridge_to, id);
    case LOBBY_DO_NOTICE:
        return render_notice(ctx, e);
    case LOBBY_DO_EJECT:
        return render_eject(ctx, e, self, bridge_to, id);
    case LOBBY_DO_INVITE:
    case LOBBY_DO_SET_LOBBY:
        return render_bridge_request(ctx, e, self, bridge_to, id);
    case LOBBY_DO_RELAY:
        break;
    }
    fatalx("lobby effect %d cannot be rendered on its own", (int)e->kind);
}

xmpp_stanza_t *muc_disco_reply(xmpp_stanza_t *iq, const char *from, bool displayname_required)
{
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(iq);
    xmpp_stanza_t *reply = xmpp_iq_new(ctx, "result", xmpp_stanza_get_id(iq));
    xmpp_stanza_t *req = stanza_child(iq, "query", NS_DISCO_INFO);
    const char *node = req != NULL ? xmpp_stanza_get_attribute(req, "node") : NULL;
    const char *to = xmpp_stanza_get_to(iq);
    xmpp_stanza_t *q, *id;

    if (reply == NULL)
        fatalx("out of memory building a disco reply");
    if (xmpp_stanza_get_from(iq) != NULL)
        xmpp_stanza_set_to(reply, xmpp_stanza_get_from(iq));
    xmpp_stanza_set_from(reply, to != NULL ? to : from);
    q = stanza_add(reply, "query", NS_DISCO_INFO, NULL);
    if (node != NULL) {
        xmpp_stanza_set_attribute(q, "node", node);
        if (strcmp(node, "lobbyrooms") == 0 && displayname_required)
            xmpp_stanza_set_attribute(stanza_add(q, "feature", NULL, NULL), "var",
                                      FEATURE_DISPLAYNAME);
        return reply;
    }
    id = stanza_add(q, "identity", NULL, NULL);
    xmpp_stanza_set_attribute(id, "category", "conference");
    xmpp_stanza_set_attribute(id, "type", "text");
    xmpp_stanza_set_attribute(id, "name", "Lobby");
    xmpp_stanza_set_attribute(stanza_add(q, "feature", NULL, NULL), "var", NS_DISCO_INFO);
    xmpp_stanza_set_attribute(stanza_add(q, "feature", NULL, NULL), "var", NS_MUC);
    if (to == NULL || strchr(to, '@') == NULL)
        xmpp_stanza_set_attribute(stanza_add(q, "feature", NULL, NULL), "var",
                                  "http://jabber.org/protocol/commands");
    return reply;
}
