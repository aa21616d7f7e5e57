/*
 * bridge.c: parse and render the bridge protocol (docs/bridge-protocol.md).
 *
 * Stanzas handled here:
 *   in:  <iq type='get'><join xmlns='urn:lobbyd:bridge:0' room nick jid
 *          session affiliation room-exists members-only password [ip]>
 *          [<display-name>…</display-name>] [<token>…</token>]</join></iq>
 *   out: <iq type='result'><verdict xmlns='urn:lobbyd:bridge:0' action
 *          [affiliation] rule [lobby] [type condition] [password='supply']>[text]</verdict></iq>
 *   in:  <iq type='set'> with one of the main-room events (§2):
 *          <occupant room jid [nick] event affiliation [removed]/>, <lobby room actor enabled/>,
 *          <admit room actor><invitee jid/>…</admit>, <destroyed room/>
 *   out: <iq type='result'/>, or <admitted><invitee jid/>…</admitted> for <admit/>
 * Every field has a maximum; anything over it, missing or not one of the
 * documented values is refused with a reason. Who may send a join (only the
 * configured MUC host) is checked by the caller, which knows the config.
 */
#include "xmpp/bridge.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/log.h"
#include "xmpp/stanza.h"

static xmpp_stanza_t *result_for(xmpp_stanza_t *req, const char *from);

static const char *const affiliations[] = {"owner", "admin", "member", "none", "outcast", NULL};
static const char *const passwords[] = {"none", "ok", "wrong", "missing", NULL};

static bool one_of(const char *v, const char *const *set)
{
    for (; *set != NULL; set++) {
        if (strcmp(v, *set) == 0)
            return true;
    }
    return false;
}

/* Copy a required attribute of at most 'max' bytes. */
static int req_attr(xmpp_stanza_t *el, const char *name, size_t max, char **out, char *why)
{
    const char *v = xmpp_stanza_get_attribute(el, name);
    size_t len;

    if (v == NULL || *v == '\0') {
        snprintf(why, BRIDGE_WHY_MAX, "attribute %s is missing", name);
        return -1;
    }
    len = strlen(v);
    if (len > max) {
        snprintf(why, BRIDGE_WHY_MAX, "attribute %s is %zu bytes, more than %zu", name, len, max);
        return -1;
    }
    *out = xstrndup(v, len);
    return 0;
}

static int bool_attr(xmpp_stanza_t *el, const char *name, bool *out, char *why)
{
    const char *v = xmpp_stanza_get_attribute(el, name);

    if (v != NULL && strcmp(v, "true") == 0) {
        *out = true;
        return 0;
    }
    if (v != NULL && strcmp(v, "false") == 0) {
        *out = false;
        return 0;
    }
    snprintf(why, BRIDGE_WHY_MAX, "attribute %s must be true or false", name);
    return -1;
}

/* Copy the text of the optional child 'name'; absent or empty gives NULL. */
static int opt_text(xmpp_stanza_t *el, const char *name, size_t max, char **out, size_t *lenp,
                    char *why)
{
    xmpp_stanza_t *c = stanza_child(el, name, BRIDGE_NS);
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(el);
    char *t;
    size_t len;

    if (c == NULL)
        return 0;
    t = xmpp_stanza_get_text(c);
    if (t == NULL)
        return 0;
    len = strlen(t);
    if (len > max) {
        OPENSSL_cleanse(t, len);
        xmpp_free(ctx, t);
        snprintf(why, BRIDGE_WHY_MAX, "<%s> is %zu bytes, more than %zu", name, len, max);
        return -1;
    }
    if (len > 0) {
        *out = xstrndup(t, len);
        if (lenp != NULL)
            *lenp = len;
    }
    /* This copy may be a token: wipe it too. */
    OPENSSL_cleanse(t, len);
    xmpp_free(ctx, t);
    return 0;
}

/* The optional ip attribute: an IPv4 or IPv6 address as text (a zone
 * after '%' allowed); absent or empty gives NULL. */
static int opt_ip(xmpp_stanza_t *el, char **out, char *why)
{
    const char *v = xmpp_stanza_get_attribute(el, "ip");

    *out = NULL;
    if (v == NULL || *v == '\0')
        return 0;
    if (strlen(v) > BRIDGE_IP_MAX) {
        snprintf(why, BRIDGE_WHY_MAX, "attribute ip is longer than %d bytes", BRIDGE_IP_MAX);
        return -1;
    }
    for (const char *p = v; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && strchr(".:%-_", *p) == NULL) {
            snprintf(why, BRIDGE_WHY_MAX, "attribute ip is not an IP address");
            return -1;
        }
    }
    *out = xstrdup(v);
    return 0;
}

int bridge_parse_join(xmpp_stanza_t *join, struct bridge_join *out, char *why)
{
    struct bridge_join j;

    memset(out, 0, sizeof(*out));
    memset(&j, 0, sizeof(j));
    why[0] = '\0';
    if (req_attr(join, "room", BRIDGE_JID_MAX, &j.room, why) == -1 ||
        req_attr(join, "nick", BRIDGE_NICK_MAX, &j.nick, why) == -1 ||
        req_attr(join, "jid", BRIDGE_JID_MAX, &j.jid, why) == -1 ||
        req_attr(join, "session", BRIDGE_SESSION_MAX, &j.session, why) == -1 ||
        req_attr(join, "affiliation", 16, &j.affiliation, why) == -1 ||
        req_attr(join, "password", 16, &j.password, why) == -1 ||
        bool_attr(join, "room-exists", &j.room_exists, why) == -1 ||
        bool_attr(join, "members-only", &j.members_only, why) == -1 ||
        opt_text(join, "display-name", BRIDGE_NAME_MAX, &j.display_name, NULL, why) == -1 ||
        opt_text(join, "token", BRIDGE_TOKEN_MAX, &j.token, &j.token_len, why) == -1 ||
        opt_ip(join, &j.ip, why) == -1)
        goto fail;
    if (strchr(j.room, '@') == NULL || strchr(j.room, '/') != NULL) {
        snprintf(why, BRIDGE_WHY_MAX, "room is not a bare room JID");
        goto fail;
    }
    if (strchr(j.jid, '@') == NULL && strchr(j.jid, '/') == NULL) {
        snprintf(why, BRIDGE_WHY_MAX, "jid is not a user JID");
        goto fail;
    }
    if (!one_of(j.affiliation, affiliations)) {
        snprintf(why, BRIDGE_WHY_MAX, "affiliation is not one of owner admin member none outcast");
        goto fail;
    }
    if (!one_of(j.password, passwords)) {
        snprintf(why, BRIDGE_WHY_MAX, "password is not one of none ok wrong missing");
        goto fail;
    }
    *out = j;
    return 0;
fail:
    bridge_join_clear(&j);
    return -1;
}

void bridge_join_clear(struct bridge_join *j)
{
    free(j->room);
    free(j->nick);
    free(j->jid);
    free(j->session);
    free(j->affiliation);
    free(j->password);
    free(j->display_name);
    free(j->ip);
    if (j->token != NULL) {
        /* A token is a bearer credential: do not leave it in freed memory. */
        OPENSSL_cleanse(j->token, j->token_len);
        free(j->token);
    }
    memset(j, 0, sizeof(*j));
}

int bridge_parse_disco(xmpp_stanza_t *query, struct bridge_disco *out, char *why)
{
    xmpp_stanza_t *el = stanza_child(query, "session", BRIDGE_NS);
    struct bridge_disco d;
    const char *room;

    memset(out, 0, sizeof(*out));
    memset(&d, 0, sizeof(d));
    why[0] = '\0';
    if (el == NULL)
        return 1;
    room = xmpp_stanza_get_attribute(el, "room");
    if (room != NULL && *room != '\0' &&
        req_attr(el, "room", BRIDGE_NODE_MAX, &d.room, why) == -1)
        goto fail;
    if (d.room != NULL && strpbrk(d.room, "@/") != NULL) {
        snprintf(why, BRIDGE_WHY_MAX, "room is not a room name (no @ or / allowed)");
        goto fail;
    }
    if (opt_text(el, "token", BRIDGE_TOKEN_MAX, &d.token, &d.token_len, why) == -1)
        goto fail;
    *out = d;
    return 0;
fail:
    bridge_disco_clear(&d);
    return -1;
}

void bridge_disco_clear(struct bridge_disco *d)
{
    free(d->room);
    if (d->token != NULL) {
        OPENSSL_cleanse(d->token, d->token_len);
        free(d->token);
    }
    memset(d, 0, sizeof(*d));
}

xmpp_stanza_t *bridge_verdict_reply(xmpp_stanza_t *req, const char *from,
                                    const struct bridge_verdict *v)
{
    xmpp_stanza_t *iq = result_for(req, from);
    xmpp_stanza_t *el;

    el = stanza_add(iq, "verdict", BRIDGE_NS, v->text);
    xmpp_stanza_set_attribute(el, "action", v->action);
    xmpp_stanza_set_attribute(el, "rule", v->rule);
    if (v->affiliation != NULL)
        xmpp_stanza_set_attribute(el, "affiliation", v->affiliation);
    if (v->lobby != NULL)
        xmpp_stanza_set_attribute(el, "lobby", v->lobby);
    if (v->error_type != NULL)
        xmpp_stanza_set_attribute(el, "type", v->error_type);
    if (v->error_condition != NULL)
        xmpp_stanza_set_attribute(el, "condition", v->error_condition);
    if (v->supply_password)
        xmpp_stanza_set_attribute(el, "password", "supply");
    if (v->ask != NULL)
        xmpp_stanza_set_attribute(el, "ask", v->ask);
    if (v->room_ask != NULL)
        xmpp_stanza_set_attribute(el, "room-ask", v->room_ask);
    if (v->set_lobby != NULL)
        xmpp_stanza_set_attribute(el, "set-lobby", v->set_lobby);
    return iq;
}

/* Text being written into a fixed buffer; 'used' past 'size' means it did not fit. */
struct text_out {
    char *buf;
    size_t size, used;
};

static void text_raw(struct text_out *o, const char *s, size_t len)
{
    /* Keeps counting past the end, so the caller learns it did not fit. */
    if (o->used + len < o->size)
        memcpy(o->buf + o->used, s, len);
    o->used += len;
}

/* XML-escaped character data or attribute value. */
static void text_escaped(struct text_out *o, const char *s)
{
    const char *run = s;

    for (; *s != '\0'; s++) {
        const char *esc = *s == '&'    ? "&amp;"
                          : *s == '<'  ? "&lt;"
                          : *s == '>'  ? "&gt;"
                          : *s == '"'  ? "&quot;"
                          : *s == '\'' ? "&apos;"
                                       : NULL;
        if (esc == NULL)
            continue;
        text_raw(o, run, (size_t)(s - run));
        text_raw(o, esc, strlen(esc));
        run = s + 1;
    }
    text_raw(o, run, (size_t)(s - run));
}

static void text_attr(struct text_out *o, const char *name, const char *value)
{
    if (value == NULL)
        return;
    text_raw(o, " ", 1);
    text_raw(o, name, strlen(name));
    text_raw(o, "=\"", 2);
    text_escaped(o, value);
    text_raw(o, "\"", 1);
}

int bridge_verdict_text(xmpp_stanza_t *req, const char *from,
                        const struct bridge_verdict *v, char *buf, size_t size)
{
    struct text_out o = {buf, size, 0};

    text_raw(&o, "<iq type=\"result\"", strlen("<iq type=\"result\""));
    text_attr(&o, "id", xmpp_stanza_get_id(req));
    text_attr(&o, "to", xmpp_stanza_get_from(req));
    text_attr(&o, "from", from);
    text_raw(&o, "><verdict xmlns=\"" BRIDGE_NS "\"",
             strlen("><verdict xmlns=\"" BRIDGE_NS "\""));
    text_attr(&o, "action", v->action);
    text_attr(&o, "rule", v->rule);
    text_attr(&o, "affiliation", v->affiliation);
    text_attr(&o, "lobby", v->lobby);
    text_attr(&o, "type", v->error_type);
    text_attr(&o, "condition", v->error_condition);
    text_attr(&o, "password", v->supply_password ? "supply" : NULL);
    text_attr(&o, "ask", v->ask);
    text_attr(&o, "room-ask", v->room_ask);
    text_attr(&o, "set-lobby", v->set_lobby);
    if (v->text != NULL && v->text[0] != '\0') {
        text_raw(&o, ">", 1);
        text_escaped(&o, v->text);
        text_raw(&o, "</verdict></iq>", strlen("</verdict></iq>"));
    } else {
        text_raw(&o, "/></iq>", strlen("/></iq>"));
    }
    if (o.used >= size)
        return -1;
    buf[o.used] = '\0';
    return (int)o.used;
}

static const char *const occupant_events[] = {"joined", "left", "affiliation", NULL};

static int parse_admit(xmpp_stanza_t *el, struct bridge_event *ev, char *why)
{
    xmpp_stanza_t *c;

    for (c = xmpp_stanza_get_children(el); c != NULL; c = xmpp_stanza_get_next(c)) {
        const char *jid;

        if (!xmpp_stanza_is_tag(c) || strcmp(xmpp_stanza_get_name(c), "invitee") != 0)
            continue;
        if (ev->n_invitees == BRIDGE_MAX_INVITEES) {
            snprintf(why, BRIDGE_WHY_MAX, "more than %d invitees", BRIDGE_MAX_INVITEES);
            return -1;
        }
        jid = xmpp_stanza_get_attribute(c, "jid");
        if (jid == NULL || *jid == '\0' || strlen(jid) > BRIDGE_JID_MAX) {
            snprintf(why, BRIDGE_WHY_MAX, "an invitee without a valid jid");
            return -1;
        }
        if ((ev->n_invitees & (ev->n_invitees - 1)) == 0) /* 0, 1, 2, 4, ...: grow */
            ev->invitees = xrealloc(ev->invitees,
                                    (ev->n_invitees == 0 ? 1 : 2 * ev->n_invitees) *
                                        sizeof(*ev->invitees));
        ev->invitees[ev->n_invitees++] = xstrdup(jid);
    }
    if (ev->n_invitees == 0) {
        snprintf(why, BRIDGE_WHY_MAX, "admit without invitees");
        return -1;
    }
    return 0;
}

int bridge_parse_event(xmpp_stanza_t *el, struct bridge_event *out, char *why)
{
    const char *name = xmpp_stanza_get_name(el);
    struct bridge_event ev;
    int r = -1;

    memset(out, 0, sizeof(*out));
    memset(&ev, 0, sizeof(ev));
    why[0] = '\0';
    if (strcmp(name, "occupant") == 0)
        ev.kind = BRIDGE_EV_OCCUPANT;
    else if (strcmp(name, "lobby") == 0)
        ev.kind = BRIDGE_EV_LOBBY;
    else if (strcmp(name, "admit") == 0)
        ev.kind = BRIDGE_EV_ADMIT;
    else if (strcmp(name, "destroyed") == 0)
        ev.kind = BRIDGE_EV_DESTROYED;
    else
        return 1;
    if (req_attr(el, "room", BRIDGE_JID_MAX, &ev.room, why) == -1)
        goto out;
    if (strchr(ev.room, '@') == NULL || strchr(ev.room, '/') != NULL) {
        snprintf(why, BRIDGE_WHY_MAX, "room is not a bare room JID");
        goto out;
    }
    switch (ev.kind) {
    case BRIDGE_EV_OCCUPANT:
        if (req_attr(el, "jid", BRIDGE_JID_MAX, &ev.jid, why) == -1 ||
            req_attr(el, "event", 16, &ev.event, why) == -1 ||
            req_attr(el, "affiliation", 16, &ev.affiliation, why) == -1)
            goto out;
        if (!one_of(ev.event, occupant_events) || !one_of(ev.affiliation, affiliations)) {
            snprintf(why, BRIDGE_WHY_MAX, "occupant event or affiliation is not a known value");
            goto out;
        }
        if (xmpp_stanza_get_attribute(el, "nick") != NULL &&
            req_attr(el, "nick", BRIDGE_NICK_MAX, &ev.nick, why) == -1)
            goto out;
        ev.removed = xmpp_stanza_get_attribute(el, "removed") != NULL &&
                     bool_attr(el, "removed", &ev.removed, why) == 0 && ev.removed;
        break;
    case BRIDGE_EV_LOBBY:
        if (req_attr(el, "actor", BRIDGE_JID_MAX, &ev.actor, why) == -1 ||
            bool_attr(el, "enabled", &ev.enabled, why) == -1)
            goto out;
        break;
    case BRIDGE_EV_ADMIT:
        if (req_attr(el, "actor", BRIDGE_JID_MAX, &ev.actor, why) == -1 ||
            parse_admit(el, &ev, why) == -1)
            goto out;
        break;
    case BRIDGE_EV_DESTROYED:
        break;
    }
    *out = ev;
    memset(&ev, 0, sizeof(ev));
    r = 0;
out:
    bridge_event_clear(&ev);
    return r;
}

void bridge_event_clear(struct bridge_event *ev)
{
    free(ev->room);
    free(ev->jid);
    free(ev->nick);
    free(ev->event);
    free(ev->affiliation);
    free(ev->actor);
    for (size_t i = 0; i < ev->n_invitees; i++)
        free(ev->invitees[i]);
    free(ev->invitees);
    memset(ev, 0, sizeof(*ev));
}

static xmpp_stanza_t *result_for(xmpp_stanza_t *req, const char *from)
{
    xmpp_stanza_t *iq = xmpp_iq_new(xmpp_stanza_get_context(req), "result", xmpp_stanza_get_id(req));

    if (iq == NULL)
        fatalx("out of memory building a reply");
    if (xmpp_stanza_get_from(req) != NULL)
        xmpp_stanza_set_to(iq, xmpp_stanza_get_from(req));
    xmpp_stanza_set_from(iq, from);
    return iq;
}

xmpp_stanza_t *bridge_admitted_reply(xmpp_stanza_t *req, const char *from,
                                     char *const *jids, size_t n)
{
    xmpp_stanza_t *iq = result_for(req, from);
    xmpp_stanza_t *el = stanza_add(iq, "admitted", BRIDGE_NS, NULL);

    for (size_t i = 0; i < n; i++)
        xmpp_stanza_set_attribute(stanza_add(el, "invitee", NULL, NULL), "jid", jids[i]);
    return iq;
}

xmpp_stanza_t *bridge_empty_reply(xmpp_stanza_t *req, const char *from)
{
    return result_for(req, from);
}

xmpp_stanza_t *bridge_present_request(xmpp_ctx_t *ctx, const char *from, const char *to,
                                      const char *id, const struct bridge_session *v, size_t n)
{
    xmpp_stanza_t *iq = xmpp_iq_new(ctx, "get", id);
    xmpp_stanza_t *el, *item;

    if (iq == NULL)
        fatalx("out of memory building a presence check");
    xmpp_stanza_set_from(iq, from);
    xmpp_stanza_set_to(iq, to);
    el = stanza_add(iq, "present", BRIDGE_NS, NULL);
    for (size_t i = 0; i < n; i++) {
        item = stanza_add(el, "session", NULL, NULL);
        xmpp_stanza_set_attribute(item, "jid", v[i].jid);
        xmpp_stanza_set_attribute(item, "in", v[i].in);
    }
    return iq;
}

int bridge_parse_present(xmpp_stanza_t *el, int (*gone)(void *arg, const struct bridge_session *),
                         void *arg, char *why)
{
    struct bridge_session ses;
    const char *name, *present;
    int n = 0;

    for (xmpp_stanza_t *c = xmpp_stanza_get_children(el); c != NULL; c = xmpp_stanza_get_next(c)) {
        name = xmpp_stanza_get_name(c);
        if (!xmpp_stanza_is_tag(c) || name == NULL || strcmp(name, "session") != 0)
            continue;
        ses.jid = xmpp_stanza_get_attribute(c, "jid");
        ses.in = xmpp_stanza_get_attribute(c, "in");
        present = xmpp_stanza_get_attribute(c, "present");
        if (ses.jid == NULL || ses.in == NULL || present == NULL ||
            (strcmp(present, "true") != 0 && strcmp(present, "false") != 0)) {
            snprintf(why, BRIDGE_WHY_MAX, "<session/> %d needs jid, in and present='true|false'",
                     n + 1);
            return -1;
        }
        n++;
        if (strcmp(present, "false") == 0 && gone(arg, &ses) != 0)
            break;
    }
    return n;
}
