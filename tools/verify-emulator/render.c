/* render: Twilio Verify v2 JSON bodies (TWILIO_VERIFY.md §3, §5). */
#include "render.h"

#include <stdio.h>
#include <string.h>

#define EMU_API_BASE "https://verify.twilio.com/v2/Services/"

void emu_format_time(time_t t, char out[EMU_TIME_LEN + 1]) {
  struct tm tm;

  gmtime_r(&t, &tm);
  strftime(out, EMU_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Twilio's examples spell the attempt channel upper-case for SMS and e-mail, lower-case for the
 * newer whatsapp and sna channels; call follows SMS. */
static const char *attempt_channel_name(const char *channel) {
  if (strcmp(channel, "sms") == 0) return "SMS";
  if (strcmp(channel, "email") == 0) return "EMAIL";
  if (strcmp(channel, "call") == 0) return "CALL";
  return channel;
}

static json_t *render_attempts(const struct emu_verification *v) {
  json_t *list = json_array();
  char time[EMU_TIME_LEN + 1];
  int i;

  for (i = 0; list != NULL && i < v->sends; i++) {
    const struct emu_send_attempt *a = &v->attempts[i];
    emu_format_time(a->time, time);
    /* json_array_append_new steals the reference, also when it fails. */
    if (json_array_append_new(
            list, json_pack("{s:s, s:s, s:s}", "time", time, "channel",
                            attempt_channel_name(a->channel), "attempt_sid", a->sid)) != 0) {
      json_decref(list);
      list = NULL;
    }
  }
  return list;
}

json_t *emu_render_verification(const struct emu_config *config, const struct emu_verification *v) {
  char created[EMU_TIME_LEN + 1];
  char updated[EMU_TIME_LEN + 1];
  char url[160];

  emu_format_time(v->created, created);
  emu_format_time(v->updated, updated);
  snprintf(url, sizeof url, EMU_API_BASE "%s/Verifications/%s", config->service_sid, v->sid);
  /* "o" steals each value; json_pack releases them if it fails. */
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:{}, s:n, s:n, s:o, s:n, s:s}",
                   "sid", v->sid, "service_sid", config->service_sid, "account_sid",
                   config->account_sid, "to", v->to, "channel", v->channel, "status",
                   emu_status_name(v->status), "valid", v->status == EMU_STATUS_APPROVED,
                   "date_created", created, "date_updated", updated, "lookup", "amount", "payee",
                   "send_code_attempts", render_attempts(v), "sna", "url", url);
}

json_t *emu_render_check(const struct emu_config *config, const struct emu_verification *v) {
  char created[EMU_TIME_LEN + 1];
  char updated[EMU_TIME_LEN + 1];

  emu_format_time(v->created, created);
  emu_format_time(v->updated, updated);
  return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:n, s:n, s:[], s:s, s:s}", "sid", v->sid,
                   "service_sid", config->service_sid, "account_sid", config->account_sid, "to",
                   v->to, "channel", v->channel, "status", emu_status_name(v->status), "valid",
                   v->status == EMU_STATUS_APPROVED, "amount", "payee", "sna_attempts_error_codes",
                   "date_created", created, "date_updated", updated);
}

json_t *emu_render_service(const struct emu_config *config, time_t created) {
  char date[EMU_TIME_LEN + 1];
  char url[96];
  char checks[128];
  char verifications[128];

  emu_format_time(created, date);
  snprintf(url, sizeof url, EMU_API_BASE "%s", config->service_sid);
  snprintf(checks, sizeof checks, "%s/VerificationCheck", url);
  snprintf(verifications, sizeof verifications, "%s/Verifications", url);
  return json_pack(
      "{s:s, s:s, s:s, s:i, s:b, s:b, s:b, s:b, s:n, s:b, s:b, s:n, s:b,"
      " s:s, s:s, s:s, s:{s:s, s:s}}",
      "sid", config->service_sid, "account_sid", config->account_sid, "friendly_name",
      "verify-emulator", "code_length", config->code_length, "lookup_enabled", 0, "psd2_enabled", 0,
      "skip_sms_to_landlines", 0, "dtmf_input_required", 0, "tts_name",
      "do_not_share_warning_enabled", 0, "custom_code_enabled", 0, "default_template_sid",
      "verify_event_subscription_enabled", 0, "date_created", date, "date_updated", date, "url",
      url, "links", "verification_checks", checks, "verifications", verifications);
}

json_t *emu_render_error(int status, int code, const char *message) {
  char more_info[64];

  snprintf(more_info, sizeof more_info, "https://www.twilio.com/docs/errors/%d", code);
  return json_pack("{s:i, s:s, s:s, s:i}", "code", code, "message", message, "more_info", more_info,
                   "status", status);
}
