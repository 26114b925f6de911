/* login.c: the password step. On success an SMS code is on its way, the pending login is in the
 * store and the caller holds an mfa_token whose jti names it. */
#include "core/auth_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The password step, behind the guessing limits. The account key is the address as typed
 * (normalised when it can be), so unknown and known addresses are limited alike. */
static vg_result check_password(struct auth *a, const char *email, const char *password,
                                const char *ip, struct vg_user *user, int *retry_after) {
  char account[VG_EMAIL_MAX];
  bool plausible = vg_email_normalize(email, account, sizeof account);
  if (!plausible) snprintf(account, sizeof account, "%.*s", VG_EMAIL_MAX - 1, email);
  /* Shed a flood first: a login refused here costs no Redis or MongoDB round trip. */
  vg_result r = a->hasher.admit(a->hasher.self);
  if (r != VG_OK) return r;
  bool had_fails = false;
  r = limits_login_gate(a, account, ip, retry_after, &had_fails);
  if (r != VG_OK) return r;

  vg_result found =
      plausible ? a->users.find_by_email(a->users.self, account, user) : VG_ERR_NOT_FOUND;
  if (found != VG_OK && found != VG_ERR_NOT_FOUND) return found;
  /* Always one Argon2id verify, so response time does not tell whether the email exists. */
  const char *hash = found == VG_OK ? user->password_hash : a->dummy_hash;
  vg_result match = a->hasher.verify(a->hasher.self, hash, password);
  if (match != VG_OK && match != VG_ERR_INVALID_CREDENTIALS) return match;
  if (found != VG_OK || match != VG_OK) {
    limits_login_failed(a, account, ip);
    return VG_ERR_INVALID_CREDENTIALS;
  }
  if (had_fails) limits_login_succeeded(a, account); /* no Redis round trip when there is none */
  return VG_OK;
}

vg_result auth_login(struct auth *a, const char *email, const char *password, const char *client_ip,
                     struct vg_field_errors *errs, struct login_output *out) {
  memset(out, 0, sizeof *out);
  auth_require_field(errs, "email", email, NULL);
  auth_require_field(errs, "password", password, NULL);
  if (errs->count > 0) return VG_ERR_VALIDATION;

  struct vg_user user;
  vg_result r = check_password(a, email, password, client_ip, &user, &out->retry_after);
  if (r != VG_OK) return r;
  if (!limits_country_allowed(a, user.phone)) return VG_ERR_INVALID_PHONE;
  r = limits_take_sms(a, user.phone, client_ip, &out->retry_after);
  if (r != VG_OK) return r;

  /* From here on, every failure gives the SMS quota back before answering: the client got no
   * login, so the SMS (if one went out) is none it can use. */
  struct vg_claims claims;
  char *token = NULL;
  r = a->tokens.issue(a->tokens.self, VG_TOKEN_MFA, user.id, 0, NULL, &token, &claims);
  if (r != VG_OK) goto fail;

  int64_t now = a->clock.now(a->clock.self);
  struct vg_pending pending = {
      .sends = 1, .last_send_at = now, .attempts = 0, .phone_verified = user.phone_verified};
  memcpy(pending.user_id, user.id, sizeof pending.user_id);
  memcpy(pending.phone, user.phone, sizeof pending.phone);

  /* Send first, store second: a failed send must leave no pending login behind. */
  r = a->otp.start(a->otp.self, user.phone, pending.verification_sid, &out->retry_after);
  if (r != VG_OK) goto fail;
  int ttl = (int)(claims.exp - now);
  r = a->pending.create(a->pending.self, claims.jti, &pending, ttl > 0 ? ttl : 1);
  if (r != VG_OK) {
    /* The write may have happened with only its answer lost: no login may outlive a failure. */
    a->pending.remove(a->pending.self, claims.jti);
    goto fail;
  }

  out->mfa_token = token;
  out->expires_in = ttl;
  vg_phone_mask(user.phone, out->to);
  memcpy(out->user_id, user.id, sizeof out->user_id);
  return VG_OK;

fail:
  limits_untake_sms(a, user.phone, client_ip);
  free(token);
  return r;
}
