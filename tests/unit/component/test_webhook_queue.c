/*
 * test_webhook_queue.c: component/webhook_queue.c: the bound counts every
 * event not yet done (taken ones too), drops are counted, order is kept;
 * which answers are retried, the backoff schedule and its cap, and the
 * webhook_url checks and the URL as logged (no credentials, no query).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "component/webhook_queue.h"

static void test_bound(void **state)
{
    struct webhook_queue *q = webhook_queue_new(3);
    struct webhook_item *a, *b, *c;

    (void)state;
    assert_true(webhook_queue_push(q, "knock", "{\"n\":1}", 7));
    assert_true(webhook_queue_push(q, "admit", "{\"n\":2}", 7));
    assert_true(webhook_queue_push(q, "deny", "{\"n\":3}", 7));
    assert_false(webhook_queue_push(q, "deny", "{\"n\":4}", 7));
    assert_int_equal(webhook_queue_pending(q), 3);
    assert_int_equal(webhook_queue_dropped(q), 1);

    a = webhook_queue_take(q);
    assert_non_null(a);
    assert_string_equal(a->event, "knock");
    assert_string_equal(a->body, "{\"n\":1}");
    assert_int_equal(a->len, 7);
    assert_int_equal(a->attempts, 0);
    /* Taken is not done: the event still holds its place (a retry may follow). */
    assert_false(webhook_queue_push(q, "deny", "{\"n\":5}", 7));
    assert_int_equal(webhook_queue_dropped(q), 2);
    webhook_queue_done(q, a);
    assert_int_equal(webhook_queue_pending(q), 2);
    assert_true(webhook_queue_push(q, "lobby", "{\"n\":6}", 7));

    b = webhook_queue_take(q);
    c = webhook_queue_take(q);
    assert_string_equal(b->event, "admit");
    assert_string_equal(c->event, "deny");
    webhook_queue_done(q, b);
    webhook_queue_done(q, c);
    assert_int_equal(webhook_queue_pending(q), 1);
    /* The last one stays queued; freeing the queue frees it (ASan sees a leak otherwise). */
    webhook_queue_free(q);
    webhook_queue_free(NULL);
}

static void test_copies(void **state)
{
    struct webhook_queue *q = webhook_queue_new(1);
    char body[] = "{\"event\":\"verdict\"}";
    struct webhook_item *it;

    (void)state;
    assert_true(webhook_queue_push(q, "an-event-name-longer-than-the-field-holds", body,
                                   strlen(body)));
    body[2] = 'X';
    it = webhook_queue_take(q);
    assert_string_equal(it->body, "{\"event\":\"verdict\"}");
    assert_int_equal(strlen(it->event), WEBHOOK_EVENT_MAX - 1);
    assert_null(webhook_queue_take(q));
    webhook_queue_done(q, it);
    webhook_queue_free(q);
}

static void test_outcome(void **state)
{
    static const struct {
        bool answered;
        long status;
        enum webhook_outcome want;
    } rows[] = {
        {false, 0, WEBHOOK_RETRY},      /* refused, timed out, TLS failed */
        {true, 200, WEBHOOK_DELIVERED},
        {true, 204, WEBHOOK_DELIVERED},
        {true, 299, WEBHOOK_DELIVERED},
        {true, 500, WEBHOOK_RETRY},
        {true, 503, WEBHOOK_RETRY},
        {true, 429, WEBHOOK_RETRY},
        {true, 400, WEBHOOK_GIVE_UP},
        {true, 401, WEBHOOK_GIVE_UP},
        {true, 404, WEBHOOK_GIVE_UP},
        {true, 301, WEBHOOK_GIVE_UP},   /* redirects are not followed */
        {true, 100, WEBHOOK_GIVE_UP},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (webhook_outcome_of(rows[i].answered, rows[i].status) != rows[i].want)
            fail_msg("status %ld (answered %d): got %d, want %d", rows[i].status,
                     rows[i].answered, webhook_outcome_of(rows[i].answered, rows[i].status),
                     rows[i].want);
    }
}

static void test_backoff(void **state)
{
    static const struct {
        unsigned attempts;
        uint64_t want_ms;
    } rows[] = {
        {0, 0}, {1, 1000}, {2, 2000}, {3, 4000}, {4, 8000}, {5, 16000}, {6, 32000},
        {7, WEBHOOK_BACKOFF_MAX_MS}, {20, WEBHOOK_BACKOFF_MAX_MS}, {4000000000u, WEBHOOK_BACKOFF_MAX_MS},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (webhook_backoff_ms(rows[i].attempts) != rows[i].want_ms)
            fail_msg("after %u attempts: got %llu ms, want %llu", rows[i].attempts,
                     (unsigned long long)webhook_backoff_ms(rows[i].attempts),
                     (unsigned long long)rows[i].want_ms);
    }
    /* webhook_retries = 5: six attempts in all, the sixth the last. */
    assert_true(webhook_may_retry(1, 5));
    assert_true(webhook_may_retry(5, 5));
    assert_false(webhook_may_retry(6, 5));
    assert_false(webhook_may_retry(1, 0));
}

static void test_url(void **state)
{
    static const struct {
        const char *url;
        const char *problem_has;        /* NULL: a webhook_url */
        const char *logged;
    } rows[] = {
        {"http://127.0.0.1:8080/hook", NULL, "http://127.0.0.1:8080/hook"},
        {"https://hooks.example.com/lobbyd", NULL, "https://hooks.example.com/lobbyd"},
        {"HTTPS://hooks.example.com", NULL, "HTTPS://hooks.example.com"},
        {"https://user:pa55@hooks.example.com/x?token=abc#frag", NULL, "https://hooks.example.com/x"},
        {"https://hooks.example.com/x?key=s3cret", NULL, "https://hooks.example.com/x"},
        {"https://a@b@hooks.example.com:8443/p", NULL, "https://hooks.example.com:8443/p"},
        {"https://[::1]:8443/p", NULL, "https://[::1]:8443/p"},
        {"ftp://hooks.example.com/", "http:// or https://", "ftp://hooks.example.com/"},
        {"ftp://u:pw@hooks.example.com/?q", "http:// or https://", "ftp://hooks.example.com/"},
        {"hooks.example.com/x", "http:// or https://", "hooks.example.com/x"},
        {"http://", "no host", "http://"},
        {"http:///path", "no host", "http:///path"},
        {"https://user@/x", "no host", "https:///x"},
        {"https://hooks.example.com/a b", "blank", "https://hooks.example.com/a b"},
        {"https://hooks.example.com/\x01", "control", "https://hooks.example.com/?"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *p = webhook_url_problem(rows[i].url);
        char logged[128];

        if (rows[i].problem_has == NULL ? p != NULL
                                        : p == NULL || strstr(p, rows[i].problem_has) == NULL)
            fail_msg("%s: problem \"%s\", want \"%s\"", rows[i].url, p ? p : "(none)",
                     rows[i].problem_has ? rows[i].problem_has : "(none)");
        webhook_url_for_log(rows[i].url, logged, sizeof(logged));
        if (strcmp(logged, rows[i].logged) != 0)
            fail_msg("%s: logged as \"%s\", want \"%s\"", rows[i].url, logged, rows[i].logged);
    }
}

static void test_url_truncated(void **state)
{
    char out[12];

    (void)state;
    assert_string_equal(webhook_url_for_log("https://hooks.example.com/x", out, sizeof(out)),
                        "https://hoo");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound),
        cmocka_unit_test(test_copies),
        cmocka_unit_test(test_outcome),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_url_truncated),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
