/*
 * benchutil.h: small helpers the benchmark programs share (bench_load,
 * bench_feed, bench_ws): a monotonic clock, bounded formatting, argument parsing and
 * /proc readings. Benchmark code only; the daemon never links it.
 */
#ifndef LOBBYD_TESTS_BENCH_BENCHUTIL_H
#define LOBBYD_TESTS_BENCH_BENCHUTIL_H

#include <stddef.h>

/* The program's name in messages; set it first thing in main(). */
extern const char *bench_program;

/* Monotonic seconds. */
double bench_now_s(void);

/* Print "program: msg" and exit(1). */
void bench_die(const char *msg) __attribute__((noreturn));

/* snprintf that refuses truncation (exits). */
void bench_fmt(char *buf, size_t size, const char *f, ...) __attribute__((format(printf, 3, 4)));

/* A whole number from lo to hi, or a message and exit(2). */
long bench_num_arg(const char *s, long lo, long hi, const char *what);

/* CPU seconds (user + system) this process has used so far. */
double bench_self_cpu(void);

/* CPU seconds (user + system) of process 'pid' from /proc, or -1. */
double bench_proc_cpu(int pid);

/* Resident set size of process 'pid' in KiB from /proc, or -1. */
long bench_proc_rss_kib(int pid);

#endif
