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
  size_t count;
  unsigned char (*secrets)[KEY_BYTES]; /* secrets[i]: of jwt_keyset_key(keys, i) */
};

struct refresh_sealer *refresh_sealer_create(const struct jwt_keyset *keys) {
  struct refresh_sealer *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->keys = keys;
  s->count = jwt_keyset_count(keys);
  s->secrets = calloc(s->count, sizeof *s->secrets);
  if (!s->secrets) {
    free(s);
    return NULL;
  }
  for (size_t i = 0; i < s->count; i++) {
    if (!jwt_key_derive_secret(jwt_keyset_key(keys, i), REFRESH_SEALER_INFO, s->secrets[i],
                               KEY_BYTES)) {
      refresh_sealer_destroy(s);
      return NULL;
    }
  }
  return s;
}

void refresh_sealer_destroy(struct refresh_sealer *s) {
  if (!s) return;
  if (s->secrets) sodium_memzero(s->secrets, s->count * sizeof *s->secrets);
  free(s->secrets);
  free(s);
}

static const unsigned char *secret_of(const struct refresh_sealer *s, const char *kid) {
  for (size_t i = 0; kid && i < s->count; i++)
    if (strcmp(jwt_keyset_key(s->keys, i)->kid, kid) == 0) return s->secrets[i];
  return NULL;
}

int refresh_sealer_seal(const struct refresh_sealer *s, int64_t now, const char *token,
                        const char *ad, char kid[REFRESH_SEALER_KID_MAX],
                        char box[REFRESH_SEALED_MAX]) {
  const struct jwt_key *signer = jwt_keyset_signer(s->keys, now);
  const unsigned char *key = signer ? secret_of(s, signer->kid) : NULL;
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
  const unsigned char *key = secret_of(s, kid);
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
