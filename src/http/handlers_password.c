/* handlers_password.c: /password/forgot and /password/reset: parse, call core, answer. */
#include <stdlib.h>
#include <string.h>

#include "core/password_reset.h"
#include "http/call.h"
#include "http/json_io.h"
#include "http/problem.h"

/* The codes this server takes for a reset: the same list for every account, so that the client
 * can offer each without the answer saying which one the account needs. */
static json_t *offered_factors(const struct auth *a) {
  json_t *list = json_array();
  for (int p = VG_RESET_PROOF_SMS; list && p <= VG_RESET_PROOF_RECOVERY; p++)
    if (reset_proof_offered(a, (enum vg_reset_proof)p))
      json_array_append_new(list, json_string(reset_proof_name((enum vg_reset_proof)p)));
  return list;
}

/* The audit line of a forgot: by the account's id, or by the tag of an address that is none. */
static void audit_forgot(struct http_call *c, const char *event, vg_result r,
                         const struct forgot_output *out) {
  if (out->account[0])
    http_audit_account(c, event, r, out->account);
  else
    http_audit(c, event, r, out->user_id, NULL);
}

void handle_password_forgot(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, false, &body)) return;
  struct vg_field_errors errs = {0};
  const char *email = json_string_member(body, "email", &errs);
  struct forgot_output out;
  vg_result r = auth_password_forgot(c->auth, email, c->limit_ip, &errs, &out);
  json_decref(body);
  if (r != VG_OK) {
    audit_forgot(c, "password_forgot_refused", r, &out);
    problem_send_result(
        c->res, r, NULL, &errs,
        r == VG_ERR_RATE_LIMITED ? json_pack("{s:i}", "retry_after", out.retry_after) : NULL);
    return;
  }
  audit_forgot(c, "password_forgot", VG_OK, &out);
  /* What became of the code is the operator's to know, never the client's. */
  if (out.send != VG_OK && out.send != VG_ERR_NOT_FOUND)
    audit_forgot(c, "reset_code_withheld", out.send, &out);
  json_send(c->res, 202,
            json_pack("{s:s, s:i, s:o}", "reset_token", out.reset_token, "expires_in",
                      out.expires_in, "factors", offered_factors(c->auth)),
            JSON_PLAIN);
  free(out.reset_token);
}

void handle_password_reset(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, false, &body)) return;
  struct vg_field_errors errs = {0};
  const struct reset_input in = {
      .reset_token = json_string_member(body, "reset_token", &errs),
      .code = json_string_member(body, "code", &errs),
      .new_password = json_string_member(body, "new_password", &errs),
      .factor = json_string_member(body, "factor", &errs),
  };
  struct reset_output out;
  vg_result r = auth_password_reset(c->auth, &in, &errs, &out);
  json_decref(body);
  if (r != VG_OK) {
    http_audit(c, "password_reset_failed", r, out.user_id, NULL);
    /* The token came in the body: a 401 carries the bare challenge, as for no bearer at all. */
    problem_send_bearer_result(
        c->res, false, r,
        r == VG_ERR_TOO_MANY_ATTEMPTS ? "Too many wrong codes: ask for a new reset" : NULL, &errs,
        problem_extra(r, out.attempts_left, out.retry_after));
    return;
  }
  http_audit(c, "password_reset", VG_OK, out.user_id, NULL);
  ulfius_set_empty_body_response(c->res, 204);
}
