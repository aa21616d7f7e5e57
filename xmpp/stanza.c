/*
 * stanza.c: stanza building blocks shared by the bridge and the lobby MUC.
 *
 * Ownership rule kept here once: after xmpp_stanza_add_child() the parent
 * holds its own reference, so ours is released on the next line.
 * xmpp_stanza_reply_error() is not used: it is easy to release its result
 * twice.
 */
#include "xmpp/stanza.h"

#include <string.h>

#include "base/log.h"

xmpp_stanza_t *stanza_child(xmpp_stanza_t *st, const char *name, const char *ns)
{
    xmpp_stanza_t *c;

    for (c = xmpp_stanza_get_children(st); c != NULL; c = xmpp_stanza_get_next(c)) {
        const char *cns;

        if (!xmpp_stanza_is_tag(c))
            continue;
        if (name != NULL && strcmp(xmpp_stanza_get_name(c), name) != 0)
            continue;
        cns = xmpp_stanza_get_ns(c);
        if (ns == NULL || (cns != NULL && strcmp(cns, ns) == 0))
            return c;
    }
    return NULL;
}

static xmpp_stanza_t *must(xmpp_stanza_t *st)
{
    if (st == NULL)
        fatalx("out of memory building a stanza");
    return st;
}

xmpp_stanza_t *stanza_add(xmpp_stanza_t *parent, const char *name, const char *ns, const char *text)
{
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(parent);
    xmpp_stanza_t *child = must(xmpp_stanza_new(ctx));

    xmpp_stanza_set_name(child, name);
    if (ns != NULL)
        xmpp_stanza_set_ns(child, ns);
    if (text != NULL) {
        xmpp_stanza_t *t = must(xmpp_stanza_new(ctx));

        xmpp_stanza_set_text(t, text);
        xmpp_stanza_add_child(child, t);
        xmpp_stanza_release(t);
    }
    xmpp_stanza_add_child(parent, child);
    xmpp_stanza_release(child);
    return child;
}

xmpp_stanza_t *stanza_error_reply(xmpp_stanza_t *req, const char *from, const char *type,
                                  const char *condition, const char *text)
{
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(req);
    xmpp_stanza_t *reply = must(xmpp_stanza_new(ctx));
    xmpp_stanza_t *err;
    const char *v;

    xmpp_stanza_set_name(reply, xmpp_stanza_get_name(req));
    xmpp_stanza_set_type(reply, "error");
    v = xmpp_stanza_get_id(req);
    if (v != NULL)
        xmpp_stanza_set_id(reply, v);
    v = xmpp_stanza_get_from(req);
    if (v != NULL)
        xmpp_stanza_set_to(reply, v);
    v = from != NULL ? from : xmpp_stanza_get_to(req);
    if (v != NULL)
        xmpp_stanza_set_from(reply, v);
    err = stanza_add(reply, "error", NULL, NULL);
    xmpp_stanza_set_type(err, type);
    stanza_add(err, condition, XMPP_NS_STANZAS, NULL);
    if (text != NULL)
        stanza_add(err, "text", XMPP_NS_STANZAS, text);
    return reply;
}

int stanza_text_copy(xmpp_stanza_t *st, char *out, size_t outsz)
{
    char *t = xmpp_stanza_get_text(st);
    size_t len;

    out[0] = '\0';
    if (t == NULL)
        return -1;
    len = strlen(t);
    if (len >= outsz) {
        xmpp_free(xmpp_stanza_get_context(st), t);
        return -1;
    }
    memcpy(out, t, len + 1);
    xmpp_free(xmpp_stanza_get_context(st), t);
    return (int)len;
}

const char *stanza_error_condition(xmpp_stanza_t *st)
{
    xmpp_stanza_t *err = xmpp_stanza_get_child_by_name(st, "error");
    const char *name;

    for (xmpp_stanza_t *c = err != NULL ? xmpp_stanza_get_children(err) : NULL; c != NULL;
         c = xmpp_stanza_get_next(c)) {
        name = xmpp_stanza_get_name(c);
        if (xmpp_stanza_is_tag(c) && name != NULL && strcmp(name, "text") != 0)
            return name;
    }
    return "no condition";
}
