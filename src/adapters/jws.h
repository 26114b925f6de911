/* jws.h: compact JWS (RFC 7515) with RS256 or ES256 on an already-parsed OpenSSL key. */
#ifndef VG_JWS_H
#define VG_JWS_H

#include <jansson.h>

#include "adapters/jwt_keys.h"
#include "adapters/jwt_keyset.h"

#define JWS_MAX 4096 /* longest token accepted or produced, in bytes */

/* The JWS "alg" name of key ("RS256" or "ES256"). */
const char *jws_alg_name(const struct jwt_key *key);

/* Signs header and payload (serialised compactly) with key: a malloc'd token, or NULL. */
char *jws_sign(const struct jwt_key *key, json_t *header, json_t *payload);

/* Verifies token with the key of keys that the header's "kid" names (none named, or an unknown
 * one: refused). The header's "alg" must be exactly that key's algorithm (checked before the
 * signature, so "none", HS256 and every other algorithm are refused whatever they carry). On
 * success returns 1 with *header and *payload set (the caller decrefs both); else 0. */
int jws_verify(const struct jwt_keyset *keys, const char *token, json_t **header, json_t **payload);

#endif
