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
                             const char *user_id, const char *amr, struct verify_output *out);

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
bool limits_country_allowed(const struct auth *a, const char *phone);

#endif
