/*
 * test_metrics.c: component/metrics.c without HTTP: the metrics_listen
 * syntax, the loopback check, and the exposition text (counters, label
 * sets with escaping and their bound, cumulative histogram buckets).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "component/metrics.h"

static void test_listen_syntax(void **state)
{
    static const struct {
        const char *s;
        bool ok, loopback;
        const char *why_has;
    } rows[] = {
        {"127.0.0.1:9898", true, true, NULL},
        {"127.1.2.3:1", true, true, NULL},
        {"[::1]:9898", true, true, NULL},
        {"0.0.0.0:9898", true, false, NULL},
        {"[::]:65535", true, false, NULL},
        {"10.0.0.5:9898", true, false, NULL},
        {"9898", false, false, "expected ADDRESS:PORT"},
        {":9898", false, false, "expected ADDRESS:PORT"},
        {"127.0.0.1:", false, false, "is not a number"},
        {"127.0.0.1:0", false, false, "is not a number from 1 to 65535"},
        {"127.0.0.1:65536", false, false, "is not a number from 1 to 65535"},
        {"127.0.0.1:99x", false, false, "is not a number"},
        {"localhost:9898", false, false, "is not an IPv4 address"},
        {"::1:9898", false, false, "is not an IPv4 address (an IPv6 one goes in brackets)"},
        {"[127.0.0.1]:9898", false, false, "is not an IPv6 address"},
    };
    struct sockaddr_storage ss;
    socklen_t len;
    char why[256];

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        bool ok = metrics_parse_listen(rows[i].s, &ss, &len, why, sizeof(why));

        print_message("%s\n", rows[i].s);
        assert_int_equal(ok, rows[i].ok);
        if (ok)
            assert_int_equal(metrics_is_loopback(&ss), rows[i].loopback);
        else
            assert_non_null(strstr(why, rows[i].why_has));
    }
}

static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);

    for (const char *p = text; (p = strstr(p, line)) != NULL; p += n) {
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return true;
    }
    return false;
}

static void test_exposition(void **state)
{
    struct metrics *m = metrics_new();
    char *text;
    size_t len;

    (void)state;
    metrics_add(m, METRICS_KNOCKS);
    metrics_add(m, METRICS_KNOCKS);
    metrics_add(m, METRICS_CONNECTS);
    metrics_label(m, METRICS_VERDICTS, "allow", "owner-claim");
    metrics_label(m, METRICS_VERDICTS, "allow", "owner-claim");
    metrics_label(m, METRICS_VERDICTS, "lobby", "lobby");
    metrics_label(m, METRICS_TOKEN_REFUSALS, "time", NULL);
    metrics_label(m, METRICS_TIMEOUTS, "we\"ird\\\n", NULL);
    metrics_observe(m, METRICS_WAIT_SECONDS, 0.5);
    metrics_observe(m, METRICS_WAIT_SECONDS, 7);
    metrics_observe(m, METRICS_WAIT_SECONDS, 99999);
    metrics_set_waiting(m, 3);
    metrics_add(m, METRICS_WEBHOOK_DELIVERIES);
    metrics_add(m, METRICS_WEBHOOK_DROPPED);
    metrics_add(m, METRICS_WEBHOOK_DROPPED);
    metrics_set_webhook_queue(m, 17);
    metrics_render(m, &text, &len);
    assert_int_equal(strlen(text), len);
    assert_true(has_line(text, "# TYPE lobbyd_knocks_total counter"));
    assert_true(has_line(text, "lobbyd_knocks_total 2"));
    assert_true(has_line(text, "lobbyd_admits_total 0"));
    assert_true(has_line(text, "lobbyd_component_connects_total 1"));
    assert_true(has_line(text, "lobbyd_verdicts_total{action=\"allow\",rule=\"owner-claim\"} 2"));
    assert_true(has_line(text, "lobbyd_verdicts_total{action=\"lobby\",rule=\"lobby\"} 1"));
    assert_true(has_line(text, "lobbyd_token_refusals_total{reason=\"time\"} 1"));
    assert_true(has_line(text, "lobbyd_timeouts_total{limit=\"we\\\"ird\\\\\\n\"} 1"));
    assert_true(has_line(text, "# TYPE lobbyd_wait_seconds histogram"));
    assert_true(has_line(text, "lobbyd_wait_seconds_bucket{le=\"1\"} 1"));
    assert_true(has_line(text, "lobbyd_wait_seconds_bucket{le=\"5\"} 1"));
    assert_true(has_line(text, "lobbyd_wait_seconds_bucket{le=\"10\"} 2"));
    assert_true(has_line(text, "lobbyd_wait_seconds_bucket{le=\"3600\"} 2"));
    assert_true(has_line(text, "lobbyd_wait_seconds_bucket{le=\"+Inf\"} 3"));
    assert_true(has_line(text, "lobbyd_wait_seconds_count 3"));
    assert_true(has_line(text, "lobbyd_verdict_seconds_count 0"));
    assert_true(has_line(text, "lobbyd_waiting 3"));
    assert_true(has_line(text, "# TYPE lobbyd_webhook_deliveries_total counter"));
    assert_true(has_line(text, "lobbyd_webhook_deliveries_total 1"));
    assert_true(has_line(text, "lobbyd_webhook_failures_total 0"));
    assert_true(has_line(text, "lobbyd_webhook_dropped_total 2"));
    assert_true(has_line(text, "# TYPE lobbyd_webhook_queue gauge"));
    assert_true(has_line(text, "lobbyd_webhook_queue 17"));
    free(text);
    metrics_free(m);
    metrics_free(NULL);
}

/* Label sets past the bound are counted, under one overflow series. */
static void test_label_bound(void **state)
{
    struct metrics *m = metrics_new();
    char rule[32], *text;
    size_t len;

    (void)state;
    for (int i = 0; i < METRICS_MAX_LABELS + 5; i++) {
        snprintf(rule, sizeof(rule), "admit:r%d", i);
        metrics_label(m, METRICS_VERDICTS, "allow", rule);
    }
    metrics_render(m, &text, &len);
    assert_true(has_line(text, "lobbyd_verdicts_total{action=\"allow\",rule=\"admit:r0\"} 1"));
    assert_false(strstr(text, "rule=\"admit:r256\"") != NULL);
    assert_true(has_line(text, "lobbyd_verdicts_total{other=\"overflow\"} 5"));
    free(text);
    metrics_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_syntax),
        cmocka_unit_test(test_exposition),
        cmocka_unit_test(test_label_bound),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
