/* dispatch: the one ulfius endpoint. It sends /__emulator to the test hooks, authenticates /v2 the
 * way Twilio does, answers 404/20404 elsewhere, and records every non-hook request in the log. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "emulator.h"
#include "ids.h"
#include "render.h"
#include "routes.h"

static bool under(const char *path, const char *prefix) {
  size_t len = strlen(prefix);

  return strncmp(path, prefix, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

/* Compares secrets in constant time, as a real credential check would. */
static bool same_secret(const char *given, const char *expected) {
  size_t len = strlen(expected);

  return given != NULL && strlen(given) == len && sodium_memcmp(given, expected, len) == 0;
}

static bool authorized(const struct emu_config *config, const struct _u_request *request) {
  return same_secret(request->auth_basic_user, config->account_sid) &&
         same_secret(request->auth_basic_password, config->auth_token);
}

static void reply_unauthorized(struct _u_response *response, struct emu_outcome *outcome) {
  json_t *body = emu_render_error(401, 20003, "Authenticate");

  /* json_object_set_new steals the string. */
  if (body != NULL &&
      json_object_set_new(body, "detail",
                          json_string("Your AccountSid or AuthToken was incorrect.")) != 0) {
    json_decref(body);
    body = NULL;
  }
  ulfius_add_header_to_response(response, "WWW-Authenticate", "Basic realm=\"Twilio API\"");
  emu_reply_json(response, outcome, 401, body);
  if (outcome->status == 401) outcome->twilio_code = 20003;
}

/* Copies the form parameter name, when the request has it, into out. */
static void copy_param(const struct _u_request *request, const char *name, char *out, size_t len) {
  const char *value = u_map_get(request->map_post_body, name);

  if (value != NULL) emu_printable_copy(out, len, value);
}

static void record(struct emu_reqlog *log, const struct _u_request *request,
                   const struct emu_outcome *outcome) {
  struct emu_request_record r;

  memset(&r, 0, sizeof r);
  emu_printable_copy(r.method, sizeof r.method, request->http_verb);
  emu_printable_copy(r.path, sizeof r.path, request->url_path);
  copy_param(request, "To", r.to, sizeof r.to);
  copy_param(request, "Channel", r.channel, sizeof r.channel);
  copy_param(request, "Locale", r.locale, sizeof r.locale);
  copy_param(request, "AppHash", r.app_hash, sizeof r.app_hash);
  r.code_present = u_map_get(request->map_post_body, "Code") != NULL;
  r.status = outcome->status;
  r.twilio_code = outcome->twilio_code;
  emu_reqlog_add(log, &r);
}

int emu_dispatch(const struct _u_request *request, struct _u_response *response, void *user_data) {
  struct emulator *emu = user_data;
  struct emu_outcome outcome = {0, 0};
  char request_id[EMU_SID_LEN + 1];

  if (under(request->url_path, "/__emulator")) {
    emu_hooks_handle(emu, request, response);
    return U_CALLBACK_COMPLETE;
  }
  if (!under(request->url_path, "/v2")) {
    emu_reply_not_found(response, &outcome, request->url_path);
  } else {
    emu_ids_sid("RQ", request_id);
    ulfius_add_header_to_response(response, "Twilio-Request-Id", request_id);
    if (authorized(emu->config, request))
      emu_twilio_handle(emu, request, response, &outcome);
    else
      reply_unauthorized(response, &outcome);
  }
  record(emu->reqlog, request, &outcome);
  return U_CALLBACK_COMPLETE;
}
