/* test_factors.c: TOTP and recovery codes in core (core/factors.h) against the fakes: enrollment,
 * the TOTP login that sends no SMS, step reuse, the attempt cap, recovery codes spent once. */
#include <stdlib.h>
#include <string.h>

#include "../fakes/fake_factors.h"
#include "check.h"

static struct fake_world w;
static struct fake_factors ff;
static struct vg_field_errors errs;
static char access[FAKE_TOKEN_LEN];
static char mfa[FAKE_TOKEN_LEN];
static char alice_id[VG_ID_MAX];
static struct recovery_codes codes;

static const struct signup_input ALICE = {
    .name = "Alice Liddell",
    .username = "alice",
    .email = "alice@example.com",
    .password = "correct horse",
    .phone = "+15551234567",
};

static int64_t step_now(void) {
  return w.clock.now / 30;
}

static const char *code_at(int64_t step) {
  static char code[7];
  fake_totp_code(step, code);
  return code;
}

static vg_result login(const char *factor, struct login_output *out) {
  struct delivery_input d = {.factor = factor};
  memset(&errs, 0, sizeof errs);
  vg_result r = auth_login(&w.auth, ALICE.email, ALICE.password, "203.0.113.7", &d, &errs, out);
  if (out->mfa_token) snprintf(mfa, sizeof mfa, "%s", out->mfa_token);
  free(out->mfa_token);
  out->mfa_token = NULL;
  return r;
}

static vg_result verify(const char *factor, const char *code, struct verify_output *out) {
  memset(&errs, 0, sizeof errs);
  vg_result r = auth_verify_factor(&w.auth, mfa, factor, code, NULL, &errs, out);
  if (out->access_token) snprintf(access, sizeof access, "%s", out->access_token);
  free(out->access_token);
  out->access_token = NULL;
  return r;
}

/* Alice, signed in by SMS, with a TOTP confirmed at the current step. */
static void given_alice_with_totp(void) {
  fake_world_init(&w);
  fake_factors_attach(&ff, &w);
  struct vg_user u;
  int retry = 0;
  memset(&errs, 0, sizeof errs);
  CHECK(auth_signup(&w.auth, &ALICE, &errs, &u, &retry) == VG_OK);
  memcpy(alice_id, u.id, sizeof alice_id);
  struct login_output lo;
  struct verify_output vo;
  CHECK(login(NULL, &lo) == VG_OK);
  CHECK(verify(NULL, w.otp.correct_code, &vo) == VG_OK);
  struct totp_enrollment e;
  CHECK(auth_totp_enroll(&w.auth, access, &e) == VG_OK);
  CHECK(strlen(e.secret) == 32 &&
        strncmp(e.uri, "otpauth://totp/verigate:alice@example.com?", 42) == 0);
  totp_enrollment_free(&e);
  memset(&errs, 0, sizeof errs);
  CHECK(auth_totp_confirm(&w.auth, access, code_at(step_now()), &errs, &codes, &retry) == VG_OK);
}

static void totp_login_sends_no_sms_and_verify_gives_amr_otp(void) {
  given_alice_with_totp();
  int starts = w.otp.starts, checks = w.otp.checks;
  struct login_output lo;
  CHECK(login("totp", &lo) == VG_OK);
  CHECK(lo.factor == VG_FACTOR_TOTP);
  CHECK(lo.factors == (VG_FACTOR_BIT(VG_FACTOR_SMS) | VG_FACTOR_BIT(VG_FACTOR_TOTP)));
  CHECK(w.otp.starts == starts);
  struct verify_output vo;
  CHECK(verify("totp", code_at(step_now() + 1), &vo) == VG_OK);
  CHECK(vo.factor == VG_FACTOR_TOTP);
  CHECK(w.tokens.count > 0 && strcmp(w.tokens.issued[w.tokens.count - 1].claims.amr, "otp") == 0);
  CHECK(w.otp.starts == starts && w.otp.checks == checks);
}

static void totp_reused_step_is_refused_and_counts_an_attempt(void) {
  given_alice_with_totp();
  struct login_output lo;
  struct verify_output vo;
  CHECK(login("totp", &lo) == VG_OK);
  /* The confirming step, then an older one: both spent. */
  CHECK(verify("totp", code_at(step_now()), &vo) == VG_ERR_CODE_REUSED);
  CHECK(vo.attempts_left == 4);
  CHECK(verify("totp", code_at(step_now() - 1), &vo) == VG_ERR_CODE_REUSED);
  CHECK(vo.attempts_left == 3);
  CHECK(verify("totp", code_at(step_now() + 1), &vo) == VG_OK);
}

static void totp_wrong_codes_reach_the_attempt_cap_and_end_the_login(void) {
  given_alice_with_totp();
  struct login_output lo;
  struct verify_output vo;
  CHECK(login("totp", &lo) == VG_OK);
  for (int left = 4; left >= 1; left--) {
    CHECK(verify("totp", "000000", &vo) == VG_ERR_WRONG_CODE);
    CHECK(vo.attempts_left == left);
  }
  CHECK(verify("totp", "000000", &vo) == VG_ERR_TOO_MANY_ATTEMPTS);
  CHECK(verify("totp", code_at(step_now() + 1), &vo) == VG_ERR_INVALID_TOKEN);
}

static void sms_code_on_a_totp_login_is_refused_before_counting(void) {
  given_alice_with_totp();
  struct login_output lo;
  struct verify_output vo;
  int checks = w.otp.checks;
  CHECK(login("totp", &lo) == VG_OK);
  CHECK(verify(NULL, "123456", &vo) == VG_ERR_VALIDATION);
  CHECK(errs.count == 1 && strcmp(errs.items[0].field, "factor") == 0);
  CHECK(w.otp.checks == checks);
  CHECK(fake_pending_store_find(&w.pending, strrchr(mfa, ':') + 1)->attempts == 0);
  CHECK(verify("email", "123456", &vo) == VG_ERR_VALIDATION);
}

static void recovery_code_is_spent_once_in_any_case(void) {
  given_alice_with_totp();
  struct login_output lo;
  struct verify_output vo;
  char typed[VG_RECOVERY_CODE_MAX];
  snprintf(typed, sizeof typed, "%s", codes.codes[2]);
  for (char *p = typed; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
  CHECK(login("totp", &lo) == VG_OK);
  CHECK(verify("recovery", typed, &vo) == VG_OK);
  CHECK(vo.recovery_left == 9);
  CHECK(strcmp(w.tokens.issued[w.tokens.count - 1].claims.amr, "recovery") == 0);
  CHECK(login(NULL, &lo) == VG_OK);
  CHECK(verify("recovery", codes.codes[2], &vo) == VG_ERR_WRONG_CODE);
  CHECK(vo.attempts_left == 4);
}

static void recovery_codes_are_60_bits_of_base32_and_stored_hashed(void) {
  given_alice_with_totp();
  struct fake_factor_user *u = fake_factors_user(&ff, alice_id);
  CHECK(u != NULL);
  for (int i = 0; u && i < VG_RECOVERY_COUNT; i++) {
    CHECK(strlen(codes.codes[i]) == 14 && codes.codes[i][4] == '-' && codes.codes[i][9] == '-');
    CHECK(strspn(codes.codes[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567-") == 14);
    CHECK(strncmp(u->hashes[i], "h:", 2) == 0); /* what the store got: the sealer's hash */
  }
}

static void totp_confirm_attempts_are_limited(void) {
  fake_world_init(&w);
  fake_factors_attach(&ff, &w);
  struct vg_user u;
  int retry = 0;
  memset(&errs, 0, sizeof errs);
  CHECK(auth_signup(&w.auth, &ALICE, &errs, &u, &retry) == VG_OK);
  struct login_output lo;
  struct verify_output vo;
  CHECK(login(NULL, &lo) == VG_OK);
  CHECK(verify(NULL, w.otp.correct_code, &vo) == VG_OK);
  CHECK(auth_totp_confirm(&w.auth, access, "000000", &errs, &codes, &retry) ==
        VG_ERR_FACTOR_NOT_ENROLLED);
  struct totp_enrollment e;
  CHECK(auth_totp_enroll(&w.auth, access, &e) == VG_OK);
  totp_enrollment_free(&e);
  for (int i = 0; i < 5; i++)
    CHECK(auth_totp_confirm(&w.auth, access, "000000", &errs, &codes, &retry) == VG_ERR_WRONG_CODE);
  CHECK(auth_totp_confirm(&w.auth, access, code_at(step_now()), &errs, &codes, &retry) ==
        VG_ERR_RATE_LIMITED);
  CHECK(retry > 0);
}

static void delete_and_new_codes_need_a_recent_second_factor(void) {
  given_alice_with_totp();
  struct recovery_codes fresh;
  char user[VG_ID_MAX];
  w.clock.now += 301;
  CHECK(auth_totp_delete(&w.auth, access, user) == VG_ERR_STEP_UP_REQUIRED);
  CHECK(auth_recovery_renew(&w.auth, access, &fresh) == VG_ERR_STEP_UP_REQUIRED);
  w.clock.now -= 2;
  CHECK(auth_recovery_renew(&w.auth, access, &fresh) == VG_OK);
  CHECK(strcmp(fresh.codes[0], codes.codes[0]) != 0);
  CHECK(auth_totp_delete(&w.auth, access, user) == VG_OK);
  CHECK(auth_totp_delete(&w.auth, access, user) == VG_ERR_FACTOR_NOT_ENROLLED);
  struct login_output lo;
  CHECK(login("totp", &lo) == VG_ERR_FACTOR_NOT_ENROLLED);
}

static void enroll_twice_conflicts_once_confirmed(void) {
  given_alice_with_totp();
  struct totp_enrollment e;
  CHECK(auth_totp_enroll(&w.auth, access, &e) == VG_ERR_FACTOR_ENROLLED);
}

static void totp_off_refuses_enrollment_and_the_login_factor(void) {
  fake_world_init(&w);
  struct vg_user u;
  int retry = 0;
  memset(&errs, 0, sizeof errs);
  CHECK(auth_signup(&w.auth, &ALICE, &errs, &u, &retry) == VG_OK);
  struct login_output lo;
  struct verify_output vo;
  CHECK(login("totp", &lo) == VG_ERR_VALIDATION);
  CHECK(login(NULL, &lo) == VG_OK);
  CHECK(lo.factors == VG_FACTOR_BIT(VG_FACTOR_SMS));
  CHECK(verify("totp", "123456", &vo) == VG_ERR_FACTOR_UNAVAILABLE);
  CHECK(verify(NULL, w.otp.correct_code, &vo) == VG_OK);
  struct totp_enrollment e;
  CHECK(auth_totp_enroll(&w.auth, access, &e) == VG_ERR_FACTOR_UNAVAILABLE);
}

int main(void) {
  RUN(totp_login_sends_no_sms_and_verify_gives_amr_otp);
  RUN(totp_reused_step_is_refused_and_counts_an_attempt);
  RUN(totp_wrong_codes_reach_the_attempt_cap_and_end_the_login);
  RUN(sms_code_on_a_totp_login_is_refused_before_counting);
  RUN(recovery_code_is_spent_once_in_any_case);
  RUN(recovery_codes_are_60_bits_of_base32_and_stored_hashed);
  RUN(totp_confirm_attempts_are_limited);
  RUN(delete_and_new_codes_need_a_recent_second_factor);
  RUN(enroll_twice_conflicts_once_confirmed);
  RUN(totp_off_refuses_enrollment_and_the_login_factor);
  return check_done();
}
