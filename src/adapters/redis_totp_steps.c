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
#include "ports/user_store.h"

/* KEYS: vg:totp:<user id>. ARGV: step, ttl. 1: accepted and remembered; 0: not above the last. */
static const char ACCEPT[] =
    "local last = tonumber(redis.call('GET', KEYS[1]) or '-1')\n"
    "if tonumber(ARGV[1]) <= last then return 0 end\n"
    "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])\n"
    "return 1\n";

struct redis_totp_steps {
  struct redis_pool *pool;
  struct redis_script accept;
};

static vg_result accept(void *self, const char *user_id, int64_t step, int ttl) {
  struct redis_totp_steps *s = self;
  char key[32 + VG_ID_MAX], step_s[24], ttl_s[16];
  if (!user_id || !*user_id || strlen(user_id) >= VG_ID_MAX || step < 0 || ttl <= 0)
    return VG_ERR_INTERNAL;
  snprintf(key, sizeof key, "vg:totp:%s", user_id);
  snprintf(step_s, sizeof step_s, "%" PRId64, step);
  snprintf(ttl_s, sizeof ttl_s, "%d", ttl);
  const char *argv[] = {NULL, NULL, "1", key, step_s, ttl_s};
  redisReply *reply = NULL;
  vg_result r = redis_call(s->pool, &s->accept, 6, argv, &reply);
  if (r != VG_OK) return r;
  if (reply->type != REDIS_REPLY_INTEGER) {
    y_log_message(Y_LOG_LEVEL_ERROR, "redis: unexpected reply to the TOTP step script");
    r = VG_ERR_INTERNAL;
  } else {
    r = reply->integer == 1 ? VG_OK : VG_ERR_CODE_REUSED;
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
