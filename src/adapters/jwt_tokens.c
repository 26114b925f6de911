/* jwt_tokens.c: the claims of verigate's three tokens, issued and checked, and which code signs
 * and verifies each (jwt_tokens.h): access tokens through jws.c (OpenSSL, the key set's keys),
 * mfa_tokens and reset tokens through mfa_jwt.c (libjwt, HS256 secrets derived from those keys).
 * The signature, the alg and the kid are theirs to check; every claim is checked here: iss, aud,
 * jti, iat, exp, aal and sub (none in a reset token), of an mfa_token amr, of a reset token
 * purpose, and of an access token typ, auth_time, sid and client_id. */
#include "adapters/jwt_tokens.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "adapters/jws.h"
#include "adapters/mfa_jwt.h"

struct jwt_tokens {
  struct jwt_tokens_config cfg;
  char *issuer, *audience, *client_id;
  struct jwt_keyset *keys; /* access tokens; mfa's secrets are derived from them */
  struct mfa_jwt *mfa;     /* mfa_tokens */
  struct clock_port clock;
  char *jwks; /* {"keys":[...]} */
};

static const char TYP_ACCESS[] = "at+jwt";

static int new_jti(char out[VG_JTI_MAX]) {
  unsigned char raw[16]; /* 128 random bits */
  return RAND_bytes(raw, sizeof raw) == 1 && jwt_base64url(raw, sizeof raw, out, VG_JTI_MAX) > 0;
}

/* The claim that makes a reset token one: an mfa_token has none, and check_claims requires it of a
 * reset token and its absence of an mfa_token, so neither is ever taken for the other. */
#define PURPOSE_RESET "password_reset"

/* The second amr values an access token may carry: RFC 8176's sms and otp, verigate's recovery. */
static int amr_is_second_factor(const char *v) {
  return v && (strcmp(v, "sms") == 0 || strcmp(v, "otp") == 0 || strcmp(v, "recovery") == 0);
}

static json_t *claims_json(const struct jwt_tokens *t, const struct vg_claims *c) {
  if (c->kind == VG_TOKEN_RESET)
    return json_pack("{s:s, s:s, s:s, s:I, s:I, s:s}", "iss", t->issuer, "aud", t->audience, "jti",
                     c->jti, "iat", (json_int_t)c->iat, "exp", (json_int_t)c->exp, "purpose",
                     PURPOSE_RESET);
  int mfa = c->kind == VG_TOKEN_MFA;
  json_t *claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:o}", "iss", t->issuer, "aud",
                             t->audience, "sub", c->sub, "jti", c->jti, "iat", (json_int_t)c->iat,
                             "exp", (json_int_t)c->exp, "aal", mfa ? "aal1" : "aal2", "amr",
                             mfa ? json_pack("[s]", "pwd") : json_pack("[s,s]", "pwd", c->amr));
  if (claims && !mfa) {
    json_object_set_new(claims, "client_id", json_string(t->client_id));
    json_object_set_new(claims, "auth_time", json_integer(c->auth_time));
    json_object_set_new(claims, "sid", json_string(c->sid));
  }
  return claims;
}

static vg_result tokens_issue(void *self, enum vg_token_kind kind, const char *sub,
                              int64_t auth_time, const char *sid, const char *amr, char **token,
                              struct vg_claims *claims) {
  struct jwt_tokens *t = self;
  *token = NULL;
  memset(claims, 0, sizeof *claims);
  claims->kind = kind;
  if (kind != VG_TOKEN_RESET) snprintf(claims->sub, sizeof claims->sub, "%s", sub ? sub : "");
  claims->iat = t->clock.now(t->clock.self);
  claims->exp = claims->iat + (kind == VG_TOKEN_ACCESS ? t->cfg.access_ttl : t->cfg.mfa_ttl);
  claims->auth_time = auth_time;
  if (kind == VG_TOKEN_ACCESS) {
    /* An access token always names its session. */
    if (!sid || !*sid || strlen(sid) >= sizeof claims->sid) return VG_ERR_INTERNAL;
    memcpy(claims->sid, sid, strlen(sid) + 1);
    if (!amr) amr = "sms";
    if (!amr_is_second_factor(amr)) return VG_ERR_INTERNAL;
    memcpy(claims->amr, amr, strlen(amr) + 1);
  }
  if (!new_jti(claims->jti)) return VG_ERR_INTERNAL;

  const struct jwt_key *key = jwt_keyset_signer(t->keys, claims->iat);
  json_t *payload = claims_json(t, claims);
  if (payload && kind != VG_TOKEN_ACCESS) {
    *token = mfa_jwt_sign(t->mfa, key, payload);
  } else if (payload) {
    json_t *header =
        json_pack("{s:s, s:s, s:s}", "alg", jws_alg_name(key), "typ", TYP_ACCESS, "kid", key->kid);
    if (header) *token = jws_sign(key, header, payload);
    json_decref(header);
  }
  json_decref(payload);
  return *token ? VG_OK : VG_ERR_INTERNAL;
}

static int string_is(json_t *obj, const char *name, const char *expected) {
  const char *value = json_string_value(json_object_get(obj, name));
  return value && strcmp(value, expected) == 0;
}

/* Copies string member name into out when it is present, non-empty and fits. */
static int copy_string(json_t *obj, const char *name, char *out, size_t size) {
  const char *value = json_string_value(json_object_get(obj, name));
  size_t len = value ? strlen(value) : 0;
  if (len == 0 || len >= size) return 0;
  memcpy(out, value, len + 1);
  return 1;
}

/* A positive integer member, or 0. */
static int64_t seconds(json_t *obj, const char *name) {
  json_t *value = json_object_get(obj, name);
  return json_is_integer(value) && json_integer_value(value) > 0 ? json_integer_value(value) : 0;
}

/* Whether amr is exactly ["pwd"]: the password step and nothing else. */
static int amr_is_password_only(json_t *payload) {
  json_t *amr = json_object_get(payload, "amr");
  const char *first = json_string_value(json_array_get(amr, 0));
  return json_array_size(amr) == 1 && first && strcmp(first, "pwd") == 0;
}

/* The claims of a token whose signature verified as one of kind. */
static vg_result check_claims(const struct jwt_tokens *t, enum vg_token_kind kind, json_t *payload,
                              struct vg_claims *c) {
  c->kind = kind;
  bool reset = kind == VG_TOKEN_RESET;
  if (!string_is(payload, "iss", t->issuer) || !string_is(payload, "aud", t->audience) ||
      !copy_string(payload, "jti", c->jti, sizeof c->jti))
    return VG_ERR_INVALID_TOKEN;
  if (reset ? !string_is(payload, "purpose", PURPOSE_RESET) || json_object_get(payload, "sub") ||
                  json_object_get(payload, "aal") || json_object_get(payload, "amr")
            : json_object_get(payload, "purpose") != NULL ||
                  !string_is(payload, "aal", kind == VG_TOKEN_MFA ? "aal1" : "aal2") ||
                  !copy_string(payload, "sub", c->sub, sizeof c->sub))
    return VG_ERR_INVALID_TOKEN;

  c->iat = seconds(payload, "iat");
  c->exp = seconds(payload, "exp");
  int64_t now = t->clock.now(t->clock.self);
  if (!c->iat || !c->exp || c->iat > now + t->cfg.leeway || c->exp <= now - t->cfg.leeway)
    return VG_ERR_INVALID_TOKEN;
  if (reset) return VG_OK;
  if (kind == VG_TOKEN_MFA) return amr_is_password_only(payload) ? VG_OK : VG_ERR_INVALID_TOKEN;

  /* client_id may be missing: access tokens issued before it was added verify until exp. */
  json_t *client_id = json_object_get(payload, "client_id");
  if ((client_id && !json_is_string(client_id)) ||
      !(c->auth_time = seconds(payload, "auth_time")) ||
      !copy_string(payload, "sid", c->sid, sizeof c->sid))
    return VG_ERR_INVALID_TOKEN;
  /* amr: ["pwd", the second factor]. */
  json_t *amr = json_object_get(payload, "amr");
  const char *first = json_string_value(json_array_get(amr, 0));
  const char *second = json_string_value(json_array_get(amr, 1));
  if (json_array_size(amr) != 2 || !first || strcmp(first, "pwd") != 0 ||
      !amr_is_second_factor(second))
    return VG_ERR_INVALID_TOKEN;
  memcpy(c->amr, second, strlen(second) + 1);
  return VG_OK;
}

/* jws.c first: it is what /dashboard needs, fast, and refuses an HS256 token (an mfa_token) at its
 * header, before any signature work; only what it refuses is offered to mfa_jwt.c, which refuses
 * anything but HS256 at the header too. */
static vg_result tokens_verify(void *self, const char *token, struct vg_claims *claims) {
  struct jwt_tokens *t = self;
  memset(claims, 0, sizeof *claims);
  json_t *header = NULL, *payload = NULL;
  vg_result r = VG_ERR_INVALID_TOKEN;
  if (!token) return r;
  if (jws_verify(t->keys, token, &header, &payload)) {
    if (string_is(header, "typ", TYP_ACCESS)) r = check_claims(t, VG_TOKEN_ACCESS, payload, claims);
  } else if (mfa_jwt_verify(t->mfa, token, &payload)) {
    /* One secret signs both HS256 kinds: the purpose claim says which, and each kind's check
     * refuses the other's claims. */
    bool reset = json_object_get(payload, "purpose") != NULL;
    r = check_claims(t, reset ? VG_TOKEN_RESET : VG_TOKEN_MFA, payload, claims);
  }
  json_decref(header);
  json_decref(payload);
  return r;
}

static const char *tokens_jwks(void *self) {
  return ((struct jwt_tokens *)self)->jwks;
}

struct jwt_tokens *jwt_tokens_create(const struct jwt_tokens_config *cfg, struct jwt_keyset *keys,
                                     struct clock_port clock) {
  struct jwt_tokens *t = calloc(1, sizeof *t);
  if (!t) {
    jwt_keyset_free(keys);
    return NULL;
  }
  t->cfg = *cfg;
  t->keys = keys;
  t->clock = clock;
  t->issuer = strdup(cfg->issuer);
  t->audience = strdup(cfg->audience);
  t->client_id = strdup(cfg->client_id ? cfg->client_id : cfg->audience);
  t->jwks = jwt_keyset_jwks(keys);
  t->mfa = mfa_jwt_create(keys);
  if (t->issuer && t->audience && t->client_id && t->jwks && t->mfa) return t;
  jwt_tokens_destroy(t);
  return NULL;
}

void jwt_tokens_destroy(struct jwt_tokens *t) {
  if (!t) return;
  mfa_jwt_free(t->mfa); /* before the keys it borrows */
  jwt_keyset_free(t->keys);
  free(t->issuer);
  free(t->audience);
  free(t->client_id);
  free(t->jwks);
  free(t);
}

struct token_service jwt_tokens_port(struct jwt_tokens *t) {
  return (struct token_service){
      .self = t, .issue = tokens_issue, .verify = tokens_verify, .jwks = tokens_jwks};
}
