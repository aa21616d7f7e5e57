/*
 * tests/bench/bench_feed.c - a stand-in for Prosody on lobbyd's component
 * socket, to measure lobbyd on its own (no Prosody, no clients).
 *
 * It listens on 127.0.0.1:--port, accepts lobbyd's XEP-0114 connection
 * (answers the stream header and the handshake without checking it: the
 * secret is not needed) and then runs its phases over that one stream:
 *
 *   --phase NAME[:TOKEN_FILE]   (repeatable) pump bridge <join/> requests
 *       (docs/bridge-protocol.md §1) from the MUC host for --seconds,
 *       keeping --window requests in flight; with a token file every
 *       request carries that token.  Prints verdicts/s, the latency of
 *       a request (p50/p99), the verdicts seen and lobbyd's CPU time per
 *       verdict (from /proc/<lobbyd-pid>/stat).
 *   --knocks N   then switch the lobby of one room on (an <occupant
 *       event='joined' affiliation='owner'/> for a moderator, a <lobby
 *       enabled='true'/>), bring the moderator into the lobby room, and
 *       send N knocks (presences to room@lobby/nick from distinct full
 *       JIDs), --window in flight; at 10, 100, 1000, ... waiting it prints
 *       the cost of the knocks since the previous mark (wall time and
 *       lobbyd CPU per knock, knock latency p50/p99) and lobbyd's RSS.
 *
 * Output lines start with "FEED" and are key=value pairs.  Never fails on
 * speed; exit 1 when lobbyd does not connect or stops answering.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <expat.h>

#include "tests/bench/benchutil.h"

#define NS_BRIDGE "urn:lobbyd:bridge:0"
#define MAX_PHASES 8
#define MAX_REQ 4000000          /* requests per phase, bounds the latency array */
#define WBUF_SIZE (1 << 20)

struct phase {
    const char *name;
    char *token;
};

static struct {
    int port, seconds, window, knocks, lobbyd_pid, quickack;
    const char *component, *muc, *domain;
    struct phase phases[MAX_PHASES];
    int n_phases;
} o = {
    .port = 0, .seconds = 5, .window = 64, .knocks = 0, .lobbyd_pid = 0,
    .component = "lobby.meet.test", .muc = "conference.meet.test", .domain = "meet.test",
};

static int fd = -1;
static XML_Parser parser;
static int depth;
static bool authed;

/* What the current depth-2 stanza is. */
static struct {
    enum { S_NONE, S_IQ, S_PRESENCE, S_OTHER } kind;
    char type[16];
    char id[64];
    char from[256];
    bool self;                   /* presence with status 110 */
    char action[16];
} cur;

/* Counters. */
static unsigned long results, errors, acks, allow, lobby_v, deny, other_v;
static double *sent_at;          /* per request id: when it was sent */
static double *lat;
static unsigned long n_lat;
static unsigned long lat_cap;
static unsigned long pending_set;  /* answers expected to our set IQs */

/* ---- output: buffered, flushed by pump() ---- */

static char *wbuf;
static size_t wlen;

static void out(const char *s, size_t len)
{
    if (wlen + len > WBUF_SIZE)
        bench_die("write buffer full (lobbyd not reading)");
    memcpy(wbuf + wlen, s, len);
    wlen += len;
}

static void outs(const char *s)
{
    out(s, strlen(s));
}

static const char *attr(const XML_Char **atts, const char *name)
{
    int i;

    for (i = 0; atts[i] != NULL; i += 2) {
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    }
    return NULL;
}

static void copy(char *dst, size_t size, const char *src)
{
    size_t n = src != NULL ? strnlen(src, size - 1) : 0;

    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    char buf[512];
    const char *v;

    (void)ud;
    depth++;
    if (depth == 1) {
        bench_fmt(buf, sizeof(buf), "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
            "xmlns:stream='http://etherx.jabber.org/streams' from='%s' id='benchfeed1'>",
            o.component);
        outs(buf);
        return;
    }
    if (depth == 2) {
        memset(&cur, 0, sizeof(cur));
        if (strcmp(name, "iq") == 0)
            cur.kind = S_IQ;
        else if (strcmp(name, "presence") == 0)
            cur.kind = S_PRESENCE;
        else
            cur.kind = S_OTHER;
        copy(cur.type, sizeof(cur.type), attr(atts, "type"));
        copy(cur.id, sizeof(cur.id), attr(atts, "id"));
        copy(cur.from, sizeof(cur.from), attr(atts, "from"));
        return;
    }
    if (depth == 3 && cur.kind == S_IQ && strcmp(name, "verdict") == 0)
        copy(cur.action, sizeof(cur.action), attr(atts, "action"));
    if (depth == 4 && cur.kind == S_PRESENCE && strcmp(name, "status") == 0) {
        v = attr(atts, "code");
        if (v != NULL && strcmp(v, "110") == 0)
            cur.self = true;
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    char buf[512];
    unsigned long k;
    char *end;

    (void)ud;
    if (depth == 2) {
        if (strcmp(name, "handshake") == 0) {
            outs("<handshake/>");
            authed = true;
        } else if (cur.kind == S_IQ && (strcmp(cur.type, "get") == 0 || strcmp(cur.type, "set") == 0)) {
            /* lobbyd -> bridge (a <notify/>): the bridge answers result. */
            bench_fmt(buf, sizeof(buf), "<iq type='result' from='%s' to='%s' id='%s'/>", o.muc,
                o.component, cur.id);
            outs(buf);
        } else if (cur.kind == S_IQ) {
            if (strcmp(cur.type, "result") == 0)
                results++;
            else
                errors++;
            if (cur.id[0] == 'j') {
                k = strtoul(cur.id + 1, &end, 10);
                if (*end == '\0' && k < MAX_REQ && sent_at[k] > 0 && n_lat < lat_cap)
                    lat[n_lat++] = (bench_now_s() - sent_at[k]) * 1000.0;
                if (strcmp(cur.action, "allow") == 0)
                    allow++;
                else if (strcmp(cur.action, "lobby") == 0)
                    lobby_v++;
                else if (strcmp(cur.action, "deny") == 0)
                    deny++;
                else
                    other_v++;
            } else if (pending_set > 0) {
                pending_set--;
            }
        } else if (cur.kind == S_PRESENCE && cur.self && cur.type[0] == '\0') {
            acks++;
            if (strncmp(cur.from, "knock", 5) == 0) {
                /* from knock@lobby/gN: the knock's latency. */
                const char *slash = strrchr(cur.from, '/');

                if (slash != NULL && slash[1] == 'g') {
                    k = strtoul(slash + 2, &end, 10);
                    if (*end == '\0' && k < MAX_REQ && sent_at[k] > 0 && n_lat < lat_cap)
                        lat[n_lat++] = (bench_now_s() - sent_at[k]) * 1000.0;
                }
            }
        }
    }
    depth--;
}

/* Writes what is buffered, reads what lobbyd sent; waits at most 'ms'. */
static void pump(int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    char rbuf[65536];
    ssize_t n;

    if (wlen > 0)
        p.events |= POLLOUT;
    if (poll(&p, 1, ms) < 0 && errno != EINTR)
        bench_die("poll failed");
    if ((p.revents & POLLOUT) && wlen > 0) {
        n = write(fd, wbuf, wlen);
        if (n > 0) {
            memmove(wbuf, wbuf + n, wlen - (size_t)n);
            wlen -= (size_t)n;
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
            bench_die("write to lobbyd failed");
        }
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        n = read(fd, rbuf, sizeof(rbuf));
        if (o.quickack) {
            int one = 1;

            /* Acknowledge at once instead of delaying the ACK: shows
             * what lobbyd's Nagle-delayed writes cost. */
            setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
        }
        if (n == 0)
            bench_die("lobbyd closed the connection");
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            bench_die("read from lobbyd failed");
        if (n > 0 && XML_Parse(parser, rbuf, (int)n, 0) == XML_STATUS_ERROR)
            bench_die("lobbyd sent XML expat cannot parse");
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double pct(double p)
{
    long k;

    if (n_lat == 0)
        return 0;
    k = (long)((double)n_lat * p + 0.999999) - 1;
    if (k < 0)
        k = 0;
    if ((unsigned long)k >= n_lat)
        k = (long)n_lat - 1;
    return lat[k];
}

static void send_join(unsigned long k, const char *token)
{
    char buf[8192 + 1024];

    bench_fmt(buf, sizeof(buf),
        "<iq type='get' from='%s' to='%s' id='j%lu'><join xmlns='" NS_BRIDGE "' "
        "room='bench@%s' nick='n%lu' jid='u%lu@%s/r' session='s%lu' affiliation='none' "
        "room-exists='true' members-only='false' password='none'>"
        "<display-name>User %lu</display-name>%s%s%s</join></iq>",
        o.muc, o.component, k, o.muc, k, k, o.domain, k, k,
        token != NULL ? "<token>" : "", token != NULL ? token : "", token != NULL ? "</token>" : "");
    sent_at[k] = bench_now_s();
    outs(buf);
}

static void run_phase(const struct phase *ph)
{
    unsigned long k = 1, r0;
    double t_end, t0, t1, c0, c1;

    /* Warm up for half a second, then measure. */
    memset(sent_at, 0, MAX_REQ * sizeof(*sent_at));
    results = errors = allow = lobby_v = deny = other_v = 0;
    t_end = bench_now_s() + 0.5;
    while (bench_now_s() < t_end) {
        while (k - 1 - (results + errors) < (unsigned long)o.window && k < MAX_REQ)
            send_join(k++, ph->token);
        pump(5);
    }
    while (k - 1 > results + errors && bench_now_s() < t_end + 5)
        pump(5);
    r0 = results + errors;
    n_lat = 0;
    allow = lobby_v = deny = other_v = 0;
    c0 = bench_proc_cpu(o.lobbyd_pid);
    t0 = bench_now_s();
    t_end = t0 + o.seconds;
    while (bench_now_s() < t_end) {
        while (k - 1 - (results + errors) < (unsigned long)o.window && k < MAX_REQ)
            send_join(k++, ph->token);
        pump(5);
    }
    t1 = bench_now_s();
    c1 = bench_proc_cpu(o.lobbyd_pid);
    r0 = results + errors - r0;
    qsort(lat, n_lat, sizeof(*lat), cmp_double);
    printf("FEED phase=%s verdicts=%lu secs=%.3f per_s=%.0f p50_ms=%.3f p99_ms=%.3f "
           "allow=%lu lobby=%lu deny=%lu other=%lu errors=%lu lobbyd_cpu_s=%.2f "
           "lobbyd_us_per_verdict=%.1f\n",
           ph->name, r0, t1 - t0, (double)r0 / (t1 - t0), pct(0.5), pct(0.99), allow, lobby_v,
           deny, other_v, errors, c1 - c0, r0 > 0 ? (c1 - c0) * 1e6 / (double)r0 : -1);
    fflush(stdout);
    /* Drain what is still in flight. */
    t_end = bench_now_s() + 5;
    while (k - 1 > results + errors && bench_now_s() < t_end)
        pump(5);
}

/* Sends a set IQ and waits for its answer. */
static void set_and_wait(const char *stanza)
{
    double t_end = bench_now_s() + 5;

    pending_set++;
    outs(stanza);
    while (pending_set > 0 && bench_now_s() < t_end)
        pump(5);
    if (pending_set > 0)
        bench_die("lobbyd did not answer a set IQ");
}

static void run_knocks(void)
{
    char buf[1024];
    unsigned long sent = 0, mark = 10, prev = 0, a0;
    double t0, c0, t_end = bench_now_s() + 300, c_mark0, t_mark0;
    long rss0;

    bench_fmt(buf, sizeof(buf), "<iq type='set' from='%s' to='%s' id='o1'><occupant xmlns='" NS_BRIDGE
        "' room='knock@%s' jid='mod@%s/r' nick='mod' event='joined' affiliation='owner'/></iq>",
        o.muc, o.component, o.muc, o.domain);
    set_and_wait(buf);
    bench_fmt(buf, sizeof(buf), "<iq type='set' from='%s' to='%s' id='l1'><lobby xmlns='" NS_BRIDGE
        "' room='knock@%s' actor='mod@%s/r' enabled='true'/></iq>",
        o.muc, o.component, o.muc, o.domain);
    set_and_wait(buf);
    /* The moderator enters the lobby room: it sees every knock. */
    a0 = acks;
    bench_fmt(buf, sizeof(buf), "<presence from='mod@%s/r' to='knock@%s/mod'>"
        "<x xmlns='http://jabber.org/protocol/muc'/></presence>", o.domain, o.component);
    outs(buf);
    while (acks == a0 && bench_now_s() < t_end)
        pump(5);
    if (acks == a0)
        bench_die("the moderator did not get into the lobby room");
    rss0 = bench_proc_rss_kib(o.lobbyd_pid);
    printf("FEED knocks=0 lobbyd_rss_kib=%ld\n", rss0);
    memset(sent_at, 0, MAX_REQ * sizeof(*sent_at));
    n_lat = 0;
    a0 = acks;
    t0 = t_mark0 = bench_now_s();
    c0 = c_mark0 = bench_proc_cpu(o.lobbyd_pid);
    while (acks - a0 < (unsigned long)o.knocks && bench_now_s() < t_end) {
        while (sent < (unsigned long)o.knocks && sent - (acks - a0) < (unsigned long)o.window &&
               sent < mark) {
            sent++;
            bench_fmt(buf, sizeof(buf), "<presence from='g%lu@%s/r' to='knock@%s/g%lu'>"
                "<x xmlns='http://jabber.org/protocol/muc'/>"
                "<nick xmlns='http://jabber.org/protocol/nick'>Guest %lu</nick></presence>",
                sent, o.domain, o.component, sent, sent);
            sent_at[sent] = bench_now_s();
            outs(buf);
        }
        pump(5);
        if (acks - a0 >= mark || acks - a0 >= (unsigned long)o.knocks) {
            unsigned long n = acks - a0, seg = n - prev;
            double t = bench_now_s(), c = bench_proc_cpu(o.lobbyd_pid);
            long rss = bench_proc_rss_kib(o.lobbyd_pid);

            qsort(lat, n_lat, sizeof(*lat), cmp_double);
            printf("FEED knocks=%lu segment=%lu wall_us_per_knock=%.1f lobbyd_us_per_knock=%.1f "
                   "p50_ms=%.3f p99_ms=%.3f lobbyd_rss_kib=%ld bytes_per_waiting=%.0f\n",
                   n, seg, (t - t_mark0) * 1e6 / (double)seg, (c - c_mark0) * 1e6 / (double)seg,
                   pct(0.5), pct(0.99), rss, (double)(rss - rss0) * 1024.0 / (double)n);
            fflush(stdout);
            n_lat = 0;
            prev = n;
            t_mark0 = t;
            c_mark0 = c;
            mark *= 10;
        }
    }
    printf("FEED knocks_total=%lu secs=%.3f lobbyd_cpu_s=%.2f\n", acks - a0, bench_now_s() - t0,
           bench_proc_cpu(o.lobbyd_pid) - c0);
    if (acks - a0 < (unsigned long)o.knocks)
        bench_die("not every knock got its self-presence");
}

static char *read_token(const char *path)
{
    FILE *f = fopen(path, "r");
    char *t = malloc(8192);
    size_t n;

    if (f == NULL || t == NULL)
        bench_die("cannot read a token file");
    n = fread(t, 1, 8191, f);
    fclose(f);
    while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r'))
        n--;
    t[n] = '\0';
    if (n == 0)
        bench_die("empty token file");
    return t;
}

static void usage(void)
{
    fprintf(stderr, "usage: bench_feed --port P --lobbyd-pid-file F [--phase NAME[:TOKEN_FILE]]...\n"
            "       [--seconds S] [--window W] [--knocks N] [--quickack 0|1]\n"
            "       [--component D] [--muc D] [--domain D]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    struct sockaddr_in sa;
    struct pollfd p;
    int ls, one = 1, i;
    const char *pid_file = NULL;
    double t_end;

    bench_program = "bench_feed";

    for (i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];

        if (strcmp(a, "--port") == 0)
            o.port = (int)bench_num_arg(v, 1, 65535, a);
        else if (strcmp(a, "--seconds") == 0)
            o.seconds = (int)bench_num_arg(v, 1, 600, a);
        else if (strcmp(a, "--window") == 0)
            o.window = (int)bench_num_arg(v, 1, 100000, a);
        else if (strcmp(a, "--knocks") == 0)
            o.knocks = (int)bench_num_arg(v, 0, MAX_REQ - 1, a);
        else if (strcmp(a, "--quickack") == 0)
            o.quickack = (int)bench_num_arg(v, 0, 1, a);
        else if (strcmp(a, "--lobbyd-pid-file") == 0)
            pid_file = v;
        else if (strcmp(a, "--component") == 0)
            o.component = v;
        else if (strcmp(a, "--muc") == 0)
            o.muc = v;
        else if (strcmp(a, "--domain") == 0)
            o.domain = v;
        else if (strcmp(a, "--phase") == 0 && o.n_phases < MAX_PHASES) {
            char *name = strdup(v), *colon;

            if (name == NULL)
                bench_die("out of memory");
            colon = strchr(name, ':');
            o.phases[o.n_phases].name = name;
            o.phases[o.n_phases].token = NULL;
            if (colon != NULL) {
                *colon = '\0';
                o.phases[o.n_phases].token = read_token(colon + 1);
            }
            o.n_phases++;
        } else
            usage();
    }
    if (i != argc || o.port == 0)
        usage();
    wbuf = malloc(WBUF_SIZE);
    sent_at = calloc(MAX_REQ, sizeof(*sent_at));
    lat_cap = MAX_REQ;
    lat = calloc(lat_cap, sizeof(*lat));
    if (wbuf == NULL || sent_at == NULL || lat == NULL)
        bench_die("out of memory");

    ls = socket(AF_INET, SOCK_STREAM, 0);
    if (ls < 0)
        bench_die("socket failed");
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)o.port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(ls, 1) != 0)
        bench_die("cannot listen on the port");
    printf("FEED listening port=%d\n", o.port);
    fflush(stdout);
    p.fd = ls;
    p.events = POLLIN;
    if (poll(&p, 1, 30000) != 1)
        bench_die("lobbyd did not connect within 30 s");
    fd = accept(ls, NULL, NULL);
    if (fd < 0)
        bench_die("accept failed");
    close(ls);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    fcntl(fd, F_SETFL, O_NONBLOCK);
    parser = XML_ParserCreate(NULL);
    if (parser == NULL)
        bench_die("out of memory");
    XML_SetElementHandler(parser, on_start, on_end);
    t_end = bench_now_s() + 10;
    while (!authed && bench_now_s() < t_end)
        pump(10);
    if (!authed)
        bench_die("no handshake from lobbyd");
    /* The pid is read now: lobbyd is up. */
    if (pid_file != NULL) {
        FILE *f = fopen(pid_file, "r");
        char line[32];

        if (f != NULL && fgets(line, sizeof(line), f) != NULL)
            o.lobbyd_pid = (int)strtol(line, NULL, 10);
        if (f != NULL)
            fclose(f);
    }
    printf("FEED connected lobbyd_pid=%d lobbyd_rss_kib=%ld\n", o.lobbyd_pid,
           bench_proc_rss_kib(o.lobbyd_pid));
    fflush(stdout);
    /* Let lobbyd settle after its connect. */
    t_end = bench_now_s() + 0.3;
    while (bench_now_s() < t_end)
        pump(10);
    for (i = 0; i < o.n_phases; i++)
        run_phase(&o.phases[i]);
    if (o.knocks > 0)
        run_knocks();
    close(fd);
    return 0;
}
