/*
 * tests/bench/bench_load.c - the join-path load generator of `make bench`.
 *
 * Many libstrophe client connections on one event loop (one process per
 * scenario; the approve-all scenario forks a few guest processes because
 * libstrophe waits in select(), so one process stays below 1024 sockets).
 * Every connection speaks c2s over TCP with SASL ANONYMOUS to a private
 * stack (tests/stack/stack-up) and sends joins shaped like lib-jitsi-meet's.
 *
 * Scenarios (--scenario):
 *   plain    join rooms that have no lobby (baselines a and b)
 *   token    each connection first hands its JWT to the bench-only Prosody
 *            module tests/bench/mod_bench_token.lua (which sets
 *            session.auth_token, the field Jitsi's token module sets and
 *            the bridge prefers), then joins locked rooms (scenario c)
 *   knock    join a locked room, get the 407 lobby error, join the lobby
 *            room and wait for its self-presence (scenario d)
 *   approve  one owner locks a room, --guests guests knock and wait, the
 *            owner admits them all with messages of --invitees-per-message
 *            <invite/>s each (default: all in one message; 1: one message
 *            per guest); time until every guest is in the main room.
 *            With --open, the floor it is compared with: the owner leaves
 *            the room open, nobody knocks, and the same guests all join the
 *            main room at once when the owner says go (no lobby involved)
 *
 * For plain/token/knock, --rooms rooms are first created by one holder
 * connection each (locked with the owner config form when --lock), then
 * --conns workers each join --joins different rooms: closed loop (one join
 * in flight per worker) or, with --rate, an open loop at that many joins/s
 * with latency counted from the scheduled time.
 *
 * Prints one line "RESULT key=value ..." with the figures, and the CPU time
 * of this process and of the --prosody-pid / --lobbyd-pid processes over
 * the measured phase, so the reader can see that the generator is not the
 * bottleneck.  Never fails on speed: exit status 1 only when the workload
 * could not run (connections or joins failed).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <strophe.h>

#include "tests/bench/benchutil.h"

#define NS_MUC "http://jabber.org/protocol/muc"
#define NS_MUC_USER "http://jabber.org/protocol/muc#user"
#define NS_BENCH "urn:lobbyd:bench:0"

#define MAX_CONNS_PER_PROC 900   /* select() in libstrophe: fds stay < 1024 */
#define MAX_PROCS 16
#define CONNECTING_MAX 64        /* connections being set up at once */
#define JID_MAX 256
#define LINE_MAX_LEN 512
#define KNOCKS_IN_FLIGHT 100     /* per guest process: the bridge tracks at most 256 IQs */
#define RETRY_DELAY_S 0.2        /* approve: a refused admitted join is tried again after */
#define RETRIES_MAX 50

enum role { ROLE_WORKER, ROLE_HOLDER, ROLE_OWNER, ROLE_GUEST };
enum state {
    ST_NEW, ST_CONNECTING, ST_TOKEN, ST_READY, ST_JOINING, ST_KNOCKING,
    ST_LOCKING, ST_WAITING, ST_DONE, ST_FAILED
};
enum scenario { SC_PLAIN, SC_TOKEN, SC_KNOCK, SC_APPROVE };

struct bconn {
    xmpp_conn_t *conn;
    int idx;
    enum role role;
    enum state state;
    int joins_done;
    int room;                    /* room index of the pending join */
    char jid[JID_MAX];
    char pend[JID_MAX];          /* occupant JID the pending join waits for */
    double t_sent;               /* when the pending join was (to be) sent */
    bool admitted;               /* approve: invitation received */
    int refusals;                /* approve: admitted joins refused so far */
    double retry_at;             /* approve: when to try the refused join again, 0: none */
};

struct opts {
    enum scenario scenario;
    int port;
    const char *domain, *muc, *lobby, *label, *token_file;
    int conns, joins, rooms, guests, procs;
    bool lock;
    bool open;                   /* approve: the open-room floor (see the top) */
    int chunk;
    double rate, timeout, cap;
    int prosody_pid, lobbyd_pid;
};

static struct opts o = {
    .scenario = SC_PLAIN, .port = 0, .domain = "meet.test", .muc = "conference.meet.test",
    .lobby = "lobby.meet.test", .label = "run", .token_file = NULL,
    .conns = 200, .joins = 5, .rooms = 100, .guests = 1000, .procs = 0,
    .lock = false, .chunk = 0, .rate = 0, .timeout = 180, .cap = 120,
    .prosody_pid = 0, .lobbyd_pid = 0,
};

static xmpp_ctx_t *ctx;
static struct bconn *bc;
static int n_bc;
static char token[8192];
static double *lat;              /* latencies of completed joins, ms */
static int n_lat, n_fail, n_disconnected;
static bool shutting_down;
static int owner_seen;           /* approve: guests the owner saw join */
static int owner_errors;         /* approve: error replies to the owner's invitations */
static int guests_in;            /* approve (guest process): guests in the main room */
static int n_refused;            /* approve (guest process): admitted joins refused */
static int n_invited;            /* approve (guest process): invitations received */
static double last_invited;      /* approve (guest process): when the last one came */
static double last_in;           /* approve (guest process): when the last one got in */

/* snprintf that refuses truncation. */
static void send_str(struct bconn *c, const char *s)
{
    xmpp_send_raw(c->conn, s, strlen(s));
}

/* A join shaped like lib-jitsi-meet's (see tests/integration/lib/client.mjs). */
static void send_join(struct bconn *c, const char *room_node, const char *nick)
{
    char buf[1024];

    bench_fmt(c->pend, sizeof(c->pend), "%s@%s/%s", room_node, o.muc, nick);
    bench_fmt(buf, sizeof(buf),
        "<presence to='%s'><x xmlns='" NS_MUC "'/><stats-id>Stats%s</stats-id>"
        "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' "
        "node='https://jitsi.org/jitsi-meet' ver='/LxjVAUjW56LWSj9lRquSYt35Ho='/>"
        "<jitsi_participant_codecType>vp8</jitsi_participant_codecType>"
        "<nick xmlns='http://jabber.org/protocol/nick'>Guest %s</nick></presence>",
        c->pend, nick, nick);
    send_str(c, buf);
}

/* Lobby.join(): the knock presence to node@lobby/nick. */
static void send_knock(struct bconn *c, const char *room_node, const char *nick)
{
    char buf[1024];

    bench_fmt(c->pend, sizeof(c->pend), "%s@%s/%s", room_node, o.lobby, nick);
    bench_fmt(buf, sizeof(buf),
        "<presence to='%s'><x xmlns='" NS_MUC "'/>"
        "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' "
        "node='https://jitsi.org/jitsi-meet' ver='/LxjVAUjW56LWSj9lRquSYt35Ho='/>"
        "<nick xmlns='http://jabber.org/protocol/nick'>Guest %s</nick></presence>",
        c->pend, nick);
    send_str(c, buf);
}

/* lib-jitsi-meet's setMembersOnly(true): the owner config form. */
static void send_lock(struct bconn *c, const char *room_node)
{
    char buf[1024];

    bench_fmt(buf, sizeof(buf),
        "<iq type='set' to='%s@%s' id='cfg'><query xmlns='http://jabber.org/protocol/muc#owner'>"
        "<x xmlns='jabber:x:data' type='submit'>"
        "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>"
        "<field var='muc#roomconfig_membersonly'><value>true</value></field>"
        "</x></query></iq>", room_node, o.muc);
    send_str(c, buf);
}

static bool has_status(xmpp_stanza_t *st, const char *code)
{
    xmpp_stanza_t *x = xmpp_stanza_get_child_by_ns(st, NS_MUC_USER), *ch;
    const char *name, *v;

    if (x == NULL)
        return false;
    for (ch = xmpp_stanza_get_children(x); ch != NULL; ch = xmpp_stanza_get_next(ch)) {
        name = xmpp_stanza_get_name(ch);
        v = xmpp_stanza_get_attribute(ch, "code");
        if (name != NULL && strcmp(name, "status") == 0 && v != NULL && strcmp(v, code) == 0)
            return true;
    }
    return false;
}

static bool is_lobby_error(xmpp_stanza_t *st)
{
    xmpp_stanza_t *err = xmpp_stanza_get_child_by_name(st, "error");
    const char *code = err != NULL ? xmpp_stanza_get_attribute(err, "code") : NULL;

    return code != NULL && strcmp(code, "407") == 0;
}

static void record_latency(double ms)
{
    lat[n_lat++] = ms;
}

static void room_node(int room, char *buf, size_t size)
{
    if (o.scenario == SC_APPROVE)
        bench_fmt(buf, size, "approve%d", room);
    else
        bench_fmt(buf, size, "bench%d", room);
}

static int on_presence(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    struct bconn *c = ud;
    const char *from = xmpp_stanza_get_from(st), *type = xmpp_stanza_get_type(st);
    char node[64], nick[64], mucjid[JID_MAX];
    size_t len;

    (void)conn;
    if (from == NULL)
        return 1;
    if (c->role == ROLE_OWNER && c->state == ST_WAITING) {
        /* Every guest that gets into the main room shows up here once. */
        room_node(0, node, sizeof(node));
        bench_fmt(mucjid, sizeof(mucjid), "%s@%s/", node, o.muc);
        len = strlen(mucjid);
        if (strncmp(from, mucjid, len) == 0 && strcmp(from, c->pend) != 0 &&
            type == NULL && has_status(st, "110") == false)
            owner_seen++;
        return 1;
    }
    if (c->pend[0] == '\0' || strcmp(from, c->pend) != 0)
        return 1;
    if (type != NULL && strcmp(type, "error") == 0) {
        if (c->state == ST_JOINING && o.scenario == SC_KNOCK && c->role == ROLE_WORKER &&
            is_lobby_error(st)) {
            room_node(c->room, node, sizeof(node));
            bench_fmt(nick, sizeof(nick), "w%dj%d", c->idx, c->joins_done);
            c->state = ST_KNOCKING;
            send_knock(c, node, nick);
            return 1;
        }
        if (c->state == ST_JOINING && c->role == ROLE_GUEST && !c->admitted && is_lobby_error(st)) {
            room_node(0, node, sizeof(node));
            bench_fmt(nick, sizeof(nick), "g%d", c->idx);
            c->state = ST_KNOCKING;
            send_knock(c, node, nick);
            return 1;
        }
        if (c->role == ROLE_GUEST && c->admitted && c->state == ST_JOINING) {
            /* Refused after the approval (e.g. the bridge gave up waiting): try again. */
            n_refused++;
            if (++c->refusals <= RETRIES_MAX) {
                c->retry_at = bench_now_s() + RETRY_DELAY_S;
                return 1;
            }
        }
        n_fail++;
        c->state = ST_FAILED;
        c->pend[0] = '\0';
        return 1;
    }
    if (type != NULL || !has_status(st, "110"))
        return 1;
    /* Our own self-presence: the join (or the knock) completed. */
    switch (c->role) {
    case ROLE_WORKER:
        record_latency((bench_now_s() - c->t_sent) * 1000.0);
        c->joins_done++;
        c->state = ST_READY;
        c->pend[0] = '\0';
        break;
    case ROLE_HOLDER:
        if (o.lock) {
            room_node(c->room, node, sizeof(node));
            c->state = ST_LOCKING;
            send_lock(c, node);
        } else {
            c->state = ST_DONE;
        }
        break;
    case ROLE_OWNER:
        if (o.open) {
            c->state = ST_READY;
            break;
        }
        room_node(0, node, sizeof(node));
        c->state = ST_LOCKING;
        send_lock(c, node);
        break;
    case ROLE_GUEST:
        if (c->state == ST_KNOCKING) {
            c->state = ST_WAITING;
        } else if (c->admitted && c->state == ST_JOINING) {
            c->state = ST_DONE;
            guests_in++;
            last_in = bench_now_s();
        }
        break;
    }
    return 1;
}

static int on_iq(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    struct bconn *c = ud;
    const char *id = xmpp_stanza_get_id(st), *type = xmpp_stanza_get_type(st);
    bool ok = type != NULL && strcmp(type, "result") == 0;

    (void)conn;
    if (id == NULL || type == NULL || (strcmp(type, "result") != 0 && strcmp(type, "error") != 0))
        return 1;
    if (strcmp(id, "tok") == 0 && c->state == ST_TOKEN) {
        c->state = ok ? ST_READY : ST_FAILED;
        if (!ok)
            n_fail++;
    } else if (strcmp(id, "cfg") == 0 && c->state == ST_LOCKING) {
        c->state = ok ? (c->role == ROLE_OWNER ? ST_READY : ST_DONE) : ST_FAILED;
        if (!ok)
            n_fail++;
    }
    return 1;
}

/* An admitted guest (or, with --open, any guest told to go) joins the main room. */
static void walk_in(struct bconn *c, const char *node)
{
    char nick[64];

    c->admitted = true;
    n_invited++;
    last_invited = bench_now_s();
    c->state = ST_JOINING;
    bench_fmt(nick, sizeof(nick), "g%d", c->idx);
    send_join(c, node, nick);
}

static int on_message(xmpp_conn_t *conn, xmpp_stanza_t *st, void *ud)
{
    struct bconn *c = ud;
    const char *from = xmpp_stanza_get_from(st);
    xmpp_stanza_t *x = xmpp_stanza_get_child_by_ns(st, NS_MUC_USER);
    char node[64], room[JID_MAX];

    (void)conn;
    if (c->role == ROLE_OWNER) {
        const char *type = xmpp_stanza_get_type(st);

        if (type != NULL && strcmp(type, "error") == 0)
            owner_errors++;
        return 1;
    }
    if (c->role != ROLE_GUEST || c->admitted || from == NULL || x == NULL ||
        xmpp_stanza_get_child_by_name(x, "invite") == NULL)
        return 1;
    room_node(0, node, sizeof(node));
    bench_fmt(room, sizeof(room), "%s@%s", node, o.muc);
    if (strcmp(from, room) != 0)
        return 1;
    /* Approved: walk into the main room (lib-jitsi-meet rejoins at once). */
    walk_in(c, node);
    return 1;
}

static int nodelay(xmpp_conn_t *conn, void *sock)
{
    int fd = *(int *)sock, one = 1;

    (void)conn;
    /* As Jitsi's clients and Prosody (nagle = false) do: no Nagle delay. */
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0 ? 0 : -1;
}

static void on_conn(xmpp_conn_t *conn, xmpp_conn_event_t ev, int error,
                    xmpp_stream_error_t *stream_error, void *ud)
{
    struct bconn *c = ud;
    const char *jid;
    char buf[sizeof(token) + 128];

    (void)error;
    (void)stream_error;
    if (ev == XMPP_CONN_CONNECT) {
        jid = xmpp_conn_get_bound_jid(conn);
        bench_fmt(c->jid, sizeof(c->jid), "%s", jid != NULL ? jid : "");
        if (o.scenario == SC_TOKEN && c->role == ROLE_WORKER) {
            c->state = ST_TOKEN;
            bench_fmt(buf, sizeof(buf), "<iq type='set' to='%s' id='tok'><token xmlns='" NS_BENCH
                "'>%s</token></iq>", o.domain, token);
            send_str(c, buf);
        } else {
            c->state = ST_READY;
        }
        return;
    }
    if (!shutting_down && c->state != ST_FAILED) {
        n_disconnected++;
        c->state = ST_FAILED;
    }
}

static void conn_init(struct bconn *c, int idx, enum role role)
{
    memset(c, 0, sizeof(*c));
    c->idx = idx;
    c->role = role;
    c->state = ST_NEW;
    c->conn = xmpp_conn_new(ctx);
    if (c->conn == NULL)
        bench_die("out of memory");
    xmpp_conn_set_jid(c->conn, o.domain);     /* no node: SASL ANONYMOUS */
    xmpp_conn_set_flags(c->conn, XMPP_CONN_FLAG_DISABLE_TLS | XMPP_CONN_FLAG_DISABLE_SM);
    xmpp_conn_set_sockopt_callback(c->conn, nodelay);
    xmpp_handler_add(c->conn, on_presence, NULL, "presence", NULL, c);
    xmpp_handler_add(c->conn, on_iq, NULL, "iq", NULL, c);
    xmpp_handler_add(c->conn, on_message, NULL, "message", NULL, c);
}

/* Connects bc[first..first+n) a few at a time; true when all are ready. */
static bool connect_all(int first, int n, double deadline)
{
    int next = first, i, connecting, ready;

    while (bench_now_s() < deadline) {
        connecting = ready = 0;
        for (i = first; i < first + n; i++) {
            if (bc[i].state == ST_CONNECTING || bc[i].state == ST_TOKEN)
                connecting++;
            else if (bc[i].state == ST_READY)
                ready++;
            else if (bc[i].state == ST_FAILED)
                return false;
        }
        if (ready == n)
            return true;
        while (connecting < CONNECTING_MAX && next < first + n) {
            bc[next].state = ST_CONNECTING;
            if (xmpp_connect_client(bc[next].conn, "127.0.0.1", (unsigned short)o.port,
                                    on_conn, &bc[next]) != XMPP_EOK)
                return false;
            next++;
            connecting++;
        }
        xmpp_run_once(ctx, 5);
    }
    return false;
}

/* Runs the loop until every conn in [first, first+n) is in 'want'. */
static bool wait_state(int first, int n, enum state want, double deadline)
{
    int i, done;

    while (bench_now_s() < deadline) {
        done = 0;
        for (i = first; i < first + n; i++) {
            if (bc[i].state == ST_FAILED)
                return false;
            if (bc[i].state == want)
                done++;
        }
        if (done == n)
            return true;
        xmpp_run_once(ctx, 5);
    }
    return false;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double pct(double p)
{
    int k;

    if (n_lat == 0)
        return 0;
    k = (int)((double)n_lat * p + 0.999999) - 1;
    if (k < 0)
        k = 0;
    if (k >= n_lat)
        k = n_lat - 1;
    return lat[k];
}

static void issue_join(struct bconn *c, double t_sched)
{
    char node[64], nick[64];

    c->room = (c->idx + c->joins_done) % o.rooms;
    room_node(c->room, node, sizeof(node));
    bench_fmt(nick, sizeof(nick), "w%dj%d", c->idx, c->joins_done);
    c->state = ST_JOINING;
    c->t_sent = t_sched;
    send_join(c, node, nick);
}

/* plain / token / knock: holders, workers, the measured phase. */
static int run_joins(void)
{
    int holders = o.rooms, workers = o.conns, total = o.conns * o.joins;
    int i, issued = 0, rr = 0, completed;
    double deadline = bench_now_s() + o.timeout, t0, t1, c0[3], c1[3];
    char node[64];

    if (holders + workers > MAX_CONNS_PER_PROC)
        bench_die("--rooms + --conns must stay below 900 (select() in libstrophe)");
    if (o.joins > o.rooms)
        bench_die("--joins must not exceed --rooms (each join of a worker goes to another room)");
    n_bc = holders + workers;
    bc = calloc((size_t)n_bc, sizeof(*bc));
    lat = calloc((size_t)total, sizeof(*lat));
    if (bc == NULL || lat == NULL)
        bench_die("out of memory");
    for (i = 0; i < holders; i++)
        conn_init(&bc[i], i, ROLE_HOLDER);
    for (i = 0; i < workers; i++)
        conn_init(&bc[holders + i], i, ROLE_WORKER);

    if (!connect_all(0, holders, deadline))
        bench_die("holders could not connect");
    for (i = 0; i < holders; i++) {
        bc[i].room = i;
        bc[i].state = ST_JOINING;
        room_node(i, node, sizeof(node));
        send_join(&bc[i], node, "holder");
    }
    if (!wait_state(0, holders, ST_DONE, deadline))
        bench_die("holders could not create (and lock) their rooms");
    if (!connect_all(holders, workers, deadline))
        bench_die("workers could not connect");

    /* The measured phase: joins only; connections are already up. */
    c0[0] = bench_self_cpu();
    c0[1] = bench_proc_cpu(o.prosody_pid);
    c0[2] = bench_proc_cpu(o.lobbyd_pid);
    t0 = bench_now_s();
    completed = 0;
    while (bench_now_s() < deadline) {
        double now = bench_now_s();

        completed = n_lat;
        if (completed + n_fail >= total)
            break;
        if (n_fail > 0 || n_disconnected > 0)
            break;
        if (o.rate <= 0) {
            for (i = holders; i < n_bc; i++) {
                if (bc[i].state == ST_READY && bc[i].joins_done < o.joins)
                    issue_join(&bc[i], now);
            }
        } else {
            while (issued < total && t0 + (double)issued / o.rate <= now) {
                struct bconn *c = NULL;
                int k;

                for (k = 0; k < workers; k++) {
                    struct bconn *cand = &bc[holders + (rr + k) % workers];

                    if (cand->state == ST_READY && cand->joins_done < o.joins) {
                        c = cand;
                        rr = (rr + k + 1) % workers;
                        break;
                    }
                }
                if (c == NULL)
                    break;           /* all busy: it goes out late, timed from schedule */
                issue_join(c, t0 + (double)issued / o.rate);
                issued++;
            }
        }
        xmpp_run_once(ctx, 1);
    }
    t1 = bench_now_s();
    c1[0] = bench_self_cpu();
    c1[1] = bench_proc_cpu(o.prosody_pid);
    c1[2] = bench_proc_cpu(o.lobbyd_pid);
    qsort(lat, (size_t)n_lat, sizeof(*lat), cmp_double);
    printf("RESULT label=%s joins=%d ok=%d fail=%d disc=%d secs=%.3f rate=%.1f p50=%.2f p99=%.2f "
           "max=%.2f gen_cpu=%.2f prosody_cpu=%.2f lobbyd_cpu=%.2f\n",
           o.label, total, n_lat, n_fail, n_disconnected, t1 - t0,
           (double)n_lat / (t1 - t0), pct(0.50), pct(0.99), pct(1.0), c1[0] - c0[0],
           o.prosody_pid > 0 ? c1[1] - c0[1] : -1, o.lobbyd_pid > 0 ? c1[2] - c0[2] : -1);
    fflush(stdout);
    shutting_down = true;
    return n_lat == total ? 0 : 1;
}

/* ---- approve-all ---- */

static int write_all(int fd, const char *s)
{
    size_t len = strlen(s), off = 0;
    ssize_t n;
    int tries = 0;

    while (off < len && tries++ < 100000) {
        n = write(fd, s + off, len - off);
        if (n > 0)
            off += (size_t)n;
        else if (n < 0 && errno != EINTR && errno != EAGAIN)
            return -1;
    }
    return off == len ? 0 : -1;
}

/* A child: 'count' guests; knocks on "k", reports, walks in when invited
 * (with --open: nobody knocks; all walk in on "g"). */
static void guest_main(int first, int count, int cmd_fd, int out_fd)
{
    double deadline = bench_now_s() + o.timeout;
    char line[LINE_MAX_LEN], cmd;
    char node[64], nick[64];
    int i;
    bool reported = false, quit = false, invited_reported = false;

    ctx = xmpp_ctx_new(NULL, NULL);
    if (ctx == NULL)
        bench_die("out of memory");
    n_bc = count;
    bc = calloc((size_t)count, sizeof(*bc));
    if (bc == NULL)
        bench_die("out of memory");
    for (i = 0; i < count; i++)
        conn_init(&bc[i], first + i, ROLE_GUEST);
    if (!connect_all(0, count, deadline)) {
        (void)write_all(out_fd, "FAIL connect\n");
        _exit(1);
    }
    bench_fmt(line, sizeof(line), "CONNECTED %d\n", count);
    (void)write_all(out_fd, line);
    /* Wait for the owner's "k" (the room is locked). */
    while (bench_now_s() < deadline && read(cmd_fd, &cmd, 1) != 1)
        xmpp_run_once(ctx, 5);
    room_node(0, node, sizeof(node));
    for (i = 0; i < count && o.open; i++)
        bc[i].state = ST_WAITING;    /* nothing to knock at */
    while (bench_now_s() < deadline && !quit) {
        int waiting = 0, in_flight = 0;
        double now = bench_now_s();

        /* Knocks go out KNOCKS_IN_FLIGHT at a time (see the define). */
        for (i = 0; i < count && !reported; i++)
            in_flight += bc[i].state == ST_JOINING || bc[i].state == ST_KNOCKING;
        for (i = 0; i < count && !reported && in_flight < KNOCKS_IN_FLIGHT; i++) {
            if (bc[i].state == ST_READY) {
                bench_fmt(nick, sizeof(nick), "g%d", bc[i].idx);
                bc[i].state = ST_JOINING;
                send_join(&bc[i], node, nick);
                in_flight++;
            }
        }
        for (i = 0; i < count && reported; i++) {
            if (bc[i].retry_at > 0 && bc[i].retry_at <= now) {
                bc[i].retry_at = 0;
                bench_fmt(nick, sizeof(nick), "g%d", bc[i].idx);
                send_join(&bc[i], node, nick);
            }
        }
        xmpp_run_once(ctx, 2);
        if (n_fail > 0 || n_disconnected > 0) {
            bench_fmt(line, sizeof(line), "FAIL fail=%d disc=%d\n", n_fail, n_disconnected);
            (void)write_all(out_fd, line);
            _exit(1);
        }
        if (!reported) {
            for (i = 0; i < count; i++)
                waiting += bc[i].state == ST_WAITING;
            if (waiting == count) {
                for (i = 0; i < count; i++) {
                    bench_fmt(line, sizeof(line), "J %s\n", bc[i].jid);
                    (void)write_all(out_fd, line);
                }
                (void)write_all(out_fd, "READY\n");
                reported = true;
            }
        }
        if (reported && !invited_reported && n_invited == count) {
            bench_fmt(line, sizeof(line), "INVITED %.6f\n", last_invited);
            (void)write_all(out_fd, line);
            invited_reported = true;
        }
        if (reported && guests_in == count) {
            bench_fmt(line, sizeof(line), "DONE %.6f %.3f %d\n", last_in, bench_self_cpu(), n_refused);
            (void)write_all(out_fd, line);
            guests_in = -1;          /* reported */
        }
        if (read(cmd_fd, &cmd, 1) == 1) {
            quit = cmd == 'q';
            for (i = 0; i < count && cmd == 'g'; i++)
                walk_in(&bc[i], node);
        }
    }
    shutting_down = true;
    _exit(0);
}

struct child {
    pid_t pid;
    int cmd_fd, out_fd;
    char buf[65536];
    size_t len;
    bool ready, done, failed, invited;
    double last_in, cpu, last_invited;
    int refused;
};

static char **guest_jids;
static int n_guest_jids;

/* Reads what a child wrote; handles complete lines. */
static void child_poll(struct child *ch)
{
    ssize_t n;
    char *nl, *line;

    n = read(ch->out_fd, ch->buf + ch->len, sizeof(ch->buf) - 1 - ch->len);
    if (n <= 0)
        return;
    ch->len += (size_t)n;
    ch->buf[ch->len] = '\0';
    line = ch->buf;
    while ((nl = strchr(line, '\n')) != NULL) {
        *nl = '\0';
        if (strncmp(line, "J ", 2) == 0 && n_guest_jids < o.guests) {
            guest_jids[n_guest_jids] = strdup(line + 2);
            if (guest_jids[n_guest_jids] == NULL)
                bench_die("out of memory");
            n_guest_jids++;
        } else if (strcmp(line, "READY") == 0) {
            ch->ready = true;
        } else if (strncmp(line, "DONE ", 5) == 0) {
            char *end;

            ch->last_in = strtod(line + 5, &end);
            ch->cpu = strtod(end, &end);
            ch->refused = (int)strtol(end, NULL, 10);
            ch->done = true;
        } else if (strncmp(line, "INVITED ", 8) == 0) {
            ch->last_invited = strtod(line + 8, NULL);
            ch->invited = true;
        } else if (strncmp(line, "FAIL", 4) == 0) {
            fprintf(stderr, "bench_load: guest process: %s\n", line);
            ch->failed = true;
        }
        line = nl + 1;
    }
    ch->len = strlen(line);
    memmove(ch->buf, line, ch->len + 1);
}

static void send_invites(struct bconn *owner, int first, int n, int id)
{
    char node[64], head[512];
    size_t cap = 256 + (size_t)n * (JID_MAX + 32), len;
    char *msg = malloc(cap);
    int i, w;

    if (msg == NULL)
        bench_die("out of memory");
    room_node(0, node, sizeof(node));
    bench_fmt(head, sizeof(head), "<message to='%s@%s' id='admit%d'><x xmlns='" NS_MUC_USER "'>",
        node, o.muc, id);
    len = 0;
    w = snprintf(msg, cap, "%s", head);
    if (w < 0 || (size_t)w >= cap)
        bench_die("internal buffer too small");
    len = (size_t)w;
    for (i = first; i < first + n; i++) {
        w = snprintf(msg + len, cap - len, "<invite to='%s'/>", guest_jids[i]);
        if (w < 0 || (size_t)w >= cap - len)
            bench_die("internal buffer too small");
        len += (size_t)w;
    }
    w = snprintf(msg + len, cap - len, "</x></message>");
    if (w < 0 || (size_t)w >= cap - len)
        bench_die("internal buffer too small");
    len += (size_t)w;
    xmpp_send_raw(owner->conn, msg, len);
    free(msg);
}

static int run_approve(void)
{
    struct child kids[MAX_PROCS];
    int procs = o.procs > 0 ? o.procs : (o.guests + 499) / 500, per, i, k, ready, done;
    double deadline = bench_now_s() + o.timeout, t_invite = 0, t_owner = 0, t_last = 0, t_inv = 0;
    double cap;
    int invited = 0;
    double c0[3], c1[3], kid_cpu = 0;
    int refused = 0;
    long rss_idle_l, rss_wait_l, rss_wait_p, rss_idle_p;
    struct bconn *owner;
    char node[64];

    if (procs < 1 || procs > MAX_PROCS || (o.guests + procs - 1) / procs > MAX_CONNS_PER_PROC)
        bench_die("--guests / --procs: at most 900 guests per process, 16 processes");
    guest_jids = calloc((size_t)o.guests, sizeof(*guest_jids));
    if (guest_jids == NULL)
        bench_die("out of memory");
    rss_idle_l = bench_proc_rss_kib(o.lobbyd_pid);
    rss_idle_p = bench_proc_rss_kib(o.prosody_pid);
    per = (o.guests + procs - 1) / procs;
    fflush(stdout);
    for (k = 0; k < procs; k++) {
        int cmd[2], out[2], first = k * per, count = o.guests - first < per ? o.guests - first : per;

        if (pipe(cmd) != 0 || pipe(out) != 0)
            bench_die("pipe failed");
        memset(&kids[k], 0, sizeof(kids[k]));
        kids[k].pid = fork();
        if (kids[k].pid < 0)
            bench_die("fork failed");
        if (kids[k].pid == 0) {
            close(cmd[1]);
            close(out[0]);
            fcntl(cmd[0], F_SETFL, O_NONBLOCK);
            guest_main(first, count, cmd[0], out[1]);
        }
        close(cmd[0]);
        close(out[1]);
        kids[k].cmd_fd = cmd[1];
        kids[k].out_fd = out[0];
        fcntl(out[0], F_SETFL, O_NONBLOCK);
    }

    /* The owner creates and locks the room. */
    ctx = xmpp_ctx_new(NULL, NULL);
    if (ctx == NULL)
        bench_die("out of memory");
    n_bc = 1;
    bc = calloc(1, sizeof(*bc));
    if (bc == NULL)
        bench_die("out of memory");
    owner = &bc[0];
    conn_init(owner, 0, ROLE_OWNER);
    if (!connect_all(0, 1, deadline))
        bench_die("owner could not connect");
    room_node(0, node, sizeof(node));
    owner->state = ST_JOINING;
    send_join(owner, node, "owner");
    if (!wait_state(0, 1, ST_READY, deadline))
        bench_die("owner could not create and lock the room");
    owner->state = ST_WAITING;
    for (k = 0; k < procs; k++)
        (void)write_all(kids[k].cmd_fd, "k");

    /* Everyone knocks; wait until all are waiting in the lobby. */
    for (ready = 0; ready < procs && bench_now_s() < deadline;) {
        xmpp_run_once(ctx, 5);
        for (ready = 0, k = 0; k < procs; k++) {
            child_poll(&kids[k]);
            if (kids[k].failed)
                bench_die("a guest process failed");
            ready += kids[k].ready;
        }
    }
    if (ready < procs || n_guest_jids != o.guests)
        bench_die("the guests did not all get into the lobby");
    rss_wait_l = bench_proc_rss_kib(o.lobbyd_pid);
    rss_wait_p = bench_proc_rss_kib(o.prosody_pid);

    c0[0] = bench_self_cpu();
    c0[1] = bench_proc_cpu(o.prosody_pid);
    c0[2] = bench_proc_cpu(o.lobbyd_pid);
    t_invite = bench_now_s();
    for (i = 0; i < o.guests && !o.open; i += o.chunk)
        send_invites(owner, i, o.guests - i < o.chunk ? o.guests - i : o.chunk, i);
    for (k = 0; k < procs && o.open; k++)
        (void)write_all(kids[k].cmd_fd, "g");
    cap = t_invite + o.cap < deadline ? t_invite + o.cap : deadline;
    for (done = 0; (done < procs || owner_seen < o.guests) && bench_now_s() < cap;) {
        xmpp_run_once(ctx, 1);
        if (owner_seen >= o.guests && t_owner == 0)
            t_owner = bench_now_s();
        for (done = 0, k = 0; k < procs; k++) {
            child_poll(&kids[k]);
            if (kids[k].failed)
                bench_die("a guest process failed");
            done += kids[k].done;
        }
        if (n_disconnected > 0)
            bench_die("the owner was disconnected");
        /* A refused invitation is counted (invite_errors); the others go on. */
    }
    c1[0] = bench_self_cpu();
    c1[1] = bench_proc_cpu(o.prosody_pid);
    c1[2] = bench_proc_cpu(o.lobbyd_pid);
    for (k = 0; k < procs; k++) {
        if (kids[k].done && kids[k].last_in > t_last)
            t_last = kids[k].last_in;
        if (kids[k].invited && kids[k].last_invited > t_inv)
            t_inv = kids[k].last_invited;
        invited += kids[k].invited;
        kid_cpu += bench_proc_cpu(kids[k].pid);
        refused += kids[k].refused;
        (void)write_all(kids[k].cmd_fd, "q");
    }
    for (k = 0; k < procs; k++)
        waitpid(kids[k].pid, NULL, 0);
    shutting_down = true;
    printf("RESULT label=%s guests=%d invitees_per_message=%d invite_errors=%d "
           "refused_then_retried=%d all_invited_secs=%.3f owner_saw=%d all_in=%s "
           "owner_secs=%.3f "
           "guests_secs=%.3f lobbyd_rss_idle_kib=%ld lobbyd_rss_wait_kib=%ld "
           "prosody_rss_idle_kib=%ld prosody_rss_wait_kib=%ld gen_cpu=%.2f "
           "guest_procs_cpu_total=%.2f prosody_cpu=%.2f lobbyd_cpu=%.2f\n",
           o.label, o.guests, o.chunk, owner_errors, refused,
           invited == procs ? t_inv - t_invite : -1, owner_seen,
           done == procs ? "yes" : "no", t_owner > 0 ? t_owner - t_invite : -1,
           t_last > 0 ? t_last - t_invite : -1, rss_idle_l, rss_wait_l, rss_idle_p, rss_wait_p,
           c1[0] - c0[0], kid_cpu, c1[1] - c0[1], c1[2] - c0[2]);
    fflush(stdout);
    return done == procs && owner_seen >= o.guests ? 0 : 1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_load --port C2S_PORT --scenario plain|token|knock|approve\n"
            "       [--conns N] [--joins N] [--rooms N] [--lock] [--rate JOINS_PER_S]\n"
            "       [--token-file F] [--guests N] [--procs N] [--invitees-per-message N] [--open]\n"
            "       [--domain D] [--muc D] [--lobby D] [--label S] [--timeout S] [--cap S]\n"
            "       [--prosody-pid PID] [--lobbyd-pid PID]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int i, rc;
    FILE *f;
    size_t n;

    bench_program = "bench_load";

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--lock") == 0 || strcmp(a, "--open") == 0) {
            o.lock = o.lock || a[2] == 'l';
            o.open = o.open || a[2] == 'o';
            continue;
        }
        if (v == NULL)
            usage();
        i++;
        if (strcmp(a, "--port") == 0)
            o.port = (int)bench_num_arg(v, 1, 65535, a);
        else if (strcmp(a, "--scenario") == 0) {
            if (strcmp(v, "plain") == 0)
                o.scenario = SC_PLAIN;
            else if (strcmp(v, "token") == 0)
                o.scenario = SC_TOKEN;
            else if (strcmp(v, "knock") == 0)
                o.scenario = SC_KNOCK;
            else if (strcmp(v, "approve") == 0)
                o.scenario = SC_APPROVE;
            else
                usage();
        } else if (strcmp(a, "--conns") == 0)
            o.conns = (int)bench_num_arg(v, 1, MAX_CONNS_PER_PROC, a);
        else if (strcmp(a, "--joins") == 0)
            o.joins = (int)bench_num_arg(v, 1, 10000, a);
        else if (strcmp(a, "--rooms") == 0)
            o.rooms = (int)bench_num_arg(v, 1, MAX_CONNS_PER_PROC, a);
        else if (strcmp(a, "--rate") == 0)
            o.rate = (double)bench_num_arg(v, 1, 100000, a);
        else if (strcmp(a, "--guests") == 0)
            o.guests = (int)bench_num_arg(v, 1, MAX_PROCS * MAX_CONNS_PER_PROC, a);
        else if (strcmp(a, "--invitees-per-message") == 0)
            o.chunk = (int)bench_num_arg(v, 1, MAX_PROCS * MAX_CONNS_PER_PROC, a);
        else if (strcmp(a, "--procs") == 0)
            o.procs = (int)bench_num_arg(v, 1, MAX_PROCS, a);
        else if (strcmp(a, "--cap") == 0)
            o.cap = (double)bench_num_arg(v, 1, 3600, a);
        else if (strcmp(a, "--timeout") == 0)
            o.timeout = (double)bench_num_arg(v, 1, 3600, a);
        else if (strcmp(a, "--prosody-pid") == 0)
            o.prosody_pid = (int)bench_num_arg(v, 1, 1 << 30, a);
        else if (strcmp(a, "--lobbyd-pid") == 0)
            o.lobbyd_pid = (int)bench_num_arg(v, 1, 1 << 30, a);
        else if (strcmp(a, "--token-file") == 0)
            o.token_file = v;
        else if (strcmp(a, "--domain") == 0)
            o.domain = v;
        else if (strcmp(a, "--muc") == 0)
            o.muc = v;
        else if (strcmp(a, "--lobby") == 0)
            o.lobby = v;
        else if (strcmp(a, "--label") == 0)
            o.label = v;
        else
            usage();
    }
    if (o.port == 0)
        usage();
    if (o.scenario == SC_TOKEN) {
        if (o.token_file == NULL)
            bench_die("--scenario token needs --token-file");
        f = fopen(o.token_file, "r");
        if (f == NULL)
            bench_die("cannot open --token-file");
        n = fread(token, 1, sizeof(token) - 1, f);
        fclose(f);
        while (n > 0 && (token[n - 1] == '\n' || token[n - 1] == '\r'))
            n--;
        token[n] = '\0';
        if (n == 0 || n >= sizeof(token) - 1)
            bench_die("the token file is empty or too long");
    }
    if (o.scenario == SC_KNOCK || o.scenario == SC_TOKEN)
        o.lock = true;
    if (o.chunk == 0)
        o.chunk = o.guests;      /* one multi-invite message */

    xmpp_initialize();
    if (o.scenario == SC_APPROVE) {
        rc = run_approve();
    } else {
        ctx = xmpp_ctx_new(NULL, NULL);
        if (ctx == NULL)
            bench_die("out of memory");
        rc = run_joins();
    }
    /* The stack is torn down by the caller; the sockets close with us. */
    return rc;
}
