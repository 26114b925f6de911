/* fake_task_runner.c: see fake_task_runner.h. */
#include "fake_task_runner.h"

static vg_result runner_submit(void *self, void (*run)(void *arg), void *arg) {
  struct fake_task_runner *t = self;
  if (t->full || t->count == FAKE_TASKS_MAX) return VG_ERR_OVERLOADED;
  t->run[t->count] = run;
  t->arg[t->count++] = arg;
  return VG_OK;
}

struct task_runner fake_task_runner_port(struct fake_task_runner *t) {
  return (struct task_runner){.self = t, .submit = runner_submit};
}

int fake_task_runner_drain(struct fake_task_runner *t) {
  int ran = 0;
  for (; ran < t->count; ran++) t->run[ran](t->arg[ran]);
  t->count = 0;
  return ran;
}
