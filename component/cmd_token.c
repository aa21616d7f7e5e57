/*
 * cmd_token.c: `lobbyd token check` and `lobbyd token mint`.
 *
 *   lobbyd token check -c FILE [--room R] [--now S]   < token
 *       Verifies the token read on stdin exactly as the daemon would and
 *       prints one JSON object: valid, status, reason, fingerprint, alg,
 *       kid, iss, aud, sub, room, exp, nbf, rights {owner, bypass,
 *       affiliation, lobby, admit}, identity {id, name, email, avatar, group},
 *       knock_identity (what knock_limit counts under), features,
 *       context_room.  Exit 0 valid, 1 refused, 2 usage, configuration or
 *       internal error.
 *
 *   lobbyd token mint -c FILE --room R [--moderator] [--bypass] [--name N]
 *                     [--email E] [--id I] [--ttl S] [--kid K] [--alg A]
 *       Prints a token signed with jwt_secret_file (or, with --kid, with
 *       jwt_mint_key_file).  Exit 0, or 2 with the reason on stderr.
 *
 * The token itself is never printed by `check` (only its fingerprint), and
 * no secret ever comes from the command line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "component/cmd_token.h"
#include "component/config.h"
#include "component/dispatch.h"
#include "jwt/mint.h"
#include "jwt/token.h"
#include "lobby/admit.h"
#include "lobby/lobby.h"

/* stdin is read up to twice the token limit, so that an oversized token is
 * refused with its size rather than cut. */
#define CMD_TOKEN_READ_MAX (2 * TOKEN_MAX_BYTES)

enum {
    OPT_NOW = 256,
    OPT_MODERATOR,
    OPT_BYPASS,
    OPT_NAME,
    OPT_EMAIL,
    OPT_ID,
    OPT_TTL,
    OPT_KID,
    OPT_ALG
};

static void usage_token(FILE *out)
{
    fprintf(
        out,
        "usage: lobbyd token check -c FILE [--room ROOM] [--now SECONDS] < "
        "token\n"
        "       lobbyd token mint -c FILE --room ROOM [--moderator] "
        "[--bypass]\n"
        "                         [--name NAME] [--email EMAIL] [--id ID]\n"
        "                         [--ttl SECONDS] [--kid KID] [--alg ALG]\n"
        "\n"
        "check  verify a token read on stdin with the jwt_* settings of FILE "
        "and\n"
        "       print one JSON object (valid, rights, identity, knock_identity,\n"
        "       reason, fingerprint); exit 0 valid, 1 refused, 2 usage/config\n"
        "       error.\n"
        "       --room   the room node the token must be valid for\n"
        "                (default: no room check)\n"
        "       --now    check at this Unix time instead of the clock\n"
        "mint   print a token signed with jwt_secret_file (HS256 unless "
        "--alg),\n"
        "       or with jwt_mint_key_file when --kid is given (RS256, ES256 "
        "or\n"
        "       ES384 by key type unless --alg).  --ttl defaults to %d s.\n",
        MINT_DEFAULT_TTL_S);
}

/* Parses a decimal number in [0, max]; returns 0 or -1. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;

    if (s[0] < '0' || s[0] > '9')
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > max)
        return -1;
    *out = v;
    return 0;
}

/* parse_u64() for a --OPTION of 'cmd'; prints why on failure. */
static int parse_seconds(const char *cmd, const char *option, const char *arg,
                         uint64_t max, uint64_t *out)
{
    if (parse_u64(arg, max, out) == 0)
        return 0;
    fprintf(stderr,
            "lobbyd token %s: --%s: not a number of seconds up to "
            "%llu: %s\n",
            cmd, option, (unsigned long long)max, arg);
    return -1;
}

/* Loads the configuration named by -c; prints why on failure. */
static struct config *load_config(const char *path)
{
    if (path == NULL) {
        fprintf(stderr, "lobbyd token: -c FILE is required\n");
        return NULL;
    }
    return config_load(path, stderr, NULL);
}

/* Reads the token from stdin, trimming surrounding blanks. */
static char *read_token(size_t *len)
{
    char *buf = malloc(CMD_TOKEN_READ_MAX + 1);
    size_t n, start = 0;

    *len = 0;
    if (buf == NULL)
        return NULL;
    n = fread(buf, 1, CMD_TOKEN_READ_MAX, stdin);
    if (ferror(stdin)) {
        free(buf);
        return NULL;
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
                     buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        n--;
    while (start < n && (buf[start] == ' ' || buf[start] == '\t' ||
                         buf[start] == '\n' || buf[start] == '\r'))
        start++;
    memmove(buf, buf + start, n - start);
    *len = n - start;
    buf[*len] = '\0';
    return buf;
}

/* Adds 'key': string or null. */
static void put_str(json_t *obj, const char *key, const char *value)
{
    json_object_set_new(obj, key,
                        value != NULL ? json_string(value) : json_null());
}

/* Adds 'key': the parsed compact JSON 'text', or null. */
static void put_json(json_t *obj, const char *key, const char *text)
{
    json_t *v = text != NULL ? json_loads(text, 0, NULL) : NULL;

    json_object_set_new(obj, key, v != NULL ? v : json_null());
}

/*
 * The name of the first admission rule (option admit) the token meets, or
 * NULL. Only the token's own facts count: a jid rule needs the session's
 * JID, which a token alone does not have.
 */
static const char *admit_rule(const struct config *cfg, enum token_status st,
                              const struct token_claims *c, struct lobby_admit_rule *r)
{
    struct lobby_join lj;
    char why[256];

    if (st != TOKEN_VALID)
        return NULL;
    memset(&lj, 0, sizeof(lj));
    dispatch_token_facts(c, &lj);
    for (size_t i = 0; i < cfg->admit_rules.n; i++) {
        if (lobby_admit_parse(cfg->admit_rules.items[i], r, why, sizeof(why)) &&
            r->kind != LOBBY_ADMIT_JID && lobby_admit_matches(r, &lj))
            return r->label + strlen("admit:");
    }
    return NULL;
}

/*
 * What knock_limit counts the knocks of a session with this token under
 * (lobby_knock_identity()); a token that is refused or names no user
 * leaves the session's bare JID, which a token alone does not have.
 */
static const char *knock_identity(enum token_status st, const struct token_claims *c,
                                  char *buf, size_t size)
{
    struct lobby_join lj;

    memset(&lj, 0, sizeof(lj));
    if (st == TOKEN_VALID)
        dispatch_token_facts(c, &lj);
    if (lobby_knock_identity(&lj, buf, size))
        return buf;
    return "the session's bare JID";
}

/*
 * What lobbyd does with the token's context.room.allow, in words, or NULL
 * when it has none: set the room's list, or why not.
 */
static const char *room_allow_note(const struct config *cfg, const struct token_claims *c,
                                   char *buf, size_t size)
{
    bool trusted = false;

    if (c->room_allow_problem[0] != '\0') {
        snprintf(buf, size, "refused: %s", c->room_allow_problem);
        return buf;
    }
    if (!c->has_room_allow)
        return NULL;
    for (size_t i = 0; i < cfg->room_allow_issuers.n && c->iss != NULL; i++)
        trusted = trusted || strcmp(cfg->room_allow_issuers.items[i], c->iss) == 0;
    if (!trusted)
        snprintf(buf, size, "ignored: iss is not in room_allow_issuers");
    else if (!c->owner)
        snprintf(buf, size, "ignored: only an owner token sets a room's allow list");
    else
        snprintf(buf, size, "sets the room's allow list when this owner joins");
    return buf;
}

static json_t *room_allow_json(const struct token_claims *c)
{
    json_t *a;

    if (!c->has_room_allow)
        return json_null();
    a = json_array();
    for (size_t i = 0; i < c->n_room_allow; i++)
        json_array_append_new(a, json_string(c->room_allow[i]));
    return a;
}

static json_t *claims_json(const struct config *cfg, enum token_status st,
                           const struct token_claims *c, const struct token_reason *why,
                           const char *fp)
{
    struct lobby_admit_rule rule;
    char knock[LOBBY_IDENTITY_MAX], note[TOKEN_REASON_MAX + 16];
    json_t *o = json_object(), *rights = json_object(), *id = json_object();
    static const char *const aff[] = {"none", "member", "owner"};

    json_object_set_new(o, "valid", json_boolean(st == TOKEN_VALID));
    put_str(o, "status", token_status_name(st));
    put_str(o, "reason", st == TOKEN_VALID ? NULL : why->text);
    put_str(o, "fingerprint", fp);
    put_str(o, "alg", st == TOKEN_VALID ? c->alg : NULL);
    put_str(o, "kid", c->kid);
    put_str(o, "iss", c->iss);
    put_str(o, "aud", c->aud);
    put_str(o, "sub", c->sub);
    put_str(o, "room", c->room);
    json_object_set_new(o, "exp",
                        c->has_exp ? json_integer(c->exp_s) : json_null());
    json_object_set_new(o, "nbf",
                        c->has_nbf ? json_integer(c->nbf_s) : json_null());
    json_object_set_new(rights, "owner", json_boolean(c->owner));
    json_object_set_new(rights, "bypass", json_boolean(c->bypass));
    put_str(rights, "affiliation", aff[c->affiliation]);
    /* context.room.lobby: an owner's wish for the room's lobby (lobby_default). */
    put_str(rights, "lobby", c->room_lobby == TOKEN_LOBBY_ON    ? "on"
                             : c->room_lobby == TOKEN_LOBBY_OFF ? "off"
                                                                : NULL);
    /* context.room.lobby_message: what an owner's room tells its knockers. */
    put_str(rights, "lobby_message", c->room_lobby_message);
    /* The admission rule that would let this token past a room's lobby. */
    put_str(rights, "admit", admit_rule(cfg, st, c, &rule));
    /* context.room.before_host: an owner's word for guests before a host. */
    put_str(rights, "before_host", c->room_before_host == TOKEN_BEFORE_HOST_ALLOW  ? "allow"
                                   : c->room_before_host == TOKEN_BEFORE_HOST_WAIT ? "wait"
                                   : c->room_before_host == TOKEN_BEFORE_HOST_DENY ? "deny"
                                                                                   : NULL);
    /* context.room.allow, and whether room_allow_issuers lets it count. */
    json_object_set_new(rights, "room_allow", room_allow_json(c));
    put_str(rights, "room_allow_note", room_allow_note(cfg, c, note, sizeof(note)));
    json_object_set_new(o, "rights", rights);
    put_str(id, "id", c->user_id);
    put_str(id, "name", c->name);
    put_str(id, "email", c->email);
    put_str(id, "avatar", c->avatar);
    put_str(id, "group", c->group);
    json_object_set_new(o, "identity", id);
    /* What knock_limit counts this token's knocks under. */
    put_str(o, "knock_identity", knock_identity(st, c, knock, sizeof(knock)));
    put_json(o, "features", c->features_json);
    put_json(o, "context_room", c->room_json);
    return o;
}

/* What `token check` was asked to do. */
struct check_args {
    const char *path;
    const char *room;
    int64_t now_s;
};

/* Parses check's options; returns 0, 1 (help shown) or 2. */
static int parse_check(int argc, char **argv, struct check_args *a)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"room", required_argument, NULL, 'r'},
        {"now", required_argument, NULL, OPT_NOW},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t u;
    int ch;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:r:h", opts, NULL)) != -1) {
        if (ch == 'c') {
            a->path = optarg;
        } else if (ch == 'r') {
            a->room = optarg;
        } else if (ch == OPT_NOW) {
            if (parse_seconds("check", "now", optarg, INT64_MAX / 2, &u) != 0)
                return 2;
            a->now_s = (int64_t)u;
        } else if (ch == 'h') {
            usage_token(stdout);
            return 1;
        } else {
            usage_token(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage_token(stderr);
        return 2;
    }
    return 0;
}

static int cmd_check(int argc, char **argv)
{
    struct check_args args = {NULL, NULL, (int64_t)time(NULL)};
    struct config *cfg = NULL;
    struct token_verifier *v = NULL;
    struct token_claims claims;
    struct token_reason why;
    char fp[TOKEN_FINGERPRINT_SIZE], *token = NULL;
    const char *notes[4];
    enum token_status st;
    json_t *out = NULL;
    size_t len = 0, n;
    int rc;

    memset(&claims, 0, sizeof(claims));
    rc = parse_check(argc, argv, &args);
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    rc = 2;
    cfg = load_config(args.path);
    if (cfg == NULL)
        goto out;
    v = token_verifier_new(&cfg->token, &why);
    if (v == NULL) {
        fprintf(stderr, "lobbyd token check: %s: %s\n", args.path, why.text);
        goto out;
    }
    n = config_stricter_than_jitsi(cfg, notes, sizeof(notes) / sizeof(notes[0]));
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "lobbyd token check: note: stricter than Jitsi: %s\n", notes[i]);
    token = read_token(&len);
    if (token == NULL) {
        fprintf(stderr, "lobbyd token check: cannot read stdin\n");
        goto out;
    }
    st = token_verify(v, token, len, args.room, args.now_s, &claims, &why);
    token_fingerprint(token, len, fp);
    out = claims_json(cfg, st, &claims, &why, fp);
    if (out == NULL || json_dumpf(out, stdout, JSON_COMPACT) != 0 ||
        fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        fprintf(stderr, "lobbyd token check: cannot write the result\n");
        goto out;
    }
    rc = st == TOKEN_VALID ? 0 : st == TOKEN_REFUSED ? 1 : 2;
out:
    json_decref(out);
    token_claims_clear(&claims);
    free(token);
    token_verifier_free(v);
    config_free(cfg);
    return rc;
}

/* Applies one of mint's options to 'req'; returns 0, or 2 on a bad value. */
static int mint_option(int ch, const char *arg, struct mint_request *req)
{
    uint64_t u;

    switch (ch) {
    case 'r':
        req->room = arg;
        break;
    case OPT_MODERATOR:
        req->moderator = true;
        break;
    case OPT_BYPASS:
        req->bypass = true;
        break;
    case OPT_NAME:
        req->name = arg;
        break;
    case OPT_EMAIL:
        req->email = arg;
        break;
    case OPT_ID:
        req->user_id = arg;
        break;
    case OPT_KID:
        req->kid = arg;
        break;
    case OPT_ALG:
        req->alg = arg;
        break;
    case OPT_TTL:
        if (parse_seconds("mint", "ttl", arg, MINT_MAX_TTL_S, &u) != 0)
            return 2;
        req->ttl_s = (unsigned)u;
        break;
    case OPT_NOW:
        if (parse_seconds("mint", "now", arg, INT64_MAX / 2, &u) != 0)
            return 2;
        req->now_s = (int64_t)u;
        break;
    default:
        usage_token(stderr);
        return 2;
    }
    return 0;
}

/* Parses mint's options into 'req'; returns 0, 1 (help shown) or 2. */
static int parse_mint(int argc, char **argv, const char **path,
                      struct mint_request *req)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"room", required_argument, NULL, 'r'},
        {"moderator", no_argument, NULL, OPT_MODERATOR},
        {"bypass", no_argument, NULL, OPT_BYPASS},
        {"name", required_argument, NULL, OPT_NAME},
        {"email", required_argument, NULL, OPT_EMAIL},
        {"id", required_argument, NULL, OPT_ID},
        {"ttl", required_argument, NULL, OPT_TTL},
        {"kid", required_argument, NULL, OPT_KID},
        {"alg", required_argument, NULL, OPT_ALG},
        {"now", required_argument, NULL, OPT_NOW},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int ch;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "c:r:h", opts, NULL)) != -1) {
        if (ch == 'c') {
            *path = optarg;
        } else if (ch == 'h') {
            usage_token(stdout);
            return 1;
        } else if (mint_option(ch, optarg, req) != 0) {
            return 2;
        }
    }
    if (req->room == NULL)
        fprintf(stderr, "lobbyd token mint: --room is required\n");
    if (optind != argc || req->room == NULL) {
        usage_token(stderr);
        return 2;
    }
    return 0;
}

static int cmd_mint(int argc, char **argv)
{
    struct mint_request req;
    struct token_reason why;
    struct config *cfg = NULL;
    const char *path = NULL;
    char *token = NULL;
    int rc;

    memset(&req, 0, sizeof(req));
    req.now_s = (int64_t)time(NULL);
    rc = parse_mint(argc, argv, &path, &req);
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    rc = 2;
    cfg = load_config(path);
    if (cfg == NULL)
        goto out;
    if (mint_token(&cfg->token, &req, &token, &why) != 0) {
        fprintf(stderr, "lobbyd token mint: %s\n", why.text);
        goto out;
    }
    if (printf("%s\n", token) < 0 || fflush(stdout) != 0) {
        fprintf(stderr, "lobbyd token mint: cannot write the token\n");
        goto out;
    }
    rc = 0;
out:
    free(token);
    config_free(cfg);
    return rc;
}

int cmd_token_main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage_token(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "mint") == 0)
        return cmd_mint(argc - 1, argv + 1);
    fprintf(stderr, "lobbyd token: unknown command \"%s\"\n", argv[1]);
    usage_token(stderr);
    return 2;
}
