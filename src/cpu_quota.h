/* cpu_quota.h: how many CPUs this process may use: its CPU affinity, and the CPU quota of its
 * cgroup (v2 `cpu.max`) and of every cgroup above it, not the host's core count. */
#ifndef VG_CPU_QUOTA_H
#define VG_CPU_QUOTA_H

#include <stddef.h>

/* The cgroup v2 path in the text of /proc/self/cgroup (its "0::<path>" line) into path; 0, or
 * -1 when there is none (cgroup v1 only) or it does not fit. */
int cpu_quota_cgroup_path(const char *proc_self_cgroup, char *path, size_t pathlen);

/* The CPUs a `cpu.max` text allows: "150000 100000" is 2 (rounded up), "max 100000" is 0 (no
 * limit); -1 when it does not parse. */
int cpu_quota_of_cpu_max(const char *cpu_max);

/* The smallest quota on the way from the cgroup named in proc_self_cgroup_file up to the root
 * of the hierarchy mounted at cgroup_root; 0 when none is set or nothing can be read. */
int cpu_quota_limit(const char *proc_self_cgroup_file, const char *cgroup_root);

/* min(the affinity's CPU count, the cgroup quota of /proc/self/cgroup), at least 1. */
int cpu_quota_available(void);

#endif
