/* metrics.c: the counters of metrics.h and their label names. Counting is one relaxed atomic add
 * (two more for a histogram): no lock, no allocation, nothing that waits. */
#include "metrics_registry.h"

#include <string.h>
#include <time.h>

struct metrics_registry metrics_registry = {.routes = {[METRICS_ROUTE_OTHER] = "other"},
                                            .route_count = 1};

const uint64_t metrics_bucket_ns[METRICS_BUCKETS] = {
    100000,   250000,    500000,    1000000,   2500000,    5000000,    10000000,   25000000,
    50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000, 5000000000, 10000000000};
const char *const metrics_bucket_le[METRICS_BUCKETS] = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05",   "0.1",     "0.25",   "0.5",   "1",      "2.5",   "5",    "10"};

const char *const metrics_outcome_names[METRICS_OUTCOME_COUNT] = {
    [METRICS_OK] = "ok",
    [METRICS_VALIDATION_ERROR] = "validation_error",
    [METRICS_ALREADY_EXISTS] = "already_exists",
    [METRICS_BAD_CREDENTIALS] = "bad_credentials",
    [METRICS_INVALID_TOKEN] = "invalid_token",
    [METRICS_INSUFFICIENT_AUTHENTICATION] = "insufficient_authentication",
    [METRICS_WRONG_CODE] = "wrong_code",
    [METRICS_TOO_MANY_ATTEMPTS] = "too_many_attempts",
    [METRICS_VERIFICATION_IN_PROGRESS] = "verification_in_progress",
    [METRICS_RESEND_COOLDOWN] = "resend_cooldown",
    [METRICS_RESEND_LIMIT] = "resend_limit",
    [METRICS_VERIFICATION_EXPIRED] = "verification_expired",
    [METRICS_PHONE_NOT_DELIVERABLE] = "phone_not_deliverable",
    [METRICS_SMS_RATE_LIMITED] = "sms_rate_limited",
    [METRICS_RATE_LIMITED] = "rate_limited",
    [METRICS_SMS_BUDGET_EXHAUSTED] = "sms_budget_exhausted",
    [METRICS_UPSTREAM_ERROR] = "upstream_error",
    [METRICS_UNAVAILABLE] = "unavailable",
    [METRICS_OVERLOADED] = "overloaded",
    [METRICS_INTERNAL_ERROR] = "internal_error",
    [METRICS_REUSED] = "reused",
};

const char *const metrics_flow_ok_names[METRICS_FLOW_COUNT] = {
    [METRICS_SIGNUP] = "created",  [METRICS_LOGIN] = "code_sent",   [METRICS_RESEND] = "code_sent",
    [METRICS_VERIFY] = "approved", [METRICS_REFRESH] = "refreshed",
};

const char *const metrics_channel_names[METRICS_CHANNEL_COUNT] = {
    [METRICS_SMS] = "sms", [METRICS_CALL] = "call", [METRICS_WHATSAPP] = "whatsapp"};

const char *const metrics_rule_names[METRICS_RULE_COUNT] = {
    [METRICS_RULE_LOGIN_FAILS_ACCOUNT] = "login_fails_account",
    [METRICS_RULE_LOGIN_FAILS_IP] = "login_fails_ip",
    [METRICS_RULE_SMS_PER_PHONE_10MIN] = "sms_per_phone_10min",
    [METRICS_RULE_SMS_PER_PHONE_DAY] = "sms_per_phone_day",
    [METRICS_RULE_SMS_PER_IP_HOUR] = "sms_per_ip_hour",
    [METRICS_RULE_SMS_PER_PREFIX_HOUR] = "sms_per_prefix_hour",
    [METRICS_RULE_SMS_MAX_PER_HOUR] = "sms_max_per_hour",
    [METRICS_RULE_SIGNUPS_PER_IP_HOUR] = "signups_per_ip_hour",
};

const char *const metrics_twilio_endpoint_names[METRICS_TWILIO_ENDPOINT_COUNT] = {
    [METRICS_TWILIO_CREATE] = "verification_create",
    [METRICS_TWILIO_CHECK] = "verification_check",
    [METRICS_TWILIO_CANCEL] = "verification_cancel",
};

const char *const metrics_twilio_outcome_names[METRICS_TWILIO_OUTCOME_COUNT] = {
    [METRICS_TWILIO_OK] = "ok",
    [METRICS_TWILIO_CLIENT_ERROR] = "client_error",
    [METRICS_TWILIO_RATE_LIMITED] = "rate_limited",
    [METRICS_TWILIO_SERVER_ERROR] = "server_error",
    [METRICS_TWILIO_TIMEOUT] = "timeout",
    [METRICS_TWILIO_TRANSPORT_ERROR] = "transport_error",
};

const char *const metrics_backend_names[METRICS_BACKEND_COUNT] = {
    [METRICS_MONGODB] = "mongodb", [METRICS_REDIS] = "redis"};

/* The rate_limiter scopes of core/limits.c, each under the rule that sets it. The per-account
 * lock is how the per-account failure limit is enforced, so both count as that rule. */
static const struct {
  const char *scope;
  enum metrics_rule rule;
} scope_rules[] = {
    {"login-lock", METRICS_RULE_LOGIN_FAILS_ACCOUNT},
    {"login-fail-account", METRICS_RULE_LOGIN_FAILS_ACCOUNT},
    {"login-fail-ip", METRICS_RULE_LOGIN_FAILS_IP},
    {"sms-phone-10min", METRICS_RULE_SMS_PER_PHONE_10MIN},
    {"sms-phone-day", METRICS_RULE_SMS_PER_PHONE_DAY},
    {"sms-ip-hour", METRICS_RULE_SMS_PER_IP_HOUR},
    {"sms-prefix-hour", METRICS_RULE_SMS_PER_PREFIX_HOUR},
    {"sms-all-hour", METRICS_RULE_SMS_MAX_PER_HOUR},
    {"signup-ip-hour", METRICS_RULE_SIGNUPS_PER_IP_HOUR},
};

static const enum metrics_outcome outcome_by_result[VG_RESULT_COUNT] = {
    [VG_OK] = METRICS_OK,
    [VG_ERR_VALIDATION] = METRICS_VALIDATION_ERROR,
    [VG_ERR_CONFLICT] = METRICS_ALREADY_EXISTS,
    [VG_ERR_INVALID_CREDENTIALS] = METRICS_BAD_CREDENTIALS,
    [VG_ERR_INVALID_TOKEN] = METRICS_INVALID_TOKEN,
    [VG_ERR_INSUFFICIENT_AAL] = METRICS_INSUFFICIENT_AUTHENTICATION,
    [VG_ERR_WRONG_CODE] = METRICS_WRONG_CODE,
    [VG_ERR_TOO_MANY_ATTEMPTS] = METRICS_TOO_MANY_ATTEMPTS,
    [VG_ERR_VERIFY_IN_PROGRESS] = METRICS_VERIFICATION_IN_PROGRESS,
    [VG_ERR_RESEND_COOLDOWN] = METRICS_RESEND_COOLDOWN,
    [VG_ERR_RESEND_LIMIT] = METRICS_RESEND_LIMIT,
    [VG_ERR_VERIFICATION_EXPIRED] = METRICS_VERIFICATION_EXPIRED,
    [VG_ERR_INVALID_PHONE] = METRICS_PHONE_NOT_DELIVERABLE,
    [VG_ERR_SMS_RATE_LIMITED] = METRICS_SMS_RATE_LIMITED,
    [VG_ERR_RATE_LIMITED] = METRICS_RATE_LIMITED,
    [VG_ERR_SMS_BUDGET] = METRICS_SMS_BUDGET_EXHAUSTED,
    [VG_ERR_UPSTREAM] = METRICS_UPSTREAM_ERROR,
    [VG_ERR_UNAVAILABLE] = METRICS_UNAVAILABLE,
    [VG_ERR_OVERLOADED] = METRICS_OVERLOADED,
    [VG_ERR_NOT_FOUND] = METRICS_INTERNAL_ERROR,
    [VG_ERR_INTERNAL] = METRICS_INTERNAL_ERROR,
    [VG_ERR_PHONE_TAKEN] = METRICS_ALREADY_EXISTS,
    /* The account's own routes count no flow; should one, these are the nearest outcomes. */
    [VG_ERR_WRONG_PASSWORD] = METRICS_BAD_CREDENTIALS,
    [VG_ERR_REAUTH_REQUIRED] = METRICS_INSUFFICIENT_AUTHENTICATION,
    [VG_ERR_SESSION_NOT_FOUND] = METRICS_VALIDATION_ERROR,
    [VG_ERR_FACTOR_UNAVAILABLE] = METRICS_VALIDATION_ERROR,
    [VG_ERR_FACTOR_NOT_ENROLLED] = METRICS_VALIDATION_ERROR,
    [VG_ERR_FACTOR_ENROLLED] = METRICS_ALREADY_EXISTS,
    [VG_ERR_CODE_REUSED] = METRICS_WRONG_CODE,
    [VG_ERR_STEP_UP_REQUIRED] = METRICS_INSUFFICIENT_AUTHENTICATION,
};

static void add(_Atomic uint64_t *counter) {
  atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

static void observe(struct metrics_histogram *h, uint64_t ns) {
  int i = 0;
  while (i < METRICS_BUCKETS && ns > metrics_bucket_ns[i]) i++;
  add(&h->bucket[i]);
  atomic_fetch_add_explicit(&h->sum_ns, ns, memory_order_relaxed);
}

bool metrics_label_safe(const char *s) {
  for (; *s; s++)
    if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\') return false;
  return true;
}

void metrics_start(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  atomic_store(&metrics_registry.start_ms, (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
}

int metrics_route_add(const char *path) {
  struct metrics_registry *m = &metrics_registry;
  for (int i = 0; i < m->route_count; i++)
    if (strcmp(m->routes[i], path) == 0) return i;
  if (m->route_count == METRICS_ROUTES_MAX || !metrics_label_safe(path)) return METRICS_ROUTE_OTHER;
  m->routes[m->route_count] = path;
  return m->route_count++;
}

void metrics_http_request(int route, long status, uint64_t ns) {
  if (route < 0 || route >= metrics_registry.route_count) route = METRICS_ROUTE_OTHER;
  int cls = (int)(status / 100) - 2;
  if (cls < 0) cls = 0;
  if (cls >= METRICS_CODE_CLASSES) cls = METRICS_CODE_CLASSES - 1;
  add(&metrics_registry.http[route].requests[cls]);
  observe(&metrics_registry.http[route].duration, ns);
}

enum metrics_outcome metrics_outcome_of(vg_result r) {
  return r >= VG_OK && r < VG_RESULT_COUNT ? outcome_by_result[r] : METRICS_INTERNAL_ERROR;
}

void metrics_flow(enum metrics_flow flow, enum metrics_outcome outcome) {
  if (flow < METRICS_FLOW_COUNT && outcome < METRICS_OUTCOME_COUNT)
    add(&metrics_registry.flows[flow][outcome]);
}

void metrics_otp_send(enum metrics_channel channel, vg_result r) {
  if (channel < METRICS_CHANNEL_COUNT)
    add(&metrics_registry.otp_sends[channel][metrics_outcome_of(r)]);
}

void metrics_rate_limited(const char *scope) {
  for (size_t i = 0; scope && i < sizeof scope_rules / sizeof *scope_rules; i++)
    if (strcmp(scope, scope_rules[i].scope) == 0) {
      add(&metrics_registry.rate_limited[scope_rules[i].rule]);
      return;
    }
}

void metrics_twilio_call(enum metrics_twilio_endpoint endpoint, enum metrics_twilio_outcome outcome,
                         uint64_t ns) {
  if (endpoint >= METRICS_TWILIO_ENDPOINT_COUNT || outcome >= METRICS_TWILIO_OUTCOME_COUNT) return;
  add(&metrics_registry.twilio[endpoint][outcome]);
  observe(&metrics_registry.twilio_duration[endpoint], ns);
}

void metrics_hash_state(int waiting, int running) {
  atomic_store_explicit(&metrics_registry.hash_waiting, waiting, memory_order_relaxed);
  atomic_store_explicit(&metrics_registry.hash_running, running, memory_order_relaxed);
}

void metrics_hash_rejected(void) {
  add(&metrics_registry.hash_rejected);
}

void metrics_backend_error(enum metrics_backend backend) {
  if (backend < METRICS_BACKEND_COUNT) add(&metrics_registry.backend_errors[backend]);
}
