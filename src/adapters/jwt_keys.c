/* jwt_keys.c: key loading, generation, JWK export and secret derivation with OpenSSL 3. */
#include "adapters/jwt_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <sodium.h>

size_t jwt_base64url(const unsigned char *in, size_t len, char *out, size_t out_size) {
  if (sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > out_size) return 0;
  sodium_bin2base64(out, out_size, in, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return strlen(out);
}

/* The big-endian bytes of a BIGNUM key parameter, left-padded to width (0: natural size),
 * as base64url. Returns 0 on failure. */
static int param_b64(EVP_PKEY *pkey, const char *name, int width, char *out, size_t out_size) {
  BIGNUM *bn = NULL;
  if (!EVP_PKEY_get_bn_param(pkey, name, &bn)) return 0;
  unsigned char buf[1024];
  int len = width > 0 ? width : BN_num_bytes(bn);
  int ok = len <= (int)sizeof buf && BN_bn2binpad(bn, buf, len) == len &&
           jwt_base64url(buf, (size_t)len, out, out_size) > 0;
  BN_free(bn);
  return ok;
}

/* Builds the public JWK and its RFC 7638 thumbprint: SHA-256 over the required members in
 * lexicographic order, no white space. */
static int build_jwk(struct jwt_key *key, EVP_PKEY *pkey) {
  /* n of an 8192-bit key is 1024 bytes, 1366 in base64url. */
  char a[1400], b[1400], canonical[2900];
  if (key->alg == JWT_KEY_RS256) {
    if (!param_b64(pkey, OSSL_PKEY_PARAM_RSA_N, 0, a, sizeof a) ||
        !param_b64(pkey, OSSL_PKEY_PARAM_RSA_E, 0, b, sizeof b))
      return 0;
    snprintf(canonical, sizeof canonical, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", b, a);
  } else {
    if (!param_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32, a, sizeof a) ||
        !param_b64(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32, b, sizeof b))
      return 0;
    snprintf(canonical, sizeof canonical,
             "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}", a, b);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256((const unsigned char *)canonical, strlen(canonical), digest);
  jwt_base64url(digest, sizeof digest, key->kid, sizeof key->kid);

  key->jwk = json_loads(canonical, 0, NULL);
  if (!key->jwk) return 0;
  json_object_set_new(key->jwk, "kid", json_string(key->kid));
  json_object_set_new(key->jwk, "use", json_string("sig"));
  json_object_set_new(key->jwk, "alg", json_string(key->alg == JWT_KEY_RS256 ? "RS256" : "ES256"));
  return 1;
}

static EVP_PKEY *read_pem(const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, errlen, "cannot open %s", path);
    return NULL;
  }
  EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
  fclose(f);
  if (!pkey) snprintf(err, errlen, "%s holds no PEM private key", path);
  return pkey;
}

/* The sign and verify templates of struct jwt_key. */
static int build_templates(struct jwt_key *key) {
  key->sign_template = EVP_MD_CTX_new();
  key->verify_template = EVP_MD_CTX_new();
  return key->sign_template && key->verify_template &&
         EVP_DigestSignInit(key->sign_template, NULL, EVP_sha256(), NULL, key->pkey) == 1 &&
         EVP_DigestVerifyInit(key->verify_template, NULL, EVP_sha256(), NULL, key->pkey) == 1;
}

/* what names the key in a message: its file, or "the generated key". */
static int key_fits(EVP_PKEY *pkey, enum jwt_key_alg alg, const char *what, char *err,
                    size_t errlen) {
  if (alg == JWT_KEY_RS256) {
    int bits = EVP_PKEY_is_a(pkey, "RSA") ? EVP_PKEY_get_bits(pkey) : 0;
    if (bits >= 2048 && bits <= 8192) return 1;
    snprintf(err, errlen, "%s: RS256 needs an RSA key of 2048 to 8192 bits", what);
    return 0;
  }
  char group[32] = "";
  size_t glen = 0;
  if (EVP_PKEY_is_a(pkey, "EC") &&
      EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &glen) &&
      strcmp(group, "prime256v1") == 0)
    return 1;
  snprintf(err, errlen, "%s: ES256 needs an EC P-256 key", what);
  return 0;
}

struct jwt_key *jwt_key_load(const char *path, enum jwt_key_alg alg, char *err, size_t errlen) {
  struct jwt_key *key = calloc(1, sizeof *key);
  if (!key) return NULL;
  key->alg = alg;
  EVP_PKEY *pkey = NULL;
  if (path && *path) {
    pkey = read_pem(path, err, errlen);
  } else {
    pkey = alg == JWT_KEY_RS256 ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
    if (!pkey) snprintf(err, errlen, "cannot generate an ephemeral signing key");
  }
  if (!pkey || !key_fits(pkey, alg, path && *path ? path : "the generated key", err, errlen))
    goto fail;
  key->pkey = pkey;
  if (!build_jwk(key, pkey)) {
    snprintf(err, errlen, "cannot export the public signing key");
    goto fail;
  }
  if (!build_templates(key)) {
    snprintf(err, errlen, "cannot prepare SHA-256 signing with the key");
    goto fail;
  }
  return key;

fail:
  if (!key->pkey) EVP_PKEY_free(pkey);
  jwt_key_free(key);
  return NULL;
}

void jwt_key_free(struct jwt_key *key) {
  if (!key) return;
  EVP_MD_CTX_free(key->sign_template);
  EVP_MD_CTX_free(key->verify_template);
  EVP_PKEY_free(key->pkey);
  json_decref(key->jwk);
  free(key);
}

#define P256_BYTES 32

/* The secret of key as its JWK "d": RSA's private exponent (natural size) or the EC scalar (32
 * bytes), big-endian, into out; returns the length, 0 on failure. */
static size_t key_secret(const struct jwt_key *key, unsigned char *out, size_t out_size) {
  BIGNUM *d = NULL;
  const char *name = key->alg == JWT_KEY_RS256 ? OSSL_PKEY_PARAM_RSA_D : OSSL_PKEY_PARAM_PRIV_KEY;
  if (!EVP_PKEY_get_bn_param(key->pkey, name, &d)) return 0;
  int len = key->alg == JWT_KEY_RS256 ? BN_num_bytes(d) : P256_BYTES;
  int ok = len > 0 && (size_t)len <= out_size && BN_bn2binpad(d, out, len) == len;
  BN_clear_free(d);
  return ok ? (size_t)len : 0;
}

int jwt_key_derive_secret(const struct jwt_key *key, const char *info, unsigned char *out,
                          size_t out_len) {
  unsigned char ikm[1024];
  size_t ikm_len = key_secret(key, ikm, sizeof ikm);
  EVP_KDF *kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
  EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
  /* No OSSL_KDF_PARAM_SALT: RFC 5869's empty salt, HashLen zero bytes. */
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm, ikm_len),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (char *)info, strlen(info)),
      OSSL_PARAM_construct_end(),
  };
  int ok = ikm_len > 0 && ctx && EVP_KDF_derive(ctx, out, out_len, params) == 1;
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  OPENSSL_cleanse(ikm, sizeof ikm);
  if (!ok) OPENSSL_cleanse(out, out_len);
  return ok;
}
