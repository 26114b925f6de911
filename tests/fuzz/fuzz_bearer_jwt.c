/* fuzz_bearer_jwt.c: libFuzzer target for a token on its way in: http_bearer_token on an
 * Authorization header value, the token through the real jwt_tokens verify, and jws_verify
 * directly. The keys are made once in LLVMFuzzerInitialize: a set of two RS256 keys, as after a
 * rotation (the one jwt_tokens verifies with), the ES256 keys jwt_tokens derives from them for
 * mfa_tokens, and a set of one ES256 key that verigate does not know. The clock stands still at
 * FUZZ_NOW.
 *
 * Two kinds of input:
 * - an Authorization header value ("Bearer eyJ..."): everything up to the first NUL;
 * - "{header JSON}\n{payload JSON}" (the input starts with '{'): both are signed here with every
 *   key (a missing "alg" or "kid" is filled in with the key's) and each token is sent as
 *   "Bearer <token>". This is how the fuzzer reaches the claim checks at all, since a mutated
 *   token never carries a valid signature; the checked-in seed tokens cannot verify either,
 *   because the keys are new on every run. Signed with the key its "kid" names and that key's
 *   alg, a token must verify back to the same header and payload, and jwt_tokens may accept it
 *   only as the kind of token its key signs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/pem.h>
#include <ulfius.h>

#include "adapters/jws.h"
#include "adapters/jwt_keys.h"
#include "adapters/jwt_keyset.h"
#include "adapters/jwt_tokens.h"
#include "http/call.h"
#include "fuzz_require.h"

#define FUZZ_NOW 1700000000 /* the seeds' iat; their exp is a few minutes later */
#define FUZZ_LEEWAY 5

static struct jwt_keyset *rs_keys;  /* owned by tokens */
static struct jwt_keyset *mfa_keys; /* derived from rs_keys, as jwt_tokens does */
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
  mfa_keys = jwt_keyset_derive(rs_keys, MFA_KEY_PURPOSE, err, sizeof err);
  if (!mfa_keys) die("jwt_keyset_derive", err);
  es_keys = jwt_keyset_load(NULL, NULL, JWT_KEY_ES256, err, sizeof err);
  if (!es_keys) die("jwt_keyset_load", err);
  struct jwt_tokens_config cfg = {"verigate", "verigate", 300, 900, FUZZ_LEEWAY};
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

/* The Authorization header value through bearer parsing and every verifier. */
static void check_authorization(const char *value) {
  verify_jws(rs_keys, value);
  verify_jws(mfa_keys, value);
  verify_jws(es_keys, value);

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
  }
  ulfius_clean_request(&req);
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
      FUZZ_REQUIRE(claims.kind == (keys == mfa_keys ? VG_TOKEN_MFA : VG_TOKEN_ACCESS));
    }
    size_t n = strlen("Bearer ") + strlen(token) + 1;
    char *value = malloc(n);
    if (value) {
      snprintf(value, n, "Bearer %s", token);
      check_authorization(value);
    }
    free(value);
  }
  free(token);
  json_decref(header);
}

static void check_claims_input(const uint8_t *data, size_t size) {
  const uint8_t *newline = memchr(data, '\n', size);
  if (!newline) return;
  json_t *header = json_loadb((const char *)data, (size_t)(newline - data), 0, NULL);
  json_t *payload =
      json_loadb((const char *)newline + 1, size - (size_t)(newline + 1 - data), 0, NULL);
  if (json_is_object(header) && json_is_object(payload)) {
    const struct jwt_keyset *sets[] = {rs_keys, mfa_keys, es_keys};
    for (size_t s = 0; s < 3; s++)
      for (size_t i = 0; i < jwt_keyset_count(sets[s]); i++)
        sign_and_check(sets[s], jwt_keyset_key(sets[s], i), header, payload);
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
