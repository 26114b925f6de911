/* password_reset.c: "forgot password". /password/forgot answers the same 202 for every address,
 * an account's or not, with a reset token that names a pending reset in the pending store (id
 * "reset.<jti>"); only an account with a factor gets a code, sent after the answer by
 * a->background so that the time of the answer does not tell either. /password/reset checks the
 * code on that pending reset (as /verify does a login's), then sets the password and ends every
 * session. A decoy (no account, or no factor) counts wrong codes like a real reset and never
 * succeeds. */
#include "core/password_reset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/auth_internal.h"

#define RESET_ID_PREFIX "reset."
#define RESET_ID_MAX (sizeof RESET_ID_PREFIX + VG_JTI_MAX)
#define IP_MAX 64 /* a client IP or an IPv6 network, as the per-IP limits count it */

enum vg_reset_factor reset_factor_for(const struct auth *a, const struct vg_user *u) {
  if (a->factors.enabled && u->totp && u->totp_box[0]) return VG_RESET_FACTOR_TOTP;
  return u->phone_verified && u->phone[0] ? VG_RESET_FACTOR_SMS : VG_RESET_FACTOR_NONE;
}

bool reset_proof_offered(const struct auth *a, enum vg_reset_proof proof) {
  return proof == VG_RESET_PROOF_SMS || a->factors.enabled;
}

const char *reset_proof_name(enum vg_reset_proof proof) {
  static const char *const names[] = {"sms", "totp", "recovery"};
  return names[proof];
}

/* Whether the proof a reset names is the one factor takes. */
static bool proof_fits(enum vg_reset_factor factor, enum vg_reset_proof proof) {
  if (factor == VG_RESET_FACTOR_SMS) return proof == VG_RESET_PROOF_SMS;
  if (factor == VG_RESET_FACTOR_TOTP)
    return proof == VG_RESET_PROOF_TOTP || proof == VG_RESET_PROOF_RECOVERY;
  return false;
}

static void reset_id(const char *jti, char out[RESET_ID_MAX]) {
  snprintf(out, RESET_ID_MAX, "%s%s", RESET_ID_PREFIX, jti);
}

/* The SMS of one reset, sent after the answer. */
struct send_job {
  struct auth *a;
  char id[RESET_ID_MAX];
  char phone[VG_PHONE_MAX];
  char address[VG_EMAIL_MAX];
  char ip[IP_MAX];
};

/* A send that failed costs nothing: not the cooldown, the SMS limits, nor the reset's send. */
static void give_back_send(struct send_job *job) {
  limits_untake_reset_send(job->a, job->address, job->phone, job->ip);
  job->a->pending.release_send(job->a->pending.self, job->id, 0);
}

/* A send cancelled at shutdown gives everything back, as a failed one does. */
static void send_code(void *arg, bool cancelled) {
  struct send_job *job = arg;
  struct auth *a = job->a;
  if (cancelled) {
    give_back_send(job);
    free(job);
    return;
  }
  const struct vg_delivery sms = {.channel = VG_CHANNEL_SMS};
  char sid[VG_SID_MAX];
  int retry_after = 0;
  if (a->otp.start(a->otp.self, job->phone, &sms, sid, &retry_after) == VG_OK)
    a->pending.record_send(a->pending.self, job->id, sid, &sms);
  else
    give_back_send(job); /* the twilio adapter has logged why */
  free(job);
}

/* Queues the SMS of reset id, its limits taken; VG_ERR_OVERLOADED when the queue is full, then
 * everything given back. */
static vg_result queue_send(struct auth *a, const char *id, const char *phone, const char *address,
                            const char *ip) {
  struct send_job *job = calloc(1, sizeof *job);
  if (!job) {
    limits_untake_reset_send(a, address, phone, ip);
    a->pending.release_send(a->pending.self, id, 0);
    return VG_ERR_INTERNAL;
  }
  *job = (struct send_job){.a = a};
  snprintf(job->id, sizeof job->id, "%s", id);
  snprintf(job->phone, sizeof job->phone, "%s", phone);
  snprintf(job->address, sizeof job->address, "%s", address);
  snprintf(job->ip, sizeof job->ip, "%s", ip);
  vg_result r = a->background.submit(a->background.self, send_code, job);
  if (r != VG_OK) {
    give_back_send(job);
    free(job);
  }
  return r;
}

/* The pending reset of a new reset token: the account's and its phone when a code can be sent
 * for it; a decoy, naming nobody, otherwise. */
static vg_result create_reset(struct auth *a, const struct vg_user *user,
                              enum vg_reset_factor factor, bool sending,
                              const struct vg_claims *claims, char id[RESET_ID_MAX]) {
  int64_t now = a->clock.now(a->clock.self);
  struct vg_pending p = {.sends = sending ? 1 : 0,
                         .last_send_at = now,
                         .phone_verified = true,
                         .delivery = {.channel = VG_CHANNEL_SMS}};
  if (factor != VG_RESET_FACTOR_NONE) memcpy(p.user_id, user->id, sizeof p.user_id);
  if (factor == VG_RESET_FACTOR_SMS) memcpy(p.phone, user->phone, sizeof p.phone);
  /* The sealed secret, as a login takes it: /password/reset then needs no fresh read of it. */
  if (factor == VG_RESET_FACTOR_TOTP) memcpy(p.totp_box, user->totp_box, sizeof p.totp_box);
  reset_id(claims->jti, id);
  int ttl = (int)(claims->exp - now);
  vg_result r = a->pending.create(a->pending.self, id, &p, ttl > 0 ? ttl : 1);
  if (r != VG_OK) a->pending.remove(a->pending.self, id); /* the write may have happened */
  return r;
}

vg_result auth_password_forgot(struct auth *a, const char *email, const char *client_ip,
                               struct vg_field_errors *errs, struct forgot_output *out) {
  memset(out, 0, sizeof *out);
  char address[VG_EMAIL_MAX];
  auth_require_field(errs, "email", email, NULL);
  if (errs->count == 0 && !vg_email_normalize(email, address, sizeof address))
    vg_field_errors_add(errs, "email", "must be an email address");
  if (errs->count > 0) return VG_ERR_VALIDATION;
  const char *ip = client_ip ? client_ip : "";
  if (strlen(ip) >= IP_MAX) return VG_ERR_INTERNAL; /* no client IP subject is that long */

  vg_result r = limits_take_forgot(a, address, ip, &out->retry_after);
  if (r != VG_OK) return r;
  struct vg_user user;
  r = a->users.find_by_email(a->users.self, address, &user);
  if (r != VG_OK && r != VG_ERR_NOT_FOUND) {
    limits_untake_forgot(a, address, ip); /* an outage must not spend anyone's limit */
    return r;
  }
  enum vg_reset_factor factor = r == VG_OK ? reset_factor_for(a, &user) : VG_RESET_FACTOR_NONE;
  if (r == VG_OK)
    memcpy(out->user_id, user.id, sizeof out->user_id);
  else
    a->limiter.tag(a->limiter.self, address, out->account);

  /* The send's limits are taken for every address alike, one round trip: an address no code
   * goes to counts its cooldown only. Whatever becomes of the code, the answer is the same: the
   * limits that stop it are an account's, and saying so would say the account exists. */
  const char *phone = factor == VG_RESET_FACTOR_SMS ? user.phone : NULL;
  vg_result send = limits_take_reset_send(a, address, phone, ip);
  bool sending = phone && send == VG_OK;
  out->send = phone ? send : VG_ERR_NOT_FOUND;
  struct vg_claims claims;
  char id[RESET_ID_MAX];
  r = send == VG_OK || send == VG_ERR_RESEND_COOLDOWN || send == VG_ERR_SMS_BUDGET ||
              send == VG_ERR_SMS_RATE_LIMITED
          ? VG_OK
          : send;
  if (r == VG_OK)
    r = a->tokens.issue(a->tokens.self, VG_TOKEN_RESET, NULL, 0, NULL, NULL, &out->reset_token,
                        &claims);
  if (r == VG_OK) r = create_reset(a, &user, factor, sending, &claims, id);
  if (r != VG_OK) {
    if (send == VG_OK) limits_untake_reset_send(a, address, phone, ip);
    free(out->reset_token);
    out->reset_token = NULL;
    limits_untake_forgot(a, address, ip);
    return r;
  }
  out->expires_in = (int)(claims.exp - a->clock.now(a->clock.self));
  if (sending) out->send = queue_send(a, id, phone, address, ip);
  return VG_OK;
}

/* The factor "sms" (the default), "totp" or "recovery"; refused when this server takes none of
 * that kind yet. */
static bool read_proof(const struct auth *a, const char *factor, struct vg_field_errors *errs,
                       enum vg_reset_proof *proof) {
  *proof = VG_RESET_PROOF_SMS;
  if (!factor || vg_field_errors_has(errs, "factor")) return true;
  for (int p = VG_RESET_PROOF_SMS; p <= VG_RESET_PROOF_RECOVERY; p++)
    if (strcmp(factor, reset_proof_name((enum vg_reset_proof)p)) == 0) {
      *proof = (enum vg_reset_proof)p;
      if (reset_proof_offered(a, *proof)) return true;
      vg_field_errors_add(errs, "factor", "is not offered by this server: use sms");
      return false;
    }
  vg_field_errors_add(errs, "factor", "must be one of: sms, totp, recovery");
  return false;
}

/* The code proved the owner: the new password (one atomic write), every session ended, the
 * login lock cleared, and then the reset consumed. A failure before the last step leaves the
 * reset approved, for a retry to finish without the code. */
static vg_result finish(struct auth *a, const char *id, const struct vg_user *user,
                        const char *new_password) {
  char hash[VG_HASH_MAX];
  vg_result r = a->hasher.hash(a->hasher.self, new_password, hash);
  if (r != VG_OK) return r;
  const struct vg_user_change change = {.password_hash = hash};
  r = a->users.update(a->users.self, user->id, &change, NULL);
  if (r == VG_OK) r = auth_end_other_sessions(a, user->id, NULL);
  if (r == VG_OK) r = limits_login_clear(a, user->email);
  if (r == VG_OK) r = a->pending.remove(a->pending.self, id);
  return r;
}

/* What a reset that no code can finish asks Twilio about: a number of the fictional range
 * +1 555-555-0100 to 0199, picked by the reset's id, for which no verification ever exists. Its
 * wrong codes then wait on Twilio as a real reset's do: an answer that came at once would say
 * that the address is no account's. */
static void decoy_phone(const char *id, char out[VG_PHONE_MAX]) {
  unsigned h = 0;
  for (const char *p = id; *p; p++) h = h * 31u + (unsigned char)*p;
  snprintf(out, VG_PHONE_MAX, "+1555555%04u", 100 + h % 100);
}

/* A code for a reset no code can finish: Twilio is asked as for a real one, and whatever it
 * says (it knows no such verification) is a wrong code, but an outage, which shows alike. */
static vg_result check_decoy(struct auth *a, const char *id, const char *code) {
  char phone[VG_PHONE_MAX];
  int retry_after = 0;
  decoy_phone(id, phone);
  vg_result r = a->otp.check(a->otp.self, phone, code, &retry_after);
  return r == VG_ERR_UPSTREAM ? r : VG_ERR_WRONG_CODE;
}

/* An id no user has: a decoy reads the user store as a real reset does. */
#define NO_USER "000000000000000000000000"

/* An authenticator (TOTP) or recovery code for pending reset id, checked as /verify checks a
 * login's (the step or the code spent and the reset approved in one step, so a retry finishes
 * without it). Not usable: a decoy, which runs the same check against nobody (a recovery code's
 * one MongoDB update included) and fails. A reused step says no more than a wrong code here. */
static vg_result check_factor(struct auth *a, const char *id, const struct vg_pending *pending,
                              bool usable, enum vg_reset_proof proof, const char *code) {
  if (pending->approved) return VG_OK;
  struct vg_pending p = *pending;
  if (!usable) {
    snprintf(p.user_id, sizeof p.user_id, NO_USER);
    p.totp_box[0] = '\0';
  }
  int left = 0;
  vg_result r = factors_check(
      a, id, &p, proof == VG_RESET_PROOF_TOTP ? VG_FACTOR_TOTP : VG_FACTOR_RECOVERY, code, &left);
  return r == VG_ERR_CODE_REUSED || r == VG_ERR_FACTOR_NOT_ENROLLED ? VG_ERR_WRONG_CODE : r;
}

/* The code of pending reset id, held under its lock. A decoy, an account gone or changed since
 * (no factor, another phone) or a proof its factor does not take: a wrong code, counted, after
 * the same work as a real one of that proof (Twilio for an SMS code). */
static vg_result prove(struct auth *a, const char *id, const struct vg_pending *pending,
                       const struct reset_input *in, enum vg_reset_proof proof,
                       struct reset_output *out) {
  struct vg_user user;
  const char *user_id = pending->user_id[0] ? pending->user_id : NO_USER;
  vg_result r = a->users.find_by_id(a->users.self, user_id, &user);
  if (r != VG_OK && r != VG_ERR_NOT_FOUND) return r;
  if (r == VG_OK) memcpy(out->user_id, user.id, sizeof out->user_id);
  /* The factor /password/forgot chose from a fresh read, recorded in the reset: the sealed
   * secret for an authenticator, the number for an SMS code, which proves it only while it is
   * still the account's and no authenticator came since (this read may be USER_CACHE_MS old). */
  enum vg_reset_factor factor = VG_RESET_FACTOR_NONE;
  if (r == VG_OK && pending->totp_box[0] && a->factors.enabled)
    factor = VG_RESET_FACTOR_TOTP;
  else if (r == VG_OK && pending->phone[0] && reset_factor_for(a, &user) == VG_RESET_FACTOR_SMS &&
           strcmp(user.phone, pending->phone) == 0)
    factor = VG_RESET_FACTOR_SMS;
  bool usable = proof_fits(factor, proof);
  if (proof == VG_RESET_PROOF_SMS)
    r = usable ? auth_pending_check_code(a, id, pending, in->code, &out->retry_after)
               : check_decoy(a, id, in->code);
  else
    r = check_factor(a, id, pending, usable, proof, in->code);
  switch (r) {
    case VG_OK:
      return finish(a, id, &user, in->new_password);
    case VG_ERR_WRONG_CODE:
      return auth_pending_wrong_code(a, id, pending, VG_ERR_WRONG_CODE, &out->attempts_left);
    case VG_ERR_TOO_MANY_ATTEMPTS:
      return auth_pending_lock_out(a, id, pending);
    case VG_ERR_VERIFICATION_EXPIRED:
      a->pending.remove(a->pending.self, id);
      return r;
    default:
      return r;
  }
}

vg_result auth_password_reset(struct auth *a, const struct reset_input *in,
                              struct vg_field_errors *errs, struct reset_output *out) {
  memset(out, 0, sizeof *out);
  enum vg_reset_proof proof;
  auth_require_field(errs, "reset_token", in->reset_token, NULL);
  bool known = read_proof(a, in->factor, errs, &proof);
  auth_require_field(errs, "code", in->code, NULL);
  if (known && in->code && !vg_field_errors_has(errs, "code")) {
    const char *why = factors_check_code_shape(
        proof == VG_RESET_PROOF_RECOVERY ? VG_FACTOR_RECOVERY : VG_FACTOR_SMS, in->code);
    if (why) vg_field_errors_add(errs, "code", why);
  }
  auth_require_field(errs, "new_password", in->new_password, vg_check_password);
  if (errs->count > 0) return VG_ERR_VALIDATION;

  struct vg_claims claims;
  vg_result r = auth_require_token(a, in->reset_token, VG_TOKEN_RESET, &claims);
  if (r != VG_OK) return r;
  char id[RESET_ID_MAX], owner[VG_LOCK_OWNER_MAX];
  struct vg_pending pending;
  reset_id(claims.jti, id);
  r = a->pending.lock(a->pending.self, id, a->rules.verify_lock_ttl, owner, &pending);
  if (r == VG_ERR_NOT_FOUND) return VG_ERR_INVALID_TOKEN; /* the reset is over */
  if (r == VG_ERR_VERIFY_IN_PROGRESS) out->retry_after = 1;
  if (r != VG_OK) return r;
  r = prove(a, id, &pending, in, proof, out);
  a->pending.unlock(a->pending.self, id, owner);
  return r;
}
