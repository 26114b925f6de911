/* thread_runner.h: the task_runner port as a fixed pool of threads over a bounded queue. */
#ifndef VG_THREAD_RUNNER_H
#define VG_THREAD_RUNNER_H

#include <stddef.h>

#include "ports/task_runner.h"

struct thread_runner;

/* Starts threads workers taking jobs from a queue of at most queue_max; NULL (and why in err)
 * when a thread cannot be started. */
struct thread_runner *thread_runner_create(int threads, int queue_max, char *err, size_t errlen);
/* Refuses new jobs, lets the running ones finish, joins the threads, calls every job still queued
 * as cancelled, and frees r. NULL is a no-op. Call it before destroying anything the jobs use. */
void thread_runner_destroy(struct thread_runner *r);
struct task_runner thread_runner_port(struct thread_runner *r);

#endif
