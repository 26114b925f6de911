/* test_core.c: the use cases of src/core/ against the in-memory fakes of tests/fakes/. */
#include <stdlib.h>
#include <string.h>

#include "../fakes/fake_ports.h"
#include "check.h"

static struct fake_world w;
static struct vg_field_errors errs;
static char mfa[FAKE_TOKEN_LEN];    /* the mfa_token of the last successful login_alice() */
static char access[FAKE_TOKEN_LEN]; /* the access_token of the last given_verified_alice() */
static char alice_id[VG_ID_MAX];
static int retry; /* retry_after of the last signup */
#define IP "203.0.113.7"

#define ALICE FAKE_ALICE

static void given_alice(void) {
  fake_world_init(&w);
  memset(&errs, 0, sizeof errs);
  struct vg_user u;
  CHECK(auth_signup(&w.auth, &ALICE, &errs, &u, &retry) == VG_OK);
  memcpy(alice_id, u.id, sizeof alice_id);
}

static vg_result login_alice(void) {
  struct login_output out;
  memset(&errs, 0, sizeof errs);
  vg_result r = auth_login(&w.auth, ALICE.email, ALICE.password, IP, NULL, &errs, &out);
  if (out.mfa_token) snprintf(mfa, sizeof mfa, "%s", out.mfa_token);
  free(out.mfa_token);
  return r;
}

/* The jti of the last mfa_token: the fake's tokens end in ":<jti>". */
static const char *mfa_jti(void) {
  return strrchr(mfa, ':') + 1;
}

static vg_result verify(const char *token, const char *code, struct verify_output *out) {
  memset(&errs, 0, sizeof errs);
  vg_result r = auth_verify(&w.auth, token, code, NULL, &errs, out);
  if (out->access_token) snprintf(access, sizeof access, "%s", out->access_token);
  free(out->access_token);
  out->access_token = NULL;
  return r;
}

static void given_verified_alice(void) {
  given_alice();
  struct verify_output out;
  CHECK(login_alice() == VG_OK);
  CHECK(verify(mfa, w.otp.correct_code, &out) == VG_OK);
}

static bool has_error(const char *field, const char *message) {
  for (int i = 0; i < errs.count; i++)
    if (strcmp(errs.items[i].field, field) == 0 &&
        (!message || strcmp(errs.items[i].message, message) == 0))
      return true;
  return false;
}

/* ---- signup ---- */

static void signup_stores_normalised_email_and_hash_not_password(void) {
  fake_world_init(&w);
  memset(&errs, 0, sizeof errs);
  struct signup_input in = ALICE;
  in.email = "  Alice@Example.COM\t";
  struct vg_user created;
  CHECK(auth_signup(&w.auth, &in, &errs, &created, &retry) == VG_OK);
  CHECK(errs.count == 0);
  CHECK_STR(created.email, "alice@example.com");
  CHECK(strlen(created.id) == 24);
  CHECK(created.created_at == (int64_t)FAKE_EPOCH * 1000);
  struct vg_user *stored = fake_user_store_by_id(&w.users, created.id);
  CHECK(stored != NULL);
  if (!stored) return;
  CHECK_STR(stored->email, "alice@example.com");
  CHECK_STR(stored->password_hash, "h:correct horse");
  CHECK(!stored->phone_verified);
  const char *fields[] = {stored->name, stored->username, stored->email, stored->phone,
                          stored->password_hash};
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
    CHECK(strcmp(fields[i], ALICE.password) != 0);
}

static void signup_reports_every_bad_field_at_once(void) {
  fake_world_init(&w);
  memset(&errs, 0, sizeof errs);
  struct signup_input in = {
      .name = "", .username = "a!", .email = "nobody", .password = "short", .phone = "5551234567"};
  struct vg_user created;
  int hashes = w.hasher.hashes;
  CHECK(auth_signup(&w.auth, &in, &errs, &created, &retry) == VG_ERR_VALIDATION);
  CHECK(errs.count == 5);
  const char *order[] = {"name", "username", "email", "password", "phone"};
  for (int i = 0; i < 5 && i < errs.count; i++) CHECK_STR(errs.items[i].field, order[i]);
  CHECK(w.users.count == 0);
  CHECK(w.hasher.hashes == hashes);
}

static void signup_reports_missing_fields_as_required(void) {
  fake_world_init(&w);
  memset(&errs, 0, sizeof errs);
  struct signup_input in = {0};
  struct vg_user created;
  CHECK(auth_signup(&w.auth, &in, &errs, &created, &retry) == VG_ERR_VALIDATION);
  CHECK(errs.count == 5);
  CHECK(has_error("name", "is required") && has_error("username", "is required") &&
        has_error("email", "is required") && has_error("password", "is required") &&
        has_error("phone", "is required"));
}

static void signup_keeps_a_field_error_the_caller_already_reported(void) {
  fake_world_init(&w);
  memset(&errs, 0, sizeof errs);
  vg_field_errors_add(&errs, "email", "must be a string");
  struct signup_input in = ALICE;
  in.email = NULL;
  struct vg_user created;
  CHECK(auth_signup(&w.auth, &in, &errs, &created, &retry) == VG_ERR_VALIDATION);
  CHECK(errs.count == 1);
  CHECK(has_error("email", "must be a string"));
}

static vg_result signup_variant(const char *username, const char *email, const char *phone) {
  struct signup_input in = ALICE;
  in.username = username;
  in.email = email;
  in.phone = phone;
  struct vg_user created;
  memset(&errs, 0, sizeof errs);
  return auth_signup(&w.auth, &in, &errs, &created, &retry);
}

static void signup_duplicate_names_the_taken_field(void) {
  given_alice();
  CHECK(signup_variant("bob", "ALICE@example.com ", "+15550000001") == VG_ERR_CONFLICT);
  CHECK(errs.count == 1 && has_error("email", "is already registered"));
  CHECK(signup_variant("alice", "bob@example.com", "+15550000001") == VG_ERR_CONFLICT);
  CHECK(errs.count == 1 && has_error("username", NULL));
  CHECK(signup_variant("ALICE", "bob@example.com", "+15550000001") == VG_ERR_CONFLICT);
  CHECK(errs.count == 1 && has_error("username", NULL));
  CHECK(w.users.count == 1);
  CHECK(signup_variant("bob", "bob@example.com", "+15550000001") == VG_OK);
  CHECK(w.users.count == 2);
}

/* A number belongs to the account that verifies it: registering one proves nothing, so another
 * account may register it too, and the answer says nothing of who else has it. */
static void signup_accepts_a_number_another_account_registered(void) {
  given_alice();
  CHECK(signup_variant("bob", "bob@example.com", ALICE.phone) == VG_OK);
  CHECK(errs.count == 0 && w.users.count == 2);
  CHECK(!w.users.users[1].phone_verified);
}

static void signup_reports_store_down_as_unavailable(void) {
  fake_world_init(&w);
  w.users.down = true;
  CHECK(signup_variant("alice", "alice@example.com", ALICE.phone) == VG_ERR_UNAVAILABLE);
}

static void signup_stores_a_national_number_read_in_its_region_as_e164(void) {
  fake_world_init(&w);
  memset(&errs, 0, sizeof errs);
  struct signup_input in = ALICE;
  in.phone = "555-123-4567";
  in.region = "us"; /* any case */
  struct vg_user created;
  CHECK(auth_signup(&w.auth, &in, &errs, &created, &retry) == VG_OK);
  CHECK_STR(created.phone, "+15551234567");
  CHECK(w.users.count == 1 && strcmp(w.users.users[0].phone, "+15551234567") == 0);
  /* The same number typed another way is the same phone. */
  CHECK(signup_variant("bob", "bob@example.com", "+1 555 123 4567") == VG_OK);
  CHECK(strcmp(w.users.users[1].phone, "+15551234567") == 0);
}

static void signup_refuses_numbers_that_cannot_receive_a_code_naming_phone(void) {
  const char *cases[][2] = {
      {"+19005550100", "is a premium-rate number, which cannot be used"},
      {"+448431234567", "is a shared-cost number, which cannot be used"},
      {"+442079460000", "is a landline number, which cannot receive SMS"},
      {"+18005550100", "is a toll-free number, which cannot receive SMS"},
      {"5551234567", "must start with '+' and the country code, or come with a region"},
      {"+1555", "is not a valid phone number"},
      {"call me", "is not a phone number"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fake_world_init(&w);
    int hashes = w.hasher.hashes;
    CHECK(signup_variant("alice", "alice@example.com", cases[i][0]) == VG_ERR_VALIDATION);
    CHECK(errs.count == 1 && has_error("phone", cases[i][1]));
    CHECK(w.users.count == 0 && w.hasher.hashes == hashes);
  }
}

static void signup_refuses_a_region_that_is_not_a_known_code(void) {
  const char *regions[] = {"XX", "USA", "1", "", "\xc3\x9cS"};
  for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++) {
    fake_world_init(&w);
    memset(&errs, 0, sizeof errs);
    struct signup_input in = ALICE;
    in.phone = "5551234567";
    in.region = regions[i];
    struct vg_user created;
    CHECK(auth_signup(&w.auth, &in, &errs, &created, &retry) == VG_ERR_VALIDATION);
    CHECK(errs.count == 1 && has_error("region", NULL));
    CHECK(w.users.count == 0);
  }
}

static void signup_checks_the_allowed_countries_on_the_normalised_number(void) {
  fake_world_init(&w);
  w.auth.abuse.allowed_countries = "44";
  memset(&errs, 0, sizeof errs);
  struct signup_input in = ALICE;
  in.phone = "07400 123456";
  in.region = "GB";
  struct vg_user created;
  CHECK(auth_signup(&w.auth, &in, &errs, &created, &retry) == VG_OK);
  CHECK_STR(created.phone, "+447400123456");
  CHECK(signup_variant("bob", "bob@example.com", "+15550000001") == VG_ERR_INVALID_PHONE);
  CHECK(has_error("phone", NULL) && w.users.count == 1);
}

/* ---- login ---- */

static void login_unknown_email_and_wrong_password_cost_one_verify_each(void) {
  given_alice();
  const char *cases[][2] = {{"nobody@example.com", ALICE.password},
                            {ALICE.email, "wrong password"},
                            {"not-an-email", ALICE.password}};
  for (int i = 0; i < 3; i++) {
    int verifies = w.hasher.verifies;
    struct login_output out;
    memset(&errs, 0, sizeof errs);
    CHECK(auth_login(&w.auth, cases[i][0], cases[i][1], IP, NULL, &errs, &out) ==
          VG_ERR_INVALID_CREDENTIALS);
    CHECK(w.hasher.verifies == verifies + 1);
    CHECK(out.mfa_token == NULL);
  }
  CHECK(w.otp.starts == 0);
  CHECK(fake_pending_store_count(&w.pending) == 0);
}

static void login_requires_email_and_password(void) {
  given_alice();
  struct login_output out;
  CHECK(auth_login(&w.auth, NULL, NULL, IP, NULL, &errs, &out) == VG_ERR_VALIDATION);
  CHECK(has_error("email", "is required") && has_error("password", "is required"));
  CHECK(w.hasher.verifies == 0);
}

static void login_creates_one_pending_login_and_sends_one_sms(void) {
  given_alice();
  struct login_output out;
  CHECK(auth_login(&w.auth, " ALICE@example.com", ALICE.password, IP, NULL, &errs, &out) == VG_OK);
  CHECK(out.mfa_token != NULL && strncmp(out.mfa_token, "mfa:", 4) == 0);
  if (out.mfa_token) snprintf(mfa, sizeof mfa, "%s", out.mfa_token);
  free(out.mfa_token);
  CHECK(out.expires_in == 300);
  CHECK_STR(out.to, "+*******4567");
  CHECK_STR(out.user_id, alice_id);
  CHECK(w.otp.starts == 1);
  CHECK_STR(w.otp.last_phone, ALICE.phone);
  CHECK(w.pending.creates == 1 && fake_pending_store_count(&w.pending) == 1);
  CHECK(w.pending.last_ttl == 300);
  struct vg_pending *p = fake_pending_store_find(&w.pending, mfa_jti());
  CHECK(p != NULL);
  if (!p) return;
  CHECK_STR(p->user_id, alice_id);
  CHECK_STR(p->phone, ALICE.phone);
  CHECK(strncmp(p->verification_sid, "VE", 2) == 0);
  CHECK(p->sends == 1 && p->attempts == 0 && p->last_send_at == FAKE_EPOCH);
}

static void login_failed_send_leaves_no_pending_login(void) {
  const vg_result failures[] = {VG_ERR_UPSTREAM, VG_ERR_INVALID_PHONE, VG_ERR_SMS_RATE_LIMITED};
  for (int i = 0; i < 3; i++) {
    given_alice();
    w.otp.next_start = failures[i];
    w.otp.next_start_retry_after = 42;
    struct login_output out;
    CHECK(auth_login(&w.auth, ALICE.email, ALICE.password, IP, NULL, &errs, &out) == failures[i]);
    CHECK(out.mfa_token == NULL);
    CHECK(fake_pending_store_count(&w.pending) == 0 && w.pending.creates == 0);
    if (failures[i] == VG_ERR_SMS_RATE_LIMITED) CHECK(out.retry_after == 42);
  }
}

/* Every failure after the SMS quota was taken gives it back, and leaves no pending login: the
 * mfa_token cannot be issued, the SMS cannot be sent, the pending login cannot be stored (its
 * reply lost after the write). */
static void login_failure_after_the_sms_quota_gives_it_back(void) {
  for (int i = 0; i < 3; i++) {
    given_alice();
    if (i == 0) w.tokens.fail_issue = true;
    if (i == 1) w.otp.next_start = VG_ERR_UPSTREAM;
    if (i == 2) w.pending.create_lost = true;
    struct login_output out;
    CHECK(auth_login(&w.auth, ALICE.email, ALICE.password, IP, NULL, &errs, &out) != VG_OK);
    CHECK(out.mfa_token == NULL);
    CHECK(fake_pending_store_count(&w.pending) == 0);
    CHECK(fake_rate_limiter_count(&w.limiter, "sms-all-hour", "all") == 0);
    CHECK(fake_rate_limiter_count(&w.limiter, "sms-phone-10min", ALICE.phone) == 0);
    CHECK(fake_rate_limiter_count(&w.limiter, "sms-phone-day", ALICE.phone) == 0);
    CHECK(fake_rate_limiter_count(&w.limiter, "sms-ip-hour", IP) == 0);
  }
  /* and a login that goes through counts its SMS */
  given_alice();
  CHECK(login_alice() == VG_OK);
  CHECK(fake_rate_limiter_count(&w.limiter, "sms-phone-10min", ALICE.phone) == 1);
}

static void login_reports_pending_store_down_as_unavailable(void) {
  given_alice();
  w.pending.down = true;
  struct login_output out;
  CHECK(auth_login(&w.auth, ALICE.email, ALICE.password, IP, NULL, &errs, &out) == VG_ERR_UNAVAILABLE);
  CHECK(out.mfa_token == NULL);
  CHECK(fake_pending_store_count(&w.pending) == 0);
}

static void login_reports_user_store_down_as_unavailable(void) {
  given_alice();
  w.users.down = true;
  struct login_output out;
  CHECK(auth_login(&w.auth, ALICE.email, ALICE.password, IP, NULL, &errs, &out) == VG_ERR_UNAVAILABLE);
  CHECK(w.otp.starts == 0);
}

/* ---- resend ---- */

static void resend_waits_for_the_cooldown(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  struct resend_output out;
  w.clock.now = FAKE_EPOCH + 10;
  CHECK(auth_resend(&w.auth, mfa, IP, NULL, NULL, &out) == VG_ERR_RESEND_COOLDOWN && out.retry_after == 20);
  w.clock.now = FAKE_EPOCH + 29;
  CHECK(auth_resend(&w.auth, mfa, IP, NULL, NULL, &out) == VG_ERR_RESEND_COOLDOWN && out.retry_after == 1);
  CHECK(w.otp.starts == 1);
  w.clock.now = FAKE_EPOCH + 30;
  CHECK(auth_resend(&w.auth, mfa, IP, NULL, NULL, &out) == VG_OK);
  CHECK(out.retry_after == 30);
  CHECK_STR(out.to, "+*******4567");
  CHECK(w.otp.starts == 2);
  w.clock.now = FAKE_EPOCH + 40;
  CHECK(auth_resend(&w.auth, mfa, IP, NULL, NULL, &out) == VG_ERR_RESEND_COOLDOWN && out.retry_after == 20);
}

static void resend_stops_after_max_sends(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  struct resend_output out;
  for (int i = 1; i < 5; i++) {
    w.clock.now = FAKE_EPOCH + 30 * i;
    CHECK(auth_resend(&w.auth, mfa, IP, NULL, NULL, &out) == VG_OK);
  }
  CHECK(w.otp.starts == 5);
  w.clock.now = FAKE_EPOCH + 150;
  CHECK(auth_resend(&w.auth, mfa, IP, NULL, NULL, &out) == VG_ERR_RESEND_LIMIT);
  CHECK(out.retry_after == 150); /* what is left of the mfa_token's life */
  CHECK(w.otp.starts == 5);
}

static void resend_failed_send_gives_back_the_reservation(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  struct resend_output out;
  w.clock.now = FAKE_EPOCH + 30;
  w.otp.next_start = VG_ERR_UPSTREAM;
  CHECK(auth_resend(&w.auth, mfa, IP, NULL, NULL, &out) == VG_ERR_UPSTREAM);
  struct vg_pending *p = fake_pending_store_find(&w.pending, mfa_jti());
  CHECK(p != NULL && p->sends == 1 && p->last_send_at == FAKE_EPOCH);
  CHECK(w.pending.releases == 1);
  CHECK(auth_resend(&w.auth, mfa, IP, NULL, NULL, &out) == VG_OK);
}

static void resend_passes_on_the_sms_rate_limit(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  struct resend_output out;
  w.clock.now = FAKE_EPOCH + 30;
  w.otp.next_start = VG_ERR_SMS_RATE_LIMITED;
  w.otp.next_start_retry_after = 60;
  CHECK(auth_resend(&w.auth, mfa, IP, NULL, NULL, &out) == VG_ERR_SMS_RATE_LIMITED && out.retry_after == 60);
  struct vg_pending *p = fake_pending_store_find(&w.pending, mfa_jti());
  CHECK(p != NULL && p->sends == 1);
}

static void resend_refuses_access_and_garbage_tokens(void) {
  given_verified_alice();
  struct resend_output out;
  int starts = w.otp.starts;
  CHECK(auth_resend(&w.auth, access, IP, NULL, NULL, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(auth_resend(&w.auth, NULL, IP, NULL, NULL, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(auth_resend(&w.auth, "", IP, NULL, NULL, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(auth_resend(&w.auth, "mfa:forged:jti1", IP, NULL, NULL, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(w.otp.starts == starts);
}

/* The fake provider starts a new verification on every send, as Twilio does once the one before
 * is canceled: the login keeps the newest, and a lock-out cancels that one. */
static void resend_records_a_new_verification_and_a_lock_out_cancels_it(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  char first[VG_SID_MAX];
  snprintf(first, sizeof first, "%s",
           fake_pending_store_find(&w.pending, mfa_jti())->verification_sid);
  struct resend_output out;
  w.clock.now = FAKE_EPOCH + 30;
  CHECK(auth_resend(&w.auth, mfa, IP, NULL, NULL, &out) == VG_OK);
  const char *now_sid = fake_pending_store_find(&w.pending, mfa_jti())->verification_sid;
  CHECK(strncmp(now_sid, "VE", 2) == 0 && strcmp(now_sid, first) != 0);
  char second[VG_SID_MAX];
  snprintf(second, sizeof second, "%s", now_sid);
  struct verify_output vout;
  for (int i = 0; i < 5; i++) verify(mfa, "000000", &vout);
  CHECK(w.otp.cancels == 1);
  CHECK_STR(w.otp.last_canceled_sid, second);
}

/* ---- verify ---- */

static void verify_counts_down_wrong_codes_then_ends_the_login(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  struct verify_output out;
  for (int left = 4; left >= 1; left--) {
    CHECK(verify(mfa, "000000", &out) == VG_ERR_WRONG_CODE);
    CHECK(out.attempts_left == left);
  }
  CHECK(w.otp.cancels == 0);
  CHECK(verify(mfa, "000000", &out) == VG_ERR_TOO_MANY_ATTEMPTS);
  CHECK(fake_pending_store_find(&w.pending, mfa_jti()) == NULL);
  CHECK(!fake_pending_store_locked(&w.pending, mfa_jti()));
  /* the spent code is cancelled at the provider, so the next login gets a fresh one */
  CHECK(w.otp.cancels == 1);
  CHECK(strncmp(w.otp.last_canceled_sid, "VE", 2) == 0);
  CHECK(verify(mfa, w.otp.correct_code, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(w.otp.checks == 5);
}

static void verify_right_code_issues_access_token_and_marks_phone_verified(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  w.clock.now = FAKE_EPOCH + 20;
  struct verify_output out;
  access[0] = '\0';
  CHECK(verify(mfa, "123456", &out) == VG_OK);
  CHECK(strncmp(access, "at:", 3) == 0);
  CHECK(out.expires_in == 900);
  CHECK_STR(out.user_id, alice_id);
  CHECK_STR(w.otp.last_phone, ALICE.phone);
  CHECK_STR(w.otp.last_code, "123456");
  struct vg_user *u = fake_user_store_by_id(&w.users, alice_id);
  CHECK(u != NULL && u->phone_verified);
  CHECK(fake_pending_store_count(&w.pending) == 0);
  CHECK(!fake_pending_store_locked(&w.pending, mfa_jti()));
  struct vg_claims *c = &w.tokens.issued[w.tokens.count - 1].claims;
  CHECK(c->kind == VG_TOKEN_ACCESS && c->auth_time == FAKE_EPOCH + 20);
  CHECK_STR(c->sub, alice_id);
}

/* The pending login carries the user's phone_verified from the login: a phone already verified
 * is not written again (one MongoDB command less per returning user), a new one is. */
static void verify_writes_phone_verified_only_when_the_login_began_without_it(void) {
  given_alice();
  struct verify_output out;
  CHECK(login_alice() == VG_OK);
  CHECK(verify(mfa, w.otp.correct_code, &out) == VG_OK);
  CHECK(w.users.verified_writes == 1);
  w.clock.now += 60; /* past the resend cooldown of Alice's phone */
  CHECK(login_alice() == VG_OK);
  struct vg_pending pending;
  CHECK(w.auth.pending.get(w.auth.pending.self, mfa_jti(), &pending) == VG_OK &&
        pending.phone_verified);
  CHECK(verify(mfa, w.otp.correct_code, &out) == VG_OK);
  CHECK(w.users.verified_writes == 1);
  CHECK(fake_pending_store_count(&w.pending) == 0);
}

static void verify_rejects_reused_mfa_token(void) {
  given_verified_alice();
  struct verify_output out;
  int checks = w.otp.checks;
  CHECK(verify(mfa, w.otp.correct_code, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(w.otp.checks == checks);
}

static void verify_refuses_while_another_verify_holds_the_lock(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  struct vg_pending held;
  char owner[VG_LOCK_OWNER_MAX];
  CHECK(w.auth.pending.lock(w.auth.pending.self, mfa_jti(), 15, owner, &held) == VG_OK);
  CHECK_STR(held.user_id, alice_id); /* the lock hands over the login it guards */
  struct verify_output out;
  CHECK(verify(mfa, "123456", &out) == VG_ERR_VERIFY_IN_PROGRESS);
  CHECK(out.retry_after == 1);
  CHECK(w.otp.checks == 0);
  CHECK(fake_pending_store_locked(&w.pending, mfa_jti())); /* not ours to release */
  w.clock.now = FAKE_EPOCH + 15;                           /* the holder's lock expires */
  CHECK(verify(mfa, "123456", &out) == VG_OK);
}

/* A successful verify consumes the login and releases its lock in one step; a refused one
 * releases the lock and leaves the login; a malformed code costs nothing either. */
static void verify_leaves_no_lock_behind_on_any_outcome(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  struct verify_output out;
  CHECK(verify(mfa, "12", &out) == VG_ERR_VALIDATION);
  CHECK(!fake_pending_store_locked(&w.pending, mfa_jti()));
  CHECK(verify(mfa, "000000", &out) == VG_ERR_WRONG_CODE);
  CHECK(!fake_pending_store_locked(&w.pending, mfa_jti()));
  CHECK(fake_pending_store_count(&w.pending) == 1);
  char jti[64];
  snprintf(jti, sizeof jti, "%s", mfa_jti());
  CHECK(verify(mfa, w.otp.correct_code, &out) == VG_OK);
  CHECK(!fake_pending_store_locked(&w.pending, jti));
  CHECK(fake_pending_store_count(&w.pending) == 0);
  char owner[VG_LOCK_OWNER_MAX];
  CHECK(w.auth.pending.lock(w.auth.pending.self, jti, 15, owner, &(struct vg_pending){0}) ==
        VG_ERR_NOT_FOUND); /* a consumed login is not locked again */
  CHECK(!fake_pending_store_locked(&w.pending, jti));
}

/* A lock is released by its owner only: a request whose lock expired (a stall) cannot free the
 * lock another request took since. */
static void verify_lock_is_released_only_by_its_owner(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  struct pending_store *ps = &w.auth.pending;
  struct vg_pending p;
  char first[VG_LOCK_OWNER_MAX], second[VG_LOCK_OWNER_MAX];
  CHECK(ps->lock(ps->self, mfa_jti(), 15, first, &p) == VG_OK);
  CHECK(ps->unlock(ps->self, mfa_jti(), "someone else") == VG_OK);
  CHECK(fake_pending_store_locked(&w.pending, mfa_jti()));
  w.clock.now += 15; /* the first holder stalls past its lock's life */
  CHECK(ps->lock(ps->self, mfa_jti(), 15, second, &p) == VG_OK);
  CHECK(strcmp(first, second) != 0);
  CHECK(ps->unlock(ps->self, mfa_jti(), first) == VG_OK); /* the stalled one gives up */
  CHECK(fake_pending_store_locked(&w.pending, mfa_jti()));
  struct verify_output out;
  CHECK(verify(mfa, w.otp.correct_code, &out) == VG_ERR_VERIFY_IN_PROGRESS);
  CHECK(ps->unlock(ps->self, mfa_jti(), second) == VG_OK);
  CHECK(!fake_pending_store_locked(&w.pending, mfa_jti()));
}

/* Twilio approved, then MongoDB failed: 503, and the retry finishes from the recorded approval
 * (Twilio would answer 404 to a second check of an approved verification). */
static void verify_retried_after_the_user_store_failed_finishes_without_asking_twilio(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  w.users.down = true;
  struct verify_output out;
  CHECK(verify(mfa, w.otp.correct_code, &out) == VG_ERR_UNAVAILABLE);
  CHECK(w.otp.checks == 1);
  CHECK(fake_pending_store_count(&w.pending) == 1 &&
        !fake_pending_store_locked(&w.pending, mfa_jti()));
  w.users.down = false;
  CHECK(verify(mfa, w.otp.correct_code, &out) == VG_OK);
  CHECK(out.refresh_token[0] != '\0');
  CHECK(w.otp.checks == 1 && w.otp.starts == 1);
  CHECK(w.sessions.session_count == 1);
  CHECK(fake_user_store_by_id(&w.users, alice_id)->phone_verified);
  CHECK(verify(mfa, w.otp.correct_code, &out) == VG_ERR_INVALID_TOKEN);
}

/* The same after a failure of the session start (Redis): the login is consumed in the same step
 * as the session starts, so a failure of that step leaves it for the retry. */
static void verify_retried_after_the_session_store_failed_finishes_without_asking_twilio(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  w.sessions.down = true;
  struct verify_output out;
  CHECK(verify(mfa, w.otp.correct_code, &out) == VG_ERR_UNAVAILABLE);
  CHECK(fake_pending_store_count(&w.pending) == 1 &&
        !fake_pending_store_locked(&w.pending, mfa_jti()));
  w.sessions.down = false;
  CHECK(verify(mfa, w.otp.correct_code, &out) == VG_OK);
  CHECK(w.otp.checks == 1 && w.sessions.session_count == 1);
}

/* An approval is the login's own: another mfa_token of the same user still needs its code. */
static void verify_approval_of_one_login_does_not_open_another(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  char first[FAKE_TOKEN_LEN];
  snprintf(first, sizeof first, "%s", mfa);
  w.clock.now += 30;
  CHECK(login_alice() == VG_OK);
  w.users.down = true;
  struct verify_output out;
  CHECK(verify(first, w.otp.correct_code, &out) == VG_ERR_UNAVAILABLE);
  w.users.down = false;
  CHECK(verify(mfa, "000000", &out) != VG_OK);
  CHECK(w.otp.checks == 2); /* the second login asked Twilio */
  CHECK(w.sessions.session_count == 0);
  CHECK(verify(first, "000000", &out) == VG_OK); /* the first finishes from its approval */
  CHECK(w.sessions.session_count == 1);
}

/* A request that stalled past its lock and a retry that took the lock since: one session. */
static void verify_two_retries_of_one_approved_login_give_one_session(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  w.users.down = true;
  struct verify_output out;
  CHECK(verify(mfa, w.otp.correct_code, &out) == VG_ERR_UNAVAILABLE);
  w.users.down = false;
  struct pending_store *ps = &w.auth.pending;
  struct vg_pending p;
  char stalled[VG_LOCK_OWNER_MAX];
  CHECK(ps->lock(ps->self, mfa_jti(), 15, stalled, &p) == VG_OK && p.approved);
  w.clock.now += 15;
  char jti[VG_JTI_MAX];
  snprintf(jti, sizeof jti, "%s", mfa_jti());
  CHECK(verify(mfa, w.otp.correct_code, &out) == VG_OK);
  struct vg_session session;
  char token[VG_REFRESH_TOKEN_MAX];
  CHECK(w.auth.sessions.start(w.auth.sessions.self, jti, stalled, alice_id, w.clock.now, w.clock.now, "sms", NULL, 3600, 960,
                              &session, token) == VG_ERR_NOT_FOUND);
  CHECK(w.sessions.session_count == 1);
}

static void verify_expired_at_twilio_removes_the_pending_login(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  w.otp.next_check = VG_ERR_VERIFICATION_EXPIRED;
  struct verify_output out;
  CHECK(verify(mfa, "123456", &out) == VG_ERR_VERIFICATION_EXPIRED);
  CHECK(fake_pending_store_count(&w.pending) == 0);
  CHECK(!fake_pending_store_locked(&w.pending, mfa_jti()));
  CHECK(verify(mfa, "123456", &out) == VG_ERR_INVALID_TOKEN);
}

static void verify_upstream_error_keeps_the_pending_login_unlocked(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  w.otp.next_check = VG_ERR_UPSTREAM;
  struct verify_output out;
  CHECK(verify(mfa, "123456", &out) == VG_ERR_UPSTREAM);
  struct vg_pending *p = fake_pending_store_find(&w.pending, mfa_jti());
  CHECK(p != NULL && p->attempts == 0);
  CHECK(!fake_pending_store_locked(&w.pending, mfa_jti()));
  CHECK(verify(mfa, "123456", &out) == VG_OK);
}

static void verify_rejects_a_malformed_code_as_validation(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  struct verify_output out;
  CHECK(verify(mfa, "12ab56", &out) == VG_ERR_VALIDATION);
  CHECK(errs.count == 1 && has_error("code", NULL));
  CHECK(verify(mfa, NULL, &out) == VG_ERR_VALIDATION);
  CHECK(has_error("code", "is required"));
  CHECK(w.otp.checks == 0);
  struct vg_pending *p = fake_pending_store_find(&w.pending, mfa_jti());
  CHECK(p != NULL && p->attempts == 0);
}

static void verify_refuses_expired_and_access_tokens(void) {
  given_verified_alice();
  struct verify_output out;
  CHECK(verify(access, "123456", &out) == VG_ERR_INVALID_TOKEN);
  CHECK(login_alice() == VG_OK);
  w.clock.now += 300;
  CHECK(verify(mfa, "123456", &out) == VG_ERR_INVALID_TOKEN);
}

/* ---- dashboard and ready ---- */

static void dashboard_accepts_an_access_token(void) {
  given_verified_alice();
  struct dashboard_output out;
  CHECK(auth_dashboard(&w.auth, access, &out) == VG_OK);
  CHECK_STR(out.user.id, alice_id);
  CHECK_STR(out.user.username, "alice");
  CHECK(out.user.phone_verified);
  CHECK(out.claims.kind == VG_TOKEN_ACCESS);
}

static void dashboard_answers_an_mfa_token_with_insufficient_aal(void) {
  given_alice();
  CHECK(login_alice() == VG_OK);
  struct dashboard_output out;
  CHECK(auth_dashboard(&w.auth, mfa, &out) == VG_ERR_INSUFFICIENT_AAL);
}

static void dashboard_refuses_a_token_of_a_deleted_user(void) {
  given_verified_alice();
  CHECK(fake_user_store_delete(&w.users, alice_id));
  struct dashboard_output out;
  CHECK(auth_dashboard(&w.auth, access, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(auth_dashboard(&w.auth, NULL, &out) == VG_ERR_INVALID_TOKEN);
}

static void dashboard_refuses_an_expired_access_token(void) {
  given_verified_alice();
  struct dashboard_output out;
  w.clock.now += 900;
  CHECK(auth_dashboard(&w.auth, access, &out) == VG_ERR_INVALID_TOKEN);
}

static void ready_reports_each_store(void) {
  fake_world_init(&w);
  bool users_ok = false, pending_ok = false;
  CHECK(auth_ready(&w.auth, &users_ok, &pending_ok) == VG_OK && users_ok && pending_ok);
  w.users.down = true;
  CHECK(auth_ready(&w.auth, &users_ok, &pending_ok) == VG_ERR_UNAVAILABLE);
  CHECK(!users_ok && pending_ok);
  w.users.down = false;
  w.pending.down = true;
  CHECK(auth_ready(&w.auth, &users_ok, &pending_ok) == VG_ERR_UNAVAILABLE);
  CHECK(users_ok && !pending_ok);
}

int main(void) {
  RUN(signup_stores_normalised_email_and_hash_not_password);
  RUN(signup_reports_every_bad_field_at_once);
  RUN(signup_reports_missing_fields_as_required);
  RUN(signup_keeps_a_field_error_the_caller_already_reported);
  RUN(signup_duplicate_names_the_taken_field);
  RUN(signup_accepts_a_number_another_account_registered);
  RUN(signup_reports_store_down_as_unavailable);
  RUN(signup_stores_a_national_number_read_in_its_region_as_e164);
  RUN(signup_refuses_numbers_that_cannot_receive_a_code_naming_phone);
  RUN(signup_refuses_a_region_that_is_not_a_known_code);
  RUN(signup_checks_the_allowed_countries_on_the_normalised_number);
  RUN(login_unknown_email_and_wrong_password_cost_one_verify_each);
  RUN(login_requires_email_and_password);
  RUN(login_creates_one_pending_login_and_sends_one_sms);
  RUN(login_failed_send_leaves_no_pending_login);
  RUN(login_failure_after_the_sms_quota_gives_it_back);
  RUN(login_reports_pending_store_down_as_unavailable);
  RUN(login_reports_user_store_down_as_unavailable);
  RUN(resend_waits_for_the_cooldown);
  RUN(resend_stops_after_max_sends);
  RUN(resend_failed_send_gives_back_the_reservation);
  RUN(resend_passes_on_the_sms_rate_limit);
  RUN(resend_refuses_access_and_garbage_tokens);
  RUN(resend_records_a_new_verification_and_a_lock_out_cancels_it);
  RUN(verify_counts_down_wrong_codes_then_ends_the_login);
  RUN(verify_right_code_issues_access_token_and_marks_phone_verified);
  RUN(verify_writes_phone_verified_only_when_the_login_began_without_it);
  RUN(verify_leaves_no_lock_behind_on_any_outcome);
  RUN(verify_rejects_reused_mfa_token);
  RUN(verify_refuses_while_another_verify_holds_the_lock);
  RUN(verify_lock_is_released_only_by_its_owner);
  RUN(verify_retried_after_the_user_store_failed_finishes_without_asking_twilio);
  RUN(verify_retried_after_the_session_store_failed_finishes_without_asking_twilio);
  RUN(verify_approval_of_one_login_does_not_open_another);
  RUN(verify_two_retries_of_one_approved_login_give_one_session);
  RUN(verify_expired_at_twilio_removes_the_pending_login);
  RUN(verify_upstream_error_keeps_the_pending_login_unlocked);
  RUN(verify_rejects_a_malformed_code_as_validation);
  RUN(verify_refuses_expired_and_access_tokens);
  RUN(dashboard_accepts_an_access_token);
  RUN(dashboard_answers_an_mfa_token_with_insufficient_aal);
  RUN(dashboard_refuses_a_token_of_a_deleted_user);
  RUN(dashboard_refuses_an_expired_access_token);
  RUN(ready_reports_each_store);
  return check_done();
}
