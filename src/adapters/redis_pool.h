/* redis_pool.h: a fixed number of hiredis connections shared by threads, made lazily.
 * A redisContext is not thread-safe and is dead after any error, so each one is held by one
 * thread at a time, and a broken one is freed and replaced on a later checkout. */
#ifndef VG_REDIS_POOL_H
#define VG_REDIS_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/hiredis.h>

#include "adapters/redis_url.h"

/* The longest one call can take: waiting for a connection, connecting, the command. */
#define REDIS_POOL_WORST_S 5

struct redis_pool;

/* Copies url; connects nothing yet, so Redis need not be up. NULL + message on failure. */
struct redis_pool *redis_pool_create(const struct redis_url *url, int size, char *err,
                                     size_t errlen);
/* Parses url (redis://[[user]:password@]host[:port][/db]) and creates the pool: the one Redis
 * connection pool every Redis adapter of a process shares. NULL + message on failure. */
struct redis_pool *redis_pool_open(const char *url, int size, char *err, size_t errlen);
/* Frees every idle connection. All checked-out ones must have been checked in. */
void redis_pool_destroy(struct redis_pool *p);

/* A connected, authenticated context on the right database, or NULL (logged) when none frees
 * up within 2 s or Redis cannot be reached. *reused: it was idle in the pool, not just made. */
redisContext *redis_pool_checkout(struct redis_pool *p, bool *reused);
/* Gives c back. broken: a command on c failed at the connection level; c is freed, and so are
 * the idle ones, which most likely died for the same reason (a Redis restart). */
void redis_pool_checkin(struct redis_pool *p, redisContext *c, bool broken);

#endif
