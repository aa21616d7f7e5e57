/*
 * compat.c: workarounds for library defects, each tagged COMPAT with the
 * versions it is for. Nothing else lives here.
 */
#include "xmpp/compat.h"

#include "component/log.h"

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
