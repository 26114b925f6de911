/* redis_session_store.c: refresh-token families, their rotation and revocation, and the access
 * token deny-list, in Redis. Each operation is one Lua script, so concurrent verigate processes
 * never interleave inside one: of two refreshes with the same token exactly one spends it. */
#include "adapters/redis_session_store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <yder.h>

#include "adapters/redis_call.h"
#include "adapters/redis_pending_keys.h"
#include "adapters/redis_session_reads.h"
#include "adapters/refresh_sealer.h"

#define KEY_MAX 96
#define HASH_HEX (2 * crypto_hash_sha256_BYTES + 1)
#define REFRESH_TOKEN_LEN (VG_REFRESH_TOKEN_MAX - 1)
#define REFRESH_TOKEN_BYTES 32 /* 256 bits */
#define FAMILY_BYTES 16        /* 128 bits: 22 base64url characters */

/* Ends one family: its unspent token goes, it leaves its user's set, and it stays as a revoked
 * marker for keep seconds (it may have been gone already: the marker is written all the same). */
#define REVOKE_FUNCTION                                                     \
  "local function revoke(family, keep)\n"                                   \
  "  local fkey = 'vg:rf:' .. family\n"                                     \
  "  local f = redis.call('HMGET', fkey, 'live', 'user_id')\n"              \
  "  if f[1] and f[1] ~= '' then redis.call('DEL', 'vg:rt:' .. f[1]) end\n" \
  "  if f[2] then redis.call('SREM', 'vg:uf:' .. f[2], family) end\n"       \
  "  redis.call('HSET', fkey, 'live', '', 'revoked', '1')\n"                \
  "  redis.call('EXPIRE', fkey, keep)\n"                                    \
  "end\n"

/* KEYS: token, family, user's set, the pending login it consumes, that login's verify lock, the
 * user's bar (bar_user). ARGV: user_id, auth_time, family, token hash, ttl, ttl + keep, the lock
 * owner's token, amr (the second factor's: every refresh token of the family carries it to its
 * access tokens), the client's User-Agent and IP prefix (the family's created and refreshed are
 * auth_time), the login's password step (Unix seconds). 0 (and nothing written) when the login
 * was consumed already; 0 too, the login consumed and no session, when its password step came
 * before the user's bar (a password or phone change, a reset, a deletion since). The login and the
 * session are one step: a failure leaves the login for a retry, and two retries give one session.
 * A few families of the user's set, picked at random, leave it when they have expired: a bounded
 * cost per login however many sessions the user has (SMEMBERS grew with every login, found by the
 * soak), and the set still sheds what has expired as logins go on. */
static const char START[] = REDIS_PENDING_GONE(4)
    "local bar = tonumber(redis.call('GET', KEYS[6]) or '0')\n"
    "if tonumber(ARGV[11]) < bar then\n"
    REDIS_CONSUME_PENDING(4, 5, 7)
    "  return 0\n"
    "end\n"
    "for _, f in ipairs(redis.call('SRANDMEMBER', KEYS[3], 8)) do\n"
    "  if redis.call('EXISTS', 'vg:rf:' .. f) == 0 then redis.call('SREM', KEYS[3], f) end\n"
    "end\n"
    "redis.call('HSET', KEYS[1], 'family', ARGV[3], 'user_id', ARGV[1], 'auth_time', ARGV[2],\n"
    "  'used', '0', 'amr', ARGV[8])\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[5])\n"
    "redis.call('HSET', KEYS[2], 'user_id', ARGV[1], 'live', ARGV[4], 'revoked', '0',\n"
    "  'created', ARGV[2], 'refreshed', ARGV[2], 'ua', ARGV[9], 'ip', ARGV[10])\n"
    "redis.call('EXPIRE', KEYS[2], ARGV[6])\n"
    "redis.call('SADD', KEYS[3], ARGV[3])\n"
    "redis.call('EXPIRE', KEYS[3], ARGV[6])\n"
    REDIS_CONSUME_PENDING(4, 5, 7)
    "return 1\n";

/* KEYS: the presented token, its successor, the presented token's grace record. ARGV:
 * successor's hash, ttl, ttl + keep, keep, grace (0: none), kid and box of the sealed successor,
 * now (the family's refreshed). Every reply but {0} and {2} ends with the family's amr (sms for
 * tokens from before it was kept).
 * {0}: unknown, expired or its family ended. {1, family, user_id, auth_time}: rotated, and with a
 * grace the sealed successor is kept beside the spent token for that long. {3, family, user_id,
 * auth_time, kid, box}: spent within its grace, and the successor it was spent for is still the
 * family's live token: that successor, sealed, again. {2, user_id}: otherwise already spent, so
 * the family is revoked now. */
static const char ROTATE[] = REVOKE_FUNCTION
    "local t = redis.call('HMGET', KEYS[1], 'family', 'user_id', 'auth_time', 'used', 'amr')\n"
    "if not t[1] then return {0} end\n"
    "local amr = t[5] or 'sms'\n"
    "local fkey = 'vg:rf:' .. t[1]\n"
    "if t[4] ~= '0' then\n"
    "  local g = redis.call('HMGET', KEYS[3], 'next', 'kid', 'box')\n"
    "  if g[1] then\n"
    "    local f = redis.call('HMGET', fkey, 'live', 'revoked')\n"
    "    if f[2] == '0' and f[1] == g[1] then return {3, t[1], t[2], t[3], g[2], g[3], amr} end\n"
    "  end\n"
    "  revoke(t[1], ARGV[4])\n"
    "  return {2, t[2]}\n"
    "end\n"
    "if redis.call('HGET', fkey, 'revoked') ~= '0' then return {0} end\n"
    "redis.call('HSET', KEYS[1], 'used', '1')\n"
    "redis.call('HSET', KEYS[2], 'family', t[1], 'user_id', t[2], 'auth_time', t[3], 'used', '0',\n"
    "  'amr', amr)\n"
    "redis.call('EXPIRE', KEYS[2], ARGV[2])\n"
    "redis.call('HSET', fkey, 'live', ARGV[1], 'refreshed', ARGV[8])\n"
    "redis.call('EXPIRE', fkey, ARGV[3])\n"
    "redis.call('EXPIRE', 'vg:uf:' .. t[2], ARGV[3])\n"
    "if ARGV[5] ~= '0' then\n"
    "  redis.call('HSET', KEYS[3], 'next', ARGV[1], 'kid', ARGV[6], 'box', ARGV[7])\n"
    "  redis.call('EXPIRE', KEYS[3], ARGV[5])\n"
    "end\n"
    "return {1, t[1], t[2], t[3], amr}\n";

/* ARGV: family, keep. */
static const char REVOKE_SESSION[] = REVOKE_FUNCTION
    "revoke(ARGV[1], ARGV[2])\n"
    "return 1\n";

/* KEYS: the user's set. ARGV: keep, the family to spare ("" for none). Returns how many families
 * were ended. */
static const char REVOKE_USER[] = REVOKE_FUNCTION
    "local n = 0\n"
    "for _, f in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
    "  if f ~= ARGV[2] then revoke(f, ARGV[1]); n = n + 1 end\n"
    "end\n"
    "if ARGV[2] == '' then redis.call('DEL', KEYS[1]) end\n"
    "return n\n";

/* KEYS: the jti's deny-list entry, the family. 1 when either says the token is revoked. */
static const char IS_REVOKED[] =
    "if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end\n"
    "if redis.call('HGET', KEYS[2], 'revoked') == '1' then return 1 end\n"
    "return 0\n";

struct redis_session_store {
  struct redis_pool *pool;
  const struct refresh_sealer *sealer;
  struct redis_script start, rotate, revoke_session, revoke_user, is_revoked;
  struct redis_session_reads reads;
};

/* prefix + id into out; 0 when id is empty or longer than max - 1 (it cannot be one of ours). */
static int make_key(char out[KEY_MAX], const char *prefix, const char *id, size_t max) {
  size_t n = id ? strnlen(id, max) : 0;
  if (n == 0 || n >= max) return 0;
  snprintf(out, KEY_MAX, "%s%s", prefix, id);
  return 1;
}

/* vg:rt:<hex SHA-256 of token> */
static void token_key(char out[KEY_MAX], const char *token, char hash[HASH_HEX]) {
  unsigned char md[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(md, (const unsigned char *)token, strlen(token));
  sodium_bin2hex(hash, HASH_HEX, md, sizeof md);
  snprintf(out, KEY_MAX, "vg:rt:%s", hash);
}

/* n random bytes as base64url without padding. */
static void random_b64url(char *out, size_t out_size, size_t n) {
  unsigned char raw[REFRESH_TOKEN_BYTES];
  randombytes_buf(raw, n);
  sodium_bin2base64(out, out_size, raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof raw);
}

/* The one shape a refresh token of ours has: 43 base64url characters. */
static int looks_like_refresh_token(const char *token) {
  if (!token || strlen(token) != REFRESH_TOKEN_LEN) return 0;
  for (const char *p = token; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
          *p == '-' || *p == '_'))
      return 0;
  return 1;
}

static vg_result unexpected(redisReply *reply, const char *what) {
  y_log_message(Y_LOG_LEVEL_ERROR, "redis: unexpected reply to the session %s script", what);
  freeReplyObject(reply);
  return VG_ERR_INTERNAL;
}

/* Runs script with argc arguments (numkeys first) and expects an integer reply in *n. */
static vg_result script_int(struct redis_session_store *s, const struct redis_script *script,
                            const char *what, int argc, const char **args, long long *n) {
  const char *argv[REDIS_ARGC_MAX] = {NULL, NULL};
  for (int i = 0; i < argc; i++) argv[2 + i] = args[i];
  redisReply *reply = NULL;
  vg_result r = redis_call(s->pool, script, 2 + argc, argv, &reply);
  if (r != VG_OK) return r;
  if (reply->type != REDIS_REPLY_INTEGER) return unexpected(reply, what);
  *n = reply->integer;
  freeReplyObject(reply);
  return VG_OK;
}

static vg_result store_start(void *self, const char *pending_jti, const char *lock_owner,
                             const char *user_id, int64_t login_at, int64_t auth_time,
                             const char *amr, const struct vg_session_client *client, int ttl,
                             int keep, struct vg_session *session,
                             char token[VG_REFRESH_TOKEN_MAX]) {
  char token_k[KEY_MAX], family_k[KEY_MAX], user_k[KEY_MAX], pending_k[KEY_MAX], lock_k[KEY_MAX];
  char bar_k[KEY_MAX];
  char hash[HASH_HEX], auth_s[24], ttl_s[16], life_s[16], login_s[24];
  memset(session, 0, sizeof *session);
  random_b64url(session->id, sizeof session->id, FAMILY_BYTES);
  random_b64url(token, VG_REFRESH_TOKEN_MAX, REFRESH_TOKEN_BYTES);
  if (!make_key(family_k, "vg:rf:", session->id, VG_SESSION_ID_MAX) ||
      !make_key(user_k, "vg:uf:", user_id, VG_ID_MAX) ||
      !make_key(pending_k, REDIS_PENDING_PREFIX, pending_jti, VG_JTI_MAX) ||
      !make_key(lock_k, REDIS_LOCK_PREFIX, pending_jti, VG_JTI_MAX) ||
      !make_key(bar_k, REDIS_BAR_PREFIX, user_id, VG_ID_MAX) || lock_owner == NULL || ttl <= 0 ||
      keep <= 0 || !amr || strlen(amr) >= sizeof session->amr) {
    sodium_memzero(token, VG_REFRESH_TOKEN_MAX);
    return VG_ERR_INTERNAL;
  }
  token_key(token_k, token, hash);
  snprintf(session->user_id, sizeof session->user_id, "%s", user_id);
  session->auth_time = auth_time;
  snprintf(session->amr, sizeof session->amr, "%s", amr);
  snprintf(auth_s, sizeof auth_s, "%" PRId64, auth_time);
  snprintf(ttl_s, sizeof ttl_s, "%d", ttl);
  snprintf(life_s, sizeof life_s, "%d", ttl + keep);
  snprintf(login_s, sizeof login_s, "%" PRId64, login_at);
  const char *args[] = {"6",
                        token_k,
                        family_k,
                        user_k,
                        pending_k,
                        lock_k,
                        bar_k,
                        user_id,
                        auth_s,
                        session->id,
                        hash,
                        ttl_s,
                        life_s,
                        lock_owner,
                        amr,
                        client ? client->user_agent : "",
                        client ? client->ip_prefix : "",
                        login_s};
  long long n = 0;
  vg_result r = script_int(self, &((struct redis_session_store *)self)->start, "start",
                           (int)(sizeof args / sizeof *args), args, &n);
  if (r == VG_OK && n == 0) r = VG_ERR_NOT_FOUND;
  if (r != VG_OK) sodium_memzero(token, VG_REFRESH_TOKEN_MAX);
  return r;
}

/* Fills session from the {1, family, user_id, auth_time} reply of ROTATE (or the start of its
 * {3, ...} reply, with kid and box after them); 0 when malformed. */
static int read_rotated(const redisReply *reply, size_t elements, struct vg_session *session) {
  if (reply->elements != elements) return 0;
  for (size_t i = 1; i < elements; i++)
    if (reply->element[i]->type != REDIS_REPLY_STRING) return 0;
  const redisReply *family = reply->element[1], *user = reply->element[2];
  const redisReply *amr = reply->element[elements - 1];
  if (family->len >= sizeof session->id || user->len >= sizeof session->user_id ||
      amr->len >= sizeof session->amr)
    return 0;
  memcpy(session->amr, amr->str, amr->len);
  memcpy(session->id, family->str, family->len);
  memcpy(session->user_id, user->str, user->len);
  char *end;
  errno = 0;
  long long at = strtoll(reply->element[3]->str, &end, 10);
  session->auth_time = at;
  return errno == 0 && *end == '\0' && at > 0;
}

/* The successor of a {3, family, user_id, auth_time, kid, box} reply, spent token old_hash's,
 * into next; 0 when it cannot be opened (its kid left the key set, or it was tampered with). */
static int open_successor(const struct redis_session_store *s, const redisReply *reply,
                          const char *old_hash, char next[VG_REFRESH_TOKEN_MAX]) {
  if (refresh_sealer_open(s->sealer, reply->element[4]->str, reply->element[5]->str, old_hash,
                          next) &&
      looks_like_refresh_token(next))
    return 1;
  y_log_message(Y_LOG_LEVEL_ERROR,
                "redis: the successor kept for a refresh within the reuse grace cannot be opened "
                "(kid %.64s): is its signing key missing here?",
                reply->element[4]->str);
  return 0;
}

static vg_result store_rotate(void *self, const char *token, int ttl, int keep, int grace,
                              struct vg_session *session, char next[VG_REFRESH_TOKEN_MAX],
                              bool *reused, bool *retried) {
  struct redis_session_store *s = self;
  char old_k[KEY_MAX], new_k[KEY_MAX], grace_k[KEY_MAX], old_hash[HASH_HEX], new_hash[HASH_HEX];
  char ttl_s[16], life_s[16], keep_s[16], grace_s[16], now_s[24];
  char kid[REFRESH_SEALER_KID_MAX] = "", box[REFRESH_SEALED_MAX] = "";
  memset(session, 0, sizeof *session);
  *reused = false;
  *retried = false;
  if (!looks_like_refresh_token(token)) return VG_ERR_NOT_FOUND;
  if (ttl <= 0 || keep <= 0 || grace < 0) return VG_ERR_INTERNAL;
  token_key(old_k, token, old_hash);
  snprintf(grace_k, sizeof grace_k, "vg:rg:%s", old_hash);
  random_b64url(next, VG_REFRESH_TOKEN_MAX, REFRESH_TOKEN_BYTES);
  token_key(new_k, next, new_hash);
  /* Sealed before it is known to be needed: the script decides, in the same round trip. */
  int64_t now = (int64_t)time(NULL);
  if (grace > 0 && !refresh_sealer_seal(s->sealer, now, next, old_hash, kid, box)) {
    sodium_memzero(next, VG_REFRESH_TOKEN_MAX);
    return VG_ERR_INTERNAL;
  }
  snprintf(ttl_s, sizeof ttl_s, "%d", ttl);
  snprintf(life_s, sizeof life_s, "%d", ttl + keep);
  snprintf(keep_s, sizeof keep_s, "%d", keep);
  snprintf(grace_s, sizeof grace_s, "%d", grace);
  snprintf(now_s, sizeof now_s, "%" PRId64, now);
  const char *argv[] = {NULL,  NULL,   "3",    old_k,   new_k, grace_k, new_hash,
                        ttl_s, life_s, keep_s, grace_s, kid,   box,     now_s};
  redisReply *reply = NULL;
  vg_result r = redis_call(s->pool, &s->rotate, (int)(sizeof argv / sizeof *argv), argv, &reply);
  if (r != VG_OK) goto fail;
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
      reply->element[0]->type != REDIS_REPLY_INTEGER) {
    r = unexpected(reply, "rotate");
    goto fail;
  }
  long long status = reply->element[0]->integer;
  if (status == 1 && read_rotated(reply, 5, session)) {
    freeReplyObject(reply);
    return VG_OK;
  }
  if (status == 3 && read_rotated(reply, 7, session)) {
    int opened = open_successor(s, reply, old_hash, next);
    freeReplyObject(reply);
    if (opened) {
      *retried = true;
      return VG_OK;
    }
    memset(session, 0, sizeof *session);
    r = VG_ERR_NOT_FOUND;
    goto fail;
  }
  if (status != 0 && status != 2) {
    r = unexpected(reply, "rotate");
    goto fail;
  }
  memset(session, 0, sizeof *session);
  if (status == 2) {
    *reused = true;
    if (reply->elements == 2 && reply->element[1]->type == REDIS_REPLY_STRING)
      snprintf(session->user_id, sizeof session->user_id, "%.*s", (int)reply->element[1]->len,
               reply->element[1]->str);
  }
  freeReplyObject(reply);
  r = VG_ERR_NOT_FOUND;
fail:
  sodium_memzero(next, VG_REFRESH_TOKEN_MAX);
  return r;
}

static vg_result store_revoke_session(void *self, const char *id, int keep) {
  char family_k[KEY_MAX], keep_s[16];
  if (!make_key(family_k, "vg:rf:", id, VG_SESSION_ID_MAX)) return VG_OK; /* none of ours */
  snprintf(keep_s, sizeof keep_s, "%d", keep > 0 ? keep : 1);
  const char *args[] = {"1", family_k, id, keep_s};
  long long n = 0;
  return script_int(self, &((struct redis_session_store *)self)->revoke_session, "revoke", 4, args,
                    &n);
}

static vg_result store_revoke_user(void *self, const char *user_id, const char *except_id,
                                   int keep) {
  char user_k[KEY_MAX], keep_s[16];
  if (!make_key(user_k, "vg:uf:", user_id, VG_ID_MAX)) return VG_ERR_INTERNAL;
  snprintf(keep_s, sizeof keep_s, "%d", keep > 0 ? keep : 1);
  const char *args[] = {"1", user_k, keep_s, except_id ? except_id : ""};
  long long n = 0;
  return script_int(self, &((struct redis_session_store *)self)->revoke_user, "revoke user", 4,
                    args, &n);
}

static vg_result store_deny(void *self, const char *jti, int ttl) {
  struct redis_session_store *s = self;
  char deny_k[KEY_MAX], ttl_s[16];
  if (!make_key(deny_k, "vg:deny:", jti, VG_JTI_MAX)) return VG_ERR_INTERNAL;
  snprintf(ttl_s, sizeof ttl_s, "%d", ttl > 0 ? ttl : 1);
  const char *argv[] = {"SET", deny_k, "1", "EX", ttl_s};
  redisReply *reply = NULL;
  vg_result r = redis_call(s->pool, NULL, 5, argv, &reply);
  if (r != VG_OK) return r;
  if (reply->type != REDIS_REPLY_STATUS) return unexpected(reply, "deny");
  freeReplyObject(reply);
  return VG_OK;
}

static vg_result store_is_revoked(void *self, const char *jti, const char *id, bool *revoked) {
  char deny_k[KEY_MAX], family_k[KEY_MAX];
  *revoked = true; /* a token whose ids cannot be ours is not let through */
  if (!make_key(deny_k, "vg:deny:", jti, VG_JTI_MAX) ||
      !make_key(family_k, "vg:rf:", id, VG_SESSION_ID_MAX))
    return VG_OK;
  const char *args[] = {"2", deny_k, family_k};
  long long n = 1;
  vg_result r =
      script_int(self, &((struct redis_session_store *)self)->is_revoked, "check", 3, args, &n);
  *revoked = n != 0;
  return r;
}

static vg_result store_list(void *self, const char *user_id, struct vg_session_info *out, int max,
                            int *count) {
  return redis_session_reads_list(&((struct redis_session_store *)self)->reads, user_id, out, max,
                                  count);
}

static vg_result store_get(void *self, const char *id, struct vg_session_info *out) {
  return redis_session_reads_get(&((struct redis_session_store *)self)->reads, id, out);
}

static vg_result store_bar_user(void *self, const char *user_id, int64_t before) {
  return redis_session_reads_bar_user(&((struct redis_session_store *)self)->reads, user_id,
                                      before);
}

struct redis_session_store *redis_session_store_create(struct redis_pool *pool,
                                                       const struct refresh_sealer *sealer,
                                                       char *err, size_t errlen) {
  struct redis_session_store *s = calloc(1, sizeof *s);
  if (!s || redis_script_init(&s->start, START) != 0 ||
      redis_script_init(&s->rotate, ROTATE) != 0 ||
      redis_script_init(&s->revoke_session, REVOKE_SESSION) != 0 ||
      redis_script_init(&s->revoke_user, REVOKE_USER) != 0 ||
      redis_script_init(&s->is_revoked, IS_REVOKED) != 0 ||
      redis_session_reads_init(&s->reads, pool) != 0) {
    snprintf(err, errlen, "redis: cannot prepare the session scripts");
    free(s);
    return NULL;
  }
  s->pool = pool;
  s->sealer = sealer;
  return s;
}

void redis_session_store_destroy(struct redis_session_store *s) {
  free(s);
}

struct session_store redis_session_store_port(struct redis_session_store *s) {
  return (struct session_store){.self = s,
                                .start = store_start,
                                .rotate = store_rotate,
                                .revoke_session = store_revoke_session,
                                .revoke_user = store_revoke_user,
                                .deny = store_deny,
                                .is_revoked = store_is_revoked,
                                .list = store_list,
                                .get = store_get,
                                .bar_user = store_bar_user};
}
