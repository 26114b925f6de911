/* bench_util.c: see bench_util.h. */
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

double bench_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_process_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double bench_pid_cpu(long pid) {
  /* The process's CPU clock: nanoseconds, every thread included. */
  clockid_t clock;
  struct timespec ts;
  if (clock_getcpuclockid((pid_t)pid, &clock) == 0 && clock_gettime(clock, &ts) == 0)
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
  /* Else /proc, in clock ticks. The command name (field 2) may hold spaces: count fields from
   * its closing parenthesis. */
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char *p = strrchr(buf, ')');
  unsigned long utime = 0, stime = 0;
  if (!p ||
      sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

char **bench_read_lines(const char *path, size_t *count) {
  char **lines = NULL, *line = NULL;
  size_t cap = 0, linecap = 0;
  ssize_t len;
  *count = 0;
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "cannot read %s\n", path);
    return NULL;
  }
  while ((len = getline(&line, &linecap, f)) >= 0) {
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = '\0';
    if (len == 0) continue;
    if (*count == cap) {
      cap = cap ? cap * 2 : 256;
      char **grown = realloc(lines, cap * sizeof *lines);
      if (!grown) goto fail;
      lines = grown;
    }
    if (!(lines[*count] = strdup(line))) goto fail;
    (*count)++;
  }
  free(line);
  fclose(f);
  if (*count == 0) {
    fprintf(stderr, "%s has no line\n", path);
    free(lines);
    return NULL;
  }
  return lines;

fail:
  fprintf(stderr, "out of memory reading %s\n", path);
  free(line);
  fclose(f);
  bench_free_lines(lines, *count);
  *count = 0;
  return NULL;
}

void bench_free_lines(char **lines, size_t count) {
  for (size_t i = 0; lines && i < count; i++) free(lines[i]);
  free(lines);
}

int bench_column(const char *line, int col, char *out, size_t size) {
  for (; col > 0 && line; col--) {
    line = strchr(line, '\t');
    if (line) line++;
  }
  if (!line) return 0;
  size_t len = strcspn(line, "\t");
  if (len == 0 || len >= size) return 0;
  memcpy(out, line, len);
  out[len] = '\0';
  return 1;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double bench_median(double *v, size_t n) {
  qsort(v, n, sizeof *v, compare_doubles);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

long bench_positive(const char *name, const char *text) {
  char *end;
  long v = strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || v <= 0) {
    fprintf(stderr, "%s must be a positive integer, not '%s'\n", name, text);
    exit(2);
  }
  return v;
}
