/* reply: setting JSON responses while noting what was answered, for the request log. */
#ifndef EMU_REPLY_H
#define EMU_REPLY_H

#include <jansson.h>
#include <stddef.h>
#include <ulfius.h>

/* What a request was answered with: the HTTP status and the Twilio error code (0 for none). */
struct emu_outcome {
  int status;
  int twilio_code;
};

/* Copies text into out (truncated to out_len - 1), with every byte outside printable ASCII
 * replaced by '?', so request paths can go into JSON and logs whatever a client sent. */
void emu_printable_copy(char *out, size_t out_len, const char *text);

/* Answers status with body, or 500 when body is NULL. Steals the reference to body. */
void emu_reply_json(struct _u_response *response, struct emu_outcome *outcome, int status,
                    json_t *body);

/* Answers a Twilio error body {"code","message","more_info","status"}. */
void emu_reply_error(struct _u_response *response, struct emu_outcome *outcome, int status,
                     int code, const char *message);

/* Answers 404/20404 the way Twilio words it: "The requested resource <path> was not found", with
 * path as requested but without the /v2 version prefix. */
void emu_reply_not_found(struct _u_response *response, struct emu_outcome *outcome,
                         const char *path);

/* Answers 405/20004 and lists the allowed methods in an Allow header. */
void emu_reply_bad_method(struct _u_response *response, struct emu_outcome *outcome,
                          const char *allowed);

#endif
