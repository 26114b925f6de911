/* validate: the parameter rules Twilio Verify enforces (TWILIO_VERIFY.md §4-§6). */
#ifndef EMU_VALIDATE_H
#define EMU_VALIDATE_H

#include <stdbool.h>

/* True for '+' followed by 1-15 digits, the first non-zero (E.164). */
bool emu_valid_e164(const char *to);

/* True for a plausible e-mail address: non-empty local part, '@', a dotted domain. */
bool emu_valid_email(const char *to);

/* True when sid is prefix + exactly 32 hex digits of either case (Twilio's SID patterns). */
bool emu_valid_sid(const char *sid, const char prefix[2]);

/* True when code is 4-10 characters long. */
bool emu_valid_code(const char *code);

/* Maps a start request's Channel to the channel the verification records: "auto" becomes
 * "sms" (the emulator has no silent network auth to fall back from). NULL if not allowed. */
const char *emu_channel_resolve(const char *channel);

#endif
