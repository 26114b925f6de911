/* oath_totp.c: TOTP codes checked by liboath (oath_totp_validate4), which compares every code of
 * the window and says which step matched, so that core can refuse a step already spent. */
#include "adapters/oath_totp.h"

#include <string.h>

#include <liboath/oath.h>

#define TOTP_PERIOD 30
#define TOTP_DIGITS 6

bool oath_totp_init(void) {
  return oath_init() == OATH_OK;
}

void oath_totp_done(void) {
  oath_done();
}

static int flags_of(int hash) {
  return hash == 256 ? OATH_TOTP_HMAC_SHA256 : hash == 512 ? OATH_TOTP_HMAC_SHA512 : 0;
}

bool oath_totp_code(const unsigned char *secret, size_t len, int64_t now, unsigned digits, int hash,
                    char *out) {
  return oath_totp_generate2((const char *)secret, len, (time_t)now, TOTP_PERIOD, 0, digits,
                             flags_of(hash), out) == OATH_OK;
}

/* liboath takes the number of digits from the code's length: only exactly six digits reach it. */
static bool six_digits(const char *code) {
  if (!code || strlen(code) != TOTP_DIGITS) return false;
  for (const char *p = code; *p; p++)
    if (*p < '0' || *p > '9') return false;
  return true;
}

static vg_result check(void *self, const unsigned char *secret, size_t len, const char *code,
                       int64_t now, int window, int64_t *step) {
  (void)self;
  if (!six_digits(code) || window < 0) return VG_ERR_WRONG_CODE;
  int pos = 0;
  uint64_t counter = 0;
  int r = oath_totp_validate4((const char *)secret, len, (time_t)now, TOTP_PERIOD, 0,
                              (size_t)window, &pos, &counter, 0, code);
  if (r < 0) return r == OATH_INVALID_OTP ? VG_ERR_WRONG_CODE : VG_ERR_INTERNAL;
  *step = (int64_t)counter;
  return VG_OK;
}

struct totp_checker oath_totp_port(void) {
  return (struct totp_checker){.self = NULL, .check = check};
}
