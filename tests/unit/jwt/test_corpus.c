/*
 * tests/unit/jwt/test_corpus.c - runs every token of the hostile corpus in
 * tests/data/tokens/ through token_verify() with the fixed set-up the
 * corpus was generated for (see tests/data/tokens/generate): room
 * "myroom", now_s 2000000000.  Each NNN-name.jwt is one cmocka test named
 * after its file; NNN-name.expect gives the status, a reason substring and
 * optional owner=/bypass=/affiliation=/name= lines for valid tokens.
 *
 * It does not build tokens itself: the generator is a separate program
 * (bash + openssl), which is the point of a corpus.
 */
#include <dirent.h>
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

#define CORPUS_DIR "tests/data/tokens"
#define CORPUS_MIN_CASES 45
#define CORPUS_MAX_CASES 512

static struct fixture fix;
static struct token_verifier *verifier;
static char *case_names[CORPUS_MAX_CASES];

static const char *affiliation_name(enum token_affiliation a)
{
    return a == TOKEN_AFFILIATION_OWNER    ? "owner"
           : a == TOKEN_AFFILIATION_MEMBER ? "member"
                                           : "none";
}

/* Checks one "key=value" line of an .expect file against 'c'. */
static void check_claim_line(const char *name, const char *line,
                             const struct token_claims *c)
{
    char got[128];

    if (strncmp(line, "owner=", 6) == 0)
        snprintf(got, sizeof(got), "owner=%d", c->owner);
    else if (strncmp(line, "bypass=", 7) == 0)
        snprintf(got, sizeof(got), "bypass=%d", c->bypass);
    else if (strncmp(line, "affiliation=", 12) == 0)
        snprintf(got, sizeof(got), "affiliation=%s",
                 affiliation_name(c->affiliation));
    else if (strncmp(line, "name=", 5) == 0)
        snprintf(got, sizeof(got), "name=%s", c->name ? c->name : "(null)");
    else
        snprintf(got, sizeof(got), "unknown expect line");
    if (strcmp(got, line) != 0)
        fail_msg("%s: expected %s, got %s", name, line, got);
}

static void test_corpus_case(void **state)
{
    const char *name = *state;
    char path[512], *token, *expect, *line, *next;
    struct token_claims claims;
    struct token_reason why;
    enum token_status st;
    size_t len = 0, elen = 0;
    int n;

    n = snprintf(path, sizeof(path), "%s/%s.jwt", CORPUS_DIR, name);
    assert_true(n > 0 && (size_t)n < sizeof(path));
    token = fixture_read_file(path, &len);
    assert_non_null(token);
    snprintf(path, sizeof(path), "%s/%s.expect", CORPUS_DIR, name);
    expect = fixture_read_file(path, &elen);
    if (expect == NULL)
        fail_msg("%s: no .expect file", name);

    st = token_verify(verifier, token, len, "myroom", FIXTURE_NOW_S, &claims,
                      &why);

    line = expect;
    next = strchr(line, '\n');
    assert_non_null(next);
    *next = '\0';
    if (strcmp(token_status_name(st), line) != 0)
        fail_msg("%s: expected %s, got %s: %s", name, line,
                 token_status_name(st), why.text);
    line = next + 1;
    next = strchr(line, '\n');
    assert_non_null(next);
    *next = '\0';
    if (strstr(why.text, line) == NULL)
        fail_msg("%s: reason \"%s\" lacks \"%s\"", name, why.text, line);
    for (line = next + 1; *line != '\0'; line = next + 1) {
        next = strchr(line, '\n');
        assert_non_null(next);
        *next = '\0';
        check_claim_line(name, line, &claims);
    }
    if (st == TOKEN_VALID) {
        char fp[TOKEN_FINGERPRINT_SIZE];

        token_fingerprint(token, len, fp);
        assert_string_equal(fp, claims.fingerprint);
    }
    token_claims_clear(&claims);
    free(token);
    free(expect);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects the case names (file names without ".jwt"), sorted. */
static size_t collect_cases(void)
{
    DIR *d = opendir(CORPUS_DIR);
    struct dirent *de;
    size_t n = 0, len;

    if (d == NULL)
        return 0;
    while ((de = readdir(d)) != NULL && n < CORPUS_MAX_CASES) {
        len = strlen(de->d_name);
        if (len > 4 && strcmp(de->d_name + len - 4, ".jwt") == 0)
            case_names[n++] = strndup(de->d_name, len - 4);
    }
    closedir(d);
    qsort(case_names, n, sizeof(case_names[0]), name_cmp);
    return n;
}

int main(void)
{
    struct CMUnitTest *tests;
    struct token_reason why;
    size_t n, i;
    int failed;

    if (fixture_setup(&fix) != 0) {
        fprintf(stderr, "test_corpus: cannot set up the test keys\n");
        return 1;
    }
    verifier = token_verifier_new(&fix.cfg, &why);
    if (verifier == NULL) {
        fprintf(stderr, "test_corpus: verifier: %s\n", why.text);
        return 1;
    }
    n = collect_cases();
    if (n < CORPUS_MIN_CASES) {
        fprintf(stderr, "test_corpus: %zu cases in %s, at least %d expected\n",
                n, CORPUS_DIR, CORPUS_MIN_CASES);
        return 1;
    }
    tests = calloc(n, sizeof(*tests));
    if (tests == NULL)
        return 1;
    for (i = 0; i < n; i++) {
        tests[i].name = case_names[i];
        tests[i].test_func = test_corpus_case;
        tests[i].initial_state = case_names[i];
    }
    failed = _cmocka_run_group_tests("token corpus", tests, n, NULL, NULL);
    free(tests);
    for (i = 0; i < n; i++)
        free(case_names[i]);
    token_verifier_free(verifier);
    fixture_teardown(&fix);
    return failed;
}
