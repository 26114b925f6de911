/* password_reset.h: "forgot password": /password/forgot and /password/reset (password_reset.c). */
#ifndef VG_PASSWORD_RESET_H
#define VG_PASSWORD_RESET_H

#include "core/auth.h"

/* What proves an account's owner for a reset. The rule is reset_factor_for's alone. */
enum vg_reset_factor {
  VG_RESET_FACTOR_NONE, /* nothing can: the account's reset runs like an unknown address's */
  VG_RESET_FACTOR_SMS,  /* a code sent by SMS to the account's verified phone */
  VG_RESET_FACTOR_TOTP, /* an authenticator (TOTP) or recovery code; no SMS is sent, so a stolen
                         * phone alone cannot take the account */
};

/* The kinds of code a /password/reset may name (its "factor"). */
enum vg_reset_proof { VG_RESET_PROOF_SMS, VG_RESET_PROOF_TOTP, VG_RESET_PROOF_RECOVERY };

/* The factor that resets u's password: TOTP where the user has a confirmed one (and TOTP is on),
 * else SMS when the phone is verified, else none. */
enum vg_reset_factor reset_factor_for(const struct auth *a, const struct vg_user *u);

/* Whether this server takes proof at all (the same for every account, so the 202 may list them):
 * sms always, totp and recovery when TOTP is on. */
bool reset_proof_offered(const struct auth *a, enum vg_reset_proof proof);

/* The proof names, as the API spells them ("sms", "totp", "recovery"). */
const char *reset_proof_name(enum vg_reset_proof proof);

struct forgot_output {
  char *reset_token; /* free() it */
  int expires_in;
  /* For the audit log: the account's id, or, for an address that is no account's, its tag. */
  char user_id[VG_ID_MAX];
  char account[VG_ACCOUNT_TAG_MAX];
  /* What became of the code, for the audit log only: VG_OK queued, VG_ERR_NOT_FOUND no factor to
   * send to (no account, no verified phone), VG_ERR_RESEND_COOLDOWN one was sent within the
   * cooldown, or the limit or error that stopped it. The answer is the same whatever it is. */
  vg_result send;
  int retry_after; /* with VG_ERR_RATE_LIMITED */
};

/* Starts a reset for email and answers alike whether it is an account's or not: a reset token
 * naming a pending reset (a decoy for an address no code can be sent for) and its lifetime.
 * The code goes out after the answer, through a->background. VG_ERR_VALIDATION (errs),
 * VG_ERR_RATE_LIMITED (per client IP or per address, *retry_after), store errors. */
vg_result auth_password_forgot(struct auth *a, const char *email, const char *client_ip,
                               struct vg_field_errors *errs, struct forgot_output *out);

struct reset_input {
  const char *reset_token, *code, *new_password;
  const char *factor; /* "sms" (the default when NULL), "totp" or "recovery" */
};

struct reset_output {
  char user_id[VG_ID_MAX]; /* the account's, once known */
  int attempts_left;       /* with VG_ERR_WRONG_CODE */
  int retry_after;         /* with VG_ERR_VERIFY_IN_PROGRESS and VG_ERR_SMS_RATE_LIMITED */
};

/* Checks the code of the reset named by in->reset_token, then sets the new password (one
 * atomic write), ends every session of the account, clears its login lock and ends the reset.
 * VG_ERR_VALIDATION (errs; nothing spent), VG_ERR_INVALID_TOKEN (not a live reset token),
 * VG_ERR_WRONG_CODE (attempts_left), VG_ERR_TOO_MANY_ATTEMPTS (the reset is over),
 * VG_ERR_VERIFICATION_EXPIRED, VG_ERR_VERIFY_IN_PROGRESS, store, hasher and Twilio errors. A
 * reset that failed after its code was approved finishes on a retry without the code being
 * checked again. */
vg_result auth_password_reset(struct auth *a, const struct reset_input *in,
                              struct vg_field_errors *errs, struct reset_output *out);

#endif
