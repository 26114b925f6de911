/* jwt_keys.h: one signing key: loaded from a PEM file or generated, kept parsed for the life of
 * the process, and published as a JWK (RFC 7517) whose kid is its RFC 7638 thumbprint. */
#ifndef VG_JWT_KEYS_H
#define VG_JWT_KEYS_H

#include <stddef.h>

#include <jansson.h>
#include <openssl/evp.h>

enum jwt_key_alg { JWT_KEY_RS256, JWT_KEY_ES256 };

struct jwt_key {
  enum jwt_key_alg alg;
  EVP_PKEY *pkey; /* private key; OpenSSL 3 allows concurrent signs and verifies with it */
  /* SHA-256 sign and verify contexts initialised once with pkey: each operation copies one
   * (0.2 us) instead of initialising its own, which fetches the algorithms again (2.5 us alone,
   * more while other threads fetch). Read-only after load, so shared by every thread. */
  EVP_MD_CTX *sign_template, *verify_template;
  char kid[64];
  json_t *jwk; /* public JWK with kid, use, alg */
};

/* Reads the PEM private key at path, or generates one when path is NULL or empty. The key's type
 * must fit alg (RSA of at least 2048 bits for RS256, EC P-256 for ES256). Returns NULL with a
 * message naming the file in err on failure. */
struct jwt_key *jwt_key_load(const char *path, enum jwt_key_alg alg, char *err, size_t errlen);
void jwt_key_free(struct jwt_key *key);

/* out_len bytes of secret derived from key's private part for one purpose, so that a kind of
 * token can have a key of its own (RFC 8725 §3.12) with no key file more to keep, following every
 * rotation: HKDF-SHA256 (RFC 5869) with an empty salt, the key's secret as input keying material
 * (the JWK "d" of key: the RSA private exponent in its natural size, or the EC private scalar as
 * 32 bytes, big-endian) and info = the bytes of info (no NUL). The same key file gives the same
 * secret on every instance; another key or info, an unrelated one. 1 on success, else 0 (out is
 * then wiped). */
int jwt_key_derive_secret(const struct jwt_key *key, const char *info, unsigned char *out,
                          size_t out_len);

/* Base64url without padding (RFC 7515 §2) of len bytes into out (NUL-terminated).
 * Returns the length written, or 0 when out is too small. */
size_t jwt_base64url(const unsigned char *in, size_t len, char *out, size_t out_size);

#endif
