/* handlers_factors.c: /factors/totp (enroll, confirm, delete) and /factors/recovery-codes, behind
 * an access token: parse, call core (core/factors.h), answer. Secrets and codes go only into the
 * answer, never into a log line. */
#include <stdlib.h>
#include <string.h>

#include "http/call.h"
#include "http/json_io.h"
#include "http/problem.h"

static const char *detail_of(vg_result r) {
  switch (r) {
    case VG_ERR_INSUFFICIENT_AAL:
      return "Complete the second factor first";
    case VG_ERR_FACTOR_UNAVAILABLE:
      return "TOTP is not enabled on this server";
    case VG_ERR_FACTOR_ENROLLED:
      return "A TOTP authenticator is already enrolled: delete it first";
    case VG_ERR_FACTOR_NOT_ENROLLED:
      return "No TOTP authenticator is enrolled (or waiting for its first code)";
    case VG_ERR_STEP_UP_REQUIRED:
      return "Log in again with your second factor (at most 5 minutes ago) to change factors";
    case VG_ERR_WRONG_CODE:
      return "The code does not match: check the authenticator's clock and try the next code";
    case VG_ERR_CODE_REUSED:
      return "This code was already used: wait for the next one";
    default:
      return NULL;
  }
}

static void refuse(struct http_call *c, const char *event, vg_result r, const char *user,
                   const struct vg_field_errors *errs, int retry_after) {
  http_audit(c, event, r, user, NULL);
  json_t *extra = r == VG_ERR_RATE_LIMITED ? json_pack("{s:i}", "retry_after", retry_after) : NULL;
  problem_send_bearer_result(c->res, c->bearer_sent, r, detail_of(r), errs, extra);
}

static json_t *codes_json(const struct recovery_codes *rc) {
  json_t *list = json_array();
  for (int i = 0; list && i < VG_RECOVERY_COUNT; i++)
    json_array_append_new(list, json_string(rc->codes[i]));
  return list;
}

/* The answer that shows a batch of recovery codes, once. */
static void send_codes(struct http_call *c, int status, struct recovery_codes *rc) {
  json_send(c->res, status,
            json_pack("{s:o, s:s}", "recovery_codes", codes_json(rc), "detail",
                      "Keep these codes somewhere safe: each works once, and they are not shown "
                      "again"),
            JSON_PLAIN);
  memset(rc->codes, 0, sizeof rc->codes);
}

void handle_totp_enroll(struct http_call *c) {
  struct totp_enrollment e;
  vg_result r = auth_totp_enroll(c->auth, c->bearer, &e);
  if (r != VG_OK) {
    refuse(c, "totp_enroll_refused", r, e.user_id, NULL, 0);
    return;
  }
  http_audit(c, "totp_enrolled", VG_OK, e.user_id, NULL);
  json_send(c->res, 201,
            json_pack("{s:s, s:s, s:s, s:b}", "secret", e.secret, "otpauth_uri", e.uri, "qr_svg",
                      e.qr_svg, "confirmed", 0),
            JSON_PLAIN);
  totp_enrollment_free(&e);
}

void handle_totp_confirm(struct http_call *c) {
  json_t *body;
  if (!json_read_object(c->req, c->res, false, &body)) return;
  struct vg_field_errors errs = {0};
  const char *code = json_string_member(body, "code", &errs);
  struct recovery_codes rc;
  int retry_after = 0;
  vg_result r = auth_totp_confirm(c->auth, c->bearer, code, &errs, &rc, &retry_after);
  json_decref(body);
  if (r != VG_OK) {
    refuse(c, "totp_confirm_failed", r, rc.user_id, &errs, retry_after);
    return;
  }
  http_audit(c, "totp_confirmed", VG_OK, rc.user_id, NULL);
  send_codes(c, 200, &rc);
}

void handle_totp_delete(struct http_call *c) {
  char user[VG_ID_MAX];
  vg_result r = auth_totp_delete(c->auth, c->bearer, user);
  if (r != VG_OK) {
    refuse(c, "totp_delete_refused", r, user, NULL, 0);
    return;
  }
  http_audit(c, "totp_deleted", VG_OK, user, NULL);
  ulfius_set_empty_body_response(c->res, 204);
}

void handle_recovery_renew(struct http_call *c) {
  struct recovery_codes rc;
  vg_result r = auth_recovery_renew(c->auth, c->bearer, &rc);
  if (r != VG_OK) {
    refuse(c, "recovery_codes_refused", r, rc.user_id, NULL, 0);
    return;
  }
  http_audit(c, "recovery_codes_renewed", VG_OK, rc.user_id, NULL);
  send_codes(c, 201, &rc);
}
