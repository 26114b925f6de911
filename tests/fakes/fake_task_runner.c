/* fake_task_runner.c: see fake_task_runner.h. */
#include "fake_task_runner.h"

static vg_result runner_submit(void *self, void (*run)(void *arg, bool cancelled), void *arg) {
  struct fake_task_runner *t = self;
  if (t->full || t->count == FAKE_TASKS_MAX) return VG_ERR_OVERLOADED;
  t->run[t->count] = run;
  t->arg[t->count++] = arg;
  return VG_OK;
}

struct task_runner fake_task_runner_port(struct fake_task_runner *t) {
  return (struct task_runner){.self = t, .submit = runner_submit};
}

static int run_all(struct fake_task_runner *t, bool cancelled) {
  int ran = 0;
  for (; ran < t->count; ran++) t->run[ran](t->arg[ran], cancelled);
  t->count = 0;
  return ran;
}

int fake_task_runner_drain(struct fake_task_runner *t) {
  return run_all(t, false);
}

int fake_task_runner_cancel(struct fake_task_runner *t) {
  return run_all(t, true);
}
