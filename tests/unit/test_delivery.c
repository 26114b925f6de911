/* test_delivery.c: the channel, locale (Accept-Language) and app hash rules of core/delivery.c. */
#include <string.h>

#include "check.h"
#include "core/delivery.h"

#define SMS_CALL (VG_CHANNEL_BIT(VG_CHANNEL_SMS) | VG_CHANNEL_BIT(VG_CHANNEL_CALL))

static const struct vg_delivery SMS = {.channel = VG_CHANNEL_SMS};

static void locale_find_matches_any_case_and_answers_twilio_spelling(void) {
  CHECK_STR(vg_locale_find("pt-br"), "pt-BR");
  CHECK_STR(vg_locale_find("PT-BR"), "pt-BR");
  CHECK_STR(vg_locale_find("En-gb"), "en-GB");
  CHECK_STR(vg_locale_find("fr"), "fr");
  CHECK_STR(vg_locale_find("zh-hk"), "zh-HK");
  CHECK(vg_locale_find("pt-PT") == NULL);
  CHECK(vg_locale_find("xx") == NULL);
  CHECK(vg_locale_find("") == NULL);
  CHECK(vg_locale_find("en-") == NULL);
  CHECK(vg_locale_find(NULL) == NULL);
}

static void accept_language_takes_the_heaviest_listed_range(void) {
  CHECK_STR(vg_locale_from_accept_language("fr"), "fr");
  CHECK_STR(vg_locale_from_accept_language("pt-BR,pt;q=0.9,en;q=0.5"), "pt-BR");
  /* By weight, not by order; equal weights keep the client's order. */
  CHECK_STR(vg_locale_from_accept_language("en;q=0.5, de;q=0.8, fr;q=0.8"), "de");
  CHECK_STR(vg_locale_from_accept_language("xx, ja;q=0.1"), "ja");
  /* A region Twilio does not list falls back to the language alone. */
  CHECK_STR(vg_locale_from_accept_language("de-AT"), "de");
  CHECK_STR(vg_locale_from_accept_language("pt-PT, en;q=0.9"), "pt");
  CHECK_STR(vg_locale_from_accept_language("zh-Hant-TW"), "zh");
  CHECK_STR(vg_locale_from_accept_language("EN-gb"), "en-GB");
  /* White space, parameters other than q, and q's spellings. */
  CHECK_STR(vg_locale_from_accept_language("  es ; q=1.000 ,it;q=0.99"), "es");
  CHECK_STR(vg_locale_from_accept_language("nl;Q=0.3;foo=bar, sv;q=0.2"), "nl");
}

static void accept_language_never_takes_q0_star_or_malformed(void) {
  CHECK(vg_locale_from_accept_language("fr;q=0") == NULL);
  CHECK(vg_locale_from_accept_language("fr;q=0.000, xx") == NULL);
  CHECK_STR(vg_locale_from_accept_language("fr;q=0, de;q=0.001"), "de");
  CHECK(vg_locale_from_accept_language("*") == NULL);
  CHECK(vg_locale_from_accept_language("*;q=0.5, xx") == NULL);
  CHECK(vg_locale_from_accept_language("fr;q=2") == NULL);
  CHECK(vg_locale_from_accept_language("fr;q=0.5x") == NULL);
  CHECK(vg_locale_from_accept_language("fr;q=1.5") == NULL);
  CHECK(vg_locale_from_accept_language("fr;q=0.12345") == NULL);
  CHECK(vg_locale_from_accept_language("") == NULL);
  CHECK(vg_locale_from_accept_language(",,, ;") == NULL);
  CHECK(vg_locale_from_accept_language(NULL) == NULL);
}

static void app_hash_is_eleven_base64_characters(void) {
  CHECK(vg_check_app_hash("He42w354ol9") == NULL);
  CHECK(vg_check_app_hash("A+/0zZaaaaa") == NULL);
  CHECK(vg_check_app_hash("He42w354ol") != NULL);
  CHECK(vg_check_app_hash("He42w354ol9x") != NULL);
  CHECK(vg_check_app_hash("He42w354o-9") != NULL);
  CHECK(vg_check_app_hash("He42w354o 9") != NULL);
  CHECK(vg_check_app_hash("") != NULL);
}

static void resolve_takes_defaults_and_names_each_bad_field(void) {
  struct vg_field_errors errs = {0};
  struct vg_delivery out;
  const struct delivery_input none = {0};
  CHECK(vg_delivery_resolve(&none, &SMS, SMS_CALL, &errs, &out));
  CHECK(out.channel == VG_CHANNEL_SMS && out.locale[0] == '\0' && out.app_hash[0] == '\0');

  const struct delivery_input call = {.channel = "call", .locale = "pt-br"};
  CHECK(vg_delivery_resolve(&call, &SMS, SMS_CALL, &errs, &out) && errs.count == 0);
  CHECK(out.channel == VG_CHANNEL_CALL);
  CHECK_STR(out.locale, "pt-BR");

  const struct delivery_input bad = {
      .channel = "whatsapp", .locale = "klingon", .app_hash = "short", .accept_language = "fr"};
  CHECK(!vg_delivery_resolve(&bad, &SMS, SMS_CALL, &errs, &out));
  CHECK(errs.count == 3);
  CHECK_STR(errs.items[0].field, "channel");
  CHECK_STR(errs.items[0].message, "must be one of: sms, call");
  CHECK_STR(errs.items[1].field, "locale");
  CHECK_STR(errs.items[2].field, "app_hash");

  memset(&errs, 0, sizeof errs);
  const struct delivery_input unknown = {.channel = "email"};
  CHECK(!vg_delivery_resolve(&unknown, &SMS, VG_CHANNELS_ALL, &errs, &out));
  CHECK_STR(errs.items[0].message, "must be one of: sms, call, whatsapp");
  memset(&errs, 0, sizeof errs);
  const struct delivery_input upper = {.channel = "SMS"};
  CHECK(!vg_delivery_resolve(&upper, &SMS, SMS_CALL, &errs, &out));
}

static void resolve_app_hash_only_with_sms(void) {
  struct vg_field_errors errs = {0};
  struct vg_delivery out;
  const struct delivery_input with_call = {.channel = "call", .app_hash = "He42w354ol9"};
  CHECK(!vg_delivery_resolve(&with_call, &SMS, SMS_CALL, &errs, &out));
  CHECK(errs.count == 1);
  CHECK_STR(errs.items[0].field, "app_hash");
  CHECK_STR(errs.items[0].message, "is only sent with the sms channel");

  /* A remembered hash is kept through a call (which sends none) for the next SMS. */
  memset(&errs, 0, sizeof errs);
  const struct vg_delivery hashed = {.channel = VG_CHANNEL_SMS, .app_hash = "He42w354ol9"};
  const struct delivery_input to_call = {.channel = "call"};
  CHECK(vg_delivery_resolve(&to_call, &hashed, SMS_CALL, &errs, &out));
  CHECK(out.channel == VG_CHANNEL_CALL);
  CHECK_STR(out.app_hash, "He42w354ol9");
  const struct delivery_input again = {0};
  CHECK(vg_delivery_resolve(&again, &hashed, SMS_CALL, &errs, &out));
  CHECK_STR(out.app_hash, "He42w354ol9");
}

static void resolve_accept_language_yields_to_locale_given_or_remembered(void) {
  struct vg_field_errors errs = {0};
  struct vg_delivery out;
  const struct delivery_input header = {.accept_language = "de-CH, en;q=0.5"};
  CHECK(vg_delivery_resolve(&header, &SMS, SMS_CALL, &errs, &out));
  CHECK_STR(out.locale, "de");
  const struct delivery_input both = {.locale = "fr", .accept_language = "de"};
  CHECK(vg_delivery_resolve(&both, &SMS, SMS_CALL, &errs, &out));
  CHECK_STR(out.locale, "fr");
  const struct vg_delivery remembered = {.channel = VG_CHANNEL_SMS, .locale = "ja"};
  CHECK(vg_delivery_resolve(&header, &remembered, SMS_CALL, &errs, &out));
  CHECK_STR(out.locale, "ja");
  const struct delivery_input unlisted = {.accept_language = "xx-YY"};
  CHECK(vg_delivery_resolve(&unlisted, &SMS, SMS_CALL, &errs, &out));
  CHECK(out.locale[0] == '\0');
  CHECK(errs.count == 0);
}

int main(void) {
  RUN(locale_find_matches_any_case_and_answers_twilio_spelling);
  RUN(accept_language_takes_the_heaviest_listed_range);
  RUN(accept_language_never_takes_q0_star_or_malformed);
  RUN(app_hash_is_eleven_base64_characters);
  RUN(resolve_takes_defaults_and_names_each_bad_field);
  RUN(resolve_app_hash_only_with_sms);
  RUN(resolve_accept_language_yields_to_locale_given_or_remembered);
  return check_done();
}
