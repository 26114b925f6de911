/* auth_internal.h: helpers shared by the use case files of core; not for other layers. */
#ifndef VG_AUTH_INTERNAL_H
#define VG_AUTH_INTERNAL_H

#include "core/auth.h"

/* Verifies token and requires its kind: VG_ERR_INVALID_TOKEN, or VG_ERR_INSUFFICIENT_AAL for an
 * mfa_token where an access_token is required. */
vg_result auth_require_token(struct auth *a, const char *token, enum vg_token_kind kind,
                             struct vg_claims *claims);

/* auth_require_token for an access token that is also neither denied nor of a revoked session
 * (session.c): what every use case behind an access token checks. */
vg_result auth_require_access(struct auth *a, const char *token, struct vg_claims *claims);

/* Starts a session for user_id and issues its first access token (session.c). */
/* Consumes the pending login jti (its lock held by lock_owner) and starts the session of user_id
 * in one step; VG_ERR_NOT_FOUND when another request consumed it first. */
/* amr: the second factor's amr value, as the session's access tokens will name it. */
vg_result auth_start_session(struct auth *a, const char *jti, const char *lock_owner,
                             const char *user_id, int64_t login_at, const char *amr,
                             const struct vg_session_client *client, struct verify_output *out);

/* Ends every session of user_id but except_sid (may be NULL), after barring the logins whose
 * password step came before now from becoming sessions: what a password or phone change and a
 * reset do to whoever may hold the old credentials (session.c). */
vg_result auth_end_other_sessions(struct auth *a, const char *user_id, const char *except_sid);

/* Puts the access token of claims on the deny-list until it has expired (session.c). */
vg_result auth_deny_token(struct auth *a, const struct vg_claims *claims);

/* Seconds a revocation is kept: the longest an access token of a revoked session lives, and a
 * margin for clock skew (session.c). */
int auth_revocation_keep(const struct auth *a);

/* The delivery of a send that names no channel: sms, or the first channel allowed when sms is
 * not (login.c). */
struct vg_delivery auth_default_delivery(const struct auth *a);

/* Adds "is required" for a NULL value, or check's message, unless the caller already refused
 * field (for example as the wrong JSON type). check may be NULL. */
void auth_require_field(struct vg_field_errors *errs, const char *field, const char *value,
                        const char *(*check)(const char *));

/* Reads raw (with region, an ISO 3166-1 alpha-2 code in any case, or NULL) through the numbering
 * plan into e164 (phone_rules.c). False, with the reason under "phone" or "region" in errs, when
 * the number is not assigned or cannot receive an SMS. */
bool auth_phone_normalize(struct auth *a, const char *raw, const char *region,
                          struct vg_field_errors *errs, char e164[VG_PHONE_MAX]);

/* Abuse limits (limits.c). Each answers VG_OK, or the refusal with *retry_after. */
/* Reserves one failure of the password step for account and ip (VG_ERR_RATE_LIMITED while
 * locked or at a limit); a wrong password keeps it, anything else gives it back. */
vg_result limits_login_reserve(struct auth *a, const char *account, const char *ip,
                               struct vg_reservation *res, int *retry_after);
/* Gives res back at once (succeeded: the password was right); nothing when nothing was taken. */
void limits_login_give_back(struct auth *a, struct vg_reservation *res, bool succeeded);
/* back (may be NULL): a reservation of a password proved right, given back in the same step. */
vg_result limits_take_sms(struct auth *a, const char *phone, const char *ip,
                          struct vg_reservation *back, int *retry_after);
/* Gives back what limits_take_sms took, when the SMS could not be sent after all. */
void limits_untake_sms(struct auth *a, const char *phone, const char *ip);
vg_result limits_take_signup(struct auth *a, const char *ip, int *retry_after);
/* Counts one /password/forgot against its client IP and the address asked for (an account's or
 * not, alike); limits_untake_forgot gives it back when the request could not be served. */
vg_result limits_take_forgot(struct auth *a, const char *address, const char *ip, int *retry_after);
void limits_untake_forgot(struct auth *a, const char *address, const char *ip);
/* A reset code to address: VG_OK counts it against the resend cooldown of address (one per
 * rules.resend_cooldown) and, when phone is not NULL, against every SMS limit of phone and ip,
 * in one step; else nothing is counted and the answer says which refused:
 * VG_ERR_RESEND_COOLDOWN, VG_ERR_SMS_BUDGET or VG_ERR_SMS_RATE_LIMITED. Taken alike (phone NULL)
 * for an address no code goes to, so that both cost the same. limits_untake_reset_send gives
 * it back when the send failed. */
vg_result limits_take_reset_send(struct auth *a, const char *address, const char *phone,
                                 const char *ip);
void limits_untake_reset_send(struct auth *a, const char *address, const char *phone,
                              const char *ip);
/* Ends the password-step lock of account and forgets its failures (a reset proved the owner). */
vg_result limits_login_clear(struct auth *a, const char *account);

/* The second factor on a pending record id, shared by /verify and /password/reset
 * (second_factor.c). check_code asks the otp_sender unless the record is already approved, and
 * records an approval; wrong_code counts one wrong code (*attempts_left) and at the last allowed
 * one ends the record (VG_ERR_TOO_MANY_ATTEMPTS), as lock_out does, also cancelling its
 * verification at Twilio. */
vg_result auth_pending_check_code(struct auth *a, const char *id, const struct vg_pending *pending,
                                  const char *code, int *retry_after);
vg_result auth_pending_wrong_code(struct auth *a, const char *id, const struct vg_pending *pending,
                                  vg_result wrong, int *attempts_left);
vg_result auth_pending_lock_out(struct auth *a, const char *id, const struct vg_pending *pending);
bool limits_country_allowed(const struct auth *a, const char *phone);

#endif
