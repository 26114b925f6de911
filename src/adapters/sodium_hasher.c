/* sodium_hasher.c: Argon2id at libsodium's "interactive" cost (2 passes, 64 MiB): OWASP's
 * floor for Argon2id, and about 0.1 s of one core here. The hash string carries its own
 * parameters, so a later cost change still verifies old hashes. */
#include "adapters/sodium_hasher.h"

#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

struct sodium_hasher {
  pthread_mutex_t lock;
  pthread_cond_t freed;
  int running, waiting; /* guarded by lock */
  int concurrency, queue, max_wait_ms;
};

/* Takes a slot, waiting in the bounded queue when all are busy. VG_ERR_OVERLOADED when the queue
 * is full or the wait runs out. */
static vg_result gate_enter(struct sodium_hasher *h) {
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

static void gate_leave(struct sodium_hasher *h) {
  pthread_mutex_lock(&h->lock);
  h->running--;
  pthread_cond_signal(&h->freed);
  pthread_mutex_unlock(&h->lock);
}

static vg_result hasher_hash(void *self, const char *password, char out[VG_HASH_MAX]) {
  _Static_assert(crypto_pwhash_STRBYTES <= VG_HASH_MAX, "hash buffer too small");
  vg_result r = gate_enter(self);
  if (r != VG_OK) return r;
  if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    r = VG_ERR_INTERNAL; /* out of memory */
  gate_leave(self);
  return r;
}

static vg_result hasher_verify(void *self, const char *hash, const char *password) {
  vg_result r = gate_enter(self);
  if (r != VG_OK) return r;
  r = crypto_pwhash_str_verify(hash, password, strlen(password)) == 0 ? VG_OK
                                                                      : VG_ERR_INVALID_CREDENTIALS;
  gate_leave(self);
  return r;
}

static vg_result hasher_admit(void *self) {
  struct sodium_hasher *h = self;
  pthread_mutex_lock(&h->lock);
  bool full = h->running >= h->concurrency && h->waiting >= h->queue;
  pthread_mutex_unlock(&h->lock);
  return full ? VG_ERR_OVERLOADED : VG_OK;
}

struct sodium_hasher *sodium_hasher_create(int concurrency, int queue, int max_wait_ms) {
  struct sodium_hasher *h = calloc(1, sizeof *h);
  if (!h) return NULL;
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

void sodium_hasher_destroy(struct sodium_hasher *h) {
  if (!h) return;
  pthread_cond_destroy(&h->freed);
  pthread_mutex_destroy(&h->lock);
  free(h);
}

struct password_hasher sodium_hasher_port(struct sodium_hasher *h) {
  return (struct password_hasher){
      .self = h, .hash = hasher_hash, .verify = hasher_verify, .admit = hasher_admit};
}
