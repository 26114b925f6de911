/* handlers_session.c: /token/refresh and /logout: parse, call core, answer. */
#include <stdlib.h>

#include "http/call.h"
#include "http/json_io.h"
#include "http/problem.h"
#include "metrics.h"

json_t *http_token_response(const char *access_token, int expires_in, const char *refresh_token,
                            int refresh_expires_in) {
  return json_pack("{s:s, s:s, s:i, s:s, s:i}", "access_token", access_token, "token_type",
                   "Bearer", "expires_in", expires_in, "refresh_token", refresh_token,
                   "refresh_expires_in", refresh_expires_in);
}

void handle_refresh(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, false, &body)) return;
  struct vg_field_errors errs = {0};
  const char *refresh_token = json_string_member(body, "refresh_token", &errs);
  struct refresh_output out;
  vg_result r = auth_refresh(c->auth, refresh_token, &errs, &out);
  json_decref(body);
  metrics_flow(METRICS_REFRESH, out.reused ? METRICS_REUSED : metrics_outcome_of(r));
  /* Reuse means a token was copied, or two clients refreshed with the same one after the
   * grace: the session is revoked either way. */
  if (out.reused) http_audit(c, "refresh_reuse", r, out.user_id, NULL);
  if (out.user_gone) http_audit(c, "refresh_user_gone", r, out.user_id, NULL);
  if (r != VG_OK) {
    if (!out.reused && !out.user_gone) http_audit(c, "refresh_refused", r, out.user_id, NULL);
    problem_send_result(c->res, r, NULL, &errs, NULL);
    return;
  }
  http_audit(c, out.retried ? "refresh_retry" : "refresh", VG_OK, out.user_id, NULL);
  json_send(c->res, 200,
            http_token_response(out.access_token, out.expires_in, out.refresh_token,
                                out.refresh_expires_in),
            JSON_PLAIN);
  free(out.access_token);
}

void handle_logout(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, true, &body)) return;
  struct vg_field_errors errs = {0};
  const char *scope = json_string_member(body, "scope", &errs);
  struct logout_output out;
  vg_result r = auth_logout(c->auth, c->bearer, scope, &errs, &out);
  json_decref(body);
  if (r != VG_OK) {
    http_audit(c, "logout_refused", r, out.user_id, NULL);
    problem_send_bearer_result(c->res, c->bearer_sent, r,
                               r == VG_ERR_INSUFFICIENT_AAL ? "Complete the SMS step first" : NULL,
                               &errs, NULL);
    return;
  }
  http_audit(c, out.global ? "logout_global" : "logout", VG_OK, out.user_id, NULL);
  ulfius_set_empty_body_response(c->res, 204);
}
