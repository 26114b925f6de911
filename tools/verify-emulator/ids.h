/* ids: random Twilio-style SIDs and numeric codes for verify-emulator (libsodium RNG). */
#ifndef EMU_IDS_H
#define EMU_IDS_H

#include <stddef.h>

/* A SID is a two-letter prefix plus 32 lower-case hex characters. */
#define EMU_SID_LEN 34
#define EMU_CODE_MAX_LEN 10

/* Writes prefix + 32 random lower-case hex digits into out (EMU_SID_LEN + 1 bytes).
 * sodium_init() must have succeeded first. */
void emu_ids_sid(const char prefix[2], char out[EMU_SID_LEN + 1]);

/* Writes length (1..EMU_CODE_MAX_LEN) uniformly random decimal digits into out. */
void emu_ids_code(int length, char out[EMU_CODE_MAX_LEN + 1]);

#endif
