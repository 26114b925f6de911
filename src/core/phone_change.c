/* phone_change.c: POST /me/phone and /me/phone/verify, and the ownership check of /login (see
 * phone_change.h). The change in progress is a pending_store record of its own namespace,
 * "phone.<user id>", with a login's sends, cooldown, attempts, lock and approval. */
#include "core/phone_change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth_internal.h"

static void change_id(const char *user_id, char out[VG_PHONE_CHANGE_ID_MAX]) {
  snprintf(out, VG_PHONE_CHANGE_ID_MAX, "phone.%s", user_id);
}

/* The caller and its user: an access token (not revoked), or an mfa_token whose user never
 * verified its number (*via_mfa). An mfa_token of a verified account needs the second factor. */
static vg_result authorize(struct auth *a, const char *token, struct vg_claims *claims,
                           struct vg_user *user, struct phone_change_output *out) {
  vg_result r = auth_require_access(a, token, claims);
  out->via_mfa = r == VG_ERR_INSUFFICIENT_AAL;
  if (r != VG_OK && !out->via_mfa) return r;
  memcpy(out->user_id, claims->sub, sizeof out->user_id);
  r = a->users.find_by_id(a->users.self, claims->sub, user);
  if (r == VG_ERR_NOT_FOUND) return VG_ERR_INVALID_TOKEN;
  if (r != VG_OK) return r;
  if (out->via_mfa && user->phone_verified) return VG_ERR_INSUFFICIENT_AAL;
  vg_phone_mask(user->phone, out->from);
  return VG_OK;
}

/* The new number, read through the numbering plan, and how its code goes out. */
static vg_result read_input(struct auth *a, const struct phone_change_input *in,
                            const struct vg_user *user, struct vg_field_errors *errs,
                            char phone[VG_PHONE_MAX], struct vg_delivery *how) {
  auth_require_field(errs, "phone", in->phone, NULL);
  if (in->phone && !vg_field_errors_has(errs, "phone") && !vg_field_errors_has(errs, "region"))
    auth_phone_normalize(a, in->phone, in->region, errs, phone);
  const struct delivery_input none = {0};
  const struct vg_delivery fallback = auth_default_delivery(a);
  vg_delivery_resolve(in->delivery ? in->delivery : &none, &fallback, a->rules.allowed_channels,
                      errs, how);
  if (errs->count == 0 && strcmp(phone, user->phone) == 0)
    vg_field_errors_add(errs, "phone", "is already this account's number");
  if (errs->count > 0) return VG_ERR_VALIDATION;
  if (!limits_country_allowed(a, phone)) {
    vg_field_errors_add(errs, "phone", "is in a country this service does not send SMS to");
    return VG_ERR_INVALID_PHONE;
  }
  return VG_OK;
}

/* Whether phone is the verified number of an account other than user_id. */
static vg_result owned_elsewhere(struct auth *a, const char *phone, const char *user_id) {
  struct vg_user owner;
  vg_result r = a->users.find_by_verified_phone(a->users.self, phone, &owner);
  if (r == VG_ERR_NOT_FOUND) return VG_OK;
  if (r != VG_OK) return r;
  return strcmp(owner.id, user_id) == 0 ? VG_OK : VG_ERR_PHONE_TAKEN;
}

vg_result auth_phone_login_check(struct auth *a, const struct vg_user *user, char **mfa_token,
                                 int *expires_in) {
  if (user->phone_verified) return VG_OK;
  vg_result r = owned_elsewhere(a, user->phone, user->id);
  if (r != VG_ERR_PHONE_TAKEN) return r;
  /* A token with no pending login: /resend and /verify refuse it, POST /me/phone takes it. */
  struct vg_claims claims;
  r = a->tokens.issue(a->tokens.self, VG_TOKEN_MFA, user->id, 0, NULL, NULL, mfa_token, &claims);
  if (r != VG_OK) return r;
  *expires_in = (int)(claims.exp - a->clock.now(a->clock.self));
  return VG_ERR_PHONE_TAKEN;
}

/* Reserves the send of a change: the cooldown and cap of the change in progress, if any (*prev,
 * *found), then every SMS limit of a login. */
static vg_result reserve(struct auth *a, const char *id, const char *phone, const char *ip,
                         struct vg_pending *prev, bool *found, int64_t now, int *retry_after) {
  vg_result r = a->pending.get(a->pending.self, id, prev);
  *found = r == VG_OK;
  if (r != VG_OK && r != VG_ERR_NOT_FOUND) return r;
  if (*found) {
    int sends = 0;
    r = a->pending.reserve_send(a->pending.self, id, now, a->rules.resend_cooldown,
                                a->rules.max_sends, &sends, retry_after);
    if (r == VG_ERR_RESEND_LIMIT) {
      int64_t left = prev->last_send_at + VG_PHONE_CHANGE_TTL - now;
      *retry_after = (int)(left > 0 ? left : 1);
    }
    *found = r != VG_ERR_NOT_FOUND; /* ended meanwhile: start afresh */
    if (r != VG_OK && r != VG_ERR_NOT_FOUND) return r;
  }
  r = limits_take_sms(a, phone, ip, NULL, retry_after);
  if (r != VG_OK && *found) a->pending.release_send(a->pending.self, id, prev->last_send_at);
  return r;
}

vg_result auth_phone_change(struct auth *a, const char *token, const struct phone_change_input *in,
                            struct vg_field_errors *errs, struct phone_change_output *out) {
  memset(out, 0, sizeof *out);
  struct vg_claims claims;
  struct vg_user user;
  vg_result r = authorize(a, token, &claims, &user, out);
  if (r != VG_OK) return r;
  char phone[VG_PHONE_MAX] = "";
  struct vg_delivery how;
  r = read_input(a, in, &user, errs, phone, &how);
  if (r != VG_OK) return r;

  char id[VG_PHONE_CHANGE_ID_MAX];
  change_id(user.id, id);
  int64_t now = a->clock.now(a->clock.self);
  struct vg_pending prev;
  bool found = false;
  r = reserve(a, id, phone, in->client_ip, &prev, &found, now, &out->retry_after);
  if (r != VG_OK) return r;
  /* Checked once the limits are spent, so that asking whose a number is costs what a code does;
   * its owner gets no code. A refusal keeps what it spent. */
  r = owned_elsewhere(a, phone, user.id);
  struct vg_pending next = {.sends = found ? prev.sends + 1 : 1,
                            .last_send_at = now,
                            .attempts = found ? prev.attempts : 0,
                            .delivery = how};
  if (r == VG_OK)
    r = a->otp.start(a->otp.self, phone, &how, next.verification_sid, &out->retry_after);
  if (r == VG_ERR_PHONE_TAKEN) return r;
  if (r == VG_OK) {
    memcpy(next.user_id, user.id, sizeof next.user_id);
    memcpy(next.phone, phone, sizeof next.phone);
    /* Replaces the change in progress; its sends and wrong codes carry over. */
    r = a->pending.create(a->pending.self, id, &next, VG_PHONE_CHANGE_TTL);
    if (r != VG_OK) a->pending.remove(a->pending.self, id);
  }
  if (r != VG_OK) {
    limits_untake_sms(a, phone, in->client_ip);
    if (found) a->pending.release_send(a->pending.self, id, prev.last_send_at);
    return r;
  }
  vg_phone_mask(phone, out->to);
  out->channel = how.channel;
  out->expires_in = VG_PHONE_CHANGE_TTL;
  out->retry_after = a->rules.resend_cooldown;
  return VG_OK;
}

/* Ends a change: a spent attempt cap also cancels its code at Twilio. */
static vg_result end_change(struct auth *a, const char *id, const struct vg_pending *p,
                            vg_result why) {
  a->pending.remove(a->pending.self, id);
  if (why == VG_ERR_TOO_MANY_ATTEMPTS && p->verification_sid[0])
    a->otp.cancel(a->otp.self, p->verification_sid);
  return why;
}

static vg_result wrong_code(struct auth *a, const char *id, const struct vg_pending *p,
                            struct phone_change_output *out) {
  int attempts = 0;
  vg_result r = a->pending.add_attempt(a->pending.self, id, &attempts);
  if (r == VG_ERR_NOT_FOUND) return VG_ERR_VERIFICATION_EXPIRED;
  if (r != VG_OK) return r;
  if (attempts >= a->rules.max_attempts) return end_change(a, id, p, VG_ERR_TOO_MANY_ATTEMPTS);
  out->attempts_left = a->rules.max_attempts - attempts;
  return VG_ERR_WRONG_CODE;
}

/* The code is approved: the number goes in, as verified, in one write the unique index judges;
 * then the other sessions end and so does the change. A failure before the change is removed
 * leaves it approved, so a retry finishes without asking Twilio again. */
static vg_result apply(struct auth *a, const char *id, const struct vg_claims *claims,
                       const struct vg_pending *p, struct phone_change_output *out) {
  enum vg_unique_field taken = VG_UNIQUE_UNKNOWN;
  const struct vg_user_change change = {.phone = p->phone};
  vg_result r = a->users.update(a->users.self, p->user_id, &change, &taken);
  if (r == VG_ERR_CONFLICT) return end_change(a, id, p, VG_ERR_PHONE_TAKEN);
  if (r == VG_ERR_NOT_FOUND) return end_change(a, id, p, VG_ERR_INVALID_TOKEN);
  if (r != VG_OK) return r;
  /* An account that never verified a number never had a session; an mfa_token's own login
   * sent its code to the old number, and ends. */
  if (out->via_mfa)
    a->pending.remove(a->pending.self, claims->jti);
  else
    r = auth_end_other_sessions(a, p->user_id, claims->sid);
  if (r != VG_OK) return r;
  a->pending.remove(a->pending.self, id);
  vg_phone_mask(p->phone, out->to);
  return VG_OK;
}

vg_result auth_phone_change_verify(struct auth *a, const char *token, const char *code,
                                   struct vg_field_errors *errs, struct phone_change_output *out) {
  memset(out, 0, sizeof *out);
  struct vg_claims claims;
  struct vg_user user;
  vg_result r = authorize(a, token, &claims, &user, out);
  if (r != VG_OK) return r;
  auth_require_field(errs, "code", code, vg_check_code);
  if (errs->count > 0) return VG_ERR_VALIDATION;

  char id[VG_PHONE_CHANGE_ID_MAX], owner[VG_LOCK_OWNER_MAX];
  change_id(user.id, id);
  struct vg_pending p;
  r = a->pending.lock(a->pending.self, id, a->rules.verify_lock_ttl, owner, &p);
  if (r == VG_ERR_NOT_FOUND) return VG_ERR_VERIFICATION_EXPIRED; /* none in progress */
  if (r == VG_ERR_VERIFY_IN_PROGRESS) out->retry_after = 1;
  if (r != VG_OK) return r;

  r = p.approved ? VG_OK : a->otp.check(a->otp.self, p.phone, code, &out->retry_after);
  if (r == VG_OK && !p.approved) {
    r = a->pending.approve(a->pending.self, id);
    if (r == VG_ERR_NOT_FOUND) r = VG_ERR_VERIFICATION_EXPIRED;
  }
  switch (r) {
    case VG_OK:
      r = apply(a, id, &claims, &p, out);
      break;
    case VG_ERR_WRONG_CODE:
      r = wrong_code(a, id, &p, out);
      break;
    case VG_ERR_TOO_MANY_ATTEMPTS:
    case VG_ERR_VERIFICATION_EXPIRED:
      r = end_change(a, id, &p, r);
      break;
    default:
      break;
  }
  a->pending.unlock(a->pending.self, id, owner);
  return r;
}
