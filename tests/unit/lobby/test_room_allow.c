/*
 * test_room_allow.c: a room's own settings from its owner's token: the
 * allow list (context.room.allow, trusted through room_allow_issuers),
 * its place among the join rules (rule room-allow), and the room's own
 * before_host, which governs the next call of the room. Through
 * lobby_new() and lobby_on_join() as the daemon calls them; one table
 * row per case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lobby/admit.h"
#include "lobby/lobby.h"

#define ROOM "myroom@conference.meet.test"
#define OWNER "host@meet.test/web"
#define TRUSTED "portal"
#define ROWS(t) (sizeof(t) / sizeof((t)[0]))

static const char *const issuers[] = { "other", TRUSTED };

/* Who joins: zero is a tokenless guest1@meet.test. */
struct who {
    bool token;                        /* a valid token */
    const char *email;
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
    j->token = w->token ? LOBBY_TOKEN_VALID : LOBBY_TOKEN_NONE;
    j->token_email = w->email;
}

static void test_match_table(void **state)
{
    static const struct {
        const char *entry;
        struct who who;
        bool want;
    } rows[] = {
        { "alice@example.com", { .token = true, .email = "alice@example.com" }, true },
        { "alice@example.com", { .token = true, .email = "Alice@Example.COM" }, true },
        { "alice@example.com", { .token = false, .email = "alice@example.com" }, false },
        { "alice@example.com", { .token = true, .email = "alice@example.com.evil" }, false },
        { "alice@example.com", { .token = true, .email = "xalice@example.com" }, false },
        { "alice@example.com", { .jid = "alice@example.com/phone" }, true },
        { "bob@meet.test", { .jid = "Bob@meet.test/web" }, true },
        { "bob@meet.test", { .jid = "bobby@meet.test/web" }, false },
        { "bob@meet.test", { .token = true, .email = "bob@meet.test", .jid = "x@y/z" }, true },
        { "@example.com", { .token = true, .email = "ann@EXAMPLE.com" }, true },
        { "@example.com", { .token = true, .email = "ann@sub.example.com" }, false },
        { "@example.com", { .token = false, .email = "ann@example.com" }, false },
        { "@example.com", { .jid = "ann@example.com/web" }, false },
        { "guest.meet.test", { .jid = "x1y2@guest.meet.test/web" }, true },
        { "guest.meet.test", { .jid = "x1y2@a.guest.meet.test/web" }, false },
        { "guest.meet.test", { .token = true, .email = "a@guest.meet.test" }, false },
    };
    struct lobby_join j;

    (void)state;
    for (size_t i = 0; i < ROWS(rows); i++) {
        const char *list[] = { "nobody@nowhere.test", rows[i].entry };

        print_message("%zu: %s\n", i, rows[i].entry);
        who_join(&rows[i].who, &j);
        assert_int_equal(lobby_allow_first(list, 2, &j), rows[i].want ? 1 : -1);
    }
    assert_int_equal(lobby_allow_first(NULL, 0, &j), -1);
}

/* What the owner's join brings, and the rest of the lobby's set-up. */
struct scene {
    const char *iss;                   /* the owner token's iss; NULL: TRUSTED */
    const char *const *allow;          /* context.room.allow; NULL: absent */
    size_t n_allow;
    bool no_issuers;                   /* room_allow_issuers is empty */
    bool admit_staff;                  /* the operator's "staff email-domain example.com" */
};

static struct lobby *scene_lobby(const struct scene *s)
{
    static const char *const admit[] = { "staff email-domain example.com" };
    struct lobby_config cfg;

    lobby_config_defaults(&cfg);
    cfg.lobby_domain = "lobby.meet.test";
    cfg.room_allow_issuers = s->no_issuers ? NULL : issuers;
    cfg.n_room_allow_issuers = s->no_issuers ? 0 : ROWS(issuers);
    cfg.admit_rules = s->admit_staff ? admit : NULL;
    cfg.n_admit_rules = s->admit_staff ? 1 : 0;
    return lobby_new(&cfg);
}

static void owner_join(struct lobby *lb, const char *iss, const char *const *allow, size_t n,
                       struct lobby_verdict *v)
{
    struct lobby_join j;

    who_join(&(struct who){ .token = true, .jid = OWNER }, &j);
    j.token_owner = true;
    j.token_iss = iss != NULL ? iss : TRUSTED;
    j.has_token_room_allow = allow != NULL;
    j.token_room_allow = allow;
    j.n_token_room_allow = n;
    assert_int_equal(lobby_on_join(lb, &j, 1000, v), 0);
    assert_int_equal(v->action, LOBBY_ALLOW);
}

static const char *const list_ann[] = { "ann@example.org", "@partner.test" };
static const char *const list_empty[] = { NULL };

/*
 * An owner joins with a list, then a guest with the lobby on. Where the
 * list sits: after outcast, sent-back, before-host, no-lobby, the token's
 * own rights and the operator's rules; before the password, display name
 * and the lobby.
 */
static void test_owner_then_guest_table(void **state)
{
    static const struct {
        const char *name;
        struct scene scene;
        struct who guest;
        enum lobby_affiliation aff;    /* the guest's affiliation now */
        bool no_name, lobby_off;
        enum lobby_password pw;
        enum lobby_allow_note note;    /* what the owner's verdict said */
        const char *rule;              /* the guest's verdict */
        bool supply;
    } rows[] = {
        { "listed address walks in", { .allow = list_ann, .n_allow = 2 },
          { .token = true, .email = "ann@example.org" }, .note = LOBBY_ALLOW_NOTE_SET,
          .rule = "room-allow" },
        { "listed domain walks in", { .allow = list_ann, .n_allow = 2 },
          { .token = true, .email = "zed@partner.test" }, .note = LOBBY_ALLOW_NOTE_SET,
          .rule = "room-allow" },
        { "unlisted knocks", { .allow = list_ann, .n_allow = 2 },
          { .token = true, .email = "zed@other.test" }, .note = LOBBY_ALLOW_NOTE_SET,
          .rule = "lobby" },
        { "untrusted issuer: ignored, said", { .iss = "stranger", .allow = list_ann, .n_allow = 2 },
          { .token = true, .email = "ann@example.org" }, .note = LOBBY_ALLOW_NOTE_UNTRUSTED,
          .rule = "lobby" },
        { "no issuers: ignored, said", { .no_issuers = true, .allow = list_ann, .n_allow = 2 },
          { .token = true, .email = "ann@example.org" }, .note = LOBBY_ALLOW_NOTE_UNTRUSTED,
          .rule = "lobby" },
        { "issuer case matters", { .iss = "Portal", .allow = list_ann, .n_allow = 2 },
          { .token = true, .email = "ann@example.org" }, .note = LOBBY_ALLOW_NOTE_UNTRUSTED,
          .rule = "lobby" },
        { "no claim: nothing said", { .allow = NULL },
          { .token = true, .email = "ann@example.org" }, .note = LOBBY_ALLOW_NOTE_NONE,
          .rule = "lobby" },
        { "the operator's rule comes first", { .allow = list_ann, .n_allow = 2,
          .admit_staff = true }, { .token = true, .email = "ann@example.com" },
          .note = LOBBY_ALLOW_NOTE_SET, .rule = "admit:staff" },
        { "listed outcast stays out", { .allow = list_ann, .n_allow = 2 },
          { .token = true, .email = "ann@example.org" }, .aff = LOBBY_AFF_OUTCAST,
          .note = LOBBY_ALLOW_NOTE_SET, .rule = "outcast" },
        { "lobby off: no list needed", { .allow = list_ann, .n_allow = 2 },
          { .token = true, .email = "ann@example.org" }, .lobby_off = true,
          .note = LOBBY_ALLOW_NOTE_SET, .rule = "no-lobby" },
        { "listed, without a name", { .allow = list_ann, .n_allow = 2 },
          { .token = true, .email = "ann@example.org" }, .no_name = true,
          .note = LOBBY_ALLOW_NOTE_SET, .rule = "room-allow" },
        { "listed, past the password", { .allow = list_ann, .n_allow = 2 },
          { .token = true, .email = "ann@example.org" }, .pw = LOBBY_PW_MISSING,
          .note = LOBBY_ALLOW_NOTE_SET, .rule = "room-allow", .supply = true },
        { "a listed member keeps member", { .allow = list_ann, .n_allow = 2 },
          { .token = true, .email = "ann@example.org" }, .aff = LOBBY_AFF_MEMBER,
          .note = LOBBY_ALLOW_NOTE_SET, .rule = "room-allow" },
    };
    struct lobby_verdict v;
    struct lobby_join j;

    (void)state;
    for (size_t i = 0; i < ROWS(rows); i++) {
        struct lobby *lb = scene_lobby(&rows[i].scene);

        print_message("%s\n", rows[i].name);
        assert_non_null(lb);
        owner_join(lb, rows[i].scene.iss, rows[i].scene.allow, rows[i].scene.n_allow, &v);
        assert_int_equal(v.allow_note, rows[i].note);
        who_join(&rows[i].guest, &j);
        j.affiliation = rows[i].aff;
        j.display_name = rows[i].no_name ? NULL : "Guest";
        j.members_only = !rows[i].lobby_off;
        j.password = rows[i].pw;
        assert_int_equal(lobby_on_join(lb, &j, 2000, &v), 0);
        assert_string_equal(v.rule, rows[i].rule);
        if (strcmp(rows[i].rule, "room-allow") == 0) {
            assert_int_equal(v.action, LOBBY_ALLOW);
            assert_int_equal(v.affiliation, rows[i].aff == LOBBY_AFF_NONE ? LOBBY_AFF_MEMBER
                                                                          : LOBBY_AFF_NONE);
            assert_non_null(strstr(v.text, "of the room's allow list"));
        }
        assert_int_equal(v.supply_password, rows[i].supply);
        lobby_free(lb);
    }
}

/* Later owner tokens: the same list is no news, a new one replaces it, an
 * empty one clears it, one too big is refused, an untrusted one is said
 * once per room. */
static void test_replace_sequence(void **state)
{
    static const char *const one[] = { "ann@example.org" };
    static const char *const other[] = { "bob@example.org" };
    static char long_entry[LOBBY_ALLOW_ENTRY_MAX + 1];
    const char *const too_long[] = { long_entry };
    const char *many[LOBBY_ROOM_ALLOW_MAX + 1];
    struct lobby *lb = scene_lobby(&(struct scene){ 0 });
    struct who ann = { .token = true, .email = "ann@example.org" };
    struct who bob = { .token = true, .email = "bob@example.org" };
    struct lobby_verdict v;
    struct lobby_join j;

    (void)state;
    for (size_t i = 0; i < ROWS(many); i++)
        many[i] = "x@example.org";
    memset(long_entry, 'a', LOBBY_ALLOW_ENTRY_MAX);
    assert_non_null(lb);
    owner_join(lb, NULL, one, 1, &v);
    assert_int_equal(v.allow_note, LOBBY_ALLOW_NOTE_SET);
    owner_join(lb, NULL, one, 1, &v);
    assert_int_equal(v.allow_note, LOBBY_ALLOW_NOTE_NONE);
    owner_join(lb, "stranger", other, 1, &v);
    assert_int_equal(v.allow_note, LOBBY_ALLOW_NOTE_UNTRUSTED);
    owner_join(lb, "stranger", other, 1, &v);
    assert_int_equal(v.allow_note, LOBBY_ALLOW_NOTE_NONE);
    who_join(&ann, &j);
    assert_int_equal(lobby_on_join(lb, &j, 2000, &v), 0);
    assert_string_equal(v.rule, "room-allow");
    owner_join(lb, NULL, other, 1, &v);
    assert_int_equal(v.allow_note, LOBBY_ALLOW_NOTE_SET);
    who_join(&ann, &j);
    j.real_jid = "guest2@meet.test/web";
    assert_int_equal(lobby_on_join(lb, &j, 2000, &v), 0);
    assert_string_equal(v.rule, "lobby");
    owner_join(lb, NULL, many, LOBBY_ROOM_ALLOW_MAX + 1, &v);
    assert_int_equal(v.allow_note, LOBBY_ALLOW_NOTE_TOO_BIG);
    owner_join(lb, NULL, too_long, 1, &v);
    assert_int_equal(v.allow_note, LOBBY_ALLOW_NOTE_TOO_BIG);
    who_join(&bob, &j);
    j.real_jid = "guest3@meet.test/web";
    assert_int_equal(lobby_on_join(lb, &j, 2000, &v), 0);
    assert_string_equal(v.rule, "room-allow");
    owner_join(lb, NULL, list_empty, 0, &v);
    assert_int_equal(v.allow_note, LOBBY_ALLOW_NOTE_SET);
    who_join(&bob, &j);
    j.real_jid = "guest4@meet.test/web";
    assert_int_equal(lobby_on_join(lb, &j, 2000, &v), 0);
    assert_string_equal(v.rule, "lobby");
    lobby_free(lb);
}

/*
 * The room's own before_host: the owner's token sets it, the call ends,
 * and the next call's first guest (a new room, lobby off) meets it. Before
 * any owner token, the deployment's value governs.
 */
static void test_before_host_table(void **state)
{
    static const struct {
        const char *name;
        enum lobby_before_host deployment;
        bool owner_sets;
        enum lobby_before_host room;
        bool listed;                   /* the guest is on the room's allow list */
        const char *rule;
        enum lobby_action action;
        enum lobby_ask ask;            /* what the owner's verdict tells the bridge */
    } rows[] = {
        { "deployment wait, room deny", LOBBY_BEFORE_HOST_WAIT, true, LOBBY_BEFORE_HOST_DENY,
          false, "before-host", LOBBY_DENY, LOBBY_ASK_TOKEN_LOBBY_PASSWORD_OR_NEW },
        { "deployment allow, room wait", LOBBY_BEFORE_HOST_ALLOW, true, LOBBY_BEFORE_HOST_WAIT,
          false, "before-host", LOBBY_KNOCK, LOBBY_ASK_TOKEN_LOBBY_PASSWORD_OR_NEW },
        { "deployment deny, room allow", LOBBY_BEFORE_HOST_DENY, true, LOBBY_BEFORE_HOST_ALLOW,
          false, "no-lobby", LOBBY_ALLOW, LOBBY_ASK_TOKEN_LOBBY_PASSWORD_OR_NEW },
        { "deployment allow, room allow", LOBBY_BEFORE_HOST_ALLOW, true,
          LOBBY_BEFORE_HOST_ALLOW, false, "no-lobby", LOBBY_ALLOW,
          LOBBY_ASK_TOKEN_LOBBY_OR_PASSWORD },
        { "no owner word: deployment deny", LOBBY_BEFORE_HOST_DENY, false, 0, false,
          "before-host", LOBBY_DENY, LOBBY_ASK_TOKEN_LOBBY_PASSWORD_OR_NEW },
        { "no owner word: deployment allow", LOBBY_BEFORE_HOST_ALLOW, false, 0, false,
          "no-lobby", LOBBY_ALLOW, LOBBY_ASK_TOKEN_LOBBY_OR_PASSWORD },
        { "listed still waits for the host", LOBBY_BEFORE_HOST_ALLOW, true,
          LOBBY_BEFORE_HOST_WAIT, true, "before-host", LOBBY_KNOCK, LOBBY_ASK_TOKEN_LOBBY_PASSWORD_OR_NEW },
        { "listed, room deny: refused", LOBBY_BEFORE_HOST_ALLOW, true, LOBBY_BEFORE_HOST_DENY,
          true, "before-host", LOBBY_DENY, LOBBY_ASK_TOKEN_LOBBY_PASSWORD_OR_NEW },
    };
    static const char *const list[] = { "guest1@meet.test" };
    struct lobby_config cfg;
    struct lobby_actions acts;
    struct lobby_verdict v;
    struct lobby_join j;

    (void)state;
    lobby_actions_init(&acts);
    for (size_t i = 0; i < ROWS(rows); i++) {
        struct lobby *lb;

        print_message("%s\n", rows[i].name);
        lobby_config_defaults(&cfg);
        cfg.lobby_domain = "lobby.meet.test";
        cfg.before_host = rows[i].deployment;
        cfg.room_allow_issuers = issuers;
        cfg.n_room_allow_issuers = ROWS(issuers);
        lb = lobby_new(&cfg);
        assert_non_null(lb);
        who_join(&(struct who){ .token = true, .jid = OWNER }, &j);
        j.token_owner = true;
        j.token_iss = TRUSTED;
        j.has_token_before_host = rows[i].owner_sets;
        j.token_before_host = rows[i].room;
        j.has_token_room_allow = rows[i].listed;
        j.token_room_allow = list;
        j.n_token_room_allow = 1;
        assert_int_equal(lobby_on_join(lb, &j, 1000, &v), 0);
        assert_int_equal(v.before_host_set, rows[i].owner_sets);
        assert_int_equal(v.ask, rows[i].ask);
        assert_false(v.ask_room); /* its host is in */
        assert_int_equal(lobby_on_room_destroyed(lb, ROOM, &acts), 0);
        /* The next call: its first guest finds no room. */
        who_join(&(struct who){ 0 }, &j);
        j.room_exists = false;
        j.members_only = false;
        assert_int_equal(lobby_on_join(lb, &j, 5000, &v), 0);
        assert_string_equal(v.rule, rows[i].rule);
        assert_int_equal(v.action, rows[i].action);
        /* Until its host comes back, the bridge asks about every join into it. */
        assert_int_equal(v.ask_room, strcmp(rows[i].rule, "before-host") == 0);
        lobby_free(lb);
    }
    lobby_actions_clear(&acts);
}

/* Kept rooms are bounded: the oldest is forgotten first, and a room that
 * comes alive again is no longer counted. */
static void test_kept_rooms_bounded(void **state)
{
    struct lobby_config cfg;
    struct lobby_actions acts;
    struct lobby_verdict v;
    struct lobby_join j;
    struct lobby *lb;
    char room[64];

    (void)state;
    lobby_config_defaults(&cfg);
    cfg.lobby_domain = "lobby.meet.test";
    lb = lobby_new(&cfg);
    assert_non_null(lb);
    lobby_actions_init(&acts);
    for (unsigned i = 0; i <= LOBBY_MAX_KEPT_ROOMS; i++) {
        snprintf(room, sizeof(room), "r%u@conference.meet.test", i);
        who_join(&(struct who){ .token = true, .jid = OWNER }, &j);
        j.room = room;
        j.token_owner = true;
        j.has_token_before_host = true;
        j.token_before_host = LOBBY_BEFORE_HOST_DENY;
        assert_int_equal(lobby_on_join(lb, &j, 1000, &v), 0);
        assert_int_equal(lobby_on_room_destroyed(lb, room, &acts), 0);
    }
    who_join(&(struct who){ 0 }, &j);
    j.room_exists = false;
    j.members_only = false;
    j.room = "r0@conference.meet.test";
    assert_int_equal(lobby_on_join(lb, &j, 5000, &v), 0);
    assert_string_equal(v.rule, "no-lobby");
    j.room = "r1@conference.meet.test";
    assert_int_equal(lobby_on_join(lb, &j, 5000, &v), 0);
    assert_string_equal(v.rule, "before-host");
    lobby_actions_clear(&acts);
    lobby_free(lb);
}

static void test_config_limits(void **state)
{
    static const char *const empty[] = { "" };
    struct lobby_config cfg;

    (void)state;
    lobby_config_defaults(&cfg);
    cfg.lobby_domain = "lobby.meet.test";
    cfg.room_allow_issuers = empty;
    cfg.n_room_allow_issuers = 1;
    assert_non_null(strstr(lobby_config_problem(&cfg), "room_allow_issuers"));
    cfg.room_allow_issuers = issuers;
    cfg.n_room_allow_issuers = LOBBY_MAX_ALLOW_ISSUERS + 1;
    assert_non_null(strstr(lobby_config_problem(&cfg), "too many room_allow_issuers"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_table),
        cmocka_unit_test(test_owner_then_guest_table),
        cmocka_unit_test(test_replace_sequence),
        cmocka_unit_test(test_before_host_table),
        cmocka_unit_test(test_kept_rooms_bounded),
        cmocka_unit_test(test_config_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
