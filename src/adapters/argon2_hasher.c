/* argon2_hasher.c: Argon2id at libsodium's "interactive" cost (2 passes, 64 MiB): OWASP's
 * floor for Argon2id, and 0.05-0.15 s of one core here. The hash string carries its own
 * parameters, so a later cost change still verifies old hashes. */
#include "adapters/argon2_hasher.h"

#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <yder.h>

#include "metrics.h"

/* One hash or verify, handed from the caller's thread to a hashing thread. */
struct hash_job {
  const char *password;
  const char *hash; /* verify: the stored hash; NULL: make one into out */
  char *out;
  int result; /* 0, or non-zero: a wrong password, an unreadable hash, no memory */
  bool done;
  struct hash_job *next;
};

struct argon2_hasher {
  enum vg_argon2_engine engine;
  pthread_mutex_t lock;
  pthread_cond_t freed;
  int running, waiting; /* guarded by lock */
  int concurrency, queue, max_wait_ms;
  /* The hashing threads, one per slot, at nice value `nice`: a connection's thread only waits
   * for its hash, and a busy CPU serves the cheap routes first. */
  pthread_cond_t work; /* a job was queued, or the threads are to stop */
  pthread_cond_t done; /* a job finished */
  struct hash_job *jobs, **jobs_tail; /* guarded by lock */
  bool stopping;
  int nice;
  pthread_t *threads;
  int nthreads;
};

/* Shows the gate's state in /metrics; under h->lock, so the gauges follow it in order. */
static void publish(const struct argon2_hasher *h) {
  metrics_hash_state(h->waiting, h->running);
}

/* Takes a slot, waiting in the bounded queue when all are busy. VG_ERR_OVERLOADED when the queue
 * is full or the wait runs out. */
static vg_result gate_enter(struct argon2_hasher *h) {
  vg_result r = VG_OK;
  pthread_mutex_lock(&h->lock);
  if (h->running >= h->concurrency) {
    if (h->waiting >= h->queue) {
      r = VG_ERR_OVERLOADED;
    } else {
      struct timespec deadline;
      clock_gettime(CLOCK_REALTIME, &deadline);
      deadline.tv_sec += h->max_wait_ms / 1000;
      deadline.tv_nsec += (long)(h->max_wait_ms % 1000) * 1000000L;
      if (deadline.tv_nsec >= 1000000000L) deadline.tv_sec++, deadline.tv_nsec -= 1000000000L;
      h->waiting++;
      publish(h);
      int rc = 0;
      while (h->running >= h->concurrency && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&h->freed, &h->lock, &deadline);
      h->waiting--;
      if (h->running >= h->concurrency) r = VG_ERR_OVERLOADED;
    }
  }
  if (r == VG_OK) h->running++;
  publish(h);
  pthread_mutex_unlock(&h->lock);
  if (r != VG_OK) metrics_hash_rejected();
  return r;
}

static void gate_leave(struct argon2_hasher *h) {
  pthread_mutex_lock(&h->lock);
  h->running--;
  publish(h);
  pthread_cond_signal(&h->freed);
  pthread_mutex_unlock(&h->lock);
}

static void *hashing_thread(void *arg) {
  struct argon2_hasher *h = arg;
  /* On Linux a nice value belongs to the thread. Best effort: at worst hashes run at the
   * process's own priority. */
  if (h->nice > 0) (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), h->nice);
  (void)pthread_setname_np(pthread_self(), "vg-hash"); /* for top -H and perf; best effort */
  pthread_mutex_lock(&h->lock);
  for (;;) {
    while (!h->jobs && !h->stopping) pthread_cond_wait(&h->work, &h->lock);
    if (!h->jobs) break; /* stopping, and nothing left to do */
    struct hash_job *job = h->jobs;
    if (!(h->jobs = job->next)) h->jobs_tail = &h->jobs;
    pthread_mutex_unlock(&h->lock);
    job->result = job->hash ? vg_argon2_verify(h->engine, job->hash, job->password)
                            : vg_argon2id_str(h->engine, job->out, job->password,
                                              crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                              crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024);
    pthread_mutex_lock(&h->lock);
    job->done = true;
    pthread_cond_broadcast(&h->done);
  }
  pthread_mutex_unlock(&h->lock);
  return NULL;
}

/* Runs job on a hashing thread once the gate gives it a slot, and waits for it. */
static vg_result run_job(struct argon2_hasher *h, struct hash_job *job) {
  vg_result r = gate_enter(h);
  if (r != VG_OK) return r;
  pthread_mutex_lock(&h->lock);
  *h->jobs_tail = job;
  h->jobs_tail = &job->next;
  pthread_cond_signal(&h->work);
  while (!job->done) pthread_cond_wait(&h->done, &h->lock);
  pthread_mutex_unlock(&h->lock);
  gate_leave(h);
  return VG_OK;
}

static vg_result hasher_hash(void *self, const char *password, char out[VG_HASH_MAX]) {
  struct hash_job job = {.password = password, .out = out};
  vg_result r = run_job(self, &job);
  if (r != VG_OK) return r;
  return job.result == 0 ? VG_OK : VG_ERR_INTERNAL; /* out of memory */
}

static vg_result hasher_verify(void *self, const char *hash, const char *password) {
  struct hash_job job = {.password = password, .hash = hash};
  vg_result r = run_job(self, &job);
  if (r != VG_OK) return r;
  int verdict = job.result;
  /* A stored hash that cannot be read (or the memory for it had) lets nobody in; it is the
   * operator's to know. */
  if (verdict < 0) y_log_message(Y_LOG_LEVEL_ERROR, "password hash: unreadable or out of memory");
  r = verdict == 0 ? VG_OK : VG_ERR_INVALID_CREDENTIALS;
  return r;
}

static vg_result hasher_admit(void *self) {
  struct argon2_hasher *h = self;
  pthread_mutex_lock(&h->lock);
  bool full = h->running >= h->concurrency && h->waiting >= h->queue;
  pthread_mutex_unlock(&h->lock);
  if (full) metrics_hash_rejected();
  return full ? VG_ERR_OVERLOADED : VG_OK;
}

struct argon2_hasher *argon2_hasher_create(enum vg_argon2_engine engine, int concurrency, int queue,
                                           int max_wait_ms, int nice) {
  struct argon2_hasher *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  h->engine = engine;
  h->concurrency = concurrency > 0 ? concurrency : 1;
  h->queue = queue >= 0 ? queue : 0;
  h->max_wait_ms = max_wait_ms > 0 ? max_wait_ms : 1;
  h->nice = nice;
  h->jobs_tail = &h->jobs;
  pthread_mutex_init(&h->lock, NULL);
  pthread_cond_init(&h->freed, NULL);
  pthread_cond_init(&h->work, NULL);
  pthread_cond_init(&h->done, NULL);
  h->threads = calloc((size_t)h->concurrency, sizeof *h->threads);
  if (!h->threads) goto fail;
  for (; h->nthreads < h->concurrency; h->nthreads++)
    if (pthread_create(&h->threads[h->nthreads], NULL, hashing_thread, h) != 0) goto fail;
  return h;

fail:
  argon2_hasher_destroy(h);
  return NULL;
}

void argon2_hasher_destroy(struct argon2_hasher *h) {
  if (!h) return;
  pthread_mutex_lock(&h->lock);
  h->stopping = true;
  pthread_cond_broadcast(&h->work);
  pthread_mutex_unlock(&h->lock);
  for (int i = 0; i < h->nthreads; i++) pthread_join(h->threads[i], NULL);
  free(h->threads);
  pthread_cond_destroy(&h->done);
  pthread_cond_destroy(&h->work);
  pthread_cond_destroy(&h->freed);
  pthread_mutex_destroy(&h->lock);
  free(h);
}

struct password_hasher argon2_hasher_port(struct argon2_hasher *h) {
  return (struct password_hasher){
      .self = h, .hash = hasher_hash, .verify = hasher_verify, .admit = hasher_admit};
}
