/* test_channels.c: auth_login and auth_resend with a delivery (channel, locale, app hash) against
 * the in-memory fakes: what the otp_sender is asked, what the pending login remembers, and that a
 * refused delivery spends nothing. */
#include <stdlib.h>
#include <string.h>

#include "../fakes/fake_ports.h"
#include "check.h"

static struct fake_world w;
static struct vg_field_errors errs;
static char mfa[FAKE_TOKEN_LEN];
#define IP "203.0.113.7"
#define PHONE "+15551234567"

#define ALICE FAKE_ALICE

static void given_alice(void) {
  fake_world_init(&w);
  w.auth.rules.resend_cooldown = 0;
  memset(&errs, 0, sizeof errs);
  struct vg_user u;
  int retry;
  CHECK(auth_signup(&w.auth, &ALICE, &errs, &u, &retry) == VG_OK);
}

static vg_result login(const struct delivery_input *d, struct login_output *out) {
  memset(&errs, 0, sizeof errs);
  vg_result r = auth_login(&w.auth, ALICE.email, ALICE.password, IP, d, &errs, out);
  if (out->mfa_token) snprintf(mfa, sizeof mfa, "%s", out->mfa_token);
  free(out->mfa_token);
  out->mfa_token = NULL;
  return r;
}

static vg_result resend(const struct delivery_input *d, struct resend_output *out) {
  memset(&errs, 0, sizeof errs);
  return auth_resend(&w.auth, mfa, IP, d, &errs, out);
}

static const struct vg_delivery *remembered(void) {
  return &fake_pending_store_find(&w.pending, strrchr(mfa, ':') + 1)->delivery;
}

static int sms_counted(void) {
  return fake_rate_limiter_count(&w.limiter, "sms-phone-10min", PHONE);
}

static void login_sends_on_the_channel_asked_and_remembers_it(void) {
  given_alice();
  struct login_output out;
  const struct delivery_input call = {.channel = "call", .locale = "PT-br"};
  CHECK(login(&call, &out) == VG_OK);
  CHECK(out.channel == VG_CHANNEL_CALL);
  CHECK(w.otp.starts == 1 && w.otp.last_delivery.channel == VG_CHANNEL_CALL);
  CHECK_STR(w.otp.last_delivery.locale, "pt-BR");
  CHECK(remembered()->channel == VG_CHANNEL_CALL);
  CHECK_STR(remembered()->locale, "pt-BR");
  CHECK(sms_counted() == 1); /* a call costs like an SMS */
}

static void login_without_channel_takes_sms_or_the_first_allowed(void) {
  given_alice();
  struct login_output out;
  CHECK(login(NULL, &out) == VG_OK && out.channel == VG_CHANNEL_SMS);
  given_alice();
  w.auth.rules.allowed_channels = VG_CHANNEL_BIT(VG_CHANNEL_WHATSAPP);
  CHECK(login(NULL, &out) == VG_OK && out.channel == VG_CHANNEL_WHATSAPP);
  CHECK(w.otp.last_delivery.channel == VG_CHANNEL_WHATSAPP);
}

static void login_refused_delivery_spends_nothing(void) {
  given_alice();
  struct login_output out;
  const struct delivery_input bad[] = {
      {.channel = "whatsapp"},
      {.locale = "xx"},
      {.app_hash = "short"},
      {.channel = "call", .app_hash = "He42w354ol9"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    CHECK(login(&bad[i], &out) == VG_ERR_VALIDATION);
    CHECK(errs.count == 1);
  }
  CHECK(w.hasher.verifies == 0 && w.otp.starts == 0);
  CHECK(fake_pending_store_count(&w.pending) == 0);
  CHECK(sms_counted() == 0);
  CHECK(fake_rate_limiter_count(&w.limiter, "login-fail-account", ALICE.email) == 0);
}

static void resend_keeps_the_delivery_and_switches_when_asked(void) {
  given_alice();
  struct login_output lo;
  const struct delivery_input sms = {.app_hash = "He42w354ol9", .locale = "fr"};
  CHECK(login(&sms, &lo) == VG_OK);
  struct resend_output out;
  CHECK(resend(NULL, &out) == VG_OK && out.channel == VG_CHANNEL_SMS);
  CHECK_STR(w.otp.last_delivery.app_hash, "He42w354ol9");
  CHECK_STR(w.otp.last_delivery.locale, "fr");
  const struct delivery_input call = {.channel = "call", .accept_language = "de"};
  CHECK(resend(&call, &out) == VG_OK && out.channel == VG_CHANNEL_CALL);
  CHECK(w.otp.last_delivery.channel == VG_CHANNEL_CALL);
  CHECK_STR(w.otp.last_delivery.locale, "fr"); /* the login's, not the header's */
  CHECK(remembered()->channel == VG_CHANNEL_CALL);
  const struct delivery_input none = {0};
  CHECK(resend(&none, &out) == VG_OK && out.channel == VG_CHANNEL_CALL);
  CHECK(w.otp.starts == 4);
  CHECK(sms_counted() == 4);
}

static void resend_refused_delivery_spends_nothing(void) {
  given_alice();
  struct login_output lo;
  const struct delivery_input call = {.channel = "call"};
  CHECK(login(&call, &lo) == VG_OK);
  struct resend_output out;
  const struct delivery_input bad[] = {{.channel = "email"}, {.app_hash = "He42w354ol9"}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    CHECK(resend(&bad[i], &out) == VG_ERR_VALIDATION);
  CHECK(w.otp.starts == 1 && sms_counted() == 1);
  CHECK(fake_pending_store_find(&w.pending, strrchr(mfa, ':') + 1)->sends == 1);
  CHECK(remembered()->channel == VG_CHANNEL_CALL);
}

int main(void) {
  RUN(login_sends_on_the_channel_asked_and_remembers_it);
  RUN(login_without_channel_takes_sms_or_the_first_allowed);
  RUN(login_refused_delivery_spends_nothing);
  RUN(resend_keeps_the_delivery_and_switches_when_asked);
  RUN(resend_refused_delivery_spends_nothing);
  return check_done();
}
