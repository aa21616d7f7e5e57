/*
 * stanza.h: small helpers that get libstrophe's reference counting right
 * once, so handlers never build trees by hand.
 */
#ifndef LOBBYD_XMPP_STANZA_H
#define LOBBYD_XMPP_STANZA_H

#include <stddef.h>

#include <strophe.h>

#define XMPP_NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"

/* Return the first child element of 'st' named 'name' (NULL: any name) in
 * namespace 'ns'. Borrowed; valid while 'st' lives. */
xmpp_stanza_t *stanza_child(xmpp_stanza_t *st, const char *name, const char *ns);

/* Add a new child <name xmlns=ns/> (ns may be NULL) to 'parent' and return
 * it, borrowed from 'parent'. Optional 'text' becomes its text content.
 * Cannot fail (out of memory is fatal). */
xmpp_stanza_t *stanza_add(xmpp_stanza_t *parent, const char *name, const char *ns, const char *text);

/* Build an error reply to 'req' (swapped to/from, same id and name) with
 * <error type=type><condition xmlns=stanzas/><text>text</text></error>;
 * 'text' may be NULL. 'from' overrides the reply's from when not NULL.
 * Returns a new stanza the caller releases. Cannot fail. */
xmpp_stanza_t *stanza_error_reply(xmpp_stanza_t *req, const char *from, const char *type,
                                  const char *condition, const char *text);

/* Copy the text content of 'st' into 'out' (size 'outsz'). Returns the
 * length, or -1 when there is no text or it does not fit ('out' is then the
 * empty string). */
int stanza_text_copy(xmpp_stanza_t *st, char *out, size_t outsz);

/* The defined condition of an error stanza (e.g. "service-unavailable"),
 * or "no condition". The string lives as long as 'st'. Cannot fail. */
const char *stanza_error_condition(xmpp_stanza_t *st);

#endif
