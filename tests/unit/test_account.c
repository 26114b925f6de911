/* test_account.c: the account's own use cases (account.c, account_sessions.c) against the
 * in-memory fakes: the session list and ending one session, the password change, the account's
 * deletion, and what a session keeps of its client. */
#include <stdlib.h>
#include <string.h>

#include "../fakes/fake_ports.h"
#include "check.h"

#define IP "203.0.113.7"

static struct fake_world w;
static struct vg_field_errors errs;
static char alice_id[VG_ID_MAX];

struct tokens {
  char access[FAKE_TOKEN_LEN];
  char refresh[VG_REFRESH_TOKEN_MAX];
  struct vg_claims claims;
};

#define ALICE FAKE_ALICE
static const struct signup_input BOB = {.name = "Bob",
                                        .username = "bob",
                                        .email = "bob@example.com",
                                        .password = "battery staple",
                                        .phone = "+15557654321"};

static void given_alice(void) {
  fake_world_init(&w);
  memset(&errs, 0, sizeof errs);
  struct vg_user u;
  int retry = 0;
  CHECK(auth_signup(&w.auth, &ALICE, &errs, &u, &retry) == VG_OK);
  memcpy(alice_id, u.id, sizeof alice_id);
}

/* The password step of who: its mfa_token (free() it). */
static char *log_in(const struct signup_input *who) {
  struct login_output lo;
  memset(&errs, 0, sizeof errs);
  CHECK(auth_login(&w.auth, who->email, who->password, IP, NULL, &errs, &lo) == VG_OK);
  return lo.mfa_token;
}

static vg_result verify(const char *mfa, const char *ua, struct tokens *t) {
  struct vg_session_client client;
  auth_session_client(ua, "203.0.113.0/24", &client);
  struct verify_output vo;
  memset(&errs, 0, sizeof errs);
  memset(t, 0, sizeof *t);
  vg_result r = auth_verify(&w.auth, mfa, w.otp.correct_code, &client, &errs, &vo);
  if (r != VG_OK) return r;
  snprintf(t->access, sizeof t->access, "%s", vo.access_token);
  free(vo.access_token);
  memcpy(t->refresh, vo.refresh_token, sizeof t->refresh);
  t->claims = fake_world_claims_of(&w, t->access);
  return r;
}

static struct tokens sign_in(const struct signup_input *who, const char *ua) {
  struct tokens t;
  char *mfa = log_in(who);
  CHECK(mfa && verify(mfa, ua, &t) == VG_OK);
  free(mfa);
  return t;
}

static vg_result dashboard(const char *access) {
  struct dashboard_output out;
  return auth_dashboard(&w.auth, access, &out);
}

static vg_result refresh(const char *token) {
  struct refresh_output out;
  memset(&errs, 0, sizeof errs);
  vg_result r = auth_refresh(&w.auth, token, &errs, &out);
  free(out.access_token);
  return r;
}

static vg_result change_password(const char *access, const char *current, const char *next) {
  struct account_output out;
  memset(&errs, 0, sizeof errs);
  return auth_password_change(&w.auth, access, current, next, IP, &errs, &out);
}

static vg_result delete_account(const char *access, const char *password) {
  struct account_output out;
  memset(&errs, 0, sizeof errs);
  return auth_account_delete(&w.auth, access, password, IP, &errs, &out);
}

static void session_client_keeps_printable_text_cut_on_a_character(void) {
  struct vg_session_client c;
  auth_session_client("Mozilla/5.0\r\nX-Evil: 1\x7f\x01", "203.0.113.0/24", &c);
  CHECK_STR(c.user_agent, "Mozilla/5.0X-Evil: 1");
  CHECK_STR(c.ip_prefix, "203.0.113.0/24");
  char long_ua[400];
  memset(long_ua, 'a', 199);
  strcpy(long_ua + 199, "\xc3\xa9tail"); /* an é straddling byte 200 */
  auth_session_client(long_ua, NULL, &c);
  CHECK(strlen(c.user_agent) == 199 && c.ip_prefix[0] == '\0');
  auth_session_client("ok \xff\x80 \xe2\x82\xac", "", &c); /* stray bytes go, a whole € stays */
  CHECK_STR(c.user_agent, "ok  \xe2\x82\xac");
  auth_session_client(NULL, NULL, &c);
  CHECK_STR(c.user_agent, "");
}

static void sessions_list_shows_live_sessions_newest_first_and_the_callers(void) {
  given_alice();
  struct tokens first = sign_in(&ALICE, "phone");
  w.clock.now += 10;
  struct tokens second = sign_in(&ALICE, "laptop");
  w.clock.now += 10;
  CHECK(refresh(first.refresh) == VG_OK);
  struct sessions_output out;
  CHECK(auth_sessions_list(&w.auth, first.access, &out) == VG_OK);
  CHECK(out.count == 2);
  if (out.count == 2) {
    CHECK_STR(out.items[0].id, second.claims.sid);
    CHECK_STR(out.items[0].client.user_agent, "laptop");
    CHECK_STR(out.items[1].client.ip_prefix, "203.0.113.0/24");
    CHECK(out.items[1].created == FAKE_EPOCH && out.items[1].refreshed == FAKE_EPOCH + 20);
    CHECK(out.items[0].refreshed == out.items[0].created);
  }
  CHECK_STR(out.current, first.claims.sid);
  free(out.items);
}

static void session_delete_ends_one_session_and_refuses_other_users_ids_alike(void) {
  given_alice();
  struct vg_user bob;
  int retry = 0;
  CHECK(auth_signup(&w.auth, &BOB, &errs, &bob, &retry) == VG_OK);
  struct tokens mine = sign_in(&ALICE, "a"), other = sign_in(&ALICE, "b");
  struct tokens bobs = sign_in(&BOB, "c");
  struct session_delete_output out;
  CHECK(auth_session_delete(&w.auth, mine.access, bobs.claims.sid, &out) ==
        VG_ERR_SESSION_NOT_FOUND);
  CHECK(auth_session_delete(&w.auth, mine.access, "s999", &out) == VG_ERR_SESSION_NOT_FOUND);
  CHECK(dashboard(bobs.access) == VG_OK);
  CHECK(auth_session_delete(&w.auth, mine.access, other.claims.sid, &out) == VG_OK && !out.own);
  CHECK(dashboard(other.access) == VG_ERR_INVALID_TOKEN);
  CHECK(refresh(other.refresh) == VG_ERR_INVALID_TOKEN);
  CHECK(dashboard(mine.access) == VG_OK);
  /* Once ended it is not found again; one's own session is a logout. */
  CHECK(auth_session_delete(&w.auth, mine.access, other.claims.sid, &out) ==
        VG_ERR_SESSION_NOT_FOUND);
  CHECK(auth_session_delete(&w.auth, mine.access, mine.claims.sid, &out) == VG_OK && out.own);
  CHECK(dashboard(mine.access) == VG_ERR_INVALID_TOKEN);
}

static void account_routes_refuse_mfa_tokens_and_missing_tokens(void) {
  given_alice();
  char *mfa = log_in(&ALICE);
  struct sessions_output list;
  CHECK(auth_sessions_list(&w.auth, mfa, &list) == VG_ERR_INSUFFICIENT_AAL && !list.items);
  CHECK(auth_sessions_list(&w.auth, NULL, &list) == VG_ERR_INVALID_TOKEN);
  CHECK(change_password(mfa, ALICE.password, "a new long password") == VG_ERR_INSUFFICIENT_AAL);
  CHECK(delete_account(mfa, ALICE.password) == VG_ERR_INSUFFICIENT_AAL);
  CHECK(fake_user_store_by_id(&w.users, alice_id) != NULL);
  free(mfa);
}

static void password_change_ends_the_other_sessions_and_keeps_the_callers(void) {
  given_alice();
  struct tokens mine = sign_in(&ALICE, "a"), other = sign_in(&ALICE, "b");
  CHECK(change_password(mine.access, ALICE.password, "a new long password") == VG_OK);
  CHECK_STR(fake_user_store_by_id(&w.users, alice_id)->password_hash, "h:a new long password");
  CHECK(dashboard(other.access) == VG_ERR_INVALID_TOKEN);
  CHECK(refresh(other.refresh) == VG_ERR_INVALID_TOKEN);
  CHECK(dashboard(mine.access) == VG_OK);
  CHECK(refresh(mine.refresh) == VG_OK);
  struct login_output lo;
  memset(&errs, 0, sizeof errs);
  CHECK(auth_login(&w.auth, ALICE.email, ALICE.password, IP, NULL, &errs, &lo) ==
        VG_ERR_INVALID_CREDENTIALS);
}

/* A login past the old password, its code out, cannot finish once the password changed (a
 * second later: the bar counts the mfa_token's iat); one made after the change can. */
static void password_change_bars_the_logins_already_past_the_old_password(void) {
  given_alice();
  struct tokens mine = sign_in(&ALICE, "a"), t;
  char *theirs = log_in(&ALICE);
  w.clock.now += 1;
  CHECK(change_password(mine.access, ALICE.password, "a new long password") == VG_OK);
  CHECK(verify(theirs, "b", &t) == VG_ERR_INVALID_TOKEN);
  free(theirs);
  w.clock.now += 60; /* the login's cooldown and SMS windows */
  const struct signup_input renewed = {.email = ALICE.email, .password = "a new long password"};
  char *later = log_in(&renewed);
  CHECK(later && verify(later, "c", &t) == VG_OK);
  free(later);
}

static void password_change_validates_the_new_password_before_any_hash(void) {
  given_alice();
  struct tokens t = sign_in(&ALICE, "a");
  int verifies = w.hasher.verifies;
  CHECK(change_password(t.access, ALICE.password, "short") == VG_ERR_VALIDATION);
  CHECK(errs.count == 1 && strcmp(errs.items[0].field, "new_password") == 0);
  CHECK(change_password(t.access, ALICE.password, ALICE.password) == VG_ERR_VALIDATION);
  CHECK(errs.count == 1 && strcmp(errs.items[0].field, "new_password") == 0);
  CHECK(change_password(t.access, NULL, "a new long password") == VG_ERR_VALIDATION);
  CHECK(w.hasher.verifies == verifies);
  CHECK_STR(fake_user_store_by_id(&w.users, alice_id)->password_hash, "h:correct horse");
}

static void password_change_wrong_current_counts_against_the_account_lock(void) {
  given_alice();
  struct tokens mine = sign_in(&ALICE, "a"), other = sign_in(&ALICE, "b");
  CHECK(change_password(mine.access, "wrong guess", "a new long password") ==
        VG_ERR_WRONG_PASSWORD);
  CHECK(fake_rate_limiter_count(&w.limiter, "login-fail-account", ALICE.email) == 1);
  CHECK(dashboard(other.access) == VG_OK); /* nothing ended */
  for (int i = 1; i < 5; i++)
    CHECK(change_password(mine.access, "wrong guess", "a new long password") ==
          VG_ERR_WRONG_PASSWORD);
  /* The account is locked now, for /login as well, and even the right password waits. */
  CHECK(change_password(mine.access, ALICE.password, "a new long password") == VG_ERR_RATE_LIMITED);
  struct login_output lo;
  memset(&errs, 0, sizeof errs);
  CHECK(auth_login(&w.auth, ALICE.email, ALICE.password, IP, NULL, &errs, &lo) ==
        VG_ERR_RATE_LIMITED);
  CHECK_STR(fake_user_store_by_id(&w.users, alice_id)->password_hash, "h:correct horse");
  /* A full hash queue is no failure of the account's. */
  given_alice();
  struct tokens t = sign_in(&ALICE, "a");
  w.hasher.full = true;
  CHECK(change_password(t.access, "wrong guess", "a new long password") == VG_ERR_OVERLOADED);
  CHECK(fake_rate_limiter_count(&w.limiter, "login-fail-account", ALICE.email) == 0);
}

static void account_delete_needs_the_password_after_five_minutes(void) {
  given_alice();
  struct tokens t = sign_in(&ALICE, "a");
  w.clock.now += VG_RECENT_LOGIN_SECONDS + 1;
  CHECK(refresh(t.refresh) == VG_OK); /* a refresh keeps auth_time: it is no new login */
  struct tokens fresh = sign_in(&ALICE, "b");
  CHECK(delete_account(t.access, NULL) == VG_ERR_REAUTH_REQUIRED);
  CHECK(delete_account(t.access, "wrong guess") == VG_ERR_WRONG_PASSWORD);
  CHECK(fake_rate_limiter_count(&w.limiter, "login-fail-account", ALICE.email) == 1);
  CHECK(fake_user_store_by_id(&w.users, alice_id) != NULL);
  CHECK(dashboard(t.access) == VG_OK && dashboard(fresh.access) == VG_OK);
  /* A login within the last five minutes is enough without the password. */
  CHECK(delete_account(fresh.access, NULL) == VG_OK);
  CHECK(fake_user_store_by_id(&w.users, alice_id) == NULL);
}

static void account_delete_ends_every_session_and_pending_login(void) {
  given_alice();
  struct tokens mine = sign_in(&ALICE, "a"), other = sign_in(&ALICE, "b");
  char *pending = log_in(&ALICE);
  CHECK(delete_account(mine.access, ALICE.password) == VG_OK);
  CHECK(fake_user_store_by_id(&w.users, alice_id) == NULL);
  CHECK(dashboard(mine.access) == VG_ERR_INVALID_TOKEN);
  CHECK(dashboard(other.access) == VG_ERR_INVALID_TOKEN);
  CHECK(refresh(mine.refresh) == VG_ERR_INVALID_TOKEN);
  CHECK(refresh(other.refresh) == VG_ERR_INVALID_TOKEN);
  struct tokens late;
  CHECK(verify(pending, "c", &late) == VG_ERR_INVALID_TOKEN);
  CHECK(fake_pending_store_count(&w.pending) == 0);
  free(pending);
  /* The email and username are free again. */
  struct vg_user again;
  int retry = 0;
  memset(&errs, 0, sizeof errs);
  CHECK(auth_signup(&w.auth, &ALICE, &errs, &again, &retry) == VG_OK);
}

static void account_delete_that_fails_leaves_the_user_and_a_retry_finishes(void) {
  given_alice();
  struct tokens mine = sign_in(&ALICE, "a"), other = sign_in(&ALICE, "b");
  w.users.remove_fails = true;
  CHECK(delete_account(mine.access, ALICE.password) == VG_ERR_UNAVAILABLE);
  CHECK(fake_user_store_by_id(&w.users, alice_id) != NULL);
  CHECK(dashboard(other.access) == VG_ERR_INVALID_TOKEN); /* signed out elsewhere */
  CHECK(dashboard(mine.access) == VG_OK);                 /* but here, to retry */
  struct tokens later = sign_in(&ALICE, "c");             /* the bar was lifted */
  CHECK(dashboard(later.access) == VG_OK);
  w.users.remove_fails = false;
  CHECK(delete_account(mine.access, ALICE.password) == VG_OK);
  CHECK(fake_user_store_by_id(&w.users, alice_id) == NULL);
  CHECK(dashboard(later.access) == VG_ERR_INVALID_TOKEN);

  /* Redis failing after the removal: the user is gone; the retry ends the caller's session. */
  given_alice();
  struct tokens t = sign_in(&ALICE, "a");
  w.sessions.fail_bar_after = 2;
  CHECK(delete_account(t.access, ALICE.password) == VG_ERR_UNAVAILABLE);
  CHECK(fake_user_store_by_id(&w.users, alice_id) == NULL);
  CHECK(delete_account(t.access, ALICE.password) == VG_OK);
  struct sessions_output list;
  CHECK(auth_sessions_list(&w.auth, t.access, &list) == VG_ERR_INVALID_TOKEN);
}

int main(void) {
  RUN(session_client_keeps_printable_text_cut_on_a_character);
  RUN(sessions_list_shows_live_sessions_newest_first_and_the_callers);
  RUN(session_delete_ends_one_session_and_refuses_other_users_ids_alike);
  RUN(account_routes_refuse_mfa_tokens_and_missing_tokens);
  RUN(password_change_ends_the_other_sessions_and_keeps_the_callers);
  RUN(password_change_bars_the_logins_already_past_the_old_password);
  RUN(password_change_validates_the_new_password_before_any_hash);
  RUN(password_change_wrong_current_counts_against_the_account_lock);
  RUN(account_delete_needs_the_password_after_five_minutes);
  RUN(account_delete_ends_every_session_and_pending_login);
  RUN(account_delete_that_fails_leaves_the_user_and_a_retry_finishes);
  return check_done();
}
