/* password_hasher.h: one-way password hashing (Argon2id in production). */
#ifndef VG_PORT_PASSWORD_HASHER_H
#define VG_PORT_PASSWORD_HASHER_H

#include "core/result.h"

#define VG_HASH_MAX 128 /* crypto_pwhash_STRBYTES, NUL included */

struct password_hasher {
  void *self;
  /* Writes a self-describing hash string (algorithm, cost, salt) into out. */
  vg_result (*hash)(void *self, const char *password, char out[VG_HASH_MAX]);
  /* VG_OK when password matches hash, VG_ERR_INVALID_CREDENTIALS when not. Both calls may
   * answer VG_ERR_OVERLOADED when too many hashes are already running and waiting. */
  vg_result (*verify)(void *self, const char *hash, const char *password);
  /* VG_ERR_OVERLOADED when a hash asked for now would be refused (every slot busy and the queue
   * full), else VG_OK; reserves nothing. Lets a flood be shed before any store is asked. */
  vg_result (*admit)(void *self);
};

#endif
