/*
 * tests/fuzz/fuzz_webhook_url.c - libFuzzer target for the webhook_url
 * checks of component/webhook_queue.c, on every input:
 * - webhook_url_problem() and webhook_url_for_log() never read or write
 *   out of bounds (ASan) and always terminate the output;
 * - for a URL lobbyd accepts, the logged form keeps no credentials (no '@'
 *   before the path) and nothing from '?' or '#' on.
 * Any breach aborts, so the fuzzer reports it as a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/webhook_queue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void breach(const char *what, const char *url, const char *logged)
{
    fprintf(stderr, "fuzz_webhook_url: %s: \"%s\" logged as \"%s\"\n", what, url, logged);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *url = malloc(size + 1);
    char logged[64];
    const char *authority, *end;

    if (url == NULL)
        return 0;
    memcpy(url, data, size);
    url[size] = '\0';
    webhook_url_for_log(url, logged, sizeof(logged));
    if (strlen(logged) >= sizeof(logged))
        breach("unterminated", url, logged);
    if (webhook_url_problem(url) == NULL) {
        authority = strstr(logged, "://");
        if (authority == NULL)
            breach("no scheme", url, logged);
        authority += 3;
        end = strchr(authority, '/');
        if (memchr(authority, '@', end != NULL ? (size_t)(end - authority) : strlen(authority)))
            breach("credentials kept", url, logged);
        /* An accepted URL has no control character, so no '?' stands for one. */
        if (strpbrk(logged, "?#") != NULL)
            breach("query or fragment kept", url, logged);
    }
    free(url);
    return 0;
}
