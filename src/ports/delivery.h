/* delivery.h: how a code reaches the user (channel, language, Android app hash): plain values the
 * pending_store keeps and the otp_sender sends with. */
#ifndef VG_PORT_DELIVERY_H
#define VG_PORT_DELIVERY_H

#include <stdbool.h>
#include <string.h>

/* The Twilio Verify channels verigate offers; each costs like an SMS. */
enum vg_channel { VG_CHANNEL_SMS, VG_CHANNEL_CALL, VG_CHANNEL_WHATSAPP, VG_CHANNEL_COUNT };

#define VG_CHANNEL_BIT(c) (1u << (c))
#define VG_CHANNELS_ALL ((1u << VG_CHANNEL_COUNT) - 1)
#define VG_LOCALE_MAX 8    /* the longest Twilio locale, "zh-HK", and NUL, with room */
#define VG_APP_HASH_LEN 11 /* the SMS Retriever hash string */

struct vg_delivery {
  enum vg_channel channel;
  char locale[VG_LOCALE_MAX];         /* Twilio's spelling of a locale it lists; "" for none */
  char app_hash[VG_APP_HASH_LEN + 1]; /* "" for none; only ever sent with VG_CHANNEL_SMS */
};

/* The channel's name, as Twilio's Channel parameter and verigate's API spell it. */
static inline const char *vg_channel_name(enum vg_channel c) {
  static const char *const names[VG_CHANNEL_COUNT] = {"sms", "call", "whatsapp"};
  return c >= 0 && c < VG_CHANNEL_COUNT ? names[c] : "sms";
}

/* The channel named name (exactly, lower case); false when none is. */
static inline bool vg_channel_from_name(const char *name, enum vg_channel *out) {
  for (int c = 0; name && c < VG_CHANNEL_COUNT; c++)
    if (strcmp(name, vg_channel_name((enum vg_channel)c)) == 0) {
      *out = (enum vg_channel)c;
      return true;
    }
  return false;
}

#endif
