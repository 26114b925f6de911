/* refresh_sealer.c: see refresh_sealer.h. */
#include "adapters/refresh_sealer.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define TOKEN_LEN (VG_REFRESH_TOKEN_MAX - 1)
#define SEALED_BYTES (NONCE_BYTES + TOKEN_LEN + TAG_BYTES)

struct refresh_sealer {
  const struct jwt_keyset *keys;
  struct jwt_secrets *secrets;
};

_Static_assert(KEY_BYTES == JWT_SECRET_BYTES, "an XChaCha20-Poly1305 key is a key set secret");

struct refresh_sealer *refresh_sealer_create(const struct jwt_keyset *keys) {
  struct refresh_sealer *s = calloc(1, sizeof *s);
  if (s && (s->secrets = jwt_secrets_derive(keys, REFRESH_SEALER_INFO))) {
    s->keys = keys;
    return s;
  }
  free(s);
  return NULL;
}

void refresh_sealer_destroy(struct refresh_sealer *s) {
  if (!s) return;
  jwt_secrets_free(s->secrets);
  free(s);
}

int refresh_sealer_seal(const struct refresh_sealer *s, int64_t now, const char *token,
                        const char *ad, char kid[REFRESH_SEALER_KID_MAX],
                        char box[REFRESH_SEALED_MAX]) {
  const struct jwt_key *signer = jwt_keyset_signer(s->keys, now);
  const unsigned char *key = signer ? jwt_secrets_find(s->secrets, signer->kid) : NULL;
  if (!key || strlen(token) != TOKEN_LEN || strlen(signer->kid) >= REFRESH_SEALER_KID_MAX) return 0;
  unsigned char sealed[SEALED_BYTES];
  randombytes_buf(sealed, NONCE_BYTES);
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      sealed + NONCE_BYTES, NULL, (const unsigned char *)token, TOKEN_LEN,
      (const unsigned char *)ad, strlen(ad), NULL, sealed, key);
  sodium_bin2base64(box, REFRESH_SEALED_MAX, sealed, sizeof sealed,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  strcpy(kid, signer->kid);
  return 1;
}

int refresh_sealer_open(const struct refresh_sealer *s, const char *kid, const char *box,
                        const char *ad, char token[VG_REFRESH_TOKEN_MAX]) {
  unsigned char sealed[SEALED_BYTES];
  size_t n = 0;
  const unsigned char *key = jwt_secrets_find(s->secrets, kid);
  memset(token, 0, VG_REFRESH_TOKEN_MAX);
  if (!key || !box ||
      sodium_base642bin(sealed, sizeof sealed, box, strlen(box), NULL, &n, NULL,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      n != sizeof sealed)
    return 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          (unsigned char *)token, NULL, NULL, sealed + NONCE_BYTES, n - NONCE_BYTES,
          (const unsigned char *)ad, strlen(ad), sealed, key) != 0) {
    sodium_memzero(token, VG_REFRESH_TOKEN_MAX);
    return 0;
  }
  token[TOKEN_LEN] = '\0';
  return 1;
}
