/*
 * test_snapshot.c: the lobby's state saved as text and read back
 * (lobby_save, lobby_restore): everything a restart must keep comes back
 * and behaves as before, times move to the new monotonic clock, what ended
 * in between is gone, and every malformed state is refused with its line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lobby/lobby.h"
#include "tests/unit/lobby/lobby_fixture.h"

#define ROOM "myroom@conference.meet.test"
#define ROOM2 "other@conference.meet.test"
#define LOBBY "myroom@lobby.meet.test"
#define OWNER "o1@meet.test/web"
#define GUEST "g1@meet.test/web"
#define ODD "g2@meet.test/with space"
#define WALL 1800000000000               /* wall clock (ms) at the save */
#define WINDOW 60000

static struct lobby *new_lobby(void)
{
    return fixture_lobby(WINDOW, 30000);
}

static const char *rule_of(struct lobby *lb, const char *room, const char *jid, uint64_t now)
{
    static struct lobby_verdict v;
    struct lobby_join j = {
        .room = room, .nick = "n", .real_jid = jid, .session = "s", .display_name = "Someone",
        .affiliation = LOBBY_AFF_NONE, .room_exists = true, .members_only = true,
    };

    assert_int_equal(lobby_on_join(lb, &j, now, &v), 0);
    return v.rule;
}

static void knock(struct lobby *lb, const char *nick, const char *jid, const char *name,
                  uint64_t now)
{
    struct lobby_actions a;
    struct lobby_knock k = { .lobby_room = LOBBY, .nick = nick, .real_jid = jid,
                             .session = "sess", .display_name = name, .email = "e@x.test" };

    lobby_actions_init(&a);
    assert_int_equal(lobby_on_knock(lb, &k, now, &a), 0);
    assert_true(a.n > 0 && a.v[0].kind != LOBBY_DO_REFUSE);
    lobby_actions_clear(&a);
}

/* A lobby with one of everything, saved at monotonic 100000. */
static char *saved_state(size_t *len)
{
    struct lobby *lb = new_lobby();
    struct lobby_actions a;
    char *text;

    lobby_actions_init(&a);
    assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 1000, &a), 0);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, OWNER, NULL, true, 1000, &a), 0);
    knock(lb, "mod", OWNER, "Owner", 1000);
    knock(lb, "aaaa", GUEST, "Guest One", 2000);
    knock(lb, "-", ODD, "100% \"odd\"\n-name", 3000);
    knock(lb, "cccc", "call@sip.meet.test/1", NULL, 4000);
    assert_int_equal(lobby_on_admit(lb, ROOM, "call@sip.meet.test/1", OWNER, 5000, &a), 1);
    knock(lb, "dddd", "denied@meet.test/x", "Denied", 6000);
    assert_int_equal(lobby_on_deny(lb, LOBBY, "dddd", OWNER, NULL, 90000, &a), 1);
    /* Present, and left 10 s before the save. */
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, "in@meet.test/r", NULL, false, 7000, &a), 0);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM2, "out@meet.test/r", NULL, false, 7000, &a), 0);
    assert_int_equal(lobby_on_occupant_left(lb, ROOM2, "out@meet.test/r", false, 90000, &a), 0);
    /* Sent back to the lobby, and kicked out of the room by it. */
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, "back@meet.test/r", "Back Nick", false, 7000, &a), 0);
    assert_int_equal(lobby_send_back(lb, ROOM, "Back Nick", OWNER, 95000, &a), 1);
    assert_int_equal(lobby_on_occupant_left(lb, ROOM, "back@meet.test/r", true, 95000, &a), 0);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_save(lb, 100000, WALL, &text, len), 0);
    assert_int_equal(strlen(text), *len);
    lobby_free(lb);
    return text;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The lines of 'text', sorted, joined by '\n' (hash order is not kept). */
static char *sorted_lines(const char *text)
{
    char *copy = strdup(text), *save = NULL, *lines[64], *out;
    size_t n = 0, size = strlen(text) + 2;

    assert_non_null(copy);
    for (char *l = strtok_r(copy, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
        assert_true(n < 64);
        lines[n++] = l;
    }
    qsort(lines, n, sizeof(lines[0]), cmp_str);
    out = calloc(1, size);
    assert_non_null(out);
    for (size_t i = 0; i < n; i++) {
        strcat(out, lines[i]);
        strcat(out, "\n");
    }
    free(copy);
    return out;
}

static void test_round_trip(void **state)
{
    size_t len, len2;
    char *text = saved_state(&len), *again, *a, *b, why[256];
    struct lobby *lb = new_lobby();

    (void)state;
    /* Fields that need it are encoded; a nick of "-" is not "no value". */
    assert_non_null(strstr(text, "waiter %2D g2@meet.test/with%20space sess "
                                 "100%25%20\"odd\"%0A-name e@x.test"));
    assert_non_null(strstr(text, "waiter cccc call@sip.meet.test/1 sess - e@x.test"));
    assert_non_null(strstr(text, "admission back@meet.test/r - sent-back "));
    assert_non_null(strstr(text, " Back%20Nick\n"));
    /* Restored 10 s later by a lobbyd whose monotonic clock reads 5000 s
     * (times before its start would read as its start). */
    assert_int_equal(lobby_restore(lb, text, len, 5000000, WALL + 10000, why, sizeof(why)), 0);
    assert_int_equal(lobby_save(lb, 5000000, WALL + 10000, &again, &len2), 0);
    a = sorted_lines(text);
    b = sorted_lines(again);
    assert_string_equal(a, b);
    free(a);
    free(b);
    free(again);
    free(text);
    lobby_free(lb);
}

static void test_behaves_as_before(void **state)
{
    size_t len;
    char *text = saved_state(&len), why[256];
    struct lobby *lb = new_lobby();
    struct lobby_actions a;

    (void)state;
    lobby_actions_init(&a);
    assert_int_equal(lobby_restore(lb, text, len, 500, WALL + 10000, why, sizeof(why)), 0);
    assert_int_equal(lobby_waiting_count(lb, ROOM), 3);
    /* The owner present in the main room may still approve; the knocker
     * approved before the restart has its admission. */
    assert_int_equal(lobby_on_admit(lb, ROOM, GUEST, OWNER, 600, &a), 1);
    assert_string_equal(rule_of(lb, ROOM, GUEST, 700), "admitted-session");
    assert_string_equal(rule_of(lb, ROOM, "call@sip.meet.test/1", 700), "admitted-session");
    /* Present in the main room: still admitted. Left 20 s ago with a 60 s
     * window: 40 s of it are left. */
    assert_string_equal(rule_of(lb, ROOM, "in@meet.test/r", 700), "admitted-session");
    assert_string_equal(rule_of(lb, ROOM2, "out@meet.test/r", 700), "rejoin-window");
    assert_int_equal(lobby_expire(lb, 500 + 41000, &a), 0);
    assert_string_equal(rule_of(lb, ROOM2, "out@meet.test/r", 500 + 41000), "lobby");
    /* The denied knocker's cooldown (30 s from 90 s, so 10 s after the
     * save) still runs; moderators are still told of knocks. */
    lobby_actions_clear(&a);
    knock(lb, "eeee", "new@meet.test/x", "New", 800);
    lobby_actions_clear(&a);
    free(text);
    lobby_free(lb);
}

static void test_what_ended_is_gone(void **state)
{
    size_t len;
    char *text = saved_state(&len), *again, why[256];
    struct lobby *lb = new_lobby();

    (void)state;
    /* An hour later: windows, approvals and cooldowns have all ended. */
    assert_int_equal(lobby_restore(lb, text, len, 500, WALL + 3600000, why, sizeof(why)), 0);
    assert_int_equal(lobby_save(lb, 500, WALL + 3600000, &again, &len), 0);
    assert_null(strstr(again, "cooldown "));
    assert_null(strstr(again, " left "));
    assert_null(strstr(again, " approved "));
    assert_non_null(strstr(again, "admission in@meet.test/r - present"));
    assert_int_equal(lobby_waiting_count(lb, ROOM), 3);
    free(again);
    free(text);
    lobby_free(lb);
}

/* Rooms are restored one by one, but each timer list is global: it must
 * come back in deadline order, or an early deadline would wait behind a
 * later one. */
static void test_timers_in_order(void **state)
{
    const char *text =
        "lobbyd-state 1\n"
        "room " ROOM " 1\n"
        "admission late@meet.test/r - left 1000 " "1800000050000\n"
        "room " ROOM2 " 1\n"
        "admission early@meet.test/r - left 1000 " "1800000005000\n"
        "end\n";
    struct lobby *lb = new_lobby();
    struct lobby_actions a;
    char why[256];

    (void)state;
    lobby_actions_init(&a);
    assert_int_equal(lobby_restore(lb, text, strlen(text), 1000, WALL, why, sizeof(why)), 0);
    assert_int_equal(lobby_next_deadline(lb), 1000 + 5000);
    assert_int_equal(lobby_expire(lb, 1000 + 5000, &a), 0);
    assert_string_equal(rule_of(lb, ROOM2, "early@meet.test/r", 6001), "lobby");
    assert_string_equal(rule_of(lb, ROOM, "late@meet.test/r", 6001), "rejoin-window");
    assert_int_equal(lobby_next_deadline(lb), 1000 + 50000);
    lobby_free(lb);
}

struct bad {
    const char *text;
    const char *why;
};

static const struct bad bad_states[] = {
    { "", "cut short" },
    { "lobbyd-state 2\nend\n", "line 1: not a lobbyd state of version 1" },
    { "lobbyd-state 1\n", "cut short" },
    { "lobbyd-state 1\nend", "line 2: the state is cut short" },
    { "lobbyd-state 1\nend\nroom x 1\n", "line 3: text after \"end\"" },
    { "lobbyd-state 1\nwaiter a b - - - 0 0\nend\n", "line 2: a record before the first room" },
    { "lobbyd-state 1\nroom " ROOM " 2\nend\n", "line 2: a room needs its JID, lobby on 0 or 1, settled 0 or 1, hosted 0 or 1, a time or -, and a message or -" },
    { "lobbyd-state 1\nroom nonsense 1\nend\n", "line 2: a room JID lobbyd cannot keep" },
    { "lobbyd-state 1\nroom " ROOM " 1\nroom " ROOM " 0\nend\n", "line 3: a room appears twice" },
    { "lobbyd-state 1\nroom " ROOM " 1\n\nend\n", "line 3: a malformed record" },
    { "lobbyd-state 1\nroom " ROOM " 0\nbefore-host later\nend\n",
      "line 3: before-host takes allow, wait or deny, once" },
    { "lobbyd-state 1\nroom " ROOM " 0\nbefore-host wait\nbefore-host deny\nend\n",
      "line 4: before-host takes allow, wait or deny, once" },
    { "lobbyd-state 1\nroom " ROOM " 0\nallow -\nend\n", "line 3: an allow record takes one" },
    { "lobbyd-state 1\nroom " ROOM " 0\nallow a b\nend\n", "line 3: an allow record takes one" },
    { "lobbyd-state 1\nroom " ROOM " 0\nkept\nend\n",
      "line 3: a kept room holds its own settings and nothing else" },
    { "lobbyd-state 1\nroom " ROOM " 1\nallow a@b.c\nkept\nend\n",
      "line 4: a kept room holds its own settings and nothing else" },
    { "lobbyd-state 1\nroom " ROOM " 0\nallow a@b.c\nkept\nkept\nend\n",
      "line 5: kept takes nothing and comes once" },
    { "lobbyd-state 1\nroom " ROOM " 0\nallow a@b.c\nkept\nowner " OWNER "\nend\n",
      "line 5: a record after kept" },
    { "lobbyd-state 1\nroom " ROOM " 1\nwaiter a%zz b - - - 0 0\nend\n", "a malformed record" },
    { "lobbyd-state 1\nroom " ROOM " 1\nwaiter a%00 b - - - 0 0\nend\n", "a malformed record" },
    { "lobbyd-state 1\nroom " ROOM " 1\nwaiter a b - - - x 0\nend\n", "a waiter needs" },
    { "lobbyd-state 1\nroom " ROOM " 1\nwaiter - b - - - 0 0\nend\n", "a waiter needs" },
    { "lobbyd-state 1\nroom " ROOM " 1\nwaiter a b - - - 0 0 extra\nend\n", "a waiter needs" },
    { "lobbyd-state 1\nroom " ROOM " 1\nwaiter a b/r - - - 0 0\nwaiter a c/r - - - 0 0\nend\n",
      "line 4: a waiter's nick or JID appears twice" },
    { "lobbyd-state 1\nroom " ROOM " 1\nwaiter a b - - - 0 0\nend\n",
      "line 3: a waiter's JID is not a full JID" },
    { "lobbyd-state 1\nroom " ROOM " 1\nwaiter a b/r - - - -5 0\nend\n", "a waiter needs" },
    { "lobbyd-state 1\nroom " ROOM " 1\nwaiter a b/r - - - 9223372036854775807 0\nend\n",
      "a waiter needs" },
    { "lobbyd-state 1\nroom " ROOM " 1\nmoderator m o@x/r\nend\n",
      "line 4: the room before: a moderator of a lobby room who is not an owner" },
    { "lobbyd-state 1\nroom " ROOM " 1\nwaiter m g@x/r - - - 0 0\nmoderator m o@x/r\nowner o@x/r\n"
      "room " ROOM2 " 1\nend\n",
      "line 6: a moderator who also waits, or has a waiter's nick" },
    { "lobbyd-state 1\nroom " ROOM " 0\nwaiter a g@x/r - - - 0 0\nend\n",
      "the room before: people in the lobby of a room whose lobby is off" },
    { "lobbyd-state 1\nroom " ROOM " 1\ncooldown j -1 5\nend\n", "a cooldown needs JID, time and end" },
    { "lobbyd-state 1\nroom " ROOM " 1\nmoderator m\nend\n", "a moderator needs nick and JID" },
    { "lobbyd-state 1\nroom " ROOM " 1\nowner\nend\n", "an owner needs a JID" },
    { "lobbyd-state 1\nroom " ROOM " 1\nadmission j - maybe 0 -\nend\n",
      "state is not approved, present, left or sent-back" },
    { "lobbyd-state 1\nroom " ROOM " 1\nadmission j - present 0 5\nend\n",
      "a present admission has no end" },
    { "lobbyd-state 1\nroom " ROOM " 1\nadmission j - left 0 -\nend\n",
      "an admission that ends needs its end" },
    { "lobbyd-state 1\nroom " ROOM " 1\nadmission j - present 0 -\nadmission j - present 0 -\nend\n",
      "an admission appears twice" },
    { "lobbyd-state 1\nroom " ROOM " 1\ncooldown j 0\nend\n", "a cooldown needs JID, time and end" },
    { "lobbyd-state 1\nroom " ROOM " 1\nbanana\nend\n", "line 3: an unknown record" },
};

static void test_refuses_malformed(void **state)
{
    char why[256], nul[] = "lobbyd-state 1\nroom a\0b 1\nend\n";
    struct lobby *lb;
    size_t failed = 0;

    (void)state;
    for (size_t i = 0; i < sizeof(bad_states) / sizeof(bad_states[0]); i++) {
        lb = new_lobby();
        why[0] = '\0';
        if (lobby_restore(lb, bad_states[i].text, strlen(bad_states[i].text), 1000, WALL, why,
                          sizeof(why)) != -1 || strstr(why, bad_states[i].why) == NULL) {
            print_error("FAIL %zu: got \"%s\", want \"%s\"\n", i, why, bad_states[i].why);
            failed++;
        }
        lobby_free(lb);
    }
    lb = new_lobby();
    assert_int_equal(lobby_restore(lb, nul, sizeof(nul) - 1, 1000, WALL, why, sizeof(why)), -1);
    assert_string_equal(why, "the state holds a NUL byte");
    lobby_free(lb);
    assert_int_equal(failed, 0);
}

/* A restart is how a configuration change takes effect: no window or
 * cooldown comes back longer than this run allows, none when it is off. */
static void test_config_changed(void **state)
{
    const char *text =
        "lobbyd-state 1\n"
        "room " ROOM " 1\n"
        "admission left@meet.test/r - left 1000 " "1800000050000\n"
        "cooldown denied@meet.test/x 1000 1800000020000\n"
        "end\n";
    struct lobby *lb;
    char why[256], *again;
    size_t len;

    (void)state;
    /* Saved with a 60 s window and cooldowns on. */
    lb = fixture_lobby(10000, 0);
    assert_int_equal(lobby_restore(lb, text, strlen(text), 1000, WALL, why, sizeof(why)), 0);
    assert_int_equal(lobby_next_deadline(lb), 1000 + 10000);
    assert_int_equal(lobby_save(lb, 1000, WALL, &again, &len), 0);
    assert_null(strstr(again, "cooldown "));
    free(again);
    lobby_free(lb);

    lb = fixture_lobby(0, 0);
    assert_int_equal(lobby_restore(lb, text, strlen(text), 1000, WALL, why, sizeof(why)), 0);
    assert_int_equal(lobby_next_deadline(lb), UINT64_MAX);
    assert_string_equal(rule_of(lb, ROOM, "left@meet.test/r", 2000), "lobby");
    lobby_free(lb);
}

/* The first owner's say over a default lobby is spent once, restarts
 * included; a state file from before default lobbies spends it too. */
static enum lobby_switch owner_wants_off(struct lobby *lb)
{
    struct lobby_verdict v;
    struct lobby_join j = {
        .room = ROOM, .nick = "n", .real_jid = OWNER, .session = "s", .display_name = "Owner",
        .room_exists = true, .members_only = true, .token = LOBBY_TOKEN_VALID,
        .token_owner = true, .token_lobby = LOBBY_WISH_OFF,
    };

    assert_int_equal(lobby_on_join(lb, &j, 1000, &v), 0);
    assert_int_equal(v.action, LOBBY_ALLOW);
    return v.lobby_switch;
}

static void test_settled_survives(void **state)
{
    const char *old = "lobbyd-state 1\nroom " ROOM " 1\nend\n";
    struct lobby *lb = new_lobby(), *again;
    char why[256], *text;
    size_t len;

    (void)state;
    assert_int_equal(owner_wants_off(lb), LOBBY_SWITCH_OFF);
    assert_int_equal(owner_wants_off(lb), LOBBY_SWITCH_NONE);
    assert_int_equal(lobby_save(lb, 1000, WALL, &text, &len), 0);
    assert_non_null(strstr(text, "room " ROOM " 0 1 1 -\n"));
    again = new_lobby();
    assert_int_equal(lobby_restore(again, text, len, 1000, WALL, why, sizeof(why)), 0);
    assert_int_equal(owner_wants_off(again), LOBBY_SWITCH_NONE);
    free(text);
    lobby_free(again);
    lobby_free(lb);
    lb = new_lobby();
    assert_int_equal(lobby_restore(lb, old, strlen(old), 1000, WALL, why, sizeof(why)), 0);
    assert_int_equal(owner_wants_off(lb), LOBBY_SWITCH_NONE);
    lobby_free(lb);
}

/* A room's own lobby message (an owner token's) survives a restart, spaces
 * and all; a room line without it has none. */
static void test_message_survives(void **state)
{
    struct lobby *lb = new_lobby(), *again;
    struct lobby_join owner = { .room = ROOM, .nick = "o", .real_jid = OWNER, .session = "so",
                                .display_name = "Owner", .room_exists = true,
                                .token = LOBBY_TOKEN_VALID, .token_owner = true,
                                .token_lobby_message = "Back at 10% past - wait" };
    struct lobby_verdict v;
    char why[256], *text, *text2;
    size_t len, len2;

    (void)state;
    assert_int_equal(lobby_on_join(lb, &owner, 1000, &v), 0);
    assert_int_equal(lobby_save(lb, 1000, WALL, &text, &len), 0);
    assert_non_null(strstr(text, " Back%20at%2010%25%20past%20-%20wait\n"));
    again = new_lobby();
    assert_int_equal(lobby_restore(again, text, len, 1000, WALL, why, sizeof(why)), 0);
    assert_int_equal(lobby_save(again, 1000, WALL, &text2, &len2), 0);
    assert_string_equal(text, text2);
    free(text);
    free(text2);
    lobby_free(again);
    lobby_free(lb);
}

/* before_host = wait: a room is hosted once an owner other than a service
 * has been in it, and stays so across a restart. */
static const char *guest_rule(struct lobby *lb, bool exists)
{
    static struct lobby_verdict v;
    struct lobby_join j = { .room = ROOM, .nick = "n", .real_jid = GUEST, .session = "s",
                            .display_name = "Guest", .room_exists = exists,
                            .members_only = exists };

    assert_int_equal(lobby_on_join(lb, &j, 1000, &v), 0);
    return v.rule;
}

static struct lobby *waiting_lobby(void)
{
    static const char *const services[] = { "focus@auth.meet.test" };
    struct lobby_config cfg;
    struct lobby *lb;

    lobby_config_defaults(&cfg);
    cfg.lobby_domain = "lobby.meet.test";
    cfg.before_host = LOBBY_BEFORE_HOST_WAIT;
    cfg.service_jids = services;
    cfg.n_service_jids = 1;
    lb = lobby_new(&cfg);
    assert_non_null(lb);
    return lb;
}

static void test_hosted_survives(void **state)
{
    struct lobby *lb = waiting_lobby(), *again;
    struct lobby_actions a;
    char why[256], *text;
    size_t len;

    (void)state;
    lobby_actions_init(&a);
    assert_string_equal(guest_rule(lb, false), "before-host");
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, "focus@auth.meet.test/f", NULL, true, 1000, &a), 0);
    assert_string_equal(guest_rule(lb, true), "before-host");
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, OWNER, NULL, true, 1000, &a), 0);
    assert_string_equal(guest_rule(lb, true), "lobby");
    assert_int_equal(lobby_save(lb, 1000, WALL, &text, &len), 0);
    assert_non_null(strstr(text, "room " ROOM " 1 0 1 -\n"));
    again = waiting_lobby();
    assert_int_equal(lobby_restore(again, text, len, 1000, WALL, why, sizeof(why)), 0);
    assert_string_equal(guest_rule(again, true), "lobby");
    free(text);
    lobby_actions_clear(&a);
    lobby_free(again);
    lobby_free(lb);
}

/* A room's own before_host and allow list survive a restart, in and out of
 * a call, and a kept room is kept again. */
static void test_owner_settings_survive(void **state)
{
    static const char saved[] = "lobbyd-state 1\n"
                                "room " ROOM2 " 0 1 1 -\n"
                                "before-host wait\n"
                                "allow alice@example.com\n"
                                "allow a%20b%25\n"
                                "owner " OWNER "\n";
    struct lobby *lb = new_lobby(), *again;
    struct lobby_join owner = { .room = ROOM, .nick = "o", .real_jid = OWNER, .session = "so",
                                .display_name = "Owner", .room_exists = true,
                                .token = LOBBY_TOKEN_VALID, .token_owner = true,
                                .has_token_before_host = true,
                                .token_before_host = LOBBY_BEFORE_HOST_DENY };
    struct lobby_verdict v;
    struct lobby_actions acts;
    char why[256], *text, *text2, *both;
    size_t len, len2;

    (void)state;
    lobby_actions_init(&acts);
    assert_int_equal(lobby_on_join(lb, &owner, 1000, &v), 0);
    assert_true(v.before_host_set);
    assert_int_equal(lobby_on_room_destroyed(lb, ROOM, &acts), 0);
    assert_int_equal(lobby_save(lb, 1000, WALL, &text, &len), 0);
    assert_non_null(strstr(text, "\nbefore-host deny\nkept\n"));
    /* ...and a live room with a list, written by hand, in the same state. */
    both = malloc(len + sizeof(saved));
    assert_non_null(both);
    memcpy(both, saved, sizeof(saved) - 1);
    memcpy(both + sizeof(saved) - 1, text + strlen("lobbyd-state 1\n"),
           len - strlen("lobbyd-state 1\n") + 1);
    again = new_lobby();
    assert_int_equal(lobby_restore(again, both, strlen(both), 1000, WALL, why, sizeof(why)), 0);
    free(text);
    assert_int_equal(lobby_save(again, 1000, WALL, &text, &len), 0);
    assert_non_null(strstr(text, "before-host wait\nallow alice@example.com\nallow a%20b%25\n"));
    lobby_free(lb);
    lb = new_lobby();
    assert_int_equal(lobby_restore(lb, text, len, 1000, WALL, why, sizeof(why)), 0);
    assert_int_equal(lobby_save(lb, 1000, WALL, &text2, &len2), 0);
    assert_string_equal(text, text2);
    /* The next call's first guest meets the room's own before_host. */
    assert_string_equal(guest_rule(again, false), "before-host");
    free(both);
    free(text);
    free(text2);
    lobby_free(again);
    lobby_free(lb);
    lobby_actions_clear(&acts);
}

/* lobby_max_wait after a restart: a waiter's wait runs from its knock, and
 * the earliest knock of any room is the next to go. */
static void test_waits_in_order(void **state)
{
    const char *text =
        "lobbyd-state 1\n"
        "room " ROOM " 1 1 1\n"
        "waiter late g1@meet.test/r s Late - 1800000030000 0\n"
        "room " ROOM2 " 1 1 1\n"
        "waiter early g2@meet.test/r s Early - 1799999990000 0\n"
        "waiter okd g3@meet.test/r s Approved - 1799999980000 1\n"
        "end\n";
    struct lobby_config cfg;
    struct lobby *lb;
    struct lobby_actions a;
    char why[256];

    (void)state;
    lobby_config_defaults(&cfg);
    cfg.lobby_domain = "lobby.meet.test";
    cfg.max_wait_ms = 60000;
    lb = lobby_new(&cfg);
    assert_non_null(lb);
    lobby_actions_init(&a);
    /* Restored at wall time WALL, monotonic 100000: "early" knocked 10 s before. */
    assert_int_equal(lobby_restore(lb, text, strlen(text), 100000, WALL, why, sizeof(why)), 0);
    assert_int_equal(lobby_next_deadline(lb), 100000 - 10000 + 60000);
    assert_int_equal(lobby_expire(lb, 100000 + 90000, &a), 0);
    assert_int_equal(a.n, 2);
    assert_string_equal(a.v[0].to, "g2@meet.test/r");
    assert_string_equal(a.v[1].to, "g1@meet.test/r");
    assert_int_equal(lobby_waiting_count(lb, ROOM2), 1);
    lobby_actions_clear(&a);
    lobby_free(lb);
}

/* end_without_host_after after a restart: each room's clock runs from when
 * its knockers lost their host, the earliest first, and a save writes it. */
static void test_hostless_survives(void **state)
{
    const char *text =
        "lobbyd-state 1\n"
        "room " ROOM " 1 1 1 1800000000000\n"
        "waiter later g1@meet.test/r s Later - 1800000000000 0\n"
        "room " ROOM2 " 1 1 1 1799999970000\n"
        "waiter sooner g2@meet.test/r s Sooner - 1799999970000 0\n"
        "end\n";
    struct lobby_config cfg;
    struct lobby *lb;
    struct lobby_actions a;
    char why[256], *saved;
    size_t len;

    (void)state;
    lobby_config_defaults(&cfg);
    cfg.lobby_domain = "lobby.meet.test";
    cfg.end_without_host_ms = 60000;
    lb = lobby_new(&cfg);
    assert_non_null(lb);
    lobby_actions_init(&a);
    assert_int_equal(lobby_restore(lb, text, strlen(text), 100000, WALL, why, sizeof(why)), 0);
    assert_int_equal(lobby_next_deadline(lb), 100000 - 30000 + 60000);
    assert_int_equal(lobby_save(lb, 100000, WALL, &saved, &len), 0);
    assert_non_null(strstr(saved, "room " ROOM " 1 1 1 1800000000000\n"));
    assert_non_null(strstr(saved, "room " ROOM2 " 1 1 1 1799999970000\n"));
    free(saved);
    assert_int_equal(lobby_expire(lb, 130000, &a), 0);
    assert_int_equal(a.n, 1);
    assert_string_equal(a.v[0].to, "g2@meet.test/r");
    lobby_actions_clear(&a);
    assert_int_equal(lobby_next_deadline(lb), 160000);
    /* A host's arrival before then stops the clock. */
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, OWNER, NULL, true, 150000, &a), 0);
    assert_int_equal(lobby_next_deadline(lb), UINT64_MAX);
    lobby_actions_clear(&a);
    lobby_free(lb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_behaves_as_before),
        cmocka_unit_test(test_what_ended_is_gone),
        cmocka_unit_test(test_timers_in_order),
        cmocka_unit_test(test_refuses_malformed),
        cmocka_unit_test(test_config_changed),
        cmocka_unit_test(test_settled_survives),
        cmocka_unit_test(test_message_survives),
        cmocka_unit_test(test_owner_settings_survive),
        cmocka_unit_test(test_hosted_survives),
        cmocka_unit_test(test_waits_in_order),
        cmocka_unit_test(test_hostless_survives),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
