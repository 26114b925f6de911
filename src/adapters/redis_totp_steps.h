/* redis_totp_steps.h: the totp_steps port in Redis: vg:totp:<user id> holds the last TOTP step
 * accepted for the user, set only by a later step, in one Lua script. */
#ifndef VG_REDIS_TOTP_STEPS_H
#define VG_REDIS_TOTP_STEPS_H

#include <stddef.h>

#include "adapters/redis_pool.h"
#include "ports/factors.h"
#include "ports/pending_store.h"

struct redis_totp_steps;

/* Borrows pool, which must outlive it. NULL + message on failure. */
struct redis_totp_steps *redis_totp_steps_create(struct redis_pool *pool, char *err,
                                                 size_t errlen);
void redis_totp_steps_destroy(struct redis_totp_steps *s);
struct totp_steps redis_totp_steps_port(struct redis_totp_steps *s);

#endif
