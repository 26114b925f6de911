/* sodium_hasher.c: Argon2id at libsodium's "interactive" cost (2 passes, 64 MiB): OWASP's
 * floor for Argon2id, and about 0.1 s of one core here. The hash string carries its own
 * parameters, so a later cost change still verifies old hashes. */
#include "adapters/sodium_hasher.h"

#include <string.h>

#include <sodium.h>

static vg_result hasher_hash(void *self, const char *password, char out[VG_HASH_MAX]) {
  (void)self;
  _Static_assert(crypto_pwhash_STRBYTES <= VG_HASH_MAX, "hash buffer too small");
  if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return VG_ERR_INTERNAL; /* out of memory */
  return VG_OK;
}

static vg_result hasher_verify(void *self, const char *hash, const char *password) {
  (void)self;
  return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0
             ? VG_OK
             : VG_ERR_INVALID_CREDENTIALS;
}

struct password_hasher sodium_hasher_port(void) {
  return (struct password_hasher){.self = NULL, .hash = hasher_hash, .verify = hasher_verify};
}
