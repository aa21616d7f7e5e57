/*
 * test_rate.c: the knock rate limits: the sliding-window table (rate.h)
 * as a script of counts and questions, its caps and expiry, the facts of
 * sessions sent to the lobby, what a knock counts under
 * (lobby_knock_identity), and the whole path through the lobby: a verdict
 * sends a session to the lobby, its knock is let in or refused with the
 * text and reason, a reload that changes a limit counts afresh.
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
#include "lobby/rate.h"

static const uint8_t seed[16] = "0123456789abcdef";

/* ---- the table: at most 2 knocks in any 1000 ms ---- */

enum rate_op { R_COUNT, R_WAIT, R_EXPIRE };

struct rate_step {
    const char *name;
    enum rate_op op;
    const char *key;
    uint64_t now_ms;
    uint64_t want;                     /* R_WAIT: ms to wait; R_EXPIRE: keys left */
};

static const struct rate_step rate_script[] = {
    {"unknown key may knock", R_WAIT, "a", 0, 0},
    {"first knock", R_COUNT, "a", 100, 0},
    {"one in the window: may knock", R_WAIT, "a", 150, 0},
    {"second knock", R_COUNT, "a", 200, 0},
    {"two in the window: wait for the first to leave", R_WAIT, "a", 300, 800},
    {"other keys are not affected", R_WAIT, "b", 300, 0},
    {"just before the first leaves", R_WAIT, "a", 1099, 1},
    {"the first left the window (sliding)", R_WAIT, "a", 1100, 0},
    {"third knock", R_COUNT, "a", 1100, 0},
    {"now the second is the oldest", R_WAIT, "a", 1150, 50},
    {"b knocks once", R_COUNT, "b", 1150, 0},
    {"expire keeps keys with a knock in the window", R_EXPIRE, NULL, 1199, 2},
    {"a still has two", R_WAIT, "a", 1199, 1},
    {"expire at 2100 drops a (last knock 1100), keeps b", R_EXPIRE, NULL, 2100, 1},
    {"a starts afresh", R_WAIT, "a", 2100, 0},
    {"expire drops b too", R_EXPIRE, NULL, 2150, 0},
};

static void test_rate_script(void **state)
{
    struct rate_table t;

    (void)state;
    assert_int_equal(rate_init(&t, seed, 2, 1000, 10), 0);
    for (size_t i = 0; i < sizeof(rate_script) / sizeof(rate_script[0]); i++) {
        const struct rate_step *s = &rate_script[i];
        uint64_t got = 0;

        switch (s->op) {
        case R_COUNT:
            assert_int_equal(rate_count(&t, s->key, s->now_ms), 0);
            break;
        case R_WAIT:
            got = rate_wait_ms(&t, s->key, s->now_ms);
            break;
        case R_EXPIRE:
            rate_expire(&t, s->now_ms);
            got = t.keys.count;
            break;
        }
        if (got != s->want)
            fail_msg("step %zu \"%s\": got %llu, want %llu", i, s->name,
                     (unsigned long long)got, (unsigned long long)s->want);
    }
    rate_release(&t);
}

/* Off (limit 0): nothing is kept, nobody waits. A changed limit drops
 * every count; the same one keeps them. */
static void test_rate_off_and_configure(void **state)
{
    struct rate_table t;

    (void)state;
    assert_int_equal(rate_init(&t, seed, 0, 0, 10), 0);
    assert_int_equal(rate_count(&t, "a", 1), 0);
    assert_int_equal(t.keys.count, 0);
    assert_int_equal(rate_wait_ms(&t, "a", 1), 0);
    rate_configure(&t, 1, 1000);
    assert_int_equal(rate_count(&t, "a", 10), 0);
    assert_int_equal(rate_wait_ms(&t, "a", 10), 1000);
    rate_configure(&t, 1, 1000);
    assert_int_equal(rate_wait_ms(&t, "a", 10), 1000);
    rate_configure(&t, 2, 1000);
    assert_int_equal(t.keys.count, 0);
    assert_int_equal(rate_wait_ms(&t, "a", 10), 0);
    rate_release(&t);
}

/* The cap: a new key in a full table evicts the one that knocked longest
 * ago, not the busiest. */
static void test_rate_cap(void **state)
{
    struct rate_table t;

    (void)state;
    assert_int_equal(rate_init(&t, seed, 1, 10000, 2), 0);
    assert_int_equal(rate_count(&t, "old", 1), 0);
    assert_int_equal(rate_count(&t, "mid", 2), 0);
    assert_int_equal(rate_count(&t, "new", 3), 0);
    assert_int_equal(t.keys.count, 2);
    assert_int_equal(rate_wait_ms(&t, "old", 4), 0);
    assert_int_equal(rate_wait_ms(&t, "mid", 4), 9998);
    assert_int_equal(rate_wait_ms(&t, "new", 4), 9999);
    for (unsigned i = 0; i < 1000; i++) {
        char key[16];

        snprintf(key, sizeof(key), "k%u", i);
        assert_int_equal(rate_count(&t, key, 10 + i), 0);
        assert_true(t.keys.count <= 2);
    }
    rate_release(&t);
}

static int put(struct rate_facts *f, const char *jid, const char *identity, const char *ip,
               uint64_t deadline_ms)
{
    struct rate_fact_src src = {.identity = identity, .ip = ip};

    return rate_facts_put(f, jid, &src, deadline_ms);
}

/* Facts: found until their deadline, refreshed by a new put, the first
 * deadline evicted when full. */
static void test_rate_facts(void **state)
{
    struct rate_facts f;
    const struct rate_fact *x;

    (void)state;
    assert_int_equal(rate_facts_init(&f, seed, 2), 0);
    assert_int_equal(put(&f, "a@x/1", "jid a@x", "10.0.0.1", 100), 0);
    assert_int_equal(put(&f, "b@x/1", "jid b@x", NULL, 200), 0);
    x = rate_facts_find(&f, "a@x/1", 99);
    assert_non_null(x);
    assert_string_equal(x->ip, "10.0.0.1");
    assert_null(rate_facts_find(&f, "a@x/1", 100));
    assert_null(rate_facts_find(&f, "b@x/1", 150)->ip);
    assert_int_equal(put(&f, "a@x/1", "token id=1 iss= sub=", "10.0.0.2", 300), 0);
    assert_int_equal(f.by_jid.count, 2);
    assert_string_equal(rate_facts_find(&f, "a@x/1", 250)->identity, "token id=1 iss= sub=");
    assert_int_equal(put(&f, "c@x/1", "jid c@x", NULL, 400), 0);
    assert_int_equal(f.by_jid.count, 2);
    assert_null(rate_facts_find(&f, "b@x/1", 150));
    rate_facts_expire(&f, 300);
    assert_int_equal(f.by_jid.count, 1);
    assert_non_null(rate_facts_find(&f, "c@x/1", 300));
    rate_facts_release(&f);
}

/* ---- what a knock counts under ---- */

struct identity_case {
    const char *name;
    enum lobby_token_state token;
    const char *id, *user_name, *iss, *sub, *jid;
    const char *want;                  /* NULL: false */
};

static const struct identity_case identity_cases[] = {
    {"token with user id", LOBBY_TOKEN_VALID, "u-1", "Alice", "app", "meet.test", "x@guest/1",
     "token id=u-1 iss=app sub=meet.test"},
    {"token with only a name", LOBBY_TOKEN_VALID, NULL, "Alice", "app", "acme", "x@guest/1",
     "token name=Alice iss=app sub=acme"},
    {"empty id falls back to the name", LOBBY_TOKEN_VALID, "", "Bob", "app", NULL, "x@guest/1",
     "token name=Bob iss=app sub="},
    {"token naming nobody: bare JID", LOBBY_TOKEN_VALID, NULL, NULL, "app", "acme", "x@guest/1",
     "jid x@guest"},
    {"refused token: bare JID", LOBBY_TOKEN_INVALID, "u-1", "Alice", "app", "acme",
     "x@guest/res", "jid x@guest"},
    {"no token: bare JID", LOBBY_TOKEN_NONE, NULL, NULL, NULL, NULL, "alice@meet.test/web",
     "jid alice@meet.test"},
    {"no JID at all", LOBBY_TOKEN_NONE, NULL, NULL, NULL, NULL, NULL, NULL},
};

static void test_identity(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(identity_cases) / sizeof(identity_cases[0]); i++) {
        const struct identity_case *c = &identity_cases[i];
        struct lobby_join j = {
            .token = c->token, .token_user_id = c->id, .token_user_name = c->user_name,
            .token_iss = c->iss, .token_sub = c->sub, .real_jid = c->jid,
        };
        char buf[LOBBY_IDENTITY_MAX];
        bool ok = lobby_knock_identity(&j, buf, sizeof(buf));

        if (ok != (c->want != NULL) || (ok && strcmp(buf, c->want) != 0))
            fail_msg("\"%s\": got %s \"%s\", want \"%s\"", c->name, ok ? "true" : "false",
                     buf, c->want != NULL ? c->want : "(false)");
    }
}

/* ---- the whole path: knock_limit = 2/10s, knock_limit_per_ip = 3/10s ---- */

#define ROOM "myroom@conference.meet.test"
#define LOBBY "myroom@lobby.meet.test"
#define OWNER "o1@meet.test/web"

enum path_op { P_KNOCK, P_DIRECT, P_RELOAD };

struct path_step {
    const char *name;
    enum path_op op;
    uint64_t now_ms;
    const char *jid;
    const char *token_id;              /* a valid token with this context.user.id, or none */
    const char *ip;                    /* what the bridge reported */
    const char *want;                  /* "in", or the refusal's reason */
    const char *want_text;             /* a refusal's text, when checked */
};

static const struct path_step path_script[] = {
    {"a token user knocks", P_KNOCK, 1000, "t1@guest/1", "u-1", "10.0.0.1", "in", NULL},
    {"again from another connection", P_KNOCK, 2000, "t2@guest/2", "u-1", "10.0.0.2", "in",
     NULL},
    {"a third time: refused by identity", P_KNOCK, 3000, "t3@guest/3", "u-1", "10.0.0.3",
     "knock-limit", "Too many attempts to join this meeting; try again in 8 seconds."},
    {"another user from the first address", P_KNOCK, 3000, "t4@guest/4", "u-2", "10.0.0.1",
     "in", NULL},
    {"anonymous from that address", P_KNOCK, 3500, "a1@guest/1", NULL, "10.0.0.1", "in", NULL},
    {"a second anonymous one: three from 10.0.0.1 already", P_KNOCK, 4000, "a2@guest/1", NULL,
     "10.0.0.1", "knock-limit-ip",
     "Too many attempts to join this meeting; try again in 7 seconds."},
    {"the same from another address", P_KNOCK, 4000, "a3@guest/1", NULL, "10.0.0.9", "in", NULL},
    {"the window slid past the first knock", P_KNOCK, 11000, "t5@guest/5", "u-1", "10.0.0.5",
     "in", NULL},
    {"and past the second: one in the window", P_KNOCK, 12000, "t6@guest/6", "u-1", "10.0.0.6",
     "in", NULL},
    {"a bridge that reports no address: identity only", P_KNOCK, 12500, "n1@guest/1", NULL, NULL,
     "in", NULL},
    {"knocks lobbyd did not send share one address", P_DIRECT, 13000, "d1@guest/1", NULL, NULL,
     "in", NULL},
    {"second direct knock", P_DIRECT, 13001, "d2@guest/1", NULL, NULL, "in", NULL},
    {"third direct knock", P_DIRECT, 13002, "d3@guest/1", NULL, NULL, "in", NULL},
    {"fourth direct knock: refused", P_DIRECT, 13003, "d4@guest/1", NULL, NULL,
     "knock-limit-ip", "Too many attempts to join this meeting; try again in 10 seconds."},
    {"u-1 is at its limit again", P_KNOCK, 13010, "t7@guest/7", "u-1", "10.0.0.7", "knock-limit",
     NULL},
    {"a reload with other limits counts afresh", P_RELOAD, 13010, NULL, NULL, NULL, NULL, NULL},
    {"so u-1 is let in", P_KNOCK, 13100, "t8@guest/8", "u-1", "10.0.0.8", "in", NULL},
    {"limited at 1 now", P_KNOCK, 13200, "t9@guest/9", "u-1", "10.0.0.8", "knock-limit",
     "Too many attempts to join this meeting; try again in 10 seconds."},
    {"with a second to go", P_KNOCK, 22500, "t10@guest/10", "u-1", "10.0.0.8", "knock-limit",
     "Too many attempts to join this meeting; try again in 1 second."},
};

static struct lobby *path_lobby(unsigned limit, unsigned per_ip, struct lobby_config *cfg)
{
    lobby_config_defaults(cfg);
    cfg->lobby_domain = "lobby.meet.test";
    cfg->knock_limit = limit;
    cfg->knock_window_ms = 10000;
    cfg->knock_limit_per_ip = per_ip;
    cfg->knock_ip_window_ms = 10000;
    memcpy(cfg->hash_seed, seed, sizeof(seed));
    return lobby_new(cfg);
}

/* Knock as 'jid' (after a verdict sent it to the lobby unless 'direct');
 * "in" or the refusal's reason, its text in 'text'. The knocker leaves
 * again, so that only the knock limits refuse. */
static const char *path_knock(struct lobby *lb, const struct path_step *s, char *text,
                              size_t size)
{
    static char why[64];
    struct lobby_join j = {
        .room = ROOM, .nick = "n", .real_jid = s->jid, .session = "s",
        .display_name = "Someone", .room_exists = true, .members_only = true,
        .token = s->token_id != NULL ? LOBBY_TOKEN_VALID : LOBBY_TOKEN_NONE,
        .token_user_id = s->token_id, .token_iss = "app", .token_sub = "meet.test",
        .client_ip = s->ip,
    };
    struct lobby_knock k = {.lobby_room = LOBBY, .nick = "knocker", .real_jid = s->jid,
                            .session = "s", .display_name = "Someone"};
    struct lobby_verdict v;
    struct lobby_actions a;

    if (s->op != P_DIRECT) {
        assert_int_equal(lobby_on_join(lb, &j, s->now_ms, &v), 0);
        assert_int_equal(v.action, LOBBY_KNOCK);
    }
    lobby_actions_init(&a);
    assert_int_equal(lobby_on_knock(lb, &k, s->now_ms, &a), 0);
    assert_true(a.n > 0);
    if (a.v[0].kind == LOBBY_DO_REFUSE) {
        assert_int_equal(a.v[0].deny, LOBBY_DENY_FULL);
        snprintf(why, sizeof(why), "%s", a.v[0].event != NULL ? a.v[0].event : "(none)");
        snprintf(text, size, "%s", a.v[0].text);
        /* The address goes with a refusal by address only. */
        if (strcmp(why, "knock-limit-ip") == 0)
            assert_non_null(a.v[0].ip);
        else
            assert_null(a.v[0].ip);
    } else {
        snprintf(why, sizeof(why), "in");
        text[0] = '\0';
    }
    lobby_actions_clear(&a);
    assert_true(lobby_on_leave(lb, LOBBY, s->jid, &a) >= 0);
    lobby_actions_clear(&a);
    return why;
}

static void test_path_script(void **state)
{
    struct lobby_config cfg;
    struct lobby_actions a;
    struct lobby *lb = path_lobby(2, 3, &cfg);
    char text[LOBBY_TEXT_MAX];

    (void)state;
    assert_non_null(lb);
    lobby_actions_init(&a);
    assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 0, &a), 0);
    lobby_actions_clear(&a);
    for (size_t i = 0; i < sizeof(path_script) / sizeof(path_script[0]); i++) {
        const struct path_step *s = &path_script[i];
        const char *got;

        if (s->op == P_RELOAD) {
            cfg.knock_limit = 1;
            assert_int_equal(lobby_reconfigure(lb, &cfg, s->now_ms), 0);
            continue;
        }
        got = path_knock(lb, s, text, sizeof(text));
        if (strcmp(got, s->want) != 0)
            fail_msg("step %zu \"%s\": got %s (%s), want %s", i, s->name, got, text, s->want);
        if (s->want_text != NULL && strcmp(text, s->want_text) != 0)
            fail_msg("step %zu \"%s\": text \"%s\", want \"%s\"", i, s->name, text,
                     s->want_text);
    }
    lobby_free(lb);
}

/* Limits off (the default): nobody is refused; only a valid token's
 * facts are kept (for the knocker's verified identity), a tokenless
 * session's are not. */
static void test_path_off(void **state)
{
    struct lobby_config cfg;
    struct lobby_actions a;
    struct lobby *lb = path_lobby(0, 0, &cfg);
    char text[LOBBY_TEXT_MAX];
    struct path_step s = {"off", P_KNOCK, 1, "x@guest/1", "u-1", "10.0.0.1", "in", NULL};

    (void)state;
    assert_non_null(lb);
    lobby_actions_init(&a);
    assert_int_equal(lobby_on_enable(lb, ROOM, OWNER, 0, &a), 0);
    lobby_actions_clear(&a);
    for (unsigned i = 0; i < 200; i++) {
        s.now_ms = 1 + i;
        assert_string_equal(path_knock(lb, &s, text, sizeof(text)), "in");
    }
    lobby_free(lb);
}

/* The configuration's bounds. */
static void test_config_bounds(void **state)
{
    static const struct {
        unsigned limit;
        uint64_t window_ms;
        bool ok;
    } cases[] = {
        {0, 0, true},
        {1, 1000, true},
        {LOBBY_KNOCK_LIMIT_MAX, LOBBY_KNOCK_WINDOW_MAX_MS, true},
        {LOBBY_KNOCK_LIMIT_MAX + 1, 1000, false},
        {1, 0, false},
        {1, LOBBY_KNOCK_WINDOW_MAX_MS + 1, false},
    };
    struct lobby_config cfg;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int per_ip = 0; per_ip < 2; per_ip++) {
            lobby_config_defaults(&cfg);
            cfg.lobby_domain = "lobby.meet.test";
            if (per_ip) {
                cfg.knock_limit_per_ip = cases[i].limit;
                cfg.knock_ip_window_ms = cases[i].window_ms;
            } else {
                cfg.knock_limit = cases[i].limit;
                cfg.knock_window_ms = cases[i].window_ms;
            }
            if ((lobby_config_problem(&cfg) == NULL) != cases[i].ok)
                fail_msg("case %zu (per_ip %d): problem \"%s\"", i, per_ip,
                         lobby_config_problem(&cfg) != NULL ? lobby_config_problem(&cfg) : "none");
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rate_script),
        cmocka_unit_test(test_rate_off_and_configure),
        cmocka_unit_test(test_rate_cap),
        cmocka_unit_test(test_rate_facts),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_path_script),
        cmocka_unit_test(test_path_off),
        cmocka_unit_test(test_config_bounds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
