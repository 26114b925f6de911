/* test_thread_runner.c: the bounded background runner (adapters/thread_runner.c). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "adapters/thread_runner.h"
#include "check.h"

static pthread_mutex_t gate_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_open, blocker_started;
static atomic_int ran, cancelled;

/* Holds its worker until the gate opens, so that the jobs after it stay queued. */
static void blocker(void *arg, bool was_cancelled) {
  (void)arg;
  pthread_mutex_lock(&gate_mutex);
  blocker_started = true;
  pthread_cond_broadcast(&gate_cond);
  while (!gate_open) pthread_cond_wait(&gate_cond, &gate_mutex);
  pthread_mutex_unlock(&gate_mutex);
  atomic_fetch_add(was_cancelled ? &cancelled : &ran, 1);
}

static void counter(void *arg, bool was_cancelled) {
  (void)arg;
  atomic_fetch_add(was_cancelled ? &cancelled : &ran, 1);
}

static void wait_blocker_started(void) {
  pthread_mutex_lock(&gate_mutex);
  while (!blocker_started) pthread_cond_wait(&gate_cond, &gate_mutex);
  pthread_mutex_unlock(&gate_mutex);
}

static void a_full_queue_is_refused_and_shutdown_cancels_what_is_queued(void) {
  char err[128];
  struct thread_runner *r = thread_runner_create(1, 2, err, sizeof err);
  CHECK(r != NULL);
  if (!r) return;
  struct task_runner port = thread_runner_port(r);
  CHECK(port.submit(port.self, blocker, NULL) == VG_OK);
  wait_blocker_started(); /* the one worker is busy: what follows waits in the queue */
  CHECK(port.submit(port.self, counter, NULL) == VG_OK);
  CHECK(port.submit(port.self, counter, NULL) == VG_OK);
  CHECK(port.submit(port.self, counter, NULL) == VG_ERR_OVERLOADED);
  pthread_mutex_lock(&gate_mutex);
  gate_open = true; /* the blocker finishes as destroy begins; the two queued may run or not */
  pthread_cond_broadcast(&gate_cond);
  pthread_mutex_unlock(&gate_mutex);
  thread_runner_destroy(r);
  CHECK(atomic_load(&ran) >= 1 && atomic_load(&ran) + atomic_load(&cancelled) == 3);
}

static void jobs_run_on_the_workers(void) {
  char err[128];
  atomic_store(&ran, 0);
  atomic_store(&cancelled, 0);
  struct thread_runner *r = thread_runner_create(2, 8, err, sizeof err);
  CHECK(r != NULL);
  if (!r) return;
  struct task_runner port = thread_runner_port(r);
  for (int i = 0; i < 8; i++) CHECK(port.submit(port.self, counter, NULL) == VG_OK);
  thread_runner_destroy(r);
  CHECK(atomic_load(&ran) + atomic_load(&cancelled) == 8);
  CHECK(thread_runner_create(0, 1, err, sizeof err) == NULL);
}

int main(void) {
  RUN(a_full_queue_is_refused_and_shutdown_cancels_what_is_queued);
  RUN(jobs_run_on_the_workers);
  return check_done();
}
