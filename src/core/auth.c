/* auth.c: set-up, readiness and the token checks every use case shares. */
#include "core/auth_internal.h"

#include <string.h>

/* Any constant does: the dummy hash only makes an unknown email cost one Argon2id verify. */
static const char DUMMY_PASSWORD[] = "verigate-timing-equaliser";

struct auth_rules auth_rules_default(void) {
  return (struct auth_rules){
      .resend_cooldown = 30,
      .max_sends = 5,
      .max_attempts = 5,
      .verify_lock_ttl = 15,
      .refresh_ttl = 2592000,
      .access_ttl = 900,
      .refresh_reuse_grace = 10,
      .allowed_channels = VG_CHANNEL_BIT(VG_CHANNEL_SMS) | VG_CHANNEL_BIT(VG_CHANNEL_CALL),
  };
}

struct abuse_rules abuse_rules_default(void) {
  return (struct abuse_rules){
      .login_fails_per_account = 5,
      .login_lock_seconds = 900,
      .login_fails_per_ip = 50,
      .sms_per_phone_10min = 5,
      .sms_per_prefix_hour = 20,
      .sms_per_phone_day = 10,
      .sms_per_ip_hour = 20,
      .sms_max_per_hour = 1000,
      .signups_per_ip_hour = 10,
      .resets_per_ip_hour = 10,
      .resets_per_address_hour = 5,
      .allowed_countries = "",
  };
}

vg_result auth_init(struct auth *a, struct auth_rules rules) {
  a->rules = rules;
  return a->hasher.hash(a->hasher.self, DUMMY_PASSWORD, a->dummy_hash);
}

vg_result auth_require_token(struct auth *a, const char *token, enum vg_token_kind kind,
                             struct vg_claims *claims) {
  if (!token || !*token) return VG_ERR_INVALID_TOKEN;
  vg_result r = a->tokens.verify(a->tokens.self, token, claims);
  if (r != VG_OK) return r;
  if (claims->kind == kind) return VG_OK;
  /* An mfa_token where an access_token is needed is "authenticate more" (RFC 9470);
   * any other mismatch (a reset token anywhere but /password/reset) is simply the wrong token. */
  return kind == VG_TOKEN_ACCESS && claims->kind == VG_TOKEN_MFA ? VG_ERR_INSUFFICIENT_AAL
                                                                 : VG_ERR_INVALID_TOKEN;
}

void auth_require_field(struct vg_field_errors *errs, const char *field, const char *value,
                        const char *(*check)(const char *)) {
  if (vg_field_errors_has(errs, field)) return; /* already refused by the caller */
  if (!value) {
    vg_field_errors_add(errs, field, "is required");
    return;
  }
  const char *message = check ? check(value) : NULL;
  if (message) vg_field_errors_add(errs, field, message);
}

vg_result auth_ready(struct auth *a, bool *users_ok, bool *pending_ok) {
  *users_ok = a->users.ping(a->users.self) == VG_OK;
  *pending_ok = a->pending.ping(a->pending.self) == VG_OK;
  return *users_ok && *pending_ok ? VG_OK : VG_ERR_UNAVAILABLE;
}

vg_result auth_dashboard(struct auth *a, const char *access_token, struct dashboard_output *out) {
  memset(out, 0, sizeof *out);
  vg_result r = auth_require_access(a, access_token, &out->claims);
  if (r != VG_OK) return r;
  r = a->users.find_by_id(a->users.self, out->claims.sub, &out->user);
  /* A token for a user who no longer exists is no longer a valid token. */
  return r == VG_ERR_NOT_FOUND ? VG_ERR_INVALID_TOKEN : r;
}
