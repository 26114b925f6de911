/* validate.c: input rules, kept free of any library so they are unit-tested directly. */
#include "core/validate.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#define EMAIL_MAX 254 /* RFC 5321 path limit */
#define NAME_MAX_CHARS 100
#define USERNAME_MIN 3
#define USERNAME_MAX 32
#define PASSWORD_MIN 8
#define PASSWORD_MAX 128

void vg_field_errors_add(struct vg_field_errors *errs, const char *field, const char *message) {
  if (errs->count >= VG_FIELD_ERRORS_MAX) return;
  errs->items[errs->count].field = field;
  errs->items[errs->count].message = message;
  errs->count++;
}

bool vg_field_errors_has(const struct vg_field_errors *errs, const char *field) {
  for (int i = 0; i < errs->count; i++)
    if (strcmp(errs->items[i].field, field) == 0) return true;
  return false;
}

/* Decodes one UTF-8 sequence at s; returns its length, or 0 when it is malformed
 * (overlong forms, surrogates and code points above U+10FFFF included). */
static size_t utf8_sequence(const unsigned char *s) {
  if (s[0] < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if ((s[0] & 0xE0) == 0xC0) {
    len = 2;
    cp = s[0] & 0x1F;
  } else if ((s[0] & 0xF0) == 0xE0) {
    len = 3;
    cp = s[0] & 0x0F;
  } else if ((s[0] & 0xF8) == 0xF0) {
    len = 4;
    cp = s[0] & 0x07;
  } else
    return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  static const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

long vg_utf8_length(const char *s) {
  long count = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    size_t len = utf8_sequence(p);
    if (len == 0) return -1;
    p += len;
    count++;
  }
  return count;
}

/* True when s holds a C0 control character or DEL: no field of ours needs one. */
static bool has_control(const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    if (*p < 0x20 || *p == 0x7F) return true;
  return false;
}

bool vg_email_normalize(const char *in, char *out, size_t out_size) {
  while (*in && isspace((unsigned char)*in)) in++;
  size_t len = strlen(in);
  while (len > 0 && isspace((unsigned char)in[len - 1])) len--;
  if (len == 0 || len > EMAIL_MAX || len >= out_size) return false;
  for (size_t i = 0; i < len; i++) out[i] = (char)tolower((unsigned char)in[i]);
  out[len] = '\0';
  /* Deliberately loose (RFC 5322 allows far more than any regex admits): one '@' with a
   * non-empty local part, a domain holding a dot, no spaces or controls. */
  const char *at = strchr(out, '@');
  if (!at || at == out || strchr(at + 1, '@')) return false;
  const char *dot = strrchr(at + 1, '.');
  if (!dot || dot == at + 1 || dot[1] == '\0') return false;
  for (const char *p = out; *p; p++)
    if (isspace((unsigned char)*p) || (unsigned char)*p < 0x20 || *p == 0x7F) return false;
  return vg_utf8_length(out) >= 0;
}

const char *vg_check_name(const char *value) {
  long chars = vg_utf8_length(value);
  if (chars < 0) return "must be valid UTF-8";
  if (chars < 1 || chars > NAME_MAX_CHARS) return "must be 1 to 100 characters";
  if (has_control(value)) return "must not contain control characters";
  return NULL;
}

const char *vg_check_username(const char *value) {
  size_t len = strlen(value);
  if (len < USERNAME_MIN || len > USERNAME_MAX) return "must be 3 to 32 characters";
  for (const char *p = value; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
      return "may contain only letters, digits, '_', '.' and '-'";
  return NULL;
}

const char *vg_check_password(const char *value) {
  long chars = vg_utf8_length(value);
  if (chars < 0) return "must be valid UTF-8";
  if (chars < PASSWORD_MIN || chars > PASSWORD_MAX) return "must be 8 to 128 characters";
  return NULL;
}

const char *vg_check_phone(const char *value) {
  if (value[0] != '+' || value[1] < '1' || value[1] > '9')
    return "must be in E.164 format: '+', then the country code and number";
  size_t digits = strlen(value + 1);
  if (digits < 8 || digits > 15) return "must have 8 to 15 digits after '+'";
  for (const char *p = value + 1; *p; p++)
    if (!isdigit((unsigned char)*p)) return "must contain only digits after '+'";
  return NULL;
}

const char *vg_check_code(const char *value) {
  size_t len = strlen(value);
  if (len < 4 || len > 10) return "must be 4 to 10 digits";
  for (const char *p = value; *p; p++)
    if (!isdigit((unsigned char)*p)) return "must be 4 to 10 digits";
  return NULL;
}
