/* test_phone_change.c: core/phone_change.c (POST /me/phone, /me/phone/verify) and phone ownership
 * at /login and /verify, against the in-memory fakes of tests/fakes/. */
#include <stdlib.h>
#include <string.h>

#include "../fakes/fake_ports.h"
#include "check.h"
#include "core/phone_change.h"

static struct fake_world w;
static struct vg_field_errors errs;
static struct phone_change_output out;
#define IP "203.0.113.7"
#define NEW_PHONE "+15557654321"

#define ALICE FAKE_ALICE
static const struct signup_input BOB = {.name = "Bob",
                                        .username = "bob",
                                        .email = "bob@example.com",
                                        .password = "battery staple",
                                        .phone = "+15551234567"}; /* Alice's number */

static void signup(const struct signup_input *in, char id[VG_ID_MAX]) {
  struct vg_user u;
  int retry;
  memset(&errs, 0, sizeof errs);
  CHECK(auth_signup(&w.auth, in, &errs, &u, &retry) == VG_OK);
  memcpy(id, u.id, VG_ID_MAX);
}

/* Logs in; *mfa gets the mfa_token when there is one (also with VG_ERR_PHONE_TAKEN). */
static vg_result login(const struct signup_input *in, char mfa[FAKE_TOKEN_LEN]) {
  struct login_output lo;
  memset(&errs, 0, sizeof errs);
  vg_result r = auth_login(&w.auth, in->email, in->password, IP, NULL, &errs, &lo);
  mfa[0] = '\0';
  if (lo.mfa_token) snprintf(mfa, FAKE_TOKEN_LEN, "%s", lo.mfa_token);
  free(lo.mfa_token);
  return r;
}

/* A full login: *access gets the access token, *refresh the refresh token. */
static void signed_in(const struct signup_input *in, char access[FAKE_TOKEN_LEN],
                      char refresh[VG_REFRESH_TOKEN_MAX]) {
  char mfa[FAKE_TOKEN_LEN];
  CHECK(login(in, mfa) == VG_OK);
  struct verify_output vo;
  memset(&errs, 0, sizeof errs);
  CHECK(auth_verify(&w.auth, mfa, w.otp.correct_code, NULL, &errs, &vo) == VG_OK);
  snprintf(access, FAKE_TOKEN_LEN, "%s", vo.access_token ? vo.access_token : "");
  memcpy(refresh, vo.refresh_token, VG_REFRESH_TOKEN_MAX);
  free(vo.access_token);
  w.clock.now += 60; /* past the login's resend cooldown and SMS windows of its own */
}

static vg_result change(const char *token, const char *phone) {
  const struct phone_change_input in = {.phone = phone, .client_ip = IP};
  memset(&errs, 0, sizeof errs);
  return auth_phone_change(&w.auth, token, &in, &errs, &out);
}

static vg_result confirm(const char *token, const char *code) {
  memset(&errs, 0, sizeof errs);
  return auth_phone_change_verify(&w.auth, token, code, &errs, &out);
}

static void change_with_access_token_swaps_the_number_and_ends_other_sessions(void) {
  fake_world_init(&w);
  char id[VG_ID_MAX], mine[FAKE_TOKEN_LEN], other[FAKE_TOKEN_LEN];
  char my_refresh[VG_REFRESH_TOKEN_MAX], other_refresh[VG_REFRESH_TOKEN_MAX];
  signup(&ALICE, id);
  signed_in(&ALICE, other, other_refresh);
  signed_in(&ALICE, mine, my_refresh);
  int starts = w.otp.starts;
  CHECK(change(mine, NEW_PHONE) == VG_OK);
  CHECK(w.otp.starts == starts + 1 && strcmp(w.otp.last_phone, NEW_PHONE) == 0);
  CHECK_STR(out.to, "+*******4321");
  CHECK(out.expires_in == VG_PHONE_CHANGE_TTL && out.retry_after > 0 && !out.via_mfa);
  CHECK_STR(fake_user_store_by_id(&w.users, id)->phone, ALICE.phone); /* not yet */
  CHECK(confirm(mine, w.otp.correct_code) == VG_OK);
  CHECK_STR(out.from, "+*******4567");
  CHECK_STR(out.to, "+*******4321");
  struct vg_user *u = fake_user_store_by_id(&w.users, id);
  CHECK(strcmp(u->phone, NEW_PHONE) == 0 && u->phone_verified);
  struct dashboard_output d;
  CHECK(auth_dashboard(&w.auth, other, &d) == VG_ERR_INVALID_TOKEN);
  CHECK(auth_dashboard(&w.auth, mine, &d) == VG_OK);
  struct refresh_output ro;
  memset(&errs, 0, sizeof errs);
  CHECK(auth_refresh(&w.auth, other_refresh, &errs, &ro) == VG_ERR_INVALID_TOKEN);
  free(ro.access_token);
  CHECK(auth_refresh(&w.auth, my_refresh, &errs, &ro) == VG_OK);
  free(ro.access_token);
  char pid[VG_PHONE_CHANGE_ID_MAX];
  snprintf(pid, sizeof pid, "phone.%s", id);
  CHECK(fake_pending_store_find(&w.pending, pid) == NULL);
  /* The change is over: a second verify finds none. */
  CHECK(confirm(mine, w.otp.correct_code) == VG_ERR_VERIFICATION_EXPIRED);
}

static void change_refuses_bad_unchanged_and_unserved_numbers_spending_nothing(void) {
  fake_world_init(&w);
  char id[VG_ID_MAX], at[FAKE_TOKEN_LEN], rt[VG_REFRESH_TOKEN_MAX];
  signup(&ALICE, id);
  signed_in(&ALICE, at, rt);
  int starts = w.otp.starts;
  CHECK(change(at, "12") == VG_ERR_VALIDATION && vg_field_errors_has(&errs, "phone"));
  CHECK(change(at, NULL) == VG_ERR_VALIDATION && vg_field_errors_has(&errs, "phone"));
  CHECK(change(at, "+1 555 123 4567") == VG_ERR_VALIDATION && vg_field_errors_has(&errs, "phone"));
  w.auth.abuse.allowed_countries = "44";
  CHECK(change(at, NEW_PHONE) == VG_ERR_INVALID_PHONE);
  CHECK(w.otp.starts == starts && fake_pending_store_count(&w.pending) == 0);
}

static void change_needs_an_access_token_or_the_mfa_token_of_an_unverified_account(void) {
  fake_world_init(&w);
  char id[VG_ID_MAX], mfa[FAKE_TOKEN_LEN], at[FAKE_TOKEN_LEN], rt[VG_REFRESH_TOKEN_MAX];
  signup(&ALICE, id);
  CHECK(change(NULL, NEW_PHONE) == VG_ERR_INVALID_TOKEN);
  CHECK(change("garbage", NEW_PHONE) == VG_ERR_INVALID_TOKEN);
  CHECK(login(&ALICE, mfa) == VG_OK);
  w.clock.now += 60;
  CHECK(change(mfa, NEW_PHONE) == VG_OK && out.via_mfa); /* never verified: aal1 will do */
  signed_in(&ALICE, at, rt);                             /* Alice verifies her number */
  CHECK(login(&ALICE, mfa) == VG_OK);
  CHECK(change(mfa, "+15550001111") == VG_ERR_INSUFFICIENT_AAL);
  CHECK(confirm(mfa, w.otp.correct_code) == VG_ERR_INSUFFICIENT_AAL);
}

static void second_change_within_the_cooldown_is_refused_and_wrong_codes_end_it(void) {
  fake_world_init(&w);
  char id[VG_ID_MAX], at[FAKE_TOKEN_LEN], rt[VG_REFRESH_TOKEN_MAX];
  signup(&ALICE, id);
  signed_in(&ALICE, at, rt);
  CHECK(change(at, NEW_PHONE) == VG_OK);
  CHECK(change(at, NEW_PHONE) == VG_ERR_RESEND_COOLDOWN && out.retry_after > 0);
  w.clock.now += w.auth.rules.resend_cooldown;
  CHECK(change(at, NEW_PHONE) == VG_OK); /* replaces the change: the same code again */
  for (int left = w.auth.rules.max_attempts - 1; left > 0; left--) {
    CHECK(confirm(at, "000000") == VG_ERR_WRONG_CODE);
    CHECK(out.attempts_left == left);
  }
  int cancels = w.otp.cancels;
  CHECK(confirm(at, "000000") == VG_ERR_TOO_MANY_ATTEMPTS);
  CHECK(w.otp.cancels == cancels + 1 && fake_pending_store_count(&w.pending) == 0);
  CHECK(confirm(at, w.otp.correct_code) == VG_ERR_VERIFICATION_EXPIRED);
  CHECK_STR(fake_user_store_by_id(&w.users, id)->phone, ALICE.phone);
}

static void a_change_sends_at_most_max_sends_codes_until_it_expires(void) {
  fake_world_init(&w);
  char id[VG_ID_MAX], at[FAKE_TOKEN_LEN], rt[VG_REFRESH_TOKEN_MAX];
  signup(&ALICE, id);
  signed_in(&ALICE, at, rt);
  w.auth.abuse = (struct abuse_rules){0}; /* only the change's own cap here */
  int64_t first = w.clock.now;
  char phone[32];
  for (int i = 0; i < w.auth.rules.max_sends; i++) {
    snprintf(phone, sizeof phone, "+1555000%04d", i % 10000); /* a new number: it replaces */
    CHECK(change(at, phone) == VG_OK);
    w.clock.now += w.auth.rules.resend_cooldown;
  }
  int starts = w.otp.starts;
  CHECK(change(at, "+15550009999") == VG_ERR_RESEND_LIMIT);
  int64_t last = first + (int64_t)(w.auth.rules.max_sends - 1) * w.auth.rules.resend_cooldown;
  CHECK(out.retry_after == (int)(last + VG_PHONE_CHANGE_TTL - w.clock.now));
  CHECK(w.otp.starts == starts);
  w.clock.now = last + VG_PHONE_CHANGE_TTL; /* the change expired */
  CHECK(change(at, "+15550009999") == VG_OK);
}

static void change_counts_against_the_sms_limits_of_a_login(void) {
  fake_world_init(&w);
  char id[VG_ID_MAX], at[FAKE_TOKEN_LEN], rt[VG_REFRESH_TOKEN_MAX];
  signup(&ALICE, id);
  signed_in(&ALICE, at, rt);
  CHECK(change(at, NEW_PHONE) == VG_OK);
  CHECK(fake_rate_limiter_count(&w.limiter, "sms-phone-10min", NEW_PHONE) == 1);
  CHECK(fake_rate_limiter_count(&w.limiter, "sms-ip-hour", IP) == 2); /* the login's and this */
  w.limiter.next_take = VG_ERR_RATE_LIMITED;
  w.clock.now += w.auth.rules.resend_cooldown;
  int starts = w.otp.starts;
  vg_result r = change(at, NEW_PHONE);
  CHECK(r == VG_ERR_SMS_RATE_LIMITED || r == VG_ERR_SMS_BUDGET);
  CHECK(w.otp.starts == starts);
  /* The refused send spent no cooldown: the next one goes. */
  CHECK(change(at, NEW_PHONE) == VG_OK && w.otp.starts == starts + 1);
}

/* Bob registered Alice's number too; Alice verified it first. */
static void given_alice_owns_the_number_bob_registered(char bob[VG_ID_MAX]) {
  fake_world_init(&w);
  char alice[VG_ID_MAX], at[FAKE_TOKEN_LEN], rt[VG_REFRESH_TOKEN_MAX];
  signup(&ALICE, alice);
  signup(&BOB, bob);
  signed_in(&ALICE, at, rt);
}

static void login_of_an_account_whose_number_another_verified_sends_no_code(void) {
  char bob[VG_ID_MAX], mfa[FAKE_TOKEN_LEN];
  given_alice_owns_the_number_bob_registered(bob);
  int starts = w.otp.starts, pending = fake_pending_store_count(&w.pending);
  CHECK(login(&BOB, mfa) == VG_ERR_PHONE_TAKEN);
  CHECK(w.otp.starts == starts && fake_pending_store_count(&w.pending) == pending);
  CHECK(mfa[0] != '\0');
  struct resend_output ro;
  CHECK(auth_resend(&w.auth, mfa, IP, NULL, &errs, &ro) == VG_ERR_INVALID_TOKEN);
  CHECK(w.otp.starts == starts);
  /* The way out: the same token changes the number, and then Bob logs in. */
  CHECK(change(mfa, "+15550002222") == VG_OK && out.via_mfa);
  CHECK(confirm(mfa, w.otp.correct_code) == VG_OK && out.via_mfa);
  struct vg_user *u = fake_user_store_by_id(&w.users, bob);
  CHECK(strcmp(u->phone, "+15550002222") == 0 && u->phone_verified);
  CHECK(change(mfa, "+15550003333") == VG_ERR_INSUFFICIENT_AAL); /* verified now */
  w.clock.now += 600;
  CHECK(login(&BOB, mfa) == VG_OK);
}

static void the_second_to_verify_a_number_gets_no_session(void) {
  fake_world_init(&w);
  char alice[VG_ID_MAX], bob[VG_ID_MAX], alice_mfa[FAKE_TOKEN_LEN], bob_mfa[FAKE_TOKEN_LEN];
  signup(&ALICE, alice);
  signup(&BOB, bob);
  CHECK(login(&ALICE, alice_mfa) == VG_OK);
  CHECK(login(&BOB, bob_mfa) == VG_OK); /* nobody has verified it yet */
  struct verify_output vo;
  memset(&errs, 0, sizeof errs);
  CHECK(auth_verify(&w.auth, alice_mfa, w.otp.correct_code, NULL, &errs, &vo) == VG_OK);
  free(vo.access_token);
  w.otp.approved = false; /* Bob's code, from his own start */
  int sessions = w.sessions.session_count;
  CHECK(auth_verify(&w.auth, bob_mfa, w.otp.correct_code, NULL, &errs, &vo) == VG_ERR_PHONE_TAKEN);
  CHECK(vo.access_token == NULL && w.sessions.session_count == sessions);
  CHECK(!fake_user_store_by_id(&w.users, bob)->phone_verified);
  CHECK(fake_pending_store_find(&w.pending, strrchr(bob_mfa, ':') + 1) == NULL);
}

static void a_losing_account_may_not_keep_its_number_but_may_take_a_free_one(void) {
  char bob[VG_ID_MAX], mfa[FAKE_TOKEN_LEN];
  given_alice_owns_the_number_bob_registered(bob);
  CHECK(login(&BOB, mfa) == VG_ERR_PHONE_TAKEN);
  CHECK(change(mfa, "+15550002222") == VG_OK);
  w.clock.now += w.auth.rules.resend_cooldown;
  int starts = w.otp.starts;
  CHECK(change(mfa, ALICE.phone) == VG_ERR_VALIDATION); /* Bob's own (unverified) number */
  CHECK(change(mfa, "+15550004444") == VG_OK && w.otp.starts == starts + 1);
}

static void change_loses_to_an_account_that_verified_the_number_meanwhile(void) {
  fake_world_init(&w);
  char alice[VG_ID_MAX], carol[VG_ID_MAX], at[FAKE_TOKEN_LEN], rt[VG_REFRESH_TOKEN_MAX];
  signup(&ALICE, alice);
  struct signup_input c = BOB;
  c.phone = NEW_PHONE;
  signup(&c, carol);
  signed_in(&ALICE, at, rt);
  CHECK(change(at, NEW_PHONE) == VG_OK);                         /* nobody has verified it yet */
  fake_user_store_by_id(&w.users, carol)->phone_verified = true; /* Carol wins the race */
  CHECK(confirm(at, w.otp.correct_code) == VG_ERR_PHONE_TAKEN);
  CHECK_STR(fake_user_store_by_id(&w.users, alice)->phone, ALICE.phone);
  CHECK(confirm(at, w.otp.correct_code) == VG_ERR_VERIFICATION_EXPIRED); /* the change ended */
  w.clock.now += w.auth.rules.resend_cooldown;
  int starts = w.otp.starts;
  CHECK(change(at, NEW_PHONE) == VG_ERR_PHONE_TAKEN && w.otp.starts == starts);
}

int main(void) {
  RUN(change_with_access_token_swaps_the_number_and_ends_other_sessions);
  RUN(change_refuses_bad_unchanged_and_unserved_numbers_spending_nothing);
  RUN(change_needs_an_access_token_or_the_mfa_token_of_an_unverified_account);
  RUN(second_change_within_the_cooldown_is_refused_and_wrong_codes_end_it);
  RUN(a_change_sends_at_most_max_sends_codes_until_it_expires);
  RUN(change_counts_against_the_sms_limits_of_a_login);
  RUN(login_of_an_account_whose_number_another_verified_sends_no_code);
  RUN(the_second_to_verify_a_number_gets_no_session);
  RUN(a_losing_account_may_not_keep_its_number_but_may_take_a_free_one);
  RUN(change_loses_to_an_account_that_verified_the_number_meanwhile);
  return check_done();
}
