/* ttl_cache.h: a bounded, thread-safe, fixed-memory map from short byte keys to fixed-size
 * values, each with an expiry, for the caching decorators of ports (cached_tokens.c,
 * cached_users.c). Set-associative: a keyed hash picks a bucket of TTL_CACHE_WAYS entries, so a
 * full bucket evicts and the table never grows. All memory is taken at create; no call
 * allocates. Expiries are int64 in whatever unit the caller uses for `now`. */
#ifndef VG_TTL_CACHE_H
#define VG_TTL_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TTL_CACHE_KEY_MAX 32 /* bytes; keys are compared in full */
#define TTL_CACHE_WAYS 4     /* entries per bucket */

struct ttl_cache;

/* Room for capacity entries, rounded up to a power of two and to at least TTL_CACHE_WAYS;
 * capacity 0 makes a cache that never stores. sodium_init() must have succeeded (the bucket
 * hash is keyed with random bytes, so clients cannot aim keys at one bucket). NULL on allocation
 * failure or a capacity too large to allocate. */
struct ttl_cache *ttl_cache_create(size_t capacity, size_t value_size);
/* No call may be running. NULL is ignored. */
void ttl_cache_destroy(struct ttl_cache *c);
/* Entries the cache can hold (the rounded capacity); constant for its life. */
size_t ttl_cache_capacity(const struct ttl_cache *c);

/* Copies key's value into value_out (value_size bytes) and returns true when key is present and
 * its expiry is after now; false otherwise (value_out untouched). */
bool ttl_cache_get(struct ttl_cache *c, const void *key, size_t key_len, int64_t now,
                   void *value_out);
/* Stores a copy of value under key until expires, in key's entry if it has one, else in an
 * empty way of its bucket, else in the way expiring first (an expired one if any is). A key
 * longer than TTL_CACHE_KEY_MAX is not stored. */
void ttl_cache_put(struct ttl_cache *c, const void *key, size_t key_len, int64_t expires,
                   const void *value);
/* Forgets key, if present. */
void ttl_cache_remove(struct ttl_cache *c, const void *key, size_t key_len);

#endif
