/* argon2_hasher.h: the password_hasher port with Argon2id (src/adapters/argon2id.h: libsodium or
 * libargon2 on huge pages, whichever this kernel makes faster), behind a bounded gate: each hash
 * takes 64 MiB and 0.05-0.15 s of a core, so at most `concurrency` run at once, at most `queue`
 * more wait, and anything beyond is refused at once (VG_ERR_OVERLOADED) instead of piling up
 * memory or starving cheap requests. */
#ifndef VG_ARGON2_HASHER_H
#define VG_ARGON2_HASHER_H

#include "adapters/argon2id.h"
#include "ports/password_hasher.h"

/* sodium_init() must have succeeded before any call. The hashes run on `concurrency` threads of
 * the hasher's own at nice value `nice` (0-19), the caller's thread waiting for its own; NULL
 * when they cannot be started. */
struct argon2_hasher *argon2_hasher_create(enum vg_argon2_engine engine, int concurrency, int queue,
                                           int max_wait_ms, int nice);
void argon2_hasher_destroy(struct argon2_hasher *h);
struct password_hasher argon2_hasher_port(struct argon2_hasher *h);

#endif
