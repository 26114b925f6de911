/* test_tokens.c: the real jwt_keys + jwt_tokens with ephemeral keys and a fake clock: round
 * trips, the JWKS, and forged tokens built here byte by byte, each with exactly one defect. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "adapters/jwt_keys.h"
#include "adapters/jwt_keyset.h"
#include "adapters/jwt_tokens.h"
#include "check.h"

#define ISS "https://verigate.test"
#define AUD "verigate-api"
#define SUB "650000000000000000000001"
#define LEEWAY 5
#define T0 1700000000

static int64_t now = T0;
static const struct jwt_key *key; /* owned by tokens; read here to forge */
static struct jwt_key *mfa_key;   /* derived here as jwt_tokens derives it, to forge mfa_tokens */
static struct jwt_tokens *tokens;
static struct token_service ts;

static int64_t clock_now(void *self) {
  return *(int64_t *)self;
}

static struct jwt_tokens *make_tokens(enum jwt_key_alg alg, const struct jwt_key **out_key) {
  char err[256] = "";
  struct jwt_keyset *keys = jwt_keyset_load(NULL, NULL, alg, err, sizeof err);
  if (!keys) fprintf(stderr, "jwt_keyset_load: %s\n", err), exit(1);
  struct jwt_tokens_config cfg = {ISS, AUD, 300, 900, LEEWAY};
  *out_key = jwt_keyset_key(keys, 0);
  return jwt_tokens_create(&cfg, keys, (struct clock_port){.self = &now, .now = clock_now});
}

/* ---- helpers: base64url, segments, signing ---- */

/* Decodes into out, which holds 4096 bytes; 0 when in is not strict base64url. */
static size_t b64url_decode(const char *in, size_t len, unsigned char *out) {
  size_t n = 0;
  return sodium_base642bin(out, 4096, in, len, NULL, &n, NULL,
                           sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0
             ? n
             : 0;
}

/* Segment index (0 header, 1 payload, 2 signature) of token, decoded into out. */
static size_t segment(const char *token, int index, unsigned char *out) {
  const char *start = token;
  for (int i = 0; i < index; i++) start = strchr(start, '.') + 1;
  const char *end = strchr(start, '.');
  return b64url_decode(start, end ? (size_t)(end - start) : strlen(start), out);
}

static json_t *segment_json(const char *token, int index) {
  unsigned char buf[4096];
  size_t n = segment(token, index, buf);
  return json_loadb((const char *)buf, n, 0, NULL);
}

/* The public half of pkey as PEM, as an attacker would fetch it (malloc()ed). */
static char *public_pem(EVP_PKEY *pkey, size_t *len) {
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

/* Decodes base64url member name of jwk into out; returns its length (0 when absent). */
static size_t jwk_bytes(json_t *jwk, const char *name, unsigned char *out) {
  const char *v = json_string_value(json_object_get(jwk, name));
  return v ? b64url_decode(v, strlen(v), out) : 0;
}

/* Rebuilds the public key a JWKS consumer would from the JWK alone (RSA n/e or EC P-256 x/y). */
static EVP_PKEY *jwk_public_key(json_t *jwk) {
  unsigned char a[4096], b[4096], point[65] = {0x04};
  const char *kty = json_string_value(json_object_get(jwk, "kty"));
  int rsa = kty && strcmp(kty, "RSA") == 0;
  OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
  BIGNUM *n = NULL, *e = NULL;
  if (rsa) {
    size_t nl = jwk_bytes(jwk, "n", a), el = jwk_bytes(jwk, "e", b);
    n = BN_bin2bn(a, (int)nl, NULL);
    e = BN_bin2bn(b, (int)el, NULL);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
  } else {
    if (jwk_bytes(jwk, "x", a) != 32 || jwk_bytes(jwk, "y", b) != 32) return NULL;
    memcpy(point + 1, a, 32);
    memcpy(point + 33, b, 32);
    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point);
  }
  OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, rsa ? "RSA" : "EC", NULL);
  EVP_PKEY *pkey = NULL;
  if (!ctx || EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    pkey = NULL;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_free(n);
  BN_free(e);
  return pkey;
}

/* Checks token's signature with pub as any JOSE library would (ES256: raw r||s). */
static int signature_verifies(EVP_PKEY *pub, const char *token, int es256) {
  unsigned char sig[4096], *der = NULL;
  size_t sig_len = segment(token, 2, sig);
  if (es256) {
    ECDSA_SIG *es = ECDSA_SIG_new();
    if (sig_len != 64 || !es) return 0;
    ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
    int n = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (n <= 0) return 0;
    memcpy(sig, der, (size_t)n);
    sig_len = (size_t)n;
    OPENSSL_free(der);
  }
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = pub && ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pub) == 1 &&
           EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *)token,
                            (size_t)(strrchr(token, '.') - token)) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

enum sign { SIGN_NONE, SIGN_HS256, SIGN_KEY };

/* The fields of a token to forge; a NULL string or 0 number leaves the member out. */
struct forged {
  const char *alg, *kid, *typ;
  const char *iss, *aud, *sub, *jti, *aal;
  long long iat, exp, auth_time;
  const char *sid;
};

static struct forged good_mfa(void) {
  return (struct forged){"ES256",        mfa_key->kid, "mfa+jwt", ISS,       AUD, SUB,
                         "forged-jti-1", "aal1",       now,       now + 300, 0,   NULL};
}

static struct forged good_access(void) {
  return (struct forged){"RS256",        key->kid, "at+jwt", ISS,       AUD, SUB,
                         "forged-jti-2", "aal2",   now,      now + 900, now, "session-1"};
}

static void set_str(json_t *o, const char *name, const char *v) {
  if (v) json_object_set_new(o, name, json_string(v));
}

static void set_int(json_t *o, const char *name, long long v) {
  if (v) json_object_set_new(o, name, json_integer(v));
}

/* Appends base64url(data) to out at *len. */
static void append_b64(char *out, size_t *len, const void *data, size_t n) {
  *len += jwt_base64url(data, n, out + *len, 8192 - *len);
}

/* Builds and signs f: with the HMAC secret, or with the key signer (RSA, or EC with JOSE's raw
 * r||s). A malloc()ed token. */
static char *forge(const struct forged *f, enum sign how, const char *secret, size_t secret_len,
                   EVP_PKEY *signer) {
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
  char *hs = json_dumps(h, JSON_COMPACT), *ps = json_dumps(p, JSON_COMPACT);
  char *out = calloc(1, 8192);
  size_t len = 0;
  append_b64(out, &len, hs, strlen(hs));
  out[len++] = '.';
  append_b64(out, &len, ps, strlen(ps));
  unsigned char sig[1024];
  size_t sig_len = 0;
  if (how == SIGN_HS256) {
    unsigned int n = 0;
    HMAC(EVP_sha256(), secret, (int)secret_len, (unsigned char *)out, len, sig, &n);
    sig_len = n;
  } else if (how == SIGN_KEY) {
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    sig_len = sizeof sig;
    if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, signer) != 1 ||
        EVP_DigestSign(ctx, sig, &sig_len, (unsigned char *)out, len) != 1)
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
  }
  out[len++] = '.';
  append_b64(out, &len, sig, sig_len);
  free(hs);
  free(ps);
  json_decref(h);
  json_decref(p);
  return out;
}

/* Forges f signed with the real private key its kid names (the mfa_token key, else the access
 * token key) and verifies it. */
static vg_result verify_forged(const struct forged *f) {
  int mfa = f->kid && strcmp(f->kid, mfa_key->kid) == 0;
  char *t = forge(f, SIGN_KEY, NULL, 0, mfa ? mfa_key->pkey : key->pkey);
  struct vg_claims c;
  vg_result r = ts.verify(ts.self, t, &c);
  free(t);
  return r;
}

static vg_result verify_str(const char *t) {
  struct vg_claims c;
  return ts.verify(ts.self, t, &c);
}

static char *issue(enum vg_token_kind kind, int64_t auth_time, struct vg_claims *claims) {
  char *t = NULL;
  CHECK(ts.issue(ts.self, kind, SUB, auth_time, kind == VG_TOKEN_ACCESS ? "session-1" : NULL, &t,
                 claims) == VG_OK);
  return t;
}

/* ---- round trips ---- */

static void tokens_mfa_round_trip_carries_the_claims(void) {
  struct vg_claims issued, c;
  char *t = issue(VG_TOKEN_MFA, 0, &issued);
  CHECK(ts.verify(ts.self, t, &c) == VG_OK);
  CHECK(c.kind == VG_TOKEN_MFA);
  CHECK_STR(c.sub, SUB);
  CHECK_STR(c.jti, issued.jti);
  CHECK(strlen(c.jti) >= 22);
  CHECK(c.iat == now && c.exp == now + 300);
  json_t *h = segment_json(t, 0), *p = segment_json(t, 1);
  CHECK_STR(json_string_value(json_object_get(h, "alg")), "ES256");
  CHECK_STR(json_string_value(json_object_get(h, "typ")), "mfa+jwt");
  CHECK_STR(json_string_value(json_object_get(h, "kid")), mfa_key->kid);
  CHECK_STR(json_string_value(json_object_get(p, "iss")), ISS);
  CHECK_STR(json_string_value(json_object_get(p, "aud")), AUD);
  CHECK_STR(json_string_value(json_object_get(p, "aal")), "aal1");
  json_t *amr = json_object_get(p, "amr");
  CHECK(json_array_size(amr) == 1 && strcmp(json_string_value(json_array_get(amr, 0)), "pwd") == 0);
  CHECK(json_object_get(p, "auth_time") == NULL);
  json_decref(h);
  json_decref(p);
  free(t);
}

static void tokens_access_round_trip_carries_the_claims(void) {
  struct vg_claims issued, c;
  char *t = issue(VG_TOKEN_ACCESS, now - 10, &issued);
  CHECK(ts.verify(ts.self, t, &c) == VG_OK);
  CHECK(c.kind == VG_TOKEN_ACCESS);
  CHECK_STR(c.sub, SUB);
  CHECK(c.exp == now + 900 && c.auth_time == now - 10);
  CHECK_STR(c.sid, "session-1");
  json_t *h = segment_json(t, 0), *p = segment_json(t, 1);
  CHECK_STR(json_string_value(json_object_get(h, "typ")), "at+jwt");
  CHECK_STR(json_string_value(json_object_get(p, "sid")), "session-1");
  CHECK_STR(json_string_value(json_object_get(p, "aal")), "aal2");
  json_t *amr = json_object_get(p, "amr");
  CHECK(json_array_size(amr) == 2 && strcmp(json_string_value(json_array_get(amr, 1)), "sms") == 0);
  json_decref(h);
  json_decref(p);
  free(t);
}

static void tokens_mfa_token_never_verifies_as_access_kind(void) {
  struct vg_claims issued, c;
  char *mfa = issue(VG_TOKEN_MFA, 0, &issued);
  char *second = issue(VG_TOKEN_MFA, 0, &issued);
  CHECK(ts.verify(ts.self, mfa, &c) == VG_OK);
  CHECK(c.kind == VG_TOKEN_MFA && c.kind != VG_TOKEN_ACCESS); /* core refuses it for access */
  CHECK(ts.verify(ts.self, second, &c) == VG_OK && strcmp(c.jti, issued.jti) == 0);
  CHECK(strcmp(mfa, second) != 0); /* a fresh jti each time */
  free(mfa);
  free(second);
}

/* A JWKS consumer holding only the published JWK can check what verigate signs. */
static void tokens_verify_elsewhere_with_the_published_jwk(void) {
  struct vg_claims issued;
  char *t = issue(VG_TOKEN_ACCESS, now, &issued);
  json_t *jwks = json_loads(ts.jwks(ts.self), 0, NULL);
  EVP_PKEY *pub = jwk_public_key(json_array_get(json_object_get(jwks, "keys"), 0));
  CHECK(pub != NULL);
  CHECK(signature_verifies(pub, t, 0));
  t[strlen(t) - 2] ^= 1; /* and the check is real: a changed signature fails it */
  CHECK(!signature_verifies(pub, t, 0));
  EVP_PKEY_free(pub);
  json_decref(jwks);
  free(t);
}

static void tokens_jwks_names_the_signing_key_by_its_thumbprint(void) {
  struct vg_claims issued;
  char *t = issue(VG_TOKEN_ACCESS, now, &issued);
  json_t *jwks = json_loads(ts.jwks(ts.self), 0, NULL);
  json_t *keys = json_object_get(jwks, "keys");
  CHECK(json_array_size(keys) == 1);
  json_t *jwk = json_array_get(keys, 0), *h = segment_json(t, 0);
  const char *kid = json_string_value(json_object_get(jwk, "kid"));
  CHECK_STR(kid, json_string_value(json_object_get(h, "kid")));
  CHECK_STR(json_string_value(json_object_get(jwk, "kty")), "RSA");
  CHECK_STR(json_string_value(json_object_get(jwk, "alg")), "RS256");
  CHECK_STR(json_string_value(json_object_get(jwk, "use")), "sig");
  CHECK(json_object_get(jwk, "d") == NULL && json_object_get(jwk, "p") == NULL);
  const char *e = json_string_value(json_object_get(jwk, "e"));
  const char *n = json_string_value(json_object_get(jwk, "n"));
  CHECK(e && n);
  char canonical[2048], thumb[64];
  unsigned char digest[SHA256_DIGEST_LENGTH];
  snprintf(canonical, sizeof canonical, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", e ? e : "",
           n ? n : "");
  SHA256((unsigned char *)canonical, strlen(canonical), digest); /* RFC 7638 */
  jwt_base64url(digest, sizeof digest, thumb, sizeof thumb);
  CHECK_STR(kid, thumb);
  json_decref(h);
  json_decref(jwks);
  free(t);
}

static void tokens_es256_round_trip(void) {
  const struct jwt_key *ec_key;
  struct jwt_tokens *ec = make_tokens(JWT_KEY_ES256, &ec_key);
  struct token_service es = jwt_tokens_port(ec);
  struct vg_claims issued, c;
  char *t = NULL;
  CHECK(es.issue(es.self, VG_TOKEN_ACCESS, SUB, now, "session-1", &t, &issued) == VG_OK);
  CHECK(t && es.verify(es.self, t, &c) == VG_OK && c.kind == VG_TOKEN_ACCESS);
  json_t *h = t ? segment_json(t, 0) : NULL;
  CHECK_STR(json_string_value(json_object_get(h, "alg")), "ES256");
  unsigned char sig[4096];
  CHECK(t && segment(t, 2, sig) == 64); /* JOSE's raw R || S, not DER (RFC 7518 §3.4) */
  json_t *jwks = json_loads(es.jwks(es.self), 0, NULL);
  json_t *jwk = json_array_get(json_object_get(jwks, "keys"), 0);
  CHECK_STR(json_string_value(json_object_get(jwk, "crv")), "P-256");
  CHECK_STR(json_string_value(json_object_get(jwk, "kid")), ec_key->kid);
  EVP_PKEY *pub = jwk_public_key(jwk);
  CHECK(pub && t && signature_verifies(pub, t, 1));
  EVP_PKEY_free(pub);
  CHECK(t && verify_str(t) == VG_ERR_INVALID_TOKEN); /* the RS256 service refuses it */
  json_decref(h);
  json_decref(jwks);
  free(t);
  jwt_tokens_destroy(ec);
}

/* ---- one key per kind of token ---- */

static void tokens_mfa_tokens_are_signed_by_a_derived_key_the_jwks_does_not_publish(void) {
  struct vg_claims issued;
  char *t = issue(VG_TOKEN_MFA, 0, &issued);
  json_t *h = segment_json(t, 0);
  const char *kid = json_string_value(json_object_get(h, "kid"));
  CHECK(kid && strcmp(kid, key->kid) != 0);
  json_t *jwks = json_loads(ts.jwks(ts.self), 0, NULL);
  json_t *keys = json_object_get(jwks, "keys");
  CHECK(json_array_size(keys) == 1);
  CHECK_STR(json_string_value(json_object_get(json_array_get(keys, 0), "kid")), key->kid);
  /* What the JWKS would hold if it were published: the signature is the derived key's. */
  EVP_PKEY *pub = jwk_public_key(mfa_key->jwk);
  CHECK(pub && signature_verifies(pub, t, 1));
  EVP_PKEY_free(pub);
  json_decref(jwks);
  json_decref(h);
  free(t);
}

static void tokens_each_kind_verifies_only_with_its_own_key(void) {
  struct forged f = good_access(); /* access claims signed with the mfa_token key */
  f.alg = "ES256";
  f.kid = mfa_key->kid;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_mfa(); /* mfa claims signed with the access token key */
  f.alg = "RS256";
  f.kid = key->kid;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_access();
  f.typ = "mfa+jwt";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

static void tokens_derived_keys_depend_on_the_key_and_the_purpose(void) {
  char err[256];
  struct jwt_key *again = jwt_key_derive(key, MFA_KEY_PURPOSE, err, sizeof err);
  struct jwt_key *other_purpose = jwt_key_derive(key, "another purpose", err, sizeof err);
  struct jwt_key *other = jwt_key_load(NULL, JWT_KEY_RS256, err, sizeof err);
  struct jwt_key *ec = jwt_key_load(NULL, JWT_KEY_ES256, err, sizeof err);
  struct jwt_key *from_other =
      other ? jwt_key_derive(other, MFA_KEY_PURPOSE, err, sizeof err) : NULL;
  struct jwt_key *from_ec = ec ? jwt_key_derive(ec, MFA_KEY_PURPOSE, err, sizeof err) : NULL;
  CHECK(again && other_purpose && from_other && from_ec);
  if (again && other_purpose && from_other && from_ec) {
    CHECK_STR(again->kid, mfa_key->kid); /* the same key file: the same key on every instance */
    CHECK(again->alg == JWT_KEY_ES256 && from_ec->alg == JWT_KEY_ES256);
    CHECK(strcmp(other_purpose->kid, mfa_key->kid) != 0);
    CHECK(strcmp(from_other->kid, mfa_key->kid) != 0);
    CHECK(strcmp(from_ec->kid, ec->kid) != 0 && strcmp(from_ec->kid, mfa_key->kid) != 0);
    CHECK_STR(json_string_value(json_object_get(again->jwk, "crv")), "P-256");
  }
  jwt_key_free(again);
  jwt_key_free(other_purpose);
  jwt_key_free(other);
  jwt_key_free(ec);
  jwt_key_free(from_other);
  jwt_key_free(from_ec);
}

/* ---- forgeries ---- */

static void tokens_accept_a_control_token_built_here(void) {
  struct forged f = good_mfa();
  CHECK(verify_forged(&f) == VG_OK); /* so every refusal below is for its one defect */
  f = good_access();
  CHECK(verify_forged(&f) == VG_OK);
  f.sid = NULL; /* an access token names its session */
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

static void tokens_reject_alg_none(void) {
  struct forged f = good_mfa();
  f.alg = "none";
  char *t = forge(&f, SIGN_NONE, NULL, 0, NULL);
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  t[strlen(t) - 1] = '\0'; /* and without the final dot */
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  free(t);
}

/* Signed correctly by our key, but the header names another algorithm: the alg is pinned. */
static void tokens_reject_a_header_alg_other_than_the_keys(void) {
  struct forged f = good_mfa();
  const char *algs[] = {"RS512", "PS256", "rs256", NULL};
  for (size_t i = 0; i < sizeof algs / sizeof *algs; i++) {
    f.alg = algs[i];
    CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  }
}

static void tokens_reject_hs256_keyed_with_the_public_key(void) {
  struct forged f = good_mfa();
  f.alg = "HS256";
  size_t pem_len = 0;
  char *pem = public_pem(key->pkey, &pem_len);
  CHECK(pem != NULL);
  if (!pem) return;
  char *t = forge(&f, SIGN_HS256, pem, pem_len, NULL);
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  free(t);
  t = forge(&f, SIGN_HS256, pem, pem_len - 1, NULL); /* without the final newline */
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  free(t);
  free(pem);
}

static void tokens_reject_a_token_signed_by_another_key(void) {
  char err[256];
  struct jwt_key *other = jwt_key_load(NULL, JWT_KEY_RS256, err, sizeof err);
  CHECK(other != NULL);
  if (!other) return;
  struct forged f = good_mfa(); /* our kid, their signature */
  char *t = forge(&f, SIGN_KEY, NULL, 0, other->pkey);
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  free(t);
  jwt_key_free(other);
}

static void tokens_reject_a_wrong_header(void) {
  struct forged f = good_mfa();
  f.typ = "JWT";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.typ = NULL;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_mfa();
  f.kid = "some-other-key";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.kid = NULL;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

static void tokens_reject_a_typ_that_disagrees_with_aal(void) {
  struct forged f = good_mfa();
  f.typ = "at+jwt"; /* an mfa_token dressed as an access token */
  f.auth_time = now;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_mfa();
  f.aal = "aal2";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.typ = "at+jwt"; /* an access token without auth_time */
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

static void tokens_reject_wrong_issuer_or_audience(void) {
  struct forged f = good_mfa();
  f.iss = "https://evil.test";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.iss = NULL;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_mfa();
  f.aud = "another-api";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.aud = NULL;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

static void tokens_reject_missing_subject_or_jti(void) {
  struct forged f = good_mfa();
  f.sub = NULL;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.sub = "";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.sub = "6500000000000000000000011"; /* longer than an ObjectId */
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_mfa();
  f.jti = NULL;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

static void tokens_reject_expired_tokens_after_the_leeway(void) {
  struct vg_claims issued;
  char *t = issue(VG_TOKEN_MFA, 0, &issued);
  now = issued.exp + LEEWAY - 1;
  CHECK(verify_str(t) == VG_OK);
  now = issued.exp + LEEWAY;
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  now = T0;
  struct forged f = good_mfa();
  f.exp = 0;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  free(t);
}

static void tokens_reject_iat_in_the_future(void) {
  struct forged f = good_mfa();
  f.iat = now + LEEWAY + 1;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.iat = now + 3600;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.iat = now + LEEWAY; /* clock skew within the leeway is fine */
  CHECK(verify_forged(&f) == VG_OK);
  f.iat = 0;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

static void tokens_reject_a_tampered_payload(void) {
  struct vg_claims issued;
  char *t = issue(VG_TOKEN_MFA, 0, &issued);
  char *flipped = strdup(t);
  char *payload = strchr(flipped, '.') + 1;
  payload[10] = payload[10] == 'A' ? 'B' : 'A';
  CHECK(verify_str(flipped) == VG_ERR_INVALID_TOKEN);
  /* A well-formed payload naming another user, with the original signature. */
  json_t *p = segment_json(t, 1);
  json_object_set_new(p, "sub", json_string("650000000000000000000002"));
  char *ps = json_dumps(p, JSON_COMPACT), spliced[8192];
  size_t len = (size_t)(strchr(t, '.') - t) + 1;
  memcpy(spliced, t, len);
  len += jwt_base64url((unsigned char *)ps, strlen(ps), spliced + len, sizeof spliced - len);
  snprintf(spliced + len, sizeof spliced - len, "%s", strrchr(t, '.'));
  CHECK(verify_str(spliced) == VG_ERR_INVALID_TOKEN);
  free(ps);
  json_decref(p);
  free(flipped);
  free(t);
}

static void tokens_reject_garbage(void) {
  char *long_token = malloc(5001);
  memset(long_token, 'a', 5000);
  long_token[5000] = '\0';
  const char *garbage[] = {"",
                           ".",
                           "..",
                           "a.b",
                           "a.b.c",
                           "a.b.c.d",
                           "eyJhbGciOiJSUzI1NiJ9..",
                           "not a token at all",
                           long_token};
  for (size_t i = 0; i < sizeof garbage / sizeof *garbage; i++)
    CHECK(verify_str(garbage[i]) == VG_ERR_INVALID_TOKEN);
  CHECK(verify_str(NULL) == VG_ERR_INVALID_TOKEN);
  free(long_token);
}

int main(void) {
  tokens = make_tokens(JWT_KEY_RS256, &key);
  CHECK(tokens != NULL);
  if (!tokens) return check_done();
  ts = jwt_tokens_port(tokens);
  char err[256] = "";
  mfa_key = jwt_key_derive(key, MFA_KEY_PURPOSE, err, sizeof err);
  CHECK(mfa_key != NULL);
  if (!mfa_key) return check_done();
  RUN(tokens_mfa_round_trip_carries_the_claims);
  RUN(tokens_access_round_trip_carries_the_claims);
  RUN(tokens_mfa_token_never_verifies_as_access_kind);
  RUN(tokens_verify_elsewhere_with_the_published_jwk);
  RUN(tokens_jwks_names_the_signing_key_by_its_thumbprint);
  RUN(tokens_es256_round_trip);
  RUN(tokens_mfa_tokens_are_signed_by_a_derived_key_the_jwks_does_not_publish);
  RUN(tokens_each_kind_verifies_only_with_its_own_key);
  RUN(tokens_derived_keys_depend_on_the_key_and_the_purpose);
  RUN(tokens_accept_a_control_token_built_here);
  RUN(tokens_reject_alg_none);
  RUN(tokens_reject_a_header_alg_other_than_the_keys);
  RUN(tokens_reject_hs256_keyed_with_the_public_key);
  RUN(tokens_reject_a_token_signed_by_another_key);
  RUN(tokens_reject_a_wrong_header);
  RUN(tokens_reject_a_typ_that_disagrees_with_aal);
  RUN(tokens_reject_wrong_issuer_or_audience);
  RUN(tokens_reject_missing_subject_or_jti);
  RUN(tokens_reject_expired_tokens_after_the_leeway);
  RUN(tokens_reject_iat_in_the_future);
  RUN(tokens_reject_a_tampered_payload);
  RUN(tokens_reject_garbage);
  jwt_tokens_destroy(tokens);
  jwt_key_free(mfa_key);
  return check_done();
}
