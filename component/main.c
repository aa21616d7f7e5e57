/*
 * main.c: lobbyd's entry point.
 *
 *   lobbyd -c FILE             run the daemon
 *   lobbyd --check -c FILE     validate the configuration and key files
 *   lobbyd --help-config       list every configuration key
 *   lobbyd token check|mint    see `lobbyd token --help`
 *
 * Exit codes: 0 clean shutdown or valid configuration, 1 runtime failure,
 * 2 usage or configuration error. The component secret never comes from
 * argv: it is read from component_secret_file or LOBBYD_COMPONENT_SECRET.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "component/cmd_token.h"
#include "component/config.h"
#include "component/dispatch.h"
#include "component/audit.h"
#include "component/metrics.h"
#include "component/webhook.h"
#include "base/log.h"
#include "xmpp/stream.h"

#define LOBBYD_VERSION "0.1.0"
#define LOOP_TICK_MS 500
#define SHUTDOWN_WAIT_MS 1000

static volatile sig_atomic_t quit;
static volatile sig_atomic_t reload;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload = 1;
    else
        quit = 1;
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    /* No SA_RESTART: a signal must interrupt the wait in select(). */
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: lobbyd -c FILE             run the component\n"
            "       lobbyd --check -c FILE     validate the configuration and exit\n"
            "       lobbyd --help-config       list every configuration key\n"
            "       lobbyd token check|mint …  verify or mint a token (lobbyd token --help)\n"
            "       lobbyd --version\n");
}

/* Take the lock file so a second instance refuses to start. Returns the fd
 * (kept open for the life of the process), or -1 (logged). */
static int take_lock(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    char pid[32];
    int n;

    if (fd == -1) {
        log_warn("config: cannot open lock_file %s", path);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
        if (errno == EWOULDBLOCK)
            log_errorx("config: another lobbyd holds %s; refusing to run twice", path);
        else
            log_warn("config: cannot lock %s", path);
        close(fd);
        return -1;
    }
    n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) == -1 || write(fd, pid, (size_t)n) != n)
        log_warn("config: cannot write the pid to %s", path);
    return fd;
}

static int check_config(struct config *cfg)
{
    char why[512];
    const char *notes[4];
    struct dispatch *d;
    size_t n;

    if (config_load_secret(cfg, stderr) == -1)
        return 2;
    d = dispatch_new(cfg, stderr);
    if (d == NULL)
        return 2;
    dispatch_free(d);
    if (cfg->webhook_url != NULL && webhook_check(cfg, why, sizeof(why)) == -1) {
        fprintf(stderr, "%s: key \"webhook_secret_file\": %s\n", cfg->path, why);
        return 2;
    }
    n = config_stricter_than_jitsi(cfg, notes, sizeof(notes) / sizeof(notes[0]));
    for (size_t i = 0; i < n; i++)
        printf("note: stricter than Jitsi: %s\n", notes[i]);
    printf("configuration OK\n");
    return 0;
}

/* After each (re)connect: leaves that happened while the stream was down
 * never reached lobbyd, so ask the bridge who is still there. */
static void ask_who_is_present(struct stream *s, const struct dispatch *d)
{
    struct bridge_session *v;
    size_t n = dispatch_sessions(d, &v);

    if (n > 0) {
        log_info("stream: asking the bridge which of %zu sessions are still present", n);
        stream_ask_present(s, v, n);
    }
    dispatch_sessions_free(v, n);
}

/* metrics_listen: serve, and say loudly when it is not loopback only. */
static bool serve_metrics(const struct config *cfg, struct dispatch *d)
{
    struct sockaddr_storage ss;
    socklen_t len;
    char why[256];

    if (!metrics_serve(dispatch_metrics(d), cfg->metrics_listen, why, sizeof(why))) {
        log_warnx("metrics: %s (metrics_listen in %s)", why, cfg->path);
        return false;
    }
    log_info("metrics: serving http://%s/metrics", cfg->metrics_listen);
    if (metrics_parse_listen(cfg->metrics_listen, &ss, &len, why, sizeof(why)) &&
        !metrics_is_loopback(&ss))
        log_warnx("metrics: %s is not a loopback address: anyone who reaches it reads "
                  "lobbyd's counters; keep it behind a firewall", cfg->metrics_listen);
    return true;
}

/* The audit's sink: every line to the webhook queue. */
static void post_to_webhook(void *arg, const char *event, const char *line, size_t len)
{
    webhook_post(arg, event, line, len);
}

/* webhook_url: start the delivery thread; the audit hands it every line. */
static struct webhook *start_webhook(const struct config *cfg, struct dispatch *d,
                                     struct audit *audit)
{
    struct webhook *w;
    char why[512];

    w = webhook_start(cfg, dispatch_metrics(d), why, sizeof(why));
    if (w == NULL) {
        log_warnx("webhook: %s (in %s)", why, cfg->path);
        return NULL;
    }
    audit_set_sink(audit, post_to_webhook, w);
    return w;
}

/* Where the configuration refuses what Jitsi accepts: said loudly. */
static void warn_stricter(const struct config *cfg)
{
    const char *notes[4];
    size_t n = config_stricter_than_jitsi(cfg, notes, sizeof(notes) / sizeof(notes[0]));

    for (size_t i = 0; i < n; i++)
        log_warnx("config: stricter than Jitsi: %s", notes[i]);
}

/* Log each line of 'text' (a memstream's output) at 'warn' or info level. */
static void log_lines(char *text, bool warn)
{
    char *save = NULL;

    for (char *line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        if (warn)
            log_warnx("config: %s", line);
        else
            log_info("config: %s", line);
    }
}

/*
 * SIGHUP: the audit file is reopened (logrotate), then the configuration
 * is read again and takes over without dropping the stream or anyone
 * waiting. A configuration with errors is refused with each FILE:LINE
 * problem, and the running one stays.
 */
/* a, b and c in one new string. Cannot fail. */
static char *concat3(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
    char *s = xmalloc(la + lb + lc + 1);

    memcpy(s, a, la);
    memcpy(s + la, b, lb);
    memcpy(s + la + lb, c, lc + 1);
    return s;
}

/*
 * Read the configuration again (SIGHUP, or the admin command "reload").
 * The outcome is logged; with 'report', *report also gets it (malloc'd)
 * for the operator who asked. Returns 0 when the new one is in force.
 */
static int reload_config(struct config **cfgp, struct dispatch *d, struct audit *audit,
                         char **report)
{
    struct config *running = *cfgp, *fresh;
    char *errs_text = NULL, *notes_text = NULL;
    size_t errs_len = 0, notes_len = 0;
    FILE *errs, *notes;
    int r = -1;

    audit_reopen(audit);
    errs = open_memstream(&errs_text, &errs_len);
    notes = open_memstream(&notes_text, &notes_len);
    if (errs == NULL || notes == NULL)
        fatal("open_memstream");
    fresh = config_reload(running, errs, notes);
    if (fresh != NULL)
        r = dispatch_reload(d, fresh, errs);
    fclose(errs);
    fclose(notes);
    if (r != 0) {
        log_lines(errs_text, true);
        log_warnx("config: reload of %s refused; the running configuration stays in force",
                  running->path);
        config_free(fresh);
        if (report != NULL)
            *report = concat3("reload refused; the running configuration stays in force: ",
                              errs_text, "");
    } else {
        log_lines(notes_text, true);
        /* The stream keeps the secret it was given; it moves with the config. */
        fresh->component_secret = running->component_secret;
        running->component_secret = NULL;
        config_free(running);
        *cfgp = fresh;
        log_info("config: reloaded %s", fresh->path);
        for (size_t i = 0; i < fresh->admit_rules.n; i++)
            log_info("config: admission rule %zu of %zu: %s", i + 1, fresh->admit_rules.n,
                     fresh->admit_rules.items[i]);
        warn_stricter(fresh);
        if (report != NULL)
            *report = concat3("reloaded ", fresh->path, notes_text[0] != '\0' ? "; " : "");
        if (report != NULL && notes_text[0] != '\0') {
            char *more = concat3(*report, notes_text, "");

            free(*report);
            *report = more;
        }
    }
    free(errs_text);
    free(notes_text);
    return r;
}

/* What the admin command "reload" needs to do what SIGHUP does. */
struct reloader {
    struct config **cfgp;
    struct dispatch *d;
    struct audit *audit;
};

static int reload_for_admin(void *arg, char **report)
{
    struct reloader *rl = arg;

    return reload_config(rl->cfgp, rl->d, rl->audit, report);
}

static int run(struct config **cfgp)
{
    struct config *cfg = *cfgp;
    struct stream_params sp;
    struct stream_handlers sh;
    struct reloader rl;
    struct dispatch *d = NULL;
    struct stream *s = NULL;
    struct audit *audit = NULL;
    struct webhook *webhook = NULL;
    char why[512];
    int lock_fd = -1;
    int r = 1;

    if (config_load_secret(cfg, stderr) == -1)
        return 2;
    if (cfg->lock_file != NULL) {
        lock_fd = take_lock(cfg->lock_file);
        if (lock_fd == -1)
            return 1;
    }
    d = dispatch_new(cfg, stderr);
    if (d == NULL) {
        r = 2;
        goto out;
    }
    dispatch_restore(d);
    audit = audit_open(cfg->audit_file, why, sizeof(why));
    if (audit == NULL) {
        log_warnx("audit: %s (audit_file in %s)", why, cfg->path);
        goto out;
    }
    dispatch_set_audit(d, audit);
    if (cfg->webhook_url != NULL) {
        webhook = start_webhook(cfg, d, audit);
        if (webhook == NULL)
            goto out;
    }
    if (cfg->metrics_listen != NULL && !serve_metrics(cfg, d))
        goto out;
    memset(&sp, 0, sizeof(sp));
    sp.jid = cfg->component_jid;
    sp.host = cfg->component_host;
    sp.port = cfg->component_port;
    sp.secret = cfg->component_secret;
    sp.bridge_from = cfg->muc_domain;
    sp.backoff_max_ms = cfg->reconnect_max_ms;
    sp.debug_xmpp = cfg->debug_xmpp;
    sh.arg = d;
    sh.on_join = dispatch_on_join;
    sh.on_event = dispatch_on_event;
    sh.on_muc = dispatch_on_muc;
    sh.on_gone = dispatch_on_gone;
    sh.asks_display_name = dispatch_asks_display_name;
    sh.on_command = dispatch_on_command;
    sh.commands_for = dispatch_commands_for;
    rl.cfgp = cfgp;
    rl.d = d;
    rl.audit = audit;
    dispatch_set_reloader(d, reload_for_admin, &rl);
    s = stream_new(&sp, &sh);
    if (s == NULL)
        goto out;
    install_signals();
    log_buffer(true);
    log_info("lobbyd %s: serving %s for %s (MUC %s)", LOBBYD_VERSION, cfg->component_jid,
             cfg->main_domain, cfg->muc_domain);
    for (size_t i = 0; i < cfg->admit_rules.n; i++)
        log_info("config: admission rule %zu of %zu: %s", i + 1, cfg->admit_rules.n,
                 cfg->admit_rules.items[i]);
    warn_stricter(cfg);
    while (!quit) {
        if (reload) {
            reload = 0;
            (void)reload_config(cfgp, d, audit, NULL);
            cfg = *cfgp;
        }
        stream_run_once(s, dispatch_timeout_ms(d, LOOP_TICK_MS));
        cfg = *cfgp;            /* an admin command may have reloaded it */
        if (stream_take_connect(s)) {
            metrics_add(dispatch_metrics(d), METRICS_CONNECTS);
            ask_who_is_present(s, d);
        }
        stream_send_effects(s, dispatch_expire(d));
        dispatch_persist(d, false);
        (void)dispatch_metrics(d);      /* the waiting gauge, once a turn */
        /* Before the next turn sends what this one queued. */
        log_flush();
    }
    log_buffer(false);
    log_info("lobbyd: shutting down");
    stream_shutdown(s, SHUTDOWN_WAIT_MS);
    /* After the shutdown: stanzas read while it waited changed the state too. */
    dispatch_persist(d, true);
    r = 0;
out:
    stream_free(s);
    /* Last: the shutdown above may have audited a few more events. */
    if (audit != NULL)
        audit_set_sink(audit, NULL, NULL);
    webhook_stop(webhook, r == 0 ? WEBHOOK_DRAIN_MS : 0);
    dispatch_free(d);
    audit_close(audit);
    if (lock_fd != -1)
        close(lock_fd);
    return r;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {"help-config", no_argument, NULL, 'H'},
        {"man-config", no_argument, NULL, 'M'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    bool check = false;
    struct config *cfg;
    enum log_level level;
    int ch, r;

    if (argc > 1 && strcmp(argv[1], "token") == 0)
        return cmd_token_main(argc - 1, argv + 1);
    while ((ch = getopt_long(argc, argv, "c:nhV", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            path = optarg;
            break;
        case 'n':
            check = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'H':
            config_print_help(stdout);
            return 0;
        case 'M':
            config_print_man(stdout);
            return 0;
        case 'V':
            printf("lobbyd %s\n", LOBBYD_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (path == NULL || optind != argc) {
        usage(stderr);
        return 2;
    }
    cfg = config_load(path, stderr, check ? stdout : NULL);
    if (cfg == NULL)
        return 2;
    /* config.c lists log_level choices in the order of enum log_level. */
    level = (enum log_level)cfg->log_level;
    log_init(cfg->debug_xmpp ? LOG_LEVEL_DEBUG : level, cfg->log_time);
    r = check ? check_config(cfg) : run(&cfg);
    config_free(cfg);
    return r;
}
