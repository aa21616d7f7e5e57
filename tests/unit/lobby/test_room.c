/*
 * test_room.c: the lobby-room state behind lobby.h, driven as one script
 * of events. Each row is one event with the return value and the effects
 * it must produce, written "kind:recipient" in order; a failing row prints
 * its name and the effects it got. Plus a 10,000-knocker run that checks
 * counts, and the deadline lists.
 */
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lobby/lobby.h"
#include "lobby/room.h"
#include "tests/unit/lobby/lobby_fixture.h"

#define ROOM "myroom@conference.meet.test"
#define LOBBY "myroom@lobby.meet.test"
#define OWNER "o1@meet.test/web"
#define CALL1 "gw@sip.meet.test/call-1"
#define CALL2 "gw@sip.meet.test/call-2"
#define GUEST "g1@meet.test/web"

enum step_op {
    OP_ENABLE, OP_DISABLE, OP_OWNER, OP_KNOCK, OP_UPDATE, OP_LEAVE,
    OP_ADMIT, OP_DENY, OP_JOIN, OP_JOIN_NO_LOBBY, OP_MAIN_JOINED, OP_MAIN_LEFT,
    OP_MAIN_KICKED, OP_OWNER_GONE, OP_EXPIRE, OP_DESTROYED
};

struct step {
    const char *name;
    enum step_op op;
    uint64_t now_ms;
    const char *jid;                   /* the subject's real JID */
    const char *nick;                  /* knock nick, deny nick */
    const char *actor;
    int want_rc;
    const char *want;                  /* effects, or the join rule for joins */
};

static const struct step script[] = {
    { "knock before the lobby is on", OP_KNOCK, 0, GUEST, "aaaa", NULL, 0,
      "refuse:" GUEST },
    { "guest join, lobby on, room unknown", OP_JOIN, 0, GUEST, NULL, NULL, 0,
      "lobby" },
    { "enable (already on from the join)", OP_ENABLE, 0, NULL, NULL, OWNER, 0, "" },
    { "owner mirrored", OP_OWNER, 0, OWNER, NULL, NULL, 0, "" },
    { "owner enters the lobby room", OP_KNOCK, 1, OWNER, "mod1", NULL, 0,
      "self:" OWNER },
    { "guest knocks", OP_KNOCK, 2, GUEST, "aaaa", NULL, 0,
      "self:" GUEST " occ:" OWNER },
    { "call 1 knocks", OP_KNOCK, 3, CALL1, "bbbb", NULL, 0,
      "self:" CALL1 " occ:" OWNER },
    { "call 2 knocks", OP_KNOCK, 4, CALL2, "cccc", NULL, 0,
      "self:" CALL2 " occ:" OWNER },
    { "nick taken", OP_KNOCK, 5, "x@meet.test/r", "aaaa", NULL, 0,
      "refuse:x@meet.test/r" },
    { "guest knocks again, keeps its nick", OP_KNOCK, 6, GUEST, "zzzz", NULL,
      0, "self:" GUEST " occ:" OWNER },
    { "guest announces e-mail", OP_UPDATE, 7, GUEST, NULL, NULL, 1,
      "self:" GUEST " occ:" OWNER },
    { "stranger update ignored", OP_UPDATE, 7, "x@meet.test/r", NULL, NULL, 0,
      "" },
    { "call 1 joins before approval", OP_JOIN, 8, CALL1, NULL, NULL, 0, "lobby" },
    { "approve call 1 by full JID", OP_ADMIT, 9, CALL1, NULL, OWNER, 1,
      "notify:LOBBY-ACCESS-GRANTED" },
    { "call 1 joins", OP_JOIN, 10, CALL1, NULL, NULL, 0, "admitted-session" },
    { "Prosody confirms call 1 joined", OP_MAIN_JOINED, 10, CALL1, NULL, NULL, 0, "" },
    { "call 2, same account, still knocks", OP_JOIN, 11, CALL2, NULL, NULL, 0,
      "lobby" },
    { "call 1 leaves the lobby", OP_LEAVE, 12, CALL1, NULL, NULL, 1,
      "gone:" CALL1 " gone:" OWNER },
    { "guest cannot deny", OP_DENY, 13, NULL, "cccc", GUEST, -1, "" },
    { "deny unknown nick", OP_DENY, 13, NULL, "nope", OWNER, 0, "" },
    { "owner denies call 2", OP_DENY, 14, NULL, "cccc", OWNER, 1,
      "kick:" CALL2 " kick:" OWNER " notify:LOBBY-ACCESS-DENIED" },
    { "call 2 knocks during cooldown", OP_KNOCK, 1000, CALL2, "cccc", NULL, 0,
      "refuse:" CALL2 },
    { "call 1 leaves the main room", OP_MAIN_LEFT, 2000, CALL1, NULL, NULL, 0,
      "" },
    { "call 1 back within the window", OP_JOIN, 5000, CALL1, NULL, NULL, 0,
      "rejoin-window" },
    { "Prosody confirms it", OP_MAIN_JOINED, 5000, CALL1, NULL, NULL, 0, "" },
    { "call 1 leaves again", OP_MAIN_LEFT, 6000, CALL1, NULL, NULL, 0, "" },
    { "windows and cooldowns end", OP_EXPIRE, 200000, NULL, NULL, NULL, 0, "" },
    { "call 1 back too late", OP_JOIN, 200000, CALL1, NULL, NULL, 0, "lobby" },
    { "call 2 may knock again", OP_KNOCK, 200001, CALL2, "cccc", NULL, 0,
      "self:" CALL2 " occ:" OWNER },
    { "approve the account by bare JID", OP_ADMIT, 200002, "gw@sip.meet.test",
      NULL, OWNER, 1, "notify:LOBBY-ACCESS-GRANTED" },
    { "disable: everyone walks in", OP_DISABLE, 200003, NULL, NULL, OWNER, 2,
      "destroy:" GUEST " destroy:" CALL2 " destroy:" OWNER
      " notify:LOBBY-ENABLED" },
    { "guest joins, lobby off", OP_JOIN_NO_LOBBY, 200004, GUEST, NULL, NULL,
      0, "no-lobby" },
    { "knock after disable", OP_KNOCK, 200005, GUEST, "aaaa", NULL, 0,
      "refuse:" GUEST },
    { "enable again", OP_ENABLE, 200006, NULL, NULL, OWNER, 0,
      "notify:LOBBY-ENABLED" },
    { "released guest still admitted", OP_JOIN, 200007, GUEST, NULL, NULL, 0,
      "admitted-session" },
    { "guest knocks", OP_KNOCK, 200008, "g2@meet.test/x", "dddd", NULL, 0,
      "self:g2@meet.test/x" },
    { "lobby-off join refused by Prosody (never confirmed)", OP_JOIN_NO_LOBBY, 200008,
      "late@meet.test/p", NULL, NULL, 0, "no-lobby" },
    { "... is no admission once the lobby is on", OP_JOIN, 200008, "late@meet.test/p",
      NULL, NULL, 0, "lobby" },
    { "guest kicked from the main room", OP_MAIN_KICKED, 200008, GUEST, NULL, NULL, 0, "" },
    { "a kicked guest knocks again", OP_JOIN, 200008, GUEST, NULL, NULL, 0, "lobby" },
    { "owner back in the lobby room", OP_KNOCK, 200008, OWNER, "mod2", NULL, 0,
      "self:" OWNER " occ:" OWNER },
    { "owner demoted: stops moderating the lobby room; the last host, so the waiting hear it",
      OP_OWNER_GONE, 200008, OWNER, NULL, NULL, 0, "gone:" OWNER " notice:g2@meet.test/x" },
    { "... and is not told of new knockers", OP_KNOCK, 200008, "g3@meet.test/x", "eeee",
      NULL, 0, "self:g3@meet.test/x" },
    { "main room destroyed", OP_DESTROYED, 200009, NULL, NULL, NULL, 2,
      "destroy:g2@meet.test/x destroy:g3@meet.test/x" },
    { "nothing left", OP_KNOCK, 200010, GUEST, "aaaa", NULL, 0,
      "refuse:" GUEST },
};

static const char *kind_name(enum lobby_effect_kind k)
{
    static const char *const names[] = {
        [LOBBY_DO_REFUSE] = "refuse", [LOBBY_DO_SELF_PRESENCE] = "self",
        [LOBBY_DO_OCCUPANT_PRESENCE] = "occ", [LOBBY_DO_OCCUPANT_GONE] = "gone",
        [LOBBY_DO_KICK] = "kick", [LOBBY_DO_DESTROY] = "destroy",
        [LOBBY_DO_NOTIFY_MAIN] = "notify", [LOBBY_DO_RELAY] = "relay",
        [LOBBY_DO_NOTICE] = "notice",
    };
    return names[k];
}

/* "kind:to kind:to ..." for comparison with a row. */
static void render(const struct lobby_actions *a, char *buf, size_t size)
{
    size_t i, used = 0;
    int n;

    buf[0] = '\0';
    for (i = 0; i < a->n; i++) {
        const struct lobby_effect *e = &a->v[i];

        n = snprintf(buf + used, size - used, "%s%s:%s", i ? " " : "",
                     kind_name(e->kind),
                     e->kind == LOBBY_DO_NOTIFY_MAIN ? e->event : e->to);
        assert_true(n >= 0 && (size_t)n < size - used);
        used += (size_t)n;
    }
}

static struct lobby *new_lobby(void)
{
    return fixture_lobby(60000, 30000);
}

static int run_join(struct lobby *lb, const struct step *s, char *got,
                    size_t size)
{
    struct lobby_join j = {
        .room = ROOM, .nick = "n", .real_jid = s->jid, .session = "s",
        .display_name = "Someone", .affiliation = LOBBY_AFF_MEMBER,
        .room_exists = true, .members_only = s->op == OP_JOIN,
    };
    struct lobby_verdict v;
    int rc = lobby_on_join(lb, &j, s->now_ms, &v);

    snprintf(got, size, "%s", v.rule);
    return rc;
}

static int run_step(struct lobby *lb, const struct step *s,
                    struct lobby_actions *a, char *got, size_t size)
{
    struct lobby_knock k = { .lobby_room = LOBBY, .nick = s->nick,
                             .real_jid = s->jid, .session = "s",
                             .display_name = "Someone", .email = "e@x.test" };
    int rc = 0;

    switch (s->op) {
    case OP_ENABLE: rc = lobby_on_enable(lb, ROOM, s->actor, s->now_ms, a); break;
    case OP_DISABLE: rc = lobby_on_disable(lb, ROOM, s->actor, s->now_ms, a); break;
    case OP_OWNER: rc = lobby_on_owner(lb, ROOM, s->jid, true, s->now_ms, a); break;
    case OP_OWNER_GONE: rc = lobby_on_owner(lb, ROOM, s->jid, false, s->now_ms, a); break;
    case OP_MAIN_JOINED:
        rc = lobby_on_occupant_joined(lb, ROOM, s->jid, NULL, false, s->now_ms, a);
        break;
    case OP_MAIN_KICKED:
        rc = lobby_on_occupant_left(lb, ROOM, s->jid, true, s->now_ms, a);
        break;
    case OP_KNOCK: rc = lobby_on_knock(lb, &k, s->now_ms, a); break;
    case OP_UPDATE: rc = lobby_on_knock_update(lb, &k, s->now_ms, a); break;
    case OP_LEAVE: rc = lobby_on_leave(lb, LOBBY, s->jid, a); break;
    case OP_ADMIT:
        rc = lobby_on_admit(lb, ROOM, s->jid, s->actor, s->now_ms, a);
        break;
    case OP_DENY:
        rc = lobby_on_deny(lb, LOBBY, s->nick, s->actor, NULL, s->now_ms, a);
        break;
    case OP_JOIN:
    case OP_JOIN_NO_LOBBY:
        return run_join(lb, s, got, size);
    case OP_MAIN_LEFT: rc = lobby_on_occupant_left(lb, ROOM, s->jid, false, s->now_ms, a); break;
    case OP_EXPIRE: rc = lobby_expire(lb, s->now_ms, a); break;
    case OP_DESTROYED: rc = lobby_on_room_destroyed(lb, ROOM, a); break;
    }
    render(a, got, size);
    return rc;
}

/* Run 'n' steps on 'lb' (freed after); fails the test if any step does. */
static void run_script(struct lobby *lb, const struct step *steps, size_t n)
{
    struct lobby_actions a;
    char got[1024];
    size_t i, failed = 0;
    int rc;

    lobby_actions_init(&a);
    for (i = 0; i < n; i++) {
        rc = run_step(lb, &steps[i], &a, got, sizeof(got));
        if (rc != steps[i].want_rc || strcmp(got, steps[i].want) != 0) {
            print_error("FAIL step %zu \"%s\": rc=%d got \"%s\"; want rc=%d "
                        "\"%s\"\n", i, steps[i].name, rc, got,
                        steps[i].want_rc, steps[i].want);
            failed++;
        }
        lobby_actions_clear(&a);
    }
    lobby_free(lb);
    assert_int_equal(failed, 0);
}

static void test_room_script(void **state)
{
    (void)state;
    run_script(new_lobby(), script, sizeof(script) / sizeof(script[0]));
}

#define JIBRI "jibri@auth.meet.test/rec"
#define G2 "g2@meet.test/web"
#define G3 "g3@meet.test/web"
#define G4 "g4@meet.test/web"

/* end_without_host_after = 60 s; Jibri is a service identity, nobody's host. */
static const struct step host_script[] = {
    { "lobby on", OP_ENABLE, 0, NULL, NULL, OWNER, 0, "notify:LOBBY-ENABLED" },
    { "the host is in the meeting", OP_OWNER, 0, OWNER, NULL, NULL, 0, "" },
    { "so is a recorder, as owner", OP_OWNER, 0, JIBRI, NULL, NULL, 0, "" },
    { "a guest knocks while the host is in: no clock", OP_KNOCK, 1000, GUEST, "aaaa", NULL, 0,
      "self:" GUEST },
    { "another guest knocks", OP_KNOCK, 1500, G2, "bbbb", NULL, 0, "self:" G2 },
    { "... and is let in", OP_ADMIT, 1600, G2, NULL, OWNER, 1, "notify:LOBBY-ACCESS-GRANTED" },
    { "nothing is due while the host is in", OP_EXPIRE, 500000 - 1, NULL, NULL, NULL, 0, "" },
    { "the recorder leaves: not a host, nobody is told", OP_MAIN_LEFT, 500000, JIBRI, NULL, NULL,
      0, "" },
    { "the host leaves: the waiting guest is told, the one let in is not", OP_MAIN_LEFT, 500000,
      OWNER, NULL, NULL, 0, "notice:" GUEST },
    { "not yet", OP_EXPIRE, 559999, NULL, NULL, NULL, 0, "" },
    { "the host is back in time: the clock stops", OP_OWNER, 559999, OWNER, NULL, NULL, 0, "" },
    { "nothing ends", OP_EXPIRE, 700000, NULL, NULL, NULL, 0, "" },
    { "the host is demoted: the last host again", OP_OWNER_GONE, 700000, OWNER, NULL, NULL, 0,
      "notice:" GUEST },
    { "a minute without a host: the guest is sent away", OP_EXPIRE, 760000, NULL, NULL, NULL, 0,
      "destroy:" GUEST },
    { "the recorder alone is no host: a knock starts the clock", OP_OWNER, 800000, JIBRI, NULL,
      NULL, 0, "" },
    { "a guest knocks with no host", OP_KNOCK, 800000, G3, "cccc", NULL, 0, "self:" G3 },
    { "... and leaves", OP_LEAVE, 810000, G3, NULL, NULL, 1, "gone:" G3 },
    { "the next knocker's clock starts with its knock", OP_KNOCK, 820000, G4, "dddd", NULL, 0,
      "self:" G4 },
    { "not when the first knocker's would have ended", OP_EXPIRE, 860000, NULL, NULL, NULL, 0,
      "" },
    { "a minute after its own knock", OP_EXPIRE, 880000, NULL, NULL, NULL, 0, "destroy:" G4 },
};

static struct lobby *host_lobby(uint64_t end_without_host_ms)
{
    static const char *const services[] = { "jibri@auth.meet.test" };
    struct lobby_config cfg;
    struct lobby *lb;

    lobby_config_defaults(&cfg);
    cfg.lobby_domain = "lobby.meet.test";
    cfg.end_without_host_ms = end_without_host_ms;
    cfg.service_jids = services;
    cfg.n_service_jids = 1;
    lb = lobby_new(&cfg);
    assert_non_null(lb);
    return lb;
}

static void test_host_script(void **state)
{
    (void)state;
    run_script(host_lobby(60000), host_script, sizeof(host_script) / sizeof(host_script[0]));
}

/* The words the waiting read, the limit logged, the deadline. */
static void test_host_details(void **state)
{
    struct lobby *lb = host_lobby(90000);
    struct lobby_actions a;
    struct lobby_knock k = { .lobby_room = LOBBY, .nick = "aaaa", .real_jid = GUEST,
                             .session = "s", .display_name = "Alice" };

    (void)state;
    lobby_actions_init(&a);
    assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 0, &a), 0);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, OWNER, NULL, true, 0, &a), 0);
    assert_int_equal(lobby_on_knock(lb, &k, 10, &a), 0);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_next_deadline(lb), UINT64_MAX);
    assert_int_equal(lobby_on_occupant_left(lb, ROOM, OWNER, false, 1000, &a), 0);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.v[0].kind, LOBBY_DO_NOTICE);
    assert_string_equal(a.v[0].room, LOBBY);
    assert_string_equal(a.v[0].to, GUEST);
    assert_string_equal(a.v[0].text, "The host has left the meeting. Please keep waiting: a host "
                                     "can still let you in. If no host is back within 90 "
                                     "seconds, the wait ends.");
    lobby_actions_clear(&a);
    assert_int_equal(lobby_next_deadline(lb), 91000);
    assert_int_equal(lobby_expire(lb, 91000, &a), 0);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.v[0].kind, LOBBY_DO_DESTROY);
    assert_null(a.v[0].newjid);
    assert_string_equal(a.v[0].event, "end-without-host");
    assert_string_equal(a.v[0].text, "The meeting has had no host for 90 seconds, so nobody "
                                     "can let you in; please try again later.");
    lobby_actions_clear(&a);
    assert_int_equal(lobby_next_deadline(lb), UINT64_MAX);
    lobby_free(lb);

    /* Without the limit the waiting are told they may keep waiting, and nothing ends. */
    lb = host_lobby(0);
    assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 0, &a), 0);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, OWNER, NULL, true, 0, &a), 0);
    assert_int_equal(lobby_on_knock(lb, &k, 10, &a), 0);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_on_occupant_left(lb, ROOM, OWNER, false, 1000, &a), 0);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.v[0].text, "The host has left the meeting. Please keep waiting: a host "
                                     "can still let you in.");
    lobby_actions_clear(&a);
    assert_int_equal(lobby_next_deadline(lb), UINT64_MAX);
    lobby_free(lb);
}

/* Details the script does not show: texts, deny kinds, newjid, nicks. */
static void test_effect_details(void **state)
{
    struct lobby *lb = new_lobby();
    struct lobby_actions a;
    struct lobby_knock k = { .lobby_room = LOBBY, .nick = "aaaa",
                             .real_jid = GUEST, .display_name = "Alice" };

    (void)state;
    lobby_actions_init(&a);
    assert_int_equal(lobby_on_knock(lb, &k, 0, &a), 0);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.v[0].deny, LOBBY_DENY_NOT_ALLOWED);
    assert_string_equal(a.v[0].text, "Room creation is restricted");
    lobby_actions_clear(&a);

    assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 0, &a), 0);
    assert_true(a.v[0].flag);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_on_knock(lb, &k, 1, &a), 0);
    assert_string_equal(a.v[0].nick, "aaaa");
    assert_string_equal(a.v[0].room, LOBBY);
    assert_false(a.v[0].is_moderator);
    lobby_actions_clear(&a);
    /* Only an owner present in the main room may approve. */
    assert_int_equal(lobby_on_admit(lb, ROOM, GUEST, OWNER, 2, &a), -1);
    assert_int_equal(errno, EPERM);
    assert_int_equal(a.n, 0);
    /* ... and a room lobbyd does not know has no owner to check. */
    assert_int_equal(lobby_on_admit(lb, "other@conference.meet.test", GUEST, OWNER, 2, &a), -1);
    assert_int_equal(errno, EPERM);
    assert_int_equal(lobby_on_owner(lb, ROOM, OWNER, true, 0, &a), 0);
    assert_int_equal(lobby_on_admit(lb, ROOM, GUEST, OWNER, 2, &a), 1);
    assert_string_equal(a.v[0].text, LOBBY "/aaaa");
    assert_string_equal(a.v[0].name, "Alice");
    assert_string_equal(a.v[0].actor, OWNER);
    assert_string_equal(a.v[0].room, ROOM);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_on_disable(lb, ROOM, OWNER, 3, &a), 1);
    assert_int_equal(a.v[0].kind, LOBBY_DO_DESTROY);
    assert_string_equal(a.v[0].newjid, ROOM);
    assert_string_equal(a.v[0].text, "Lobby room closed.");
    assert_false(a.v[1].flag);
    lobby_actions_clear(&a);
    lobby_free(lb);
}

static void test_deadlines(void **state)
{
    struct lobby *lb = new_lobby();
    struct lobby_actions a;
    struct lobby_verdict v;
    struct lobby_join j = { .room = ROOM, .real_jid = GUEST,
                            .display_name = "A", .room_exists = true };

    (void)state;
    lobby_actions_init(&a);
    assert_int_equal(lobby_next_deadline(lb), UINT64_MAX);
    assert_int_equal(lobby_on_join(lb, &j, 100, &v), 0);  /* lobby off */
    assert_int_equal(lobby_next_deadline(lb), 100 + LOBBY_ADMIT_JOIN_MS); /* pending */
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, GUEST, NULL, false, 100, &a), 0);
    assert_int_equal(lobby_next_deadline(lb), UINT64_MAX); /* present */
    assert_int_equal(lobby_on_occupant_left(lb, ROOM, GUEST, false, 1000, &a), 0);
    assert_int_equal(lobby_next_deadline(lb), 61000);
    assert_int_equal(lobby_on_owner(lb, ROOM, OWNER, true, 0, &a), 0);
    assert_int_equal(lobby_on_admit(lb, ROOM, CALL1, OWNER, 2000, &a), 0);
    assert_int_equal(lobby_next_deadline(lb), 61000);
    assert_int_equal(lobby_expire(lb, 60999, &a), 0);
    assert_int_equal(lobby_next_deadline(lb), 61000);
    assert_int_equal(lobby_expire(lb, 61000, &a), 0);
    assert_int_equal(lobby_next_deadline(lb), 2000 + LOBBY_ADMIT_JOIN_MS);
    assert_int_equal(lobby_expire(lb, 2000 + LOBBY_ADMIT_JOIN_MS, &a), 0);
    assert_int_equal(lobby_next_deadline(lb), UINT64_MAX);
    assert_int_equal(a.n, 0);
    lobby_free(lb);
}

/* 10,000 knockers: every count is right and the cap holds. */
static void test_ten_thousand(void **state)
{
    struct lobby *lb = new_lobby();
    struct lobby_actions a;
    struct lobby_knock k = { .lobby_room = LOBBY, .display_name = "Guest" };
    char jid[64], nick[16];
    size_t i, effects = 0;

    (void)state;
    lobby_actions_init(&a);
    assert_int_equal(lobby_on_enable(lb, ROOM, NULL, 0, &a), 0);
    assert_int_equal(lobby_on_owner(lb, ROOM, OWNER, true, 0, &a), 0);
    k.real_jid = OWNER;
    k.nick = "mod";
    assert_int_equal(lobby_on_knock(lb, &k, 0, &a), 0);
    lobby_actions_clear(&a);
    k.nick = nick;
    k.real_jid = jid;
    for (i = 0; i <= LOBBY_MAX_WAITING_PER_ROOM; i++) {
        snprintf(jid, sizeof(jid), "u%zu@meet.test/r", i);
        snprintf(nick, sizeof(nick), "%08zx", i);
        assert_int_equal(lobby_on_knock(lb, &k, i, &a), 0);
        effects += a.n;
        if (i == LOBBY_MAX_WAITING_PER_ROOM) {
            assert_int_equal(a.v[0].kind, LOBBY_DO_REFUSE);
            assert_int_equal(a.v[0].deny, LOBBY_DENY_FULL);
        }
        lobby_actions_clear(&a);
    }
    assert_int_equal(effects, 2 * LOBBY_MAX_WAITING_PER_ROOM + 1);
    assert_int_equal(lobby_waiting_count(lb, ROOM), LOBBY_MAX_WAITING_PER_ROOM);
    for (i = 0; i < LOBBY_MAX_WAITING_PER_ROOM; i += 2) {
        snprintf(jid, sizeof(jid), "u%zu@meet.test/r", i);
        assert_int_equal(lobby_on_admit(lb, ROOM, jid, OWNER, 20000, &a), 1);
        assert_int_equal(lobby_on_leave(lb, LOBBY, jid, &a), 1);
        lobby_actions_clear(&a);
    }
    assert_int_equal(lobby_waiting_count(lb, ROOM),
                     LOBBY_MAX_WAITING_PER_ROOM / 2);
    snprintf(nick, sizeof(nick), "%08x", 1);
    assert_int_equal(lobby_on_deny(lb, LOBBY, nick, OWNER, NULL, 30000, &a), 1);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_on_disable(lb, ROOM, OWNER, 40000, &a),
                     LOBBY_MAX_WAITING_PER_ROOM / 2 - 1);
    assert_int_equal(a.n, LOBBY_MAX_WAITING_PER_ROOM / 2 - 1 + 1 + 1);
    assert_int_equal(lobby_waiting_count(lb, ROOM), 0);
    lobby_actions_clear(&a);
    lobby_free(lb);
}

/* The fixed part of a waiter plus its hash slots stays well under 1 KiB. */
static void test_waiter_size(void **state)
{
    (void)state;
    assert_true(sizeof(struct room_waiter) + 3 * sizeof(void *) < 256);
}

/* Lobby chat: knockers reach moderators, moderators reach everyone,
 * knockers never reach each other. */
struct chat_case {
    const char *name;
    const char *from;
    const char *to_nick;            /* NULL: groupchat */
    int rc;                         /* recipients, or -1 */
    int err;                        /* errno when rc is -1 */
    const char *recipients;         /* "to,to,..." in order */
};

static const struct chat_case chat_cases[] = {
    {"knocker to the room reaches the moderator and itself", GUEST, NULL, 2, 0,
     OWNER "," GUEST},
    {"moderator to the room reaches everyone", OWNER, NULL, 3, 0,
     OWNER "," GUEST "," CALL1},
    {"knocker to a moderator", GUEST, "mod", 1, 0, OWNER},
    {"moderator to a knocker", OWNER, "bbbb", 1, 0, CALL1},
    {"knocker to another knocker is refused", GUEST, "bbbb", -1, EPERM, ""},
    {"someone outside the lobby room is refused", "x@meet.test/r", NULL, -1, EPERM, ""},
    {"unknown nick", OWNER, "zzzz", -1, ENOENT, ""},
};

static void test_lobby_chat(void **state)
{
    struct lobby *lb = new_lobby();
    struct lobby_actions a;
    struct lobby_knock k = { .lobby_room = LOBBY, .session = "s", .display_name = "X" };

    (void)state;
    lobby_actions_init(&a);
    assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 0, &a), 0);
    assert_int_equal(lobby_on_owner(lb, ROOM, OWNER, true, 0, &a), 0);
    k.real_jid = OWNER, k.nick = "mod";
    assert_int_equal(lobby_on_knock(lb, &k, 0, &a), 0);
    k.real_jid = GUEST, k.nick = "aaaa";
    assert_int_equal(lobby_on_knock(lb, &k, 0, &a), 0);
    k.real_jid = CALL1, k.nick = "bbbb";
    assert_int_equal(lobby_on_knock(lb, &k, 0, &a), 0);
    lobby_actions_clear(&a);
    for (size_t i = 0; i < sizeof(chat_cases) / sizeof(chat_cases[0]); i++) {
        const struct chat_case *c = &chat_cases[i];
        char got[512] = "";
        size_t used = 0;
        int rc;

        errno = 0;
        rc = lobby_on_message(lb, LOBBY, c->from, c->to_nick, &a);
        for (size_t e = 0; e < a.n; e++) {
            assert_int_equal(a.v[e].kind, LOBBY_DO_RELAY);
            assert_string_equal(a.v[e].room, LOBBY);
            used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s", e ? "," : "",
                                     a.v[e].to);
        }
        if (rc != c->rc || (rc == -1 && errno != c->err) || strcmp(got, c->recipients) != 0)
            fail_msg("case \"%s\": rc %d errno %d recipients \"%s\"", c->name, rc, errno, got);
        if (a.n > 0)
            assert_string_equal(a.v[0].nick, strcmp(c->from, OWNER) == 0 ? "mod"
                                             : strcmp(c->from, GUEST) == 0 ? "aaaa" : "bbbb");
        lobby_actions_clear(&a);
    }
    lobby_free(lb);
}

struct seen {
    char text[1024];
    int stop_after;                    /* stop the walk after this many, or 0 */
    int n;
};

static int collect(void *arg, const char *room, const char *nick, const char *real_jid)
{
    struct seen *s = arg;
    size_t used = strlen(s->text);

    snprintf(s->text + used, sizeof(s->text) - used, "%s%s/%s=%s", used > 0 ? " " : "", room,
             nick != NULL ? nick : "-", real_jid);
    s->n++;
    return s->stop_after != 0 && s->n >= s->stop_after ? 7 : 0;
}

/* What lobby_each_session() lists for the check after a reconnect: lobby
 * occupants by nick, main-room sessions once each (an owner is also
 * admitted), nothing that left, nothing only approved or in a window. */
static void test_each_session(void **state)
{
    struct lobby *lb = new_lobby();
    struct lobby_actions a;
    struct lobby_knock k = { .lobby_room = LOBBY, .session = "s", .display_name = "Someone" };
    struct seen seen = {0};

    (void)state;
    lobby_actions_init(&a);
    assert_int_equal(lobby_each_session(lb, collect, &seen), 0);
    assert_string_equal(seen.text, "");
    assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 0, &a), 0);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, OWNER, NULL, true, 0, &a), 0);
    k.nick = "mod1", k.real_jid = OWNER;
    assert_int_equal(lobby_on_knock(lb, &k, 1, &a), 0);
    k.nick = "aaaa", k.real_jid = GUEST;
    assert_int_equal(lobby_on_knock(lb, &k, 2, &a), 0);
    k.nick = "bbbb", k.real_jid = CALL1;
    assert_int_equal(lobby_on_knock(lb, &k, 3, &a), 0);
    assert_int_equal(lobby_on_admit(lb, ROOM, CALL1, OWNER, 4, &a), 1);
    assert_int_equal(lobby_on_leave(lb, LOBBY, CALL1, &a), 1);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, CALL2, NULL, false, 5, &a), 0);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, "left@meet.test/x", NULL, false, 5, &a), 0);
    assert_int_equal(lobby_on_occupant_left(lb, ROOM, "left@meet.test/x", false, 6, &a), 0);
    lobby_actions_clear(&a);

    assert_int_equal(lobby_each_session(lb, collect, &seen), 0);
    assert_string_equal(seen.text, LOBBY "/aaaa=" GUEST " " LOBBY "/mod1=" OWNER " "
                        ROOM "/-=" OWNER " " ROOM "/-=" CALL2);
    memset(&seen, 0, sizeof(seen));
    seen.stop_after = 2;
    assert_int_equal(lobby_each_session(lb, collect, &seen), 7);
    assert_int_equal(seen.n, 2);

    /* The bridge's answers: only what is still exactly as listed goes. */
    assert_int_equal(lobby_on_gone(lb, LOBBY, "other", GUEST, 7, &a), 0);
    assert_int_equal(lobby_on_gone(lb, LOBBY, "aaaa", GUEST, 7, &a), 1);
    assert_int_equal(lobby_on_gone(lb, LOBBY, "aaaa", GUEST, 7, &a), 0);
    assert_int_equal(lobby_on_gone(lb, ROOM, NULL, "nobody@meet.test/x", 7, &a), 0);
    assert_int_equal(lobby_on_gone(lb, ROOM, NULL, CALL2, 7, &a), 1);
    lobby_actions_clear(&a);
    /* Gone from the main room for a reason lobbyd cannot know: no rejoin
     * window, the next join knocks. */
    {
        struct lobby_join j = { .room = ROOM, .nick = "n", .real_jid = CALL2, .session = "s",
                                .display_name = "Someone", .affiliation = LOBBY_AFF_MEMBER,
                                .room_exists = true, .members_only = true };
        struct lobby_verdict v;

        assert_int_equal(lobby_on_join(lb, &j, 8, &v), 0);
        assert_string_equal(v.rule, "lobby");
    }
    memset(&seen, 0, sizeof(seen));
    assert_int_equal(lobby_each_session(lb, collect, &seen), 0);
    assert_string_equal(seen.text, LOBBY "/mod1=" OWNER " " ROOM "/-=" OWNER);
    lobby_free(lb);
}

/*
 * Who is asked for a display name up front (the #displayname_required disco
 * feature): only for a room whose lobby is on, never an owner or bypass
 * token, a service identity or an admitted session; nobody at all when
 * display names are not required. Each row is one question.
 */
struct name_case {
    const char *name;
    const char *room;
    const char *jid;
    enum lobby_token_state token;
    bool owner, bypass;
    bool want;
    const char *want_rule;
};

static const struct name_case name_cases[] = {
    { "guest, lobby on", ROOM, GUEST, LOBBY_TOKEN_NONE, false, false, true,
      "displayname-required" },
    { "owner token", ROOM, "o2@meet.test/w", LOBBY_TOKEN_VALID, true, false, false, "owner-claim" },
    { "bypass token", ROOM, "b@meet.test/w", LOBBY_TOKEN_VALID, false, true, false, "bypass-claim" },
    { "valid token, no rights", ROOM, "t@meet.test/w", LOBBY_TOKEN_VALID, false, false, true,
      "displayname-required" },
    { "refused token: a guest", ROOM, "t@meet.test/w", LOBBY_TOKEN_INVALID, false, false, true,
      "displayname-required" },
    { "admitted session", ROOM, CALL1, LOBBY_TOKEN_NONE, false, false, false, "admitted-session" },
    { "room without a lobby", "open@conference.meet.test", GUEST, LOBBY_TOKEN_NONE, false, false,
      false, "no-lobby" },
    { "no room named", NULL, GUEST, LOBBY_TOKEN_NONE, false, false, false, "no-lobby" },
};

static void test_display_name_asked(void **state)
{
    struct lobby *lb = new_lobby();
    struct lobby_actions a;
    struct lobby_config cfg;
    struct lobby *optional;
    const char *rule;
    size_t i;

    (void)state;
    lobby_actions_init(&a);
    assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 0, &a), 0);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, CALL1, NULL, false, 0, &a), 0);
    lobby_actions_clear(&a);
    for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
        const struct name_case *c = &name_cases[i];
        struct lobby_join j = { .room = c->room, .nick = "n", .real_jid = c->jid,
                                .token = c->token, .token_owner = c->owner,
                                .token_bypass = c->bypass, .token_reason = "expired",
                                .display_name = "ignored: asked before any join" };

        print_message("%s\n", c->name);
        assert_int_equal(lobby_asks_display_name(lb, &j, 1, &rule), c->want);
        assert_string_equal(rule, c->want_rule);
    }
    lobby_free(lb);

    lobby_config_defaults(&cfg);
    cfg.lobby_domain = "lobby.meet.test";
    cfg.displayname_required = false;
    optional = lobby_new(&cfg);
    assert_non_null(optional);
    assert_int_equal(lobby_on_enable(optional, ROOM, OWNER, 0, &a), 0);
    lobby_actions_clear(&a);
    {
        struct lobby_join j = { .room = ROOM, .nick = "n", .real_jid = GUEST };

        assert_false(lobby_asks_display_name(optional, &j, 1, &rule));
        assert_string_equal(rule, "lobby");
    }
    lobby_free(optional);
}

/* lobby_max_waiting and lobby_max_waiting_total: a knock past either cap
 * is refused with its reason, and a place that frees up is taken again. */
static const char *knock_in(struct lobby *lb, const char *lobby_room, const char *nick,
                            const char *jid)
{
    static char text[LOBBY_TEXT_MAX];
    struct lobby_actions a;
    struct lobby_knock k = { .lobby_room = lobby_room, .nick = nick, .real_jid = jid,
                             .session = "s", .display_name = "Someone" };

    lobby_actions_init(&a);
    assert_int_equal(lobby_on_knock(lb, &k, 1, &a), 0);
    assert_true(a.n > 0);
    snprintf(text, sizeof(text), "%s", a.v[0].kind == LOBBY_DO_REFUSE ? a.v[0].text : "in");
    if (a.v[0].kind == LOBBY_DO_REFUSE)
        assert_int_equal(a.v[0].deny, LOBBY_DENY_FULL);
    lobby_actions_clear(&a);
    return text;
}

static void test_waiting_caps(void **state)
{
    struct lobby_config cfg;
    struct lobby_actions a;
    struct lobby *lb;

    (void)state;
    lobby_config_defaults(&cfg);
    cfg.lobby_domain = "lobby.meet.test";
    cfg.max_waiting_per_room = 2;
    cfg.max_waiting_total = 3;
    lb = lobby_new(&cfg);
    assert_non_null(lb);
    lobby_actions_init(&a);
    assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 0, &a), 0);
    assert_int_equal(lobby_on_enable(lb, "other@conference.meet.test", OWNER, 0, &a), 0);
    lobby_actions_clear(&a);
    assert_string_equal(knock_in(lb, LOBBY, "a1", "a1@meet.test/r"), "in");
    assert_string_equal(knock_in(lb, LOBBY, "a2", "a2@meet.test/r"), "in");
    assert_string_equal(knock_in(lb, LOBBY, "a3", "a3@meet.test/r"),
                        "this meeting's lobby is full (2 waiting); please try again later");
    assert_string_equal(knock_in(lb, "other@lobby.meet.test", "b1", "b1@meet.test/r"), "in");
    assert_string_equal(knock_in(lb, "other@lobby.meet.test", "b2", "b2@meet.test/r"),
                        "the lobby service is full (3 waiting in all lobbies); please try again later");
    assert_int_equal(lobby_on_leave(lb, LOBBY, "a1@meet.test/r", &a), 1);
    lobby_actions_clear(&a);
    assert_string_equal(knock_in(lb, "other@lobby.meet.test", "b2", "b2@meet.test/r"), "in");
    /* A room that goes away frees its places. */
    assert_int_equal(lobby_on_room_destroyed(lb, "other@conference.meet.test", &a), 2);
    lobby_actions_clear(&a);
    assert_string_equal(knock_in(lb, LOBBY, "a3", "a3@meet.test/r"), "in");
    lobby_free(lb);
    cfg.max_waiting_per_room = LOBBY_MAX_WAITING_PER_ROOM + 1;
    assert_non_null(lobby_config_problem(&cfg));
}

/* lobby_max_wait: a knocker nobody let in is sent away with the reason,
 * in knock order across rooms; an approved one is on its way and stays. */
static void test_max_wait(void **state)
{
    struct lobby_config cfg;
    struct lobby_actions a;
    struct lobby *lb;
    struct lobby_knock k = { .lobby_room = LOBBY, .session = "s", .display_name = "Someone" };
    char got[512];

    (void)state;
    lobby_config_defaults(&cfg);
    cfg.lobby_domain = "lobby.meet.test";
    cfg.max_wait_ms = 60000;
    lb = lobby_new(&cfg);
    assert_non_null(lb);
    lobby_actions_init(&a);
    assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 0, &a), 0);
    assert_int_equal(lobby_on_enable(lb, "other@conference.meet.test", OWNER, 0, &a), 0);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, OWNER, NULL, true, 0, &a), 0);
    k.nick = "mod1", k.real_jid = OWNER;
    assert_int_equal(lobby_on_knock(lb, &k, 0, &a), 0);
    k.nick = "aaaa", k.real_jid = GUEST;
    assert_int_equal(lobby_on_knock(lb, &k, 1000, &a), 0);
    k.nick = "bbbb", k.real_jid = CALL1;
    assert_int_equal(lobby_on_knock(lb, &k, 2000, &a), 0);
    k.lobby_room = "other@lobby.meet.test", k.nick = "cccc", k.real_jid = CALL2;
    assert_int_equal(lobby_on_knock(lb, &k, 3000, &a), 0);
    assert_int_equal(lobby_on_admit(lb, ROOM, CALL1, OWNER, 4000, &a), 1);
    lobby_actions_clear(&a);

    assert_int_equal(lobby_next_deadline(lb), 61000);
    assert_int_equal(lobby_expire(lb, 60999, &a), 0);
    assert_int_equal(a.n, 0);
    assert_int_equal(lobby_expire(lb, 61000, &a), 0);
    render(&a, got, sizeof(got));
    assert_string_equal(got, "destroy:" GUEST " gone:" OWNER);
    assert_null(a.v[0].newjid);
    assert_string_equal(a.v[0].text, "Nobody let you in within 1 minute; please try again later.");
    lobby_actions_clear(&a);
    /* The approved knocker is skipped; the other room's is next. */
    assert_int_equal(lobby_next_deadline(lb), 63000);
    assert_int_equal(lobby_expire(lb, 63000, &a), 0);
    render(&a, got, sizeof(got));
    assert_string_equal(got, "destroy:" CALL2);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_waiting_count(lb, ROOM), 1);
    assert_int_equal(lobby_waiting_count(lb, "other@conference.meet.test"), 0);
    lobby_free(lb);
}

/* lobby_reconfigure: everyone stays; a shorter rejoin window or cooldown
 * ends the running ones no later than it would from now; max_wait counts
 * from each knock; the lobby domain cannot change. */
static void test_reconfigure(void **state)
{
    struct lobby *lb = new_lobby();          /* rejoin 60 s, cooldown 30 s */
    struct lobby_config cfg;
    struct lobby_actions a;
    struct lobby_knock k = { .lobby_room = LOBBY, .session = "s", .display_name = "Someone" };
    char got[512];

    (void)state;
    lobby_actions_init(&a);
    assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 0, &a), 0);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, OWNER, NULL, true, 0, &a), 0);
    k.nick = "mod1", k.real_jid = OWNER;
    assert_int_equal(lobby_on_knock(lb, &k, 0, &a), 0);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, CALL1, NULL, false, 0, &a), 0);
    assert_int_equal(lobby_on_occupant_left(lb, ROOM, CALL1, false, 1000, &a), 0);   /* until 61000 */
    k.nick = "gggg", k.real_jid = GUEST;
    assert_int_equal(lobby_on_knock(lb, &k, 2000, &a), 0);
    k.nick = "cccc", k.real_jid = CALL2;
    assert_int_equal(lobby_on_knock(lb, &k, 2000, &a), 0);
    assert_int_equal(lobby_on_deny(lb, LOBBY, "cccc", OWNER, NULL, 3000, &a), 1);  /* until 33000 */
    lobby_actions_clear(&a);

    lobby_config_defaults(&cfg);
    cfg.lobby_domain = "lobby.other.test";
    assert_int_equal(lobby_reconfigure(lb, &cfg, 5000), -1);
    assert_int_equal(errno, EINVAL);
    cfg.lobby_domain = "lobby.meet.test";
    cfg.password_mode = 99;
    assert_int_equal(lobby_reconfigure(lb, &cfg, 5000), -1);
    assert_int_equal(errno, EINVAL);
    cfg.password_mode = LOBBY_PASSWORD_BYPASS;
    cfg.rejoin_window_ms = 10000;
    cfg.deny_cooldown_ms = 0;
    cfg.max_wait_ms = 30000;
    assert_int_equal(lobby_reconfigure(lb, &cfg, 5000), 0);
    assert_int_equal(lobby_waiting_count(lb, ROOM), 1);
    assert_int_equal(lobby_next_deadline(lb), 5000);            /* the cooldown ends now */
    assert_int_equal(lobby_expire(lb, 5000, &a), 0);
    assert_int_equal(a.n, 0);
    assert_int_equal(lobby_next_deadline(lb), 15000);           /* the rejoin window, shortened */
    assert_int_equal(lobby_expire(lb, 15000, &a), 0);
    assert_int_equal(lobby_next_deadline(lb), 32000);           /* max wait from the knock */
    assert_int_equal(lobby_expire(lb, 32000, &a), 0);
    render(&a, got, sizeof(got));
    assert_string_equal(got, "destroy:" GUEST " gone:" OWNER);
    lobby_actions_clear(&a);
    /* The denied session may knock again at once under the new policy. */
    assert_int_equal(lobby_on_knock(lb, &k, 33000, &a), 0);
    assert_int_equal(a.v[0].kind, LOBBY_DO_SELF_PRESENCE);
    lobby_actions_clear(&a);
    lobby_free(lb);
}

/* lobby_send_back: the participant is ejected, its every join knocks
 * (even with a bypass token) until a moderator lets it in again; who may
 * ask and about whom. */
static void test_send_back(void **state)
{
    struct lobby *lb = new_lobby();
    struct lobby_actions a;
    struct lobby_verdict v;
    struct lobby_join j = { .room = ROOM, .real_jid = GUEST, .display_name = "G",
                            .room_exists = true, .members_only = true,
                            .token = LOBBY_TOKEN_VALID, .token_bypass = true };
    struct lobby_knock k = { .lobby_room = LOBBY, .session = "s", .display_name = "G",
                             .nick = "gggg", .real_jid = GUEST };

    (void)state;
    lobby_actions_init(&a);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, OWNER, "owner", true, 0, &a), 0);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, GUEST, "guest", false, 0, &a), 0);
    /* The lobby is off: the guest could walk straight back in. */
    assert_int_equal(lobby_send_back(lb, ROOM, "guest", OWNER, 10, &a), -1);
    assert_int_equal(errno, EINVAL);
    assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 10, &a), 0);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_send_back(lb, ROOM, "guest", GUEST, 20, &a), -1);
    assert_int_equal(errno, EPERM);
    assert_int_equal(lobby_send_back(lb, ROOM, "nobody", OWNER, 20, &a), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(lobby_send_back(lb, ROOM, "owner", OWNER, 20, &a), -1);
    assert_int_equal(errno, EACCES);
    assert_int_equal(a.n, 0);
    /* By the lobby room's JID, as a moderator's client sends it. */
    assert_int_equal(lobby_send_back(lb, LOBBY, "guest", OWNER, 20, &a), 1);
    assert_int_equal(a.n, 1);
    assert_int_equal(a.v[0].kind, LOBBY_DO_EJECT);
    assert_string_equal(a.v[0].room, ROOM);
    assert_string_equal(a.v[0].nick, "guest");
    assert_string_equal(a.v[0].to, GUEST);
    assert_string_equal(a.v[0].actor, OWNER);
    assert_string_equal(a.v[0].text, "A moderator sent you back to the lobby.");
    lobby_actions_clear(&a);
    /* The kick comes back from Prosody; the mark stays. */
    assert_int_equal(lobby_on_occupant_left(lb, ROOM, GUEST, true, 30, &a), 0);
    assert_int_equal(lobby_send_back(lb, ROOM, "guest", OWNER, 35, &a), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(lobby_on_join(lb, &j, 40, &v), 0);
    assert_int_equal(v.action, LOBBY_KNOCK);
    assert_string_equal(v.rule, "sent-back");
    assert_int_equal(lobby_next_deadline(lb), 20 + LOBBY_SENT_BACK_MS);
    /* Knock, and a moderator lets it in again: the next join walks in. */
    assert_int_equal(lobby_on_knock(lb, &k, 50, &a), 0);
    assert_int_equal(lobby_on_admit(lb, ROOM, GUEST, OWNER, 60, &a), 1);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_on_join(lb, &j, 70, &v), 0);
    assert_int_equal(v.action, LOBBY_ALLOW);
    assert_string_equal(v.rule, "bypass-claim");
    lobby_free(lb);
}

/* What an operator does through the admin commands: no presence needed. */
struct listed {
    int meetings, waiters;
    char nick[32];
    bool lobby_on;
    bool has_email, verified;
};

static int count_meeting(void *arg, const struct lobby_meeting *m)
{
    struct listed *l = arg;

    l->meetings++;
    l->lobby_on = m->lobby_on;
    return 0;
}

static int count_waiter(void *arg, const struct lobby_meeting *m, const struct lobby_waiting *w)
{
    struct listed *l = arg;

    (void)m;
    l->waiters++;
    snprintf(l->nick, sizeof(l->nick), "%s", w->nick);
    l->has_email = w->email != NULL;
    l->verified = w->verified;
    return 0;
}

static void test_operator(void **state)
{
    struct lobby *lb = new_lobby();
    struct lobby_actions a;
    struct listed l = { 0 };
    struct lobby_knock k = { .lobby_room = LOBBY, .session = "s", .display_name = "G",
                             .nick = "gggg", .real_jid = GUEST };
    const char *ops = "ops@meet.test/console";

    (void)state;
    lobby_actions_init(&a);
    assert_int_equal(lobby_operator_admit(lb, ROOM, "gggg", ops, 0, &a), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, OWNER, "owner", true, 0, &a), 0);
    assert_int_equal(lobby_operator_set_lobby(lb, ROOM, false, ops, 1, &a), -1);
    assert_int_equal(errno, EALREADY);
    /* On: the bridge is told first, then the stock notification. */
    assert_int_equal(lobby_operator_set_lobby(lb, ROOM, true, ops, 2, &a), 0);
    assert_int_equal(a.n, 2);
    assert_int_equal(a.v[0].kind, LOBBY_DO_SET_LOBBY);
    assert_true(a.v[0].flag);
    assert_string_equal(a.v[0].room, ROOM);
    assert_int_equal(a.v[1].kind, LOBBY_DO_NOTIFY_MAIN);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_on_knock(lb, &k, 1000, &a), 0);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_each_meeting(lb, 6000, count_meeting, count_waiter, &l), 0);
    assert_int_equal(l.meetings, 1);
    assert_int_equal(l.waiters, 1);
    assert_true(l.lobby_on);
    assert_string_equal(l.nick, "gggg");
    assert_false(l.has_email);         /* none typed, no token */
    assert_false(l.verified);
    /* Admit by lobby nick: an admission, the grant, and the invitation. */
    assert_int_equal(lobby_operator_admit(lb, LOBBY, "nobody", ops, 7000, &a), 0);
    assert_int_equal(lobby_operator_admit(lb, LOBBY, "gggg", ops, 7000, &a), 1);
    assert_int_equal(a.n, 2);
    assert_int_equal(a.v[0].kind, LOBBY_DO_NOTIFY_MAIN);
    assert_string_equal(a.v[0].event, "LOBBY-ACCESS-GRANTED");
    assert_int_equal(a.v[1].kind, LOBBY_DO_INVITE);
    assert_string_equal(a.v[1].room, ROOM);
    assert_string_equal(a.v[1].to, GUEST);
    assert_string_equal(a.v[1].actor, ops);
    lobby_actions_clear(&a);
    /* In, then sent back by the operator: the eject names no actor. */
    assert_int_equal(lobby_on_leave(lb, LOBBY, GUEST, &a), 1);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, GUEST, "guest", false, 7200, &a), 0);
    assert_int_equal(lobby_operator_send_back(lb, ROOM, "owner", ops, 7300, &a), -1);
    assert_int_equal(errno, EACCES);
    assert_int_equal(lobby_operator_send_back(lb, ROOM, "guest", ops, 7300, &a), 1);
    assert_int_equal(a.v[0].kind, LOBBY_DO_EJECT);
    assert_null(a.v[0].actor);
    lobby_actions_clear(&a);
    /* Knocks again; denied by the operator: kicked with no moderator named. */
    assert_int_equal(lobby_on_knock(lb, &k, 8000, &a), 0);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_operator_deny(lb, ROOM, "gggg", ops, 9000, &a), 1);
    assert_int_equal(a.v[0].kind, LOBBY_DO_KICK);
    assert_true(a.v[0].is_self);
    assert_null(a.v[0].actor);
    assert_int_equal(lobby_waiting_count(lb, ROOM), 0);
    lobby_actions_clear(&a);
    /* Off: the bridge first, then the usual release. */
    assert_int_equal(lobby_operator_set_lobby(lb, ROOM, false, ops, 9500, &a), 0);
    assert_int_equal(a.v[0].kind, LOBBY_DO_SET_LOBBY);
    assert_false(a.v[0].flag);
    lobby_actions_clear(&a);
    lobby_free(lb);
}

/* The welcome notice: the room's message (an owner token's) or the
 * deployment's, and the place in line. */
struct welcome_case {
    const char *name;
    const char *deployment;            /* lobby_message */
    bool position;                     /* show_position */
    const char *owner_message;         /* context.room.lobby_message of the owner's token */
    const char *first, *second;        /* what the first and second knockers are told; NULL: nothing */
};

static const struct welcome_case welcome_cases[] = {
    {"nothing configured: nothing said (as stock)", NULL, false, NULL, NULL, NULL},
    {"the deployment's message", "Welcome.", false, NULL, "Welcome.", "Welcome."},
    {"the position alone", NULL, true, NULL, "Nobody is waiting ahead of you.",
     "1 person is waiting ahead of you."},
    {"the room's message wins, with the position", "Welcome.", true, "The class starts at 9.",
     "The class starts at 9. Nobody is waiting ahead of you.",
     "The class starts at 9. 1 person is waiting ahead of you."},
    {"an empty room message is none", "Welcome.", false, "", "Welcome.", "Welcome."},
};

static const struct lobby_effect *notice_in(const struct lobby_actions *a)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->v[i].kind == LOBBY_DO_NOTICE)
            return &a->v[i];
    return NULL;
}

static void test_welcome(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(welcome_cases) / sizeof(welcome_cases[0]); i++) {
        const struct welcome_case *c = &welcome_cases[i];
        struct lobby_config cfg;
        struct lobby *lb;
        struct lobby_actions a;
        struct lobby_verdict v;
        struct lobby_join owner = { .room = ROOM, .nick = "o", .real_jid = OWNER, .session = "so",
                                    .display_name = "Owner", .room_exists = true,
                                    .members_only = true, .token = LOBBY_TOKEN_VALID,
                                    .token_owner = true, .token_lobby_message = c->owner_message };
        struct lobby_knock k1 = { .lobby_room = LOBBY, .session = "s1", .display_name = "G1",
                                  .nick = "k1", .real_jid = GUEST };
        struct lobby_knock k2 = { .lobby_room = LOBBY, .session = "s2", .display_name = "G2",
                                  .nick = "k2", .real_jid = "g2@meet.test/web" };
        const struct lobby_effect *n;

        print_message("case: %s\n", c->name);
        lobby_config_defaults(&cfg);
        cfg.lobby_domain = "lobby.meet.test";
        cfg.lobby_message = c->deployment;
        cfg.show_position = c->position;
        lb = lobby_new(&cfg);
        assert_non_null(lb);
        lobby_actions_init(&a);
        assert_int_equal(lobby_on_join(lb, &owner, 0, &v), 0);
        assert_int_equal(lobby_on_occupant_joined(lb, ROOM, OWNER, "o", true, 1, &a), 0);
        assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 2, &a), 0);
        lobby_actions_clear(&a);
        assert_int_equal(lobby_on_knock(lb, &k1, 10, &a), 0);
        n = notice_in(&a);
        if (c->first == NULL) {
            assert_null(n);
        } else {
            assert_non_null(n);
            assert_string_equal(n->text, c->first);
            assert_string_equal(n->event, "welcome");
            assert_string_equal(n->to, GUEST);
            assert_string_equal(n->room, LOBBY);
        }
        lobby_actions_clear(&a);
        assert_int_equal(lobby_on_knock(lb, &k2, 20, &a), 0);
        n = notice_in(&a);
        if (c->second == NULL)
            assert_null(n);
        else
            assert_string_equal(n->text, c->second);
        lobby_actions_clear(&a);
        lobby_free(lb);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_room_script),
        cmocka_unit_test(test_effect_details),
        cmocka_unit_test(test_deadlines),
        cmocka_unit_test(test_ten_thousand),
        cmocka_unit_test(test_waiter_size),
        cmocka_unit_test(test_lobby_chat),
        cmocka_unit_test(test_each_session),
        cmocka_unit_test(test_display_name_asked),
        cmocka_unit_test(test_waiting_caps),
        cmocka_unit_test(test_max_wait),
        cmocka_unit_test(test_reconfigure),
        cmocka_unit_test(test_send_back),
        cmocka_unit_test(test_operator),
        cmocka_unit_test(test_welcome),
        cmocka_unit_test(test_host_script),
        cmocka_unit_test(test_host_details),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
