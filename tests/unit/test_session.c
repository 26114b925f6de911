/* test_session.c: sessions in core (session.c) against the in-memory fakes: the refresh token
 * /verify hands out, rotation, replay detection, logout of one session or of all, and the
 * revocation check every access token passes. */
#include <stdlib.h>
#include <string.h>

#include "../fakes/fake_ports.h"
#include "check.h"

#define IP "203.0.113.7"
#define KEEP (900 + 60) /* access_ttl + the revocation margin of session.c */
#define GRACE 10        /* REFRESH_REUSE_GRACE_SECONDS' default */

static struct fake_world w;
static struct vg_field_errors errs;
static char alice_id[VG_ID_MAX];

/* What one sign-in (login + verify) or refresh handed out. */
struct tokens {
  char access[FAKE_TOKEN_LEN];
  char refresh[VG_REFRESH_TOKEN_MAX];
  struct vg_claims claims; /* of the access token */
};

#define ALICE FAKE_ALICE

static void given_alice(void) {
  fake_world_init(&w);
  memset(&errs, 0, sizeof errs);
  struct vg_user u;
  int retry = 0;
  CHECK(auth_signup(&w.auth, &ALICE, &errs, &u, &retry) == VG_OK);
  memcpy(alice_id, u.id, sizeof alice_id);
}

/* login + verify as Alice: a new session. */
static struct tokens sign_in(void) {
  struct tokens t;
  memset(&t, 0, sizeof t);
  struct login_output lo;
  memset(&errs, 0, sizeof errs);
  CHECK(auth_login(&w.auth, ALICE.email, ALICE.password, IP, NULL, &errs, &lo) == VG_OK);
  struct verify_output vo;
  memset(&errs, 0, sizeof errs);
  CHECK(lo.mfa_token && auth_verify(&w.auth, lo.mfa_token, "123456", NULL, &errs, &vo) == VG_OK);
  free(lo.mfa_token);
  if (vo.access_token) snprintf(t.access, sizeof t.access, "%s", vo.access_token);
  free(vo.access_token);
  memcpy(t.refresh, vo.refresh_token, sizeof t.refresh);
  t.claims = fake_world_claims_of(&w, t.access);
  return t;
}

static vg_result refresh(const char *refresh_token, struct tokens *next,
                         struct refresh_output *out) {
  memset(&errs, 0, sizeof errs);
  vg_result r = auth_refresh(&w.auth, refresh_token, &errs, out);
  if (next) {
    memset(next, 0, sizeof *next);
    if (out->access_token) snprintf(next->access, sizeof next->access, "%s", out->access_token);
    memcpy(next->refresh, out->refresh_token, sizeof next->refresh);
    next->claims = fake_world_claims_of(&w, next->access);
  }
  free(out->access_token);
  out->access_token = NULL;
  return r;
}

static vg_result dashboard(const char *access_token) {
  struct dashboard_output out;
  return auth_dashboard(&w.auth, access_token, &out);
}

static vg_result logout(const char *access_token, const char *scope) {
  struct logout_output out;
  memset(&errs, 0, sizeof errs);
  return auth_logout(&w.auth, access_token, scope, &errs, &out);
}

static void verify_starts_a_session_with_a_refresh_token(void) {
  given_alice();
  w.clock.now = FAKE_EPOCH + 20;
  struct tokens t = sign_in();
  CHECK(t.refresh[0] != '\0');
  CHECK(t.claims.kind == VG_TOKEN_ACCESS && t.claims.sid[0] != '\0');
  struct fake_session *s = fake_session_store_find(&w.sessions, t.claims.sid);
  CHECK(s != NULL);
  if (!s) return;
  CHECK_STR(s->s.user_id, alice_id);
  CHECK(s->s.auth_time == FAKE_EPOCH + 20 && t.claims.auth_time == FAKE_EPOCH + 20);
  CHECK_STR(fake_session_store_live_token(&w.sessions, t.claims.sid), t.refresh);
  /* The refresh token lives REFRESH_TOKEN_TTL; its session a revocation's life longer. */
  CHECK(s->expires_at == w.clock.now + 2592000 + KEEP);
  CHECK(dashboard(t.access) == VG_OK);
}

static void refresh_rotates_and_keeps_sid_and_auth_time(void) {
  given_alice();
  struct tokens first = sign_in();
  w.clock.now += 600;
  struct tokens second;
  struct refresh_output out;
  CHECK(refresh(first.refresh, &second, &out) == VG_OK);
  CHECK(!out.reused);
  CHECK_STR(out.user_id, alice_id);
  CHECK(out.expires_in == 900 && out.refresh_expires_in == 2592000);
  CHECK(second.refresh[0] && strcmp(second.refresh, first.refresh) != 0);
  CHECK_STR(second.claims.sid, first.claims.sid);
  CHECK_STR(second.claims.sub, alice_id);
  CHECK(second.claims.auth_time == FAKE_EPOCH); /* the time of authentication, not of refresh */
  CHECK(second.claims.iat == FAKE_EPOCH + 600);
  CHECK(strcmp(second.claims.jti, first.claims.jti) != 0);
  CHECK_STR(fake_session_store_live_token(&w.sessions, first.claims.sid), second.refresh);
  CHECK(dashboard(second.access) == VG_OK);
  CHECK(dashboard(first.access) == VG_OK); /* rotation alone does not end the old access token */
}

static void refresh_reuse_revokes_the_session_and_its_access_tokens(void) {
  given_alice();
  struct tokens first = sign_in(), second, third;
  struct refresh_output out;
  CHECK(refresh(first.refresh, &second, &out) == VG_OK);
  /* The spent token comes back after the grace: a copy is in someone else's hands. */
  w.clock.now += GRACE;
  CHECK(refresh(first.refresh, &third, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(out.reused);
  CHECK_STR(out.user_id, alice_id);
  CHECK(third.access[0] == '\0' && third.refresh[0] == '\0');
  /* Whoever holds the live token loses it too, and every access token of the session dies. */
  CHECK(refresh(second.refresh, NULL, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(!out.reused);
  CHECK(dashboard(second.access) == VG_ERR_INVALID_TOKEN);
  CHECK(dashboard(first.access) == VG_ERR_INVALID_TOKEN);
  /* Another session of the same user is untouched. */
  struct tokens other = sign_in();
  CHECK(dashboard(other.access) == VG_OK);
  CHECK(refresh(other.refresh, NULL, &out) == VG_OK);
}

static void refresh_retried_within_the_grace_gets_the_same_successor(void) {
  given_alice();
  struct tokens first = sign_in(), second, again;
  struct refresh_output out;
  w.clock.now += 600;
  CHECK(refresh(first.refresh, &second, &out) == VG_OK && !out.retried);
  /* The answer was lost, or another tab refreshed at the same moment: the same token again. */
  w.clock.now += GRACE - 1;
  CHECK(refresh(first.refresh, &again, &out) == VG_OK);
  CHECK(out.retried && !out.reused);
  CHECK_STR(out.user_id, alice_id);
  CHECK(out.expires_in == 900 && out.refresh_expires_in == 2592000);
  CHECK_STR(again.refresh, second.refresh);                           /* one chain, not two */
  CHECK(again.access[0] && strcmp(again.access, second.access) != 0); /* a fresh access token */
  CHECK_STR(again.claims.sid, first.claims.sid);
  CHECK(again.claims.auth_time == first.claims.auth_time);
  struct fake_session *s = fake_session_store_find(&w.sessions, first.claims.sid);
  CHECK(s && !s->revoked);
  CHECK_STR(fake_session_store_live_token(&w.sessions, first.claims.sid), second.refresh);
  CHECK(dashboard(second.access) == VG_OK && dashboard(again.access) == VG_OK);
  /* Both holders go on with the one successor: the first refresh with it spends it. */
  struct tokens third;
  CHECK(refresh(second.refresh, &third, &out) == VG_OK && !out.retried);
  CHECK(dashboard(third.access) == VG_OK);
}

static void refresh_reused_after_the_grace_revokes_the_session(void) {
  given_alice();
  struct tokens first = sign_in(), second;
  struct refresh_output out;
  CHECK(refresh(first.refresh, &second, &out) == VG_OK);
  w.clock.now += GRACE;
  CHECK(refresh(first.refresh, NULL, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(out.reused && !out.retried);
  CHECK(fake_session_store_find(&w.sessions, first.claims.sid)->revoked);
  CHECK(refresh(second.refresh, NULL, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(dashboard(second.access) == VG_ERR_INVALID_TOKEN);
}

static void refresh_reuse_with_the_grace_off_revokes_at_once(void) {
  given_alice();
  w.auth.rules.refresh_reuse_grace = 0;
  struct tokens first = sign_in(), second;
  struct refresh_output out;
  CHECK(refresh(first.refresh, &second, &out) == VG_OK);
  CHECK(refresh(first.refresh, NULL, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(out.reused && !out.retried);
  CHECK(fake_session_store_find(&w.sessions, first.claims.sid)->revoked);
  CHECK(dashboard(second.access) == VG_ERR_INVALID_TOKEN);
}

/* The grace gives back the successor only while nobody has spent it: once the chain has moved
 * on, the old token is a replay again, however soon it comes. */
static void refresh_retried_after_its_successor_was_spent_revokes_the_session(void) {
  given_alice();
  struct tokens first = sign_in(), second, third;
  struct refresh_output out;
  CHECK(refresh(first.refresh, &second, &out) == VG_OK);
  CHECK(refresh(second.refresh, &third, &out) == VG_OK);
  CHECK(refresh(first.refresh, NULL, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(out.reused && !out.retried);
  CHECK(dashboard(third.access) == VG_ERR_INVALID_TOKEN);
  CHECK(refresh(third.refresh, NULL, &out) == VG_ERR_INVALID_TOKEN);
}

static void refresh_of_a_deleted_user_ends_the_session(void) {
  given_alice();
  struct tokens first = sign_in(), second;
  struct refresh_output out;
  CHECK(refresh(first.refresh, &second, &out) == VG_OK);
  CHECK(fake_user_store_delete(&w.users, alice_id));
  CHECK(refresh(second.refresh, NULL, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(out.user_gone && !out.reused && !out.retried);
  CHECK(out.access_token == NULL && out.refresh_token[0] == '\0');
  CHECK_STR(out.user_id, alice_id);
  /* Revoked as by a logout: no refresh token of it is left, its access tokens die. */
  struct fake_session *s = fake_session_store_find(&w.sessions, first.claims.sid);
  CHECK(s && s->revoked && s->expires_at == w.clock.now + KEEP);
  CHECK(fake_session_store_live_token(&w.sessions, first.claims.sid) == NULL);
  CHECK(dashboard(second.access) == VG_ERR_INVALID_TOKEN);
  /* Within the grace the spent token is no way back in either. */
  CHECK(refresh(first.refresh, NULL, &out) == VG_ERR_INVALID_TOKEN && !out.retried);
}

static void refresh_with_the_user_store_down_is_unavailable_and_a_retry_recovers(void) {
  given_alice();
  struct tokens first = sign_in(), again;
  struct refresh_output out;
  w.users.down = true;
  CHECK(refresh(first.refresh, NULL, &out) == VG_ERR_UNAVAILABLE);
  CHECK(out.access_token == NULL && out.refresh_token[0] == '\0' && !out.user_gone);
  CHECK(!fake_session_store_find(&w.sessions, first.claims.sid)->revoked);
  /* The token was spent by the rotation; within the grace the retry gets its successor. */
  w.users.down = false;
  CHECK(refresh(first.refresh, &again, &out) == VG_OK && out.retried);
  CHECK_STR(fake_session_store_live_token(&w.sessions, first.claims.sid), again.refresh);
  CHECK(dashboard(again.access) == VG_OK);
}

static void refresh_refuses_missing_unknown_and_expired_tokens(void) {
  given_alice();
  struct tokens t = sign_in();
  struct refresh_output out;
  CHECK(refresh(NULL, NULL, &out) == VG_ERR_VALIDATION);
  CHECK(errs.count == 1 && strcmp(errs.items[0].field, "refresh_token") == 0);
  CHECK(refresh("rt-unknown", NULL, &out) == VG_ERR_INVALID_TOKEN && !out.reused);
  CHECK(refresh(t.access, NULL, &out) == VG_ERR_INVALID_TOKEN); /* an access token is not one */
  w.clock.now += 2592000;
  CHECK(refresh(t.refresh, NULL, &out) == VG_ERR_INVALID_TOKEN && !out.reused);
}

static void refresh_reports_the_store_down_as_unavailable(void) {
  given_alice();
  struct tokens t = sign_in();
  w.sessions.down = true;
  struct refresh_output out;
  CHECK(refresh(t.refresh, NULL, &out) == VG_ERR_UNAVAILABLE);
  CHECK(dashboard(t.access) == VG_ERR_UNAVAILABLE);
  w.sessions.down = false;
  CHECK(refresh(t.refresh, NULL, &out) == VG_OK);
}

static void logout_revokes_the_session_and_denies_the_access_token(void) {
  given_alice();
  struct tokens mine = sign_in(), other = sign_in();
  w.clock.now += 100;
  CHECK(logout(mine.access, NULL) == VG_OK);
  CHECK(dashboard(mine.access) == VG_ERR_INVALID_TOKEN);
  struct refresh_output out;
  CHECK(refresh(mine.refresh, NULL, &out) == VG_ERR_INVALID_TOKEN && !out.reused);
  /* Denied until its exp, plus the margin for verifiers' clock skew. */
  CHECK(w.sessions.denied_count == 1);
  CHECK_STR(w.sessions.denied[0].jti, mine.claims.jti);
  CHECK(w.sessions.last_deny_ttl == (int)(mine.claims.exp - w.clock.now) + 60);
  struct fake_session *s = fake_session_store_find(&w.sessions, mine.claims.sid);
  CHECK(s && s->revoked && s->expires_at == w.clock.now + KEEP);
  /* "session" is the default scope: the other session lives on. */
  CHECK(dashboard(other.access) == VG_OK);
  CHECK(refresh(other.refresh, NULL, &out) == VG_OK);
  CHECK(logout(other.access, "session") == VG_OK);
  CHECK(dashboard(other.access) == VG_ERR_INVALID_TOKEN);
}

static void logout_global_ends_every_session_of_the_user(void) {
  given_alice();
  struct tokens a = sign_in(), b = sign_in(), b2;
  struct refresh_output out;
  CHECK(refresh(b.refresh, &b2, &out) == VG_OK);
  CHECK(logout(a.access, "global") == VG_OK);
  const char *accesses[] = {a.access, b.access, b2.access};
  for (size_t i = 0; i < 3; i++) CHECK(dashboard(accesses[i]) == VG_ERR_INVALID_TOKEN);
  CHECK(refresh(a.refresh, NULL, &out) == VG_ERR_INVALID_TOKEN);
  CHECK(refresh(b2.refresh, NULL, &out) == VG_ERR_INVALID_TOKEN);
  /* A sign-in after the logout is a new session. */
  struct tokens c = sign_in();
  CHECK(dashboard(c.access) == VG_OK);
  CHECK(refresh(c.refresh, NULL, &out) == VG_OK);
}

static void logout_refuses_mfa_tokens_bad_scopes_and_ended_sessions(void) {
  given_alice();
  struct tokens t = sign_in();
  struct login_output lo;
  memset(&errs, 0, sizeof errs);
  CHECK(auth_login(&w.auth, ALICE.email, ALICE.password, IP, NULL, &errs, &lo) == VG_OK);
  CHECK(logout(lo.mfa_token, NULL) == VG_ERR_INSUFFICIENT_AAL);
  free(lo.mfa_token);
  CHECK(logout(NULL, NULL) == VG_ERR_INVALID_TOKEN);
  CHECK(logout("garbage", NULL) == VG_ERR_INVALID_TOKEN);
  CHECK(logout(t.access, "everything") == VG_ERR_VALIDATION);
  CHECK(errs.count == 1 && strcmp(errs.items[0].field, "scope") == 0);
  CHECK(dashboard(t.access) == VG_OK); /* a refused logout revokes nothing */
  CHECK(w.sessions.denied_count == 0);
  CHECK(logout(t.access, NULL) == VG_OK);
  CHECK(logout(t.access, NULL) == VG_ERR_INVALID_TOKEN);
}

static void dashboard_refuses_a_deny_listed_token(void) {
  given_alice();
  struct tokens t = sign_in();
  CHECK(w.auth.sessions.deny(w.auth.sessions.self, t.claims.jti, 30) == VG_OK);
  CHECK(dashboard(t.access) == VG_ERR_INVALID_TOKEN);
  w.clock.now += 30; /* the entry ends when the token would have */
  CHECK(dashboard(t.access) == VG_OK);
}

int main(void) {
  RUN(verify_starts_a_session_with_a_refresh_token);
  RUN(refresh_rotates_and_keeps_sid_and_auth_time);
  RUN(refresh_reuse_revokes_the_session_and_its_access_tokens);
  RUN(refresh_retried_within_the_grace_gets_the_same_successor);
  RUN(refresh_reused_after_the_grace_revokes_the_session);
  RUN(refresh_reuse_with_the_grace_off_revokes_at_once);
  RUN(refresh_retried_after_its_successor_was_spent_revokes_the_session);
  RUN(refresh_of_a_deleted_user_ends_the_session);
  RUN(refresh_with_the_user_store_down_is_unavailable_and_a_retry_recovers);
  RUN(refresh_refuses_missing_unknown_and_expired_tokens);
  RUN(refresh_reports_the_store_down_as_unavailable);
  RUN(logout_revokes_the_session_and_denies_the_access_token);
  RUN(logout_global_ends_every_session_of_the_user);
  RUN(logout_refuses_mfa_tokens_bad_scopes_and_ended_sessions);
  RUN(dashboard_refuses_a_deny_listed_token);
  return check_done();
}
