/*
 * tests/bench/bench_ws.c - the WebSocket join generator of `make bench`.
 *
 * Clients connect the way Jitsi Meet clients do, and the connection is part
 * of what is measured: a TCP connection to Prosody's HTTP port, the
 * WebSocket upgrade of /xmpp-websocket?room=NODE[&token=JWT] (RFC 6455,
 * subprotocol xmpp), XMPP over WebSocket framing (RFC 7395), SASL
 * ANONYMOUS, resource binding, and then the join. One process, one thread,
 * epoll, non-blocking sockets; no XML parser: Prosody sends one stanza per
 * WebSocket message, and the few facts needed (a status code, an error
 * code, the sender, an invitation, a knocker's real JID) are looked up in
 * the text of that message. Outgoing frames carry the all-zero mask key,
 * which RFC 6455 permits the server to read like any other, so the payload
 * goes out unchanged; the generator stays far below Prosody's CPU.
 *
 * First --rooms holders (one per room) connect, join their room and, with
 * --lock, lock it with the owner config form and join its lobby room as the
 * moderator, as the Jitsi Meet client of an owner does. Then --clients
 * clients, --inflight at a time (closed loop), each connect and join room
 * i % rooms:
 *   open    the join's self-presence ends the cycle
 *   knock   the join gets the 407 lobby error, the client joins the lobby
 *           room, the room's holder sees the knocker's presence there and
 *           admits it with a mediated invitation (one <invite/>), the
 *           client joins the main room again; its self-presence there ends
 *           the cycle (then it leaves the lobby room, as lib-jitsi-meet does)
 * Clients stay connected until the end. --token-file puts that token on
 * every client's URL, --holder-token-file on every holder's.
 *
 * Prints one line "RESULT key=value ..." with the rate (cycles/s, from the
 * first connect to the last completion), latency percentiles (from each
 * client's connect), the messages clients sent and received per cycle, and
 * the CPU time of this process and of --prosody-pid / --lobbyd-pid over
 * the measured phase. Never fails on speed: exit status 1 only when the
 * workload could not run.
 *
 * --signal-prosody sends --prosody-pid SIGUSR1 as the measured phase starts
 * and SIGUSR2 as it ends: tests/bench/mod_bench_profile.lua takes them as
 * the window of its profile.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/bench/benchutil.h"

#define NS_MUC "http://jabber.org/protocol/muc"
#define NS_MUC_USER "http://jabber.org/protocol/muc#user"
#define JID_MAX 256
#define TOKEN_MAX 8192
#define SETUP_IN_FLIGHT 50  /* holders connecting at once */
#define ERRORS_SHOWN 3

enum role { HOLDER, CLIENT };
enum state {
    S_CONNECT, S_HTTP, S_FEATURES1, S_AUTH, S_FEATURES2, S_BIND,
    S_JOIN, S_LOCK, S_LOBBY, S_KNOCK, S_WAIT, S_REJOIN, S_IDLE, S_FAILED
};

struct buf {
    char *p;
    size_t len, cap;
};

struct conn {
    int fd;
    enum role role;
    enum state state;
    int idx, room;
    bool want_out;
    struct buf in, out, msg;
    char jid[JID_MAX];
    char nick[32];
    double t0;
};

static struct {
    int port, rooms, clients, inflight, prosody_pid, lobbyd_pid;
    bool lock, knock, signal_prosody;
    const char *label, *domain, *muc, *lobby;
    double timeout;
    char token[TOKEN_MAX], holder_token[TOKEN_MAX];
} o = {
    .rooms = 100, .clients = 1000, .inflight = 200, .label = "ws",
    .domain = "meet.test", .muc = "conference.meet.test", .lobby = "lobby.meet.test",
    .timeout = 120,
};

static int ep;
static bool trace;              /* BENCH_WS_TRACE=1: every message to stderr */
static struct conn *conns;     /* holders first, then clients */
static int n_conns;
static int started, finished, failed, holders_ready, errors_shown;
static long msgs_in, msgs_out;
static double *latencies;
static int n_lat;

static void buf_add(struct buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        char *np;

        while (cap < b->len + n)
            cap *= 2;
        np = realloc(b->p, cap);
        if (np == NULL)
            bench_die("out of memory");
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void buf_drop(struct buf *b, size_t n)
{
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

static void fail(struct conn *c, const char *why, const char *detail)
{
    if (c->state == S_FAILED)
        return;
    if (errors_shown++ < ERRORS_SHOWN)
        fprintf(stderr, "bench_ws: %s %d: %s%s%.300s\n", c->role == HOLDER ? "holder" : "client",
                c->idx, why, detail ? ": " : "", detail ? detail : "");
    c->state = S_FAILED;
    failed++;
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
}

static void set_events(struct conn *c)
{
    struct epoll_event ev = { .events = EPOLLIN | (c->want_out ? EPOLLOUT : 0u), .data.ptr = c };

    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0)
        bench_die("epoll_ctl");
}

static void flush_out(struct conn *c)
{
    while (c->out.len > 0) {
        ssize_t w = send(c->fd, c->out.p, c->out.len, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            break;
        if (w <= 0) {
            fail(c, "send failed", strerror(errno));
            return;
        }
        buf_drop(&c->out, (size_t)w);
    }
    if ((c->out.len > 0) != c->want_out) {
        c->want_out = c->out.len > 0;
        set_events(c);
    }
}

/* One client-to-server text frame; the mask key is zero, so the payload is
 * sent as it is. */
static void send_text(struct conn *c, const char *s)
{
    size_t n = strlen(s);
    unsigned char h[8];
    size_t hl = 0;

    h[hl++] = 0x81;
    if (n < 126) {
        h[hl++] = (unsigned char)(0x80 | n);
    } else {
        h[hl++] = 0x80 | 126;
        h[hl++] = (unsigned char)(n >> 8);
        h[hl++] = (unsigned char)n;
    }
    memset(h + hl, 0, 4);
    hl += 4;
    buf_add(&c->out, h, hl);
    buf_add(&c->out, s, n);
    msgs_out++;
    if (trace)
        fprintf(stderr, "%s%d -> %s\n", c->role == HOLDER ? "h" : "c", c->idx, s);
    flush_out(c);
}

/* The value of attribute NAME in the first tag of message S, into OUT. */
static bool first_attr(const char *s, const char *name, char *out, size_t size)
{
    const char *end = strchr(s, '>');
    size_t nl = strlen(name);

    for (const char *p = s; end && (p = strstr(p, name)) != NULL && p < end; p += nl) {
        const char *q, *close;
        size_t len;

        if (p == s || p[-1] != ' ' || p[nl] != '=' || (p[nl + 1] != '\'' && p[nl + 1] != '"'))
            continue;
        q = p + nl + 2;
        close = strchr(q, p[nl + 1]);
        if (close == NULL || (len = (size_t)(close - q)) >= size)
            return false;
        memcpy(out, q, len);
        out[len] = '\0';
        return true;
    }
    return false;
}

/* Whether S contains NAME='VALUE' (either quote). */
static bool has_attr(const char *s, const char *name, const char *value)
{
    char a[128], b[128];

    bench_fmt(a, sizeof(a), " %s='%s'", name, value);
    bench_fmt(b, sizeof(b), " %s=\"%s\"", name, value);
    return strstr(s, a) != NULL || strstr(s, b) != NULL;
}

static bool from_room(const char *s, const char *node, const char *domain)
{
    char from[JID_MAX], want[JID_MAX];

    if (!first_attr(s, "from", from, sizeof(from)))
        return false;
    bench_fmt(want, sizeof(want), "%s@%s", node, domain);
    return strncmp(from, want, strlen(want)) == 0 && (from[strlen(want)] == '/' || from[strlen(want)] == '\0');
}

static void room_node(int room, char *buf, size_t size)
{
    bench_fmt(buf, size, "bench%03d", room);
}

static const char *caps =
    "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' "
    "node='https://jitsi.org/jitsi-meet' ver='/LxjVAUjW56LWSj9lRquSYt35Ho='/>";

/* A join shaped like lib-jitsi-meet's (tests/integration/lib/client.mjs). */
static void send_join(struct conn *c, const char *domain)
{
    char node[32], buf[1024];

    room_node(c->room, node, sizeof(node));
    bench_fmt(buf, sizeof(buf),
              "<presence to='%s@%s/%s' xmlns='jabber:client'><x xmlns='" NS_MUC "'/>"
              "<stats-id>Stats%s</stats-id>%s"
              "<jitsi_participant_codecType>vp8</jitsi_participant_codecType>"
              "<nick xmlns='http://jabber.org/protocol/nick'>Guest %s</nick></presence>",
              node, domain, c->nick, c->nick, caps, c->nick);
    send_text(c, buf);
}

static void send_open(struct conn *c)
{
    char buf[256];

    bench_fmt(buf, sizeof(buf),
              "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='%s' version='1.0'/>", o.domain);
    send_text(c, buf);
}

static void start(struct conn *c)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)o.port) };
    struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
    int one = 1;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->t0 = bench_now_s();
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        bench_die("socket (raise ulimit -n?)");
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
        fail(c, "connect failed", strerror(errno));
        return;
    }
    c->state = S_CONNECT;
    c->want_out = true;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0)
        bench_die("epoll_ctl add");
}

static void send_upgrade(struct conn *c)
{
    const char *token = c->role == HOLDER ? o.holder_token : o.token;
    char node[32];
    struct buf req = { 0 };
    char head[512];

    room_node(c->room, node, sizeof(node));
    bench_fmt(head, sizeof(head), "GET /xmpp-websocket?room=%s%s", node, token[0] ? "&token=" : "");
    buf_add(&req, head, strlen(head));
    buf_add(&req, token, strlen(token));
    bench_fmt(head, sizeof(head),
              " HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: bG9iYnlkLWJlbmNoLWtleQ==\r\nSec-WebSocket-Version: 13\r\n"
              "Sec-WebSocket-Protocol: xmpp\r\nOrigin: http://127.0.0.1\r\n\r\n", o.port);
    buf_add(&req, head, strlen(head));
    buf_add(&c->out, req.p, req.len);
    free(req.p);
    c->state = S_HTTP;
    flush_out(c);
}

static void done(struct conn *c)
{
    c->state = S_IDLE;
    if (c->role == HOLDER) {
        holders_ready++;
        return;
    }
    latencies[n_lat++] = (bench_now_s() - c->t0) * 1000.0;
    finished++;
}

static void send_lock(struct conn *c)
{
    char node[32], buf[1024];

    room_node(c->room, node, sizeof(node));
    bench_fmt(buf, sizeof(buf),
              "<iq type='set' to='%s@%s' id='cfg' xmlns='jabber:client'>"
              "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>"
              "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>"
              "<field var='muc#roomconfig_membersonly'><value>true</value></field>"
              "</x></query></iq>", node, o.muc);
    send_text(c, buf);
}

/* The room's holder admits a knocker it sees in the lobby room. */
static void holder_sees(struct conn *c, const char *m)
{
    char node[32], who[JID_MAX], buf[1024];
    const char *item;

    room_node(c->room, node, sizeof(node));
    if (strncmp(m, "<presence", 9) != 0 || has_attr(m, "type", "unavailable") || !from_room(m, node, o.lobby))
        return;
    item = strstr(m, "<item ");
    if (item == NULL || !first_attr(item, "jid", who, sizeof(who)) || strcmp(who, c->jid) == 0)
        return;
    bench_fmt(buf, sizeof(buf),
              "<message to='%s@%s' id='inv-%d' xmlns='jabber:client'><x xmlns='" NS_MUC_USER "'>"
              "<invite to='%s'/></x></message>", node, o.muc, c->idx, who);
    send_text(c, buf);
}

static void on_message(struct conn *c, const char *m)
{
    char node[32];
    bool presence = strncmp(m, "<presence", 9) == 0;
    bool self = presence && has_attr(m, "code", "110");

    msgs_in++;
    if (trace)
        fprintf(stderr, "%s%d <- %s\n", c->role == HOLDER ? "h" : "c", c->idx, m);
    if (strncmp(m, "<stream:error", 13) == 0 || strncmp(m, "<close", 6) == 0) {
        fail(c, "stream closed by the server", m);
        return;
    }
    room_node(c->room, node, sizeof(node));
    switch (c->state) {
    case S_FEATURES1:
        if (strstr(m, "<mechanisms") != NULL) {
            send_text(c, "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
            c->state = S_AUTH;
        }
        break;
    case S_AUTH:
        if (strncmp(m, "<success", 8) == 0) {
            send_open(c);
            c->state = S_FEATURES2;
        } else if (strncmp(m, "<failure", 8) == 0) {
            fail(c, "SASL ANONYMOUS refused", m);
        }
        break;
    case S_FEATURES2:
        if (strstr(m, "<bind") != NULL) {
            send_text(c, "<iq type='set' id='bind' xmlns='jabber:client'>"
                         "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
            c->state = S_BIND;
        }
        break;
    case S_BIND: {
        const char *j = strstr(m, "<jid>"), *e = j ? strstr(j, "</jid>") : NULL;

        if (j == NULL || e == NULL || (size_t)(e - j - 5) >= sizeof(c->jid)) {
            fail(c, "no JID in the bind result", m);
            break;
        }
        memcpy(c->jid, j + 5, (size_t)(e - j - 5));
        c->jid[e - j - 5] = '\0';
        c->state = S_JOIN;
        send_join(c, o.muc);
        break;
    }
    case S_JOIN:
    case S_REJOIN:
        if (!presence || !from_room(m, node, o.muc))
            break;
        if (has_attr(m, "type", "error")) {
            if (c->state == S_JOIN && o.knock && c->role == CLIENT && has_attr(m, "code", "407")) {
                c->state = S_KNOCK;
                send_join(c, o.lobby);
            } else {
                fail(c, "join refused", m);
            }
        } else if (self) {
            if (c->role == HOLDER && o.lock) {
                c->state = S_LOCK;
                send_lock(c);
                break;
            }
            if (c->state == S_REJOIN) {
                char buf[256];

                bench_fmt(buf, sizeof(buf),
                          "<presence to='%s@%s/%s' type='unavailable' xmlns='jabber:client'/>",
                          node, o.lobby, c->nick);
                send_text(c, buf);
            }
            done(c);
        }
        break;
    case S_LOCK:
        if (strncmp(m, "<iq", 3) == 0 && has_attr(m, "id", "cfg")) {
            if (!has_attr(m, "type", "result")) {
                fail(c, "lock refused", m);
                break;
            }
            c->state = S_LOBBY;
            send_join(c, o.lobby);
        }
        break;
    case S_LOBBY:
    case S_KNOCK:
        if (c->state == S_KNOCK && !presence)
            goto waiting; /* the invitation overtook the lobby's self-presence */
        if (!presence || !from_room(m, node, o.lobby))
            break;
        if (has_attr(m, "type", "error"))
            fail(c, c->state == S_KNOCK ? "knock refused" : "moderator refused in the lobby", m);
        else if (self && c->state == S_LOBBY)
            done(c);
        else if (self)
            c->state = S_WAIT;
        break;
    case S_WAIT:
    waiting:
        if (strncmp(m, "<message", 8) == 0 && strstr(m, "<invite") != NULL && from_room(m, node, o.muc)) {
            c->state = S_REJOIN;
            send_join(c, o.muc);
        }
        break;
    case S_IDLE:
        if (c->role == HOLDER && o.knock)
            holder_sees(c, m);
        break;
    default:
        break;
    }
}

/* Frames in c->in: text messages to on_message(), pings answered. */
static void on_frames(struct conn *c)
{
    while (c->in.len >= 2 && c->state != S_FAILED) {
        const unsigned char *h = (const unsigned char *)c->in.p;
        size_t hl = 2, n = h[1] & 0x7f;
        int op = h[0] & 0x0f;
        bool fin = (h[0] & 0x80) != 0;

        if (h[1] & 0x80) {
            fail(c, "masked frame from the server", NULL);
            return;
        }
        if (n == 126) {
            if (c->in.len < 4)
                return;
            n = ((size_t)h[2] << 8) | h[3];
            hl = 4;
        } else if (n == 127) {
            if (c->in.len < 10)
                return;
            n = 0;
            for (int i = 2; i < 10; i++)
                n = (n << 8) | h[i];
            hl = 10;
        }
        if (c->in.len < hl + n)
            return;
        if (op == 0 || op == 1) {
            buf_add(&c->msg, c->in.p + hl, n);
            if (fin) {
                buf_add(&c->msg, "", 1);
                on_message(c, c->msg.p);
                c->msg.len = 0;
            }
        } else if (op == 9) {
            unsigned char pong[6] = { 0x8a, 0x80, 0, 0, 0, 0 };

            if (n < 126) {
                pong[1] = (unsigned char)(0x80 | n);
                buf_add(&c->out, pong, 6);
                buf_add(&c->out, c->in.p + hl, n);
                flush_out(c);
            }
        } else if (op == 8) {
            fail(c, "WebSocket closed by the server", NULL);
            return;
        }
        if (c->state == S_FAILED)
            return;
        buf_drop(&c->in, hl + n);
    }
}

static void on_readable(struct conn *c)
{
    char tmp[16384];

    for (;;) {
        ssize_t r = recv(c->fd, tmp, sizeof(tmp), 0);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN)
            break;
        if (r <= 0) {
            fail(c, "connection closed", r < 0 ? strerror(errno) : NULL);
            return;
        }
        buf_add(&c->in, tmp, (size_t)r);
    }
    if (c->state == S_HTTP) {
        char *end;

        buf_add(&c->in, "", 1);
        end = strstr(c->in.p, "\r\n\r\n");
        c->in.len--;
        if (end == NULL)
            return;
        if (strncmp(c->in.p, "HTTP/1.1 101", 12) != 0) {
            *end = '\0';
            fail(c, "WebSocket upgrade refused", c->in.p);
            return;
        }
        buf_drop(&c->in, (size_t)(end + 4 - c->in.p));
        c->state = S_FEATURES1;
        send_open(c);
    }
    on_frames(c);
}

static void on_event(struct conn *c, uint32_t events)
{
    if (c->state == S_FAILED)
        return;
    if (c->state == S_CONNECT) {
        int err = 0;
        socklen_t len = sizeof(err);

        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            fail(c, "connect failed", strerror(err));
            return;
        }
        send_upgrade(c);
        return;
    }
    if (events & EPOLLOUT)
        flush_out(c);
    if (c->state != S_FAILED && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        on_readable(c);
}

static void loop_once(int ms)
{
    struct epoll_event evs[256];
    int n = epoll_wait(ep, evs, 256, ms);

    if (n < 0 && errno != EINTR)
        bench_die("epoll_wait");
    for (int i = 0; i < n; i++)
        on_event(evs[i].data.ptr, evs[i].events);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double pct(double p)
{
    size_t i;

    if (n_lat == 0)
        return -1;
    i = (size_t)(p / 100.0 * (double)(n_lat - 1) + 0.5);
    return latencies[i];
}

static void read_token(const char *path, char *out)
{
    FILE *f = fopen(path, "r");
    size_t n;

    if (f == NULL)
        bench_die("cannot open a token file");
    n = fread(out, 1, TOKEN_MAX - 1, f);
    fclose(f);
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
        n--;
    out[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!((out[i] >= 'A' && out[i] <= 'Z') || (out[i] >= 'a' && out[i] <= 'z') ||
              (out[i] >= '0' && out[i] <= '9') || out[i] == '-' || out[i] == '_' || out[i] == '.'))
            bench_die("a token file holds something other than a compact JWT");
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_ws --port HTTP_PORT --scenario open|knock [--lock] [--rooms N]\n"
            "       [--clients N] [--inflight N] [--token-file F] [--holder-token-file F]\n"
            "       [--label L] [--prosody-pid P] [--lobbyd-pid P] [--timeout S]\n"
            "       [--signal-prosody]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    double deadline, t_start, t_end = 0, c_self, c_pro, c_lob;
    int next = 0;

    bench_program = "bench_ws";
    trace = getenv("BENCH_WS_TRACE") != NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--lock") == 0) {
            o.lock = true;
            continue;
        }
        if (strcmp(a, "--signal-prosody") == 0) {
            o.signal_prosody = true;
            continue;
        }
        if (v == NULL)
            usage();
        i++;
        if (strcmp(a, "--port") == 0)
            o.port = (int)bench_num_arg(v, 1, 65535, "--port");
        else if (strcmp(a, "--scenario") == 0) {
            if (strcmp(v, "knock") == 0)
                o.knock = o.lock = true;
            else if (strcmp(v, "open") != 0)
                usage();
        } else if (strcmp(a, "--rooms") == 0)
            o.rooms = (int)bench_num_arg(v, 1, 1000, "--rooms");
        else if (strcmp(a, "--clients") == 0)
            o.clients = (int)bench_num_arg(v, 1, 20000, "--clients");
        else if (strcmp(a, "--inflight") == 0)
            o.inflight = (int)bench_num_arg(v, 1, 5000, "--inflight");
        else if (strcmp(a, "--token-file") == 0)
            read_token(v, o.token);
        else if (strcmp(a, "--holder-token-file") == 0)
            read_token(v, o.holder_token);
        else if (strcmp(a, "--label") == 0)
            o.label = v;
        else if (strcmp(a, "--prosody-pid") == 0)
            o.prosody_pid = (int)bench_num_arg(v, 1, 1 << 30, "--prosody-pid");
        else if (strcmp(a, "--lobbyd-pid") == 0)
            o.lobbyd_pid = (int)bench_num_arg(v, 1, 1 << 30, "--lobbyd-pid");
        else if (strcmp(a, "--timeout") == 0)
            o.timeout = (double)bench_num_arg(v, 1, 3600, "--timeout");
        else
            usage();
    }
    if (o.port == 0)
        usage();
    if (o.signal_prosody && o.prosody_pid == 0)
        bench_die("--signal-prosody needs --prosody-pid");
    if (o.lock && o.holder_token[0] == '\0')
        bench_die("--lock needs --holder-token-file (an owner token for the holders)");

    ep = epoll_create1(EPOLL_CLOEXEC);
    n_conns = o.rooms + o.clients;
    conns = calloc((size_t)n_conns, sizeof(*conns));
    latencies = calloc((size_t)o.clients, sizeof(*latencies));
    if (ep < 0 || conns == NULL || latencies == NULL)
        bench_die("setup failed");
    for (int i = 0; i < n_conns; i++) {
        struct conn *c = &conns[i];

        c->fd = -1;
        c->role = i < o.rooms ? HOLDER : CLIENT;
        c->idx = i < o.rooms ? i : i - o.rooms;
        c->room = i < o.rooms ? i : c->idx % o.rooms;
        bench_fmt(c->nick, sizeof(c->nick), "%c%05d", c->role == HOLDER ? 'h' : 'c', c->idx);
        c->state = S_IDLE;
    }

    /* Holders: not measured. */
    deadline = bench_now_s() + o.timeout;
    while (holders_ready + failed < o.rooms && bench_now_s() < deadline) {
        while (next < o.rooms && next - holders_ready - failed < SETUP_IN_FLIGHT)
            start(&conns[next++]);
        loop_once(50);
    }
    if (holders_ready < o.rooms) {
        fprintf(stderr, "bench_ws: only %d of %d holders ready\n", holders_ready, o.rooms);
        return 1;
    }

    /* The measured phase. */
    if (o.signal_prosody) {
        /* Let Prosody take the signal (and log it) before its CPU is read. */
        if (kill(o.prosody_pid, SIGUSR1) != 0)
            bench_die("cannot signal Prosody");
        loop_once(100);
    }
    c_self = bench_self_cpu();
    c_pro = o.prosody_pid ? bench_proc_cpu(o.prosody_pid) : -1;
    c_lob = o.lobbyd_pid ? bench_proc_cpu(o.lobbyd_pid) : -1;
    msgs_in = msgs_out = 0;
    t_start = bench_now_s();
    deadline = t_start + o.timeout;
    while (finished + (failed) < o.clients && bench_now_s() < deadline) {
        while (started < o.clients && started - finished - failed < o.inflight)
            start(&conns[o.rooms + started++]);
        loop_once(50);
    }
    t_end = bench_now_s();
    c_self = bench_self_cpu() - c_self;
    c_pro = c_pro >= 0 ? bench_proc_cpu(o.prosody_pid) - c_pro : -1;
    c_lob = c_lob >= 0 ? bench_proc_cpu(o.lobbyd_pid) - c_lob : -1;
    if (o.signal_prosody && kill(o.prosody_pid, SIGUSR2) != 0)
        bench_die("cannot signal Prosody");

    qsort(latencies, (size_t)n_lat, sizeof(*latencies), cmp_double);
    printf("RESULT label=%s transport=websocket clients=%d inflight=%d rooms=%d done=%d failed=%d "
           "secs=%.3f rate=%.1f p50_ms=%.1f p99_ms=%.1f msgs_in_per=%.1f msgs_out_per=%.1f "
           "cpu_gen=%.3f cpu_prosody=%.3f cpu_lobbyd=%.3f\n",
           o.label, o.clients, o.inflight, o.rooms, finished, failed, t_end - t_start,
           finished / (t_end - t_start), pct(50), pct(99),
           finished ? (double)msgs_in / finished : 0, finished ? (double)msgs_out / finished : 0,
           c_self, c_pro, c_lob);
    fflush(stdout);
    for (int i = 0; i < n_conns; i++) {
        if (conns[i].fd >= 0)
            close(conns[i].fd);
        free(conns[i].in.p);
        free(conns[i].out.p);
        free(conns[i].msg.p);
    }
    free(conns);
    free(latencies);
    return finished == o.clients ? 0 : 1;
}
