/*
 * dispatch.h: the glue between the stream and the two library modules:
 * a bridge request in, token_verify() and lobby_on_join(), a verdict out,
 * one log line per verdict.
 */
#ifndef LOBBYD_COMPONENT_DISPATCH_H
#define LOBBYD_COMPONENT_DISPATCH_H

#include "component/admin.h"
#include "component/audit.h"
#include "component/config.h"
#include "component/metrics.h"
#include "jwt/token.h"
#include "lobby/event.h"
#include "xmpp/bridge.h"
#include "xmpp/muc.h"

struct dispatch;

/* Build the verifier and the lobby from 'cfg' (borrowed for the life of
 * the dispatcher). Returns NULL with the reason printed to 'errs'. */
struct dispatch *dispatch_new(const struct config *cfg, FILE *errs);

/* NULL is fine. */
void dispatch_free(struct dispatch *d);

/*
 * A reload: decide from 'cfg' (borrowed from now on, instead of the one
 * before) while every room, knocker and admission stays: a new token
 * verifier, the lobby reconfigured (lobby_reconfigure()). Keys that need a
 * restart must already hold their running values (config_keep_restart_keys()).
 * Returns 0, or -1 with the reason printed to 'errs' and nothing changed:
 * the caller keeps the old 'cfg'.
 */
int dispatch_reload(struct dispatch *d, const struct config *cfg, FILE *errs);

/* The counters of 'd' (component/metrics.h), the waiting gauge brought up
 * to date. Cannot fail. */
struct metrics *dispatch_metrics(struct dispatch *d);

/* Write the audit trail to 'a' (borrowed; NULL: none). */
void dispatch_set_audit(struct dispatch *d, struct audit *a);

/* The token facts of 'lj' from verified claims 'c' (valid token). The
 * strings are borrowed from 'c'. Cannot fail. */
void dispatch_token_facts(const struct token_claims *c, struct lobby_join *lj);

/* stream_handlers.on_join: decide one pre-join and log the verdict. The
 * strings in 'v' stay valid until the next call. */
void dispatch_on_join(void *arg, const struct bridge_join *join, struct bridge_verdict *v,
                      const struct lobby_actions **out);

/* stream_handlers.on_event: a main-room event from the bridge. */
int dispatch_on_event(void *arg, const struct bridge_event *ev, const struct lobby_actions **out);

/* stream_handlers.on_muc: a client request to a lobby room. */
int dispatch_on_muc(void *arg, const struct muc_request *rq, const struct lobby_actions **out);

/* stream_handlers.on_gone: a session the bridge no longer sees where
 * lobbyd believed it: handled as the leave lobbyd missed. */
int dispatch_on_gone(void *arg, const struct bridge_session *ses, const struct lobby_actions **out);

/* stream_handlers.asks_display_name: whether client 'jid' must give a
 * display name before joining the room its connection URL names. */
bool dispatch_asks_display_name(void *arg, const char *jid, const struct bridge_disco *d);

/* An admin command (stream_handlers.on_command) and the commands a JID
 * may see (stream_handlers.commands_for); see component/admin.h. */
void dispatch_on_command(void *arg, const struct adhoc_request *rq, struct adhoc_reply *reply,
                         const struct lobby_actions **out);
size_t dispatch_commands_for(void *arg, const char *jid, const struct adhoc_item **items);

/* The admin command "reload" calls 'fn' (main's reload). */
void dispatch_set_reloader(struct dispatch *d, admin_reload_fn fn, void *arg);

/* The sessions lobbyd believes present, to ask the bridge about after a
 * (re)connect. Returns how many are in '*out' (NULL when none), which the
 * caller frees with dispatch_sessions_free(). Cannot fail. */
size_t dispatch_sessions(const struct dispatch *d, struct bridge_session **out);
void dispatch_sessions_free(struct bridge_session *v, size_t n);

/* Load the state lobbyd left in cfg->state_file (if set and present).
 * Never fails: a state it cannot read is logged and set aside as
 * <state_file>.bad, and lobbyd starts with nobody waiting. */
void dispatch_restore(struct dispatch *d);

/* Write cfg->state_file if the state changed, at most once a second
 * unless 'force'. A failed write is logged; the next call tries again. */
void dispatch_persist(struct dispatch *d, bool force);

/* Milliseconds (monotonic) until the lobby has timed work, capped at
 * 'max_ms'. Cannot fail. */
unsigned dispatch_timeout_ms(const struct dispatch *d, unsigned max_ms);

/* Run timed work that is due; returns the effects to send (valid until the
 * next dispatch call). Cannot fail. */
const struct lobby_actions *dispatch_expire(struct dispatch *d);

#endif
