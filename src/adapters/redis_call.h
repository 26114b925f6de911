/* redis_call.h: one command or Lua script on a pooled Redis connection, shared by every Redis
 * adapter: EVALSHA with a fall-back to EVAL, one retry on a connection the server had closed,
 * and error replies sorted into "Redis cannot serve now" (VG_ERR_UNAVAILABLE) and bugs. */
#ifndef VG_REDIS_CALL_H
#define VG_REDIS_CALL_H

#include <hiredis/hiredis.h>

#include "adapters/redis_pool.h"
#include "core/result.h"

#define REDIS_ARGC_MAX 32

/* A Lua script and the SHA-1 Redis caches it under. */
struct redis_script {
  const char *body;
  char sha[41];
};

/* Computes the script's SHA-1; 0 on success. body must outlive the script. */
int redis_script_init(struct redis_script *script, const char *body);

/* Runs argv on a connection of pool. With a script, argv[0] and argv[1] are filled here
 * (EVALSHA sha, or EVAL body) and the caller passes the numkeys, keys and arguments after them.
 * VG_OK with *out (freeReplyObject it) for any reply but an error; VG_ERR_UNAVAILABLE when
 * Redis cannot be reached or cannot serve; VG_ERR_INTERNAL for any other error reply, and for
 * more than REDIS_ARGC_MAX arguments (refused before anything is sent). */
vg_result redis_call(struct redis_pool *pool, const struct redis_script *script, int argc,
                     const char **argv, redisReply **out);

#endif
