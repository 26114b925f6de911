/* auth.h: verigate's use cases. Each takes plain C inputs, talks to the world only through the
 * ports it was given, and returns a vg_result that src/http/problem.c turns into a response. */
#ifndef VG_AUTH_H
#define VG_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/delivery.h"
#include "core/factors.h"
#include "core/phone_mask.h"
#include "core/result.h"
#include "core/validate.h"
#include "ports/clock.h"
#include "ports/otp_sender.h"
#include "ports/password_hasher.h"
#include "ports/phone_numbers.h"
#include "ports/pending_store.h"
#include "ports/rate_limiter.h"
#include "ports/session_store.h"
#include "ports/task_runner.h"
#include "ports/token_service.h"
#include "ports/user_store.h"

/* The rules of the second factor (defaults in auth_rules_default). */
struct auth_rules {
  int resend_cooldown;       /* seconds between two SMS of one login; 0 = none */
  int max_sends;             /* SMS per pending login, the first included */
  int max_attempts;          /* wrong codes per pending login; the last one ends the login */
  int verify_lock_ttl;       /* seconds a /verify holds its login; above the Twilio timeout */
  int refresh_ttl;           /* seconds a refresh token lives unless spent */
  int access_ttl;            /* seconds an access token lives: how long a revocation must be kept */
  int refresh_reuse_grace;   /* seconds a spent refresh token still gets its successor; 0 = none */
  unsigned allowed_channels; /* VG_CHANNEL_BIT set a request may name (ALLOWED_CHANNELS) */
};

/* The abuse limits (core/limits.c), each counted in the rate_limiter so that they hold across
 * every instance. 0 turns a limit off. */
struct abuse_rules {
  int login_fails_per_account; /* failed logins per account in 15 min before the lock */
  int login_lock_seconds;      /* how long the password step of that account stays locked */
  int login_fails_per_ip;      /* failed logins per client IP in 15 min */
  int sms_per_phone_10min;
  int sms_per_phone_day;
  int sms_per_ip_hour;
  int sms_per_prefix_hour; /* to one block of 1,000 numbers (all digits but the last 3) */
  int sms_max_per_hour;    /* for the whole service: beyond, 503 */
  int signups_per_ip_hour;
  /* /password/forgot per client IP, and per address (an account's or not) */
  int resets_per_ip_hour;
  int resets_per_address_hour;
  const char *allowed_countries; /* calling codes "1,44,33"; NULL or "" allows all */
};

struct auth {
  struct user_store users;
  struct pending_store pending;
  struct otp_sender otp;
  struct token_service tokens;
  struct password_hasher hasher;
  struct clock_port clock;
  struct rate_limiter limiter;
  struct session_store sessions;
  struct phone_numbers phones;
  struct task_runner background; /* jobs run after the answer (password_reset.c's SMS) */
  struct auth_rules rules;
  struct abuse_rules abuse;
  struct auth_factors factors; /* TOTP and recovery codes (core/factors.h) */
  /* A real hash of a random password, verified against when the email is unknown,
   * so that "no such user" costs the same time as "wrong password". */
  char dummy_hash[VG_HASH_MAX];
};

struct auth_rules auth_rules_default(void);
struct abuse_rules abuse_rules_default(void);

/* Takes rules and prepares the dummy hash; the caller has set every port of a before. */
vg_result auth_init(struct auth *a, struct auth_rules rules);

struct signup_input {
  const char *name, *username, *email, *password;
  const char *phone;     /* E.164, or a national format with region */
  const char *region;    /* ISO 3166-1 alpha-2 code the national format is read in; may be NULL */
  const char *client_ip; /* "" when unknown */
};

/* On VG_ERR_VALIDATION errs lists the bad fields; on VG_ERR_CONFLICT errs names the taken one;
 * on VG_ERR_RATE_LIMITED *retry_after says when this client IP may sign up again. */
vg_result auth_signup(struct auth *a, const struct signup_input *in, struct vg_field_errors *errs,
                      struct vg_user *created, int *retry_after);

struct login_output {
  char *mfa_token; /* free() it */
  int expires_in;
  char to[VG_MASKED_PHONE_MAX];
  /* Whose login it was, for the audit log, also on a refusal once the address has been read:
   * the user's id when the address is an account's, else (an unknown address) the address's tag
   * in account (rate_limiter tag), so that attempts on it can be grouped without it. */
  char user_id[VG_ID_MAX];
  char account[VG_ACCOUNT_TAG_MAX];
  int retry_after;         /* with VG_ERR_SMS_RATE_LIMITED and VG_ERR_RATE_LIMITED */
  enum vg_channel channel; /* the code went out on it */
  enum vg_factor factor;   /* what /verify expects: sms (a code was sent) or totp (none was) */
  unsigned factors;        /* VG_FACTOR_BIT set the user can log in with */
};

/* delivery (NULL: the defaults) is checked with the other fields, before anything is spent. */
vg_result auth_login(struct auth *a, const char *email, const char *password, const char *client_ip,
                     const struct delivery_input *delivery, struct vg_field_errors *errs,
                     struct login_output *out);

struct resend_output {
  char to[VG_MASKED_PHONE_MAX];
  int retry_after; /* seconds until the next resend is allowed (also with the 429s) */
  char user_id[VG_ID_MAX];
  enum vg_channel channel; /* the code went out on it */
};

/* Sends the login's code again, as delivery says, or as the last send went for what it leaves
 * out (all of it when delivery is NULL; errs may then be NULL too). VG_ERR_VALIDATION, with errs,
 * spends nothing. */
vg_result auth_resend(struct auth *a, const char *mfa_token, const char *client_ip,
                      const struct delivery_input *delivery, struct vg_field_errors *errs,
                      struct resend_output *out);

struct verify_output {
  char *access_token; /* free() it */
  int expires_in;
  char refresh_token[VG_REFRESH_TOKEN_MAX];
  int refresh_expires_in;
  int attempts_left; /* with VG_ERR_WRONG_CODE */
  int retry_after;   /* with the 429s and 409 */
  char user_id[VG_ID_MAX];
  enum vg_factor factor; /* the factor checked */
  int recovery_left;     /* with factor recovery: codes that remain */
};

/* auth_verify_factor with the SMS code; client (may be NULL) is kept with the session the code
 * starts (auth_session_client). */
vg_result auth_verify(struct auth *a, const char *mfa_token, const char *code,
                      const struct vg_session_client *client, struct vg_field_errors *errs,
                      struct verify_output *out);

/* The second step with factor ("sms" or NULL, "totp", "recovery"): a TOTP or recovery code
 * counts against the login's attempts exactly as a wrong SMS code does. */
vg_result auth_verify_factor(struct auth *a, const char *mfa_token, const char *factor,
                             const char *code, const struct vg_session_client *client,
                             struct vg_field_errors *errs, struct verify_output *out);

struct dashboard_output {
  struct vg_user user;
  struct vg_claims claims;
};

vg_result auth_dashboard(struct auth *a, const char *access_token, struct dashboard_output *out);

struct refresh_output {
  char *access_token; /* free() it */
  int expires_in;
  char refresh_token[VG_REFRESH_TOKEN_MAX];
  int refresh_expires_in;
  char user_id[VG_ID_MAX]; /* also with a replayed refresh token */
  bool reused;             /* the refresh token had been spent before: its session is revoked */
  bool retried;   /* spent within the reuse grace: refresh_token is the successor it already got */
  bool user_gone; /* the session's user no longer exists: its session is revoked */
};

/* Spends refresh_token for a new access token and a new refresh token of the same session (the
 * same sid and auth_time). VG_ERR_VALIDATION when it is missing; VG_ERR_INVALID_TOKEN when it is
 * unknown, expired, revoked or already spent (then out->reused, and the session is revoked). A
 * token spent less than rules.refresh_reuse_grace seconds ago, whose successor is still unspent,
 * gets that same successor and a new access token (out->retried). The session's user is read
 * on every refresh: when it no longer exists the session is revoked, out->user_gone, and the
 * answer is VG_ERR_INVALID_TOKEN; when the user store cannot answer, its error. */
vg_result auth_refresh(struct auth *a, const char *refresh_token, struct vg_field_errors *errs,
                       struct refresh_output *out);

struct logout_output {
  char user_id[VG_ID_MAX];
  bool global;
};

/* Ends the session of access_token (scope NULL or "session"), or every session of its user
 * (scope "global"), and denies the token itself until it expires. VG_ERR_INVALID_TOKEN,
 * VG_ERR_INSUFFICIENT_AAL for an mfa_token, VG_ERR_VALIDATION for another scope. */
vg_result auth_logout(struct auth *a, const char *access_token, const char *scope,
                      struct vg_field_errors *errs, struct logout_output *out);

/* The account's own use cases (account.c, account_sessions.c), each behind an access token
 * (VG_ERR_INVALID_TOKEN, or VG_ERR_INSUFFICIENT_AAL for an mfa_token). */

/* What a session keeps of its client: user_agent with every control byte dropped, cut to
 * VG_USER_AGENT_MAX - 1 bytes on a UTF-8 boundary (NULL: ""), and ip_prefix as it is (the
 * caller makes it a network, never the whole address; NULL or too long: ""). */
void auth_session_client(const char *user_agent, const char *ip_prefix,
                         struct vg_session_client *out);

struct sessions_output {
  struct vg_session_info *items; /* count of them, the newest first; free() it */
  int count;
  char current[VG_SESSION_ID_MAX]; /* the caller's own session */
  char user_id[VG_ID_MAX];
};

/* The live sessions of the token's user, at most VG_SESSIONS_LIST_MAX (the newest). */
vg_result auth_sessions_list(struct auth *a, const char *access_token, struct sessions_output *out);

struct session_delete_output {
  char user_id[VG_ID_MAX];
  bool own; /* the caller ended its own session: a logout */
};

/* Ends session id of the token's user. VG_ERR_SESSION_NOT_FOUND for an id that is no live
 * session of this user (another user's, unknown, ended): one answer for all. */
vg_result auth_session_delete(struct auth *a, const char *access_token, const char *id,
                              struct session_delete_output *out);

struct account_output {
  char user_id[VG_ID_MAX];
  int retry_after; /* with VG_ERR_RATE_LIMITED */
};

/* Sets a new password after checking the current one (VG_ERR_WRONG_PASSWORD, counted against
 * the account's failed-password limit as a failed login is: VG_ERR_RATE_LIMITED while locked)
 * and ends every other session of the user. new_password follows signup's rules and differs
 * from the current one (VG_ERR_VALIDATION). client_ip: what per-IP limits count. */
vg_result auth_password_change(struct auth *a, const char *access_token, const char *current,
                               const char *new_password, const char *client_ip,
                               struct vg_field_errors *errs, struct account_output *out);

/* Seconds after auth_time within which DELETE /me needs no password. */
#define VG_RECENT_LOGIN_SECONDS 300

/* Deletes the token's user: every session ends, its pending logins can no longer finish, then
 * the user (and its factors) goes. Needs password (NULL: none given; a wrong one is
 * VG_ERR_WRONG_PASSWORD, counted) or a token whose auth_time is at most VG_RECENT_LOGIN_SECONDS
 * old (else VG_ERR_REAUTH_REQUIRED). A failure leaves the user in place, signed out of every
 * other session, and a retry with the same token finishes; a retry after the user was removed
 * ends the caller's session and answers VG_OK. */
vg_result auth_account_delete(struct auth *a, const char *access_token, const char *password,
                              const char *client_ip, struct vg_field_errors *errs,
                              struct account_output *out);

/* VG_OK when both stores answer; *users_ok and *pending_ok say which did. */
vg_result auth_ready(struct auth *a, bool *users_ok, bool *pending_ok);

#endif
