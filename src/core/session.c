/* session.c: what follows the second factor. A session (one refresh-token family) starts at
 * /verify; /token/refresh spends its refresh token for the next one, and a spent token presented
 * again revokes the session; /logout ends it, or every session of the user. Access tokens name
 * their session in "sid", so ending a session also ends the access tokens it issued. */
#include "core/auth_internal.h"

#include <string.h>

/* Revocations outlive the tokens they revoke by this much: a verifier accepts a token a few
 * seconds past its exp (clock skew), and must still see it revoked then. */
#define REVOCATION_MARGIN 60

int auth_revocation_keep(const struct auth *a) {
  return a->rules.access_ttl + REVOCATION_MARGIN;
}

static const char *check_scope(const char *value) {
  return strcmp(value, "session") == 0 || strcmp(value, "global") == 0
             ? NULL
             : "must be \"session\" or \"global\"";
}

vg_result auth_require_access(struct auth *a, const char *token, struct vg_claims *claims) {
  vg_result r = auth_require_token(a, token, VG_TOKEN_ACCESS, claims);
  if (r != VG_OK) return r;
  bool revoked = false;
  r = a->sessions.is_revoked(a->sessions.self, claims->jti, claims->sid, &revoked);
  if (r != VG_OK) return r;
  return revoked ? VG_ERR_INVALID_TOKEN : VG_OK;
}

/* An access token of session s: sid and auth_time come from the session. */
static vg_result issue_access(struct auth *a, const struct vg_session *s, char **token,
                              int *expires_in) {
  struct vg_claims issued;
  vg_result r = a->tokens.issue(a->tokens.self, VG_TOKEN_ACCESS, s->user_id, s->auth_time, s->id,
                                s->amr, token, &issued);
  if (r != VG_OK) return r;
  *expires_in = (int)(issued.exp - a->clock.now(a->clock.self));
  return VG_OK;
}

vg_result auth_end_other_sessions(struct auth *a, const char *user_id, const char *except_sid) {
  vg_result r = a->sessions.bar_user(a->sessions.self, user_id, a->clock.now(a->clock.self));
  return r == VG_OK ? a->sessions.revoke_user(a->sessions.self, user_id, except_sid,
                                              auth_revocation_keep(a))
                    : r;
}

vg_result auth_start_session(struct auth *a, const char *jti, const char *lock_owner,
                             const char *user_id, int64_t login_at, const char *amr,
                             const struct vg_session_client *client, struct verify_output *out) {
  struct vg_session s;
  int64_t now = a->clock.now(a->clock.self);
  vg_result r =
      a->sessions.start(a->sessions.self, jti, lock_owner, user_id, login_at, now, amr, client,
                        a->rules.refresh_ttl, auth_revocation_keep(a), &s, out->refresh_token);
  if (r != VG_OK) return r;
  r = issue_access(a, &s, &out->access_token, &out->expires_in);
  if (r != VG_OK) {
    /* The refresh token was never handed out: nobody may hold a session without a token. */
    a->sessions.revoke_session(a->sessions.self, s.id, auth_revocation_keep(a));
    memset(out->refresh_token, 0, sizeof out->refresh_token);
    return r;
  }
  out->refresh_expires_in = a->rules.refresh_ttl;
  return VG_OK;
}

/* A session lives no longer than its user: services that verify access tokens offline would
 * otherwise accept the tokens a refresh keeps minting for a deleted user. The user is known only
 * once the rotation has named it (the refresh token is opaque, and spending it is one atomic
 * step), so a deleted user's session is revoked after its rotation, successor included. */
static vg_result require_user(struct auth *a, const struct vg_session *s,
                              struct refresh_output *out) {
  struct vg_user user;
  vg_result r = a->users.find_by_id(a->users.self, s->user_id, &user);
  if (r != VG_ERR_NOT_FOUND) return r;
  out->user_gone = true;
  r = a->sessions.revoke_session(a->sessions.self, s->id, auth_revocation_keep(a));
  return r == VG_OK ? VG_ERR_INVALID_TOKEN : r;
}

vg_result auth_refresh(struct auth *a, const char *refresh_token, struct vg_field_errors *errs,
                       struct refresh_output *out) {
  memset(out, 0, sizeof *out);
  auth_require_field(errs, "refresh_token", refresh_token, NULL);
  if (errs->count > 0) return VG_ERR_VALIDATION;

  struct vg_session s;
  memset(&s, 0, sizeof s);
  vg_result r = a->sessions.rotate(a->sessions.self, refresh_token, a->rules.refresh_ttl,
                                   auth_revocation_keep(a), a->rules.refresh_reuse_grace, &s,
                                   out->refresh_token, &out->reused, &out->retried);
  memcpy(out->user_id, s.user_id, sizeof out->user_id);
  if (r != VG_OK) return r == VG_ERR_NOT_FOUND ? VG_ERR_INVALID_TOKEN : r;
  r = require_user(a, &s, out);
  if (r == VG_OK) r = issue_access(a, &s, &out->access_token, &out->expires_in);
  if (r != VG_OK) {
    memset(out->refresh_token, 0, sizeof out->refresh_token);
    return r;
  }
  out->refresh_expires_in = a->rules.refresh_ttl;
  return VG_OK;
}

vg_result auth_logout(struct auth *a, const char *access_token, const char *scope,
                      struct vg_field_errors *errs, struct logout_output *out) {
  memset(out, 0, sizeof *out);
  struct vg_claims claims;
  vg_result r = auth_require_access(a, access_token, &claims);
  if (r != VG_OK) return r;
  memcpy(out->user_id, claims.sub, sizeof out->user_id);
  if (scope) auth_require_field(errs, "scope", scope, check_scope);
  if (errs->count > 0) return VG_ERR_VALIDATION;

  out->global = scope && strcmp(scope, "global") == 0;
  int keep = auth_revocation_keep(a);
  r = out->global ? a->sessions.revoke_user(a->sessions.self, claims.sub, NULL, keep)
                  : a->sessions.revoke_session(a->sessions.self, claims.sid, keep);
  if (r != VG_OK) return r;
  /* The session's revocation already refuses this token; the deny-list says so of the token
   * itself, whatever becomes of its session. */
  return auth_deny_token(a, &claims);
}

vg_result auth_deny_token(struct auth *a, const struct vg_claims *claims) {
  int64_t left = claims->exp - a->clock.now(a->clock.self);
  return a->sessions.deny(a->sessions.self, claims->jti,
                          (int)(left > 0 ? left : 0) + REVOCATION_MARGIN);
}
