/* hooks: the /__emulator test hooks, which are not part of Twilio and need no authentication.
 *   GET  /__emulator/verifications?to=E164  latest verification for a number, with its code
 *   GET  /__emulator/requests               the request log (never codes or credentials)
 *   POST /__emulator/faults                 arm an error and/or a delay for the next calls
 *   POST /__emulator/reset                  forget verifications, faults and the request log */
#include <stdio.h>
#include <string.h>

#include "routes.h"

#define EMU_FAULT_MAX_DELAY_MS 60000
#define EMU_FAULT_MAX_COUNT 1000

static void reply_hook_error(struct _u_response *response, int status, const char *message) {
  struct emu_outcome ignored;

  emu_reply_json(response, &ignored, status, json_pack("{s:s}", "error", message));
}

static void latest_verification(struct emulator *emu, const struct _u_request *request,
                                struct _u_response *response) {
  struct emu_outcome ignored;
  const char *given = u_map_get(request->map_url, "to");
  char to[EMU_TO_MAX];
  struct emu_verification v;

  if (given == NULL || strlen(given) >= sizeof to) {
    reply_hook_error(response, 400, "query parameter to is required");
    return;
  }
  /* An unencoded '+' in a query string arrives as a space. */
  snprintf(to, sizeof to, "%s", given);
  if (to[0] == ' ') to[0] = '+';
  if (!emu_store_latest(emu->store, to, emu_clock_ms(), &v)) {
    reply_hook_error(response, 404, "no verification for this number");
    return;
  }
  emu_reply_json(
      response, &ignored, 200,
      json_pack("{s:s, s:s, s:s, s:s, s:i, s:i}", "to", v.to, "code", v.code, "status",
                emu_status_name(v.status), "sid", v.sid, "sends", v.sends, "checks", v.checks));
}

/* Reads an optional integer member within [min, max]; false when present but not such a number. */
static bool optional_int(json_t *body, const char *key, int min, int max, int *value) {
  json_t *member = json_object_get(body, key);

  if (member == NULL) return true;
  if (!json_is_integer(member) || json_integer_value(member) < min ||
      json_integer_value(member) > max)
    return false;
  *value = (int)json_integer_value(member);
  return true;
}

/* Parses {"operation","status","code","count","retry_after","delay_ms","message"}; returns NULL
 * or the reason it is not a valid fault. */
static const char *parse_fault(json_t *body, enum emu_operation *op, struct emu_fault *fault,
                               int *count) {
  const char *message = json_string_value(json_object_get(body, "message"));

  memset(fault, 0, sizeof *fault);
  fault->retry_after = -1;
  *count = 1;
  if (!emu_operation_parse(json_string_value(json_object_get(body, "operation")), op))
    return "operation must be start, check, fetch or update";
  if (!optional_int(body, "status", 400, 599, &fault->status))
    return "status must be an HTTP error status (400-599)";
  if (!optional_int(body, "code", 1, 99999, &fault->code) ||
      (fault->status != 0) != (fault->code != 0))
    return "status and code go together; code must be a Twilio error code";
  if (!optional_int(body, "count", 1, EMU_FAULT_MAX_COUNT, count))
    return "count must be from 1 to 1000";
  if (!optional_int(body, "retry_after", 0, 86400, &fault->retry_after))
    return "retry_after must be a number of seconds";
  if (!optional_int(body, "delay_ms", 0, EMU_FAULT_MAX_DELAY_MS, &fault->delay_ms))
    return "delay_ms must be from 0 to 60000";
  if (fault->status == 0 && fault->delay_ms == 0)
    return "a fault needs status and code, or delay_ms, or both";
  if (message != NULL && strlen(message) >= sizeof fault->message) return "message is too long";
  snprintf(fault->message, sizeof fault->message, "%s",
           message != NULL ? message : "Error injected by verify-emulator");
  return NULL;
}

static void arm_fault(struct emulator *emu, const struct _u_request *request,
                      struct _u_response *response) {
  json_t *body = json_loadb(request->binary_body, request->binary_body_length, 0, NULL);
  enum emu_operation op = EMU_OP_START;
  struct emu_fault fault;
  int count = 0;
  const char *problem =
      json_is_object(body) ? parse_fault(body, &op, &fault, &count) : "body must be a JSON object";

  json_decref(body);
  if (problem != NULL) {
    reply_hook_error(response, 400, problem);
    return;
  }
  emu_faults_arm(emu->faults, op, &fault, count);
  ulfius_set_empty_body_response(response, 204);
}

static void reset(struct emulator *emu, struct _u_response *response) {
  emu_store_reset(emu->store);
  emu_faults_reset(emu->faults);
  emu_reqlog_reset(emu->reqlog);
  ulfius_set_empty_body_response(response, 204);
}

static bool method_is(const struct _u_request *request, const char *method,
                      struct _u_response *response) {
  if (strcmp(request->http_verb, method) == 0) return true;
  ulfius_add_header_to_response(response, "Allow", method);
  reply_hook_error(response, 405, "method not allowed");
  return false;
}

void emu_hooks_handle(struct emulator *emu, const struct _u_request *request,
                      struct _u_response *response) {
  struct emu_outcome ignored;
  const char *hook = request->url_path + strlen("/__emulator");

  if (strcmp(hook, "/verifications") == 0) {
    if (method_is(request, "GET", response)) latest_verification(emu, request, response);
  } else if (strcmp(hook, "/requests") == 0) {
    if (method_is(request, "GET", response))
      emu_reply_json(response, &ignored, 200, emu_reqlog_to_json(emu->reqlog));
  } else if (strcmp(hook, "/faults") == 0) {
    if (method_is(request, "POST", response)) arm_fault(emu, request, response);
  } else if (strcmp(hook, "/reset") == 0) {
    if (method_is(request, "POST", response)) reset(emu, response);
  } else {
    reply_hook_error(response, 404, "no such test hook");
  }
}
