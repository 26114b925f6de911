/* thread_runner.c: a fixed pool of threads over a bounded ring of jobs. Submitting never waits: a
 * full ring is refused at once (the caller decides what a job that cannot run means). At shutdown
 * the queued jobs are cancelled rather than run: each may wait on a slow dependency, and a stop
 * must not wait on all of them. */
#include "adapters/thread_runner.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct job {
  void (*run)(void *arg, bool cancelled);
  void *arg;
};

struct thread_runner {
  pthread_mutex_t mutex;
  pthread_cond_t ready; /* a job was queued, or stopping was set */
  struct job *ring;
  int queue_max, head, count;
  bool stopping;
  pthread_t *threads;
  int started;
};

/* The oldest job; the ring is not empty and the mutex is held. */
static struct job take_job(struct thread_runner *r) {
  struct job job = r->ring[r->head];
  r->head = (r->head + 1) % r->queue_max;
  r->count--;
  return job;
}

/* Runs jobs until stopping is set. */
static void *worker(void *self) {
  struct thread_runner *r = self;
  pthread_mutex_lock(&r->mutex);
  for (;;) {
    while (r->count == 0 && !r->stopping) pthread_cond_wait(&r->ready, &r->mutex);
    if (r->stopping) break;
    struct job job = take_job(r);
    pthread_mutex_unlock(&r->mutex);
    job.run(job.arg, false);
    pthread_mutex_lock(&r->mutex);
  }
  pthread_mutex_unlock(&r->mutex);
  return NULL;
}

static vg_result runner_submit(void *self, void (*run)(void *arg, bool cancelled), void *arg) {
  struct thread_runner *r = self;
  vg_result res = VG_ERR_OVERLOADED;
  pthread_mutex_lock(&r->mutex);
  if (!r->stopping && r->count < r->queue_max) {
    r->ring[(r->head + r->count) % r->queue_max] = (struct job){run, arg};
    r->count++;
    pthread_cond_signal(&r->ready);
    res = VG_OK;
  }
  pthread_mutex_unlock(&r->mutex);
  return res;
}

struct thread_runner *thread_runner_create(int threads, int queue_max, char *err, size_t errlen) {
  struct thread_runner *r = calloc(1, sizeof *r);
  if (!r || threads < 1 || queue_max < 1) {
    snprintf(err, errlen, "background runner: %s", r ? "bad size" : "out of memory");
    free(r);
    return NULL;
  }
  pthread_mutex_init(&r->mutex, NULL);
  pthread_cond_init(&r->ready, NULL);
  r->queue_max = queue_max;
  r->ring = calloc((size_t)queue_max, sizeof *r->ring);
  r->threads = calloc((size_t)threads, sizeof *r->threads);
  if (!r->ring || !r->threads) {
    snprintf(err, errlen, "background runner: out of memory");
    thread_runner_destroy(r);
    return NULL;
  }
  for (; r->started < threads; r->started++)
    if (pthread_create(&r->threads[r->started], NULL, worker, r) != 0) {
      snprintf(err, errlen, "background runner: cannot start a thread");
      thread_runner_destroy(r);
      return NULL;
    }
  return r;
}

void thread_runner_destroy(struct thread_runner *r) {
  if (!r) return;
  pthread_mutex_lock(&r->mutex);
  r->stopping = true;
  pthread_cond_broadcast(&r->ready);
  pthread_mutex_unlock(&r->mutex);
  for (int i = 0; i < r->started; i++) pthread_join(r->threads[i], NULL);
  while (r->count > 0) { /* no thread is left: no lock needed */
    struct job job = take_job(r);
    job.run(job.arg, true);
  }
  pthread_cond_destroy(&r->ready);
  pthread_mutex_destroy(&r->mutex);
  free(r->threads);
  free(r->ring);
  free(r);
}

struct task_runner thread_runner_port(struct thread_runner *r) {
  return (struct task_runner){.self = r, .submit = runner_submit};
}
