/* redis_totp_steps.c: one TOTP step per user, once, in Redis: a compare-and-set script accepts a
 * step only above the last one accepted, so two requests with the same code (or an older code
 * still inside the window) give exactly one success, across every instance. */
#include "adapters/redis_totp_steps.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yder.h>

#include "adapters/redis_call.h"
#include "adapters/redis_pending_keys.h"
#include "ports/user_store.h"

/* KEYS: vg:totp:<user id>, the pending login being verified. ARGV: step, ttl, 1 when there is
 * a login to approve. 1: accepted, remembered (and the login approved, as the pending store's
 * approve script writes it); 0: not above the last; -1: the login is gone, nothing written. */
static const char ACCEPT[] =
    "local last = tonumber(redis.call('GET', KEYS[1]) or '-1')\n"
    "if tonumber(ARGV[1]) <= last then return 0 end\n"
    "if ARGV[3] == '1' then\n"
    "  if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end\n"
    "  redis.call('HSET', KEYS[2], 'approved', '1')\n"
    "end\n"
    "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])\n"
    "return 1\n";

struct redis_totp_steps {
  struct redis_pool *pool;
  struct redis_script accept;
};

static vg_result accept(void *self, const char *user_id, int64_t step, int ttl,
                        const char *pending_jti) {
  struct redis_totp_steps *s = self;
  char key[32 + VG_ID_MAX], pending[32 + VG_JTI_MAX], step_s[24], ttl_s[16];
  if (!user_id || !*user_id || strlen(user_id) >= VG_ID_MAX || step < 0 || ttl <= 0 ||
      (pending_jti && (!*pending_jti || strlen(pending_jti) >= VG_JTI_MAX)))
    return VG_ERR_INTERNAL;
  snprintf(key, sizeof key, "vg:totp:%s", user_id);
  snprintf(pending, sizeof pending, "%s%s", REDIS_PENDING_PREFIX, pending_jti ? pending_jti : "-");
  snprintf(step_s, sizeof step_s, "%" PRId64, step);
  snprintf(ttl_s, sizeof ttl_s, "%d", ttl);
  const char *argv[] = {NULL, NULL, "2", key, pending, step_s, ttl_s, pending_jti ? "1" : "0"};
  redisReply *reply = NULL;
  vg_result r = redis_call(s->pool, &s->accept, 8, argv, &reply);
  if (r != VG_OK) return r;
  if (reply->type != REDIS_REPLY_INTEGER) {
    y_log_message(Y_LOG_LEVEL_ERROR, "redis: unexpected reply to the TOTP step script");
    r = VG_ERR_INTERNAL;
  } else {
    r = reply->integer == 1 ? VG_OK : reply->integer == 0 ? VG_ERR_CODE_REUSED : VG_ERR_NOT_FOUND;
  }
  freeReplyObject(reply);
  return r;
}

struct redis_totp_steps *redis_totp_steps_create(struct redis_pool *pool, char *err,
                                                 size_t errlen) {
  struct redis_totp_steps *s = calloc(1, sizeof *s);
  if (!s || redis_script_init(&s->accept, ACCEPT) != 0) {
    snprintf(err, errlen, "cannot prepare the TOTP step script");
    free(s);
    return NULL;
  }
  s->pool = pool;
  return s;
}

void redis_totp_steps_destroy(struct redis_totp_steps *s) {
  free(s);
}

struct totp_steps redis_totp_steps_port(struct redis_totp_steps *s) {
  return (struct totp_steps){.self = s, .accept = accept};
}
