/* log.h: verigate's log lines, by default in yder's console format ("<UTC date> - verigate LEVEL: message";
 * warnings and errors on stderr, the rest on stdout), with "req=<id> " before the message of every
 * line logged on a thread while it answers a request, whichever layer logs it: an adapter's
 * warning about Twilio, Redis or MongoDB names the request that met it. */
#ifndef VG_LOG_H
#define VG_LOG_H

#include <stddef.h>

/* LOG_FORMAT: text lines as above for a terminal, or one JSON object per line for a log
 * pipeline: {"time" (RFC 3339, UTC, milliseconds), "level", "msg", "req" (in a request), and the
 * fields of a structured line as members}, escaped as JSON strings, all in ASCII. */
enum vg_log_format { VG_LOG_TEXT, VG_LOG_JSON };

/* Starts yder at level (Y_LOG_LEVEL_*) with verigate's writer; message is the first line. */
void vg_log_start(unsigned long level, enum vg_log_format format, const char *message);

#define VG_LOG_NUMBER 1u    /* the value is a number: bare in JSON */
#define VG_LOG_JSON_ONLY 2u /* left out of the text line, whose message already says it */

/* One field of a structured line. */
struct vg_log_field {
  const char *key;
  const char *value; /* NULL: "-" in text, left out of JSON */
  unsigned flags;
};

/* A structured line at level: in text "message key=value key=value" (the values are the
 * caller's to make safe there), in JSON each field a member (any bytes, escaped; at most 512
 * bytes of each value are kept). Callers never pass secrets, codes, tokens or whole phone
 * numbers. */
void vg_log_event(unsigned long level, const char *message, const struct vg_log_field *fields,
                  size_t count);

/* From here to vg_log_request_end, this thread's lines carry request_id (copied; at most 64
 * characters are kept). */
void vg_log_request_begin(const char *request_id);
void vg_log_request_end(void);

#endif
