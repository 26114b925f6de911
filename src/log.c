/* log.c: see log.h. yder calls the writer once per line, on the thread that logs it; structured
 * lines in JSON are written here directly, by the same one write(2). */
#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <yder.h>

#define ID_MAX 65
#define LINE_MAX_TEXT 1024
#define VALUE_MAX 512 /* bytes of one JSON value kept */

static _Thread_local char current_request[ID_MAX];
static enum vg_log_format format = VG_LOG_TEXT;
static unsigned long max_level = Y_LOG_LEVEL_DEBUG;

static const char *level_name(unsigned long level) {
  switch (level) {
    case Y_LOG_LEVEL_ERROR:
      return "ERROR";
    case Y_LOG_LEVEL_WARNING:
      return "WARNING";
    case Y_LOG_LEVEL_INFO:
      return "INFO";
    case Y_LOG_LEVEL_DEBUG:
      return "DEBUG";
    default:
      return "NONE";
  }
}

/* "2026-12-06T15:04:05Z", formatted once a second per thread rather than once a line. */
static const char *stamp_of(time_t date) {
  static _Thread_local time_t last = -1;
  static _Thread_local char stamp[32];
  if (date != last) {
    struct tm tm;
    gmtime_r(&date, &tm);
    strftime(stamp, sizeof stamp, "%FT%TZ", &tm);
    last = date;
  }
  return stamp;
}

/* One write(2) per line: no stdio lock, no buffer to flush, and lines of two threads never
 * interleave (a pipe or file write of this size is atomic). */
static void write_all(unsigned long level, const char *line, size_t len) {
  int fd = level & (Y_LOG_LEVEL_WARNING | Y_LOG_LEVEL_ERROR) ? STDERR_FILENO : STDOUT_FILENO;
  for (size_t done = 0; done < len;) {
    ssize_t w = write(fd, line + done, len - done);
    if (w <= 0) return; /* a log that cannot be written is not worth a failed request */
    done += (size_t)w;
  }
}

/* A JSON string of at most VALUE_MAX bytes of v; bytes that are not UTF-8 are kept as \xNN
 * text, so that any value makes a valid line. */
static json_t *json_text(const char *v) {
  size_t len = strnlen(v, VALUE_MAX);
  json_t *s = json_stringn(v, len);
  if (s) return s;
  char safe[4 * VALUE_MAX + 1];
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)v[i];
    if (ch >= 0x20 && ch < 0x7f && ch != '\\')
      safe[o++] = (char)ch;
    else
      o += (size_t)snprintf(safe + o, 5, "\\x%02x", ch);
  }
  safe[o] = '\0';
  return json_string(safe);
}

static json_t *json_number(const char *v) {
  char *end;
  double d = strtod(v, &end);
  if (end == v || *end) return json_text(v);
  return strpbrk(v, ".eE") ? json_real(d) : json_integer((json_int_t)d);
}

/* A long line, or one with DEL (0x7f), which JSON allows raw in a string and jansson writes so:
 * written as \u007f, so that every line is printable ASCII. */
static void write_expanded(unsigned long level, const json_t *o, size_t flags, size_t len) {
  char *raw = malloc(len), *line = malloc(len * 6 + 1);
  if (raw && line && json_dumpb(o, raw, len, flags) == len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
      if (raw[i] == 0x7f) {
        memcpy(line + n, "\\u007f", 6);
        n += 6;
      } else {
        line[n++] = raw[i];
      }
    line[n++] = '\n';
    write_all(level, line, n);
  }
  free(line);
  free(raw);
}

/* {"time","level","msg","req",fields...} as one line. */
static void write_json(unsigned long level, const char *message, const struct vg_log_field *fields,
                       size_t count) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  char stamp[40], level_text[8];
  struct tm tm;
  gmtime_r(&now.tv_sec, &tm);
  size_t n = strftime(stamp, sizeof stamp, "%FT%T", &tm);
  snprintf(stamp + n, sizeof stamp - n, ".%03ldZ", now.tv_nsec / 1000000);
  const char *name = level_name(level);
  for (n = 0; name[n] && n < sizeof level_text - 1; n++) level_text[n] = (char)(name[n] | 0x20);
  level_text[n] = '\0';
  json_t *o = json_object();
  json_object_set_new(o, "time", json_string(stamp)); /* set_new steals each value */
  json_object_set_new(o, "level", json_string(level_text));
  json_object_set_new(o, "msg", json_text(message));
  if (current_request[0]) json_object_set_new(o, "req", json_string(current_request));
  for (size_t i = 0; i < count; i++)
    if (fields[i].value)
      json_object_set_new(o, fields[i].key, fields[i].flags & VG_LOG_NUMBER
                                                ? json_number(fields[i].value)
                                                : json_text(fields[i].value));
  size_t flags = JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6);
  char line[4096];
  size_t len = json_dumpb(o, line, sizeof line, flags);
  if (len > 0 && len < sizeof line && !memchr(line, 0x7f, len)) {
    line[len] = '\n';
    write_all(level, line, len + 1);
  } else if (len > 0) {
    write_expanded(level, o, flags, len);
  }
  json_decref(o);
}

/* yder's writer: a text line built on the stack (a longer message is cut rather than split), or
 * a JSON one. */
static void write_line(void *cls, const char *app_name, const time_t date,
                       const unsigned long level, const char *message) {
  (void)cls;
  if (format == VG_LOG_JSON) {
    write_json(level, message, NULL, 0);
    return;
  }
  char line[LINE_MAX_TEXT];
  int n = current_request[0]
              ? snprintf(line, sizeof line - 1, "%s - %s %s: req=%s %s", stamp_of(date), app_name,
                         level_name(level), current_request, message)
              : snprintf(line, sizeof line - 1, "%s - %s %s: %s", stamp_of(date), app_name,
                         level_name(level), message);
  if (n < 0) return;
  size_t len = (size_t)n < sizeof line - 1 ? (size_t)n : sizeof line - 2;
  line[len++] = '\n';
  write_all(level, line, len);
}

void vg_log_start(unsigned long level, enum vg_log_format log_format, const char *message) {
  format = log_format;
  max_level = level;
  y_init_logs("verigate", Y_LOG_MODE_CALLBACK, level, NULL, NULL);
  y_set_logs_callback(write_line, NULL, message);
}

void vg_log_event(unsigned long level, const char *message, const struct vg_log_field *fields,
                  size_t count) {
  if (level > max_level) return;
  if (format == VG_LOG_JSON) {
    write_json(level, message, fields, count);
    return;
  }
  char text[LINE_MAX_TEXT];
  size_t len = (size_t)snprintf(text, sizeof text, "%s", message);
  for (size_t i = 0; i < count && len < sizeof text; i++)
    if (!(fields[i].flags & VG_LOG_JSON_ONLY))
      len += (size_t)snprintf(text + len, sizeof text - len, " %s=%s", fields[i].key,
                              fields[i].value ? fields[i].value : "-");
  y_log_message(level, "%s", text);
}

void vg_log_request_begin(const char *request_id) {
  snprintf(current_request, sizeof current_request, "%s", request_id ? request_id : "");
}

void vg_log_request_end(void) {
  current_request[0] = '\0';
}
