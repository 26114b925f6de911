/* work_pool.c: a mutex, two condition variables and a ring of jobs. */
#include "http/work_pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

struct job {
  void (*fn)(void *arg);
  void *arg;
};

struct work_pool {
  pthread_mutex_t lock;
  pthread_cond_t work;  /* a job was queued, or the pool is being destroyed */
  pthread_cond_t drain; /* a job finished */
  struct job *ring;
  size_t capacity, head, queued;
  unsigned running; /* jobs taken from the ring and not finished */
  bool closed, stopping;
  pthread_t *threads;
  unsigned nthreads;
  int nice;
};

static void *worker(void *p) {
  struct work_pool *pool = p;
  /* On Linux a nice value belongs to the thread. Best effort: at worst the pool runs at the
   * process's own priority. */
  if (pool->nice > 0) (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), pool->nice);
  (void)pthread_setname_np(pthread_self(), "vg-work"); /* for top -H and perf; best effort */
  pthread_mutex_lock(&pool->lock);
  for (;;) {
    while (pool->queued == 0 && !pool->stopping) pthread_cond_wait(&pool->work, &pool->lock);
    if (pool->queued == 0) break; /* stopping, and nothing left to do */
    struct job job = pool->ring[pool->head];
    pool->head = (pool->head + 1) % pool->capacity;
    pool->queued--;
    pool->running++;
    pthread_mutex_unlock(&pool->lock);
    job.fn(job.arg);
    pthread_mutex_lock(&pool->lock);
    pool->running--;
    pthread_cond_broadcast(&pool->drain);
  }
  pthread_mutex_unlock(&pool->lock);
  return NULL;
}

struct work_pool *work_pool_create(unsigned threads, size_t capacity, int nice) {
  struct work_pool *pool = calloc(1, sizeof *pool);
  if (!pool) return NULL;
  pool->nice = nice;
  pool->ring = calloc(capacity ? capacity : 1, sizeof *pool->ring);
  pool->threads = calloc(threads ? threads : 1, sizeof *pool->threads);
  pool->capacity = capacity ? capacity : 1;
  if (!pool->ring || !pool->threads) goto fail;
  pthread_mutex_init(&pool->lock, NULL);
  pthread_cond_init(&pool->work, NULL);
  pthread_cond_init(&pool->drain, NULL);
  for (; pool->nthreads < threads; pool->nthreads++)
    if (pthread_create(&pool->threads[pool->nthreads], NULL, worker, pool) != 0) {
      work_pool_destroy(pool);
      return NULL;
    }
  return pool;

fail:
  free(pool->ring);
  free(pool->threads);
  free(pool);
  return NULL;
}

bool work_pool_submit(struct work_pool *pool, void (*fn)(void *arg), void *arg) {
  pthread_mutex_lock(&pool->lock);
  bool ok = !pool->closed && pool->queued < pool->capacity;
  if (ok) {
    pool->ring[(pool->head + pool->queued) % pool->capacity] = (struct job){fn, arg};
    pool->queued++;
    pthread_cond_signal(&pool->work);
  }
  pthread_mutex_unlock(&pool->lock);
  return ok;
}

void work_pool_close(struct work_pool *pool) {
  pthread_mutex_lock(&pool->lock);
  pool->closed = true;
  while (pool->queued > 0 || pool->running > 0) pthread_cond_wait(&pool->drain, &pool->lock);
  pthread_mutex_unlock(&pool->lock);
}

void work_pool_destroy(struct work_pool *pool) {
  if (!pool) return;
  work_pool_close(pool);
  pthread_mutex_lock(&pool->lock);
  pool->stopping = true;
  pthread_cond_broadcast(&pool->work);
  pthread_mutex_unlock(&pool->lock);
  for (unsigned i = 0; i < pool->nthreads; i++) pthread_join(pool->threads[i], NULL);
  pthread_cond_destroy(&pool->drain);
  pthread_cond_destroy(&pool->work);
  pthread_mutex_destroy(&pool->lock);
  free(pool->threads);
  free(pool->ring);
  free(pool);
}
