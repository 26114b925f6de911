/* redis_session_reads.h: what GET /sessions and DELETE /sessions/{id} read of the sessions in
 * Redis, and the bar that keeps a deleted account's pending logins from becoming sessions.
 * Part of the session_store port of redis_session_store.c (which owns the keys, see its header):
 *   vg:rf:<family id>  also holds created, refreshed (Unix seconds), ua (the User-Agent as
 *                      auth_session_client kept it), ip (the client's /24 or /48, never more)
 *   vg:gone:<user id>  "1" while the account is being deleted and its logins may still finish
 * Thread-safe: every call checks a connection out of the shared pool. */
#ifndef VG_REDIS_SESSION_READS_H
#define VG_REDIS_SESSION_READS_H

#include "adapters/redis_call.h"
#include "adapters/redis_pool.h"
#include "ports/session_store.h"

#define REDIS_BAR_PREFIX "vg:bar:"

struct redis_session_reads {
  struct redis_pool *pool;
  struct redis_script list;
};

/* 0 on success; pool must outlive r. */
int redis_session_reads_init(struct redis_session_reads *r, struct redis_pool *pool);

/* The session_store port's list, get and bar_user (session_store.h). */
vg_result redis_session_reads_list(struct redis_session_reads *r, const char *user_id,
                                   struct vg_session_info *out, int max, int *count);
vg_result redis_session_reads_get(struct redis_session_reads *r, const char *id,
                                  struct vg_session_info *out);
vg_result redis_session_reads_bar_user(struct redis_session_reads *r, const char *user_id,
                                       int64_t before);

#endif
