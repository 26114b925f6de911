/* redis_rate_limiter.c: fixed-window counters, every read-modify-write one Lua script so that
 * concurrent processes neither over-count nor let a burst slip through between check and count.
 * Counter names and script arguments come from rate_limit_keys.c. */
#include "adapters/redis_rate_limiter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <yder.h>

#include "adapters/rate_limit_keys.h"
#include "adapters/redis_call.h"
#include "metrics.h"

/* TAKE and UNTAKE: KEYS[1..m] the counters, then (when a reservation is given back in the same
 * step) its lock, ip and account counters; ARGV[1] = m, then the m limits, the m windows, and the
 * give-back's flags (lock set by it, ip on, account on, succeeded). */
#define GIVE_BACK                                                                              \
  "local function decr(key)\n"                                                                 \
  "  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end\n"        \
  "end\n"                                                                                      \
  "local function give_back(k, a)\n"                                                           \
  "  if ARGV[a] == '1' then redis.call('DEL', KEYS[k]) end\n"                                  \
  "  if ARGV[a + 1] == '1' then decr(KEYS[k + 1]) end\n"                                       \
  "  if ARGV[a + 2] == '1' then\n"                                                             \
  "    if ARGV[a + 3] == '1' then redis.call('DEL', KEYS[k + 2]) else decr(KEYS[k + 2]) end\n" \
  "  end\n"                                                                                    \
  "end\n"

#define PREFIX                    \
  GIVE_BACK                       \
  "local m = tonumber(ARGV[1])\n" \
  "if #KEYS > m then give_back(m + 1, 2 * m + 2) end\n"

/* Answers {index, seconds left, counts...} for the first reached counter; else goes on. */
#define FIND_REACHED                                                              \
  "local counts = {}\n"                                                           \
  "for i = 1, m do counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0') end\n" \
  "for i = 1, m do\n"                                                             \
  "  if counts[i] >= tonumber(ARGV[1 + i]) then\n"                                \
  "    local ttl = redis.call('TTL', KEYS[i])\n"                                  \
  "    if ttl < 0 then\n"                                                         \
  "      ttl = tonumber(ARGV[1 + m + i])\n"                                       \
  "      redis.call('EXPIRE', KEYS[i], ttl)\n"                                    \
  "    end\n"                                                                     \
  "    return {i, ttl}\n"                                                         \
  "  end\n"                                                                       \
  "end\n"

static const char TAKE[] = PREFIX FIND_REACHED
    "for i = 1, m do\n"
    "  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[1 + m + i]) "
    "end\n"
    "end\n"
    "return {0, 0}\n";
/* Never counts below zero nor creates a key. */
static const char UNTAKE[] = PREFIX
    "for i = 1, m do decr(KEYS[i]) end\n"
    "return {0, 0}\n";

/* The password step's gate. KEYS: lock, ip, account; ARGV: their limits (0 = off), their windows.
 * {index, seconds left, 0} when one is reached (nothing counted); else one failure counted against
 * ip and account, the lock set (and the account's count given the lock's life) when that brings
 * account to its limit: {0, 0, 1 when the lock was set here}. */
static const char RESERVE[] =
    "for i = 1, 3 do\n"
    "  if tonumber(ARGV[i]) > 0 and tonumber(redis.call('GET', KEYS[i]) or '0') >= "
    "tonumber(ARGV[i]) then\n"
    "    local ttl = redis.call('TTL', KEYS[i])\n"
    "    if ttl < 0 then\n"
    "      ttl = tonumber(ARGV[3 + i])\n"
    "      redis.call('EXPIRE', KEYS[i], ttl)\n"
    "    end\n"
    "    return {i, ttl, 0}\n"
    "  end\n"
    "end\n"
    "local locked = 0\n"
    "for i = 2, 3 do\n"
    "  if tonumber(ARGV[i]) > 0 then\n"
    "    local count = redis.call('INCR', KEYS[i])\n"
    "    if count == 1 or redis.call('TTL', KEYS[i]) < 0 then redis.call('EXPIRE', KEYS[i], ARGV[3 "
    "+ i]) end\n"
    "    if i == 3 and tonumber(ARGV[1]) > 0 and count >= tonumber(ARGV[3]) then\n"
    "      redis.call('SET', KEYS[1], '1', 'EX', ARGV[4])\n"
    "      redis.call('EXPIRE', KEYS[3], ARGV[4])\n"
    "      locked = 1\n"
    "    end\n"
    "  end\n"
    "end\n"
    "return {0, 0, locked}\n";

/* The give-back alone: the same KEYS as RESERVE, ARGV[1] = 0 (no counters), then the flags. */
static const char GIVE_BACK_ONLY[] = GIVE_BACK "give_back(1, 2)\nreturn {0, 0}\n";

struct redis_rate_limiter {
  struct redis_pool *pool;
  struct rate_limit_keyer keyer;
  struct redis_script take, untake, reserve, give_back;
};

/* Runs script over argv and reads its {index, seconds left, ...} answer of at least expected
 * integers into *index, *retry_after and, when extra is not NULL, the third integer. */
static vg_result run_script(struct redis_rate_limiter *r, const struct redis_script *script,
                            int argc, const char **argv, size_t expected, long long *index,
                            int *retry_after, long long *extra) {
  redisReply *reply = NULL;
  vg_result res = redis_call(r->pool, script, argc, argv, &reply);
  if (res != VG_OK) return res;
  int well_formed = reply->type == REDIS_REPLY_ARRAY && reply->elements == expected;
  for (size_t i = 0; well_formed && i < expected; i++)
    well_formed = reply->element[i]->type == REDIS_REPLY_INTEGER;
  if (!well_formed) {
    y_log_message(Y_LOG_LEVEL_ERROR, "redis: rate limit script answered an unexpected reply");
    freeReplyObject(reply);
    return VG_ERR_INTERNAL;
  }
  *index = reply->element[0]->integer;
  *retry_after = (int)reply->element[1]->integer;
  if (extra) *extra = reply->element[2]->integer;
  freeReplyObject(reply);
  return VG_OK;
}

/* Runs TAKE or UNTAKE over the limits that are on, with back given back in the same step. */
static vg_result run_limits(struct redis_rate_limiter *r, const struct redis_script *script,
                            const struct vg_limit *limits, int n, struct vg_reservation *back,
                            int *which, int *retry_after) {
  struct rate_limit_args args;
  *which = -1;
  *retry_after = 0;
  vg_result res = rate_limit_args_build(&r->keyer, limits, n, back, true, &args);
  if (res != VG_OK) return res;
  if (args.on == 0 && !back) return VG_OK;
  long long index;
  int wait;
  res = run_script(r, script, args.argc, args.argv, 2, &index, &wait, NULL);
  if (res != VG_OK) return res;
  if (back) back->taken = back->locked = false;
  if (index > 0) {
    *which = index <= args.on ? args.index[index - 1] : -1;
    *retry_after = wait;
    if (*which >= 0) metrics_rate_limited(limits[*which].scope);
    return VG_ERR_RATE_LIMITED;
  }
  return VG_OK;
}

static vg_result limiter_take(void *self, const struct vg_limit *limits, int n,
                              struct vg_reservation *back, int *which, int *retry_after) {
  struct redis_rate_limiter *r = self;
  return run_limits(r, &r->take, limits, n, back, which, retry_after);
}

static vg_result limiter_untake(void *self, const struct vg_limit *limits, int n) {
  struct redis_rate_limiter *r = self;
  int which, retry_after;
  return run_limits(r, &r->untake, limits, n, NULL, &which, &retry_after);
}

static vg_result limiter_reserve(void *self, struct vg_reservation *res, int *retry_after) {
  struct redis_rate_limiter *r = self;
  *retry_after = 0;
  res->taken = res->locked = false;
  const struct vg_limit *three[3] = {&res->lock, &res->ip, &res->account};
  bool any = false;
  char keys[3][RATE_LIMIT_KEY_MAX], nums[6][16];
  const char *argv[12] = {NULL, NULL, "3"}; /* EVALSHA sha 3 keys... limits... windows... */
  for (int i = 0; i < 3; i++) {
    if (!rate_limit_key(&r->keyer, three[i], keys[i])) return VG_ERR_INTERNAL;
    int limit = three[i]->limit > 0 ? three[i]->limit : 0;
    any = any || limit > 0;
    snprintf(nums[i], sizeof nums[i], "%d", limit);
    snprintf(nums[3 + i], sizeof nums[i], "%d", three[i]->window > 0 ? three[i]->window : 1);
    argv[3 + i] = keys[i];
    argv[6 + i] = nums[i];
    argv[9 + i] = nums[3 + i];
  }
  if (!any) return VG_OK;
  long long index, locked;
  int wait;
  vg_result out = run_script(r, &r->reserve, 12, argv, 3, &index, &wait, &locked);
  if (out != VG_OK) return out;
  if (index > 0) {
    *retry_after = wait;
    if (index <= 3) metrics_rate_limited(three[index - 1]->scope);
    return VG_ERR_RATE_LIMITED;
  }
  res->taken = true;
  res->locked = locked == 1;
  return VG_OK;
}

static vg_result limiter_give_back(void *self, struct vg_reservation *res, bool succeeded) {
  struct redis_rate_limiter *r = self;
  if (!res->taken) return VG_OK;
  struct rate_limit_args args;
  vg_result out = rate_limit_args_build(&r->keyer, NULL, 0, res, succeeded, &args);
  if (out != VG_OK) return out;
  long long index;
  int wait;
  out = run_script(r, &r->give_back, args.argc, args.argv, 2, &index, &wait, NULL);
  if (out == VG_OK) res->taken = res->locked = false;
  return out;
}

static void limiter_tag(void *self, const char *subject, char out[VG_ACCOUNT_TAG_MAX]) {
  struct redis_rate_limiter *r = self;
  rate_limit_tag(&r->keyer, subject, out);
}

struct redis_rate_limiter *redis_rate_limiter_create(
    struct redis_pool *pool, const unsigned char secret[RATE_LIMIT_SECRET_BYTES], char *err,
    size_t errlen) {
  struct redis_rate_limiter *r = calloc(1, sizeof *r);
  if (!r || redis_script_init(&r->take, TAKE) != 0 || redis_script_init(&r->untake, UNTAKE) != 0 ||
      redis_script_init(&r->reserve, RESERVE) != 0 ||
      redis_script_init(&r->give_back, GIVE_BACK_ONLY) != 0) {
    snprintf(err, errlen, "redis: cannot prepare the rate limit scripts");
    free(r);
    return NULL;
  }
  r->pool = pool;
  rate_limit_keyer_init(&r->keyer, secret);
  return r;
}

void redis_rate_limiter_destroy(struct redis_rate_limiter *r) {
  if (!r) return;
  rate_limit_keyer_wipe(&r->keyer);
  free(r);
}

struct rate_limiter redis_rate_limiter_port(struct redis_rate_limiter *r) {
  return (struct rate_limiter){.self = r,
                               .take = limiter_take,
                               .untake = limiter_untake,
                               .reserve = limiter_reserve,
                               .give_back = limiter_give_back,
                               .tag = limiter_tag};
}
