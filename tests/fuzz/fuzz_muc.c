/*
 * fuzz_muc.c: the parsers of what clients send lobbyd (lobby-room presence,
 * message, muc#admin IQ, send-back, the admin commands) on arbitrary bytes,
 * through the same functions the stream uses; a parsed command is answered
 * too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <strophe.h>

#include "xmpp/adhoc.h"
#include "xmpp/muc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static xmpp_ctx_t *ctx;
    char *text = malloc(size + 1);
    xmpp_stanza_t *st;
    struct muc_request rq;
    char why[MUC_WHY_MAX];

    if (ctx == NULL) {
        xmpp_initialize();
        ctx = xmpp_ctx_new(NULL, NULL);
    }
    memcpy(text, data, size);
    text[size] = '\0';
    st = xmpp_stanza_new_from_string(ctx, text);
    free(text);
    if (st == NULL)
        return 0;
    if (strcmp(xmpp_stanza_get_name(st), "presence") == 0)
        (void)muc_parse_presence(st, &rq, why);
    else if (strcmp(xmpp_stanza_get_name(st), "message") == 0)
        (void)muc_parse_message(st, &rq, why);
    else {
        struct adhoc_request cmd;
        struct adhoc_reply reply = { .status = ADHOC_COMPLETED, .note = "fuzz" };
        char cwhy[ADHOC_WHY_MAX];

        (void)muc_parse_admin(st, &rq, why);
        (void)muc_parse_moderation(st, &rq, why);
        if (adhoc_parse(st, &cmd, cwhy) == 0)
            xmpp_stanza_release(adhoc_render(st, "lobby.meet.test", &cmd, &reply, "s"));
    }
    xmpp_stanza_release(st);
    return 0;
}
