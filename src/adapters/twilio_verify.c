/* twilio_verify.c: the otp_sender port over Twilio Verify v2 with libcurl.
 * This file only moves bytes and writes log lines; what an answer means is twilio_map.c's job. */
#include "adapters/twilio_verify.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <yder.h>

#include "adapters/twilio_map.h"
#include "metrics.h"

#define TV_BODY_CAP (64 * 1024) /* a Verify answer is about 1 KiB; more is not Verify talking */
#define TV_IDLE_MAX 32          /* idle handles kept; a handle beyond this is freed after use */

enum tv_op { TV_START, TV_CHECK, TV_CANCEL, TV_OP_COUNT };

typedef vg_result (*tv_map_fn)(long, const char *, size_t, const char *, struct twilio_outcome *);

static const struct {
  const char *name; /* for log lines */
  const char *path; /* under /v2/Services/{VA…}/ */
  tv_map_fn map;
  enum metrics_twilio_endpoint endpoint;
} tv_ops[TV_OP_COUNT] = {
    [TV_START] = {"start", "Verifications", twilio_map_start, METRICS_TWILIO_CREATE},
    [TV_CHECK] = {"check", "VerificationCheck", twilio_map_check, METRICS_TWILIO_CHECK},
    [TV_CANCEL] = {"cancel", "Verifications", twilio_map_cancel, /* + "/{VE…}" */
                   METRICS_TWILIO_CANCEL},
};

/* Curl handles live in a mutex-protected stack of idle ones rather than in pthread keys. A
 * request pops a handle (or makes one), uses it alone and pushes it back; the handle's connection
 * cache keeps the TLS connection to Twilio alive for the next request of any thread. With a
 * pthread key the handles would belong to threads the adapter does not own (libmicrohttpd's):
 * key destructors run only when such a thread exits, never for the main thread and never after
 * pthread_key_delete, so handles would leak or outlive curl_global_cleanup. The pool owns every
 * idle handle, destroy frees them all, and the mutex only guards a push or a pop. */
struct twilio_verify {
  char *url[TV_OP_COUNT];
  char *account_sid;
  char *auth_token;
  long connect_timeout_ms;
  long timeout_ms;
  struct curl_slist *headers; /* read-only after create, shared by every handle */
  pthread_mutex_t lock;       /* guards idle and idle_count */
  CURL *idle[TV_IDLE_MAX];
  size_t idle_count;
};

/* What one transfer brought back. */
struct tv_response {
  char *body; /* not NUL-terminated; at most TV_BODY_CAP bytes */
  size_t len;
  size_t alloc;
  char retry_after[32]; /* the Retry-After value, trimmed; "" when absent or too long */
};

/* CURLOPT_WRITEFUNCTION: appends to resp->body. Returning less than given aborts the transfer
 * (CURLE_WRITE_ERROR), which is what we want past the cap or out of memory. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
  struct tv_response *resp = userdata;
  size_t n = size * nmemb;
  if (n > TV_BODY_CAP - resp->len) return 0;
  if (resp->len + n > resp->alloc) {
    size_t alloc = resp->alloc > 0 ? resp->alloc : 2048;
    while (alloc < resp->len + n) alloc *= 2;
    if (alloc > TV_BODY_CAP) alloc = TV_BODY_CAP;
    char *body = realloc(resp->body, alloc);
    if (body == NULL) return 0;
    resp->body = body;
    resp->alloc = alloc;
  }
  memcpy(resp->body + resp->len, data, n);
  resp->len += n;
  return n;
}

/* CURLOPT_HEADERFUNCTION: keeps the Retry-After value. A header line is not NUL-terminated and
 * ends in CRLF. A status line starts a new response, so it forgets an earlier one's header. */
static size_t on_header(char *line, size_t size, size_t nmemb, void *userdata) {
  static const char name[] = "retry-after:";
  struct tv_response *resp = userdata;
  size_t n = size * nmemb;
  if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
    resp->retry_after[0] = '\0';
    return n;
  }
  if (n < sizeof name - 1 || strncasecmp(line, name, sizeof name - 1) != 0) return n;
  const char *value = line + sizeof name - 1;
  size_t len = n - (sizeof name - 1);
  while (len > 0 && isspace((unsigned char)value[0])) value++, len--;
  while (len > 0 && isspace((unsigned char)value[len - 1])) len--;
  if (len < sizeof resp->retry_after) {
    memcpy(resp->retry_after, value, len);
    resp->retry_after[len] = '\0';
  }
  return n;
}

/* A new handle with everything that is the same for every request. */
static CURL *handle_new(const struct twilio_verify *tv) {
  CURL *curl = curl_easy_init();
  if (curl == NULL) return NULL;
  /* NOSIGNAL: curl must not use SIGALRM for DNS timeouts in a threaded server. TLS peer and
   * host verification stay at curl's default, on. */
  if (curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, tv->connect_timeout_ms) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, tv->timeout_ms) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_USERNAME, tv->account_sid) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_PASSWORD, tv->auth_token) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_HTTPHEADER, tv->headers) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_USERAGENT, "verigate") != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
      curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK) {
    curl_easy_cleanup(curl);
    return NULL;
  }
  return curl;
}

static CURL *handle_checkout(struct twilio_verify *tv) {
  CURL *curl = NULL;
  pthread_mutex_lock(&tv->lock);
  if (tv->idle_count > 0) curl = tv->idle[--tv->idle_count];
  pthread_mutex_unlock(&tv->lock);
  return curl != NULL ? curl : handle_new(tv);
}

static void handle_checkin(struct twilio_verify *tv, CURL *curl) {
  if (curl == NULL) return;
  pthread_mutex_lock(&tv->lock);
  if (tv->idle_count < TV_IDLE_MAX) {
    tv->idle[tv->idle_count++] = curl;
    curl = NULL;
  }
  pthread_mutex_unlock(&tv->lock);
  curl_easy_cleanup(curl); /* a no-op for NULL: only a handle the stack had no room for */
}

/* One form parameter; a NULL or empty value leaves it out. */
struct tv_param {
  const char *key;
  const char *value;
};

#define TV_PARAMS_MAX 4

/* "k1=v1&k2=v2..." of the params that have a value, each value percent-encoded (a '+' becomes
 * %2B), or NULL when out of memory. Caller frees. */
static char *form_encode(CURL *curl, const struct tv_param *params, size_t count) {
  char *form = strdup("");
  for (size_t i = 0; form != NULL && i < count; i++) {
    if (params[i].value == NULL || params[i].value[0] == '\0') continue;
    char *value = curl_easy_escape(curl, params[i].value, 0);
    char *longer = NULL;
    if (value == NULL ||
        asprintf(&longer, "%s%s%s=%s", form, form[0] ? "&" : "", params[i].key, value) < 0)
      longer = NULL;
    curl_free(value);
    free(form);
    form = longer;
  }
  return form;
}

/* "***1234": enough of a number to tell users apart in logs, never the whole of it. */
static const char *mask_phone(const char *phone, char out[8]) {
  size_t len = strlen(phone);
  snprintf(out, 8, "***%s", len > 4 ? phone + len - 4 : "");
  return out;
}

/* One log line for an answer that someone should hear about; nothing for normal outcomes. */
static void log_outcome(enum tv_op op, const char *phone, long status, size_t len,
                        const struct twilio_outcome *o) {
  const char *name = tv_ops[op].name;
  char masked[8];
  const char *who = phone != NULL ? mask_phone(phone, masked) : "this verification";
  switch (o->fault) {
    case TWILIO_FAULT_NONE:
      break;
    case TWILIO_FAULT_CREDENTIALS:
      y_log_message(Y_LOG_LEVEL_ERROR,
                    "twilio_verify: %s: Twilio rejected the credentials (HTTP %ld, code %d): "
                    "check TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN",
                    name, status, o->twilio_code);
      break;
    case TWILIO_FAULT_SERVICE:
      y_log_message(
          Y_LOG_LEVEL_ERROR,
          "twilio_verify: %s: Twilio does not know the Verify service (HTTP %ld, code %d): "
          "check TWILIO_VERIFY_SERVICE_SID and the Twilio base URL",
          name, status, o->twilio_code);
      break;
    case TWILIO_FAULT_REQUEST:
      y_log_message(Y_LOG_LEVEL_ERROR,
                    "twilio_verify: %s: Twilio refused the request (HTTP %ld, code %d): "
                    "see https://www.twilio.com/docs/errors/%d",
                    name, status, o->twilio_code, o->twilio_code);
      break;
    case TWILIO_FAULT_SERVER:
      y_log_message(Y_LOG_LEVEL_WARNING, "twilio_verify: %s: Twilio failed (HTTP %ld, code %d)",
                    name, status, o->twilio_code);
      break;
    case TWILIO_FAULT_BODY:
      y_log_message(Y_LOG_LEVEL_WARNING,
                    "twilio_verify: %s: HTTP %ld with an unexpected body of %zu bytes", name,
                    status, len);
      break;
    case TWILIO_FAULT_RATE_LIMIT:
      y_log_message(Y_LOG_LEVEL_WARNING,
                    "twilio_verify: %s: rate-limited for %s (HTTP %ld, code %d), retry after %d s",
                    name, who, status, o->twilio_code, o->retry_after);
      break;
    case TWILIO_FAULT_CHANNEL:
      y_log_message(Y_LOG_LEVEL_ERROR,
                    "twilio_verify: %s: the delivery channel is disabled in the Verify service "
                    "(HTTP %ld, code %d): enable it there or take it out of ALLOWED_CHANNELS",
                    name, status, o->twilio_code);
      break;
    case TWILIO_FAULT_PHONE:
      y_log_message(Y_LOG_LEVEL_WARNING,
                    "twilio_verify: %s: Twilio will not send to %s (HTTP %ld, code %d)", name, who,
                    status, o->twilio_code);
      break;
  }
}

static uint64_t since_ns(const struct timespec *start) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)((now.tv_sec - start->tv_sec) * 1000000000LL + (now.tv_nsec - start->tv_nsec));
}

/* One POST of op's form (params) to op's URL, followed by "/" + sid when sid is given, and the
 * answer mapped into out. phone is only for log lines (NULL on cancel). A transfer that fails (no
 * connection, timeout, body over the cap) is VG_ERR_UPSTREAM. */
static vg_result tv_call(struct twilio_verify *tv, enum tv_op op, const char *sid,
                         const struct tv_param *params, size_t count, const char *phone,
                         struct twilio_outcome *out) {
  vg_result r = VG_ERR_INTERNAL;
  struct tv_response resp = {0};
  char errbuf[CURL_ERROR_SIZE] = "";
  char *form = NULL;
  long status = 0;
  CURL *curl = handle_checkout(tv);
  if (curl != NULL) form = form_encode(curl, params, count);
  if (form == NULL) {
    y_log_message(Y_LOG_LEVEL_ERROR, "twilio_verify: %s: out of memory", tv_ops[op].name);
    goto cleanup;
  }
  /* Only these differ between requests. They point into this frame and dangle once it returns,
   * which is harmless: every request sets them again before curl_easy_perform. */
  char url[512];
  snprintf(url, sizeof url, "%s%s%s", tv->url[op], sid ? "/" : "", sid ? sid : "");
  if (curl_easy_setopt(curl, CURLOPT_URL, url) != CURLE_OK) goto cleanup;
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &resp);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  CURLcode rc = curl_easy_perform(curl);
  uint64_t ns = since_ns(&start);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL); /* errbuf dies with this frame */
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  metrics_twilio_call(tv_ops[op].endpoint,
                      twilio_map_call(rc == CURLE_OK, rc == CURLE_OPERATION_TIMEDOUT, status), ns);
  if (rc != CURLE_OK) {
    y_log_message(Y_LOG_LEVEL_WARNING, "twilio_verify: %s: request failed: %s (%s)",
                  tv_ops[op].name, curl_easy_strerror(rc),
                  rc == CURLE_WRITE_ERROR ? "answer over 64 KiB or out of memory" : errbuf);
    r = VG_ERR_UPSTREAM;
    goto cleanup;
  }
  r = tv_ops[op].map(status, resp.body, resp.len, resp.retry_after, out);
  log_outcome(op, phone, status, resp.len, out);
cleanup:
  handle_checkin(tv, curl);
  free(form);
  free(resp.body);
  return r;
}

/* Locale and AppHash go only when given; AppHash only with sms, where Twilio appends it to the
 * message for Android's SMS Retriever. */
static vg_result tv_start(void *self, const char *phone, const struct vg_delivery *d,
                          char sid[VG_SID_MAX], int *retry_after) {
  if (self == NULL || phone == NULL || d == NULL || sid == NULL || retry_after == NULL)
    return VG_ERR_INTERNAL;
  struct twilio_outcome out = {0};
  const struct tv_param params[TV_PARAMS_MAX] = {
      {"To", phone},
      {"Channel", vg_channel_name(d->channel)},
      {"Locale", d->locale},
      {"AppHash", d->channel == VG_CHANNEL_SMS ? d->app_hash : NULL},
  };
  vg_result r = tv_call(self, TV_START, NULL, params, TV_PARAMS_MAX, phone, &out);
  static const enum metrics_channel counted[VG_CHANNEL_COUNT] = {
      [VG_CHANNEL_SMS] = METRICS_SMS, [VG_CHANNEL_CALL] = METRICS_CALL,
      [VG_CHANNEL_WHATSAPP] = METRICS_WHATSAPP};
  metrics_otp_send(d->channel < VG_CHANNEL_COUNT ? counted[d->channel] : METRICS_SMS, r);
  memcpy(sid, out.sid, VG_SID_MAX);
  *retry_after = out.retry_after;
  return r;
}

/* Checks by To rather than VerificationSid: the pending verification of the number is the one
 * whose code the user has, even if Twilio replaced an expired one since the login. */
static vg_result tv_check(void *self, const char *phone, const char *code, int *retry_after) {
  if (self == NULL || phone == NULL || code == NULL || retry_after == NULL) return VG_ERR_INTERNAL;
  struct twilio_outcome out = {0};
  const struct tv_param params[] = {{"To", phone}, {"Code", code}};
  vg_result r = tv_call(self, TV_CHECK, NULL, params, 2, phone, &out);
  *retry_after = out.retry_after;
  return r;
}

static vg_result tv_cancel(void *self, const char *sid) {
  if (self == NULL || sid == NULL || strlen(sid) != VG_SID_MAX - 1) return VG_ERR_INTERNAL;
  struct twilio_outcome out = {0};
  const struct tv_param params[] = {{"Status", "canceled"}};
  return tv_call(self, TV_CANCEL, sid, params, 1, NULL, &out);
}

/* VA + 32 hex, the only shape Twilio accepts; checked here so a typo fails at start-up. */
static bool is_service_sid(const char *s) {
  if (s == NULL || strlen(s) != 34 || strncmp(s, "VA", 2) != 0) return false;
  for (size_t i = 2; i < 34; i++)
    if (!isxdigit((unsigned char)s[i])) return false;
  return true;
}

static const char *config_problem(const struct twilio_verify_config *cfg) {
  if (cfg->base_url == NULL || cfg->base_url[0] == '\0') return "the base URL is empty";
  if (cfg->account_sid == NULL || cfg->account_sid[0] == '\0') return "the account SID is empty";
  if (cfg->auth_token == NULL || cfg->auth_token[0] == '\0') return "the auth token is empty";
  if (!is_service_sid(cfg->service_sid)) return "the service SID is not VA + 32 hex digits";
  if (cfg->connect_timeout_ms <= 0 || cfg->timeout_ms <= 0) return "a timeout is not positive";
  return NULL;
}

struct twilio_verify *twilio_verify_create(const struct twilio_verify_config *cfg) {
  if (cfg == NULL) return NULL;
  const char *problem = config_problem(cfg);
  if (problem != NULL) {
    y_log_message(Y_LOG_LEVEL_ERROR, "twilio_verify: bad configuration: %s", problem);
    return NULL;
  }
  struct twilio_verify *tv = calloc(1, sizeof *tv);
  if (tv == NULL) return NULL;
  if (pthread_mutex_init(&tv->lock, NULL) != 0) {
    free(tv);
    return NULL;
  }
  int base_len = (int)strlen(cfg->base_url);
  while (base_len > 0 && cfg->base_url[base_len - 1] == '/') base_len--;
  for (int op = 0; op < TV_OP_COUNT; op++) {
    if (asprintf(&tv->url[op], "%.*s/v2/Services/%s/%s", base_len, cfg->base_url, cfg->service_sid,
                 tv_ops[op].path) < 0) {
      tv->url[op] = NULL;
      goto fail;
    }
  }
  tv->account_sid = strdup(cfg->account_sid);
  tv->auth_token = strdup(cfg->auth_token);
  tv->connect_timeout_ms = cfg->connect_timeout_ms;
  tv->timeout_ms = cfg->timeout_ms;
  tv->headers = curl_slist_append(NULL, "Accept: application/json");
  if (tv->account_sid == NULL || tv->auth_token == NULL || tv->headers == NULL) goto fail;
  return tv;
fail:
  twilio_verify_destroy(tv);
  return NULL;
}

void twilio_verify_destroy(struct twilio_verify *tv) {
  if (tv == NULL) return;
  for (size_t i = 0; i < tv->idle_count; i++) curl_easy_cleanup(tv->idle[i]);
  curl_slist_free_all(tv->headers);
  if (tv->auth_token != NULL) explicit_bzero(tv->auth_token, strlen(tv->auth_token));
  free(tv->auth_token);
  free(tv->account_sid);
  for (int op = 0; op < TV_OP_COUNT; op++) free(tv->url[op]);
  pthread_mutex_destroy(&tv->lock);
  free(tv);
}

struct otp_sender twilio_verify_port(struct twilio_verify *tv) {
  return (struct otp_sender){.self = tv, .start = tv_start, .check = tv_check, .cancel = tv_cancel};
}
