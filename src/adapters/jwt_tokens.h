/* jwt_tokens.h: the token_service port over verigate's two JWTs, each made and read its own way:
 *
 * - access tokens (RFC 9068): JOSE header alg RS256 or ES256, kid (the RFC 7638 thumbprint of
 *   the key), typ at+jwt; claims iss, aud, sub, client_id, iat, exp, jti, sid, auth_time,
 *   aal aal2, amr ["pwd","sms"]. Signed with the signing key of the key set and verified with any
 *   key of it (the kid picks it) through OpenSSL (jws.c), which pins the alg to the key; the JWKS
 *   publishes those keys, so any RFC 9068 validator can check them.
 * - mfa_tokens (the password step only): alg HS256, typ JWT, kid; claims iss, aud, sub, iat, exp,
 *   jti, aal aal1, amr ["pwd"]. Made and read with libjwt 1.10 (mfa_jwt.h) with a secret
 *   derived from the signing key, which no JWKS holds.
 *
 * The two never pass for one another: another key (an HMAC secret that is never published,
 * against the RS256/ES256 key of the JWKS), another alg (jws.c refuses HS256 before it looks at
 * a signature; mfa_jwt.c refuses every alg but HS256), another typ (at+jwt against JWT) and aal2
 * against aal1, all required on verification. So an RFC 9068 validator refuses an mfa_token at
 * its typ, and at its alg: the mfa_token's kid names the signing key its secret came from, but
 * that key's JWK is RS256 or ES256 and does not verify it.
 *
 * The claims are checked here for both (libjwt checks none): iss, aud, sub, jti, iat and exp
 * (integers, with the leeway), aal; of an mfa_token amr is exactly ["pwd"]; of an access token
 * auth_time and sid are required and client_id, when present, must be a string. */
#ifndef VG_JWT_TOKENS_H
#define VG_JWT_TOKENS_H

#include <stddef.h>

#include "adapters/jwt_keyset.h"
#include "ports/clock.h"
#include "ports/token_service.h"

struct jwt_tokens_config {
  const char *issuer;
  const char *audience;
  int mfa_ttl;    /* seconds */
  int access_ttl; /* seconds */
  int leeway;     /* seconds of clock skew allowed on exp and iat */
  /* The access tokens' client_id claim (RFC 9068 §2.2); NULL: the audience. Verification only
   * requires it to be a string when present, so tokens issued without it verify until exp. */
  const char *client_id;
};

/* Takes ownership of keys. Returns NULL on allocation failure. */
struct jwt_tokens *jwt_tokens_create(const struct jwt_tokens_config *cfg, struct jwt_keyset *keys,
                                     struct clock_port clock);
void jwt_tokens_destroy(struct jwt_tokens *t);
struct token_service jwt_tokens_port(struct jwt_tokens *t);

#endif
