/* redis_pending_keys.h: the Redis keys of a pending login, shared by the pending store (which
 * writes them) and the session store (whose start consumes the login in the same script). */
#ifndef VG_REDIS_PENDING_KEYS_H
#define VG_REDIS_PENDING_KEYS_H

#define REDIS_PENDING_PREFIX "vg:pending:" /* the login, a hash */
#define REDIS_LOCK_PREFIX "vg:lock:"       /* its verify lock; the value is the owner's token */

/* Whether the login KEYS[a] is still there: the session start checks it before writing. */
#define REDIS_PENDING_GONE(a) "if redis.call('EXISTS', KEYS[" #a "]) == 0 then return 0 end\n"

/* Consumes the login KEYS[a] and releases its lock KEYS[b] if ARGV[c] (the owner) holds it. Last
 * in the script: a write refused before it (Redis out of memory) leaves the login in place. */
// clang-format off
#define REDIS_CONSUME_PENDING(a, b, c) \
  "redis.call('DEL', KEYS[" #a "])\n" \
  "if redis.call('GET', KEYS[" #b "]) == ARGV[" #c "] then redis.call('DEL', KEYS[" #b "]) end\n"
// clang-format on

#endif
