/* sodium_hasher.h: the password_hasher port with libsodium's Argon2id (crypto_pwhash_str), behind
 * a bounded gate: each hash takes 64 MiB and about 0.1 s of a core, so at most `concurrency` run
 * at once, at most `queue` more wait, and anything beyond is refused at once (VG_ERR_OVERLOADED)
 * instead of piling up memory or starving cheap requests. */
#ifndef VG_SODIUM_HASHER_H
#define VG_SODIUM_HASHER_H

#include "ports/password_hasher.h"

/* sodium_init() must have succeeded before any call. NULL on allocation failure. */
struct sodium_hasher *sodium_hasher_create(int concurrency, int queue, int max_wait_ms);
void sodium_hasher_destroy(struct sodium_hasher *h);
struct password_hasher sodium_hasher_port(struct sodium_hasher *h);

#endif
