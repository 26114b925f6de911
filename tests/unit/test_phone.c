/* test_phone.c: the libphonenumber adapter against the real numbering plan of Debian's
 * libphonenumber8: E.164 out of international and national formats, line types, refusals. */
#include <string.h>

#include "adapters/libphonenumber.h"
#include "check.h"

static struct phone_numbers plan;
static char e164[VG_PHONE_MAX];
static enum vg_phone_kind kind;

static enum vg_phone_parse parse(const char *raw, const char *region) {
  return plan.parse(plan.self, raw, region, e164, &kind);
}

static void international_formats_become_e164(void) {
  const char *same[] = {
      "+14155552671", "+1 415 555 2671", "+1 (415) 555-2671", "+1.415.555.2671",
      "\xef\xbc\x8b\x31\x34\x31\x35\x35\x35\x35\x32\x36\x37\x31" /* full-width */};
  for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
    CHECK(parse(same[i], NULL) == VG_PHONE_PARSED);
    CHECK_STR(e164, "+14155552671");
    CHECK(kind == VG_PHONE_KIND_FIXED_OR_MOBILE);
  }
  /* A region does not change a number that carries its own country code. */
  CHECK(parse("+44 7400 123456", "US") == VG_PHONE_PARSED);
  CHECK_STR(e164, "+447400123456");
  CHECK(kind == VG_PHONE_KIND_MOBILE);
}

static void national_formats_are_read_in_their_region(void) {
  struct {
    const char *raw, *region, *e164;
    enum vg_phone_kind kind;
  } cases[] = {
      {"(415) 555-2671", "US", "+14155552671", VG_PHONE_KIND_FIXED_OR_MOBILE},
      {"07400 123456", "GB", "+447400123456", VG_PHONE_KIND_MOBILE},
      {"06 12 34 56 78", "FR", "+33612345678", VG_PHONE_KIND_MOBILE},
      {"0151 23456789", "DE", "+4915123456789", VG_PHONE_KIND_MOBILE},
      {"00 44 7400 123456", "FR", "+447400123456", VG_PHONE_KIND_MOBILE}, /* FR's exit code */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CHECK(parse(cases[i].raw, cases[i].region) == VG_PHONE_PARSED);
    CHECK_STR(e164, cases[i].e164);
    CHECK(kind == cases[i].kind);
  }
}

static void line_types_come_from_the_plan(void) {
  struct {
    const char *raw;
    enum vg_phone_kind kind;
  } cases[] = {
      {"+19002345678", VG_PHONE_KIND_PREMIUM_RATE}, {"+449012345678", VG_PHONE_KIND_PREMIUM_RATE},
      {"+33884012345", VG_PHONE_KIND_SHARED_COST},  {"+34901123456", VG_PHONE_KIND_SHARED_COST},
      {"+441212345678", VG_PHONE_KIND_FIXED_LINE},  {"+18002345678", VG_PHONE_KIND_TOLL_FREE},
      {"+447012345678", VG_PHONE_KIND_PERSONAL},    {"+445612345678", VG_PHONE_KIND_VOIP},
      {"+447640123456", VG_PHONE_KIND_PAGER},       {"+445512345678", VG_PHONE_KIND_UAN},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    CHECK(parse(cases[i].raw, NULL) == VG_PHONE_PARSED);
    CHECK(kind == cases[i].kind);
  }
}

/* Found by fuzzing: the plan formats this as +5216452011643 but reads that as +526452011643. */
static void the_e164_form_reads_back_as_itself(void) {
  CHECK(parse("+52011645201164BB3", NULL) == VG_PHONE_PARSED);
  CHECK_STR(e164, "+526452011643");
  char first[VG_PHONE_MAX];
  memcpy(first, e164, sizeof first);
  CHECK(parse(first, NULL) == VG_PHONE_PARSED);
  CHECK_STR(e164, first);
}

static void refusals_say_why(void) {
  CHECK(parse("4155552671", NULL) == VG_PHONE_NO_COUNTRY && e164[0] == '\0');
  CHECK(parse("4155552671", "XX") == VG_PHONE_BAD_REGION);
  CHECK(parse("4155552671", "ZZ") == VG_PHONE_BAD_REGION);
  CHECK(parse("call me maybe", NULL) == VG_PHONE_NOT_A_NUMBER);
  CHECK(parse("", "US") == VG_PHONE_NOT_A_NUMBER);
  CHECK(parse("+1 415 555 2671 ext. 12", NULL) == VG_PHONE_EXTENSION);
  CHECK(parse("+15551234567", NULL) == VG_PHONE_NOT_IN_PLAN);   /* area code 555 is not assigned */
  CHECK(parse("+999 1234 5678", NULL) == VG_PHONE_NOT_IN_PLAN); /* no country 999 */
  CHECK(parse("+1 415", NULL) == VG_PHONE_NOT_IN_PLAN);
  CHECK(parse("+1 415 555 2671 2671 2671", NULL) == VG_PHONE_NOT_IN_PLAN);
  CHECK(e164[0] == '\0');
}

int main(void) {
  plan = libphonenumber_port();
  RUN(international_formats_become_e164);
  RUN(national_formats_are_read_in_their_region);
  RUN(line_types_come_from_the_plan);
  RUN(the_e164_form_reads_back_as_itself);
  RUN(refusals_say_why);
  return check_done();
}
