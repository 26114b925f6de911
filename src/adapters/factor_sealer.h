/* factor_sealer.h: the factor_sealer port on libsodium, keyed by FACTOR_ENCRYPTION_KEY (32
 * bytes). Two subkeys are derived from it (crypto_kdf, context "vgfactor"): 1 seals TOTP secrets
 * (crypto_secretbox, XSalsa20-Poly1305, a random nonce each), 2 hashes recovery codes
 * (HMAC-SHA256, crypto_auth_hmacsha256), so that a database dump alone can neither read a secret
 * nor try recovery codes. A box reads "k1.<kid>.<base64url(nonce | sealed user id and secret)>",
 * kid being 8 hex digits of a keyed BLAKE2b of the key: a later key can be added beside it. */
#ifndef VG_FACTOR_SEALER_H
#define VG_FACTOR_SEALER_H

#include <stdbool.h>
#include <stddef.h>

#include "ports/factors.h"

#define FACTOR_KEY_BYTES 32

struct factor_sealer_keys;

/* key: FACTOR_ENCRYPTION_KEY decoded (the caller wipes its copy). NULL when out of memory. */
struct factor_sealer_keys *factor_sealer_create(const unsigned char key[FACTOR_KEY_BYTES]);
void factor_sealer_destroy(struct factor_sealer_keys *k);
struct factor_sealer factor_sealer_port(struct factor_sealer_keys *k);

/* Decodes FACTOR_ENCRYPTION_KEY's text (standard base64, with or without padding, as
 * `openssl rand -base64 32` writes it) into key; false unless it is exactly 32 bytes. */
bool factor_key_decode(const char *text, unsigned char key[FACTOR_KEY_BYTES]);

#endif
