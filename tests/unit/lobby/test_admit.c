/*
 * test_admit.c: the admission rules of lobby/admit.c (parse, match) and
 * their place among the join rules, through lobby_new() and
 * lobby_on_join() as the daemon calls them. One table row per case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lobby/admit.h"
#include "lobby/lobby.h"

#define ROOM "myroom@conference.meet.test"

static void test_parse_table(void **state)
{
    static const struct {
        const char *text;
        const char *label;             /* NULL: refused */
        enum lobby_admit_kind kind;
        const char *value;
        const char *why_has;           /* refused: substring of the reason */
    } rows[] = {
        { "staff email-domain example.com", "admit:staff", LOBBY_ADMIT_EMAIL_DOMAIN,
          "example.com", NULL },
        { "  anyone\ttoken  ", "admit:anyone", LOBBY_ADMIT_TOKEN, "", NULL },
        { "acme tenant acme", "admit:acme", LOBBY_ADMIT_TENANT, "acme", NULL },
        { "t-1_x group teachers", "admit:t-1_x", LOBBY_ADMIT_GROUP, "teachers", NULL },
        { "m affiliation member", "admit:m", LOBBY_ADMIT_AFFILIATION, "member", NULL },
        { "sip jid sip.meet.test", "admit:sip", LOBBY_ADMIT_JID, "sip.meet.test", NULL },
        { "bob jid bob@meet.test", "admit:bob", LOBBY_ADMIT_JID, "bob@meet.test", NULL },
        { "", NULL, 0, NULL, "starts with its name" },
        { "Staff token", NULL, 0, NULL, "starts with its name" },
        { "a.b token", NULL, 0, NULL, "starts with its name" },
        { "abcdefghijklmnopqrstuvwxyz0123456 token", NULL, 0, NULL, "starts with its name" },
        { "staff", NULL, 0, NULL, "has no kind" },
        { "staff email example.com", NULL, 0, NULL, "\"email\" is not one of" },
        { "staff email-domain", NULL, 0, NULL, "needs one value" },
        { "staff email-domain a.com b.com", NULL, 0, NULL, "unexpected text after" },
        { "anyone token yes", NULL, 0, NULL, "unexpected text after token" },
        { "staff email-domain @example.com", NULL, 0, NULL, "without @" },
        { "o affiliation owner", NULL, 0, NULL, "can only be member" },
        { "sip jid sip.meet.test/res", NULL, 0, NULL, "bare JID or a domain" },
    };
    char long_value[LOBBY_ADMIT_VALUE_MAX + 16];
    struct lobby_admit_rule r;
    char why[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        bool ok = lobby_admit_parse(rows[i].text, &r, why, sizeof(why));

        print_message("\"%s\"\n", rows[i].text);
        if (rows[i].label == NULL) {
            assert_false(ok);
            assert_non_null(strstr(why, rows[i].why_has));
            continue;
        }
        assert_true(ok);
        assert_string_equal(r.label, rows[i].label);
        assert_int_equal(r.kind, rows[i].kind);
        assert_string_equal(r.value, rows[i].value);
    }
    assert_false(lobby_admit_parse(NULL, &r, why, sizeof(why)));
    memcpy(long_value, "g group ", 8);
    memset(long_value + 8, 'x', LOBBY_ADMIT_VALUE_MAX);
    long_value[8 + LOBBY_ADMIT_VALUE_MAX] = '\0';
    assert_false(lobby_admit_parse(long_value, &r, why, sizeof(why)));
    assert_non_null(strstr(why, "at most 1023 bytes"));
    long_value[8 + LOBBY_ADMIT_VALUE_MAX - 1] = '\0';
    assert_true(lobby_admit_parse(long_value, &r, why, sizeof(why)));
}

/* What a joiner brings to a rule; zero is a tokenless guest1@meet.test. */
struct who {
    enum lobby_token_state token;
    const char *email;
    const char *sub;
    const char *group;
    bool member;
    const char *jid;                   /* NULL: guest1@meet.test/web */
};

static void who_join(const struct who *w, struct lobby_join *j)
{
    memset(j, 0, sizeof(*j));
    j->room = ROOM;
    j->nick = "1a2b3c4d";
    j->real_jid = w->jid != NULL ? w->jid : "guest1@meet.test/web";
    j->session = "s-1";
    j->display_name = "Alice";
    j->room_exists = true;
    j->members_only = true;
    j->token = w->token;
    j->token_email = w->email;
    j->token_sub = w->sub;
    j->token_group = w->group;
    j->token_member = w->member;
}

#define VALID LOBBY_TOKEN_VALID
#define INVALID LOBBY_TOKEN_INVALID

static void test_match_table(void **state)
{
    static const struct {
        const char *rule;
        struct who who;
        bool want;
    } rows[] = {
        { "a token", { .token = VALID }, true },
        { "a token", { .token = INVALID }, false },
        { "a token", { 0 }, false },
        { "s email-domain example.com", { .token = VALID, .email = "ann@example.com" }, true },
        { "s email-domain example.com", { .token = VALID, .email = "Ann@EXAMPLE.com" }, true },
        { "s email-domain example.com", { .token = VALID, .email = "a@b@example.com" }, true },
        { "s email-domain example.com", { .token = VALID, .email = "ann@sub.example.com" },
          false },
        { "s email-domain example.com", { .token = VALID, .email = "ann@example.com.evil" },
          false },
        { "s email-domain example.com", { .token = VALID, .email = "example.com" }, false },
        { "s email-domain example.com", { .token = VALID }, false },
        { "s email-domain example.com", { .token = INVALID, .email = "ann@example.com" },
          false },
        { "t tenant acme", { .token = VALID, .sub = "ACME" }, true },
        { "t tenant acme", { .token = VALID, .sub = "acme2" }, false },
        { "t tenant acme", { .token = VALID }, false },
        { "g group teachers", { .token = VALID, .group = "teachers" }, true },
        { "g group teachers", { .token = VALID, .group = "Teachers" }, false },
        { "g group teachers", { .token = INVALID, .group = "teachers" }, false },
        { "m affiliation member", { .token = VALID, .member = true }, true },
        { "m affiliation member", { .token = VALID }, false },
        { "m affiliation member", { .token = INVALID, .member = true }, false },
        { "j jid sip.meet.test", { .jid = "gw@sip.meet.test/x" }, true },
        { "j jid sip.meet.test", { .jid = "sip.meet.test" }, true },
        { "j jid sip.meet.test", { .jid = "gw@a.sip.meet.test/x" }, false },
        { "j jid bob@meet.test", { .jid = "Bob@meet.test/phone" }, true },
        { "j jid bob@meet.test", { .jid = "bobby@meet.test/phone" }, false },
        { "j jid bob@meet.test", { .jid = "" }, false },
    };
    struct lobby_admit_rule r;
    struct lobby_join j;
    char why[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        print_message("%zu: %s\n", i, rows[i].rule);
        assert_true(lobby_admit_parse(rows[i].rule, &r, why, sizeof(why)));
        who_join(&rows[i].who, &j);
        assert_int_equal(lobby_admit_matches(&r, &j), rows[i].want);
    }
}

/* The rules every case of the precedence table runs with, in this order. */
static const char *const rules[] = {
    "staff email-domain example.com",
    "sip jid sip.meet.test",
    "teachers group teachers",
};

static void test_first_match_wins(void **state)
{
    struct lobby_admit_rule parsed[3];
    struct lobby_join j;
    char why[256];
    size_t i;

    (void)state;
    for (i = 0; i < 3; i++)
        assert_true(lobby_admit_parse(rules[i], &parsed[i], why, sizeof(why)));
    who_join(&(struct who){ .token = VALID, .email = "a@example.com", .group = "teachers" }, &j);
    assert_string_equal(lobby_admit_first(parsed, 3, &j)->label, "admit:staff");
    who_join(&(struct who){ .token = VALID, .group = "teachers", .jid = "x@sip.meet.test/r" }, &j);
    assert_string_equal(lobby_admit_first(parsed, 3, &j)->label, "admit:sip");
    assert_string_equal(lobby_admit_first(parsed + 2, 1, &j)->label, "admit:teachers");
    who_join(&(struct who){ .token = VALID, .group = "pupils" }, &j);
    assert_null(lobby_admit_first(parsed, 3, &j));
    assert_null(lobby_admit_first(parsed, 0, &j));
}

/*
 * The admission rules among the join rules (lobby.h): after the token's
 * own rights, outcasts, before_host and a room without a lobby; before the
 * password and display-name checks and the lobby.
 */
static void test_precedence_table(void **state)
{
    static const struct {
        const char *name;
        struct who who;
        bool owner_token, bypass_token, lobby_off, new_room, no_name;
        enum lobby_affiliation aff;
        enum lobby_password pw;
        enum lobby_before_host before_host;
        enum lobby_action action;
        enum lobby_affiliation grant;
        const char *rule;
        bool supply;
    } rows[] = {
        { "a colleague walks in as member", { .token = VALID, .email = "a@example.com" },
          .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER, .rule = "admit:staff" },
        { "a teacher, by the third rule", { .token = VALID, .group = "teachers" },
          .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER, .rule = "admit:teachers" },
        { "the SIP gateway, without a token", { .jid = "gw@sip.meet.test/1" },
          .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER, .rule = "admit:sip" },
        { "nobody's rule: knocks", { .token = VALID, .email = "a@elsewhere.org" },
          .action = LOBBY_KNOCK, .rule = "lobby" },
        { "a refused token with the right email: knocks",
          { .token = INVALID, .email = "a@example.com" }, .action = LOBBY_KNOCK,
          .rule = "lobby" },
        { "an owner token stays an owner", { .token = VALID, .email = "a@example.com" },
          .owner_token = true, .action = LOBBY_ALLOW, .grant = LOBBY_AFF_OWNER,
          .rule = "owner-claim" },
        { "a bypass claim is named as such", { .token = VALID, .email = "a@example.com" },
          .bypass_token = true, .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER,
          .rule = "bypass-claim" },
        { "an outcast stays out", { .token = VALID, .email = "a@example.com" },
          .aff = LOBBY_AFF_OUTCAST, .action = LOBBY_DENY, .rule = "outcast" },
        { "a member already: nothing to grant", { .token = VALID, .email = "a@example.com" },
          .aff = LOBBY_AFF_MEMBER, .action = LOBBY_ALLOW, .grant = LOBBY_AFF_NONE,
          .rule = "admit:staff" },
        { "an admin already", { .token = VALID, .email = "a@example.com" },
          .aff = LOBBY_AFF_ADMIN, .action = LOBBY_ALLOW, .grant = LOBBY_AFF_NONE,
          .rule = "existing-affiliation" },
        { "no lobby, no rule needed", { .token = VALID, .email = "a@example.com" },
          .lobby_off = true, .action = LOBBY_ALLOW, .rule = "no-lobby" },
        { "before_host = deny keeps the room closed",
          { .token = VALID, .email = "a@example.com" }, .new_room = true,
          .before_host = LOBBY_BEFORE_HOST_DENY, .action = LOBBY_DENY, .rule = "before-host" },
        { "before_host = wait keeps them waiting",
          { .token = VALID, .email = "a@example.com" }, .new_room = true,
          .before_host = LOBBY_BEFORE_HOST_WAIT, .action = LOBBY_KNOCK, .rule = "before-host" },
        { "past the room password, as a bypass claim",
          { .token = VALID, .email = "a@example.com" }, .pw = LOBBY_PW_MISSING,
          .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER, .rule = "admit:staff",
          .supply = true },
        { "without a display name", { .token = VALID, .email = "a@example.com" },
          .no_name = true, .action = LOBBY_ALLOW, .grant = LOBBY_AFF_MEMBER,
          .rule = "admit:staff" },
        { "a guest without a name is still asked for one", { 0 }, .no_name = true,
          .action = LOBBY_NEED_NAME, .rule = "displayname-required" },
    };
    struct lobby_config cfg;
    struct lobby_verdict v;
    struct lobby_join j;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct lobby *lb;

        print_message("%s\n", rows[i].name);
        lobby_config_defaults(&cfg);
        cfg.lobby_domain = "lobby.meet.test";
        cfg.admit_rules = rules;
        cfg.n_admit_rules = sizeof(rules) / sizeof(rules[0]);
        cfg.before_host = rows[i].before_host;
        lb = lobby_new(&cfg);
        assert_non_null(lb);
        who_join(&rows[i].who, &j);
        j.token_owner = rows[i].owner_token;
        j.token_bypass = rows[i].bypass_token;
        j.members_only = !rows[i].lobby_off;
        j.room_exists = !rows[i].new_room;
        j.display_name = rows[i].no_name ? NULL : "Alice";
        j.affiliation = rows[i].aff;
        j.password = rows[i].pw;
        assert_int_equal(lobby_on_join(lb, &j, 1000, &v), 0);
        assert_int_equal(v.action, rows[i].action);
        assert_string_equal(v.rule, rows[i].rule);
        if (v.action == LOBBY_ALLOW)
            assert_int_equal(v.affiliation, rows[i].grant);
        assert_int_equal(v.supply_password, rows[i].supply);
        if (strncmp(rows[i].rule, "admit:", 6) == 0)
            assert_non_null(strstr(v.text, rows[i].rule + 6));
        lobby_free(lb);
    }
}

/* Whoever a rule lets in is never asked for a display name. */
static void test_not_asked_for_a_name(void **state)
{
    struct lobby_config cfg;
    struct lobby_actions acts;
    struct lobby_join j;
    struct lobby *lb;
    const char *rule;

    (void)state;
    lobby_config_defaults(&cfg);
    cfg.lobby_domain = "lobby.meet.test";
    cfg.admit_rules = rules;
    cfg.n_admit_rules = sizeof(rules) / sizeof(rules[0]);
    lb = lobby_new(&cfg);
    assert_non_null(lb);
    lobby_actions_init(&acts);
    assert_int_equal(lobby_on_enable(lb, ROOM, "owner@meet.test/o", 1000, &acts), 0);
    lobby_actions_clear(&acts);
    who_join(&(struct who){ .token = VALID, .email = "a@example.com" }, &j);
    assert_false(lobby_asks_display_name(lb, &j, 1000, &rule));
    assert_string_equal(rule, "admit:staff");
    who_join(&(struct who){ .token = VALID, .email = "a@elsewhere.org" }, &j);
    assert_true(lobby_asks_display_name(lb, &j, 1000, &rule));
    assert_string_equal(rule, "displayname-required");
    lobby_free(lb);
}

static void test_config_refuses_bad_rules(void **state)
{
    static const char *const bad[] = { "staff email-domain example.com", "nope" };
    static const char *const *const none = NULL;
    struct lobby_config cfg;

    (void)state;
    lobby_config_defaults(&cfg);
    cfg.lobby_domain = "lobby.meet.test";
    cfg.admit_rules = bad;
    cfg.n_admit_rules = 2;
    assert_non_null(strstr(lobby_config_problem(&cfg), "admission rule"));
    assert_null(lobby_new(&cfg));
    cfg.n_admit_rules = 1;
    assert_null(lobby_config_problem(&cfg));
    cfg.admit_rules = none;
    assert_non_null(lobby_config_problem(&cfg));
    cfg.admit_rules = bad;
    cfg.n_admit_rules = LOBBY_MAX_ADMIT_RULES + 1;
    assert_non_null(strstr(lobby_config_problem(&cfg), "too many"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_match_table),
        cmocka_unit_test(test_first_match_wins),
        cmocka_unit_test(test_precedence_table),
        cmocka_unit_test(test_not_asked_for_a_name),
        cmocka_unit_test(test_config_refuses_bad_rules),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
