/* mfa_jwt.c: mfa_tokens with libjwt 1.10 and HS256; see mfa_jwt.h for the token and for why the
 * header is checked here before libjwt sees the token. */
#include "adapters/mfa_jwt.h"

#include <stdlib.h>
#include <string.h>

#include <jwt.h>
#include <sodium.h>

#define HS256_SIG_CHARS 43 /* base64url of a 32-byte HMAC-SHA256, without padding */

struct mfa_jwt {
  struct jwt_secrets *secrets;
};

_Static_assert(MFA_JWT_SECRET_BYTES == JWT_SECRET_BYTES, "an HS256 secret is a key set secret");

struct mfa_jwt *mfa_jwt_create(const struct jwt_keyset *keys) {
  struct mfa_jwt *m = calloc(1, sizeof *m);
  if (m && (m->secrets = jwt_secrets_derive(keys, MFA_JWT_SECRET_INFO))) return m;
  free(m);
  return NULL;
}

void mfa_jwt_free(struct mfa_jwt *m) {
  if (!m) return;
  jwt_secrets_free(m->secrets);
  free(m);
}

const unsigned char *mfa_jwt_secret(const struct mfa_jwt *m, const char *kid) {
  return jwt_secrets_find(m->secrets, kid);
}

char *mfa_jwt_sign(const struct mfa_jwt *m, const struct jwt_key *signer, json_t *claims) {
  const unsigned char *secret = mfa_jwt_secret(m, signer->kid);
  char *text = secret ? json_dumps(claims, JSON_COMPACT) : NULL;
  jwt_t *jwt = NULL;
  char *token = NULL;
  /* libjwt adds alg and typ itself (jwt_write_head), so kid is the one header member to give. */
  if (text && jwt_new(&jwt) == 0 && jwt_add_grants_json(jwt, text) == 0 &&
      jwt_add_header(jwt, "kid", signer->kid) == 0 &&
      jwt_set_alg(jwt, JWT_ALG_HS256, secret, MFA_JWT_SECRET_BYTES) == 0)
    token = jwt_encode_str(jwt);
  jwt_free(jwt); /* also wipes libjwt's copy of the secret */
  free(text);
  if (token && strlen(token) >= MFA_JWT_MAX) { /* one that mfa_jwt_verify would refuse */
    free(token);
    token = NULL;
  }
  return token;
}

/* Whether in[0..len) is strict base64url without padding (what libjwt writes) of at least one
 * byte; the decoded bytes go to out when it is not NULL. Returns the decoded length, or 0. */
static size_t b64url_bytes(const char *in, size_t len, unsigned char *out, size_t out_size) {
  unsigned char scratch[MFA_JWT_MAX];
  size_t decoded = 0;
  const char *end = NULL;
  if (!out) {
    out = scratch;
    out_size = sizeof scratch;
  }
  if (len == 0 ||
      sodium_base642bin(out, out_size, in, len, NULL, &decoded, &end,
                        sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      end != in + len)
    return 0;
  return decoded;
}

/* The secret of a header that is exactly {"alg":"HS256","kid":<known>,"typ":"JWT"} (in any
 * order), else NULL. libjwt 1.10 would take "none" (when given no key), any other alg it knows,
 * "hs256" (strcasecmp), typ "jwt" or no typ, and duplicate members (the last one wins). */
static const unsigned char *header_secret(const struct mfa_jwt *m, const char *in, size_t len,
                                          char kid[64]) {
  unsigned char text[MFA_JWT_MAX];
  size_t n = b64url_bytes(in, len, text, sizeof text);
  json_t *h = n ? json_loadb((const char *)text, n, JSON_REJECT_DUPLICATES, NULL) : NULL;
  const char *alg = json_string_value(json_object_get(h, "alg"));
  const char *typ = json_string_value(json_object_get(h, "typ"));
  const char *named = json_string_value(json_object_get(h, "kid"));
  const unsigned char *secret = NULL;
  if (json_object_size(h) == 3 && alg && strcmp(alg, "HS256") == 0 && typ &&
      strcmp(typ, "JWT") == 0 && named && strlen(named) < 64 && (secret = mfa_jwt_secret(m, named)))
    memcpy(kid, named, strlen(named) + 1);
  json_decref(h);
  return secret;
}

int mfa_jwt_verify(const struct mfa_jwt *m, const char *token, json_t **claims) {
  *claims = NULL;
  size_t len = strnlen(token, MFA_JWT_MAX);
  const char *dot1 = memchr(token, '.', len);
  const char *dot2 = dot1 ? memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token)) : NULL;
  if (len >= MFA_JWT_MAX || !dot1 || !dot2 || len - (size_t)(dot2 + 1 - token) != HS256_SIG_CHARS)
    return 0;
  /* libjwt parses header and payload before it checks the MAC, with a base64 decoder that
   * accepts anything: it gets only a token of the shape it writes itself. */
  char kid[64];
  const unsigned char *secret = header_secret(m, token, (size_t)(dot1 - token), kid);
  unsigned char sig[MFA_JWT_SECRET_BYTES];
  if (!secret || !b64url_bytes(dot1 + 1, (size_t)(dot2 - dot1 - 1), NULL, 0) ||
      b64url_bytes(dot2 + 1, HS256_SIG_CHARS, sig, sizeof sig) != sizeof sig)
    return 0;

  jwt_t *jwt = NULL;
  char *text = NULL;
  /* jwt_decode verifies with the alg the token names: the alg is checked again here, after it. */
  if (jwt_decode(&jwt, token, secret, MFA_JWT_SECRET_BYTES) == 0 &&
      jwt_get_alg(jwt) == JWT_ALG_HS256) {
    const char *decoded_kid = jwt_get_header(jwt, "kid");
    if (decoded_kid && strcmp(decoded_kid, kid) == 0) text = jwt_get_grants_json(jwt, NULL);
  }
  jwt_free(jwt);
  json_t *value = text ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
  free(text);
  if (json_is_object(value)) {
    *claims = value;
    return 1;
  }
  json_decref(value);
  return 0;
}
