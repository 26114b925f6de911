/* log.c: see log.h. yder calls the writer once per line, on the thread that logs it. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

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

static void write_line(void *cls, const char *app_name, const time_t date,
                       const unsigned long level, const char *message) {
  (void)cls;
  struct tm tm;
  char stamp[32];
  gmtime_r(&date, &tm);
  strftime(stamp, sizeof stamp, "%FT%TZ", &tm);
  FILE *out = level & (Y_LOG_LEVEL_WARNING | Y_LOG_LEVEL_ERROR) ? stderr : stdout;
  /* One fprintf per line: stdio locks the stream, so lines of two threads never interleave. */
  if (current_request[0])
    fprintf(out, "%s - %s %s: req=%s %s\n", stamp, app_name, level_name(level), current_request,
            message);
  else
    fprintf(out, "%s - %s %s: %s\n", stamp, app_name, level_name(level), message);
  fflush(out);
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
