/* sodium_hasher.h: the password_hasher port with libsodium's Argon2id (crypto_pwhash_str). */
#ifndef VG_SODIUM_HASHER_H
#define VG_SODIUM_HASHER_H

#include "ports/password_hasher.h"

/* sodium_init() must have succeeded before any call. */
struct password_hasher sodium_hasher_port(void);

#endif
