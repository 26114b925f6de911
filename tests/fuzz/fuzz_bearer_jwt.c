/* fuzz_bearer_jwt.c: libFuzzer target for a token on its way in: http_bearer_token on an
 * Authorization header value, the token through the real jwt_tokens verify, and jws_verify and
 * mfa_jwt_verify (libjwt 1.10) directly. The keys are made once in LLVMFuzzerInitialize: a set of
 * two RS256 keys, as after a rotation (the one jwt_tokens verifies with), the mfa_token HS256
 * secrets derived from them (as jwt_tokens derives them), and a set of one ES256 key that
 * verigate does not know. The clock stands still at FUZZ_NOW.
 *
 * Two kinds of input:
 * - an Authorization header value ("Bearer eyJ..."): everything up to the first NUL;
 * - "{header JSON}\n{payload JSON}" (the input starts with '{'): both are signed here with every
 *   key (a missing "alg" or "kid" is filled in with the key's), HMAC-signed with every mfa_token
 *   secret (a missing "alg", "kid" or "typ" filled in as libjwt writes them), and the payload is
 *   made into an mfa_token by mfa_jwt_sign with every secret; each token is sent as
 *   "Bearer <token>". This is how the fuzzer reaches the claim checks at all, since a mutated
 *   token never carries a valid signature; the checked-in seed tokens cannot verify either,
 *   because the keys are new on every run. Signed with the key its "kid" names and that key's
 *   alg, a token must verify back to the same header and payload; an mfa_token verifies back to
 *   its payload and only with the header libjwt writes; and jwt_tokens may accept a token only as
 *   the kind its key or secret makes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <ulfius.h>

#include "adapters/jws.h"
#include "adapters/jwt_keys.h"
#include "adapters/jwt_keyset.h"
#include "adapters/jwt_tokens.h"
#include "adapters/mfa_jwt.h"
#include "http/call.h"
#include "fuzz_require.h"

#define FUZZ_NOW 1700000000 /* the seeds' iat; their exp is a few minutes later */
#define FUZZ_LEEWAY 5

static struct jwt_keyset *rs_keys; /* owned by tokens */
static struct mfa_jwt *mfa;        /* the secrets of rs_keys, as jwt_tokens derives them */
static struct jwt_keyset *es_keys;
static struct jwt_tokens *tokens;
static struct token_service ts;
static int64_t fuzz_now = FUZZ_NOW;

static int64_t clock_now(void *self) {
  return *(int64_t *)self;
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_bearer_jwt: %s: %s\n", what, detail);
  exit(1);
}

/* Writes a new key of alg as dir/name in PEM. */
static void write_key(const char *dir, const char *name, enum jwt_key_alg alg) {
  char err[256] = "", path[512];
  struct jwt_key *key = jwt_key_load(NULL, alg, err, sizeof err);
  if (!key) die("jwt_key_load", err);
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f || !PEM_write_PrivateKey(f, key->pkey, NULL, NULL, 0, NULL, NULL)) die("write", path);
  fclose(f);
  jwt_key_free(key);
}

/* Two RS256 keys through JWT_KEYS_DIR's loader, from a directory that lives only meanwhile. */
static struct jwt_keyset *rotated_rs_keys(void) {
  char dir[] = "/tmp/vg-fuzz-keys-XXXXXX", err[256] = "", path[512];
  if (!mkdtemp(dir)) die("mkdtemp", dir);
  static const char *const names[] = {"a.pem", "b.pem"};
  for (size_t i = 0; i < 2; i++) write_key(dir, names[i], JWT_KEY_RS256);
  struct jwt_keyset *keys = jwt_keyset_load(dir, NULL, JWT_KEY_RS256, err, sizeof err);
  for (size_t i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    unlink(path);
  }
  rmdir(dir);
  if (!keys || jwt_keyset_count(keys) != 2) die("jwt_keyset_load", err);
  return keys;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  char err[256] = "";
  rs_keys = rotated_rs_keys();
  mfa = mfa_jwt_create(rs_keys);
  if (!mfa) die("mfa_jwt_create", "failed");
  es_keys = jwt_keyset_load(NULL, NULL, JWT_KEY_ES256, err, sizeof err);
  if (!es_keys) die("jwt_keyset_load", err);
  struct jwt_tokens_config cfg = {.issuer = "verigate",
                                  .audience = "verigate",
                                  .mfa_ttl = 300,
                                  .access_ttl = 900,
                                  .leeway = FUZZ_LEEWAY};
  tokens =
      jwt_tokens_create(&cfg, rs_keys, (struct clock_port){.self = &fuzz_now, .now = clock_now});
  if (!tokens) die("jwt_tokens_create", "failed");
  ts = jwt_tokens_port(tokens);
  return 0;
}

/* A token that verifies holds every claim in place and in time. */
static void check_claims(const struct vg_claims *c) {
  FUZZ_REQUIRE(c->kind == VG_TOKEN_MFA || c->kind == VG_TOKEN_ACCESS);
  FUZZ_REQUIRE(c->sub[0] && c->jti[0]);
  FUZZ_REQUIRE(c->iat > 0 && c->iat <= FUZZ_NOW + FUZZ_LEEWAY);
  FUZZ_REQUIRE(c->exp > FUZZ_NOW - FUZZ_LEEWAY);
  FUZZ_REQUIRE(c->kind == VG_TOKEN_MFA || (c->auth_time > 0 && c->sid[0]));
}

static void verify_jws(const struct jwt_keyset *keys, const char *token) {
  json_t *header, *payload;
  if (jws_verify(keys, token, &header, &payload)) {
    FUZZ_REQUIRE(json_is_object(header) && json_is_object(payload));
    json_decref(header);
    json_decref(payload);
  } else {
    FUZZ_REQUIRE(!header && !payload);
  }
}

static void verify_mfa(const char *token) {
  json_t *claims;
  if (mfa_jwt_verify(mfa, token, &claims)) {
    FUZZ_REQUIRE(json_is_object(claims));
    json_decref(claims);
  } else {
    FUZZ_REQUIRE(!claims);
  }
}

/* The Authorization header value through bearer parsing and every verifier. */
static void check_authorization(const char *value) {
  verify_jws(rs_keys, value);
  verify_jws(es_keys, value);
  verify_mfa(value);

  struct _u_request req;
  if (ulfius_init_request(&req) != U_OK) return;
  u_map_put(req.map_header, "Authorization", value);
  const char *token = http_bearer_token(&req);
  if (token) {
    FUZZ_REQUIRE(*token && !strchr(token, ' '));
    struct vg_claims claims;
    if (ts.verify(ts.self, token, &claims) == VG_OK) check_claims(&claims);
    verify_jws(rs_keys, token);
    verify_jws(es_keys, token);
    verify_mfa(token);
  }
  ulfius_clean_request(&req);
}

static void send_as_bearer(const char *token) {
  size_t n = strlen("Bearer ") + strlen(token) + 1;
  char *value = malloc(n);
  if (value) {
    snprintf(value, n, "Bearer %s", token);
    check_authorization(value);
  }
  free(value);
}

static int string_member_is(json_t *obj, const char *name, const char *expected) {
  const char *value = json_string_value(json_object_get(obj, name));
  return value && strcmp(value, expected) == 0;
}

/* Signs header and payload with key of keys (missing alg and kid filled in), sends the token
 * through check_authorization and requires the round trip when kid and alg are the key's own. */
static void sign_and_check(const struct jwt_keyset *keys, const struct jwt_key *key,
                           json_t *header_in, json_t *payload) {
  json_t *header = json_deep_copy(header_in);
  if (!header) return;
  if (!json_object_get(header, "alg"))
    json_object_set_new(header, "alg", json_string(jws_alg_name(key)));
  if (!json_object_get(header, "kid")) json_object_set_new(header, "kid", json_string(key->kid));
  char *token = jws_sign(key, header, payload);
  if (token) {
    FUZZ_REQUIRE(strlen(token) < JWS_MAX);
    const char *alg = json_string_value(json_object_get(header, "alg"));
    const char *kid = json_string_value(json_object_get(header, "kid"));
    json_t *h, *p;
    int ok = jws_verify(keys, token, &h, &p);
    if (alg && strcmp(alg, jws_alg_name(key)) == 0 && kid && strcmp(kid, key->kid) == 0) {
      FUZZ_REQUIRE(ok);
      FUZZ_REQUIRE(json_equal(h, header) && json_equal(p, payload));
    }
    if (ok) {
      json_decref(h);
      json_decref(p);
    }
    struct vg_claims claims;
    if (ts.verify(ts.self, token, &claims) == VG_OK) {
      FUZZ_REQUIRE(keys != es_keys);
      FUZZ_REQUIRE(claims.kind == VG_TOKEN_ACCESS); /* a key's signature: never an mfa_token */
    }
    send_as_bearer(token);
  }
  free(token);
  json_decref(header);
}

/* header_in and payload as an HS256 token with key's mfa_token secret (missing alg, kid and typ
 * filled in as libjwt writes them): mfa_jwt_verify takes it only with exactly that header. */
static void hmac_sign_and_check(const struct jwt_key *key, json_t *header_in, json_t *payload) {
  json_t *header = json_deep_copy(header_in);
  if (!header) return;
  if (!json_object_get(header, "alg")) json_object_set_new(header, "alg", json_string("HS256"));
  if (!json_object_get(header, "kid")) json_object_set_new(header, "kid", json_string(key->kid));
  if (!json_object_get(header, "typ")) json_object_set_new(header, "typ", json_string("JWT"));
  char *hs = json_dumps(header, JSON_COMPACT), *ps = json_dumps(payload, JSON_COMPACT);
  size_t cap = hs && ps ? 2 * (strlen(hs) + strlen(ps)) + 64 : 0, len = 0;
  char *token = cap ? malloc(cap) : NULL;
  if (token) {
    len += jwt_base64url((const unsigned char *)hs, strlen(hs), token, cap);
    token[len++] = '.';
    len += jwt_base64url((const unsigned char *)ps, strlen(ps), token + len, cap - len);
    unsigned char mac[32];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), mfa_jwt_secret(mfa, key->kid), MFA_JWT_SECRET_BYTES,
         (const unsigned char *)token, len, mac, &mac_len);
    token[len++] = '.';
    jwt_base64url(mac, mac_len, token + len, cap - len);

    json_t *claims;
    if (mfa_jwt_verify(mfa, token, &claims)) {
      FUZZ_REQUIRE(json_object_size(header) == 3 && string_member_is(header, "alg", "HS256") &&
                   string_member_is(header, "typ", "JWT") &&
                   string_member_is(header, "kid", key->kid));
      FUZZ_REQUIRE(json_equal(claims, payload));
      json_decref(claims);
    }
    struct vg_claims c;
    if (ts.verify(ts.self, token, &c) == VG_OK) FUZZ_REQUIRE(c.kind == VG_TOKEN_MFA);
    send_as_bearer(token);
  }
  free(token);
  free(hs);
  free(ps);
  json_decref(header);
}

/* payload as libjwt makes an mfa_token of it: it verifies back to the same claims, with the
 * header libjwt writes and the signer's kid. */
static void mfa_sign_and_check(const struct jwt_key *key, json_t *payload) {
  char *token = mfa_jwt_sign(mfa, key, payload);
  if (!token) return;
  json_t *claims;
  FUZZ_REQUIRE(mfa_jwt_verify(mfa, token, &claims));
  FUZZ_REQUIRE(json_equal(claims, payload));
  json_decref(claims);
  struct vg_claims c;
  if (ts.verify(ts.self, token, &c) == VG_OK) FUZZ_REQUIRE(c.kind == VG_TOKEN_MFA);
  send_as_bearer(token);
  free(token);
}

static void check_claims_input(const uint8_t *data, size_t size) {
  const uint8_t *newline = memchr(data, '\n', size);
  if (!newline) return;
  json_t *header = json_loadb((const char *)data, (size_t)(newline - data), 0, NULL);
  json_t *payload =
      json_loadb((const char *)newline + 1, size - (size_t)(newline + 1 - data), 0, NULL);
  if (json_is_object(header) && json_is_object(payload)) {
    const struct jwt_keyset *sets[] = {rs_keys, es_keys};
    for (size_t s = 0; s < 2; s++)
      for (size_t i = 0; i < jwt_keyset_count(sets[s]); i++)
        sign_and_check(sets[s], jwt_keyset_key(sets[s], i), header, payload);
    for (size_t i = 0; i < jwt_keyset_count(rs_keys); i++) {
      hmac_sign_and_check(jwt_keyset_key(rs_keys, i), header, payload);
      mfa_sign_and_check(jwt_keyset_key(rs_keys, i), payload);
    }
  }
  json_decref(header);
  json_decref(payload);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 0 && data[0] == '{') {
    check_claims_input(data, size);
    return 0;
  }
  char *value = strndup((const char *)data, size);
  if (!value) return 0;
  check_authorization(value);
  free(value);
  return 0;
}
