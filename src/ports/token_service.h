/* token_service.h: issues and verifies signed tokens (JWT in production) and publishes the keys. */
#ifndef VG_PORT_TOKEN_SERVICE_H
#define VG_PORT_TOKEN_SERVICE_H

#include <stdint.h>

#include "core/result.h"
#include "ports/pending_store.h"

enum vg_token_kind {
  VG_TOKEN_MFA,    /* typ mfa+jwt, aal1, amr [pwd]: only for /resend and /verify */
  VG_TOKEN_ACCESS, /* typ at+jwt, aal2, amr [pwd, sms] */
};

struct vg_claims {
  enum vg_token_kind kind;
  char sub[VG_ID_MAX];
  char jti[VG_JTI_MAX];
  int64_t iat;
  int64_t exp;
  int64_t auth_time; /* access tokens: when the second factor was passed */
};

struct token_service {
  void *self;
  /* Signs a new token of kind for sub; fills claims (jti, iat, exp) and *token (free() it). */
  vg_result (*issue)(void *self, enum vg_token_kind kind, const char *sub, int64_t auth_time,
                     char **token, struct vg_claims *claims);
  /* VG_OK and claims when token is authentic, unexpired and one of the two kinds with every
   * claim in place; VG_ERR_INVALID_TOKEN otherwise. Which kind is acceptable is core's call. */
  vg_result (*verify)(void *self, const char *token, struct vg_claims *claims);
  /* The public keys as a JWKS document (owned by the service). */
  const char *(*jwks)(void *self);
};

#endif
