/* result.h: the outcome of every core use case and port call.
 * core returns these; src/http/problem.c maps each one to an HTTP status and a problem type. */
#ifndef VG_RESULT_H
#define VG_RESULT_H

typedef enum vg_result {
  VG_OK = 0,
  VG_ERR_VALIDATION,           /* bad input; field errors say which */
  VG_ERR_CONFLICT,             /* a unique field (email, username, phone) is taken */
  VG_ERR_INVALID_CREDENTIALS,  /* unknown email or wrong password: one answer for both */
  VG_ERR_INVALID_TOKEN,        /* missing, malformed, expired, forged or already used token */
  VG_ERR_INSUFFICIENT_AAL,     /* a valid mfa_token where an access_token is required */
  VG_ERR_WRONG_CODE,           /* the code did not match; attempts remain */
  VG_ERR_TOO_MANY_ATTEMPTS,    /* the last allowed wrong code: the pending login is gone */
  VG_ERR_VERIFY_IN_PROGRESS,   /* another /verify for the same login is running */
  VG_ERR_RESEND_COOLDOWN,      /* too soon after the previous send */
  VG_ERR_RESEND_LIMIT,         /* this pending login used all its sends */
  VG_ERR_VERIFICATION_EXPIRED, /* Twilio no longer knows the verification */
  VG_ERR_INVALID_PHONE,        /* Twilio refused the number (60200) */
  VG_ERR_SMS_RATE_LIMITED,     /* Twilio rate limit (60203, 60212, 20429) */
  VG_ERR_RATE_LIMITED,         /* one of verigate's own abuse limits is reached */
  VG_ERR_SMS_BUDGET,           /* the global SMS budget per hour is spent */
  VG_ERR_UPSTREAM,             /* Twilio unreachable, timed out, 5xx, or misconfigured */
  VG_ERR_UNAVAILABLE,          /* MongoDB or Redis unreachable */
  VG_ERR_OVERLOADED,           /* too many password hashes running and queued: retry shortly */
  VG_ERR_NOT_FOUND,            /* a store lookup found nothing (internal; never shown as such) */
  VG_ERR_INTERNAL,             /* a bug or an allocation failure */
  VG_ERR_PHONE_TAKEN,          /* the number is another account's verified number */
  VG_ERR_WRONG_PASSWORD,       /* the current password given to change or delete is wrong */
  VG_ERR_REAUTH_REQUIRED,      /* the password (or a recent login) is needed for this */
  VG_ERR_SESSION_NOT_FOUND,    /* no live session of the caller's user has that id */
  VG_ERR_FACTOR_UNAVAILABLE,   /* TOTP is off: no FACTOR_ENCRYPTION_KEY is configured */
  VG_ERR_FACTOR_NOT_ENROLLED,  /* the user has no (confirmed, or pending) factor of that kind */
  VG_ERR_FACTOR_ENROLLED,      /* a confirmed TOTP already exists: delete it first */
  VG_ERR_CODE_REUSED,          /* a TOTP code of a step already accepted for this user */
  VG_ERR_STEP_UP_REQUIRED,     /* the access token's second factor is older than allowed */
  VG_RESULT_COUNT
} vg_result;

#endif
