/* test_password_reset.c: the rules of core/password_reset.c against the in-memory fakes. */
#include <stdlib.h>
#include <string.h>

#include "../fakes/fake_ports.h"
#include "../fakes/fake_task_runner.h"
#include "check.h"
#include "core/password_reset.h"

static struct fake_world w;
static struct fake_task_runner runner;
static struct vg_field_errors errs;
static struct vg_user alice;
static char token[FAKE_TOKEN_LEN]; /* the reset token of the last forgot() */
#define IP "203.0.113.7"
#define NEW_PASSWORD "a brand new horse"

#define ALICE FAKE_ALICE

/* Alice signed up; her phone verified by a login when verified. */
static void given_alice(bool verified) {
  fake_task_runner_cancel(&runner); /* the jobs a test left: given back in their own world */
  fake_world_init(&w);
  memset(&runner, 0, sizeof runner);
  w.auth.background = fake_task_runner_port(&runner);
  memset(&errs, 0, sizeof errs);
  int retry;
  CHECK(auth_signup(&w.auth, &ALICE, &errs, &alice, &retry) == VG_OK);
  if (verified) {
    struct login_output lo;
    struct verify_output vo;
    CHECK(auth_login(&w.auth, ALICE.email, ALICE.password, IP, NULL, &errs, &lo) == VG_OK);
    CHECK(auth_verify(&w.auth, lo.mfa_token, "123456", NULL, &errs, &vo) == VG_OK);
    free(lo.mfa_token);
    free(vo.access_token);
    w.clock.now += 60; /* past the login's resend cooldown */
  }
  alice = *fake_user_store_by_id(&w.users, alice.id);
}

static vg_result forgot(const char *email, struct forgot_output *out) {
  memset(&errs, 0, sizeof errs);
  vg_result r = auth_password_forgot(&w.auth, email, IP, &errs, out);
  if (out->reset_token) snprintf(token, sizeof token, "%s", out->reset_token);
  free(out->reset_token);
  out->reset_token = NULL;
  return r;
}

static vg_result reset(const char *reset_token, const char *code, const char *password,
                       const char *factor, struct reset_output *out) {
  memset(&errs, 0, sizeof errs);
  const struct reset_input in = {reset_token, code, password, factor};
  return auth_password_reset(&w.auth, &in, &errs, out);
}

/* The pending reset of the last token: "reset." and the jti the fake's tokens end in. */
static struct vg_pending *pending_reset(void) {
  char id[64];
  snprintf(id, sizeof id, "reset.%s", strrchr(token, ':') + 1);
  return fake_pending_store_find(&w.pending, id);
}

static void factor_rule_is_totp_where_enrolled_else_sms_for_a_verified_phone_else_none(void) {
  struct vg_user u = {.phone = "+15551234567", .phone_verified = true};
  given_alice(false); /* a world whose factors are off */
  CHECK(reset_factor_for(&w.auth, &u) == VG_RESET_FACTOR_SMS);
  u.totp = true;
  snprintf(u.totp_box, sizeof u.totp_box, "k1.box");
  CHECK(reset_factor_for(&w.auth, &u) == VG_RESET_FACTOR_SMS); /* TOTP off: the phone */
  w.auth.factors.enabled = true;
  CHECK(reset_factor_for(&w.auth, &u) == VG_RESET_FACTOR_TOTP); /* never the phone then */
  u.totp = false;
  u.phone_verified = false;
  CHECK(reset_factor_for(&w.auth, &u) == VG_RESET_FACTOR_NONE);
  CHECK(reset_proof_offered(&w.auth, VG_RESET_PROOF_TOTP));
  w.auth.factors.enabled = false;
  CHECK(reset_proof_offered(&w.auth, VG_RESET_PROOF_SMS));
  CHECK(!reset_proof_offered(&w.auth, VG_RESET_PROOF_TOTP) &&
        !reset_proof_offered(&w.auth, VG_RESET_PROOF_RECOVERY));
}

static void forgot_queues_the_sms_and_sends_it_after_the_answer(void) {
  given_alice(true);
  int starts = w.otp.starts;
  struct forgot_output out;
  CHECK(forgot("  Alice@Example.com ", &out) == VG_OK);
  CHECK(out.expires_in == 300 && out.send == VG_OK);
  CHECK_STR(out.user_id, alice.id);
  CHECK(w.otp.starts == starts); /* nothing sent before the answer */
  struct vg_pending *p = pending_reset();
  CHECK(p && strcmp(p->user_id, alice.id) == 0 && strcmp(p->phone, alice.phone) == 0);
  CHECK(fake_task_runner_drain(&runner) == 1);
  CHECK(w.otp.starts == starts + 1);
  CHECK_STR(w.otp.last_phone, alice.phone);
  CHECK(pending_reset()->verification_sid[0] != '\0');
}

static void forgot_for_an_unknown_address_answers_alike_with_a_decoy(void) {
  given_alice(true);
  int starts = w.otp.starts;
  struct forgot_output out;
  CHECK(forgot("nobody@example.com", &out) == VG_OK);
  CHECK(out.expires_in == 300 && out.send == VG_ERR_NOT_FOUND);
  CHECK(out.user_id[0] == '\0' && strlen(out.account) == 16);
  struct vg_pending *p = pending_reset();
  CHECK(p && p->user_id[0] == '\0' && p->phone[0] == '\0' && p->sends == 0);
  CHECK(fake_task_runner_drain(&runner) == 0 && w.otp.starts == starts);
  struct reset_output ro;
  CHECK(reset(token, "123456", NEW_PASSWORD, NULL, &ro) == VG_ERR_WRONG_CODE);
  CHECK(ro.attempts_left == 4);
}

/* Its wrong codes wait on Twilio as a real reset's do: it is asked about a fictional number. */
static void a_decoy_asks_twilio_about_a_fictional_number(void) {
  given_alice(true);
  struct forgot_output out;
  CHECK(forgot("nobody@example.com", &out) == VG_OK);
  struct reset_output ro;
  int checks = w.otp.checks;
  w.otp.next_check = VG_ERR_VERIFICATION_EXPIRED; /* what Twilio says of an unknown number */
  CHECK(reset(token, "123456", NEW_PASSWORD, NULL, &ro) == VG_ERR_WRONG_CODE);
  CHECK(w.otp.checks == checks + 1 && strncmp(w.otp.last_phone, "+15555550", 9) == 0);
  CHECK(strlen(w.otp.last_phone) == 12);
  w.otp.next_check = VG_ERR_UPSTREAM; /* an outage shows, as it would for an account */
  CHECK(reset(token, "123456", NEW_PASSWORD, NULL, &ro) == VG_ERR_UPSTREAM);
  CHECK(pending_reset()->attempts == 1);
}

static void forgot_for_an_unverified_phone_sends_nothing(void) {
  given_alice(false);
  struct forgot_output out;
  CHECK(forgot(ALICE.email, &out) == VG_OK);
  CHECK(out.send == VG_ERR_NOT_FOUND && runner.count == 0);
  CHECK(pending_reset()->user_id[0] == '\0');
}

static void second_forgot_within_the_cooldown_sends_nothing(void) {
  given_alice(true);
  struct forgot_output out;
  CHECK(forgot(ALICE.email, &out) == VG_OK && out.send == VG_OK);
  fake_task_runner_drain(&runner);
  w.clock.now += 10;
  CHECK(forgot(ALICE.email, &out) == VG_OK && out.send == VG_ERR_RESEND_COOLDOWN);
  CHECK(runner.count == 0 && pending_reset()->sends == 0);
  w.clock.now += 30;
  CHECK(forgot(ALICE.email, &out) == VG_OK && out.send == VG_OK);
}

static void forgot_is_limited_per_ip_and_per_address_alike(void) {
  given_alice(true);
  w.auth.abuse.resets_per_address_hour = 2;
  struct forgot_output out;
  for (int i = 0; i < 2; i++) {
    CHECK(forgot(ALICE.email, &out) == VG_OK);
    CHECK(forgot("nobody@example.com", &out) == VG_OK);
  }
  CHECK(forgot(ALICE.email, &out) == VG_ERR_RATE_LIMITED && out.retry_after > 0);
  CHECK(forgot("nobody@example.com", &out) == VG_ERR_RATE_LIMITED && out.retry_after > 0);
  w.auth.abuse.resets_per_ip_hour = 5; /* 4 counted so far */
  CHECK(forgot("third@example.com", &out) == VG_OK);
  CHECK(forgot("fourth@example.com", &out) == VG_ERR_RATE_LIMITED);
}

static void an_sms_limit_withholds_the_code_but_not_the_answer(void) {
  given_alice(true);
  w.auth.abuse.sms_per_phone_10min = 1; /* the login's SMS spent it */
  struct forgot_output out;
  CHECK(forgot(ALICE.email, &out) == VG_OK);
  CHECK(out.send == VG_ERR_SMS_RATE_LIMITED && runner.count == 0);
  CHECK(fake_rate_limiter_count(&w.limiter, "reset-send", ALICE.email) == 0);
}

static void a_failed_send_gives_everything_back(void) {
  given_alice(true);
  struct forgot_output out;
  CHECK(forgot(ALICE.email, &out) == VG_OK);
  w.otp.next_start = VG_ERR_UPSTREAM;
  fake_task_runner_drain(&runner);
  CHECK(pending_reset()->sends == 0);
  CHECK(fake_rate_limiter_count(&w.limiter, "reset-send", ALICE.email) == 0);
  CHECK(fake_rate_limiter_count(&w.limiter, "sms-phone-10min", ALICE.phone) == 1);
  w.clock.now += 1;
  CHECK(forgot(ALICE.email, &out) == VG_OK && out.send == VG_OK);
}

static void a_send_cancelled_at_shutdown_gives_everything_back(void) {
  given_alice(true);
  int starts = w.otp.starts;
  struct forgot_output out;
  CHECK(forgot(ALICE.email, &out) == VG_OK);
  CHECK(fake_task_runner_cancel(&runner) == 1);
  CHECK(w.otp.starts == starts && pending_reset()->sends == 0);
  CHECK(fake_rate_limiter_count(&w.limiter, "reset-send", ALICE.email) == 0);
  CHECK(fake_rate_limiter_count(&w.limiter, "sms-phone-10min", ALICE.phone) == 1);
}

static void a_full_queue_withholds_the_code_and_gives_it_back(void) {
  given_alice(true);
  runner.full = true;
  struct forgot_output out;
  CHECK(forgot(ALICE.email, &out) == VG_OK && out.send == VG_ERR_OVERLOADED);
  CHECK(pending_reset()->sends == 0);
  CHECK(fake_rate_limiter_count(&w.limiter, "sms-phone-10min", ALICE.phone) == 1);
}

static void reset_sets_the_password_ends_sessions_and_clears_the_lock(void) {
  given_alice(true);
  struct fake_session *s = &w.sessions.sessions[0];
  CHECK(w.sessions.session_count == 1 && !s->revoked);
  w.auth.abuse.login_fails_per_account = 1;
  struct login_output lo;
  CHECK(auth_login(&w.auth, ALICE.email, "wrong password", IP, NULL, &errs, &lo) ==
        VG_ERR_INVALID_CREDENTIALS); /* the account is locked now */
  struct forgot_output out;
  CHECK(forgot(ALICE.email, &out) == VG_OK);
  fake_task_runner_drain(&runner);
  struct reset_output ro;
  CHECK(reset(token, "123456", NEW_PASSWORD, "sms", &ro) == VG_OK);
  CHECK_STR(ro.user_id, alice.id);
  CHECK_STR(fake_user_store_by_id(&w.users, alice.id)->password_hash, "h:" NEW_PASSWORD);
  CHECK(s->revoked);
  CHECK(pending_reset() == NULL);
  CHECK(auth_login(&w.auth, ALICE.email, NEW_PASSWORD, IP, NULL, &errs, &lo) == VG_OK);
  free(lo.mfa_token);
  CHECK(reset(token, "123456", NEW_PASSWORD, NULL, &ro) == VG_ERR_INVALID_TOKEN);
}

static void wrong_codes_count_and_the_last_ends_the_reset(void) {
  given_alice(true);
  struct forgot_output out;
  CHECK(forgot(ALICE.email, &out) == VG_OK);
  fake_task_runner_drain(&runner);
  struct reset_output ro;
  for (int left = 4; left >= 1; left--) {
    CHECK(reset(token, "000000", NEW_PASSWORD, NULL, &ro) == VG_ERR_WRONG_CODE);
    CHECK(ro.attempts_left == left);
  }
  CHECK(reset(token, "000000", NEW_PASSWORD, NULL, &ro) == VG_ERR_TOO_MANY_ATTEMPTS);
  CHECK(pending_reset() == NULL && w.otp.cancels == 1);
  CHECK(reset(token, "123456", NEW_PASSWORD, NULL, &ro) == VG_ERR_INVALID_TOKEN);
  CHECK_STR(fake_user_store_by_id(&w.users, alice.id)->password_hash, "h:correct horse");
}

static void bad_fields_are_refused_before_anything_is_spent(void) {
  given_alice(true);
  struct forgot_output out;
  CHECK(forgot(ALICE.email, &out) == VG_OK);
  fake_task_runner_drain(&runner);
  int checks = w.otp.checks;
  struct reset_output ro;
  CHECK(reset(token, "123456", "short", NULL, &ro) == VG_ERR_VALIDATION);
  CHECK(errs.count == 1 && strcmp(errs.items[0].field, "new_password") == 0);
  CHECK(reset(token, "123456", NEW_PASSWORD, "totp", &ro) == VG_ERR_VALIDATION);
  CHECK_STR(errs.items[0].message, "is not offered by this server: use sms");
  CHECK(reset(token, "123456", NEW_PASSWORD, "email", &ro) == VG_ERR_VALIDATION);
  CHECK_STR(errs.items[0].message, "must be one of: sms, totp, recovery");
  CHECK(reset(NULL, "12", NEW_PASSWORD, NULL, &ro) == VG_ERR_VALIDATION && errs.count == 2);
  CHECK(forgot(NULL, &out) == VG_ERR_VALIDATION &&
        forgot("not an address", &out) == VG_ERR_VALIDATION);
  CHECK(w.otp.checks == checks && pending_reset()->attempts == 0);
}

static void tokens_of_one_kind_are_refused_as_another(void) {
  given_alice(true);
  struct forgot_output out;
  CHECK(forgot(ALICE.email, &out) == VG_OK);
  struct verify_output vo;
  CHECK(auth_verify(&w.auth, token, "123456", NULL, &errs, &vo) == VG_ERR_INVALID_TOKEN);
  struct dashboard_output d;
  CHECK(auth_dashboard(&w.auth, token, &d) == VG_ERR_INVALID_TOKEN); /* not "authenticate more" */
  struct login_output lo;
  CHECK(auth_login(&w.auth, ALICE.email, ALICE.password, IP, NULL, &errs, &lo) == VG_OK);
  struct reset_output ro;
  CHECK(reset(lo.mfa_token, "123456", NEW_PASSWORD, NULL, &ro) == VG_ERR_INVALID_TOKEN);
  free(lo.mfa_token);
}

static void a_reset_that_failed_after_approval_finishes_on_retry(void) {
  given_alice(true);
  struct forgot_output out;
  CHECK(forgot(ALICE.email, &out) == VG_OK);
  fake_task_runner_drain(&runner);
  struct reset_output ro;
  w.sessions.down = true; /* the sessions cannot be ended: the reset is not done */
  CHECK(reset(token, "123456", NEW_PASSWORD, NULL, &ro) == VG_ERR_UNAVAILABLE);
  CHECK(pending_reset() && pending_reset()->approved);
  w.sessions.down = false;
  int checks = w.otp.checks;
  CHECK(reset(token, "999999", NEW_PASSWORD, NULL, &ro) == VG_OK); /* Twilio not asked again */
  CHECK(w.otp.checks == checks);
  CHECK_STR(fake_user_store_by_id(&w.users, alice.id)->password_hash, "h:" NEW_PASSWORD);
  CHECK(w.sessions.sessions[0].revoked && pending_reset() == NULL);
}

static void a_phone_changed_since_the_forgot_cannot_reset(void) {
  given_alice(true);
  struct forgot_output out;
  CHECK(forgot(ALICE.email, &out) == VG_OK);
  fake_task_runner_drain(&runner);
  snprintf(fake_user_store_by_id(&w.users, alice.id)->phone, VG_PHONE_MAX, "+15557654321");
  struct reset_output ro;
  CHECK(reset(token, "123456", NEW_PASSWORD, NULL, &ro) == VG_ERR_WRONG_CODE);
}

int main(void) {
  RUN(factor_rule_is_totp_where_enrolled_else_sms_for_a_verified_phone_else_none);
  RUN(forgot_queues_the_sms_and_sends_it_after_the_answer);
  RUN(forgot_for_an_unknown_address_answers_alike_with_a_decoy);
  RUN(a_decoy_asks_twilio_about_a_fictional_number);
  RUN(forgot_for_an_unverified_phone_sends_nothing);
  RUN(second_forgot_within_the_cooldown_sends_nothing);
  RUN(forgot_is_limited_per_ip_and_per_address_alike);
  RUN(an_sms_limit_withholds_the_code_but_not_the_answer);
  RUN(a_failed_send_gives_everything_back);
  RUN(a_send_cancelled_at_shutdown_gives_everything_back);
  RUN(a_full_queue_withholds_the_code_and_gives_it_back);
  RUN(reset_sets_the_password_ends_sessions_and_clears_the_lock);
  RUN(wrong_codes_count_and_the_last_ends_the_reset);
  RUN(bad_fields_are_refused_before_anything_is_spent);
  RUN(tokens_of_one_kind_are_refused_as_another);
  RUN(a_reset_that_failed_after_approval_finishes_on_retry);
  RUN(a_phone_changed_since_the_forgot_cannot_reset);
  fake_task_runner_cancel(&runner);
  return check_done();
}
