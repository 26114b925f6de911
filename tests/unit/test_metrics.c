/* test_metrics.c: what /metrics says after known events: cumulative histogram buckets, status
 * classes, outcome and rule labels, and a text every label of which is a fixed, safe string. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "metrics.h"
#include "metrics_sample.h"

/* The line of series, for the sums written in full. */
static bool has_line(const char *line) {
  size_t len;
  char *text = metrics_render(&len);
  char *hit = text ? strstr(text, line) : NULL;
  bool found = hit && (hit == text || hit[-1] == '\n') && hit[strlen(line)] == '\n';
  free(text);
  return found;
}

static int count_lines(void) {
  size_t len;
  char *text = metrics_render(&len);
  int n = 0;
  for (size_t i = 0; text && i < len; i++) n += text[i] == '\n';
  free(text);
  return n;
}

static void histogram_buckets_are_cumulative_with_sum_and_count(void) {
  int route = metrics_route_add("/histogram");
  CHECK(route != METRICS_ROUTE_OTHER);
  /* 50 us and 100 us (a bound is inclusive) in the first bucket, 150 us in the second, 3 ms in
   * le=0.005, 20 s only in +Inf. */
  const uint64_t ns[] = {50000, 100000, 150000, 3000000, 20000000000ULL};
  for (size_t i = 0; i < sizeof ns / sizeof *ns; i++) metrics_http_request(route, 200, ns[i]);
  const char *h = "verigate_http_request_duration_seconds";
  char series[160];
  const struct {
    const char *le;
    double count;
  } want[] = {{"0.0001", 2}, {"0.00025", 3}, {"0.0005", 3}, {"0.0025", 3},
              {"0.005", 4},  {"1", 4},       {"10", 4},     {"+Inf", 5}};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    snprintf(series, sizeof series, "%s_bucket{route=\"/histogram\",le=\"%s\"}", h, want[i].le);
    CHECK(metrics_sample(series) == want[i].count);
  }
  snprintf(series, sizeof series, "%s_count{route=\"/histogram\"}", h);
  CHECK(metrics_sample(series) == 5);
  CHECK(has_line("verigate_http_request_duration_seconds_sum{route=\"/histogram\"} 20.003300000"));
  CHECK(metrics_sample("verigate_http_requests_total{route=\"/histogram\",code=\"2xx\"}") == 5);
}

static void requests_are_counted_by_status_class(void) {
  int route = metrics_route_add("/classes");
  const long statuses[] = {201, 204, 304, 404, 429, 503};
  for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++)
    metrics_http_request(route, statuses[i], 1000);
  CHECK(metrics_sample("verigate_http_requests_total{route=\"/classes\",code=\"2xx\"}") == 2);
  CHECK(metrics_sample("verigate_http_requests_total{route=\"/classes\",code=\"3xx\"}") == 1);
  CHECK(metrics_sample("verigate_http_requests_total{route=\"/classes\",code=\"4xx\"}") == 2);
  CHECK(metrics_sample("verigate_http_requests_total{route=\"/classes\",code=\"5xx\"}") == 1);
}

static void routes_are_a_fixed_set_and_anything_else_is_other(void) {
  int a = metrics_route_add("/same");
  CHECK(metrics_route_add("/same") == a);
  /* A path that would need escaping in a label is never one. */
  CHECK(metrics_route_add("/a\"b") == METRICS_ROUTE_OTHER);
  CHECK(metrics_route_add("/a\\b") == METRICS_ROUTE_OTHER);
  CHECK(metrics_route_add("/a\nb") == METRICS_ROUTE_OTHER);
  int lines = count_lines();
  double other = metrics_sample("verigate_http_requests_total{route=\"other\",code=\"4xx\"}");
  metrics_http_request(METRICS_ROUTE_OTHER, 404, 1000);
  metrics_http_request(9999, 404, 1000); /* no such route id: other too */
  metrics_http_request(-1, 404, 1000);
  CHECK(metrics_sample("verigate_http_requests_total{route=\"other\",code=\"4xx\"}") == other + 3);
  CHECK(count_lines() == lines);
  /* Once the table is full, new paths are other: never more series than METRICS_ROUTES_MAX. */
  static char paths[METRICS_ROUTES_MAX + 2][16]; /* a route path outlives its label */
  for (int i = 0; i < METRICS_ROUTES_MAX + 2; i++) {
    snprintf(paths[i], sizeof paths[i], "/full%d", i);
    metrics_route_add(paths[i]);
  }
  CHECK(metrics_route_add("/one-too-many") == METRICS_ROUTE_OTHER);
  CHECK(metrics_sample("verigate_http_requests_total{route=\"/one-too-many\",code=\"2xx\"}") == -1);
}

static void flows_count_by_outcome_with_their_own_success_name(void) {
  CHECK(metrics_sample("verigate_logins_total{outcome=\"bad_credentials\"}") == 0);
  CHECK(metrics_sample("verigate_logins_total{outcome=\"code_sent\"}") == 0);
  metrics_flow(METRICS_LOGIN, metrics_outcome_of(VG_ERR_INVALID_CREDENTIALS));
  metrics_flow(METRICS_LOGIN, metrics_outcome_of(VG_OK));
  metrics_flow(METRICS_VERIFY, metrics_outcome_of(VG_OK));
  metrics_flow(METRICS_REFRESH, METRICS_REUSED);
  CHECK(metrics_sample("verigate_logins_total{outcome=\"bad_credentials\"}") == 1);
  CHECK(metrics_sample("verigate_logins_total{outcome=\"code_sent\"}") == 1);
  CHECK(metrics_sample("verigate_verifications_total{outcome=\"approved\"}") == 1);
  CHECK(metrics_sample("verigate_refreshes_total{outcome=\"reused\"}") == 1);
  CHECK(metrics_sample("verigate_signups_total{outcome=\"created\"}") == 0);
  /* An outcome a flow does not expect is written only once it has counted. */
  CHECK(metrics_sample("verigate_signups_total{outcome=\"wrong_code\"}") == -1);
  metrics_flow(METRICS_SIGNUP, metrics_outcome_of(VG_ERR_WRONG_CODE));
  CHECK(metrics_sample("verigate_signups_total{outcome=\"wrong_code\"}") == 1);
  /* Two results that mean the same to an operator are one outcome. */
  CHECK(metrics_outcome_of(VG_ERR_NOT_FOUND) == metrics_outcome_of(VG_ERR_INTERNAL));
  for (int r = VG_OK + 1; r < VG_RESULT_COUNT; r++) CHECK(metrics_outcome_of(r) != METRICS_OK);
  CHECK(metrics_outcome_of((vg_result)VG_RESULT_COUNT) == METRICS_INTERNAL_ERROR);
}

static void sends_limits_twilio_hashes_and_backends_are_counted(void) {
  metrics_otp_send(METRICS_SMS, VG_OK);
  metrics_otp_send(METRICS_SMS, VG_ERR_UPSTREAM);
  CHECK(metrics_sample("verigate_otp_sends_total{channel=\"sms\",outcome=\"sent\"}") == 1);
  CHECK(metrics_sample("verigate_otp_sends_total{channel=\"sms\",outcome=\"upstream_error\"}") ==
        1);
  /* The lock and the per-account counter are one rule; an unknown scope counts nowhere. */
  int lines = count_lines();
  metrics_rate_limited("login-lock");
  metrics_rate_limited("login-fail-account");
  metrics_rate_limited("sms-phone-10min");
  metrics_rate_limited("no-such-scope");
  metrics_rate_limited(NULL);
  CHECK(metrics_sample("verigate_rate_limited_total{rule=\"login_fails_account\"}") == 2);
  CHECK(metrics_sample("verigate_rate_limited_total{rule=\"sms_per_phone_10min\"}") == 1);
  CHECK(metrics_sample("verigate_rate_limited_total{rule=\"signups_per_ip_hour\"}") == 0);
  CHECK(count_lines() == lines);
  metrics_twilio_call(METRICS_TWILIO_CHECK, METRICS_TWILIO_TIMEOUT, 5000000000ULL);
  CHECK(
      metrics_sample(
          "verigate_twilio_requests_total{endpoint=\"verification_check\",outcome=\"timeout\"}") ==
      1);
  CHECK(metrics_sample(
            "verigate_twilio_request_duration_seconds_bucket{endpoint=\"verification_check\","
            "le=\"2.5\"}") == 0);
  CHECK(metrics_sample(
            "verigate_twilio_request_duration_seconds_bucket{endpoint=\"verification_check\","
            "le=\"5\"}") == 1);
  metrics_hash_state(3, 2);
  metrics_hash_rejected();
  CHECK(metrics_sample("verigate_hash_queue_depth") == 3);
  CHECK(metrics_sample("verigate_hash_in_flight") == 2);
  CHECK(metrics_sample("verigate_hash_rejected_total") == 1);
  metrics_backend_error(METRICS_REDIS);
  CHECK(metrics_sample("verigate_backend_errors_total{backend=\"redis\"}") == 1);
  CHECK(metrics_sample("verigate_backend_errors_total{backend=\"mongodb\"}") == 0);
}

static void build_info_and_process_start_are_written(void) {
  metrics_start();
  CHECK(has_line("# TYPE verigate_build_info gauge"));
  size_t len;
  char *text = metrics_render(&len);
  CHECK(text && strstr(text, "verigate_build_info{version=\"" VG_TEST_VERSION "\",commit=\""));
  free(text);
  CHECK(metrics_sample("process_start_time_seconds") > 1.7e9);
  CHECK(metrics_sample("process_open_fds") > 0);
}

/* Checks one sample line: name{label="value",...} number, every value free of quotes,
 * backslashes and control characters, so that nothing in it needed escaping. */
static bool sample_is_plain(const char *line, size_t len) {
  const char *brace = memchr(line, '{', len);
  if (!brace) return memchr(line, ' ', len) != NULL;
  const char *p = brace + 1;
  while (p < line + len && *p != '}') {
    const char *eq = memchr(p, '=', (size_t)(line + len - p));
    if (!eq || eq[1] != '"') return false;
    const char *v = eq + 2, *close = memchr(v, '"', (size_t)(line + len - v));
    if (!close) return false;
    for (const char *c = v; c < close; c++)
      if (*c == '\\' || *c < 0x20 || *c > 0x7e) return false;
    p = close + 1;
    if (*p == ',') p++;
  }
  return p < line + len && p[1] == ' ';
}

static void every_sample_has_a_family_and_plain_labels_and_none_repeats(void) {
  size_t len;
  char *text = metrics_render(&len);
  CHECK(text && len == strlen(text) && text[len - 1] == '\n');
  int lines = 0, typed = 0, bad = 0, repeated = 0;
  char family[128] = "";
  for (char *line = text; line && *line;) {
    char *end = strchr(line, '\n');
    size_t n = (size_t)(end - line);
    lines++;
    if (strncmp(line, "# TYPE ", 7) == 0) {
      sscanf(line + 7, "%127s", family);
      typed++;
    } else if (line[0] != '#') {
      /* A sample belongs to the family typed last: its name, or the name plus a histogram's
       * _bucket, _sum or _count. */
      size_t f = strlen(family);
      bool ok = strncmp(line, family, f) == 0 && strchr("{ _", line[f]) && sample_is_plain(line, n);
      if (!ok) fprintf(stderr, "  not a plain sample of %s: %.*s\n", family, (int)n, line);
      bad += !ok;
      /* The same series twice would be refused by Prometheus. */
      const char *space = memrchr(line, ' ', n);
      for (char *other = end + 1; *other;) {
        char *other_end = strchr(other, '\n');
        if (other[0] != '#' && strncmp(other, line, (size_t)(space - line + 1)) == 0) {
          fprintf(stderr, "  repeated: %.*s\n", (int)n, line);
          repeated++;
        }
        other = other_end + 1;
      }
    }
    line = end + 1;
  }
  CHECK(lines > 100);
  CHECK(typed >= 20);
  CHECK(bad == 0);
  CHECK(repeated == 0);
  free(text);
}

int main(void) {
  RUN(histogram_buckets_are_cumulative_with_sum_and_count);
  RUN(requests_are_counted_by_status_class);
  RUN(flows_count_by_outcome_with_their_own_success_name);
  RUN(sends_limits_twilio_hashes_and_backends_are_counted);
  RUN(build_info_and_process_start_are_written);
  RUN(routes_are_a_fixed_set_and_anything_else_is_other);
  RUN(every_sample_has_a_family_and_plain_labels_and_none_repeats);
  return check_done();
}
