/* redis_pending_store.c: pending logins in Redis. Every read-modify-write is one Lua script, so
 * concurrent verigate processes never interleave inside an operation. */
#include "adapters/redis_pending_store.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <sodium.h>
#include <yder.h>

#include "adapters/redis_call.h"
#include "adapters/redis_pending_keys.h"
#include "adapters/redis_pool.h"
#define REDIS_KEY_MAX (sizeof(REDIS_PENDING_PREFIX) + VG_JTI_MAX) /* the longer prefix, NUL */

enum pending_script {
  RS_CREATE,
  RS_RESERVE,
  RS_SID,
  RS_RELEASE,
  RS_ATTEMPT,
  RS_LOCK,
  RS_UNLOCK,
  RS_APPROVE,
  RS_COUNT
};

/* The fields of a pending login, in the order HMGET and the lock script answer them. */
#define PENDING_FIELDS                                                            \
  "'user_id', 'phone', 'verification_sid', 'sends', 'last_send_at', 'attempts', " \
  "'phone_verified', 'approved', 'channel', 'locale', 'app_hash', 'totp_box'"
#define PENDING_NFIELDS 12

/* DEL first so a reused jti never inherits stale fields. ARGV: eleven fields, then ttl. */
static const char *const redis_script_body[RS_COUNT] = {
    [RS_CREATE] =
        "redis.call('DEL', KEYS[1])\n"
        "redis.call('HSET', KEYS[1], 'user_id', ARGV[1], 'phone', ARGV[2],\n"
        "  'verification_sid', ARGV[3], 'sends', ARGV[4], 'last_send_at', ARGV[5],\n"
        "  'attempts', ARGV[6], 'phone_verified', ARGV[7], 'channel', ARGV[8],\n"
        "  'locale', ARGV[9], 'app_hash', ARGV[10], 'totp_box', ARGV[11])\n"
        "redis.call('EXPIRE', KEYS[1], ARGV[12])\n"
        "return 1\n",
    /* ARGV: now, cooldown, max_sends. Returns {0} gone, {1, sends} ok, {2} limit,
     * {3, retry_after} cooldown. */
    [RS_RESERVE] =
        "if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end\n"
        "local now, cooldown, max = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])\n"
        "local sends = tonumber(redis.call('HGET', KEYS[1], 'sends') or '0')\n"
        "local last = tonumber(redis.call('HGET', KEYS[1], 'last_send_at') or '0')\n"
        "if sends >= max then return {2} end\n"
        "if now - last < cooldown then return {3, cooldown - (now - last)} end\n"
        "sends = redis.call('HINCRBY', KEYS[1], 'sends', 1)\n"
        "redis.call('HSET', KEYS[1], 'last_send_at', ARGV[1])\n"
        "return {1, sends}\n",
    /* ARGV: the verification's sid, channel, locale, app_hash. Never creates the key (HSET alone
     * would, without a TTL). */
    [RS_SID] = ("if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
                "redis.call('HSET', KEYS[1], 'verification_sid', ARGV[1], 'channel', ARGV[2],\n"
                "  'locale', ARGV[3], 'app_hash', ARGV[4])\n"
                "return 1\n"),
    /* ARGV: previous last_send_at. Never creates the key, never counts below zero. */
    [RS_RELEASE] =
        "if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
        "if tonumber(redis.call('HGET', KEYS[1], 'sends') or '0') > 0 then\n"
        "  redis.call('HINCRBY', KEYS[1], 'sends', -1)\n"
        "end\n"
        "redis.call('HSET', KEYS[1], 'last_send_at', ARGV[1])\n"
        "return 1\n",
    /* Returns the new attempts, or -1 when the key is gone (HINCRBY alone would recreate it). */
    [RS_ATTEMPT] = ("if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end\n"
                    "return redis.call('HINCRBY', KEYS[1], 'attempts', 1)\n"),
    /* KEYS: the pending login, its lock; ARGV: the lock's ttl, its owner's token. {0}: no such
     * login (no lock taken); {1}: the lock is held; {2, fields...}: locked, and the login as it
     * is now. */
    [RS_LOCK] = ("if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end\n"
                 "if not redis.call('SET', KEYS[2], ARGV[2], 'NX', 'EX', ARGV[1]) then\n"
                 "  return {1}\n"
                 "end\n"
                 "return {2, unpack(redis.call('HMGET', KEYS[1], " PENDING_FIELDS "))}\n"),
    /* KEYS: a lock; ARGV: the owner's token. Compare and delete: a lock that expired and was
     * taken by another request is not this caller's to release. */
    [RS_UNLOCK] = ("if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
                   "  return redis.call('DEL', KEYS[1])\n"
                   "end\n"
                   "return 0\n"),
    /* KEYS: the pending login. Never creates the key. */
    [RS_APPROVE] = ("if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end\n"
                    "redis.call('HSET', KEYS[1], 'approved', '1')\n"
                    "return 1\n"),
};

struct redis_pending_store {
  struct redis_pool *pool; /* shared, not owned */
  struct redis_script scripts[RS_COUNT];
};

/* Runs argv with script (-1: a plain command) on the store's pool; see redis_call(). */
static vg_result redis_run(struct redis_pending_store *s, int script, int argc, const char **argv,
                           redisReply **out) {
  return redis_call(s->pool, script >= 0 ? &s->scripts[script] : NULL, argc, argv, out);
}

/* Builds prefix + jti; -1 for a jti that cannot be one of ours (empty or too long). */
static int redis_key(char *buf, const char *prefix, const char *jti) {
  size_t n = jti == NULL ? 0 : strnlen(jti, VG_JTI_MAX + 1);
  if (n == 0 || n > VG_JTI_MAX) return -1;
  snprintf(buf, REDIS_KEY_MAX, "%s%s", prefix, jti);
  return 0;
}

static vg_result redis_unexpected(const char *what) {
  y_log_message(Y_LOG_LEVEL_ERROR, "redis: unexpected reply type to %s", what);
  return VG_ERR_INTERNAL;
}

static vg_result redis_pending_create(void *self, const char *jti, const struct vg_pending *p,
                                      int ttl) {
  char key[REDIS_KEY_MAX], sends[16], last[24], attempts[16], ttl_s[16];
  char user_id[VG_ID_MAX], phone[VG_PHONE_MAX], sid[VG_SID_MAX];
  redisReply *r = NULL;
  if (redis_key(key, REDIS_PENDING_PREFIX, jti) != 0) return VG_ERR_NOT_FOUND;
  if (ttl <= 0) {
    y_log_message(Y_LOG_LEVEL_ERROR, "redis: pending login with ttl %d", ttl);
    return VG_ERR_INTERNAL;
  }
  /* Copies guarantee a NUL even if a caller filled a field to the brim. */
  snprintf(user_id, sizeof(user_id), "%.*s", (int)sizeof(p->user_id), p->user_id);
  snprintf(phone, sizeof(phone), "%.*s", (int)sizeof(p->phone), p->phone);
  snprintf(sid, sizeof(sid), "%.*s", (int)sizeof(p->verification_sid), p->verification_sid);
  snprintf(sends, sizeof(sends), "%d", p->sends);
  snprintf(last, sizeof(last), "%" PRId64, p->last_send_at);
  snprintf(attempts, sizeof(attempts), "%d", p->attempts);
  snprintf(ttl_s, sizeof(ttl_s), "%d", ttl);
  const char *verified = p->phone_verified ? "1" : "0";
  char locale[VG_LOCALE_MAX], app_hash[VG_APP_HASH_LEN + 1];
  snprintf(locale, sizeof locale, "%.*s", (int)sizeof p->delivery.locale, p->delivery.locale);
  snprintf(app_hash, sizeof app_hash, "%.*s", (int)sizeof p->delivery.app_hash,
           p->delivery.app_hash);
  char box[VG_TOTP_BOX_MAX];
  snprintf(box, sizeof box, "%.*s", (int)sizeof p->totp_box, p->totp_box);
  const char *argv[] = {NULL,    NULL,     "1",      key,
                        user_id, phone,    sid,      sends,
                        last,    attempts, verified, vg_channel_name(p->delivery.channel),
                        locale,  app_hash, box,      ttl_s};
  vg_result res = redis_run(self, RS_CREATE, (int)(sizeof(argv) / sizeof(*argv)), argv, &r);
  if (res == VG_OK && r->type != REDIS_REPLY_INTEGER) res = redis_unexpected("create");
  if (r != NULL) freeReplyObject(r);
  return res;
}

/* Copies a hash value into a bounded string; -1 when it does not fit. */
static int redis_copy(const redisReply *v, char *out, size_t cap) {
  if (v->type != REDIS_REPLY_STRING || v->len >= cap) return -1;
  memcpy(out, v->str, v->len);
  out[v->len] = '\0';
  return 0;
}

/* Reads a whole decimal integer within [min, max]; -1 otherwise. */
static int redis_integer(const redisReply *v, long long min, long long max, long long *out) {
  char buf[24], *end;
  if (redis_copy(v, buf, sizeof(buf)) != 0 || buf[0] == '\0') return -1;
  errno = 0;
  long long n = strtoll(buf, &end, 10);
  if (errno != 0 || *end != '\0' || n < min || n > max) return -1;
  *out = n;
  return 0;
}

/* The delivery fields (channel, locale, app_hash) of a pending login; absent in a login begun by
 * an older version, which sent by SMS alone. -1 for a malformed one. */
static int redis_parse_delivery(redisReply **v, struct vg_delivery *out) {
  if (v[0]->type == REDIS_REPLY_NIL) return 0;
  char channel[16];
  if (redis_copy(v[0], channel, sizeof channel) != 0 ||
      !vg_channel_from_name(channel, &out->channel))
    return -1;
  if (v[1]->type != REDIS_REPLY_NIL && redis_copy(v[1], out->locale, sizeof out->locale) != 0)
    return -1;
  if (v[2]->type != REDIS_REPLY_NIL && redis_copy(v[2], out->app_hash, sizeof out->app_hash) != 0)
    return -1;
  return 0;
}

/* The PENDING_NFIELDS values v of a pending login into out: VG_ERR_NOT_FOUND when there is no
 * such hash (create writes every field at once), VG_ERR_INTERNAL for a malformed one. */
static vg_result redis_parse_pending(redisReply **v, struct vg_pending *out) {
  long long sends, last, attempts;
  memset(out, 0, sizeof(*out));
  if (v[0]->type == REDIS_REPLY_NIL && v[1]->type == REDIS_REPLY_NIL) return VG_ERR_NOT_FOUND;
  if (redis_copy(v[0], out->user_id, sizeof(out->user_id)) != 0 ||
      redis_copy(v[1], out->phone, sizeof(out->phone)) != 0 ||
      redis_copy(v[2], out->verification_sid, sizeof(out->verification_sid)) != 0 ||
      redis_integer(v[3], 0, INT_MAX, &sends) != 0 ||
      redis_integer(v[4], 0, INT64_MAX, &last) != 0 ||
      redis_integer(v[5], 0, INT_MAX, &attempts) != 0 ||
      redis_parse_delivery(v + 8, &out->delivery) != 0) {
    y_log_message(Y_LOG_LEVEL_ERROR, "redis: pending login hash has a missing or malformed field");
    memset(out, 0, sizeof(*out));
    return VG_ERR_INTERNAL;
  }
  out->sends = (int)sends;
  out->last_send_at = last;
  out->attempts = (int)attempts;
  /* Absent in a login begun by an older version: then /verify writes it, as it always did. */
  out->phone_verified = v[6]->type == REDIS_REPLY_STRING && v[6]->len == 1 && v[6]->str[0] == '1';
  out->approved = v[7]->type == REDIS_REPLY_STRING && v[7]->len == 1 && v[7]->str[0] == '1';
  /* Absent in a login begun by an older version: no TOTP for that login. */
  if (v[11]->type == REDIS_REPLY_STRING) redis_copy(v[11], out->totp_box, sizeof out->totp_box);
  return VG_OK;
}

/* HMGET rather than HGETALL: the fields come back in a fixed order, a missing one as nil. */
static vg_result redis_pending_get(void *self, const char *jti, struct vg_pending *out) {
  char key[REDIS_KEY_MAX];
  redisReply *r = NULL;
  if (redis_key(key, REDIS_PENDING_PREFIX, jti) != 0) return VG_ERR_NOT_FOUND;
  const char *argv[] = {
      "HMGET",        key,        "user_id",        "phone",    "verification_sid", "sends",
      "last_send_at", "attempts", "phone_verified", "approved", "channel",          "locale",
      "app_hash",     "totp_box"};
  vg_result res = redis_run(self, -1, 2 + PENDING_NFIELDS, argv, &r);
  if (res == VG_OK) {
    if (r->type == REDIS_REPLY_ARRAY && r->elements == PENDING_NFIELDS)
      res = redis_parse_pending(r->element, out);
    else
      res = redis_unexpected("HMGET");
  }
  if (r != NULL) freeReplyObject(r);
  return res;
}

static vg_result redis_pending_reserve_send(void *self, const char *jti, int64_t now, int cooldown,
                                            int max_sends, int *sends, int *retry_after) {
  char key[REDIS_KEY_MAX], now_s[24], cooldown_s[16], max_s[16];
  redisReply *r = NULL;
  if (redis_key(key, REDIS_PENDING_PREFIX, jti) != 0) return VG_ERR_NOT_FOUND;
  snprintf(now_s, sizeof(now_s), "%" PRId64, now);
  snprintf(cooldown_s, sizeof(cooldown_s), "%d", cooldown);
  snprintf(max_s, sizeof(max_s), "%d", max_sends);
  const char *argv[] = {NULL, NULL, "1", key, now_s, cooldown_s, max_s};
  vg_result res = redis_run(self, RS_RESERVE, 7, argv, &r);
  if (res != VG_OK) goto cleanup;
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
      r->element[0]->type != REDIS_REPLY_INTEGER) {
    res = redis_unexpected("reserve_send");
    goto cleanup;
  }
  static const vg_result by_status[] = {VG_ERR_NOT_FOUND, VG_OK, VG_ERR_RESEND_LIMIT,
                                        VG_ERR_RESEND_COOLDOWN};
  long long status = r->element[0]->integer;
  int value = r->elements > 1 && r->element[1]->type == REDIS_REPLY_INTEGER
                  ? (int)r->element[1]->integer
                  : 0;
  res = status >= 0 && status <= 3 ? by_status[status] : redis_unexpected("reserve_send");
  if (res == VG_OK && sends != NULL) *sends = value;
  if (res == VG_ERR_RESEND_COOLDOWN && retry_after != NULL) *retry_after = value;
cleanup:
  if (r != NULL) freeReplyObject(r);
  return res;
}

/* Runs a script of one key and one argument that answers an integer; *n receives it. */
static vg_result redis_script_int(void *self, int script, const char *jti, const char *arg,
                                  long long *n) {
  char key[REDIS_KEY_MAX];
  redisReply *r = NULL;
  if (redis_key(key, REDIS_PENDING_PREFIX, jti) != 0) return VG_ERR_NOT_FOUND;
  const char *argv[] = {NULL, NULL, "1", key, arg};
  vg_result res = redis_run(self, script, arg != NULL ? 5 : 4, argv, &r);
  if (res == VG_OK && r->type != REDIS_REPLY_INTEGER) res = redis_unexpected("script");
  if (res == VG_OK) *n = r->integer;
  if (r != NULL) freeReplyObject(r);
  return res;
}

static vg_result redis_pending_release_send(void *self, const char *jti, int64_t previous_send_at) {
  char prev[24];
  long long n = 0;
  snprintf(prev, sizeof(prev), "%" PRId64, previous_send_at);
  vg_result res = redis_script_int(self, RS_RELEASE, jti, prev, &n);
  return res == VG_OK && n == 0 ? VG_ERR_NOT_FOUND : res;
}

static vg_result redis_pending_record_send(void *self, const char *jti, const char *sid,
                                           const struct vg_delivery *d) {
  char key[REDIS_KEY_MAX];
  redisReply *r = NULL;
  if (sid == NULL || strnlen(sid, VG_SID_MAX) >= VG_SID_MAX || d == NULL ||
      strnlen(d->locale, sizeof d->locale) >= sizeof d->locale ||
      strnlen(d->app_hash, sizeof d->app_hash) >= sizeof d->app_hash)
    return VG_ERR_INTERNAL;
  if (redis_key(key, REDIS_PENDING_PREFIX, jti) != 0) return VG_ERR_NOT_FOUND;
  const char *argv[] = {NULL,      NULL,       "1", key, sid, vg_channel_name(d->channel),
                        d->locale, d->app_hash};
  vg_result res = redis_run(self, RS_SID, 8, argv, &r);
  if (res == VG_OK && r->type != REDIS_REPLY_INTEGER) res = redis_unexpected("record_send");
  if (res == VG_OK && r->integer == 0) res = VG_ERR_NOT_FOUND;
  if (r != NULL) freeReplyObject(r);
  return res;
}

static vg_result redis_pending_add_attempt(void *self, const char *jti, int *attempts) {
  long long n = 0;
  vg_result res = redis_script_int(self, RS_ATTEMPT, jti, NULL, &n);
  if (res == VG_OK && n < 0) return VG_ERR_NOT_FOUND;
  if (res == VG_OK && attempts != NULL) *attempts = (int)n;
  return res;
}

/* DEL on prefix + jti. */
static vg_result redis_del(void *self, const char *prefix, const char *jti) {
  char key[REDIS_KEY_MAX];
  redisReply *r = NULL;
  if (redis_key(key, prefix, jti) != 0) return VG_ERR_NOT_FOUND;
  const char *argv[] = {"DEL", key};
  vg_result res = redis_run(self, -1, 2, argv, &r);
  if (res == VG_OK && r->type != REDIS_REPLY_INTEGER) res = redis_unexpected("DEL");
  if (r != NULL) freeReplyObject(r);
  return res;
}

static vg_result redis_pending_unlock(void *self, const char *jti, const char *owner) {
  char lock[REDIS_KEY_MAX];
  redisReply *r = NULL;
  if (redis_key(lock, REDIS_LOCK_PREFIX, jti) != 0 || owner == NULL) return VG_ERR_NOT_FOUND;
  const char *argv[] = {NULL, NULL, "1", lock, owner};
  vg_result res = redis_run(self, RS_UNLOCK, 5, argv, &r);
  if (res == VG_OK && r->type != REDIS_REPLY_INTEGER) res = redis_unexpected("unlock");
  if (r != NULL) freeReplyObject(r);
  return res;
}

static vg_result redis_pending_approve(void *self, const char *jti) {
  long long n = 0;
  vg_result res = redis_script_int(self, RS_APPROVE, jti, NULL, &n);
  return res == VG_OK && n == 0 ? VG_ERR_NOT_FOUND : res;
}

static vg_result redis_pending_lock(void *self, const char *jti, int ttl,
                                    char owner[VG_LOCK_OWNER_MAX], struct vg_pending *out) {
  char key[REDIS_KEY_MAX], lock[REDIS_KEY_MAX], ttl_s[16];
  unsigned char random[(VG_LOCK_OWNER_MAX - 1) / 2];
  redisReply *r = NULL;
  if (redis_key(key, REDIS_PENDING_PREFIX, jti) != 0 ||
      redis_key(lock, REDIS_LOCK_PREFIX, jti) != 0)
    return VG_ERR_NOT_FOUND;
  randombytes_buf(random, sizeof random);
  sodium_bin2hex(owner, VG_LOCK_OWNER_MAX, random, sizeof random);
  snprintf(ttl_s, sizeof(ttl_s), "%d", ttl > 0 ? ttl : 1);
  const char *argv[] = {NULL, NULL, "2", key, lock, ttl_s, owner};
  vg_result res = redis_run(self, RS_LOCK, 7, argv, &r);
  if (res != VG_OK) goto cleanup;
  long long status =
      r->type == REDIS_REPLY_ARRAY && r->elements >= 1 && r->element[0]->type == REDIS_REPLY_INTEGER
          ? r->element[0]->integer
          : -1;
  if (status == 0) {
    res = VG_ERR_NOT_FOUND;
  } else if (status == 1) {
    res = VG_ERR_VERIFY_IN_PROGRESS;
  } else if (status == 2 && r->elements == 1 + PENDING_NFIELDS) {
    res = redis_parse_pending(r->element + 1, out);
  } else {
    res = redis_unexpected("lock");
  }
  if (status == 2 && res != VG_OK) redis_pending_unlock(self, jti, owner); /* not usable */
cleanup:
  if (r != NULL) freeReplyObject(r);
  return res;
}

static vg_result redis_pending_remove(void *self, const char *jti) {
  return redis_del(self, REDIS_PENDING_PREFIX, jti);
}

static vg_result redis_pending_ping(void *self) {
  const char *argv[] = {"PING"};
  redisReply *r = NULL;
  vg_result res = redis_run(self, -1, 1, argv, &r);
  bool pong = res == VG_OK && r->type == REDIS_REPLY_STATUS;
  if (r != NULL) freeReplyObject(r);
  return pong ? VG_OK : VG_ERR_UNAVAILABLE;
}

struct redis_pending_store *redis_pending_store_create(struct redis_pool *pool, char *err,
                                                       size_t errlen) {
  struct redis_pending_store *s = calloc(1, sizeof(*s));
  if (s == NULL) {
    snprintf(err, errlen, "redis: out of memory");
    return NULL;
  }
  s->pool = pool;
  for (int i = 0; i < RS_COUNT; i++) {
    if (redis_script_init(&s->scripts[i], redis_script_body[i]) != 0) {
      snprintf(err, errlen, "redis: cannot hash the Lua scripts");
      free(s);
      return NULL;
    }
  }
  return s;
}

void redis_pending_store_destroy(struct redis_pending_store *s) {
  free(s);
}

struct pending_store redis_pending_store_port(struct redis_pending_store *s) {
  struct pending_store port = {
      .self = s,
      .create = redis_pending_create,
      .get = redis_pending_get,
      .reserve_send = redis_pending_reserve_send,
      .record_send = redis_pending_record_send,
      .release_send = redis_pending_release_send,
      .add_attempt = redis_pending_add_attempt,
      .lock = redis_pending_lock,
      .unlock = redis_pending_unlock,
      .approve = redis_pending_approve,
      .remove = redis_pending_remove,
      .ping = redis_pending_ping,
  };
  return port;
}
