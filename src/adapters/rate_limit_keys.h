/* rate_limit_keys.h: the pure half of the Redis rate limiter: the names of its counters and the
 * arguments of its scripts, kept apart from Redis so that both are unit-tested.
 *
 * A counter is `vg:rl:<scope>:<32 hex>`, the first 128 bits of HMAC-SHA256(k, subject): keyed,
 * because an unkeyed hash of a phone number or an IPv4 address is undone by hashing them all. k
 * is derived from the oldest signing key (see rate_limit_key_derive), so every instance with the
 * same key files names a counter alike, and k lives only in memory. */
#ifndef VG_RATE_LIMIT_KEYS_H
#define VG_RATE_LIMIT_KEYS_H

#include <stddef.h>

#include <sodium.h>

#include "adapters/jwt_keys.h"
#include "adapters/redis_call.h"
#include "ports/rate_limiter.h"

#define RATE_LIMIT_SECRET_BYTES 32
#define RATE_LIMIT_SECRET_INFO "verigate rate-limit keys v1"
#define RATE_LIMIT_KEY_MAX 96

/* Script arguments: EVALSHA, sha, numkeys and the count of limits come first; each limit adds a
 * key, its limit and its window; a reservation given back in the same step adds 3 keys and 4
 * flags. The limits a call may carry follow from REDIS_ARGC_MAX. */
#define RATE_LIMIT_BACK_ARGS 7
#define RATE_LIMITS_MAX ((REDIS_ARGC_MAX - 4 - RATE_LIMIT_BACK_ARGS) / 3)

struct rate_limit_keyer {
  crypto_auth_hmacsha256_state base; /* keyed once; copied for each name */
};

/* The rate-limit secret of a key set: HKDF-SHA256 over key (jwt_key_derive_secret) with
 * RATE_LIMIT_SECRET_INFO. 1 on success, else 0 (out wiped). */
int rate_limit_key_derive(const struct jwt_key *key, unsigned char out[RATE_LIMIT_SECRET_BYTES]);

void rate_limit_keyer_init(struct rate_limit_keyer *k,
                           const unsigned char secret[RATE_LIMIT_SECRET_BYTES]);
void rate_limit_keyer_wipe(struct rate_limit_keyer *k);

/* The counter of l: 1, or 0 when the scope does not fit. */
int rate_limit_key(const struct rate_limit_keyer *k, const struct vg_limit *l,
                   char out[RATE_LIMIT_KEY_MAX]);
/* The first 16 hex digits of the keyed hash the counters of subject are named by. */
void rate_limit_tag(const struct rate_limit_keyer *k, const char *subject,
                    char out[VG_ACCOUNT_TAG_MAX]);

/* The arguments of one script call over limits and, when back is not NULL, a reservation to give
 * back in the same step; storage for every string, argv pointing into it. */
struct rate_limit_args {
  char keys[RATE_LIMITS_MAX + 3][RATE_LIMIT_KEY_MAX];
  char nums[2 * RATE_LIMITS_MAX + 2][16];
  const char *argv[REDIS_ARGC_MAX];
  int argc;
  int index[RATE_LIMITS_MAX]; /* index[j]: which of limits the j-th counter is */
  int on;                     /* the limits that are on (limit > 0), each one counter */
};

/* Fills out for a script: argv[0] and argv[1] left for redis_call, then numkeys; the keys of the
 * limits that are on and the 3 keys of back (lock, ip, account); then as ARGV the number of limits
 * on, their limits, their windows, and back's flags (lock set by it, ip on, account on,
 * succeeded: "1"/"0"). VG_ERR_INTERNAL, with an
 * error log, when more than RATE_LIMITS_MAX limits are passed (a limit must never be dropped
 * silently: that would fail open) or a key does not fit; else VG_OK. */
vg_result rate_limit_args_build(const struct rate_limit_keyer *k, const struct vg_limit *limits,
                                int n, const struct vg_reservation *back, bool succeeded,
                                struct rate_limit_args *out);

#endif
