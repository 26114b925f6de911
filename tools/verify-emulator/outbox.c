/* outbox: where the emulator "delivers" codes, namely one line per send on stdout. */
#include "outbox.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "store.h"

static const char *channel_label(const char *channel) {
  static const char *const labels[][2] = {{"sms", "SMS"},
                                          {"call", "Call"},
                                          {"email", "Email"},
                                          {"whatsapp", "WhatsApp"},
                                          {"sna", "SNA"}};
  size_t i;

  for (i = 0; i < sizeof labels / sizeof labels[0]; i++) {
    if (strcmp(channel, labels[i][0]) == 0) return labels[i][1];
  }
  return channel;
}

/* "+15551234567" becomes "+*******4567"; "ann@example.com" becomes "a***@example.com". */
static void mask_recipient(const char *to, char *out, size_t out_len) {
  const char *at = strchr(to, '@');
  size_t len = strlen(to);
  size_t i;

  if (at != NULL) {
    snprintf(out, out_len, "%c***%s", to[0], at);
    return;
  }
  for (i = 0; i < len && i + 1 < out_len; i++) out[i] = (i == 0 || i + 4 >= len) ? to[i] : '*';
  out[i] = '\0';
}

void emu_outbox_deliver(const char *channel, const char *to, const char *code,
                        const char *app_hash) {
  char masked[EMU_TO_MAX];
  bool retriever = app_hash != NULL && app_hash[0] != '\0' && strcmp(channel, "sms") == 0;

  mask_recipient(to, masked, sizeof masked);
  /* One printf call, so concurrent deliveries never interleave within a line. */
  printf("verify-emulator: %s to %s: %syour verigate code is %s%s%s\n", channel_label(channel),
         masked, retriever ? "<#> " : "", code, retriever ? " " : "", retriever ? app_hash : "");
  fflush(stdout);
}
