/* redis_call.c: the shared command path of the Redis adapters. */
#include "adapters/redis_call.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <yder.h>

#include "metrics.h"

/* Error replies meaning Redis cannot serve now rather than a bug on our side. */
static const char *const redis_unavailable_errors[] = {
    "LOADING", "READONLY", "MASTERDOWN", "BUSY", "TRYAGAIN", "CLUSTERDOWN", "NOAUTH", "OOM"};

static vg_result redis_error_reply(const redisReply *r, bool *broken) {
  y_log_message(Y_LOG_LEVEL_ERROR, "redis: error reply: %.*s", (int)r->len, r->str);
  for (size_t i = 0; i < sizeof(redis_unavailable_errors) / sizeof(*redis_unavailable_errors);
       i++) {
    size_t n = strlen(redis_unavailable_errors[i]);
    if (r->len >= n && strncmp(r->str, redis_unavailable_errors[i], n) == 0) {
      /* A fresh connection may reach the new primary, or authenticate again. */
      *broken = strcmp(redis_unavailable_errors[i], "READONLY") == 0 ||
                strcmp(redis_unavailable_errors[i], "NOAUTH") == 0;
      return VG_ERR_UNAVAILABLE;
    }
  }
  return VG_ERR_INTERNAL;
}

/* Sends argv on c. For a script, argv[0] and argv[1] are filled here: EVALSHA first, EVAL when
 * Redis does not have the script cached yet (after a restart or SCRIPT FLUSH). */
static redisReply *redis_exec(const struct redis_script *script, redisContext *c, int argc,
                              const char **argv) {
  size_t lens[REDIS_ARGC_MAX] = {0};
  if (script != NULL) {
    argv[0] = "EVALSHA";
    argv[1] = script->sha;
  }
  for (int i = 0; i < argc; i++) lens[i] = strlen(argv[i]);
  redisReply *r = redisCommandArgv(c, argc, argv, lens);
  if (script != NULL && r != NULL && r->type == REDIS_REPLY_ERROR &&
      strncmp(r->str, "NOSCRIPT", 8) == 0) {
    freeReplyObject(r);
    argv[0] = "EVAL";
    argv[1] = script->body;
    lens[0] = 4;
    lens[1] = strlen(argv[1]);
    r = redisCommandArgv(c, argc, argv, lens);
  }
  return r;
}

/* Runs argv on a pooled connection: VG_OK with *out (the caller frees it) for any reply but an
 * error. A connection that sat idle may have been closed by the server (restart, idle timeout):
 * it fails with EOF or a reset before the command runs, so that case is retried once on a new
 * connection instead of failing a request. */
vg_result redis_call(struct redis_pool *pool, const struct redis_script *script, int argc,
                     const char **argv, redisReply **out) {
  vg_result res = VG_OK;
  bool broken = false, reused = false;
  redisReply *r = NULL;
  redisContext *c = NULL;
  *out = NULL;
  if (argc < 1 || argc > REDIS_ARGC_MAX) {
    y_log_message(Y_LOG_LEVEL_ERROR, "redis: %d arguments, at most %d fit; refused", argc,
                  REDIS_ARGC_MAX);
    return VG_ERR_INTERNAL;
  }
  for (int attempt = 0; attempt < 2 && r == NULL; attempt++) {
    if (c != NULL) redis_pool_checkin(pool, c, true);
    c = redis_pool_checkout(pool, &reused);
    if (c == NULL) {
      metrics_backend_error(METRICS_REDIS);
      return VG_ERR_UNAVAILABLE;
    }
    r = redis_exec(script, c, argc, argv);
    int e = errno;
    bool closed =
        c->err == REDIS_ERR_EOF || (c->err == REDIS_ERR_IO && (e == ECONNRESET || e == EPIPE));
    if (r == NULL && !(reused && closed)) break;
  }
  if (r == NULL) {
    metrics_backend_error(METRICS_REDIS);
    y_log_message(Y_LOG_LEVEL_ERROR, "redis: %s failed: %s", argv[0], c->errstr);
    broken = true;
    res = VG_ERR_UNAVAILABLE;
    goto cleanup;
  }
  if (r->type == REDIS_REPLY_ERROR) {
    metrics_backend_error(METRICS_REDIS);
    res = redis_error_reply(r, &broken);
    goto cleanup;
  }
  *out = r;
  r = NULL;
cleanup:
  if (r != NULL) freeReplyObject(r);
  redis_pool_checkin(pool, c, broken);
  return res;
}

/* Redis names a cached script by the SHA-1 of its text. */
static int redis_script_sha(const char *body, char hex[41]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(body, strlen(body), md, &n, EVP_sha1(), NULL) != 1 || n != 20) return -1;
  for (unsigned int i = 0; i < n; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
  return 0;
}

int redis_script_init(struct redis_script *script, const char *body) {
  script->body = body;
  return redis_script_sha(body, script->sha);
}
