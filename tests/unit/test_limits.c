/* test_limits.c: the abuse limits of core/limits.c, through the use cases, on the fakes. */
#include <stdlib.h>
#include <string.h>

#include "../fakes/fake_ports.h"
#include "check.h"

static struct fake_world w;
static struct vg_field_errors errs;
static int retry;

#define IP "198.51.100.20"
#define OTHER_IP "198.51.100.99"

static struct signup_input user(int i, const char *ip) {
  static char names[8][32], emails[8][64], phones[8][20];
  snprintf(names[i], sizeof names[i], "user%d", i);
  snprintf(emails[i], sizeof emails[i], "user%d@example.com", i);
  snprintf(phones[i], sizeof phones[i], "+1555000000%d", i);
  return (struct signup_input){.name = "User",
                               .username = names[i],
                               .email = emails[i],
                               .password = "correct horse",
                               .phone = phones[i],
                               .client_ip = ip};
}

static void fresh(void) {
  fake_world_init(&w);
  memset(&errs, 0, sizeof errs);
}

static vg_result signup(int i, const char *ip) {
  struct vg_user created;
  struct signup_input in = user(i, ip);
  memset(&errs, 0, sizeof errs);
  return auth_signup(&w.auth, &in, &errs, &created, &retry);
}

static vg_result login(const char *email, const char *password, const char *ip) {
  struct login_output out;
  memset(&errs, 0, sizeof errs);
  vg_result r = auth_login(&w.auth, email, password, ip, &errs, &out);
  retry = out.retry_after;
  free(out.mfa_token);
  return r;
}

static void account_locks_after_failures_and_answers_alike_for_unknown_addresses(void) {
  fresh();
  CHECK(signup(0, IP) == VG_OK);
  for (int i = 0; i < 5; i++) {
    CHECK(login("user0@example.com", "wrong password", IP) == VG_ERR_INVALID_CREDENTIALS);
    CHECK(login("nobody@example.com", "wrong password", IP) == VG_ERR_INVALID_CREDENTIALS);
  }
  int verifies = w.hasher.verifies;
  /* Locked: even the right password is refused, and no hash is spent on it. */
  CHECK(login("user0@example.com", "correct horse", IP) == VG_ERR_RATE_LIMITED);
  CHECK(retry == 900);
  CHECK(login("nobody@example.com", "whatever", IP) == VG_ERR_RATE_LIMITED);
  CHECK(retry == 900);
  CHECK(w.hasher.verifies == verifies);
  w.clock.now += 901;
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
}

static void a_successful_login_forgets_earlier_failures(void) {
  fresh();
  CHECK(signup(0, IP) == VG_OK);
  for (int i = 0; i < 4; i++)
    CHECK(login("user0@example.com", "wrong password", IP) == VG_ERR_INVALID_CREDENTIALS);
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
  CHECK(fake_rate_limiter_count(&w.limiter, "login-fail-account", "user0@example.com") == 0);
  CHECK(login("user0@example.com", "wrong password", IP) == VG_ERR_INVALID_CREDENTIALS);
  CHECK(login("user0@example.com", "correct horse", IP) != VG_ERR_RATE_LIMITED);
}

/* With no failure counted there is nothing to forget: no second round trip to the limiter. */
static void a_login_without_earlier_failures_clears_nothing(void) {
  fresh();
  CHECK(signup(0, IP) == VG_OK);
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
  CHECK(w.limiter.clears == 0);
  CHECK(login("user0@example.com", "wrong password", IP) == VG_ERR_INVALID_CREDENTIALS);
  w.clock.now += 61; /* past the resend cooldown of the first login's phone */
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
  CHECK(w.limiter.clears == 1);
  CHECK(fake_rate_limiter_count(&w.limiter, "login-fail-account", "user0@example.com") == 0);
}

static void failures_per_ip_block_that_ip_only(void) {
  fresh();
  w.auth.abuse.login_fails_per_ip = 3;
  w.auth.abuse.login_fails_per_account = 0; /* off: only the IP limit is under test */
  CHECK(signup(0, IP) == VG_OK);
  for (int i = 0; i < 3; i++)
    CHECK(login("someone@example.com", "guess", IP) == VG_ERR_INVALID_CREDENTIALS);
  CHECK(login("user0@example.com", "correct horse", IP) == VG_ERR_RATE_LIMITED);
  CHECK(retry > 0 && retry <= 900);
  CHECK(login("user0@example.com", "correct horse", OTHER_IP) == VG_OK);
}

static void sms_per_phone_in_10_minutes_then_per_day(void) {
  fresh();
  w.auth.abuse.sms_per_phone_10min = 2;
  w.auth.abuse.sms_per_phone_day = 3;
  CHECK(signup(0, IP) == VG_OK);
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
  CHECK(login("user0@example.com", "correct horse", OTHER_IP) == VG_OK);
  int starts = w.otp.starts;
  CHECK(login("user0@example.com", "correct horse", IP) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(retry == 600);
  CHECK(w.otp.starts == starts); /* refused before Twilio is asked */
  w.clock.now += 601;
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
  w.clock.now += 601;
  CHECK(login("user0@example.com", "correct horse", IP) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(retry > 600); /* the day window */
}

static void sms_per_ip_counts_across_numbers(void) {
  fresh();
  w.auth.abuse.sms_per_ip_hour = 2;
  for (int i = 0; i < 3; i++) CHECK(signup(i, OTHER_IP) == VG_OK);
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
  CHECK(login("user1@example.com", "correct horse", IP) == VG_OK);
  CHECK(login("user2@example.com", "correct horse", IP) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(login("user2@example.com", "correct horse", OTHER_IP) == VG_OK);
}

static void global_sms_budget_answers_budget_exhausted(void) {
  fresh();
  w.auth.abuse.sms_max_per_hour = 2;
  for (int i = 0; i < 3; i++) CHECK(signup(i, IP) == VG_OK);
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
  CHECK(login("user1@example.com", "correct horse", OTHER_IP) == VG_OK);
  CHECK(login("user2@example.com", "correct horse", "192.0.2.1") == VG_ERR_SMS_BUDGET);
  CHECK(retry > 0 && retry <= 3600);
}

static void a_failed_send_counts_against_no_sms_limit(void) {
  fresh();
  w.auth.abuse.sms_per_phone_10min = 1;
  CHECK(signup(0, IP) == VG_OK);
  w.otp.next_start = VG_ERR_UPSTREAM;
  CHECK(login("user0@example.com", "correct horse", IP) == VG_ERR_UPSTREAM);
  CHECK(fake_rate_limiter_count(&w.limiter, "sms-phone-10min", "+15550000000") == 0);
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
}

static void resend_counts_against_the_sms_limits(void) {
  fresh();
  w.auth.abuse.sms_per_phone_10min = 1;
  w.auth.rules.resend_cooldown = 0;
  CHECK(signup(0, IP) == VG_OK);
  struct login_output out;
  CHECK(auth_login(&w.auth, "user0@example.com", "correct horse", IP, &errs, &out) == VG_OK);
  struct resend_output resent;
  int starts = w.otp.starts;
  CHECK(auth_resend(&w.auth, out.mfa_token, IP, &resent) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(w.otp.starts == starts);
  free(out.mfa_token);
}

static void signups_per_ip(void) {
  fresh();
  w.auth.abuse.signups_per_ip_hour = 2;
  CHECK(signup(0, IP) == VG_OK);
  CHECK(signup(1, IP) == VG_OK);
  int hashes = w.hasher.hashes;
  CHECK(signup(2, IP) == VG_ERR_RATE_LIMITED);
  CHECK(retry == 3600);
  CHECK(w.hasher.hashes == hashes);
  CHECK(signup(2, OTHER_IP) == VG_OK);
}

static void countries_outside_the_list_are_refused_at_signup_and_login(void) {
  fresh();
  CHECK(signup(0, IP) == VG_OK); /* +1 while every country is allowed */
  w.auth.abuse.allowed_countries = "44,33";
  CHECK(signup(1, IP) == VG_ERR_INVALID_PHONE);
  CHECK(errs.count == 1 && strcmp(errs.items[0].field, "phone") == 0);
  int starts = w.otp.starts;
  CHECK(login("user0@example.com", "correct horse", IP) == VG_ERR_INVALID_PHONE);
  CHECK(w.otp.starts == starts);
  w.auth.abuse.allowed_countries = "44,1";
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
  CHECK(signup(1, IP) == VG_OK);
}

static void zero_turns_a_limit_off(void) {
  fresh();
  w.auth.abuse = (struct abuse_rules){0};
  CHECK(signup(0, IP) == VG_OK);
  for (int i = 0; i < 8; i++)
    CHECK(login("user0@example.com", "wrong", IP) == VG_ERR_INVALID_CREDENTIALS);
  for (int i = 0; i < 5; i++) CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
}

static void a_full_hash_queue_sheds_logins_before_any_store_is_asked(void) {
  fresh();
  CHECK(signup(0, IP) == VG_OK);
  w.hasher.full = true;
  w.limiter.down = true; /* were the limiter asked, the answer would be VG_ERR_UNAVAILABLE */
  int verifies = w.hasher.verifies;
  CHECK(login("user0@example.com", "correct horse", IP) == VG_ERR_OVERLOADED);
  CHECK(w.hasher.verifies == verifies);
  w.hasher.full = false;
  w.limiter.down = false;
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
}

static void limiter_down_is_unavailable(void) {
  fresh();
  CHECK(signup(0, IP) == VG_OK);
  w.limiter.down = true;
  CHECK(login("user0@example.com", "correct horse", IP) == VG_ERR_UNAVAILABLE);
  CHECK(signup(1, IP) == VG_ERR_UNAVAILABLE);
}

int main(void) {
  RUN(account_locks_after_failures_and_answers_alike_for_unknown_addresses);
  RUN(a_successful_login_forgets_earlier_failures);
  RUN(a_login_without_earlier_failures_clears_nothing);
  RUN(failures_per_ip_block_that_ip_only);
  RUN(sms_per_phone_in_10_minutes_then_per_day);
  RUN(sms_per_ip_counts_across_numbers);
  RUN(global_sms_budget_answers_budget_exhausted);
  RUN(a_failed_send_counts_against_no_sms_limit);
  RUN(resend_counts_against_the_sms_limits);
  RUN(signups_per_ip);
  RUN(countries_outside_the_list_are_refused_at_signup_and_login);
  RUN(zero_turns_a_limit_off);
  RUN(a_full_hash_queue_sheds_logins_before_any_store_is_asked);
  RUN(limiter_down_is_unavailable);
  return check_done();
}
