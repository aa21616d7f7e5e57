/*
 * admin.h: lobbyd's admin commands (XEP-0050 on lobbyd's own JID) for the
 * operators listed in admin_jid: list the lobbies and who waits, admit,
 * deny, send back, lobby on/off for a meeting, reload the configuration.
 * Everyone else is refused, and each refusal is logged.
 */
#ifndef LOBBYD_COMPONENT_ADMIN_H
#define LOBBYD_COMPONENT_ADMIN_H

#include <stdint.h>

#include "component/config.h"
#include "lobby/event.h"
#include "lobby/lobby.h"
#include "xmpp/adhoc.h"

/* Reload the configuration; '*report' gets (malloc'd) what happened, for
 * the operator. Returns 0 when the new configuration is in force. */
typedef int (*admin_reload_fn)(void *arg, char **report);

struct admin {
    const struct config *cfg;          /* the running configuration */
    struct lobby *lobby;
    struct lobby_actions *actions;     /* where the lobby's effects go */
    admin_reload_fn reload;            /* NULL: no reload command */
    void *reload_arg;
    /* What the last reply points into; reset by each command. */
    char note[1024];
    char *report;
    char **cells;
    size_t n_cells, cap_cells;
};

/* May 'jid' (a full or bare JID) run the admin commands? */
bool admin_allowed(const struct admin *a, const char *jid);

/* The commands 'jid' may see (none unless admin_allowed). */
size_t admin_commands_for(const struct admin *a, const char *jid, const struct adhoc_item **items);

/* Run 'rq', filling 'reply'; its strings live until the next call or
 * admin_clear(). The lobby's effects are in a->actions. */
void admin_run(struct admin *a, const struct adhoc_request *rq, uint64_t now_ms,
               struct adhoc_reply *reply);

/* Free what the last reply pointed into (admin_clear), or everything
 * (admin_free). Cannot fail. */
void admin_clear(struct admin *a);
void admin_free(struct admin *a);

#endif
