/* phone_rules.c: which phone numbers a user may sign up with. The numbering plan (a port) reads
 * the number; this file decides what verigate accepts: a number that is assigned in its
 * country's plan and is of a kind that can receive an SMS, stored in E.164. */
#include "core/auth_internal.h"

#include <ctype.h>
#include <string.h>

#define PHONE_INPUT_MAX 64 /* bytes of what the user typed, spaces and punctuation included */

/* NULL when a line of this kind can receive an SMS, else why not. */
static const char *kind_refusal(enum vg_phone_kind kind) {
  switch (kind) {
    case VG_PHONE_KIND_MOBILE:
    case VG_PHONE_KIND_FIXED_OR_MOBILE:
    case VG_PHONE_KIND_VOIP:
      return NULL;
    case VG_PHONE_KIND_FIXED_LINE:
      return "is a landline number, which cannot receive SMS";
    case VG_PHONE_KIND_TOLL_FREE:
      return "is a toll-free number, which cannot receive SMS";
    case VG_PHONE_KIND_PREMIUM_RATE:
      return "is a premium-rate number, which cannot be used";
    case VG_PHONE_KIND_SHARED_COST:
      return "is a shared-cost number, which cannot be used";
    case VG_PHONE_KIND_PERSONAL:
      return "is a personal (forwarding) number, which cannot be used";
    case VG_PHONE_KIND_PAGER:
      return "is a pager number, which cannot receive SMS";
    case VG_PHONE_KIND_UAN:
      return "is a company (universal access) number, which cannot receive SMS";
    case VG_PHONE_KIND_VOICEMAIL:
      return "is a voicemail access number, which cannot receive SMS";
    default:
      return "is not a number that can receive SMS";
  }
}

static const char *parse_refusal(enum vg_phone_parse parsed) {
  switch (parsed) {
    case VG_PHONE_NO_COUNTRY:
      return "must start with '+' and the country code, or come with a region";
    case VG_PHONE_NOT_A_NUMBER:
      return "is not a phone number";
    case VG_PHONE_EXTENSION:
      return "must not have an extension";
    default:
      return "is not a valid phone number";
  }
}

static bool ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Upper-cases a two-letter region into out; false when region is not two ASCII letters. */
static bool region_code(const char *region, char out[3]) {
  if (strlen(region) != 2 || !ascii_letter(region[0]) || !ascii_letter(region[1])) return false;
  out[0] = (char)toupper((unsigned char)region[0]);
  out[1] = (char)toupper((unsigned char)region[1]);
  out[2] = '\0';
  return true;
}

bool auth_phone_normalize(struct auth *a, const char *raw, const char *region,
                          struct vg_field_errors *errs, char e164[VG_PHONE_MAX]) {
  static const char bad_region[] = "must be a two-letter ISO 3166-1 region code, such as US or GB";
  e164[0] = '\0';
  char code[3];
  bool region_ok = !region || region_code(region, code);
  if (!region_ok) vg_field_errors_add(errs, "region", bad_region);
  if (strlen(raw) > PHONE_INPUT_MAX) {
    vg_field_errors_add(errs, "phone", "must be at most 64 characters");
    return false;
  }
  if (vg_utf8_length(raw) < 0) {
    vg_field_errors_add(errs, "phone", "must be valid UTF-8");
    return false;
  }
  if (!region_ok) return false;

  enum vg_phone_kind kind = VG_PHONE_KIND_UNKNOWN;
  enum vg_phone_parse parsed =
      a->phones.parse(a->phones.self, raw, region ? code : NULL, e164, &kind);
  if (parsed == VG_PHONE_BAD_REGION) {
    vg_field_errors_add(errs, "region", bad_region);
    return false;
  }
  const char *refusal = parsed == VG_PHONE_PARSED ? kind_refusal(kind) : parse_refusal(parsed);
  /* The plan's answer is held to verigate's own E.164 rule before it is stored. */
  if (!refusal && vg_check_phone(e164)) refusal = "is not a valid phone number";
  if (refusal) {
    vg_field_errors_add(errs, "phone", refusal);
    e164[0] = '\0';
    return false;
  }
  return true;
}
