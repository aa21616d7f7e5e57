/*
 * jid.c: splitting and comparing JIDs for the lobby module.
 *
 * Deliberately not here: stringprep/PRECIS (Prosody prepares every JID
 * before we see it), escaping (XEP-0106), and any allocation.
 */
#include <string.h>
#include <strings.h>

#include "lobby/event.h"
#include "lobby/jid.h"

bool lobby_jid_split(const char *jid, struct lobby_jid_span *node,
                     struct lobby_jid_span *domain,
                     struct lobby_jid_span *resource)
{
    size_t len, bare, at;
    const char *sep;

    if (jid == NULL)
        return false;
    len = strnlen(jid, LOBBY_JID_MAX);
    if (len == 0 || len >= LOBBY_JID_MAX)
        return false;
    bare = lobby_jid_bare_len(jid);
    /* The node ends at the first '@' of the bare part only: a resource
     * may itself contain '@'. */
    sep = memchr(jid, '@', bare);
    at = sep == NULL ? 0 : (size_t)(sep - jid) + 1;
    if (bare - at == 0)
        return false;
    node->p = jid;
    node->len = sep == NULL ? 0 : at - 1;
    domain->p = jid + at;
    domain->len = bare - at;
    resource->p = bare < len ? jid + bare + 1 : jid + len;
    resource->len = bare < len ? len - bare - 1 : 0;
    return true;
}

size_t lobby_jid_bare_len(const char *jid)
{
    return strcspn(jid, "/");
}

bool lobby_jid_same_bare(const char *a, const char *b)
{
    size_t la, lb;

    if (a == NULL || b == NULL)
        return false;
    la = lobby_jid_bare_len(a);
    lb = lobby_jid_bare_len(b);
    return la == lb && strncasecmp(a, b, la) == 0;
}

bool lobby_jid_service_match(const char *entry, const char *jid)
{
    struct lobby_jid_span node, domain, resource;
    size_t elen;

    if (entry == NULL || !lobby_jid_split(jid, &node, &domain, &resource))
        return false;
    elen = strlen(entry);
    if (elen == 0 || memchr(entry, '/', elen) != NULL)
        return false;
    if (memchr(entry, '@', elen) != NULL)
        return lobby_jid_same_bare(entry, jid);
    return domain.len == elen && strncasecmp(domain.p, entry, elen) == 0;
}
