/* phone_change.h: changing an account's phone number (POST /me/phone, /me/phone/verify), and who
 * owns a number: the account that verified it first (the unique index on phone holds among
 * verified numbers only).
 *
 * Who may change a number: the holder of an access token (aal2, not revoked), or of an mfa_token
 * (aal1: the password alone) whose user has never verified its number. Such an account has never
 * had a second factor, so its number protects nothing yet: replacing it is enrolling the first
 * one, which signup also does with the password alone. It is how an account whose number another
 * account verified first gets out (its logins send no code: 409 phone-taken at /login). */
#ifndef VG_PHONE_CHANGE_H
#define VG_PHONE_CHANGE_H

#include <stdbool.h>

#include "core/auth.h"

/* Seconds a phone change waits for its code: Twilio's code lifetime. */
#define VG_PHONE_CHANGE_TTL 600

/* The pending_store id of user_id's change in progress (one per user): "phone.<user id>". */
#define VG_PHONE_CHANGE_ID_MAX (6 + VG_ID_MAX)

struct phone_change_input {
  const char *phone;                     /* E.164, or a national format with region */
  const char *region;                    /* ISO 3166-1 alpha-2; may be NULL */
  const struct delivery_input *delivery; /* may be NULL: the defaults */
  const char *client_ip;                 /* "" when unknown */
};

struct phone_change_output {
  char user_id[VG_ID_MAX];        /* once the token is read, for the audit log */
  char from[VG_MASKED_PHONE_MAX]; /* the number before, masked */
  char to[VG_MASKED_PHONE_MAX];   /* the new number, masked */
  enum vg_channel channel;        /* the code went out on it */
  int expires_in;                 /* seconds the change waits for its code */
  int retry_after;                /* seconds before another code may be sent (also with the 429s) */
  int attempts_left;              /* with VG_ERR_WRONG_CODE */
  bool via_mfa; /* authorized by an mfa_token: the user logs in again afterwards */
};

/* Sends a code to the new number (every SMS limit of a login, and the resend cooldown and cap
 * of the change in progress, which a new request replaces). VG_ERR_VALIDATION (errs) for a bad
 * or unchanged number, VG_ERR_INVALID_PHONE for a country not served, VG_ERR_PHONE_TAKEN when
 * another account verified the number (no code is sent to its owner), VG_ERR_INVALID_TOKEN,
 * VG_ERR_INSUFFICIENT_AAL (an mfa_token of a verified account), the limits' 429s and 503. */
vg_result auth_phone_change(struct auth *a, const char *token, const struct phone_change_input *in,
                            struct vg_field_errors *errs, struct phone_change_output *out);

/* Checks code for the change in progress and swaps the number in (stored as verified) in one
 * write; then ends every other session of the user (the caller's own is kept) and the change.
 * VG_ERR_VERIFICATION_EXPIRED when no change is in progress, VG_ERR_WRONG_CODE (attempts_left),
 * VG_ERR_TOO_MANY_ATTEMPTS (the last allowed one ends the change), VG_ERR_PHONE_TAKEN when
 * another account verified the number first (the change ends). */
vg_result auth_phone_change_verify(struct auth *a, const char *token, const char *code,
                                   struct vg_field_errors *errs, struct phone_change_output *out);

/* For /login (core only): VG_OK when user may be sent a code; for a user whose unverified number
 * another account verified, VG_ERR_PHONE_TAKEN with *mfa_token (free() it) and *expires_in, a
 * token good only to change the number; or the store's error. Verified users cost no read. */
vg_result auth_phone_login_check(struct auth *a, const struct vg_user *user, char **mfa_token,
                                 int *expires_in);

#endif
