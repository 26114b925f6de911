/* metrics_registry.h: what metrics.c counts into and metrics_render.c reads; private to the two. */
#ifndef VG_METRICS_REGISTRY_H
#define VG_METRICS_REGISTRY_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "metrics.h"

/* Histogram buckets (upper bounds): 100 us to 10 s, 1-2.5-5 steps; one more for +Inf. */
#define METRICS_BUCKETS 16
extern const uint64_t metrics_bucket_ns[METRICS_BUCKETS];
extern const char *const metrics_bucket_le[METRICS_BUCKETS];

/* Each observation lands in one bucket (not cumulative: the render adds them up), so _count is
 * the sum of the buckets and always equals the +Inf bucket. */
struct metrics_histogram {
  _Atomic uint64_t bucket[METRICS_BUCKETS + 1];
  _Atomic uint64_t sum_ns;
};

/* The abuse limits, by the configuration variable that sets each (README's table). */
enum metrics_rule {
  METRICS_RULE_LOGIN_FAILS_ACCOUNT,
  METRICS_RULE_LOGIN_FAILS_IP,
  METRICS_RULE_SMS_PER_PHONE_10MIN,
  METRICS_RULE_SMS_PER_PHONE_DAY,
  METRICS_RULE_SMS_PER_IP_HOUR,
  METRICS_RULE_SMS_PER_PREFIX_HOUR,
  METRICS_RULE_SMS_MAX_PER_HOUR,
  METRICS_RULE_SIGNUPS_PER_IP_HOUR,
  METRICS_RULE_COUNT
};

/* Status classes: 2xx, 3xx, 4xx, 5xx (a 1xx is counted as 2xx; verigate sends none). */
#define METRICS_CODE_CLASSES 4

/* One route's counters, in cache lines of their own: two routes busy on two cores do not take
 * each other's lines away at every request. */
struct metrics_route {
  alignas(64) _Atomic uint64_t requests[METRICS_CODE_CLASSES];
  struct metrics_histogram duration;
};

struct metrics_registry {
  const char *routes[METRICS_ROUTES_MAX]; /* [METRICS_ROUTE_OTHER] is "other" */
  int route_count;
  struct metrics_route http[METRICS_ROUTES_MAX];
  _Atomic uint64_t flows[METRICS_FLOW_COUNT][METRICS_OUTCOME_COUNT];
  _Atomic uint64_t otp_sends[METRICS_CHANNEL_COUNT][METRICS_OUTCOME_COUNT];
  _Atomic uint64_t rate_limited[METRICS_RULE_COUNT];
  _Atomic uint64_t twilio[METRICS_TWILIO_ENDPOINT_COUNT][METRICS_TWILIO_OUTCOME_COUNT];
  struct metrics_histogram twilio_duration[METRICS_TWILIO_ENDPOINT_COUNT];
  _Atomic int64_t hash_waiting, hash_running;
  _Atomic uint64_t hash_rejected;
  _Atomic uint64_t backend_errors[METRICS_BACKEND_COUNT];
  _Atomic int64_t start_ms; /* Unix time of metrics_start, in milliseconds */
};

extern struct metrics_registry metrics_registry;

/* Label values: every one a fixed string. */
extern const char *const metrics_outcome_names[METRICS_OUTCOME_COUNT];
extern const char *const metrics_flow_ok_names[METRICS_FLOW_COUNT];
extern const char *const metrics_channel_names[METRICS_CHANNEL_COUNT];
extern const char *const metrics_rule_names[METRICS_RULE_COUNT];
extern const char *const metrics_twilio_endpoint_names[METRICS_TWILIO_ENDPOINT_COUNT];
extern const char *const metrics_twilio_outcome_names[METRICS_TWILIO_OUTCOME_COUNT];
extern const char *const metrics_backend_names[METRICS_BACKEND_COUNT];

/* Whether s may stand in a label value as it is: no quote, backslash or line break to escape
 * (the exposition format's only escapes), and printable ASCII so that it reads well. */
bool metrics_label_safe(const char *s);

#endif
