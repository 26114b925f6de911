/* bench_jwt.c: see bench_jwt.h. */
#include "bench_jwt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/system_clock.h"

static const char *env_or(const char *name, const char *fallback) {
  const char *v = getenv(name);
  return v && *v ? v : fallback;
}

struct jwt_tokens *bench_jwt_open(const char *key_file) {
  char err[256] = "";
  int es256 = strcmp(env_or("JWT_ALG", "RS256"), "ES256") == 0;
  struct jwt_keyset *keys =
      jwt_keyset_load(NULL, key_file, es256 ? JWT_KEY_ES256 : JWT_KEY_RS256, err, sizeof err);
  if (!keys) {
    fprintf(stderr, "%s\n", err);
    return NULL;
  }
  /* The same settings verigate reads (src/config.c), so its checks accept these tokens. */
  struct jwt_tokens_config cfg = {
      .issuer = env_or("JWT_ISSUER", "verigate"),
      .audience = env_or("JWT_AUDIENCE", "verigate"),
      .mfa_ttl = atoi(env_or("MFA_TOKEN_TTL", "300")),
      .access_ttl = atoi(env_or("ACCESS_TOKEN_TTL", "900")),
      .leeway = 5,
  };
  struct jwt_tokens *t = jwt_tokens_create(&cfg, keys, system_clock_port());
  if (!t) fprintf(stderr, "out of memory building the token service\n");
  return t;
}
