/* fake_task_runner.h: the task_runner port for core unit tests: jobs wait in a bounded queue
 * until the test runs them, so a test sees what a request did before its job did anything. */
#ifndef VG_FAKE_TASK_RUNNER_H
#define VG_FAKE_TASK_RUNNER_H

#include <stdbool.h>

#include "ports/task_runner.h"

#define FAKE_TASKS_MAX 8
struct fake_task_runner {
  void (*run[FAKE_TASKS_MAX])(void *arg, bool cancelled);
  void *arg[FAKE_TASKS_MAX];
  int count;
  bool full; /* submit answers VG_ERR_OVERLOADED */
};
struct task_runner fake_task_runner_port(struct fake_task_runner *t);
/* Runs every queued job, oldest first, as cancelled (a shutdown) or not; answers how many ran. */
int fake_task_runner_drain(struct fake_task_runner *t);
int fake_task_runner_cancel(struct fake_task_runner *t);

#endif
