/* handlers_auth.c: /signup, /login, /resend, /verify: parse, call core, answer. */
#include <stdlib.h>
#include <string.h>

#include "http/call.h"
#include "http/json_io.h"
#include "http/problem.h"
#include "metrics.h"

/* The audit event of a refused step: failed and locked logins are told apart. */
static const char *refusal_event(const char *step, vg_result r) {
  if (strcmp(step, "login") == 0)
    return r == VG_ERR_INVALID_CREDENTIALS ? "login_failed"
           : r == VG_ERR_RATE_LIMITED      ? "login_locked"
                                           : "login_refused";
  if (strcmp(step, "signup") == 0) return "signup_refused";
  return "resend_refused";
}

/* Audits and answers a refusal of step; a spent SMS budget is an operator's problem too. user is
 * the user's id, or NULL; account, for a login of an unknown address, its tag, or NULL. */
static void refuse(struct http_call *c, const char *step, vg_result r, const char *detail,
                   const struct vg_field_errors *errs, int retry_after, const char *user,
                   const char *account) {
  if (r == VG_ERR_SMS_BUDGET)
    http_log(c, Y_LOG_LEVEL_ERROR,
             "%s refused: the SMS budget per hour (SMS_MAX_PER_HOUR) is spent; sends resume in "
             "%d s",
             step, retry_after);
  if (account && *account)
    http_audit_account(c, refusal_event(step, r), r, account);
  else
    http_audit(c, refusal_event(step, r), r, user, NULL);
  problem_send_bearer_result(c->res, c->bearer_sent, r, detail, errs,
                             problem_extra(r, 0, retry_after));
}

void handle_signup(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, false, &body)) return;
  struct vg_field_errors errs = {0};
  struct signup_input in = {
      .name = json_string_member(body, "name", &errs),
      .username = json_string_member(body, "username", &errs),
      .email = json_string_member(body, "email", &errs),
      .password = json_string_member(body, "password", &errs),
      .phone = json_string_member(body, "phone", &errs),
      .region = json_string_member(body, "region", &errs),
      .client_ip = c->limit_ip,
  };
  struct vg_user user;
  int retry_after = 0;
  vg_result r = auth_signup(c->auth, &in, &errs, &user, &retry_after);
  json_decref(body);
  metrics_flow(METRICS_SIGNUP, metrics_outcome_of(r));
  if (r != VG_OK) {
    refuse(c, "signup", r, r == VG_ERR_CONFLICT ? "This account is already registered" : NULL,
           &errs, retry_after, NULL, NULL);
    return;
  }
  http_audit(c, "signup", VG_OK, user.id, NULL);
  json_send(c->res, 201,
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", user.id, "name", user.name, "username",
                      user.username, "email", user.email, "phone", user.phone),
            JSON_PLAIN);
}

/* The delivery options of a /login or /resend body, and the Accept-Language header; the strings
 * live as long as body and the request. */
struct delivery_input http_delivery_members(const struct http_call *c, json_t *body,
                                            struct vg_field_errors *errs) {
  return (struct delivery_input){
      .channel = json_string_member(body, "channel", errs),
      .locale = json_string_member(body, "locale", errs),
      .accept_language = u_map_get_case(c->req->map_header, "Accept-Language"),
      .app_hash = json_string_member(body, "app_hash", errs),
      .factor = json_string_member(body, "factor", errs),
  };
}

void handle_login(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, false, &body)) return;
  struct vg_field_errors errs = {0};
  const char *email = json_string_member(body, "email", &errs);
  const char *password = json_string_member(body, "password", &errs);
  struct delivery_input delivery = http_delivery_members(c, body, &errs);
  struct login_output out;
  vg_result r = auth_login(c->auth, email, password, c->limit_ip, &delivery, &errs, &out);
  json_decref(body);
  metrics_flow(METRICS_LOGIN, metrics_outcome_of(r));
  if (r == VG_ERR_PHONE_TAKEN) {
    http_refuse_phone_taken_login(c, &out);
    return;
  }
  if (r != VG_OK) {
    refuse(c, "login", r,
           r == VG_ERR_INVALID_CREDENTIALS   ? "Email or password is incorrect"
           : r == VG_ERR_FACTOR_NOT_ENROLLED ? "This account has no TOTP authenticator: log in "
                                               "with an SMS code"
                                             : NULL,
           &errs, out.retry_after, out.user_id, out.account);
    return;
  }
  http_audit(c, "login_ok", VG_OK, out.user_id, out.to);
  if (out.factor == VG_FACTOR_SMS) http_audit(c, "code_sent", VG_OK, out.user_id, out.to);
  json_t *factors = json_array();
  for (int f = 0; factors && f < VG_FACTOR_COUNT; f++)
    if (out.factors & VG_FACTOR_BIT(f))
      json_array_append_new(factors, json_string(vg_factor_name((enum vg_factor)f)));
  json_send(
      c->res, 200,
      json_pack("{s:s, s:s, s:i, s:s, s:s, s:s, s:o}", "mfa_token", out.mfa_token, "token_type",
                "Bearer", "expires_in", out.expires_in, "channel", vg_channel_name(out.channel),
                "to", out.to, "factor", vg_factor_name(out.factor), "factors", factors),
      JSON_PLAIN);
  free(out.mfa_token);
}

void handle_resend(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, true, &body)) return;
  struct vg_field_errors errs = {0};
  struct delivery_input delivery = http_delivery_members(c, body, &errs);
  struct resend_output out;
  vg_result r = auth_resend(c->auth, c->bearer, c->limit_ip, &delivery, &errs, &out);
  json_decref(body);
  metrics_flow(METRICS_RESEND, metrics_outcome_of(r));
  if (r != VG_OK) {
    refuse(c, "resend", r, NULL, &errs, out.retry_after, NULL, NULL);
    return;
  }
  http_audit(c, "code_sent", VG_OK, out.user_id, out.to);
  json_send(c->res, 202,
            json_pack("{s:s, s:s, s:i}", "channel", vg_channel_name(out.channel), "to", out.to,
                      "retry_after", out.retry_after),
            JSON_PLAIN);
}

void handle_verify(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, false, &body)) return;
  struct vg_field_errors errs = {0};
  const char *code = json_string_member(body, "code", &errs);
  const char *factor = json_string_member(body, "factor", &errs);
  struct verify_output out;
  struct vg_session_client client;
  http_session_client(c, &client);
  vg_result r = auth_verify_factor(c->auth, c->bearer, factor, code, &client, &errs, &out);
  json_decref(body);
  metrics_flow(METRICS_VERIFY, metrics_outcome_of(r));
  if (r != VG_OK) {
    http_audit(c, "verify_failed", r, out.user_id, NULL);
    problem_send_bearer_result(c->res, c->bearer_sent, r,
                               r == VG_ERR_TOO_MANY_ATTEMPTS ? "Too many wrong codes: log in again"
                               : r == VG_ERR_PHONE_TAKEN     ? HTTP_PHONE_TAKEN_DETAIL
                                                             : NULL,
                               &errs, problem_extra(r, out.attempts_left, out.retry_after));
    return;
  }
  http_audit(c, "verify_ok", VG_OK, out.user_id, NULL);
  json_t *answer = http_token_response(out.access_token, out.expires_in, out.refresh_token,
                                       out.refresh_expires_in);
  if (out.factor == VG_FACTOR_RECOVERY) {
    /* A recovery code stands in for the second factor: audited, and the user told what is left. */
    http_audit(c, "recovery_code_used", VG_OK, out.user_id, NULL);
    json_object_set_new(answer, "recovery_codes_left", json_integer(out.recovery_left));
    if (out.recovery_left <= VG_RECOVERY_LOW)
      json_object_set_new(answer, "notice",
                          json_string("Few recovery codes are left: make new ones "
                                      "(POST /factors/recovery-codes) or enroll again"));
  }
  json_send(c->res, 200, answer, JSON_PLAIN);
  free(out.access_token);
}
