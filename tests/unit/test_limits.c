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
  vg_result r = auth_login(&w.auth, email, password, ip, NULL, &errs, &out);
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

/* The failure is reserved in the gate's round trip and given back in the SMS take's: a login
 * costs the limiter two calls, a wrong password one. */
static void a_login_costs_two_limiter_calls_and_a_failure_one(void) {
  fresh();
  CHECK(signup(0, IP) == VG_OK);
  int calls = w.limiter.calls;
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
  CHECK(w.limiter.calls == calls + 2);
  CHECK(fake_rate_limiter_count(&w.limiter, "login-fail-account", "user0@example.com") == 0);
  calls = w.limiter.calls;
  CHECK(login("user0@example.com", "wrong password", IP) == VG_ERR_INVALID_CREDENTIALS);
  CHECK(w.limiter.calls == calls + 1);
  CHECK(fake_rate_limiter_count(&w.limiter, "login-fail-account", "user0@example.com") == 1);
}

/* A burst: while the first login waits for its hash, the others arrive (the fake hasher runs
 * them from inside the first one's verify). */
static const char *burst_email, *burst_ip;
static vg_result burst_results[16];
static int burst_n;
static void wrong_passwords_meanwhile(void *ctx) {
  (void)ctx;
  for (int i = 0; i < burst_n; i++)
    burst_results[i] = login(burst_email, "wrong password", burst_ip);
}

static void a_burst_of_wrong_passwords_checks_at_most_the_limit(void) {
  fresh();
  w.auth.abuse.login_fails_per_account = 3;
  CHECK(signup(0, IP) == VG_OK);
  burst_email = "user0@example.com";
  burst_ip = IP;
  burst_n = 9;
  w.hasher.during_verify = wrong_passwords_meanwhile;
  int verifies = w.hasher.verifies;
  int starts = w.otp.starts;
  /* The right password first: its reservation is the first of three. */
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
  int failed = 0, limited = 0;
  for (int i = 0; i < burst_n; i++) {
    failed += burst_results[i] == VG_ERR_INVALID_CREDENTIALS;
    limited += burst_results[i] == VG_ERR_RATE_LIMITED;
  }
  CHECK(failed == 2);
  CHECK(limited == 7);
  CHECK(w.hasher.verifies == verifies + 3);
  CHECK(w.otp.starts == starts + 1);
  /* The lock the third reservation set stays: the right password's success did not set it. */
  CHECK(login("user0@example.com", "correct horse", IP) == VG_ERR_RATE_LIMITED);
  CHECK(retry == 900);
}

static void the_last_reservation_locks_in_the_same_step(void) {
  fresh();
  w.auth.abuse.login_fails_per_account = 2;
  CHECK(signup(0, IP) == VG_OK);
  burst_email = "user0@example.com";
  burst_ip = IP;
  burst_n = 1;
  w.hasher.during_verify = wrong_passwords_meanwhile;
  /* The first wrong password reserves 1 of 2, the one it lets in reserves the 2nd and locks. */
  CHECK(login("user0@example.com", "wrong password", IP) == VG_ERR_INVALID_CREDENTIALS);
  CHECK(burst_results[0] == VG_ERR_INVALID_CREDENTIALS);
  CHECK(fake_rate_limiter_count(&w.limiter, "login-lock", "user0@example.com") == 1);
  CHECK(login("user0@example.com", "correct horse", IP) == VG_ERR_RATE_LIMITED);
}

/* A right password whose own reservation set the lock takes the lock back with it, so that a
 * user who mistyped limit - 1 times and then got it right is not locked out. */
static void a_right_password_that_set_the_lock_lifts_it(void) {
  fresh();
  w.auth.abuse.login_fails_per_account = 3;
  CHECK(signup(0, IP) == VG_OK);
  for (int i = 0; i < 2; i++)
    CHECK(login("user0@example.com", "wrong password", IP) == VG_ERR_INVALID_CREDENTIALS);
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
  CHECK(fake_rate_limiter_count(&w.limiter, "login-lock", "user0@example.com") == 0);
  CHECK(fake_rate_limiter_count(&w.limiter, "login-fail-account", "user0@example.com") == 0);
  w.clock.now += 61;
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
}

static void a_burst_from_one_ip_checks_at_most_its_limit(void) {
  fresh();
  w.auth.abuse.login_fails_per_ip = 3;
  w.auth.abuse.login_fails_per_account = 0;
  CHECK(signup(0, OTHER_IP) == VG_OK);
  burst_email = "someone@example.com";
  burst_ip = IP;
  burst_n = 9;
  w.hasher.during_verify = wrong_passwords_meanwhile;
  int verifies = w.hasher.verifies;
  CHECK(login("nobody@example.com", "guess", IP) == VG_ERR_INVALID_CREDENTIALS);
  CHECK(w.hasher.verifies == verifies + 3);
  CHECK(login("user0@example.com", "correct horse", IP) == VG_ERR_RATE_LIMITED);
  CHECK(login("user0@example.com", "correct horse", OTHER_IP) == VG_OK);
}

/* A login that cannot check the password (its hash refused by a full queue, MongoDB down) gives
 * its reservation back: an overload or an outage locks no account. */
static void an_unchecked_login_gives_its_reservation_back(void) {
  fresh();
  w.auth.abuse.login_fails_per_account = 3;
  w.auth.abuse.login_fails_per_ip = 3;
  CHECK(signup(0, IP) == VG_OK);
  for (int i = 0; i < 5; i++) {
    w.hasher.next_verify = VG_ERR_OVERLOADED;
    CHECK(login("user0@example.com", "wrong password", IP) == VG_ERR_OVERLOADED);
  }
  w.users.down = true;
  for (int i = 0; i < 5; i++)
    CHECK(login("user0@example.com", "wrong password", IP) == VG_ERR_UNAVAILABLE);
  w.users.down = false;
  CHECK(fake_rate_limiter_count(&w.limiter, "login-fail-account", "user0@example.com") == 0);
  CHECK(fake_rate_limiter_count(&w.limiter, "login-fail-ip", IP) == 0);
  CHECK(fake_rate_limiter_count(&w.limiter, "login-lock", "user0@example.com") == 0);
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
}

/* Whose login failed: the user's id for an account, the address's tag for an unknown one. */
static void a_failed_login_names_the_user_or_tags_the_address(void) {
  fresh();
  w.auth.abuse.login_fails_per_account = 2;
  CHECK(signup(0, IP) == VG_OK);
  struct login_output out;
  CHECK(auth_login(&w.auth, "User0@Example.com", "wrong", IP, NULL, &errs, &out) ==
        VG_ERR_INVALID_CREDENTIALS);
  CHECK(strcmp(out.user_id, w.users.users[0].id) == 0);
  CHECK(out.account[0] == '\0');
  char tag[VG_ACCOUNT_TAG_MAX];
  w.auth.limiter.tag(w.auth.limiter.self, "nobody@example.com", tag);
  CHECK(auth_login(&w.auth, "Nobody@example.com", "wrong", IP, NULL, &errs, &out) ==
        VG_ERR_INVALID_CREDENTIALS);
  CHECK(out.user_id[0] == '\0');
  CHECK(strcmp(out.account, tag) == 0);
  CHECK(auth_login(&w.auth, "user0@example.com", "wrong", IP, NULL, &errs, &out) ==
        VG_ERR_INVALID_CREDENTIALS);
  CHECK(auth_login(&w.auth, "user0@example.com", "correct horse", IP, NULL, &errs, &out) ==
        VG_ERR_RATE_LIMITED);
  CHECK(strcmp(out.user_id, w.users.users[0].id) == 0); /* locked, and still named */
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

/* One block of 1,000 numbers (all digits but the last 3) gets at most sms_per_prefix_hour SMS,
 * whichever of its numbers they go to; another block is not affected. */
static void sms_per_number_block_counts_across_its_numbers(void) {
  fresh();
  w.auth.abuse.sms_per_prefix_hour = 2;
  for (int i = 0; i < 3; i++) CHECK(signup(i, IP) == VG_OK); /* +1555000000i: one block */
  struct signup_input elsewhere = user(3, IP);
  elsewhere.phone = "+15550001003";
  struct vg_user created;
  CHECK(auth_signup(&w.auth, &elsewhere, &errs, &created, &retry) == VG_OK);
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
  CHECK(login("user1@example.com", "correct horse", OTHER_IP) == VG_OK);
  int starts = w.otp.starts;
  CHECK(login("user2@example.com", "correct horse", "192.0.2.1") == VG_ERR_SMS_RATE_LIMITED);
  CHECK(w.otp.starts == starts);
  CHECK(retry > 0 && retry <= 3600);
  CHECK(fake_rate_limiter_count(&w.limiter, "sms-prefix-hour", "+15550000") == 2);
  CHECK(login("user3@example.com", "correct horse", "192.0.2.1") == VG_OK);
}

/* The SMS take gives a right password's reservation back in its own round trip; when that round
 * trip fails, the login gives it back once more, so an outage of one call locks nobody out. */
static void a_failed_sms_take_still_gives_the_reservation_back(void) {
  fresh();
  w.auth.abuse.login_fails_per_account = 2;
  CHECK(signup(0, IP) == VG_OK);
  CHECK(login("user0@example.com", "wrong", IP) == VG_ERR_INVALID_CREDENTIALS);
  w.limiter.next_take = VG_ERR_UNAVAILABLE;
  /* This reservation brings the account to its limit and sets the lock. */
  CHECK(login("user0@example.com", "correct horse", IP) == VG_ERR_UNAVAILABLE);
  CHECK(fake_rate_limiter_count(&w.limiter, "login-lock", "user0@example.com") == 0);
  CHECK(login("user0@example.com", "correct horse", IP) == VG_OK);
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
  CHECK(auth_login(&w.auth, "user0@example.com", "correct horse", IP, NULL, &errs, &out) == VG_OK);
  struct resend_output resent;
  int starts = w.otp.starts;
  CHECK(auth_resend(&w.auth, out.mfa_token, IP, NULL, NULL, &resent) == VG_ERR_SMS_RATE_LIMITED);
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
  RUN(a_login_costs_two_limiter_calls_and_a_failure_one);
  RUN(a_burst_of_wrong_passwords_checks_at_most_the_limit);
  RUN(the_last_reservation_locks_in_the_same_step);
  RUN(a_right_password_that_set_the_lock_lifts_it);
  RUN(a_burst_from_one_ip_checks_at_most_its_limit);
  RUN(an_unchecked_login_gives_its_reservation_back);
  RUN(a_failed_login_names_the_user_or_tags_the_address);
  RUN(failures_per_ip_block_that_ip_only);
  RUN(sms_per_phone_in_10_minutes_then_per_day);
  RUN(sms_per_ip_counts_across_numbers);
  RUN(sms_per_number_block_counts_across_its_numbers);
  RUN(a_failed_sms_take_still_gives_the_reservation_back);
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
