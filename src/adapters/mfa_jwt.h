/* mfa_jwt.h: the pre-2FA mfa_token, made and read with libjwt 1.10 (Debian 12's libjwt-dev):
 * HS256 with a 256-bit secret that every instance derives from each signing key of the key set
 * (jwt_secrets_derive with MFA_JWT_SECRET_INFO), kept in memory for the life of the process,
 * wiped on free, and published nowhere.
 *
 * The token: JOSE header {"alg":"HS256","kid":<kid>,"typ":"JWT"} (libjwt 1.10 writes typ JWT
 * whatever it is given), where kid is the RFC 7638 thumbprint of the signing key the secret came
 * from, so that after a rotation under JWT_KEYS_DIR verification picks the right secret; claims
 * as jwt_tokens.c builds them (iss, aud, sub, iat, exp, jti, aal aal1, amr ["pwd"]).
 *
 * How it stays apart from an access token (jwt_tokens.h): another key (an HMAC secret that no
 * JWKS holds, against the RS256/ES256 key the JWKS publishes; the kid names that key only so that
 * the right secret is picked, and its JWK does not verify an mfa_token), another alg (HS256,
 * which jws.c never accepts; anything but HS256 is refused here), another typ (JWT, not at+jwt,
 * so every RFC 9068 validator refuses it) and aal1 instead of aal2.
 *
 * libjwt 1.10 verifies with whatever alg the token names (none included), parses the token
 * before it checks the MAC, and checks no claim: mfa_jwt_verify therefore checks the token's
 * shape and header itself before jwt_decode and the alg again after it; the claims are the
 * caller's to check. */
#ifndef VG_MFA_JWT_H
#define VG_MFA_JWT_H

#include <stddef.h>

#include <jansson.h>

#include "adapters/jwt_keyset.h"

#define MFA_JWT_SECRET_BYTES 32 /* HS256 secret: 256 bits (RFC 7518 §3.2) */
/* The HKDF info the secrets are derived with: changing it changes every secret (the tests derive
 * the same secret independently). */
#define MFA_JWT_SECRET_INFO "verigate mfa_token HS256 secret v1"
#define MFA_JWT_MAX 2048 /* longest mfa_token accepted or made, in bytes; one is ~350 */

struct mfa_jwt;

/* Derives the secret of every key of keys, which is borrowed and must outlive the result.
 * NULL on failure. */
struct mfa_jwt *mfa_jwt_create(const struct jwt_keyset *keys);
/* Wipes the secrets and frees m. */
void mfa_jwt_free(struct mfa_jwt *m);

/* The secret (MFA_JWT_SECRET_BYTES) derived from the key named kid, or NULL when kid names no key
 * of the set. */
const unsigned char *mfa_jwt_secret(const struct mfa_jwt *m, const char *kid);

/* An mfa_token of claims (serialised as they are) signed with the secret of signer, a key of the
 * set: malloc()ed, or NULL. */
char *mfa_jwt_sign(const struct mfa_jwt *m, const struct jwt_key *signer, json_t *claims);

/* 1 with *claims set (the caller decrefs it) when token is a compact JWS with exactly the header
 * members alg "HS256", typ "JWT" and a kid that names a key of the set, and carries the HS256 MAC
 * of that key's secret; else 0 with *claims NULL. No claim is checked here. */
int mfa_jwt_verify(const struct mfa_jwt *m, const char *token, json_t **claims);

#endif
