/* jws.c: signing and verifying with OpenSSL's EVP on a key parsed once at start. Debian 12's
 * libjwt (1.10) cannot be used here: it overwrites the "typ" header with "JWT" (RFC 9068 access
 * tokens need "at+jwt"), verifies with whatever "alg" the token names, and parses the PEM key
 * again on every call. */
#include "adapters/jws.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <sodium.h>

#define ES256_PART 32 /* bytes of r and of s in a JWS ES256 signature (RFC 7518 §3.4) */

const char *jws_alg_name(const struct jwt_key *key) {
  return key->alg == JWT_KEY_RS256 ? "RS256" : "ES256";
}

/* Strict base64url without padding into out; returns the decoded length or -1. */
static long b64url_decode(const char *in, size_t len, unsigned char *out, size_t out_size) {
  size_t decoded = 0;
  const char *end = NULL;
  if (sodium_base642bin(out, out_size, in, len, NULL, &decoded, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != in + len)
    return -1;
  return (long)decoded;
}

static json_t *json_segment(const char *in, size_t len) {
  unsigned char buf[JWS_MAX];
  long n = b64url_decode(in, len, buf, sizeof buf);
  if (n <= 0) return NULL;
  json_t *value = json_loadb((const char *)buf, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
  if (json_is_object(value)) return value;
  json_decref(value);
  return NULL;
}

/* DER ECDSA signature -> the fixed-width r||s that JWS uses, and back. */
static int der_to_raw(const unsigned char *der, size_t len, unsigned char raw[2 * ES256_PART]) {
  ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &der, (long)len);
  if (!sig) return 0;
  const BIGNUM *r, *s;
  ECDSA_SIG_get0(sig, &r, &s);
  int ok = BN_bn2binpad(r, raw, ES256_PART) == ES256_PART &&
           BN_bn2binpad(s, raw + ES256_PART, ES256_PART) == ES256_PART;
  ECDSA_SIG_free(sig);
  return ok;
}

static int raw_to_der(const unsigned char *raw, unsigned char **der, int *der_len) {
  ECDSA_SIG *sig = ECDSA_SIG_new();
  BIGNUM *r = BN_bin2bn(raw, ES256_PART, NULL), *s = BN_bin2bn(raw + ES256_PART, ES256_PART, NULL);
  if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return 0;
  }
  *der = NULL;
  *der_len = i2d_ECDSA_SIG(sig, der);
  ECDSA_SIG_free(sig);
  return *der_len > 0;
}

/* Appends "." and base64url(data) at out + *used. */
static int append_segment(char *out, size_t *used, const void *data, size_t len, int dot) {
  if (dot) {
    if (*used + 1 >= JWS_MAX) return 0;
    out[(*used)++] = '.';
  }
  size_t n = jwt_base64url(data, len, out + *used, JWS_MAX - *used);
  *used += n;
  return n > 0;
}

static int append_json(char *out, size_t *used, json_t *value, int dot) {
  char *text = json_dumps(value, JSON_COMPACT);
  int ok = text && append_segment(out, used, text, strlen(text), dot);
  free(text);
  return ok;
}

char *jws_sign(const struct jwt_key *key, json_t *header, json_t *payload) {
  char *token = malloc(JWS_MAX);
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned char sig[1024], raw[2 * ES256_PART];
  size_t used = 0, sig_len = sizeof sig;
  if (!token || !ctx || !append_json(token, &used, header, 0) ||
      !append_json(token, &used, payload, 1) || EVP_MD_CTX_copy_ex(ctx, key->sign_template) != 1 ||
      EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)token, used) != 1)
    goto fail;
  if (key->alg == JWT_KEY_ES256) {
    if (!der_to_raw(sig, sig_len, raw) || !append_segment(token, &used, raw, sizeof raw, 1))
      goto fail;
  } else if (!append_segment(token, &used, sig, sig_len, 1)) {
    goto fail;
  }
  EVP_MD_CTX_free(ctx);
  return token;

fail:
  EVP_MD_CTX_free(ctx);
  free(token);
  return NULL;
}

static int signature_ok(const struct jwt_key *key, const char *input, size_t input_len,
                        const unsigned char *sig, size_t sig_len) {
  unsigned char *der = NULL;
  int der_len = 0;
  if (key->alg == JWT_KEY_ES256) {
    if (sig_len != 2 * ES256_PART || !raw_to_der(sig, &der, &der_len)) return 0;
    sig = der;
    sig_len = (size_t)der_len;
  }
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_MD_CTX_copy_ex(ctx, key->verify_template) == 1 &&
           EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)input, input_len) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  return ok;
}

int jws_verify(const struct jwt_keyset *keys, const char *token, json_t **header,
               json_t **payload) {
  *header = *payload = NULL;
  size_t len = strnlen(token, JWS_MAX);
  const char *dot1 = memchr(token, '.', len);
  const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
  if (len >= JWS_MAX || !dot1 || !dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
    return 0;

  unsigned char sig[1024];
  long sig_len = b64url_decode(dot2 + 1, len - (size_t)(dot2 + 1 - token), sig, sizeof sig);
  *header = json_segment(token, (size_t)(dot1 - token));
  const struct jwt_key *key =
      jwt_keyset_find(keys, json_string_value(json_object_get(*header, "kid")));
  const char *alg = json_string_value(json_object_get(*header, "alg"));
  if (sig_len <= 0 || !key || !alg || strcmp(alg, jws_alg_name(key)) != 0 ||
      !signature_ok(key, token, (size_t)(dot2 - token), sig, (size_t)sig_len))
    goto fail;
  *payload = json_segment(dot1 + 1, (size_t)(dot2 - dot1 - 1));
  if (*payload) return 1;

fail:
  json_decref(*header);
  *header = NULL;
  return 0;
}
