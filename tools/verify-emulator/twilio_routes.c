/* twilio_routes: the Verify v2 endpoints, /v2/Services/{VA}/Verifications[/{Sid}] and
 * /v2/Services/{VA}/VerificationCheck, plus Fetch Service (TWILIO_VERIFY.md §2, §4). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "faults.h"
#include "outbox.h"
#include "render.h"
#include "routes.h"
#include "validate.h"

#define EMU_MAX_SEGMENTS 5

struct call {
  struct emulator *emu;
  const struct _u_request *request;
  struct _u_response *response;
  struct emu_outcome *outcome;
};

static const char *param(const struct call *c, const char *name) {
  return u_map_get(c->request->map_post_body, name);
}

static void invalid_parameter(const struct call *c, const char *name) {
  char message[64];

  snprintf(message, sizeof message, "Invalid parameter: %s", name);
  emu_reply_error(c->response, c->outcome, 400, 60200, message);
}

/* Applies an armed fault: waits its delay, then answers its error if it has one. True: answered. */
static bool answer_fault(const struct call *c, enum emu_operation op) {
  struct emu_fault fault;
  char retry_after[16];

  if (!emu_faults_take(c->emu->faults, op, &fault)) return false;
  if (fault.delay_ms > 0) {
    struct timespec pause = {fault.delay_ms / 1000, (long)(fault.delay_ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
  }
  if (fault.status == 0) return false;
  if (fault.retry_after >= 0) {
    snprintf(retry_after, sizeof retry_after, "%d", fault.retry_after);
    ulfius_add_header_to_response(c->response, "Retry-After", retry_after);
  }
  emu_reply_error(c->response, c->outcome, fault.status, fault.code, fault.message);
  return true;
}

static bool valid_recipient(const char *to, const char *channel) {
  return channel != NULL && strcmp(channel, "email") == 0 ? emu_valid_email(to)
                                                          : emu_valid_e164(to);
}

static void start_verification(const struct call *c, const char *unused) {
  const char *to = param(c, "To");
  const char *channel = emu_channel_resolve(param(c, "Channel"));
  struct emu_verification v;

  (void)unused;
  if (answer_fault(c, EMU_OP_START)) return;
  if (!valid_recipient(to, param(c, "Channel"))) {
    invalid_parameter(c, "To");
    return;
  }
  if (channel == NULL) {
    invalid_parameter(c, "Channel");
    return;
  }
  switch (emu_store_start(c->emu->store, to, channel, emu_clock_ms(), &v)) {
    case EMU_STORE_OK:
      emu_outbox_deliver(channel, v.to, v.code, param(c, "AppHash"));
      emu_reply_json(c->response, c->outcome, 201, emu_render_verification(c->emu->config, &v));
      return;
    case EMU_STORE_MAX_SENDS:
      emu_reply_error(c->response, c->outcome, 429, 60203, "Max send attempts reached");
      return;
    default:
      emu_reply_error(c->response, c->outcome, 500, 20500, "Internal Server Error");
  }
}

static void fetch_service(const struct call *c, const char *unused) {
  (void)unused;
  emu_reply_json(c->response, c->outcome, 200, emu_render_service(c->emu->config, c->emu->started));
}

static void fetch_verification(const struct call *c, const char *sid) {
  struct emu_verification v;

  if (answer_fault(c, EMU_OP_FETCH)) return;
  if (emu_store_fetch(c->emu->store, sid, emu_clock_ms(), &v) == EMU_STORE_OK)
    emu_reply_json(c->response, c->outcome, 200, emu_render_verification(c->emu->config, &v));
  else
    emu_reply_not_found(c->response, c->outcome, c->request->url_path);
}

static void update_verification(const struct call *c, const char *sid) {
  const char *status = param(c, "Status");
  enum emu_status target;
  struct emu_verification v;

  if (answer_fault(c, EMU_OP_UPDATE)) return;
  if (status != NULL && strcmp(status, "canceled") == 0)
    target = EMU_STATUS_CANCELED;
  else if (status != NULL && strcmp(status, "approved") == 0)
    target = EMU_STATUS_APPROVED;
  else {
    invalid_parameter(c, "Status");
    return;
  }
  if (emu_store_update(c->emu->store, sid, target, emu_clock_ms(), &v) == EMU_STORE_OK)
    emu_reply_json(c->response, c->outcome, 200, emu_render_verification(c->emu->config, &v));
  else
    emu_reply_not_found(c->response, c->outcome, c->request->url_path);
}

static void check_code(const struct call *c, const char *unused) {
  const char *code = param(c, "Code");
  const char *to = param(c, "To");
  const char *sid = param(c, "VerificationSid");
  struct emu_verification v;

  (void)unused;
  if (answer_fault(c, EMU_OP_CHECK)) return;
  if (!emu_valid_code(code)) {
    invalid_parameter(c, "Code");
    return;
  }
  if (sid != NULL && !emu_valid_sid(sid, "VE")) {
    invalid_parameter(c, "VerificationSid");
    return;
  }
  /* One of To and VerificationSid is required; Twilio names To when both are missing. */
  if ((to == NULL && sid == NULL) || (to != NULL && !emu_valid_e164(to) && !emu_valid_email(to))) {
    invalid_parameter(c, "To");
    return;
  }
  switch (emu_store_check(c->emu->store, to, sid, code, emu_clock_ms(), &v)) {
    case EMU_STORE_OK:
      emu_reply_json(c->response, c->outcome, 200, emu_render_check(c->emu->config, &v));
      return;
    case EMU_STORE_MAX_CHECKS:
      emu_reply_error(c->response, c->outcome, 429, 60202, "Max check attempts reached");
      return;
    default:
      emu_reply_not_found(c->response, c->outcome, c->request->url_path);
  }
}

/* Splits the path after "/v2/" at '/' into buf; empty segments are kept so they never match. */
static int split_path(const char *path, char *buf, size_t buf_len,
                      char *segments[EMU_MAX_SEGMENTS]) {
  int count = 0;
  char *cursor = buf;

  if (snprintf(buf, buf_len, "%s", path) >= (int)buf_len) return 0;
  while (count < EMU_MAX_SEGMENTS) {
    segments[count++] = cursor;
    cursor = strchr(cursor, '/');
    if (cursor == NULL) return count;
    *cursor++ = '\0';
  }
  return 0;
}

typedef void (*handler)(const struct call *c, const char *sid);

/* Runs the handler for the request's method, or answers 405 listing allowed. */
static void serve(const struct call *c, handler on_get, handler on_post, const char *allowed,
                  const char *sid) {
  const char *method = c->request->http_verb;

  if (on_get != NULL && strcmp(method, "GET") == 0)
    on_get(c, sid);
  else if (on_post != NULL && strcmp(method, "POST") == 0)
    on_post(c, sid);
  else
    emu_reply_bad_method(c->response, c->outcome, allowed);
}

/* Routes the segments after /v2/Services/{VA}; false when no resource lives there. */
static bool route(const struct call *c, char *seg[], int n) {
  if (n == 2)
    serve(c, fetch_service, NULL, "GET", NULL);
  else if (n == 3 && strcmp(seg[2], "Verifications") == 0)
    serve(c, NULL, start_verification, "POST", NULL);
  else if (n == 3 && strcmp(seg[2], "VerificationCheck") == 0)
    serve(c, NULL, check_code, "POST", NULL);
  else if (n == 4 && strcmp(seg[2], "Verifications") == 0 && seg[3][0] != '\0')
    serve(c, fetch_verification, update_verification, "GET, POST", seg[3]);
  else
    return false;
  return true;
}

void emu_twilio_handle(struct emulator *emu, const struct _u_request *request,
                       struct _u_response *response, struct emu_outcome *outcome) {
  const struct call c = {emu, request, response, outcome};
  char buf[256];
  char *seg[EMU_MAX_SEGMENTS];
  const char *path = request->url_path;
  int n = split_path(strncmp(path, "/v2/", 4) == 0 ? path + 4 : "", buf, sizeof buf, seg);

  /* Only the configured service exists; any other VA... SID is an unknown resource. */
  if (n < 2 || strcmp(seg[0], "Services") != 0 || !emu_valid_sid(seg[1], "VA") ||
      strcmp(seg[1], emu->config->service_sid) != 0 || !route(&c, seg, n))
    emu_reply_not_found(response, outcome, path);
}
