/*
 * compat.c: workarounds for library defects, each tagged COMPAT with the
 * versions it is for. Nothing else lives here.
 */
#include "xmpp/compat.h"

#include <dlfcn.h>
#include <string.h>

#include "base/log.h"

static int refuse_socket(xmpp_conn_t *conn, void *sock)
{
    (void)conn;
    (void)sock;
    return -1;
}

static void ignore_event(xmpp_conn_t *conn, xmpp_conn_event_t event, int error,
                         xmpp_stream_error_t *stream_error, void *userdata)
{
    (void)conn;
    (void)event;
    (void)error;
    (void)stream_error;
    (void)userdata;
}

/* COMPAT: libstrophe 0.12.2 .. 0.14.0, see compat.h. */
int compat_component_sm_state(xmpp_ctx_t *ctx, xmpp_conn_t *conn)
{
    xmpp_conn_t *tmp = NULL;
    xmpp_sm_state_t *sm = NULL;
    int r = -1;

    tmp = xmpp_conn_new(ctx);
    if (tmp == NULL)
        fatalx("out of memory creating a libstrophe connection");
    xmpp_conn_set_jid(tmp, "compat@localhost");
    xmpp_conn_set_flags(tmp, XMPP_CONN_FLAG_DISABLE_TLS);
    xmpp_conn_set_sockopt_callback(tmp, refuse_socket);
    /* Allocates the state, then fails at the refused socket: no packet
     * leaves the machine. The return value is expected to be an error. */
    (void)xmpp_connect_client(tmp, "127.0.0.1", 1, ignore_event, NULL);
    sm = xmpp_conn_get_sm_state(tmp);
    if (sm == NULL) {
        log_errorx("stream: libstrophe did not provide a stream-management state; "
                   "component mode would crash, refusing to connect");
        goto out;
    }
    if (xmpp_conn_set_sm_state(conn, sm) != XMPP_EOK) {
        log_errorx("stream: libstrophe refused the stream-management state");
        xmpp_free_sm_state(sm);
        goto out;
    }
    sm = NULL;
    r = 0;
out:
    xmpp_conn_release(tmp);
    return r;
}

/* COMPAT: libstrophe 0.12.x, see compat.h. */
typedef int (*to_text_fn)(xmpp_stanza_t *, char **, size_t *);

static to_text_fn library_to_text;
static bool quiet;   /* received traffic is not rendered */
static int sending;  /* compat_send() is running */

static to_text_fn find_library_to_text(void)
{
    if (library_to_text == NULL) {
        library_to_text = (to_text_fn)dlsym(RTLD_NEXT, "xmpp_stanza_to_text");
        if (library_to_text == NULL)
            fatalx("libstrophe has no xmpp_stanza_to_text: %s", dlerror());
    }
    return library_to_text;
}

static bool is_traffic(xmpp_stanza_t *stanza)
{
    const char *name = xmpp_stanza_get_name(stanza);

    return name != NULL && (strcmp(name, "iq") == 0 || strcmp(name, "message") == 0 ||
                            strcmp(name, "presence") == 0);
}

int xmpp_stanza_to_text(xmpp_stanza_t *stanza, char **buf, size_t *buflen)
{
    if (quiet && sending == 0 && is_traffic(stanza)) {
        *buf = NULL;
        *buflen = 0;
        return XMPP_EINVOP;
    }
    return find_library_to_text()(stanza, buf, buflen);
}

/* xmpp_version_check(0, m) of 0.12.2 holds for m >= 12, the opposite of
 * what its documentation says: asking about both neighbours is true of
 * 0.12.x under either reading and of no other version. */
static bool library_is_0_12(void)
{
    return xmpp_version_check(0, 12) && xmpp_version_check(0, 11) != xmpp_version_check(0, 13);
}

void compat_quiet_receive(bool on)
{
    (void)find_library_to_text();
    quiet = on && library_is_0_12();
}

void compat_send(xmpp_conn_t *conn, xmpp_stanza_t *stanza)
{
    sending++;
    xmpp_send(conn, stanza);
    sending--;
}
