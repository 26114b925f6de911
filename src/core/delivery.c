/* delivery.c: channel, locale and app hash rules for sending a code. */
#include "core/delivery.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The locales Twilio Verify translates its messages into, spelled as Twilio's Locale parameter
 * takes them (twilio.com/docs/verify/supported-languages; not in the OpenAPI spec, whose Locale
 * text links there). Sending only these means Twilio never falls back to English unasked. */
static const char *const twilio_locales[] = {
    "af", "ar",    "ca", "cs", "da", "de", "el", "en", "en-GB", "es", "et", "fi",    "fr",
    "he", "hi",    "hr", "hu", "id", "it", "ja", "ko", "lt",    "ms", "nb", "nl",    "pl",
    "pt", "pt-BR", "ro", "ru", "sv", "th", "tl", "tr", "uk",    "vi", "zh", "zh-CN", "zh-HK",
};

const char *vg_locale_find(const char *tag) {
  if (tag == NULL) return NULL;
  for (size_t i = 0; i < sizeof twilio_locales / sizeof *twilio_locales; i++)
    if (strcasecmp(tag, twilio_locales[i]) == 0) return twilio_locales[i];
  return NULL;
}

#define RANGES_MAX 16
#define RANGE_MAX 36 /* longer ranges name no locale of the list */

struct lang_range {
  char tag[RANGE_MAX];
  int q; /* weight in thousandths */
};

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths; -1 if malformed. */
static int parse_qvalue(const char *s, size_t len) {
  if (len == 0 || (s[0] != '0' && s[0] != '1')) return -1;
  int q = (s[0] - '0') * 1000;
  if (len == 1) return q;
  if (s[1] != '.' || len > 5) return -1;
  int scale = 100;
  for (size_t i = 2; i < len; i++, scale /= 10) {
    if (!isdigit((unsigned char)s[i])) return -1;
    q += (s[i] - '0') * scale;
  }
  return q > 1000 ? -1 : q;
}

/* The weight of one element's parameters (";q=0.5"), 1000 when none; -1 when malformed. */
static int element_weight(const char *params, size_t len) {
  int q = 1000;
  while (len > 0) {
    while (len > 0 && (*params == ';' || *params == ' ' || *params == '\t')) params++, len--;
    size_t n = 0;
    while (n < len && params[n] != ';') n++;
    size_t end = n;
    while (end > 0 && (params[end - 1] == ' ' || params[end - 1] == '\t')) end--;
    if (end >= 2 && (params[0] == 'q' || params[0] == 'Q') && params[1] == '=') {
      q = parse_qvalue(params + 2, end - 2);
      if (q < 0) return -1;
    }
    params += n;
    len -= n;
  }
  return q;
}

/* Splits header into ranges with their weights; q=0, "*" and malformed elements are left out. */
static int parse_ranges(const char *header, struct lang_range out[RANGES_MAX]) {
  int count = 0;
  while (*header && count < RANGES_MAX) {
    size_t len = strcspn(header, ",");
    const char *e = header;
    header += len + (header[len] == ',');
    while (len > 0 && (*e == ' ' || *e == '\t')) e++, len--;
    size_t tag_len = strcspn(e, ";, \t");
    if (tag_len > len) tag_len = len;
    if (tag_len == 0 || tag_len >= RANGE_MAX || (tag_len == 1 && e[0] == '*')) continue;
    int q = element_weight(e + tag_len, len - tag_len);
    if (q <= 0) continue;
    memcpy(out[count].tag, e, tag_len);
    out[count].tag[tag_len] = '\0';
    out[count++].q = q;
  }
  return count;
}

/* Higher weight first; among equals, the order given (RFC 9110: the client's order). */
static void sort_by_weight(struct lang_range *r, int n) {
  for (int i = 1; i < n; i++) {
    struct lang_range x = r[i];
    int j = i;
    while (j > 0 && r[j - 1].q < x.q) r[j] = r[j - 1], j--;
    r[j] = x;
  }
}

const char *vg_locale_from_accept_language(const char *header) {
  struct lang_range ranges[RANGES_MAX];
  if (header == NULL) return NULL;
  int n = parse_ranges(header, ranges);
  sort_by_weight(ranges, n);
  for (int i = 0; i < n; i++) {
    const char *found = vg_locale_find(ranges[i].tag);
    if (found) return found;
    char *dash = strchr(ranges[i].tag, '-');
    if (dash) *dash = '\0';
    found = vg_locale_find(ranges[i].tag);
    if (found) return found;
  }
  return NULL;
}

const char *vg_check_app_hash(const char *value) {
  if (strlen(value) != VG_APP_HASH_LEN) return "must be the 11-character SMS Retriever app hash";
  for (const char *p = value; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '+' && *p != '/')
      return "must be the 11-character SMS Retriever app hash";
  return NULL;
}

/* "must be one of: sms, call", for every set of allowed channels. */
static const char *channel_message(unsigned allowed) {
  static const char *const by_set[VG_CHANNELS_ALL + 1] = {
      "no channel is allowed",          "must be one of: sms",
      "must be one of: call",           "must be one of: sms, call",
      "must be one of: whatsapp",       "must be one of: sms, whatsapp",
      "must be one of: call, whatsapp", "must be one of: sms, call, whatsapp",
  };
  return by_set[allowed & VG_CHANNELS_ALL];
}

static void resolve_channel(const char *name, enum vg_channel fallback, unsigned allowed,
                            struct vg_field_errors *errs, enum vg_channel *out) {
  *out = fallback;
  if (name == NULL || vg_field_errors_has(errs, "channel")) return;
  if (!vg_channel_from_name(name, out) || !(allowed & VG_CHANNEL_BIT(*out)))
    vg_field_errors_add(errs, "channel", channel_message(allowed));
}

bool vg_delivery_resolve(const struct delivery_input *in, const struct vg_delivery *fallback,
                         unsigned allowed, struct vg_field_errors *errs, struct vg_delivery *out) {
  int before = errs->count;
  *out = *fallback;
  resolve_channel(in->channel, fallback->channel, allowed, errs, &out->channel);

  const char *locale = NULL;
  if (in->locale != NULL && !vg_field_errors_has(errs, "locale")) {
    locale = vg_locale_find(in->locale);
    if (locale == NULL)
      vg_field_errors_add(errs, "locale",
                          "must be a locale Twilio Verify supports, like en or pt-BR");
  } else if (in->accept_language != NULL && fallback->locale[0] == '\0') {
    locale = vg_locale_from_accept_language(in->accept_language);
  }
  if (locale) snprintf(out->locale, sizeof out->locale, "%s", locale);

  if (in->app_hash != NULL && !vg_field_errors_has(errs, "app_hash")) {
    const char *why = vg_check_app_hash(in->app_hash);
    if (why == NULL && out->channel != VG_CHANNEL_SMS) why = "is only sent with the sms channel";
    if (why)
      vg_field_errors_add(errs, "app_hash", why);
    else
      snprintf(out->app_hash, sizeof out->app_hash, "%s", in->app_hash);
  }
  return errs->count == before;
}
