/*
 * test_audit.c: component/audit.c on a scratch directory: one JSON line
 * per event with ts and event first, appending, reopening after a move,
 * and the refusal of a path that cannot be opened.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "component/audit.h"

static char dir[] = "/tmp/lobbyd-test-audit-XXXXXX";

static char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void test_lines(void **state)
{
    char path[256], moved[256], why[256];
    struct audit *a;
    const char *text;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
    snprintf(moved, sizeof(moved), "%s/audit.jsonl.1", dir);
    a = audit_open(path, why, sizeof(why));
    assert_non_null(a);
    audit_write(a, "knock", json_pack("{s:s, s:s?}", "room", "r@lobby.meet.test", "name", NULL));
    audit_write(a, "deny", json_pack("{s:s, s:f}", "actor", "o@meet.test/x", "waited_s", 1.5));
    text = slurp(path);
    assert_non_null(strstr(text, "\",\"event\":\"knock\",\"room\":\"r@lobby.meet.test\","
                                 "\"name\":null}\n{\"ts\":\""));
    assert_non_null(strstr(text, "\"event\":\"deny\",\"actor\":\"o@meet.test/x\","
                                 "\"waited_s\":1.5}\n"));
    assert_int_equal(strncmp(text, "{\"ts\":\"20", 9), 0);
    assert_int_equal(rename(path, moved), 0);
    audit_reopen(a);
    audit_write(a, "lobby", json_pack("{s:s}", "lobby", "off"));
    assert_null(strstr(slurp(moved), "\"lobby\":\"off\""));
    assert_non_null(strstr(slurp(path), "\"event\":\"lobby\",\"lobby\":\"off\"}\n"));
    audit_close(a);

    /* No audit_file: events are dropped. */
    a = audit_open(NULL, why, sizeof(why));
    assert_non_null(a);
    audit_write(a, "knock", json_pack("{s:s}", "room", "x"));
    audit_reopen(a);
    audit_close(a);
    audit_close(NULL);
    audit_write(NULL, "knock", json_pack("{s:s}", "room", "x"));

    snprintf(path, sizeof(path), "%s/no/such/dir/audit.jsonl", dir);
    assert_null(audit_open(path, why, sizeof(why)));
    assert_non_null(strstr(why, "cannot open"));
    assert_non_null(strstr(why, "No such file or directory"));
    unlink(moved);
    snprintf(path, sizeof(path), "%s/audit.jsonl", dir);
    unlink(path);
    rmdir(dir);
}

struct seen {
    char event[32];
    char line[1024];
    size_t len;
    unsigned n;
};

static void record(void *arg, const char *event, const char *line, size_t len)
{
    struct seen *s = arg;

    snprintf(s->event, sizeof(s->event), "%s", event);
    assert_true(len < sizeof(s->line));
    memcpy(s->line, line, len + 1);     /* NUL-terminated, as the header says */
    s->len = len;
    s->n++;
}

/* The sink (the webhook) gets the very line the file gets, newline aside,
 * and gets it with no audit_file at all. */
static void test_sink(void **state)
{
    char sinkdir[] = "/tmp/lobbyd-test-audit-sink-XXXXXX";
    char path[256], why[256];
    struct seen seen = {.n = 0};
    struct audit *a;
    const char *text;

    (void)state;
    assert_non_null(mkdtemp(sinkdir));
    snprintf(path, sizeof(path), "%s/audit.jsonl", sinkdir);
    a = audit_open(path, why, sizeof(why));
    assert_non_null(a);
    audit_set_sink(a, record, &seen);
    audit_write(a, "admit", json_pack("{s:s, s:f}", "actor", "o@meet.test/x", "waited_s", 2.0));
    text = slurp(path);
    assert_int_equal(seen.n, 1);
    assert_string_equal(seen.event, "admit");
    assert_int_equal(strlen(text), seen.len + 1);
    assert_memory_equal(text, seen.line, seen.len);
    assert_int_equal(text[seen.len], '\n');
    audit_close(a);
    unlink(path);
    rmdir(sinkdir);

    a = audit_open(NULL, why, sizeof(why));
    assert_false(audit_enabled(a));
    audit_set_sink(a, record, &seen);
    assert_true(audit_enabled(a));
    audit_write(a, "deny", json_pack("{s:s}", "room", "r@lobby.meet.test"));
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.event, "deny");
    assert_non_null(strstr(seen.line, "\"event\":\"deny\",\"room\":\"r@lobby.meet.test\"}"));
    assert_int_equal(strncmp(seen.line, "{\"ts\":\"20", 9), 0);
    audit_set_sink(a, NULL, NULL);
    assert_false(audit_enabled(a));
    audit_write(a, "deny", json_pack("{s:s}", "room", "x"));
    assert_int_equal(seen.n, 2);
    audit_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_sink),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
