/*
 * test_verified.c: what lobbyd vouches for about a knocker. The verdict
 * that sends a session with a valid token to the lobby remembers the
 * token's name and e-mail; the knock into that meeting's lobby makes the
 * waiter verified, and the presences moderators get show the token's
 * name and e-mail in place of typed ones. Nothing the knock carries, and
 * no token for another meeting, makes a waiter verified. The admin list
 * shows the same name, e-mail and mark. The mark survives lobby_save() /
 * lobby_restore().
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
#include "lobby_fixture.h"

#define ROOM "myroom@conference.meet.test"
#define ROOM2 "other@conference.meet.test"
#define LOBBY "myroom@lobby.meet.test"
#define OWNER "o1@meet.test/web"
#define WALL 1700000000000

struct step {
    const char *name;
    const char *jid;
    enum lobby_token_state token;      /* of the join that sent it to the lobby */
    const char *join_room;             /* NULL: the knock comes without a verdict */
    const char *token_name, *token_email;
    const char *typed_name, *typed_email; /* in the knock */
    /* what the moderator's presence of the knocker shows */
    const char *want_nick, *want_email;
    enum lobby_verified want;
    const char *want_vname, *want_vemail;
};

static char long_name[LOBBY_NAME_MAX + 10];

static const struct step steps[] = {
    {"token with name and e-mail: they replace the typed ones", "t1@meet.test/1",
     LOBBY_TOKEN_VALID, ROOM, "Alice Real", "alice@example.com", "alice typed", "typed@x.org",
     "Alice Real", "alice@example.com", LOBBY_VERIFIED_TOKEN, "Alice Real", "alice@example.com"},
    {"token with a name only: the typed e-mail stays, unvouched", "t2@meet.test/1",
     LOBBY_TOKEN_VALID, ROOM, "Bob Real", NULL, "bobby", "bob@typed.org", "Bob Real",
     "bob@typed.org", LOBBY_VERIFIED_TOKEN, "Bob Real", NULL},
    {"token without name or e-mail: verified, typed name shown", "t3@meet.test/1",
     LOBBY_TOKEN_VALID, ROOM, NULL, NULL, "Carol", NULL, "Carol", NULL, LOBBY_VERIFIED_TOKEN,
     NULL, NULL},
    {"no token: as typed, not verified", "g1@meet.test/1", LOBBY_TOKEN_NONE, ROOM, NULL, NULL,
     "Alice Real", "alice@example.com", "Alice Real", "alice@example.com", LOBBY_VERIFIED_NONE,
     NULL, NULL},
    {"a refused token vouches for nothing", "g2@meet.test/1", LOBBY_TOKEN_INVALID, ROOM,
     "Forged", "forged@example.com", "Dave", NULL, "Dave", NULL, LOBBY_VERIFIED_NONE, NULL,
     NULL},
    {"a knock lobbyd sent nobody for", "g3@meet.test/1", LOBBY_TOKEN_NONE, NULL, NULL, NULL,
     "Eve", "eve@x.org", "Eve", "eve@x.org", LOBBY_VERIFIED_NONE, NULL, NULL},
    {"a token verdict for another meeting does not vouch here", "t4@meet.test/1",
     LOBBY_TOKEN_VALID, ROOM2, "Frank Real", "frank@example.com", "Frank", NULL, "Frank", NULL,
     LOBBY_VERIFIED_NONE, NULL, NULL},
    {"a token name too long to keep is left out, not cut", "t5@meet.test/1", LOBBY_TOKEN_VALID,
     ROOM, long_name, "g@example.com", "Gina", NULL, "Gina", "g@example.com",
     LOBBY_VERIFIED_TOKEN, NULL, "g@example.com"},
};

static void expect_str(const char *what, size_t i, const char *got, const char *want)
{
    if ((got == NULL) != (want == NULL) || (got != NULL && strcmp(got, want) != 0))
        fail_msg("step %zu (%s): %s is \"%s\", want \"%s\"", i, steps[i].name, what,
                 got != NULL ? got : "(none)", want != NULL ? want : "(none)");
}

/* The occupant presence of 'jid' sent to the owner among 'a'. */
static const struct lobby_effect *to_owner(const struct lobby_actions *a, const char *jid)
{
    for (size_t i = 0; i < a->n; i++) {
        const struct lobby_effect *e = &a->v[i];

        if (e->kind == LOBBY_DO_OCCUPANT_PRESENCE && strcmp(e->to, OWNER) == 0 &&
            strcmp(e->subject_jid, jid) == 0)
            return e;
    }
    return NULL;
}

static void check(const struct lobby_effect *e, size_t i)
{
    const struct step *s = &steps[i];

    if (e == NULL)
        fail_msg("step %zu (%s): the owner is not shown the knocker", i, s->name);
    expect_str("nick", i, e->name, s->want_nick);
    expect_str("email", i, e->email, s->want_email);
    if (e->verified != s->want)
        fail_msg("step %zu (%s): verified %d, want %d", i, s->name, (int)e->verified,
                 (int)s->want);
    expect_str("verified name", i, e->verified_name, s->want_vname);
    expect_str("verified email", i, e->verified_email, s->want_vemail);
}

/* Send 's' to the lobby (unless it comes without a verdict), then knock
 * with the typed name, then announce the typed e-mail as Jitsi does. */
static void knock(struct lobby *lb, size_t i, struct lobby_actions *a)
{
    const struct step *s = &steps[i];
    struct lobby_join j = {
        .room = s->join_room, .nick = "n", .real_jid = s->jid, .session = "s",
        .display_name = s->typed_name, .room_exists = true, .members_only = true,
        .token = s->token, .token_user_name = s->token_name, .token_email = s->token_email,
        .token_user_id = s->token == LOBBY_TOKEN_VALID ? s->jid : NULL,
        .token_reason = s->token == LOBBY_TOKEN_INVALID ? "signature" : NULL,
    };
    struct lobby_knock k = {.lobby_room = LOBBY, .nick = s->jid, .real_jid = s->jid,
                            .session = "s", .display_name = s->typed_name};
    struct lobby_verdict v;

    if (s->join_room != NULL) {
        assert_int_equal(lobby_on_join(lb, &j, 1000 + i, &v), 0);
        assert_int_equal(v.action, LOBBY_KNOCK);
    }
    lobby_actions_clear(a);
    assert_int_equal(lobby_on_knock(lb, &k, 1000 + i, a), 0);
    if (s->typed_email == NULL) {
        check(to_owner(a, s->jid), i);
        return;
    }
    lobby_actions_clear(a);
    k.email = s->typed_email;
    assert_int_equal(lobby_on_knock_update(lb, &k, 1000 + i, a), 1);
    check(to_owner(a, s->jid), i);
}

static struct lobby *meeting(struct lobby_actions *a)
{
    struct lobby *lb = fixture_lobby(0, 0);
    struct lobby_knock mod = {.lobby_room = LOBBY, .nick = "mod", .real_jid = OWNER};
    struct lobby_verdict v;
    struct lobby_join other = {.room = ROOM2, .nick = "x", .real_jid = "x@meet.test/1",
                               .room_exists = true, .members_only = true};

    lobby_actions_init(a);
    assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 1000, a), 0);
    assert_int_equal(lobby_on_occupant_joined(lb, ROOM, OWNER, NULL, true, 1000, a), 0);
    assert_int_equal(lobby_on_knock(lb, &mod, 1000, a), 0);
    /* ROOM2's lobby is on too, so a join there is sent to its lobby. */
    assert_int_equal(lobby_on_join(lb, &other, 1000, &v), 0);
    lobby_actions_clear(a);
    return lb;
}

/* The admin list (lobby_each_meeting) shows each waiter as moderators see
 * it: the shown name and e-mail, and whether a token vouched for it. */
static int listed_waiter(void *arg, const struct lobby_meeting *m, const struct lobby_waiting *w)
{
    size_t *seen = arg;

    if (strcmp(m->room, ROOM) != 0)
        fail_msg("waiter %s listed under %s", w->nick, m->room);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        if (strcmp(steps[i].jid, w->real_jid) != 0)
            continue;
        expect_str("listed name", i, w->name, steps[i].want_nick);
        expect_str("listed email", i, w->email, steps[i].want_email);
        if (w->verified != (steps[i].want == LOBBY_VERIFIED_TOKEN))
            fail_msg("step %zu (%s): listed verified %d", i, steps[i].name, (int)w->verified);
        (*seen)++;
        return 0;
    }
    fail_msg("listed waiter %s is no step's", w->real_jid);
    return -1;
}

static int listed_meeting(void *arg, const struct lobby_meeting *m)
{
    (void)arg;
    (void)m;
    return 0;
}

static void test_steps(void **state)
{
    struct lobby_actions a;
    struct lobby *lb;
    size_t seen = 0;

    (void)state;
    memset(long_name, 'n', sizeof(long_name) - 1);
    lb = meeting(&a);
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        knock(lb, i, &a);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_each_meeting(lb, 5000, listed_meeting, listed_waiter, &seen), 0);
    assert_int_equal(seen, sizeof(steps) / sizeof(steps[0]));
    lobby_free(lb);
}

/* The admission notification and the moderator re-entering the lobby room
 * name the verified knocker as it was shown. */
static void test_shown_everywhere(void **state)
{
    struct lobby_actions a;
    struct lobby *lb;
    struct lobby_knock mod = {.lobby_room = LOBBY, .nick = "mod", .real_jid = OWNER};
    bool notified = false;

    (void)state;
    lb = meeting(&a);
    knock(lb, 0, &a);
    /* The owner leaves the lobby room and comes back: it is shown the
     * knocker again, verified. */
    lobby_actions_clear(&a);
    assert_int_equal(lobby_on_leave(lb, LOBBY, OWNER, &a), 1);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_on_knock(lb, &mod, 2000, &a), 0);
    check(to_owner(&a, steps[0].jid), 0);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_on_admit(lb, ROOM, steps[0].jid, OWNER, 3000, &a), 1);
    for (size_t i = 0; i < a.n; i++) {
        if (a.v[i].kind == LOBBY_DO_NOTIFY_MAIN) {
            assert_string_equal(a.v[i].name, "Alice Real");
            notified = true;
        }
    }
    assert_true(notified);
    lobby_actions_clear(&a);
    lobby_free(lb);
}

/* Saved and restored: the waiters keep what was vouched for. */
static void test_snapshot(void **state)
{
    struct lobby_actions a;
    struct lobby *lb, *back;
    struct lobby_knock mod = {.lobby_room = LOBBY, .nick = "mod", .real_jid = OWNER};
    char *text = NULL, why[200];
    size_t len;

    (void)state;
    lb = meeting(&a);
    knock(lb, 0, &a);
    knock(lb, 3, &a);
    assert_int_equal(lobby_save(lb, 5000, WALL, &text, &len), 0);
    assert_non_null(strstr(text, " Alice%20Real alice@example.com\n"));
    back = fixture_lobby(0, 0);
    assert_int_equal(lobby_restore(back, text, len, 5000, WALL, why, sizeof(why)), 0);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_on_leave(back, LOBBY, OWNER, &a), 1);
    lobby_actions_clear(&a);
    assert_int_equal(lobby_on_knock(back, &mod, 6000, &a), 0);
    check(to_owner(&a, steps[0].jid), 0);
    check(to_owner(&a, steps[3].jid), 3);
    lobby_actions_clear(&a);
    free(text);
    lobby_free(back);
    lobby_free(lb);
}

/* The state file's waiter line: the old form (no verified fields) reads as
 * not verified; the new form is checked. */
static void test_restore_lines(void **state)
{
    static const struct {
        const char *waiter;
        bool ok;
        enum lobby_verified want;
    } cases[] = {
        {"waiter aaaa g@meet.test/1 s Typed t@x.org 1699999999000 0", true, LOBBY_VERIFIED_NONE},
        {"waiter aaaa g@meet.test/1 s Typed t@x.org 1699999999000 0 0 - -", true,
         LOBBY_VERIFIED_NONE},
        {"waiter aaaa g@meet.test/1 s Typed t@x.org 1699999999000 0 1 Real r@x.org", true,
         LOBBY_VERIFIED_TOKEN},
        {"waiter aaaa g@meet.test/1 s Typed t@x.org 1699999999000 0 1 - -", true,
         LOBBY_VERIFIED_TOKEN},
        {"waiter aaaa g@meet.test/1 s Typed t@x.org 1699999999000 0 0 Real -", false, 0},
        {"waiter aaaa g@meet.test/1 s Typed t@x.org 1699999999000 0 2 - -", false, 0},
        {"waiter aaaa g@meet.test/1 s Typed t@x.org 1699999999000 0 1 Real", false, 0},
    };
    struct lobby_knock mod = {.lobby_room = LOBBY, .nick = "mod", .real_jid = OWNER};

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct lobby *lb = fixture_lobby(0, 0);
        struct lobby_actions a;
        char text[512], why[200];
        int n = snprintf(text, sizeof(text), "lobbyd-state 1\nroom " ROOM " 1\n%s\nowner " OWNER
                         "\nend\n", cases[i].waiter);
        int rc = lobby_restore(lb, text, (size_t)n, 5000, WALL, why, sizeof(why));

        if ((rc == 0) != cases[i].ok)
            fail_msg("case %zu: restore %d (%s)", i, rc, rc == 0 ? "" : why);
        if (rc == 0) {
            const struct lobby_effect *e;

            lobby_actions_init(&a);
            assert_int_equal(lobby_on_knock(lb, &mod, 6000, &a), 0);
            e = to_owner(&a, "g@meet.test/1");
            assert_non_null(e);
            assert_int_equal(e->verified, cases[i].want);
            assert_string_equal(e->name, cases[i].want == LOBBY_VERIFIED_TOKEN &&
                                                 strstr(cases[i].waiter, "Real") != NULL
                                             ? "Real" : "Typed");
            lobby_actions_clear(&a);
        }
        lobby_free(lb);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps),
        cmocka_unit_test(test_shown_everywhere),
        cmocka_unit_test(test_snapshot),
        cmocka_unit_test(test_restore_lines),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
