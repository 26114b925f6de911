/* refresh_sealer.h: the successor refresh token kept for the reuse grace (redis_session_store.c),
 * sealed so that Redis never holds it in clear: XChaCha20-Poly1305 (IETF, libsodium) with a
 * 256-bit key that every instance derives from each signing key of the key set
 * (jwt_secrets_derive with REFRESH_SEALER_INFO), kept in memory only and wiped on destroy.
 *
 * Which key: a token is sealed with the secret of the key that signs at that moment, and the
 * sealed box travels with that key's kid, so it is opened with the secret of the key it names,
 * whichever key signs by then. The rotation of README (Key rotation) publishes a key on every
 * instance before any signs with it and removes it long after it stopped signing, so a box
 * sealed on one instance opens on every other for far longer than the longest grace (60 s).
 * A box names the spent token's record it belongs to (associated data), so it cannot be moved
 * to another. */
#ifndef VG_REFRESH_SEALER_H
#define VG_REFRESH_SEALER_H

#include <stdint.h>

#include "adapters/jwt_keyset.h"
#include "ports/session_store.h"

/* Changing it changes every key: boxes sealed before cannot be opened. */
#define REFRESH_SEALER_INFO "verigate refresh successor v1"
/* base64url of a 24-byte nonce, the 43-character token and a 16-byte tag: 111 characters + NUL */
#define REFRESH_SEALED_MAX 112
#define REFRESH_SEALER_KID_MAX 64

struct refresh_sealer;

/* Derives the key of every key of keys, which is borrowed and must outlive the result (it picks
 * the signing key). Needs sodium_init(). NULL on failure. */
struct refresh_sealer *refresh_sealer_create(const struct jwt_keyset *keys);
void refresh_sealer_destroy(struct refresh_sealer *s);

/* Seals token for the record named ad with the key that signs at now: its kid into kid, the box
 * (random nonce, ciphertext and tag, base64url) into box. 1 on success, else 0. */
int refresh_sealer_seal(const struct refresh_sealer *s, int64_t now, const char *token,
                        const char *ad, char kid[REFRESH_SEALER_KID_MAX],
                        char box[REFRESH_SEALED_MAX]);

/* Opens box, sealed for ad with the key named kid, into token. 0 (token wiped) when kid names
 * no key of the set, or box was not sealed for ad with that key, or is malformed. */
int refresh_sealer_open(const struct refresh_sealer *s, const char *kid, const char *box,
                        const char *ad, char token[VG_REFRESH_TOKEN_MAX]);

#endif
