/* test_cpu_quota.c: the CPUs a process may use, from sample /proc/self/cgroup and cpu.max
 * files laid out in a temporary directory as on a cgroup v2 host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cpu_quota.h"

static char root[] = "/tmp/vg_test_cpu_quota_XXXXXX";

static void write_file(const char *rel, const char *content) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", root, rel);
  for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
    *p = '\0';
    mkdir(path, 0755);
    *p = '/';
  }
  FILE *f = fopen(path, "w");
  fputs(content, f);
  fclose(f);
}

static int limit(void) {
  char proc[512], cg[512];
  snprintf(proc, sizeof proc, "%s/proc_self_cgroup", root);
  snprintf(cg, sizeof cg, "%s/cg", root);
  return cpu_quota_limit(proc, cg);
}

static void cpu_max_rounds_a_quota_up_and_max_is_no_limit(void) {
  CHECK(cpu_quota_of_cpu_max("max 100000\n") == 0);
  CHECK(cpu_quota_of_cpu_max("150000 100000\n") == 2);
  CHECK(cpu_quota_of_cpu_max("100000 100000") == 1);
  CHECK(cpu_quota_of_cpu_max("50000 100000\n") == 1);
  CHECK(cpu_quota_of_cpu_max("400000 100000\n") == 4);
  CHECK(cpu_quota_of_cpu_max("") == -1);
  CHECK(cpu_quota_of_cpu_max("abc 100000") == -1);
  CHECK(cpu_quota_of_cpu_max("100000 0") == -1);
  CHECK(cpu_quota_of_cpu_max("maximum") == -1);
}

static void the_cgroup_v2_line_names_the_path(void) {
  char path[64];
  CHECK(cpu_quota_cgroup_path("0::/\n", path, sizeof path) == 0);
  CHECK_STR(path, "/");
  CHECK(cpu_quota_cgroup_path("12:cpu,cpuacct:/docker/x\n0::/system.slice/vg.service\n", path,
                              sizeof path) == 0);
  CHECK_STR(path, "/system.slice/vg.service");
  CHECK(cpu_quota_cgroup_path("12:cpu,cpuacct:/docker/x\n", path, sizeof path) == -1); /* v1 */
  CHECK(cpu_quota_cgroup_path("", path, sizeof path) == -1);
}

static void the_smallest_quota_on_the_way_to_the_root_wins(void) {
  write_file("proc_self_cgroup", "0::/kubepods/pod1/ctr\n");
  write_file("cg/kubepods/pod1/ctr/cpu.max", "max 100000\n");
  CHECK(limit() == 0); /* no quota anywhere */
  write_file("cg/kubepods/pod1/ctr/cpu.max", "150000 100000\n");
  CHECK(limit() == 2);
  write_file("cg/kubepods/pod1/cpu.max", "100000 100000\n"); /* the pod's is smaller */
  CHECK(limit() == 1);
  write_file("proc_self_cgroup", "0::/\n"); /* a container with its own cgroup namespace */
  write_file("cg/cpu.max", "300000 100000\n");
  CHECK(limit() == 3);
  write_file("proc_self_cgroup", "5:cpuset:/\n"); /* cgroup v1 only: no quota read */
  CHECK(limit() == 0);
}

static void available_is_at_least_one_and_at_most_the_affinity(void) {
  int n = cpu_quota_available();
  CHECK(n >= 1 && n <= sysconf(_SC_NPROCESSORS_ONLN));
}

int main(void) {
  if (!mkdtemp(root)) return 1;
  RUN(cpu_max_rounds_a_quota_up_and_max_is_no_limit);
  RUN(the_cgroup_v2_line_names_the_path);
  RUN(the_smallest_quota_on_the_way_to_the_root_wins);
  RUN(available_is_at_least_one_and_at_most_the_affinity);
  char cmd[64];
  snprintf(cmd, sizeof cmd, "rm -rf %s", root);
  if (system(cmd) != 0) return 1;
  return check_done();
}
