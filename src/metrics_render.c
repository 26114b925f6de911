/* metrics_render.c: the registry of metrics.c in Prometheus's text exposition format 0.0.4: each
 * family's HELP and TYPE lines, then its samples; a histogram's buckets cumulative up to +Inf,
 * then _sum and _count. Every series that can occur is written, at 0 until it counts, so that a
 * rate() or an alert sees it from the start; the outcome counters write the outcomes their flow
 * can have, and any other once it has counted. */
#include "metrics_registry.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "version.h"

#define BIT(o) (1u << (o))

/* The outcomes each flow writes at 0. */
static const struct {
  const char *name;
  const char *help;
  unsigned outcomes;
} flows[METRICS_FLOW_COUNT] = {
    [METRICS_SIGNUP] = {"verigate_signups_total", "Signups by outcome.",
                        BIT(METRICS_OK) | BIT(METRICS_VALIDATION_ERROR) |
                            BIT(METRICS_ALREADY_EXISTS) | BIT(METRICS_PHONE_NOT_DELIVERABLE) |
                            BIT(METRICS_RATE_LIMITED) | BIT(METRICS_UNAVAILABLE) |
                            BIT(METRICS_OVERLOADED) | BIT(METRICS_INTERNAL_ERROR)},
    [METRICS_LOGIN] = {"verigate_logins_total", "Password steps (POST /login) by outcome.",
                       BIT(METRICS_OK) | BIT(METRICS_VALIDATION_ERROR) |
                           BIT(METRICS_BAD_CREDENTIALS) | BIT(METRICS_RATE_LIMITED) |
                           BIT(METRICS_SMS_RATE_LIMITED) | BIT(METRICS_SMS_BUDGET_EXHAUSTED) |
                           BIT(METRICS_PHONE_NOT_DELIVERABLE) | BIT(METRICS_UPSTREAM_ERROR) |
                           BIT(METRICS_UNAVAILABLE) | BIT(METRICS_OVERLOADED) |
                           BIT(METRICS_INTERNAL_ERROR)},
    [METRICS_RESEND] = {"verigate_resends_total", "Resends (POST /resend) by outcome.",
                        BIT(METRICS_OK) | BIT(METRICS_INVALID_TOKEN) |
                            BIT(METRICS_RESEND_COOLDOWN) | BIT(METRICS_RESEND_LIMIT) |
                            BIT(METRICS_PHONE_NOT_DELIVERABLE) | BIT(METRICS_SMS_RATE_LIMITED) |
                            BIT(METRICS_SMS_BUDGET_EXHAUSTED) | BIT(METRICS_UPSTREAM_ERROR) |
                            BIT(METRICS_UNAVAILABLE) | BIT(METRICS_INTERNAL_ERROR)},
    [METRICS_VERIFY] = {"verigate_verifications_total", "Code checks (POST /verify) by outcome.",
                        BIT(METRICS_OK) | BIT(METRICS_VALIDATION_ERROR) |
                            BIT(METRICS_INVALID_TOKEN) | BIT(METRICS_WRONG_CODE) |
                            BIT(METRICS_TOO_MANY_ATTEMPTS) | BIT(METRICS_VERIFICATION_IN_PROGRESS) |
                            BIT(METRICS_VERIFICATION_EXPIRED) | BIT(METRICS_SMS_RATE_LIMITED) |
                            BIT(METRICS_UPSTREAM_ERROR) | BIT(METRICS_UNAVAILABLE) |
                            BIT(METRICS_INTERNAL_ERROR)},
    [METRICS_REFRESH] = {"verigate_refreshes_total", "Token refreshes by outcome.",
                         BIT(METRICS_OK) | BIT(METRICS_VALIDATION_ERROR) |
                             BIT(METRICS_INVALID_TOKEN) | BIT(METRICS_REUSED) |
                             BIT(METRICS_UNAVAILABLE) | BIT(METRICS_INTERNAL_ERROR)},
};

static const unsigned send_outcomes = BIT(METRICS_OK) | BIT(METRICS_PHONE_NOT_DELIVERABLE) |
                                      BIT(METRICS_SMS_RATE_LIMITED) | BIT(METRICS_UPSTREAM_ERROR);

static uint64_t get(_Atomic uint64_t *counter) {
  return atomic_load_explicit(counter, memory_order_relaxed);
}

static void family(FILE *f, const char *name, const char *type, const char *help) {
  fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A histogram's samples for one label: cumulative buckets, +Inf, _sum (seconds), _count. */
static void histogram(FILE *f, const char *name, const char *label, const char *value,
                      struct metrics_histogram *h) {
  uint64_t total = 0;
  for (int i = 0; i <= METRICS_BUCKETS; i++) {
    total += get(&h->bucket[i]);
    fprintf(f, "%s_bucket{%s=\"%s\",le=\"%s\"} %" PRIu64 "\n", name, label, value,
            i < METRICS_BUCKETS ? metrics_bucket_le[i] : "+Inf", total);
  }
  uint64_t ns = get(&h->sum_ns);
  fprintf(f, "%s_sum{%s=\"%s\"} %" PRIu64 ".%09" PRIu64 "\n", name, label, value, ns / 1000000000,
          ns % 1000000000);
  fprintf(f, "%s_count{%s=\"%s\"} %" PRIu64 "\n", name, label, value, total);
}

static void render_http(FILE *f, struct metrics_registry *m) {
  static const char *const classes[METRICS_CODE_CLASSES] = {"2xx", "3xx", "4xx", "5xx"};
  family(
      f, "verigate_http_requests_total", "counter",
      "HTTP requests answered, by route (a path of the route table, or other) and status class.");
  for (int r = 0; r < m->route_count; r++)
    for (int c = 0; c < METRICS_CODE_CLASSES; c++)
      fprintf(f, "verigate_http_requests_total{route=\"%s\",code=\"%s\"} %" PRIu64 "\n",
              m->routes[r], classes[c], get(&m->http[r].requests[c]));
  family(f, "verigate_http_request_duration_seconds", "histogram",
         "Time from a request's first callback until its answer is ready to send, by route.");
  for (int r = 0; r < m->route_count; r++)
    histogram(f, "verigate_http_request_duration_seconds", "route", m->routes[r],
              &m->http[r].duration);
}

static void render_flows(FILE *f, struct metrics_registry *m) {
  for (int fl = 0; fl < METRICS_FLOW_COUNT; fl++) {
    family(f, flows[fl].name, "counter", flows[fl].help);
    for (int o = 0; o < METRICS_OUTCOME_COUNT; o++) {
      uint64_t n = get(&m->flows[fl][o]);
      if (n || (flows[fl].outcomes & BIT(o)))
        fprintf(f, "%s{outcome=\"%s\"} %" PRIu64 "\n", flows[fl].name,
                o == METRICS_OK ? metrics_flow_ok_names[fl] : metrics_outcome_names[o], n);
    }
  }
  family(f, "verigate_otp_sends_total", "counter",
         "Codes handed to the provider to send, by channel and outcome.");
  for (int c = 0; c < METRICS_CHANNEL_COUNT; c++)
    for (int o = 0; o < METRICS_OUTCOME_COUNT; o++) {
      uint64_t n = get(&m->otp_sends[c][o]);
      if (n || (send_outcomes & BIT(o)))
        fprintf(f, "verigate_otp_sends_total{channel=\"%s\",outcome=\"%s\"} %" PRIu64 "\n",
                metrics_channel_names[c], o == METRICS_OK ? "sent" : metrics_outcome_names[o], n);
    }
  family(f, "verigate_rate_limited_total", "counter",
         "Requests refused by an abuse limit, by the rule that refused them.");
  for (int r = 0; r < METRICS_RULE_COUNT; r++)
    fprintf(f, "verigate_rate_limited_total{rule=\"%s\"} %" PRIu64 "\n", metrics_rule_names[r],
            get(&m->rate_limited[r]));
}

static void render_upstreams(FILE *f, struct metrics_registry *m) {
  family(f, "verigate_twilio_requests_total", "counter",
         "Calls to Twilio Verify, by endpoint and outcome.");
  for (int e = 0; e < METRICS_TWILIO_ENDPOINT_COUNT; e++)
    for (int o = 0; o < METRICS_TWILIO_OUTCOME_COUNT; o++)
      fprintf(f, "verigate_twilio_requests_total{endpoint=\"%s\",outcome=\"%s\"} %" PRIu64 "\n",
              metrics_twilio_endpoint_names[e], metrics_twilio_outcome_names[o],
              get(&m->twilio[e][o]));
  family(f, "verigate_twilio_request_duration_seconds", "histogram",
         "Time of a call to Twilio Verify, answered or not, by endpoint.");
  for (int e = 0; e < METRICS_TWILIO_ENDPOINT_COUNT; e++)
    histogram(f, "verigate_twilio_request_duration_seconds", "endpoint",
              metrics_twilio_endpoint_names[e], &m->twilio_duration[e]);
  family(f, "verigate_hash_queue_depth", "gauge", "Password hashes waiting for a hashing slot.");
  fprintf(f, "verigate_hash_queue_depth %" PRId64 "\n", atomic_load(&m->hash_waiting));
  family(f, "verigate_hash_in_flight", "gauge", "Password hashes running.");
  fprintf(f, "verigate_hash_in_flight %" PRId64 "\n", atomic_load(&m->hash_running));
  family(f, "verigate_hash_rejected_total", "counter",
         "Password hashes refused at once (HASH_QUEUE full, or the wait ran out): 503 overloaded.");
  fprintf(f, "verigate_hash_rejected_total %" PRIu64 "\n", get(&m->hash_rejected));
  family(f, "verigate_backend_errors_total", "counter",
         "Failed calls to MongoDB or Redis (no connection, timeout, error reply).");
  for (int b = 0; b < METRICS_BACKEND_COUNT; b++)
    fprintf(f, "verigate_backend_errors_total{backend=\"%s\"} %" PRIu64 "\n",
            metrics_backend_names[b], get(&m->backend_errors[b]));
}

/* Open file descriptors: the entries of /proc/self/fd but the one reading it; -1 when unknown. */
static long open_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  long n = 0;
  for (struct dirent *e; (e = readdir(d));)
    if (e->d_name[0] != '.') n++;
  closedir(d);
  return n - 1;
}

static void render_process(FILE *f, struct metrics_registry *m) {
  family(f, "verigate_build_info", "gauge", "verigate's version and the commit it was built from.");
  fprintf(f, "verigate_build_info{version=\"%s\",commit=\"%s\"} 1\n", VG_VERSION, VG_COMMIT);
  int64_t start_ms = atomic_load(&m->start_ms);
  family(f, "process_start_time_seconds", "gauge",
         "Start time of the process since the Unix epoch.");
  fprintf(f, "process_start_time_seconds %" PRId64 ".%03" PRId64 "\n", start_ms / 1000,
          start_ms % 1000);
  struct timespec cpu;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0) {
    family(f, "process_cpu_seconds_total", "counter", "User and system CPU time spent.");
    fprintf(f, "process_cpu_seconds_total %lld.%09ld\n", (long long)cpu.tv_sec, cpu.tv_nsec);
  }
  long pages = 0;
  FILE *statm = fopen("/proc/self/statm", "r");
  if (statm && fscanf(statm, "%*s %ld", &pages) == 1) {
    family(f, "process_resident_memory_bytes", "gauge", "Resident memory size.");
    fprintf(f, "process_resident_memory_bytes %lld\n", (long long)pages * sysconf(_SC_PAGESIZE));
  }
  if (statm) fclose(statm);
  long fds = open_fds();
  struct rlimit lim;
  if (fds >= 0 && getrlimit(RLIMIT_NOFILE, &lim) == 0) {
    family(f, "process_open_fds", "gauge", "Open file descriptors (each connection holds one).");
    fprintf(f, "process_open_fds %ld\n", fds);
    family(f, "process_max_fds", "gauge", "The limit of open file descriptors.");
    fprintf(f, "process_max_fds %llu\n", (unsigned long long)lim.rlim_cur);
  }
}

char *metrics_render(size_t *len) {
  char *text = NULL;
  *len = 0;
  FILE *f = open_memstream(&text, len);
  if (!f) return NULL;
  struct metrics_registry *m = &metrics_registry;
  render_process(f, m);
  render_http(f, m);
  render_flows(f, m);
  render_upstreams(f, m);
  if (ferror(f)) {
    fclose(f);
    free(text);
    return NULL;
  }
  if (fclose(f) != 0) {
    free(text);
    return NULL;
  }
  return text;
}
