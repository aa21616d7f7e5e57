/*
 * config.c: the option table, the "key = value" parser and environment
 * overrides. The secret files are read by config_secret.c.
 *
 * Format: one "key = value" per line; blank lines and lines whose first
 * non-blank character is '#' are ignored, as is anything after " #". Keys of
 * type list may be repeated; every other key may appear once. Errors are
 * collected, not fatal one by one: an operator sees all of them in one run.
 *
 * This file does not open key files or talk to Prosody; token key material
 * is checked by jwt/ when the verifier is built (lobbyd --check does both).
 */
#include "component/config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/log.h"
#include "component/metrics.h"
#include "component/webhook_queue.h"
#include "lobby/admit.h"
#include "lobby/event.h"

enum opt_type { OPT_STR, OPT_UINT, OPT_BOOL, OPT_ENUM, OPT_LIST, OPT_RATE };

struct opt {
    const char *key;
    enum opt_type type;
    size_t offset;
    unsigned long min, max;         /* OPT_UINT bounds; OPT_RATE: of N (SECONDS: 1..max_s) */
    const char *def;                /* NULL: no default */
    const char *const *choices;     /* OPT_ENUM, NULL-terminated */
    bool required;
    const char *help;
};

static const char *const password_modes[] = {"bypass", "also-required", "ignored", NULL};
static const char *const invalid_tokens[] = {"guest", "deny", NULL};
static const char *const lobby_defaults[] = {"off", "on", NULL};
static const char *const lobby_off_afters[] = {"never", "first-owner", NULL};
static const char *const before_hosts[] = {"allow", "wait", "deny", NULL};
static const char *const log_levels[] = {"debug", "info", "warn", "error", NULL};

#define O(f) offsetof(struct config, f)
static const struct opt opts[] = {
    {"component_jid", OPT_STR, O(component_jid), 0, 0, NULL, NULL, true,
     "JID of this component, configured in Prosody as an external Component; also the lobby MUC domain"},
    {"component_host", OPT_STR, O(component_host), 0, 0, "127.0.0.1", NULL, false,
     "address of Prosody's component listener"},
    {"component_port", OPT_UINT, O(component_port), 1, 65535, "5347", NULL, false,
     "port of Prosody's component listener"},
    {"component_secret_file", OPT_STR, O(component_secret_file), 0, 0, NULL, NULL, false,
     "file holding the component secret (not accessible to others); LOBBYD_COMPONENT_SECRET overrides it"},
    {"reconnect_max_ms", OPT_UINT, O(reconnect_max_ms), 100, 600000, "10000", NULL, false,
     "longest wait between reconnection attempts to Prosody"},
    {"main_domain", OPT_STR, O(main_domain), 0, 0, NULL, NULL, true,
     "the Jitsi VirtualHost, e.g. meet.example.com"},
    {"muc_domain", OPT_STR, O(muc_domain), 0, 0, NULL, NULL, true,
     "the main conference MUC; bridge requests are accepted only from this JID"},
    {"password_mode", OPT_ENUM, O(password_mode), 0, 0, "bypass", password_modes, false,
     "room password while the lobby is on: bypass (lets in, as stock Jitsi), also-required, ignored"},
    {"invalid_token", OPT_ENUM, O(invalid_token), 0, 0, "guest", invalid_tokens, false,
     "a token that fails verification: guest (treated as no token) or deny (join refused)"},
    {"lobby_default", OPT_ENUM, O(lobby_default), 0, 0, "off", lobby_defaults, false,
     "on: every new room starts with its lobby on (owner tokens walk in, guests knock); the "
     "first owner token's context.room.lobby (true/false) overrides it for that room"},
    {"lobby_message", OPT_STR, O(lobby_message), 0, 0, NULL, NULL, false,
     "a message every knocker gets in the lobby (as a room message from the lobby room), "
     "unless the room has its own from an owner token's context.room.lobby_message; at most "
     "511 bytes"},
    {"lobby_show_position", OPT_BOOL, O(lobby_show_position), 0, 0, "no", NULL, false,
     "yes: a knocker is told how many people wait ahead of it (after lobby_message)"},
    {"lobby_off_after", OPT_ENUM, O(lobby_off_after), 0, 0, "never", lobby_off_afters, false,
     "first-owner: the room's first owner-token join turns a default lobby off and lets the "
     "waiting in (unless that token's context.room.lobby says true); never: it stays"},
    {"before_host", OPT_ENUM, O(before_host), 0, 0, "allow", before_hosts, false,
     "guests of a room no host (owner token or owner, not a service_jid) has joined yet: allow "
     "(as if there were one), wait (in its lobby; the first host sees them all) or deny; a guest "
     "never creates the room then. List Jicofo's JID in service_jid so it is nobody's host. "
     "Until a room's host has been in, the bridge asks lobbyd about every join into it"},
    {"lobby_max_waiting", OPT_UINT, O(max_waiting_per_room), 1, 10000, "10000", NULL, false,
     "knockers one meeting's lobby holds; the next is refused (\"this meeting's lobby is full\") "
     "until someone leaves it"},
    {"lobby_max_waiting_total", OPT_UINT, O(max_waiting_total), 0, 10000000, "0", NULL, false,
     "knockers all lobbies together hold (0: no cap); the next is refused (\"the lobby "
     "service is full\")"},
    {"lobby_max_wait", OPT_UINT, O(max_wait_s), 0, 86400, "0", NULL, false,
     "seconds a knocker may wait; one nobody let in by then is sent away with the reason "
     "(\"Nobody let you in within N minutes\", or seconds), which Jitsi Meet shows (0: no limit)"},
    {"end_without_host_after", OPT_UINT, O(end_without_host_s), 0, 86400, "0", NULL, false,
     "seconds guests may wait in a lobby with no host (an owner other than a service_jid) in the "
     "meeting; then they are sent away with the reason, which Jitsi Meet shows (0: never)"},
    {"displayname_required", OPT_BOOL, O(displayname_required), 0, 0, "yes", NULL, false,
     "guests must give a display name before knocking (never applies to owners); Jitsi Meet asks "
     "for one up front only where the stock lobby would: the room on the connection URL has its "
     "lobby on and the user would knock"},
    {"ask_tokenless_joins", OPT_BOOL, O(ask_tokenless_joins), 0, 0, "no", NULL, false,
     "yes: the bridge asks lobbyd about every join, and lobbyd logs a verdict for each; no: joins "
     "without a token into rooms whose lobby is off and that have no password (allowed "
     "unchanged) skip the round trip, except into a room still waiting for its host "
     "(before_host) and, with lobby_default or before_host, the join that creates a room"},
    {"service_jid", OPT_LIST, O(service_jids), 0, 0, NULL, NULL, false,
     "bare JID or domain of a service that bypasses the lobby (recorder, SIP gateway); repeatable"},
    {"admin_jid", OPT_LIST, O(admin_jids), 0, 0, NULL, NULL, false,
     "bare JID of an operator who may run lobbyd's admin commands (XEP-0050 ad-hoc commands on "
     "lobbyd's JID: list the lobbies, admit, deny, send back, lobby on/off, reload); repeatable; "
     "unset: nobody may, and every attempt is refused and logged"},
    {"admit", OPT_LIST, O(admit_rules), 0, 0, NULL, NULL, false,
     "an admission rule, NAME KIND [VALUE], that lets matching joiners past the lobby as members: "
     "token (any valid token), email-domain D, tenant SUB, group G, affiliation member, jid "
     "JID-or-domain; repeatable, the first match wins and names the verdict (rule=admit:NAME); "
     "see ADMISSION RULES in lobbyd.conf(5)"},
    {"room_allow_issuers", OPT_LIST, O(room_allow_issuers), 0, 0, NULL, NULL, false,
     "iss values, separated by blanks (repeatable), whose owner tokens may give their room an "
     "allow list (context.room.allow): the listed guests walk past the lobby as members "
     "(rule=room-allow); unset: the claim is ignored, and lobbyd says so once per room"},
    {"rejoin_window", OPT_UINT, O(rejoin_window_s), 0, 86400, "60", NULL, false,
     "seconds an admitted session keeps its admission after it leaves"},
    {"deny_cooldown", OPT_UINT, O(deny_cooldown_s), 0, 86400, "0", NULL, false,
     "seconds a denied session must wait before it may knock again (0: no wait)"},
    {"knock_limit", OPT_RATE, O(knock_limit), 1, LOBBY_KNOCK_LIMIT_MAX, "0", NULL, false,
     "N/SECONDS: at most N knocks by one identity in any SECONDS, across all meetings (0: no "
     "limit); the identity is a valid token's context.user.id (with iss and sub), else its "
     "context.user.name, else the bare JID. The next knock is refused (\"Too many attempts to "
     "join this meeting; try again in N seconds.\"); refused knocks do not count"},
    {"knock_limit_per_ip", OPT_RATE, O(knock_limit_per_ip), 1, LOBBY_KNOCK_LIMIT_MAX, "0", NULL,
     false,
     "N/SECONDS: at most N knocks from one client address in any SECONDS (0: no limit), as the "
     "bridge reports it (Prosody's session IP, after trusted_proxies); IPv6 addresses count per "
     "/64. Anonymous logins get a new JID per connection: this is the limit that holds them"},
    {"jwt_app_id", OPT_STR, O(jwt_app_id), 0, 0, NULL, NULL, false,
     "application id; the default accepted issuer"},
    {"jwt_accepted_issuers", OPT_STR, O(jwt_accepted_issuers), 0, 0, NULL, NULL, false,
     "comma-separated accepted iss values (default: jwt_app_id; * = any)"},
    {"jwt_accepted_audiences", OPT_STR, O(jwt_accepted_audiences), 0, 0, NULL, NULL, false,
     "comma-separated accepted aud values (default: jitsi; * = any)"},
    {"jwt_secret_file", OPT_STR, O(jwt_secret_file), 0, 0, NULL, NULL, false,
     "file holding the HS256/384/512 shared secret (not accessible to others)"},
    {"jwt_hs_algorithms", OPT_STR, O(jwt_hs_algorithms), 0, 0, NULL, NULL, false,
     "algorithms accepted with the shared secret (default: HS256,HS384,HS512)"},
    {"jwt_key_dir", OPT_STR, O(jwt_key_dir), 0, 0, NULL, NULL, false,
     "directory of RS/ES public keys named hex(sha256(kid)).pem, as an ASAP key server"},
    {"jwt_asym_algorithms", OPT_STR, O(jwt_asym_algorithms), 0, 0, NULL, NULL, false,
     "algorithms accepted with public keys (default: RS256,RS384,RS512,ES256,ES384)"},
    {"jwt_mint_key_file", OPT_STR, O(jwt_mint_key_file), 0, 0, NULL, NULL, false,
     "private key used by `lobbyd token mint --kid`"},
    {"jwt_domain", OPT_STR, O(jwt_domain), 0, 0, NULL, NULL, false,
     "expected sub when jwt_verify_domain is on (default: main_domain)"},
    {"jwt_issuer", OPT_LIST, O(jwt_issuers), 0, 0, NULL, NULL, false,
     "an extra issuer with its own keys: ISS secret_file=PATH key_dir=DIR algorithms=A,B; repeatable"},
    {"jwt_leeway", OPT_UINT, O(jwt_leeway_s), 0, TOKEN_MAX_LEEWAY_S, "0", NULL, false,
     "seconds of clock skew allowed on exp and nbf"},
    {"jwt_require_room", OPT_BOOL, O(jwt_require_room), 0, 0, "yes", NULL, false,
     "a token without a room claim is refused"},
    {"jwt_require_exp", OPT_BOOL, O(jwt_require_exp), 0, 0, "no", NULL, false,
     "a token without an exp claim (one that never expires) is refused; Jitsi accepts them"},
    {"jwt_allow_wildcard_room", OPT_BOOL, O(jwt_allow_wildcard_room), 0, 0, "yes", NULL, false,
     "a room claim of * is valid for every room, as Jitsi's own token check has it; no "
     "refuses such tokens (lobbyd says so at start-up)"},
    {"jwt_verify_domain", OPT_BOOL, O(jwt_verify_domain), 0, 0, "no", NULL, false,
     "check sub against jwt_domain"},
    {"lock_file", OPT_STR, O(lock_file), 0, 0, NULL, NULL, false,
     "lock held while running, so a second lobbyd refuses to start"},
    {"audit_file", OPT_STR, O(audit_file), 0, 0, NULL, NULL, false,
     "file that gets one JSON line per decision (verdicts, knocks, admits and denies with their "
     "actor, timeouts, lobby on/off), appended and reopened on SIGHUP for logrotate; tokens "
     "appear only as their fingerprint (unset: no audit trail)"},
    {"metrics_listen", OPT_STR, O(metrics_listen), 0, 0, NULL, NULL, false,
     "ADDRESS:PORT on which to serve Prometheus metrics at /metrics, e.g. 127.0.0.1:9898 "
     "(unset: no metrics endpoint; keep it on loopback or a private network)"},
    {"webhook_url", OPT_STR, O(webhook_url), 0, 0, NULL, NULL, false,
     "http:// or https:// URL to which every audit line (the JSON object audit_file gets, "
     "whether audit_file is set or not) is POSTed as application/json, with the event in "
     "X-Lobbyd-Event and X-Lobbyd-Signature: sha256=HEX, the HMAC-SHA256 of the body keyed "
     "with webhook_secret_file; sent from a thread of its own, never holding up a join "
     "(unset: no webhook)"},
    {"webhook_secret_file", OPT_STR, O(webhook_secret_file), 0, 0, NULL, NULL, false,
     "file holding the key of X-Lobbyd-Signature (not accessible to others); required with "
     "webhook_url"},
    {"webhook_queue_max", OPT_UINT, O(webhook_queue_max), 1, 1000000, "1000", NULL, false,
     "events not yet delivered, those waiting for a retry included; while it is full, new "
     "events are dropped and counted in lobbyd_webhook_dropped_total"},
    {"webhook_retries", OPT_UINT, O(webhook_retries), 0, 20, "5", NULL, false,
     "attempts after a failed one (no answer within webhook_timeout_ms, a connection error, "
     "5xx or 429), 1 s, 2 s, 4 s ... apart (at most 60 s); any other status is not retried; "
     "each event given up is logged and counted in lobbyd_webhook_failures_total"},
    {"webhook_timeout_ms", OPT_UINT, O(webhook_timeout_ms), 100, 60000, "5000", NULL, false,
     "longest one attempt may take, connecting included"},
    {"state_file", OPT_STR, O(state_file), 0, 0, NULL, NULL, false,
     "where the lobby state survives a restart of lobbyd (rewritten at most once a second "
     "and at shutdown); unset: a restart forgets everyone waiting"},
    {"log_level", OPT_ENUM, O(log_level), 0, 0, "info", log_levels, false,
     "debug, info, warn or error"},
    {"log_time", OPT_BOOL, O(log_time), 0, 0, "no", NULL, false,
     "start each log line with a UTC timestamp"},
    {"debug_xmpp", OPT_BOOL, O(debug_xmpp), 0, 0, "no", NULL, false,
     "log every stanza; UNSAFE in production: stanzas carry tokens"},
};
#undef O
#define N_OPTS (sizeof(opts) / sizeof(opts[0]))
#define RESTART_NOTE "; a reload (SIGHUP) keeps the running value: restart lobbyd to change it"

struct parse_state {
    const char *file;
    FILE *errs;
    unsigned errors;
    unsigned line[N_OPTS];          /* where each key was set; 0 = not set */
    bool reloading;                 /* the component secret is loaded already */
};

static void perr(struct parse_state *ps, unsigned line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void perr(struct parse_state *ps, unsigned line, const char *key, const char *fmt, ...)
{
    va_list ap;

    ps->errors++;
    if (ps->errs == NULL)
        return;
    if (line > 0)
        fprintf(ps->errs, "%s:%u: ", ps->file, line);
    else
        fprintf(ps->errs, "%s: ", ps->file);
    if (key != NULL)
        fprintf(ps->errs, "key \"%s\": ", key);
    va_start(ap, fmt);
    vfprintf(ps->errs, fmt, ap);
    va_end(ap);
    fputc('\n', ps->errs);
}

static const struct opt *opt_find(const char *key, size_t *idx)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        if (strcmp(opts[i].key, key) == 0) {
            *idx = i;
            return &opts[i];
        }
    }
    return NULL;
}

static bool parse_bool(const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool parse_uint(const char *v, unsigned long min, unsigned long max, unsigned *out)
{
    char *end = NULL;
    unsigned long long n;

    if (*v < '0' || *v > '9')
        return false;
    errno = 0;
    n = strtoull(v, &end, 10);
    if (errno != 0 || *end != '\0' || n < min || n > max)
        return false;
    *out = (unsigned)n;
    return true;
}

#define RATE_WINDOW_MAX_S 86400

/* "0", or "N/SECONDS" with N in min..max and SECONDS in 1..RATE_WINDOW_MAX_S. */
static bool parse_rate(const char *v, const struct opt *o, struct config_rate *out, char *why,
                       size_t whysz)
{
    char n_text[16];
    const char *slash = strchr(v, '/');
    size_t n_len = slash != NULL ? (size_t)(slash - v) : 0;
    struct config_rate r = {0, 0};

    if (strcmp(v, "0") == 0) {
        *out = r;
        return true;
    }
    if (slash == NULL || n_len == 0 || n_len >= sizeof(n_text)) {
        snprintf(why, whysz, "\"%s\" is not N/SECONDS (e.g. 5/60) or 0", v);
        return false;
    }
    memcpy(n_text, v, n_len);
    n_text[n_len] = '\0';
    if (!parse_uint(n_text, o->min, o->max, &r.count)) {
        snprintf(why, whysz, "\"%s\": N must be a whole number from %lu to %lu", v, o->min,
                 o->max);
        return false;
    }
    if (!parse_uint(slash + 1, 1, RATE_WINDOW_MAX_S, &r.window_s)) {
        snprintf(why, whysz, "\"%s\": SECONDS must be a whole number from 1 to %d", v,
                 RATE_WINDOW_MAX_S);
        return false;
    }
    *out = r;
    return true;
}

/* room_allow_issuers: every blank-separated word of 'value' is one entry. */
static bool add_issuers(struct config_list *l, const char *value, char *why, size_t whysz)
{
    const char *p = value, *e;
    size_t n;

    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            return true;
        for (e = p; *e != '\0' && *e != ' ' && *e != '\t'; e++)
            ;
        n = (size_t)(e - p);
        if (n >= LOBBY_ISSUER_MAX) {
            snprintf(why, whysz, "an issuer of %zu bytes; at most %d", n, LOBBY_ISSUER_MAX - 1);
            return false;
        }
        if (l->n >= LOBBY_MAX_ALLOW_ISSUERS) {
            snprintf(why, whysz, "more than %d issuers", LOBBY_MAX_ALLOW_ISSUERS);
            return false;
        }
        l->items = xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
        l->items[l->n++] = xstrndup(p, n);
        p = e;
    }
}

/* Store 'value' for 'o'. Returns false with a reason in 'why'. */
static bool opt_set(struct config *cfg, const struct opt *o, const char *value, char *why, size_t whysz)
{
    char *field = (char *)cfg + o->offset;

    switch (o->type) {
    case OPT_STR: {
        char **p = (char **)(void *)field;

        struct sockaddr_storage ss;
        socklen_t sslen;

        if (*value == '\0') {
            snprintf(why, whysz, "empty value");
            return false;
        }
        if (strcmp(o->key, "lobby_message") == 0 && strlen(value) >= LOBBY_MESSAGE_MAX) {
            snprintf(why, whysz, "%zu bytes; at most %d", strlen(value), LOBBY_MESSAGE_MAX - 1);
            return false;
        }
        if (strcmp(o->key, "metrics_listen") == 0 &&
            !metrics_parse_listen(value, &ss, &sslen, why, whysz))
            return false;
        if (strcmp(o->key, "webhook_url") == 0 && webhook_url_problem(value) != NULL) {
            snprintf(why, whysz, "%s", webhook_url_problem(value));
            return false;
        }
        free(*p);
        *p = xstrdup(value);
        return true;
    }
    case OPT_UINT:
        if (!parse_uint(value, o->min, o->max, (unsigned *)(void *)field)) {
            snprintf(why, whysz, "\"%s\" is not a whole number from %lu to %lu", value, o->min, o->max);
            return false;
        }
        return true;
    case OPT_BOOL:
        if (!parse_bool(value, (bool *)(void *)field)) {
            snprintf(why, whysz, "\"%s\" is not yes or no", value);
            return false;
        }
        return true;
    case OPT_ENUM:
        for (unsigned i = 0; o->choices[i] != NULL; i++) {
            if (strcmp(value, o->choices[i]) == 0) {
                *(unsigned *)(void *)field = i;
                return true;
            }
        }
        {
            size_t n = (size_t)snprintf(why, whysz, "\"%s\" is not one of", value);

            for (unsigned i = 0; o->choices[i] != NULL && n < whysz; i++)
                n += (size_t)snprintf(why + n, whysz - n, " %s", o->choices[i]);
        }
        return false;
    case OPT_RATE:
        return parse_rate(value, o, (struct config_rate *)(void *)field, why, whysz);
    case OPT_LIST: {
        struct config_list *l = (struct config_list *)(void *)field;

        if (*value == '\0') {
            snprintf(why, whysz, "empty value");
            return false;
        }
        if (l->n >= CONFIG_LIST_MAX) {
            snprintf(why, whysz, "more than %d entries", CONFIG_LIST_MAX);
            return false;
        }
        if (strcmp(o->key, "admin_jid") == 0 &&
            (strchr(value, '@') == NULL || strchr(value, '/') != NULL || value[0] == '@' ||
             strchr(value, ' ') != NULL)) {
            snprintf(why, whysz, "\"%s\" is not a bare JID (user@domain, no resource)", value);
            return false;
        }
        if (strcmp(o->key, "admit") == 0) {
            struct lobby_admit_rule rule;

            if (!lobby_admit_parse(value, &rule, why, whysz))
                return false;
            for (size_t i = 0; i < l->n; i++) {
                struct lobby_admit_rule seen;

                if (lobby_admit_parse(l->items[i], &seen, why, whysz) &&
                    strcmp(seen.label, rule.label) == 0) {
                    snprintf(why, whysz, "rule \"%.32s\" is already defined; give each rule its "
                                         "own name", rule.label + strlen("admit:"));
                    return false;
                }
            }
        }
        if (strcmp(o->key, "room_allow_issuers") == 0)
            return add_issuers(l, value, why, whysz);
        l->items = xrealloc(l->items, (l->n + 1) * sizeof(*l->items));
        l->items[l->n++] = xstrdup(value);
        return true;
    }
    }
    return false;
}

static char *trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

static void parse_line(struct config *cfg, struct parse_state *ps, char *line, unsigned lineno)
{
    char why[256];
    char *key, *value, *eq, *hash;
    const struct opt *o;
    size_t idx;

    key = trim(line);
    if (*key == '\0' || *key == '#')
        return;
    for (hash = strchr(key, '#'); hash != NULL; hash = strchr(hash + 1, '#')) {
        if (isspace((unsigned char)hash[-1])) {
            *hash = '\0';
            break;
        }
    }
    eq = strchr(key, '=');
    if (eq == NULL) {
        perr(ps, lineno, NULL, "expected \"key = value\", got \"%.60s\"", key);
        return;
    }
    *eq = '\0';
    key = trim(key);
    value = trim(eq + 1);
    o = opt_find(key, &idx);
    if (o == NULL) {
        perr(ps, lineno, key, "unknown key (see lobbyd --help-config)");
        return;
    }
    if (o->type != OPT_LIST && ps->line[idx] != 0) {
        perr(ps, lineno, key, "already set on line %u", ps->line[idx]);
        return;
    }
    if (!opt_set(cfg, o, value, why, sizeof(why))) {
        perr(ps, lineno, key, "%s", why);
        return;
    }
    ps->line[idx] = lineno;
}

static void apply_env(struct config *cfg, struct parse_state *ps, FILE *notes)
{
    char name[128], why[256];

    for (size_t i = 0; i < N_OPTS; i++) {
        const char *v;
        size_t n = (size_t)snprintf(name, sizeof(name), "LOBBYD_%s", opts[i].key);

        for (size_t j = 7; j < n && j < sizeof(name); j++)
            name[j] = (char)toupper((unsigned char)name[j]);
        v = getenv(name);
        if (v == NULL)
            continue;
        if (opts[i].type == OPT_LIST) {
            struct config_list *l = (struct config_list *)(void *)((char *)cfg + opts[i].offset);

            for (size_t k = 0; k < l->n; k++)
                free(l->items[k]);
            l->n = 0;
        }
        if (!opt_set(cfg, &opts[i], v, why, sizeof(why))) {
            perr(ps, 0, opts[i].key, "from environment %s: %s", name, why);
            continue;
        }
        ps->line[i] = ps->line[i] == 0 ? 1 : ps->line[i];
        if (notes != NULL)
            fprintf(notes, "%s overrides %s from the environment\n", name, opts[i].key);
    }
}

static void apply_defaults(struct config *cfg, struct parse_state *ps)
{
    char why[256];

    for (size_t i = 0; i < N_OPTS; i++) {
        if (ps->line[i] != 0)
            continue;
        if (opts[i].def != NULL) {
            /* Defaults are part of the table; a bad one is our bug. */
            if (!opt_set(cfg, &opts[i], opts[i].def, why, sizeof(why)))
                fatalx("config: bad built-in default for %s: %s", opts[i].key, why);
        } else if (opts[i].required) {
            perr(ps, 0, opts[i].key, "required but not set");
        }
    }
}

static void derive_token(struct config *cfg)
{
    struct token_config *t = &cfg->token;

    memset(t, 0, sizeof(*t));
    t->app_id = cfg->jwt_app_id;
    t->accepted_issuers = cfg->jwt_accepted_issuers;
    t->accepted_audiences = cfg->jwt_accepted_audiences;
    t->secret_file = cfg->jwt_secret_file;
    t->hs_algorithms = cfg->jwt_hs_algorithms;
    t->key_dir = cfg->jwt_key_dir;
    t->asym_algorithms = cfg->jwt_asym_algorithms;
    t->mint_key_file = cfg->jwt_mint_key_file;
    t->domain = cfg->jwt_domain != NULL ? cfg->jwt_domain : cfg->main_domain;
    t->extra_issuers = (const char *const *)cfg->jwt_issuers.items;
    t->n_extra_issuers = cfg->jwt_issuers.n;
    t->leeway_s = cfg->jwt_leeway_s;
    t->require_room = cfg->jwt_require_room;
    t->require_exp = cfg->jwt_require_exp;
    t->allow_wildcard_room = cfg->jwt_allow_wildcard_room;
    t->verify_domain = cfg->jwt_verify_domain;
}

static void derive(struct config *cfg, struct parse_state *ps)
{
    if (!ps->reloading && cfg->component_secret_file == NULL &&
        getenv("LOBBYD_COMPONENT_SECRET") == NULL)
        perr(ps, 0, "component_secret_file", "required (or set LOBBYD_COMPONENT_SECRET)");
    if (cfg->webhook_url != NULL && cfg->webhook_secret_file == NULL)
        perr(ps, 0, "webhook_secret_file", "required when webhook_url is set (the key that "
                                           "signs every post)");
    derive_token(cfg);
}

static struct config *load(const char *path, FILE *errs, FILE *notes, bool reloading)
{
    struct parse_state ps;
    struct config *cfg = NULL;
    FILE *f = NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned lineno = 0;

    memset(&ps, 0, sizeof(ps));
    ps.file = path;
    ps.errs = errs;
    ps.reloading = reloading;
    cfg = xcalloc(1, sizeof(*cfg));
    cfg->path = xstrdup(path);
    f = fopen(path, "re");
    if (f == NULL) {
        perr(&ps, 0, NULL, "cannot open: %s", strerror(errno));
        goto out;
    }
    while ((len = getline(&line, &cap, f)) != -1) {
        lineno++;
        if ((size_t)len > CONFIG_LINE_MAX) {
            perr(&ps, lineno, NULL, "line longer than %d bytes", CONFIG_LINE_MAX);
            continue;
        }
        if (memchr(line, '\0', (size_t)len) != NULL) {
            perr(&ps, lineno, NULL, "NUL byte in line");
            continue;
        }
        parse_line(cfg, &ps, line, lineno);
    }
    if (ferror(f))
        perr(&ps, 0, NULL, "read error: %s", strerror(errno));
    apply_env(cfg, &ps, notes);
    apply_defaults(cfg, &ps);
    derive(cfg, &ps);
out:
    free(line);
    if (f != NULL)
        fclose(f);
    if (ps.errors > 0) {
        config_free(cfg);
        return NULL;
    }
    return cfg;
}

struct config *config_load(const char *path, FILE *errs, FILE *notes)
{
    return load(path, errs, notes, false);
}

/* Keys a running lobbyd cannot take over: the stream, the domains it
 * serves, files and listeners it holds open, and how it logs. */
static const char *const restart_keys[] = {
    "component_jid", "component_host", "component_port", "component_secret_file",
    "reconnect_max_ms", "main_domain", "muc_domain", "lock_file", "audit_file",
    "metrics_listen", "state_file", "log_level", "log_time", "debug_xmpp",
    /* the delivery thread, its queue and its key are set up once, at start-up */
    "webhook_url", "webhook_secret_file", "webhook_queue_max", "webhook_retries",
    "webhook_timeout_ms",
};

bool config_needs_restart(const char *key)
{
    for (size_t i = 0; i < sizeof(restart_keys) / sizeof(restart_keys[0]); i++) {
        if (strcmp(restart_keys[i], key) == 0)
            return true;
    }
    return false;
}

static bool str_same(const char *a, const char *b)
{
    return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static size_t keep_restart_keys(struct config *fresh, const struct config *running, FILE *notes)
{
    size_t changed = 0;

    for (size_t i = 0; i < N_OPTS; i++) {
        const struct opt *o = &opts[i];
        char *to = (char *)fresh + o->offset;
        const char *from = (const char *)running + o->offset;
        bool same;

        if (!config_needs_restart(o->key))
            continue;
        switch (o->type) {
        case OPT_STR:
            same = str_same(*(char *const *)(const void *)to, *(char *const *)(const void *)from);
            if (!same) {
                const char *v = *(char *const *)(const void *)from;

                free(*(char **)(void *)to);
                *(char **)(void *)to = v != NULL ? xstrdup(v) : NULL;
            }
            break;
        case OPT_UINT:
        case OPT_ENUM:
            same = *(unsigned *)(void *)to == *(const unsigned *)(const void *)from;
            *(unsigned *)(void *)to = *(const unsigned *)(const void *)from;
            break;
        case OPT_BOOL:
            same = *(bool *)(void *)to == *(const bool *)(const void *)from;
            *(bool *)(void *)to = *(const bool *)(const void *)from;
            break;
        case OPT_LIST:
        default:
            same = true;        /* no list needs a restart */
            break;
        }
        if (!same) {
            changed++;
            if (notes != NULL)
                fprintf(notes, "%s: key \"%s\" changed; it takes effect when lobbyd restarts\n",
                        fresh->path, o->key);
        }
    }
    derive_token(fresh);        /* jwt_domain may default to main_domain */
    return changed;
}

struct config *config_reload(const struct config *running, FILE *errs, FILE *notes)
{
    struct config *fresh = load(running->path, errs, NULL, true);

    if (fresh != NULL)
        (void)keep_restart_keys(fresh, running, notes);
    return fresh;
}

static void list_free(struct config_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

void config_free(struct config *cfg)
{
    if (cfg == NULL)
        return;
    for (size_t i = 0; i < N_OPTS; i++) {
        char *field = (char *)cfg + opts[i].offset;

        if (opts[i].type == OPT_STR)
            free(*(char **)(void *)field);
        else if (opts[i].type == OPT_LIST)
            list_free((struct config_list *)(void *)field);
    }
    if (cfg->component_secret != NULL) {
        OPENSSL_cleanse(cfg->component_secret, strlen(cfg->component_secret));
        free(cfg->component_secret);
    }
    free(cfg->path);
    free(cfg);
}

size_t config_stricter_than_jitsi(const struct config *cfg, const char **notes, size_t max)
{
    size_t n = 0;

    if (!cfg->jwt_allow_wildcard_room && n < max)
        notes[n++] = "jwt_allow_wildcard_room = no: tokens with room \"*\" are refused, which "
                     "Jitsi accepts and many issuers mint; their holders get what invalid_token "
                     "says (an owner among them knocks on their own door). Set it to yes to "
                     "accept them as Jitsi does";
    if (cfg->jwt_require_exp && n < max)
        notes[n++] = "jwt_require_exp = yes: tokens without exp are refused, which Jitsi accepts";
    return n;
}

void config_print_help(FILE *out)
{
    static const char *const type_names[] = {"string", "number", "yes/no", "choice", "list",
                                             "rate"};

    for (size_t i = 0; i < N_OPTS; i++) {
        const struct opt *o = &opts[i];

        fprintf(out, "%s (%s%s", o->key, type_names[o->type], o->required ? ", required" : "");
        if (o->def != NULL)
            fprintf(out, ", default %s", o->def);
        if (o->type == OPT_UINT)
            fprintf(out, ", %lu..%lu", o->min, o->max);
        if (o->type == OPT_RATE)
            fprintf(out, ", N %lu..%lu, SECONDS 1..%d", o->min, o->max, RATE_WINDOW_MAX_S);
        fprintf(out, ")\n    %s%s\n", o->help, config_needs_restart(o->key) ? RESTART_NOTE : "");
    }
}

/* Write 's' for roff: a leading '.' or '\'' and every '\\' and '-' escaped. */
static void roff_text(FILE *out, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", out);
    for (; *s != '\0'; s++) {
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '-')
            fputs("\\-", out);
        else
            fputc(*s, out);
    }
}

void config_print_man(FILE *out)
{
    static const char *const type_names[] = {"string", "number", "yes/no", "choice", "list",
                                             "rate"};

    for (size_t i = 0; i < N_OPTS; i++) {
        const struct opt *o = &opts[i];

        fprintf(out, ".TP\n.B ");
        roff_text(out, o->key);
        fprintf(out, "\n(%s%s", type_names[o->type], o->required ? ", required" : "");
        if (o->def != NULL) {
            fputs(", default ", out);
            roff_text(out, o->def);
        }
        if (o->type == OPT_UINT)
            fprintf(out, ", %lu to %lu", o->min, o->max);
        if (o->type == OPT_RATE)
            fprintf(out, ", N %lu to %lu, SECONDS 1 to %d", o->min, o->max, RATE_WINDOW_MAX_S);
        fputs(")\n", out);
        roff_text(out, o->help);
        if (config_needs_restart(o->key))
            roff_text(out, RESTART_NOTE);
        fputc('\n', out);
    }
}

const char *config_password_mode_name(unsigned v)
{
    return v < 3 ? password_modes[v] : "?";
}

const char *config_invalid_token_name(unsigned v)
{
    return v < 2 ? invalid_tokens[v] : "?";
}
