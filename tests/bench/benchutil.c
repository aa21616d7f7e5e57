/*
 * benchutil.c: helpers shared by the benchmark programs; see benchutil.h.
 */
#include "tests/bench/benchutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

const char *bench_program = "bench";

double bench_now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_die(const char *msg)
{
    fprintf(stderr, "%s: %s\n", bench_program, msg);
    exit(1);
}

void bench_fmt(char *buf, size_t size, const char *f, ...)
{
    va_list ap;
    int n;

    va_start(ap, f);
    n = vsnprintf(buf, size, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size)
        bench_die("internal buffer too small");
}

long bench_num_arg(const char *s, long lo, long hi, const char *what)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "%s: bad %s: %s\n", bench_program, what, s);
        exit(2);
    }
    return v;
}

/* Read /proc/<pid>/<name> into 'buf'; returns the length or -1. */
static ssize_t read_proc(int pid, const char *name, char *buf, size_t size)
{
    char path[64];
    ssize_t n;
    int f;

    if (pid <= 0)
        return -1;
    bench_fmt(path, sizeof(path), "/proc/%d/%s", pid, name);
    f = open(path, O_RDONLY);
    if (f < 0)
        return -1;
    n = read(f, buf, size - 1);
    close(f);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return n;
}

double bench_proc_cpu(int pid)
{
    char buf[1024], *p, *end;
    unsigned long long v[2] = {0, 0};
    int field;

    if (read_proc(pid, "stat", buf, sizeof(buf)) < 0)
        return -1;
    /* Fields 14 and 15 (utime, stime) after the parenthesised command. */
    p = strrchr(buf, ')');
    if (p == NULL)
        return -1;
    p++;
    for (field = 3; field <= 15 && *p != '\0'; field++) {
        while (*p == ' ')
            p++;
        if (field >= 14) {
            v[field - 14] = strtoull(p, &end, 10);
            p = end;
        } else {
            while (*p != ' ' && *p != '\0')
                p++;
        }
    }
    return (double)(v[0] + v[1]) / (double)sysconf(_SC_CLK_TCK);
}

long bench_proc_rss_kib(int pid)
{
    char buf[4096], *p;

    if (read_proc(pid, "status", buf, sizeof(buf)) < 0)
        return -1;
    p = strstr(buf, "VmRSS:");
    return p != NULL ? strtol(p + 6, NULL, 10) : -1;
}

double bench_self_cpu(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}
