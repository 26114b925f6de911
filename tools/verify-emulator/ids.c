/* ids: random Twilio-style SIDs and numeric codes for verify-emulator (libsodium RNG). */
#include "ids.h"

#include <sodium.h>

void emu_ids_sid(const char prefix[2], char out[EMU_SID_LEN + 1]) {
  unsigned char raw[16];

  randombytes_buf(raw, sizeof raw);
  out[0] = prefix[0];
  out[1] = prefix[1];
  /* sodium_bin2hex writes lower-case hex and the terminating NUL. */
  sodium_bin2hex(out + 2, EMU_SID_LEN - 1, raw, sizeof raw);
}

void emu_ids_code(int length, char out[EMU_CODE_MAX_LEN + 1]) {
  int i;

  if (length < 1 || length > EMU_CODE_MAX_LEN) length = EMU_CODE_MAX_LEN;
  for (i = 0; i < length; i++) out[i] = (char)('0' + randombytes_uniform(10));
  out[length] = '\0';
}
