/* phone_numbers.h: a real numbering plan (libphonenumber in production). It turns what a user
 * typed into E.164 and says what kind of line the number is; core decides which kinds may
 * receive a code. */
#ifndef VG_PORT_PHONE_NUMBERS_H
#define VG_PORT_PHONE_NUMBERS_H

#include "ports/user_store.h"

enum vg_phone_parse {
  VG_PHONE_PARSED,       /* e164 and kind are set */
  VG_PHONE_NO_COUNTRY,   /* no '+' and country code, and no region to read it in */
  VG_PHONE_BAD_REGION,   /* region is not one the plan knows */
  VG_PHONE_NOT_A_NUMBER, /* not a phone number at all */
  VG_PHONE_EXTENSION,    /* a number with an extension, which no SMS can reach */
  VG_PHONE_NOT_IN_PLAN,  /* shaped like a number, but no such number is assigned */
};

/* The line types of libphonenumber's PhoneNumberType. */
enum vg_phone_kind {
  VG_PHONE_KIND_UNKNOWN,
  VG_PHONE_KIND_MOBILE,
  VG_PHONE_KIND_FIXED_OR_MOBILE, /* plans such as +1 that do not tell the two apart */
  VG_PHONE_KIND_FIXED_LINE,
  VG_PHONE_KIND_TOLL_FREE,
  VG_PHONE_KIND_PREMIUM_RATE,
  VG_PHONE_KIND_SHARED_COST,
  VG_PHONE_KIND_VOIP,
  VG_PHONE_KIND_PERSONAL,
  VG_PHONE_KIND_PAGER,
  VG_PHONE_KIND_UAN,
  VG_PHONE_KIND_VOICEMAIL,
};

struct phone_numbers {
  void *self;
  /* Reads raw as an international number ('+' and country code) or, with region (an ISO 3166-1
   * alpha-2 code in upper case, or NULL), as a national one. On VG_PHONE_PARSED e164 holds the
   * number in E.164 and *kind its line type. Thread-safe; never logs. */
  enum vg_phone_parse (*parse)(void *self, const char *raw, const char *region,
                               char e164[VG_PHONE_MAX], enum vg_phone_kind *kind);
};

#endif
