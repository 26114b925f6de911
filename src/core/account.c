/* account.c: what the holder of an access token may do to its own account: change its password
 * (POST /me/password) and delete it (DELETE /me). Both ask for the current password, checked as
 * a login checks it: through the hash queue, counted against the account's guessing limits. */
#include "core/auth_internal.h"

#include <string.h>

/* A deleted account bars every login, whenever its password step: as far ahead as the bar is
 * kept (VG_LOGIN_BAR_SECONDS). The bar is set again once the user is gone, so that it counts
 * from the removal. */
static int64_t all_logins(const struct auth *a) {
  return a->clock.now(a->clock.self) + VG_LOGIN_BAR_SECONDS;
}

/* The user of id with its password hash: the user cache keeps no hash, so a user it answers
 * for is read again by email, from the store itself. */
static vg_result load_with_hash(struct auth *a, const char *id, struct vg_user *user) {
  vg_result r = a->users.find_by_id(a->users.self, id, user);
  if (r != VG_OK || user->password_hash[0]) return r;
  char email[VG_EMAIL_MAX];
  memcpy(email, user->email, sizeof email);
  r = a->users.find_by_email(a->users.self, email, user);
  if (r == VG_OK && strcmp(user->id, id) != 0) return VG_ERR_NOT_FOUND;
  return r;
}

/* Checks password against user's as /login would: the hash queue first (a full one is 503, no
 * store asked), the account's and the IP's failure limits around it (a wrong password stays
 * counted, so this is no way around the lock; a right one, or one that could not be checked,
 * gives the failure back). */
static vg_result check_password(struct auth *a, const struct vg_user *user, const char *password,
                                const char *ip, int *retry_after) {
  vg_result r = a->hasher.admit(a->hasher.self);
  if (r != VG_OK) return r;
  struct vg_reservation res = {0};
  r = limits_login_reserve(a, user->email, ip, &res, retry_after);
  if (r != VG_OK) return r;
  r = a->hasher.verify(a->hasher.self, user->password_hash, password);
  if (r == VG_ERR_INVALID_CREDENTIALS) return VG_ERR_WRONG_PASSWORD;
  limits_login_give_back(a, &res, r == VG_OK);
  return r;
}

vg_result auth_password_change(struct auth *a, const char *access_token, const char *current,
                               const char *new_password, const char *client_ip,
                               struct vg_field_errors *errs, struct account_output *out) {
  memset(out, 0, sizeof *out);
  struct vg_claims claims;
  vg_result r = auth_require_access(a, access_token, &claims);
  if (r != VG_OK) return r;
  memcpy(out->user_id, claims.sub, sizeof out->user_id);
  auth_require_field(errs, "current_password", current, NULL);
  auth_require_field(errs, "new_password", new_password, vg_check_password);
  if (errs->count == 0 && strcmp(current, new_password) == 0)
    vg_field_errors_add(errs, "new_password", "must differ from the current password");
  if (errs->count > 0) return VG_ERR_VALIDATION;

  struct vg_user user;
  r = load_with_hash(a, claims.sub, &user);
  if (r != VG_OK) return r == VG_ERR_NOT_FOUND ? VG_ERR_INVALID_TOKEN : r;
  r = check_password(a, &user, current, client_ip, &out->retry_after);
  if (r != VG_OK) return r;
  char hash[VG_HASH_MAX];
  r = a->hasher.hash(a->hasher.self, new_password, hash);
  if (r != VG_OK) return r;
  /* The other sessions end before the password changes: a failure in between leaves the old
   * password and fewer sessions, never the new password beside sessions it should have ended. */
  r = auth_end_other_sessions(a, claims.sub, claims.sid);
  if (r != VG_OK) return r;
  r = a->users.update(a->users.self, claims.sub, &(struct vg_user_change){.password_hash = hash},
                      NULL);
  return r == VG_ERR_NOT_FOUND ? VG_ERR_INVALID_TOKEN : r;
}

/* The password, or a second factor passed within VG_RECENT_LOGIN_SECONDS: deleting an account
 * from a device left signed in must take more than the device. user_found false: the user is
 * gone already (a retry after the removal): nothing left to protect but the caller's session. */
static vg_result may_delete(struct auth *a, const struct vg_claims *claims,
                            const struct vg_user *user, bool user_found, const char *password,
                            const char *client_ip, struct account_output *out) {
  if (!user_found) return VG_OK;
  if (password) return check_password(a, user, password, client_ip, &out->retry_after);
  int64_t age = a->clock.now(a->clock.self) - claims->auth_time;
  return age <= VG_RECENT_LOGIN_SECONDS ? VG_OK : VG_ERR_REAUTH_REQUIRED;
}

vg_result auth_account_delete(struct auth *a, const char *access_token, const char *password,
                              const char *client_ip, struct vg_field_errors *errs,
                              struct account_output *out) {
  memset(out, 0, sizeof *out);
  struct vg_claims claims;
  vg_result r = auth_require_access(a, access_token, &claims);
  if (r != VG_OK) return r;
  memcpy(out->user_id, claims.sub, sizeof out->user_id);
  if (password && !*password) vg_field_errors_add(errs, "password", "must not be empty");
  if (errs->count > 0) return VG_ERR_VALIDATION;

  struct vg_user user;
  r = password ? load_with_hash(a, claims.sub, &user)
               : a->users.find_by_id(a->users.self, claims.sub, &user);
  if (r != VG_OK && r != VG_ERR_NOT_FOUND) return r;
  r = may_delete(a, &claims, &user, r == VG_OK, password, client_ip, out);
  if (r != VG_OK) return r;

  /* Redis first, MongoDB second, the caller's own session last: the bar keeps the pending
   * logins from becoming sessions, every other session ends, and only then does the user go.
   * A failure up to the removal leaves the user in place (the bar lifted), signed in only here,
   * so the same request can be sent again; after it, the user is gone and a retry finishes. */
  int keep = auth_revocation_keep(a);
  r = a->sessions.bar_user(a->sessions.self, claims.sub, all_logins(a));
  if (r == VG_OK) r = a->sessions.revoke_user(a->sessions.self, claims.sub, claims.sid, keep);
  if (r == VG_OK) r = a->users.remove(a->users.self, claims.sub);
  if (r != VG_OK && r != VG_ERR_NOT_FOUND) {
    a->sessions.bar_user(a->sessions.self, claims.sub, 0);
    return r;
  }
  r = a->sessions.bar_user(a->sessions.self, claims.sub, all_logins(a));
  if (r == VG_OK) r = a->sessions.revoke_session(a->sessions.self, claims.sid, keep);
  return r == VG_OK ? auth_deny_token(a, &claims) : r;
}
