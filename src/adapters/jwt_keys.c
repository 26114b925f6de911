/* jwt_keys.c: key loading, generation and JWK export with OpenSSL 3. */
#include "adapters/jwt_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
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
  char a[700], b[700], canonical[1500];
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
    if (EVP_PKEY_is_a(pkey, "RSA") && EVP_PKEY_get_bits(pkey) >= 2048) return 1;
    snprintf(err, errlen, "%s: RS256 needs an RSA key of at least 2048 bits", what);
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

/* HKDF-SHA256 of ikm with info = purpose || counter, P256_BYTES long. */
static int hkdf_sha256(const unsigned char *ikm, size_t ikm_len, const char *purpose,
                       unsigned char counter, unsigned char out[P256_BYTES]) {
  unsigned char info[256];
  size_t n = strlen(purpose), out_len = P256_BYTES;
  if (n + 1 > sizeof info) return 0;
  memcpy(info, purpose, n);
  info[n] = counter;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
  int ok = ctx && EVP_PKEY_derive_init(ctx) == 1 &&
           EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) == 1 &&
           EVP_PKEY_CTX_set1_hkdf_key(ctx, ikm, (int)ikm_len) == 1 &&
           EVP_PKEY_CTX_add1_hkdf_info(ctx, info, (int)n + 1) == 1 &&
           EVP_PKEY_derive(ctx, out, &out_len) == 1 && out_len == P256_BYTES;
  EVP_PKEY_CTX_free(ctx);
  return ok;
}

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

/* The P-256 key pair of private scalar d. */
static EVP_PKEY *p256_from_scalar(const EC_GROUP *group, const BIGNUM *d, BN_CTX *bn) {
  EC_POINT *pub = EC_POINT_new(group);
  unsigned char point[1 + 2 * P256_BYTES];
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM *params = NULL;
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
  EVP_PKEY *pkey = NULL;
  if (pub && bld && ctx && EC_POINT_mul(group, pub, d, NULL, NULL, bn) == 1 &&
      EC_POINT_point2oct(group, pub, POINT_CONVERSION_UNCOMPRESSED, point, sizeof point, bn) ==
          sizeof point &&
      OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) == 1 &&
      OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) == 1 &&
      OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point) == 1 &&
      (params = OSSL_PARAM_BLD_to_param(bld)) && EVP_PKEY_fromdata_init(ctx) == 1 &&
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
    pkey = NULL;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params); /* OpenSSL 3.0 has no OSSL_PARAM_clear_free */
  OSSL_PARAM_BLD_free(bld);
  EC_POINT_free(pub);
  return pkey;
}

struct jwt_key *jwt_key_derive(const struct jwt_key *from, const char *purpose, char *err,
                               size_t errlen) {
  unsigned char secret[1024], scalar[P256_BYTES];
  size_t secret_len = key_secret(from, secret, sizeof secret);
  EC_GROUP *group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  BN_CTX *bn = BN_CTX_new();
  BIGNUM *d = BN_secure_new();
  EVP_PKEY *pkey = NULL;
  for (unsigned counter = 0; secret_len && group && bn && d && !pkey && counter < 256; counter++) {
    if (!hkdf_sha256(secret, secret_len, purpose, (unsigned char)counter, scalar) ||
        !BN_bin2bn(scalar, P256_BYTES, d))
      break;
    if (BN_is_zero(d) || BN_cmp(d, EC_GROUP_get0_order(group)) >= 0) continue;
    if (!(pkey = p256_from_scalar(group, d, bn))) break;
  }
  OPENSSL_cleanse(secret, sizeof secret);
  OPENSSL_cleanse(scalar, sizeof scalar);
  BN_clear_free(d);
  BN_CTX_free(bn);
  EC_GROUP_free(group);

  struct jwt_key *key = pkey ? calloc(1, sizeof *key) : NULL;
  if (key) {
    key->alg = JWT_KEY_ES256;
    key->pkey = pkey;
    if (build_jwk(key, pkey) && build_templates(key)) return key;
  }
  snprintf(err, errlen, "cannot derive the %s", purpose);
  if (key)
    jwt_key_free(key);
  else
    EVP_PKEY_free(pkey);
  return NULL;
}
