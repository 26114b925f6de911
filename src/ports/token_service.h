/* token_service.h: issues and verifies signed tokens (JWT in production) and publishes the keys. */
#ifndef VG_PORT_TOKEN_SERVICE_H
#define VG_PORT_TOKEN_SERVICE_H

#include <stdint.h>

#include "core/result.h"
#include "ports/pending_store.h"

enum vg_token_kind {
  VG_TOKEN_MFA,    /* HS256, typ JWT, aal1, amr [pwd]: only for /resend and /verify */
  VG_TOKEN_ACCESS, /* typ at+jwt, aal2, amr [pwd, sms] */
  VG_TOKEN_RESET,  /* HS256 like an mfa_token, purpose password_reset, no sub, aal or amr: only
                    * for /password/reset, whose pending reset its jti names */
};

#define VG_SESSION_ID_MAX 48 /* a session (refresh-token family) id, NUL included */
#define VG_AMR_MAX 12        /* an access token's second amr value: "sms", "otp", "recovery" */

struct vg_claims {
  enum vg_token_kind kind;
  char sub[VG_ID_MAX];
  char jti[VG_JTI_MAX];
  int64_t iat;
  int64_t exp;
  int64_t auth_time;           /* access tokens: when the second factor was passed */
  char sid[VG_SESSION_ID_MAX]; /* access tokens: the session they belong to */
  char amr[VG_AMR_MAX];        /* access tokens: the second factor, after "pwd" */
};

struct token_service {
  void *self;
  /* Signs a new token of kind for sub; fills claims (jti, iat, exp) and *token (free() it).
   * auth_time, sid and amr (the second factor: "sms", "otp" or "recovery"; NULL is "sms") are
   * claims of access tokens only (an mfa_token passes 0 and NULLs). A reset token names no
   * subject (sub NULL): it is handed to whoever asks, account or not. */
  vg_result (*issue)(void *self, enum vg_token_kind kind, const char *sub, int64_t auth_time,
                     const char *sid, const char *amr, char **token, struct vg_claims *claims);
  /* VG_OK and claims when token is authentic, unexpired and one of the three kinds with every
   * claim in place; VG_ERR_INVALID_TOKEN otherwise. Which kind is acceptable is core's call. */
  vg_result (*verify)(void *self, const char *token, struct vg_claims *claims);
  /* The public keys as a JWKS document (owned by the service). */
  const char *(*jwks)(void *self);
};

#endif
