/* test_tokens.c: the real jwt_keys + jwt_tokens with ephemeral keys and a fake clock: round
 * trips of both kinds, the JWKS, that neither kind passes for the other, and forged access tokens
 * built here byte by byte, each with exactly one defect. The mfa_token's own forgeries are in
 * test_mfa_tokens.c. */
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include "adapters/jws.h"
#include "token_forge.h"

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
  CHECK(json_object_size(h) == 3); /* what libjwt 1.10 writes, and the kid */
  CHECK_STR(json_string_value(json_object_get(h, "alg")), "HS256");
  CHECK_STR(json_string_value(json_object_get(h, "typ")), "JWT");
  CHECK_STR(json_string_value(json_object_get(h, "kid")), key->kid); /* the signing key's */
  CHECK_STR(json_string_value(json_object_get(p, "iss")), ISS);
  CHECK_STR(json_string_value(json_object_get(p, "aud")), AUD);
  CHECK_STR(json_string_value(json_object_get(p, "aal")), "aal1");
  json_t *amr = json_object_get(p, "amr");
  CHECK(json_array_size(amr) == 1 && strcmp(json_string_value(json_array_get(amr, 0)), "pwd") == 0);
  CHECK(json_object_get(p, "auth_time") == NULL && json_object_get(p, "sid") == NULL);
  CHECK(json_object_get(p, "client_id") == NULL);
  /* The MAC is HMAC-SHA256 with the secret derived here from the key, independently. */
  unsigned char sig[4096], mac[32];
  unsigned int n = 0;
  HMAC(EVP_sha256(), mfa_secret, sizeof mfa_secret, (unsigned char *)t,
       (size_t)(strrchr(t, '.') - t), mac, &n);
  CHECK(segment(t, 2, sig) == 32 && memcmp(sig, mac, 32) == 0);
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
  CHECK_STR(json_string_value(json_object_get(h, "alg")), "RS256");
  CHECK_STR(json_string_value(json_object_get(h, "typ")), "at+jwt");
  CHECK_STR(json_string_value(json_object_get(h, "kid")), key->kid);
  CHECK_STR(json_string_value(json_object_get(p, "sid")), "session-1");
  CHECK_STR(json_string_value(json_object_get(p, "aal")), "aal2");
  CHECK_STR(json_string_value(json_object_get(p, "client_id")), AUD); /* unset: the audience */
  json_t *amr = json_object_get(p, "amr");
  CHECK(json_array_size(amr) == 2 && strcmp(json_string_value(json_array_get(amr, 1)), "sms") == 0);
  json_decref(h);
  json_decref(p);
  free(t);
}

static void tokens_access_client_id_is_the_configured_one(void) {
  const struct jwt_keyset *ks;
  const struct jwt_key *k;
  struct jwt_tokens *other = make_tokens(JWT_KEY_RS256, "portal-web", &ks, &k);
  struct token_service o = jwt_tokens_port(other);
  struct vg_claims issued, c;
  char *t = NULL;
  CHECK(o.issue(o.self, VG_TOKEN_ACCESS, SUB, now, "session-1", NULL, &t, &issued) == VG_OK);
  json_t *p = t ? segment_json(t, 1) : NULL;
  CHECK_STR(json_string_value(json_object_get(p, "client_id")), "portal-web");
  CHECK_STR(json_string_value(json_object_get(p, "aud")), AUD);
  CHECK(t && o.verify(o.self, t, &c) == VG_OK);
  json_decref(p);
  free(t);
  jwt_tokens_destroy(other);
}

/* Access tokens issued before client_id was added verify for the rest of their life. */
static void tokens_access_client_id_may_be_missing_but_is_a_string(void) {
  struct forged f = good_access();
  f.extra = NULL;
  CHECK(verify_forged(&f) == VG_OK);
  f.extra = "{\"client_id\":\"another-client\"}";
  CHECK(verify_forged(&f) == VG_OK);
  const char *not_strings[] = {"{\"client_id\":42}", "{\"client_id\":null}",
                               "{\"client_id\":[\"" AUD "\"]}", "{\"client_id\":{}}"};
  for (size_t i = 0; i < sizeof not_strings / sizeof *not_strings; i++) {
    f.extra = not_strings[i];
    CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  }
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
  const struct jwt_keyset *ec_keys;
  const struct jwt_key *ec_key;
  struct jwt_tokens *ec = make_tokens(JWT_KEY_ES256, NULL, &ec_keys, &ec_key);
  struct token_service es = jwt_tokens_port(ec);
  struct vg_claims issued, c;
  char *t = NULL, *mfa = NULL;
  CHECK(es.issue(es.self, VG_TOKEN_ACCESS, SUB, now, "session-1", NULL, &t, &issued) == VG_OK);
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
  /* An EC key's mfa_token secret comes from its 32-byte scalar, by the same recipe. */
  CHECK(es.issue(es.self, VG_TOKEN_MFA, SUB, 0, NULL, NULL, &mfa, &issued) == VG_OK);
  CHECK(mfa && es.verify(es.self, mfa, &c) == VG_OK && c.kind == VG_TOKEN_MFA);
  unsigned char secret[32], mac[32];
  unsigned int n = 0;
  mfa_secret_by_hand(ec_key, secret);
  if (mfa)
    HMAC(EVP_sha256(), secret, sizeof secret, (unsigned char *)mfa,
         (size_t)(strrchr(mfa, '.') - mfa), mac, &n);
  CHECK(mfa && segment(mfa, 2, sig) == 32 && memcmp(sig, mac, 32) == 0);
  CHECK(mfa && verify_str(mfa) == VG_ERR_INVALID_TOKEN); /* another key's secret */
  json_decref(h);
  json_decref(jwks);
  free(t);
  free(mfa);
  jwt_tokens_destroy(ec);
}

/* ---- neither kind passes for the other ---- */

/* What an RFC 9068 resource server does with an mfa_token: typ is not at+jwt, and the key its
 * kid names in the JWKS (the signing key the secret came from) is an RS256 key that does not
 * verify it. */
static void tokens_an_rfc9068_validator_refuses_the_mfa_token(void) {
  struct vg_claims issued;
  char *t = issue(VG_TOKEN_MFA, 0, &issued);
  json_t *h = segment_json(t, 0);
  json_t *jwks = json_loads(ts.jwks(ts.self), 0, NULL);
  json_t *keys = json_object_get(jwks, "keys"), *jwk = json_array_get(keys, 0);
  CHECK(json_array_size(keys) == 1); /* no key of its own is published for the mfa_token */
  CHECK(strcmp(json_string_value(json_object_get(h, "typ")), "at+jwt") != 0);
  CHECK(strcmp(json_string_value(json_object_get(h, "alg")),
               json_string_value(json_object_get(jwk, "alg"))) != 0);
  EVP_PKEY *pub = jwk_public_key(jwk);
  CHECK(pub && !signature_verifies(pub, t, 0));
  EVP_PKEY_free(pub);
  json_decref(jwks);
  json_decref(h);
  free(t);
}

static void tokens_an_access_token_is_refused_as_mfa_token(void) {
  struct vg_claims issued;
  char *t = issue(VG_TOKEN_ACCESS, now, &issued);
  struct mfa_jwt *m = mfa_jwt_create(keyset);
  json_t *claims = NULL;
  CHECK(m && !mfa_jwt_verify(m, t, &claims) && claims == NULL);
  mfa_jwt_free(m);
  free(t);
  /* Access claims under the mfa_token's header and secret: aal2, and amr names the SMS. */
  struct forged f = good_access();
  f.alg = "HS256";
  f.typ = "JWT";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.aal = "aal1"; /* amr still says sms */
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_access(); /* HS256 with the secret but typ at+jwt: neither verifier takes it */
  f.alg = "HS256";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

static void tokens_an_mfa_token_is_refused_as_access_token(void) {
  struct vg_claims issued;
  char *t = issue(VG_TOKEN_MFA, 0, &issued);
  json_t *h = NULL, *p = NULL;
  CHECK(!jws_verify(keyset, t, &h, &p) && !h && !p); /* HS256: refused at the header */
  free(t);
  /* mfa_token claims signed with the access token key, as an access token and as typ JWT. */
  struct forged f = good_mfa();
  f.alg = "RS256";
  f.typ = "at+jwt";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.typ = "JWT";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_access(); /* every access claim, but typ JWT */
  f.typ = "JWT";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

/* ---- forged access tokens ---- */

static void tokens_accept_a_control_token_built_here(void) {
  struct forged f = good_access();
  CHECK(verify_forged(&f) == VG_OK); /* so every refusal below is for its one defect */
  /* An access token names its session and the time of its second factor. */
  f.sid = NULL;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_access();
  f.auth_time = 0;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

static void tokens_reject_alg_none(void) {
  struct forged f = good_access();
  f.alg = "none";
  char *t = forge(&f, SIGN_NONE, NULL, 0, NULL);
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  t[strlen(t) - 1] = '\0'; /* and without the final dot */
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  free(t);
}

/* Signed correctly by our key, but the header names another algorithm: the alg is pinned. */
static void tokens_reject_a_header_alg_other_than_the_keys(void) {
  struct forged f = good_access();
  const char *algs[] = {"RS512", "PS256", "rs256", "ES256", NULL};
  for (size_t i = 0; i < sizeof algs / sizeof *algs; i++) {
    f.alg = algs[i];
    CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  }
}

static void tokens_reject_hs256_keyed_with_the_public_key(void) {
  struct forged f = good_access();
  f.alg = "HS256";
  size_t pem_len = 0;
  char *pem = public_pem(key->pkey, &pem_len);
  CHECK(pem != NULL);
  if (!pem) return;
  for (int typ_jwt = 0; typ_jwt < 2; typ_jwt++) {
    f.typ = typ_jwt ? "JWT" : "at+jwt";
    char *t = forge(&f, SIGN_HMAC, pem, pem_len, NULL);
    CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
    free(t);
    t = forge(&f, SIGN_HMAC, pem, pem_len - 1, NULL); /* without the final newline */
    CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
    free(t);
  }
  free(pem);
}

static void tokens_reject_a_token_signed_by_another_key(void) {
  char err[256];
  struct jwt_key *other = jwt_key_load(NULL, JWT_KEY_RS256, err, sizeof err);
  CHECK(other != NULL);
  if (!other) return;
  struct forged f = good_access(); /* our kid, their signature */
  char *t = forge(&f, SIGN_KEY, NULL, 0, other->pkey);
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  free(t);
  jwt_key_free(other);
}

static void tokens_reject_a_wrong_header(void) {
  struct forged f = good_access();
  const char *typs[] = {"JWT", "mfa+jwt", "AT+JWT", NULL};
  for (size_t i = 0; i < sizeof typs / sizeof *typs; i++) {
    f.typ = typs[i];
    CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  }
  f = good_access();
  f.kid = "some-other-key";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.kid = NULL;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

static void tokens_reject_an_access_token_without_aal2(void) {
  struct forged f = good_access();
  f.aal = "aal1";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.aal = NULL;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

static void tokens_reject_wrong_issuer_or_audience(void) {
  struct forged f = good_access();
  f.iss = "https://evil.test";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.iss = NULL;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_access();
  f.aud = "another-api";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.aud = NULL;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

static void tokens_reject_missing_subject_or_jti(void) {
  struct forged f = good_access();
  f.sub = NULL;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.sub = "";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f.sub = "6500000000000000000000011"; /* longer than an ObjectId */
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_access();
  f.jti = NULL;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

static void tokens_reject_expired_tokens_after_the_leeway(void) {
  struct vg_claims issued;
  char *t = issue(VG_TOKEN_ACCESS, now, &issued);
  now = issued.exp + LEEWAY - 1;
  CHECK(verify_str(t) == VG_OK);
  now = issued.exp + LEEWAY;
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  now = T0;
  struct forged f = good_access();
  f.exp = 0;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  free(t);
}

static void tokens_reject_iat_in_the_future(void) {
  struct forged f = good_access();
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
  char *t = issue(VG_TOKEN_ACCESS, now, &issued);
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
                           "eyJhbGciOiJIUzI1NiJ9..",
                           "not a token at all",
                           long_token};
  for (size_t i = 0; i < sizeof garbage / sizeof *garbage; i++)
    CHECK(verify_str(garbage[i]) == VG_ERR_INVALID_TOKEN);
  CHECK(verify_str(NULL) == VG_ERR_INVALID_TOKEN);
  free(long_token);
}

int main(void) {
  if (!forge_setup()) return check_done();
  RUN(tokens_mfa_round_trip_carries_the_claims);
  RUN(tokens_access_round_trip_carries_the_claims);
  RUN(tokens_access_client_id_is_the_configured_one);
  RUN(tokens_access_client_id_may_be_missing_but_is_a_string);
  RUN(tokens_mfa_token_never_verifies_as_access_kind);
  RUN(tokens_verify_elsewhere_with_the_published_jwk);
  RUN(tokens_jwks_names_the_signing_key_by_its_thumbprint);
  RUN(tokens_es256_round_trip);
  RUN(tokens_an_rfc9068_validator_refuses_the_mfa_token);
  RUN(tokens_an_access_token_is_refused_as_mfa_token);
  RUN(tokens_an_mfa_token_is_refused_as_access_token);
  RUN(tokens_accept_a_control_token_built_here);
  RUN(tokens_reject_alg_none);
  RUN(tokens_reject_a_header_alg_other_than_the_keys);
  RUN(tokens_reject_hs256_keyed_with_the_public_key);
  RUN(tokens_reject_a_token_signed_by_another_key);
  RUN(tokens_reject_a_wrong_header);
  RUN(tokens_reject_an_access_token_without_aal2);
  RUN(tokens_reject_wrong_issuer_or_audience);
  RUN(tokens_reject_missing_subject_or_jti);
  RUN(tokens_reject_expired_tokens_after_the_leeway);
  RUN(tokens_reject_iat_in_the_future);
  RUN(tokens_reject_a_tampered_payload);
  RUN(tokens_reject_garbage);
  jwt_tokens_destroy(tokens);
  return check_done();
}
