/* test_rsa_sizes.c: RS256 with the RSA keys operators use, 2048 to 8192 bits: each loads, is
 * published with its whole modulus, and signs access tokens that verify (and mfa_tokens, whose
 * secret is derived from its private exponent). The 4096- and 8192-bit keys are test-only
 * fixtures in tests/unit/keys/ (generating an 8192-bit key takes 10-20 s here). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "adapters/jwt_keyset.h"
#include "adapters/jwt_tokens.h"
#include "check.h"

static int64_t now_s = 1700000000;
static int64_t clock_now(void *self) {
  (void)self;
  return now_s;
}

/* Loads VG_TEST_KEYS/name, issues an access token and an mfa_token and verifies both; checks
 * the published n has bits/8 bytes (base64url without padding). */
static void round_trip(const char *name, int bits) {
  char path[512], err[256] = "";
  snprintf(path, sizeof path, "%s/%s", VG_TEST_KEYS, name);
  struct jwt_keyset *keys = jwt_keyset_load(NULL, path, JWT_KEY_RS256, err, sizeof err);
  CHECK(keys != NULL);
  if (!keys) {
    fprintf(stderr, "  %s: %s\n", name, err);
    return;
  }
  struct jwt_tokens_config cfg = {
      .issuer = "verigate", .audience = "verigate", .mfa_ttl = 300, .access_ttl = 900, .leeway = 5};
  struct jwt_tokens *t = jwt_tokens_create(&cfg, keys, (struct clock_port){.now = clock_now});
  CHECK(t != NULL);
  if (!t) return;
  struct token_service port = jwt_tokens_port(t);
  json_t *jwks = json_loads(port.jwks(port.self), 0, NULL);
  const char *n = json_string_value(json_object_get(json_array_get(json_object_get(jwks, "keys"), 0), "n"));
  CHECK(n && strlen(n) == (size_t)(bits / 8 * 4 + 2) / 3);
  json_decref(jwks);

  char *token = NULL;
  struct vg_claims issued, checked;
  CHECK(port.issue(port.self, VG_TOKEN_ACCESS, "user-1", now_s, "session-1", NULL, &token, &issued) == VG_OK);
  CHECK(token && port.verify(port.self, token, &checked) == VG_OK && checked.kind == VG_TOKEN_ACCESS);
  CHECK(strcmp(checked.sub, "user-1") == 0);
  free(token);
  token = NULL;
  CHECK(port.issue(port.self, VG_TOKEN_MFA, "user-1", 0, NULL, NULL, &token, &issued) == VG_OK);
  CHECK(token && port.verify(port.self, token, &checked) == VG_OK && checked.kind == VG_TOKEN_MFA);
  free(token);
  jwt_tokens_destroy(t);
}

static void rsa_4096_keys_sign_and_publish(void) {
  round_trip("test-only-rsa4096.pem", 4096);
}

static void rsa_8192_keys_sign_and_publish(void) {
  round_trip("test-only-rsa8192.pem", 8192);
}

static void rsa_keys_below_2048_bits_are_refused(void) {
  EVP_PKEY *small = EVP_RSA_gen(1024);
  char path[] = "/tmp/vg-test-rsa1024-XXXXXX";
  int fd = mkstemp(path);
  FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
  CHECK(small && f && PEM_write_PrivateKey(f, small, NULL, NULL, 0, NULL, NULL) == 1);
  if (f) fclose(f);
  char err[256] = "";
  CHECK(jwt_keyset_load(NULL, path, JWT_KEY_RS256, err, sizeof err) == NULL);
  CHECK(strstr(err, "2048 to 8192 bits") != NULL);
  unlink(path);
  EVP_PKEY_free(small);
}

int main(void) {
  RUN(rsa_4096_keys_sign_and_publish);
  RUN(rsa_8192_keys_sign_and_publish);
  RUN(rsa_keys_below_2048_bits_are_refused);
  return check_done();
}
