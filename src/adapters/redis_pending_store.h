/* redis_pending_store.h: the pending_store port on Redis (hiredis), keys vg:pending:<jti> and
 * vg:lock:<jti>. Thread-safe: every call checks a connection out of a fixed pool. */
#ifndef VG_REDIS_PENDING_STORE_H
#define VG_REDIS_PENDING_STORE_H

#include <stddef.h>

#include "adapters/redis_pool.h"
#include "ports/pending_store.h"

struct redis_pending_store;

/* A store on pool (see redis_pool_open), which must outlive it. NULL + message on failure. */
struct redis_pending_store *redis_pending_store_create(struct redis_pool *pool, char *err,
                                                       size_t errlen);
/* No call may be running. */
void redis_pending_store_destroy(struct redis_pending_store *s);
/* The port; valid while s lives. */
struct pending_store redis_pending_store_port(struct redis_pending_store *s);

#endif
