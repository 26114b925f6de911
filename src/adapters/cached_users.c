/* cached_users.c: find_by_id() through a ttl_cache of users keyed by id, expiring by
 * CLOCK_MONOTONIC milliseconds. */
#include "adapters/cached_users.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "adapters/ttl_cache.h"

struct cached_users {
  struct user_store inner;
  struct ttl_cache *cache;
  int64_t ttl_ms;
  /* Bumped by every update() and remove() after its write; see find_by_id(). */
  atomic_uint_fast64_t updates;
};

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static vg_result cached_insert(void *self, struct vg_user *user, enum vg_unique_field *taken) {
  struct cached_users *u = self;
  return u->inner.insert(u->inner.self, user, taken);
}

static vg_result cached_find_by_email(void *self, const char *email, struct vg_user *out) {
  struct cached_users *u = self;
  return u->inner.find_by_email(u->inner.self, email, out);
}

static vg_result cached_find_by_id(void *self, const char *id, struct vg_user *out) {
  struct cached_users *u = self;
  size_t len = strlen(id);
  int64_t now = now_ms();
  if (ttl_cache_get(u->cache, id, len, now, out)) return VG_OK;
  uint_fast64_t seen = atomic_load(&u->updates);
  vg_result r = u->inner.find_by_id(u->inner.self, id, out);
  if (r != VG_OK) return r;
  /* The cache never holds a password hash, and gives none: no reader of find_by_id needs it. */
  sodium_memzero(out->password_hash, sizeof out->password_hash);
  /* Aged from before the read. */
  ttl_cache_put(u->cache, id, len, now + u->ttl_ms, out);
  /* A write that overlapped the read may have made its removes before this put,
   * which then holds the user as it was: drop it. One that bumps `updates` later has its second
   * remove still to come. */
  if (atomic_load(&u->updates) != seen) ttl_cache_remove(u->cache, id, len);
  return VG_OK;
}

/* A write drops the user's entry before and after the inner call: see find_by_id(). */
static vg_result cached_write(struct cached_users *u, const char *id,
                              const struct vg_user_change *change, enum vg_unique_field *taken) {
  size_t len = strlen(id);
  ttl_cache_remove(u->cache, id, len);
  vg_result r = change ? u->inner.update(u->inner.self, id, change, taken)
                       : u->inner.remove(u->inner.self, id);
  atomic_fetch_add(&u->updates, 1);
  ttl_cache_remove(u->cache, id, len);
  return r;
}

static vg_result cached_update(void *self, const char *id, const struct vg_user_change *change,
                               enum vg_unique_field *taken) {
  return cached_write(self, id, change, taken);
}

static vg_result cached_remove(void *self, const char *id) {
  return cached_write(self, id, NULL, NULL);
}

static vg_result cached_ping(void *self) {
  struct cached_users *u = self;
  return u->inner.ping(u->inner.self);
}

struct cached_users *cached_users_create(struct user_store inner, size_t capacity, int ttl_ms) {
  struct cached_users *u = calloc(1, sizeof *u);
  if (!u) return NULL;
  u->inner = inner;
  u->ttl_ms = ttl_ms;
  atomic_init(&u->updates, 0);
  u->cache = ttl_cache_create(capacity, sizeof(struct vg_user));
  if (!u->cache) {
    free(u);
    return NULL;
  }
  return u;
}

void cached_users_destroy(struct cached_users *u) {
  if (!u) return;
  ttl_cache_destroy(u->cache);
  free(u);
}

struct user_store cached_users_port(struct cached_users *u) {
  return (struct user_store){
      .self = u,
      .insert = cached_insert,
      .find_by_email = cached_find_by_email,
      .find_by_id = cached_find_by_id,
      .update = cached_update,
      .remove = cached_remove,
      .ping = cached_ping,
  };
}
