/*
 * lobby_fixture.h: the lobby the state tests and the state fuzz target
 * run on: lobby domain lobby.meet.test, a fixed hash seed (runs repeat),
 * and the given rejoin window and deny cooldown. Aborts if it cannot be
 * made.
 */
#ifndef LOBBYD_TESTS_LOBBY_FIXTURE_H
#define LOBBYD_TESTS_LOBBY_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "lobby/lobby.h"

static struct lobby *fixture_lobby(uint64_t rejoin_window_ms, uint64_t deny_cooldown_ms)
{
    struct lobby_config cfg;
    struct lobby *lb;

    lobby_config_defaults(&cfg);
    cfg.lobby_domain = "lobby.meet.test";
    cfg.rejoin_window_ms = rejoin_window_ms;
    cfg.deny_cooldown_ms = deny_cooldown_ms;
    memcpy(cfg.hash_seed, "0123456789abcdef", 16);
    lb = lobby_new(&cfg);
    if (lb == NULL)
        abort();
    return lb;
}

#endif
