/* factors.h: the second factors beside the SMS code: a TOTP authenticator app (RFC 6238) and
 * single-use recovery codes. Enrollment and management behind an access token (factors.c), and
 * the checks /login and /verify make (factor_check.c). */
#ifndef VG_FACTORS_H
#define VG_FACTORS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/result.h"
#include "core/validate.h"
#include "ports/factors.h"
#include "ports/user_store.h"

struct auth;
struct vg_pending;

/* What a login's second step may use; the names of the API's "factor" member. */
enum vg_factor { VG_FACTOR_SMS, VG_FACTOR_TOTP, VG_FACTOR_RECOVERY, VG_FACTOR_COUNT };

/* "sms", "totp", "recovery". */
const char *vg_factor_name(enum vg_factor f);
/* The access token's amr value of the factor (RFC 8176: "sms", "otp"; verigate's "recovery"). */
const char *vg_factor_amr(enum vg_factor f);
/* The factor named name (exactly); false when none is. */
bool vg_factor_from_name(const char *name, enum vg_factor *out);

#define VG_FACTOR_BIT(f) (1u << (f))

/* The ports and rules of TOTP and recovery codes. enabled is false when no factor key is
 * configured: then no TOTP can be enrolled or checked, and /login lists only the SMS. */
struct auth_factors {
  bool enabled;
  const char *issuer; /* the otpauth URI's issuer (TOTP_ISSUER) */
  struct factor_store store;
  struct factor_sealer sealer;
  struct totp_checker totp;
  struct totp_steps steps;
  struct qr_code qr;
  int confirm_attempts; /* confirm codes per user per confirm_window; default 5 */
  int confirm_window;   /* seconds; default 900 */
  int step_up_max_age;  /* seconds since the second factor for DELETE and new recovery codes */
};

/* The defaults of the rules above (ports unset, enabled false). */
struct auth_factors auth_factors_default(void);

#define VG_TOTP_SECRET_B32_MAX 33 /* 160 bits in base32: 32 characters and NUL */
#define VG_RECOVERY_CODE_MAX 15   /* "xxxx-xxxx-xxxx" and NUL */
#define VG_RECOVERY_LOW 3         /* at or below this many left, the user is told to renew */

struct totp_enrollment {
  char user_id[VG_ID_MAX];
  char secret[VG_TOTP_SECRET_B32_MAX]; /* base32, no padding */
  char *uri;                           /* otpauth://totp/...; free() it */
  char *qr_svg;                        /* the URI as a QR code in SVG; free() it */
};

struct recovery_codes {
  char user_id[VG_ID_MAX];
  char codes[VG_RECOVERY_COUNT][VG_RECOVERY_CODE_MAX];
};

/* POST /factors/totp: a new secret, stored sealed and unconfirmed (replacing an unconfirmed
 * one). VG_ERR_FACTOR_ENROLLED when a confirmed TOTP exists, VG_ERR_FACTOR_UNAVAILABLE when TOTP
 * is off. */
vg_result auth_totp_enroll(struct auth *a, const char *access_token, struct totp_enrollment *out);
void totp_enrollment_free(struct totp_enrollment *e);

/* POST /factors/totp/confirm: a first code of the unconfirmed secret confirms it and makes the
 * recovery codes, shown once. Attempts are limited per user (VG_ERR_RATE_LIMITED, *retry_after);
 * VG_ERR_WRONG_CODE, VG_ERR_FACTOR_NOT_ENROLLED (nothing to confirm). */
vg_result auth_totp_confirm(struct auth *a, const char *access_token, const char *code,
                            struct vg_field_errors *errs, struct recovery_codes *out,
                            int *retry_after);

/* DELETE /factors/totp: needs a second factor of at most step_up_max_age seconds ago
 * (VG_ERR_STEP_UP_REQUIRED); VG_ERR_FACTOR_NOT_ENROLLED when there is none. */
vg_result auth_totp_delete(struct auth *a, const char *access_token, char user_id[VG_ID_MAX]);

/* POST /factors/recovery-codes: a new batch replacing the old; the same recency rule. */
vg_result auth_recovery_renew(struct auth *a, const char *access_token, struct recovery_codes *out);

/* The factors the user can log in with: VG_FACTOR_BIT set. */
unsigned factors_available(const struct auth *a, const struct vg_user *user);

/* Checks code as the factor f (TOTP or recovery) of the pending login jti. A TOTP is checked
 * against the secret the login took from the user's document when it began (its totp_box: no
 * read at /verify). VG_OK: passed, and the login's approval recorded in the same step (a TOTP
 * step is spent; a recovery code is spent and *recovery_left says how many remain);
 * VG_ERR_WRONG_CODE, VG_ERR_CODE_REUSED, VG_ERR_FACTOR_NOT_ENROLLED, VG_ERR_FACTOR_UNAVAILABLE,
 * VG_ERR_INVALID_TOKEN (the login is gone), or a store's error. */
vg_result factors_check(struct auth *a, const char *jti, const struct vg_pending *pending,
                        enum vg_factor f, const char *code, int *recovery_left);

/* NULL when value may be a code of factor f, else why not (for the "code" field). */
const char *factors_check_code_shape(enum vg_factor f, const char *value);

#endif
