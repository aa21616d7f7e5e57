/*
 * policy.h: the join rules of lobby.h as one pure function.
 *
 * policy_decide() reads facts and writes a verdict; it keeps no state and
 * changes nothing else. lobby.c gathers the facts that need state (has
 * this session been admitted?) and records the outcome.
 */
#ifndef LOBBYD_LOBBY_POLICY_H
#define LOBBYD_LOBBY_POLICY_H

#include <stdint.h>

#include "lobby/admit.h"
#include "lobby/event.h"

/* What the lobby state knows about the joining session (lobby.h). */
enum policy_admission {
    POLICY_ADMISSION_NONE,             /* never admitted, or expired */
    POLICY_ADMISSION_SESSION,          /* approved, or inside the room */
    POLICY_ADMISSION_REJOIN            /* left the room within the window */
};

/* Everything a decision depends on; all pointers borrowed. */
struct policy_facts {
    const struct lobby_config *cfg;
    const struct lobby_join *join;
    enum policy_admission admission;
    uint64_t away_ms;                  /* REJOIN: time since the session left */
    bool sent_back;                    /* a moderator sent this session back to the lobby */
    bool settled;                      /* the room had its first owner-token join */
    bool hosted;                       /* an owner (not a service) has been in the room */
    size_t waiting;                    /* knockers in the room's lobby */
    bool held;                         /* lobbyd has the room's lobby on */
    const struct lobby_admit_rule *admit; /* the operator's admission rules, in order */
    size_t n_admit;
    bool has_room_before_host;         /* an owner token gave the room its own before_host */
    enum lobby_before_host room_before_host; /* that one (policy_before_host) */
    const char *const *allow;          /* the room's allow list (an owner token's) */
    size_t n_allow;
    bool strict_rooms;                 /* some room has its own before_host wait or deny */
};

/* The before_host that governs the room of 'f': the room's own once an
 * owner token set it, the deployment's until then. Cannot fail. */
enum lobby_before_host policy_before_host(const struct policy_facts *f);

/*
 * Apply the rules listed in lobby.h, in that order, to 'f' and write the
 * verdict to 'out'. 'out->rule' points to a static string. Cannot fail.
 */
void policy_decide(const struct policy_facts *f, struct lobby_verdict *out);

/*
 * Whether 'real_jid' (NULL: no) matches one of cfg's service identities;
 * '*which', when not NULL, gets its index. Cannot fail.
 */
bool policy_is_service(const struct lobby_config *cfg, const char *real_jid, size_t *which);

/*
 * Which joins the bridge must ask about under 'cfg' (every verdict carries
 * it as lobby_verdict.ask); 'strict_rooms': some room has its own
 * before_host wait or deny.  Cannot fail.
 */
enum lobby_ask policy_ask_scope(const struct lobby_config *cfg, bool strict_rooms);

/*
 * Whether every later join into a room must be asked about (every verdict
 * carries it as lobby_verdict.ask_room): the room's before_host 'mode' is
 * wait or deny and no host has been in it yet. Cannot fail.
 */
bool policy_room_waits_for_host(enum lobby_before_host mode, bool hosted);

#endif /* LOBBYD_LOBBY_POLICY_H */
