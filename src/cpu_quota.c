/* cpu_quota.c: see cpu_quota.h. In a container, sysconf(_SC_NPROCESSORS_ONLN) is the host's
 * core count, while the CPU time it may use is its cgroup's `cpu.max` (quota per period). */
#include "cpu_quota.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The first few KiB of a small file, NUL-terminated; false when it cannot be read. */
static bool read_small(const char *path, char *buf, size_t len) {
  FILE *f = fopen(path, "r");
  if (!f) return false;
  size_t n = fread(buf, 1, len - 1, f);
  fclose(f);
  buf[n] = '\0';
  return n > 0;
}

int cpu_quota_cgroup_path(const char *text, char *path, size_t pathlen) {
  for (const char *line = text; line && *line;) {
    size_t n = strcspn(line, "\n");
    if (strncmp(line, "0::/", 4) == 0) {
      if (n - 3 >= pathlen) return -1;
      memcpy(path, line + 3, n - 3);
      path[n - 3] = '\0';
      return 0;
    }
    line = line[n] ? line + n + 1 : NULL;
  }
  return -1;
}

int cpu_quota_of_cpu_max(const char *text) {
  if (strncmp(text, "max", 3) == 0 && (text[3] == ' ' || text[3] == '\n' || !text[3])) return 0;
  char *end;
  errno = 0;
  long long quota = strtoll(text, &end, 10);
  if (errno || end == text || *end != ' ' || quota <= 0) return -1;
  const char *rest = end + 1;
  long long period = strtoll(rest, &end, 10);
  if (errno || end == rest || (*end && *end != '\n') || period <= 0) return -1;
  long long cpus = (quota + period - 1) / period;
  return cpus > INT_MAX ? INT_MAX : (int)cpus;
}

int cpu_quota_limit(const char *proc_self_cgroup_file, const char *cgroup_root) {
  char text[4096], path[PATH_MAX], file[PATH_MAX + 64], cpu_max[128];
  if (!read_small(proc_self_cgroup_file, text, sizeof text) ||
      cpu_quota_cgroup_path(text, path, sizeof path) != 0)
    return 0;
  int limit = 0;
  if (strcmp(path, "/") == 0) path[0] = '\0';
  /* Each cgroup from ours up to the root: a parent's quota bounds its children's. */
  for (;;) {
    snprintf(file, sizeof file, "%s%s/cpu.max", cgroup_root, path);
    int cpus = read_small(file, cpu_max, sizeof cpu_max) ? cpu_quota_of_cpu_max(cpu_max) : 0;
    if (cpus > 0 && (limit == 0 || cpus < limit)) limit = cpus;
    char *slash = strrchr(path, '/');
    if (!slash) break;
    *slash = '\0';
  }
  return limit;
}

int cpu_quota_available(void) {
  cpu_set_t set;
  int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 0;
  if (cpus <= 0) cpus = 1;
  int limit = cpu_quota_limit("/proc/self/cgroup", "/sys/fs/cgroup");
  return limit > 0 && limit < cpus ? limit : cpus;
}
