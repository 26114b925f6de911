/* task_runner.h: runs short jobs after the request that queued them has been answered (a small
 * bounded pool of threads in production), so that how long an answer takes does not tell what
 * the job does: /password/forgot sends its SMS this way. */
#ifndef VG_PORT_TASK_RUNNER_H
#define VG_PORT_TASK_RUNNER_H

#include <stdbool.h>

#include "core/result.h"

struct task_runner {
  void *self;
  /* Queues run(arg, false) to be called once, on another thread, soon. VG_OK: run will be called
   * and owns arg from then on; a job still queued at shutdown is called with cancelled true
   * instead, at once, to give back what it held. VG_ERR_OVERLOADED: the queue is full, run will
   * not be called and arg stays the caller's. */
  vg_result (*submit)(void *self, void (*run)(void *arg, bool cancelled), void *arg);
};

#endif
