/* log.c: see log.h. yder calls the writer once per line, on the thread that logs it. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <yder.h>

#define ID_MAX 65

static _Thread_local char current_request[ID_MAX];

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

/* One write(2) per line, of a line built on the stack: no stdio lock, no buffer to flush, and
 * lines of two threads never interleave (a pipe or file write of this size is atomic). A longer
 * message is cut rather than split. */
static void write_line(void *cls, const char *app_name, const time_t date,
                       const unsigned long level, const char *message) {
  (void)cls;
  char line[1024];
  int n = current_request[0]
              ? snprintf(line, sizeof line - 1, "%s - %s %s: req=%s %s", stamp_of(date), app_name,
                         level_name(level), current_request, message)
              : snprintf(line, sizeof line - 1, "%s - %s %s: %s", stamp_of(date), app_name,
                         level_name(level), message);
  if (n < 0) return;
  size_t len = (size_t)n < sizeof line - 1 ? (size_t)n : sizeof line - 2;
  line[len++] = '\n';
  int fd = level & (Y_LOG_LEVEL_WARNING | Y_LOG_LEVEL_ERROR) ? STDERR_FILENO : STDOUT_FILENO;
  for (size_t done = 0; done < len;) {
    ssize_t w = write(fd, line + done, len - done);
    if (w <= 0) return; /* a log that cannot be written is not worth a failed request */
    done += (size_t)w;
  }
}

void vg_log_start(unsigned long level, const char *message) {
  y_init_logs("verigate", Y_LOG_MODE_CALLBACK, level, NULL, NULL);
  y_set_logs_callback(write_line, NULL, message);
}

void vg_log_request_begin(const char *request_id) {
  snprintf(current_request, sizeof current_request, "%s", request_id ? request_id : "");
}

void vg_log_request_end(void) {
  current_request[0] = '\0';
}
