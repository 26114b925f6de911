/* redis_session_reads.c: a user's live sessions with what they were started from, one session
 * by id, and the bar on an account's session starts (redis_session_reads.h). */
#include "adapters/redis_session_reads.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yder.h>

#define KEY_MAX 96
#define LIST_FIELDS 5 /* id, created, refreshed, ua, ip */

/* KEYS: the user's set. ARGV: the most to answer. The live families, newest first, each as
 * LIST_FIELDS strings; ids of families that have expired leave the set on the way. Reads one
 * hash per member: the set holds the user's unexpired sessions only (every start sheds a few
 * expired ones, every revocation removes its own). */
static const char LIST[] =
    "local live = {}\n"
    "for _, f in ipairs(redis.call('SMEMBERS', KEYS[1])) do\n"
    "  local v = redis.call('HMGET', 'vg:rf:' .. f, 'revoked', 'created', 'refreshed', 'ua', "
    "'ip')\n"
    "  if not v[1] then redis.call('SREM', KEYS[1], f)\n"
    "  elseif v[1] == '0' then\n"
    "    live[#live + 1] = {f, v[2] or '0', v[3] or v[2] or '0', v[4] or '', v[5] or ''}\n"
    "  end\n"
    "end\n"
    "table.sort(live, function(a, b)\n"
    "  local x, y = tonumber(a[2]) or 0, tonumber(b[2]) or 0\n"
    "  if x ~= y then return x > y end\n"
    "  return a[1] < b[1]\n"
    "end)\n"
    "local out = {}\n"
    "for i = 1, math.min(#live, tonumber(ARGV[1])) do\n"
    "  for _, v in ipairs(live[i]) do out[#out + 1] = v end\n"
    "end\n"
    "return out\n";

int redis_session_reads_init(struct redis_session_reads *r, struct redis_pool *pool) {
  r->pool = pool;
  return redis_script_init(&r->list, LIST);
}

/* prefix + id into out; 0 when id is empty or longer than max - 1 (it cannot be one of ours). */
static int make_key(char out[KEY_MAX], const char *prefix, const char *id, size_t max) {
  size_t n = id ? strnlen(id, max) : 0;
  if (n == 0 || n >= max) return 0;
  snprintf(out, KEY_MAX, "%s%s", prefix, id);
  return 1;
}

static int64_t seconds_of(const redisReply *v) {
  if (v->type != REDIS_REPLY_STRING) return 0;
  char *end;
  errno = 0;
  long long n = strtoll(v->str, &end, 10);
  return errno == 0 && *end == '\0' && n > 0 ? n : 0;
}

static void copy_string(char *out, size_t size, const redisReply *v) {
  if (v->type == REDIS_REPLY_STRING)
    snprintf(out, size, "%.*s", (int)(v->len < size ? v->len : size - 1), v->str);
  else
    out[0] = '\0';
}

static vg_result unexpected(redisReply *reply, const char *what) {
  y_log_message(Y_LOG_LEVEL_ERROR, "redis: unexpected reply to the session %s", what);
  freeReplyObject(reply);
  return VG_ERR_INTERNAL;
}

vg_result redis_session_reads_list(struct redis_session_reads *r, const char *user_id,
                                   struct vg_session_info *out, int max, int *count) {
  char user_k[KEY_MAX], max_s[16];
  *count = 0;
  if (!make_key(user_k, "vg:uf:", user_id, VG_ID_MAX) || max <= 0) return VG_ERR_INTERNAL;
  snprintf(max_s, sizeof max_s, "%d", max);
  const char *argv[] = {NULL, NULL, "1", user_k, max_s};
  redisReply *reply = NULL;
  vg_result res = redis_call(r->pool, &r->list, 5, argv, &reply);
  if (res != VG_OK) return res;
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements % LIST_FIELDS != 0 ||
      reply->elements / LIST_FIELDS > (size_t)max)
    return unexpected(reply, "list script");
  for (size_t i = 0; i < reply->elements; i += LIST_FIELDS) {
    redisReply **v = reply->element + i;
    struct vg_session_info *s = &out[*count];
    memset(s, 0, sizeof *s);
    if (v[0]->type != REDIS_REPLY_STRING || v[0]->len >= sizeof s->id) continue;
    copy_string(s->id, sizeof s->id, v[0]);
    snprintf(s->user_id, sizeof s->user_id, "%s", user_id);
    s->created = seconds_of(v[1]);
    s->refreshed = seconds_of(v[2]);
    copy_string(s->client.user_agent, sizeof s->client.user_agent, v[3]);
    copy_string(s->client.ip_prefix, sizeof s->client.ip_prefix, v[4]);
    (*count)++;
  }
  freeReplyObject(reply);
  return VG_OK;
}

vg_result redis_session_reads_get(struct redis_session_reads *r, const char *id,
                                  struct vg_session_info *out) {
  char family_k[KEY_MAX];
  memset(out, 0, sizeof *out);
  if (!make_key(family_k, "vg:rf:", id, VG_SESSION_ID_MAX)) return VG_ERR_NOT_FOUND;
  const char *argv[] = {"HMGET",   family_k,    "user_id", "revoked",
                        "created", "refreshed", "ua",      "ip"};
  redisReply *reply = NULL;
  vg_result res = redis_call(r->pool, NULL, 8, argv, &reply);
  if (res != VG_OK) return res;
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 6) return unexpected(reply, "read");
  redisReply **v = reply->element;
  bool live = v[0]->type == REDIS_REPLY_STRING && v[0]->len < sizeof out->user_id &&
              v[1]->type == REDIS_REPLY_STRING && v[1]->len == 1 && v[1]->str[0] == '0';
  if (live) {
    snprintf(out->id, sizeof out->id, "%s", id);
    copy_string(out->user_id, sizeof out->user_id, v[0]);
    out->created = seconds_of(v[2]);
    out->refreshed = v[3]->type == REDIS_REPLY_STRING ? seconds_of(v[3]) : out->created;
    copy_string(out->client.user_agent, sizeof out->client.user_agent, v[4]);
    copy_string(out->client.ip_prefix, sizeof out->client.ip_prefix, v[5]);
  }
  freeReplyObject(reply);
  return live ? VG_OK : VG_ERR_NOT_FOUND;
}

vg_result redis_session_reads_bar_user(struct redis_session_reads *r, const char *user_id,
                                       int64_t before) {
  char bar_k[KEY_MAX], before_s[24], ttl_s[16];
  if (!make_key(bar_k, REDIS_BAR_PREFIX, user_id, VG_ID_MAX)) return VG_ERR_INTERNAL;
  snprintf(before_s, sizeof before_s, "%" PRId64, before);
  snprintf(ttl_s, sizeof ttl_s, "%d", VG_LOGIN_BAR_SECONDS);
  const char *set[] = {"SET", bar_k, before_s, "EX", ttl_s};
  const char *del[] = {"DEL", bar_k};
  redisReply *reply = NULL;
  vg_result res = before > 0 ? redis_call(r->pool, NULL, 5, set, &reply)
                             : redis_call(r->pool, NULL, 2, del, &reply);
  if (res != VG_OK) return res;
  if (reply->type != REDIS_REPLY_STATUS && reply->type != REDIS_REPLY_INTEGER)
    return unexpected(reply, "bar");
  freeReplyObject(reply);
  return VG_OK;
}
