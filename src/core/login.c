/* login.c: the password step. On success a code is on its way (SMS, call or WhatsApp), the pending
 * login is in the store and the caller holds an mfa_token whose jti names it. */
#include "core/auth_internal.h"
#include "core/phone_change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Says whose login it was for the audit log: the user's id, or the tag of an unknown address. */
static void name_account(struct auth *a, const char *account, const struct vg_user *user,
                         bool found, struct login_output *out) {
  if (found)
    memcpy(out->user_id, user->id, sizeof out->user_id);
  else
    a->limiter.tag(a->limiter.self, account, out->account);
}

/* The password step, behind the guessing limits. The account key is the address as typed
 * (normalised when it can be), so unknown and known addresses are limited alike; it is written
 * into the caller's account, which must outlive *res: the reservation names its counters by it.
 * On VG_OK *res holds the failure reserved for this login, which the caller gives back. */
static vg_result check_password(struct auth *a, const char *email, const char *password,
                                const char *ip, char account[VG_EMAIL_MAX], struct vg_user *user,
                                struct vg_reservation *res, struct login_output *out) {
  bool plausible = vg_email_normalize(email, account, VG_EMAIL_MAX);
  if (!plausible) snprintf(account, VG_EMAIL_MAX, "%.*s", VG_EMAIL_MAX - 1, email);
  /* Shed a flood first: a login refused here costs no Redis or MongoDB round trip. */
  vg_result r = a->hasher.admit(a->hasher.self);
  if (r != VG_OK) return r;
  r = limits_login_reserve(a, account, ip, res, &out->retry_after);
  if (r == VG_ERR_RATE_LIMITED) {
    /* Whose lock it is costs one read by the indexed address; a failing store only leaves the
     * user unnamed in the log. */
    bool found = plausible && a->users.find_by_email(a->users.self, account, user) == VG_OK;
    name_account(a, account, user, found, out);
  }
  if (r != VG_OK) return r;

  vg_result found =
      plausible ? a->users.find_by_email(a->users.self, account, user) : VG_ERR_NOT_FOUND;
  if (found != VG_OK && found != VG_ERR_NOT_FOUND) {
    limits_login_give_back(a, res, false); /* an outage must not lock anyone out */
    return found;
  }
  /* Always one Argon2id verify, so response time does not tell whether the email exists. */
  const char *hash = found == VG_OK ? user->password_hash : a->dummy_hash;
  vg_result match = a->hasher.verify(a->hasher.self, hash, password);
  if (match != VG_OK && match != VG_ERR_INVALID_CREDENTIALS) {
    limits_login_give_back(a, res, false); /* not checked (a full queue): not a failure */
    return match;
  }
  if (found != VG_OK || match != VG_OK) {
    name_account(a, account, user, found == VG_OK, out);
    return VG_ERR_INVALID_CREDENTIALS; /* the reserved failure stays counted */
  }
  return VG_OK;
}

/* A login that names no channel gets sms, or the first channel allowed when sms is not. */
struct vg_delivery auth_default_delivery(const struct auth *a) {
  struct vg_delivery d = {.channel = VG_CHANNEL_SMS};
  for (int c = 0; c < VG_CHANNEL_COUNT; c++)
    if (a->rules.allowed_channels & VG_CHANNEL_BIT(c)) {
      d.channel = (enum vg_channel)c;
      break;
    }
  return d;
}

/* The factor a login asks for: sms unless it names totp, which the server must offer. */
static enum vg_factor login_factor(const struct auth *a, const struct delivery_input *delivery,
                                   struct vg_field_errors *errs) {
  const char *name = delivery ? delivery->factor : NULL;
  if (!name || strcmp(name, "sms") == 0) return VG_FACTOR_SMS;
  if (strcmp(name, "totp") != 0)
    vg_field_errors_add(errs, "factor", "must be \"sms\" or \"totp\"");
  else if (!a->factors.enabled)
    vg_field_errors_add(errs, "factor", "TOTP is not available on this server");
  return VG_FACTOR_TOTP;
}

/* The rest of a login that asked for TOTP: no SMS is sent or counted, and the pending login
 * records none (sends 0), so /verify expects a TOTP or recovery code; a /resend may still send
 * the first SMS, counted as any. A user with no TOTP is told so: the password was right. */
static vg_result login_totp(struct auth *a, const struct vg_user *user,
                            struct vg_reservation *reserved, struct vg_delivery how,
                            struct login_output *out) {
  limits_login_give_back(a, reserved, true);
  if (!user->totp) return VG_ERR_FACTOR_NOT_ENROLLED;
  struct vg_claims claims;
  char *token = NULL;
  vg_result r =
      a->tokens.issue(a->tokens.self, VG_TOKEN_MFA, user->id, 0, NULL, NULL, &token, &claims);
  if (r != VG_OK) return r;
  int64_t now = a->clock.now(a->clock.self);
  struct vg_pending pending = {.phone_verified = user->phone_verified, .delivery = how};
  memcpy(pending.user_id, user->id, sizeof pending.user_id);
  memcpy(pending.phone, user->phone, sizeof pending.phone);
  memcpy(pending.totp_box, user->totp_box, sizeof pending.totp_box);
  int ttl = (int)(claims.exp - now);
  r = a->pending.create(a->pending.self, claims.jti, &pending, ttl > 0 ? ttl : 1);
  if (r != VG_OK) {
    a->pending.remove(a->pending.self, claims.jti);
    free(token);
    return r;
  }
  out->mfa_token = token;
  out->expires_in = ttl;
  out->channel = how.channel;
  vg_phone_mask(user->phone, out->to);
  return VG_OK;
}

vg_result auth_login(struct auth *a, const char *email, const char *password, const char *client_ip,
                     const struct delivery_input *delivery, struct vg_field_errors *errs,
                     struct login_output *out) {
  memset(out, 0, sizeof *out);
  auth_require_field(errs, "email", email, NULL);
  auth_require_field(errs, "password", password, NULL);
  const struct delivery_input none = {0};
  const struct vg_delivery fallback = auth_default_delivery(a);
  struct vg_delivery how;
  vg_delivery_resolve(delivery ? delivery : &none, &fallback, a->rules.allowed_channels, errs,
                      &how);
  out->factor = login_factor(a, delivery, errs);
  if (errs->count > 0) return VG_ERR_VALIDATION;

  struct vg_user user;
  struct vg_reservation reserved = {0};
  char account[VG_EMAIL_MAX]; /* named by reserved until it is given back */
  vg_result r = check_password(a, email, password, client_ip, account, &user, &reserved, out);
  if (r != VG_OK) return r;
  memcpy(out->user_id, user.id, sizeof out->user_id);
  out->factors = factors_available(a, &user);
  if (out->factor == VG_FACTOR_TOTP) return login_totp(a, &user, &reserved, how, out);
  /* No code to a number another account verified: its owner never asked for it. */
  r = auth_phone_login_check(a, &user, &out->mfa_token, &out->expires_in);
  if (r != VG_OK) {
    limits_login_give_back(a, &reserved, true);
    return r;
  }
  if (!limits_country_allowed(a, user.phone)) {
    limits_login_give_back(a, &reserved, true);
    return VG_ERR_INVALID_PHONE;
  }
  /* The reservation goes back in the take's own round trip, whatever the take answers. A take
   * that failed on the store gave nothing back (reserved.taken): once more, so that a right
   * password is not left counted as a failure, nor the lock it may have set. */
  r = limits_take_sms(a, user.phone, client_ip, &reserved, &out->retry_after);
  if (r != VG_OK) {
    limits_login_give_back(a, &reserved, true);
    return r;
  }

  /* From here on, every failure gives the SMS quota back before answering: the client got no
   * login, so the SMS (if one went out) is none it can use. */
  struct vg_claims claims;
  char *token = NULL;
  r = a->tokens.issue(a->tokens.self, VG_TOKEN_MFA, user.id, 0, NULL, NULL, &token, &claims);
  if (r != VG_OK) goto fail;

  int64_t now = a->clock.now(a->clock.self);
  struct vg_pending pending = {.sends = 1,
                               .last_send_at = now,
                               .attempts = 0,
                               .phone_verified = user.phone_verified,
                               .delivery = how};
  memcpy(pending.user_id, user.id, sizeof pending.user_id);
  memcpy(pending.phone, user.phone, sizeof pending.phone);
  if (factors_available(a, &user) & VG_FACTOR_BIT(VG_FACTOR_TOTP))
    memcpy(pending.totp_box, user.totp_box, sizeof pending.totp_box);

  /* Send first, store second: a failed send must leave no pending login behind. */
  r = a->otp.start(a->otp.self, user.phone, &how, pending.verification_sid, &out->retry_after);
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
  out->channel = how.channel;
  vg_phone_mask(user.phone, out->to);
  return VG_OK;

fail:
  limits_untake_sms(a, user.phone, client_ip);
  free(token);
  return r;
}
