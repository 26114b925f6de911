// libphonenumber.cc: the phone_numbers port on libphonenumber's PhoneNumberUtil, which is
// thread-safe and holds the numbering plan of every region (Debian's libphonenumber8).
#include "adapters/libphonenumber.h"

#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include <phonenumbers/logger.h>
#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

namespace {

// The library logs what it could not parse, which is the user's number: keep it quiet.
const PhoneNumberUtil &util() {
  static std::once_flag quiet;
  PhoneNumberUtil *u = PhoneNumberUtil::GetInstance();
  std::call_once(quiet, [u] { u->SetLogger(new i18n::phonenumbers::NullLogger()); });
  return *u;
}

vg_phone_kind kind_of(PhoneNumberUtil::PhoneNumberType type) {
  switch (type) {
    case PhoneNumberUtil::MOBILE:
      return VG_PHONE_KIND_MOBILE;
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
      return VG_PHONE_KIND_FIXED_OR_MOBILE;
    case PhoneNumberUtil::FIXED_LINE:
      return VG_PHONE_KIND_FIXED_LINE;
    case PhoneNumberUtil::TOLL_FREE:
      return VG_PHONE_KIND_TOLL_FREE;
    case PhoneNumberUtil::PREMIUM_RATE:
      return VG_PHONE_KIND_PREMIUM_RATE;
    case PhoneNumberUtil::SHARED_COST:
      return VG_PHONE_KIND_SHARED_COST;
    case PhoneNumberUtil::VOIP:
      return VG_PHONE_KIND_VOIP;
    case PhoneNumberUtil::PERSONAL_NUMBER:
      return VG_PHONE_KIND_PERSONAL;
    case PhoneNumberUtil::PAGER:
      return VG_PHONE_KIND_PAGER;
    case PhoneNumberUtil::UAN:
      return VG_PHONE_KIND_UAN;
    case PhoneNumberUtil::VOICEMAIL:
      return VG_PHONE_KIND_VOICEMAIL;
    default:
      return VG_PHONE_KIND_UNKNOWN;
  }
}

// A '+' as the library reads it: ASCII or full-width (U+FF0B).
bool has_plus(const char *raw) {
  return std::strchr(raw, '+') != nullptr || std::strstr(raw, "\xef\xbc\x8b") != nullptr;
}

vg_phone_parse parse(void *self, const char *raw, const char *region, char e164[VG_PHONE_MAX],
                     vg_phone_kind *kind) {
  (void)self;
  e164[0] = '\0';
  *kind = VG_PHONE_KIND_UNKNOWN;
  const PhoneNumberUtil &u = util();
  // "ZZ" is the library's unknown region: only a number with '+' and country code parses.
  std::string in_region = region ? region : "ZZ";
  if (region && u.GetCountryCodeForRegion(in_region) == 0) return VG_PHONE_BAD_REGION;

  PhoneNumber number;
  switch (u.Parse(raw, in_region, &number)) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    // No country code, or one that does not exist.
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return region || has_plus(raw) ? VG_PHONE_NOT_IN_PLAN : VG_PHONE_NO_COUNTRY;
    case PhoneNumberUtil::NOT_A_NUMBER:
      return VG_PHONE_NOT_A_NUMBER;
    default:  // too short or too long for any number
      return VG_PHONE_NOT_IN_PLAN;
  }
  if (number.has_extension()) return VG_PHONE_EXTENSION;
  if (!u.IsValidNumber(number)) return VG_PHONE_NOT_IN_PLAN;

  // The E.164 form must read back as itself, or one number could be stored under two forms
  // (found by fuzzing: "+52 01 1645 2011 64BB3" formats as +5216452011643, which the plan reads
  // as +526452011643). Read it again until it is stable; a number that never settles is refused.
  std::string formatted;
  u.Format(number, PhoneNumberUtil::E164, &formatted);
  for (int round = 0;; round++) {
    PhoneNumber again;
    std::string reformatted;
    if (u.Parse(formatted, "ZZ", &again) != PhoneNumberUtil::NO_PARSING_ERROR ||
        !u.IsValidNumber(again))
      return VG_PHONE_NOT_IN_PLAN;
    u.Format(again, PhoneNumberUtil::E164, &reformatted);
    if (reformatted == formatted) {
      number = again;
      break;
    }
    if (round == 2) return VG_PHONE_NOT_IN_PLAN;
    formatted = reformatted;
  }
  if (formatted.size() >= VG_PHONE_MAX) return VG_PHONE_NOT_IN_PLAN;
  std::snprintf(e164, VG_PHONE_MAX, "%s", formatted.c_str());
  *kind = kind_of(u.GetNumberType(number));
  return VG_PHONE_PARSED;
}

}  // namespace

extern "C" struct phone_numbers libphonenumber_port(void) {
  util();
  return phone_numbers{nullptr, parse};
}
