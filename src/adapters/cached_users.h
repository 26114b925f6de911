/* cached_users.h: a user_store decorator that keeps what find_by_id() found for ttl_ms
 * milliseconds (CLOCK_MONOTONIC), so /dashboard rarely waits for MongoDB. Only VG_OK answers are
 * kept. update() and remove() drop the user's entry, before and after the inner call; a change
 * made elsewhere (another instance, MongoDB directly) shows after at most ttl_ms. A user found
 * by find_by_id() through it has an empty password_hash, cached or not: the hash never sits in
 * the cache (only login reads it, through find_by_email()). find_by_email(), insert() and
 * ping() go straight to the inner store. */
#ifndef VG_CACHED_USERS_H
#define VG_CACHED_USERS_H

#include <stddef.h>

#include "ports/user_store.h"

struct cached_users;

/* Keeps up to capacity users (ttl_cache.h rounds it up), each for ttl_ms > 0 milliseconds.
 * inner must outlive the decorator. sodium_init() must have succeeded. NULL on allocation
 * failure. */
struct cached_users *cached_users_create(struct user_store inner, size_t capacity, int ttl_ms);
/* No call may be running; inner is left alone. NULL is ignored. */
void cached_users_destroy(struct cached_users *u);
/* The port; valid while u lives. Thread-safe if inner is. */
struct user_store cached_users_port(struct cached_users *u);

#endif
