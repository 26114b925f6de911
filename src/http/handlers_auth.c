/* handlers_auth.c: /signup, /login, /resend, /verify: parse, call core, answer. */
#include <stdlib.h>

#include "http/call.h"
#include "http/json_io.h"
#include "http/problem.h"

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
  };
  struct vg_user user;
  vg_result r = auth_signup(c->auth, &in, &errs, &user);
  json_decref(body);
  if (r != VG_OK) {
    http_log(c, Y_LOG_LEVEL_INFO, "signup refused: %s", problem_for_result(r).type);
    problem_send_result(
        c->res, r, r == VG_ERR_CONFLICT ? "This account is already registered" : NULL, &errs, NULL);
    return;
  }
  http_log(c, Y_LOG_LEVEL_INFO, "signup user=%s", user.id);
  json_send(c->res, 201,
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", user.id, "name", user.name, "username",
                      user.username, "email", user.email, "phone", user.phone),
            JSON_PLAIN);
}

void handle_login(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, false, &body)) return;
  struct vg_field_errors errs = {0};
  const char *email = json_string_member(body, "email", &errs);
  const char *password = json_string_member(body, "password", &errs);
  struct login_output out;
  vg_result r = auth_login(c->auth, email, password, &errs, &out);
  json_decref(body);
  if (r != VG_OK) {
    http_log(c, Y_LOG_LEVEL_INFO, "login refused: %s", problem_for_result(r).type);
    json_t *extra =
        r == VG_ERR_SMS_RATE_LIMITED ? json_pack("{s:i}", "retry_after", out.retry_after) : NULL;
    problem_send_result(c->res, r,
                        r == VG_ERR_INVALID_CREDENTIALS ? "Email or password is incorrect" : NULL,
                        &errs, extra);
    return;
  }
  http_log(c, Y_LOG_LEVEL_INFO, "login password ok user=%s code sent to=%s", out.user_id, out.to);
  json_send(c->res, 200,
            json_pack("{s:s, s:s, s:i, s:s, s:s}", "mfa_token", out.mfa_token, "token_type",
                      "Bearer", "expires_in", out.expires_in, "channel", "sms", "to", out.to),
            JSON_PLAIN);
  free(out.mfa_token);
}

void handle_resend(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, true, &body)) return;
  json_decref(body); /* nothing in it is used; it only has to be well-formed */
  struct resend_output out;
  vg_result r = auth_resend(c->auth, http_bearer_token(c->req), &out);
  if (r != VG_OK) {
    http_log(c, Y_LOG_LEVEL_INFO, "resend refused: %s", problem_for_result(r).type);
    bool waits =
        r == VG_ERR_RESEND_COOLDOWN || r == VG_ERR_RESEND_LIMIT || r == VG_ERR_SMS_RATE_LIMITED;
    problem_send_result(c->res, r, NULL, NULL,
                        waits ? json_pack("{s:i}", "retry_after", out.retry_after) : NULL);
    return;
  }
  http_log(c, Y_LOG_LEVEL_INFO, "code resent user=%s to=%s", out.user_id, out.to);
  json_send(
      c->res, 202,
      json_pack("{s:s, s:s, s:i}", "channel", "sms", "to", out.to, "retry_after", out.retry_after),
      JSON_PLAIN);
}

static json_t *verify_extra(vg_result r, const struct verify_output *out) {
  switch (r) {
    case VG_ERR_WRONG_CODE:
      return json_pack("{s:i}", "attempts_left", out->attempts_left);
    case VG_ERR_TOO_MANY_ATTEMPTS:
      return json_pack("{s:i}", "attempts_left", 0);
    case VG_ERR_VERIFY_IN_PROGRESS:
    case VG_ERR_SMS_RATE_LIMITED:
      return json_pack("{s:i}", "retry_after", out->retry_after);
    default:
      return NULL;
  }
}

void handle_verify(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, false, &body)) return;
  struct vg_field_errors errs = {0};
  const char *code = json_string_member(body, "code", &errs);
  struct verify_output out;
  vg_result r = auth_verify(c->auth, http_bearer_token(c->req), code, &errs, &out);
  json_decref(body);
  if (r != VG_OK) {
    http_log(c, Y_LOG_LEVEL_INFO, "verify refused user=%s: %s", out.user_id[0] ? out.user_id : "-",
             problem_for_result(r).type);
    problem_send_result(c->res, r,
                        r == VG_ERR_TOO_MANY_ATTEMPTS ? "Too many wrong codes: log in again" : NULL,
                        &errs, verify_extra(r, &out));
    return;
  }
  http_log(c, Y_LOG_LEVEL_INFO, "verify ok user=%s", out.user_id);
  json_send(c->res, 200,
            json_pack("{s:s, s:s, s:i}", "access_token", out.access_token, "token_type", "Bearer",
                      "expires_in", out.expires_in),
            JSON_PLAIN);
  free(out.access_token);
}
