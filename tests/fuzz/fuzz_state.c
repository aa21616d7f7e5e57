/*
 * fuzz_state.c: libFuzzer target for lobby_restore(), the reader of the
 * state file lobbyd writes (lobby/snapshot.c). Whatever the input, the
 * reader must refuse it with a reason or accept it; and what it accepts,
 * saved again, must read back to the same text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lobby/lobby.h"
#include "tests/unit/lobby/lobby_fixture.h"

#define NOW_MS 5000000u
#define WALL_MS 1800000000000

static struct lobby *new_lobby(void)
{
    return fixture_lobby(60000, 30000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lobby *lb = new_lobby(), *again;
    char why[256], *text = NULL, *text2 = NULL;
    size_t len, len2;

    why[0] = '\0';
    if (lobby_restore(lb, (const char *)data, size, NOW_MS, WALL_MS, why, sizeof(why)) != 0) {
        if (why[0] == '\0')
            abort();                   /* a refusal always says why */
        lobby_free(lb);
        return 0;
    }
    if (lobby_save(lb, NOW_MS, WALL_MS, &text, &len) != 0)
        abort();
    again = new_lobby();
    if (lobby_restore(again, text, len, NOW_MS, WALL_MS, why, sizeof(why)) != 0) {
        fprintf(stderr, "saved state not readable: %s\n%s", why, text);
        abort();
    }
    if (lobby_save(again, NOW_MS, WALL_MS, &text2, &len2) != 0 || len2 != len)
        abort();
    free(text);
    free(text2);
    lobby_free(again);
    lobby_free(lb);
    return 0;
}
