/*
 * test_config.c: the configuration parser (component/config.c) and the
 * component secret (component/config_secret.c). Each case is a config
 * text and either the values it must produce or the error line it must
 * print ("FILE:LINE: key "x": reason").
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "component/config.h"

#define BASE "component_jid = lobby.meet.test\n" \
             "component_secret_file = /nonexistent\n" \
             "main_domain = meet.test\n" \
             "muc_domain = conference.meet.test\n"

static char dir[] = "/tmp/lobbyd-test-config-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    char cmd[256];

    (void)state;
    snprintf(cmd, sizeof(cmd), "%s/c.conf", dir);
    unlink(cmd);
    snprintf(cmd, sizeof(cmd), "%s/secret", dir);
    unlink(cmd);
    return rmdir(dir);
}

static const char *write_file(const char *name, const char *text, mode_t mode)
{
    static char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
    return path;
}

/* Load 'text'; return the config (or NULL) and the error output in 'errs'. */
static struct config *load(const char *text, char *errs, size_t errsz)
{
    const char *path = write_file("c.conf", text, 0644);
    FILE *e = fmemopen(errs, errsz, "w");
    struct config *cfg;

    assert_non_null(e);
    memset(errs, 0, errsz);
    cfg = config_load(path, e, NULL);
    fclose(e);
    return cfg;
}

struct bad_case {
    const char *name;
    const char *text;
    const char *error;          /* substring after "FILE:" */
};

static const struct bad_case bad_cases[] = {
    {"unknown key", BASE "colour = blue\n", "5: key \"colour\": unknown key"},
    {"no equals sign", BASE "just words\n", "5: expected \"key = value\""},
    {"duplicate key", BASE "main_domain = other\n", "5: key \"main_domain\": already set on line 3"},
    {"port out of range", BASE "component_port = 70000\n",
     "5: key \"component_port\": \"70000\" is not a whole number from 1 to 65535"},
    {"port not a number", BASE "component_port = 53x\n", "is not a whole number"},
    {"negative number", BASE "jwt_leeway = -5\n", "is not a whole number"},
    {"bad boolean", BASE "displayname_required = perhaps\n", "\"perhaps\" is not yes or no"},
    {"bad choice", BASE "password_mode = sometimes\n",
     "\"sometimes\" is not one of bypass also-required ignored"},
    {"empty value", BASE "component_host =\n", "key \"component_host\": empty value"},
    {"missing required", "component_jid = lobby.meet.test\ncomponent_secret_file = /x\n",
     "key \"main_domain\": required but not set"},
    {"admission rule of no kind", BASE "admit = staff email example.com\n",
     "5: key \"admit\": rule \"staff\": \"email\" is not one of token"},
    {"admission rule named twice", BASE "admit = staff token\nadmit = staff group g\n",
     "6: key \"admit\": rule \"staff\" is already defined"},
    {"metrics on a host name", BASE "metrics_listen = localhost:9898\n",
     "5: key \"metrics_listen\": \"localhost\" is not an IPv4 address"},
    {"webhook not over http", BASE "webhook_url = ftp://hooks.example.com/x\n",
     "5: key \"webhook_url\": expected an http:// or https:// URL"},
    {"webhook without a host", BASE "webhook_url = https:///x\n",
     "5: key \"webhook_url\": the URL has no host"},
    {"webhook without a key", BASE "webhook_url = https://hooks.example.com/x\n",
     "key \"webhook_secret_file\": required when webhook_url is set"},
    {"webhook retries beyond the bound", BASE "webhook_retries = 21\n",
     "5: key \"webhook_retries\": \"21\" is not a whole number from 0 to 20"},
    {"webhook queue of nothing", BASE "webhook_queue_max = 0\n",
     "5: key \"webhook_queue_max\": \"0\" is not a whole number from 1 to 1000000"},
    {"knock limit without a window", BASE "knock_limit = 5\n",
     "5: key \"knock_limit\": \"5\" is not N/SECONDS (e.g. 5/60) or 0"},
    {"knock limit of no knocks", BASE "knock_limit = 0/60\n",
     "5: key \"knock_limit\": \"0/60\": N must be a whole number from 1 to 100"},
    {"knock limit too high", BASE "knock_limit_per_ip = 101/60\n",
     "5: key \"knock_limit_per_ip\": \"101/60\": N must be a whole number from 1 to 100"},
    {"knock limit of an empty window", BASE "knock_limit = 5/0\n",
     "5: key \"knock_limit\": \"5/0\": SECONDS must be a whole number from 1 to 86400"},
    {"knock limit window too long", BASE "knock_limit_per_ip = 5/86401\n",
     "SECONDS must be a whole number from 1 to 86400"},
    {"knock limit in words", BASE "knock_limit = five/minute\n", "N must be a whole number"},
    {"knock limit with a unit", BASE "knock_limit = 5/60s\n", "SECONDS must be a whole number"},
    {"no secret at all", "component_jid = a\nmain_domain = b\nmuc_domain = c\n",
     "key \"component_secret_file\": required (or set LOBBYD_COMPONENT_SECRET)"},
};

static void test_bad_configs(void **state)
{
    char errs[4096];

    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        struct config *cfg = load(bad_cases[i].text, errs, sizeof(errs));

        if (cfg != NULL)
            fail_msg("case \"%s\": accepted", bad_cases[i].name);
        if (strstr(errs, bad_cases[i].error) == NULL)
            fail_msg("case \"%s\": printed \"%s\", expected \"%s\"", bad_cases[i].name, errs,
                     bad_cases[i].error);
        if (strstr(errs, "/c.conf:") == NULL)
            fail_msg("case \"%s\": error does not name the file: %s", bad_cases[i].name, errs);
    }
}

static void test_all_errors_reported(void **state)
{
    char errs[4096];
    struct config *cfg = load("component_port = 0\nbogus = 1\nlog_level = loud\n", errs,
                              sizeof(errs));

    (void)state;
    assert_null(cfg);
    assert_non_null(strstr(errs, ":1: key \"component_port\""));
    assert_non_null(strstr(errs, ":2: key \"bogus\""));
    assert_non_null(strstr(errs, ":3: key \"log_level\""));
    assert_non_null(strstr(errs, "key \"component_jid\": required"));
}

static void test_values_and_defaults(void **state)
{
    char errs[1024];
    struct config *cfg = load(BASE "# a comment\n\n  component_port = 15202   # inline\n"
                              "password_mode = also-required\n"
                              "service_jid = recorder.meet.test\nservice_jid = sip@auth.meet.test\n"
                              "jwt_app_id = app\njwt_leeway = 5\nrejoin_window = 0\n"
                              "admit = staff email-domain example.com\nadmit = sip jid sip.meet.test\n"
                              "knock_limit = 5/60\n",
                              errs, sizeof(errs));

    (void)state;
    if (cfg == NULL)
        fail_msg("refused: %s", errs);
    assert_string_equal(cfg->component_jid, "lobby.meet.test");
    assert_int_equal(cfg->component_port, 15202);
    assert_string_equal(cfg->component_host, "127.0.0.1");
    assert_int_equal(cfg->password_mode, CONFIG_PASSWORD_ALSO_REQUIRED);
    assert_int_equal(cfg->invalid_token, CONFIG_INVALID_TOKEN_GUEST);
    assert_true(cfg->displayname_required);
    assert_int_equal(cfg->service_jids.n, 2);
    assert_string_equal(cfg->service_jids.items[1], "sip@auth.meet.test");
    assert_int_equal(cfg->rejoin_window_s, 0);
    assert_int_equal(cfg->knock_limit.count, 5);
    assert_int_equal(cfg->knock_limit.window_s, 60);
    /* unset: off */
    assert_int_equal(cfg->knock_limit_per_ip.count, 0);
    assert_int_equal(cfg->admit_rules.n, 2);
    assert_string_equal(cfg->admit_rules.items[1], "sip jid sip.meet.test");
    assert_string_equal(cfg->token.app_id, "app");
    assert_int_equal(cfg->token.leeway_s, 5);
    /* jwt_domain defaults to the main domain */
    assert_string_equal(cfg->token.domain, "meet.test");
    config_free(cfg);
}

static void test_env_override(void **state)
{
    char errs[1024];
    struct config *cfg;

    (void)state;
    setenv("LOBBYD_COMPONENT_PORT", "6000", 1);
    setenv("LOBBYD_INVALID_TOKEN", "deny", 1);
    cfg = load(BASE, errs, sizeof(errs));
    unsetenv("LOBBYD_COMPONENT_PORT");
    unsetenv("LOBBYD_INVALID_TOKEN");
    assert_non_null(cfg);
    assert_int_equal(cfg->component_port, 6000);
    assert_int_equal(cfg->invalid_token, CONFIG_INVALID_TOKEN_DENY);
    config_free(cfg);

    setenv("LOBBYD_COMPONENT_PORT", "nope", 1);
    cfg = load(BASE, errs, sizeof(errs));
    unsetenv("LOBBYD_COMPONENT_PORT");
    assert_null(cfg);
    assert_non_null(strstr(errs, "from environment LOBBYD_COMPONENT_PORT"));
}

static void test_secret_file(void **state)
{
    char errs[1024], text[512], secret[256];
    struct config *cfg;
    FILE *e;

    (void)state;
    snprintf(secret, sizeof(secret), "%s", write_file("secret", "s3cret\n", 0644));
    snprintf(text, sizeof(text), "component_jid = a\nmain_domain = b\nmuc_domain = c\n"
                                 "component_secret_file = %s\n", secret);
    cfg = load(text, errs, sizeof(errs));
    assert_non_null(cfg);
    /* readable by others: refused with the fix in the message */
    e = fmemopen(errs, sizeof(errs), "w");
    assert_int_equal(config_load_secret(cfg, e), -1);
    fclose(e);
    assert_non_null(strstr(errs, "accessible to others (mode 644); run chmod o-rwx"));
    assert_null(cfg->component_secret);
    /* private: accepted, trailing newline dropped */
    chmod(secret, 0600);
    e = fmemopen(errs, sizeof(errs), "w");
    assert_int_equal(config_load_secret(cfg, e), 0);
    fclose(e);
    assert_string_equal(cfg->component_secret, "s3cret");
    config_free(cfg);

    /* the environment wins and is removed afterwards */
    cfg = load(text, errs, sizeof(errs));
    setenv("LOBBYD_COMPONENT_SECRET", "from-env", 1);
    e = fmemopen(errs, sizeof(errs), "w");
    assert_int_equal(config_load_secret(cfg, e), 0);
    fclose(e);
    assert_string_equal(cfg->component_secret, "from-env");
    assert_null(getenv("LOBBYD_COMPONENT_SECRET"));
    config_free(cfg);
}

/* A reload takes policy keys, keeps restart-only keys (saying so) and
 * refuses a file with errors the way config_load() does. */
static void test_reload(void **state)
{
    char errs[1024], notes[1024];
    struct config *running, *fresh;
    FILE *e, *n;

    (void)state;
    running = load(BASE "lobby_max_wait = 60\nstate_file = /tmp/a.state\n", errs, sizeof(errs));
    assert_non_null(running);
    /* one policy key and two restart-only keys change; the secret file goes away */
    write_file("c.conf",
               "component_jid = other.meet.test\n"
               "main_domain = meet.test\n"
               "muc_domain = conference.meet.test\n"
               "lobby_max_wait = 120\n"
               "state_file = /tmp/b.state\n"
               "admit = staff email-domain example.com\n",
               0644);
    e = fmemopen(errs, sizeof(errs), "w");
    n = fmemopen(notes, sizeof(notes), "w");
    memset(errs, 0, sizeof(errs));
    memset(notes, 0, sizeof(notes));
    fresh = config_reload(running, e, n);
    fclose(e);
    fclose(n);
    assert_non_null(fresh);
    assert_string_equal(errs, "");
    assert_int_equal(fresh->max_wait_s, 120);
    assert_int_equal(fresh->admit_rules.n, 1);
    assert_string_equal(fresh->component_jid, "lobby.meet.test");
    assert_string_equal(fresh->state_file, "/tmp/a.state");
    assert_string_equal(fresh->component_secret_file, "/nonexistent");
    assert_string_equal(fresh->token.domain, "meet.test");
    assert_non_null(strstr(notes, "key \"component_jid\" changed; it takes effect when lobbyd restarts"));
    assert_non_null(strstr(notes, "key \"state_file\" changed"));
    assert_non_null(strstr(notes, "key \"component_secret_file\" changed"));
    assert_null(strstr(notes, "lobby_max_wait"));
    assert_null(fresh->component_secret);
    config_free(fresh);

    /* a bad file: refused with FILE:LINE, nothing returned */
    write_file("c.conf", BASE "lobby_max_wait = soon\n", 0644);
    e = fmemopen(errs, sizeof(errs), "w");
    memset(errs, 0, sizeof(errs));
    fresh = config_reload(running, e, NULL);
    fclose(e);
    assert_null(fresh);
    assert_non_null(strstr(errs, "c.conf:5: key \"lobby_max_wait\": \"soon\" is not a whole number"));
    assert_true(config_needs_restart("metrics_listen"));
    assert_false(config_needs_restart("admit"));
    /* the delivery thread, its queue and its key are set up once */
    assert_true(config_needs_restart("webhook_url"));
    assert_true(config_needs_restart("webhook_secret_file"));
    assert_true(config_needs_restart("webhook_queue_max"));
    assert_true(config_needs_restart("webhook_retries"));
    assert_true(config_needs_restart("webhook_timeout_ms"));
    config_free(running);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_configs),
        cmocka_unit_test(test_all_errors_reported),
        cmocka_unit_test(test_values_and_defaults),
        cmocka_unit_test(test_env_override),
        cmocka_unit_test(test_secret_file),
        cmocka_unit_test(test_reload),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
