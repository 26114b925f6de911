/* reply: setting JSON responses while noting what was answered, for the request log. */
#include "reply.h"

#include <stdio.h>
#include <string.h>

#include "render.h"

void emu_printable_copy(char *out, size_t out_len, const char *text) {
  size_t i;

  if (out_len == 0) return;
  for (i = 0; text[i] != '\0' && i + 1 < out_len; i++)
    out[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
  out[i] = '\0';
}

void emu_reply_json(struct _u_response *response, struct emu_outcome *outcome, int status,
                    json_t *body) {
  if (body == NULL || ulfius_set_json_body_response(response, (unsigned int)status, body) != U_OK) {
    ulfius_set_string_body_response(response, 500, "out of memory");
    status = 500;
  }
  json_decref(body);
  outcome->status = status;
}

void emu_reply_error(struct _u_response *response, struct emu_outcome *outcome, int status,
                     int code, const char *message) {
  emu_reply_json(response, outcome, status, emu_render_error(status, code, message));
  if (outcome->status == status) outcome->twilio_code = code;
}

void emu_reply_not_found(struct _u_response *response, struct emu_outcome *outcome,
                         const char *path) {
  char shown[256];
  char message[320];

  if (strncmp(path, "/v2/", 4) == 0) path += 3;
  emu_printable_copy(shown, sizeof shown, path);
  snprintf(message, sizeof message, "The requested resource %s was not found", shown);
  emu_reply_error(response, outcome, 404, 20404, message);
}

void emu_reply_bad_method(struct _u_response *response, struct emu_outcome *outcome,
                          const char *allowed) {
  ulfius_add_header_to_response(response, "Allow", allowed);
  emu_reply_error(response, outcome, 405, 20004, "Method not allowed");
}
