/* bench_util.h: the few helpers every benchmark tool shares: a monotonic clock, process CPU time,
 * reading a file of lines, and the median of a handful of samples. Benchmark-only code: nothing
 * here is linked into verigate. */
#ifndef VG_BENCH_UTIL_H
#define VG_BENCH_UTIL_H

#include <stddef.h>

/* Seconds on CLOCK_MONOTONIC. */
double bench_now(void);

/* CPU seconds (user + system) of this process so far. */
double bench_process_cpu(void);

/* CPU seconds (user + system, every thread) of another process: its CPU clock to the nanosecond,
 * else utime + stime from /proc/PID/stat; -1 when unreadable. */
double bench_pid_cpu(long pid);

/* The non-empty lines of path, without their newlines, in *count. NULL (message on stderr) when
 * the file cannot be read or has no line. Release with bench_free_lines. */
char **bench_read_lines(const char *path, size_t *count);
void bench_free_lines(char **lines, size_t count);

/* Column col (0-based) of a tab-separated line, copied into out; 0 when it is missing or does not
 * fit. */
int bench_column(const char *line, int col, char *out, size_t size);

/* Median of n samples (n > 0); sorts v in place. */
double bench_median(double *v, size_t n);

/* A positive integer argument, or exits with a message naming it. */
long bench_positive(const char *name, const char *text);

#endif
