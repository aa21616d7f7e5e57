/*
 * config.h: lobbyd's configuration, parsed from one "key = value" file.
 *
 * The option table in config.c is the single source for parsing, defaults,
 * bounds, environment overrides (LOBBYD_<KEY>), `lobbyd --help-config` and
 * docs/lobbyd.conf.5. A parsed struct config is immutable.
 */
#ifndef LOBBYD_COMPONENT_CONFIG_H
#define LOBBYD_COMPONENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "jwt/token.h"

#define CONFIG_LINE_MAX 4096
#define CONFIG_LIST_MAX 64
#define CONFIG_SECRET_MAX 1024

struct config_list {
    char **items;
    size_t n;
};

/* A rate "N/SECONDS": at most 'count' in any 'window_s'; count 0: off. */
struct config_rate {
    unsigned count;
    unsigned window_s;
};

enum config_password_mode { CONFIG_PASSWORD_BYPASS, CONFIG_PASSWORD_ALSO_REQUIRED, CONFIG_PASSWORD_IGNORED };
enum config_invalid_token { CONFIG_INVALID_TOKEN_GUEST, CONFIG_INVALID_TOKEN_DENY };
enum config_log_level { CONFIG_LOG_DEBUG, CONFIG_LOG_INFO, CONFIG_LOG_WARN, CONFIG_LOG_ERROR };

struct config {
    char *path;

    /* the component stream */
    char *component_jid;            /* also the lobby MUC domain */
    char *component_host;
    unsigned component_port;
    char *component_secret_file;
    unsigned reconnect_max_ms;

    /* the Jitsi deployment */
    char *main_domain;
    char *muc_domain;

    /* policy */
    unsigned password_mode;         /* enum config_password_mode */
    unsigned invalid_token;         /* enum config_invalid_token */
    unsigned lobby_default;         /* 0 off, 1 on */
    unsigned lobby_off_after;       /* 0 never, 1 first-owner */
    unsigned before_host;           /* enum lobby_before_host: allow, wait, deny */
    unsigned max_waiting_per_room;  /* lobby_max_waiting */
    unsigned max_waiting_total;     /* lobby_max_waiting_total, 0: no cap */
    unsigned max_wait_s;            /* lobby_max_wait, 0: no limit */
    unsigned end_without_host_s;    /* end_without_host_after, 0: never */
    bool displayname_required;
    bool ask_tokenless_joins;
    struct config_list service_jids;
    struct config_list admin_jids;       /* may run the admin commands */
    char *lobby_message;
    bool lobby_show_position;
    struct config_list admit_rules;   /* admit: "NAME KIND [VALUE]", lobby/admit.h */
    struct config_list room_allow_issuers; /* iss values trusted for context.room.allow */
    unsigned rejoin_window_s;
    unsigned deny_cooldown_s;
    struct config_rate knock_limit;      /* knocks per identity */
    struct config_rate knock_limit_per_ip; /* knocks per client address */

    /* tokens */
    char *jwt_app_id;
    char *jwt_accepted_issuers;
    char *jwt_accepted_audiences;
    char *jwt_secret_file;
    char *jwt_hs_algorithms;
    char *jwt_key_dir;
    char *jwt_asym_algorithms;
    char *jwt_mint_key_file;
    char *jwt_domain;
    struct config_list jwt_issuers;
    unsigned jwt_leeway_s;
    bool jwt_require_room;
    bool jwt_require_exp;
    bool jwt_allow_wildcard_room;
    bool jwt_verify_domain;

    /* the daemon */
    char *lock_file;
    char *audit_file;               /* JSON lines, or NULL: none */
    char *metrics_listen;           /* ADDRESS:PORT, or NULL: no endpoint */
    char *webhook_url;              /* audit lines POSTed here, or NULL: none */
    char *webhook_secret_file;      /* the HMAC key of X-Lobbyd-Signature */
    unsigned webhook_queue_max;     /* events not yet delivered */
    unsigned webhook_retries;       /* attempts after the first */
    unsigned webhook_timeout_ms;    /* one attempt */
    char *state_file;
    unsigned log_level;             /* enum config_log_level */
    bool log_time;
    bool debug_xmpp;

    /* derived after parsing: views into the strings above */
    struct token_config token;

    /* loaded by config_load_secret(); wiped by config_free() */
    char *component_secret;
};

/*
 * Parse 'path'. Every problem is printed to 'errs' as "FILE:LINE: key "x":
 * reason" (all of them, not just the first) and the function returns NULL.
 * Environment overrides LOBBYD_<KEY> are applied after the file; each one
 * used is reported to 'notes' when it is not NULL. Returns a config the
 * caller frees with config_free().
 */
struct config *config_load(const char *path, FILE *errs, FILE *notes);

/* Free 'cfg' and wipe the secrets it holds. NULL is fine. */
void config_free(struct config *cfg);

/*
 * Load the component secret into cfg->component_secret: from the
 * environment variable LOBBYD_COMPONENT_SECRET when it is set (the variable
 * is then removed from the environment), else from component_secret_file,
 * which must be a regular file not accessible to others. Returns 0, or -1
 * with the reason printed to 'errs'.
 */
int config_load_secret(struct config *cfg, FILE *errs);

/*
 * Read the secret in 'path' (webhook_secret_file, ...): a file that passes
 * config_check_secrecy(), at most CONFIG_SECRET_MAX bytes, trailing
 * newlines stripped, not empty, no NUL. Returns a string the caller wipes
 * with OPENSSL_cleanse() and frees, or NULL with a reason in 'why'.
 */
char *config_read_secret(const char *path, char *why, size_t whysz);

/*
 * Check that 'path' (already open as 'fd') can hold a secret: a regular file,
 * owned by root or by us, with no permissions for others. Returns 0, or -1
 * with a reason in 'why'.
 */
int config_check_secrecy(int fd, const char *path, char *why, size_t whysz);

/*
 * A reload: parse running->path again, as config_load() does, into a new
 * config. Keys that need a restart (config_needs_restart()) keep their
 * running values, each change reported to 'notes' as "FILE: key "x"
 * changed; it takes effect when lobbyd restarts". The component secret is
 * not read again: the caller moves it over once it takes the new config.
 * Returns NULL with every problem printed to 'errs' as config_load() does.
 */
struct config *config_reload(const struct config *running, FILE *errs, FILE *notes);

/* Does 'key' only take effect when lobbyd restarts? */
bool config_needs_restart(const char *key);

/* Print every key with its type, default and help text. Cannot fail. */
void config_print_help(FILE *out);

/*
 * Where 'cfg' makes lobbyd refuse tokens that Jitsi's own token check
 * accepts: up to 'max' sentences an operator can act on (static strings)
 * into 'notes'. Returns how many. Said at start-up, by --check and by
 * `lobbyd token check`, never silently.
 */
size_t config_stricter_than_jitsi(const struct config *cfg, const char **notes, size_t max);

/* Print the KEYS section of lobbyd.conf(5) in roff, from the same table.
 * docs/lobbyd.conf.5 embeds it; a test keeps the two equal. Cannot fail. */
void config_print_man(FILE *out);

/* The text of an enum-valued option's current value, e.g. "bypass". */
const char *config_password_mode_name(unsigned v);
const char *config_invalid_token_name(unsigned v);

#endif
