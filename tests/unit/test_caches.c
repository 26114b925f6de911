/* test_caches.c: the in-process caches: ttl_cache on its own (expiry, eviction, bounds, full-key
 * comparison, concurrent use). */
#include <pthread.h>
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "adapters/ttl_cache.h"
#include "check.h"

static void ttl_cache_returns_a_value_until_it_expires(void) {
  struct ttl_cache *c = ttl_cache_create(16, sizeof(int));
  int v = 7, out = 0;
  ttl_cache_put(c, "alpha", 5, 100, &v);
  CHECK(ttl_cache_get(c, "alpha", 5, 99, &out) && out == 7);
  out = 0;
  CHECK(!ttl_cache_get(c, "alpha", 5, 100, &out) && out == 0); /* expired at its expiry */
  CHECK(!ttl_cache_get(c, "beta", 4, 0, &out));
  ttl_cache_destroy(c);
}

static void ttl_cache_put_replaces_the_value_of_a_key(void) {
  struct ttl_cache *c = ttl_cache_create(16, sizeof(int));
  int one = 1, two = 2, out = 0;
  ttl_cache_put(c, "k", 1, 100, &one);
  ttl_cache_put(c, "k", 1, 200, &two);
  CHECK(ttl_cache_get(c, "k", 1, 150, &out) && out == 2);
  ttl_cache_destroy(c);
}

static void ttl_cache_remove_forgets_a_key(void) {
  struct ttl_cache *c = ttl_cache_create(16, sizeof(int));
  int v = 1, out;
  ttl_cache_put(c, "gone", 4, 100, &v);
  ttl_cache_put(c, "kept", 4, 100, &v);
  ttl_cache_remove(c, "gone", 4);
  ttl_cache_remove(c, "never", 5);
  CHECK(!ttl_cache_get(c, "gone", 4, 0, &out));
  CHECK(ttl_cache_get(c, "kept", 4, 0, &out));
  ttl_cache_destroy(c);
}

static void ttl_cache_compares_whole_keys(void) {
  struct ttl_cache *c = ttl_cache_create(64, sizeof(int));
  unsigned char a[TTL_CACHE_KEY_MAX], b[TTL_CACHE_KEY_MAX];
  memset(a, 'x', sizeof a);
  memcpy(b, a, sizeof b);
  b[TTL_CACHE_KEY_MAX - 1] = 'y';
  int va = 1, vb = 2, out = 0;
  ttl_cache_put(c, a, sizeof a, 100, &va);
  CHECK(!ttl_cache_get(c, b, sizeof b, 0, &out));
  ttl_cache_put(c, b, sizeof b, 100, &vb);
  CHECK(ttl_cache_get(c, a, sizeof a, 0, &out) && out == 1);
  CHECK(ttl_cache_get(c, b, sizeof b, 0, &out) && out == 2);
  CHECK(!ttl_cache_get(c, a, sizeof a - 1, 0, &out)); /* a prefix is another key */
  ttl_cache_destroy(c);
}

static void ttl_cache_ignores_keys_longer_than_its_maximum(void) {
  struct ttl_cache *c = ttl_cache_create(16, sizeof(int));
  unsigned char k[TTL_CACHE_KEY_MAX + 1];
  memset(k, 'k', sizeof k);
  int v = 1, out;
  ttl_cache_put(c, k, sizeof k, 100, &v);
  CHECK(!ttl_cache_get(c, k, sizeof k, 0, &out));
  ttl_cache_destroy(c);
}

static void ttl_cache_rounds_capacity_up_to_a_power_of_two(void) {
  size_t asked[] = {1, 4, 5, 100, 16384};
  size_t got[] = {TTL_CACHE_WAYS, 4, 8, 128, 16384};
  for (int i = 0; i < 5; i++) {
    struct ttl_cache *c = ttl_cache_create(asked[i], 8);
    CHECK(c && ttl_cache_capacity(c) == got[i]);
    ttl_cache_destroy(c);
  }
  CHECK(ttl_cache_create(SIZE_MAX, 8) == NULL);
}

static void ttl_cache_of_capacity_zero_stores_nothing(void) {
  struct ttl_cache *c = ttl_cache_create(0, sizeof(int));
  int v = 1, out;
  CHECK(c && ttl_cache_capacity(c) == 0);
  ttl_cache_put(c, "k", 1, 100, &v);
  CHECK(!ttl_cache_get(c, "k", 1, 0, &out));
  ttl_cache_remove(c, "k", 1);
  ttl_cache_destroy(c);
}

/* Capacity TTL_CACHE_WAYS is one bucket, so every key competes for the same ways. */
static void ttl_cache_full_bucket_evicts_the_entry_expiring_first(void) {
  struct ttl_cache *c = ttl_cache_create(TTL_CACHE_WAYS, sizeof(int));
  const char *keys[] = {"a", "b", "c", "d"};
  int64_t expires[] = {40, 10, 30, 20};
  int v = 0, out;
  for (int i = 0; i < 4; i++) ttl_cache_put(c, keys[i], 1, expires[i], &v);
  ttl_cache_put(c, "e", 1, 50, &v);
  CHECK(!ttl_cache_get(c, "b", 1, 0, &out));
  CHECK(ttl_cache_get(c, "a", 1, 0, &out) && ttl_cache_get(c, "c", 1, 0, &out));
  CHECK(ttl_cache_get(c, "d", 1, 0, &out) && ttl_cache_get(c, "e", 1, 0, &out));
  /* "d" expires first (20): an entry put at 25 takes its way, not a live one's. */
  ttl_cache_put(c, "f", 1, 60, &v);
  CHECK(!ttl_cache_get(c, "d", 1, 25, &out));
  CHECK(ttl_cache_get(c, "a", 1, 25, &out) && ttl_cache_get(c, "c", 1, 25, &out));
  CHECK(ttl_cache_get(c, "e", 1, 25, &out) && ttl_cache_get(c, "f", 1, 25, &out));
  ttl_cache_destroy(c);
}

static void ttl_cache_never_holds_more_than_its_capacity(void) {
  struct ttl_cache *c = ttl_cache_create(64, sizeof(uint32_t));
  enum { KEYS = 10000 };
  for (uint32_t i = 0; i < KEYS; i++) ttl_cache_put(c, &i, sizeof i, 1000 + i, &i);
  CHECK(ttl_cache_capacity(c) == 64);
  int held = 0;
  for (uint32_t i = 0; i < KEYS; i++) {
    uint32_t out = UINT32_MAX;
    if (ttl_cache_get(c, &i, sizeof i, 0, &out)) {
      held++;
      CHECK(out == i);
    }
  }
  CHECK(held > 0 && held <= 64);
  uint32_t last = KEYS - 1, out = 0;
  CHECK(ttl_cache_get(c, &last, sizeof last, 0, &out) && out == last);
  /* Still works after all that churn. */
  uint32_t k = KEYS + 1;
  ttl_cache_put(c, &k, sizeof k, 1, &k);
  CHECK(ttl_cache_get(c, &k, sizeof k, 0, &out) && out == k);
  ttl_cache_destroy(c);
}

/* Each value is a key number and a fill of one byte: a value read whole has one fill byte and
 * its own key's number. */
#define THREADS 8
#define ROUNDS 20000
#define THREAD_KEYS 256
struct filled {
  uint32_t key;
  unsigned char fill[252];
};
static struct ttl_cache *shared;
static pthread_barrier_t start;
static int torn[THREADS];

static void *hammer(void *arg) {
  int id = (int)(intptr_t)arg;
  uint32_t seed = 2463534242u + (uint32_t)id;
  pthread_barrier_wait(&start);
  for (int round = 0; round < ROUNDS; round++) {
    seed ^= seed << 13, seed ^= seed >> 17, seed ^= seed << 5; /* xorshift32 */
    uint32_t key = seed % THREAD_KEYS;
    struct filled v;
    if (seed & 0x10000) {
      v.key = key;
      memset(v.fill, (unsigned char)(id * 31 + round), sizeof v.fill);
      ttl_cache_put(shared, &key, sizeof key, 1000000, &v);
    } else if (ttl_cache_get(shared, &key, sizeof key, 0, &v)) {
      bool whole = v.key == key;
      for (size_t i = 1; i < sizeof v.fill; i++) whole = whole && v.fill[i] == v.fill[0];
      if (!whole) torn[id]++;
    }
  }
  return NULL;
}

static void ttl_cache_values_are_never_torn_by_concurrent_callers(void) {
  shared = ttl_cache_create(128, sizeof(struct filled)); /* fewer ways than keys: evictions */
  pthread_t threads[THREADS];
  pthread_barrier_init(&start, NULL, THREADS);
  for (int i = 0; i < THREADS; i++) pthread_create(&threads[i], NULL, hammer, (void *)(intptr_t)i);
  int total = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(threads[i], NULL);
    total += torn[i];
  }
  CHECK(total == 0);
  pthread_barrier_destroy(&start);
  ttl_cache_destroy(shared);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN(ttl_cache_returns_a_value_until_it_expires);
  RUN(ttl_cache_put_replaces_the_value_of_a_key);
  RUN(ttl_cache_remove_forgets_a_key);
  RUN(ttl_cache_compares_whole_keys);
  RUN(ttl_cache_ignores_keys_longer_than_its_maximum);
  RUN(ttl_cache_rounds_capacity_up_to_a_power_of_two);
  RUN(ttl_cache_of_capacity_zero_stores_nothing);
  RUN(ttl_cache_full_bucket_evicts_the_entry_expiring_first);
  RUN(ttl_cache_never_holds_more_than_its_capacity);
  RUN(ttl_cache_values_are_never_torn_by_concurrent_callers);
  return check_done();
}
