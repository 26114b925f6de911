/* test_mfa_tokens.c: the mfa_token (mfa_jwt.c, libjwt 1.10, HS256): its secret against RFC 5869
 * computed here by hand, and forged mfa_tokens built byte by byte, each with exactly one defect,
 * through the real jwt_tokens verify. Also what libjwt 1.10 itself lets through, which is why
 * mfa_jwt.c checks the header before jwt_decode and the alg after it. */
#include <jwt.h>
#include <openssl/rand.h>

#include "token_forge.h"

/* ---- the secret ---- */

static void mfa_secret_is_hkdf_sha256_of_the_keys_d(void) {
  unsigned char derived[32], d[1024], by_hand[32];
  CHECK(jwt_key_derive_secret(key, MFA_JWT_SECRET_INFO, derived, sizeof derived));
  CHECK(memcmp(derived, mfa_secret, 32) == 0);
  CHECK_STR(MFA_JWT_SECRET_INFO, MFA_INFO); /* the label is part of the recipe */
  size_t d_len = jwk_d(key, d);
  CHECK(d_len >= 250 && d_len <= 256); /* RSA-2048's d, not a PEM or DER encoding */
  hkdf_by_hand(d, d_len, MFA_INFO, by_hand);
  CHECK(memcmp(derived, by_hand, 32) == 0);
  /* RFC 5869 Appendix A.3 (SHA-256, empty salt and info): the hand-made HKDF is HKDF. */
  unsigned char ikm[22], okm[32];
  memset(ikm, 0x0b, sizeof ikm);
  hkdf_by_hand(ikm, sizeof ikm, "", okm);
  static const unsigned char a3[32] = {0x8d, 0xa4, 0xe7, 0x75, 0xa5, 0x63, 0xc1, 0x8f,
                                       0x71, 0x5f, 0x80, 0x2a, 0x06, 0x3c, 0x5a, 0x31,
                                       0xb8, 0xa1, 0x1f, 0x5c, 0x5e, 0xe1, 0x87, 0x9e,
                                       0xc3, 0x45, 0x4e, 0x5f, 0x3c, 0x73, 0x8d, 0x2d};
  CHECK(memcmp(okm, a3, 32) == 0);

  struct mfa_jwt *m = mfa_jwt_create(keyset);
  const unsigned char *kept = m ? mfa_jwt_secret(m, key->kid) : NULL;
  CHECK(kept && memcmp(kept, mfa_secret, 32) == 0);
  CHECK(m && mfa_jwt_secret(m, "unknown-kid") == NULL && mfa_jwt_secret(m, NULL) == NULL);
  mfa_jwt_free(m);
}

static void mfa_secret_differs_per_key_and_label(void) {
  char err[256];
  unsigned char again[32] = {0}, other_label[32] = {0}, from_other[32] = {0}, from_ec[32] = {0},
                ec_by_hand[32];
  struct jwt_key *other = jwt_key_load(NULL, JWT_KEY_RS256, err, sizeof err);
  struct jwt_key *ec = jwt_key_load(NULL, JWT_KEY_ES256, err, sizeof err);
  CHECK(other && ec);
  if (!other || !ec) return;
  CHECK(jwt_key_derive_secret(key, MFA_JWT_SECRET_INFO, again, 32));
  CHECK(memcmp(again, mfa_secret, 32) == 0); /* the same key file: the same secret everywhere */
  CHECK(jwt_key_derive_secret(key, "verigate mfa_token HS256 secret v2", other_label, 32));
  CHECK(jwt_key_derive_secret(other, MFA_JWT_SECRET_INFO, from_other, 32));
  CHECK(jwt_key_derive_secret(ec, MFA_JWT_SECRET_INFO, from_ec, 32));
  CHECK(memcmp(other_label, mfa_secret, 32) != 0);
  CHECK(memcmp(from_other, mfa_secret, 32) != 0);
  CHECK(memcmp(from_ec, mfa_secret, 32) != 0 && memcmp(from_ec, from_other, 32) != 0);
  mfa_secret_by_hand(ec, ec_by_hand);
  CHECK(memcmp(from_ec, ec_by_hand, 32) == 0);
  jwt_key_free(other);
  jwt_key_free(ec);
}

/* ---- forgeries ---- */

static void mfa_accept_a_control_token_built_here(void) {
  struct forged f = good_mfa();
  CHECK(verify_forged(&f) == VG_OK); /* so every refusal below is for its one defect */
  struct vg_claims c;
  char *t = forge(&f, SIGN_HMAC, mfa_secret, sizeof mfa_secret, NULL);
  CHECK(ts.verify(ts.self, t, &c) == VG_OK && c.kind == VG_TOKEN_MFA);
  CHECK_STR(c.jti, "forged-jti-1");
  free(t);
}

static void mfa_reject_alg_none(void) {
  const char *nones[] = {"none", "None", "NONE"};
  for (size_t i = 0; i < sizeof nones / sizeof *nones; i++) {
    struct forged f = good_mfa();
    f.alg = nones[i];
    char *t = forge(&f, SIGN_NONE, NULL, 0, NULL);
    CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
    t[strlen(t) - 1] = '\0'; /* and without the final dot */
    CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
    free(t);
    t = forge(&f, SIGN_HMAC, mfa_secret, sizeof mfa_secret, NULL); /* a real MAC kept */
    CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
    free(t);
  }
}

/* The mfa_token's claims and typ, signed by the real signing key as RS256 (or as ES256 with an EC
 * key of its own): only the HMAC secret makes an mfa_token. */
static void mfa_reject_rs256_signed_by_the_real_key(void) {
  struct forged f = good_mfa();
  f.alg = "RS256";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  char err[256];
  struct jwt_key *ec = jwt_key_load(NULL, JWT_KEY_ES256, err, sizeof err);
  f.alg = "ES256";
  char *t = ec ? forge(&f, SIGN_KEY, NULL, 0, ec->pkey) : NULL;
  CHECK(t && verify_str(t) == VG_ERR_INVALID_TOKEN);
  free(t);
  jwt_key_free(ec);
}

static void mfa_reject_hs256_keyed_with_the_public_pem(void) {
  struct forged f = good_mfa();
  size_t pem_len = 0;
  char *pem = public_pem(key->pkey, &pem_len);
  CHECK(pem != NULL);
  if (!pem) return;
  char *t = forge(&f, SIGN_HMAC, pem, pem_len, NULL);
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  free(t);
  t = forge(&f, SIGN_HMAC, pem, pem_len - 1, NULL); /* without the final newline */
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  free(t);
  const char *jwks = ts.jwks(ts.self); /* the JWKS text, and the kid */
  t = forge(&f, SIGN_HMAC, jwks, strlen(jwks), NULL);
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  free(t);
  t = forge(&f, SIGN_HMAC, key->kid, strlen(key->kid), NULL);
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  free(t);
  free(pem);
}

static void mfa_reject_a_wrong_secret(void) {
  char err[256];
  unsigned char random[32], other_label[32], other_key[32];
  struct forged f = good_mfa();
  RAND_bytes(random, sizeof random);
  CHECK(jwt_key_derive_secret(key, "verigate mfa_token HS256 secret v0", other_label, 32));
  struct jwt_key *other = jwt_key_load(NULL, JWT_KEY_RS256, err, sizeof err);
  CHECK(other && jwt_key_derive_secret(other, MFA_JWT_SECRET_INFO, other_key, 32));
  const unsigned char *secrets[] = {random, other_label, other_key};
  for (size_t i = 0; i < 3; i++) {
    char *t = forge(&f, SIGN_HMAC, secrets[i], 32, NULL);
    CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
    free(t);
  }
  /* A secret one bit away. (Not its 31-byte prefix: HMAC pads a short key with zero bytes, so
   * that prefix is the same HMAC key whenever the secret's last byte is 0, 1 run in 256.) */
  unsigned char near[32];
  memcpy(near, mfa_secret, sizeof near);
  near[31] ^= 1;
  char *t = forge(&f, SIGN_HMAC, near, sizeof near, NULL);
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  free(t);
  jwt_key_free(other);
}

/* The real secret under another HMAC alg, or HS256 spelt otherwise: libjwt 1.10 would verify
 * each of these (see libjwt_1_10_lets_through_what_mfa_jwt_refuses). */
static void mfa_reject_another_alg_with_the_real_secret(void) {
  const char *algs[] = {"HS384", "HS512", "hs256", "Hs256", "HS256 "};
  for (size_t i = 0; i < sizeof algs / sizeof *algs; i++) {
    struct forged f = good_mfa();
    f.alg = algs[i];
    CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  }
  struct forged f = good_mfa();
  f.alg = NULL;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

/* Pins what libjwt 1.10 does on its own, with the real secret: it verifies with whatever HMAC
 * alg the token names, matches alg names without regard to case, takes a missing typ, and
 * decodes an alg "none" token without a key as valid. */
static void libjwt_1_10_lets_through_what_mfa_jwt_refuses(void) {
  jwt_t *jwt = NULL;
  struct forged f = good_mfa();
  f.alg = "HS384";
  char *t = forge(&f, SIGN_HMAC, mfa_secret, sizeof mfa_secret, NULL);
  CHECK(jwt_decode(&jwt, t, mfa_secret, sizeof mfa_secret) == 0 &&
        jwt_get_alg(jwt) == JWT_ALG_HS384);
  jwt_free(jwt);
  free(t);
  f = good_mfa();
  f.alg = "hs256";
  f.typ = NULL;
  t = forge(&f, SIGN_HMAC, mfa_secret, sizeof mfa_secret, NULL);
  CHECK(jwt_decode(&jwt, t, mfa_secret, sizeof mfa_secret) == 0 &&
        jwt_get_alg(jwt) == JWT_ALG_HS256);
  jwt_free(jwt);
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  free(t);
  f = good_mfa();
  f.alg = "none";
  t = forge(&f, SIGN_NONE, NULL, 0, NULL);
  CHECK(jwt_decode(&jwt, t, NULL, 0) == 0 && jwt_get_alg(jwt) == JWT_ALG_NONE);
  jwt_free(jwt);
  free(t);
  f = good_mfa(); /* and an HS256 token decoded without a key is "valid" too, as alg none */
  t = forge(&f, SIGN_HMAC, "not the secret", 14, NULL);
  CHECK(jwt_decode(&jwt, t, NULL, 0) == 0 && jwt_get_alg(jwt) == JWT_ALG_NONE);
  jwt_free(jwt);
  free(t);
}

static void mfa_reject_a_wrong_typ_or_header_member(void) {
  const char *typs[] = {"jwt", "at+jwt", "mfa+jwt", "JWS", NULL};
  for (size_t i = 0; i < sizeof typs / sizeof *typs; i++) {
    struct forged f = good_mfa();
    f.typ = typs[i];
    CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  }
  /* A header with a member more ("crit" must be understood, RFC 7515 §4.1.11), and one that
   * names alg twice (libjwt would keep the last). */
  char kid_json[128];
  snprintf(kid_json, sizeof kid_json, "\"kid\":\"%s\"", key->kid);
  const char *fmt[] = {"{\"alg\":\"HS256\",%s,\"typ\":\"JWT\",\"crit\":[\"exp\"]}",
                       "{\"alg\":\"none\",%s,\"typ\":\"JWT\",\"alg\":\"HS256\"}",
                       "{\"alg\":\"HS256\",%s,\"typ\":\"JWT\",\"jku\":\"https://evil.test\"}"};
  struct vg_claims issued;
  char *real = issue(VG_TOKEN_MFA, 0, &issued);
  for (size_t i = 0; i < sizeof fmt / sizeof *fmt; i++) {
    char header[512], token[8192];
    snprintf(header, sizeof header, fmt[i], kid_json);
    size_t len = 0;
    append_b64(token, &len, header, strlen(header));
    snprintf(token + len, sizeof token - len, "%s", strchr(real, '.'));
    unsigned char sig[1024];
    size_t sig_len = sign_input("HS256", SIGN_HMAC, mfa_secret, sizeof mfa_secret, NULL, token,
                                (size_t)(strrchr(token, '.') - token), sig);
    len = (size_t)(strrchr(token, '.') - token) + 1;
    append_b64(token, &len, sig, sig_len);
    CHECK(verify_str(token) == VG_ERR_INVALID_TOKEN);
  }
  free(real);
}

static void mfa_reject_a_wrong_kid(void) {
  char long_kid[100], err[256];
  memset(long_kid, 'k', sizeof long_kid - 1);
  long_kid[sizeof long_kid - 1] = '\0';
  const char *kids[] = {"some-other-key", "", long_kid, NULL};
  for (size_t i = 0; i < sizeof kids / sizeof *kids; i++) {
    struct forged f = good_mfa();
    f.kid = kids[i];
    CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  }
  /* A key not in the set, naming itself and signing with its own secret. */
  unsigned char secret[32];
  struct jwt_key *other = jwt_key_load(NULL, JWT_KEY_RS256, err, sizeof err);
  CHECK(other && jwt_key_derive_secret(other, MFA_JWT_SECRET_INFO, secret, sizeof secret));
  if (!other) return;
  struct forged f = good_mfa();
  f.kid = other->kid;
  char *t = forge(&f, SIGN_HMAC, secret, sizeof secret, NULL);
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  free(t);
  jwt_key_free(other);
}

static void mfa_reject_each_claim_missing_or_wrong(void) {
  char long_jti[VG_JTI_MAX + 1];
  memset(long_jti, 'j', sizeof long_jti - 1);
  long_jti[sizeof long_jti - 1] = '\0';
  struct forged f;
#define REFUSED_WITH(field, value)                    \
  do {                                                \
    f = good_mfa();                                   \
    f.field = value;                                  \
    CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN); \
  } while (0)
  REFUSED_WITH(iss, NULL);
  REFUSED_WITH(iss, "https://evil.test");
  REFUSED_WITH(aud, NULL);
  REFUSED_WITH(aud, "another-api");
  REFUSED_WITH(sub, NULL);
  REFUSED_WITH(sub, "");
  REFUSED_WITH(sub, "6500000000000000000000011"); /* longer than an ObjectId */
  REFUSED_WITH(jti, NULL);
  REFUSED_WITH(jti, "");
  REFUSED_WITH(jti, long_jti);
  REFUSED_WITH(aal, NULL);
  REFUSED_WITH(aal, "aal2");
  REFUSED_WITH(aal, "AAL1");
  REFUSED_WITH(iat, 0);
  REFUSED_WITH(iat, -5);
  REFUSED_WITH(exp, 0);
  REFUSED_WITH(exp, -5);
  REFUSED_WITH(extra, "{\"aud\":[\"" AUD "\"]}");
  REFUSED_WITH(extra, "{\"sub\":650000000000000000}");
#undef REFUSED_WITH
}

static void mfa_reject_amr_other_than_password_only(void) {
  const char *amrs[] = {"[\"pwd\",\"sms\"]", "[\"sms\"]",   "[]",   "\"pwd\"", "[\"PWD\"]",
                        "[\"pwd\",\"pwd\"]", "[[\"pwd\"]]", "null", NULL};
  for (size_t i = 0; i < sizeof amrs / sizeof *amrs; i++) {
    struct forged f = good_mfa();
    f.amr = amrs[i];
    CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  }
}

/* iat and exp are NumericDates: JSON integers, not strings or fractions. */
static void mfa_reject_times_that_are_not_integers(void) {
  char extra[128];
  struct {
    const char *fmt;
    long long value;
  } cases[] = {{"{\"iat\":\"%lld\"}", now},
               {"{\"iat\":%lld.0}", now},
               {"{\"exp\":\"%lld\"}", now + 300},
               {"{\"exp\":%lld.5}", now + 300},
               {"{\"exp\":true}", 0}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    struct forged f = good_mfa();
    snprintf(extra, sizeof extra, cases[i].fmt, cases[i].value);
    f.extra = extra;
    CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  }
}

static void mfa_reject_after_the_leeway(void) {
  struct vg_claims issued;
  char *t = issue(VG_TOKEN_MFA, 0, &issued);
  now = issued.exp + LEEWAY - 1;
  CHECK(verify_str(t) == VG_OK);
  now = issued.exp + LEEWAY;
  CHECK(verify_str(t) == VG_ERR_INVALID_TOKEN);
  now = T0;
  struct forged f = good_mfa();
  f.iat = now + LEEWAY; /* clock skew within the leeway is fine */
  CHECK(verify_forged(&f) == VG_OK);
  f.iat = now + LEEWAY + 1;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  free(t);
}

/* The signature of the token it belongs to, and nothing else, in the one shape libjwt writes. */
static void mfa_reject_a_tampered_or_misshapen_token(void) {
  struct vg_claims issued;
  char *t = issue(VG_TOKEN_MFA, 0, &issued), *u = issue(VG_TOKEN_MFA, 0, &issued);
  char buf[4096];
  const char *sig = strrchr(t, '.') + 1;
  size_t head = (size_t)(sig - t);
  /* another token's signature */
  snprintf(buf, sizeof buf, "%.*s%s", (int)head, t, strrchr(u, '.') + 1);
  CHECK(verify_str(buf) == VG_ERR_INVALID_TOKEN);
  /* a changed payload byte */
  snprintf(buf, sizeof buf, "%s", t);
  char *p = strchr(buf, '.') + 5;
  *p = *p == 'A' ? 'B' : 'A';
  CHECK(verify_str(buf) == VG_ERR_INVALID_TOKEN);
  /* the signature padded, cut short, lengthened, or followed by a fourth segment */
  const char *tails[] = {"=", "A", ".x"};
  for (size_t i = 0; i < sizeof tails / sizeof *tails; i++) {
    snprintf(buf, sizeof buf, "%s%s", t, tails[i]);
    CHECK(verify_str(buf) == VG_ERR_INVALID_TOKEN);
  }
  snprintf(buf, sizeof buf, "%.*s", (int)strlen(t) - 1, t);
  CHECK(verify_str(buf) == VG_ERR_INVALID_TOKEN);
  /* the signature in standard base64 ('+' and '/') */
  char *w = NULL;
  for (int i = 0; i < 100 && !(w && strpbrk(strrchr(w, '.'), "-_")); i++) {
    free(w);
    w = issue(VG_TOKEN_MFA, 0, &issued);
  }
  CHECK(verify_str(w) == VG_OK);
  for (char *c = strrchr(w, '.'); *c; c++) *c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
  CHECK(strpbrk(strrchr(w, '.'), "+/") && verify_str(w) == VG_ERR_INVALID_TOKEN);
  free(w);
  /* an empty payload (libjwt 1.10 would write a byte into a malloc(0) for it), and a payload
   * that is not base64url, each with a signature of the right length */
  snprintf(buf, sizeof buf, "%.*s.%s", (int)(strchr(t, '.') - t), t, sig);
  CHECK(verify_str(buf) == VG_ERR_INVALID_TOKEN);
  snprintf(buf, sizeof buf, "%.*s.e30!.%s", (int)(strchr(t, '.') - t), t, sig);
  CHECK(verify_str(buf) == VG_ERR_INVALID_TOKEN);
  free(t);
  free(u);
}

/* ---- reset tokens: the mfa_token's secret, another purpose ---- */

static struct forged good_reset(void) {
  struct forged f = good_mfa();
  f.sub = f.aal = f.amr = NULL;
  f.extra = "{\"purpose\":\"password_reset\"}";
  return f;
}

static void reset_token_verifies_as_one_and_names_nobody(void) {
  struct vg_claims issued, read;
  char *t = NULL;
  CHECK(ts.issue(ts.self, VG_TOKEN_RESET, NULL, 0, NULL, NULL, &t, &issued) == VG_OK);
  CHECK(t && ts.verify(ts.self, t, &read) == VG_OK && read.kind == VG_TOKEN_RESET);
  CHECK(read.sub[0] == '\0' && read.exp - read.iat == 300);
  CHECK_STR(read.jti, issued.jti);
  free(t);
  struct forged f = good_reset();
  CHECK(verify_forged(&f) == VG_OK);
}

static void reset_and_mfa_tokens_are_never_taken_for_each_other(void) {
  struct forged f = good_mfa();
  f.extra = "{\"purpose\":\"password_reset\"}"; /* an mfa_token's claims and a purpose */
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_mfa();
  f.extra = "{\"purpose\":null}";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_reset();
  f.aal = "aal1";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_reset();
  f.sub = SUB;
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_reset();
  f.amr = "[\"pwd\"]";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_reset();
  f.extra = "{\"purpose\":\"login\"}";
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
  f = good_reset();
  f.extra = NULL; /* neither kind: no purpose, and no sub or aal */
  CHECK(verify_forged(&f) == VG_ERR_INVALID_TOKEN);
}

int main(void) {
  if (!forge_setup()) return check_done();
  RUN(mfa_secret_is_hkdf_sha256_of_the_keys_d);
  RUN(mfa_secret_differs_per_key_and_label);
  RUN(mfa_accept_a_control_token_built_here);
  RUN(mfa_reject_alg_none);
  RUN(mfa_reject_rs256_signed_by_the_real_key);
  RUN(mfa_reject_hs256_keyed_with_the_public_pem);
  RUN(mfa_reject_a_wrong_secret);
  RUN(mfa_reject_another_alg_with_the_real_secret);
  RUN(libjwt_1_10_lets_through_what_mfa_jwt_refuses);
  RUN(mfa_reject_a_wrong_typ_or_header_member);
  RUN(mfa_reject_a_wrong_kid);
  RUN(mfa_reject_each_claim_missing_or_wrong);
  RUN(mfa_reject_amr_other_than_password_only);
  RUN(mfa_reject_times_that_are_not_integers);
  RUN(mfa_reject_after_the_leeway);
  RUN(mfa_reject_a_tampered_or_misshapen_token);
  RUN(reset_token_verifies_as_one_and_names_nobody);
  RUN(reset_and_mfa_tokens_are_never_taken_for_each_other);
  jwt_tokens_destroy(tokens);
  return check_done();
}
