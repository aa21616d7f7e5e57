/*
 * tests/unit/jwt/test_keys.c - token_verifier_new(): what a configuration
 * must satisfy before any token is looked at.  Secret files and their
 * secrecy, key directories and the key types they may hold, algorithm
 * lists, issuer lines and the other options.  One table; each row changes
 * the standard fixture and states the reason expected ("" = accepted).
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jwt/token.h"
#include "tests/unit/jwt/jwt_fixture.h"

#define ROWS(t) (sizeof(t) / sizeof((t)[0]))

/* Changes the fixture for one row; returns 0 or -1. */
typedef int (*row_setup_fn)(struct fixture *f, char *scratch, size_t size);

/* Writes 'text' to <dir>/<name> with 'mode' and points 'path' at it. */
static int put_file(struct fixture *f, const char *name, const void *data,
                    size_t len, mode_t mode, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", f->dir, name);
    return fixture_write_file(path, data, len, mode);
}

static int secret_mode(struct fixture *f, mode_t mode)
{
    return chmod(f->secret, mode);
}

static int s_world_readable(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    return secret_mode(f, 0644);
}

static int s_group_writable(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    return secret_mode(f, 0620);
}

static int s_group_readable(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    return secret_mode(f, 0640);
}

static int s_missing(struct fixture *f, char *p, size_t n)
{
    snprintf(p, n, "%s/no-such-file", f->dir);
    f->cfg.secret_file = p;
    return 0;
}

static int s_directory(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    f->cfg.secret_file = f->dir;
    return 0;
}

static int s_short(struct fixture *f, char *p, size_t n)
{
    f->cfg.secret_file = p;
    return put_file(f, "short", "short\n", 6, 0600, p, n);
}

static int s_empty(struct fixture *f, char *p, size_t n)
{
    f->cfg.secret_file = p;
    return put_file(f, "empty", "", 0, 0600, p, n);
}

static int s_pem(struct fixture *f, char *p, size_t n)
{
    f->cfg.secret_file = p;
    snprintf(p, n, "%s/pem", f->dir);
    return fixture_copy(FIXTURE_KEYS "/rsa2048.pub", p, 0600);
}

static int s_huge(struct fixture *f, char *p, size_t n)
{
    static char big[5000];

    memset(big, 'k', sizeof(big));
    f->cfg.secret_file = p;
    return put_file(f, "huge", big, sizeof(big), 0600, p, n);
}

/* A key directory holding one file: 'src' copied as 'name'. */
static int key_dir_with(struct fixture *f, const char *src, const char *name,
                        char *p, size_t n)
{
    char path[512];

    snprintf(p, n, "%s/keys", f->dir);
    if (mkdir(p, 0700) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/%s", p, name);
    f->cfg.key_dir = p;
    return fixture_copy(src, path, 0644);
}

#define HASHNAME                                                               \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.pem"

static int k_missing(struct fixture *f, char *p, size_t n)
{
    snprintf(p, n, "%s/no-such-dir", f->dir);
    f->cfg.key_dir = p;
    return 0;
}

static int k_rsa1024(struct fixture *f, char *p, size_t n)
{
    return key_dir_with(f, FIXTURE_KEYS "/rsa1024.pub", HASHNAME, p, n);
}

static int k_ed25519(struct fixture *f, char *p, size_t n)
{
    return key_dir_with(f, FIXTURE_KEYS "/ed25519.pub", HASHNAME, p, n);
}

static int k_private(struct fixture *f, char *p, size_t n)
{
    return key_dir_with(f, FIXTURE_KEYS "/ec256.key", HASHNAME, p, n);
}

static int k_secret_as_key(struct fixture *f, char *p, size_t n)
{
    return key_dir_with(f, FIXTURE_KEYS "/hs.secret", HASHNAME, p, n);
}

static int k_other_names(struct fixture *f, char *p, size_t n)
{
    return key_dir_with(f, FIXTURE_KEYS "/ec256.key", "README.pem", p, n);
}

static int k_upper_hex(struct fixture *f, char *p, size_t n)
{
    return key_dir_with(
        f, FIXTURE_KEYS "/ec256.pub",
        "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF.pem",
        p, n);
}

static int c_no_app_id(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    f->cfg.app_id = NULL;
    return 0;
}

static int c_no_domain(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    f->cfg.domain = NULL;
    return 0;
}

static int c_leeway(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    f->cfg.leeway_s = TOKEN_MAX_LEEWAY_S + 1;
    return 0;
}

static int c_nothing(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    f->cfg.secret_file = NULL;
    f->cfg.key_dir = NULL;
    f->cfg.n_extra_issuers = 0;
    f->cfg.app_id = NULL;
    return 0;
}

static int c_hs_none(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    f->cfg.hs_algorithms = "HS256,None";
    return 0;
}

static int c_hs_rs(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    f->cfg.hs_algorithms = "HS256,RS256";
    return 0;
}

static int c_asym_hs(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    f->cfg.asym_algorithms = "ES256,HS256";
    return 0;
}

static int c_audiences(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    f->cfg.accepted_audiences = "jitsi,,meet";
    return 0;
}

/* Replaces the issuer line of the fixture. */
static int issuer_line(struct fixture *f, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int issuer_line(struct fixture *f, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(f->issuer_line, sizeof(f->issuer_line), fmt, ap);
    va_end(ap);
    return n > 0 && (size_t)n < sizeof(f->issuer_line) ? 0 : -1;
}

static int i_no_keys(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    return issuer_line(f, "other-app algorithms=HS256");
}

static int i_star(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    return issuer_line(f, "* secret_file=%s", f->other_secret);
}

static int i_unknown_word(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    return issuer_line(f, "other-app secret_file=%s colour=red",
                       f->other_secret);
}

static int i_repeated(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    return issuer_line(f, "other-app secret_file=%s secret_file=/x",
                       f->other_secret);
}

static int i_same_as_app_id(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    return issuer_line(f, "lobbyd-test secret_file=%s", f->other_secret);
}

static int i_twice(struct fixture *f, char *p, size_t n)
{
    static const char *lines[2];

    (void)p, (void)n;
    lines[0] = f->issuer_line;
    lines[1] = f->issuer_line;
    f->cfg.extra_issuers = lines;
    f->cfg.n_extra_issuers = 2;
    return issuer_line(f, "dup secret_file=%s", f->other_secret);
}

static int i_alg_none(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    return issuer_line(f, "other-app secret_file=%s algorithms=HS256,none",
                       f->other_secret);
}

static int i_key_dir(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    return issuer_line(f, "other-app key_dir=tests/data/keys/asap "
                          "algorithms=ES256,HS256");
}

static int i_world_readable(struct fixture *f, char *p, size_t n)
{
    (void)p, (void)n;
    return chmod(f->other_secret, 0604);
}

static int i_too_many(struct fixture *f, char *p, size_t n)
{
    static const char *lines[17];
    size_t i;

    (void)p, (void)n;
    for (i = 0; i < 17; i++)
        lines[i] = f->issuer_line;
    f->cfg.extra_issuers = lines;
    f->cfg.n_extra_issuers = 17;
    return 0;
}

static const struct {
    const char *name;
    row_setup_fn setup;
    const char *reason; /* "" = accepted */
    int keys;           /* keys loaded when accepted, -1 = any */
    bool enabled;
} rows[] = {
    {"standard fixture", NULL, "", 3, true},
    {"secret world-readable", s_world_readable,
     "mode 0644 lets others read or change it; chmod 0600", 0, false},
    {"secret group-writable", s_group_writable,
     "mode 0620 lets others read or change it", 0, false},
    {"secret group-readable is fine", s_group_readable, "", 3, true},
    {"secret missing", s_missing, "no-such-file: No such file or directory", 0,
     false},
    {"secret is a directory", s_directory, "not a regular file", 0, false},
    {"secret too short", s_short, "secret is 5 bytes, at least 16 required", 0,
     false},
    {"secret empty", s_empty, "file is empty", 0, false},
    {"secret is a PEM key", s_pem,
     "holds a PEM key; a key is never used as an HMAC secret", 0, false},
    {"secret too large", s_huge, "larger than 4096 bytes", 0, false},
    {"key dir missing", k_missing, "no-such-dir: No such file or directory", 0,
     false},
    {"key dir with a 1024-bit RSA key", k_rsa1024,
     "RSA key of 1024 bits, at least 2048 required", 0, false},
    {"key dir with an Ed25519 key", k_ed25519,
     "unsupported key type (RSA or EC P-256/P-384 public keys only)", 0, false},
    {"key dir with a private key", k_private, "not a PEM public key", 0, false},
    {"key dir with a secret in a key file", k_secret_as_key,
     "not a PEM public key", 0, false},
    {"key dir ignores other file names", k_other_names, "", 0, true},
    {"key dir accepts upper-case hex names", k_upper_hex, "", 1, true},
    {"no app_id and no issuers", c_no_app_id,
     "jwt_app_id or jwt_accepted_issuers must be set", 0, false},
    {"domain verification without a domain", c_no_domain,
     "jwt_verify_domain is on but jwt_domain is not set", 0, false},
    {"leeway too large", c_leeway, "jwt_leeway: 3601 s is more than 3600 s", 0,
     false},
    {"nothing configured is valid but disabled", c_nothing, "", 0, false},
    {"hs list with None", c_hs_none,
     "jwt_hs_algorithms: alg \"none\" is never accepted", 0, false},
    {"hs list with RS256", c_hs_rs,
     "jwt_hs_algorithms: algorithm \"RS256\" does not belong here", 0, false},
    {"asym list with HS256", c_asym_hs,
     "jwt_asym_algorithms: algorithm \"HS256\" does not belong here", 0, false},
    {"audiences with an empty entry", c_audiences,
     "jwt_accepted_audiences: empty entry", 0, false},
    {"issuer without key material", i_no_keys,
     "needs an issuer name (not \"*\") and secret_file= or key_dir=", 0, false},
    {"issuer *", i_star, "needs an issuer name (not \"*\")", 0, false},
    {"issuer with an unknown word", i_unknown_word,
     "unexpected or repeated word \"colour=red\"", 0, false},
    {"issuer with a repeated word", i_repeated,
     "unexpected or repeated word \"secret_file=/x\"", 0, false},
    {"issuer equal to app_id", i_same_as_app_id,
     "issuer \"lobbyd-test\" is configured twice", 0, false},
    {"issuer line twice", i_twice, "issuer \"dup\" is configured twice", 0,
     false},
    {"issuer algorithms with none", i_alg_none,
     "jwt_issuer other-app algorithms: alg \"none\" is never accepted", 0,
     false},
    {"issuer with its own key dir", i_key_dir, "", 6, true},
    {"issuer secret world-readable", i_world_readable,
     "mode 0604 lets others read or change it", 0, false},
    {"too many issuer lines", i_too_many, "jwt_issuer: more than 16 lines", 0,
     false},
};

/* Runs one row; prints what went wrong and returns 1, or 0. */
static int run_config_row(size_t i)
{
    struct fixture f;
    struct token_verifier *v;
    struct token_reason why;
    char scratch[512];
    int failed = 0;

    if (fixture_setup(&f) != 0)
        return 1;
    if (rows[i].setup != NULL &&
        rows[i].setup(&f, scratch, sizeof(scratch)) != 0) {
        print_error("%s: setup failed\n", rows[i].name);
        fixture_teardown(&f);
        return 1;
    }
    snprintf(why.text, sizeof(why.text), "(unset)");
    v = token_verifier_new(&f.cfg, &why);
    if (rows[i].reason[0] == '\0') {
        if (v == NULL) {
            print_error("%s: refused: %s\n", rows[i].name, why.text);
            failed = 1;
        } else if ((rows[i].keys >= 0 &&
                    token_verifier_key_count(v) != (size_t)rows[i].keys) ||
                   token_verifier_enabled(v) != rows[i].enabled) {
            print_error("%s: %zu keys, enabled=%d\n", rows[i].name,
                        token_verifier_key_count(v), token_verifier_enabled(v));
            failed = 1;
        }
    } else if (v != NULL || strstr(why.text, rows[i].reason) == NULL) {
        print_error("%s: expected \"%s\", got %s \"%s\"\n", rows[i].name,
                    rows[i].reason, v ? "accepted" : "refused", why.text);
        failed = 1;
    }
    token_verifier_free(v);
    fixture_teardown(&f);
    return failed;
}

/* One cmocka test per row, named after it. */
static void test_config_row(void **state)
{
    size_t i = (size_t)(*(const size_t *)*state);

    if (run_config_row(i) != 0)
        fail_msg("%s (see above)", rows[i].name);
}

int main(void)
{
    static size_t index[ROWS(rows)];
    struct CMUnitTest tests[ROWS(rows)];
    size_t i;

    memset(tests, 0, sizeof(tests));
    for (i = 0; i < ROWS(rows); i++) {
        index[i] = i;
        tests[i].name = rows[i].name;
        tests[i].test_func = test_config_row;
        tests[i].initial_state = &index[i];
    }
    return _cmocka_run_group_tests("token configuration", tests, ROWS(rows),
                                   NULL, NULL);
}
