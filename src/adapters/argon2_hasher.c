/* argon2_hasher.c: Argon2id at libsodium's "interactive" cost (2 passes, 64 MiB): OWASP's
 * floor for Argon2id, and 0.05-0.15 s of one core here. The hash string carries its own
 * parameters, so a later cost change still verifies old hashes. */
#include "adapters/argon2_hasher.h"

#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <yder.h>

struct argon2_hasher {
  enum vg_argon2_engine engine;
  pthread_mutex_t lock;
  pthread_cond_t freed;
  int running, waiting; /* guarded by lock */
  int concurrency, queue, max_wait_ms;
};

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
      int rc = 0;
      while (h->running >= h->concurrency && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&h->freed, &h->lock, &deadline);
      h->waiting--;
      if (h->running >= h->concurrency) r = VG_ERR_OVERLOADED;
    }
  }
  if (r == VG_OK) h->running++;
  pthread_mutex_unlock(&h->lock);
  return r;
}

static void gate_leave(struct argon2_hasher *h) {
  pthread_mutex_lock(&h->lock);
  h->running--;
  pthread_cond_signal(&h->freed);
  pthread_mutex_unlock(&h->lock);
}

static vg_result hasher_hash(void *self, const char *password, char out[VG_HASH_MAX]) {
  struct argon2_hasher *h = self;
  vg_result r = gate_enter(h);
  if (r != VG_OK) return r;
  if (vg_argon2id_str(h->engine, out, password, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                      crypto_pwhash_MEMLIMIT_INTERACTIVE / 1024) != 0)
    r = VG_ERR_INTERNAL; /* out of memory */
  gate_leave(h);
  return r;
}

static vg_result hasher_verify(void *self, const char *hash, const char *password) {
  struct argon2_hasher *h = self;
  vg_result r = gate_enter(h);
  if (r != VG_OK) return r;
  int verdict = vg_argon2_verify(h->engine, hash, password);
  gate_leave(h);
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
  return full ? VG_ERR_OVERLOADED : VG_OK;
}

struct argon2_hasher *argon2_hasher_create(enum vg_argon2_engine engine, int concurrency, int queue,
                                           int max_wait_ms) {
  struct argon2_hasher *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  h->engine = engine;
  h->concurrency = concurrency > 0 ? concurrency : 1;
  h->queue = queue >= 0 ? queue : 0;
  h->max_wait_ms = max_wait_ms > 0 ? max_wait_ms : 1;
  if (pthread_mutex_init(&h->lock, NULL) != 0) {
    free(h);
    return NULL;
  }
  if (pthread_cond_init(&h->freed, NULL) != 0) {
    pthread_mutex_destroy(&h->lock);
    free(h);
    return NULL;
  }
  return h;
}

void argon2_hasher_destroy(struct argon2_hasher *h) {
  if (!h) return;
  pthread_cond_destroy(&h->freed);
  pthread_mutex_destroy(&h->lock);
  free(h);
}

struct password_hasher argon2_hasher_port(struct argon2_hasher *h) {
  return (struct password_hasher){
      .self = h, .hash = hasher_hash, .verify = hasher_verify, .admit = hasher_admit};
}
