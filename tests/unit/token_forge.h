/* token_forge.h: what test_tokens.c and test_mfa_tokens.c share: the real jwt_tokens with an
 * ephemeral RS256 key and a fake clock, the mfa_token secret derived here independently of
 * jwt_keys.c (RFC 5869 by hand with HMAC), and tokens built byte by byte with exactly the
 * members a test asks for, signed with a key, an HMAC secret or nothing. */
#ifndef VG_TEST_TOKEN_FORGE_H
#define VG_TEST_TOKEN_FORGE_H

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "adapters/jwt_keys.h"
#include "adapters/jwt_keyset.h"
#include "adapters/jwt_tokens.h"
#include "adapters/mfa_jwt.h"
#include "check.h"

#define ISS "https://verigate.test"
#define AUD "verigate-api"
#define SUB "650000000000000000000001"
#define LEEWAY 5
#define T0 1700000000
#define MFA_INFO "verigate mfa_token HS256 secret v1" /* the recipe, spelled out again here */

static int64_t now = T0;
static const struct jwt_key *key;       /* owned by tokens; read here to forge */
static const struct jwt_keyset *keyset; /* the same */
static unsigned char mfa_secret[32];    /* key's mfa_token secret, derived here */
static struct jwt_tokens *tokens;
static struct token_service ts;

static inline int64_t clock_now(void *self) {
  return *(int64_t *)self;
}

/* A token service over one new key of alg; *out_keys and *out_key are owned by it. */
static inline struct jwt_tokens *make_tokens(enum jwt_key_alg alg, const char *client_id,
                                             const struct jwt_keyset **out_keys,
                                             const struct jwt_key **out_key) {
  char err[256] = "";
  struct jwt_keyset *keys = jwt_keyset_load(NULL, NULL, alg, err, sizeof err);
  if (!keys) fprintf(stderr, "jwt_keyset_load: %s\n", err), exit(1);
  struct jwt_tokens_config cfg = {.issuer = ISS,
                                  .audience = AUD,
                                  .mfa_ttl = 300,
                                  .access_ttl = 900,
                                  .leeway = LEEWAY,
                                  .client_id = client_id};
  *out_keys = keys;
  *out_key = jwt_keyset_key(keys, 0);
  return jwt_tokens_create(&cfg, keys, (struct clock_port){.self = &now, .now = clock_now});
}

/* The JWK "d" of k (RFC 7518 §6.3.2.1: RSA's d in as few bytes as it takes; §6.2.2.1: the EC
 * scalar as 32 bytes), big-endian, into out (1024 bytes); returns its length. */
static inline size_t jwk_d(const struct jwt_key *k, unsigned char *out) {
  BIGNUM *d = NULL;
  int rsa = EVP_PKEY_is_a(k->pkey, "RSA");
  if (!EVP_PKEY_get_bn_param(k->pkey, rsa ? OSSL_PKEY_PARAM_RSA_D : OSSL_PKEY_PARAM_PRIV_KEY, &d))
    return 0;
  int n = rsa ? BN_bn2bin(d, out) : BN_bn2binpad(d, out, 32);
  BN_clear_free(d);
  return n > 0 ? (size_t)n : 0;
}

/* HKDF-SHA256 (RFC 5869 §2.2, §2.3) by hand: PRK = HMAC(salt = 32 zero bytes, IKM), then
 * OKM = T(1) = HMAC(PRK, info || 0x01), the 32 bytes asked for. */
static inline void hkdf_by_hand(const unsigned char *ikm, size_t ikm_len, const char *info,
                                unsigned char out[32]) {
  unsigned char salt[32] = {0}, prk[32], block[256];
  unsigned int n = 0;
  size_t info_len = strlen(info);
  HMAC(EVP_sha256(), salt, sizeof salt, ikm, ikm_len, prk, &n);
  memcpy(block, info, info_len);
  block[info_len] = 0x01;
  HMAC(EVP_sha256(), prk, sizeof prk, block, info_len + 1, out, &n);
}

/* k's mfa_token secret as the recipe in mfa_jwt.h and jwt_keys.h says. */
static inline void mfa_secret_by_hand(const struct jwt_key *k, unsigned char out[32]) {
  unsigned char d[1024];
  hkdf_by_hand(d, jwk_d(k, d), MFA_INFO, out);
}

/* ---- base64url and segments ---- */

/* Decodes into out, which holds 4096 bytes; 0 when in is not strict base64url. */
static inline size_t b64url_decode(const char *in, size_t len, unsigned char *out) {
  size_t n = 0;
  return sodium_base642bin(out, 4096, in, len, NULL, &n, NULL,
                           sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0
             ? n
             : 0;
}

/* Segment index (0 header, 1 payload, 2 signature) of token, decoded into out. */
static inline size_t segment(const char *token, int index, unsigned char *out) {
  const char *start = token;
  for (int i = 0; i < index; i++) start = strchr(start, '.') + 1;
  const char *end = strchr(start, '.');
  return b64url_decode(start, end ? (size_t)(end - start) : strlen(start), out);
}

static inline json_t *segment_json(const char *token, int index) {
  unsigned char buf[4096];
  size_t n = segment(token, index, buf);
  return json_loadb((const char *)buf, n, 0, NULL);
}

/* Appends base64url(data) to out (8192 bytes) at *len. */
static inline void append_b64(char *out, size_t *len, const void *data, size_t n) {
  *len += jwt_base64url(data, n, out + *len, 8192 - *len);
}

/* The public half of pkey as PEM, as an attacker would fetch it (malloc()ed). */
static inline char *public_pem(EVP_PKEY *pkey, size_t *len) {
  BIO *bio = BIO_new(BIO_s_mem());
  char *data = NULL, *copy = NULL;
  long n = bio && PEM_write_bio_PUBKEY(bio, pkey) ? BIO_get_mem_data(bio, &data) : 0;
  if (n > 0 && (copy = malloc((size_t)n + 1))) {
    memcpy(copy, data, (size_t)n);
    copy[n] = '\0';
    *len = (size_t)n;
  }
  BIO_free(bio);
  return copy;
}

/* ---- forging ---- */

enum sign { SIGN_NONE, SIGN_HMAC, SIGN_KEY };

/* The members of a token to forge; a NULL string or 0 number leaves the member out. amr is JSON
 * text; extra is a JSON object merged over the payload last (wrong types, client_id...). */
struct forged {
  const char *alg, *kid, *typ;
  const char *iss, *aud, *sub, *jti, *aal;
  long long iat, exp, auth_time;
  const char *sid, *amr, *extra;
};

static inline struct forged good_mfa(void) {
  return (struct forged){.alg = "HS256",
                         .kid = key->kid,
                         .typ = "JWT",
                         .iss = ISS,
                         .aud = AUD,
                         .sub = SUB,
                         .jti = "forged-jti-1",
                         .aal = "aal1",
                         .iat = now,
                         .exp = now + 300,
                         .amr = "[\"pwd\"]"};
}

static inline struct forged good_access(void) {
  return (struct forged){.alg = "RS256",
                         .kid = key->kid,
                         .typ = "at+jwt",
                         .iss = ISS,
                         .aud = AUD,
                         .sub = SUB,
                         .jti = "forged-jti-2",
                         .aal = "aal2",
                         .iat = now,
                         .exp = now + 900,
                         .auth_time = now,
                         .sid = "session-1",
                         .amr = "[\"pwd\",\"sms\"]",
                         .extra = "{\"client_id\":\"" AUD "\"}"};
}

static inline void set_str(json_t *o, const char *name, const char *v) {
  if (v) json_object_set_new(o, name, json_string(v));
}

static inline void set_int(json_t *o, const char *name, long long v) {
  if (v) json_object_set_new(o, name, json_integer(v));
}

/* Signs input[0..len) into sig: HMAC-SHA256/384/512 (by the alg's name) with secret, or with
 * signer (RSA, or EC with JOSE's raw r||s). Returns the signature's length. */
static inline size_t sign_input(const char *alg, enum sign how, const void *secret,
                                size_t secret_len, EVP_PKEY *signer, const char *input, size_t len,
                                unsigned char sig[1024]) {
  size_t sig_len = 0;
  if (how == SIGN_HMAC) {
    unsigned int n = 0;
    const EVP_MD *md = alg && strstr(alg, "384")   ? EVP_sha384()
                       : alg && strstr(alg, "512") ? EVP_sha512()
                                                   : EVP_sha256();
    HMAC(md, secret, (int)secret_len, (const unsigned char *)input, len, sig, &n);
    return n;
  }
  if (how != SIGN_KEY) return 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  sig_len = 1024;
  if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, signer) != 1 ||
      EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)input, len) != 1)
    sig_len = 0;
  EVP_MD_CTX_free(ctx);
  const unsigned char *der = sig;
  ECDSA_SIG *es = EVP_PKEY_is_a(signer, "EC") ? d2i_ECDSA_SIG(NULL, &der, (long)sig_len) : NULL;
  if (es) {
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(es, &r, &s);
    BN_bn2binpad(r, sig, 32);
    BN_bn2binpad(s, sig + 32, 32);
    sig_len = 64;
    ECDSA_SIG_free(es);
  }
  return sig_len;
}

/* Builds f and signs it as sign_input does. A malloc()ed token. */
static inline char *forge(const struct forged *f, enum sign how, const void *secret,
                          size_t secret_len, EVP_PKEY *signer) {
  json_t *h = json_object(), *p = json_object();
  set_str(h, "alg", f->alg);
  set_str(h, "typ", f->typ);
  set_str(h, "kid", f->kid);
  set_str(p, "iss", f->iss);
  set_str(p, "aud", f->aud);
  set_str(p, "sub", f->sub);
  set_str(p, "jti", f->jti);
  set_str(p, "aal", f->aal);
  set_int(p, "iat", f->iat);
  set_int(p, "exp", f->exp);
  set_int(p, "auth_time", f->auth_time);
  set_str(p, "sid", f->sid);
  if (f->amr) json_object_set_new(p, "amr", json_loads(f->amr, JSON_DECODE_ANY, NULL));
  json_t *extra = f->extra ? json_loads(f->extra, 0, NULL) : NULL;
  if (extra) json_object_update(p, extra);
  json_decref(extra);
  char *hs = json_dumps(h, JSON_COMPACT), *ps = json_dumps(p, JSON_COMPACT);
  char *out = calloc(1, 8192);
  size_t len = 0;
  append_b64(out, &len, hs, strlen(hs));
  out[len++] = '.';
  append_b64(out, &len, ps, strlen(ps));
  unsigned char sig[1024];
  size_t sig_len = sign_input(f->alg, how, secret, secret_len, signer, out, len, sig);
  out[len++] = '.';
  append_b64(out, &len, sig, sig_len);
  free(hs);
  free(ps);
  json_decref(h);
  json_decref(p);
  return out;
}

/* Forges f signed as verigate would sign its alg: HS* with the mfa_token secret derived here,
 * anything else with the key's private key; then verifies it. */
static inline vg_result verify_forged(const struct forged *f) {
  int hmac = f->alg && (f->alg[0] == 'H' || f->alg[0] == 'h');
  char *t = hmac ? forge(f, SIGN_HMAC, mfa_secret, sizeof mfa_secret, NULL)
                 : forge(f, SIGN_KEY, NULL, 0, key->pkey);
  struct vg_claims c;
  vg_result r = ts.verify(ts.self, t, &c);
  free(t);
  return r;
}

static inline vg_result verify_str(const char *t) {
  struct vg_claims c;
  return ts.verify(ts.self, t, &c);
}

static inline char *issue(enum vg_token_kind kind, int64_t auth_time, struct vg_claims *claims) {
  char *t = NULL;
  CHECK(ts.issue(ts.self, kind, SUB, auth_time, kind == VG_TOKEN_ACCESS ? "session-1" : NULL, NULL, &t,
                 claims) == VG_OK);
  return t;
}

/* Sets up tokens, ts, key, keyset and mfa_secret for an RS256 key; 0 on failure. */
static inline int forge_setup(void) {
  tokens = make_tokens(JWT_KEY_RS256, NULL, &keyset, &key);
  CHECK(tokens != NULL);
  if (!tokens) return 0;
  ts = jwt_tokens_port(tokens);
  mfa_secret_by_hand(key, mfa_secret);
  return 1;
}

#endif
