/* test_twilio_map.c: Twilio Verify answers to vg_result, with bodies from TWILIO_VERIFY.md. */
#include <string.h>

#include "adapters/twilio_map.h"
#include "check.h"

#define SID "VEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const char VERIFICATION_PENDING[] =
    "{\"sid\":\"" SID
    "\",\"service_sid\":\"VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
    "\"account_sid\":\"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"to\":\"+15017122661\","
    "\"channel\":\"sms\",\"status\":\"pending\",\"valid\":false,"
    "\"date_created\":\"2015-07-30T20:00:00Z\","
    "\"date_updated\":\"2015-07-30T20:00:00Z\",\"lookup\":{},\"amount\":null,\"payee\":null,"
    "\"send_code_attempts\":[{\"time\":\"2015-07-30T20:00:00Z\",\"channel\":\"SMS\","
    "\"attempt_sid\":\"VLaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}],\"sna\":null,"
    "\"url\":\"https://verify.twilio.com/v2/Services/VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "/Verifications/" SID "\"}";

/* A VerificationCheck body with the given status and valid. */
#define CHECK_BODY(status, valid)                                                             \
  "{\"sid\":\"" SID                                                                           \
  "\",\"service_sid\":\"VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","                                \
  "\"account_sid\":\"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"to\":\"+15017122661\","           \
  "\"channel\":\"sms\",\"status\":\"" status "\",\"valid\":" valid                            \
  ",\"amount\":null,"                                                                         \
  "\"payee\":null,\"sna_attempts_error_codes\":[],\"date_created\":\"2015-07-30T20:00:00Z\"," \
  "\"date_updated\":\"2015-07-30T20:00:01Z\"}"

/* A Twilio error body with the given code and HTTP status. */
#define ERROR_BODY(code, message, status)      \
  "{\"code\":" #code ",\"message\":\"" message \
  "\",\"more_info\":"                          \
  "\"https://www.twilio.com/docs/errors/" #code "\",\"status\":" #status "}"

static const char AUTH_ERROR[] =
    "{\"code\":20003,\"detail\":\"Your AccountSid or AuthToken was incorrect.\","
    "\"message\":\"Authenticate\",\"more_info\":\"https://www.twilio.com/docs/errors/20003\","
    "\"status\":401}";

static const char HTML_ERROR[] = "<html><body><h1>502 Bad Gateway</h1></body></html>";

static vg_result start(long status, const char *body, const char *retry_after,
                       struct twilio_outcome *out) {
  return twilio_map_start(status, body, body != NULL ? strlen(body) : 0, retry_after, out);
}

static vg_result check(long status, const char *body, const char *retry_after,
                       struct twilio_outcome *out) {
  return twilio_map_check(status, body, body != NULL ? strlen(body) : 0, retry_after, out);
}

static void start_created_pending_verification_returns_its_sid(void) {
  struct twilio_outcome out;
  CHECK(start(201, VERIFICATION_PENDING, NULL, &out) == VG_OK);
  CHECK_STR(out.sid, SID);
  CHECK(out.fault == TWILIO_FAULT_NONE);
  CHECK(out.retry_after == 0);
}

static void start_accepts_200_as_well_as_201(void) {
  struct twilio_outcome out;
  CHECK(start(200, VERIFICATION_PENDING, NULL, &out) == VG_OK);
  CHECK_STR(out.sid, SID);
}

static void start_reads_only_len_bytes_of_the_body(void) {
  char body[sizeof VERIFICATION_PENDING + 8];
  memcpy(body, VERIFICATION_PENDING, sizeof VERIFICATION_PENDING - 1);
  memcpy(body + sizeof VERIFICATION_PENDING - 1, "garbage!", 8); /* no NUL anywhere */
  struct twilio_outcome out;
  CHECK(twilio_map_start(201, body, sizeof VERIFICATION_PENDING - 1, NULL, &out) == VG_OK);
  CHECK_STR(out.sid, SID);
}

static void start_with_malformed_sid_is_upstream(void) {
  struct twilio_outcome out;
  CHECK(start(201, "{\"sid\":\"VEnothex\"}", NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_BODY);
  CHECK_STR(out.sid, "");
  CHECK(start(201, "{\"sid\":\"VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", NULL, &out) ==
        VG_ERR_UPSTREAM);
  CHECK(start(201, "{\"sid\":\"" SID "a\"}", NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(start(201, "{\"sid\":42}", NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(start(201, "{\"status\":\"pending\"}", NULL, &out) == VG_ERR_UPSTREAM);
}

static void start_with_garbage_json_is_upstream(void) {
  struct twilio_outcome out;
  CHECK(start(201, "{\"sid\":\"" SID "\"", NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_BODY);
  CHECK(start(201, "[\"" SID "\"]", NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(start(201, "", NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(start(201, NULL, NULL, &out) == VG_ERR_UPSTREAM);
}

static void start_invalid_parameter_is_invalid_phone(void) {
  struct twilio_outcome out;
  CHECK(start(400, ERROR_BODY(60200, "Invalid parameter: To", 400), NULL, &out) ==
        VG_ERR_INVALID_PHONE);
  CHECK(out.twilio_code == 60200);
  CHECK(out.fault == TWILIO_FAULT_PHONE);
}

static void start_unsendable_numbers_are_invalid_phone(void) {
  struct twilio_outcome out;
  CHECK(start(403, ERROR_BODY(60205, "SMS is not supported by landline phone number", 403), NULL,
              &out) == VG_ERR_INVALID_PHONE);
  CHECK(start(403, ERROR_BODY(60605, "Verification delivery attempt blocked", 403), NULL, &out) ==
        VG_ERR_INVALID_PHONE);
  CHECK(start(403, ERROR_BODY(60410, "Verification delivery attempt blocked", 403), NULL, &out) ==
        VG_ERR_INVALID_PHONE);
}

/* No number would do: the operator has to enable the channel or stop offering it. */
static void start_channel_disabled_in_the_service_is_upstream(void) {
  struct twilio_outcome out;
  CHECK(start(400, ERROR_BODY(60223, "Delivery channel disabled", 400), NULL, &out) ==
        VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_CHANNEL && out.twilio_code == 60223);
}

static void start_max_sends_is_rate_limited_for_retry_after(void) {
  struct twilio_outcome out;
  CHECK(start(429, ERROR_BODY(60203, "Max send attempts reached", 429), "120", &out) ==
        VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == 120);
  CHECK(out.twilio_code == 60203);
  CHECK(out.fault == TWILIO_FAULT_RATE_LIMIT);
}

static void start_max_sends_without_retry_after_waits_a_minute(void) {
  struct twilio_outcome out;
  CHECK(start(429, ERROR_BODY(60203, "Max send attempts reached", 429), NULL, &out) ==
        VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == TWILIO_RETRY_SEND_LIMIT);
  CHECK(out.retry_after == 60);
}

static void start_concurrency_limits_are_rate_limited_briefly(void) {
  struct twilio_outcome out;
  CHECK(start(429, ERROR_BODY(20429, "Too many requests", 429), NULL, &out) ==
        VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == TWILIO_RETRY_CONCURRENCY);
  CHECK(start(429, ERROR_BODY(60212, "Too many concurrent requests for phone number", 429), NULL,
              &out) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == TWILIO_RETRY_CONCURRENCY);
  CHECK(start(429, ERROR_BODY(20429, "Too many requests", 429), " 3\r\n", &out) ==
        VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == 3);
}

static void any_other_429_is_rate_limited(void) {
  struct twilio_outcome out;
  CHECK(start(429, HTML_ERROR, NULL, &out) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == TWILIO_RETRY_OTHER_429);
  CHECK(check(429, ERROR_BODY(29999, "Something new", 429), "7", &out) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == 7);
}

static void retry_after_that_is_not_seconds_falls_back(void) {
  struct twilio_outcome out;
  const char *body = ERROR_BODY(60203, "Max send attempts reached", 429);
  CHECK(start(429, body, "Wed, 21 Oct 2015 07:28:00 GMT", &out) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == TWILIO_RETRY_SEND_LIMIT);
  CHECK(start(429, body, "12abc", &out) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == TWILIO_RETRY_SEND_LIMIT);
  CHECK(start(429, body, "-5", &out) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == TWILIO_RETRY_SEND_LIMIT);
  CHECK(start(429, body, "", &out) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == TWILIO_RETRY_SEND_LIMIT);
}

static void retry_after_is_clamped(void) {
  struct twilio_outcome out;
  const char *body = ERROR_BODY(60203, "Max send attempts reached", 429);
  CHECK(start(429, body, "0", &out) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == 1);
  CHECK(start(429, body, "86400", &out) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == TWILIO_RETRY_MAX);
  CHECK(start(429, body, "99999999999999999999999", &out) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == TWILIO_RETRY_MAX);
}

static void bad_credentials_are_upstream_and_name_the_cause(void) {
  struct twilio_outcome out;
  CHECK(start(401, AUTH_ERROR, NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_CREDENTIALS);
  CHECK(out.twilio_code == 20003);
  CHECK(check(401, AUTH_ERROR, NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_CREDENTIALS);
  CHECK(start(401, "", NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_CREDENTIALS);
  CHECK(check(403, HTML_ERROR, NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_CREDENTIALS);
}

static void start_unknown_service_is_upstream_not_expired(void) {
  struct twilio_outcome out;
  const char *body =
      ERROR_BODY(20404,
                 "The requested resource /Services/VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Verifications"
                 " was not found",
                 404);
  CHECK(start(404, body, NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_SERVICE);
  CHECK(start(404, HTML_ERROR, NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_SERVICE);
}

static void server_errors_are_upstream(void) {
  struct twilio_outcome out;
  CHECK(start(500, HTML_ERROR, NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_SERVER);
  CHECK(check(503, "", NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_SERVER);
  CHECK(check(302, NULL, NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(start(204, NULL, NULL, &out) == VG_ERR_UPSTREAM);
}

static void other_client_errors_are_upstream(void) {
  struct twilio_outcome out;
  CHECK(start(403, ERROR_BODY(60204, "Service does not support this feature", 403), NULL, &out) ==
        VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_REQUEST);
  CHECK(start(400, ERROR_BODY(60207, "Max rate limits per service reached", 400), NULL, &out) ==
        VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_REQUEST);
  CHECK(start(429, ERROR_BODY(60202, "Max check attempts reached", 429), NULL, &out) ==
        VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_REQUEST);
}

static void check_approved_and_valid_is_ok(void) {
  struct twilio_outcome out;
  CHECK(check(200, CHECK_BODY("approved", "true"), NULL, &out) == VG_OK);
  CHECK(out.fault == TWILIO_FAULT_NONE);
  CHECK(check(201, CHECK_BODY("approved", "true"), NULL, &out) == VG_OK);
}

static void check_approved_but_not_valid_is_not_ok(void) {
  struct twilio_outcome out;
  CHECK(check(200, CHECK_BODY("approved", "false"), NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_BODY);
  CHECK(check(200, CHECK_BODY("approved", "\"true\""), NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(check(200, "{\"sid\":\"" SID "\",\"status\":\"approved\"}", NULL, &out) == VG_ERR_UPSTREAM);
}

static void check_pending_is_wrong_code(void) {
  struct twilio_outcome out;
  CHECK(check(200, CHECK_BODY("pending", "false"), NULL, &out) == VG_ERR_WRONG_CODE);
  CHECK(out.fault == TWILIO_FAULT_NONE);
  CHECK(check(201, CHECK_BODY("pending", "false"), NULL, &out) == VG_ERR_WRONG_CODE);
}

static void check_finished_statuses_are_expired(void) {
  struct twilio_outcome out;
  CHECK(check(200, CHECK_BODY("canceled", "false"), NULL, &out) == VG_ERR_VERIFICATION_EXPIRED);
  CHECK(check(200, CHECK_BODY("max_attempts_reached", "false"), NULL, &out) ==
        VG_ERR_VERIFICATION_EXPIRED);
  CHECK(check(200, CHECK_BODY("expired", "false"), NULL, &out) == VG_ERR_VERIFICATION_EXPIRED);
  CHECK(check(200, CHECK_BODY("deleted", "false"), NULL, &out) == VG_ERR_VERIFICATION_EXPIRED);
}

static void check_without_status_is_upstream(void) {
  struct twilio_outcome out;
  CHECK(check(200, "{\"sid\":\"" SID "\",\"valid\":true}", NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_BODY);
  CHECK(check(200, "not json", NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(check(200, HTML_ERROR, NULL, &out) == VG_ERR_UPSTREAM);
}

static void check_not_found_is_expired(void) {
  struct twilio_outcome out;
  const char *body = ERROR_BODY(
      20404,
      "The requested resource /Services/VAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/VerificationCheck"
      " was not found",
      404);
  CHECK(check(404, body, NULL, &out) == VG_ERR_VERIFICATION_EXPIRED);
  CHECK(out.twilio_code == 20404);
  CHECK(out.fault == TWILIO_FAULT_NONE);
  CHECK(check(404, HTML_ERROR, NULL, &out) == VG_ERR_VERIFICATION_EXPIRED);
}

static void check_max_attempts_is_too_many_attempts(void) {
  struct twilio_outcome out;
  CHECK(check(429, ERROR_BODY(60202, "Max check attempts reached", 429), NULL, &out) ==
        VG_ERR_TOO_MANY_ATTEMPTS);
  CHECK(out.twilio_code == 60202);
  CHECK(out.retry_after == 0);
}

static void check_invalid_parameter_is_upstream(void) {
  struct twilio_outcome out;
  CHECK(check(400, ERROR_BODY(60200, "Invalid parameter: Code", 400), NULL, &out) ==
        VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_REQUEST);
  CHECK(check(403, ERROR_BODY(60605, "Verification delivery attempt blocked", 403), NULL, &out) ==
        VG_ERR_UPSTREAM);
}

static void check_rate_limits_are_rate_limited(void) {
  struct twilio_outcome out;
  CHECK(check(429, ERROR_BODY(20429, "Too many requests", 429), NULL, &out) ==
        VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == TWILIO_RETRY_CONCURRENCY);
}

static void missing_outcome_is_internal(void) {
  CHECK(twilio_map_start(201, VERIFICATION_PENDING, sizeof VERIFICATION_PENDING - 1, NULL, NULL) ==
        VG_ERR_INTERNAL);
  CHECK(twilio_map_check(200, "{}", 2, NULL, NULL) == VG_ERR_INTERNAL);
}

static void cancel_is_ok_when_twilio_cancels_or_already_forgot(void) {
  struct twilio_outcome out;
  const char *canceled = "{\"sid\":\"" SID "\",\"status\":\"canceled\"}";
  CHECK(twilio_map_cancel(200, canceled, strlen(canceled), NULL, &out) == VG_OK);
  const char *gone = ERROR_BODY(20404, "The requested resource was not found", 404);
  CHECK(twilio_map_cancel(404, gone, strlen(gone), NULL, &out) == VG_OK);
}

static void cancel_failures_are_upstream_or_rate_limited(void) {
  struct twilio_outcome out;
  CHECK(twilio_map_cancel(502, HTML_ERROR, strlen(HTML_ERROR), NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(twilio_map_cancel(401, AUTH_ERROR, strlen(AUTH_ERROR), NULL, &out) == VG_ERR_UPSTREAM);
  CHECK(out.fault == TWILIO_FAULT_CREDENTIALS);
  const char *busy = ERROR_BODY(20429, "Too many requests", 429);
  CHECK(twilio_map_cancel(429, busy, strlen(busy), "3", &out) == VG_ERR_SMS_RATE_LIMITED);
  CHECK(out.retry_after == 3);
}

static void calls_are_counted_by_how_they_ended(void) {
  CHECK(twilio_map_call(true, false, 201) == METRICS_TWILIO_OK);
  CHECK(twilio_map_call(true, false, 200) == METRICS_TWILIO_OK);
  CHECK(twilio_map_call(true, false, 404) == METRICS_TWILIO_CLIENT_ERROR);
  CHECK(twilio_map_call(true, false, 429) == METRICS_TWILIO_RATE_LIMITED);
  CHECK(twilio_map_call(true, false, 503) == METRICS_TWILIO_SERVER_ERROR);
  CHECK(twilio_map_call(true, false, 302) == METRICS_TWILIO_SERVER_ERROR);
  CHECK(twilio_map_call(false, true, 0) == METRICS_TWILIO_TIMEOUT);
  CHECK(twilio_map_call(false, false, 0) == METRICS_TWILIO_TRANSPORT_ERROR);
}

int main(void) {
  RUN(cancel_is_ok_when_twilio_cancels_or_already_forgot);
  RUN(cancel_failures_are_upstream_or_rate_limited);
  RUN(start_created_pending_verification_returns_its_sid);
  RUN(start_accepts_200_as_well_as_201);
  RUN(start_reads_only_len_bytes_of_the_body);
  RUN(start_with_malformed_sid_is_upstream);
  RUN(start_with_garbage_json_is_upstream);
  RUN(start_invalid_parameter_is_invalid_phone);
  RUN(start_unsendable_numbers_are_invalid_phone);
  RUN(start_channel_disabled_in_the_service_is_upstream);
  RUN(start_max_sends_is_rate_limited_for_retry_after);
  RUN(start_max_sends_without_retry_after_waits_a_minute);
  RUN(start_concurrency_limits_are_rate_limited_briefly);
  RUN(any_other_429_is_rate_limited);
  RUN(retry_after_that_is_not_seconds_falls_back);
  RUN(retry_after_is_clamped);
  RUN(bad_credentials_are_upstream_and_name_the_cause);
  RUN(start_unknown_service_is_upstream_not_expired);
  RUN(server_errors_are_upstream);
  RUN(other_client_errors_are_upstream);
  RUN(check_approved_and_valid_is_ok);
  RUN(check_approved_but_not_valid_is_not_ok);
  RUN(check_pending_is_wrong_code);
  RUN(check_finished_statuses_are_expired);
  RUN(check_without_status_is_upstream);
  RUN(check_not_found_is_expired);
  RUN(check_max_attempts_is_too_many_attempts);
  RUN(check_invalid_parameter_is_upstream);
  RUN(check_rate_limits_are_rate_limited);
  RUN(missing_outcome_is_internal);
  RUN(calls_are_counted_by_how_they_ended);
  return check_done();
}
