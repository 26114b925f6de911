/* redis_session_store.h: the session_store port on Redis (hiredis). Keys:
 *   vg:rt:<SHA-256 of a refresh token, hex>  hash {family, user_id, auth_time, used}
 *   vg:rf:<family id>                        hash {user_id, live (the hash of its unspent token),
 *                                            revoked (0 or 1), created, refreshed, ua, ip
 *                                            (redis_session_reads.h)}
 *   vg:uf:<user id>                          set of the user's live family ids
 *   vg:rg:<SHA-256 of a spent refresh token> hash {next (its successor's hash), kid, box (the
 *                                            successor sealed, refresh_sealer.h)} for the reuse
 *                                            grace only
 *   vg:deny:<access token jti>               "1" until the token has expired
 * A refresh token itself is never stored in clear. Every change is one Lua script; the scripts
 * name keys they derive from stored ids, so they need one Redis (or Sentinel), not Redis
 * Cluster.
 * Thread-safe: every call checks a connection out of the shared pool. */
#ifndef VG_REDIS_SESSION_STORE_H
#define VG_REDIS_SESSION_STORE_H

#include <stddef.h>

#include "adapters/redis_pool.h"
#include "adapters/refresh_sealer.h"
#include "ports/session_store.h"

struct redis_session_store;

/* A store on pool (see redis_pool_open), sealing the successors it keeps for the reuse grace
 * with sealer; both must outlive it. Needs sodium_init() before the first call. NULL + message
 * on failure. */
struct redis_session_store *redis_session_store_create(struct redis_pool *pool,
                                                       const struct refresh_sealer *sealer,
                                                       char *err, size_t errlen);
/* No call may be running. */
void redis_session_store_destroy(struct redis_session_store *s);
/* The port; valid while s lives. */
struct session_store redis_session_store_port(struct redis_session_store *s);

#endif
