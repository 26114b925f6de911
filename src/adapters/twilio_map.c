/* twilio_map.c: Twilio Verify v2 answers to vg_result; the contract is in twilio_map.h. */
#include "adapters/twilio_map.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

enum map_op { MAP_START, MAP_CHECK };

/* Loads body as a JSON object. NULL when it is missing, not JSON (an HTML error page from a
 * proxy, a truncated answer) or not an object. The caller owns the reference. */
static json_t *load_object(const char *body, size_t len) {
  if (body == NULL || len == 0) return NULL;
  json_t *root = json_loadb(body, len, 0, NULL);
  if (root != NULL && !json_is_object(root)) {
    json_decref(root);
    return NULL;
  }
  return root;
}

/* The error body's integer "code" (TWILIO_VERIFY.md section 5), 0 when there is none. */
static int error_code(const json_t *root) {
  const json_t *code = json_object_get(root, "code");
  if (!json_is_integer(code)) return 0;
  json_int_t v = json_integer_value(code);
  return v > 0 && v <= INT_MAX ? (int)v : 0;
}

/* A verification sid is VE followed by 32 hex digits, as the check endpoint requires. */
static bool is_verification_sid(const char *s) {
  if (s == NULL || strlen(s) != VG_SID_MAX - 1 || s[0] != 'V' || s[1] != 'E') return false;
  for (size_t i = 2; i < VG_SID_MAX - 1; i++)
    if (!isxdigit((unsigned char)s[i])) return false;
  return true;
}

/* Reads Retry-After as delta-seconds (RFC 9110 section 10.2.3). An HTTP-date needs a clock this
 * pure code does not have, so it, garbage and a missing header all yield fallback. */
static int retry_after_seconds(const char *header, int fallback) {
  if (header == NULL) return fallback;
  while (*header == ' ' || *header == '\t') header++;
  if (!isdigit((unsigned char)*header)) return fallback;
  char *end;
  errno = 0;
  long v = strtol(header, &end, 10);
  while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') end++;
  if (*end != '\0') return fallback;
  if (errno == ERANGE || v > TWILIO_RETRY_MAX) return TWILIO_RETRY_MAX;
  return v < 1 ? 1 : (int)v; /* "0" would invite a client to hammer us at once */
}

static vg_result rate_limited(struct twilio_outcome *out, const char *header, int fallback) {
  out->fault = TWILIO_FAULT_RATE_LIMIT;
  out->retry_after = retry_after_seconds(header, fallback);
  return VG_ERR_SMS_RATE_LIMITED;
}

static vg_result upstream(struct twilio_outcome *out, enum twilio_fault fault) {
  out->fault = fault;
  return VG_ERR_UPSTREAM;
}

/* Twilio's reasons for refusing to send an SMS to a valid-looking number: a landline (60205),
 * Geo-Permissions (60605), Fraud Guard (60410). A channel disabled in the Verify service (60223)
 * is not one: no number would do, so it is the operator's to fix (TWILIO_FAULT_CHANNEL). */
static bool is_unsendable_phone_code(int code) {
  return code == 60205 || code == 60605 || code == 60410;
}

/* Maps a non-2xx answer. The body's code decides when there is one, the HTTP status otherwise.
 * Each operation only ever gets a result its port contract names: a code that makes no sense
 * for it (60202 on start, 60200 on check) means we sent something wrong, so VG_ERR_UPSTREAM. */
static vg_result map_error(enum map_op op, long status, const char *retry_header,
                           struct twilio_outcome *out) {
  int code = out->twilio_code;
  if (code == 20003 || status == 401 || (status == 403 && code == 0))
    return upstream(out, TWILIO_FAULT_CREDENTIALS);
  if (code == 60203) return rate_limited(out, retry_header, TWILIO_RETRY_SEND_LIMIT);
  if (code == 60212 || code == 20429)
    return rate_limited(out, retry_header, TWILIO_RETRY_CONCURRENCY);
  if (code == 20404 || status == 404) {
    /* start names no verification, so a 404 there means the service sid or base URL is wrong */
    if (op == MAP_START) return upstream(out, TWILIO_FAULT_SERVICE);
    return VG_ERR_VERIFICATION_EXPIRED;
  }
  if (code == 60202) {
    if (op == MAP_CHECK) return VG_ERR_TOO_MANY_ATTEMPTS;
    return upstream(out, TWILIO_FAULT_REQUEST);
  }
  if (code == 60223) return upstream(out, TWILIO_FAULT_CHANNEL);
  if (code == 60200 || is_unsendable_phone_code(code)) {
    if (op == MAP_CHECK) return upstream(out, TWILIO_FAULT_REQUEST);
    out->fault = TWILIO_FAULT_PHONE;
    return VG_ERR_INVALID_PHONE;
  }
  if (status == 429) return rate_limited(out, retry_header, TWILIO_RETRY_OTHER_429);
  if (status >= 400 && status < 500) return upstream(out, TWILIO_FAULT_REQUEST);
  return upstream(out, TWILIO_FAULT_SERVER);
}

static bool is_success(long status) {
  return status == 200 || status == 201;
}

/* A created (or re-sent) verification: all we need is its sid. */
static vg_result read_verification(const json_t *root, struct twilio_outcome *out) {
  const char *sid = json_string_value(json_object_get(root, "sid"));
  if (!is_verification_sid(sid)) return upstream(out, TWILIO_FAULT_BODY);
  memcpy(out->sid, sid, VG_SID_MAX);
  return VG_OK;
}

/* A check answer. Like supabase's client, approval needs status "approved" AND valid true: a body
 * that says one without the other is not trusted to log anyone in. */
static vg_result read_check(const json_t *root, struct twilio_outcome *out) {
  const char *status = json_string_value(json_object_get(root, "status"));
  if (status == NULL) return upstream(out, TWILIO_FAULT_BODY);
  if (strcmp(status, "approved") == 0) {
    if (json_is_true(json_object_get(root, "valid"))) return VG_OK;
    return upstream(out, TWILIO_FAULT_BODY);
  }
  if (strcmp(status, "pending") == 0) return VG_ERR_WRONG_CODE;
  return VG_ERR_VERIFICATION_EXPIRED; /* canceled, max_attempts_reached, expired, deleted, failed */
}

static vg_result map(enum map_op op, long http_status, const char *body, size_t len,
                     const char *retry_after_header, struct twilio_outcome *out) {
  if (out == NULL) return VG_ERR_INTERNAL;
  memset(out, 0, sizeof *out);
  json_t *root = load_object(body, len);
  vg_result r;
  if (is_success(http_status)) {
    if (root == NULL)
      r = upstream(out, TWILIO_FAULT_BODY);
    else
      r = op == MAP_START ? read_verification(root, out) : read_check(root, out);
  } else {
    out->twilio_code = error_code(root);
    r = map_error(op, http_status, retry_after_header, out);
  }
  json_decref(root);
  return r;
}

vg_result twilio_map_start(long http_status, const char *body, size_t len,
                           const char *retry_after_header, struct twilio_outcome *out) {
  return map(MAP_START, http_status, body, len, retry_after_header, out);
}

vg_result twilio_map_check(long http_status, const char *body, size_t len,
                           const char *retry_after_header, struct twilio_outcome *out) {
  return map(MAP_CHECK, http_status, body, len, retry_after_header, out);
}

vg_result twilio_map_cancel(long http_status, const char *body, size_t len,
                            const char *retry_after_header, struct twilio_outcome *out) {
  vg_result r = map(MAP_CHECK, http_status, body, len, retry_after_header, out);
  if (http_status == 200 || r == VG_ERR_VERIFICATION_EXPIRED) return VG_OK;
  return r == VG_ERR_TOO_MANY_ATTEMPTS || r == VG_ERR_WRONG_CODE ? VG_ERR_UPSTREAM : r;
}

enum metrics_twilio_outcome twilio_map_call(bool answered, bool timed_out, long http_status) {
  if (!answered) return timed_out ? METRICS_TWILIO_TIMEOUT : METRICS_TWILIO_TRANSPORT_ERROR;
  if (http_status >= 200 && http_status < 300) return METRICS_TWILIO_OK;
  if (http_status == 429) return METRICS_TWILIO_RATE_LIMITED;
  if (http_status >= 400 && http_status < 500) return METRICS_TWILIO_CLIENT_ERROR;
  return METRICS_TWILIO_SERVER_ERROR;
}
