/* validate.h: input rules for the signup form, login email and SMS code.
 * Pure functions on C strings; messages are static strings. */
#ifndef VG_VALIDATE_H
#define VG_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#define VG_FIELD_ERRORS_MAX 8

struct vg_field_error {
  const char *field;
  const char *message;
};

/* Every bad field of one request, in the order found. */
struct vg_field_errors {
  struct vg_field_error items[VG_FIELD_ERRORS_MAX];
  int count;
};

void vg_field_errors_add(struct vg_field_errors *errs, const char *field, const char *message);
/* True when errs already refuses field. */
bool vg_field_errors_has(const struct vg_field_errors *errs, const char *field);

/* Trims ASCII white space and lower-cases in into out (out_size bytes).
 * Returns false when the result does not fit or is not a plausible address. */
bool vg_email_normalize(const char *in, char *out, size_t out_size);

/* Each returns NULL when value is valid, else the message for the field. */
const char *vg_check_name(const char *value);
const char *vg_check_username(const char *value);
const char *vg_check_password(const char *value);
const char *vg_check_phone(const char *value);
const char *vg_check_code(const char *value);

/* Number of UTF-8 code points in s, or -1 when s is not valid UTF-8. */
long vg_utf8_length(const char *s);

#endif
