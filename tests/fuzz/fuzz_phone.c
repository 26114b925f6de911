/* fuzz_phone.c: libFuzzer target for the string rules of core that see a phone number or an
 * address: vg_check_phone, vg_phone_mask, vg_email_normalize and vg_utf8_length. Each output
 * buffer is malloc'd at exactly the size the function is told, so ASan sees a one-byte overrun;
 * the checks below hold each function to its contract against an independent reading.
 *
 * The libphonenumber normaliser (what a user typed, with a region, into E.164) has its own
 * target, fuzz_phone_normalize.c.
 *
 * Input: the bytes up to the first NUL, as one C string. */
#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/phone_mask.h"
#include "core/validate.h"
#include "ports/user_store.h"
#include "fuzz_require.h"

/* E.164 as verigate documents it: '+', a first digit 1-9, 8 to 15 digits in all. */
static bool is_e164(const char *s) {
  size_t len = strlen(s);
  if (len < 9 || len > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9') return false;
  for (size_t i = 1; i < len; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

static void check_phone(const char *s) {
  FUZZ_REQUIRE((vg_check_phone(s) == NULL) == is_e164(s));

  char *masked = malloc(VG_MASKED_PHONE_MAX);
  if (!masked) return;
  vg_phone_mask(s, masked);
  size_t len = strnlen(s, VG_MASKED_PHONE_MAX - 1);
  FUZZ_REQUIRE(strlen(masked) == len);
  for (size_t i = 0; i < len; i++) {
    if (i + 4 >= len) {
      FUZZ_REQUIRE(masked[i] == s[i]); /* the last four stay as they are */
    } else {
      FUZZ_REQUIRE(!isdigit((unsigned char)masked[i])); /* no other digit shows */
      FUZZ_REQUIRE(masked[i] == (isdigit((unsigned char)s[i]) ? '*' : s[i]));
    }
  }
  free(masked);
}

/* The number of code points of valid UTF-8 is its number of non-continuation bytes. */
static void check_utf8(const char *s) {
  long n = vg_utf8_length(s);
  FUZZ_REQUIRE(n >= -1);
  if (n < 0) return;
  long leads = 0;
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) leads += (*p & 0xC0) != 0x80;
  FUZZ_REQUIRE(n == leads);
}

/* Normalises s into a buffer of exactly size bytes; NULL when it is refused. */
static char *normalize(const char *s, size_t size) {
  char *out = malloc(size ? size : 1);
  if (!out) return NULL;
  if (!vg_email_normalize(s, out, size)) {
    free(out);
    return NULL;
  }
  return out;
}

static void check_email(const char *s) {
  char *full = normalize(s, VG_EMAIL_MAX);
  if (!full) return;
  size_t len = strlen(full);
  FUZZ_REQUIRE(len > 0 && len < VG_EMAIL_MAX);
  FUZZ_REQUIRE(strchr(full, '@') && strchr(full, '@') == strrchr(full, '@'));
  FUZZ_REQUIRE(vg_utf8_length(full) >= 0);
  for (const char *p = full; *p; p++) FUZZ_REQUIRE(!isupper((unsigned char)*p));

  /* A buffer that fits exactly gives the same answer; one byte less is refused, not overrun. */
  char *exact = normalize(s, len + 1);
  FUZZ_REQUIRE(exact && strcmp(exact, full) == 0);
  char *short_by_one = normalize(s, len);
  FUZZ_REQUIRE(!short_by_one);

  /* Normalising is idempotent: what is stored is what a later login looks up. */
  char *again = normalize(full, VG_EMAIL_MAX);
  FUZZ_REQUIRE(again && strcmp(again, full) == 0);
  free(again);
  free(exact);
  free(full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *s = strndup((const char *)data, size);
  if (!s) return 0;
  check_phone(s);
  check_utf8(s);
  check_email(s);
  free(s);
  return 0;
}
