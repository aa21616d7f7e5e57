/*
 * jid.h: the few JID operations the lobby module needs, on borrowed
 * strings, without allocating. JIDs arrive already prepared by Prosody
 * (RFC 7622), so no stringprep happens here; the domain and node are
 * compared without regard to ASCII case, the resource exactly.
 */
#ifndef LOBBYD_LOBBY_JID_H
#define LOBBYD_LOBBY_JID_H

#include <stdbool.h>
#include <stddef.h>

/* One part of a JID, pointing into the string it came from. */
struct lobby_jid_span {
    const char *p;
    size_t len;
};

/*
 * Split 'jid' into node, domain and resource. A missing part has length 0
 * (the node of "example.com" is empty; so is the resource of a bare JID).
 * Returns false, leaving the spans unset, if 'jid' is NULL, empty, longer
 * than LOBBY_JID_MAX - 1 bytes, or has an empty domain.
 */
bool lobby_jid_split(const char *jid, struct lobby_jid_span *node,
                     struct lobby_jid_span *domain,
                     struct lobby_jid_span *resource);

/*
 * Length of the bare part of 'jid' (everything before the first '/').
 * 'jid' must not be NULL. Cannot fail.
 */
size_t lobby_jid_bare_len(const char *jid);

/*
 * Does the real JID 'jid' belong to the service identity 'entry'? An
 * entry with a '@' matches the bare JID exactly; an entry without one is
 * a domain and matches JIDs of exactly that domain (not its subdomains).
 * Returns false if either is NULL or malformed.
 */
bool lobby_jid_service_match(const char *entry, const char *jid);

/*
 * Do two bare JIDs (or the bare parts of two JIDs) name the same account?
 * Returns false if either is NULL.
 */
bool lobby_jid_same_bare(const char *a, const char *b);

#endif /* LOBBYD_LOBBY_JID_H */
