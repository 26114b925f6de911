/* factor_sealer.c: TOTP secrets sealed with crypto_secretbox and recovery codes hashed with a
 * keyed HMAC, both under subkeys of FACTOR_ENCRYPTION_KEY (factor_sealer.h). secretbox has no
 * associated data, so the user id is sealed in front of the secret and compared on opening. */
#include "adapters/factor_sealer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ports/user_store.h"

#define KID_HEX 9 /* 8 hex digits and NUL */
#define PLAIN_MAX (VG_ID_MAX - 1 + VG_TOTP_SECRET_BYTES)
#define SEALED_MAX (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + PLAIN_MAX)

struct factor_sealer_keys {
  unsigned char box[crypto_secretbox_KEYBYTES];
  unsigned char mac[crypto_auth_hmacsha256_KEYBYTES];
  char kid[KID_HEX];
};

bool factor_key_decode(const char *text, unsigned char key[FACTOR_KEY_BYTES]) {
  size_t len = 0;
  unsigned char buf[FACTOR_KEY_BYTES + 8];
  bool ok = text &&
            sodium_base642bin(buf, sizeof buf, text, strlen(text), NULL, &len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) == 0 &&
            len == FACTOR_KEY_BYTES;
  if (!ok && text)
    ok = sodium_base642bin(buf, sizeof buf, text, strlen(text), NULL, &len, NULL,
                           sodium_base64_VARIANT_ORIGINAL_NO_PADDING) == 0 &&
         len == FACTOR_KEY_BYTES;
  if (ok) memcpy(key, buf, FACTOR_KEY_BYTES);
  sodium_memzero(buf, sizeof buf);
  return ok;
}

struct factor_sealer_keys *factor_sealer_create(const unsigned char key[FACTOR_KEY_BYTES]) {
  struct factor_sealer_keys *k = sodium_malloc(sizeof *k);
  if (!k) return NULL;
  unsigned char id[4];
  static const unsigned char label[] = "verigate factor key id v1";
  if (crypto_kdf_derive_from_key(k->box, sizeof k->box, 1, "vgfactor", key) != 0 ||
      crypto_kdf_derive_from_key(k->mac, sizeof k->mac, 2, "vgfactor", key) != 0 ||
      crypto_generichash(id, sizeof id, label, sizeof label - 1, key, FACTOR_KEY_BYTES) != 0) {
    sodium_free(k);
    return NULL;
  }
  sodium_bin2hex(k->kid, sizeof k->kid, id, sizeof id);
  return k;
}

void factor_sealer_destroy(struct factor_sealer_keys *k) {
  if (k) sodium_free(k); /* sodium_free wipes it */
}

static vg_result seal(void *self, const char *user_id, const unsigned char *secret, size_t len,
                      char box[VG_TOTP_BOX_MAX]) {
  struct factor_sealer_keys *k = self;
  size_t id_len = strlen(user_id);
  if (id_len != VG_ID_MAX - 1 || len > VG_TOTP_SECRET_BYTES) return VG_ERR_INTERNAL;
  unsigned char plain[PLAIN_MAX], sealed[SEALED_MAX];
  memcpy(plain, user_id, id_len);
  memcpy(plain + id_len, secret, len);
  randombytes_buf(sealed, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(sealed + crypto_secretbox_NONCEBYTES, plain, id_len + len, sealed, k->box);
  sodium_memzero(plain, sizeof plain);
  int n = snprintf(box, VG_TOTP_BOX_MAX, "k1.%s.", k->kid);
  sodium_bin2base64(box + n, VG_TOTP_BOX_MAX - (size_t)n, sealed,
                    crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + id_len + len,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return VG_OK;
}

static vg_result open_box(void *self, const char *user_id, const char *box,
                          unsigned char secret[VG_TOTP_SECRET_BYTES], size_t *len) {
  struct factor_sealer_keys *k = self;
  size_t id_len = strlen(user_id), sealed_len = 0;
  unsigned char sealed[SEALED_MAX], plain[PLAIN_MAX];
  const size_t head = 3 + KID_HEX; /* "k1." kid "." */
  if (strncmp(box, "k1.", 3) != 0 || strncmp(box + 3, k->kid, KID_HEX - 1) != 0 ||
      box[head - 1] != '.' ||
      sodium_base642bin(sealed, sizeof sealed, box + head, strlen(box + head), NULL, &sealed_len,
                        NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      sealed_len <= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + id_len)
    return VG_ERR_INTERNAL;
  size_t plain_len = sealed_len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
  vg_result r = VG_ERR_INTERNAL;
  if (crypto_secretbox_open_easy(plain, sealed + crypto_secretbox_NONCEBYTES,
                                 sealed_len - crypto_secretbox_NONCEBYTES, sealed, k->box) == 0 &&
      memcmp(plain, user_id, id_len) == 0 && plain_len - id_len <= VG_TOTP_SECRET_BYTES) {
    *len = plain_len - id_len;
    memcpy(secret, plain + id_len, *len);
    r = VG_OK;
  }
  sodium_memzero(plain, sizeof plain);
  return r;
}

/* HMAC-SHA256 of "<user id>:<code>": the same code of two users hashes apart. */
static void hash_recovery(void *self, const char *user_id, const char *code,
                          char out[VG_RECOVERY_HASH_MAX]) {
  struct factor_sealer_keys *k = self;
  crypto_auth_hmacsha256_state st;
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_init(&st, k->mac, sizeof k->mac);
  crypto_auth_hmacsha256_update(&st, (const unsigned char *)user_id, strlen(user_id));
  crypto_auth_hmacsha256_update(&st, (const unsigned char *)":", 1);
  crypto_auth_hmacsha256_update(&st, (const unsigned char *)code, strlen(code));
  crypto_auth_hmacsha256_final(&st, mac);
  sodium_bin2hex(out, VG_RECOVERY_HASH_MAX, mac, sizeof mac);
  sodium_memzero(&st, sizeof st);
}

static void random_bytes(void *self, unsigned char *buf, size_t n) {
  (void)self;
  randombytes_buf(buf, n);
}

struct factor_sealer factor_sealer_port(struct factor_sealer_keys *k) {
  return (struct factor_sealer){.self = k,
                                .seal = seal,
                                .open = open_box,
                                .hash_recovery = hash_recovery,
                                .random = random_bytes};
}
