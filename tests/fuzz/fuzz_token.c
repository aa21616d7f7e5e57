/*
 * tests/fuzz/fuzz_token.c - libFuzzer target for token_verify(), the same
 * function the unit tests and the corpus call, with the same set-up as the
 * corpus (tests/unit/jwt/jwt_fixture.h; run from the top of the tree).
 *
 * The first input byte picks a mode:
 *   even: the rest is a token as it would arrive from a client;
 *   odd:  the rest is "HEADER-JSON\n PAYLOAD-JSON", which this harness
 *         signs with the test HS256 secret, so that the claim code behind
 *         the signature check is reached too.
 * Bit 1 of the first byte drops the room to check (room NULL).  The other
 * functions that read outside input (base64url, UTF-8 lower-casing, room
 * matching) get the raw bytes as well.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jwt/claims.h"
#include "jwt/token.h"
#include "tests/unit/jwt/jwt_fixture.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fixture fix;
static struct token_verifier *verifier;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct token_reason why;

    (void)argc;
    (void)argv;
    if (fixture_setup(&fix) != 0) {
        fprintf(stderr, "fuzz_token: run from the top of the source tree\n");
        abort();
    }
    verifier = token_verifier_new(&fix.cfg, &why);
    if (verifier == NULL) {
        fprintf(stderr, "fuzz_token: %s\n", why.text);
        abort();
    }
    /* The secrets are in memory now; the temp copies can go. */
    fixture_teardown(&fix);
    return 0;
}

static void verify(const char *token, size_t len, const char *room)
{
    struct token_claims claims;
    struct token_reason why;
    enum token_status st;

    st = token_verify(verifier, token, len, room, FIXTURE_NOW_S, &claims, &why);
    if (st == TOKEN_VALID && claims.iss == NULL)
        abort(); /* a valid token always has an accepted iss */
    if (strlen(why.text) >= sizeof(why.text))
        abort();
    token_claims_clear(&claims);
}

/* Odd mode: sign "header\npayload" with the test secret and verify. */
static void verify_signed(const char *text, size_t len, const char *room)
{
    static char token[FIXTURE_MAX_TOKEN * 2];
    char *copy, *nl;

    copy = malloc(len + 1);
    if (copy == NULL)
        return;
    memcpy(copy, text, len);
    copy[len] = '\0';
    nl = strchr(copy, '\n');
    if (nl != NULL) {
        *nl = '\0';
        if (fixture_token(copy, nl + 1, "HS256", FIXTURE_KEYS "/hs.secret",
                          token, sizeof(token)) == 0)
            verify(token, strlen(token), room);
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char buf[TOKEN_MAX_BYTES];
    char lower[2 * TOKEN_MAX_FIELD_BYTES + 1], *text;
    const char *room;
    size_t n;

    if (size == 0)
        return 0;
    room = (data[0] & 2) != 0 ? NULL : "myroom";
    if ((data[0] & 1) != 0)
        verify_signed((const char *)data + 1, size - 1, room);
    else
        verify((const char *)data + 1, size - 1, room);

    (void)token_b64url_decode((const char *)data + 1, size - 1, buf,
                              sizeof(buf), &n);
    if (size - 1 <= TOKEN_MAX_FIELD_BYTES) {
        (void)claims_utf8_lower((const char *)data + 1, size - 1, lower,
                                sizeof(lower));
        text = strndup((const char *)data + 1, size - 1);
        if (text != NULL) {
            (void)claims_room_matches(text, "myroom");
            (void)claims_room_matches("myroom", text);
            free(text);
        }
    }
    return 0;
}
