/* test_problem.c: the one table from core results to problem+json answers, and what
 * problem_send_result writes into a real ulfius response. */
#include <string.h>

#include <jansson.h>
#include <ulfius.h>

#include "check.h"
#include "http/problem.h"

static struct _u_response res;
static json_t *body;

/* Sends r into a fresh response and parses its body into body (released by done()). */
static void answer(vg_result r, const char *detail, const struct vg_field_errors *errs,
                   json_t *extra) {
  ulfius_init_response(&res);
  problem_send_result(&res, r, detail, errs, extra);
  body = json_loadb(res.binary_body, res.binary_body_length, 0, NULL);
}

static void done(void) {
  json_decref(body);
  body = NULL;
  ulfius_clean_response(&res);
}

static const char *header(const char *name) {
  return u_map_get_case(res.map_header, name);
}

static void problem_maps_every_error_to_a_documented_kind(void) {
  for (int r = VG_OK + 1; r < VG_RESULT_COUNT; r++) {
    struct problem_kind k = problem_for_result((vg_result)r);
    CHECK(k.status >= 400 && k.status <= 599);
    CHECK(k.type != NULL && strncmp(k.type, "/problems/", 10) == 0);
    CHECK(k.title != NULL && *k.title);
    if (k.status < 400 || k.status > 599 || !k.type || !k.title)
      fprintf(stderr, "  result %d has no problem kind\n", r);
  }
  CHECK(problem_for_result(VG_OK).status == 0);
  CHECK(problem_for_result(VG_RESULT_COUNT).status == 0);
}

static void problem_statuses_follow_the_http_contract(void) {
  static const struct {
    vg_result r;
    int status;
    const char *type;
  } contract[] = {
      {VG_ERR_VALIDATION, 400, "/problems/validation-error"},
      {VG_ERR_CONFLICT, 409, "/problems/already-exists"},
      {VG_ERR_INVALID_CREDENTIALS, 401, "/problems/invalid-credentials"},
      {VG_ERR_INVALID_TOKEN, 401, "/problems/invalid-token"},
      {VG_ERR_INSUFFICIENT_AAL, 403, "/problems/insufficient-authentication"},
      {VG_ERR_WRONG_CODE, 401, "/problems/wrong-code"},
      {VG_ERR_TOO_MANY_ATTEMPTS, 429, "/problems/too-many-attempts"},
      {VG_ERR_RESEND_COOLDOWN, 429, "/problems/resend-cooldown"},
      {VG_ERR_RESEND_LIMIT, 429, "/problems/resend-limit"},
      {VG_ERR_VERIFICATION_EXPIRED, 401, "/problems/verification-expired"},
      {VG_ERR_INVALID_PHONE, 422, "/problems/phone-not-deliverable"},
      {VG_ERR_SMS_RATE_LIMITED, 429, "/problems/sms-rate-limited"},
      {VG_ERR_UPSTREAM, 502, "/problems/sms-provider-unavailable"},
      {VG_ERR_UNAVAILABLE, 503, "/problems/service-unavailable"},
      {VG_ERR_VERIFY_IN_PROGRESS, 409, "/problems/verification-in-progress"},
      {VG_ERR_INTERNAL, 500, "/problems/internal-error"},
  };
  for (size_t i = 0; i < sizeof contract / sizeof *contract; i++) {
    struct problem_kind k = problem_for_result(contract[i].r);
    CHECK(k.status == contract[i].status);
    CHECK_STR(k.type, contract[i].type);
  }
}

static void problem_body_is_problem_json(void) {
  answer(VG_ERR_CONFLICT, "This account is already registered", NULL, NULL);
  CHECK(res.status == 409);
  CHECK_STR(header("Content-Type"), "application/problem+json");
  CHECK(json_is_object(body));
  CHECK_STR(json_string_value(json_object_get(body, "type")), "/problems/already-exists");
  CHECK_STR(json_string_value(json_object_get(body, "title")), "Account already exists");
  CHECK(json_integer_value(json_object_get(body, "status")) == 409);
  CHECK_STR(json_string_value(json_object_get(body, "detail")),
            "This account is already registered");
  CHECK(json_object_get(body, "errors") == NULL);
  CHECK(header("WWW-Authenticate") == NULL);
  CHECK(header("Retry-After") == NULL);
  done();
  answer(VG_ERR_UPSTREAM, NULL, NULL, NULL); /* no detail: the title stands in */
  CHECK_STR(json_string_value(json_object_get(body, "detail")), "SMS provider unavailable");
  done();
}

static void problem_invalid_token_challenges_the_bearer(void) {
  answer(VG_ERR_INVALID_TOKEN, NULL, NULL, NULL);
  CHECK(res.status == 401);
  const char *challenge = header("WWW-Authenticate");
  CHECK(challenge != NULL && strncmp(challenge, "Bearer", 6) == 0);
  CHECK(challenge != NULL && strstr(challenge, "error=\"invalid_token\"") != NULL);
  done();
}

static void problem_insufficient_aal_asks_for_step_up(void) {
  answer(VG_ERR_INSUFFICIENT_AAL, NULL, NULL, NULL);
  CHECK(res.status == 403);
  const char *challenge = header("WWW-Authenticate");
  CHECK(challenge != NULL && strncmp(challenge, "Bearer", 6) == 0);
  CHECK(challenge != NULL && strstr(challenge, "error=\"insufficient_user_authentication\""));
  done();
}

/* api/openapi.yaml: "every 401 from an endpoint that takes a bearer token carries
 * WWW-Authenticate"; wrong-code and verification-expired only come from /verify (VerifyRefused
 * lists the header as required). */
static void problem_bearer_401s_carry_www_authenticate(void) {
  const vg_result bearer_401s[] = {VG_ERR_WRONG_CODE, VG_ERR_VERIFICATION_EXPIRED};
  for (int i = 0; i < 2; i++) {
    answer(bearer_401s[i], NULL, NULL, NULL);
    CHECK(res.status == 401);
    const char *challenge = header("WWW-Authenticate");
    CHECK(challenge != NULL && strncmp(challenge, "Bearer", 6) == 0);
    done();
  }
}

/* RFC 6750 §3.1: a request with no bearer credentials at all is told the scheme and nothing
 * more; one whose token was refused is told error="invalid_token". */
static void problem_no_bearer_sent_gets_the_bare_challenge(void) {
  ulfius_init_response(&res);
  problem_send_bearer_result(&res, false, VG_ERR_INVALID_TOKEN, NULL, NULL, NULL);
  CHECK(res.status == 401);
  CHECK_STR(header("WWW-Authenticate"), "Bearer realm=\"verigate\"");
  ulfius_clean_response(&res);
  ulfius_init_response(&res);
  problem_send_bearer_result(&res, true, VG_ERR_INVALID_TOKEN, NULL, NULL, NULL);
  CHECK_STR(header("WWW-Authenticate"), "Bearer realm=\"verigate\", error=\"invalid_token\"");
  ulfius_clean_response(&res);
  /* Only invalid-token depends on it: the step-up challenge is the same either way. */
  ulfius_init_response(&res);
  problem_send_bearer_result(&res, false, VG_ERR_INSUFFICIENT_AAL, NULL, NULL, NULL);
  CHECK(strstr(header("WWW-Authenticate"), "error=\"insufficient_user_authentication\""));
  ulfius_clean_response(&res);
}

static void problem_retry_after_becomes_a_header(void) {
  answer(VG_ERR_RESEND_COOLDOWN, NULL, NULL, json_pack("{s:i}", "retry_after", 12));
  CHECK(res.status == 429);
  CHECK_STR(header("Retry-After"), "12");
  CHECK(json_integer_value(json_object_get(body, "retry_after")) == 12);
  done();
  answer(VG_ERR_WRONG_CODE, NULL, NULL, json_pack("{s:i}", "attempts_left", 3));
  CHECK(json_integer_value(json_object_get(body, "attempts_left")) == 3);
  CHECK(header("Retry-After") == NULL);
  done();
}

static void problem_unavailable_defaults_retry_after(void) {
  answer(VG_ERR_UNAVAILABLE, NULL, NULL, NULL);
  CHECK(res.status == 503);
  CHECK(header("Retry-After") != NULL);
  CHECK(json_is_integer(json_object_get(body, "retry_after")));
  done();
  answer(VG_ERR_UNAVAILABLE, NULL, NULL, json_pack("{s:i}", "retry_after", 9));
  CHECK_STR(header("Retry-After"), "9");
  done();
}

/* RetryAfter is "required: true" on every 429 of api/openapi.yaml, too-many-attempts included,
 * though /verify passes only attempts_left with it. */
static void problem_too_many_attempts_carries_retry_after(void) {
  answer(VG_ERR_TOO_MANY_ATTEMPTS, NULL, NULL, json_pack("{s:i}", "attempts_left", 0));
  CHECK(res.status == 429);
  CHECK(header("Retry-After") != NULL);
  done();
}

static void problem_lists_every_field_error(void) {
  struct vg_field_errors errs = {0};
  vg_field_errors_add(&errs, "email", "is required");
  vg_field_errors_add(&errs, "phone", "must be in E.164 format");
  answer(VG_ERR_VALIDATION, NULL, &errs, NULL);
  CHECK(res.status == 400);
  json_t *list = json_object_get(body, "errors");
  CHECK(json_is_array(list) && json_array_size(list) == 2);
  CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "field")), "email");
  CHECK_STR(json_string_value(json_object_get(json_array_get(list, 0), "message")), "is required");
  CHECK_STR(json_string_value(json_object_get(json_array_get(list, 1), "field")), "phone");
  done();
  struct vg_field_errors none = {0};
  answer(VG_ERR_VALIDATION, NULL, &none, NULL);
  CHECK(json_object_get(body, "errors") == NULL);
  done();
}

static void problem_http_errors_have_kinds(void) {
  for (int e = 0; e < HTTP_ERR_COUNT; e++) {
    struct problem_kind k = problem_for_http((enum http_error)e);
    CHECK(k.status >= 400 && k.status <= 599);
    CHECK(k.type != NULL && strncmp(k.type, "/problems/", 10) == 0);
  }
  CHECK(problem_for_http(HTTP_ERR_PAYLOAD_TOO_LARGE).status == 413);
  CHECK(problem_for_http(HTTP_ERR_UNSUPPORTED_MEDIA_TYPE).status == 415);
}

int main(void) {
  RUN(problem_maps_every_error_to_a_documented_kind);
  RUN(problem_statuses_follow_the_http_contract);
  RUN(problem_body_is_problem_json);
  RUN(problem_invalid_token_challenges_the_bearer);
  RUN(problem_insufficient_aal_asks_for_step_up);
  RUN(problem_bearer_401s_carry_www_authenticate);
  RUN(problem_no_bearer_sent_gets_the_bare_challenge);
  RUN(problem_retry_after_becomes_a_header);
  RUN(problem_unavailable_defaults_retry_after);
  RUN(problem_too_many_attempts_carries_retry_after);
  RUN(problem_lists_every_field_error);
  RUN(problem_http_errors_have_kinds);
  return check_done();
}
