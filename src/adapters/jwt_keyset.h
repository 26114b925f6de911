/* jwt_keyset.h: every key verigate verifies with, and which of them signs. Keys come from
 * JWT_KEYS_DIR (each *.pem in it), from JWT_PRIVATE_KEY_FILE (one key), or are generated (one
 * ephemeral key). In a directory the newest file (by mtime in seconds; the same second: the
 * later name) signs, except that a file whose mtime lies in the future only signs from that moment
 * on: it can be published on every instance before any of them signs with it. */
#ifndef VG_JWT_KEYSET_H
#define VG_JWT_KEYSET_H

#include <stddef.h>
#include <stdint.h>

#include "adapters/jwt_keys.h"

struct jwt_keyset;

/* Loads the keys of dir when it is set, else the one of file when it is set, else generates one.
 * Every key must fit alg. NULL with a message naming JWT_KEYS_DIR or JWT_PRIVATE_KEY_FILE (and
 * the file) in err on failure. A key found twice in dir counts once. */
struct jwt_keyset *jwt_keyset_load(const char *dir, const char *file, enum jwt_key_alg alg,
                                   char *err, size_t errlen);
void jwt_keyset_free(struct jwt_keyset *s);

/* The number of keys, and key i of them, newest first. */
size_t jwt_keyset_count(const struct jwt_keyset *s);
const struct jwt_key *jwt_keyset_key(const struct jwt_keyset *s, size_t i);
/* Seconds since the Unix epoch from which key i signs (its file's mtime; 0 for one key). */
int64_t jwt_keyset_since(const struct jwt_keyset *s, size_t i);

/* The key that signs at time now: the newest whose time has come, or the oldest when none has. */
const struct jwt_key *jwt_keyset_signer(const struct jwt_keyset *s, int64_t now);
/* The key named kid, or NULL. */
const struct jwt_key *jwt_keyset_find(const struct jwt_keyset *s, const char *kid);
/* {"keys":[...]}: the public JWK of every key, newest first (malloc()ed), or NULL. */
char *jwt_keyset_jwks(const struct jwt_keyset *s);

/* One 256-bit secret per key of s for one purpose (jwt_key_derive_secret with info), found by
 * the key's kid: what the mfa_token and the refresh sealer key themselves with, so that each
 * follows every rotation. Kept in memory only and wiped when freed; s is borrowed and must
 * outlive the result. NULL on failure. */
#define JWT_SECRET_BYTES 32
struct jwt_secrets;
struct jwt_secrets *jwt_secrets_derive(const struct jwt_keyset *s, const char *info);
/* The secret derived from the key named kid, or NULL when kid (or NULL) names no key. */
const unsigned char *jwt_secrets_find(const struct jwt_secrets *d, const char *kid);
void jwt_secrets_free(struct jwt_secrets *d);

#endif
