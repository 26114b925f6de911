/* second_factor.c: /resend and /verify on a pending login named by the mfa_token's jti. */
#include "core/auth_internal.h"

#include <stdlib.h>
#include <string.h>

/* The pending login of a valid mfa_token; a token whose login is gone is no longer valid. */
static vg_result load_pending(struct auth *a, const char *mfa_token, struct vg_claims *claims,
                              struct vg_pending *pending) {
  vg_result r = auth_require_token(a, mfa_token, VG_TOKEN_MFA, claims);
  if (r != VG_OK) return r;
  r = a->pending.get(a->pending.self, claims->jti, pending);
  return r == VG_ERR_NOT_FOUND ? VG_ERR_INVALID_TOKEN : r;
}

/* Whether a send changed what the login records: its verification, or how the code went out. */
static bool send_changed(const struct vg_pending *pending, const char *sid,
                         const struct vg_delivery *how) {
  const struct vg_delivery *was = &pending->delivery;
  return strcmp(sid, pending->verification_sid) != 0 || how->channel != was->channel ||
         strcmp(how->locale, was->locale) != 0 || strcmp(how->app_hash, was->app_hash) != 0;
}

vg_result auth_resend(struct auth *a, const char *mfa_token, const char *client_ip,
                      const struct delivery_input *delivery, struct vg_field_errors *errs,
                      struct resend_output *out) {
  memset(out, 0, sizeof *out);
  struct vg_claims claims;
  struct vg_pending pending;
  vg_result r = load_pending(a, mfa_token, &claims, &pending);
  if (r != VG_OK) return r;
  /* Checked before the send is reserved: a bad request spends no cooldown, cap or limit. */
  struct vg_delivery how = pending.delivery;
  if (delivery) {
    vg_delivery_resolve(delivery, &pending.delivery, a->rules.allowed_channels, errs, &how);
    if (errs->count > 0) return VG_ERR_VALIDATION;
  }

  int64_t now = a->clock.now(a->clock.self);
  int sends = 0;
  r = a->pending.reserve_send(a->pending.self, claims.jti, now, a->rules.resend_cooldown,
                              a->rules.max_sends, &sends, &out->retry_after);
  if (r == VG_ERR_NOT_FOUND) return VG_ERR_INVALID_TOKEN;
  if (r == VG_ERR_RESEND_LIMIT) out->retry_after = (int)(claims.exp > now ? claims.exp - now : 0);
  if (r != VG_OK) return r;

  char sid[VG_SID_MAX];
  r = limits_take_sms(a, pending.phone, client_ip, NULL, &out->retry_after);
  if (r == VG_OK) {
    r = a->otp.start(a->otp.self, pending.phone, &how, sid, &out->retry_after);
    if (r != VG_OK) limits_untake_sms(a, pending.phone, client_ip);
  }
  if (r != VG_OK) {
    /* Nothing was sent, so the send counts against no cooldown, cap or limit. */
    a->pending.release_send(a->pending.self, claims.jti, pending.last_send_at);
    return r;
  }
  /* Twilio answers with the verification still pending for this phone, or a new one when that
   * one was approved, canceled (another login of the same user locked out) or expired. A
   * lock-out cancels the verification on record, so it must be the one the code came from; and
   * the next resend that names no channel goes out as this one did. Best effort: the code is
   * out, and a login gone meanwhile needs nothing. */
  if (send_changed(&pending, sid, &how))
    a->pending.record_send(a->pending.self, claims.jti, sid, &how);
  out->retry_after = a->rules.resend_cooldown;
  out->channel = how.channel;
  vg_phone_mask(pending.phone, out->to);
  memcpy(out->user_id, pending.user_id, sizeof out->user_id);
  return VG_OK;
}

/* The code is approved (now, or by an earlier /verify of this login that failed after recording
 * it): write phone_verified, then consume the login and start the session in one step, which
 * also releases the lock (*released). Any failure before that leaves the login, approved and
 * unconsumed, for a retry to finish. */
static vg_result finish(struct auth *a, const struct vg_claims *claims,
                        const struct vg_pending *pending, const char *owner,
                        const struct vg_session_client *client, struct verify_output *out,
                        bool *released) {
  /* phone_verified first: it is true from the moment Twilio approved, whoever wins the claim.
   * A user whose phone was verified when the login began needs no write (nothing unsets it);
   * nor does a login finished by another factor, which proved nothing of the phone. */
  vg_result r = VG_OK;
  if (!pending->phone_verified && out->factor == VG_FACTOR_SMS) {
    const struct vg_user_change verified = {.phone_verified = true};
    r = a->users.update(a->users.self, pending->user_id, &verified, NULL);
    /* Another account verified the number first: it is theirs, and this login ends. */
    if (r == VG_ERR_CONFLICT) {
      a->pending.remove(a->pending.self, claims->jti);
      return VG_ERR_PHONE_TAKEN;
    }
  }
  if (r != VG_OK) return r == VG_ERR_NOT_FOUND ? VG_ERR_INVALID_TOKEN : r;
  r = auth_start_session(a, claims->jti, owner, pending->user_id, claims->iat,
                         vg_factor_amr(out->factor), client, out);
  /* The step ran (won, or lost to another request): the lock is released, or someone else's. */
  if (r == VG_OK || r == VG_ERR_NOT_FOUND) *released = true;
  return r == VG_ERR_NOT_FOUND ? VG_ERR_INVALID_TOKEN : r;
}

/* Asks Twilio, unless an earlier /verify of this login was approved and failed after recording
 * it: Twilio answers 404 for an approved verification, so asking again would end the login. An
 * approval is recorded before any other write, so nothing done with it can be lost. */
vg_result auth_pending_check_code(struct auth *a, const char *jti, const struct vg_pending *pending,
                                  const char *code, int *retry_after) {
  if (pending->approved) return VG_OK;
  vg_result r = a->otp.check(a->otp.self, pending->phone, code, retry_after);
  if (r != VG_OK) return r;
  r = a->pending.approve(a->pending.self, jti);
  return r == VG_ERR_NOT_FOUND ? VG_ERR_INVALID_TOKEN : r;
}

/* A TOTP or recovery code, checked by factors_check, which records the approval as Twilio's is
 * (the step or the recovery code is spent by then: a retry could not pass again). */
static vg_result check_factor(struct auth *a, const char *jti, const struct vg_pending *pending,
                              const char *code, struct verify_output *out) {
  if (pending->approved) return VG_OK;
  return factors_check(a, jti, pending, out->factor, code, &out->recovery_left);
}

/* Ends a login that used up its attempts: the pending state goes, and so does the code at
 * Twilio, so the next login starts a fresh verification instead of inheriting a spent one. */
vg_result auth_pending_lock_out(struct auth *a, const char *jti, const struct vg_pending *pending) {
  a->pending.remove(a->pending.self, jti);
  if (pending->verification_sid[0]) a->otp.cancel(a->otp.self, pending->verification_sid);
  return VG_ERR_TOO_MANY_ATTEMPTS;
}

/* A wrong (or reused: wrong) code: count it, and end the login at the last allowed one. */
vg_result auth_pending_wrong_code(struct auth *a, const char *jti, const struct vg_pending *pending,
                                  vg_result wrong, int *attempts_left) {
  int attempts = 0;
  vg_result r = a->pending.add_attempt(a->pending.self, jti, &attempts);
  if (r == VG_ERR_NOT_FOUND) return VG_ERR_INVALID_TOKEN;
  if (r != VG_OK) return r;
  if (attempts >= a->rules.max_attempts) return auth_pending_lock_out(a, jti, pending);
  *attempts_left = a->rules.max_attempts - attempts;
  return wrong;
}

/* The factor a /verify names, and a code of its shape. A login that sent no SMS (one that asked
 * for TOTP) has no code at Twilio: an SMS code for it is refused before anything is counted. */
static void check_input(const char *factor, const char *code, const struct vg_pending *pending,
                        struct vg_field_errors *errs, struct verify_output *out) {
  if (factor && !vg_factor_from_name(factor, &out->factor))
    vg_field_errors_add(errs, "factor", "must be \"sms\", \"totp\" or \"recovery\"");
  if (!vg_field_errors_has(errs, "factor") && out->factor == VG_FACTOR_SMS && code &&
      pending->sends == 0 && !pending->approved)
    vg_field_errors_add(errs, "factor",
                        "no SMS was sent for this login: name \"totp\" or \"recovery\", or ask "
                        "/resend for an SMS");
  if (!vg_field_errors_has(errs, "factor") && code) {
    const char *why = factors_check_code_shape(out->factor, code);
    if (why) vg_field_errors_add(errs, "code", why);
  }
  auth_require_field(errs, "code", code, NULL);
}

vg_result auth_verify(struct auth *a, const char *mfa_token, const char *code,
                      const struct vg_session_client *client, struct vg_field_errors *errs,
                      struct verify_output *out) {
  return auth_verify_factor(a, mfa_token, NULL, code, client, errs, out);
}

vg_result auth_verify_factor(struct auth *a, const char *mfa_token, const char *factor,
                             const char *code, const struct vg_session_client *client,
                             struct vg_field_errors *errs, struct verify_output *out) {
  memset(out, 0, sizeof *out);
  struct vg_claims claims;
  struct vg_pending pending;
  vg_result r = auth_require_token(a, mfa_token, VG_TOKEN_MFA, &claims);
  if (r != VG_OK) return r;
  /* One check at a time per login, so two requests cannot both spend the same approval. The
   * login is read under the lock in the same step: a request that held it a moment ago may have
   * consumed it. */
  char owner[VG_LOCK_OWNER_MAX];
  r = a->pending.lock(a->pending.self, claims.jti, a->rules.verify_lock_ttl, owner, &pending);
  if (r == VG_ERR_NOT_FOUND) return VG_ERR_INVALID_TOKEN; /* the login is over */
  if (r == VG_ERR_VERIFY_IN_PROGRESS) out->retry_after = 1;
  if (r != VG_OK) return r;
  check_input(factor, code, &pending, errs, out);
  if (errs->count > 0) {
    a->pending.unlock(a->pending.self, claims.jti, owner);
    return VG_ERR_VALIDATION;
  }

  r = out->factor == VG_FACTOR_SMS
          ? auth_pending_check_code(a, claims.jti, &pending, code, &out->retry_after)
          : check_factor(a, claims.jti, &pending, code, out);
  bool released = false;
  switch (r) {
    case VG_OK:
      r = finish(a, &claims, &pending, owner, client, out, &released);
      break;
    case VG_ERR_WRONG_CODE:
    case VG_ERR_CODE_REUSED:
      r = auth_pending_wrong_code(a, claims.jti, &pending, r, &out->attempts_left);
      break;
    case VG_ERR_TOO_MANY_ATTEMPTS:
      r = auth_pending_lock_out(a, claims.jti, &pending);
      break;
    case VG_ERR_VERIFICATION_EXPIRED:
      a->pending.remove(a->pending.self, claims.jti);
      break;
    default:
      break;
  }
  memcpy(out->user_id, pending.user_id, sizeof out->user_id);
  if (!released) a->pending.unlock(a->pending.self, claims.jti, owner);
  return r;
}
