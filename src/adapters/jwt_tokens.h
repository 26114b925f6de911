/* jwt_tokens.h: the token_service port: RFC 9068 access tokens (typ at+jwt) signed with the
 * signing key of a key set and verified with any key of it (RS256 or ES256, jws.c), and
 * mfa_tokens (typ mfa+jwt) signed and verified the same way with ES256 keys derived from those
 * (jwt_key_derive with MFA_KEY_PURPOSE), which the JWKS does not publish. */
#ifndef VG_JWT_TOKENS_H
#define VG_JWT_TOKENS_H

#include <stddef.h>

#include "adapters/jwt_keyset.h"
#include "ports/clock.h"
#include "ports/token_service.h"

/* The purpose the mfa_token keys are derived for: part of the derivation, so changing it changes
 * every mfa_token key (the tests derive the same key independently). */
#define MFA_KEY_PURPOSE "verigate mfa_token signing key"

struct jwt_tokens_config {
  const char *issuer;
  const char *audience;
  int mfa_ttl;    /* seconds */
  int access_ttl; /* seconds */
  int leeway;     /* seconds of clock skew allowed on exp and iat */
};

/* Takes ownership of keys. Returns NULL on allocation failure. */
struct jwt_tokens *jwt_tokens_create(const struct jwt_tokens_config *cfg, struct jwt_keyset *keys,
                                     struct clock_port clock);
void jwt_tokens_destroy(struct jwt_tokens *t);
struct token_service jwt_tokens_port(struct jwt_tokens *t);

#endif
