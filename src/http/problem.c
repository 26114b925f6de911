/* problem.c: the one table from results to HTTP statuses and problem types; the types are
 * documented in api/openapi.yaml. */
#include "http/problem.h"

#include <stdio.h>

#include "http/json_io.h"

static const struct problem_kind by_result[VG_RESULT_COUNT] = {
    [VG_ERR_VALIDATION] = {400, "/problems/validation-error", "Invalid request"},
    [VG_ERR_CONFLICT] = {409, "/problems/already-exists", "Account already exists"},
    [VG_ERR_INVALID_CREDENTIALS] = {401, "/problems/invalid-credentials", "Invalid credentials"},
    [VG_ERR_INVALID_TOKEN] = {401, "/problems/invalid-token", "Invalid or expired token"},
    [VG_ERR_INSUFFICIENT_AAL] = {403, "/problems/insufficient-authentication",
                                 "Second factor required"},
    [VG_ERR_WRONG_CODE] = {401, "/problems/wrong-code", "Wrong code"},
    [VG_ERR_TOO_MANY_ATTEMPTS] = {429, "/problems/too-many-attempts", "Too many wrong codes"},
    [VG_ERR_VERIFY_IN_PROGRESS] = {409, "/problems/verification-in-progress",
                                   "Verification already in progress"},
    [VG_ERR_RESEND_COOLDOWN] = {429, "/problems/resend-cooldown", "Code sent too recently"},
    [VG_ERR_RESEND_LIMIT] = {429, "/problems/resend-limit", "Too many codes sent"},
    [VG_ERR_VERIFICATION_EXPIRED] = {401, "/problems/verification-expired", "Verification expired"},
    [VG_ERR_INVALID_PHONE] = {422, "/problems/phone-not-deliverable",
                              "Phone number cannot receive SMS"},
    [VG_ERR_SMS_RATE_LIMITED] = {429, "/problems/sms-rate-limited", "SMS rate limit reached"},
    [VG_ERR_RATE_LIMITED] = {429, "/problems/rate-limited", "Too many attempts"},
    [VG_ERR_SMS_BUDGET] = {503, "/problems/sms-budget-exhausted", "SMS budget exhausted"},
    [VG_ERR_UPSTREAM] = {502, "/problems/sms-provider-unavailable", "SMS provider unavailable"},
    [VG_ERR_UNAVAILABLE] = {503, "/problems/service-unavailable", "Service unavailable"},
    [VG_ERR_OVERLOADED] = {503, "/problems/overloaded", "Too many logins at once"},
    [VG_ERR_NOT_FOUND] = {500, "/problems/internal-error", "Internal error"},
    [VG_ERR_INTERNAL] = {500, "/problems/internal-error", "Internal error"},
    [VG_ERR_PHONE_TAKEN] = {409, "/problems/phone-taken",
                            "Phone number verified by another account"},
    [VG_ERR_WRONG_PASSWORD] = {403, "/problems/wrong-password", "Wrong password"},
    [VG_ERR_REAUTH_REQUIRED] = {403, "/problems/password-required", "Password required"},
    [VG_ERR_SESSION_NOT_FOUND] = {404, "/problems/session-not-found", "Session not found"},
    [VG_ERR_FACTOR_UNAVAILABLE] = {404, "/problems/factor-unavailable", "Factor not available"},
    [VG_ERR_FACTOR_NOT_ENROLLED] = {409, "/problems/factor-not-enrolled", "Factor not enrolled"},
    [VG_ERR_FACTOR_ENROLLED] = {409, "/problems/factor-already-enrolled",
                                "Factor already enrolled"},
    [VG_ERR_CODE_REUSED] = {401, "/problems/code-reused", "Code already used"},
    [VG_ERR_STEP_UP_REQUIRED] = {403, "/problems/step-up-required",
                                 "Recent authentication required"},
};

static const struct problem_kind by_http[HTTP_ERR_COUNT] = {
    [HTTP_ERR_NOT_FOUND] = {404, "/problems/not-found", "Not found"},
    [HTTP_ERR_METHOD_NOT_ALLOWED] = {405, "/problems/method-not-allowed", "Method not allowed"},
    [HTTP_ERR_PAYLOAD_TOO_LARGE] = {413, "/problems/payload-too-large", "Payload too large"},
    [HTTP_ERR_UNSUPPORTED_MEDIA_TYPE] = {415, "/problems/unsupported-media-type",
                                         "Unsupported media type"},
    [HTTP_ERR_MALFORMED_REQUEST] = {400, "/problems/malformed-request", "Malformed request"},
    [HTTP_ERR_NOT_READY] = {503, "/problems/not-ready", "Not ready"},
};

/* Seconds a client should wait before retrying after a store outage. */
#define UNAVAILABLE_RETRY_AFTER 5
/* Seconds to wait when the password-hash queue is full: a hash takes about 0.1 s. */
#define OVERLOADED_RETRY_AFTER 1

struct problem_kind problem_for_result(vg_result r) {
  if (r <= VG_OK || r >= VG_RESULT_COUNT) return (struct problem_kind){0, NULL, NULL};
  return by_result[r];
}

struct problem_kind problem_for_http(enum http_error e) {
  return by_http[e];
}

void problem_send(struct _u_response *res, struct problem_kind kind, const char *detail,
                  json_t *extra) {
  json_t *body = json_pack("{s:s, s:s, s:i, s:s}", "type", kind.type, "title", kind.title, "status",
                           kind.status, "detail", detail ? detail : kind.title);
  if (body && extra) json_object_update(body, extra);
  json_t *retry = extra ? json_object_get(extra, "retry_after") : NULL;
  if (json_is_integer(retry)) {
    char seconds[24];
    snprintf(seconds, sizeof seconds, "%lld", (long long)json_integer_value(retry));
    u_map_put(res->map_header, "Retry-After", seconds);
  }
  json_decref(extra);
  json_send(res, kind.status, body, JSON_PROBLEM);
}

static json_t *errors_json(const struct vg_field_errors *errs) {
  json_t *list = json_array();
  for (int i = 0; list && i < errs->count; i++)
    json_array_append_new(list, json_pack("{s:s, s:s}", "field", errs->items[i].field, "message",
                                          errs->items[i].message));
  return list;
}

#define BARE_CHALLENGE "Bearer realm=\"verigate\""

/* RFC 9110 asks every 401 for a challenge; RFC 6750 §3 and RFC 9470 give the bearer ones. */
static const char *challenge_for(vg_result r) {
  switch (r) {
    case VG_ERR_INVALID_TOKEN:
      return "Bearer realm=\"verigate\", error=\"invalid_token\"";
    case VG_ERR_WRONG_CODE:
    case VG_ERR_CODE_REUSED:
    case VG_ERR_VERIFICATION_EXPIRED:
      return BARE_CHALLENGE;
    case VG_ERR_INSUFFICIENT_AAL:
      return "Bearer realm=\"verigate\", error=\"insufficient_user_authentication\", "
             "error_description=\"A second factor is required\", acr_values=\"aal2\"";
    case VG_ERR_STEP_UP_REQUIRED: /* RFC 9470 section 3: the second factor must be recent */
      return "Bearer realm=\"verigate\", error=\"insufficient_user_authentication\", "
             "error_description=\"A more recent second factor is required\", max_age=\"300\"";
    default:
      return NULL;
  }
}

json_t *problem_extra(vg_result r, int attempts_left, int retry_after) {
  switch (r) {
    case VG_ERR_WRONG_CODE:
    case VG_ERR_CODE_REUSED:
      return json_pack("{s:i}", "attempts_left", attempts_left);
    case VG_ERR_TOO_MANY_ATTEMPTS:
      return json_pack("{s:i}", "attempts_left", 0);
    case VG_ERR_RESEND_COOLDOWN:
    case VG_ERR_RESEND_LIMIT:
    case VG_ERR_SMS_RATE_LIMITED:
    case VG_ERR_RATE_LIMITED:
    case VG_ERR_SMS_BUDGET:
    case VG_ERR_VERIFY_IN_PROGRESS:
      return json_pack("{s:i}", "retry_after", retry_after);
    default:
      return NULL;
  }
}

void problem_send_result(struct _u_response *res, vg_result r, const char *detail,
                         const struct vg_field_errors *errs, json_t *extra) {
  const char *challenge = challenge_for(r);
  if (challenge) u_map_put(res->map_header, "WWW-Authenticate", challenge);
  if (!extra) extra = json_object();
  if (!json_object_get(extra, "retry_after")) {
    /* A store outage is worth a short wait; a login that ran out of codes can start over now
     * (its spent code was cancelled at Twilio). */
    if (r == VG_ERR_UNAVAILABLE)
      json_object_set_new(extra, "retry_after", json_integer(UNAVAILABLE_RETRY_AFTER));
    else if (r == VG_ERR_OVERLOADED)
      json_object_set_new(extra, "retry_after", json_integer(OVERLOADED_RETRY_AFTER));
    else if (r == VG_ERR_TOO_MANY_ATTEMPTS)
      json_object_set_new(extra, "retry_after", json_integer(0));
  }
  if (errs && errs->count > 0) {
    json_object_set_new(extra, "errors", errors_json(errs));
    if (!detail) detail = "One or more fields are invalid: see errors";
  }
  problem_send(res, problem_for_result(r), detail, extra);
}

void problem_send_bearer_result(struct _u_response *res, bool bearer_sent, vg_result r,
                                const char *detail, const struct vg_field_errors *errs,
                                json_t *extra) {
  problem_send_result(res, r, detail, errs, extra);
  if (!bearer_sent && r == VG_ERR_INVALID_TOKEN)
    u_map_put(res->map_header, "WWW-Authenticate", BARE_CHALLENGE);
}
