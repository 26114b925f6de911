/* signup.c: validate (the phone through the numbering plan, into E.164), hash, insert; MongoDB's
 * unique indexes alone decide "already exists". */
#include "core/auth_internal.h"

#include <stdio.h>
#include <string.h>

static const char *check_email(const char *value) {
  char normalised[VG_EMAIL_MAX];
  return vg_email_normalize(value, normalised, sizeof normalised)
             ? NULL
             : "must be a valid email address of at most 254 characters";
}

static const char *taken_field(enum vg_unique_field taken) {
  switch (taken) {
    case VG_UNIQUE_EMAIL:
      return "email";
    case VG_UNIQUE_USERNAME:
      return "username";
    case VG_UNIQUE_PHONE:
      return "phone";
    default:
      return "account";
  }
}

vg_result auth_signup(struct auth *a, const struct signup_input *in, struct vg_field_errors *errs,
                      struct vg_user *created, int *retry_after) {
  memset(created, 0, sizeof *created);
  *retry_after = 0;
  auth_require_field(errs, "name", in->name, vg_check_name);
  auth_require_field(errs, "username", in->username, vg_check_username);
  auth_require_field(errs, "email", in->email, check_email);
  auth_require_field(errs, "password", in->password, vg_check_password);
  char phone[VG_PHONE_MAX] = "";
  auth_require_field(errs, "phone", in->phone, NULL);
  if (in->phone && !vg_field_errors_has(errs, "phone") && !vg_field_errors_has(errs, "region"))
    auth_phone_normalize(a, in->phone, in->region, errs, phone);
  if (errs->count > 0) return VG_ERR_VALIDATION;
  if (!limits_country_allowed(a, phone)) {
    vg_field_errors_add(errs, "phone", "is in a country this service does not send SMS to");
    return VG_ERR_INVALID_PHONE;
  }
  /* Shed a flood before any store is asked; then count the signup before the hash, since the
   * hash is what a signup flood would spend. */
  vg_result r = a->hasher.admit(a->hasher.self);
  if (r != VG_OK) return r;
  r = limits_take_signup(a, in->client_ip, retry_after);
  if (r != VG_OK) return r;

  vg_email_normalize(in->email, created->email, sizeof created->email);
  snprintf(created->name, sizeof created->name, "%s", in->name);
  snprintf(created->username, sizeof created->username, "%s", in->username);
  snprintf(created->phone, sizeof created->phone, "%s", phone);
  created->created_at = a->clock.now(a->clock.self) * 1000;

  r = a->hasher.hash(a->hasher.self, in->password, created->password_hash);
  if (r != VG_OK) return r;

  enum vg_unique_field taken = VG_UNIQUE_UNKNOWN;
  r = a->users.insert(a->users.self, created, &taken);
  if (r == VG_ERR_CONFLICT) vg_field_errors_add(errs, taken_field(taken), "is already registered");
  return r;
}
