/* ttl_cache.c: one table of buckets of TTL_CACHE_WAYS slots, SipHash (crypto_shorthash) with a
 * random key picking the bucket, and SHARDS mutexes each guarding every SHARDS-th bucket, so
 * concurrent callers rarely wait on one another. */
#include "adapters/ttl_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define SHARDS 64

/* A slot's header; its value_size bytes of value follow it. */
struct slot {
  int64_t expires;
  bool used;
  uint8_t key_len;
  uint8_t key[TTL_CACHE_KEY_MAX];
};

/* Each lock on a 64-byte line of its own: threads on different shards do not contend. */
union shard {
  pthread_mutex_t lock;
  _Alignas(64) char line[64];
};

struct ttl_cache {
  union shard shards[SHARDS];
  unsigned char hash_key[crypto_shorthash_KEYBYTES];
  size_t buckets; /* a power of two; 0 when the cache never stores */
  size_t value_size;
  size_t stride; /* bytes from one slot to the next */
  unsigned char *slots;
};

_Static_assert(sizeof(pthread_mutex_t) <= 64, "a shard's lock must fit its padding");
_Static_assert(TTL_CACHE_KEY_MAX <= UINT8_MAX, "key_len is one byte");

struct ttl_cache *ttl_cache_create(size_t capacity, size_t value_size) {
  size_t entries = 0;
  if (capacity > 0) {
    entries = TTL_CACHE_WAYS;
    while (entries < capacity) {
      if (entries > SIZE_MAX / 2) return NULL;
      entries *= 2;
    }
  }
  size_t stride = sizeof(struct slot) + (value_size + 7) / 8 * 8;
  /* sizeof is a multiple of the alignment, as aligned_alloc requires. */
  struct ttl_cache *c = aligned_alloc(_Alignof(struct ttl_cache), sizeof *c);
  if (!c) return NULL;
  memset(c, 0, sizeof *c);
  if (entries > 0) {
    c->slots = calloc(entries, stride); /* calloc refuses an overflowing product */
    if (!c->slots) {
      free(c);
      return NULL;
    }
  }
  c->buckets = entries / TTL_CACHE_WAYS;
  c->value_size = value_size;
  c->stride = stride;
  randombytes_buf(c->hash_key, sizeof c->hash_key);
  for (int i = 0; i < SHARDS; i++) pthread_mutex_init(&c->shards[i].lock, NULL);
  return c;
}

void ttl_cache_destroy(struct ttl_cache *c) {
  if (!c) return;
  for (int i = 0; i < SHARDS; i++) pthread_mutex_destroy(&c->shards[i].lock);
  free(c->slots);
  free(c);
}

size_t ttl_cache_capacity(const struct ttl_cache *c) {
  return c->buckets * TTL_CACHE_WAYS;
}

static size_t bucket_of(const struct ttl_cache *c, const void *key, size_t key_len) {
  unsigned char h[crypto_shorthash_BYTES];
  crypto_shorthash(h, key, key_len, c->hash_key);
  uint64_t v;
  memcpy(&v, h, sizeof v);
  return (size_t)(v & (c->buckets - 1));
}

static pthread_mutex_t *lock_of(struct ttl_cache *c, size_t bucket) {
  return &c->shards[bucket % SHARDS].lock;
}

static struct slot *slot_at(const struct ttl_cache *c, size_t bucket, int way) {
  return (struct slot *)(c->slots + (bucket * TTL_CACHE_WAYS + (size_t)way) * c->stride);
}

static unsigned char *value_of(struct slot *s) {
  return (unsigned char *)(s + 1);
}

/* key's slot in bucket, or NULL. The bucket's lock is held. */
static struct slot *find(const struct ttl_cache *c, size_t bucket, const void *key,
                         size_t key_len) {
  for (int w = 0; w < TTL_CACHE_WAYS; w++) {
    struct slot *s = slot_at(c, bucket, w);
    if (s->used && s->key_len == key_len && memcmp(s->key, key, key_len) == 0) return s;
  }
  return NULL;
}

/* An empty slot of bucket, else the one expiring first. The bucket's lock is held. */
static struct slot *victim(const struct ttl_cache *c, size_t bucket) {
  struct slot *best = slot_at(c, bucket, 0);
  for (int w = 0; w < TTL_CACHE_WAYS; w++) {
    struct slot *s = slot_at(c, bucket, w);
    if (!s->used) return s;
    if (s->expires < best->expires) best = s;
  }
  return best;
}

bool ttl_cache_get(struct ttl_cache *c, const void *key, size_t key_len, int64_t now,
                   void *value_out) {
  if (!c || c->buckets == 0 || key_len > TTL_CACHE_KEY_MAX) return false;
  size_t b = bucket_of(c, key, key_len);
  pthread_mutex_t *lock = lock_of(c, b);
  pthread_mutex_lock(lock);
  struct slot *s = find(c, b, key, key_len);
  bool hit = s && s->expires > now;
  if (hit) memcpy(value_out, value_of(s), c->value_size);
  pthread_mutex_unlock(lock);
  return hit;
}

void ttl_cache_put(struct ttl_cache *c, const void *key, size_t key_len, int64_t expires,
                   const void *value) {
  if (!c || c->buckets == 0 || key_len > TTL_CACHE_KEY_MAX) return;
  size_t b = bucket_of(c, key, key_len);
  pthread_mutex_t *lock = lock_of(c, b);
  pthread_mutex_lock(lock);
  struct slot *s = find(c, b, key, key_len);
  if (!s) {
    s = victim(c, b);
    s->used = true;
    s->key_len = (uint8_t)key_len;
    memcpy(s->key, key, key_len);
  }
  s->expires = expires;
  memcpy(value_of(s), value, c->value_size);
  pthread_mutex_unlock(lock);
}

void ttl_cache_remove(struct ttl_cache *c, const void *key, size_t key_len) {
  if (!c || c->buckets == 0 || key_len > TTL_CACHE_KEY_MAX) return;
  size_t b = bucket_of(c, key, key_len);
  pthread_mutex_t *lock = lock_of(c, b);
  pthread_mutex_lock(lock);
  struct slot *s = find(c, b, key, key_len);
  if (s) s->used = false;
  pthread_mutex_unlock(lock);
}
