/* redis_rate_limiter.c: fixed-window counters, every read-modify-write one Lua script so that
 * concurrent processes neither over-count nor let a burst slip through between check and count. */
#include "adapters/redis_rate_limiter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <yder.h>

#include "adapters/redis_call.h"

#define LIMITS_MAX 6
#define KEY_MAX 96

/* KEYS: the counters; ARGV: their limits, then their windows. Answers {index, seconds left,
 * counts...} for the first reached one; else the script goes on, and answers {0, 0, counts...}
 * (take: after incrementing every counter). The counts are those before any increment. */
#define FIND_REACHED                                                              \
  "local n, counts = #KEYS, {}\n"                                                 \
  "for i = 1, n do counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0') end\n" \
  "for i = 1, n do\n"                                                             \
  "  if counts[i] >= tonumber(ARGV[i]) then\n"                                    \
  "    local ttl = redis.call('TTL', KEYS[i])\n"                                  \
  "    if ttl < 0 then\n"                                                         \
  "      ttl = tonumber(ARGV[n + i])\n"                                           \
  "      redis.call('EXPIRE', KEYS[i], ttl)\n"                                    \
  "    end\n"                                                                     \
  "    return {i, ttl, unpack(counts)}\n"                                         \
  "  end\n"                                                                       \
  "end\n"

static const char TAKE[] = FIND_REACHED
    "for i = 1, n do\n"
    "  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[n + i]) end\n"
    "end\n"
    "return {0, 0, unpack(counts)}\n";
static const char CHECK[] = FIND_REACHED "return {0, 0, unpack(counts)}\n";
/* Same KEYS and ARGV as TAKE; never counts below zero nor creates a key. */
static const char UNTAKE[] =
    "for i = 1, #KEYS do\n"
    "  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end\n"
    "end\n"
    "return {0, 0}\n";
/* KEYS[1], ARGV[1] the window: the new count. */
static const char ADD[] =
    "local count = redis.call('INCR', KEYS[1])\n"
    "if count == 1 or redis.call('TTL', KEYS[1]) < 0 then\n"
    "  redis.call('EXPIRE', KEYS[1], ARGV[1])\n"
    "end\n"
    "return count\n";

struct redis_rate_limiter {
  struct redis_pool *pool;
  struct redis_script take, check, untake, add;
};

/* vg:rl:<scope>:<first 128 bits of SHA-256(subject), hex>. libsodium's SHA-256: OpenSSL 3's
 * EVP_Digest looks the algorithm up on every call, and a login makes seven of these keys. */
static int limit_key(const struct vg_limit *l, char out[KEY_MAX]) {
  unsigned char md[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(md, (const unsigned char *)l->subject, strlen(l->subject));
  int len = snprintf(out, KEY_MAX, "vg:rl:%s:", l->scope);
  if (len < 0 || len + 33 > KEY_MAX) return 0;
  for (int i = 0; i < 16; i++) snprintf(out + len + 2 * i, 3, "%02x", md[i]);
  return 1;
}

/* Runs TAKE, UNTAKE or CHECK over the limits that are on; counts (when not NULL; TAKE and CHECK)
 * gets each limit's count before the call. */
static vg_result run_limits(struct redis_rate_limiter *r, const struct redis_script *script,
                            const struct vg_limit *limits, int n, int *which, int *retry_after,
                            int *counts) {
  char keys[LIMITS_MAX][KEY_MAX], nums[2 * LIMITS_MAX][16], numkeys[16];
  const char *argv[REDIS_ARGC_MAX];
  int index[LIMITS_MAX], on = 0;
  *which = -1;
  *retry_after = 0;
  for (int i = 0; counts && i < n; i++) counts[i] = 0;
  for (int i = 0; i < n && on < LIMITS_MAX; i++) {
    if (limits[i].limit <= 0) continue;
    if (!limit_key(&limits[i], keys[on])) return VG_ERR_INTERNAL;
    snprintf(nums[on], sizeof nums[on], "%d", limits[i].limit);
    snprintf(nums[LIMITS_MAX + on], sizeof nums[0], "%d", limits[i].window);
    index[on++] = i;
  }
  if (on == 0) return VG_OK;
  snprintf(numkeys, sizeof numkeys, "%d", on);
  int argc = 2;
  argv[argc++] = numkeys;
  for (int i = 0; i < on; i++) argv[argc++] = keys[i];
  for (int i = 0; i < on; i++) argv[argc++] = nums[i];
  for (int i = 0; i < on; i++) argv[argc++] = nums[LIMITS_MAX + i];

  redisReply *reply = NULL;
  vg_result res = redis_call(r->pool, script, argc, argv, &reply);
  if (res != VG_OK) return res;
  size_t expected = script == &r->untake ? 2 : 2 + (size_t)on; /* UNTAKE has no counts */
  int well_formed = reply->type == REDIS_REPLY_ARRAY && reply->elements == expected;
  for (size_t i = 0; well_formed && i < expected; i++)
    well_formed = reply->element[i]->type == REDIS_REPLY_INTEGER;
  if (!well_formed) {
    y_log_message(Y_LOG_LEVEL_ERROR, "redis: rate limit script answered an unexpected reply");
    freeReplyObject(reply);
    return VG_ERR_INTERNAL;
  }
  for (int i = 0; counts && i < on; i++) counts[index[i]] = (int)reply->element[2 + i]->integer;
  if (reply->element[0]->integer > 0) {
    long long reached = reply->element[0]->integer - 1;
    *which = reached < on ? index[reached] : -1;
    *retry_after = (int)reply->element[1]->integer;
    res = VG_ERR_RATE_LIMITED;
  }
  freeReplyObject(reply);
  return res;
}

static vg_result limiter_take(void *self, const struct vg_limit *limits, int n, int *which,
                              int *retry_after) {
  struct redis_rate_limiter *r = self;
  return run_limits(r, &r->take, limits, n, which, retry_after, NULL);
}

static vg_result limiter_untake(void *self, const struct vg_limit *limits, int n) {
  struct redis_rate_limiter *r = self;
  int which, retry_after;
  return run_limits(r, &r->untake, limits, n, &which, &retry_after, NULL);
}

static vg_result limiter_check(void *self, const struct vg_limit *limits, int n, int *which,
                               int *retry_after, int *counts) {
  struct redis_rate_limiter *r = self;
  return run_limits(r, &r->check, limits, n, which, retry_after, counts);
}

static vg_result limiter_add(void *self, const struct vg_limit *limit, int *count) {
  struct redis_rate_limiter *r = self;
  char key[KEY_MAX], window[16];
  *count = 0;
  if (!limit_key(limit, key)) return VG_ERR_INTERNAL;
  snprintf(window, sizeof window, "%d", limit->window > 0 ? limit->window : 1);
  const char *argv[5] = {NULL, NULL, "1", key, window};
  redisReply *reply = NULL;
  vg_result res = redis_call(r->pool, &r->add, 5, argv, &reply);
  if (res != VG_OK) return res;
  if (reply->type == REDIS_REPLY_INTEGER)
    *count = (int)reply->integer;
  else
    res = VG_ERR_INTERNAL;
  freeReplyObject(reply);
  return res;
}

static vg_result limiter_clear(void *self, const struct vg_limit *limit) {
  struct redis_rate_limiter *r = self;
  char key[KEY_MAX];
  if (!limit_key(limit, key)) return VG_ERR_INTERNAL;
  const char *argv[2] = {"DEL", key};
  redisReply *reply = NULL;
  vg_result res = redis_call(r->pool, NULL, 2, argv, &reply);
  if (reply) freeReplyObject(reply);
  return res;
}

struct redis_rate_limiter *redis_rate_limiter_create(struct redis_pool *pool, char *err,
                                                     size_t errlen) {
  struct redis_rate_limiter *r = calloc(1, sizeof *r);
  if (!r || redis_script_init(&r->take, TAKE) != 0 || redis_script_init(&r->check, CHECK) != 0 ||
      redis_script_init(&r->untake, UNTAKE) != 0 || redis_script_init(&r->add, ADD) != 0) {
    snprintf(err, errlen, "redis: cannot prepare the rate limit scripts");
    free(r);
    return NULL;
  }
  r->pool = pool;
  return r;
}

void redis_rate_limiter_destroy(struct redis_rate_limiter *r) {
  free(r);
}

struct rate_limiter redis_rate_limiter_port(struct redis_rate_limiter *r) {
  return (struct rate_limiter){.self = r,
                               .take = limiter_take,
                               .check = limiter_check,
                               .untake = limiter_untake,
                               .add = limiter_add,
                               .clear = limiter_clear};
}
