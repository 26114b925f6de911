/* handlers_phone.c: POST /me/phone and /me/phone/verify (core/phone_change.c), and the 409 of a
 * /login whose number another account verified: parse, call core, answer. */
#include <stdlib.h>

#include "core/phone_change.h"
#include "http/call.h"
#include "http/json_io.h"
#include "http/problem.h"

static const char *change_detail(vg_result r) {
  switch (r) {
    case VG_ERR_PHONE_TAKEN:
      return "Another account verified this phone number: choose another";
    case VG_ERR_INSUFFICIENT_AAL:
      return "Complete the SMS step first";
    case VG_ERR_VERIFICATION_EXPIRED:
      return "No phone change is waiting for a code: start one with POST /me/phone";
    case VG_ERR_TOO_MANY_ATTEMPTS:
      return "Too many wrong codes: start the change again";
    default:
      return NULL;
  }
}

static void refuse(struct http_call *c, const char *event, vg_result r,
                   const struct vg_field_errors *errs, const struct phone_change_output *out) {
  if (r == VG_ERR_SMS_BUDGET)
    http_log(c, Y_LOG_LEVEL_ERROR,
             "phone change refused: the SMS budget per hour (SMS_MAX_PER_HOUR) is spent");
  http_audit_change(c, event, r, out->user_id, out->from, out->to);
  problem_send_bearer_result(c->res, c->bearer_sent, r, change_detail(r), errs,
                             problem_extra(r, out->attempts_left, out->retry_after));
}

void handle_phone_change(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, false, &body)) return;
  struct vg_field_errors errs = {0};
  struct delivery_input delivery = http_delivery_members(c, body, &errs);
  const struct phone_change_input in = {
      .phone = json_string_member(body, "phone", &errs),
      .region = json_string_member(body, "region", &errs),
      .delivery = &delivery,
      .client_ip = c->limit_ip,
  };
  struct phone_change_output out;
  vg_result r = auth_phone_change(c->auth, c->bearer, &in, &errs, &out);
  json_decref(body);
  if (r != VG_OK) {
    refuse(c, "phone_change_refused", r, &errs, &out);
    return;
  }
  http_audit_change(c, "phone_code_sent", VG_OK, out.user_id, out.from, out.to);
  json_send(c->res, 202,
            json_pack("{s:s, s:s, s:i, s:i}", "channel", vg_channel_name(out.channel), "to", out.to,
                      "expires_in", out.expires_in, "retry_after", out.retry_after),
            JSON_PLAIN);
}

void handle_phone_verify(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, false, &body)) return;
  struct vg_field_errors errs = {0};
  const char *code = json_string_member(body, "code", &errs);
  struct phone_change_output out;
  vg_result r = auth_phone_change_verify(c->auth, c->bearer, code, &errs, &out);
  json_decref(body);
  if (r != VG_OK) {
    refuse(c, "phone_change_failed", r, &errs, &out);
    return;
  }
  http_audit_change(c, "phone_changed", VG_OK, out.user_id, out.from, out.to);
  json_send(c->res, 200, json_pack("{s:s, s:b}", "to", out.to, "login_required", out.via_mfa),
            JSON_PLAIN);
}

void http_refuse_phone_taken_login(struct http_call *c, struct login_output *out) {
  http_audit(c, "login_phone_taken", VG_ERR_PHONE_TAKEN, out->user_id, NULL);
  problem_send_result(c->res, VG_ERR_PHONE_TAKEN, HTTP_PHONE_TAKEN_DETAIL, NULL,
                      json_pack("{s:s, s:s, s:i}", "mfa_token", out->mfa_token, "token_type",
                                "Bearer", "expires_in", out->expires_in));
  free(out->mfa_token);
  out->mfa_token = NULL;
}
