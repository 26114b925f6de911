/* validate: the parameter rules Twilio Verify enforces (TWILIO_VERIFY.md §4-§6). */
#include "validate.h"

#include <ctype.h>
#include <string.h>

bool emu_valid_e164(const char *to) {
  size_t digits;

  if (to == NULL || to[0] != '+' || to[1] < '1' || to[1] > '9') return false;
  for (digits = 0; to[1 + digits] != '\0'; digits++) {
    if (!isdigit((unsigned char)to[1 + digits])) return false;
  }
  return digits <= 15;
}

bool emu_valid_email(const char *to) {
  const char *at;
  const char *dot;

  if (to == NULL || strlen(to) > 254 || strpbrk(to, " \t\r\n") != NULL) return false;
  at = strchr(to, '@');
  if (at == NULL || at == to || strchr(at + 1, '@') != NULL) return false;
  dot = strrchr(at + 1, '.');
  return dot != NULL && dot > at + 1 && dot[1] != '\0';
}

bool emu_valid_sid(const char *sid, const char prefix[2]) {
  size_t i;

  if (sid == NULL || sid[0] != prefix[0] || sid[1] != prefix[1]) return false;
  for (i = 2; i < 34; i++) {
    if (!isxdigit((unsigned char)sid[i])) return false;
  }
  return sid[34] == '\0';
}

bool emu_valid_code(const char *code) {
  size_t len = code == NULL ? 0 : strlen(code);

  return len >= 4 && len <= 10;
}

const char *emu_channel_resolve(const char *channel) {
  static const char *const allowed[] = {"sms", "call", "email", "whatsapp", "sna"};
  size_t i;

  if (channel == NULL) return NULL;
  if (strcmp(channel, "auto") == 0) return "sms";
  for (i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
    if (strcmp(channel, allowed[i]) == 0) return allowed[i];
  }
  return NULL;
}
