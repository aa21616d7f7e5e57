/*
 * dispatch_internal.h: what the files behind dispatch.h (dispatch.c,
 * dispatch_join.c, persist.c) share: the dispatcher's state, its clock,
 * and the steps the event handlers share. Not part of the component's API:
 * the loop uses dispatch.h.
 */
#ifndef LOBBYD_COMPONENT_DISPATCH_INTERNAL_H
#define LOBBYD_COMPONENT_DISPATCH_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "component/admin.h"
#include "component/audit.h"
#include "component/config.h"
#include "component/metrics.h"
#include "jwt/token.h"
#include "lobby/lobby.h"

struct dispatch {
    const struct config *cfg;
    struct token_verifier *verifier;
    struct lobby *lobby;
    struct lobby_verdict last;      /* what the last bridge_verdict points into */
    struct lobby_actions actions;   /* effects of the last event */
    struct lobby_config lc;         /* to start again with an empty lobby */
    bool dirty;                     /* changed since the state file was written */
    uint64_t saved_ms;              /* when it was last written */
    bool save_failing;              /* the last write failed (logged once) */
    bool keep_file;                 /* a state file that could not be read or set aside:
                                       never overwrite it in this run */
    struct metrics *metrics;        /* counted always, served when metrics_listen is set */
    struct audit *audit;            /* borrowed; NULL: no audit_file */
    struct admin admin;             /* the admin commands and what their last reply holds */
};

/* Milliseconds on the monotonic clock, the lobby's now_ms. Cannot fail. */
uint64_t dispatch_monotonic_ms(void);

/*
 * A lobby call returned -1 with errno 'e' (saved right after the call).
 * EPERM, ENOSPC and ENOENT are refusals the caller reports: returns -1
 * with errno set back to 'e' for it. Anything else (out of memory) is
 * fatal, as everywhere in the daemon: systemd restarts it.
 */
int dispatch_lobby_failed(const char *what, int e);

/* What the effects of the last event (d->actions) mean for the counters
 * and the audit trail. Cannot fail. */
void dispatch_count_effects(struct dispatch *d);

#endif /* LOBBYD_COMPONENT_DISPATCH_INTERNAL_H */
