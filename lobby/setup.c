/*
 * setup.c: the lobby's configuration: its defaults, its limits, and
 * lobby_reconfigure(), which gives a running lobby a new configuration
 * while every room, knocker and admission stays as it is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lobby/lobby.h"
#include "lobby/lobby_internal.h"
#include "lobby/room.h"

void lobby_config_defaults(struct lobby_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->password_mode = LOBBY_PASSWORD_BYPASS;
    cfg->invalid_token = LOBBY_INVALID_TOKEN_GUEST;
    cfg->displayname_required = true;
}

const char *lobby_config_problem(const struct lobby_config *cfg)
{
    size_t i, len;

    if (cfg->lobby_domain == NULL || cfg->lobby_domain[0] == '\0')
        return "lobby_domain is empty";
    len = strnlen(cfg->lobby_domain, LOBBY_DOMAIN_MAX);
    if (len >= LOBBY_DOMAIN_MAX)
        return "lobby_domain is too long";
    if (strpbrk(cfg->lobby_domain, "@/") != NULL)
        return "lobby_domain must be a bare domain";
    if (cfg->password_mode > LOBBY_PASSWORD_IGNORED)
        return "password_mode is out of range";
    if (cfg->invalid_token > LOBBY_INVALID_TOKEN_DENY)
        return "invalid_token is out of range";
    if (cfg->before_host > LOBBY_BEFORE_HOST_DENY)
        return "before_host is out of range";
    if (cfg->n_admit_rules > LOBBY_MAX_ADMIT_RULES)
        return "too many admission rules";
    for (i = 0; i < cfg->n_admit_rules; i++) {
        struct lobby_admit_rule r;
        char why[8];

        if (cfg->admit_rules == NULL || !lobby_admit_parse(cfg->admit_rules[i], &r, why, sizeof(why)))
            return "an admission rule does not parse (lobby_admit_parse says why)";
    }
    if (cfg->knock_limit > LOBBY_KNOCK_LIMIT_MAX || cfg->knock_limit_per_ip > LOBBY_KNOCK_LIMIT_MAX)
        return "a knock limit allows more knocks than LOBBY_KNOCK_LIMIT_MAX";
    if ((cfg->knock_limit > 0 &&
         (cfg->knock_window_ms == 0 || cfg->knock_window_ms > LOBBY_KNOCK_WINDOW_MAX_MS)) ||
        (cfg->knock_limit_per_ip > 0 &&
         (cfg->knock_ip_window_ms == 0 || cfg->knock_ip_window_ms > LOBBY_KNOCK_WINDOW_MAX_MS)))
        return "a knock limit's window is empty or longer than a day";
    if (cfg->max_waiting_per_room > LOBBY_MAX_WAITING_PER_ROOM)
        return "max_waiting_per_room is above what one lobby holds";
    if (cfg->lobby_message != NULL && strnlen(cfg->lobby_message, LOBBY_MESSAGE_MAX) >= LOBBY_MESSAGE_MAX)
        return "lobby_message is too long";
    if (cfg->n_room_allow_issuers > LOBBY_MAX_ALLOW_ISSUERS)
        return "too many room_allow_issuers";
    if (cfg->n_room_allow_issuers > 0 && cfg->room_allow_issuers == NULL)
        return "room_allow_issuers missing";
    for (i = 0; i < cfg->n_room_allow_issuers; i++) {
        if (cfg->room_allow_issuers[i] == NULL || cfg->room_allow_issuers[i][0] == '\0' ||
            strnlen(cfg->room_allow_issuers[i], LOBBY_ISSUER_MAX) >= LOBBY_ISSUER_MAX)
            return "a room_allow_issuers entry is empty or too long";
    }
    if (cfg->n_service_jids > LOBBY_MAX_SERVICE_JIDS)
        return "too many service identities";
    if (cfg->n_service_jids > 0 && cfg->service_jids == NULL)
        return "service identities missing";
    for (i = 0; i < cfg->n_service_jids; i++) {
        if (cfg->service_jids[i] == NULL || cfg->service_jids[i][0] == '\0')
            return "empty service identity";
        if (strnlen(cfg->service_jids[i], LOBBY_JID_MAX) >= LOBBY_JID_MAX)
            return "service identity is too long";
        if (strchr(cfg->service_jids[i], '/') != NULL)
            return "service identity must be a bare JID or a domain";
    }
    return NULL;
}

/*
 * A shorter rejoin window or deny cooldown applies to those already
 * running: none lasts longer than the new one would from now. Clamping
 * keeps each list in deadline order (min with a constant is monotonic).
 */
static void clamp_deadlines(struct room_timers *t, const struct lobby_config *cfg,
                            uint64_t now_ms)
{
    uint64_t left_end = now_ms + cfg->rejoin_window_ms;
    uint64_t cool_end = now_ms + cfg->deny_cooldown_ms;
    struct room_admission *a;
    struct room_cooldown *c;

    TAILQ_FOREACH(a, &t->left, timer) {
        if (a->deadline_ms > left_end)
            a->deadline_ms = left_end;
    }
    TAILQ_FOREACH(c, &t->cooldowns, timer) {
        if (c->deadline_ms > cool_end)
            c->deadline_ms = cool_end;
    }
}

int lobby_reconfigure(struct lobby *lb, const struct lobby_config *cfg, uint64_t now_ms)
{
    struct lobby *fresh;
    struct lobby_config old;
    char **jids, **issuers, *message;
    struct lobby_admit_rule *admit;

    if (lobby_config_problem(cfg) != NULL ||
        strcasecmp(cfg->lobby_domain, lb->lobby_domain) != 0) {
        errno = EINVAL;
        return -1;
    }
    /* lobby_new() makes the owned copies; the two lobbies then swap them,
     * and the fresh one leaves with the old configuration. */
    fresh = lobby_new(cfg);
    if (fresh == NULL) {
        errno = ENOMEM;
        return -1;
    }
    old = lb->cfg;
    jids = lb->service_jids;
    issuers = lb->allow_issuers;
    admit = lb->admit;
    message = lb->lobby_message;
    lb->cfg = fresh->cfg;
    lb->service_jids = fresh->service_jids;
    lb->allow_issuers = fresh->allow_issuers;
    lb->admit = fresh->admit;
    lb->lobby_message = fresh->lobby_message;
    /* The rooms' table was keyed with the first seed; the domain is the same text. */
    memcpy(lb->cfg.hash_seed, old.hash_seed, sizeof(lb->cfg.hash_seed));
    lb->cfg.lobby_domain = lb->lobby_domain;
    fresh->cfg = old;
    fresh->service_jids = jids;
    fresh->allow_issuers = issuers;
    fresh->admit = admit;
    fresh->lobby_message = message;
    lobby_free(fresh);
    clamp_deadlines(&lb->timers, &lb->cfg, now_ms);
    /* A changed knock limit counts afresh; an unchanged one keeps counting. */
    rate_configure(&lb->knocks_by_identity, cfg->knock_limit, cfg->knock_window_ms);
    rate_configure(&lb->knocks_by_ip, cfg->knock_limit_per_ip, cfg->knock_ip_window_ms);
    return 0;
}
