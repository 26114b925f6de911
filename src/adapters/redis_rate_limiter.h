/* redis_rate_limiter.h: the rate_limiter port on Redis: one counter key per (scope, subject),
 * `vg:rl:<scope>:<keyed hash of the subject, 32 hex>` (rate_limit_keys.h), so no email, phone
 * number or IP address is ever written into a key name, nor recovered from one by hashing
 * candidates. */
#ifndef VG_REDIS_RATE_LIMITER_H
#define VG_REDIS_RATE_LIMITER_H

#include <stddef.h>

#include "adapters/rate_limit_keys.h"
#include "adapters/redis_pool.h"
#include "ports/rate_limiter.h"

/* A limiter on pool (see redis_pool_open), which must outlive it, naming its counters with secret
 * (rate_limit_key_derive; copied, the caller may wipe its own). NULL + message on failure. */
struct redis_rate_limiter *redis_rate_limiter_create(
    struct redis_pool *pool, const unsigned char secret[RATE_LIMIT_SECRET_BYTES], char *err,
    size_t errlen);
void redis_rate_limiter_destroy(struct redis_rate_limiter *r);
struct rate_limiter redis_rate_limiter_port(struct redis_rate_limiter *r);

#endif
